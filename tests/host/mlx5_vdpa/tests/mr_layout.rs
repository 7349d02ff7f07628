// SPDX-License-Identifier: GPL-2.0

//! Tests of `mlx5_vdpa/logic/mr_layout.rs` (contract E.1): the layout of
//! small IOTLBs written out by hand, one regression test per upstream fix,
//! and the error cases.

use alloc::vec::Vec;

use crate::logic::mr_layout::*;
use crate::model::{reference, Device, Target};

const K4: u64 = 1 << 12;
const M2: u64 = 1 << 21;
const G1: u64 = 1 << 30;
const G4: u64 = 1 << 32;

/// An RW entry of `len` bytes at `start`, translated to `pa`.
fn rw(start: u64, len: u64, pa: u64) -> Entry {
    Entry {
        start,
        last: start + (len - 1),
        pa,
        perm: VHOST_MAP_RO | VHOST_MAP_WO,
    }
}

/// The same with permission bits `perm`.
fn with_perm(mut e: Entry, perm: u32) -> Entry {
    e.perm = perm;
    e
}

fn klms(l: &Layout<'_>) -> Vec<Klm> {
    l.klms().collect()
}

fn directs<'a>(l: &Layout<'a>) -> Vec<DirectMr<'a>> {
    l.directs().collect()
}

/// Every IOVA in `iovas` resolves on the device as in the IOTLB.
fn assert_resolves(l: &Layout<'_>, iovas: &[u64]) {
    let dev = Device::build(l);
    for &iova in iovas {
        assert_eq!(
            dev.resolve(iova),
            Ok(reference(l.entries(), iova)),
            "iova {iova:#x}"
        );
    }
}

#[test]
fn constants_match_upstream() {
    assert_eq!(LOG_MAX_KLM_SIZE, 30);
    assert_eq!(MAX_KLM_SIZE, G1);
    // struct mlx5_ifc_create_mkey_in_bits: 0x320 + 0x560 bits before
    // klm_pas_mtt.
    assert_eq!(CREATE_MKEY_IN_LEN, (0x320 + 0x560) / 8);
    assert_eq!(MTT_ENTRY_LEN, 8);
    assert_eq!(KLM_ENTRY_LEN, 16);
    assert_eq!(OCTWORD_LEN, 16);
    assert_eq!(MAX_KLMS, 0xffff_fffc);
    assert_eq!(MIN_LOG_PAGE_SIZE, 12);
    assert_eq!(DIRECT_START_ADDR, 0);
}

#[test]
fn one_entry() {
    let e = [rw(0x1000, K4, 0x5000)];
    let l = Layout::new(&e).unwrap();
    assert_eq!((l.start(), l.last(), l.len()), (0x1000, 0x1fff, K4));
    assert_eq!((l.num_directs(), l.num_klms()), (1, 1));
    let r: Vec<Region<'_>> = l.regions().collect();
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].start, r[0].last, r[0].entries.len()), (0x1000, 0x1fff, 1));
    let d = directs(&l);
    assert_eq!(d.len(), 1);
    assert_eq!((d[0].index(), d[0].start(), d[0].len()), (0, 0x1000, K4));
    assert_eq!(d[0].log_page_size(), 12);
    assert_eq!(d[0].mkc_log_page_size(), Ok(12));
    assert_eq!(d[0].mtt_count(), 1);
    assert_eq!(d[0].mtts().collect::<Vec<_>>(), [0x5000]);
    assert!(d[0].local_read() && d[0].local_write());
    assert_eq!(
        klms(&l),
        [Klm {
            key: KlmKey::Direct(0),
            start: 0x1000,
            bcount: 0x1000
        }]
    );
    assert_eq!(l.indirect_octwords(), 4);
    assert_eq!(l.indirect_inbox_len(), CREATE_MKEY_IN_LEN + 64);
    assert_resolves(&l, &[0xfff, 0x1000, 0x1234, 0x1fff, 0x2000]);
}

#[test]
fn contiguous_entries_with_one_perm_merge() {
    // Contiguous in IOVA but not in PA: still one region, one direct MR.
    let e = [rw(0, M2, 0x4000_0000), rw(M2, M2, 0x8000_0000)];
    let l = Layout::new(&e).unwrap();
    assert_eq!(l.regions().count(), 1);
    let d = directs(&l);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].entries().len(), 2);
    assert_eq!(d[0].log_page_size(), 21);
    assert_eq!(d[0].mtts().collect::<Vec<_>>(), [0x4000_0000, 0x8000_0000]);
    assert_eq!(l.num_klms(), 1);
    assert_resolves(&l, &[0, M2 - 1, M2, 2 * M2 - 1]);
}

