// SPDX-License-Identifier: GPL-2.0

//! Device allocation, registration and release: the exported
//! `__vdpa_alloc_device`, `[_]vdpa_register_device` and
//! `[_]vdpa_unregister_device`.

use core::ptr;

use kernel::ffi::{c_char, c_int, c_uint};
use kernel::prelude::*;

use crate::abi::bindings;
use crate::abi::cell::{zeroed, StaticCell};
use crate::abi::device::dev_name;
use crate::state::Exclusive;
use crate::{bus, state};

/// The lockdep class of every device's `cf_lock` (upstream's has one
/// class too, from its one `init_rwsem` call site), apart from every
/// other lock.
// SAFETY: lockdep wants static, zeroed storage for a key.
static CF_LOCK_KEY: StaticCell<bindings::lock_class_key> = StaticCell::new(unsafe { zeroed() });

/// Allocates a vDPA device of `size` bytes (the parent's structure, which
/// starts with the `vdpa_device`) and initialises the device part.
///
/// Returns the device, or an `ERR_PTR`: `-EINVAL` when `config` is NULL,
/// has only one of `dma_map`/`dma_unmap`, or `use_va` is asked without
/// `dma_map` or `set_map`, or when `size` is smaller than a `vdpa_device`
/// (a check upstream lacks); `-ENOMEM`/`-ENOSPC` from allocation. Once
/// returned, the device is freed by `put_device()` only.
///
/// # Safety
///
/// `config` must be NULL or point to an ops table that outlives the device;
/// `parent` must be NULL or a valid device; `name` NULL or a C string.
#[no_mangle]
pub(crate) unsafe extern "C" fn __vdpa_alloc_device(
    parent: *mut bindings::device,
    config: *const bindings::vdpa_config_ops,
    ngroups: c_uint,
    nas: c_uint,
    size: usize,
    name: *const c_char,
    use_va: bool,
) -> *mut bindings::vdpa_device {
    // SAFETY: guaranteed by the caller.
    match unsafe { alloc(parent, config, ngroups, nas, size, name, use_va) } {
        Ok(vdev) => vdev,
        Err(e) => e.to_ptr(),
    }
}

unsafe fn alloc(
    parent: *mut bindings::device,
    config: *const bindings::vdpa_config_ops,
    ngroups: c_uint,
    nas: c_uint,
    size: usize,
    name: *const c_char,
    use_va: bool,
) -> Result<*mut bindings::vdpa_device> {
    if config.is_null() {
        return Err(EINVAL);
    }
    // SAFETY: `config` is a valid ops table (caller).
    let ops = unsafe { &*config };
    if ops.dma_map.is_some() != ops.dma_unmap.is_some() {
        return Err(EINVAL);
    }
    if use_va && ops.dma_map.is_none() && ops.set_map.is_none() {
        return Err(EINVAL);
    }
    if size < core::mem::size_of::<bindings::vdpa_device>() {
        return Err(EINVAL);
    }

    // SAFETY: plain allocation; the result is checked.
    let vdev = unsafe { bindings::vdpa_rs_kzalloc(size) }.cast::<bindings::vdpa_device>();
    if vdev.is_null() {
        return Err(ENOMEM);
    }
    let index = match state::alloc_index() {
        Ok(index) => index,
        Err(e) => {
            // SAFETY: `vdev` was allocated above and is not shared.
            unsafe { bindings::kfree(vdev.cast()) };
            return Err(e);
        }
    };

    // SAFETY: `vdev` is a zeroed allocation of at least a vdpa_device that
    // nothing else references yet.
    unsafe {
        let dev = ptr::addr_of_mut!((*vdev).dev);
        (*dev).bus = bus::bus();
        (*dev).parent = parent;
        (*dev).release = Some(release);
        (*vdev).index = index;
        (*vdev).config = config;
        (*vdev).features_valid = false;
        (*vdev).use_va = use_va;
        (*vdev).ngroups = ngroups;
        (*vdev).nas = nas;

        let err = if name.is_null() {
            bindings::dev_set_name(dev, c"vdpa%u".as_ptr().cast(), index)
        } else {
            bindings::dev_set_name(dev, c"%s".as_ptr().cast(), name)
        };
        if err != 0 {
            state::free_index(index);
            bindings::kfree(vdev.cast());
            return Err(Error::from_errno(err));
        }
        bindings::__init_rwsem(
            ptr::addr_of_mut!((*vdev).cf_lock),
            c"&vdev->cf_lock".as_ptr().cast(),
            CF_LOCK_KEY.get(),
        );
        bindings::device_initialize(dev);
    }
    Ok(vdev)
}

