// SPDX-License-Identifier: GPL-2.0

//! Config-space and status access under the device's `cf_lock`:
//! `vdpa_get_config`, `vdpa_set_config` and `vdpa_set_status`.
//!
//! The header's inline helpers (`vdpa_reset`, `vdpa_set_features`), which
//! C drivers compile into themselves, take the same lock.

use core::ffi::c_void;
use core::ptr;

use kernel::ffi::c_uint;

use crate::abi::bindings;

/// `cf_lock` of a device held for reading; released when dropped.
pub(crate) struct CfRead(*mut bindings::vdpa_device);

/// `cf_lock` of a device held for writing; released when dropped.
pub(crate) struct CfWrite(*mut bindings::vdpa_device);

impl CfRead {
    /// Takes the lock.
    ///
    /// # Safety
    ///
    /// `vdev` must be a valid device that outlives the guard.
    pub(crate) unsafe fn new(vdev: *mut bindings::vdpa_device) -> Self {
        // SAFETY: `cf_lock` was initialised at allocation.
        unsafe { bindings::down_read(ptr::addr_of_mut!((*vdev).cf_lock)) };
        Self(vdev)
    }
}

impl CfWrite {
    /// Takes the lock.
    ///
    /// # Safety
    ///
    /// `vdev` must be a valid device that outlives the guard.
    pub(crate) unsafe fn new(vdev: *mut bindings::vdpa_device) -> Self {
        // SAFETY: `cf_lock` was initialised at allocation.
        unsafe { bindings::down_write(ptr::addr_of_mut!((*vdev).cf_lock)) };
        Self(vdev)
    }
}

impl Drop for CfRead {
    fn drop(&mut self) {
        // SAFETY: the guard holds the read lock of a live device.
        unsafe { bindings::up_read(ptr::addr_of_mut!((*self.0).cf_lock)) };
    }
}

impl Drop for CfWrite {
    fn drop(&mut self) {
        // SAFETY: the guard holds the write lock of a live device.
        unsafe { bindings::up_write(ptr::addr_of_mut!((*self.0).cf_lock)) };
    }
}

/// Reads config space; the caller holds `cf_lock`. A read before the
/// driver set any feature first sets features 0 (a legacy driver's view),
/// ignoring the parent's answer, as upstream does.
///
/// # Safety
///
/// `vdev` valid, `buf` writable for `len` bytes, `cf_lock` held.
pub(crate) unsafe fn get_config_locked(
    vdev: *mut bindings::vdpa_device,
    offset: c_uint,
    buf: *mut c_void,
    len: c_uint,
) {
    // SAFETY: guaranteed by the caller; the two ops are mandatory.
    unsafe {
        let ops = &*(*vdev).config;
        if !(*vdev).features_valid {
            (*vdev).features_valid = true;
            if let Some(set_features) = ops.set_driver_features {
                set_features(vdev, 0);
            }
        }
        if let Some(get_config) = ops.get_config {
            get_config(vdev, offset, buf, len);
        }
    }
}

/// Reads `len` bytes of config space at `offset` into `buf`.
///
/// # Safety
///
/// `vdev` must be a valid device and `buf` writable for `len` bytes.
#[no_mangle]
pub(crate) unsafe extern "C" fn vdpa_get_config(
    vdev: *mut bindings::vdpa_device,
    offset: c_uint,
    buf: *mut c_void,
    len: c_uint,
) {
    // SAFETY: guaranteed by the caller.
    let _guard = unsafe { CfRead::new(vdev) };
    // SAFETY: guaranteed by the caller; the lock is held.
    unsafe { get_config_locked(vdev, offset, buf, len) };
}

/// Writes `length` bytes from `buf` into config space at `offset`.
///
/// # Safety
///
/// `vdev` must be a valid device and `buf` readable for `length` bytes.
#[no_mangle]
pub(crate) unsafe extern "C" fn vdpa_set_config(
    vdev: *mut bindings::vdpa_device,
    offset: c_uint,
    buf: *const c_void,
    length: c_uint,
) {
    // SAFETY: guaranteed by the caller.
    let _guard = unsafe { CfWrite::new(vdev) };
    // SAFETY: guaranteed by the caller; `set_config` is mandatory.
    unsafe {
        if let Some(set_config) = (*(*vdev).config).set_config {
            set_config(vdev, offset, buf, length);
        }
    }
}

/// Writes the virtio status byte.
///
/// # Safety
///
/// `vdev` must be a valid device.
#[no_mangle]
pub(crate) unsafe extern "C" fn vdpa_set_status(vdev: *mut bindings::vdpa_device, status: u8) {
    // SAFETY: guaranteed by the caller.
    let _guard = unsafe { CfWrite::new(vdev) };
    // SAFETY: guaranteed by the caller; `set_status` is mandatory.
    unsafe {
        if let Some(set_status) = (*(*vdev).config).set_status {
            set_status(vdev, status);
        }
    }
}
