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
#   vdpa_nl.py edges                 the cases of vdpa_rs_test_parent
#   vdpa_nl.py paths N               vdpaN names, dumps of N devices, MACs
#   vdpa_nl.py race NAME P R MGMTDEV...  P processes race DEV_NEW NAME, R rounds
#   vdpa_nl.py delbind NAME MGMTDEV R    DEV_NEW/DEL against bind and unbind
#   vdpa_nl.py churn MODULE PATH C N     dumps while MODULE is reloaded C times
#   vdpa_nl.py races MODULE PATH     the three above, as core_races.sh runs them

import errno
import os
import select
import socket
import struct
import sys
import time

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


# The cases below check paths that work rather than errors: default
# names, dumps longer than one skb, a MAC set at run time, and requests
# racing each other or module unloads. Python starts slowly in the test
# VM, so each of them does a whole test step in one run.

def errname(err):
    return errno.errorcode.get(err, str(err)) if err else "0"


def answer(err, ext):
    return f"errno={errname(err)} msg='{ext}'"


def new_dev(nl, mgmtdev, name):
    return nl.vdpa("DEV_NEW", s(A["DEV_NAME"], name) + s(A["MGMTDEV_DEV_NAME"], mgmtdev))


def del_dev(nl, name):
    return nl.vdpa("DEV_DEL", s(A["DEV_NAME"], name))


def raw_attr(buf, atype):
    """The payload of the first attribute ATYPE of BUF, as bytes."""
    off = 0
    while off + 4 <= len(buf):
        ln, t = struct.unpack_from("=HH", buf, off)
        if ln < 4:
            break
        if t & 0x3fff == atype:
            return buf[off + 4:off + ln]
        off += (ln + 3) & ~3
    return b""


def bus_devices():
    return set(os.listdir("/sys/bus/vdpa/devices"))


def bus_line():
    return "bus: " + " ".join(sorted(bus_devices()))


def anon(nl):
    """Devices the parent allocates without a name are called vdpaN, N the
    lowest free index of the bus; the name asked for in DEV_NEW is only the
    parent's cue. Prints which name each request produced."""
    io = "vdpa_rs_test_io"

    def new(asked):
        before = bus_devices()
        err, ext, _ = new_dev(nl, io, asked)
        got = " ".join(sorted(bus_devices() - before)) or "-"
        print(f"new {asked}: {answer(err, ext)} -> {got}")
        if not err and not got.startswith("vdpa"):
            sys.exit(f"{asked} is not called vdpaN")
        return got

    def delete(name):
        print(f"del {name}: {answer(*del_dev(nl, name)[:2])}")

    first = new("anon0")
    second = new("anon1")
    third = new("anon0")            # the same cue again: another device
    delete(first)
    new("anon2")                    # takes the index just freed
    delete(second)
    delete(third)
    new("anon3")                    # the lowest free one again
    # A device explicitly named vdpa<C+1> takes the free index C itself;
    # the next anonymous device gets C+1, a name already taken.
    nxt = int(third[4:]) + 1
    print(f"new vdpa{nxt} (named): {answer(*new_dev(nl, io, f'vdpa{nxt}')[:2])}")
    new("anon4")
    delete(f"vdpa{nxt}")
    new("anon5")
    for name in sorted(bus_devices()):
        if name.startswith("vdpa"):
            delete(name)


