#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# vhost_io.py: a small vhost-vdpa client, doing what QEMU does with
# /dev/vhost-vdpa-N (owner, features, backend features, config, status,
# rings, IOTLB messages), for the vdpa_rs_test_io devices of
# vdpa_rs_test_parent. Every check compares with a fixed expectation taken
# from the upstream sources (drivers/vhost/vdpa.c, vhost.c) and the test
# parent's specification and prints "# ok: ..." or "# FAIL: ...". A failed
# check does not stop the run; an unexpected error ends its session (which
# closes its file, so that the next one can open the device). The exit code
# is 1 if anything failed. The parent's own kernel log lines
# ("vdpa_rs_test_parent: DEV: ...") are read from /dev/kmsg (never
# cleared) after every step, so each step is held to the exact lines it
# causes.
#
#   vhost_io.py SESSION DEV NODE [SESSION DEV NODE]...
#     basic    split ring, IOTLB batches, kick/call, reset without
#              IOTLB_PERSIST, ASIDs, errors
#     persist  IOTLB_PERSIST acked: maps survive a reset
#     packed   packed ring state through SET/GET_VRING_BASE
#     dma      a dma_map/dma_unmap parent
#   vhost_io.py xmit IFNAME N    send N frames on IFNAME (AF_PACKET)

import ctypes
import errno
import fcntl
import mmap
import os
import select
import socket
import struct
import sys

# ioctl encoding (include/uapi/asm-generic/ioctl.h): dir<<30|size<<16|type<<8|nr
_IOC_WRITE = 1
_IOC_READ = 2
VHOST_VIRTIO = 0xAF


def _ioc(d, nr, size):
    return (d << 30) | (size << 16) | (VHOST_VIRTIO << 8) | nr


def _io(nr):
    return _ioc(0, nr, 0)


def _ior(nr, size):
    return _ioc(_IOC_READ, nr, size)


def _iow(nr, size):
    return _ioc(_IOC_WRITE, nr, size)


def _iowr(nr, size):
    return _ioc(_IOC_READ | _IOC_WRITE, nr, size)


STATE = 8    # struct vhost_vring_state {u32 index; u32 num}
FILE = 8     # struct vhost_vring_file {u32 index; s32 fd}
ADDR = 40    # struct vhost_vring_addr {u32 index, flags; u64 desc, used, avail, log}

VHOST_GET_FEATURES = _ior(0x00, 8)
VHOST_SET_FEATURES = _iow(0x00, 8)
VHOST_SET_OWNER = _io(0x01)
VHOST_SET_VRING_NUM = _iow(0x10, STATE)
VHOST_SET_VRING_ADDR = _iow(0x11, ADDR)
VHOST_SET_VRING_BASE = _iow(0x12, STATE)
VHOST_GET_VRING_BASE = _iowr(0x12, STATE)
VHOST_SET_VRING_KICK = _iow(0x20, FILE)
VHOST_SET_VRING_CALL = _iow(0x21, FILE)
VHOST_SET_BACKEND_FEATURES = _iow(0x25, 8)
VHOST_GET_BACKEND_FEATURES = _ior(0x26, 8)
VHOST_VDPA_GET_DEVICE_ID = _ior(0x70, 4)
VHOST_VDPA_GET_STATUS = _ior(0x71, 1)
VHOST_VDPA_SET_STATUS = _iow(0x72, 1)
VHOST_VDPA_GET_CONFIG = _ior(0x73, 8)   # struct vhost_vdpa_config {u32 off, len; u8 buf[]}
VHOST_VDPA_SET_VRING_ENABLE = _iow(0x75, STATE)
VHOST_VDPA_GET_VRING_NUM = _ior(0x76, 2)
VHOST_VDPA_GET_IOVA_RANGE = _ior(0x78, 16)
VHOST_VDPA_GET_CONFIG_SIZE = _ior(0x79, 4)
VHOST_VDPA_GET_AS_NUM = _ior(0x7A, 4)
VHOST_VDPA_GET_VRING_GROUP = _iowr(0x7B, STATE)
VHOST_VDPA_SET_GROUP_ASID = _iow(0x7C, STATE)
VHOST_VDPA_GET_VRING_DESC_GROUP = _iowr(0x7F, STATE)
VHOST_VDPA_GET_VQS_COUNT = _ior(0x80, 4)
VHOST_VDPA_GET_GROUP_NUM = _ior(0x81, 4)

