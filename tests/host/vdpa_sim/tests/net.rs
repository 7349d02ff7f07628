// SPDX-License-Identifier: GPL-2.0

//! Tests of `vdpa_sim/logic/net.rs`.

use alloc::vec;
use alloc::vec::Vec;

use crate::helpers::{with_views, Ring, TestMem};
use crate::logic::iova_map::PERM_RO;
use crate::logic::net::{
    config_bytes, cvq_one, hdr_len, rx_filter, tx_one, vq_stats, CvqRun, NetCounters, TxOutcome,
    TxResult, CTRL_ERR, CTRL_OK, F_VERSION_1, NET_HDR_LEN_LEGACY, NET_HDR_LEN_V1, TX_BUF_LEN,
};
use crate::logic::vring::{Chain, SplitQueue};

const HDR: usize = NET_HDR_LEN_V1;
const MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

fn frame(dst: [u8; 6], payload_len: usize) -> Vec<u8> {
    let mut f = vec![0u8; HDR];
    f.extend_from_slice(&dst);
    f.extend_from_slice(&[0xaa; 6]);
    f.extend((0..payload_len).map(|k| k as u8));
    f
}

#[test]
fn header_length_follows_version_1() {
    assert_eq!(hdr_len(F_VERSION_1), 12);
    assert_eq!(hdr_len(0), 10);
    // MRG_RXBUF alone does not matter to the simulator (upstream).
    assert_eq!(hdr_len(1 << 15), NET_HDR_LEN_LEGACY);
    assert_eq!(hdr_len(F_VERSION_1 | (1 << 15)), NET_HDR_LEN_V1);
}

#[test]
fn filter_rules() {
    // Exact match.
    assert!(rx_filter(&frame(MAC, 0), HDR, &MAC));
    // Broadcast and multicast pass whatever the MAC.
    assert!(rx_filter(&frame([0xff; 6], 0), HDR, &MAC));
    assert!(rx_filter(&frame([0x01, 0, 0x5e, 0, 0, 1], 0), HDR, &MAC));
    assert!(rx_filter(&frame([0x33, 0x33, 0, 0, 0, 1], 0), HDR, &MAC));
    // Another unicast is dropped.
    assert!(!rx_filter(
        &frame([0x52, 0x55, 0x00, 0x12, 0x34, 0x56], 0),
        HDR,
        &MAC
    ));
    // ...unless it shares the config MAC up to the config MAC's zero byte
    // (52:54:00 here): the strncmp quirk.
    assert!(rx_filter(
        &frame([0x52, 0x54, 0x00, 0x12, 0x34, 0x57], 0),
        HDR,
        &MAC
    ));
    assert!(rx_filter(
        &frame([0x52, 0x54, 0x00, 0xff, 0xff, 0xff], 0),
        HDR,
        &MAC
    ));
    assert!(!rx_filter(&frame([0x02, 0, 0, 0, 0, 0], 0), HDR, &MAC));
    // Header length matters.
    let f = frame(MAC, 0);
    assert!(!rx_filter(&f[2..], HDR, &MAC));
    assert!(rx_filter(&f[2..], NET_HDR_LEN_LEGACY, &MAC));
}

#[test]
fn filter_short_frames_are_dropped() {
    let f = frame([0xff; 6], 0);
    assert!(rx_filter(&f[..HDR + 6], HDR, &MAC));
    assert!(!rx_filter(&f[..HDR + 5], HDR, &MAC));
    assert!(!rx_filter(&[], HDR, &MAC));
    assert!(!rx_filter(&f, usize::MAX, &MAC));
}

#[test]
fn filter_strncmp_quirk() {
    // Config MAC 52:00:...: the C-string comparison stops at the zero byte,
    // so any destination 52:00:xx:xx:xx:xx passes.
    let cfg = [0x52, 0x00, 0x11, 0x22, 0x33, 0x44];
    assert!(rx_filter(
        &frame([0x52, 0x00, 0x99, 0x99, 0x99, 0x99], 0),
        HDR,
        &cfg
    ));
    assert!(!rx_filter(
        &frame([0x52, 0x01, 0x11, 0x22, 0x33, 0x44], 0),
        HDR,
        &cfg
    ));
    // The all-zero default MAC accepts every unicast starting with 00.
    let zero = [0u8; 6];
    assert!(rx_filter(
        &frame([0x00, 0x12, 0x34, 0x56, 0x78, 0x9a], 0),
        HDR,
        &zero
    ));
    assert!(!rx_filter(&frame([0x02, 0, 0, 0, 0, 0], 0), HDR, &zero));
}

