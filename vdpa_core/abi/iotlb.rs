// SPDX-License-Identifier: GPL-2.0

//! A read-only view of the IOTLB that `set_map` receives.
//!
//! The tree belongs to vhost-vdpa; a parent reads it during `set_map` and
//! keeps its own copy. Walking it uses `vhost_iotlb.ko`.

use kernel::types::Opaque;

use super::bindings;

/// One mapping: IOVAs `start..=last` to `addr`, with `perm`
/// (`VHOST_MAP_RO`/`WO`/`RW`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Map {
    /// First IOVA.
    pub(crate) start: u64,
    /// Last IOVA (inclusive).
    pub(crate) last: u64,
    /// Physical address, or user virtual address for `use_va` devices.
    pub(crate) addr: u64,
    /// Access permission bits.
    pub(crate) perm: u32,
}

/// The translation tree of one address space (`struct vhost_iotlb`).
#[repr(transparent)]
pub(crate) struct Iotlb(Opaque<bindings::vhost_iotlb>);

impl Iotlb {
    /// Wraps the tree passed to `set_map`.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid tree that nobody changes while the returned
    /// reference is used.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::vhost_iotlb) -> &'a Self {
        // SAFETY: `Iotlb` is a transparent wrapper (caller guarantees the rest).
        unsafe { &*ptr.cast::<Self>() }
    }

    /// Number of mappings.
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: the tree is valid and unchanged (type invariant of `from_raw`).
        unsafe { (*self.0.get()).nmaps }
    }

    /// Whether the tree has no mapping.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The mappings that overlap `start..=last`, in IOVA order.
    pub(crate) fn overlapping(&self, start: u64, last: u64) -> impl Iterator<Item = Map> + '_ {
        let mut cur: *mut bindings::vhost_iotlb_map = core::ptr::null_mut();
        let mut first = true;
        core::iter::from_fn(move || {
            // SAFETY: the tree is valid and unchanged; `cur` is an entry
            // of it returned by the previous call.
            cur = unsafe {
                if first {
                    first = false;
                    bindings::vhost_iotlb_itree_first(self.0.get(), start, last)
                } else if cur.is_null() {
                    return None;
                } else {
                    bindings::vhost_iotlb_itree_next(cur, start, last)
                }
            };
            if cur.is_null() {
                return None;
            }
            // SAFETY: `cur` is an entry of the tree.
            let m = unsafe { &*cur };
            Some(Map { start: m.start, last: m.last, addr: m.addr, perm: m.perm })
        })
    }

    /// Every mapping, in IOVA order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Map> + '_ {
        self.overlapping(0, u64::MAX)
    }
}
