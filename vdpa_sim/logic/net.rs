// SPDX-License-Identifier: GPL-2.0

//! Data path of the simulated network device (`vdpasim_net`): a loopback
//! that moves each TX packet to the next RX buffer, a control queue that can
//! set the MAC address, the vendor statistics and the config space layout.
//!
//! The kernel worker calls [`cvq_one`] until it returns `Ok(false)` or an
//! error (invoking the CVQ callback after each `Ok(true)`), then, if TX and
//! RX are ready, [`tx_one`] until the outcome says stop (see
//! [`TxOutcome`]), notifying the queues the result names.
//!
//! Behaviour is Linux 6.12's `vdpa_sim_net.c`, quirks included:
//! * the receive filter compares the destination MAC with the config MAC as
//!   a C string (`strncmp`), so the comparison stops at the first zero
//!   byte;
//! * the control-queue ack is not reset between the requests of one worker
//!   run, so a request of an unknown class is acked with whatever the last
//!   MAC request got;
//! * `MAC_ADDR_SET` with fewer than 6 payload bytes overwrites that many MAC
//!   bytes and is acked `ERR`;
//! * a control request whose 2-byte header cannot be read is counted as an
//!   error, never completed, and ends the run; a TX chain with writable
//!   buffers counts a TX error and ends the run without completing it; an
//!   RX chain with readable buffers counts as an overrun and is never
//!   completed; when no RX byte can be written, neither chain is completed.
//!
//! Differences (listed in `Documentation/`): a guest fault while reading the
//! `MAC_ADDR_SET` payload leaves the MAC untouched (upstream keeps the
//! chunks copied before the fault); a fault while writing the ack completes
//! the request with length 0 (upstream passes the negative errno as the
//! length).

use core::cmp::min;

use super::vring::{Chain, GuestMem, SplitQueue, VringError};

/// `sizeof(struct virtio_net_hdr_v1)`.
pub(crate) const NET_HDR_LEN_V1: usize = 12;
/// `sizeof(struct virtio_net_hdr)`.
pub(crate) const NET_HDR_LEN_LEGACY: usize = 10;
/// `VIRTIO_F_VERSION_1` bit.
pub(crate) const F_VERSION_1: u64 = 1 << 32;
/// Size of the TX bounce buffer: longer packets are truncated (upstream's
/// `PAGE_SIZE` on x86-64).
pub(crate) const TX_BUF_LEN: usize = 4096;
/// Length of a MAC address.
pub(crate) const ETH_ALEN: usize = 6;
/// Size of `struct virtio_net_config`.
pub(crate) const CONFIG_LEN: usize = 24;
/// `VIRTIO_NET_S_LINK_UP`.
pub(crate) const S_LINK_UP: u16 = 1;
/// `VIRTIO_NET_OK`.
pub(crate) const CTRL_OK: u8 = 0;
/// `VIRTIO_NET_ERR`.
pub(crate) const CTRL_ERR: u8 = 1;
/// `VIRTIO_NET_CTRL_MAC`.
pub(crate) const CTRL_CLASS_MAC: u8 = 1;
/// `VIRTIO_NET_CTRL_MAC_ADDR_SET`.
pub(crate) const CTRL_MAC_ADDR_SET: u8 = 1;
/// `sizeof(struct virtio_net_ctrl_hdr)`: `{class: u8, cmd: u8}`.
pub(crate) const CTRL_HDR_LEN: usize = 2;
/// Packets after which the worker re-queues itself (upstream: `tx_pkts > 4`).
pub(crate) const WORK_BATCH: u64 = 5;

/// Length of the virtio-net header the driver puts before each frame: the
/// v1 header with `VIRTIO_F_VERSION_1` negotiated, the legacy one otherwise
/// (upstream looks at VERSION_1 only, not at `MRG_RXBUF`).
pub(crate) fn hdr_len(features: u64) -> usize {
    if features & F_VERSION_1 != 0 {
        NET_HDR_LEN_V1
    } else {
        NET_HDR_LEN_LEGACY
    }
}

