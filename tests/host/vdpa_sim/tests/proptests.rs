// SPDX-License-Identifier: GPL-2.0

//! Property tests: the ring walker on random guest memory, and the IOTLB
//! against a naive model.

use alloc::vec::Vec;

use proptest::prelude::*;

use crate::helpers::{Rec, Ring, TestMem};
use crate::logic::iova_map::{Access, Entry, IovaMap, MapError, Piece, PERM_RO, PERM_WO};
use crate::logic::vring::{Chain, SplitQueue, MAX_CHAIN};

const PAGE: u64 = 0x1000;
const PAGES: u64 = 16;
const RAM: u64 = PAGE * PAGES;
const DESC: u64 = 0x0000;
const AVAIL: u64 = 0x1000;
const USED: u64 = 0x2000;
const TABLE: u64 = 0x3000;

#[derive(Clone, Debug)]
struct RawDesc {
    addr: u64,
    len: u32,
    flags: u16,
    next: u16,
}

fn raw_desc() -> impl Strategy<Value = RawDesc> {
    let addr = prop_oneof![
        6 => 0..RAM,
        2 => Just(TABLE),
        1 => any::<u64>(),
        1 => (u64::MAX - 64)..=u64::MAX,
    ];
    let len = prop_oneof![
        6 => 0u32..128,
        2 => (0u32..20).prop_map(|k| k * 16),
        1 => any::<u32>(),
    ];
    let flags = prop_oneof![6 => 0u16..4, 1 => Just(4u16), 1 => 0u16..8, 1 => any::<u16>()];
    let next = prop_oneof![6 => 0u16..4, 4 => 0u16..20, 1 => any::<u16>()];
    (addr, len, flags, next).prop_map(|(addr, len, flags, next)| RawDesc {
        addr,
        len,
        flags,
        next,
    })
}

/// A mapped region of the model: pages `[page, page + n)`, identity.
#[derive(Clone, Copy, Debug)]
struct Region {
    page: u64,
    n: u64,
    perm: u8,
}

#[derive(Clone, Debug)]
struct RingCase {
    num_log2: u32,
    descs: Vec<RawDesc>,
    table: Vec<RawDesc>,
    heads: Vec<u16>,
    last_avail: u16,
    ahead: u16,
    event_idx: bool,
    flags: u16,
    noise: Vec<u8>,
    regions: Option<Vec<Region>>,
    skips: Vec<u16>,
    /// Mostly sane: heads below num, avail.idx at most num + 1 ahead, the
    /// ring pages mapped read-write.
    tame: bool,
}

fn ring_case() -> impl Strategy<Value = RingCase> {
    let regions = prop::option::weighted(
        0.7,
        prop::collection::vec(
            (0..PAGES, 1..4u64, 1u8..=3).prop_map(|(page, n, perm)| Region { page, n, perm }),
            0..8,
        ),
    );
    (
        0u32..5,
        prop::collection::vec(raw_desc(), 16),
        prop::collection::vec(raw_desc(), 0..24),
        prop::collection::vec(prop_oneof![8 => 0u16..16, 1 => any::<u16>()], 16),
        any::<u16>(),
        prop_oneof![8 => 0u16..20, 1 => any::<u16>()],
        any::<bool>(),
        0u16..4,
        prop::collection::vec(any::<u8>(), 0..512),
        regions,
        prop::collection::vec(any::<u16>(), 8),
        prop::bool::weighted(0.85),
    )
        .prop_map(
            |(
                num_log2,
                descs,
                table,
                heads,
                last_avail,
                ahead,
                event_idx,
                flags,
                noise,
                regions,
                skips,
                tame,
            )| RingCase {
                num_log2,
                descs,
                table,
                heads,
                last_avail,
                ahead,
                event_idx,
                flags,
                noise,
                regions,
                skips,
                tame,
            },
        )
}

fn put_raw(mem: &mut TestMem, table: u64, i: usize, d: &RawDesc) {
    Ring::put_desc(mem, table, i as u16, d.addr, d.len, d.flags, d.next);
}