/// The device's release: the parent's `free`, then the index and memory.
unsafe extern "C" fn release(d: *mut bindings::device) {
    // SAFETY: this is the release of a device allocated by `alloc`, called
    // once its last reference is gone.
    unsafe {
        let vdev = bus::to_vdpa(d);
        if let Some(free) = (*(*vdev).config).free {
            free(vdev);
        }
        state::free_index((*vdev).index);
        bindings::kfree(vdev.cast());
    }
}

/// Adds the device to the bus unless another device has its name.
///
/// # Safety
///
/// `vdev` must come from `__vdpa_alloc_device` and not be registered.
unsafe fn register_locked(_excl: &Exclusive<'_>, vdev: *mut bindings::vdpa_device, nvqs: u32) -> c_int {
    // SAFETY: `vdev` is valid and not on the bus yet (caller), so the
    // core's fields are ours to write.
    unsafe {
        (*vdev).nvqs = nvqs;
        let dev = ptr::addr_of_mut!((*vdev).dev);
        if bus::find_by_name(dev_name(dev).as_bytes()).is_some() {
            return EEXIST.to_errno();
        }
        bindings::device_add(dev)
    }
}

/// Registers a device created by a management device's `dev_add`, which
/// runs with the device-list lock held. `-EINVAL` without `vdev->mdev`.
///
/// # Safety
///
/// `vdev` must come from `__vdpa_alloc_device`.
#[no_mangle]
pub(crate) unsafe extern "C" fn _vdpa_register_device(vdev: *mut bindings::vdpa_device, nvqs: u32) -> c_int {
    // SAFETY: `vdev` is valid (caller).
    if unsafe { (*vdev).mdev }.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: `dev_add`, the only caller the ABI allows, runs with the
    // lock held for writing.
    let excl = unsafe { Exclusive::assume_held() };
    // SAFETY: `vdev` is valid (caller).
    unsafe { register_locked(&excl, vdev, nvqs) }
}

/// Registers a device that no management device created.
///
/// # Safety
///
/// `vdev` must come from `__vdpa_alloc_device`.
#[no_mangle]
pub(crate) unsafe extern "C" fn vdpa_register_device(vdev: *mut bindings::vdpa_device, nvqs: u32) -> c_int {
    let guard = state::write();
    // SAFETY: `vdev` is valid (caller).
    unsafe { register_locked(&Exclusive::of(&guard), vdev, nvqs) }
}

/// Unregisters a device from a management device's `dev_del` (device-list
/// lock held).
///
/// # Safety
///
/// `vdev` must be a registered device.
#[no_mangle]
pub(crate) unsafe extern "C" fn _vdpa_unregister_device(vdev: *mut bindings::vdpa_device) {
    // SAFETY: `dev_del`, the only caller the ABI allows, runs with the lock
    // held for writing.
    let _excl = unsafe { Exclusive::assume_held() };
    // SAFETY: `vdev` is a registered device (caller).
    unsafe {
        if (*vdev).mdev.is_null() {
            pr_warn!("_vdpa_unregister_device on a device without management device\n");
        }
        bindings::device_unregister(ptr::addr_of_mut!((*vdev).dev));
    }
}

/// Unregisters a device registered with `vdpa_register_device`.
///
/// # Safety
///
/// `vdev` must be a registered device.
#[no_mangle]
pub(crate) unsafe extern "C" fn vdpa_unregister_device(vdev: *mut bindings::vdpa_device) {
    let _guard = state::write();
    // SAFETY: `vdev` is a registered device (caller); the lock is held.
    unsafe { bindings::device_unregister(ptr::addr_of_mut!((*vdev).dev)) };
}
