// SPDX-License-Identifier: GPL-2.0

//! Property tests of the MR layout on random IOTLBs: unaligned IOVAs and
//! PAs, holes of more than 1 and 4 GiB, regions of more than 1 GiB, and
//! IOTLBs ending at the top of the 64-bit space. Translations are checked
//! end to end against the IOTLB itself (`model`), counts and validation
//! against naive models written here.

use alloc::vec::Vec;

use proptest::prelude::*;

use crate::logic::mr_layout::*;
use crate::model::{reference, Device, Target};

const G1: u64 = 1 << 30;
const G4: u64 = 1 << 32;

/// How an entry's PA is chosen.
#[derive(Clone, Debug)]
enum Pa {
    /// Random, aligned to 2^max(log, granule).
    Aligned { seed: u64, log: u32 },
    /// Right after the previous entry's PA range (physically contiguous).
    Follow,
    /// As high as the range allows (ends within one granule of 2^64).
    Top,
    /// Any byte (only with a 1-byte granule; else aligned to it).
    Any(u64),
}

/// One entry to generate.
#[derive(Clone, Debug)]
struct Item {
    /// Bytes of hole before it (not before the first).
    gap: u64,
    /// Length in granules.
    units: u64,
    pa: Pa,
    perm: u32,
}

/// Where the IOTLB sits in the IOVA space.
#[derive(Clone, Debug)]
enum Base {
    Zero,
    At(u64),
    /// The last entry ends at `u64::MAX`.
    Top,
}

/// A random IOTLB: entries of lengths that are multiples of 2^`log_gran`
/// bytes (which keeps the MTT lists of the device model small), with
/// PAs at least that aligned unless the granule is 1 byte.
#[derive(Clone, Debug)]
struct Spec {
    log_gran: u32,
    base: Base,
    items: Vec<Item>,
}

fn gap() -> impl Strategy<Value = u64> {
    prop_oneof![
        5 => Just(0u64),
        2 => 1u64..=0x1_0000,
        1 => (G1 - 2)..=(G1 + 2),
        1 => (G4 - 1)..=(G4 + 1),
        1 => (G4 + 2)..(1u64 << 40),
    ]
}

fn units(log_gran: u32) -> BoxedStrategy<u64> {
    match log_gran {
        0 => (1u64..=4096).boxed(),
        // Up to a little over 1 GiB: at least 4 KiB pages, so at most 2^18
        // MTT entries per MR.
        12 => prop_oneof![6 => 1u64..=512, 1 => ((1u64 << 18) - 2)..=((1u64 << 18) + 300)].boxed(),
        // Up to 3.1 GiB.
        _ => prop_oneof![3 => 1u64..=16, 1 => 500u64..=1600].boxed(),
    }
}

fn pa() -> impl Strategy<Value = Pa> {
    prop_oneof![
        4 => (any::<u64>(), prop_oneof![Just(0u32), Just(12), Just(21), Just(30)])
            .prop_map(|(seed, log)| Pa::Aligned { seed, log }),
        3 => Just(Pa::Follow),
        1 => Just(Pa::Top),
        2 => any::<u64>().prop_map(Pa::Any),
    ]
}

fn perm() -> impl Strategy<Value = u32> {
    prop_oneof![4 => Just(3u32), 1 => Just(1u32), 1 => Just(2u32)]
}

fn spec() -> impl Strategy<Value = Spec> {
    prop_oneof![Just(0u32), Just(12u32), Just(21u32)].prop_flat_map(|log_gran| {
        let item = (gap(), units(log_gran), pa(), perm())
            .prop_map(|(gap, units, pa, perm)| Item { gap, units, pa, perm });
        let base = prop_oneof![
            1 => Just(Base::Zero),
            2 => (0u64..(1 << 56)).prop_map(Base::At),
            1 => Just(Base::Top),
        ];
        (base, proptest::collection::vec(item, 1..=8)).prop_map(move |(base, items)| Spec {
            log_gran,
            base,
            items,
        })
    })
}