#[test]
fn perm_change_splits_regions_without_a_hole() {
    let e = [
        rw(0, K4, 0x10_0000),
        with_perm(rw(K4, K4, 0x11_0000), VHOST_MAP_RO),
    ];
    let l = Layout::new(&e).unwrap();
    assert_eq!(l.regions().count(), 2);
    let d = directs(&l);
    assert!(!d[1].local_write() && d[1].local_read());
    // No null entry between two contiguous regions.
    let k = klms(&l);
    assert_eq!(k.len(), 2);
    assert_eq!(l.num_klms(), 2);
    assert_eq!(k[0].key, KlmKey::Direct(0));
    assert_eq!(k[1].key, KlmKey::Direct(1));
    assert_eq!(k[1].start, K4);
}

#[test]
fn hole_splits_regions_and_takes_a_null_entry() {
    let e = [rw(0, K4, 0x10_0000), rw(3 * K4, K4, 0x11_0000)];
    let l = Layout::new(&e).unwrap();
    assert_eq!(l.regions().count(), 2);
    let k = klms(&l);
    assert_eq!(
        k,
        [
            Klm { key: KlmKey::Direct(0), start: 0, bcount: 0x1000 },
            Klm { key: KlmKey::Null, start: K4, bcount: 0x2000 },
            Klm { key: KlmKey::Direct(1), start: 3 * K4, bcount: 0x1000 },
        ]
    );
    assert_eq!(l.num_klms(), 3);
    assert_resolves(&l, &[0, K4 - 1, K4, 3 * K4 - 1, 3 * K4, 4 * K4 - 1]);
}

#[test]
fn region_over_1gib_is_cut_every_1gib_from_its_start() {
    // Region start not 1 GiB aligned: the cuts follow the region.
    let start = 0x20_0000;
    let e = [rw(start, 2 * G1 + G1 / 2, 0x1_0000_0000)];
    let l = Layout::new(&e).unwrap();
    let d = directs(&l);
    assert_eq!(d.len(), 3);
    assert_eq!(l.num_directs(), 3);
    for (i, m) in d.iter().enumerate() {
        assert_eq!(m.start(), start + i as u64 * G1);
    }
    assert_eq!([d[0].len(), d[1].len(), d[2].len()], [G1, G1, G1 / 2]);
    assert_eq!(l.num_klms(), 3);
}

/// "Fix PA offset with unaligned starting iotlb map" (6.13): a direct MR
/// that starts inside an entry starts at the entry's PA plus the offset.
#[test]
fn fix_pa_offset_with_unaligned_starting_iotlb_map() {
    let pa = 0x1_0000_0000;
    let e = [rw(0, 3 * G1, pa)];
    let l = Layout::new(&e).unwrap();
    let d = directs(&l);
    assert_eq!(d.len(), 3);
    for (i, m) in d.iter().enumerate() {
        let want = pa + i as u64 * G1;
        assert_eq!(m.pieces().next().unwrap().pa, want);
        // 6.12.0 started every MR of the entry at `pa`.
        assert_eq!(m.mtts().next(), Some(want), "MR {i}");
    }

    // The same with the region, and so the cut, not aligned in IOVA, and
    // the entry reaching into the second MR at an offset.
    let start = 0x1234_5000;
    let e = [rw(start, G1 + M2, 0x4_0000_0000)];
    let l = Layout::new(&e).unwrap();
    let d = directs(&l);
    assert_eq!(d[1].start(), start + G1);
    assert_eq!(d[1].mtts().collect::<Vec<_>>(), [0x4_0000_0000 + G1]);
    assert_resolves(&l, &[start, start + G1 - 1, start + G1, start + G1 + 0x1234]);
}

