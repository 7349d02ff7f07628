#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# mlx5_model.py: drives an mlx5_vdpa device through /dev/vhost-vdpa-N while
# the ConnectX firmware model (tests/kmod/mlx5_model.c, loaded as
# mlx5_core) records what the driver asks of the firmware. Each check
# prints "# ok: ..." or "# FAIL: ..."; the exit code is 1 if one failed.
#
#   mlx5_model.py lifecycle NODE OUT   the life cycle with its checks;
#                                      the normalised MKEY tables at three
#                                      points go to OUT
#   mlx5_model.py session NODE         the life cycle without checks that
#                                      need the whole of it to succeed
#                                      (under error injection): exits 0,
#                                      or 3 with the errno line of the
#                                      first step that failed
#   mlx5_model.py netlink BUS DEV      the provisioning the vdpa tool of
#                                      this machine cannot express:
#                                      device_features, DEV_ATTR_SET
#   mlx5_model.py objects              the model's object counts
#   mlx5_model.py trace                the normalised command stream
#                                      since the trace was last cleared
#
# Translations are proved end to end: every mapped IOVA, resolved through
# the mkey the hardware virtqueue holds, must give the physical address of
# the user page (/proc/self/pagemap), and every IOVA in a hole must reach
# the null mkey.

import errno
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vhost_io as V  # noqa: E402
from vhost_io import ok, fail, check  # noqa: E402

DBG = "/sys/kernel/debug/mlx5_model/"
PAGE = V.PAGE
GIB = 1 << 30

# Backend features (vhost_types.h).
B_MSG_V2, B_BATCH, B_ASID = 1 << 1, 1 << 2, 1 << 3
B_SUSPEND, B_RESUME, B_AFTER_OK, B_DESC_ASID, B_PERSIST = 1 << 4, 1 << 5, 1 << 6, 1 << 7, 1 << 8
VHOST_VDPA_SUSPEND = V._io(0x7D)
VHOST_VDPA_RESUME = V._io(0x7E)

# Virtio net features the test negotiates: VERSION_1 ACCESS_PLATFORM MAC
# STATUS MTU.
F_NET = (1 << 32) | (1 << 33) | (1 << 5) | (1 << 16) | (1 << 3)

# The IOTLB: three regions with holes of more than 1 GiB and more than
# 4 GiB between them, each one UPDATE of several pages (vhost-vdpa pins
# them and passes one entry per physically contiguous run).
REGIONS = [(0x0, 0, 24), (2 * GIB + 0x10000, 24, 8), (12 * GIB, 32, 8)]
# Added while DRIVER_OK: a change of map.
LATE = (20 * GIB, 40, 4)
NPAGES = 44
VQS = 2
VQ_SIZES = [256, 128]


def read(name):
    with open(DBG + name) as f:
        return f.read()


def write(name, text):
    with open(DBG + name, "w") as f:
        f.write(text)


def objects():
    out = {}
    for line in read("objects").splitlines():
        k, v = line.split()
        out[k] = int(v)
    return out


def vqs():
    """The model's virtqueue objects by queue index."""
    out = {}
    for line in read("vqs").splitlines():
        w = line.split()
        if w[0] != "virtq":
            continue
        d = {"id": int(w[1])}
        for i in range(2, len(w) - 1, 2):
            d[w[i]] = w[i + 1]
        out[int(d["index"])] = d
    return out


def resolve(key, addr):
    write("resolve", "%x %x" % (key, addr))
    return read("resolve").strip()