#[test]
fn config_layout() {
    let b = config_bytes(&MAC, 1, 0, 1500);
    assert_eq!(b.len(), 24);
    assert_eq!(&b[..6], &MAC);
    assert_eq!(&b[6..8], &[1, 0]);
    assert_eq!(&b[8..10], &[0, 0]);
    assert_eq!(&b[10..12], &1500u16.to_le_bytes());
    assert!(b[12..].iter().all(|&x| x == 0));
    let b = config_bytes(&MAC, 0x0102, 0x0304, 0x0506);
    assert_eq!(&b[6..12], &[2, 1, 4, 3, 6, 5]);
}

#[test]
fn stats_names_and_order() {
    let c = NetCounters {
        rx_packets: 1,
        rx_bytes: 2,
        rx_errors: 3,
        rx_overruns: 4,
        rx_drops: 5,
        tx_packets: 6,
        tx_bytes: 7,
        tx_errors: 8,
        tx_drops: 9,
        cvq_requests: 10,
        cvq_successes: 11,
        cvq_errors: 12,
    };
    let mut out = [("", 0u64); 5];
    assert_eq!(vq_stats(&c, 0, &mut out), Some(5));
    assert_eq!(
        out,
        [
            ("rx packets", 1),
            ("rx bytes", 2),
            ("rx errors", 3),
            ("rx overruns", 4),
            ("rx drops", 5)
        ]
    );
    assert_eq!(vq_stats(&c, 1, &mut out), Some(4));
    assert_eq!(
        &out[..4],
        &[
            ("tx packets", 6),
            ("tx bytes", 7),
            ("tx errors", 8),
            ("tx drops", 9)
        ]
    );
    assert_eq!(vq_stats(&c, 2, &mut out), Some(3));
    assert_eq!(
        &out[..3],
        &[
            ("cvq requests", 10),
            ("cvq successes", 11),
            ("cvq errors", 12)
        ]
    );
    assert_eq!(vq_stats(&c, 3, &mut out), None);
    assert_eq!(vq_stats(&c, 0xffff, &mut out), None);
}

/// The three queues of a net device in one guest RAM.
struct Net {
    mem: TestMem,
    rx: Ring,
    tx: Ring,
    cvq: Ring,
    rxq: SplitQueue,
    txq: SplitQueue,
    cq: SplitQueue,
    chains: Vec<Chain>,
    buf: Vec<u8>,
    c: NetCounters,
    mac: [u8; 6],
}

impl Net {
    fn new() -> Self {
        let mem = TestMem::new(1 << 20);
        let rx = Ring::new(8, 0x1000);
        let tx = Ring::new(8, 0x4000);
        let cvq = Ring::new(8, 0x7000);
        Self {
            rxq: rx.queue(0, false),
            txq: tx.queue(0, false),
            cq: cvq.queue(0, false),
            mem,
            rx,
            tx,
            cvq,
            chains: vec![Chain::new(), Chain::new()],
            buf: vec![0; TX_BUF_LEN],
            c: NetCounters::default(),
            mac: MAC,
        }
    }

    fn tx_one(&mut self) -> TxResult {
        let (ctx, crx) = self.chains.split_at_mut(1);
        let Self {
            txq,
            rxq,
            buf,
            mac,
            c,
            ..
        } = self;
        with_views(&mut self.mem, |ring, bufs| {
            tx_one(
                ring,
                bufs,
                txq,
                rxq,
                &mut ctx[0],
                &mut crx[0],
                buf,
                HDR,
                mac,
                c,
            )
        })
    }

    fn send(&mut self, addr: u64, data: &[u8]) -> u16 {
        self.mem.poke(addr, data);
        self.tx
            .add(&mut self.mem, &[(addr, data.len() as u32, false)])
    }

    fn rx_buf(&mut self, addr: u64, len: u32) -> u16 {
        self.rx.add(&mut self.mem, &[(addr, len, true)])
    }

    fn cvq_req(&mut self, addr: u64, req: &[u8]) -> u16 {
        self.mem.poke(addr, req);
        self.mem.poke(addr + 0x100, &[0xee]);
        self.cvq.add(
            &mut self.mem,
            &[(addr, req.len() as u32, false), (addr + 0x100, 1, true)],
        )
    }