def dump_all(family, cmd, bufsize=8192, timeout=60):
    """One dump on a fresh socket that only ever receives with BUFSIZE
    bytes, so the kernel sizes each skb of the dump by it (the first one,
    filled before any recv(), is NLMSG_GOODSIZE). Returns the messages
    (attribute bytes, payload), the number of recv() batches that held
    messages, the errno of NLMSG_DONE (None without one), the errno of an
    NLMSG_ERROR, and whether anything followed the end."""
    sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sk.setsockopt(270, NETLINK_EXT_ACK, 1)
    sk.bind((0, 0))
    sk.settimeout(timeout)
    payload = struct.pack("=BBH", CMD[cmd], 1, 0)
    sk.send(struct.pack("=IHHII", 16 + len(payload), family,
                        NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, 7, 0) + payload)
    res = dict(msgs=[], batches=0, done=None, error=None, trailing=False)
    while res["done"] is None and res["error"] is None:
        try:
            data, _, mflags, _ = sk.recvmsg(bufsize)
        except socket.timeout:
            raise SystemExit(f"{cmd} dump: nothing for {timeout}s (hung?)")
        if mflags & socket.MSG_TRUNC:
            raise SystemExit(f"{cmd} dump: a batch did not fit {bufsize} bytes")
        off, held = 0, False
        while off + 16 <= len(data):
            ln, mtype, fl, seq, _ = struct.unpack_from("=IHHII", data, off)
            if ln < 16 or seq != 7:
                raise SystemExit(f"{cmd} dump: bad message (len {ln}, seq {seq})")
            msg = data[off:off + ln]
            off += (ln + 3) & ~3
            if mtype == NLMSG_DONE:
                res["done"] = -struct.unpack_from("=i", msg, 16)[0]
            elif mtype == NLMSG_ERROR:
                res["error"] = -struct.unpack_from("=i", msg, 16)[0]
            elif mtype == family:
                if not fl & 0x2:
                    raise SystemExit(f"{cmd} dump: a message without NLM_F_MULTI")
                res["msgs"].append((msg[20:], msg[16:]))
                held = True
            else:
                raise SystemExit(f"{cmd} dump: unexpected message type {mtype}")
        if held:
            res["batches"] += 1
    sk.setblocking(False)
    try:
        sk.recv(bufsize)
        res["trailing"] = True
    except BlockingIOError:
        pass
    sk.close()
    return res


def check_dump(nl, cmd, want=None):
    """Dumps CMD and prints what came back; with WANT, the devices must be
    those, in that (bus) order, each once, over more than one batch. The
    payloads are hashed: on two stacks they must be the same bytes."""
    import hashlib  # here: imports are slow in the VM, and few cases hash
    res = dump_all(nl.family, cmd)
    key = A["MGMTDEV_DEV_NAME"] if cmd == "MGMTDEV_GET" else A["DEV_NAME"]
    names = [raw_attr(m[0], key).split(b"\0")[0].decode() for m in res["msgs"]]
    digest = hashlib.sha256(b"".join(m[1] for m in res["msgs"])).hexdigest()[:16]
    end = (f"NLMSG_DONE errno={errname(res['done'])}" if res["done"] is not None
           else f"NLMSG_ERROR errno={errname(res['error'])}")
    if res["trailing"]:
        end += ", then more"
    print(f"# {cmd} dump: {len(names)} messages in {res['batches']} batches")
    ok = res["done"] == 0 and not res["trailing"]
    if want is None:
        print(f"{cmd} dump: {' '.join(names)}; {end}; payload sha256 {digest}")
        return ok and len(set(names)) == len(names)
    if names == want:
        what = f"{want[0]}..{want[-1]} in bus order, each once"
    else:
        what = f"NOT the {len(want)} devices expected: {' '.join(names)}"
        ok = False
    batches = "several batches" if res["batches"] >= 2 else "ONE batch"
    print(f"{cmd} dump: {len(names)} messages, {what}; {batches}; {end}; "
          f"payload sha256 {digest}")
    return ok and res["batches"] >= 2


