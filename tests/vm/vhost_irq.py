#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# vhost_irq.py: the paths of /dev/vhost-vdpa-N that only a parent with
# interrupts, doorbells and config interrupts reaches, on the irq* devices
# of vdpa_rs_test_parent, checked against the upstream 6.12.117 vhost_vdpa
# (drivers/vhost/vdpa.c):
#  - the irq-bypass producer of each ring, seen by the consumer of
#    vdpa_rs_irqbypass_probe: registered (token = the call eventfd, irq =
#    the parent's get_vq_irq) by SET_VRING_CALL after DRIVER_OK and by
#    DRIVER_OK, unregistered by SET_VRING_CALL, by the reset that clears
#    DRIVER_OK and by close, in upstream's order;
#  - the doorbell mmap: every refusal of vhost_vdpa_mmap with its errno, a
#    mapping whose stores reach the parent's page (read back through its
#    vendor stats), and what a device without get_vq_notification returns;
#  - the config eventfd: a failed SET_CONFIG_CALL changes nothing, and a
#    config interrupt the parent delivers late (200 ms after SET_CONFIG,
#    from a copy of its callback, with no lock held, as ifcvf does) reaches
#    the eventfd installed at that time, never one replaced or closed
#    before, also across close, dev del and rmmod of the parent.
#
#   vhost_irq.py SESSION DEV NODE [SESSION DEV NODE]...   (SESSIONS below)
#
# Prints "# ok: ..." / "# FAIL: ..." lines (vhost_io's helpers) and exits 1
# if anything failed. An unexpected error ends its session, which then
# unmaps and closes what it had, so that the next one can open the device.

import ctypes
import errno
import mmap
import os
import select
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vhost_io as V  # noqa: E402
import vhost_uapi as U  # noqa: E402
from vhost_io import ok, fail, check, expect_errno  # noqa: E402

CTL = "/sys/kernel/debug/vdpa_rs_irqbypass/ctl"
PAGE = mmap.PAGESIZE
PARENT = "vdpa_rs_test_parent"
ENOTSUPP = 524                  # the kernel-internal errno vhost_vdpa_mmap returns
IRQ_BASE = 4000                 # the test parent's get_vq_irq: 4000 + ring
PW, PR, SH, PRIV = mmap.PROT_WRITE, mmap.PROT_READ, mmap.MAP_SHARED, mmap.MAP_PRIVATE
MAP_FAILED = ctypes.c_void_p(-1).value
SETTLE = 0.5                    # covers the parent's 200 ms config interrupt delay

mappings = []                   # (address, length) still mapped, for cleanup


def errname(e):
    return errno.errorcode.get(e, "ENOTSUPP" if e == ENOTSUPP else str(e))


def new_efd():
    return os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)


def closed_fd():
    """A descriptor number that is not open."""
    fd = new_efd()
    os.close(fd)
    return fd


def count(fd, timeout=0.0):
    """An eventfd's count (read, so reset to 0) after up to timeout s."""
    r, _, _ = select.select([fd], [], [], timeout)
    return struct.unpack("=Q", os.read(fd, 8))[0] if r else 0


class Probe:
    """The consumer module's control file."""

    def cmd(self, text):
        fd = os.open(CTL, os.O_WRONLY)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)

    def watch(self, efd):
        self.cmd("watch %d" % efd)

    def unwatch(self, efd):
        self.cmd("unwatch %d" % efd)

    def take(self):
        """The log since the last take."""
        with open(CTL) as f:
            lines = f.read().splitlines()
        self.cmd("flush")
        return lines

    def expect(self, what, want):
        got = self.take()
        if got != want:
            fail("%s: irq bypass events %r, expected %r" % (what, got, want))
        else:
            ok("%s: %s" % (what, "; ".join(want) if want else "no irq bypass event"))


