// SPDX-License-Identifier: GPL-2.0

//! Tests of `vdpa_sim/logic/iova_map.rs`.

use alloc::vec;
use alloc::vec::Vec;

use crate::logic::iova_map::{Access, Entry, IovaMap, MapError, Piece, PERM_RO, PERM_RW, PERM_WO};

fn map(limit: usize) -> IovaMap<Vec<Entry>> {
    IovaMap::new(Vec::new(), limit)
}

fn e(start: u64, last: u64, addr: u64, perm: u8) -> Entry {
    Entry {
        start,
        last,
        addr,
        perm,
    }
}

#[test]
fn new_map_is_identity_passthrough() {
    let m = map(16);
    assert!(m.is_passthrough());
    assert_eq!(m.len(), 0);
    assert!(m.entries().is_empty());
    for access in [Access::Read, Access::Write] {
        assert_eq!(m.translate(0, 1, access), Some(Piece { addr: 0, len: 1 }));
        assert_eq!(
            m.translate(0x1234_5678, 4096, access),
            Some(Piece {
                addr: 0x1234_5678,
                len: 4096
            })
        );
    }
    // The piece stops at the end of the 64-bit space.
    assert_eq!(
        m.translate(u64::MAX - 1, 100, Access::Read),
        Some(Piece {
            addr: u64::MAX - 1,
            len: 2
        })
    );
    assert_eq!(
        m.translate(0, u64::MAX, Access::Write),
        Some(Piece {
            addr: 0,
            len: u64::MAX
        })
    );
    assert_eq!(m.translate(5, 0, Access::Read), None);
}

#[test]
fn new_drops_stale_entries() {
    let m = IovaMap::new(vec![e(0, 9, 0, PERM_RW)], 4);
    assert!(m.is_passthrough());
    assert_eq!(m.len(), 0);
}

#[test]
fn add_leaves_passthrough_and_translates() {
    let mut m = map(16);
    m.add(0x1000, 0x1fff, 0x8000, PERM_RW).unwrap();
    assert!(!m.is_passthrough());
    assert_eq!(m.entries(), &[e(0x1000, 0x1fff, 0x8000, PERM_RW)]);
    assert_eq!(
        m.translate(0x1000, 16, Access::Read),
        Some(Piece {
            addr: 0x8000,
            len: 16
        })
    );
    assert_eq!(
        m.translate(0x1ff0, 0x100, Access::Write),
        Some(Piece {
            addr: 0x8ff0,
            len: 0x10
        })
    );
    assert_eq!(
        m.translate(0x1fff, 1, Access::Read),
        Some(Piece {
            addr: 0x8fff,
            len: 1
        })
    );
    // Outside: the identity is gone.
    assert_eq!(m.translate(0xfff, 1, Access::Read), None);
    assert_eq!(m.translate(0x2000, 1, Access::Read), None);
    assert_eq!(m.translate(0, 1, Access::Read), None);
}

#[test]
fn entries_stay_sorted_and_search_finds_each() {
    let mut m = map(64);
    let starts = [0x9000u64, 0x1000, 0x5000, 0x3000, 0x7000, 0xb000];
    for (k, s) in starts.iter().enumerate() {
        m.add(*s, s + 0xfff, 0x10_0000 * (k as u64 + 1), PERM_RW)
            .unwrap();
    }
    let got: Vec<u64> = m.entries().iter().map(|x| x.start).collect();
    assert_eq!(got, vec![0x1000, 0x3000, 0x5000, 0x7000, 0x9000, 0xb000]);
    for (k, s) in starts.iter().enumerate() {
        let p = m.translate(s + 0x10, 1, Access::Read).unwrap();
        assert_eq!(p.addr, 0x10_0000 * (k as u64 + 1) + 0x10);
        // Gaps between entries do not translate.
        assert_eq!(m.translate(s + 0x1000, 1, Access::Read), None);
    }
}

#[test]
fn permissions_are_checked() {
    let mut m = map(16);
    m.add(0, 0xfff, 0x1000, PERM_RO).unwrap();
    m.add(0x1000, 0x1fff, 0x2000, PERM_WO).unwrap();
    m.add(0x2000, 0x2fff, 0x3000, PERM_RW).unwrap();
    assert!(m.translate(0x10, 1, Access::Read).is_some());
    assert!(m.translate(0x10, 1, Access::Write).is_none());
    assert!(m.translate(0x1010, 1, Access::Read).is_none());
    assert!(m.translate(0x1010, 1, Access::Write).is_some());
    assert!(m.translate(0x2010, 1, Access::Read).is_some());
    assert!(m.translate(0x2010, 1, Access::Write).is_some());
}

