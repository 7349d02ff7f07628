#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# vhost_uapi.py: the user API of /dev/vhost-vdpa-N checked call by call
# against the upstream 6.12 vhost_vdpa (drivers/vhost/vdpa.c, vhost.c,
# iotlb.c): every ioctl with good and bad arguments and its exact errno,
# the owner rules, the backend feature acks, the IOTLB message protocol of
# write(), the reset matrix and pinning in PA mode. The expectations are
# fixed values taken from the C sources, and the tests that run this
# program must pass on the upstream stack first.
#
# Where a check needs the device to move data, a minimal virtio-net split
# ring driver for vdpa_sim_net (below) sends one frame to the device's MAC
# and expects it back through the RX ring, byte for byte.
#
#   vhost_uapi.py SESSION ARGS...    (see SESSIONS at the bottom)
#
# Prints "# ok: ..." / "# FAIL: ..." lines (vhost_io's helpers) and exits 1
# if anything failed.

import ctypes
import errno
import fcntl
import mmap
import os
import resource
import select
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vhost_io as V  # noqa: E402
from vhost_io import ok, fail, check, expect_errno  # noqa: E402

PAGE = mmap.PAGESIZE
U64 = (1 << 64) - 1

# ioctls vhost_io.py does not name (include/uapi/linux/vhost.h).
VHOST_RESET_OWNER = V._io(0x02)
VHOST_SET_MEM_TABLE = V._iow(0x03, 8)
VHOST_SET_LOG_BASE = V._iow(0x04, 8)
VHOST_SET_LOG_FD = V._iow(0x07, 4)
VHOST_NEW_WORKER = V._ior(0x08, 4)
VHOST_SET_VRING_ENDIAN = V._iow(0x13, 8)
VHOST_GET_VRING_ENDIAN = V._iow(0x14, 8)
VHOST_SET_VRING_ERR = V._iow(0x22, 8)
VHOST_SET_VRING_BUSYLOOP_TIMEOUT = V._iow(0x23, 8)
VHOST_GET_VRING_BUSYLOOP_TIMEOUT = V._iow(0x24, 8)
VHOST_VDPA_SET_CONFIG = V._iow(0x74, 8)
VHOST_VDPA_SET_CONFIG_CALL = V._iow(0x77, 4)
VHOST_VDPA_SUSPEND = V._io(0x7D)
VHOST_VDPA_RESUME = V._io(0x7E)
VHOST_VDPA_GET_VRING_SIZE = V._iowr(0x82, 8)
VHOST_SET_FORK_FROM_OWNER = V._iow(0x84, 1)
VHOST_GET_FORK_FROM_OWNER = V._ior(0x85, 1)
UNKNOWN_NR = V._iow(0x60, 8)          # no vhost ioctl has nr 0x60

# The full request codes of contract B.3, to catch an encoding slip here.
CODES = {
    "VHOST_GET_FEATURES": (V.VHOST_GET_FEATURES, 0x8008AF00),
    "VHOST_SET_FEATURES": (V.VHOST_SET_FEATURES, 0x4008AF00),
    "VHOST_SET_OWNER": (V.VHOST_SET_OWNER, 0x0000AF01),
    "VHOST_SET_MEM_TABLE": (VHOST_SET_MEM_TABLE, 0x4008AF03),
    "VHOST_SET_VRING_ADDR": (V.VHOST_SET_VRING_ADDR, 0x4028AF11),
    "VHOST_GET_VRING_BASE": (V.VHOST_GET_VRING_BASE, 0xC008AF12),
    "VHOST_VDPA_GET_STATUS": (V.VHOST_VDPA_GET_STATUS, 0x8001AF71),
    "VHOST_VDPA_GET_CONFIG": (V.VHOST_VDPA_GET_CONFIG, 0x8008AF73),
    "VHOST_VDPA_GET_IOVA_RANGE": (V.VHOST_VDPA_GET_IOVA_RANGE, 0x8010AF78),
    "VHOST_VDPA_SUSPEND": (VHOST_VDPA_SUSPEND, 0x0000AF7D),
    "VHOST_VDPA_GET_VRING_SIZE": (VHOST_VDPA_GET_VRING_SIZE, 0xC008AF82),
    "VHOST_SET_FORK_FROM_OWNER": (VHOST_SET_FORK_FROM_OWNER, 0x4001AF84),
}

# Backend feature bits (vhost_types.h).
B_MSG_V2 = 1 << 1
B_BATCH = 1 << 2
B_ASID = 1 << 3
B_SUSPEND = 1 << 4
B_RESUME = 1 << 5
B_ENABLE_AFTER_DRIVER_OK = 1 << 6
B_DESC_ASID = 1 << 7
B_PERSIST = 1 << 8
B_BASE = B_MSG_V2 | B_BATCH | B_ASID

# vdpa_sim_net (drivers/vdpa/vdpa_sim/vdpa_sim{,_net}.[ch]).
SIM_NET_FEATURES = ((1 << 27) | (1 << 32) | (1 << 33) |          # ANY_LAYOUT VERSION_1 ACCESS_PLATFORM
                    (1 << 5) | (1 << 16) | (1 << 3) | (1 << 17) | (1 << 23))  # MAC STATUS MTU CTRL_VQ CTRL_MAC_ADDR
SIM_BACKEND = B_BASE | B_SUSPEND | B_RESUME | B_ENABLE_AFTER_DRIVER_OK | B_PERSIST
SIM_NVQS, SIM_NGROUPS, SIM_NAS, SIM_VQ_MAX, SIM_CONFIG = 3, 2, 2, 256, 24
F_NEG = (1 << 32) | (1 << 33) | (1 << 5)      # VERSION_1 ACCESS_PLATFORM MAC
S_ACK, S_DRIVER, S_FEATURES_OK, S_DRIVER_OK = 1, 2, 8, 4
S_NEG = S_ACK | S_DRIVER | S_FEATURES_OK
S_LIVE = S_NEG | S_DRIVER_OK

# IOTLB messages.
T_MISS, T_UPDATE, T_INVALIDATE, T_ACCESS_FAIL, T_BEGIN, T_END = 1, 2, 3, 4, 5, 6
RO, WO, RW = 1, 2, 3
BODY = struct.Struct("=QQQBB6x")     # struct vhost_iotlb_msg, 32 bytes


def msg_v1(mtype, iova=0, size=0, uaddr=0, perm=RW):
    return struct.pack("=i4x", 1) + BODY.pack(iova, size, uaddr, perm, mtype) + bytes(32)


def msg_v2(mtype, asid=0, iova=0, size=0, uaddr=0, perm=RW):
    return struct.pack("=II", 2, asid) + BODY.pack(iova, size, uaddr, perm, mtype) + bytes(32)


libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                      ctypes.c_long]
libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]


class Shm:
    """A memfd mapped MAP_SHARED: in VA mode vhost_vdpa only maps shared
    file-backed VMAs (anonymous pieces are skipped silently); in PA mode it
    pins the pages. `prot` may make the mapping read-only."""

    def __init__(self, pages, prot=mmap.PROT_READ | mmap.PROT_WRITE):
        self.len = pages * PAGE
        self.fd = os.memfd_create("vhost_uapi", os.MFD_CLOEXEC)
        os.ftruncate(self.fd, self.len)
        addr = libc.mmap(None, self.len, prot, mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0x8000),
                         self.fd, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            raise OSError(ctypes.get_errno(), "mmap")
        self.base = addr
        if prot & mmap.PROT_WRITE:
            self.buf = (ctypes.c_char * self.len).from_address(addr)

    def page(self, i):
        return self.base + i * PAGE

    def close(self):
        libc.munmap(self.base, self.len)
        os.close(self.fd)


class Dev(V.Vhost):
    """vhost_io.Vhost plus raw requests and IOTLB writes of any shape."""

    def raw(self, req, arg):
        """ioctl with a bytes/bytearray buffer or an integer (a pointer)."""
        if isinstance(arg, int):
            # fcntl.ioctl takes only a C int; user addresses need more.
            r = libc.ioctl(self.fd, ctypes.c_ulong(req), ctypes.c_void_p(arg))
            if r < 0:
                e = ctypes.get_errno()
                raise OSError(e, os.strerror(e))
            return r
        buf = bytearray(arg)
        fcntl.ioctl(self.fd, req, buf, True)
        return bytes(buf)

    def st(self, req, index, num=0):
        return self.raw(req, struct.pack("=II", index, num))

    def w(self, data):
        return os.write(self.fd, data)

    def upd(self, asid, iova, size, uaddr, perm=RW):
        return self.w(msg_v2(T_UPDATE, asid, iova, size, uaddr, perm))

    def inv(self, asid, iova, size):
        return self.w(msg_v2(T_INVALIDATE, asid, iova, size))

    def begin(self, asid):
        return self.w(msg_v2(T_BEGIN, asid))

    def end(self, asid):
        return self.w(msg_v2(T_END, asid))

    def set_config(self, off, data):
        self.raw(VHOST_VDPA_SET_CONFIG, struct.pack("=II", off, len(data)) + data)


def expect_ok(what, fn, *args, want=None):
    """fn(*args) must succeed (and return want, if given)."""
    try:
        r = fn(*args)
    except OSError as e:
        fail("%s: failed with %s, expected success" % (what, errno.errorcode.get(e.errno, e.errno)))
        return None
    if want is not None and r != want:
        fail("%s: returned %r, expected %r" % (what, r, want))
    else:
        ok("%s%s" % (what, "" if want is None else ": %r" % (want,)))
    return r


def expect_write(what, dev, data, want=72):
    """A write() must return `want` (an int) or fail with errno `want`
    (given as ('errno', E))."""
    if isinstance(want, tuple):
        expect_errno(what, want[1], dev.w, data)
    else:
        expect_ok(what, dev.w, data, want=want)


def E(code):
    return ("errno", code)


