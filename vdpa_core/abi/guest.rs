// SPDX-License-Identifier: GPL-2.0

//! How a software parent reaches the memory its driver put buffers in, once
//! its own IOTLB has translated an IOVA:
//!
//! - a physical address ([`phys_read`], [`phys_write`]): what `virtio_vdpa`
//!   hands out through the DMA API, and what `vhost_vdpa` maps after pinning
//!   user pages when the device does not use virtual addresses;
//! - a user virtual address of the process that owns a `use_va` device
//!   ([`MmUse`], [`user_read`], [`user_write`]), reachable while the worker
//!   has adopted that process's mm.
//!
//! All of them fail with `EFAULT` instead of faulting the kernel: a frame
//! without a `struct page` is refused, and user copies go through the
//! fixup-protected `copy_{from,to}_user`.

use kernel::prelude::*;
use kernel::uaccess::UserSlice;

use super::bindings;
use super::config_ops::{Mm, MmGrab};

/// Copies `buf.len()` bytes from physical address `pa`.
///
/// # Errors
///
/// `EFAULT` if a page of the range has no `struct page`.
pub(crate) fn phys_read(pa: u64, buf: &mut [u8]) -> Result {
    // SAFETY: `buf` is valid for writes of its length; the helper only
    // maps frames that have a struct page.
    let ret = unsafe { bindings::vdpa_rs_phys_copy(pa, buf.as_mut_ptr().cast(), buf.len(), false) };
    to_result(ret)
}

/// Copies `data` to physical address `pa`.
///
/// # Errors
///
/// `EFAULT` if a page of the range has no `struct page`.
pub(crate) fn phys_write(pa: u64, data: &[u8]) -> Result {
    // SAFETY: with `to_phys` the helper only reads `data`, valid for its
    // length.
    let ret = unsafe { bindings::vdpa_rs_phys_copy(pa, data.as_ptr().cast_mut().cast(), data.len(), true) };
    to_result(ret)
}

fn to_result(ret: i32) -> Result {
    if ret < 0 {
        Err(Error::from_errno(ret))
    } else {
        Ok(())
    }
}

/// The calling kernel thread runs on the address space of a process for as
/// long as this value lives (`kthread_use_mm`), so user copies reach that
/// process's memory.
///
/// # Invariants
///
/// `mm` holds an `mmget` reference and is the current kthread's mm.
pub(crate) struct MmUse<'a> {
    mm: &'a Mm,
}

impl<'a> MmUse<'a> {
    /// Adopts `mm` in the current kernel thread (a workqueue worker).
    /// Returns `None` if the process is exiting (its users are gone).
    ///
    /// Must be called from a kernel thread that has no mm of its own, and
    /// the value must be dropped on the same thread before it returns to
    /// its pool: workqueue work functions satisfy both when they keep it
    /// on their stack.
    pub(crate) fn adopt(mm: &'a MmGrab) -> Option<Self> {
        let mm = mm.get();
        // SAFETY: the grab keeps the mm_struct allocated.
        if !unsafe { bindings::vdpa_rs_mmget_not_zero(mm.as_raw()) } {
            return None;
        }
        // SAFETY: the mm has a user reference (just taken); the caller runs
        // in a kthread without an mm (documented requirement).
        unsafe { bindings::vdpa_rs_kthread_use_mm(mm.as_raw()) };
        Some(Self { mm })
    }
}

impl Drop for MmUse<'_> {
    fn drop(&mut self) {
        // SAFETY: undoes `adopt` on the same thread (type invariant).
        unsafe {
            bindings::vdpa_rs_kthread_unuse_mm(self.mm.as_raw());
            bindings::vdpa_rs_mmput(self.mm.as_raw());
        }
    }
}

/// Copies `buf.len()` bytes from user address `va` of the adopted mm.
///
/// # Errors
///
/// `EFAULT` if part of the range is not mapped readable.
pub(crate) fn user_read(_mm: &MmUse<'_>, va: u64, buf: &mut [u8]) -> Result {
    let va = usize::try_from(va).map_err(|_| EFAULT)?;
    UserSlice::new(va, buf.len()).reader().read_slice(buf)
}

/// Copies `data` to user address `va` of the adopted mm.
///
/// # Errors
///
/// `EFAULT` if part of the range is not mapped writable.
pub(crate) fn user_write(_mm: &MmUse<'_>, va: u64, data: &[u8]) -> Result {
    let va = usize::try_from(va).map_err(|_| EFAULT)?;
    UserSlice::new(va, data.len()).writer().write_slice(data)
}

/// Reads the 16-bit value at physical address `pa` (2-byte aligned) in
/// one access.
///
/// # Errors
///
/// `EFAULT` for a frame without a `struct page` or an odd address.
pub(crate) fn phys_read_u16(pa: u64) -> Result<u16> {
    let mut v = 0u16;
    // SAFETY: `v` is valid for writes; the helper checks the frame.
    to_result(unsafe { bindings::vdpa_rs_phys_access_u16(pa, &mut v, false) })?;
    Ok(v)
}

/// Writes `val` at physical address `pa` (2-byte aligned) in one access.
///
/// # Errors
///
/// As [`phys_read_u16`].
pub(crate) fn phys_write_u16(pa: u64, val: u16) -> Result {
    let mut v = val;
    // SAFETY: `v` is valid for reads; the helper checks the frame.
    to_result(unsafe { bindings::vdpa_rs_phys_access_u16(pa, &mut v, true) })
}

/// Reads the 16-bit value at user address `va` of the adopted mm in one
/// access (`get_user`).
///
/// # Errors
///
/// `EFAULT` if it is not mapped readable.
pub(crate) fn user_read_u16(_mm: &MmUse<'_>, va: u64) -> Result<u16> {
    let mut v = 0u16;
    // SAFETY: `v` is valid for writes; `get_user` checks the address and
    // recovers from faults.
    to_result(unsafe { bindings::vdpa_rs_user_read_u16(va, &mut v) })?;
    Ok(v)
}

/// Writes `val` at user address `va` of the adopted mm in one access
/// (`put_user`).
///
/// # Errors
///
/// `EFAULT` if it is not mapped writable.
pub(crate) fn user_write_u16(_mm: &MmUse<'_>, va: u64, val: u16) -> Result {
    // SAFETY: `put_user` checks the address and recovers from faults.
    to_result(unsafe { bindings::vdpa_rs_user_write_u16(va, val) })
}

/// Runs `f` with bottom halves disabled, the way a parent calls a driver's
/// interrupt callback from process context: `virtio_net` schedules NAPI
/// there, and the softirq runs when they are enabled again.
pub(crate) fn with_bh_disabled<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: balanced with the enable below, on the same thread.
    unsafe { bindings::vdpa_rs_local_bh_disable() };
    let r = f();
    // SAFETY: see above.
    unsafe { bindings::vdpa_rs_local_bh_enable() };
    r
}