    fn cvq_one(&mut self, run: &mut CvqRun) -> Result<bool, crate::logic::vring::VringError> {
        let Self {
            cq, chains, mac, c, ..
        } = self;
        with_views(&mut self.mem, |ring, bufs| {
            cvq_one(ring, bufs, cq, &mut chains[0], run, mac, c)
        })
    }
}

#[test]
fn tx_one_loops_back() {
    let mut n = Net::new();
    let f = frame(MAC, 100);
    let th = n.send(0x20000, &f);
    let rh = n.rx_buf(0x30000, 2048);
    let r = n.tx_one();
    assert_eq!(
        r,
        TxResult {
            outcome: TxOutcome::Looped,
            tx_used: true,
            rx_used: true
        }
    );
    assert_eq!(n.tx.take_used(&n.mem), Some((u32::from(th), 0)));
    assert_eq!(
        n.rx.take_used(&n.mem),
        Some((u32::from(rh), f.len() as u32))
    );
    assert_eq!(n.mem.peek(0x30000, f.len()), f);
    assert_eq!(n.c.tx_packets, 1);
    assert_eq!(n.c.tx_bytes, f.len() as u64);
    assert_eq!(n.c.rx_packets, 1);
    assert_eq!(n.c.rx_bytes, f.len() as u64);
    assert_eq!(n.tx_one().outcome, TxOutcome::Empty);
    assert_eq!(n.txq.needs_notify(&mut n.mem), Ok(true));
}

#[test]
fn tx_spanning_segments_and_truncation() {
    let mut n = Net::new();
    // Frame over two TX buffers, RX buffer too small: truncated copy.
    let f = frame([0xff; 6], 200);
    n.mem.poke(0x20000, &f[..10]);
    n.mem.poke(0x21000, &f[10..]);
    n.tx.add(
        &mut n.mem,
        &[
            (0x20000, 10, false),
            (0x21000, (f.len() - 10) as u32, false),
        ],
    );
    n.rx.add(&mut n.mem, &[(0x30000, 50, true), (0x31000, 50, true)]);
    assert_eq!(n.tx_one().outcome, TxOutcome::Looped);
    assert_eq!(n.rx.take_used(&n.mem).unwrap().1, 100);
    assert_eq!(n.mem.peek(0x30000, 50), &f[..50]);
    assert_eq!(n.mem.peek(0x31000, 50), &f[50..100]);
    assert_eq!(n.c.tx_bytes, f.len() as u64);
    assert_eq!(n.c.rx_bytes, 100);
}

#[test]
fn tx_longer_than_page_is_truncated() {
    let mut n = Net::new();
    let f = frame(MAC, 5000);
    n.send(0x20000, &f);
    n.rx_buf(0x30000, 8192);
    assert_eq!(n.tx_one().outcome, TxOutcome::Looped);
    assert_eq!(n.c.tx_bytes, TX_BUF_LEN as u64);
    assert_eq!(n.rx.take_used(&n.mem).unwrap().1, TX_BUF_LEN as u32);
}

#[test]
fn filtered_packet_is_a_drop() {
    let mut n = Net::new();
    let th = n.send(0x20000, &frame([0x02, 1, 2, 3, 4, 5], 10));
    n.rx_buf(0x30000, 2048);
    let r = n.tx_one();
    assert_eq!(
        r,
        TxResult {
            outcome: TxOutcome::Dropped,
            tx_used: true,
            rx_used: false
        }
    );
    assert_eq!(n.tx.take_used(&n.mem), Some((u32::from(th), 0)));
    assert_eq!(n.rx.take_used(&n.mem), None);
    assert_eq!(n.c.rx_drops, 1);
    // Counted as a TX packet before the filter, as upstream.
    assert_eq!(n.c.tx_packets, 1);
    assert_eq!(n.c.rx_packets, 0);
    // The RX buffer is still there for the next packet.
    n.send(0x22000, &frame(MAC, 10));
    assert_eq!(n.tx_one().outcome, TxOutcome::Looped);
}

#[test]
fn short_frame_is_a_drop() {
    let mut n = Net::new();
    n.send(0x20000, &[0xff; HDR + 5]);
    n.rx_buf(0x30000, 2048);
    assert_eq!(n.tx_one().outcome, TxOutcome::Dropped);
    assert_eq!(n.c.rx_drops, 1);
}