class Kernel:
    """Kernel log records from now on: the test parent's lines about one
    device, and anything else."""

    def __init__(self, dev):
        self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self.fd, 0, os.SEEK_END)
        self.prefix = "%s: %s: " % (PARENT, dev)

    def new(self):
        mine, other = [], []
        while True:
            try:
                rec = os.read(self.fd, 8192)
            except BlockingIOError:
                return mine, other
            except BrokenPipeError:
                continue
            text = rec.decode(errors="replace").split(";", 1)[-1].split("\n", 1)[0]
            if text.startswith(self.prefix):
                mine.append(text[len(self.prefix):])
            elif not text.startswith(PARENT + ": "):
                other.append(text)

    def expect_irqs(self, what, n, timeout=3.0):
        """n config interrupts delivered (waiting up to timeout s for
        them), no more, and no kernel line but the parent's (its other
        lines are about maps and resets). Returns the parent's lines."""
        mine, other = [], []
        deadline = time.monotonic() + timeout
        while True:
            m, o = self.new()
            mine += m
            other += o
            got = mine.count("config interrupt")
            if got >= n or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if other:
            fail("%s: the kernel logged %r" % (what, other))
        elif got != n:
            fail("%s: the parent delivered %d config interrupts, expected %d" % (what, got, n))
        else:
            ok("%s: %d config interrupt%s delivered, nothing else in the kernel log" %
               (what, n, "" if n == 1 else "s"))
        return mine

    def close(self):
        os.close(self.fd)


def vstats(dev, qidx):
    """The vendor stats of a ring of an irq* device, as a dict."""
    rc, out = V.run(["vdpa", "dev", "vstats", "show", dev, "qidx", str(qidx)])
    if rc != 0:
        raise RuntimeError("vdpa dev vstats show %s qidx %d: exit %d: %s" % (dev, qidx, rc, out.strip()))
    words = out.split()
    vals = dict((words[i], int(words[i + 1])) for i in range(3, len(words) - 1, 2))
    if list(vals) != ["kicks", "callbacks", "maps", "doorbell"]:
        raise RuntimeError("vdpa dev vstats show %s qidx %d: unexpected %r" % (dev, qidx, out))
    return vals


def doorbell(dev, qidx):
    return vstats(dev, qidx)["doorbell"]


def map_bell(d, qidx):
    """The doorbell of ring qidx mapped as QEMU maps it."""
    addr = U.libc.mmap(None, PAGE, PW, SH, d.fd, qidx * PAGE)
    if addr in (None, MAP_FAILED):
        e = ctypes.get_errno()
        raise OSError(e, "mmap of vq %d: %s" % (qidx, errname(e)))
    mappings.append((addr, PAGE))
    return addr


def unmap(addr):
    U.libc.munmap(addr, PAGE)
    mappings.remove((addr, PAGE))


def store(addr, ctype, value):
    ctype.from_address(addr).value = value


def mmap_checks(dev, d, cases):
    for what, length, prot, flags, off, want in cases:
        got = U.mmap_errno(d.fd, length, prot, flags, off)
        if got != want:
            fail("%s: mmap %s: %s, expected %s" % (dev, what, errname(got) if got else "mapped",
                                                    errname(want) if want else "success"))
        else:
            ok("%s: mmap %s: %s" % (dev, what, errname(want) if want else "mapped"))


def live(node):
    """A node opened, owned and with features negotiated (FEATURES_OK)."""
    d = U.Dev(node)
    d.set_owner()
    U.negotiate(d)
    return d


def set_call(d, qidx, fd):
    d.vring_file(V.VHOST_SET_VRING_CALL, qidx, fd)


# --- irq bypass -------------------------------------------------------------