def pagemap_pa(vaddr):
    with open("/proc/self/pagemap", "rb") as f:
        f.seek(vaddr // PAGE * 8)
        e = struct.unpack("=Q", f.read(8))[0]
    if not e >> 63:
        return None
    return (e & ((1 << 55) - 1)) * PAGE + vaddr % PAGE


def trace_lines():
    """The command stream with object ids replaced by their order of
    first appearance per object table (ids differ between drivers), and
    without times and counts in flight (which vary from run to run).
    QUERY_VPORT_STATE is also issued by mlx5_vdpa's link work, at a time
    the test does not order: only its count is kept, at the end."""
    names = {}
    out = []
    vport_queries = 0
    for line in read("trace").splitlines():
        w = line.split()
        op, op_mod, obj_type, obj_id, status = w[3], w[4], w[5], int(w[6]), w[7]
        if op == "QUERY_VPORT_STATE":
            vport_queries += 1
            continue
        kind = w[9]
        notes = w[11:]
        key = (op.split("_", 1)[-1], obj_type)
        ref = ""
        if obj_id:
            table = names.setdefault(key, {})
            ref = " #%d" % table.setdefault(obj_id, len(table) + 1)
        out.append("%s op_mod %s type %s%s status %s %s%s" %
                   (op, op_mod, obj_type, ref, status, kind, "".join(" " + n for n in notes)))
    out.append("QUERY_VPORT_STATE x%d, unordered" % vport_queries)
    return out


def mkey_lines():
    """The MKEY tables: keys renamed in order of appearance, MTT lists
    replaced by their lengths (PAs of anonymous pages vary)."""
    keys = {}
    out = []
    null = None

    def name(k):
        if k == null:
            return "null"
        return keys.setdefault(k, "k%d" % (len(keys) + 1))

    for line in read("mkeys").splitlines():
        w = line.split()
        if w[0] == "null":
            null = w[1]
            continue
        if w[0] == "mkey":
            # "mkey KEY MODE lr L lw W start S len N [len64] page P n E":
            # the page size and entry count of an MTT mkey follow the
            # physical layout, a KLM mkey's count does not.
            fields = w[2:w.index("page")]
            if w[2] == "KLM":
                fields += ["n", w[-1]]
            out.append("mkey %s %s" % (name(w[1]), " ".join(fields)))
        elif w[0] == "klm":
            out.append("  klm %s %s" % (name(w[1]), " ".join(w[2:])))
    return out


def settle():
    """Waits for the driver's deferred work (mlx5_vdpa destroys an MR it
    replaced 2 s later): until no command reached the model for 2.5 s,
    at most 20 s."""
    last, quiet = objects()["commands"], 0
    for _ in range(200):
        time.sleep(0.1)
        now = objects()["commands"]
        quiet = quiet + 1 if now == last else 0
        last = now
        if quiet >= 25:
            return
    fail("the driver kept issuing commands for 20 s")


class Step(Exception):
    """A step of the life cycle failed with an errno."""


def step(what, fn, *args):
    try:
        return fn(*args)
    except OSError as e:
        raise Step("%s: %s" % (what, errno.errorcode.get(e.errno, e.errno)))


class Lifecycle:
    def __init__(self, node, checks):
        self.node = node
        self.checks = checks
        self.out = None
        self.mem = V.Memory(NPAGES)
        self.d = None

    def chk(self, what, got, want):
        if self.checks:
            check(what, got, want)

    def open(self):
        d = self.d = V.Vhost(self.node)
        step("SET_OWNER", d.set_owner)
        offered = step("GET_BACKEND_FEATURES", d.get_backend_features)
        self.backend = offered & (B_MSG_V2 | B_BATCH | B_ASID | B_SUSPEND | B_RESUME |
                                  B_AFTER_OK | B_PERSIST)
        self.chk("backend features offered (PERSIST, SUSPEND, RESUME, ASID)",
                 offered & (B_PERSIST | B_SUSPEND | B_RESUME | B_ASID),
                 B_PERSIST | B_SUSPEND | B_RESUME | B_ASID)
        step("SET_BACKEND_FEATURES", d.set_backend_features, self.backend)
        feats = step("GET_FEATURES", d.get_features)
        self.chk("device features include the negotiated set", feats & F_NET, F_NET)

    def map_regions(self, regions):
        d = self.d
        d.iotlb(V.IOTLB_BATCH_BEGIN)
        for iova, first, n in regions:
            step("IOTLB_UPDATE 0x%x" % iova, d.iotlb, V.IOTLB_UPDATE, 0, iova, n * PAGE,
                 self.mem.page(first), V.ACCESS_RW)
        step("IOTLB_BATCH_END", d.iotlb, V.IOTLB_BATCH_END)

    def setup(self):
        d = self.d
        step("negotiate", d.negotiate, F_NET)
        self.map_regions(REGIONS)
        for i in range(VQS):
            r = V.Ring(d, i)
            # the rings live in the first region
            r.desc, r.avail, r.used = 0x2000 * i, 0x2000 * i + 0x1000, 0x2000 * i + 0x1800
            step("SET_VRING_NUM %d" % i, d.ioctl, V.VHOST_SET_VRING_NUM, "=II", i, VQ_SIZES[i])
            step("SET_VRING_ADDR %d" % i, d.vring_addr, i, r.desc, r.avail, r.used)
            step("SET_VRING_BASE %d" % i, d.ioctl, V.VHOST_SET_VRING_BASE, "=II", i, 0)
            step("SET_VRING_KICK %d" % i, d.vring_file, V.VHOST_SET_VRING_KICK, i, r.kick)
            step("SET_VRING_CALL %d" % i, d.vring_file, V.VHOST_SET_VRING_CALL, i, r.call)
            step("SET_VRING_ENABLE %d" % i, r.enable, True)
        step("DRIVER_OK", d.set_status, V.S_NEGOTIATED | V.S_DRIVER_OK)
        got = step("GET_STATUS", d.status)
        if got & 0x80:
            raise Step("DRIVER_OK: device FAILED (status 0x%x)" % got)
        self.settle()

    def check_vqs(self, what, state):
        q = vqs()
        for i in range(VQS):
            v = q.get(i)
            if v is None:
                fail("%s: no hardware virtqueue %d" % (what, i))
                continue
            check("%s: vq %d state" % (what, i), v["state"], state)
            check("%s: vq %d size (needs_teardown)" % (what, i), int(v["size"]), VQ_SIZES[i])
            check("%s: vq %d desc" % (what, i), int(v["desc"], 16), 0x2000 * i)
        return q

    def check_translation(self, what, regions, holes):
        key = int(vqs()[0]["mkey"], 16)
        bad = 0
        for iova, first, n in regions:
            for p in range(n):
                want = pagemap_pa(self.mem.page(first + p))
                for off in (0, 0x7f8):
                    got = resolve(key, iova + p * PAGE + off)
                    if got != "0x%x" % (want + off):
                        bad += 1
                        if bad < 5:
                            fail("%s: IOVA 0x%x resolves to %s, expected 0x%x" %
                                 (what, iova + p * PAGE + off, got, want + off))
        npages = sum(r[2] for r in regions)
        if not bad:
            ok("%s: %d mapped pages resolve to their PA through mkey 0x%x" % (what, npages, key))
        for h in holes:
            check("%s: hole IOVA 0x%x" % (what, h), resolve(key, h), "null")

    def settle(self):
        # Without checks nothing waits for the deferred work: dev del
        # flushes it.
        if self.checks:
            settle()

    def snapshot(self, what):
        if self.out:
            self.out.write("# the MKEY tables %s\n" % what)
            self.out.write("".join(x + "\n" for x in mkey_lines()))

    def run(self):
        self.open()
        self.setup()
        if self.checks:
            self.check_vqs("DRIVER_OK", "RDY")
            self.check_translation("DRIVER_OK", REGIONS,
                                   [24 * PAGE, GIB + 0x5000, 2 * GIB, 5 * GIB, 11 * GIB + 0x123000])
        # A change of map while DRIVER_OK: suspend, new mkeys, resume.
        self.map_regions([LATE])
        self.settle()
        if self.checks:
            self.check_vqs("change of map", "RDY")
            self.check_translation("change of map", REGIONS + [LATE], [13 * GIB, 19 * GIB])
        self.snapshot("after the change of map")
        if self.backend & B_SUSPEND:
            step("SUSPEND", self.d.ioctl, VHOST_VDPA_SUSPEND, "=Q", 0)
            if self.checks:
                self.check_vqs("SUSPEND", "SUSPEND")
            step("RESUME", self.d.ioctl, VHOST_VDPA_RESUME, "=Q", 0)
            if self.checks:
                self.check_vqs("RESUME", "RDY")
        # Reset with IOTLB_PERSIST acked: the user MR stays.
        step("reset", self.d.set_status, 0)
        if self.checks:
            keys = [x for x in mkey_lines() if x.startswith("mkey")]
            check("reset with PERSIST keeps the user MR (mkeys)", len(keys) >= 3, True)
        self.snapshot("after the reset")
        self.d.close()
        self.d = None
        self.settle()
        self.snapshot("after the release (reset_map)")
        if self.checks:
            modes = [x.split()[2] for x in mkey_lines() if x.startswith("mkey")]
            check("after the release: only the 1:1 DMA MR", modes, ["PA"])


def netlink(bus, dev):
    """DEV_NEW with device_features: a feature the management device does
    not offer is EINVAL, a set without VERSION_1 and ACCESS_PLATFORM is
    EOPNOTSUPP, a good subset is a device; then DEV_ATTR_SET of the MAC
    of a device is read back by DEV_CONFIG_GET."""
    import vdpa_nl as N
    nl = N.Genl()
    A = N.A
    mgmt = N.s(A["MGMTDEV_BUS_NAME"], bus) + N.s(A["MGMTDEV_DEV_NAME"], dev)
    mac, packed = 1 << 5, 1 << 34
    v1_ap = (1 << 32) | (1 << 33)

    def new(name, *extra):
        return nl.vdpa("DEV_NEW", N.s(A["DEV_NAME"], name) + mgmt + b"".join(extra))[:2]

    def delete(name):
        return nl.vdpa("DEV_DEL", N.s(A["DEV_NAME"], name))[0]

    for what, feats, want in (("with RING_PACKED", v1_ap | packed | mac, errno.EINVAL),
                              ("without ACCESS_PLATFORM", (1 << 32) | mac, errno.EOPNOTSUPP)):
        err, ext = new("mbad", N.u64(A["DEV_FEATURES"], feats))
        if err == 0:
            delete("mbad")
        check(f"dev add device_features {what} ({feats:#x}): errno ({ext!r})",
              N.errname(err), N.errname(want))
    err, ext = new("mfeat", N.u64(A["DEV_FEATURES"], v1_ap | mac | (1 << 16)))
    check(f"dev add device_features {v1_ap | mac | (1 << 16):#x}: errno ({ext!r})",
          N.errname(err), "0")
    if err == 0:
        check("dev del mfeat: errno", N.errname(delete("mfeat")), "0")
    err, ext = new("mset", N.attr(A["DEV_NET_CFG_MACADDR"], bytes.fromhex("020000005a01")))
    check(f"dev add mset: errno ({ext!r})", N.errname(err), "0")
    if err:
        return
    err, ext, _ = nl.vdpa("DEV_ATTR_SET", N.s(A["DEV_NAME"], "mset")
                          + N.attr(A["DEV_NET_CFG_MACADDR"], bytes.fromhex("020000005a02")))
    check(f"dev set mset mac 02:00:00:00:5a:02: errno ({ext!r})", N.errname(err), "0")
    err, ext, cfg = nl.vdpa("DEV_CONFIG_GET", N.s(A["DEV_NAME"], "mset"))
    got = cfg[A["DEV_NET_CFG_MACADDR"]][0].hex(":") if not err and cfg else N.errname(err)
    check("dev config show mset: mac", got, "02:00:00:00:5a:02")
    check("dev del mset: errno", N.errname(delete("mset")), "0")


def main():
    cmd = sys.argv[1]
    if cmd == "netlink":
        netlink(sys.argv[2], sys.argv[3])
        return 1 if V.failures else 0
    if cmd == "objects":
        for k, v in objects().items():
            print(k, v)
        return 0
    if cmd == "trace":
        print("\n".join(trace_lines()))
        return 0
    node = sys.argv[2]
    if cmd == "session":
        try:
            Lifecycle(node, False).run()
        except Step as e:
            print("# errno: %s" % e)
            return 3
        return 0
    if cmd == "lifecycle":
        lc = Lifecycle(node, True)
        with open(sys.argv[3], "w") as lc.out:
            V.run_reporting(__file__, "life cycle", lc.run)
        return 1 if V.failures else 0
    print("usage: mlx5_model.py lifecycle|session NODE [OUT] | netlink BUS DEV | objects | trace", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
