// SPDX-License-Identifier: GPL-2.0

//! IOTLB messages written to `/dev/vhost-vdpa-N` (contract B.5): parsing of
//! one `write()` buffer and the pure decisions of the message handler.
//!
//! The kernel side copies at most [`PARSE_LEN`] bytes of the write (the C
//! reads no more) and calls [`parse`]; a parse error is the write's error.
//! It then takes the device mutex, checks ownership (not owner → EFAULT),
//! calls [`Batch::plan`] and carries the plan out; any handler failure is
//! returned as EFAULT, success as [`WRITE_RETURN`].

use super::args::{le32, le64};
use super::uapi::{
    IOTLB_BODY_LEN, IOTLB_BODY_OFFSET, IOTLB_MSG_LEN, VHOST_IOTLB_BATCH_BEGIN,
    VHOST_IOTLB_BATCH_END, VHOST_IOTLB_INVALIDATE, VHOST_IOTLB_MSG, VHOST_IOTLB_MSG_V2,
    VHOST_IOTLB_UPDATE,
};
use super::Errno;

/// What a successful `write()` returns: `sizeof(struct vhost_msg)` (=
/// `sizeof(struct vhost_msg_v2)`), whatever the length written (quirk).
pub(crate) const WRITE_RETURN: usize = IOTLB_MSG_LEN;

/// Bytes [`parse`] looks at: the 4-byte type, 4 bytes of padding or asid,
/// and the 32-byte body. A write shorter than this is refused.
pub(crate) const PARSE_LEN: usize = IOTLB_BODY_OFFSET + IOTLB_BODY_LEN;

/// The `type` byte of `struct vhost_iotlb_msg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MsgType {
    /// `VHOST_IOTLB_UPDATE`: map a range.
    Update,
    /// `VHOST_IOTLB_INVALIDATE`: unmap the entries overlapping a range.
    Invalidate,
    /// `VHOST_IOTLB_BATCH_BEGIN`.
    BatchBegin,
    /// `VHOST_IOTLB_BATCH_END`.
    BatchEnd,
    /// Anything else (MISS, ACCESS_FAIL, 0, 7..): refused by the handler.
    Other(u8),
}

impl MsgType {
    /// The type of the raw byte.
    pub(crate) fn from_raw(raw: u8) -> Self {
        match raw {
            VHOST_IOTLB_UPDATE => Self::Update,
            VHOST_IOTLB_INVALIDATE => Self::Invalidate,
            VHOST_IOTLB_BATCH_BEGIN => Self::BatchBegin,
            VHOST_IOTLB_BATCH_END => Self::BatchEnd,
            other => Self::Other(other),
        }
    }

    /// The raw byte of the type.
    pub(crate) fn raw(self) -> u8 {
        match self {
            Self::Update => VHOST_IOTLB_UPDATE,
            Self::Invalidate => VHOST_IOTLB_INVALIDATE,
            Self::BatchBegin => VHOST_IOTLB_BATCH_BEGIN,
            Self::BatchEnd => VHOST_IOTLB_BATCH_END,
            Self::Other(raw) => raw,
        }
    }
}

/// One parsed IOTLB message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Msg {
    /// Address space: from a v2 header if IOTLB_ASID is acked, else 0.
    pub(crate) asid: u32,
    /// Message type.
    pub(crate) kind: MsgType,
    /// First IOVA.
    pub(crate) iova: u64,
    /// Length in bytes.
    pub(crate) size: u64,
    /// User address the IOVA maps to (UPDATE).
    pub(crate) uaddr: u64,
    /// Permission, [`VHOST_ACCESS_RO`](super::uapi::VHOST_ACCESS_RO) etc.;
    /// not validated (0 is stored as is).
    pub(crate) perm: u8,
}