def s_bypass(dev, node):
    """The producers vhost_vdpa registers: vhost_vdpa_setup_vq_irq and
    vhost_vdpa_unsetup_vq_irq and their callers in upstream's order."""
    p = Probe()
    p.cmd("clear")
    p.take()
    a, b, c = new_efd(), new_efd(), new_efd()
    r, w = os.pipe()
    expect_errno("probe: watch a pipe", errno.EINVAL, p.watch, r)
    p.watch(a)
    p.watch(b)
    expect_errno("probe: watch a twice", errno.EBUSY, p.watch, a)
    p.expect("watching a (token 0) and b (token 1)", [])
    irq0, irq1 = "irq=%d" % IRQ_BASE, "irq=%d" % (IRQ_BASE + 1)

    d = live(node)
    set_call(d, 1, a)
    p.expect("SET_VRING_CALL vq 1 = a before DRIVER_OK", [])
    d.set_status(U.S_LIVE)
    p.expect("DRIVER_OK (vq 0 has no call eventfd)", ["add token=0 " + irq1])
    set_call(d, 0, b)
    p.expect("SET_VRING_CALL vq 0 = b after DRIVER_OK", ["add token=1 " + irq0])
    set_call(d, 1, c)
    p.expect("SET_VRING_CALL vq 1 = c (not watched)", ["del token=0 " + irq1])
    p.watch(c)
    p.expect("watching c (token 2): vq 1's producer connects", ["add token=2 " + irq1])
    p.unwatch(c)
    p.expect("unwatching c", ["del token=2 " + irq1])
    p.watch(c)
    p.expect("watching c again (token 2)", ["add token=2 " + irq1])
    set_call(d, 1, -1)
    p.expect("SET_VRING_CALL vq 1 = -1 (unbind)", ["del token=2 " + irq1])
    set_call(d, 1, a)
    p.expect("SET_VRING_CALL vq 1 = a", ["add token=0 " + irq1])
    expect_errno("SET_VRING_CALL vq 2 (= nvqs)", errno.ENOBUFS, set_call, d, 2, c)
    d.set_status(U.S_LIVE)
    p.expect("SET_STATUS with DRIVER_OK kept", [])
    expect_errno("SET_STATUS clearing DRIVER_OK without a reset", errno.EINVAL, d.set_status, U.S_NEG)
    p.expect("the refused SET_STATUS", [])
    d.set_status(0)
    p.expect("reset (DRIVER_OK cleared): every ring in order", ["del token=1 " + irq0, "del token=0 " + irq1])
    U.negotiate(d)
    p.expect("negotiating again, no DRIVER_OK yet", [])
    d.set_status(U.S_LIVE)
    p.expect("DRIVER_OK after the reset: the call eventfds were kept",
             ["add token=1 " + irq0, "add token=0 " + irq1])
    d.close()
    p.expect("close: every ring in order", ["del token=1 " + irq0, "del token=0 " + irq1])

    # Call eventfds without DRIVER_OK never make a producer.
    d = live(node)
    set_call(d, 0, b)
    set_call(d, 1, a)
    d.close()
    p.expect("call eventfds set, no DRIVER_OK, close", [])

    # A SET_VRING_CALL that fails after DRIVER_OK: upstream unregisters the
    # producer before vhost_vring_ioctl looks the descriptor up, and the
    # eventfd it keeps has no producer any more, also at close.
    d = live(node)
    set_call(d, 1, a)
    d.set_status(U.S_LIVE)
    p.expect("DRIVER_OK with vq 1 = a", ["add token=0 " + irq1])
    expect_errno("SET_VRING_CALL vq 1 = a closed descriptor", errno.EBADF, set_call, d, 1, closed_fd())
    p.expect("the failed SET_VRING_CALL", ["del token=0 " + irq1])
    d.close()
    p.expect("close after it", [])

    p.cmd("clear")
    p.expect("probe: clear, no producer left", [])
    for fd in (a, b, c, r, w):
        os.close(fd)


# --- doorbells --------------------------------------------------------------