/// Whether every byte of `r` lies in a model region allowing its access.
fn covered(regions: &[Region], r: &Rec) -> bool {
    let need = match r.access {
        Access::Read => PERM_RO,
        Access::Write => PERM_WO,
    };
    let mut pos = r.iova;
    let Some(end) = r.iova.checked_add(r.len) else {
        return false;
    };
    while pos < end {
        let Some(reg) = regions
            .iter()
            .find(|g| g.perm & need != 0 && g.page * PAGE <= pos && pos < (g.page + g.n) * PAGE)
        else {
            return false;
        };
        pos = (reg.page + reg.n) * PAGE;
    }
    true
}

fn run_ring_case(case: &RingCase) -> Result<(), TestCaseError> {
    let num: u16 = 1 << case.num_log2;
    let mut mem = TestMem::new(RAM as usize);
    // Random bytes under everything, then the generated structures.
    for (k, b) in case.noise.iter().enumerate() {
        mem.ram[(k * 131) % RAM as usize] = *b;
    }
    for (i, d) in case.descs.iter().enumerate().take(usize::from(num)) {
        put_raw(&mut mem, DESC, i, d);
    }
    for (i, d) in case.table.iter().enumerate() {
        put_raw(&mut mem, TABLE, i, d);
    }
    mem.put_u16(AVAIL, case.flags);
    let ahead = if case.tame {
        case.ahead % (num + 2)
    } else {
        case.ahead
    };
    mem.put_u16(AVAIL + 2, case.last_avail.wrapping_add(ahead));
    for k in 0..num {
        let slot = case.last_avail.wrapping_add(k) % num;
        let head = case.heads[usize::from(k % 16)];
        let head = if case.tame { head % num } else { head };
        mem.put_u16(AVAIL + 4 + 2 * u64::from(slot), head);
    }
    // Model regions; the ones the map refuses (overlaps) are left out.
    let mut model = Vec::new();
    if let Some(regions) = &case.regions {
        mem.map.clear();
        let ring = Region {
            page: 0,
            n: 4,
            perm: 3,
        };
        let tame = case.tame.then_some(&ring);
        for g in tame.into_iter().chain(regions.iter()) {
            let start = g.page * PAGE;
            let last = (g.page + g.n).min(PAGES) * PAGE - 1;
            if mem.map.add(start, last, start, g.perm).is_ok() {
                model.push(Region {
                    page: g.page,
                    n: (last + 1) / PAGE - g.page,
                    perm: g.perm,
                });
            }
        }
    } else {
        model.push(Region {
            page: 0,
            n: PAGES,
            perm: 3,
        });
    }
    mem.start_log();

    let mut q = SplitQueue::new(num, DESC, AVAIL, USED, case.last_avail, case.event_idx).unwrap();
    let mut chain = [Chain::new()];
    let c = &mut chain[0];
    let mut buf = [0u8; 300];
    for step in 0..(usize::from(num) * 2 + 4) {
        let before = mem.ops;
        let popped = q.pop(&mut mem, c);
        // A pop reads at most: avail.idx, the head, one descriptor per
        // table entry visited (ring + indirect table), avail_event.
        prop_assert!(mem.ops - before <= 4 + u64::from(num) + MAX_CHAIN as u64);
        match popped {
            Ok(true) => {}
            Ok(false) | Err(_) => break,
        }
        let segs = c.segs();
        prop_assert!(segs.len() <= MAX_CHAIN && !segs.is_empty());
        let first_w = segs.iter().position(|s| s.write).unwrap_or(segs.len());
        prop_assert!(segs[first_w..].iter().all(|s| s.write));
        prop_assert_eq!(c.readable().len(), first_w);
        let rl: u64 = c.readable().iter().map(|s| u64::from(s.len)).sum();
        let wl: u64 = c.writable().iter().map(|s| u64::from(s.len)).sum();
        prop_assert_eq!(rl, c.readable_len());
        prop_assert_eq!(wl, c.writable_len());
        let skip = u64::from(case.skips[step % 8] % 64);
        if let Ok(n) = c.read(&mut mem, skip, &mut buf) {
            prop_assert!(n as u64 <= rl.saturating_sub(skip));
            prop_assert!(n == buf.len() || n as u64 == rl.saturating_sub(skip));
        }
        if let Ok(n) = c.write(&mut mem, skip, &buf[..100]) {
            prop_assert!(n as u64 <= wl.saturating_sub(skip));
        }
        let _ = q.push_used(&mut mem, c.head(), 7);
        let _ = q.needs_notify(&mut mem);
    }
    let _ = q.has_avail(&mut mem);
    for r in mem.log.as_ref().unwrap() {
        prop_assert!(covered(&model, r), "access outside the mapping: {:?}", r);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn ring_walker_is_bounded_and_stays_in_mappings(case in ring_case()) {
        run_ring_case(&case)?;
    }
}

// ---------------------------------------------------------------------------
// IOTLB against a naive model.

#[derive(Clone, Debug)]
enum Op {
    Add(u64, u64, u64, u8),
    Del(u64, u64),
    Clear,
    Pass,
    Replace(Vec<(u64, u64, u64, u8)>),
}

fn small_addr() -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => 0u64..0x400,
        1 => (u64::MAX - 0x400)..=u64::MAX,
        1 => Just(0u64),
    ]
}

