// SPDX-License-Identifier: GPL-2.0

//! Tests of `vhost_vdpa/logic/msg.rs` (contract B.5): the `write()` parser,
//! the handler's plan and the range rules.

use alloc::vec::Vec;

use crate::logic::msg::*;
use crate::logic::Errno;

/// A message of header `ty` with `word` at bytes 4..8 and the body
/// `(iova, size, uaddr)`, `perm`, `kind`,
/// `len` bytes long (zero-padded or truncated).
pub(crate) fn raw(
    ty: u32,
    word: u32,
    (iova, size, uaddr): (u64, u64, u64),
    perm: u8,
    kind: u8,
    len: usize,
) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&ty.to_le_bytes());
    b.extend_from_slice(&word.to_le_bytes());
    b.extend_from_slice(&iova.to_le_bytes());
    b.extend_from_slice(&size.to_le_bytes());
    b.extend_from_slice(&uaddr.to_le_bytes());
    b.push(perm);
    b.push(kind);
    b.resize(72, 0);
    b.resize(len, 0xA5);
    b
}

fn update(ty: u32, asid: u32, len: usize) -> Vec<u8> {
    raw(ty, asid, (0x1000, 0x2000, 0x7f00_0000), 3, 2, len)
}

fn msg(asid: u32, kind: MsgType) -> Msg {
    Msg {
        asid,
        kind,
        iova: 0,
        size: 0x1000,
        uaddr: 0,
        perm: 3,
    }
}

#[test]
fn write_return_is_72() {
    assert_eq!(WRITE_RETURN, 72);
    assert_eq!(PARSE_LEN, 40);
}

#[test]
fn v1_update_parses() {
    let m = parse(&update(1, 0xdead_beef, 72), true).unwrap();
    // v1 skips bytes 4..8 even with ASID acked.
    assert_eq!(
        m,
        Msg {
            asid: 0,
            kind: MsgType::Update,
            iova: 0x1000,
            size: 0x2000,
            uaddr: 0x7f00_0000,
            perm: 3
        }
    );
}

#[test]
fn v2_asid_read_only_when_acked() {
    assert_eq!(parse(&update(2, 5, 72), true).unwrap().asid, 5);
    assert_eq!(parse(&update(2, 5, 72), false).unwrap().asid, 0);
}

#[test]
fn shorter_than_4_bytes_einval() {
    for len in 0..4 {
        assert_eq!(parse(&update(1, 0, 72)[..len], false), Err(Errno::EINVAL));
        assert_eq!(parse(&update(2, 0, 72)[..len], true), Err(Errno::EINVAL));
    }
}

#[test]
fn header_type_not_1_or_2_einval() {
    for ty in [0u32, 3, 0x101, 0xffff_ffff, 0x0100_0000] {
        assert_eq!(
            parse(&update(ty, 0, 72), true),
            Err(Errno::EINVAL),
            "{ty:#x}"
        );
    }
}

#[test]
fn v2_shorter_than_8_bytes_einval_with_and_without_asid() {
    for len in 4..8 {
        let b = update(2, 0, len);
        assert_eq!(parse(&b, true), Err(Errno::EINVAL));
        assert_eq!(parse(&b, false), Err(Errno::EINVAL));
    }
}

#[test]
fn total_below_40_einval() {
    for len in 8..40 {
        assert_eq!(
            parse(&update(1, 0, len), false),
            Err(Errno::EINVAL),
            "{len}"
        );
        assert_eq!(parse(&update(2, 0, len), true), Err(Errno::EINVAL), "{len}");
    }
}

#[test]
fn forty_bytes_suffice_and_longer_is_ignored() {
    let a = parse(&update(2, 1, 40), true).unwrap();
    let b = parse(&update(2, 1, 72), true).unwrap();
    let c = parse(&update(2, 1, 144), true).unwrap();
    assert_eq!(a, b);
    assert_eq!(b, c);
}

#[test]
fn body_tail_padding_is_ignored() {
    let mut b = update(1, 0, 72);
    for byte in &mut b[34..] {
        *byte = 0xff;
    }
    assert_eq!(parse(&b, false), parse(&update(1, 0, 72), false));
}