# Backend features (vhost_types.h)
B_IOTLB_MSG_V2 = 1 << 1
B_IOTLB_BATCH = 1 << 2
B_IOTLB_ASID = 1 << 3
B_SUSPEND = 1 << 4
B_IOTLB_PERSIST = 1 << 8
B_BASE = B_IOTLB_MSG_V2 | B_IOTLB_BATCH | B_IOTLB_ASID

# IOTLB messages: struct vhost_msg_v2 {u32 type; u32 asid; union {struct
# vhost_iotlb_msg {u64 iova, size, uaddr; u8 perm, type}; u8 padding[64]}}
VHOST_IOTLB_MSG_V2 = 2
IOTLB_UPDATE = 2
IOTLB_INVALIDATE = 3
IOTLB_BATCH_BEGIN = 5
IOTLB_BATCH_END = 6
ACCESS_RW = 3
MSG_V2 = struct.Struct("=IIQQQBB38x")

# Virtio
F_MAC = 1 << 5
F_VERSION_1 = 1 << 32
F_ACCESS_PLATFORM = 1 << 33
F_RING_PACKED = 1 << 34
F_OFFERED = F_VERSION_1 | F_ACCESS_PLATFORM | F_RING_PACKED | F_MAC
F_SPLIT = F_VERSION_1 | F_ACCESS_PLATFORM | F_MAC
S_ACK, S_DRIVER, S_DRIVER_OK, S_FEATURES_OK = 1, 2, 4, 8
S_NEGOTIATED = S_ACK | S_DRIVER | S_FEATURES_OK
MAC = bytes.fromhex("02000000abcd")
CONFIG_SIZE = 24
VQ_NUM = 256

PAGE = mmap.PAGESIZE
PARENT = "vdpa_rs_test_parent: "


failures = 0


def ok(msg):
    print("# ok: " + msg, flush=True)


def fail(msg):
    global failures
    failures += 1
    print("# FAIL: " + msg, flush=True)


def run_reporting(script, label, fn, *args):
    """Runs fn(*args); an exception fails the test, naming the line of
    `script` (a test's __file__) it came from."""
    try:
        fn(*args)
        return True
    except Exception as e:      # noqa: B902 - report any error as a failure
        tb, line = e.__traceback__, 0
        while tb:
            if tb.tb_frame.f_code.co_filename == script:
                line = tb.tb_lineno
            tb = tb.tb_next
        fail("%s: %s line %d: %s" % (label, os.path.basename(script), line, e))
        return False


def check(what, got, want):
    if got != want:
        fail("%s: got %s, expected %s" % (what, fmt(got), fmt(want)))
    else:
        ok("%s: %s" % (what, fmt(got)))


def fmt(v):
    if isinstance(v, int) and not isinstance(v, bool):
        return hex(v)
    if isinstance(v, (bytes, bytearray)):
        return v.hex(":")
    return repr(v)


def expect_errno(what, want, fn, *args):
    try:
        fn(*args)
    except OSError as e:
        if e.errno != want:
            fail("%s: failed with %s, expected %s" % (what, errno.errorcode.get(e.errno, e.errno),
                                                     errno.errorcode[want]))
        else:
            ok("%s: %s" % (what, errno.errorcode[want]))
        return
    fail("%s: succeeded, expected %s" % (what, errno.errorcode[want]))


