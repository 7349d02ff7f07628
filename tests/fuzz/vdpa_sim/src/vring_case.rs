// SPDX-License-Identifier: GPL-2.0

//! One fuzz case: a guest RAM image and ring parameters, run through the
//! split-ring walker and, by mode, the blk or net handlers. Panics when an
//! invariant breaks.
//!
//! Shared by the cargo-fuzz target (`tests/fuzz/vdpa_sim`) and the stable
//! replay test of the host crate (`tests/host/vdpa_sim`); both crates
//! declare `crate::logic` and `crate::helpers`.
//!
//! Input layout:
//! * byte 0: bits 0-2 ring size log2 (mod 6), bits 3-4 mode (0 raw ring
//!   operations, 1 blk requests, 2 net TX->RX, 3 net CVQ), bit 5 EVENT_IDX,
//!   bit 6 "tame" (heads below num, avail.idx at most num + 1 ahead, ring
//!   pages mapped), bit 7 pass-through;
//! * bytes 1-2: the device's `last_avail`, little-endian;
//! * byte 3: number of mapped regions (mod 8), then 3 bytes each: first page
//!   (mod 16), pages - 1 (mod 4), permission (mod 3, + 1);
//! * the rest: the RAM image from address 0 (64 KiB, zero-padded).
//!
//! Rings: descriptor table at 0x0, avail at 0x1000, used at 0x2000 (for net
//! TX and the CVQ); net RX at 0x4000 / 0x5000 / 0x6000.

use alloc::vec;
use alloc::vec::Vec;

use crate::helpers::{with_views, Rec, TestMem};
use crate::logic::blk;
use crate::logic::iova_map::{Access, PERM_RO, PERM_WO};
use crate::logic::net;
use crate::logic::vring::{Chain, SplitQueue, MAX_CHAIN};

const PAGE: u64 = 0x1000;
const PAGES: u64 = 16;
const RAM: usize = (PAGE * PAGES) as usize;
const DESC: u64 = 0x0;
const AVAIL: u64 = 0x1000;
const USED: u64 = 0x2000;
const RX_DESC: u64 = 0x4000;
const RX_AVAIL: u64 = 0x5000;
const RX_USED: u64 = 0x6000;
const BLK_SECTORS: u64 = 64;

/// A mapped identity region of the model: pages `[page, page + n)`.
#[derive(Clone, Copy, Debug)]
struct Region {
    page: u64,
    n: u64,
    perm: u8,
}

/// Whether every byte of `r` lies in a region allowing its access.
fn covered(regions: &[Region], r: &Rec) -> bool {
    let need = match r.access {
        Access::Read => PERM_RO,
        Access::Write => PERM_WO,
    };
    let Some(end) = r.iova.checked_add(r.len) else {
        return false;
    };
    let mut pos = r.iova;
    while pos < end {
        let Some(g) = regions
            .iter()
            .find(|g| g.perm & need != 0 && g.page * PAGE <= pos && pos < (g.page + g.n) * PAGE)
        else {
            return false;
        };
        pos = (g.page + g.n) * PAGE;
    }
    true
}

fn get(data: &[u8], i: usize) -> u8 {
    data.get(i).copied().unwrap_or(0)
}

/// Makes the avail ring at `avail` mostly valid for a ring of `num`.
fn tame_ring(mem: &mut TestMem, avail: u64, num: u16, last_avail: u16) {
    let idx = mem.get_u16(avail + 2);
    let ahead = idx.wrapping_sub(last_avail) % (num + 2);
    mem.put_u16(avail + 2, last_avail.wrapping_add(ahead));
    for slot in 0..u64::from(num) {
        let at = avail + 4 + 2 * slot;
        let head = mem.get_u16(at) % num;
        mem.put_u16(at, head);
    }
}

/// Checks what a pop must guarantee about the chain it returned.
fn check_chain(c: &Chain) {
    let segs = c.segs();
    assert!(!segs.is_empty() && segs.len() <= MAX_CHAIN);
    let first_w = segs.iter().position(|s| s.write).unwrap_or(segs.len());
    assert!(segs[first_w..].iter().all(|s| s.write));
    assert_eq!(c.readable().len(), first_w);
    assert_eq!(c.writable().len(), segs.len() - first_w);
    let rl: u64 = c.readable().iter().map(|s| u64::from(s.len)).sum();
    let wl: u64 = c.writable().iter().map(|s| u64::from(s.len)).sum();
    assert_eq!(rl, c.readable_len());
    assert_eq!(wl, c.writable_len());
    for s in segs {
        if s.len > 0 {
            assert!(s.addr.checked_add(u64::from(s.len) - 1).is_some());
        }
    }
}

/// Pops from `q`, checking that the walk was bounded.
fn pop(mem: &mut TestMem, q: &mut SplitQueue, c: &mut Chain) -> bool {
    let before = mem.ops;
    let r = q.pop(mem, c);
    // avail.idx, the head, one read per descriptor visited (ring table plus
    // indirect table), avail_event.
    assert!(mem.ops - before <= 4 + u64::from(q.num()) + MAX_CHAIN as u64);
    let ok = r == Ok(true);
    if ok {
        check_chain(c);
    }
    ok
}