#[test]
fn update_size_zero_einval_but_invalidate_size_zero_parses() {
    let b = raw(1, 0, (0x1000, 0, 0), 3, 2, 72);
    assert_eq!(parse(&b, false), Err(Errno::EINVAL));
    let b = raw(1, 0, (0, 0, 0), 0, 3, 72);
    assert_eq!(parse(&b, false).unwrap().kind, MsgType::Invalidate);
}

#[test]
fn all_type_bytes_parse() {
    for t in 0..=255u8 {
        let m = parse(&raw(2, 0, (0, 1, 0), 0, t, 40), false).unwrap();
        assert_eq!(m.kind.raw(), t);
        let expect = match t {
            2 => MsgType::Update,
            3 => MsgType::Invalidate,
            5 => MsgType::BatchBegin,
            6 => MsgType::BatchEnd,
            _ => MsgType::Other(t),
        };
        assert_eq!(m.kind, expect);
    }
}

#[test]
fn perm_is_not_validated() {
    for perm in [0u8, 4, 0xff] {
        assert_eq!(
            parse(&raw(1, 0, (0, 1, 0), perm, 2, 72), false)
                .unwrap()
                .perm,
            perm
        );
    }
}

#[test]
fn plan_update_creates_as_on_demand() {
    let mut b = Batch::new();
    assert_eq!(
        b.plan(&msg(0, MsgType::Update), 1, false),
        Ok(Plan::Update { create_as: true })
    );
    assert_eq!(
        b.plan(&msg(0, MsgType::Update), 1, true),
        Ok(Plan::Update { create_as: false })
    );
    assert!(!b.in_batch());
}

#[test]
fn plan_create_fails_for_asid_ge_nas() {
    let mut b = Batch::new();
    assert_eq!(
        b.plan(&msg(2, MsgType::Update), 2, false),
        Err(Errno::EFAULT)
    );
    assert_eq!(
        b.plan(&msg(2, MsgType::BatchBegin), 2, false),
        Err(Errno::EFAULT)
    );
    assert!(!creates_as(&msg(2, MsgType::Update), 2, false));
    assert!(!b.in_batch());
}

#[test]
fn plan_other_types_need_existing_as() {
    let mut b = Batch::new();
    for kind in [
        MsgType::Invalidate,
        MsgType::BatchEnd,
        MsgType::Other(1),
        MsgType::Other(0),
    ] {
        assert_eq!(
            b.plan(&msg(0, kind), 1, false),
            Err(Errno::EFAULT),
            "{kind:?}"
        );
        assert!(!creates_as(&msg(0, kind), 1, false));
    }
}

#[test]
fn plan_unknown_types_efault() {
    let mut b = Batch::new();
    for t in [0u8, 1, 4, 7, 0xff] {
        assert_eq!(
            b.plan(&msg(0, MsgType::Other(t)), 1, true),
            Err(Errno::EFAULT),
            "{t}"
        );
    }
}

#[test]
fn plan_batch_begin_end_commit() {
    let mut b = Batch::new();
    assert_eq!(
        b.plan(&msg(1, MsgType::BatchBegin), 2, false),
        Ok(Plan::BatchBegin { create_as: true })
    );
    assert_eq!(b.asid(), Some(1));
    assert!(b.in_batch());
    assert_eq!(
        b.plan(&msg(1, MsgType::Update), 2, true),
        Ok(Plan::Update { create_as: false })
    );
    assert_eq!(
        b.plan(&msg(1, MsgType::Invalidate), 2, true),
        Ok(Plan::Invalidate)
    );
    // Re-entering with the same asid is harmless.
    assert_eq!(
        b.plan(&msg(1, MsgType::BatchBegin), 2, true),
        Ok(Plan::BatchBegin { create_as: false })
    );
    assert_eq!(
        b.plan(&msg(1, MsgType::BatchEnd), 2, true),
        Ok(Plan::BatchEnd { commit: true })
    );
    assert!(!b.in_batch());
}

#[test]
fn plan_batch_end_without_begin_succeeds_if_as_exists() {
    let mut b = Batch::new();
    assert_eq!(
        b.plan(&msg(0, MsgType::BatchEnd), 1, true),
        Ok(Plan::BatchEnd { commit: false })
    );
    assert_eq!(
        b.plan(&msg(0, MsgType::BatchEnd), 1, false),
        Err(Errno::EFAULT)
    );
}