def s_doorbell(dev, node):
    """vhost_vdpa_mmap and vhost_vdpa_fault on a parent with doorbells."""
    d = U.Dev(node)
    # No owner needed: vhost_vdpa_mmap does not ask for one.
    mmap_checks(dev, d, (
        ("2 pages", 2 * PAGE, PW, SH, 0, errno.EINVAL),
        ("MAP_PRIVATE", PAGE, PW, PRIV, 0, errno.EINVAL),
        ("PROT_READ", PAGE, PR, SH, 0, errno.EINVAL),
        ("PROT_READ|PROT_WRITE", PAGE, PR | PW, SH, 0, errno.EINVAL),
        ("vq 2 (= nvqs)", PAGE, PW, SH, 2 * PAGE, errno.EINVAL),
        ("vq 0x10000 (above 65535)", PAGE, PW, SH, 0x10000 * PAGE, errno.EINVAL),
        ("vq 1, 1 byte (one page once rounded)", 1, PW, SH, PAGE, 0),
        ("vq 0, PROT_NONE", PAGE, 0, SH, 0, 0),
        ("vq 0, before SET_OWNER", PAGE, PW, SH, 0, 0),
    ))
    bells = [map_bell(d, 0), map_bell(d, 1)]
    ok("%s: vq 0 and vq 1 doorbells mapped PROT_WRITE, MAP_SHARED" % dev)
    d.set_owner()
    U.negotiate(d)       # vendor stats need FEATURES_OK
    check("%s: vq 0 doorbell before any store" % dev, doorbell(dev, 0), 0)
    store(bells[0], ctypes.c_uint32, 0x11223344)
    store(bells[1], ctypes.c_uint16, 0xbeef)
    check("%s: vq 0 doorbell after a u32 store (the first fault)" % dev, doorbell(dev, 0), 0x11223344)
    check("%s: vq 1 doorbell after a u16 store" % dev, doorbell(dev, 1), 0xbeef)
    store(bells[0], ctypes.c_uint16, 0x5566)
    check("%s: vq 0 doorbell after a u16 store" % dev, doorbell(dev, 0), 0x11225566)
    d.set_status(U.S_LIVE)
    store(bells[1], ctypes.c_uint32, 2)
    check("%s: vq 1 doorbell after DRIVER_OK" % dev, doorbell(dev, 1), 2)
    # Upstream leaves VM_MAYREAD: mprotect may add PROT_READ afterwards.
    check("%s: mprotect(PROT_READ|PROT_WRITE) of the vq 1 doorbell" % dev,
          U.libc.mprotect(bells[1], PAGE, PR | PW), 0)
    # The mapping keeps the file open: the device is not released with
    # the descriptor, and the doorbell still reaches the parent.
    d.close()
    store(bells[1], ctypes.c_uint32, 0x77)
    check("%s: vq 1 doorbell stored after the descriptor was closed" % dev, doorbell(dev, 1), 0x77)
    expect_errno("%s: open while only the mappings hold the file" % dev, errno.EBUSY, os.open, node, os.O_RDWR)
    for addr in bells:
        unmap(addr)
    d = U.Dev(node)
    ok("%s: open after the last munmap" % dev)
    d.close()


def s_nodoorbell(dev, node):
    """A parent without get_vq_notification: after the generic checks,
    vhost_vdpa_mmap answers ENOTSUPP before it looks at the ring index."""
    d = U.Dev(node)
    mmap_checks(dev, d, (
        ("2 pages", 2 * PAGE, PW, SH, 0, errno.EINVAL),
        ("PROT_READ", PAGE, PR, SH, 0, errno.EINVAL),
        ("vq 0 (no get_vq_notification)", PAGE, PW, SH, 0, ENOTSUPP),
        ("vq 2 (no get_vq_notification)", PAGE, PW, SH, 2 * PAGE, ENOTSUPP),
    ))
    d.close()