def paths(count):
    """anon(), then COUNT net devices of vdpa_rs_test_io, dumped; then a
    console device and one more net device: the config dump stops at the
    console device. Last, MACs set on a vdpa_sim_net device."""
    nl = Genl()
    anon(nl)
    print(bus_line())
    io = [f"io{i:03d}" for i in range(count)]
    t0 = time.monotonic()
    for name in io:
        err, ext, _ = new_dev(nl, "vdpa_rs_test_io", name)
        if err:
            sys.exit(f"new {name}: {answer(err, ext)}")
    print(f"# {count} devices created in {time.monotonic() - t0:.1f}s")
    ok = check_dump(nl, "DEV_GET", io)
    ok &= check_dump(nl, "DEV_CONFIG_GET", io)
    ok &= check_dump(nl, "MGMTDEV_GET")
    print(f"new con0: {answer(*new_dev(nl, 'vdpa_rs_test', 'con0')[:2])}")
    print(f"new zio: {answer(*new_dev(nl, 'vdpa_rs_test_io', 'zio')[:2])}")
    ok &= check_dump(nl, "DEV_CONFIG_GET", io)
    ok &= check_dump(nl, "DEV_GET", io + ["con0", "zio"])
    for name in io + ["con0", "zio"]:
        err, ext, _ = del_dev(nl, name)
        if err:
            sys.exit(f"del {name}: {answer(err, ext)}")
    print(bus_line())
    # A unicast MAC is taken; multicast, zero and broadcast ones are not.
    mac = attr(A["DEV_NET_CFG_MACADDR"], b"\x02\0\0\0\0\x01")
    err, ext, _ = nl.vdpa("DEV_NEW", s(A["DEV_NAME"], "sn0")
                          + s(A["MGMTDEV_DEV_NAME"], "vdpasim_net") + mac)
    print(f"new sn0 mac 02:00:00:00:00:01: {answer(err, ext)}")
    attr_set_mac(nl, "sn0", "02:11:22:33:44:55", "01:00:5e:00:00:01",
                 "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff")
    sys.exit(0 if ok else 1)


def attr_set_mac(nl, dev, *macs):
    """DEV_ATTR_SET of each MAC, each followed by the MAC DEV_CONFIG_GET
    reports."""
    for mac in macs:
        raw = bytes(int(x, 16) for x in mac.split(":"))
        err, ext, _ = nl.vdpa("DEV_ATTR_SET",
                              s(A["DEV_NAME"], dev) + attr(A["DEV_NET_CFG_MACADDR"], raw))
        print(f"attr_set {dev} mac {mac}: {answer(err, ext)}")
        err, ext, cfg = nl.vdpa("DEV_CONFIG_GET", s(A["DEV_NAME"], dev))
        now = ":".join(f"{b:02x}" for b in cfg[A["DEV_NET_CFG_MACADDR"]][0]) if not err else "-"
        print(f"config_get {dev}: {answer(err, ext)} mac {now}")


def race_one(mgmtdev, name, procs, rounds):
    """PROCS processes send DEV_NEW NAME at once, ROUNDS times, with a
    DEV_DEL between rounds: exactly one wins each round, the others get
    EEXIST. Prints the tally of the rounds' outcomes."""
    body = s(A["DEV_NAME"], name) + s(A["MGMTDEV_DEV_NAME"], mgmtdev)
    kids = []
    for _ in range(procs):
        go_r, go_w = os.pipe()
        res_r, res_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            for _, gw, rf in kids:
                os.close(gw)
                rf.close()
            os.close(go_w)
            os.close(res_r)
            nl = Genl()
            os.write(res_w, b"ready\n")
            while os.read(go_r, 1):
                err, ext, _ = nl.vdpa("DEV_NEW", body)
                os.write(res_w, f"{errname(err)} msg='{ext}'\n".encode())
            os._exit(0)
        os.close(go_r)
        os.close(res_w)
        kids.append((pid, go_w, os.fdopen(res_r)))
    for _, _, rf in kids:
        rf.readline()
    nl = Genl()
    tally, bad = {}, 0
    for rnd in range(rounds):
        for _, gw, _ in kids:
            os.write(gw, b"g")
        answers = sorted(rf.readline().strip() for _, _, rf in kids)
        key = ", ".join(answers)
        tally[key] = tally.get(key, 0) + 1
        err, ext, _ = del_dev(nl, name)
        wins = sum(a.startswith("0 ") for a in answers)
        if wins != 1 or err or any(not a.startswith(("0 ", "EEXIST ")) for a in answers):
            bad += 1
            print(f"# round {rnd}: {key}; del {answer(err, ext)}")
    for pid, gw, rf in kids:
        os.close(gw)
        rf.close()
        os.waitpid(pid, 0)
    for key, n in sorted(tally.items()):
        print(f"race {mgmtdev} {procs}x DEV_NEW {name}: {n}/{rounds} rounds: {key}")
    return bad == 0