#[test]
fn no_rx_buffer_is_an_overrun() {
    let mut n = Net::new();
    let th = n.send(0x20000, &frame(MAC, 10));
    let r = n.tx_one();
    assert_eq!(
        r,
        TxResult {
            outcome: TxOutcome::Overrun,
            tx_used: true,
            rx_used: false
        }
    );
    assert_eq!(n.tx.take_used(&n.mem), Some((u32::from(th), 0)));
    assert_eq!(n.c.rx_overruns, 1);
    assert_eq!(n.c.tx_packets, 1);
}

#[test]
fn readable_rx_buffer_is_an_overrun() {
    let mut n = Net::new();
    n.send(0x20000, &frame(MAC, 10));
    n.rx.add(&mut n.mem, &[(0x30000, 64, false)]);
    assert_eq!(n.tx_one().outcome, TxOutcome::Overrun);
    assert_eq!(n.c.rx_overruns, 1);
    // The RX chain is consumed, never completed (as vringh's EPROTO).
    assert_eq!(n.rx.take_used(&n.mem), None);
    assert_eq!(n.rxq.last_avail(), 1);
}

#[test]
fn zero_length_rx_buffer_is_an_rx_error() {
    let mut n = Net::new();
    n.send(0x20000, &frame(MAC, 10));
    n.rx_buf(0x30000, 0);
    let r = n.tx_one();
    assert_eq!(
        r,
        TxResult {
            outcome: TxOutcome::Error,
            tx_used: false,
            rx_used: false
        }
    );
    assert_eq!(n.c.rx_errors, 1);
    // Neither chain is completed (upstream breaks out).
    assert_eq!(n.tx.take_used(&n.mem), None);
    assert_eq!(n.rx.take_used(&n.mem), None);
}

#[test]
fn writable_tx_buffer_is_a_tx_error() {
    let mut n = Net::new();
    n.tx.add(&mut n.mem, &[(0x20000, 64, false), (0x21000, 64, true)]);
    let r = n.tx_one();
    assert_eq!(
        r,
        TxResult {
            outcome: TxOutcome::Error,
            tx_used: false,
            rx_used: false
        }
    );
    assert_eq!(n.c.tx_errors, 1);
    assert_eq!(n.c.tx_packets, 0);
}

#[test]
fn unreadable_or_empty_tx_is_a_tx_error_and_completes() {
    let mut n = Net::new();
    // Empty TX chain: nothing read.
    let th = n.tx.add(&mut n.mem, &[(0x20000, 0, false)]);
    let r = n.tx_one();
    assert_eq!(
        r,
        TxResult {
            outcome: TxOutcome::Dropped,
            tx_used: true,
            rx_used: false
        }
    );
    assert_eq!(n.tx.take_used(&n.mem), Some((u32::from(th), 0)));
    assert_eq!(n.c.tx_errors, 1);
    assert_eq!(n.c.tx_packets, 0);
    // Buffer outside the RAM / mapping: a fault is an error, not a length.
    n.tx.add(&mut n.mem, &[(0x7000_0000, 64, false)]);
    assert_eq!(n.tx_one().outcome, TxOutcome::Dropped);
    assert_eq!(n.c.tx_errors, 2);
    assert_eq!(n.c.tx_bytes, 0);
}

#[test]
fn bad_tx_ring_is_a_tx_error() {
    let mut n = Net::new();
    n.tx.publish(&mut n.mem, 100);
    assert_eq!(n.tx_one().outcome, TxOutcome::Error);
    assert_eq!(n.c.tx_errors, 1);
}

#[test]
fn counters_accumulate_like_a_worker_run() {
    let mut n = Net::new();
    for k in 0..7u64 {
        n.send(0x20000 + k * 0x1000, &frame(MAC, 20));
        n.rx_buf(0x30000 + k * 0x1000, 2048);
    }
    // The worker: stop after WORK_BATCH packets taken in this run.
    let start = n.c.tx_packets;
    let mut looped = 0;
    loop {
        let r = n.tx_one();
        match r.outcome {
            TxOutcome::Looped => {
                looped += 1;
                if n.c.tx_packets - start >= crate::logic::net::WORK_BATCH {
                    break;
                }
            }
            TxOutcome::Dropped => {}
            _ => break,
        }
    }
    assert_eq!(looped, 5);
    assert_eq!(n.c.rx_packets, 5);
}