/// The entries of `spec`: sorted, non-overlapping, valid.
fn build(spec: &Spec) -> Vec<Entry> {
    let g = 1u64 << spec.log_gran;
    let mut out: Vec<Entry> = Vec::new();
    let mut next = 0u64;
    for (i, it) in spec.items.iter().enumerate() {
        let start = next + if i == 0 { 0 } else { it.gap };
        let len = it.units * g;
        let aligned = |seed: u64, log: u32| {
            let a = log.max(spec.log_gran);
            (seed % (1u64 << 50)) & !((1u64 << a) - 1)
        };
        let pa = match it.pa {
            Pa::Aligned { seed, log } => aligned(seed, log),
            Pa::Follow => match out.last() {
                Some(p) => p.pa.saturating_add(p.last - p.start + 1).min((u64::MAX - (len - 1)) & !(g - 1)),
                None => 0,
            },
            Pa::Top => (u64::MAX - (len - 1)) & !(g - 1),
            Pa::Any(x) if spec.log_gran == 0 => x % (1u64 << 50),
            Pa::Any(x) => aligned(x, 0),
        };
        out.push(Entry {
            start,
            last: start + (len - 1),
            pa,
            perm: it.perm,
        });
        next = start + len;
    }
    let shift = match spec.base {
        Base::Zero => 0,
        Base::At(b) => b,
        Base::Top => u64::MAX - out.last().map_or(0, |e| e.last),
    };
    for e in &mut out {
        e.start += shift;
        e.last += shift;
    }
    out
}

/// `samples` spread over `first..=last`.
fn spread(first: u64, last: u64, samples: &[u64]) -> impl Iterator<Item = u64> + '_ {
    let span = u128::from(last - first) + 1;
    samples
        .iter()
        .map(move |&s| first + u64::try_from(u128::from(s) % span).unwrap())
}

