// SPDX-License-Identifier: GPL-2.0

//! IOTLBs (`struct vhost_iotlb`): the read-only tree `set_map` receives
//! ([`IotlbRef`]) and a parent's own writable copy ([`Iotlb`]), with the
//! address-space id ([`Asid`]) and permissions ([`Perm`]) the map ops take.
//!
//! The trees are `vhost_iotlb.ko`'s; every call below goes to it.

use core::ffi::c_void;
#[cfg(not(vdpa_core_bus))]
use core::ptr::NonNull;

#[cfg(not(vdpa_core_bus))]
use kernel::prelude::*;
use kernel::types::Opaque;

use super::bindings;

/// An address-space id below the device's `nas`.
///
/// # Invariants
///
/// Only made by [`Asid::new`] against the device's `nas`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Asid(u32);

impl Asid {
    /// `asid` if it is below `nas`.
    pub(crate) fn new(asid: u32, nas: u32) -> Option<Self> {
        (asid < nas).then_some(Self(asid))
    }

    /// The id.
    pub(crate) fn get(self) -> u32 {
        self.0
    }

    /// The id, for indexing a per-address-space array.
    pub(crate) fn as_usize(self) -> usize {
        self.0 as usize
    }
}

/// Access rights of a mapping (`VHOST_MAP_RO`/`WO`/`RW`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Perm(u32);

impl Perm {
    /// The device may read.
    pub(crate) const RO: Self = Self(bindings::VHOST_MAP_RO);
    /// The device may write.
    pub(crate) const WO: Self = Self(bindings::VHOST_MAP_WO);
    /// The device may read and write.
    pub(crate) const RW: Self = Self(bindings::VHOST_MAP_RW);

    /// The permission bits a bus driver passed, if they are a valid,
    /// non-empty set.
    pub(crate) fn from_bits(bits: u32) -> Option<Self> {
        (bits != 0 && bits & !bindings::VHOST_MAP_RW == 0).then_some(Self(bits))
    }

    /// Bits as user space sent them, unchecked: `vhost_vdpa` stores the
    /// permission of an IOTLB update as it is (0 included), and the
    /// parent refuses accesses it does not allow.
    pub(crate) fn unchecked(bits: u8) -> Self {
        Self(u32::from(bits))
    }

    /// The C bits.
    pub(crate) fn bits(self) -> u32 {
        self.0
    }

    /// Whether the device may read.
    pub(crate) fn readable(self) -> bool {
        self.0 & bindings::VHOST_MAP_RO != 0
    }

    /// Whether the device may write.
    pub(crate) fn writable(self) -> bool {
        self.0 & bindings::VHOST_MAP_WO != 0
    }
}

/// One mapping: IOVAs `start..=last` to `addr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Map {
    /// First IOVA.
    pub(crate) start: u64,
    /// Last IOVA (inclusive).
    pub(crate) last: u64,
    /// Physical address, or user virtual address for `use_va` devices.
    pub(crate) addr: u64,
    /// Raw permission bits, as stored by the tree's owner.
    pub(crate) perm: u32,
    /// The owner's cookie (`vhost_vdpa` stores its `vdpa_map_file` here
    /// for `use_va` devices); never dereferenced by this layer.
    pub(crate) opaque: *mut c_void,
}

/// A translation tree the parent may read but not change: the one passed
/// to `set_map`, or the view of an [`Iotlb`].
///
/// # Invariants
///
/// Wraps a valid tree that nobody changes while a reference exists.
#[repr(transparent)]
pub(crate) struct IotlbRef(Opaque<bindings::vhost_iotlb>);

impl IotlbRef {
    /// Wraps a tree.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid tree that nobody changes for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::vhost_iotlb) -> &'a Self {
        // SAFETY: `IotlbRef` is a transparent wrapper (caller guarantees
        // the rest).
        unsafe { &*ptr.cast::<Self>() }
    }

    /// The C tree.
    pub(crate) fn as_raw(&self) -> *mut bindings::vhost_iotlb {
        self.0.get()
    }

    /// Number of mappings.
    pub(crate) fn len(&self) -> u32 {
        // SAFETY: the tree is valid and unchanged (type invariant).
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
            // SAFETY: the tree is valid and unchanged (type invariant);
            // `cur` is an entry of it returned by the previous call.
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
            // SAFETY: `cur` is an entry of the unchanged tree.
            let m = unsafe { &*cur };
            Some(Map { start: m.start, last: m.last, addr: m.addr, perm: m.perm, opaque: m.opaque })
        })
    }

    /// Every mapping, in IOVA order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Map> + '_ {
        self.overlapping(0, u64::MAX)
    }

    /// The mapping that contains `iova`, if any.
    pub(crate) fn find(&self, iova: u64) -> Option<Map> {
        self.overlapping(iova, iova).next()
    }
}