#[test]
fn cvq_sets_mac() {
    let mut n = Net::new();
    let new = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55];
    let mut req = vec![1, 1];
    req.extend_from_slice(&new);
    let h = n.cvq_req(0x40000, &req);
    let mut run = CvqRun::new();
    assert_eq!(n.cvq_one(&mut run), Ok(true));
    assert_eq!(n.mac, new);
    assert_eq!(n.mem.peek(0x40100, 1), [CTRL_OK]);
    assert_eq!(n.cvq.take_used(&n.mem), Some((u32::from(h), 1)));
    assert_eq!(n.c.cvq_requests, 1);
    assert_eq!(n.c.cvq_successes, 1);
    assert_eq!(n.c.cvq_errors, 0);
    assert_eq!(n.cvq_one(&mut run), Ok(false));
}

#[test]
fn cvq_payload_split_over_buffers() {
    let mut n = Net::new();
    n.mem.poke(0x40000, &[1, 1, 0x02, 0x03]);
    n.mem.poke(0x41000, &[0x04, 0x05, 0x06, 0x07]);
    n.cvq.add(
        &mut n.mem,
        &[(0x40000, 4, false), (0x41000, 4, false), (0x42000, 1, true)],
    );
    let mut run = CvqRun::new();
    assert_eq!(n.cvq_one(&mut run), Ok(true));
    assert_eq!(n.mac, [2, 3, 4, 5, 6, 7]);
}

#[test]
fn cvq_unknown_class_and_cmd() {
    let mut n = Net::new();
    n.cvq_req(0x40000, &[5, 1, 1, 2, 3, 4, 5, 6]);
    n.cvq_req(0x50000, &[1, 2, 1, 2, 3, 4, 5, 6]);
    let mut run = CvqRun::new();
    assert_eq!(n.cvq_one(&mut run), Ok(true));
    assert_eq!(n.mem.peek(0x40100, 1), [CTRL_ERR]);
    assert_eq!(n.cvq_one(&mut run), Ok(true));
    assert_eq!(n.mem.peek(0x50100, 1), [CTRL_ERR]);
    assert_eq!(n.mac, MAC);
    assert_eq!(n.c.cvq_requests, 2);
    assert_eq!(n.c.cvq_errors, 2);
}

#[test]
fn cvq_ack_quirk() {
    // An unknown class after a successful MAC set in the same run is acked
    // OK; a new run starts from ERR again.
    let mut n = Net::new();
    n.cvq_req(0x40000, &[1, 1, 2, 0, 0, 0, 0, 1]);
    n.cvq_req(0x50000, &[9, 9]);
    let mut run = CvqRun::new();
    assert_eq!(n.cvq_one(&mut run), Ok(true));
    assert_eq!(n.cvq_one(&mut run), Ok(true));
    assert_eq!(n.mem.peek(0x50100, 1), [CTRL_OK]);
    assert_eq!(n.c.cvq_successes, 2);
    n.cvq_req(0x60000, &[9, 9]);
    let mut run = CvqRun::new();
    assert_eq!(n.cvq_one(&mut run), Ok(true));
    assert_eq!(n.mem.peek(0x60100, 1), [CTRL_ERR]);
    // A failed MAC command resets the carried ack to ERR.
    let mut run = CvqRun::new();
    assert_eq!(run.handle(&[1, 1, 1, 2, 3, 4, 5, 6], &MAC).0, CTRL_OK);
    assert_eq!(run.handle(&[1, 7], &MAC).0, CTRL_ERR);
    assert_eq!(run.handle(&[3, 3], &MAC).0, CTRL_ERR);
}

#[test]
fn cvq_short_mac_payload_overwrites_part() {
    let mut n = Net::new();
    n.cvq_req(0x40000, &[1, 1, 0xaa, 0xbb]);
    let mut run = CvqRun::new();
    assert_eq!(n.cvq_one(&mut run), Ok(true));
    assert_eq!(n.mac, [0xaa, 0xbb, 0x00, 0x12, 0x34, 0x56]);
    assert_eq!(n.mem.peek(0x40100, 1), [CTRL_ERR]);
    assert_eq!(n.c.cvq_errors, 1);
    // No payload at all: MAC untouched.
    assert_eq!(run.handle(&[1, 1], &MAC), (CTRL_ERR, None));
    // Extra payload is ignored.
    assert_eq!(
        run.handle(&[1, 1, 1, 2, 3, 4, 5, 6, 7, 8], &MAC),
        (CTRL_OK, Some([1, 2, 3, 4, 5, 6]))
    );
}

