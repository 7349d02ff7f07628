// SPDX-License-Identifier: GPL-2.0

//! virtio-net scenarios against vdpa_sim_net, which loops every frame sent
//! to its own MAC (or broadcast/multicast) from TX back to RX.
//!
//! Buffers live in one [`DmaMemory`]: `num` RX slots, then `num` TX slots,
//! then a control area for the CVQ. RX and TX chains are one descriptor each;
//! a chain's token is its slot. The driver never has more TX frames in
//! flight than RX buffers posted, because the sim completes a TX frame it
//! cannot deliver (no RX buffer) and drops it.

use crate::iotlb::Mapping;
use crate::mem::{Arena, DmaMemory, PAGE};
use crate::report::{fatal, skip, Report, Res};
use crate::ring::{Buf, SplitQueue, DEFAULT_NUM};
use crate::session::{Session, WANTED_BACKEND};
use crate::vhost::backend;
use crate::virtio::{device_id, feature, net};
use std::ffi::CStr;
use std::time::{Duration, Instant};

mod cmd;
pub use cmd::{cmd_asid, cmd_bench, cmd_cvq, cmd_iotlb_batch, cmd_loop, cmd_reset, cmd_suspend};

/// Ethertype of the test frames (IEEE local experimental).
const ETHERTYPE: [u8; 2] = [0x88, 0xb5];
/// Source MAC of the test frames.
const SRC_MAC: [u8; 6] = [0x02, 0x5e, 0x7a, 0x11, 0x22, 0x33];
/// Smallest frame: Ethernet header plus the 4-byte sequence number.
pub const MIN_FRAME: usize = 18;
/// Largest frame: the sim reads at most one page including the header.
pub const MAX_FRAME: usize = 4096 - net::HDR_LEN;

/// How long to wait for an expected frame before giving up.
const TIMEOUT: Duration = Duration::from_secs(5);

/// Control area layout (offsets inside the control slot).
const CTRL_HDR: usize = 0;
const CTRL_DATA: usize = 64;
const CTRL_ACK: usize = 128;

/// What a net session needs.
#[derive(Clone, Copy, Debug)]
pub struct NetConfig {
    /// Ack IOTLB_PERSIST when offered.
    pub persist: bool,
    /// Set up the control queue.
    pub cvq: bool,
    /// Largest frame that will be sent.
    pub max_frame: usize,
    /// Negotiate VIRTIO_F_RING_EVENT_IDX (skip when not offered).
    pub event_idx: bool,
}

/// A vdpa_sim_net device driven from user space.
pub struct NetDev {
    /// The vhost session.
    pub s: Session,
    /// Receive queue.
    pub rx: SplitQueue,
    /// Transmit queue.
    pub tx: SplitQueue,
    /// Control queue (when configured).
    pub cvq: Option<SplitQueue>,
    bufs: DmaMemory,
    dummy: DmaMemory,
    slot: usize,
    tx_free: Vec<u16>,
    /// Frames in flight on TX, by slot, for verification on receive.
    pending: std::collections::VecDeque<Vec<u8>>,
    /// The MAC read from config space.
    pub mac: [u8; 6],
    seq: u32,
    /// Features asked for at negotiation (again after a reset).
    want: u64,
}

/// One test frame: virtio-net header (zero), Ethernet header, sequence
/// number, pattern. `size` is the Ethernet frame length.
pub fn frame(dst: [u8; 6], seq: u32, size: usize) -> Vec<u8> {
    let mut f = vec![0u8; net::HDR_LEN];
    f.extend_from_slice(&dst);
    f.extend_from_slice(&SRC_MAC);
    f.extend_from_slice(&ETHERTYPE);
    f.extend_from_slice(&seq.to_be_bytes());
    let body = size.saturating_sub(MIN_FRAME);
    f.extend((0..body).map(|i| (seq as usize).wrapping_mul(31).wrapping_add(i) as u8));
    f
}

/// `aa:bb:cc:dd:ee:ff`.
pub fn fmt_mac(m: &[u8; 6]) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