def race(name, procs, rounds, *mgmtdevs):
    ok = True
    for m in mgmtdevs:
        t0 = time.monotonic()
        ok &= race_one(m, name, procs, rounds)
        print(f"# {rounds} rounds on {m} in {time.monotonic() - t0:.1f}s")
    return ok


class Background:
    """A forked child running loop(running) until stop(). running() is
    False once the parent stopped it, and waits while the parent has it
    disarmed (disarm() returns once the child is waiting)."""

    def __init__(self, loop, armed=True):
        ctl_r, self.ctl = os.pipe()
        rep_r, rep_w = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            os.close(self.ctl)
            os.close(rep_r)
            state = dict(armed=armed)

            def running():
                while True:
                    wait = None if not state["armed"] else 0
                    if not select.select([ctl_r], [], [], wait)[0]:
                        return True
                    c = os.read(ctl_r, 1)
                    if not c:
                        return False
                    state["armed"] = c == b"a"
                    if c == b"d":
                        os.write(rep_w, b"k")
            code, report = 1, "crashed"
            try:
                code, report = loop(running)
            except SystemExit as e:
                report = str(e.code)
            except Exception as e:  # noqa: BLE001 - reported, fails the test
                report = repr(e)
            finally:
                os.write(rep_w, (report + "\n").encode())
                os._exit(code)
        os.close(ctl_r)
        os.close(rep_w)
        self.rep = rep_r

    def arm(self):
        os.write(self.ctl, b"a")

    def disarm(self):
        os.write(self.ctl, b"d")
        if os.read(self.rep, 1) != b"k":
            raise SystemExit("the background child died")

    def stop(self):
        """The child's one-line report, and whether it exited 0."""
        os.close(self.ctl)
        with os.fdopen(self.rep) as f:
            report = f.read().strip()
        _, status = os.waitpid(self.pid, 0)
        return report, os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def poke(path, text):
    """Writes TEXT to a sysfs file; the device may be gone, errors are fine."""
    try:
        with open(path, "w") as f:
            f.write(text)
        return True
    except OSError:
        return False


def delbind(name, mgmtdev, rounds):
    """DEV_NEW and DEV_DEL of NAME, ROUNDS times, while a child keeps
    binding NAME to vhost_vdpa and virtio_vdpa, unbinding it and writing it
    to drivers_probe. Nothing may fail but the child's writes, and no
    device may be left.

    The child is held off while DEV_NEW runs: a drivers_probe write that
    lands inside device_add(), before the device is ready to probe, makes
    the driver core keep a deferred-probe reason it never frees (a driver
    core leak, not the bus's; kmemleak would report it)."""
    dev = f"/sys/bus/vdpa/devices/{name}"
    steps = []
    for drv in ("vhost_vdpa", "virtio_vdpa"):
        steps += [(f"{dev}/driver/unbind", name), (f"{dev}/driver_override", drv),
                  ("/sys/bus/vdpa/drivers_probe", name), (drv, None)]
    steps += [("/sys/bus/vdpa/drivers/virtio_vdpa/unbind", name),
              (f"{dev}/driver_override", "\n"), ("/sys/bus/vdpa/drivers_probe", name),
              ("/sys/bus/vdpa/drivers/vhost_vdpa/unbind", name)]

    def binder(running):
        n = binds = 0
        while True:
            for path, text in steps:
                if not running():
                    return 0, f"{n} binder steps, {binds} binds seen"
                if text is None:
                    try:
                        binds += os.path.basename(os.readlink(f"{dev}/driver")) == path
                    except OSError:
                        pass
                elif poke(path, text):
                    n += 1

    nl = Genl()
    t0 = time.monotonic()
    bg = Background(binder, armed=False)
    failed = None
    for i in range(rounds):
        err, ext, _ = new_dev(nl, mgmtdev, name)
        if err:
            failed = f"round {i}: DEV_NEW {answer(err, ext)}"
            break
        bg.arm()
        time.sleep((0, 0.1, 0.3)[i % 3])
        err, ext, _ = del_dev(nl, name)
        bg.disarm()
        if err:
            failed = f"round {i}: DEV_DEL {answer(err, ext)}"
            break
    report, _ = bg.stop()
    print(f"# {rounds} DEV_NEW/DEV_DEL of {name} against {report}, "
          f"in {time.monotonic() - t0:.1f}s")
    if failed:
        sys.exit(failed)
    if os.path.exists(dev):
        sys.exit(f"{name} is still on the bus")
    err, ext, _ = nl.vdpa("DEV_GET", s(A["DEV_NAME"], name))
    if err != errno.ENODEV:
        sys.exit(f"DEV_GET {name} after the last del: {answer(err, ext)}")
    return True


