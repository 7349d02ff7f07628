#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# vdpa_nl.py: a raw generic-netlink client for the "vdpa" family, for the
# requests the iproute2 tool cannot send (malformed attributes, unknown
# commands, dumps with junk). Each case sends one request and prints one
# line "name: errno=N msg='extack'" that the shell test compares with the
# expected answer.
#
#   vdpa_nl.py errors MGMTDEV        run the error cases against MGMTDEV

import errno
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
NETLINK_EXT_ACK = 11
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLMSGERR_ATTR_MSG = 1

# vdpa uapi (include/uapi/linux/vdpa.h)
CMD = dict(MGMTDEV_GET=2, DEV_NEW=3, DEV_DEL=4, DEV_GET=5, DEV_CONFIG_GET=6,
           DEV_VSTATS_GET=7, DEV_ATTR_SET=8)
A = dict(MGMTDEV_BUS_NAME=1, MGMTDEV_DEV_NAME=2, DEV_NAME=4, DEV_ID=5,
         DEV_NET_CFG_MACADDR=10, DEV_NET_CFG_MAX_VQP=12, DEV_NET_CFG_MTU=13,
         DEV_QUEUE_INDEX=17, DEV_FEATURES=20)


def attr(atype, payload):
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    pad = b"\0" * ((4 - len(payload) % 4) % 4)
    return hdr + payload + pad


def s(atype, text):
    return attr(atype, text.encode() + b"\0")


def u16(atype, v):
    return attr(atype, struct.pack("=H", v))


def u32(atype, v):
    return attr(atype, struct.pack("=I", v))


def u64(atype, v):
    return attr(atype, struct.pack("=Q", v))


class Genl:
    def __init__(self):
        self.sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sk.setsockopt(270, NETLINK_EXT_ACK, 1)  # SOL_NETLINK
        self.sk.bind((0, 0))
        self.seq = 1
        answer = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, s(CTRL_ATTR_FAMILY_NAME, "vdpa"))
        if answer[0] != 0:
            raise SystemExit(f"family vdpa not found: errno {answer[0]}")
        self.family = answer[2][CTRL_ATTR_FAMILY_ID][0]

    def request(self, ftype, cmd, body=b"", flags=NLM_F_REQUEST | NLM_F_ACK, version=1, raw=None):
        """Send one request; return (errno, extack message, attrs of the first reply)."""
        self.seq += 1
        payload = raw if raw is not None else struct.pack("=BBH", cmd, version, 0) + body
        self.sk.send(struct.pack("=IHHII", 16 + len(payload), ftype, flags, self.seq, 0) + payload)
        first = None
        while True:
            data = self.sk.recv(65536)
            off = 0
            while off + 16 <= len(data):
                ln, mtype, mflags, seq, _ = struct.unpack_from("=IHHII", data, off)
                msg = data[off:off + ln]
                off += (ln + 3) & ~3
                if mtype == NLMSG_DONE:
                    return 0, "", first
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", msg, 16)[0]
                    ext = ""
                    # The request comes back whole unless capped; the
                    # extended ACK's TLVs follow it.
                    orig_len = struct.unpack_from("=I", msg, 20)[0]
                    tlv = 20 + (16 if mflags & 0x100 else (orig_len + 3) & ~3)
                    while mflags & 0x200 and tlv + 4 <= len(msg):
                        tl, tt = struct.unpack_from("=HH", msg, tlv)
                        if tl < 4:
                            break
                        if tt & 0x3fff == NLMSGERR_ATTR_MSG:
                            ext = msg[tlv + 4:tlv + tl].split(b"\0")[0].decode()
                        tlv += (tl + 3) & ~3
                    return err, ext, first
                if first is None:
                    first = parse_attrs(msg[20:])
                if not mflags & 0x2:  # not NLM_F_MULTI: an ACK follows
                    continue

    def vdpa(self, cmd, body=b"", **kw):
        return self.request(self.family, CMD[cmd] if isinstance(cmd, str) else cmd, body, **kw)


def parse_attrs(buf):
    out = {}
    off = 0
    while off + 4 <= len(buf):
        ln, t = struct.unpack_from("=HH", buf, off)
        if ln < 4:
            break
        p = buf[off + 4:off + ln]
        out.setdefault(t & 0x3fff, []).append(
            struct.unpack("=H", p)[0] if len(p) == 2 else
            struct.unpack("=I", p)[0] if len(p) == 4 else
            struct.unpack("=Q", p)[0] if len(p) == 8 and t != 10 else p)
        off += (ln + 3) & ~3
    return out