/// A parent's own translation tree, freed when dropped. Not in `vdpa.ko`
/// (`vdpa_core_bus`), which must not depend on `vhost_iotlb.ko`.
///
/// Mutation needs `&mut self`: keep it under the lock that serialises the
/// parent's map ops. It is heap-allocated, so the handle moves freely.
///
/// # Invariants
///
/// `0` was returned by `vhost_iotlb_alloc` and is owned by this value.
#[cfg(not(vdpa_core_bus))]
pub(crate) struct Iotlb(NonNull<bindings::vhost_iotlb>);

// SAFETY: the tree is plain memory owned by this value; `vhost_iotlb` has
// no thread affinity.
#[cfg(not(vdpa_core_bus))]
unsafe impl Send for Iotlb {}
// SAFETY: `&Iotlb` only reads (through `IotlbRef`), which is safe to do
// concurrently.
#[cfg(not(vdpa_core_bus))]
unsafe impl Sync for Iotlb {}

#[cfg(not(vdpa_core_bus))]
impl Iotlb {
    /// An empty tree of at most `limit` mappings. With `retire`, adding
    /// past the limit drops the oldest mapping instead of failing.
    ///
    /// # Errors
    ///
    /// `EINVAL` for a limit of 0 (a tree that can hold nothing:
    /// `vhost_iotlb` refuses every mapping then); `ENOMEM`.
    pub(crate) fn new(limit: u32, retire: bool) -> Result<Self> {
        if limit == 0 {
            return Err(EINVAL);
        }
        let flags = if retire { bindings::VHOST_IOTLB_FLAG_RETIRE } else { 0 };
        // SAFETY: plain allocation; checked below.
        let raw = unsafe { bindings::vhost_iotlb_alloc(limit, flags) };
        NonNull::new(raw).map(Self).ok_or(ENOMEM)
    }

    /// The tree, read-only.
    pub(crate) fn view(&self) -> &IotlbRef {
        // SAFETY: owned and valid (type invariant); changes need `&mut
        // self`, which the returned borrow rules out.
        unsafe { IotlbRef::from_raw(self.0.as_ptr()) }
    }

    /// Maps `start..=last` to `addr`.
    ///
    /// # Errors
    ///
    /// `EFAULT` if `last < start` (as `vhost_iotlb`); `ENOMEM`; `ENOSPC`
    /// when the limit is reached without `retire`.
    pub(crate) fn add(&mut self, start: u64, last: u64, addr: u64, perm: Perm, opaque: *mut c_void) -> Result {
        // SAFETY: the tree is owned (type invariant) and borrowed mutably;
        // `opaque` is only stored.
        kernel::error::to_result(unsafe {
            bindings::vhost_iotlb_add_range_ctx(self.0.as_ptr(), start, last, addr, perm.bits(), opaque)
        })
    }

    /// Removes every mapping that overlaps `start..=last`.
    pub(crate) fn del(&mut self, start: u64, last: u64) {
        // SAFETY: as in `add`.
        unsafe { bindings::vhost_iotlb_del_range(self.0.as_ptr(), start, last) };
    }

    /// Removes every mapping.
    pub(crate) fn reset(&mut self) {
        // SAFETY: as in `add`.
        unsafe { bindings::vhost_iotlb_reset(self.0.as_ptr()) };
    }

    /// Replaces the contents with a copy of `src` (what `set_map` does).
    /// On failure the tree is left as it was.
    ///
    /// # Errors
    ///
    /// `ENOMEM`, or `ENOSPC` past the limit.
    pub(crate) fn replace_with(&mut self, src: &IotlbRef) -> Result {
        // SAFETY: the tree is owned; the limit and flags are plain fields.
        let (limit, flags) = unsafe { ((*self.0.as_ptr()).limit, (*self.0.as_ptr()).flags) };
        let mut copy = Self::new(limit, flags & bindings::VHOST_IOTLB_FLAG_RETIRE != 0)?;
        for m in src.iter() {
            // Permissions come from the source tree, unchanged.
            let perm = Perm(m.perm);
            copy.add(m.start, m.last, m.addr, perm, m.opaque)?;
        }
        core::mem::swap(self, &mut copy);
        Ok(())
    }

    /// Number of mappings.
    pub(crate) fn len(&self) -> u32 {
        self.view().len()
    }
}

#[cfg(not(vdpa_core_bus))]
impl Drop for Iotlb {
    fn drop(&mut self) {
        // SAFETY: owned (type invariant); nothing uses it afterwards.
        unsafe { bindings::vhost_iotlb_free(self.0.as_ptr()) };
    }
}