/// "Fix suboptimal range on iotlb iteration" (6.13): the page size depends
/// only on the entries overlapping the MR, clipped to it.
#[test]
fn fix_suboptimal_range_on_iotlb_iteration() {
    // A neighbour in the same region but in the next MR: a 4 KiB entry
    // must not shrink the first MR's 1 GiB page.
    let e = [rw(0, G1, 0), rw(G1, K4, 0x7000)];
    let l = Layout::new(&e).unwrap();
    let d = directs(&l);
    assert_eq!(d.len(), 2);
    assert_eq!(d[0].entries(), &e[..1]);
    assert_eq!(d[0].log_page_size(), 30);
    assert_eq!(d[0].mtt_count(), 1);
    assert_eq!(d[1].entries(), &e[1..]);
    assert_eq!(d[1].log_page_size(), 12);

    // One entry across the cut: each MR sees only its part of it (the
    // whole entry is 1 GiB + 4 KiB, which would give 4 KiB pages).
    let e = [rw(0, G1 + K4, 0)];
    let l = Layout::new(&e).unwrap();
    let d = directs(&l);
    assert_eq!(d[0].log_page_size(), 30);
    assert_eq!(d[0].mtts().collect::<Vec<_>>(), [0]);
    assert_eq!(d[1].log_page_size(), 12);
    assert_eq!(d[1].mtts().collect::<Vec<_>>(), [G1]);

    // Entries of other regions never count.
    let e = [rw(0, 3, 0x10_0001), rw(G1, M2, 0x20_0000)];
    let l = Layout::new(&e).unwrap();
    let d = directs(&l);
    assert_eq!(d[0].log_page_size(), 0);
    assert_eq!(d[1].log_page_size(), 21);
}

/// "Fix oversized null mkey longer than 32 bit" (6.15): a hole of more
/// than 1 GiB (and of 4 GiB or more, which a 32-bit count truncates) is
/// filled with null entries of at most 1 GiB, and the count used for the
/// buffer is the number of entries filled.
#[test]
fn fix_oversized_null_mkey_longer_than_32_bit() {
    for (hole, want) in [
        (1, [1].as_slice()),
        (G1, &[G1]),
        (G1 + 1, &[G1, 1]),
        (G4, &[G1, G1, G1, G1]),
        (5 * G1 + K4, &[G1, G1, G1, G1, G1, K4]),
    ] {
        let e = [rw(0, K4, 0x10_0000), rw(K4 + hole, K4, 0x20_0000)];
        let l = Layout::new(&e).unwrap();
        let k = klms(&l);
        let nulls: Vec<u64> = k
            .iter()
            .filter(|k| k.key == KlmKey::Null)
            .map(|k| u64::from(k.bcount))
            .collect();
        assert_eq!(nulls, want, "hole {hole:#x}");
        assert_eq!(nulls.iter().sum::<u64>(), hole);
        assert_eq!(l.num_klms() as usize, k.len());
        assert_eq!(l.num_klms() as usize, 2 + want.len());
        assert_eq!(
            l.indirect_inbox_len(),
            klm_inbox_len(k.len() as u64).unwrap()
        );
        assert_resolves(&l, &[K4 - 1, K4, K4 + hole / 2, K4 + hole - 1, K4 + hole]);
    }
}

/// "Fix buffer length in create_direct_keys()" (KASAN: 16-byte
/// out-of-bounds read in 6.12.0): the length sent is the inbox the driver
/// allocates, header plus the MTT list rounded to 16 bytes, not the
/// command memory with its 16-byte outbox.
#[test]
fn fix_buffer_length_in_create_direct_keys() {
    assert_eq!(mtt_inbox_len(1), Ok(0x120));
    assert_eq!(mtt_inbox_len(2), Ok(0x120));
    assert_eq!(mtt_inbox_len(3), Ok(0x130));
    assert_eq!(mtt_inbox_len(512), Ok(0x110 + 512 * 8));
    // 6.12.0 sent struct_size(cmd_mem, mtt, n), which counts the outbox.
    let outbox = 16;
    assert_ne!(mtt_inbox_len(1), Ok(outbox + 0x110 + 16));
    for n in [1u64, 2, 3, 7, 512, 513, 1 << 18] {
        let len = mtt_inbox_len(n).unwrap();
        let list = len - CREATE_MKEY_IN_LEN;
        // The entries written fit, with at most one zero entry of padding.
        assert!(list >= n as usize * MTT_ENTRY_LEN);
        assert!(list - n as usize * MTT_ENTRY_LEN < OCTWORD_LEN);
        // translations_octword_size describes the same buffer.
        assert_eq!(mtt_octwords(n).unwrap() as usize * OCTWORD_LEN, list);
    }
    // A direct MR reports the length of its own MTT count.
    let e = [rw(0, 3 * K4, 0x10_0000)];
    let l = Layout::new(&e).unwrap();
    let d = directs(&l);
    assert_eq!(d[0].mtt_count(), 3);
    assert_eq!(d[0].mtts().count(), 3);
    assert_eq!(d[0].octwords(), 2);
    assert_eq!(d[0].inbox_len(), Ok(0x130));
}