/// Receive filter of the simulator. `frame` is what was pulled from TX,
/// net header included.
///
/// Frames shorter than the header plus a MAC are dropped. Broadcast and
/// multicast destinations pass. Otherwise the destination must equal
/// `cfg_mac` compared as a C string of at most 6 bytes: bytes after the
/// first zero byte (that both share) are not compared.
pub(crate) fn rx_filter(frame: &[u8], hdr_len: usize, cfg_mac: &[u8; 6]) -> bool {
    let Some(end) = hdr_len.checked_add(ETH_ALEN) else {
        return false;
    };
    let Some(dst) = frame.get(hdr_len..end) else {
        return false;
    };
    // Multicast bit; broadcast has it too.
    if dst.first().is_some_and(|b| b & 1 != 0) {
        return true;
    }
    for (d, m) in dst.iter().zip(cfg_mac.iter()) {
        if d != m {
            return false;
        }
        if *d == 0 {
            return true;
        }
    }
    true
}

/// Control-queue state of one worker run: the ack carried from request to
/// request (not reset between them, as upstream).
pub(crate) struct CvqRun {
    status: u8,
}

impl Default for CvqRun {
    fn default() -> Self {
        Self::new()
    }
}

impl CvqRun {
    /// State at the start of a worker run (ack `ERR`).
    pub(crate) fn new() -> Self {
        Self { status: CTRL_ERR }
    }

    /// Handles one request whose readable bytes are `req`: the header
    /// `{class, cmd}` and, for `MAC_ADDR_SET`, up to 6 payload bytes (more
    /// are ignored). `mac` is the current config MAC.
    ///
    /// Returns the ack to write and, if MAC bytes were received, the new
    /// MAC (a short payload replaces only the first bytes and is acked
    /// `ERR`). A class other than MAC leaves the ack as it was. `req`
    /// shorter than the header changes nothing ([`cvq_one`] never passes
    /// one: upstream ends the run instead).
    pub(crate) fn handle(&mut self, req: &[u8], mac: &[u8; 6]) -> (u8, Option<[u8; 6]>) {
        let [class, cmd, payload @ ..] = req else {
            return (self.status, None);
        };
        if *class != CTRL_CLASS_MAC {
            return (self.status, None);
        }
        self.status = CTRL_ERR;
        if *cmd != CTRL_MAC_ADDR_SET {
            return (self.status, None);
        }
        let n = min(payload.len(), ETH_ALEN);
        if n == 0 {
            return (self.status, None);
        }
        let mut new = *mac;
        if let (Some(dst), Some(src)) = (new.get_mut(..n), payload.get(..n)) {
            dst.copy_from_slice(src);
        }
        if n == ETH_ALEN {
            self.status = CTRL_OK;
        }
        (self.status, Some(new))
    }
}

/// Vendor-statistics counters, as upstream's `vdpasim_{dataq,cq}_stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct NetCounters {
    /// Packets delivered to RX.
    pub(crate) rx_packets: u64,
    /// Bytes delivered to RX.
    pub(crate) rx_bytes: u64,
    /// RX buffers that took no byte.
    pub(crate) rx_errors: u64,
    /// Packets that found no RX buffer.
    pub(crate) rx_overruns: u64,
    /// Packets the receive filter dropped.
    pub(crate) rx_drops: u64,
    /// Packets taken from TX.
    pub(crate) tx_packets: u64,
    /// Bytes taken from TX.
    pub(crate) tx_bytes: u64,
    /// Bad TX chains and failed TX reads.
    pub(crate) tx_errors: u64,
    /// Always 0 (upstream never counts it).
    pub(crate) tx_drops: u64,
    /// Control requests taken.
    pub(crate) cvq_requests: u64,
    /// Control requests acked OK.
    pub(crate) cvq_successes: u64,
    /// Control requests acked ERR or unreadable.
    pub(crate) cvq_errors: u64,
}