fn range() -> impl Strategy<Value = (u64, u64)> {
    (
        small_addr(),
        prop_oneof![8 => 0u64..0x80, 1 => any::<u64>()],
    )
        .prop_map(|(s, n)| (s, s.saturating_add(n)))
}

fn entry() -> impl Strategy<Value = (u64, u64, u64, u8)> {
    (
        range(),
        prop_oneof![4 => 0u64..0x10000, 1 => any::<u64>()],
        0u8..5,
    )
        .prop_map(|((s, l), a, p)| (s, l, a, p))
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => entry().prop_map(|(s, l, a, p)| Op::Add(s, l, a, p)),
        1 => (any::<u64>(), 0u8..5).prop_map(|(a, p)| Op::Add(0, u64::MAX, a >> 1 & 0xff, p)),
        1 => (small_addr(), small_addr()).prop_map(|(s, l)| Op::Add(s, l, 0, 3)),
        3 => range().prop_map(|(s, l)| Op::Del(s, l)),
        1 => (small_addr(), small_addr()).prop_map(|(s, l)| Op::Del(s, l)),
        1 => Just(Op::Clear),
        1 => Just(Op::Pass),
        1 => prop::collection::vec(entry(), 0..6).prop_map(Op::Replace),
    ]
}

/// The obvious implementation: an unsorted list, linear scans.
struct Model {
    pass: bool,
    list: Vec<Entry>,
    limit: usize,
}

impl Model {
    fn add_one(&mut self, e: Entry) -> Result<(), MapError> {
        if self.list.len() >= self.limit {
            return Err(MapError::NoSpace);
        }
        if self
            .list
            .iter()
            .any(|x| x.start <= e.last && e.start <= x.last)
        {
            return Err(MapError::Exists);
        }
        self.list.push(e);
        Ok(())
    }

    fn add(&mut self, s: u64, l: u64, a: u64, p: u8) -> Result<(), MapError> {
        if self.pass {
            self.pass = false;
            self.list.clear();
        }
        if l < s || !(1..=3).contains(&p) {
            return Err(MapError::Invalid);
        }
        if s == 0 && l == u64::MAX {
            let mid = u64::MAX / 2;
            if self.limit < 2 || self.list.len() + 2 > self.limit {
                return Err(MapError::NoSpace);
            }
            let hi = (a as u128) + (mid as u128) + 1;
            if hi + (mid as u128) > u64::MAX as u128 {
                return Err(MapError::Invalid);
            }
            self.add_one(Entry {
                start: 0,
                last: mid,
                addr: a,
                perm: p,
            })?;
            return self.add_one(Entry {
                start: mid + 1,
                last: l,
                addr: hi as u64,
                perm: p,
            });
        }
        if (a as u128) + ((l - s) as u128) > u64::MAX as u128 {
            return Err(MapError::Invalid);
        }
        self.add_one(Entry {
            start: s,
            last: l,
            addr: a,
            perm: p,
        })
    }

