// SPDX-License-Identifier: GPL-2.0

//! The `net-*` and `iotlb-batch` subcommands: each one scenario on a fresh
//! session of a vdpa_sim_net node, with checks that fail when the device
//! does something else.

use super::{fmt_mac, frame, NetConfig, NetDev, TIMEOUT};
use crate::iotlb::{self, kind, IotlbMsg, Mapping};
use crate::report::{fatal, skip, Report, Res};
use crate::ring::Buf;
use crate::session;
use crate::vhost::backend;
use crate::virtio::net;
use std::time::{Duration, Instant};

fn base_config(max_frame: usize) -> NetConfig {
    NetConfig { persist: false, cvq: false, max_frame, event_idx: false }
}

fn check_bases(r: &mut Report, n: &NetDev, what: &str, want_rx: u32, want_tx: u32) -> Res<()> {
    r.check_eq(format!("{what}: GET_VRING_BASE rx"), n.s.dev.vring_base(net::RX_VQ)?, want_rx);
    r.check_eq(format!("{what}: GET_VRING_BASE tx"), n.s.dev.vring_base(net::TX_VQ)?, want_tx);
    Ok(())
}

/// `net-loop`: frames to the device's own MAC come back intact; counts match.
///
/// # Errors
///
/// Skip or fatal as the setup decides.
pub fn cmd_loop(r: &mut Report, node: &str, count: usize, size: usize, persist: bool, event_idx: bool) -> Res<()> {
    let mut n = NetDev::open(r, node, NetConfig { persist, event_idx, ..base_config(size) })?;
    if persist {
        r.diag(format!("IOTLB_PERSIST acked: {}", n.s.acked(backend::IOTLB_PERSIST)));
    }
    n.map_all(0)?;
    n.start()?;
    for vq in [net::RX_VQ, net::TX_VQ] {
        let size = n.s.dev.vring_size(vq).map_or_else(|e| e.to_string(), |v| v.to_string());
        r.diag(format!("GET_VRING_SIZE vq {vq}: {size} (informational)"));
    }
    let mac = n.mac;
    n.loopback(r, "loopback", mac, count, size)?;
    let c = count as u32;
    check_bases(r, &n, "after the loopback", c, c)?;
    Ok(())
}