fn u16_le(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

impl NetDev {
    /// Opens `node`, negotiates, and allocates rings and buffers, each in
    /// memory of its own (nothing mapped, no ring handed over yet).
    ///
    /// # Errors
    ///
    /// Skip when the device is not a net device with what `cfg` needs.
    pub fn open(r: &mut Report, node: &str, cfg: NetConfig) -> Res<Self> {
        Self::open_in(r, node, cfg, Arena::separate())
    }

    /// As [`open`](Self::open), with rings and buffers from `arena`. With
    /// an [`Arena::Inside`] the caller maps the whole region instead of
    /// [`map_all`](Self::map_all).
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open); fatal when `arena` has no room.
    pub fn open_in(r: &mut Report, node: &str, cfg: NetConfig, mut arena: Arena) -> Res<Self> {
        let mut wanted = WANTED_BACKEND;
        if cfg.persist {
            wanted |= backend::IOTLB_PERSIST;
        }
        let mut s = Session::open(r, node, wanted)?;
        if s.device_id != device_id::NET {
            return fatal(format!("{node} is virtio device {}, not net", s.device_id));
        }
        if cfg.cvq && s.features_offered & net::F_CTRL_VQ == 0 {
            return skip("device does not offer VIRTIO_NET_F_CTRL_VQ");
        }
        if cfg.event_idx && s.features_offered & feature::RING_EVENT_IDX == 0 {
            return skip("device does not offer VIRTIO_F_RING_EVENT_IDX");
        }
        let mut want = net::F_MAC | net::F_STATUS | net::F_MTU | net::F_CTRL_VQ | net::F_CTRL_MAC_ADDR;
        if cfg.event_idx {
            want |= feature::RING_EVENT_IDX;
        }
        let acked = s.negotiate(r, want)?;
        if acked & net::F_MAC == 0 {
            return skip("device does not offer VIRTIO_NET_F_MAC");
        }
        let nvq = if cfg.cvq { 3 } else { 2 };
        if s.vqs < nvq {
            return skip(format!("device has {} vqs, need {nvq}", s.vqs));
        }
        let num = DEFAULT_NUM.min(s.dev.vring_num_max()?);
        if num == 0 || !num.is_power_of_two() {
            return fatal(format!("device vring num max {num} is not a power of two"));
        }
        let mut rx = SplitQueue::new(net::RX_VQ, num, &mut arena)?;
        let mut tx = SplitQueue::new(net::TX_VQ, num, &mut arena)?;
        let mut cvq = if cfg.cvq { Some(SplitQueue::new(net::CTRL_VQ, 64, &mut arena)?) } else { None };
        let ev = acked & feature::RING_EVENT_IDX != 0;
        rx.set_event_idx(ev);
        tx.set_event_idx(ev);
        if let Some(c) = cvq.as_mut() {
            c.set_event_idx(ev);
        }
        let slot = if net::HDR_LEN + cfg.max_frame <= 2048 { 2048 } else { 4096 };
        let n = usize::from(num);
        let len = 2 * n * slot + PAGE;
        let name = CStr::from_bytes_with_nul(b"vdpa-client-net\0").map_err(std::io::Error::other)?;
        let bufs = arena.alloc(name, len)?;
        let dummy = arena.alloc(name, PAGE)?;
        let (lo, hi) = arena.span();
        s.check_iova_window(r, lo, hi)?;
        let mut d = Self {
            s,
            rx,
            tx,
            cvq,
            bufs,
            dummy,
            slot,
            tx_free: (0..num).rev().collect(),
            pending: Default::default(),
            mac: [0; 6],
            seq: 0,
            want,
        };
        d.mac = d.config_mac()?;
        let mut st = [0u8; 2];
        d.s.dev.config(net::CFG_STATUS, &mut st)?;
        let mut mtu = [0u8; 2];
        d.s.dev.config(net::CFG_MTU, &mut mtu)?;
        r.diag(format!(
            "net config: mac {}, status {:#x}, mtu {}; ring num {num}, buffer slots of {slot} bytes",
            fmt_mac(&d.mac),
            u16_le(&st),
            u16_le(&mtu)
        ));
        Ok(d)
    }

    /// Reads the MAC from config space.
    ///
    /// # Errors
    ///
    /// Fatal when GET_CONFIG fails.
    pub fn config_mac(&self) -> Res<[u8; 6]> {
        let mut m = [0u8; 6];
        self.s.dev.config(net::CFG_MAC, &mut m)?;
        Ok(m)
    }

    /// IOTLB mappings of every ring and the buffers.
    pub fn mappings(&self) -> Vec<Mapping> {
        let mut v = vec![self.rx.mapping(), self.tx.mapping()];
        if let Some(c) = &self.cvq {
            v.push(c.mapping());
        }
        v.push(self.bufs.mapping());
        v
    }

    /// A one-page mapping no ring or buffer uses.
    pub fn dummy_mapping(&self) -> Mapping {
        self.dummy.mapping()
    }

    /// Maps every ring and the buffers into `asid` in one batch.
    ///
    /// # Errors
    ///
    /// Fatal on a refused message.
    pub fn map_all(&self, asid: u32) -> Res<()> {
        self.s.map(asid, &self.mappings())
    }

    /// Hands the rings to the device, enables them, sets DRIVER_OK and
    /// posts every RX buffer.
    ///
    /// # Errors
    ///
    /// Fatal on any failing ioctl.
    pub fn start(&mut self) -> Res<()> {
        self.start_marked(&mut || ())
    }

    /// As [`NetDev::start`], calling `mark` after each phase: the rings,
    /// DRIVER_OK, and the RX buffers with their kick.
    fn start_marked(&mut self, mark: &mut dyn FnMut()) -> Res<()> {
        self.s.start_queue(&self.rx)?;
        self.s.start_queue(&self.tx)?;
        if let Some(c) = &self.cvq {
            self.s.start_queue(c)?;
        }
        mark();
        self.s.driver_ok()?;
        mark();
        self.fill_rx()?;
        self.rx.notify()?;
        mark();
        Ok(())
    }

    /// After a device reset: negotiate again, forget ring contents, and
    /// start again (no IOTLB message is sent).
    ///
    /// # Errors
    ///
    /// Fatal on any failing ioctl.
    pub fn restart(&mut self) -> Res<()> {
        self.restart_marked(&mut || ())
    }

    /// As [`NetDev::restart`], calling `mark` after each phase: the
    /// negotiation, then those of [`NetDev::start`].
    ///
    /// # Errors
    ///
    /// As [`NetDev::restart`].
    pub fn restart_marked(&mut self, mark: &mut dyn FnMut()) -> Res<()> {
        self.s.negotiate_quiet(self.want)?;
        self.rx.reset();
        self.tx.reset();
        if let Some(c) = self.cvq.as_mut() {
            c.reset();
        }
        self.tx_free = (0..self.tx.num()).rev().collect();
        self.pending.clear();
        mark();
        self.start_marked(mark)
    }

    fn rx_off(&self, i: u16) -> usize {
        usize::from(i) * self.slot
    }

    fn tx_off(&self, i: u16) -> usize {
        (usize::from(self.rx.num()) + usize::from(i)) * self.slot
    }

    fn ctrl_off(&self) -> usize {
        2 * usize::from(self.rx.num()) * self.slot
    }

    fn post_rx(&mut self, i: u16) -> Res<()> {
        let b = Buf { iova: self.bufs.iova(self.rx_off(i)), len: self.slot as u32, writable: true };
        self.rx.add(&[b], u32::from(i))?;
        Ok(())
    }

    /// Posts an RX buffer in every slot (publishes, no kick); only on an
    /// empty ring, i.e. at start.
    ///
    /// # Errors
    ///
    /// Fatal when buffers are already posted, or on a ring error.
    pub fn fill_rx(&mut self) -> Res<()> {
        if self.rx.in_flight() != 0 {
            return fatal("fill_rx on a ring with buffers posted");
        }
        for i in 0..self.rx.num() {
            self.post_rx(i)?;
        }
        self.rx.publish();
        Ok(())
    }

    /// Frames that may be queued now without risking an RX overrun.
    pub fn tx_room(&self) -> usize {
        let rx = usize::from(self.rx.in_flight());
        let tx = usize::from(self.tx.in_flight());
        rx.saturating_sub(tx).min(self.tx_free.len())
    }

    /// Queues `f` (header included) on TX without kicking.
    ///
    /// # Errors
    ///
    /// Fatal when no TX slot is free.
    pub fn queue(&mut self, f: Vec<u8>) -> Res<()> {
        let Some(i) = self.tx_free.pop() else { return fatal("no free TX slot") };
        let off = self.tx_off(i);
        self.bufs.write(off, &f);
        let b = Buf { iova: self.bufs.iova(off), len: f.len() as u32, writable: false };
        self.tx.add(&[b], u32::from(i))?;
        self.pending.push_back(f);
        Ok(())
    }

    /// Kicks TX.
    ///
    /// # Errors
    ///
    /// The eventfd write's errno.
    pub fn kick_tx(&mut self) -> Res<()> {
        self.tx.notify()?;
        Ok(())
    }

    /// Kicks TX whatever the device's suppression flags say.
    ///
    /// # Errors
    ///
    /// The eventfd write's errno.
    pub fn force_kick_tx(&mut self) -> Res<()> {
        self.tx.kick()?;
        Ok(())
    }

    /// Pops completed TX chains; their number.
    fn reap_tx(&mut self) -> Res<usize> {
        let mut n = 0;
        while let Some(u) = self.tx.pop_used()? {
            let Ok(i) = u16::try_from(u.token) else { return fatal("bad TX token") };
            self.tx_free.push(i);
            n += 1;
        }
        Ok(n)
    }

    /// Pops received frames (reposting their buffers); each frame as the
    /// device wrote it.
    fn reap_rx(&mut self, out: &mut Vec<Vec<u8>>) -> Res<usize> {
        let mut n = 0;
        while let Some(u) = self.rx.pop_used()? {
            let Ok(i) = u16::try_from(u.token) else { return fatal("bad RX token") };
            let len = (u.len as usize).min(self.slot);
            let mut f = vec![0u8; len];
            self.bufs.read(self.rx_off(i), &mut f);
            if u.len as usize > self.slot {
                return fatal(format!("RX used len {} exceeds the {}-byte buffer", u.len, self.slot));
            }
            out.push(f);
            self.post_rx(i)?;
            n += 1;
        }
        if n > 0 {
            self.rx.notify()?;
        }
        Ok(n)
    }

    /// Waits until `want` frames were received or nothing happened for
    /// `idle`; returns the received frames and the TX completions seen.
    ///
    /// # Errors
    ///
    /// Fatal on ring errors.
    pub fn collect(&mut self, want: usize, idle: Duration) -> Res<(Vec<Vec<u8>>, usize)> {
        let mut got = Vec::new();
        let mut txc = 0;
        let mut last = Instant::now();
        loop {
            let t = self.reap_tx()?;
            txc += t;
            let n = self.reap_rx(&mut got)? + t;
            if n > 0 {
                last = Instant::now();
            }
            if got.len() >= want {
                // Completions of TX may trail RX by a moment.
                txc += self.reap_tx()?;
                break;
            }
            let left = idle.saturating_sub(last.elapsed());
            if left.is_zero() {
                break;
            }
            self.rx.wait_call(left.min(Duration::from_millis(100)))?;
        }
        Ok((got, txc))
    }

    /// Watches for `dur`: the number of frames received and TX chains
    /// completed meanwhile (both should be 0 when the device cannot reach
    /// its rings).
    ///
    /// # Errors
    ///
    /// Fatal on ring errors.
    pub fn watch(&mut self, dur: Duration) -> Res<(usize, usize)> {
        let end = Instant::now() + dur;
        let mut got = Vec::new();
        let mut txc = 0;
        loop {
            self.reap_rx(&mut got)?;
            txc += self.reap_tx()?;
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            self.rx.wait_call(left.min(Duration::from_millis(50)))?;
        }
        for _ in 0..got.len() {
            self.pending.pop_front();
        }
        Ok((got.len(), txc))
    }

    /// Drops the record of frames in flight (after the device consumed TX
    /// without delivering, e.g. a filtered frame).
    pub fn forget_pending(&mut self, n: usize) {
        for _ in 0..n {
            self.pending.pop_front();
        }
    }

    /// Waits for every TX chain in flight to complete.
    ///
    /// # Errors
    ///
    /// Fatal when they do not within the timeout.
    pub fn drain_tx(&mut self) -> Res<usize> {
        let start = Instant::now();
        let mut n = 0;
        while self.tx.in_flight() > 0 {
            n += self.reap_tx()?;
            if self.tx.in_flight() == 0 {
                break;
            }
            if start.elapsed() > TIMEOUT {
                return fatal(format!("{} TX chains not completed after {TIMEOUT:?}", self.tx.in_flight()));
            }
            // TX completions are signalled on the TX call eventfd.
            self.tx.wait_call(Duration::from_millis(50))?;
        }
        Ok(n)
    }

    /// Receives the frames in flight and compares each with what was sent,
    /// in order; `label` names the check.
    ///
    /// # Errors
    ///
    /// Fatal on ring errors.
    pub fn expect_back(&mut self, r: &mut Report, label: &str, n: usize) -> Res<bool> {
        let (got, _) = self.collect(n, TIMEOUT)?;
        let mut bad = 0;
        for (k, f) in got.iter().enumerate() {
            let want = self.pending.pop_front();
            if want.as_deref() != Some(f.as_slice()) {
                bad += 1;
                if bad <= 3 {
                    r.fail(format!(
                        "{label}: frame {k} differs: {} bytes received, {} sent",
                        f.len(),
                        want.map_or(0, |w| w.len())
                    ));
                }
            }
        }
        let ok = got.len() == n && bad == 0;
        if got.len() != n {
            r.fail(format!("{label}: {} of {n} frames came back", got.len()));
        } else if bad == 0 {
            r.ok(format!("{label}: {n} frames came back intact"));
        }
        Ok(ok)
    }

    /// Sends `count` frames of `size` bytes to `dst` and expects every one
    /// back intact and in order; at most a ring's worth in flight.
    ///
    /// # Errors
    ///
    /// Fatal on ring errors.
    pub fn loopback(&mut self, r: &mut Report, label: &str, dst: [u8; 6], count: usize, size: usize) -> Res<bool> {
        let mut sent = 0;
        let mut back: Vec<Vec<u8>> = Vec::new();
        let mut bad = 0usize;
        let mut checked = 0usize;
        let mut last = Instant::now();
        while checked < count {
            let room = self.tx_room().min(count - sent);
            if room > 0 {
                for _ in 0..room {
                    let f = frame(dst, self.seq, size);
                    self.seq = self.seq.wrapping_add(1);
                    self.queue(f)?;
                }
                sent += room;
                self.kick_tx()?;
            }
            let n = self.reap_rx(&mut back)? + self.reap_tx()?;
            for f in back.drain(..) {
                let want = self.pending.pop_front();
                if want.as_deref() != Some(f.as_slice()) {
                    bad += 1;
                    if bad <= 3 {
                        r.fail(format!("{label}: frame {checked} differs ({} bytes received)", f.len()));
                    }
                }
                checked += 1;
            }
            if n > 0 || room > 0 {
                last = Instant::now();
                continue;
            }
            if last.elapsed() > TIMEOUT {
                r.fail(format!("{label}: {checked} of {count} frames came back, then nothing for {TIMEOUT:?}"));
                return Ok(false);
            }
            self.rx.wait_call(Duration::from_millis(100))?;
        }
        self.drain_tx()?;
        let extra = self.watch(Duration::from_millis(200))?.0;
        let ok = bad == 0 && extra == 0;
        if bad == 0 {
            r.ok(format!("{label}: {count} frames of {size} bytes to {} came back intact, in order", fmt_mac(&dst)));
        }
        if extra > 0 {
            r.fail(format!("{label}: {extra} frames more than were sent came back"));
        }
        Ok(ok)
    }

    /// Sends one control request: header, `data`, then the device-written
    /// ack; returns (ack, used length).
    ///
    /// # Errors
    ///
    /// Fatal without a CVQ or when the device does not answer.
    pub fn ctrl(&mut self, class: u8, cmd: u8, data: &[u8]) -> Res<(u8, u32)> {
        let base = self.ctrl_off();
        self.bufs.write(base + CTRL_HDR, &[class, cmd]);
        self.bufs.write(base + CTRL_DATA, data);
        self.bufs.write(base + CTRL_ACK, &[0xa5]);
        let mut chain = vec![Buf { iova: self.bufs.iova(base + CTRL_HDR), len: 2, writable: false }];
        if !data.is_empty() {
            chain.push(Buf { iova: self.bufs.iova(base + CTRL_DATA), len: data.len() as u32, writable: false });
        }
        chain.push(Buf { iova: self.bufs.iova(base + CTRL_ACK), len: 1, writable: true });
        let Some(cvq) = self.cvq.as_mut() else { return fatal("no control queue") };
        cvq.add(&chain, 0)?;
        cvq.notify()?;
        let start = Instant::now();
        loop {
            if let Some(u) = cvq.pop_used()? {
                let mut ack = [0u8];
                self.bufs.read(base + CTRL_ACK, &mut ack);
                return Ok((ack[0], u.len));
            }
            if start.elapsed() > TIMEOUT {
                return fatal(format!("control request {class}/{cmd} not answered within {TIMEOUT:?}"));
            }
            cvq.wait_call(Duration::from_millis(100))?;
        }
    }
}
