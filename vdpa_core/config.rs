// SPDX-License-Identifier: GPL-2.0

//! Config-space and status access under the device's `cf_lock`:
//! `vdpa_get_config`, `vdpa_set_config` and `vdpa_set_status`.
//!
//! The header's inline helpers (`vdpa_reset`, `vdpa_set_features`), which
//! C drivers compile into themselves, take the same lock.

use core::ffi::c_void;

use kernel::ffi::c_uint;

use crate::abi::bindings;
use crate::abi::bus::BusDevice;
use crate::abi::rwsem::CfGuard;

/// Reads config space with `cf_lock` held (`held`). A read before the
/// driver set any feature first sets features 0 (a legacy driver's view),
/// ignoring the parent's answer, as upstream does.
///
/// # Safety
///
/// `buf` must be writable for `len` bytes; `held` must be `dev`'s lock.
pub(crate) unsafe fn get_config_locked(dev: &BusDevice, held: &CfGuard<'_>, offset: c_uint, buf: *mut c_void, len: c_uint) {
    let vdev = dev.as_raw();
    // SAFETY: `features_valid` is the core's field, changed under
    // `cf_lock` (held; upstream writes it under the read lock too).
    unsafe {
        if !(*vdev).features_valid {
            (*vdev).features_valid = true;
            let _ = dev.ops().set_driver_features(0);
        }
    }
    if buf.is_null() {
        return;
    }
    // SAFETY: `buf` is writable for `len` bytes (caller); it may be
    // uninitialised, which the raw call allows.
    unsafe { dev.ops().get_config_raw(held, offset, buf.cast::<u8>(), len) };
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
    // SAFETY: `vdev` is a valid device (caller).
    let dev = unsafe { BusDevice::from_raw(vdev) };
    let held = dev.cf_read();
    // SAFETY: `buf` is writable (caller); the lock is `dev`'s.
    unsafe { get_config_locked(dev, &held, offset, buf, len) };
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
    // SAFETY: `vdev` is a valid device (caller).
    let dev = unsafe { BusDevice::from_raw(vdev) };
    let held = dev.cf_write();
    if buf.is_null() {
        return;
    }
    // SAFETY: the caller's buffer is readable for `length` bytes, not NULL.
    let src = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), length as usize) };
    dev.ops().set_config_raw(&held, offset, src);
}

/// Writes the virtio status byte.
///
/// # Safety
///
/// `vdev` must be a valid device.
#[no_mangle]
pub(crate) unsafe extern "C" fn vdpa_set_status(vdev: *mut bindings::vdpa_device, status: u8) {
    // SAFETY: `vdev` is a valid device (caller).
    let dev = unsafe { BusDevice::from_raw(vdev) };
    let held = dev.cf_write();
    dev.ops().set_status_raw(&held, status);
}