def in_child(fn):
    """Runs fn() in a forked child (another mm, so not the owner) and
    returns the errno it failed with, or 0."""
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            fn()
        except OSError as e:
            code = e.errno
        except BaseException:
            code = 255
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def mmap_errno(fd, length, prot, flags, off=0):
    """errno of mmap() of the node, or 0 (then unmapped again)."""
    addr = libc.mmap(None, length, prot, flags, fd, off)
    if addr in (None, ctypes.c_void_p(-1).value):
        return ctypes.get_errno()
    libc.munmap(addr, length)
    return 0


def proc_status(field):
    """VmPin / VmLck etc. of this process, in kB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError("no %s in /proc/self/status" % field)


def negotiate(dev, features=F_NEG):
    dev.set_status(S_ACK)
    dev.set_status(S_ACK | S_DRIVER)
    dev.set_features(features)
    dev.set_status(S_NEG)


# --- a minimal virtio-net driver for vdpa_sim_net ---------------------------

QN = 16             # ring size
HDR = 12            # struct virtio_net_hdr_v1 (VERSION_1)
SLOT = 2048


class Queue:
    """A split ring in three pages of `mem` from byte `off`: descriptors,
    avail, used. Addresses handed to the device are `iova(off)`."""

    def __init__(self, dev, index, mem, off, iova):
        self.dev, self.index, self.mem, self.off, self.iova = dev, index, mem, off, iova
        self.kick = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self.call = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)

    def setup(self):
        ctypes.memset(self.mem.base + self.off, 0, 3 * PAGE)
        self.avail_idx = 0
        self.used_seen = 0
        d = self.dev
        d.ioctl(V.VHOST_SET_VRING_NUM, "=II", self.index, QN)
        d.vring_addr(self.index, self.iova(self.off), self.iova(self.off + PAGE),
                     self.iova(self.off + 2 * PAGE))
        d.ioctl(V.VHOST_SET_VRING_BASE, "=II", self.index, 0)
        d.vring_file(V.VHOST_SET_VRING_KICK, self.index, self.kick)
        d.vring_file(V.VHOST_SET_VRING_CALL, self.index, self.call)
        d.ioctl(V.VHOST_VDPA_SET_VRING_ENABLE, "=II", self.index, 1)

    def add(self, iova, length, writable):
        i = self.avail_idx % QN
        struct.pack_into("=QIHH", self.mem.buf, self.off + 16 * i, iova, length, 2 if writable else 0, 0)
        struct.pack_into("=H", self.mem.buf, self.off + PAGE + 4 + 2 * i, i)
        self.avail_idx = (self.avail_idx + 1) & 0xffff
        struct.pack_into("=H", self.mem.buf, self.off + PAGE + 2, self.avail_idx)

    def notify(self):
        os.write(self.kick, struct.pack("=Q", 1))

    def used(self):
        """(id, len) of used elements not seen yet."""
        out = []
        idx = struct.unpack_from("=H", self.mem.buf, self.off + 2 * PAGE + 2)[0]
        while self.used_seen != idx:
            out.append(struct.unpack_from("=II", self.mem.buf,
                                          self.off + 2 * PAGE + 4 + 8 * (self.used_seen % QN)))
            self.used_seen = (self.used_seen + 1) & 0xffff
        return out


class Net:
    """RX (vq 0) and TX (vq 1) of vdpa_sim_net in one Shm of 16 pages:
    rings in pages 0-2 and 3-5, RX buffers (4 slots) in pages 6-7, the TX
    buffer in page 8. IOVA of byte off = iova_base + off; with iova_base =
    the user address this is the sim's identity map in VA mode."""

    PAGES = 16

    def __init__(self, dev, mem, iova_base):
        self.dev, self.mem = dev, mem
        self.iova_base = iova_base
        self.rx = Queue(dev, 0, mem, 0, self.iova)
        self.tx = Queue(dev, 1, mem, 3 * PAGE, self.iova)
        self.seq = 0

    def iova(self, off):
        return self.iova_base + off

    def mapping(self):
        """(iova, size, uaddr) of the whole area, for an IOTLB UPDATE."""
        return self.iova_base, self.PAGES * PAGE, self.mem.base

    def start(self, features=F_NEG):
        """Negotiate, set up both rings, DRIVER_OK, post 4 RX buffers."""
        negotiate(self.dev, features)
        self.rx.setup()
        self.tx.setup()
        self.dev.set_status(S_LIVE)
        for i in range(4):
            self.rx.add(self.iova(6 * PAGE + i * SLOT), SLOT, True)
        self.rx.notify()

    def mac(self):
        return self.dev.config(0, 6)

    def send(self, timeout=3.0):
        """One frame to the device's MAC; True when it came back intact
        within `timeout` (False when nothing came back)."""
        self.seq += 1
        frame = bytes(HDR) + self.mac() + bytes.fromhex("025e7a112233") + b"\x88\xb5" + \
            bytes([self.seq & 0xff]) * 60
        self.mem.buf[8 * PAGE:8 * PAGE + len(frame)] = frame
        self.tx.add(self.iova(8 * PAGE), len(frame), False)
        self.tx.notify()
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            got = self.rx.used()
            if got:
                i, length = got[0]
                off = 6 * PAGE + i * SLOT
                data = bytes(self.mem.buf[off:off + length])
                self.rx.add(self.iova(off), SLOT, True)
                self.rx.notify()
                if data != frame:
                    fail("received frame differs (%d bytes, sent %d)" % (length, len(frame)))
                return True
            time.sleep(0.02)
        return False

    def expect(self, what, back):
        got = self.send(3.0 if back else 0.7)
        if got == back:
            ok("%s: frame %s" % (what, "came back" if back else "did not come back"))
        else:
            fail("%s: frame %s" % (what, "came back" if got else "did not come back"))


def sim_param(name):
    try:
        with open("/sys/module/vdpa_sim/parameters/" + name) as f:
            return f.read().strip()
    except OSError:
        return None


def va_mode():
    return sim_param("use_va") == "Y"


# --- sessions ----------------------------------------------------------------