class Kmsg:
    """The parent's kernel log lines about one device, from now on."""

    def __init__(self, dev):
        self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self.fd, 0, os.SEEK_END)
        self.prefix = PARENT + dev + ": "

    def new(self):
        lines = []
        while True:
            try:
                rec = os.read(self.fd, 8192)
            except BlockingIOError:
                return lines
            except BrokenPipeError:
                continue        # records overwritten; the next read resyncs
            text = rec.decode(errors="replace").split(";", 1)[-1]
            text = text.split("\n", 1)[0]
            if text.startswith(self.prefix):
                lines.append(text[len(self.prefix):])

    def expect(self, what, want):
        got = self.new()
        if got != want:
            fail("%s: parent logged %r, expected %r" % (what, got, want))
        elif want:
            ok("%s: parent logged %s" % (what, "; ".join(want)))
        else:
            ok("%s: parent logged nothing" % what)


class Vhost:
    opened = []

    def __init__(self, node):
        self.node = node
        self.fd = os.open(node, os.O_RDWR)
        Vhost.opened.append(self)

    def close(self):
        os.close(self.fd)
        Vhost.opened.remove(self)

    def ioctl(self, req, layout, *vals):
        buf = bytearray(struct.pack(layout, *vals))
        fcntl.ioctl(self.fd, req, buf, True)
        return struct.unpack(layout, buf)

    def set_owner(self):
        fcntl.ioctl(self.fd, VHOST_SET_OWNER, 0)

    def get(self, req, layout):
        """A read-only ioctl of one value."""
        return self.ioctl(req, layout, 0)[0]

    def get_features(self):
        return self.get(VHOST_GET_FEATURES, "=Q")

    def set_features(self, f):
        self.ioctl(VHOST_SET_FEATURES, "=Q", f)

    def get_backend_features(self):
        return self.get(VHOST_GET_BACKEND_FEATURES, "=Q")

    def set_backend_features(self, f):
        self.ioctl(VHOST_SET_BACKEND_FEATURES, "=Q", f)

    def status(self):
        return self.get(VHOST_VDPA_GET_STATUS, "=B")

    def set_status(self, s):
        self.ioctl(VHOST_VDPA_SET_STATUS, "=B", s)

    def config(self, off, length):
        buf = bytearray(struct.pack("=II", off, length) + bytes(length))
        fcntl.ioctl(self.fd, VHOST_VDPA_GET_CONFIG, buf, True)
        return bytes(buf[8:])

    def state(self, req, index, num=0):
        return self.ioctl(req, "=II", index, num)[1]

    def vring_file(self, req, index, fd):
        self.ioctl(req, "=Ii", index, fd)

    def vring_addr(self, index, desc, avail, used):
        self.ioctl(VHOST_SET_VRING_ADDR, "=IIQQQQ", index, 0, desc, used, avail, 0)

    def get_base(self, index):
        return self.state(VHOST_GET_VRING_BASE, index)

    def iotlb(self, mtype, asid=0, iova=0, size=0, uaddr=0, perm=0):
        n = os.write(self.fd, MSG_V2.pack(VHOST_IOTLB_MSG_V2, asid, iova, size,
                                          uaddr, perm, mtype))
        if n != MSG_V2.size:
            fail("IOTLB write returned %d, expected %d" % (n, MSG_V2.size))

    def update(self, asid, iova, uaddr, size=PAGE):
        self.iotlb(IOTLB_UPDATE, asid, iova, size, uaddr, ACCESS_RW)

    def invalidate(self, asid, iova, size=PAGE):
        self.iotlb(IOTLB_INVALIDATE, asid, iova, size)

    def batch(self, asid, maps):
        self.iotlb(IOTLB_BATCH_BEGIN, asid)
        for iova, uaddr in maps:
            self.update(asid, iova, uaddr)
        self.iotlb(IOTLB_BATCH_END, asid)

    def negotiate(self, features):
        self.set_status(S_ACK | S_DRIVER)
        self.set_features(features)
        self.set_status(S_NEGOTIATED)