    fn translate(&self, iova: u64, len: u64, access: Access) -> Option<Piece> {
        if len == 0 {
            return None;
        }
        if self.pass {
            let room = (u64::MAX - iova) as u128 + 1;
            return Some(Piece {
                addr: iova,
                len: (len as u128).min(room) as u64,
            });
        }
        let e = self
            .list
            .iter()
            .find(|e| e.start <= iova && iova <= e.last)?;
        let need = if access == Access::Read {
            PERM_RO
        } else {
            PERM_WO
        };
        if e.perm & need == 0 {
            return None;
        }
        let addr = e.addr as u128 + (iova - e.start) as u128;
        let n = (len as u128).min((e.last - iova) as u128 + 1);
        if addr + n - 1 > u64::MAX as u128 {
            return None;
        }
        Some(Piece {
            addr: addr as u64,
            len: n as u64,
        })
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn iova_map_matches_model(
        limit in 0usize..8,
        ops in prop::collection::vec(op(), 0..24),
        probes in prop::collection::vec((small_addr(), prop_oneof![0u64..0x100, Just(u64::MAX)], any::<bool>()), 16),
    ) {
        let mut m = IovaMap::new(Vec::new(), limit);
        let mut model = Model { pass: true, list: Vec::new(), limit };
        for op in &ops {
            let g = m.generation();
            match op {
                Op::Add(s, l, a, p) => prop_assert_eq!(m.add(*s, *l, *a, *p), model.add(*s, *l, *a, *p)),
                Op::Del(s, l) => {
                    let want = if model.pass { model.pass = false; model.list.clear(); true } else { false };
                    let before = model.list.len();
                    let r = if l < s { Err(MapError::Invalid) } else {
                        model.list.retain(|e| !(e.start <= *l && *s <= e.last));
                        Ok(())
                    };
                    prop_assert_eq!(m.del(*s, *l), r);
                    if want || model.list.len() != before {
                        prop_assert_ne!(m.generation(), g);
                    }
                }
                Op::Clear => { m.clear(); model.pass = false; model.list.clear(); }
                Op::Pass => { m.set_passthrough(); model.pass = true; model.list.clear(); }
                Op::Replace(list) => {
                    model.pass = false;
                    model.list.clear();
                    let mut r = Ok(());
                    for (s, l, a, p) in list {
                        if let Err(e) = model.add(*s, *l, *a, *p) {
                            model.list.clear();
                            r = Err(e);
                            break;
                        }
                    }
                    let it = list.iter().map(|&(start, last, addr, perm)| Entry { start, last, addr, perm });
                    prop_assert_eq!(m.replace(it), r);
                }
            }
            prop_assert_eq!(m.is_passthrough(), model.pass);
            prop_assert_eq!(m.len(), model.list.len());
            let mut sorted = model.list.clone();
            sorted.sort_by_key(|e| e.start);
            prop_assert_eq!(m.entries(), &sorted[..]);
            prop_assert!(m.len() <= limit);
        }
        for (iova, len, w) in &probes {
            let access = if *w { Access::Write } else { Access::Read };
            prop_assert_eq!(m.translate(*iova, *len, access), model.translate(*iova, *len, access));
            for e in model.list.iter() {
                prop_assert_eq!(m.translate(e.start, *len, access), model.translate(e.start, *len, access));
                prop_assert_eq!(m.translate(e.last, *len, access), model.translate(e.last, *len, access));
            }
        }
    }
}