def s_uapi(node, mac):
    """B.1-B.4 and B.7's status rules on a vdpasim_net device."""
    mac = bytes.fromhex(mac.replace(":", ""))
    for name, (got, want) in CODES.items():
        if got != want:
            fail("request code of %s: %#x, expected %#x" % (name, got, want))
    ok("request codes of %d ioctls match the contract" % len(CODES))

    d = Dev(node)
    expect_errno("second open while open", errno.EBUSY, os.open, node, os.O_RDWR)

    # Before SET_OWNER: the owner-only ioctls refuse, the others work.
    st0 = struct.pack("=II", 0, 0)
    owner_only = [
        ("GET_VRING_BASE", V.VHOST_GET_VRING_BASE, st0),
        ("SET_VRING_BASE", V.VHOST_SET_VRING_BASE, st0),
        ("SET_VRING_NUM", V.VHOST_SET_VRING_NUM, struct.pack("=II", 0, 256)),
        ("SET_VRING_ADDR", V.VHOST_SET_VRING_ADDR, struct.pack("=IIQQQQ", 0, 0, 0, 0, 0, 0)),
        ("SET_VRING_KICK", V.VHOST_SET_VRING_KICK, struct.pack("=Ii", 0, -1)),
        ("SET_VRING_CALL", V.VHOST_SET_VRING_CALL, struct.pack("=Ii", 0, -1)),
        ("SET_VRING_ERR", VHOST_SET_VRING_ERR, struct.pack("=Ii", 0, -1)),
        ("VRING_ENABLE", V.VHOST_VDPA_SET_VRING_ENABLE, st0),
        ("GET_VRING_GROUP", V.VHOST_VDPA_GET_VRING_GROUP, st0),
        ("GET_VRING_DESC_GROUP", V.VHOST_VDPA_GET_VRING_DESC_GROUP, st0),
        ("SET_GROUP_ASID", V.VHOST_VDPA_SET_GROUP_ASID, st0),
        ("GET_VRING_SIZE", VHOST_VDPA_GET_VRING_SIZE, st0),
        ("SET_MEM_TABLE", VHOST_SET_MEM_TABLE, bytes(8)),
        ("SET_VRING_BUSYLOOP_TIMEOUT", VHOST_SET_VRING_BUSYLOOP_TIMEOUT, st0),
        ("unknown nr 0x60", UNKNOWN_NR, st0),
    ]
    for name, req, arg in owner_only:
        expect_errno("%s before SET_OWNER" % name, errno.EPERM, d.raw, req, arg)
    expect_errno("RESET_OWNER before SET_OWNER", errno.EPERM, d.raw, VHOST_RESET_OWNER, 0)
    expect_errno("IOTLB UPDATE before SET_OWNER", errno.EFAULT, d.w, msg_v2(T_UPDATE, 0, 0x1000, PAGE, 0x1000))
    check("GET_FEATURES before SET_OWNER", d.get_features(), SIM_NET_FEATURES)
    check("GET_BACKEND_FEATURES before SET_OWNER", d.get_backend_features(), SIM_BACKEND)
    check("GET_DEVICE_ID before SET_OWNER", d.get(V.VHOST_VDPA_GET_DEVICE_ID, "=I"), 1)
    check("GET_STATUS before SET_OWNER", d.status(), 0)
    check("GET_CONFIG mac before SET_OWNER", d.config(0, 6), mac)
    check("GET_VRING_NUM before SET_OWNER", d.get(V.VHOST_VDPA_GET_VRING_NUM, "=H"), SIM_VQ_MAX)
    check("GET_GROUP_NUM before SET_OWNER", d.get(V.VHOST_VDPA_GET_GROUP_NUM, "=I"), SIM_NGROUPS)
    check("GET_AS_NUM before SET_OWNER", d.get(V.VHOST_VDPA_GET_AS_NUM, "=I"), SIM_NAS)
    check("GET_CONFIG_SIZE before SET_OWNER", d.get(V.VHOST_VDPA_GET_CONFIG_SIZE, "=I"), SIM_CONFIG)
    check("GET_VQS_COUNT before SET_OWNER", d.get(V.VHOST_VDPA_GET_VQS_COUNT, "=I"), SIM_NVQS)
    check("GET_IOVA_RANGE before SET_OWNER", d.ioctl(V.VHOST_VDPA_GET_IOVA_RANGE, "=QQ", 0, 0), (0, U64))
    expect_ok("SET_CONFIG_CALL -1 before SET_OWNER", d.raw, VHOST_VDPA_SET_CONFIG_CALL, struct.pack("=i", -1))
    expect_ok("SUSPEND before SET_OWNER (no DRIVER_OK: no-op)", d.raw, VHOST_VDPA_SUSPEND, 0, want=0)
    expect_ok("RESUME before SET_OWNER (no DRIVER_OK: no-op)", d.raw, VHOST_VDPA_RESUME, 0, want=0)
    expect_ok("SET_BACKEND_FEATURES before SET_OWNER", d.set_backend_features, 0)
    expect_ok("SET_STATUS 0 before SET_OWNER", d.set_status, 0)
    check("GET_FORK_FROM_OWNER default", d.raw(VHOST_GET_FORK_FROM_OWNER, bytes(1)), b"\x01")
    expect_errno("SET_FORK_FROM_OWNER 2", errno.EINVAL, d.raw, VHOST_SET_FORK_FROM_OWNER, b"\x02")
    expect_ok("SET_FORK_FROM_OWNER 0 before SET_OWNER", d.raw, VHOST_SET_FORK_FROM_OWNER, b"\x00")
    check("GET_FORK_FROM_OWNER after setting 0", d.raw(VHOST_GET_FORK_FROM_OWNER, b"\x07"), b"\x00")
    expect_ok("SET_FORK_FROM_OWNER 1 before SET_OWNER", d.raw, VHOST_SET_FORK_FROM_OWNER, b"\x01")

    # No read side; poll reports the default mask.
    expect_errno("read()", errno.EINVAL, os.read, d.fd, 72)
    p = select.poll()
    p.register(d.fd, select.POLLIN | select.POLLPRI | select.POLLOUT | select.POLLRDNORM |
               select.POLLWRNORM | select.POLLRDBAND | select.POLLWRBAND)
    ev = p.poll(0)
    check("poll() mask", ev[0][1] if ev else 0,
          select.POLLIN | select.POLLOUT | select.POLLRDNORM | select.POLLWRNORM)

    # Doorbell mmap: the checks before the parent's get_vq_notification
    # (which the simulator lacks: ENOTSUPP, 524).
    PW, PR, SH, PRIV = mmap.PROT_WRITE, mmap.PROT_READ, mmap.MAP_SHARED, mmap.MAP_PRIVATE
    for what, length, prot, flags, want in (("2 pages", 2 * PAGE, PW, SH, errno.EINVAL),
                                            ("MAP_PRIVATE", PAGE, PW, PRIV, errno.EINVAL),
                                            ("PROT_READ|PROT_WRITE", PAGE, PR | PW, SH, errno.EINVAL),
                                            ("PROT_WRITE, no get_vq_notification", PAGE, PW, SH, 524)):
        check("mmap %s: errno" % what, mmap_errno(d.fd, length, prot, flags), want)

    d.set_owner()
    ok("SET_OWNER")
    expect_errno("second SET_OWNER", errno.EBUSY, d.set_owner)
    expect_errno("SET_FORK_FROM_OWNER after SET_OWNER", errno.EBUSY, d.raw, VHOST_SET_FORK_FROM_OWNER, b"\x01")
    code = in_child(lambda: d.raw(V.VHOST_GET_VRING_BASE, st0))
    check("GET_VRING_BASE from a forked child (not the owner): errno", code, errno.EPERM)
    code = in_child(lambda: d.get_features())
    check("GET_FEATURES from a forked child: errno", code, 0)

    # Bad argument pointers.
    expect_errno("GET_FEATURES to address 8", errno.EFAULT, d.raw, V.VHOST_GET_FEATURES, 8)
    expect_errno("SET_FEATURES from address 8", errno.EFAULT, d.raw, V.VHOST_SET_FEATURES, 8)
    expect_errno("GET_VRING_BASE with a NULL argument", errno.EFAULT, d.raw, V.VHOST_GET_VRING_BASE, 0)
    expect_errno("SET_BACKEND_FEATURES from address 8", errno.EFAULT, d.raw, V.VHOST_SET_BACKEND_FEATURES, 8)
    expect_errno("GET_CONFIG at address 8", errno.EFAULT, d.raw, V.VHOST_VDPA_GET_CONFIG, 8)

    # Not supported and unknown requests.
    expect_errno("RESET_OWNER (owner)", errno.EFAULT, d.raw, VHOST_RESET_OWNER, 0)
    expect_errno("SET_LOG_BASE", errno.ENOTTY, d.raw, VHOST_SET_LOG_BASE, bytes(8))
    expect_errno("SET_LOG_FD", errno.ENOTTY, d.raw, VHOST_SET_LOG_FD, struct.pack("=i", -1))
    expect_errno("SET_VRING_ENDIAN (no cross-endian support)", errno.ENOTTY, d.raw, VHOST_SET_VRING_ENDIAN, st0)
    expect_errno("GET_VRING_ENDIAN", errno.ENOTTY, d.raw, VHOST_GET_VRING_ENDIAN, st0)
    expect_errno("NEW_WORKER", errno.ENOTTY, d.raw, VHOST_NEW_WORKER, bytes(4))
    expect_errno("unknown nr 0x60, index 0", errno.ENOTTY, d.raw, UNKNOWN_NR, st0)
    expect_errno("unknown nr 0x60, index 3", errno.ENOBUFS, d.raw, UNKNOWN_NR, struct.pack("=II", 3, 0))
    expect_errno("unknown nr 0x60, NULL argument", errno.EFAULT, d.raw, UNKNOWN_NR, 0)
    expect_errno("foreign request 0x5401 (TCGETS), index 0", errno.ENOTTY, d.raw, 0x5401, bytes(64))

    # The vring-index rule: index >= nvqs is ENOBUFS before anything else.
    vring = [
        ("SET_VRING_NUM", V.VHOST_SET_VRING_NUM, "=II", 256),
        ("SET_VRING_BASE", V.VHOST_SET_VRING_BASE, "=II", 0),
        ("GET_VRING_BASE", V.VHOST_GET_VRING_BASE, "=II", 0),
        ("SET_VRING_ADDR", V.VHOST_SET_VRING_ADDR, "=IIQQQQ", 3),
        ("SET_VRING_KICK", V.VHOST_SET_VRING_KICK, "=Ii", -1),
        ("SET_VRING_CALL", V.VHOST_SET_VRING_CALL, "=Ii", -1),
        ("SET_VRING_ERR", VHOST_SET_VRING_ERR, "=Ii", -1),
        ("VRING_ENABLE", V.VHOST_VDPA_SET_VRING_ENABLE, "=II", 1),
        ("GET_VRING_GROUP", V.VHOST_VDPA_GET_VRING_GROUP, "=II", 0),
        ("GET_VRING_DESC_GROUP", V.VHOST_VDPA_GET_VRING_DESC_GROUP, "=II", 0),
        ("GET_VRING_SIZE", VHOST_VDPA_GET_VRING_SIZE, "=II", 0),
        ("SET_VRING_BUSYLOOP_TIMEOUT", VHOST_SET_VRING_BUSYLOOP_TIMEOUT, "=II", 1),
        ("GET_VRING_BUSYLOOP_TIMEOUT", VHOST_GET_VRING_BUSYLOOP_TIMEOUT, "=II", 0),
        ("SET_VRING_ENDIAN", VHOST_SET_VRING_ENDIAN, "=II", 0),
    ]
    for idx in (SIM_NVQS, 0xffffffff):
        for name, req, layout, val in vring:
            if layout == "=IIQQQQ":
                arg = struct.pack(layout, idx, 0, 0, 0, 0, 0)
            else:
                arg = struct.pack(layout, idx, val)
            expect_errno("%s index %#x" % (name, idx), errno.ENOBUFS, d.raw, req, arg)
    # The index is read alone first: with only it readable (the rest of the
    # argument on a PROT_NONE page), a bad index is still ENOBUFS and a
    # good one EFAULT, for every command that reads a whole structure but
    # SET_VRING_NUM, which reads its whole argument first (EFAULT).
    two = libc.mmap(None, 2 * PAGE, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
    libc.mprotect(two + PAGE, PAGE, 0)
    for name, req in (("SET_VRING_NUM", V.VHOST_SET_VRING_NUM), ("SET_VRING_BASE", V.VHOST_SET_VRING_BASE),
                      ("SET_VRING_ADDR", V.VHOST_SET_VRING_ADDR), ("SET_VRING_KICK", V.VHOST_SET_VRING_KICK),
                      ("SET_VRING_CALL", V.VHOST_SET_VRING_CALL), ("SET_VRING_ERR", VHOST_SET_VRING_ERR),
                      ("VRING_ENABLE", V.VHOST_VDPA_SET_VRING_ENABLE),
                      ("SET_VRING_BUSYLOOP_TIMEOUT", VHOST_SET_VRING_BUSYLOOP_TIMEOUT)):
        bad = errno.EFAULT if req == V.VHOST_SET_VRING_NUM else errno.ENOBUFS
        for idx, want in ((SIM_NVQS, bad), (0, errno.EFAULT)):
            ctypes.memmove(two + PAGE - 4, struct.pack("=I", idx), 4)
            expect_errno("%s index %#x, only the index readable" % (name, idx), want, d.raw, req, two + PAGE - 4)
    libc.munmap(two, 2 * PAGE)
    # Upstream's batch-mapping ops table (vdpasim_batch_config_ops, the
    # default) has no get_vq_size; the dma_map one has.
    for q in range(SIM_NVQS):
        if sim_param("batch_mapping") == "1":
            expect_errno("GET_VRING_SIZE vq %d (batch_mapping=1: no get_vq_size)" % q, errno.EOPNOTSUPP,
                         d.st, VHOST_VDPA_GET_VRING_SIZE, q)
        else:
            check("GET_VRING_SIZE vq %d" % q, d.state(VHOST_VDPA_GET_VRING_SIZE, q), SIM_VQ_MAX)
    for q, g in ((0, 0), (1, 0), (2, 1)):
        check("GET_VRING_GROUP vq %d" % q, d.state(V.VHOST_VDPA_GET_VRING_GROUP, q), g)
    expect_errno("GET_VRING_DESC_GROUP (no get_vq_desc_group)", errno.EOPNOTSUPP,
                 d.st, V.VHOST_VDPA_GET_VRING_DESC_GROUP, 0)

    # SET_GROUP_ASID: the group is checked against nvqs first (ENOBUFS), then
    # against ngroups (EINVAL).
    expect_errno("SET_GROUP_ASID group 2 (< nvqs 3, >= ngroups 2)", errno.EINVAL,
                 d.st, V.VHOST_VDPA_SET_GROUP_ASID, 2, 0)
    expect_errno("SET_GROUP_ASID group 3 (>= nvqs)", errno.ENOBUFS, d.st, V.VHOST_VDPA_SET_GROUP_ASID, 3, 0)
    expect_errno("SET_GROUP_ASID group 1 asid 2 (>= nas)", errno.EINVAL, d.st, V.VHOST_VDPA_SET_GROUP_ASID, 1, 2)
    expect_ok("SET_GROUP_ASID group 1 asid 1 (no IOTLB_ASID acked, no status needed)",
              d.st, V.VHOST_VDPA_SET_GROUP_ASID, 1, 1)
    expect_ok("SET_GROUP_ASID group 1 asid 0", d.st, V.VHOST_VDPA_SET_GROUP_ASID, 1, 0)

    # SET_VRING_NUM: non-zero power of two <= the device maximum.
    for num in (0, 3, 100, 2 * SIM_VQ_MAX, 0x8000, 0x10000, 0x20000):
        expect_errno("SET_VRING_NUM %d (max %d)" % (num, SIM_VQ_MAX), errno.EINVAL,
                     d.st, V.VHOST_SET_VRING_NUM, 0, num)
    for num in (1, SIM_VQ_MAX):
        expect_ok("SET_VRING_NUM %d" % num, d.st, V.VHOST_SET_VRING_NUM, 0, num)

    # SET_VRING_ADDR: flags and alignment (desc alignment is not checked).
    def addr(flags, desc, used, avail, log):
        return d.raw(V.VHOST_SET_VRING_ADDR, struct.pack("=IIQQQQ", 0, flags, desc, used, avail, log))
    expect_errno("SET_VRING_ADDR flags 0x2", errno.EOPNOTSUPP, addr, 2, 0x10000, 0x20000, 0x30000, 0)
    expect_errno("SET_VRING_ADDR avail odd", errno.EINVAL, addr, 0, 0x10000, 0x20000, 0x30001, 0)
    expect_errno("SET_VRING_ADDR used 2-aligned", errno.EINVAL, addr, 0, 0x10000, 0x20002, 0x30000, 0)
    expect_errno("SET_VRING_ADDR log 2-aligned", errno.EINVAL, addr, 0, 0x10000, 0x20000, 0x30000, 0x2)
    expect_ok("SET_VRING_ADDR desc odd, avail 2-aligned", addr, 0, 0x10001, 0x20000, 0x30002, 0)
    expect_ok("SET_VRING_ADDR with the LOG flag", addr, 1, 0x10000, 0x20000, 0x30000, 0x40000)

    # SET/GET_VRING_BASE (split).
    expect_errno("SET_VRING_BASE 0x10000 (split)", errno.EINVAL, d.st, V.VHOST_SET_VRING_BASE, 0, 0x10000)
    expect_ok("SET_VRING_BASE 42", d.st, V.VHOST_SET_VRING_BASE, 0, 42)
    check("GET_VRING_BASE vq 0", d.get_base(0), 42)
    check("GET_VRING_BASE vq 1 untouched", d.get_base(1), 0)

    # Eventfds: -1 unbinds, a bad fd is EBADF, a non-eventfd EINVAL.
    efd = os.eventfd(0, os.EFD_CLOEXEC)
    pr, pw = os.pipe()
    bad = 1000
    while True:
        try:
            os.fstat(bad)
            bad += 1
        except OSError:
            break
    for name, req in (("SET_VRING_KICK", V.VHOST_SET_VRING_KICK), ("SET_VRING_CALL", V.VHOST_SET_VRING_CALL),
                      ("SET_VRING_ERR", VHOST_SET_VRING_ERR)):
        expect_errno("%s closed fd" % name, errno.EBADF, d.raw, req, struct.pack("=Ii", 0, bad))
        expect_errno("%s pipe fd" % name, errno.EINVAL, d.raw, req, struct.pack("=Ii", 0, pr))
        expect_ok("%s eventfd" % name, d.raw, req, struct.pack("=Ii", 0, efd))
        expect_ok("%s -1" % name, d.raw, req, struct.pack("=Ii", 0, -1))
    expect_errno("SET_CONFIG_CALL closed fd", errno.EBADF, d.raw, VHOST_VDPA_SET_CONFIG_CALL, struct.pack("=i", bad))
    expect_errno("SET_CONFIG_CALL pipe fd", errno.EINVAL, d.raw, VHOST_VDPA_SET_CONFIG_CALL, struct.pack("=i", pr))
    expect_ok("SET_CONFIG_CALL eventfd", d.raw, VHOST_VDPA_SET_CONFIG_CALL, struct.pack("=i", efd))
    expect_ok("SET_CONFIG_CALL -1", d.raw, VHOST_VDPA_SET_CONFIG_CALL, struct.pack("=i", -1))
    os.close(pr)
    os.close(pw)

    expect_ok("SET_VRING_BUSYLOOP_TIMEOUT vq 1 = 77", d.st, VHOST_SET_VRING_BUSYLOOP_TIMEOUT, 1, 77)
    check("GET_VRING_BUSYLOOP_TIMEOUT vq 1", d.state(VHOST_GET_VRING_BUSYLOOP_TIMEOUT, 1), 77)
    d.st(V.VHOST_SET_VRING_NUM, 2, 64)
    expect_ok("VRING_ENABLE vq 2 = 1 (no status needed)", d.st, V.VHOST_VDPA_SET_VRING_ENABLE, 2, 1)
    expect_ok("VRING_ENABLE vq 2 = 0", d.st, V.VHOST_VDPA_SET_VRING_ENABLE, 2, 0)

    # SET_MEM_TABLE: accepted, no effect on the device.
    region = Shm(1)
    def memtable(n, pad, regions):
        return d.raw(VHOST_SET_MEM_TABLE, struct.pack("=II", n, pad) +
                     b"".join(struct.pack("=QQQQ", *r) for r in regions))
    expect_errno("SET_MEM_TABLE padding 1", errno.EOPNOTSUPP, memtable, 0, 1, [])
    expect_errno("SET_MEM_TABLE 65 regions", errno.E2BIG, memtable, 65, 0, [])
    expect_errno("SET_MEM_TABLE a region of size 0", errno.EFAULT, memtable, 1, 0, [(0x1000, 0, region.base, 0)])
    two = libc.mmap(None, 2 * PAGE, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
    libc.mprotect(two + PAGE, PAGE, 0)
    ctypes.memmove(two + PAGE - 8, struct.pack("=II", 1, 0), 8)
    expect_errno("SET_MEM_TABLE with its region on a PROT_NONE page", errno.EFAULT, d.raw, VHOST_SET_MEM_TABLE,
                 two + PAGE - 8)
    expect_errno("SET_MEM_TABLE header on a PROT_NONE page", errno.EFAULT, d.raw, VHOST_SET_MEM_TABLE, two + PAGE)
    libc.munmap(two, 2 * PAGE)
    expect_ok("SET_MEM_TABLE one region", memtable, 1, 0, [(0x100000, PAGE, region.base, 0)])
    expect_ok("SET_MEM_TABLE no region", memtable, 0, 0, [])
    region.close()

    # Config space bounds: len 0, off > size, len > size - off are EINVAL.
    check("GET_CONFIG 0..6", d.config(0, 6), mac)
    full = d.config(0, SIM_CONFIG)
    check("GET_CONFIG 0..24: mac, status LINK_UP, mtu 1500", (full[:6], full[6:8], full[10:12]),
          (mac, b"\x01\x00", struct.pack("<H", 1500)))
    check("GET_CONFIG 23..24", d.config(23, 1), full[23:24])
    for off, ln in ((0, 0), (24, 0), (24, 1), (25, 1), (0, 25), (20, 5), (23, 2), (0xffffffff, 1), (1, 0xffffffff)):
        expect_errno("GET_CONFIG off %#x len %#x" % (off, ln), errno.EINVAL, d.raw, V.VHOST_VDPA_GET_CONFIG,
                     struct.pack("=II", off, ln) + bytes(min(ln, 64)))
        expect_errno("SET_CONFIG off %#x len %#x" % (off, ln), errno.EINVAL, d.raw, VHOST_VDPA_SET_CONFIG,
                     struct.pack("=II", off, ln) + bytes(min(ln, 64)))
    # A readable header followed by an unreadable buffer.
    two = libc.mmap(None, 2 * PAGE, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
    libc.mprotect(two + PAGE, PAGE, 0)
    ctypes.memmove(two + PAGE - 8, struct.pack("=II", 0, 6), 8)
    expect_errno("SET_CONFIG with the buffer on a PROT_NONE page", errno.EFAULT, d.raw, VHOST_VDPA_SET_CONFIG,
                 two + PAGE - 8)
    expect_errno("GET_CONFIG with the buffer on a PROT_NONE page", errno.EFAULT, d.raw, V.VHOST_VDPA_GET_CONFIG,
                 two + PAGE - 8)
    libc.munmap(two, 2 * PAGE)
    expect_ok("SET_CONFIG mtu 9000", d.set_config, 10, struct.pack("<H", 9000))
    check("GET_CONFIG mtu after SET_CONFIG", d.config(10, 2), struct.pack("<H", 9000))
    d.set_config(10, struct.pack("<H", 1500))
    check("GET_CONFIG mac after the config writes", d.config(0, 6), mac)

    # Backend features: the checks in their order.
    check("GET_BACKEND_FEATURES", d.get_backend_features(), SIM_BACKEND)
    for bit in (0, 9, 10, 63):
        expect_errno("SET_BACKEND_FEATURES bit %d" % bit, errno.EOPNOTSUPP, d.set_backend_features, 1 << bit)
    expect_errno("SET_BACKEND_FEATURES bit 0 | DESC_ASID (bit check first)", errno.EOPNOTSUPP,
                 d.set_backend_features, 1 | B_DESC_ASID)
    expect_errno("SET_BACKEND_FEATURES DESC_ASID without IOTLB_ASID", errno.EINVAL,
                 d.set_backend_features, B_MSG_V2 | B_DESC_ASID)
    expect_errno("SET_BACKEND_FEATURES DESC_ASID | IOTLB_ASID (no get_vq_desc_group)", errno.EOPNOTSUPP,
                 d.set_backend_features, B_BASE | B_DESC_ASID)
    expect_ok("SET_BACKEND_FEATURES everything offered", d.set_backend_features, SIM_BACKEND)
    expect_ok("SET_BACKEND_FEATURES 0", d.set_backend_features, 0)
    check("GET_BACKEND_FEATURES after acking 0", d.get_backend_features(), SIM_BACKEND)

    # Status: no bit may be cleared except by 0; SET_FEATURES until FEATURES_OK.
    expect_ok("SET_STATUS ACK", d.set_status, S_ACK)
    expect_ok("SET_STATUS ACK|DRIVER", d.set_status, S_ACK | S_DRIVER)
    expect_errno("SET_STATUS DRIVER (clears ACK)", errno.EINVAL, d.set_status, S_DRIVER)
    check("GET_STATUS after the refused SET_STATUS", d.status(), S_ACK | S_DRIVER)
    expect_errno("SET_FEATURES without ACCESS_PLATFORM (parent refuses)", errno.EINVAL,
                 d.set_features, 1 << 32)
    expect_ok("SET_FEATURES VERSION_1|ACCESS_PLATFORM|MAC", d.set_features, F_NEG)
    expect_ok("SET_STATUS FEATURES_OK", d.set_status, S_NEG)
    expect_ok("SET_STATUS FEATURES_OK again (same value)", d.set_status, S_NEG)
    expect_errno("SET_FEATURES after FEATURES_OK", errno.EBUSY, d.set_features, F_NEG)
    expect_ok("SUSPEND before DRIVER_OK (no-op)", d.raw, VHOST_VDPA_SUSPEND, 0)
    expect_ok("SET_VRING_BASE before DRIVER_OK after a no-op SUSPEND", d.st, V.VHOST_SET_VRING_BASE, 0, 7)
    expect_ok("SET_STATUS DRIVER_OK", d.set_status, S_LIVE)
    check("GET_STATUS", d.status(), S_LIVE)
    expect_errno("SET_STATUS without DRIVER_OK after it", errno.EINVAL, d.set_status, S_NEG)
    expect_errno("SET_VRING_BASE after DRIVER_OK", errno.EINVAL, d.st, V.VHOST_SET_VRING_BASE, 0, 9)
    expect_errno("SET_VRING_ADDR after DRIVER_OK", errno.EINVAL, addr, 0, 0x10000, 0x20000, 0x30000, 0)
    check("GET_VRING_BASE after DRIVER_OK", d.get_base(0), 7)
    expect_ok("SET_BACKEND_FEATURES after DRIVER_OK", d.set_backend_features, B_BASE | B_SUSPEND | B_RESUME)
    expect_ok("SUSPEND after DRIVER_OK", d.raw, VHOST_VDPA_SUSPEND, 0)
    expect_ok("SET_VRING_BASE while suspended", d.st, V.VHOST_SET_VRING_BASE, 0, 9)
    check("GET_VRING_BASE while suspended", d.get_base(0), 9)
    expect_ok("SET_VRING_ADDR while suspended", addr, 0, 0x10000, 0x20000, 0x30000, 0)
    expect_ok("RESUME", d.raw, VHOST_VDPA_RESUME, 0)
    expect_errno("SET_VRING_BASE after RESUME", errno.EINVAL, d.st, V.VHOST_SET_VRING_BASE, 0, 11)
    expect_ok("SUSPEND again", d.raw, VHOST_VDPA_SUSPEND, 0)
    expect_ok("SET_STATUS 0 (reset)", d.set_status, 0)
    check("GET_STATUS after reset", d.status(), 0)
    check("GET_VRING_BASE after reset", d.get_base(0), 0)
    negotiate(d)
    d.set_status(S_LIVE)
    expect_errno("SET_VRING_BASE after reset and DRIVER_OK (the reset cleared 'suspended')", errno.EINVAL,
                 d.st, V.VHOST_SET_VRING_BASE, 0, 5)
    expect_ok("SET_STATUS with status bit 0x80 (failed) added", d.set_status, S_LIVE | 0x80)
    d.set_status(0)
    d.close()
    # Acks and ownership do not survive the close.
    d = Dev(node)
    ok("open again after close")
    expect_errno("GET_VRING_BASE after reopening (owner gone)", errno.EPERM, d.get_base, 0)
    d.set_owner()
    d.close()


def s_parent(dev, node, dma):
    """What vdpasim_net cannot show: a parent without suspend/resume,
    get_vq_size and (dma0) persistent maps."""
    d = Dev(node)
    d.set_owner()
    offered = B_BASE if dma == "dma" else B_BASE | B_PERSIST
    check("%s: GET_BACKEND_FEATURES" % dev, d.get_backend_features(), offered)
    expect_errno("%s: SET_BACKEND_FEATURES SUSPEND (no suspend op)" % dev, errno.EOPNOTSUPP,
                 d.set_backend_features, B_BASE | B_SUSPEND)
    expect_errno("%s: SET_BACKEND_FEATURES RESUME (no resume op)" % dev, errno.EOPNOTSUPP,
                 d.set_backend_features, B_BASE | B_RESUME)
    expect_errno("%s: SUSPEND | DESC_ASID without IOTLB_ASID (SUSPEND checked first)" % dev, errno.EOPNOTSUPP,
                 d.set_backend_features, B_SUSPEND | B_DESC_ASID)
    expect_errno("%s: DESC_ASID without IOTLB_ASID" % dev, errno.EINVAL, d.set_backend_features, B_DESC_ASID)
    expect_errno("%s: DESC_ASID | IOTLB_ASID" % dev, errno.EOPNOTSUPP, d.set_backend_features, B_ASID | B_DESC_ASID)
    expect_ok("%s: ENABLE_AFTER_DRIVER_OK (not offered, accepted)" % dev, d.set_backend_features,
              B_BASE | B_ENABLE_AFTER_DRIVER_OK)
    if dma == "dma":
        expect_errno("%s: IOTLB_PERSIST (no persistent map)" % dev, errno.EOPNOTSUPP,
                     d.set_backend_features, B_BASE | B_PERSIST)
    else:
        expect_ok("%s: IOTLB_PERSIST" % dev, d.set_backend_features, B_BASE | B_PERSIST)
    expect_errno("%s: GET_VRING_SIZE (no get_vq_size)" % dev, errno.EOPNOTSUPP, d.st, VHOST_VDPA_GET_VRING_SIZE, 0)
    expect_errno("%s: GET_VRING_DESC_GROUP" % dev, errno.EOPNOTSUPP, d.st, V.VHOST_VDPA_GET_VRING_DESC_GROUP, 1)
    expect_errno("%s: SET_VRING_NUM 512 (max 256)" % dev, errno.EINVAL, d.st, V.VHOST_SET_VRING_NUM, 0, 512)
    expect_errno("%s: SET_GROUP_ASID group 2 (= nvqs)" % dev, errno.ENOBUFS, d.st, V.VHOST_VDPA_SET_GROUP_ASID, 2, 0)
    # A kick eventfd that already has a count kicks once when installed
    # (the parent's kick_vq moves its avail index by one).
    expect_ok("%s: SET_VRING_BASE vq 0 42" % dev, d.st, V.VHOST_SET_VRING_BASE, 0, 42)
    kick = os.eventfd(1, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
    d.vring_file(V.VHOST_SET_VRING_KICK, 0, kick)
    check("%s: GET_VRING_BASE after installing a signalled kick eventfd" % dev, wait_base(d, 0, 43), 43)
    os.write(kick, struct.pack("=Q", 1))
    check("%s: GET_VRING_BASE after one more kick" % dev, wait_base(d, 0, 44), 44)
    d.vring_file(V.VHOST_SET_VRING_KICK, 0, -1)
    os.close(kick)
    # Packed ring (RING_PACKED acked): no 16-bit limit, 4 fields packed.
    negotiate(d, (1 << 32) | (1 << 33) | (1 << 34) | (1 << 5))
    packed = ((0x8000 | 5) << 16) | 0x8000 | 7       # used 5 wrap 1, avail 7 wrap 1
    expect_ok("%s: SET_VRING_BASE vq 1 %#x (packed)" % (dev, packed), d.st, V.VHOST_SET_VRING_BASE, 1, packed)
    check("%s: GET_VRING_BASE vq 1 (packed)" % dev, d.get_base(1), packed)
    d.set_status(0)
    negotiate(d, (1 << 32) | (1 << 33) | (1 << 5))
    expect_errno("%s: SET_VRING_BASE 0x10000 after renegotiating split" % dev, errno.EINVAL,
                 d.st, V.VHOST_SET_VRING_BASE, 1, 0x10000)
    expect_ok("%s: SUSPEND before DRIVER_OK (no-op)" % dev, d.raw, VHOST_VDPA_SUSPEND, 0)
    d.set_status(S_LIVE)
    expect_errno("%s: SUSPEND after DRIVER_OK (no suspend op)" % dev, errno.EOPNOTSUPP, d.raw, VHOST_VDPA_SUSPEND, 0)
    expect_errno("%s: RESUME after DRIVER_OK (no resume op)" % dev, errno.EOPNOTSUPP, d.raw, VHOST_VDPA_RESUME, 0)
    d.close()


def wait_base(d, q, want, timeout=2.0):
    """GET_VRING_BASE of vq q once it reads `want` (the parent may kick
    from a work item), or its value after `timeout`."""
    end = time.monotonic() + timeout
    while True:
        got = d.get_base(q)
        if got == want or time.monotonic() > end:
            return got
        time.sleep(0.05)


def s_desc(node):
    """Our simulator with desc_group=1: DESC_ASID offered and acked, every
    queue's descriptor group is 2, and rings in an address space of their
    own while the buffers stay in ASID 0 move data."""
    d = Dev(node)
    d.set_owner()
    check("GET_BACKEND_FEATURES (desc_group=1)", d.get_backend_features(), SIM_BACKEND | B_DESC_ASID)
    check("GET_GROUP_NUM", d.get(V.VHOST_VDPA_GET_GROUP_NUM, "=I"), 3)
    expect_errno("DESC_ASID without IOTLB_ASID", errno.EINVAL, d.set_backend_features, B_MSG_V2 | B_DESC_ASID)
    expect_ok("SET_BACKEND_FEATURES with DESC_ASID", d.set_backend_features, B_BASE | B_DESC_ASID)
    for q, g in ((0, 0), (1, 0), (2, 1)):
        check("GET_VRING_GROUP vq %d" % q, d.state(V.VHOST_VDPA_GET_VRING_GROUP, q), g)
    for q in range(SIM_NVQS):
        check("GET_VRING_DESC_GROUP vq %d" % q, d.state(V.VHOST_VDPA_GET_VRING_DESC_GROUP, q), 2)
    expect_errno("GET_VRING_DESC_GROUP vq 3", errno.ENOBUFS, d.st, V.VHOST_VDPA_GET_VRING_DESC_GROUP, 3)
    expect_ok("SET_GROUP_ASID group 2 asid 1", d.st, V.VHOST_VDPA_SET_GROUP_ASID, 2, 1)
    if va_mode():
        mem = Shm(Net.PAGES)
        net = Net(d, mem, 0x40000000)
        iova, size, uaddr = net.mapping()
        # Rings (pages 0-5) only in ASID 1, buffers (6-8) only in ASID 0.
        d.upd(1, iova, 6 * PAGE, uaddr)
        d.upd(0, iova + 6 * PAGE, size - 6 * PAGE, uaddr + 6 * PAGE)
        net.start()
        net.expect("rings in ASID 1 (group 2), buffers in ASID 0 (group 0)", True)
        d.set_status(0)
        mem.close()
    d.close()


def s_iotlb(node, limit):
    """B.5 and B.6's tree rules on vdpasim_net (VA mode, set_map)."""
    limit = int(limit)
    mem = Shm(32)
    pg = mem.page
    d = Dev(node)
    d.set_owner()
    A = 0x10000000
    # No address space exists yet: only UPDATE and BATCH_BEGIN create one.
    expect_write("INVALIDATE before any UPDATE (no address space)", d, msg_v2(T_INVALIDATE, 0, A, PAGE), E(errno.EFAULT))
    expect_write("BATCH_END before any UPDATE", d, msg_v2(T_END, 0), E(errno.EFAULT))

    # Short writes of a valid UPDATE: nothing is applied.
    for fmt, m in (("v1", msg_v1(T_UPDATE, A, PAGE, pg(0))), ("v2", msg_v2(T_UPDATE, 0, A, PAGE, pg(0)))):
        bad = [n for n in range(0, 40) if not _errno_is(lambda: d.w(m[:n]), errno.EINVAL)]
        if bad:
            fail("%s UPDATE cut to %s bytes: not EINVAL" % (fmt, bad))
        else:
            ok("%s UPDATE cut to 0..39 bytes: EINVAL each" % fmt)
    for t in (0, 3, 0xffffffff):
        expect_write("header type %#x" % t, d, struct.pack("=I", t) + msg_v2(T_UPDATE, 0, A, PAGE, pg(0))[4:],
                     E(errno.EINVAL))
    # 40 bytes are a whole v1 message; 72 comes back anyway.
    expect_write("v1 UPDATE of 40 bytes", d, msg_v1(T_UPDATE, A, PAGE, pg(0))[:40], 72)
    expect_write("the same UPDATE again (overlap)", d, msg_v1(T_UPDATE, A, PAGE, pg(0)), E(errno.EFAULT))
    # Two messages in one write: only the first is consumed.
    two = msg_v2(T_UPDATE, 0, A + PAGE, PAGE, pg(1)) + msg_v2(T_UPDATE, 0, A + 2 * PAGE, PAGE, pg(2))
    expect_write("144-byte write of two v2 UPDATEs", d, two, 72)
    expect_write("the first of them again (applied)", d, two[:72], E(errno.EFAULT))
    expect_write("the second of them alone (was not applied)", d, two[72:], 72)
    # Without IOTLB_ASID the v2 asid field is skipped.
    expect_write("v2 UPDATE asid 7 without IOTLB_ASID (asid ignored)", d, msg_v2(T_UPDATE, 7, A + 3 * PAGE, PAGE, pg(3)), 72)
    expect_write("v1 UPDATE of that range (it went to asid 0)", d, msg_v1(T_UPDATE, A + 3 * PAGE, PAGE, pg(3)),
                 E(errno.EFAULT))
    d.set_backend_features(B_BASE)
    ok("acked IOTLB_MSG_V2 | IOTLB_BATCH | IOTLB_ASID")
    for n in range(4, 8):
        expect_write("v2 of %d bytes with IOTLB_ASID (asid cut)" % n, d, msg_v2(T_UPDATE, 1, A, PAGE, pg(0))[:n],
                     E(errno.EINVAL))
    # A refused UPDATE still creates its address space.
    expect_write("INVALIDATE asid 1 (no address space yet)", d, msg_v2(T_INVALIDATE, 1, A, PAGE), E(errno.EFAULT))
    expect_write("UPDATE asid 1 that wraps (refused)", d, msg_v2(T_UPDATE, 1, U64, 2, pg(0)), E(errno.EFAULT))
    expect_write("INVALIDATE asid 1 after it (the refused UPDATE created asid 1)", d,
                 msg_v2(T_INVALIDATE, 1, A, PAGE), 72)
    expect_write("v2 UPDATE asid 7 with IOTLB_ASID (>= nas)", d, msg_v2(T_UPDATE, 7, A + 3 * PAGE, PAGE, pg(3)),
                 E(errno.EFAULT))
    expect_write("v2 UPDATE asid 0xffffffff", d, msg_v2(T_UPDATE, 0xffffffff, A, PAGE, pg(0)), E(errno.EFAULT))
    expect_write("v2 INVALIDATE asid 2", d, msg_v2(T_INVALIDATE, 2, A, PAGE), E(errno.EFAULT))
    expect_write("v2 BATCH_BEGIN asid 2", d, msg_v2(T_BEGIN, 2), E(errno.EFAULT))
    expect_write("v1 UPDATE with IOTLB_ASID acked (asid 0)", d, msg_v1(T_UPDATE, A, PAGE, pg(0)), E(errno.EFAULT))
    expect_write("v2 UPDATE asid 1, range mapped in asid 0", d, msg_v2(T_UPDATE, 1, A, PAGE, pg(0)), 72)
    expect_write("UPDATE of size 0", d, msg_v2(T_UPDATE, 0, A + 9 * PAGE, 0, pg(9)), E(errno.EINVAL))
    for t in (0, T_MISS, T_ACCESS_FAIL, 7, 0xff):
        expect_write("message type %d" % t, d, msg_v2(t, 0, A, PAGE, pg(0)), E(errno.EFAULT))

    # Range and overflow checks (range is [0, 2^64-1] here).
    expect_write("UPDATE iova 2^64-4096 size 8192 (wraps)", d, msg_v2(T_UPDATE, 0, U64 - PAGE + 1, 2 * PAGE, pg(4)),
                 E(errno.EFAULT))
    expect_write("UPDATE iova 2^64-1 size 2", d, msg_v2(T_UPDATE, 0, U64, 2, pg(4)), E(errno.EFAULT))
    expect_write("UPDATE of the last page (iova 2^64-4096)", d, msg_v2(T_UPDATE, 0, U64 - PAGE + 1, PAGE, pg(4)), 72)
    expect_write("INVALIDATE of the last page", d, msg_v2(T_INVALIDATE, 0, U64 - PAGE + 1, PAGE), 72)
    expect_write("UPDATE of the last page again (it was removed)", d,
                 msg_v2(T_UPDATE, 0, U64 - PAGE + 1, PAGE, pg(4)), 72)
    d.inv(0, U64 - PAGE + 1, PAGE)

    # INVALIDATE iova 0 size 0 empties the address space (all 2^64 bytes).
    expect_write("INVALIDATE iova 0 size 0", d, msg_v2(T_INVALIDATE, 0, 0, 0), 72)
    expect_write("UPDATE A..A+4 pages after it", d, msg_v2(T_UPDATE, 0, A, 4 * PAGE, pg(0)), 72)
    expect_write("asid 1 kept its entry", d, msg_v2(T_UPDATE, 1, A, PAGE, pg(0)), E(errno.EFAULT))
    d.inv(1, 0, 0)

    # Overlap vs adjacency: entry X = [A, A+2 pages).
    d.inv(0, 0, 0)
    expect_write("UPDATE X = 2 pages at A", d, msg_v2(T_UPDATE, 0, A, 2 * PAGE, pg(0)), 72)
    expect_write("UPDATE overlapping X's second page", d, msg_v2(T_UPDATE, 0, A + PAGE, PAGE, pg(5)), E(errno.EFAULT))
    expect_write("UPDATE overlapping X's first byte", d, msg_v2(T_UPDATE, 0, A - PAGE, PAGE + 1, pg(5)), E(errno.EFAULT))
    expect_write("UPDATE covering X", d, msg_v2(T_UPDATE, 0, A - PAGE, 4 * PAGE, pg(5)), E(errno.EFAULT))
    expect_write("UPDATE adjacent below X", d, msg_v2(T_UPDATE, 0, A - PAGE, PAGE, pg(6)), 72)
    expect_write("UPDATE adjacent above X", d, msg_v2(T_UPDATE, 0, A + 2 * PAGE, PAGE, pg(7)), 72)
    expect_write("UPDATE X's range in asid 1", d, msg_v2(T_UPDATE, 1, A, 2 * PAGE, pg(0)), 72)
    # INVALIDATE of one byte removes the whole entry, and only it.
    expect_write("INVALIDATE one byte of X's second page", d, msg_v2(T_INVALIDATE, 0, A + PAGE + 7, 1), 72)
    expect_write("UPDATE X again (X was removed whole)", d, msg_v2(T_UPDATE, 0, A, 2 * PAGE, pg(0)), 72)
    expect_write("the entry below X is still there", d, msg_v2(T_UPDATE, 0, A - PAGE, PAGE, pg(6)), E(errno.EFAULT))
    expect_write("the entry above X is still there", d, msg_v2(T_UPDATE, 0, A + 2 * PAGE, PAGE, pg(7)), E(errno.EFAULT))
    expect_write("asid 1's X is still there", d, msg_v2(T_UPDATE, 1, A, PAGE, pg(0)), E(errno.EFAULT))
    expect_write("INVALIDATE from the last byte below X to the first above", d,
                 msg_v2(T_INVALIDATE, 0, A - 1, 2 * PAGE + 2), 72)
    for what, iova in (("below", A - PAGE), ("X", A), ("above", A + 2 * PAGE)):
        expect_write("entry %s removed by the spanning INVALIDATE" % what, d,
                     msg_v2(T_UPDATE, 0, iova, PAGE, pg(8)), 72)
    d.inv(0, 0, 0)
    d.inv(1, 0, 0)
    expect_write("INVALIDATE where nothing is mapped", d, msg_v2(T_INVALIDATE, 0, A, PAGE), 72)
    # size 0 at iova != 0: last = iova - 1, so only an entry that starts
    # below iova and reaches it is hit.
    d.upd(0, A, 2 * PAGE, pg(0))
    expect_write("INVALIDATE iova A size 0 (X starts at A)", d, msg_v2(T_INVALIDATE, 0, A, 0), 72)
    expect_write("X survived it", d, msg_v2(T_UPDATE, 0, A, PAGE, pg(0)), E(errno.EFAULT))
    expect_write("INVALIDATE iova A+4096 size 0 (inside X)", d, msg_v2(T_INVALIDATE, 0, A + PAGE, 0), 72)
    expect_write("X was removed by it", d, msg_v2(T_UPDATE, 0, A, PAGE, pg(0)), 72)
    d.inv(0, 0, 0)
    # VA mode skips anonymous memory without failing.
    anon = mmap.mmap(-1, PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    anon_addr = ctypes.addressof(ctypes.c_char.from_buffer(anon))
    expect_write("UPDATE of anonymous memory (skipped in VA mode)", d, msg_v2(T_UPDATE, 0, A, PAGE, anon_addr), 72)
    expect_write("the same range again (no entry was made)", d, msg_v2(T_UPDATE, 0, A, PAGE, pg(0)), 72)
    d.inv(0, 0, 0)
    expect_write("UPDATE of an address with no VMA above it", d, msg_v2(T_UPDATE, 0, A, PAGE, 0xfffffffffffff000),
                 E(errno.EFAULT))
    del anon_addr
    anon.close()

    # Batches.
    expect_write("BATCH_END without BATCH_BEGIN", d, msg_v2(T_END, 0), 72)
    expect_write("BATCH_BEGIN asid 0", d, msg_v2(T_BEGIN, 0), 72)
    expect_write("BATCH_BEGIN asid 0 again", d, msg_v2(T_BEGIN, 0), 72)
    expect_write("UPDATE asid 0 in the batch", d, msg_v2(T_UPDATE, 0, A, PAGE, pg(0)), 72)
    expect_write("UPDATE asid 1 in the asid 0 batch", d, msg_v2(T_UPDATE, 1, A + PAGE, PAGE, pg(1)), E(errno.EFAULT))
    expect_write("INVALIDATE asid 1 in the asid 0 batch", d, msg_v2(T_INVALIDATE, 1, A, PAGE), E(errno.EFAULT))
    expect_write("BATCH_END asid 1 in the asid 0 batch", d, msg_v2(T_END, 1), E(errno.EFAULT))
    expect_write("v1 UPDATE (asid 0) in the batch", d, msg_v1(T_UPDATE, A + PAGE, PAGE, pg(1)), 72)
    expect_write("overlap inside the batch", d, msg_v2(T_UPDATE, 0, A, PAGE, pg(0)), E(errno.EFAULT))
    expect_write("BATCH_END asid 0", d, msg_v2(T_END, 0), 72)
    expect_write("UPDATE asid 1 after the batch", d, msg_v2(T_UPDATE, 1, A + PAGE, PAGE, pg(1)), 72)
    # SET_STATUS(0) keeps the batch open.
    d.begin(0)
    d.set_status(0)
    expect_write("UPDATE asid 1 after BATCH_BEGIN 0 and SET_STATUS(0) (batch still open)", d,
                 msg_v2(T_UPDATE, 1, A + 4 * PAGE, PAGE, pg(4)), E(errno.EFAULT))
    d.end(0)
    d.inv(0, 0, 0)
    d.inv(1, 0, 0)

    # A non-owner cannot write.
    code = in_child(lambda: d.w(msg_v2(T_UPDATE, 0, A, PAGE, pg(0))))
    check("UPDATE from a forked child (not the owner): errno", code, errno.EFAULT)

    # The entry limit of each address space.
    if limit > 16:
        ok("entry limit %d: too many for this test's 32 pages, not tested" % limit)
    elif limit > 0:
        pages = [pg(2 * i) for i in range(limit)]
        okn = sum(1 for i in range(limit) if _wrote(d, msg_v2(T_UPDATE, 0, A + 0x100000 * i, PAGE, pages[i])))
        check("%d one-page UPDATEs in asid 0 (max_iotlb_entries %d)" % (limit, limit), okn, limit)
        expect_write("UPDATE number %d in asid 0" % (limit + 1), d,
                     msg_v2(T_UPDATE, 0, A + 0x100000 * limit, PAGE, pg(1)), E(errno.EFAULT))
        expect_write("UPDATE in asid 1 (its own limit)", d, msg_v2(T_UPDATE, 1, A, PAGE, pg(1)), 72)
        d.inv(0, A, PAGE)
        expect_write("UPDATE in asid 0 after one INVALIDATE", d,
                     msg_v2(T_UPDATE, 0, A + 0x100000 * limit, PAGE, pg(1)), 72)
        d.inv(0, 0, 0)
        d.inv(1, 0, 0)
    # The batch state dies with the file.
    d.begin(0)
    d.close()
    d = Dev(node)
    d.set_owner()
    d.set_backend_features(B_BASE)
    expect_write("after reopening: UPDATE asid 1 (no batch left open)", d, msg_v2(T_UPDATE, 1, A, PAGE, pg(0)), 72)
    expect_write("after reopening: the tree is empty", d, msg_v2(T_UPDATE, 0, A, PAGE, pg(0)), 72)
    d.close()
    d = Dev(node)
    d.set_owner()
    expect_write("after reopening: acks cleared (v2 asid 7 ignored)", d, msg_v2(T_UPDATE, 7, A, PAGE, pg(0)), 72)
    d.close()
    mem.close()


def _errno_is(fn, code):
    try:
        fn()
    except OSError as e:
        return e.errno == code
    return False


def _wrote(d, m):
    try:
        return d.w(m) == 72
    except OSError:
        return False


def s_iotlb_traffic(node):
    """Device-side effect of IOTLB messages, by traffic through a set_map
    sim in VA mode."""
    mem = Shm(Net.PAGES)
    d = Dev(node)
    d.set_owner()
    d.set_backend_features(B_BASE)
    net = Net(d, mem, mem.base)
    net.start()
    net.expect("identity map of a fresh open (IOVA = user address)", True)
    d.set_status(0)
    IO = 0x2000000000
    net = Net(d, mem, IO)
    iova, size, uaddr = net.mapping()
    d.upd(0, iova, size, uaddr)
    net.start()
    net.expect("ring and buffers mapped at %#x" % IO, True)
    d.inv(0, iova + 8 * PAGE, 1)
    net.expect("after INVALIDATE of one byte of the mapping (whole entry gone)", False)
    d.set_status(0)
    d.upd(0, iova, size, uaddr)
    net.start()
    d.begin(0)
    d.inv(0, iova, size)
    net.expect("INVALIDATE inside an open batch (not yet applied)", True)
    d.end(0)
    net.expect("after BATCH_END", False)
    d.set_status(0)
    d.close()
    mem.close()


def s_persist(node):
    """B.7's reset matrix on vdpasim_net (VA mode, set_map)."""
    mem = Shm(Net.PAGES)
    IO = 0x2000000000
    d = Dev(node)
    d.set_owner()
    d.set_backend_features(B_BASE | B_PERSIST)
    net = Net(d, mem, IO)
    iova, size, uaddr = net.mapping()
    d.upd(0, iova, size, uaddr)
    net.start()
    net.expect("PERSIST: mapped at %#x" % IO, True)
    d.set_status(0)
    net.start()
    net.expect("PERSIST: after SET_STATUS(0), no new UPDATE", True)
    expect_write("PERSIST: the same UPDATE after the reset", d, msg_v2(T_UPDATE, 0, iova, size, uaddr), E(errno.EFAULT))
    # Group 0 (data) to asid 1, which maps nothing; a reset puts it back.
    d.upd(1, 0x7000000000, PAGE, uaddr + 15 * PAGE)
    d.st(V.VHOST_VDPA_SET_GROUP_ASID, 0, 1)
    net.expect("PERSIST: data group bound to asid 1 (one unrelated page)", False)
    d.set_status(0)
    net.start()
    net.expect("PERSIST: after SET_STATUS(0) the data group is in asid 0 again", True)
    d.set_status(0)
    d.close()

    d = Dev(node)
    d.set_owner()
    d.set_backend_features(B_BASE)
    net = Net(d, mem, IO)
    d.upd(0, iova, size, uaddr)
    net.start()
    net.expect("no PERSIST: mapped at %#x" % IO, True)
    d.set_status(0)
    net.start()
    net.expect("no PERSIST: after SET_STATUS(0), old IOVAs (device back to identity)", False)
    d.set_status(0)
    ident = Net(d, mem, mem.base)
    ident.start()
    ident.expect("no PERSIST: after SET_STATUS(0), IOVA = user address (identity)", True)
    expect_write("no PERSIST: the same UPDATE after the reset (vhost kept its tree)", d,
                 msg_v2(T_UPDATE, 0, iova, size, uaddr), E(errno.EFAULT))
    # The next set_map pushes the whole (stale) tree again.
    d.set_status(0)
    d.upd(0, 0x7000000000, PAGE, uaddr + 15 * PAGE)
    net.start()
    net.expect("no PERSIST: one new UPDATE resurrects the stale entries", True)
    d.set_status(0)
    d.close()
    mem.close()


def s_messy(node):
    """A session that leaves ASID 0 and 1 mapped and both groups bound to
    ASID 1, and closes without cleaning up."""
    mem = Shm(Net.PAGES)
    d = Dev(node)
    d.set_owner()
    d.set_backend_features(B_BASE)
    net = Net(d, mem, 0x2000000000)
    iova, size, uaddr = net.mapping()
    d.upd(0, 0x7000000000, PAGE, uaddr + 15 * PAGE)
    d.upd(1, iova, size, uaddr)
    net.start()
    d.st(V.VHOST_VDPA_SET_GROUP_ASID, 0, 1)
    d.st(V.VHOST_VDPA_SET_GROUP_ASID, 1, 1)
    net.expect("messy session: data group in asid 1", True)
    d.begin(0)
    d.close()
    mem.close()
    ok("closed with asid 0 and 1 mapped, groups 0 and 1 in asid 1, a batch open")


def s_defaults(node):
    """After the messy session: identity in ASID 0, and the data group in
    ASID 0 (ASID 1 is made non-identity; traffic still flows)."""
    mem = Shm(Net.PAGES)
    d = Dev(node)
    d.set_owner()
    d.set_backend_features(B_BASE)
    expect_write("after reopening: UPDATE of the old asid 1 range", d,
                 msg_v2(T_UPDATE, 1, 0x2000000000, PAGE, mem.base), 72)
    net = Net(d, mem, mem.base)
    net.start()
    net.expect("after reopening: identity map, asid 1 not identity", True)
    d.set_status(0)
    d.close()
    mem.close()


def s_hold(node, flag):
    """Holds the node open (owner) until FLAG.close exists or a signal
    kills this process; writes FLAG when it holds the node."""
    d = Dev(node)
    d.set_owner()
    negotiate(d)
    with open(flag, "w") as f:
        f.write("%d\n" % os.getpid())
    while not os.path.exists(flag + ".close"):
        time.sleep(0.05)
    st = d.status()
    check("holder: GET_STATUS while the device is being deleted", st, S_NEG)
    d.close()
    with open(flag + ".closed", "w") as f:
        f.write("%d\n" % time.monotonic_ns())


def s_pin(node):
    """B.6's PA mode (vdpa_sim use_va=0): pinning and its accounting."""
    kb = PAGE // 1024
    vmpin = lambda: proc_status("VmPin")   # noqa: E731
    base = vmpin()
    check("VmPin before open (kB)", base, 0)
    mem = Shm(64)
    pg = mem.page
    d = Dev(node)
    d.set_owner()
    d.set_backend_features(B_BASE)
    A = 0x10000000
    check("VmPin after open", vmpin(), base)
    expect_write("UPDATE of 16 pages", d, msg_v2(T_UPDATE, 0, A, 16 * PAGE, pg(0)), 72)
    check("VmPin after 16 pages (kB)", vmpin(), base + 16 * kb)
    expect_write("UPDATE of 4096 bytes at iova offset 0x800", d,
                 msg_v2(T_UPDATE, 0, A + 0x100000 + 0x800, PAGE, pg(16) + 0x800), 72)
    check("VmPin after 2 more pages (kB)", vmpin(), base + 18 * kb)
    expect_write("UPDATE of 1 page in asid 1", d, msg_v2(T_UPDATE, 1, A, PAGE, pg(20)), 72)
    check("VmPin after asid 1's page", vmpin(), base + 19 * kb)
    check("VmLck stays 0", proc_status("VmLck"), 0)
    # The pinned range may be split into one entry per physically
    # contiguous run: invalidate all of it.
    expect_write("INVALIDATE the offset range's 2 pages", d, msg_v2(T_INVALIDATE, 0, A + 0x100000, 2 * PAGE), 72)
    check("VmPin after INVALIDATE of 2 pages", vmpin(), base + 17 * kb)
    # Resets keep pins, with and without PERSIST.
    negotiate(d)
    d.set_status(0)
    check("VmPin after SET_STATUS(0) without PERSIST", vmpin(), base + 17 * kb)
    d.set_backend_features(B_BASE | B_PERSIST)
    negotiate(d)
    d.set_status(0)
    check("VmPin after SET_STATUS(0) with PERSIST", vmpin(), base + 17 * kb)
    # RLIMIT_MEMLOCK: pinned + new pages must fit.
    soft, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    resource.setrlimit(resource.RLIMIT_MEMLOCK, ((17 + 4) * PAGE, hard))
    expect_write("UPDATE of 8 pages over RLIMIT_MEMLOCK (17 pinned + 8 > 21)", d,
                 msg_v2(T_UPDATE, 0, A + 0x200000, 8 * PAGE, pg(24)), E(errno.EFAULT))
    check("VmPin after the refused UPDATE", vmpin(), base + 17 * kb)
    expect_write("UPDATE of 4 pages (fits exactly)", d, msg_v2(T_UPDATE, 0, A + 0x200000, 4 * PAGE, pg(24)), 72)
    check("VmPin after 4 pages", vmpin(), base + 21 * kb)
    expect_write("UPDATE of 1 more page", d, msg_v2(T_UPDATE, 0, A + 0x300000, PAGE, pg(30)), E(errno.EFAULT))
    resource.setrlimit(resource.RLIMIT_MEMLOCK, (soft, hard))
    d.inv(0, A + 0x200000, 4 * PAGE)
    check("VmPin after INVALIDATE of the 4 pages", vmpin(), base + 17 * kb)
    # Access rights of the user mapping.
    ro = Shm(2, prot=mmap.PROT_READ)
    for name, perm, want in (("RO", RO, 72), ("WO", WO, E(errno.EFAULT)), ("RW", RW, E(errno.EFAULT))):
        expect_write("UPDATE perm %s of a read-only mapping" % name, d,
                     msg_v2(T_UPDATE, 0, A + 0x400000, PAGE, ro.base, perm), want)
    check("VmPin after the read-only mapping updates", vmpin(), base + 18 * kb)
    d.inv(0, A + 0x400000, 1)
    ro.close()
    hole = libc.mmap(None, PAGE, 0, mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
    libc.munmap(hole, PAGE)
    expect_write("UPDATE of an unmapped user range", d, msg_v2(T_UPDATE, 0, A + 0x500000, PAGE, hole), E(errno.EFAULT))
    check("VmPin after the unmapped range", vmpin(), base + 17 * kb)
    d.close()
    check("VmPin after close", vmpin(), base)
    # A killed owner's pins go with its file.
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        c = Dev(node)
        c.set_owner()
        c.upd(0, A, 32 * PAGE, pg(0))
        os.write(w, b"%d\n" % proc_status("VmPin"))
        time.sleep(60)
        os._exit(0)
    os.close(w)
    got = os.read(r, 64)
    os.close(r)
    check("child's VmPin after pinning 32 pages (kB)", int(got or b"-1"), 32 * kb)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    ok("killed the pinning child; reopening the node")
    d = Dev(node)
    d.set_owner()
    expect_write("after the child died: its range maps again", d, msg_v2(T_UPDATE, 0, A, 32 * PAGE, pg(0)), 72)
    check("VmPin of this process", vmpin(), base + 32 * kb)
    d.close()
    mem.close()


SESSIONS = {
    "uapi": s_uapi,             # NODE MAC
    "parent": s_parent,         # DEV NODE set|dma
    "desc": s_desc,             # NODE
    "iotlb": s_iotlb,           # NODE LIMIT (0: do not test the limit)
    "iotlb-traffic": s_iotlb_traffic,   # NODE
    "persist": s_persist,       # NODE
    "messy": s_messy,           # NODE
    "defaults": s_defaults,     # NODE
    "hold": s_hold,             # NODE FLAGFILE
    "pin": s_pin,               # NODE
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in SESSIONS:
        sys.exit("usage: vhost_uapi.py %s ARGS..." % "|".join(SESSIONS))
    name, args = sys.argv[1], sys.argv[2:]
    V.run_reporting(__file__, name, SESSIONS[name], *args)
    sys.exit(1 if V.failures else 0)


if __name__ == "__main__":
    main()
