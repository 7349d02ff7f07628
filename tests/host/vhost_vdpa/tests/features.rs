// SPDX-License-Identifier: GPL-2.0

//! Tests of `vhost_vdpa/logic/features.rs` (contract B.4, A.3).

use crate::logic::features::*;
use crate::logic::uapi::VDPA_RESET_F_CLEAN_MAP;
use crate::logic::Errno;

const MSG_V2: u64 = 1 << 1;
const BATCH: u64 = 1 << 2;
const ASID: u64 = 1 << 3;
const SUSPEND: u64 = 1 << 4;
const RESUME: u64 = 1 << 5;
const EADOK: u64 = 1 << 6;
const DESC_ASID: u64 = 1 << 7;
const PERSIST: u64 = 1 << 8;

fn none() -> Caps {
    Caps::default()
}

fn all() -> Caps {
    Caps {
        suspend: true,
        resume: true,
        desc_group: true,
        persist: true,
        parent: 0,
    }
}

#[test]
fn offered_minimum_is_v2_batch_asid() {
    assert_eq!(offered(&none()), MSG_V2 | BATCH | ASID);
    assert_eq!(ALWAYS, 0b1110);
    assert_eq!(KNOWN, 0x1fe);
}

#[test]
fn offered_per_capability() {
    let base = MSG_V2 | BATCH | ASID;
    assert_eq!(
        offered(&Caps {
            suspend: true,
            ..none()
        }),
        base | SUSPEND
    );
    assert_eq!(
        offered(&Caps {
            resume: true,
            ..none()
        }),
        base | RESUME
    );
    assert_eq!(
        offered(&Caps {
            desc_group: true,
            ..none()
        }),
        base | DESC_ASID
    );
    assert_eq!(
        offered(&Caps {
            persist: true,
            ..none()
        }),
        base | PERSIST
    );
    assert_eq!(
        offered(&all()),
        base | SUSPEND | RESUME | DESC_ASID | PERSIST
    );
}

#[test]
fn offered_includes_parent_bits_unmasked() {
    // ENABLE_AFTER_DRIVER_OK comes only from the parent.
    assert_eq!(
        offered(&Caps {
            parent: EADOK,
            ..none()
        }) & EADOK,
        EADOK
    );
    assert_eq!(offered(&none()) & EADOK, 0);
    // A parent bit outside 1..8 is passed through.
    assert_eq!(
        offered(&Caps {
            parent: 1 << 40 | 1,
            ..none()
        }) & (1 << 40 | 1),
        1 << 40 | 1
    );
}

#[test]
fn ack_step1_unknown_bits_eopnotsupp() {
    for v in [1u64, 1 << 9, 1 << 63, u64::MAX, MSG_V2 | 1] {
        assert_eq!(check_ack(v, &all()), Err(Errno::EOPNOTSUPP), "{v:#x}");
    }
}

#[test]
fn ack_step2_suspend_resume_need_ops() {
    assert_eq!(check_ack(SUSPEND, &none()), Err(Errno::EOPNOTSUPP));
    assert_eq!(
        check_ack(
            RESUME,
            &Caps {
                suspend: true,
                ..none()
            }
        ),
        Err(Errno::EOPNOTSUPP)
    );
    assert_eq!(
        check_ack(
            SUSPEND | RESUME,
            &Caps {
                suspend: true,
                resume: true,
                ..none()
            }
        ),
        Ok(SUSPEND | RESUME)
    );
}

#[test]
fn ack_step3_desc_asid_needs_asid_einval() {
    assert_eq!(check_ack(DESC_ASID, &all()), Err(Errno::EINVAL));
    // Step 3 comes before step 4: without the op it is still EINVAL.
    assert_eq!(check_ack(DESC_ASID, &none()), Err(Errno::EINVAL));
    assert_eq!(check_ack(DESC_ASID | ASID, &all()), Ok(DESC_ASID | ASID));
}

#[test]
fn ack_step4_desc_asid_needs_desc_group() {
    assert_eq!(
        check_ack(
            DESC_ASID | ASID,
            &Caps {
                desc_group: false,
                ..all()
            }
        ),
        Err(Errno::EOPNOTSUPP)
    );
}

#[test]
fn ack_step5_persist_needs_capability() {
    assert_eq!(check_ack(PERSIST, &none()), Err(Errno::EOPNOTSUPP));
    assert_eq!(
        check_ack(
            PERSIST,
            &Caps {
                persist: true,
                ..none()
            }
        ),
        Ok(PERSIST)
    );
}

#[test]
fn ack_order_step2_before_step3() {
    // SUSPEND missing and DESC_ASID without ASID: step 2 answers.
    assert_eq!(
        check_ack(SUSPEND | DESC_ASID, &none()),
        Err(Errno::EOPNOTSUPP)
    );
    // Unknown bit and DESC_ASID without ASID: step 1 answers.
    assert_eq!(check_ack(1 | DESC_ASID, &all()), Err(Errno::EOPNOTSUPP));
}

#[test]
fn ack_step6_quirk_unoffered_bits_accepted() {
    // MSG_V2/BATCH/ASID/ENABLE_AFTER_DRIVER_OK need no capability.
    let v = MSG_V2 | BATCH | ASID | EADOK;
    assert_eq!(check_ack(v, &none()), Ok(v));
    assert_eq!(check_ack(0, &none()), Ok(0));
}

#[test]
fn acked_helpers() {
    assert!(acked_asid(ASID));
    assert!(!acked_asid(MSG_V2 | BATCH));
    assert!(acked_persist(PERSIST | ASID));
    assert!(!acked_persist(!PERSIST));
}

#[test]
fn reset_flags_clean_map_iff_not_persist() {
    assert_eq!(reset_flags(0), VDPA_RESET_F_CLEAN_MAP);
    assert_eq!(reset_flags(MSG_V2 | BATCH | ASID), 1);
    assert_eq!(reset_flags(PERSIST), 0);
    assert_eq!(reset_flags(PERSIST | ASID), 0);
}

#[test]
fn persistent_map_rule() {
    let ops = |set_map, dma_map, reset_map| MapOps {
        set_map,
        dma_map,
        reset_map,
    };
    // Platform IOMMU (neither op): persistent.
    assert!(persistent_map(&ops(false, false, false), 0));
    // set_map or dma_map without reset_map or parent bit: not.
    assert!(!persistent_map(&ops(true, false, false), 0));
    assert!(!persistent_map(&ops(false, true, false), 0));
    assert!(!persistent_map(&ops(true, true, false), PERSIST - 1));
    // reset_map (sim, mlx5) or the parent's PERSIST bit: persistent.
    assert!(persistent_map(&ops(true, false, true), 0));
    assert!(persistent_map(&ops(false, true, true), 0));
    assert!(persistent_map(&ops(false, true, false), PERSIST));
}

#[test]
fn caps_new_derives_persist() {
    let c = Caps::new(
        true,
        false,
        true,
        &MapOps {
            set_map: true,
            dma_map: false,
            reset_map: false,
        },
        EADOK,
    );
    assert_eq!(
        c,
        Caps {
            suspend: true,
            resume: false,
            desc_group: true,
            persist: false,
            parent: EADOK
        }
    );
    let c = Caps::new(
        false,
        false,
        false,
        &MapOps {
            set_map: true,
            dma_map: false,
            reset_map: true,
        },
        0,
    );
    assert!(c.persist);
    assert_eq!(check_ack(PERSIST, &c), Ok(PERSIST));
}