/// Naive regions: (start, last, perm).
fn model_regions(entries: &[Entry]) -> Vec<(u64, u64, u32)> {
    let mut out: Vec<(u64, u64, u32)> = Vec::new();
    for e in entries {
        match out.last_mut() {
            Some(r) if u128::from(r.1) + 1 == u128::from(e.start) && r.2 == e.perm => r.1 = e.last,
            _ => out.push((e.start, e.last, e.perm)),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(192))]

    #[test]
    fn mapped_iovas_resolve_to_their_pa(s in spec(), samples in proptest::collection::vec(any::<u64>(), 8)) {
        let entries = build(&s);
        let l = Layout::new(&entries).unwrap();
        let dev = Device::build(&l);
        for e in &entries {
            let iovas = [e.start, e.last].into_iter().chain(spread(e.start, e.last, &samples));
            for iova in iovas {
                let want = reference(&entries, iova);
                prop_assert_eq!(want, Target::Mapped { pa: e.pa + (iova - e.start), perm: e.perm });
                prop_assert_eq!(dev.resolve(iova), Ok(want), "iova {:#x}", iova);
            }
        }
        // And anywhere in the span, holes included.
        for iova in spread(l.start(), l.last(), &samples) {
            prop_assert_eq!(dev.resolve(iova), Ok(reference(&entries, iova)), "iova {:#x}", iova);
        }
    }

    #[test]
    fn hole_iovas_resolve_to_the_null_mkey(s in spec(), samples in proptest::collection::vec(any::<u64>(), 8)) {
        let entries = build(&s);
        let l = Layout::new(&entries).unwrap();
        let dev = Device::build(&l);
        for w in entries.windows(2) {
            if w[1].start - w[0].last < 2 {
                continue;
            }
            let (first, last) = (w[0].last + 1, w[1].start - 1);
            let iovas = [first, last].into_iter().chain(spread(first, last, &samples));
            for iova in iovas {
                prop_assert_eq!(reference(&entries, iova), Target::Null);
                prop_assert_eq!(dev.resolve(iova), Ok(Target::Null), "iova {:#x}", iova);
            }
        }
        if let Some(before) = l.start().checked_sub(1) {
            prop_assert_eq!(dev.resolve(before), Ok(Target::Outside));
        }
        if let Some(after) = l.last().checked_add(1) {
            prop_assert_eq!(dev.resolve(after), Ok(Target::Outside));
        }
    }

    #[test]
    fn direct_mrs_and_klms_stay_within_1gib(s in spec()) {
        let entries = build(&s);
        let l = Layout::new(&entries).unwrap();
        for d in l.directs() {
            prop_assert!(d.len() >= 1 && d.len() <= MAX_KLM_SIZE);
            prop_assert_eq!(u64::from(d.bcount()), d.len());
            prop_assert_eq!(d.last() - d.start() + 1, d.len());
        }
        for k in l.klms() {
            prop_assert!(k.bcount >= 1 && u64::from(k.bcount) <= MAX_KLM_SIZE);
        }
    }

    #[test]
    fn unaligned_starts_keep_their_offset(s in spec()) {
        let entries = build(&s);
        let l = Layout::new(&entries).unwrap();
        let dev = Device::build(&l);
        for d in l.directs() {
            // The MR's first byte is in the entry that covers it, at its
            // offset into that entry, whatever the alignments.
            let Target::Mapped { pa, .. } = reference(&entries, d.start()) else {
                return Err(TestCaseError::fail("MR start unmapped"));
            };
            let first = d.pieces().next().unwrap();
            prop_assert_eq!(first.iova, d.start());
            prop_assert_eq!(first.pa, pa);
            let mask = (1u64 << d.log_page_size()) - 1;
            prop_assert_eq!(d.mtts().next(), Some(pa & !mask));
            for iova in [d.start(), d.last()] {
                prop_assert_eq!(dev.resolve(iova), Ok(reference(&entries, iova)), "iova {:#x}", iova);
            }
        }
    }

    #[test]
    fn klms_tile_the_span(s in spec()) {
        let entries = build(&s);
        let l = Layout::new(&entries).unwrap();
        let klms: Vec<Klm> = l.klms().collect();
        let directs: Vec<DirectMr<'_>> = l.directs().collect();
        prop_assert_eq!(klms.first().map(|k| k.start), Some(l.start()));
        prop_assert_eq!(klms.last().map(|k| k.last()), Some(l.last()));
        for w in klms.windows(2) {
            prop_assert_eq!(w[0].last().checked_add(1), Some(w[1].start));
        }
        let total: u64 = klms.iter().map(|k| u64::from(k.bcount)).sum();
        prop_assert_eq!(total, l.len());
        // The direct MRs appear once each, in order, with their ranges;
        // the null entries are exactly the holes between entries.
        let named: Vec<u32> = klms.iter().filter_map(|k| match k.key {
            KlmKey::Direct(i) => Some(i),
            KlmKey::Null => None,
        }).collect();
        prop_assert_eq!(named, (0..directs.len() as u32).collect::<Vec<_>>());
        for k in &klms {
            match k.key {
                KlmKey::Direct(i) => {
                    let d = &directs[i as usize];
                    prop_assert_eq!((k.start, k.bcount), (d.start(), d.bcount()));
                }
                KlmKey::Null => {
                    prop_assert_eq!(reference(&entries, k.start), Target::Null);
                    prop_assert_eq!(reference(&entries, k.last()), Target::Null);
                }
            }
        }
    }

    #[test]
    fn counts_and_buffer_lengths_agree(s in spec()) {
        let entries = build(&s);
        let l = Layout::new(&entries).unwrap();
        let n = l.klms().count() as u64;
        prop_assert_eq!(u64::from(l.num_klms()), n);
        prop_assert_eq!(l.directs().count() as u64, u64::from(l.num_directs()));
        let oct = u64::from(l.indirect_octwords());
        prop_assert!(oct >= n && oct < n + 4 && oct % 4 == 0);
        prop_assert_eq!(l.indirect_inbox_len(), CREATE_MKEY_IN_LEN + oct as usize * KLM_ENTRY_LEN);
        prop_assert_eq!(Ok(l.indirect_inbox_len()), klm_inbox_len(n));
        for d in l.directs() {
            let mtts = d.mtts().count();
            prop_assert_eq!(mtts as u64, d.mtt_count());
            let len = d.inbox_len().unwrap();
            prop_assert_eq!(Ok(len), mtt_inbox_len(mtts as u64));
            let list = len - CREATE_MKEY_IN_LEN;
            prop_assert_eq!(list, d.octwords() as usize * OCTWORD_LEN);
            prop_assert!(list >= mtts * MTT_ENTRY_LEN && list - mtts * MTT_ENTRY_LEN < OCTWORD_LEN);
        }
    }

    #[test]
    fn page_size_is_the_largest_that_tiles(s in spec()) {
        let entries = build(&s);
        let l = Layout::new(&entries).unwrap();
        for d in l.directs() {
            let p = u32::from(d.log_page_size());
            prop_assert!(p <= LOG_MAX_KLM_SIZE);
            let page = 1u64 << p;
            // Exactly the entries overlapping the MR.
            let overlapping: Vec<Entry> = entries.iter()
                .filter(|e| e.start <= d.last() && e.last >= d.start()).copied().collect();
            prop_assert_eq!(d.entries(), &overlapping[..]);
            // The pieces tile the MR; each is divisible by the page, and
            // one more bit would not be (unless at the 1 GiB cap).
            let pieces: Vec<Piece> = d.pieces().collect();
            let mut next = d.start();
            let mut tighter = p == LOG_MAX_KLM_SIZE;
            for pc in &pieces {
                prop_assert_eq!(pc.iova, next);
                prop_assert_eq!(pc.len % page, 0);
                prop_assert_eq!(pc.pa % page, 0);
                tighter |= pc.len % (page << 1) != 0 || pc.pa % (page << 1) != 0;
                next = pc.iova.wrapping_add(pc.len);
            }
            prop_assert!(tighter, "page 2^{} is not the largest", p);
            prop_assert_eq!(next.wrapping_sub(1), d.last());
            // Each MTT page lies inside its piece, in order.
            let want: Vec<u64> = pieces.iter()
                .flat_map(|pc| (0..pc.len / page).map(move |k| pc.pa + k * page)).collect();
            prop_assert_eq!(d.mtts().collect::<Vec<_>>(), want);
        }
    }

    #[test]
    fn regions_and_directs_match_a_naive_model(s in spec()) {
        let entries = build(&s);
        let l = Layout::new(&entries).unwrap();
        let regions = model_regions(&entries);
        let got: Vec<(u64, u64, u32)> = l.regions().map(|r| (r.start, r.last, r.perm)).collect();
        prop_assert_eq!(&got, &regions);
        let mut cut = Vec::new();
        for &(start, last, perm) in &regions {
            let mut s = u128::from(start);
            while s <= u128::from(last) {
                let e = (s + u128::from(G1) - 1).min(u128::from(last));
                cut.push((s as u64, e as u64, perm));
                s = e + 1;
            }
        }
        let got: Vec<(u64, u64, u32)> = l.directs().map(|d| (d.start(), d.last(), d.perm())).collect();
        prop_assert_eq!(got, cut);
    }
}