/// Fills `out` with the vendor statistics `(name, value)` of queue `idx`
/// (0 RX, 1 TX, 2 CVQ), names and order as upstream, and returns how many
/// pairs were filled; `None` (EINVAL) for another index.
pub(crate) fn vq_stats(
    c: &NetCounters,
    idx: u16,
    out: &mut [(&'static str, u64); 5],
) -> Option<usize> {
    let pairs: &[(&'static str, u64)] = match idx {
        0 => &[
            ("rx packets", c.rx_packets),
            ("rx bytes", c.rx_bytes),
            ("rx errors", c.rx_errors),
            ("rx overruns", c.rx_overruns),
            ("rx drops", c.rx_drops),
        ],
        1 => &[
            ("tx packets", c.tx_packets),
            ("tx bytes", c.tx_bytes),
            ("tx errors", c.tx_errors),
            ("tx drops", c.tx_drops),
        ],
        2 => &[
            ("cvq requests", c.cvq_requests),
            ("cvq successes", c.cvq_successes),
            ("cvq errors", c.cvq_errors),
        ],
        _ => return None,
    };
    for (slot, pair) in out.iter_mut().zip(pairs.iter()) {
        *slot = *pair;
    }
    Some(pairs.len())
}

/// `struct virtio_net_config` as bytes, little-endian (VERSION_1):
/// `mac`, `status`, `max_virtqueue_pairs`, `mtu`; speed, duplex and the RSS
/// fields are 0.
pub(crate) fn config_bytes(mac: &[u8; 6], status: u16, max_vqp: u16, mtu: u16) -> [u8; CONFIG_LEN] {
    let mut b = [0u8; CONFIG_LEN];
    let fields: [(usize, &[u8]); 4] = [
        (0, mac),
        (6, &status.to_le_bytes()),
        (8, &max_vqp.to_le_bytes()),
        (10, &mtu.to_le_bytes()),
    ];
    for (off, val) in fields {
        if let Some(dst) = b.get_mut(off..off + val.len()) {
            dst.copy_from_slice(val);
        }
    }
    b
}

/// What [`tx_one`] did, and what the worker does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TxOutcome {
    /// TX ring empty: stop.
    Empty,
    /// TX chain completed without delivery (filtered out, counted as an RX
    /// drop, or unreadable, counted as a TX error): go on.
    Dropped,
    /// Packet delivered to RX: go on, unless `WORK_BATCH` packets were
    /// taken in this run (`tx_packets` grew by that much since the run
    /// started); then re-queue the work and stop.
    Looped,
    /// No usable RX buffer: TX completed, stop.
    Overrun,
    /// Bad TX chain, or the RX buffer took no byte: stop.
    Error,
}

/// Result of [`tx_one`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TxResult {
    /// What happened.
    pub(crate) outcome: TxOutcome,
    /// A TX used entry was pushed (ask TX's `needs_notify`).
    pub(crate) tx_used: bool,
    /// An RX used entry was pushed (ask RX's `needs_notify`, after TX).
    pub(crate) rx_used: bool,
}

/// Adds to a statistics counter; counters wrap like upstream's `u64`s.
fn bump(counter: &mut u64, by: u64) {
    *counter = counter.wrapping_add(by);
}

impl TxResult {
    fn new(outcome: TxOutcome, tx_used: bool, rx_used: bool) -> Self {
        Self {
            outcome,
            tx_used,
            rx_used,
        }
    }
}

/// Moves one packet from TX to RX: pops a TX chain, reads up to
/// [`TX_BUF_LEN`] bytes (net header included) into `buf`, applies
/// [`rx_filter`], pops an RX chain, copies the bytes (truncated to the RX
/// buffers), completes TX with length 0 and RX with the bytes written.
/// Counters are updated as upstream 6.12 does, except that a failed TX read
/// is a TX error (never a length).
///
/// `ring` is the address space of the rings (and indirect tables), `bufs`
/// the one of the buffers; they are the same unless descriptor groups put
/// them apart. TX and RX are both in group 0, so they share both.
///
/// The used entries are pushed as upstream does; a failing push is ignored
/// (the result still says it was attempted, so the caller still asks).
#[allow(clippy::too_many_arguments)]
pub(crate) fn tx_one<R: GuestMem, B: GuestMem>(
    ring: &mut R,
    bufs: &mut B,
    txq: &mut SplitQueue,
    rxq: &mut SplitQueue,
    chain_tx: &mut Chain,
    chain_rx: &mut Chain,
    buf: &mut [u8],
    hdr_len: usize,
    mac: &[u8; 6],
    c: &mut NetCounters,
) -> TxResult {
    match txq.pop(ring, chain_tx) {
        Ok(true) => {}
        Ok(false) => return TxResult::new(TxOutcome::Empty, false, false),
        Err(_) => {
            bump(&mut c.tx_errors, 1);
            return TxResult::new(TxOutcome::Error, false, false);
        }
    }
    // vringh refuses a writable buffer on a read-only request; the chain is
    // consumed and never completed.
    if !chain_tx.writable().is_empty() {
        bump(&mut c.tx_errors, 1);
        return TxResult::new(TxOutcome::Error, false, false);
    }
    let limit = min(buf.len(), TX_BUF_LEN);
    let buf = buf.get_mut(..limit).unwrap_or(&mut []);
    let read = match chain_tx.read(bufs, 0, buf) {
        Ok(n) if n > 0 => n,
        _ => {
            bump(&mut c.tx_errors, 1);
            let _ = txq.push_used(ring, chain_tx.head, 0);
            return TxResult::new(TxOutcome::Dropped, true, false);
        }
    };
    let frame = buf.get(..read).unwrap_or(&[]);
    bump(&mut c.tx_packets, 1);
    bump(&mut c.tx_bytes, read as u64);

    if !rx_filter(frame, hdr_len, mac) {
        bump(&mut c.rx_drops, 1);
        let _ = txq.push_used(ring, chain_tx.head, 0);
        return TxResult::new(TxOutcome::Dropped, true, false);
    }

    let rx_ok = matches!(rxq.pop(ring, chain_rx), Ok(true));
    if !rx_ok || !chain_rx.readable().is_empty() {
        bump(&mut c.rx_overruns, 1);
        let _ = txq.push_used(ring, chain_tx.head, 0);
        return TxResult::new(TxOutcome::Overrun, true, false);
    }

    let written = match chain_rx.write(bufs, 0, frame) {
        Ok(n) if n > 0 => n,
        _ => {
            bump(&mut c.rx_errors, 1);
            return TxResult::new(TxOutcome::Error, false, false);
        }
    };
    bump(&mut c.rx_packets, 1);
    bump(&mut c.rx_bytes, written as u64);
    let _ = txq.push_used(ring, chain_tx.head, 0);
    // `written` <= TX_BUF_LEN.
    let _ = rxq.push_used(
        ring,
        chain_rx.head,
        u32::try_from(written).unwrap_or(u32::MAX),
    );
    TxResult::new(TxOutcome::Looped, true, true)
}

/// Handles one control request: pops a CVQ chain, reads the header (and
/// the `MAC_ADDR_SET` payload), lets `run` decide, updates `mac`, writes the
/// ack into the writable part and completes the chain with the bytes
/// written. `ring` and `bufs` as for [`tx_one`].
///
/// `Ok(true)`: a request was completed, invoke the CVQ callback and call
/// again. `Ok(false)`: the ring is empty, or the header was unreadable (the
/// request is counted as an error and left uncompleted, as upstream): stop.
///
/// # Errors
///
/// The [`VringError`] of a failed pop: stop (nothing is counted).
pub(crate) fn cvq_one<R: GuestMem, B: GuestMem>(
    ring: &mut R,
    bufs: &mut B,
    cvq: &mut SplitQueue,
    chain: &mut Chain,
    run: &mut CvqRun,
    mac: &mut [u8; 6],
    c: &mut NetCounters,
) -> Result<bool, VringError> {
    if !cvq.pop(ring, chain)? {
        return Ok(false);
    }
    bump(&mut c.cvq_requests, 1);
    let mut req = [0u8; CTRL_HDR_LEN + ETH_ALEN];
    let (hdr, payload) = req.split_at_mut(CTRL_HDR_LEN);
    if chain.read(bufs, 0, hdr) != Ok(CTRL_HDR_LEN) {
        bump(&mut c.cvq_errors, 1);
        return Ok(false);
    }
    let mut len = CTRL_HDR_LEN;
    // Upstream pulls the payload only for the one command it knows.
    if hdr == [CTRL_CLASS_MAC, CTRL_MAC_ADDR_SET] {
        len += chain.read(bufs, CTRL_HDR_LEN as u64, payload).unwrap_or(0);
    }
    let (ack, new_mac) = run.handle(req.get(..len).unwrap_or(&[]), mac);
    if let Some(m) = new_mac {
        *mac = m;
    }
    if ack == CTRL_OK {
        bump(&mut c.cvq_successes, 1);
    } else {
        bump(&mut c.cvq_errors, 1);
    }
    let written = chain.write(bufs, 0, &[ack]).unwrap_or(0);
    // `written` is 0 or 1.
    let _ = cvq.push_used(ring, chain.head, written as u32);
    Ok(true)
}