#[test]
fn bad_perm_and_range_are_invalid() {
    let mut m = map(16);
    assert_eq!(m.add(0, 0xfff, 0, 0), Err(MapError::Invalid));
    assert_eq!(m.add(0, 0xfff, 0, 4), Err(MapError::Invalid));
    assert_eq!(m.add(0x2000, 0x1fff, 0, PERM_RW), Err(MapError::Invalid));
    // The translated end must not pass u64::MAX.
    assert_eq!(
        m.add(0, 0xfff, u64::MAX - 0xffe, PERM_RW),
        Err(MapError::Invalid)
    );
    assert_eq!(m.add(0, 0xfff, u64::MAX - 0xfff, PERM_RW), Ok(()));
    assert_eq!(m.del(10, 9), Err(MapError::Invalid));
}

#[test]
fn invalid_add_still_leaves_passthrough() {
    // As upstream: dma_map empties a pass-through map before the range check.
    let mut m = map(16);
    assert_eq!(m.add(5, 4, 0, PERM_RW), Err(MapError::Invalid));
    assert!(!m.is_passthrough());
    assert_eq!(m.translate(0, 1, Access::Read), None);
}

#[test]
fn overlap_is_refused() {
    let mut m = map(16);
    m.add(0x1000, 0x1fff, 0, PERM_RW).unwrap();
    for (s, l) in [
        (0x1000, 0x1fff),
        (0x0, 0x1000),
        (0x1fff, 0x2fff),
        (0x1100, 0x1200),
        (0, u64::MAX - 1),
    ] {
        assert_eq!(
            m.add(s, l, 0, PERM_RW),
            Err(MapError::Exists),
            "{s:#x}-{l:#x}"
        );
    }
    // Adjacent ranges are fine.
    m.add(0x0, 0xfff, 0, PERM_RW).unwrap();
    m.add(0x2000, 0x2fff, 0, PERM_RW).unwrap();
    assert_eq!(m.len(), 3);
}

#[test]
fn limit_gives_nospace() {
    let mut m = map(3);
    for k in 0..3u64 {
        m.add(k * 0x1000, k * 0x1000 + 0xfff, 0, PERM_RW).unwrap();
    }
    assert_eq!(m.add(0x10000, 0x10fff, 0, PERM_RW), Err(MapError::NoSpace));
    assert_eq!(m.len(), 3);
    m.del(0, 0).unwrap();
    m.add(0x10000, 0x10fff, 0, PERM_RW).unwrap();
    assert_eq!(m.len(), 3);
}

#[test]
fn whole_space_is_two_entries() {
    let mut m = map(4);
    m.add(0, u64::MAX, 0, PERM_RO).unwrap();
    assert_eq!(
        m.entries(),
        &[
            e(0, u64::MAX / 2, 0, PERM_RO),
            e(u64::MAX / 2 + 1, u64::MAX, u64::MAX / 2 + 1, PERM_RO)
        ]
    );
    assert_eq!(
        m.translate(u64::MAX, 1, Access::Read),
        Some(Piece {
            addr: u64::MAX,
            len: 1
        })
    );
    assert_eq!(
        m.translate(u64::MAX / 2, 10, Access::Read),
        Some(Piece {
            addr: u64::MAX / 2,
            len: 1
        })
    );
    assert_eq!(m.translate(1, 1, Access::Write), None);
    // Needs two free slots.
    let mut m = map(2);
    m.add(0x1000, 0x1fff, 0, PERM_RW).unwrap();
    m.del(0x1000, 0x1000).unwrap();
    m.add(0x1000, 0x1fff, 0, PERM_RW).unwrap();
    m.clear();
    m.add(0, u64::MAX, 0, PERM_RW).unwrap();
    assert_eq!(m.len(), 2);
    let mut m = map(1);
    assert_eq!(m.add(0, u64::MAX, 0, PERM_RW), Err(MapError::NoSpace));
    // Upper half would translate past u64::MAX.
    let mut m = map(4);
    assert_eq!(m.add(0, u64::MAX, 1, PERM_RW), Err(MapError::Invalid));
    assert_eq!(m.len(), 0);
}