/// Parses one `write()` (`vhost_chr_write_iter`, vhost.c). Only the first
/// [`PARSE_LEN`] bytes count; anything after them is ignored.
///
/// Reading of the C, in its order (every failure is EINVAL):
/// 1. 4 bytes of `int type`; fewer → EINVAL.
/// 2. `type == 1` (v1): the 4 padding bytes are skipped, asid 0.
///    `type == 2` (v2): with IOTLB_ASID acked (`asid_acked`) the asid is
///    read from bytes 4..8 (fewer → EINVAL); without, bytes 4..8 are
///    skipped and asid is 0. Any other type → EINVAL. v2 needs no MSG_V2
///    ack, v1 is accepted after one.
/// 3. the 32-byte body at offset 8: fewer than 40 bytes in all → EINVAL
///    (the skip clamps at the end of the buffer and the body copy comes
///    short). So a v2 write of 4 to 7 bytes is EINVAL with or without the
///    ASID ack, only at a different step.
/// 4. UPDATE with `size == 0` → EINVAL.
///
/// # Errors
///
/// [`Errno::EINVAL`] as listed.
pub(crate) fn parse(buf: &[u8], asid_acked: bool) -> Result<Msg, Errno> {
    let ty = le32(buf, 0).ok_or(Errno::EINVAL)?;
    let asid = match ty {
        VHOST_IOTLB_MSG => 0,
        VHOST_IOTLB_MSG_V2 if asid_acked => le32(buf, 4).ok_or(Errno::EINVAL)?,
        VHOST_IOTLB_MSG_V2 => 0,
        _ => return Err(Errno::EINVAL),
    };
    let body = buf.get(IOTLB_BODY_OFFSET..PARSE_LEN).ok_or(Errno::EINVAL)?;
    let iova = le64(body, 0).ok_or(Errno::EINVAL)?;
    let size = le64(body, 8).ok_or(Errno::EINVAL)?;
    let uaddr = le64(body, 16).ok_or(Errno::EINVAL)?;
    let perm = *body.get(24).ok_or(Errno::EINVAL)?;
    let kind = MsgType::from_raw(*body.get(25).ok_or(Errno::EINVAL)?);
    if kind == MsgType::Update && size == 0 {
        return Err(Errno::EINVAL);
    }
    Ok(Msg {
        asid,
        kind,
        iova,
        size,
        uaddr,
        perm,
    })
}

/// What the handler must do for an accepted message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// Create the address space if `create_as`, check the range with
    /// [`update_range`] and for overlap (EEXIST), then map.
    Update {
        /// The address space does not exist yet and must be created.
        create_as: bool,
    },
    /// Unmap the entries [`invalidate_hits`] selects; for `set_map`
    /// parents push the tree unless [`Batch::in_batch`].
    Invalidate,
    /// Create the address space if `create_as`; the batch is now open.
    BatchBegin {
        /// The address space does not exist yet and must be created.
        create_as: bool,
    },
    /// The batch is now closed. If `commit` and the parent has `set_map`,
    /// call `set_map(asid, tree)` once and ignore its result (quirk).
    BatchEnd {
        /// A batch was open.
        commit: bool,
    },
}

/// Whether handling `msg` creates its address space: UPDATE and
/// BATCH_BEGIN create it on demand when it does not exist and
/// `asid < nas`.
///
/// Creation comes before the batch check, so it also happens when
/// [`Batch::plan`] then refuses the message (quirk: an empty address space
/// is left behind). The kernel side creates the AS whenever this is true,
/// then acts on the plan's result. Pass `nas = 0` when the
/// `max_iotlb_entries` parameter is ≤ 0: `vhost_vdpa_alloc_as` then
/// creates nothing.
pub(crate) fn creates_as(msg: &Msg, nas: u32, as_exists: bool) -> bool {
    matches!(msg.kind, MsgType::Update | MsgType::BatchBegin) && !as_exists && msg.asid < nas
}

/// The batching state of an open device file (`in_batch`, `batch_asid`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Batch {
    /// The asid of the open batch; `None` outside a batch.
    asid: Option<u32>,
}

impl Batch {
    /// No batch open.
    pub(crate) const fn new() -> Self {
        Self { asid: None }
    }

    /// Closes any batch: at open and release only.
    ///
    /// `vhost_vdpa_reset()` clears `in_batch`, and open and release go
    /// through it; SET_STATUS(0) calls `_compat_vdpa_reset()` directly, so
    /// a reset by status leaves an open batch open (quirk).
    pub(crate) fn clear(&mut self) {
        self.asid = None;
    }

    /// Whether a batch is open (`set_map` is then deferred to BATCH_END).
    pub(crate) fn in_batch(&self) -> bool {
        self.asid.is_some()
    }

    /// The asid of the open batch.
    pub(crate) fn asid(&self) -> Option<u32> {
        self.asid
    }