#[test]
fn cvq_short_header_stops_without_completion() {
    let mut n = Net::new();
    n.cvq_req(0x40000, &[1]);
    n.cvq_req(0x50000, &[1, 1, 1, 2, 3, 4, 5, 6]);
    let mut run = CvqRun::new();
    assert_eq!(n.cvq_one(&mut run), Ok(false));
    assert_eq!(n.c.cvq_requests, 1);
    assert_eq!(n.c.cvq_errors, 1);
    assert_eq!(n.cvq.take_used(&n.mem), None);
    // The next request is handled by the next run.
    assert_eq!(n.cvq_one(&mut CvqRun::new()), Ok(true));
    assert_eq!(n.mac, [1, 2, 3, 4, 5, 6]);
}

#[test]
fn cvq_without_writable_buffer_completes_with_zero() {
    let mut n = Net::new();
    n.mem.poke(0x40000, &[1, 1, 1, 2, 3, 4, 5, 6]);
    let h = n.cvq.add(&mut n.mem, &[(0x40000, 8, false)]);
    assert_eq!(n.cvq_one(&mut CvqRun::new()), Ok(true));
    assert_eq!(n.cvq.take_used(&n.mem), Some((u32::from(h), 0)));
    assert_eq!(n.c.cvq_successes, 1);
}

#[test]
fn cvq_unwritable_ack_completes_with_zero() {
    let mut n = Net::new();
    // Everything read-only except the rings' used parts, which live in
    // the first 64 KiB.
    n.mem.map.add(0, 0xffff, 0, 3).unwrap();
    n.mem.map.add(0x40000, 0x4ffff, 0x40000, PERM_RO).unwrap();
    let h = n.cvq_req(0x40000, &[1, 1, 1, 2, 3, 4, 5, 6]);
    assert_eq!(n.cvq_one(&mut CvqRun::new()), Ok(true));
    assert_eq!(n.cvq.take_used(&n.mem), Some((u32::from(h), 0)));
    assert_eq!(n.mac, [1, 2, 3, 4, 5, 6]);
}

#[test]
fn cvq_bad_ring_is_an_error_without_counting() {
    let mut n = Net::new();
    n.cvq.publish(&mut n.mem, 8);
    assert!(n.cvq_one(&mut CvqRun::new()).is_err());
    assert_eq!(n.c, NetCounters::default());
}

#[test]
fn rings_and_buffers_in_different_address_spaces() {
    // The rings live in one memory, the buffers in another: every ring
    // access must go to `ring`, every buffer access to `bufs`.
    let mut ring_mem = TestMem::new(1 << 20);
    let mut buf_mem = TestMem::new(1 << 20);
    let mut tx = Ring::new(8, 0x4000);
    let mut rx = Ring::new(8, 0x1000);
    let (mut txq, mut rxq) = (tx.queue(0, false), rx.queue(0, false));
    let f = frame(MAC, 30);
    buf_mem.poke(0x20000, &f);
    tx.add(&mut ring_mem, &[(0x20000, f.len() as u32, false)]);
    rx.add(&mut ring_mem, &[(0x30000, 2048, true)]);
    let mut chains = [Chain::new(), Chain::new()];
    let (ctx, crx) = chains.split_at_mut(1);
    let mut buf = vec![0; TX_BUF_LEN];
    let mut c = NetCounters::default();
    let r = tx_one(
        &mut ring_mem,
        &mut buf_mem,
        &mut txq,
        &mut rxq,
        &mut ctx[0],
        &mut crx[0],
        &mut buf,
        HDR,
        &MAC,
        &mut c,
    );
    assert_eq!(r.outcome, TxOutcome::Looped);
    assert_eq!(buf_mem.peek(0x30000, f.len()), f);
    assert_eq!(rx.take_used(&ring_mem).unwrap().1, f.len() as u32);
    assert_eq!(buf_mem.get_u16(rx.used + 2), 0);

    let mut cvq = Ring::new(8, 0x7000);
    let mut cq = cvq.queue(0, false);
    buf_mem.poke(0x40000, &[1, 1, 9, 8, 7, 6, 5, 4]);
    cvq.add(&mut ring_mem, &[(0x40000, 8, false), (0x40100, 1, true)]);
    let mut mac = MAC;
    let mut run = CvqRun::new();
    let done = cvq_one(
        &mut ring_mem,
        &mut buf_mem,
        &mut cq,
        &mut ctx[0],
        &mut run,
        &mut mac,
        &mut c,
    );
    assert_eq!(done, Ok(true));
    assert_eq!(mac, [9, 8, 7, 6, 5, 4]);
    assert_eq!(buf_mem.peek(0x40100, 1), [CTRL_OK]);
    assert_eq!(cvq.take_used(&ring_mem), Some((0, 1)));
}