def errors(mgmtdev):
    nl = Genl()
    m = s(A["MGMTDEV_DEV_NAME"], mgmtdev)
    n = lambda name: s(A["DEV_NAME"], name)  # noqa: E731
    dump = NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP
    cases = [
        ("new_no_name", "DEV_NEW", m, {}),
        ("new_no_mgmtdev", "DEV_NEW", n("e0"), {}),
        ("new_unknown_mgmtdev", "DEV_NEW", n("e0") + s(A["MGMTDEV_DEV_NAME"], "nosuchmgmt"), {}),
        ("new_with_bus_on_busless", "DEV_NEW", n("e0") + s(A["MGMTDEV_BUS_NAME"], "pci") + m, {}),
        ("new_mtu_67", "DEV_NEW", n("e0") + m + u16(A["DEV_NET_CFG_MTU"], 67), {}),
        ("new_mac_5_bytes", "DEV_NEW", n("e0") + m + attr(A["DEV_NET_CFG_MACADDR"], b"\x02\0\0\0\x01"), {}),
        ("new_mtu_u32", "DEV_NEW", n("e0") + m + u32(A["DEV_NET_CFG_MTU"], 1500), {}),
        ("new_max_vqp_0", "DEV_NEW", n("e0") + m + u16(A["DEV_NET_CFG_MAX_VQP"], 0), {}),
        ("new_max_vqp_unsupported", "DEV_NEW", n("e0") + m + u16(A["DEV_NET_CFG_MAX_VQP"], 1), {}),
        ("new_missing_features", "DEV_NEW", n("e0") + m + u16(A["DEV_NET_CFG_MTU"], 1500)
         + u64(A["DEV_FEATURES"], 1 << 32), {}),
        ("new_features_not_subset", "DEV_NEW", n("e0") + m + u64(A["DEV_FEATURES"], 1 << 60), {}),
        ("new_unknown_attr_type", "DEV_NEW", n("e0") + m + attr(99, b"\0\0\0\0"), {}),
        ("new_unsupported_attr", "DEV_NEW", n("e0") + m + u32(A["DEV_ID"], 1), {}),
        ("new_trailing_bytes", "DEV_NEW", n("e0") + m + b"\x01\x00", {}),
        ("new_nested_flag_mtu", "DEV_NEW", n("e0") + m + attr(0x8000 | A["DEV_NET_CFG_MTU"], struct.pack("=H", 1500)), {}),
        ("new_short_header", "DEV_NEW", n("e0") + m + b"\x02\x00\x0d\x00", {}),
        ("new_empty_name", "DEV_NEW", attr(A["DEV_NAME"], b"") + m, {}),
        ("new_bus_name_no_nul", "DEV_NEW", n("e0") + m + attr(A["MGMTDEV_BUS_NAME"], b"pci"), {}),
        ("new_duplicate", "DEV_NEW", n("dup0") + m, {}),
        ("del_no_name", "DEV_DEL", b"", {}),
        ("del_unknown", "DEV_DEL", n("nosuchdev"), {}),
        ("get_no_name", "DEV_GET", b"", {}),
        ("get_unknown", "DEV_GET", n("nosuchdev"), {}),
        ("get_dump_junk", "DEV_GET", attr(99, b"\0\0\0\0"), {"flags": dump}),
        ("config_unknown", "DEV_CONFIG_GET", n("nosuchdev"), {}),
        ("vstats_no_index", "DEV_VSTATS_GET", n("dup0"), {}),
        ("vstats_index_too_big", "DEV_VSTATS_GET", n("dup0") + u32(A["DEV_QUEUE_INDEX"], 0x8001), {}),
        ("vstats_not_negotiated", "DEV_VSTATS_GET", n("dup0") + u32(A["DEV_QUEUE_INDEX"], 0), {}),
        ("mgmtdev_get_no_name", "MGMTDEV_GET", b"", {}),
        ("mgmtdev_get_unknown", "MGMTDEV_GET", s(A["MGMTDEV_DEV_NAME"], "nosuchmgmt"), {}),
        ("attr_set_no_mac", "DEV_ATTR_SET", n("dup0"), {}),
        ("attr_set_multicast_mac", "DEV_ATTR_SET", n("dup0") + attr(A["DEV_NET_CFG_MACADDR"], b"\x01\0\0\0\0\x01"), {}),
        ("attr_set_unknown_dev", "DEV_ATTR_SET", n("nosuchdev") + attr(A["DEV_NET_CFG_MACADDR"], b"\x02\0\0\0\0\x01"), {}),
        ("attr_set_reserved_hdr", 8, None, {"raw": struct.pack("=BBH", 8, 1, 1) + n("dup0")}),
        ("attr_set_create_flag", "DEV_ATTR_SET", n("dup0"), {"flags": NLM_F_REQUEST | NLM_F_ACK | 0x400}),
        ("config_dump_junk", "DEV_CONFIG_GET", u32(A["DEV_ID"], 1), {"flags": dump}),
        ("mgmtdev_dump_ok", "MGMTDEV_GET", b"", {"flags": dump}),
        ("unknown_cmd_0", 0, b"", {}),
        ("unknown_cmd_1", 1, b"", {}),
        ("unknown_cmd_9", 9, b"", {}),
        ("new_as_dump", "DEV_NEW", n("e0") + m, {"flags": dump}),
    ]
    # Create the device the cases above expect to exist.
    err, ext, _ = nl.vdpa("DEV_NEW", n("dup0") + m)
    if err:
        raise SystemExit(f"creating dup0 failed: errno {err} {ext}")
    for name, cmd, body, kw in cases:
        err, ext, _ = nl.vdpa(cmd, body if body is not None else b"", **kw)
        print(f"{name}: errno={errno.errorcode.get(err, err) if err else 0} msg='{ext}'")
    # As an unprivileged user: admin commands are refused, queries are not.
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        os.setgroups([])
        os.setresgid(65534, 65534, 65534)
        os.setresuid(65534, 65534, 65534)
        unl = Genl()
        for name, cmd, body in [("unpriv_new", "DEV_NEW", n("e1") + m),
                                ("unpriv_del", "DEV_DEL", n("dup0")),
                                ("unpriv_vstats", "DEV_VSTATS_GET", n("dup0") + u32(A["DEV_QUEUE_INDEX"], 0)),
                                ("unpriv_attr_set", "DEV_ATTR_SET", n("dup0")),
                                ("unpriv_get", "DEV_GET", n("dup0")),
                                ("unpriv_mgmtdev_get", "MGMTDEV_GET", m)]:
            err, ext, _ = unl.vdpa(cmd, body)
            print(f"{name}: errno={errno.errorcode.get(err, err) if err else 0} msg='{ext}'")
        sys.stdout.flush()
        os._exit(0)
    os.waitpid(pid, 0)
    err, ext, _ = nl.vdpa("DEV_DEL", n("dup0"))
    print(f"del_dup0: errno={errno.errorcode.get(err, err) if err else 0} msg='{ext}'")