#[test]
fn plan_other_asid_inside_batch_efault_after_creation() {
    let mut b = Batch::new();
    b.plan(&msg(0, MsgType::BatchBegin), 2, true).unwrap();
    for kind in [
        MsgType::Update,
        MsgType::Invalidate,
        MsgType::BatchBegin,
        MsgType::BatchEnd,
    ] {
        assert_eq!(
            b.plan(&msg(1, kind), 2, true),
            Err(Errno::EFAULT),
            "{kind:?}"
        );
    }
    // The AS of the refused UPDATE is still created (quirk).
    let m = msg(1, MsgType::Update);
    assert_eq!(b.plan(&m, 2, false), Err(Errno::EFAULT));
    assert!(creates_as(&m, 2, false));
    // The batch is untouched by the refusals.
    assert_eq!(b.asid(), Some(0));
}

#[test]
fn batch_clear() {
    let mut b = Batch::new();
    b.plan(&msg(3, MsgType::BatchBegin), 4, false).unwrap();
    b.clear();
    assert_eq!(b, Batch::default());
    assert_eq!(
        b.plan(&msg(2, MsgType::Invalidate), 4, true),
        Ok(Plan::Invalidate)
    );
}

#[test]
fn update_range_rules() {
    assert_eq!(update_range(0x1000, 0x1000, 0, u64::MAX), Ok(0x1fff));
    // size 0
    assert_eq!(update_range(0x1000, 0, 0, u64::MAX), Err(Errno::EFAULT));
    // below range.first
    assert_eq!(
        update_range(0xfff, 0x10, 0x1000, u64::MAX),
        Err(Errno::EFAULT)
    );
    assert_eq!(update_range(0x1000, 0x10, 0x1000, u64::MAX), Ok(0x100f));
    // iova + size - 1 overflows
    assert_eq!(update_range(u64::MAX, 2, 0, u64::MAX), Err(Errno::EFAULT));
    assert_eq!(update_range(u64::MAX, 1, 0, u64::MAX), Ok(u64::MAX));
    assert_eq!(update_range(1, u64::MAX, 0, u64::MAX), Ok(u64::MAX));
    assert_eq!(update_range(0, u64::MAX, 0, u64::MAX), Ok(u64::MAX - 1));
    // past range.last
    assert_eq!(update_range(0x1000, 0x1001, 0, 0x2000), Ok(0x2000));
    assert_eq!(update_range(0x1000, 0x1002, 0, 0x2000), Err(Errno::EFAULT));
}

#[test]
fn invalidate_size_zero_iova_zero_is_whole_space() {
    assert_eq!(invalidate_range(0, 0), Some((0, u64::MAX)));
    assert!(invalidate_hits(0, 0, 0, 0));
    assert!(invalidate_hits(0, 0, u64::MAX, u64::MAX));
    // DPDK's near-full-range invalidate.
    assert_eq!(invalidate_range(0, u64::MAX), Some((0, u64::MAX - 1)));
}

#[test]
fn invalidate_plain_range_removes_overlapping_whole_entries() {
    assert_eq!(invalidate_range(0x1000, 1), Some((0x1000, 0x1000)));
    // One byte of an entry removes the entry.
    assert!(invalidate_hits(0x1800, 1, 0x1000, 0x1fff));
    // Adjacent entries stay.
    assert!(!invalidate_hits(0x2000, 0x1000, 0x1000, 0x1fff));
    assert!(!invalidate_hits(0x1000, 0x1000, 0x2000, 0x2fff));
    assert!(invalidate_hits(0x1000, 0x1001, 0x2000, 0x2fff));
}

#[test]
fn invalidate_wrapped_range_hits_only_a_spanning_entry() {
    // size 0 at iova > 0: last = iova - 1 < iova.
    assert_eq!(invalidate_range(0x800, 0), None);
    assert!(invalidate_hits(0x800, 0, 0, 0xfff));
    assert!(!invalidate_hits(0x800, 0, 0x800, 0xfff));
    assert!(!invalidate_hits(0x800, 0, 0, 0x7ff));
    // iova + size past 2^64.
    assert_eq!(invalidate_range(u64::MAX, 2), None);
    assert!(!invalidate_hits(u64::MAX, 2, u64::MAX, u64::MAX));
    assert!(invalidate_hits(u64::MAX, 2, 0, u64::MAX));
}