#[test]
fn page_size_is_a_power_of_two_that_divides_every_size() {
    // gcd(12 KiB, 12 KiB) is not a power of two: upstream's ilog2 gives
    // 8 KiB pages, whose second one straddles both entries.
    let e = [rw(0, 3 * K4, 0x10_0000), rw(3 * K4, 3 * K4, 0x20_0000)];
    let l = Layout::new(&e).unwrap();
    let d = directs(&l);
    assert_eq!(d[0].log_page_size(), 12);
    assert_eq!(d[0].mtt_count(), 6);
    assert_eq!(
        d[0].mtts().collect::<Vec<_>>(),
        [0x10_0000, 0x10_1000, 0x10_2000, 0x20_0000, 0x20_1000, 0x20_2000]
    );
    assert_resolves(&l, &[0x2fff, 0x3000, 0x3fff]);
}

#[test]
fn page_size_respects_pa_alignment() {
    // 2 MiB long, but only 4 KiB aligned in PA.
    let e = [rw(0, M2, 0x4000_1000)];
    let l = Layout::new(&e).unwrap();
    let d = directs(&l);
    assert_eq!(d[0].log_page_size(), 12);
    assert_eq!(d[0].mtt_count(), 512);
    assert_eq!(d[0].mtts().last(), Some(0x4000_1000 + M2 - K4));
    // 2 MiB aligned: one page.
    let e = [rw(0x1000, M2, 0x4020_0000)];
    let l = Layout::new(&e).unwrap();
    assert_eq!(directs(&l)[0].log_page_size(), 21);
    // IOVA alignment does not matter: the KLM carries the IOVA offset.
    assert_resolves(&l, &[0x1000, 0x1001, 0x1000 + M2 - 1]);
}

#[test]
fn pages_below_4k_are_refused_for_the_device() {
    let e = [rw(0, K4, 0x10_0800)];
    let l = Layout::new(&e).unwrap();
    let d = directs(&l);
    assert_eq!(d[0].log_page_size(), 11);
    assert_eq!(d[0].mkc_log_page_size(), Err(Error::Misaligned));
    // The layout is still right; only the device cannot take it.
    assert_resolves(&l, &[0, 0x7ff, 0x800, 0xfff]);
}

#[test]
fn top_of_the_address_space() {
    // Last entry ends at u64::MAX, in IOVA and in PA.
    let e = [rw(u64::MAX - (K4 - 1), K4, u64::MAX - (K4 - 1))];
    let l = Layout::new(&e).unwrap();
    assert_eq!((l.len(), l.last()), (K4, u64::MAX));
    let k = klms(&l);
    assert_eq!(k[0].last(), u64::MAX);
    assert_eq!(directs(&l)[0].mtts().collect::<Vec<_>>(), [u64::MAX - (K4 - 1)]);
    assert_resolves(&l, &[u64::MAX - (K4 - 1), u64::MAX]);

    // One byte at u64::MAX.
    let e = [Entry { start: u64::MAX, last: u64::MAX, pa: 7, perm: 3 }];
    let l = Layout::new(&e).unwrap();
    assert_eq!((l.len(), l.num_klms()), (1, 1));
    assert_resolves(&l, &[u64::MAX]);

    // A region of 2 GiB ending at u64::MAX, after a hole of over 4 GiB.
    let e = [
        rw(0xffff_fff0_0000_0000, K4, 0),
        rw(u64::MAX - (2 * G1 - 1), 2 * G1, 0x1_0000_0000),
    ];
    let l = Layout::new(&e).unwrap();
    let d = directs(&l);
    assert_eq!(d.len(), 3);
    assert_eq!(d[2].last(), u64::MAX);
    assert_eq!(klms(&l).len(), l.num_klms() as usize);
    assert_resolves(&l, &[u64::MAX, u64::MAX - G1, u64::MAX - G1 + 1, 0xffff_fff0_0000_1000]);
}