/// Entries with arbitrary values: mostly bad, some valid with huge spans.
fn raw_entries() -> impl Strategy<Value = Vec<Entry>> {
    let sorted = proptest::collection::vec(
        (any::<u64>(), 0u32..64, any::<u64>(), 0u32..64, any::<u64>(), 0u32..4),
        0..6,
    )
    .prop_map(|v| {
        let mut next = 0u64;
        v.into_iter()
            .map(|(gap, gs, len, ls, pa, perm)| {
                let start = next.wrapping_add(gap >> gs);
                let last = start.wrapping_add(len >> ls);
                next = last.wrapping_add(1);
                Entry { start, last, pa: if pa & 1 == 0 { pa >> 20 } else { pa }, perm }
            })
            .collect()
    });
    let raw = proptest::collection::vec(
        (any::<u64>(), any::<u64>(), any::<u64>(), any::<u32>())
            .prop_map(|(start, last, pa, perm)| Entry { start, last, pa, perm }),
        0..4,
    );
    prop_oneof![3 => sorted, 1 => raw]
}

/// The validation and the KLM count, written from the contract in u128.
fn model_new(entries: &[Entry]) -> Result<u64, Error> {
    if entries.is_empty() {
        return Err(Error::Empty);
    }
    for (i, e) in entries.iter().enumerate() {
        if e.last < e.start {
            return Err(Error::BadRange(i));
        }
        if u128::from(e.pa) + u128::from(e.last - e.start) > u128::from(u64::MAX) {
            return Err(Error::PaOverflow(i));
        }
        if i > 0 && e.start <= entries[i - 1].last {
            return Err(Error::Unsorted(i));
        }
    }
    let g = u128::from(G1);
    let mut klms: u128 = 0;
    let regions = model_regions(entries);
    for (i, r) in regions.iter().enumerate() {
        let len = u128::from(r.1) - u128::from(r.0) + 1;
        klms += len.div_ceil(g);
        if i > 0 {
            let hole = u128::from(r.0) - u128::from(regions[i - 1].1) - 1;
            klms += hole.div_ceil(g);
        }
    }
    if klms > u128::from(MAX_KLMS) {
        return Err(Error::TooLarge);
    }
    Ok(klms as u64)
}

proptest! {
    #[test]
    fn validation_matches_a_model(entries in raw_entries()) {
        let got = Layout::new(&entries);
        let want = model_new(&entries);
        prop_assert_eq!(got.map(|l| u64::from(l.num_klms())), want);
        if let Ok(l) = got {
            if l.num_klms() <= 100_000 {
                prop_assert_eq!(l.klms().count(), l.num_klms() as usize);
                prop_assert_eq!(l.directs().count(), l.num_directs() as usize);
            }
        }
    }
}