def churn(module, path, cycles, count):
    """Dumps of every kind run in a child while MODULE (a parent) is
    removed and inserted again CYCLES times, each time with COUNT net
    devices and a few console devices: every dump must end cleanly."""
    import subprocess

    def dumper(running):
        nl = Genl()
        seen, n = {}, 0
        while running() or n < 3:
            cmd = ("DEV_GET", "MGMTDEV_GET", "DEV_CONFIG_GET")[n % 3]
            res = dump_all(nl.family, cmd)
            if res["trailing"]:
                return 1, f"{cmd} dump: messages after its end"
            end = (f"done {errname(res['done'])}" if res["done"] is not None
                   else f"error {errname(res['error'])}")
            seen[f"{cmd} {end}"] = seen.get(f"{cmd} {end}", 0) + 1
            n += 1
        return 0, f"{n} dumps: " + ", ".join(f"{k} x{v}" for k, v in sorted(seen.items()))

    def populate(nl, cycle):
        for i in range(count):
            err, ext, _ = new_dev(nl, "vdpa_rs_test_io", f"io{i:03d}")
            if err:
                sys.exit(f"cycle {cycle}: new io{i:03d}: {answer(err, ext)}")
        for i in range(4):
            err, ext, _ = new_dev(nl, "vdpa_rs_test", f"con{i}")
            if err:
                sys.exit(f"cycle {cycle}: new con{i}: {answer(err, ext)}")

    nl = Genl()
    t0 = time.monotonic()
    populate(nl, 0)
    bg = Background(dumper)
    for cycle in range(1, cycles + 1):
        subprocess.run(["rmmod", module], check=True)
        subprocess.run(["insmod", path], check=True)
        populate(nl, cycle)
    report, ok = bg.stop()
    print(f"# {cycles} unloads of {module} with devices, meanwhile {report}, "
          f"in {time.monotonic() - t0:.1f}s")
    return ok


def races(module, path):
    """The three races of core_races.sh in one run: python starts slowly
    in the VM."""
    sys.stdout.flush()
    ok = race("race0", 4, 30, "vdpasim_net", "vdpa_rs_test")
    sys.stdout.flush()
    ok &= delbind("rb0", "vdpasim_net", 25)
    sys.stdout.flush()
    return ok and churn(module, path, 3, 30)


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) == 2 and a[0] == "errors":
        errors(a[1])
    elif a == ["edges"]:
        edges()
    elif len(a) == 2 and a[0] == "paths":
        paths(int(a[1]))
    elif len(a) >= 5 and a[0] == "race":
        sys.exit(0 if race(a[1], int(a[2]), int(a[3]), *a[4:]) else 1)
    elif len(a) == 4 and a[0] == "delbind":
        delbind(a[1], a[2], int(a[3]))
    elif len(a) == 5 and a[0] == "churn":
        sys.exit(0 if churn(a[1], a[2], int(a[3]), int(a[4])) else 1)
    elif len(a) == 3 and a[0] == "races":
        sys.exit(0 if races(a[1], a[2]) else 1)
    else:
        sys.exit(__doc__)
