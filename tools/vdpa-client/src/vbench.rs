// SPDX-License-Identifier: GPL-2.0

//! The vhost-vdpa benchmarks behind `iotlb-bench`, `map-bench`,
//! `reset-bench`, `ioctl-bench` and `mem-bench`: the IOTLB message rate,
//! the time to map and unmap a large region, the downtime of a device
//! stop/start cycle with a large region mapped, with IOTLB_PERSIST and
//! without it (as old QEMU does), the cost of each ioctl of that cycle
//! alone, and the kernel memory a large map takes. Each prints
//! `result NAME VALUE` for tools/bench. They work in either mode of the
//! parent; in PA mode (vdpa_sim `use_va=0`) every UPDATE pins its pages and
//! every INVALIDATE unpins them.
//!
//! Times come from [`Instant`], which is CLOCK_MONOTONIC on Linux. Memory
//! is prefaulted before anything is timed, so page allocation is never
//! measured.

use crate::iotlb::{kind, IotlbMsg};
use crate::mem::{self, Arena, DmaMemory, IOVA_BASE};
use crate::net::{NetConfig, NetDev};
use crate::report::{fatal, skip, Report, Res};
use crate::session::{self, Session};
use crate::vhost::backend;
use std::time::{Duration, Instant};

/// Frames sent around the timed cycles of `reset-bench` to show that the
/// device works with the mappings it has.
const CHECK_FRAMES: usize = 8;

fn mode() -> &'static str {
    if session::sim_identity_is_user_va() {
        "VA mode"
    } else {
        "PA mode"
    }
}

/// `size` bytes of prefaulted shared memory at [`IOVA_BASE`].
fn guest_memory(r: &Report, size: usize) -> Res<DmaMemory> {
    let t = Instant::now();
    let m = DmaMemory::new(c"vdpa-client-guest", size, IOVA_BASE)?;
    m.prefault();
    r.diag(format!("{} KiB of memfd memory at {:#x}, prefaulted in {:.0} ms", m.len() >> 10, m.uaddr(), ms(t.elapsed())));
    Ok(m)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Opens `node` acking IOTLB v2 messages and, when offered, the rest of
/// `wanted`; negotiates, and checks `m` fits the IOVA range.
fn open_v2(r: &mut Report, node: &str, wanted: u64, m: &DmaMemory) -> Res<Session> {
    let mut s = Session::open(r, node, backend::IOTLB_MSG_V2 | wanted)?;
    if !s.acked(backend::IOTLB_MSG_V2) {
        return skip(format!("IOTLB_MSG_V2 not offered (backend features {:#x})", s.backend_offered));
    }
    s.negotiate(r, 0)?;
    s.check_iova_window(r, m.iova(0), m.iova(m.len()))?;
    Ok(s)
}

/// PA-mode parents pin against RLIMIT_MEMLOCK: a large map needs it lifted.
fn need_memlock() -> Res<()> {
    mem::raise_memlock().or_else(|e| fatal(format!("cannot lift RLIMIT_MEMLOCK (root needed): {e}")))
}

/// `iotlb-bench`: UPDATE then INVALIDATE of one `size`-byte buffer, again
/// and again for `seconds`; messages per second. Batches are not acked, so
/// each message is one write (and, in PA mode on a set_map parent, one
/// set_map per physically contiguous chunk).
///
/// # Errors
///
/// Skip without IOTLB_MSG_V2; fatal on a refused message.
pub fn cmd_iotlb(r: &mut Report, node: &str, seconds: u64, size: usize) -> Res<()> {
    let buf = guest_memory(r, size)?;
    let s = open_v2(r, node, 0, &buf)?;
    let m = buf.mapping();
    let update = IotlbMsg::new(kind::UPDATE, m.iova, m.size, m.uaddr, m.perm);
    let invalidate = IotlbMsg::new(kind::INVALIDATE, m.iova, m.size, 0, 0);
    r.diag(format!("{}: UPDATE + INVALIDATE of {} KiB for {seconds} s", mode(), m.size >> 10));
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut pairs = 0u64;
    while Instant::now() < deadline {
        s.proto.send(&s.dev, 0, update)?;
        s.proto.send(&s.dev, 0, invalidate)?;
        pairs += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    let rate = 2.0 * pairs as f64 / secs;
    r.ok(format!("{pairs} UPDATE/INVALIDATE pairs in {secs:.2} s"));
    println!("result msgs_per_s {rate:.0}");
    Ok(())
}

/// The value of `VmPin` in /proc/self/status (pages pinned by this
/// process), for the log.
fn vm_pin() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find_map(|l| l.strip_prefix("VmPin:"));
    line.map_or_else(|| "unknown".into(), |v| v.trim().to_string())
}

/// `map-bench`: one UPDATE of `size` bytes, then one INVALIDATE of them,
/// each timed. Each is sent inside a batch when IOTLB_BATCH is offered, as
/// QEMU does: a set_map parent is then given the map once, at BATCH_END,
/// instead of once for each physically contiguous chunk (each page of a
/// fragmented region), which costs the square of their number.
///
/// # Errors
///
/// Skip without IOTLB_MSG_V2; fatal on a refused message.
pub fn cmd_map(r: &mut Report, node: &str, size: usize) -> Res<()> {
    need_memlock()?;
    let buf = guest_memory(r, size)?;
    let s = open_v2(r, node, backend::IOTLB_BATCH, &buf)?;
    let m = buf.mapping();
    let t = Instant::now();
    s.map(0, &[m])?;
    let map = ms(t.elapsed());
    r.diag(format!("{}: VmPin {} after the UPDATE", mode(), vm_pin()));
    let t = Instant::now();
    s.unmap(0, &[m])?;
    let unmap = ms(t.elapsed());
    r.diag(format!("VmPin {} after the INVALIDATE", vm_pin()));
    let how = if s.proto.batch { "each in a batch" } else { "no batches" };
    r.ok(format!("{} MiB: UPDATE {map:.3} ms, INVALIDATE {unmap:.3} ms ({how})", m.size >> 20));
    println!("result map_ms {map:.3}");
    println!("result unmap_ms {unmap:.3}");
    Ok(())
}

/// The median of `v` (which it sorts); `None` when empty.
fn median(v: &mut [f64]) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v.get(mid).copied()
    } else {
        Some((v.get(mid.checked_sub(1)?)? + v.get(mid)?) / 2.0)
    }
}

