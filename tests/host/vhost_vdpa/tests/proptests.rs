// SPDX-License-Identifier: GPL-2.0

//! Property tests: the parser on random bytes, the page count against a
//! u128 model, the run builder on random pfn sequences, and the handler's
//! plan against a naive model.

use alloc::vec::Vec;

use proptest::prelude::*;

use crate::logic::msg::{
    creates_as, invalidate_hits, invalidate_range, parse, update_range, Batch, Msg, MsgType, Plan,
};
use crate::logic::pages::{page_count, Run};
use crate::logic::Errno;
use crate::pages_tests::runs_of;

/// Buffers near the interesting lengths, with header types 1 and 2 likely.
fn buffer() -> impl Strategy<Value = Vec<u8>> {
    let len = prop_oneof![0usize..12, 36usize..44, 0usize..200];
    (
        len,
        prop_oneof![Just(1u32), Just(2u32), any::<u32>()],
        0u8..9,
        any::<bool>(),
    )
        .prop_flat_map(|(len, ty, kind, zero_size)| {
            proptest::collection::vec(any::<u8>(), len).prop_map(move |mut b| {
                for (i, byte) in ty.to_le_bytes().iter().enumerate() {
                    if let Some(x) = b.get_mut(i) {
                        *x = *byte;
                    }
                }
                if let Some(x) = b.get_mut(33) {
                    *x = kind;
                }
                if zero_size {
                    if let Some(s) = b.get_mut(16..24) {
                        s.fill(0);
                    }
                }
                b
            })
        })
}

/// The acceptance rule written from the contract, byte by byte.
fn model_parse(b: &[u8], asid_acked: bool) -> Result<Msg, Errno> {
    let word = |o: usize| u32::from_le_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
    let dword = |o: usize| u64::from(word(o)) | (u64::from(word(o + 4)) << 32);
    if b.len() < 4 {
        return Err(Errno::EINVAL);
    }
    let ty = word(0);
    if ty != 1 && ty != 2 {
        return Err(Errno::EINVAL);
    }
    if b.len() < 40 {
        return Err(Errno::EINVAL);
    }
    let asid = if ty == 2 && asid_acked { word(4) } else { 0 };
    let m = Msg {
        asid,
        kind: MsgType::from_raw(b[33]),
        iova: dword(8),
        size: dword(16),
        uaddr: dword(24),
        perm: b[32],
    };
    if b[33] == 2 && m.size == 0 {
        return Err(Errno::EINVAL);
    }
    Ok(m)
}