def s_badbell(dev, node):
    """Doorbells vhost_vdpa must refuse: not page-aligned (vq 0), larger
    than the mapping (vq 1)."""
    d = U.Dev(node)
    mmap_checks(dev, d, (
        ("vq 0 (doorbell at page offset 0x100)", PAGE, PW, SH, 0, errno.EINVAL),
        ("vq 1 (doorbell area of 2 pages)", PAGE, PW, SH, PAGE, ENOTSUPP),
        ("vq 1, 2 pages (the length is checked first)", 2 * PAGE, PW, SH, PAGE, errno.EINVAL),
    ))
    d.close()


# --- the config eventfd -----------------------------------------------------

def set_config_call(d, fd):
    d.raw(U.VHOST_VDPA_SET_CONFIG_CALL, struct.pack("=i", fd))


def poke(d):
    """SET_CONFIG (the MAC): the parent raises a config interrupt."""
    d.set_config(0, bytes([0x02, 0, 0, 0, 0xab, 0xcd]))


def s_config(dev, node):
    log = Kernel(dev)
    d = live(node)
    e1 = new_efd()
    set_config_call(d, e1)
    time.sleep(SETTLE)
    check("SET_CONFIG_CALL e1, no SET_CONFIG: e1 count", count(e1), 0)
    poke(d)
    log.expect_irqs("SET_CONFIG", 1)
    check("SET_CONFIG: e1 count", count(e1), 1)

    # (a) A failed SET_CONFIG_CALL changes nothing.
    r, w = os.pipe()
    expect_errno("SET_CONFIG_CALL with a pipe", errno.EINVAL, set_config_call, d, r)
    expect_errno("SET_CONFIG_CALL with a closed descriptor", errno.EBADF, set_config_call, d, closed_fd())
    expect_errno("SET_CONFIG_CALL with -2", errno.EBADF, set_config_call, d, -2)
    os.close(r)
    os.close(w)
    poke(d)
    log.expect_irqs("failed SET_CONFIG_CALLs, then SET_CONFIG", 1)
    check("failed SET_CONFIG_CALLs, then SET_CONFIG: e1 count", count(e1), 1)

    # (b) An interrupt in flight while the eventfd is replaced and the old
    # one closed signals the new one; with a dup kept, the old one is seen
    # untouched.
    for rnd in range(4):
        keep = rnd % 2 == 1
        old, new = new_efd(), new_efd()
        set_config_call(d, old)
        poke(d)
        set_config_call(d, new)
        dup = os.dup(old) if keep else None
        os.close(old)
        what = "replaced%s, round %d" % (" (old kept by a dup)" if keep else " and closed", rnd)
        log.expect_irqs(what, 1)
        check("%s: new eventfd count" % what, count(new), 1)
        if keep:
            check("%s: old eventfd count" % what, count(dup), 0)
            os.close(dup)
        os.close(new)
    os.close(e1)

    # Unbound (-1) while in flight: nothing is signalled; binding again works.
    for rnd in range(2):
        old = new_efd()
        set_config_call(d, old)
        poke(d)
        set_config_call(d, -1)
        dup = os.dup(old)
        os.close(old)
        log.expect_irqs("unbound while in flight, round %d" % rnd, 1)
        check("unbound while in flight, round %d: old eventfd count" % rnd, count(dup), 0)
        os.close(dup)
    e2 = new_efd()
    set_config_call(d, e2)
    poke(d)
    log.expect_irqs("bound again after -1", 1)
    check("bound again after -1: count", count(e2), 1)
    d.close()
    os.close(e2)

    # The node closed while an interrupt is in flight: the eventfd was
    # released with the file, nothing is signalled.
    for rnd in range(3):
        d = live(node)
        e = new_efd()
        set_config_call(d, e)
        poke(d)
        d.close()
        dup = os.dup(e) if rnd != 1 else None
        os.close(e)
        log.expect_irqs("node closed while in flight, round %d" % rnd, 1)
        if dup is not None:
            check("node closed while in flight, round %d: eventfd count" % rnd, count(dup), 0)
            os.close(dup)
    # The node still works afterwards.
    d = live(node)
    e = new_efd()
    set_config_call(d, e)
    poke(d)
    log.expect_irqs("a new session after those", 1)
    check("a new session after those: count", count(e), 1)
    d.close()
    os.close(e)
    log.close()