/// `net-bench`: loopback packets per second with the rings kept full.
///
/// # Errors
///
/// Fatal when the device stalls or loses frames.
pub fn cmd_bench(r: &mut Report, node: &str, size: usize, seconds: u64) -> Res<()> {
    let mut n = NetDev::open(r, node, base_config(size))?;
    n.map_all(0)?;
    n.start()?;
    // TX completions are reaped lazily; only RX wakes the driver.
    n.tx.set_interrupts(false);
    // Every TX slot holds the same frame; a send is one descriptor.
    let f = frame(n.mac, 0, size);
    let num = n.tx.num();
    for i in 0..num {
        let off = n.tx_off(i);
        n.bufs.write(off, &f);
    }
    let flen = f.len() as u32;
    let mut free: Vec<u16> = (0..num).rev().collect();
    let (mut sent, mut received, mut kicks, mut waits) = (0u64, 0u64, 0u64, 0u64);
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut last_progress = start;
    loop {
        let mut progress = false;
        while let Some(u) = n.rx.pop_used()? {
            let Ok(i) = u16::try_from(u.token) else { return fatal("bad RX token") };
            if u.len != flen {
                return fatal(format!("RX frame of {} bytes, sent {flen}", u.len));
            }
            n.post_rx(i)?;
            received += 1;
            progress = true;
        }
        // A device may hold TX frames while RX has no buffer: kick RX
        // after refilling, as a virtio driver must.
        if progress {
            n.rx.notify()?;
        } else {
            n.rx.publish();
        }
        while let Some(u) = n.tx.pop_used()? {
            let Ok(i) = u16::try_from(u.token) else { return fatal("bad TX token") };
            free.push(i);
            progress = true;
        }
        let now = Instant::now();
        let sending = now < deadline;
        if sending {
            // Each frame sent and not yet received holds one RX buffer
            // (its TX may already be completed), so only the rest are free.
            let outstanding = usize::try_from(sent - received.min(sent)).unwrap_or(usize::MAX);
            let room = usize::from(n.rx.in_flight()).saturating_sub(outstanding).min(free.len());
            if room > 0 {
                for _ in 0..room {
                    let Some(i) = free.pop() else { break };
                    let b = Buf { iova: n.bufs.iova(n.tx_off(i)), len: flen, writable: false };
                    n.tx.add(&[b], u32::from(i))?;
                    sent += 1;
                }
                n.tx.notify()?;
                kicks += 1;
                progress = true;
            }
        } else if n.tx.in_flight() == 0 && received == sent {
            break;
        }
        if progress {
            last_progress = now;
            continue;
        }
        if now.duration_since(last_progress) > TIMEOUT {
            if sending {
                return fatal(format!("no progress for {TIMEOUT:?}: sent {sent}, received {received}"));
            }
            break;
        }
        n.rx.wait_call(Duration::from_millis(100))?;
        waits += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    let pps = received as f64 / secs;
    r.diag(format!(
        "{size}-byte frames: sent {sent}, received {received} in {secs:.2} s; {kicks} kicks, {waits} waits"
    ));
    r.check_eq("frames lost", sent - received.min(sent), 0);
    println!("result pps {pps:.0}");
    Ok(())
}

/// `net-cvq`: MAC_ADDR_SET through the control queue changes the MAC the
/// device filters on.
///
/// # Errors
///
/// Skip without a control queue.
pub fn cmd_cvq(r: &mut Report, node: &str) -> Res<()> {
    let mut n = NetDev::open(r, node, NetConfig { cvq: true, ..base_config(64) })?;
    n.map_all(0)?;
    n.start()?;
    let old = n.mac;
    let mut new = [0x02, 0xc0, 0xff, 0xee, 0x5a, 0x01];
    if new == old {
        new[5] = 0x02;
    }
    n.loopback(r, "loopback to the original MAC", old, 4, 64)?;

    let (ack, len) = n.ctrl(0x7f, 0, &[])?;
    r.check_eq("CVQ request of unknown class 0x7f: ack", ack, net::CTRL_ERR);
    r.check_eq("CVQ request of unknown class 0x7f: used len", len, 1);

    let (ack, len) = n.ctrl(net::CTRL_MAC, net::CTRL_MAC_ADDR_SET, &new)?;
    r.check_eq(format!("CVQ MAC_ADDR_SET {}: ack", fmt_mac(&new)), ack, net::CTRL_OK);
    r.check_eq("CVQ MAC_ADDR_SET: used len", len, 1);
    r.check_eq("GET_CONFIG mac after MAC_ADDR_SET", fmt_mac(&n.config_mac()?), fmt_mac(&new));

    n.loopback(r, "loopback to the new MAC", new, 4, 64)?;

    // A frame to the old MAC is consumed from TX but filtered.
    let f = frame(old, 0xdead, 64);
    n.queue(f)?;
    n.kick_tx()?;
    n.drain_tx()?;
    let (rx, _) = n.watch(Duration::from_millis(500))?;
    if rx == 0 {
        n.forget_pending(1);
    }
    r.check_eq("frame to the old MAC: frames received within 0.5 s", rx, 0);

    let (ack, _) = n.ctrl(net::CTRL_MAC, net::CTRL_MAC_ADDR_SET, &old)?;
    r.check_eq(format!("CVQ MAC_ADDR_SET back to {}: ack", fmt_mac(&old)), ack, net::CTRL_OK);
    r.check_eq("GET_CONFIG mac after restoring", fmt_mac(&n.config_mac()?), fmt_mac(&old));
    n.loopback(r, "loopback to the restored MAC", old, 2, 64)?;
    Ok(())
}

/// Queues one frame to the device's MAC, kicks, and checks that nothing
/// comes back and no TX chain completes within `dur`.
fn expect_silence(r: &mut Report, n: &mut NetDev, what: &str, dur: Duration) -> Res<bool> {
    let mac = n.mac;
    let f = frame(mac, 0x5111, 64);
    n.queue(f)?;
    n.force_kick_tx()?;
    let (rx, tx) = n.watch(dur)?;
    let ok = r.check(
        rx == 0 && tx == 0,
        format!("{what}: within {dur:?} {rx} frames received, {tx} TX chains completed (expected none)"),
    );
    Ok(ok)
}

/// `net-reset`: SET_STATUS(0), set up again without re-sending maps; with
/// IOTLB_PERSIST the old IOVAs still work, without it they do not until
/// re-mapped.
///
/// # Errors
///
/// Skip when IOTLB_PERSIST is wanted but not offered, or (no-persist) when
/// the sim is not in VA mode.
pub fn cmd_reset(r: &mut Report, node: &str, persist: bool) -> Res<()> {
    let mut n = NetDev::open(r, node, NetConfig { persist, ..base_config(64) })?;
    let acked = n.s.acked(backend::IOTLB_PERSIST);
    if persist && !acked {
        return skip(format!("IOTLB_PERSIST not offered (backend features {:#x})", n.s.backend_offered));
    }
    r.check_eq("IOTLB_PERSIST acked", acked, persist);
    if !persist && !session::sim_identity_is_user_va() {
        return skip("vdpa_sim is not in VA mode: kicking rings on its identity map would reach physical memory");
    }
    n.map_all(0)?;
    n.start()?;
    let mac = n.mac;
    n.loopback(r, "before the reset", mac, 4, 64)?;

    n.s.reset()?;
    r.ok("SET_STATUS(0): status 0");
    r.check_eq("GET_VRING_BASE tx after the reset", n.s.dev.vring_base(net::TX_VQ)?, 0);
    n.restart()?;
    r.ok("negotiated and started again without IOTLB messages");

    if persist {
        n.loopback(r, "after the reset, old IOVAs (persistent maps)", mac, 4, 64)?;
        return Ok(());
    }
    // vhost-vdpa still holds its copy of the maps: the same UPDATE is refused.
    let m = n.rx.mapping();
    let again = iotlb::send_v2(&n.s.dev, 0, IotlbMsg::new(kind::UPDATE, m.iova, m.size, m.uaddr, m.perm));
    r.check_errno("re-sending the RX ring's UPDATE after the reset (vhost kept its tree)", again, libc::EFAULT);
    if !expect_silence(r, &mut n, "after the reset without IOTLB_PERSIST, old IOVAs", Duration::from_secs(1))? {
        return Ok(());
    }
    check_bases(r, &n, "while the device cannot reach its rings", 0, 0)?;
    n.s.remap(0, &n.mappings())?;
    r.ok("re-mapped (INVALIDATE + UPDATE in one batch)");
    n.force_kick_tx()?;
    n.expect_back(r, "after re-mapping, the queued frame", 1)?;
    n.loopback(r, "after re-mapping", mac, 4, 64)?;
    Ok(())
}

/// `net-asid`: rings and buffers mapped only in ASID 1 are unreachable
/// while the data group is bound to ASID 0, and reachable once
/// SET_GROUP_ASID moves it.
///
/// # Errors
///
/// Skip without IOTLB_ASID or two address spaces.
pub fn cmd_asid(r: &mut Report, node: &str) -> Res<()> {
    let mut n = NetDev::open(r, node, base_config(64))?;
    if !n.s.acked(backend::IOTLB_ASID | backend::IOTLB_MSG_V2) {
        return skip("IOTLB_ASID or IOTLB_MSG_V2 not offered");
    }
    r.check_eq("GET_VQS_COUNT", n.s.vqs, 3);
    r.check_eq("GET_GROUP_NUM", n.s.groups, 2);
    r.check_eq("GET_AS_NUM", n.s.address_spaces, 2);
    if n.s.address_spaces < 2 || n.s.groups < 2 {
        return skip("need two groups and two address spaces");
    }
    for (vq, want) in [(net::RX_VQ, 0), (net::TX_VQ, 0), (net::CTRL_VQ, 1)] {
        r.check_eq(format!("GET_VRING_GROUP vq {vq}"), n.s.dev.vring_group(vq)?, want);
    }
    let data_group = n.s.dev.vring_group(net::TX_VQ)?;
    for vq in [net::RX_VQ, net::TX_VQ] {
        let desc = n.s.dev.vring_desc_group(vq).map_or_else(|e| e.to_string(), |g| format!("group {g}"));
        r.diag(format!("GET_VRING_DESC_GROUP vq {vq}: {desc} (informational)"));
    }
    // ASID 0 holds one unrelated page, so it is not the identity pass-through.
    n.s.map(0, &[n.dummy_mapping()])?;
    n.map_all(1)?;
    r.ok("ASID 0: one dummy page; ASID 1: rings and buffers");
    n.start()?;
    if !expect_silence(r, &mut n, "data group in ASID 0", Duration::from_secs(1))? {
        return Ok(());
    }
    check_bases(r, &n, "data group in ASID 0", 0, 0)?;

    n.s.dev.set_group_asid(data_group, 1)?;
    r.ok(format!("SET_GROUP_ASID(group {data_group}, asid 1) after DRIVER_OK"));
    n.force_kick_tx()?;
    n.expect_back(r, "data group in ASID 1, the queued frame", 1)?;
    let mac = n.mac;
    n.loopback(r, "data group in ASID 1", mac, 8, 64)?;

    n.s.dev.set_group_asid(data_group, 0)?;
    if !expect_silence(r, &mut n, "data group back in ASID 0", Duration::from_millis(500))? {
        return Ok(());
    }
    n.s.dev.set_group_asid(data_group, 1)?;
    n.force_kick_tx()?;
    n.expect_back(r, "data group in ASID 1 again, the queued frame", 1)?;
    Ok(())
}

/// `net-suspend`: nothing is processed while suspended; ring state is
/// readable; RESUME processes what was kicked meanwhile.
///
/// # Errors
///
/// Skip without SUSPEND and RESUME.
pub fn cmd_suspend(r: &mut Report, node: &str) -> Res<()> {
    let mut n = NetDev::open(r, node, base_config(64))?;
    if !n.s.acked(backend::SUSPEND | backend::RESUME) {
        return skip(format!("SUSPEND/RESUME not offered (backend features {:#x})", n.s.backend_offered));
    }
    n.map_all(0)?;
    n.start()?;
    let mac = n.mac;
    n.loopback(r, "before SUSPEND", mac, 8, 64)?;
    n.s.dev.suspend()?;
    r.ok("SUSPEND");
    r.check_eq("status while suspended", n.s.dev.status()?, 0x0f);
    check_bases(r, &n, "while suspended", 8, 8)?;
    if !expect_silence(r, &mut n, "kick while suspended", Duration::from_millis(500))? {
        return Ok(());
    }
    check_bases(r, &n, "after a kick while suspended", 8, 8)?;
    n.s.dev.resume()?;
    r.ok("RESUME");
    n.expect_back(r, "after RESUME (no new kick), the frame kicked while suspended", 1)?;
    check_bases(r, &n, "after RESUME", 9, 9)?;
    n.loopback(r, "after RESUME", mac, 4, 64)?;
    Ok(())
}

/// `iotlb-batch`: batches per ASID, a message for another ASID inside an
/// open batch, v1 messages, and (with `deferred`, for set_map parents in
/// VA mode) maps that only take effect at BATCH_END.
///
/// # Errors
///
/// Skip without batching and ASIDs.
pub fn cmd_iotlb_batch(r: &mut Report, node: &str, deferred: bool) -> Res<()> {
    let mut n = NetDev::open(r, node, base_config(64))?;
    let need = backend::IOTLB_MSG_V2 | backend::IOTLB_BATCH | backend::IOTLB_ASID;
    if !n.s.acked(need) || n.s.address_spaces < 2 {
        return skip("needs IOTLB_MSG_V2, IOTLB_BATCH, IOTLB_ASID and two address spaces");
    }
    if deferred && !session::sim_identity_is_user_va() {
        return skip("--deferred needs vdpa_sim in VA mode (kicks an unmapped address space)");
    }
    // With --deferred the rings go live before the batch is closed (as for
    // memory hot-plug after DRIVER_OK): the device must not see the maps
    // until BATCH_END. Otherwise map first: kicking an unmapped address space
    // is only harmless in VA mode.
    if deferred {
        n.start()?;
    }
    let dev = &n.s.dev;
    let maps = n.mappings();
    let msg = |k: u8, m: &Mapping| IotlbMsg::new(k, m.iova, m.size, m.uaddr, m.perm);
    let none = IotlbMsg::new(kind::BATCH_BEGIN, 0, 0, 0, 0);
    r.check_eq("ASID 0 BATCH_BEGIN", iotlb::send_v2(dev, 0, none), Ok(()));
    let mut ok = true;
    for m in &maps {
        ok &= iotlb::send_v2(dev, 0, msg(kind::UPDATE, m)).is_ok();
    }
    r.check(ok, format!("ASID 0: {} UPDATEs inside the batch accepted", maps.len()));
    let dummy = n.dummy_mapping();
    r.check_errno(
        "an ASID 1 UPDATE inside the open ASID 0 batch",
        iotlb::send_v2(dev, 1, msg(kind::UPDATE, &dummy)),
        libc::EFAULT,
    );
    if deferred && !expect_silence(r, &mut n, "inside the open batch (set_map deferred)", Duration::from_millis(500))? {
        return Ok(());
    }
    let dev = &n.s.dev;
    let end = IotlbMsg::new(kind::BATCH_END, 0, 0, 0, 0);
    r.check_eq("ASID 0 BATCH_END", iotlb::send_v2(dev, 0, end), Ok(()));
    if deferred {
        n.force_kick_tx()?;
        n.expect_back(r, "after BATCH_END, the frame queued inside the batch", 1)?;
    } else {
        n.start()?;
    }
    let mac = n.mac;
    n.loopback(r, "ASID 0 mapped by one batch", mac, 4, 64)?;

    // The refused ASID 1 update left nothing behind: the same range maps now.
    let dev = &n.s.dev;
    r.check_eq("the refused ASID 1 UPDATE, sent alone", iotlb::send_v2(dev, 1, msg(kind::UPDATE, &dummy)), Ok(()));
    // v1 messages (ASID 0) next to the v2 ones.
    r.check_eq("v1 UPDATE of the dummy page in ASID 0", iotlb::send_v1(dev, msg(kind::UPDATE, &dummy)), Ok(()));
    r.check_eq("v1 INVALIDATE of the dummy page in ASID 0", iotlb::send_v1(dev, msg(kind::INVALIDATE, &dummy)), Ok(()));
    n.loopback(r, "ASID 0 after v1 messages", mac, 2, 64)?;

    // ASID 1: its own batch, then the data group moved there.
    n.s.map(1, &maps)?;
    r.ok(format!("ASID 1: BATCH_BEGIN, {} UPDATEs, BATCH_END accepted", maps.len()));
    let group = n.s.dev.vring_group(net::TX_VQ)?;
    n.s.dev.set_group_asid(group, 1)?;
    n.loopback(r, "data group in ASID 1 mapped by its batch", mac, 4, 64)?;

    // Emptying ASID 1 in a batch cuts the data path; ASID 0 still works.
    let b = maps.iter().fold(iotlb::Batch::new(1), |b, m| b.invalidate(m.iova, m.size));
    let nb = b.len();
    b.commit(&n.s.dev, &n.s.proto)?;
    r.ok(format!("ASID 1: batch of {nb} INVALIDATEs accepted"));
    if !expect_silence(r, &mut n, "data group in the emptied ASID 1", Duration::from_millis(500))? {
        return Ok(());
    }
    n.s.dev.set_group_asid(group, 0)?;
    n.force_kick_tx()?;
    n.expect_back(r, "data group back in ASID 0, the queued frame", 1)?;
    Ok(())
}