proptest! {
    #[test]
    fn parse_matches_model(b in buffer(), acked in any::<bool>()) {
        prop_assert_eq!(parse(&b, acked), model_parse(&b, acked));
    }

    #[test]
    fn parse_never_panics(b in proptest::collection::vec(any::<u8>(), 0..300), acked in any::<bool>()) {
        let _ = parse(&b, acked);
    }

    #[test]
    fn page_count_matches_u128_model(iova in any::<u64>(), size in prop_oneof![
        any::<u64>(),
        0u64..0x10000,
        (u64::MAX - 0x3000)..=u64::MAX,
    ]) {
        let bytes = u128::from(size) + u128::from(iova % 4096);
        let pages = bytes.div_ceil(4096);
        // Refused where the C refuses: zero, or a sum PFN_UP would wrap.
        let expect = if pages == 0 || bytes > u128::from(u64::MAX - 4095) {
            None
        } else {
            Some(u64::try_from(pages).unwrap())
        };
        prop_assert_eq!(page_count(iova, size), expect);
    }

    #[test]
    fn update_range_matches_u128_model(iova in any::<u64>(), size in any::<u64>(),
                                        first in any::<u64>(), last in any::<u64>()) {
        let end = u128::from(iova) + u128::from(size);
        let ok = size != 0 && iova >= first && end - 1 <= u128::from(last);
        match update_range(iova, size, first, last) {
            Ok(l) => { prop_assert!(ok); prop_assert_eq!(u128::from(l), end - 1); }
            Err(e) => { prop_assert!(!ok); prop_assert_eq!(e, Errno::EFAULT); }
        }
    }

    #[test]
    fn invalidate_range_agrees_with_hits(iova in any::<u64>(), size in any::<u64>(),
                                         a in any::<u64>(), b in any::<u64>()) {
        let (first, last) = if a <= b { (a, b) } else { (b, a) };
        let hit = invalidate_hits(iova, size, first, last);
        match invalidate_range(iova, size) {
            Some((s, l)) => prop_assert_eq!(hit, first <= l && last >= s),
            // Wrapped: only an entry containing both ends is hit.
            None => {
                let wrapped = iova.wrapping_add(size).wrapping_sub(1);
                prop_assert!(wrapped < iova);
                prop_assert_eq!(hit, first <= wrapped && last >= iova);
            }
        }
    }

    #[test]
    fn runs_reproduce_pfns_and_are_maximal(
        iova in any::<u64>().prop_map(|v| v >> 20),
        steps in proptest::collection::vec(prop_oneof![
            4 => Just(1i64), 1 => -3i64..5, 1 => Just(1000i64)], 0..200),
        start in 1u64..1_000_000,
    ) {
        let mut pfns = Vec::new();
        let mut p = start + 1000;
        for s in steps {
            pfns.push(p);
            p = p.wrapping_add_signed(s);
        }
        let runs: Vec<Run> = runs_of(iova, &pfns);
        // Expanding the runs gives back the pfns in order, with IOVAs
        // contiguous from the page-aligned start.
        let mut expanded = Vec::new();
        let mut next_iova = iova & !0xfff;
        for r in &runs {
            prop_assert!(r.npages >= 1);
            prop_assert_eq!(r.iova, next_iova);
            next_iova += r.npages * 4096;
            for k in 0..r.npages {
                expanded.push(r.pfn + k);
            }
        }
        prop_assert_eq!(&expanded, &pfns);
        // Maximal: a run never continues its predecessor.
        for w in runs.windows(2) {
            prop_assert_ne!(w[0].pfn + w[0].npages, w[1].pfn);
        }
    }
}

/// The handler's rule, written naively from the contract.
#[derive(Default)]
struct Model {
    batch: Option<u32>,
}

impl Model {
    fn step(&mut self, m: &Msg, nas: u32, exists: bool) -> (bool, Result<Plan, Errno>) {
        let creating = matches!(m.kind, MsgType::Update | MsgType::BatchBegin);
        let create = creating && !exists && m.asid < nas;
        if !exists && !create {
            return (false, Err(Errno::EFAULT));
        }
        if let Some(a) = self.batch {
            if a != m.asid {
                return (create, Err(Errno::EFAULT));
            }
        }
        let plan = match m.kind {
            MsgType::Update => Plan::Update { create_as: create },
            MsgType::Invalidate => Plan::Invalidate,
            MsgType::BatchBegin => {
                self.batch = Some(m.asid);
                Plan::BatchBegin { create_as: create }
            }
            MsgType::BatchEnd => {
                let commit = self.batch.take().is_some();
                Plan::BatchEnd { commit }
            }
            MsgType::Other(_) => return (create, Err(Errno::EFAULT)),
        };
        (create, Ok(plan))
    }
}

proptest! {
    #[test]
    fn batch_plan_matches_model(
        nas in 0u32..4,
        ops in proptest::collection::vec((0u32..5, 0u8..8, any::<bool>()), 0..60),
    ) {
        // Address spaces the sequence created so far.
        let mut exists = [false; 5];
        let mut batch = Batch::new();
        let mut model = Model::default();
        for (asid, t, clear) in ops {
            if clear && t == 7 {
                batch.clear();
                model.batch = None;
                continue;
            }
            let m = Msg { asid, kind: MsgType::from_raw(t), iova: 0, size: 1, uaddr: 0, perm: 3 };
            let ex = exists[asid as usize];
            let create = creates_as(&m, nas, ex);
            let got = batch.plan(&m, nas, ex);
            let (mcreate, want) = model.step(&m, nas, ex);
            prop_assert_eq!(create, mcreate);
            prop_assert_eq!(got, want);
            prop_assert_eq!(batch.asid(), model.batch);
            if let Ok(Plan::Update { create_as } | Plan::BatchBegin { create_as }) = got {
                prop_assert_eq!(create_as, create);
            }
            if create {
                exists[asid as usize] = true;
            }
        }
    }
}