/// Runs one input (see the module doc for its layout).
pub(crate) fn run(data: &[u8]) {
    let b0 = get(data, 0);
    let num: u16 = 1 << ((b0 & 7) % 6);
    let mode = (b0 >> 3) & 3;
    let event_idx = b0 & 0x20 != 0;
    let tame = b0 & 0x40 != 0;
    let passthrough = b0 & 0x80 != 0;
    let last_avail = u16::from_le_bytes([get(data, 1), get(data, 2)]);
    let nreg = usize::from(get(data, 3) % 8);
    let img_start = 4 + 3 * nreg;

    let mut mem = TestMem::new(RAM);
    if let Some(img) = data.get(img_start..) {
        let n = img.len().min(RAM);
        mem.ram[..n].copy_from_slice(&img[..n]);
    }
    if tame {
        tame_ring(&mut mem, AVAIL, num, last_avail);
        tame_ring(&mut mem, RX_AVAIL, num, last_avail);
    }

    let mut model = Vec::new();
    if passthrough {
        model.push(Region {
            page: 0,
            n: PAGES,
            perm: 3,
        });
    } else {
        mem.map.clear();
        let mut wanted = Vec::new();
        if tame {
            wanted.push(Region {
                page: 0,
                n: 7,
                perm: 3,
            });
        }
        for k in 0..nreg {
            let at = 4 + 3 * k;
            wanted.push(Region {
                page: u64::from(get(data, at)) % PAGES,
                n: u64::from(get(data, at + 1) % 4) + 1,
                perm: get(data, at + 2) % 3 + 1,
            });
        }
        for g in wanted {
            let start = g.page * PAGE;
            let end = (g.page + g.n).min(PAGES);
            if mem.map.add(start, end * PAGE - 1, start, g.perm).is_ok() {
                model.push(Region {
                    page: g.page,
                    n: end - g.page,
                    perm: g.perm,
                });
            }
        }
    }
    mem.start_log();

    let mut q =
        SplitQueue::new(num, DESC, AVAIL, USED, last_avail, event_idx).expect("power of two");
    let mut chains = [Chain::new(), Chain::new()];
    let steps = usize::from(num) * 2 + 4;
    let skip = u64::from(mem.ram[0x3ff0]);

    match mode {
        0 => {
            let mut buf = vec![0u8; 512];
            for _ in 0..steps {
                let c = &mut chains[0];
                if !pop(&mut mem, &mut q, c) {
                    break;
                }
                let rl = c.readable_len();
                let wl = c.writable_len();
                if let Ok(n) = c.read(&mut mem, skip, &mut buf) {
                    assert!(n as u64 <= rl.saturating_sub(skip));
                    assert!(n == buf.len() || n as u64 == rl.saturating_sub(skip));
                }
                if let Ok(n) = c.write(&mut mem, skip, &buf[..200]) {
                    assert!(n as u64 <= wl.saturating_sub(skip));
                    assert!(n == 200 || n as u64 == wl.saturating_sub(skip));
                }
                let _ = q.push_used(&mut mem, c.head(), 7);
                let _ = q.needs_notify(&mut mem);
            }
        }
        1 => {
            let mut disk = vec![0u8; (BLK_SECTORS * blk::SECTOR_SIZE) as usize];
            for _ in 0..steps {
                let c = &mut chains[0];
                if !pop(&mut mem, &mut q, c) {
                    break;
                }
                let r = blk::handle(&mut mem, c, &mut disk, BLK_SECTORS).expect("blk never fails");
                assert!(u64::from(r.used_len) <= c.writable_len());
                let _ = q.push_used(&mut mem, c.head(), r.used_len);
                let _ = q.needs_notify(&mut mem);
                if r.stop {
                    break;
                }
            }
        }
        2 => {
            let mut rxq = SplitQueue::new(num, RX_DESC, RX_AVAIL, RX_USED, last_avail, event_idx)
                .expect("power of two");
            let mut buf = vec![0u8; net::TX_BUF_LEN];
            let mut c = net::NetCounters::default();
            let mac = [mem.ram[0x3ff1], 0, 1, 2, 3, 4];
            let (ctx, crx) = chains.split_at_mut(1);
            for _ in 0..steps {
                let r = with_views(&mut mem, |ring, bufs| {
                    let hdr = net::NET_HDR_LEN_V1;
                    let (tx, rx) = (&mut ctx[0], &mut crx[0]);
                    net::tx_one(
                        ring, bufs, &mut q, &mut rxq, tx, rx, &mut buf, hdr, &mac, &mut c,
                    )
                });
                if r.tx_used {
                    let _ = q.needs_notify(&mut mem);
                }
                if r.rx_used {
                    let _ = rxq.needs_notify(&mut mem);
                }
                match r.outcome {
                    net::TxOutcome::Looped | net::TxOutcome::Dropped => {}
                    _ => break,
                }
            }
            assert!(c.rx_packets <= c.tx_packets);
            assert!(c.rx_bytes <= c.tx_bytes);
            assert!(c.tx_bytes <= c.tx_packets * net::TX_BUF_LEN as u64);
        }
        _ => {
            let mut run = net::CvqRun::new();
            let mut mac = [0u8; 6];
            let mut c = net::NetCounters::default();
            for _ in 0..steps {
                let chain = &mut chains[0];
                let r = with_views(&mut mem, |ring, bufs| {
                    net::cvq_one(ring, bufs, &mut q, chain, &mut run, &mut mac, &mut c)
                });
                match r {
                    Ok(true) => {}
                    _ => break,
                }
            }
            assert_eq!(c.cvq_requests, c.cvq_successes + c.cvq_errors);
        }
    }
    let _ = q.has_avail(&mut mem);

    for r in mem.log.as_ref().expect("logging on") {
        assert!(covered(&model, r), "access outside the mapping: {r:?}");
    }
}