class Memory:
    """Anonymous pages for IOTLB updates (vhost_vdpa pins them).

    Every update maps a single page, so each is one IOTLB entry whatever
    the physical layout of the pages."""

    def __init__(self, pages):
        self.map = mmap.mmap(-1, pages * PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS,
                             prot=mmap.PROT_READ | mmap.PROT_WRITE)
        for i in range(pages):
            self.map[i * PAGE] = i + 1
        self.base = ctypes.addressof(ctypes.c_char.from_buffer(self.map))

    def page(self, i):
        return self.base + i * PAGE


class Ring:
    """One virtqueue: its eventfds and the IOVAs of its rings (each vq
    uses a desc page and a page holding avail and used)."""

    def __init__(self, vh, index):
        self.vh = vh
        self.index = index
        self.desc = 0x100000 + index * 0x200000
        self.avail = self.desc + 0x100000
        self.used = self.avail + 0x400
        self.kick = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self.call = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)

    def setup(self, base):
        vh = self.vh
        vh.ioctl(VHOST_SET_VRING_NUM, "=II", self.index, VQ_NUM)
        vh.vring_addr(self.index, self.desc, self.avail, self.used)
        vh.ioctl(VHOST_SET_VRING_BASE, "=II", self.index, base)
        vh.vring_file(VHOST_SET_VRING_KICK, self.index, self.kick)
        vh.vring_file(VHOST_SET_VRING_CALL, self.index, self.call)

    def enable(self, on):
        self.vh.ioctl(VHOST_VDPA_SET_VRING_ENABLE, "=II", self.index, 1 if on else 0)

    def do_kick(self):
        os.write(self.kick, struct.pack("=Q", 1))

    def calls(self, timeout):
        """The call eventfd's count after waiting up to timeout seconds."""
        r, _, _ = select.select([self.call], [], [], timeout)
        if not r:
            return 0
        return struct.unpack("=Q", os.read(self.call, 8))[0]

    def kick_expect(self, what, base, signalled):
        self.do_kick()
        n = self.calls(5.0 if signalled else 0.5)
        if signalled:
            check("%s: call eventfd count" % what, n, 1)
            # No second signal for the same kick.
            check("%s: call eventfd after another 0.2 s" % what, self.calls(0.2), 0)
        else:
            check("%s: call eventfd stays quiet" % what, n, 0)
        check("%s: GET_VRING_BASE vq %d" % (what, self.index), self.vh.get_base(self.index), base)