def s_deldel(dev, node):
    """vdpa dev del while an interrupt is in flight and the node is open:
    the parent delivers it before it unregisters, the eventfd gets it, and
    dev del waits for the node to close."""
    log = Kernel(dev)
    d = live(node)
    e = new_efd()
    set_config_call(d, e)
    poke(d)
    proc = subprocess.Popen(["vdpa", "dev", "del", dev], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        check("dev del with the interrupt in flight: eventfd count", count(e, 2.0), 1)
        time.sleep(SETTLE)
        check("dev del still waiting for the node", proc.poll(), None)
        d.close()
        out = proc.communicate(timeout=20)[0]
        check("dev del after close: exit code", proc.returncode, 0)
        if out.strip():
            fail("dev del printed %r" % out)
    finally:
        if proc.poll() is None:
            for vh in list(V.Vhost.opened):
                vh.close()
            proc.wait(20)
    deadline = time.monotonic() + 10
    mine, other = [], []
    while time.monotonic() < deadline and "data dropped" not in mine:
        time.sleep(0.1)
        m, o = log.new()
        mine += m
        other += o
    if other:
        fail("dev del: the kernel logged %r" % other)
    check("dev del: parent lines about %s" % dev,
          [ln for ln in mine if ln in ("config interrupt", "data dropped")],
          ["config interrupt", "data dropped"])
    os.close(e)
    log.close()


def s_rmmod(dev, node):
    """rmmod of the parent right after the node closed with an interrupt
    in flight: delivered (to no eventfd) before the device goes."""
    log = Kernel(dev)
    d = live(node)
    e = new_efd()
    set_config_call(d, e)
    poke(d)
    t0 = time.monotonic()
    d.close()
    rc, out = V.run(["rmmod", PARENT])
    took = time.monotonic() - t0
    check("rmmod %s: exit code" % PARENT, rc, 0)
    if rc != 0:
        fail("rmmod printed %r" % out)
    print("# rmmod done %d ms after SET_CONFIG (the parent delivers 200 ms after it)" % (took * 1000),
          flush=True)
    check("rmmod: eventfd count", count(e, SETTLE), 0)
    mine, other = log.new()
    if other:
        fail("rmmod: the kernel logged %r" % other)
    check("rmmod: parent lines about %s" % dev,
          [ln for ln in mine if ln in ("config interrupt", "data dropped")],
          ["config interrupt", "data dropped"])
    os.close(e)
    log.close()


SESSIONS = {
    "bypass": s_bypass,          # irq bypass producers
    "doorbell": s_doorbell,      # doorbell mmap on an irq* device
    "nodoorbell": s_nodoorbell,  # mmap on a device without doorbells
    "badbell": s_badbell,        # mmap of doorbells vhost_vdpa refuses (irqbad*)
    "config": s_config,          # the config eventfd and late config interrupts
    "deldel": s_deldel,          # dev del with an interrupt in flight
    "rmmod": s_rmmod,            # rmmod of the parent with one in flight
}


def session(name, dev, node):
    if not V.run_reporting(__file__, "%s %s" % (name, dev), SESSIONS[name], dev, node):
        for addr, length in list(mappings):
            U.libc.munmap(addr, length)
            mappings.remove((addr, length))
        for vh in list(V.Vhost.opened):
            vh.close()


def main():
    args = sys.argv[1:]
    if not args or len(args) % 3 or not all(a in SESSIONS for a in args[::3]):
        sys.exit("usage: vhost_irq.py SESSION DEV NODE [SESSION DEV NODE]...; sessions: " +
                 " ".join(SESSIONS))
    for i in range(0, len(args), 3):
        session(*args[i:i + 3])
    sys.exit(1 if V.failures else 0)


if __name__ == "__main__":
    main()
