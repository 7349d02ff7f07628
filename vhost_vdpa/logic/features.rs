// SPDX-License-Identifier: GPL-2.0

//! Backend features (contract B.4): what GET_BACKEND_FEATURES offers, how
//! SET_BACKEND_FEATURES checks an ack, what the ack later decides, and the
//! persistent-map capability (contract A.3).

use super::uapi::{
    BACKEND_F_DESC_ASID, BACKEND_F_ENABLE_AFTER_DRIVER_OK, BACKEND_F_IOTLB_ASID,
    BACKEND_F_IOTLB_BATCH, BACKEND_F_IOTLB_MSG_V2, BACKEND_F_IOTLB_PERSIST, BACKEND_F_RESUME,
    BACKEND_F_SUSPEND, VDPA_RESET_F_CLEAN_MAP,
};
use super::Errno;

/// The bit of feature number `nr` (all numbers here are below 64).
const fn bit(nr: u32) -> u64 {
    1u64 << nr
}

/// Offered to every parent: IOTLB_MSG_V2, IOTLB_BATCH and IOTLB_ASID
/// (`VHOST_VDPA_BACKEND_FEATURES`).
pub(crate) const ALWAYS: u64 =
    bit(BACKEND_F_IOTLB_MSG_V2) | bit(BACKEND_F_IOTLB_BATCH) | bit(BACKEND_F_IOTLB_ASID);

/// Every bit SET_BACKEND_FEATURES may carry: bits 1 to 8.
pub(crate) const KNOWN: u64 = ALWAYS
    | bit(BACKEND_F_DESC_ASID)
    | bit(BACKEND_F_IOTLB_PERSIST)
    | bit(BACKEND_F_SUSPEND)
    | bit(BACKEND_F_RESUME)
    | bit(BACKEND_F_ENABLE_AFTER_DRIVER_OK);

/// Which mapping ops the parent has (the engine of contract A.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct MapOps {
    /// Parent has `set_map`.
    pub(crate) set_map: bool,
    /// Parent has `dma_map`.
    pub(crate) dma_map: bool,
    /// Parent has `reset_map`.
    pub(crate) reset_map: bool,
}

/// The persistent-map capability (`vhost_vdpa_has_persistent_map`):
/// the parent uses the platform IOMMU (neither `set_map` nor `dma_map`),
/// or has `reset_map`, or its `get_backend_features()` (`parent`, 0 without
/// the op) reports IOTLB_PERSIST.
///
/// `use_va` plays no part: the C does not look at it.
pub(crate) fn persistent_map(ops: &MapOps, parent: u64) -> bool {
    (!ops.set_map && !ops.dma_map) || ops.reset_map || parent & bit(BACKEND_F_IOTLB_PERSIST) != 0
}

/// What the parent can do, as far as backend features go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Caps {
    /// Parent has `suspend`.
    pub(crate) suspend: bool,
    /// Parent has `resume`.
    pub(crate) resume: bool,
    /// Parent has `get_vq_desc_group`.
    pub(crate) desc_group: bool,
    /// The persistent-map capability: must be [`persistent_map`]'s answer.
    pub(crate) persist: bool,
    /// The parent's `get_backend_features()`, or 0 without the op.
    pub(crate) parent: u64,
}

impl Caps {
    /// Capabilities of a parent, `persist` derived by [`persistent_map`].
    pub(crate) fn new(
        suspend: bool,
        resume: bool,
        desc_group: bool,
        ops: &MapOps,
        parent: u64,
    ) -> Self {
        Self {
            suspend,
            resume,
            desc_group,
            persist: persistent_map(ops, parent),
            parent,
        }
    }
}

/// GET_BACKEND_FEATURES: [`ALWAYS`], SUSPEND/RESUME/DESC_ASID/IOTLB_PERSIST
/// when the parent can, and whatever the parent itself reports (unmasked:
/// a parent bit outside 1..8 is passed through).
pub(crate) fn offered(caps: &Caps) -> u64 {
    let mut f = ALWAYS;
    if caps.suspend {
        f |= bit(BACKEND_F_SUSPEND);
    }
    if caps.resume {
        f |= bit(BACKEND_F_RESUME);
    }
    if caps.desc_group {
        f |= bit(BACKEND_F_DESC_ASID);
    }
    if caps.persist {
        f |= bit(BACKEND_F_IOTLB_PERSIST);
    }
    f | caps.parent
}

/// SET_BACKEND_FEATURES: checks `value` in the contract's (and the C's)
/// order and returns the ack to store. No owner or status check applies.
///
/// MSG_V2, BATCH, ASID and ENABLE_AFTER_DRIVER_OK are accepted whether or
/// not they were offered (quirk).
///
/// # Errors
///
/// 1. [`Errno::EOPNOTSUPP`]: a bit outside 1..8 (bit 0 included);
/// 2. [`Errno::EOPNOTSUPP`]: SUSPEND without `suspend`, RESUME without
///    `resume`;
/// 3. [`Errno::EINVAL`]: DESC_ASID without IOTLB_ASID in `value`;
/// 4. [`Errno::EOPNOTSUPP`]: DESC_ASID without `get_vq_desc_group`;
/// 5. [`Errno::EOPNOTSUPP`]: IOTLB_PERSIST without the persistent-map
///    capability.
pub(crate) fn check_ack(value: u64, caps: &Caps) -> Result<u64, Errno> {
    let has = |nr| value & bit(nr) != 0;
    if value & !KNOWN != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    if has(BACKEND_F_SUSPEND) && !caps.suspend {
        return Err(Errno::EOPNOTSUPP);
    }
    if has(BACKEND_F_RESUME) && !caps.resume {
        return Err(Errno::EOPNOTSUPP);
    }
    if has(BACKEND_F_DESC_ASID) && !has(BACKEND_F_IOTLB_ASID) {
        return Err(Errno::EINVAL);
    }
    if has(BACKEND_F_DESC_ASID) && !caps.desc_group {
        return Err(Errno::EOPNOTSUPP);
    }
    if has(BACKEND_F_IOTLB_PERSIST) && !caps.persist {
        return Err(Errno::EOPNOTSUPP);
    }
    Ok(value)
}

/// Whether the ack has IOTLB_ASID: v2 IOTLB messages then carry an asid.
pub(crate) fn acked_asid(acked: u64) -> bool {
    acked & bit(BACKEND_F_IOTLB_ASID) != 0
}

/// Whether the ack has IOTLB_PERSIST: resets then keep the device's maps.
pub(crate) fn acked_persist(acked: u64) -> bool {
    acked & bit(BACKEND_F_IOTLB_PERSIST) != 0
}

/// Flags of the reset done by SET_STATUS(0) and by release
/// (`_compat_vdpa_reset`): [`VDPA_RESET_F_CLEAN_MAP`] iff IOTLB_PERSIST is
/// not acked. The reset at open uses 0 (no queues exist yet, so the C
/// skips the ack test); the parent gets `compat_reset(flags)` if it has the
/// op and flags are non-zero, else `reset()`.
pub(crate) fn reset_flags(acked: u64) -> u32 {
    if acked_persist(acked) {
        0
    } else {
        VDPA_RESET_F_CLEAN_MAP
    }
}