/// The phases of a reset cycle, in order, as `cmd_reset` reports them.
const RESET_PHASES: [&str; 7] = [
    "INVALIDATE (legacy)",
    "SET_STATUS(0)",
    "UPDATE (legacy)",
    "negotiation",
    "rings",
    "DRIVER_OK",
    "RX buffers and kick",
];

/// `reset-bench`: a net device set up as a VMM does, with its rings and
/// buffers inside `size` bytes of guest memory mapped by one UPDATE; then
/// `cycles` timed stop/start cycles. With `persist` (IOTLB_PERSIST acked) a
/// cycle is SET_STATUS(0), features, rings, DRIVER_OK and the maps stay;
/// without it the cycle first invalidates the memory and maps it again
/// after the reset, since SET_STATUS(0) resets the parent's maps
/// (compat_reset with CLEAN_MAP). Frames go round before and after the
/// cycles, untimed.
///
/// # Errors
///
/// Skip when `persist` and IOTLB_PERSIST is not offered; fatal when the
/// device does not work after the cycles.
pub fn cmd_reset(r: &mut Report, node: &str, size: usize, persist: bool, cycles: usize) -> Res<()> {
    need_memlock()?;
    let guest = guest_memory(r, size)?;
    let m = guest.mapping();
    let cfg = NetConfig { persist, cvq: false, max_frame: 64, event_idx: false };
    let mut n = NetDev::open_in(r, node, cfg, Arena::inside(guest.window(0, guest.len())?))?;
    let acked = n.s.acked(backend::IOTLB_PERSIST);
    if persist && !acked {
        return skip(format!("IOTLB_PERSIST not offered (backend features {:#x})", n.s.backend_offered));
    }
    r.check_eq("IOTLB_PERSIST acked", acked, persist);
    n.s.map(0, &[m])?;
    n.start()?;
    let mac = n.mac;
    if !n.loopback(r, "before the cycles", mac, CHECK_FRAMES, 64)? {
        return fatal("the device does not work before the cycles");
    }
    let what = if persist { "SET_STATUS(0), restart" } else { "INVALIDATE, SET_STATUS(0), UPDATE, restart" };
    r.diag(format!("{}, {} MiB mapped: {cycles} cycles of {what}", mode(), m.size >> 20));
    let mut times = Vec::with_capacity(cycles);
    // Where a cycle's time goes: the instants after each phase.
    let mut phases: Vec<Vec<f64>> = vec![Vec::with_capacity(cycles); RESET_PHASES.len()];
    let mut marks = Vec::with_capacity(RESET_PHASES.len() + 1);
    for i in 1..=cycles {
        marks.clear();
        let t = Instant::now();
        marks.push(t);
        if !persist {
            n.s.unmap(0, &[m])?;
        }
        marks.push(Instant::now());
        n.s.reset()?;
        marks.push(Instant::now());
        if !persist {
            n.s.map(0, &[m])?;
        }
        marks.push(Instant::now());
        n.restart_marked(&mut || marks.push(Instant::now()))?;
        let us = t.elapsed().as_secs_f64() * 1e6;
        r.diag(format!("cycle {i}: {us:.0} us"));
        times.push(us);
        for (p, w) in phases.iter_mut().zip(marks.windows(2)) {
            if let [a, b] = w {
                p.push(b.duration_since(*a).as_secs_f64() * 1e6);
            }
        }
    }
    for (name, p) in RESET_PHASES.iter().zip(phases.iter_mut()) {
        if let Some(med) = median(p) {
            r.diag(format!("phase {name}: median {med:.1} us"));
        }
    }
    if !n.loopback(r, "after the cycles", mac, CHECK_FRAMES, 64)? {
        return fatal("the device does not work after the cycles");
    }
    let Some(med) = median(&mut times) else { return fatal("no cycle was run") };
    println!("result downtime_us {med:.1}");
    Ok(())
}