#[test]
fn del_removes_whole_overlapping_entries() {
    let mut m = map(16);
    for k in 0..6u64 {
        m.add(k * 0x1000, k * 0x1000 + 0xfff, k * 0x1000, PERM_RW)
            .unwrap();
    }
    // Touches the last byte of entry 1 and the first of entry 3: 1, 2, 3 go.
    m.del(0x1fff, 0x3000).unwrap();
    let got: Vec<u64> = m.entries().iter().map(|x| x.start).collect();
    assert_eq!(got, vec![0, 0x4000, 0x5000]);
    // Nothing overlapping: no change, no error.
    let g = m.generation();
    m.del(0x1000, 0x3fff).unwrap();
    assert_eq!(m.generation(), g);
    m.del(0, u64::MAX).unwrap();
    assert_eq!(m.len(), 0);
    assert!(!m.is_passthrough());
}

#[test]
fn del_on_passthrough_empties() {
    let mut m = map(16);
    m.del(0x1000, 0x1fff).unwrap();
    assert!(!m.is_passthrough());
    assert_eq!(m.translate(0, 1, Access::Read), None);
}

#[test]
fn set_passthrough_restores_identity() {
    let mut m = map(16);
    m.add(0x1000, 0x1fff, 0x5000, PERM_RO).unwrap();
    m.set_passthrough();
    assert!(m.is_passthrough());
    assert_eq!(m.len(), 0);
    assert_eq!(
        m.translate(0x1000, 1, Access::Write),
        Some(Piece {
            addr: 0x1000,
            len: 1
        })
    );
}

#[test]
fn replace_copies_and_failure_leaves_empty() {
    let mut m = map(3);
    let good = [
        e(0x1000, 0x1fff, 0xa000, PERM_RW),
        e(0x3000, 0x3fff, 0xb000, PERM_RO),
    ];
    m.replace(good.iter().copied()).unwrap();
    assert_eq!(m.entries(), &good);
    assert!(!m.is_passthrough());
    // Replacing drops the old entries first.
    m.replace([e(0x5000, 0x5fff, 0, PERM_WO)].into_iter())
        .unwrap();
    assert_eq!(m.len(), 1);
    // Too many: NoSpace, and the map is left empty, not pass-through.
    let many = (0..4u64).map(|k| e(k * 0x1000, k * 0x1000 + 0xfff, 0, PERM_RW));
    assert_eq!(m.replace(many), Err(MapError::NoSpace));
    assert_eq!(m.len(), 0);
    assert!(!m.is_passthrough());
    assert_eq!(m.translate(0, 1, Access::Read), None);
    // A bad entry in the middle does the same.
    m.set_passthrough();
    let bad = [e(0x1000, 0x1fff, 0, PERM_RW), e(0x1800, 0x2fff, 0, PERM_RW)];
    assert_eq!(m.replace(bad.iter().copied()), Err(MapError::Exists));
    assert_eq!(m.len(), 0);
    assert!(!m.is_passthrough());
}

#[test]
fn generation_bumps_on_every_change() {
    let mut m = map(8);
    let mut g = m.generation();
    let mut changed = |m: &IovaMap<Vec<Entry>>| {
        assert_ne!(m.generation(), g);
        g = m.generation();
    };
    m.add(0x1000, 0x1fff, 0, PERM_RW).unwrap();
    changed(&m);
    m.add(0x2000, 0x2fff, 0, PERM_RW).unwrap();
    changed(&m);
    m.del(0x1000, 0x1000).unwrap();
    changed(&m);
    m.clear();
    changed(&m);
    m.set_passthrough();
    changed(&m);
    m.replace([e(0, 1, 0, PERM_RW)].into_iter()).unwrap();
    changed(&m);
    // A failed add that cleared pass-through is a change too.
    m.set_passthrough();
    changed(&m);
    assert!(m.add(3, 2, 0, PERM_RW).is_err());
    changed(&m);
}

#[test]
fn translation_overflow_is_refused() {
    let mut m = map(8);
    m.add(0x1000, 0x1fff, u64::MAX - 0xfff, PERM_RW).unwrap();
    assert_eq!(
        m.translate(0x1fff, 1, Access::Read),
        Some(Piece {
            addr: u64::MAX,
            len: 1
        })
    );
    assert_eq!(
        m.translate(0x1000, 0x2000, Access::Read),
        Some(Piece {
            addr: u64::MAX - 0xfff,
            len: 0x1000
        })
    );
}

#[test]
fn entry_reaching_u64_max() {
    let mut m = map(8);
    m.add(u64::MAX - 0xfff, u64::MAX, 0, PERM_RW).unwrap();
    assert_eq!(
        m.translate(u64::MAX, 5, Access::Write),
        Some(Piece {
            addr: 0xfff,
            len: 1
        })
    );
    assert_eq!(
        m.translate(u64::MAX - 0xfff, u64::MAX, Access::Read),
        Some(Piece {
            addr: 0,
            len: 0x1000
        })
    );
}