#[test]
fn bad_iotlbs_are_refused() {
    assert_eq!(Layout::new(&[]).err(), Some(Error::Empty));
    let bad = Entry { start: 0x2000, last: 0x1fff, pa: 0, perm: 3 };
    assert_eq!(Layout::new(&[bad]).err(), Some(Error::BadRange(0)));
    assert_eq!(
        Layout::new(&[rw(0, K4, 0), bad]).err(),
        Some(Error::BadRange(1))
    );
    // Overlap by one byte, equal starts, descending.
    assert_eq!(
        Layout::new(&[rw(0, K4, 0), rw(K4 - 1, K4, 0)]).err(),
        Some(Error::Unsorted(1))
    );
    assert_eq!(
        Layout::new(&[rw(K4, K4, 0), rw(K4, K4, 0)]).err(),
        Some(Error::Unsorted(1))
    );
    assert_eq!(
        Layout::new(&[rw(0, K4, 0), rw(3 * K4, K4, 0), rw(K4, K4, 0)]).err(),
        Some(Error::Unsorted(2))
    );
    // PA range past u64::MAX; just fitting is fine.
    assert_eq!(
        Layout::new(&[rw(0, K4, u64::MAX - (K4 - 2))]).err(),
        Some(Error::PaOverflow(0))
    );
    assert!(Layout::new(&[rw(0, K4, u64::MAX - (K4 - 1))]).is_ok());
    assert_eq!(
        Layout::new(&[Entry { start: 0, last: u64::MAX, pa: 1, perm: 3 }]).err(),
        Some(Error::PaOverflow(0))
    );
}

#[test]
fn layouts_beyond_the_32_bit_fields_are_refused() {
    // The whole space: 2^34 direct MRs.
    let all = Entry { start: 0, last: u64::MAX, pa: 0, perm: 3 };
    assert_eq!(Layout::new(&[all]).err(), Some(Error::TooLarge));
    // A hole of 2^63 bytes: 2^33 null entries.
    let e = [rw(0, K4, 0), rw(1 << 63, K4, 0)];
    assert_eq!(Layout::new(&e).err(), Some(Error::TooLarge));
    // The largest hole that fits: two direct MRs and MAX_KLMS - 2 null
    // entries of 1 GiB; one byte more needs one entry too many.
    let hole = u64::from(MAX_KLMS - 2) * G1;
    let e = [rw(0, K4, 0), rw(K4 + hole, K4, 0)];
    let l = Layout::new(&e).unwrap();
    assert_eq!(l.num_klms(), MAX_KLMS);
    assert_eq!(l.len(), hole + 2 * K4);
    assert_eq!(l.indirect_octwords(), MAX_KLMS);
    let e = [rw(0, K4, 0), rw(K4 + hole + 1, K4, 0)];
    assert_eq!(Layout::new(&e).err(), Some(Error::TooLarge));
}

#[test]
fn buffer_lengths() {
    assert_eq!(klm_octwords(1), Ok(4));
    assert_eq!(klm_octwords(4), Ok(4));
    assert_eq!(klm_octwords(5), Ok(8));
    assert_eq!(klm_inbox_len(1), Ok(0x110 + 64));
    assert_eq!(klm_inbox_len(5), Ok(0x110 + 128));
    assert_eq!(klm_octwords(u64::from(MAX_KLMS)), Ok(MAX_KLMS));
    assert_eq!(klm_octwords(u64::from(MAX_KLMS) + 1), Err(Error::TooLarge));
    assert_eq!(klm_inbox_len(u64::MAX), Err(Error::TooLarge));
    assert_eq!(mtt_octwords(0), Ok(0));
    assert_eq!(mtt_octwords(u64::from(u32::MAX) * 2), Ok(u32::MAX));
    assert_eq!(mtt_octwords(u64::from(u32::MAX) * 2 + 1), Err(Error::TooLarge));
    assert_eq!(mtt_inbox_len(u64::MAX), Err(Error::TooLarge));
    assert_eq!(mtt_inbox_len(0), Ok(CREATE_MKEY_IN_LEN));
}

#[test]
fn errnos() {
    assert_eq!(Error::TooLarge.to_errno(), 12);
    for e in [
        Error::Empty,
        Error::BadRange(0),
        Error::Unsorted(1),
        Error::PaOverflow(2),
        Error::Misaligned,
    ] {
        assert_eq!(e.to_errno(), 22);
    }
}

#[test]
fn outside_the_span_is_outside() {
    let e = [rw(0x10_0000, K4, 0x10_0000)];
    let l = Layout::new(&e).unwrap();
    let dev = Device::build(&l);
    assert_eq!(dev.resolve(0xf_ffff), Ok(Target::Outside));
    assert_eq!(dev.resolve(0x10_1000), Ok(Target::Outside));
    assert_eq!(dev.resolve(u64::MAX), Ok(Target::Outside));
}