/// The ioctls of a reset cycle that `ioctl-bench` times, each repeated in
/// one device state: FEATURES_OK, rings not started (where every one of
/// them is valid and changes nothing when repeated).
const CYCLE_IOCTLS: [&str; 8] = [
    "get_status",
    "set_status",
    "set_vring_num",
    "set_vring_addr",
    "set_vring_base",
    "set_vring_kick",
    "set_vring_call",
    "set_vring_enable",
];

/// `ioctl-bench`: each ioctl of [`CYCLE_IOCTLS`] on the RX ring of a net
/// device, `iters` calls in a row, in `rounds` rounds; the fastest round's
/// time per call, which leaves out rounds that another task or an
/// interrupt disturbed. A cycle of `reset-bench` is about 25 of these, so
/// this tells which one a difference in its downtime comes from.
///
/// # Errors
///
/// Fatal on a failing ioctl.
pub fn cmd_ioctl(r: &mut Report, node: &str, iters: usize, rounds: usize) -> Res<()> {
    let guest = guest_memory(r, 16 << 20)?;
    let m = guest.mapping();
    let cfg = NetConfig { persist: true, cvq: false, max_frame: 64, event_idx: false };
    let n = NetDev::open_in(r, node, cfg, Arena::inside(guest.window(0, guest.len())?))?;
    n.s.map(0, &[m])?;
    let (dev, q) = (&n.s.dev, &n.rx);
    let status = dev.status()?;
    let (i, num) = (q.index(), u32::from(q.num()));
    let (kick, call) = (q.kick_fd(), q.call().raw());
    r.diag(format!("{} calls of each ioctl, best of {rounds} rounds, at status {status:#x}", iters));
    for name in CYCLE_IOCTLS {
        let mut best = f64::MAX;
        for _ in 0..rounds {
            let t = Instant::now();
            for _ in 0..iters {
                match name {
                    "get_status" => dev.status().map(drop),
                    "set_status" => dev.set_status(status),
                    "set_vring_num" => dev.set_vring_num(i, num),
                    "set_vring_addr" => dev.set_vring_addr(i, q.desc_iova(), q.avail_iova(), q.used_iova()),
                    "set_vring_base" => dev.set_vring_base(i, 0),
                    "set_vring_kick" => dev.set_vring_kick(i, kick),
                    "set_vring_call" => dev.set_vring_call(i, call),
                    _ => dev.set_vring_enable(i, true),
                }?;
            }
            best = best.min(t.elapsed().as_secs_f64() * 1e9 / iters as f64);
        }
        r.diag(format!("{name}: {best:.0} ns per call"));
        println!("result {name}_ns {best:.0}");
    }
    Ok(())
}

/// The kernel's unreclaimable slab memory (`SUnreclaim` of /proc/meminfo),
/// in KiB: where kmalloc and the IOTLBs' entries live.
fn slab_kb() -> Res<u64> {
    let m = std::fs::read_to_string("/proc/meminfo").or_else(|e| fatal(format!("/proc/meminfo: {e}")))?;
    let v = m.lines().find_map(|l| l.strip_prefix("SUnreclaim:"));
    match v.and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()) {
        Some(kb) => Ok(kb),
        None => fatal("no SUnreclaim in /proc/meminfo"),
    }
}

/// `mem-bench`: the kernel memory that mapping `size` bytes takes, as the
/// growth of unreclaimable slab from before the UPDATE: its peak while
/// the UPDATE runs (sampled every millisecond from another thread) and
/// what stays once it is done; then unmaps and checks it comes back.
/// Everything else the kernel allocates meanwhile counts too, so the
/// numbers are compared between implementations in one boot, not read
/// as exact.
///
/// # Errors
///
/// Skip without IOTLB_MSG_V2; fatal on a refused message.
pub fn cmd_mem(r: &mut Report, node: &str, size: usize) -> Res<()> {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    need_memlock()?;
    let buf = guest_memory(r, size)?;
    let s = open_v2(r, node, backend::IOTLB_BATCH, &buf)?;
    let m = buf.mapping();
    let before = slab_kb()?;
    let (stop, peak) = (AtomicBool::new(false), AtomicU64::new(before));
    let mapped = std::thread::scope(|sc| -> Res<u64> {
        sc.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(kb) = slab_kb() {
                    peak.fetch_max(kb, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        let res = s.map(0, &[m]).and_then(|()| slab_kb());
        stop.store(true, Ordering::Relaxed);
        res
    })?;
    let peak = peak.load(Ordering::Relaxed).max(mapped);
    s.unmap(0, &[m])?;
    let after = slab_kb()?;
    r.diag(format!(
        "{}: SUnreclaim {before} kB before the UPDATE, peak {peak} kB, {mapped} kB mapped, {after} kB after the INVALIDATE; VmPin {}",
        mode(),
        vm_pin()
    ));
    println!("result slab_peak_kb {}", peak.saturating_sub(before));
    println!("result slab_mapped_kb {}", mapped.saturating_sub(before));
    Ok(())
}