def run(argv):
    """Run a program; its exit code and output (stdout and stderr)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            os.dup2(w, 1)
            os.dup2(w, 2)
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    os.close(w)
    out = b""
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        out += chunk
    os.close(r)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), out.decode(errors="replace")


def vstats(dev, qidx):
    """kicks, callbacks, maps of `vdpa dev vstats show DEV qidx I`, whose
    6.1 output is one line: "DEV: queue_type rx|tx NAME VALUE ... "."""
    what = "vdpa dev vstats show %s qidx %d" % (dev, qidx)
    rc, out = run(["vdpa", "dev", "vstats", "show", dev, "qidx", str(qidx)])
    if rc != 0:
        raise RuntimeError("%s: exit %d: %s" % (what, rc, out.strip()))
    words = out.split()
    try:
        vals = dict((words[i], int(words[i + 1])) for i in range(3, len(words) - 1, 2))
    except (ValueError, IndexError):
        raise RuntimeError("%s: cannot parse %r" % (what, out))
    qtype = "tx" if qidx & 1 else "rx"
    if words[:3] != [dev + ":", "queue_type", qtype] or list(vals) != ["kicks", "callbacks", "maps"]:
        raise RuntimeError("%s: unexpected output %r" % (what, out))
    return vals["kicks"], vals["callbacks"], vals["maps"]


def check_vstats(dev, qidx, kicks, callbacks, maps):
    got = vstats(dev, qidx)
    want = (kicks, callbacks, maps)
    text = "vstats %s qidx %d: kicks %d callbacks %d maps %d" % ((dev, qidx) + got)
    wrong = ["%s %d" % (name, want[i]) for i, name in enumerate(("kicks", "callbacks", "maps"))
             if want[i] is not None and got[i] != want[i]]
    if wrong:
        fail("%s, expected %s" % (text, " ".join(wrong)))
    else:
        ok(text)


def open_device(dev, node, backend, offered_backend):
    vh = Vhost(node)
    vh.set_owner()
    check("%s: GET_FEATURES" % dev, vh.get_features(), F_OFFERED)
    check("%s: GET_BACKEND_FEATURES" % dev, vh.get_backend_features(), offered_backend)
    vh.set_backend_features(backend)
    return vh


def cmd_basic(dev, node):
    """Split ring, batched and single IOTLB updates, a kick and its call,
    ring enable, a reset without IOTLB_PERSIST, ASIDs, errors, close."""
    log = Kmsg(dev)
    mem = Memory(8)
    vh = open_device(dev, node, B_BASE, B_BASE | B_IOTLB_PERSIST)
    check("device id", vh.get(VHOST_VDPA_GET_DEVICE_ID, "=I"), 1)
    check("config size", vh.get(VHOST_VDPA_GET_CONFIG_SIZE, "=I"), CONFIG_SIZE)
    check("vring num max", vh.get(VHOST_VDPA_GET_VRING_NUM, "=H"), VQ_NUM)
    check("vqs count", vh.get(VHOST_VDPA_GET_VQS_COUNT, "=I"), 2)
    check("group num", vh.get(VHOST_VDPA_GET_GROUP_NUM, "=I"), 2)
    check("as num", vh.get(VHOST_VDPA_GET_AS_NUM, "=I"), 2)
    check("vring group of vq 0", vh.state(VHOST_VDPA_GET_VRING_GROUP, 0), 0)
    check("vring group of vq 1", vh.state(VHOST_VDPA_GET_VRING_GROUP, 1), 1)
    first, last = vh.ioctl(VHOST_VDPA_GET_IOVA_RANGE, "=QQ", 0, 0)
    ok("iova range %#x-%#x" % (first, last))
    check("config 0..6 (MAC)", vh.config(0, 6), MAC)
    check("config 0..24", vh.config(0, CONFIG_SIZE), MAC + bytes(CONFIG_SIZE - 6))
    check("config 20..24", vh.config(20, 4), bytes(4))
    expect_errno("config 0..25", errno.EINVAL, vh.config, 0, CONFIG_SIZE + 1)
    expect_errno("config 24..25", errno.EINVAL, vh.config, CONFIG_SIZE, 1)
    expect_errno("config of length 0", errno.EINVAL, vh.config, 0, 0)

    vh.negotiate(F_SPLIT)
    check("status after FEATURES_OK", vh.status(), S_NEGOTIATED)
    expect_errno("SET_FEATURES after FEATURES_OK", errno.EBUSY, vh.set_features, F_SPLIT)
    log.expect("open and negotiation", [])

    vh.batch(0, [(0x100000, mem.page(0)), (0x200000, mem.page(1))])
    log.expect("one batch of 2 updates in asid 0", ["set_map asid 0: 2 maps"])
    expect_errno("UPDATE of a mapped IOVA", errno.EFAULT, vh.update, 0, 0x100000, mem.page(2))
    expect_errno("UPDATE in asid 2 (nas is 2)", errno.EFAULT, vh.update, 2, 0x700000, mem.page(2))
    expect_errno("UPDATE of size 0", errno.EINVAL, vh.update, 0, 0x700000, mem.page(2), 0)
    log.expect("refused updates", [])

    vq0 = Ring(vh, 0)
    vq0.setup(42)
    check("GET_VRING_BASE vq 0 before DRIVER_OK", vh.get_base(0), 42)
    vq0.enable(True)
    vh.set_status(S_NEGOTIATED | S_DRIVER_OK)
    check("status after DRIVER_OK", vh.status(), S_NEGOTIATED | S_DRIVER_OK)
    vq0.kick_expect("kick vq 0", 43, True)
    check_vstats(dev, 0, 1, 1, 2)

    # set_vq_ready(false) drops the callback: a kick is consumed silently.
    vq0.enable(False)
    vq0.kick_expect("kick of a disabled vq 0", 44, False)
    vq0.enable(True)
    vh.vring_file(VHOST_SET_VRING_CALL, 0, vq0.call)
    vq0.kick_expect("kick after re-enable and SET_VRING_CALL", 45, True)
    check_vstats(dev, 0, 3, 2, 2)
    # vhost_vdpa refuses a new base after DRIVER_OK before telling the parent.
    expect_errno("SET_VRING_BASE after DRIVER_OK", errno.EINVAL,
                 vh.ioctl, VHOST_SET_VRING_BASE, "=II", 0, 7)
    check("GET_VRING_BASE vq 0 after the refused SET", vh.get_base(0), 45)
    log.expect("kicks and ring state", [])

    vh.invalidate(0, 0x200000)
    log.expect("INVALIDATE of one page", ["set_map asid 0: 1 maps"])
    check_vstats(dev, 0, 3, 2, 1)

    # Bad indexes and values (vhost_vdpa_vring_ioctl: ENOBUFS past nvqs).
    expect_errno("GET_VRING_BASE vq 2", errno.ENOBUFS, vh.get_base, 2)
    expect_errno("SET_VRING_NUM vq 2", errno.ENOBUFS, vh.ioctl, VHOST_SET_VRING_NUM, "=II", 2, VQ_NUM)
    expect_errno("SET_VRING_ENABLE vq 2", errno.ENOBUFS,
                 vh.ioctl, VHOST_VDPA_SET_VRING_ENABLE, "=II", 2, 1)
    expect_errno("GET_VRING_GROUP vq 2", errno.ENOBUFS, vh.state, VHOST_VDPA_GET_VRING_GROUP, 2)
    expect_errno("SET_VRING_NUM 512 (max 256)", errno.EINVAL,
                 vh.ioctl, VHOST_SET_VRING_NUM, "=II", 0, 512)
    expect_errno("SET_VRING_NUM 100", errno.EINVAL, vh.ioctl, VHOST_SET_VRING_NUM, "=II", 0, 100)
    expect_errno("SET_GROUP_ASID group 1 asid 2", errno.EINVAL,
                 vh.ioctl, VHOST_VDPA_SET_GROUP_ASID, "=II", 1, 2)
    expect_errno("SET_GROUP_ASID group 2", errno.ENOBUFS,
                 vh.ioctl, VHOST_VDPA_SET_GROUP_ASID, "=II", 2, 0)
    expect_errno("GET_VRING_DESC_GROUP (not provided)", errno.EOPNOTSUPP,
                 vh.state, VHOST_VDPA_GET_VRING_DESC_GROUP, 0)
    expect_errno("SET_BACKEND_FEATURES with SUSPEND", errno.EOPNOTSUPP,
                 vh.set_backend_features, B_BASE | B_SUSPEND)

    # Reset without IOTLB_PERSIST: compat_reset(VDPA_RESET_F_CLEAN_MAP).
    vh.set_status(0)
    log.expect("SET_STATUS 0 without IOTLB_PERSIST",
               ["clean_map asid 0: 0 maps", "clean_map asid 1: 0 maps"])
    check("status after reset", vh.status(), 0)
    check("GET_VRING_BASE vq 0 after reset", vh.get_base(0), 0)
    vh.negotiate(F_SPLIT)
    check_vstats(dev, 0, None, None, 0)

    # Group 1 (vq 1) in asid 1.
    vh.ioctl(VHOST_VDPA_SET_GROUP_ASID, "=II", 1, 1)
    ok("SET_GROUP_ASID group 1 asid 1")
    vh.batch(1, [(0x300000, mem.page(2)), (0x301000, mem.page(3)), (0x302000, mem.page(4))])
    log.expect("one batch of 3 updates in asid 1", ["set_map asid 1: 3 maps"])
    check_vstats(dev, 1, None, None, 3)
    check_vstats(dev, 0, None, None, 0)
    # vhost_vdpa kept its own copy of asid 0 (one page); set_map hands the
    # parent the whole tree again.
    vh.update(0, 0x500000, mem.page(5))
    log.expect("a single update in asid 0 after clean_map", ["set_map asid 0: 2 maps"])
    check_vstats(dev, 0, None, None, 2)

    vh.close()
    log.expect("close without IOTLB_PERSIST",
               ["clean_map asid 0: 0 maps", "clean_map asid 1: 0 maps",
                "reset_map asid 0: 0 maps", "reset_map asid 1: 0 maps"])


def cmd_persist(dev, node):
    """IOTLB_PERSIST acked: SET_STATUS 0 is a plain reset, maps stay."""
    log = Kmsg(dev)
    mem = Memory(2)
    vh = open_device(dev, node, B_BASE | B_IOTLB_PERSIST, B_BASE | B_IOTLB_PERSIST)
    vh.negotiate(F_SPLIT)
    vh.ioctl(VHOST_VDPA_SET_GROUP_ASID, "=II", 1, 0)
    ok("SET_GROUP_ASID group 1 asid 0")
    vh.batch(0, [(0x100000, mem.page(0)), (0x200000, mem.page(1))])
    log.expect("one batch of 2 updates in asid 0", ["set_map asid 0: 2 maps"])

    # The split avail index wraps.
    vq1 = Ring(vh, 1)
    vq1.setup(0xffff)
    vq1.enable(True)
    vh.set_status(S_NEGOTIATED | S_DRIVER_OK)
    kicks, callbacks, _ = vstats(dev, 1)
    vq1.kick_expect("kick vq 1 at avail index 0xffff", 0, True)
    check_vstats(dev, 1, kicks + 1, callbacks + 1, 2)

    vh.set_status(0)
    log.expect("SET_STATUS 0 with IOTLB_PERSIST", [])
    vh.negotiate(F_SPLIT)
    check_vstats(dev, 0, None, None, 2)
    vh.close()
    log.expect("close with IOTLB_PERSIST", ["reset_map asid 0: 0 maps"])


def cmd_packed(dev, node):
    """VIRTIO_F_RING_PACKED: vhost packs last_avail_idx|wrap<<15 in the low
    half of num and last_used_idx|wrap<<15 in the high half."""
    log = Kmsg(dev)
    vh = open_device(dev, node, B_BASE, B_BASE | B_IOTLB_PERSIST)
    vh.negotiate(F_OFFERED)
    check("status after FEATURES_OK (packed)", vh.status(), S_NEGOTIATED)

    base0 = (7 << 16) | 0x8000 | 100       # avail 100 wrap 1, used 7 wrap 0
    base1 = ((0x8000 | 300) << 16) | 5      # avail 5 wrap 0, used 300 wrap 1
    vq0 = Ring(vh, 0)
    vq0.setup(base0)
    vq1 = Ring(vh, 1)
    vq1.setup(base1)
    check("GET_VRING_BASE vq 0 (packed)", vh.get_base(0), base0)
    check("GET_VRING_BASE vq 1 (packed)", vh.get_base(1), base1)
    vq0.enable(True)
    vh.set_status(S_NEGOTIATED | S_DRIVER_OK)
    kicks, callbacks, _ = vstats(dev, 0)
    vq0.kick_expect("kick packed vq 0", base0 + 1, True)
    check("GET_VRING_BASE vq 1 untouched", vh.get_base(1), base1)
    check_vstats(dev, 0, kicks + 1, callbacks + 1, 0)
    vh.close()
    log.expect("close (no IOTLB used)", ["clean_map asid 0: 0 maps", "clean_map asid 1: 0 maps"])


def cmd_dma(dev, node):
    """A parent with dma_map/dma_unmap: one op per map change, no
    IOTLB_PERSIST."""
    log = Kmsg(dev)
    mem = Memory(3)
    vh = Vhost(node)
    vh.set_owner()
    check("%s: GET_FEATURES" % dev, vh.get_features(), F_OFFERED)
    check("%s: GET_BACKEND_FEATURES (no IOTLB_PERSIST)" % dev, vh.get_backend_features(), B_BASE)
    expect_errno("SET_BACKEND_FEATURES with IOTLB_PERSIST", errno.EOPNOTSUPP,
                 vh.set_backend_features, B_BASE | B_IOTLB_PERSIST)
    vh.set_backend_features(B_BASE)
    vh.negotiate(F_SPLIT)

    vh.batch(0, [(0x100000, mem.page(0)), (0x200000, mem.page(1))])
    log.expect("a batch of 2 updates", ["dma_map asid 0: 1 maps", "dma_map asid 0: 2 maps"])
    vh.invalidate(0, 0x100000)
    log.expect("INVALIDATE of one page", ["dma_unmap asid 0: 1 maps"])
    check_vstats(dev, 0, 0, 0, 1)
    vh.ioctl(VHOST_VDPA_SET_GROUP_ASID, "=II", 1, 1)
    ok("SET_GROUP_ASID group 1 asid 1")
    vh.update(1, 0x300000, mem.page(2))
    log.expect("an update in asid 1", ["dma_map asid 1: 1 maps"])
    check_vstats(dev, 1, 0, 0, 1)

    vh.set_status(0)
    log.expect("SET_STATUS 0", ["clean_map asid 0: 0 maps", "clean_map asid 1: 0 maps"])
    vh.close()
    # Release: reset (clean_map), then vhost_vdpa unmaps what it still holds
    # (one page in each asid); no reset_map op.
    log.expect("close", ["clean_map asid 0: 0 maps", "clean_map asid 1: 0 maps",
                         "dma_unmap asid 0: 0 maps", "dma_unmap asid 1: 0 maps"])


def cmd_xmit(ifname, count):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    for i in range(count):
        frame = b"\xff" * 6 + MAC + b"\x88\xb5" + bytes([i]) * 60
        s.send(frame)
    s.close()
    ok("sent %d frames on %s" % (count, ifname))


def session(name, dev, node):
    """One session; an unexpected error ends it (and closes its file, so
    that the next session can open the device) but not the run."""
    try:
        SESSIONS[name](dev, node)
    except (OSError, RuntimeError) as e:
        line = e.__traceback__
        while line.tb_next and line.tb_next.tb_frame.f_code.co_filename == __file__:
            line = line.tb_next
        fail("%s %s: line %d: %s" % (name, dev, line.tb_lineno, e))
        for vh in list(Vhost.opened):
            vh.close()


SESSIONS = {"basic": cmd_basic, "persist": cmd_persist, "packed": cmd_packed, "dma": cmd_dma}


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "xmit":
        cmd_xmit(args[1], int(args[2]))
    elif args and len(args) % 3 == 0 and all(a in SESSIONS for a in args[::3]):
        for i in range(0, len(args), 3):
            session(*args[i:i + 3])
    else:
        sys.exit("usage: vhost_io.py SESSION DEV NODE [SESSION DEV NODE]... | xmit IFNAME N")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