def edges():
    """Cases that need vdpa_rs_test_parent: unmanaged devices, a class that
    is neither net nor block, a multi-class management device."""
    nl = Genl()
    n = lambda name: s(A["DEV_NAME"], name)  # noqa: E731
    con = s(A["MGMTDEV_DEV_NAME"], "vdpa_rs_test")
    multi = s(A["MGMTDEV_DEV_NAME"], "vdpa_rs_test_multi")
    mac = attr(A["DEV_NET_CFG_MACADDR"], b"\x02\0\0\0\0\x07")
    cases = [
        ("get_unmanaged", "DEV_GET", n("rs_unmanaged0")),
        ("del_unmanaged", "DEV_DEL", n("rs_unmanaged0")),
        ("config_unmanaged", "DEV_CONFIG_GET", n("rs_unmanaged0")),
        ("vstats_unmanaged", "DEV_VSTATS_GET", n("rs_unmanaged0") + u32(A["DEV_QUEUE_INDEX"], 0)),
        ("attr_set_unmanaged", "DEV_ATTR_SET", n("rs_unmanaged0") + mac),
        ("new_name_of_unmanaged", "DEV_NEW", n("rs_unmanaged0") + con),
        ("new_console", "DEV_NEW", n("c0") + con),
        ("config_console", "DEV_CONFIG_GET", n("c0")),
        ("vstats_console", "DEV_VSTATS_GET", n("c0") + u32(A["DEV_QUEUE_INDEX"], 0)),
        ("attr_set_console", "DEV_ATTR_SET", n("c0") + mac),
        ("new_console_mtu", "DEV_NEW", n("c1") + con + u16(A["DEV_NET_CFG_MTU"], 1500)),
        ("new_multi_ambiguous", "DEV_NEW", n("m0") + multi + u64(A["DEV_FEATURES"], 1 << 5)),
        ("new_multi_transport_only", "DEV_NEW", n("m1") + multi + u64(A["DEV_FEATURES"], 1 << 32)),
        ("new_multi_mac", "DEV_NEW", n("m2") + multi + mac),
        ("del_console", "DEV_DEL", n("c0")),
        ("del_multi", "DEV_DEL", n("m1")),
    ]
    for name, cmd, body in cases:
        err, ext, _ = nl.vdpa(cmd, body)
        print(f"{name}: errno={errno.errorcode.get(err, err) if err else 0} msg='{ext}'")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "errors":
        errors(sys.argv[2])
    elif len(sys.argv) == 2 and sys.argv[1] == "edges":
        edges()
    else:
        sys.exit(__doc__)