    /// The handler's decisions (`vhost_vdpa_process_iotlb_msg`), after the
    /// owner check, for `msg` against `nas` address spaces of which
    /// `msg.asid`'s exists iff `as_exists`. Updates the batch state on
    /// success only.
    ///
    /// The C's order: (1) UPDATE and BATCH_BEGIN find or create the AS
    /// (creation fails if `asid >= nas`), every other type needs an
    /// existing one — MISS, ACCESS_FAIL, 0 and ≥ 7 included, and BATCH_END
    /// too, even outside a batch; (2) while a batch is open, a message for
    /// another asid is refused — after step 1, so the AS may have been
    /// created (see [`creates_as`]); (3) the type: unknown ones are
    /// refused. BATCH_BEGIN inside a batch re-opens it (harmless for the
    /// same asid; another asid fails step 2). BATCH_END outside a batch
    /// succeeds without a commit.
    ///
    /// The C handler returns EINVAL for all of these; the write turns every
    /// handler error into EFAULT, which is what this returns.
    ///
    /// # Errors
    ///
    /// [`Errno::EFAULT`] as listed.
    pub(crate) fn plan(&mut self, msg: &Msg, nas: u32, as_exists: bool) -> Result<Plan, Errno> {
        let create_as = creates_as(msg, nas, as_exists);
        if !as_exists && !create_as {
            return Err(Errno::EFAULT);
        }
        if self.asid.is_some_and(|b| b != msg.asid) {
            return Err(Errno::EFAULT);
        }
        match msg.kind {
            MsgType::Update => Ok(Plan::Update { create_as }),
            MsgType::Invalidate => Ok(Plan::Invalidate),
            MsgType::BatchBegin => {
                self.asid = Some(msg.asid);
                Ok(Plan::BatchBegin { create_as })
            }
            MsgType::BatchEnd => {
                let commit = self.asid.is_some();
                self.asid = None;
                Ok(Plan::BatchEnd { commit })
            }
            MsgType::Other(_) => Err(Errno::EFAULT),
        }
    }
}

/// UPDATE: checks `iova..iova + size` against the usable range
/// `range_first..=range_last` (`vhost_vdpa_process_iotlb_update`) and
/// returns the last IOVA. The overlap check (EEXIST) follows, on the tree.
///
/// # Errors
///
/// [`Errno::EFAULT`] (the handler's EINVAL as the write reports it) if
/// `size == 0`, `iova < range_first`, `iova + size - 1` passes `u64::MAX`,
/// or `iova + size - 1 > range_last`.
pub(crate) fn update_range(
    iova: u64,
    size: u64,
    range_first: u64,
    range_last: u64,
) -> Result<u64, Errno> {
    let last = size
        .checked_sub(1)
        .and_then(|s| iova.checked_add(s))
        .ok_or(Errno::EFAULT)?;
    if iova < range_first || last > range_last {
        return Err(Errno::EFAULT);
    }
    Ok(last)
}

/// INVALIDATE: the range whose overlapping entries are removed, `(first,
/// last)` inclusive, when `iova + size - 1` does not wrap. `size == 0` is
/// not refused: with `iova == 0` it wraps to the whole 64-bit space
/// (quirk), so that is `Some((0, u64::MAX))`.
///
/// `None` when the last IOVA wraps below `iova` (`size == 0` with
/// `iova > 0`, or `iova + size` past 2^64): there is no plain range then,
/// but upstream still removes something, see [`invalidate_hits`], which is
/// the rule for every case.
pub(crate) fn invalidate_range(iova: u64, size: u64) -> Option<(u64, u64)> {
    let last = iova.wrapping_add(size).wrapping_sub(1);
    if last < iova {
        return None;
    }
    Some((iova, last))
}

/// INVALIDATE: whether the entry `first..=last` is removed by a message
/// with `iova` and `size`.
///
/// Upstream computes `last' = iova + size - 1` with wrapping arithmetic
/// and removes every entry the interval tree reports for `[iova, last']`,
/// i.e. with `first <= last' && last >= iova`. Without a wrap this is
/// "overlaps [`invalidate_range`]". With a wrap (`last' < iova`) it
/// selects only an entry that contains both `last'` and `iova` (entries
/// never overlap, so at most one): e.g. `iova = 0x800, size = 0` removes
/// an entry `0..=0xfff`.
pub(crate) fn invalidate_hits(iova: u64, size: u64, first: u64, last: u64) -> bool {
    let end = iova.wrapping_add(size).wrapping_sub(1);
    first <= end && last >= iova
}
