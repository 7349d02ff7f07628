// SPDX-License-Identifier: GPL-2.0

//! The `vdpa` bus type: matching, probing and removal, and lookups of the
//! devices on it.
//!
//! `driver_override` is the driver core's generic one (the bus sets
//! `driver_override = true`): the sysfs file, its storage and its release
//! all belong to the driver core.

use core::ffi::c_void;
use core::ptr::{self, NonNull};

use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::types::ARef;

use crate::abi::bindings;
use crate::abi::bus::BusDevice;
use crate::abi::device::dev_name;
use crate::abi::cell::{zeroed, StaticCell};

static BUS: StaticCell<bindings::bus_type> = StaticCell::new(bindings::bus_type {
    name: c"vdpa".as_ptr().cast(),
    driver_override: true,
    match_: Some(dev_match),
    probe: Some(dev_probe),
    remove: Some(dev_remove),
    // SAFETY: every other field of a bus_type may be zero/NULL.
    ..unsafe { zeroed() }
});

/// The bus, for drivers and devices that attach to it.
pub(crate) fn bus() -> *mut bindings::bus_type {
    BUS.get()
}

/// Registers the bus (module load).
pub(crate) fn register() -> Result {
    // SAFETY: `BUS` is a fully initialised bus_type that lives as long as
    // the module; it is unregistered in `unregister()`.
    kernel::error::to_result(unsafe { bindings::bus_register(BUS.get()) })
}

/// Unregisters the bus (module unload, or a failed load).
pub(crate) fn unregister() {
    // SAFETY: the bus was registered by `register()`.
    unsafe { bindings::bus_unregister(BUS.get()) };
}

/// The `vdpa_device` that embeds `dev`.
///
/// # Safety
///
/// `dev` must be the `dev` member of a `vdpa_device`.
pub(crate) unsafe fn to_vdpa(dev: *mut bindings::device) -> *mut bindings::vdpa_device {
    const _: () = assert!(core::mem::offset_of!(bindings::vdpa_device, dev) == 0);
    dev.cast()
}

/// The `vdpa_driver` of a bound device, or NULL.
///
/// # Safety
///
/// `dev` must be a valid device of this bus.
unsafe fn bound_driver(dev: *mut bindings::device) -> *mut bindings::vdpa_driver {
    const _: () = assert!(core::mem::offset_of!(bindings::vdpa_driver, driver) == 0);
    // SAFETY: `dev` is valid; a driver on this bus is always a vdpa_driver
    // (`__vdpa_register_driver` is the only way onto the bus).
    unsafe { (*dev).driver.cast() }
}

unsafe extern "C" fn dev_match(dev: *mut bindings::device, drv: *const bindings::device_driver) -> c_int {
    // SAFETY: the driver core passes a device and a driver of this bus.
    let ret = unsafe { bindings::vdpa_rs_device_match_driver_override(dev, drv) };
    if ret >= 0 {
        // An override is set: only the named driver matches.
        return ret;
    }
    // Otherwise every vdpa driver matches every vdpa device.
    1
}

unsafe extern "C" fn dev_probe(d: *mut bindings::device) -> c_int {
    // SAFETY: the driver core probes devices of this bus, which are all
    // `vdpa_device`s from `__vdpa_alloc_device`, with `d->driver` set to
    // the candidate driver.
    let (dev, drv) = unsafe { (BusDevice::from_raw(to_vdpa(d)), bound_driver(d)) };
    // SAFETY: `d` is a device being probed; its DMA mask fields are ours
    // to set until a driver binds.
    let ret = unsafe {
        (*d).dma_mask = ptr::addr_of_mut!((*d).coherent_dma_mask);
        bindings::vdpa_rs_dma_set_mask_and_coherent(d, u64::MAX)
    };
    if ret != 0 {
        return ret;
    }
    let ops = dev.ops();
    let max = u32::from(ops.get_vq_num_max());
    let min = ops.get_vq_num_min().map_or(1, u32::from);
    if max < min {
        return EINVAL.to_errno();
    }
    if drv.is_null() {
        return 0;
    }
    // SAFETY: `drv` is the vdpa_driver being bound; its probe takes the
    // device.
    unsafe {
        match (*drv).probe {
            Some(probe) => probe(dev.as_raw()),
            None => 0,
        }
    }
}

unsafe extern "C" fn dev_remove(d: *mut bindings::device) {
    // SAFETY: the driver core removes a bound device of this bus.
    unsafe {
        let drv = bound_driver(d);
        if !drv.is_null() {
            if let Some(remove) = (*drv).remove {
                remove(to_vdpa(d));
            }
        }
    }
}

unsafe extern "C" fn name_match(dev: *mut bindings::device, data: *const c_void) -> c_int {
    // SAFETY: `find_by_name` passes a `&[u8]` as `data`; `dev` is a named
    // device of this bus.
    unsafe { c_int::from(dev_name(dev).as_bytes() == *data.cast::<&[u8]>()) }
}

/// The device on the bus named `name`, with a reference, if any.
pub(crate) fn find_by_name(name: &[u8]) -> Option<ARef<BusDevice>> {
    let key: &[u8] = name;
    // SAFETY: `name_match` reads `key` only during the call.
    let dev = unsafe {
        bindings::bus_find_device(
            BUS.get(),
            ptr::null_mut(),
            ptr::addr_of!(key).cast(),
            Some(name_match),
        )
    };
    if dev.is_null() {
        return None;
    }
    // SAFETY: every device on this bus is a vdpa_device from
    // `__vdpa_alloc_device`; `bus_find_device` took the reference that the
    // `ARef` now owns.
    Some(unsafe { ARef::from_raw(NonNull::from(BusDevice::from_raw(to_vdpa(dev)))) })
}

unsafe extern "C" fn each_trampoline<F>(dev: *mut bindings::device, data: *mut c_void) -> c_int
where
    F: FnMut(&BusDevice) -> core::result::Result<(), c_int>,
{
    // SAFETY: `for_each_dev` passes its closure as `data`; `dev` is on this
    // bus and the iteration holds a reference for the call.
    unsafe {
        let f = &mut *data.cast::<F>();
        match f(BusDevice::from_raw(to_vdpa(dev))) {
            Ok(()) => 0,
            Err(e) => e,
        }
    }
}

/// Calls `f` for each device on the bus, in bus order, until it fails; the
/// error (a negative errno) is returned. `f` may unregister the device it
/// is given (`dev_del`), not others.
pub(crate) fn for_each_dev<F>(mut f: F) -> core::result::Result<(), c_int>
where
    F: FnMut(&BusDevice) -> core::result::Result<(), c_int>,
{
    // SAFETY: the trampoline gets back exactly the closure passed here.
    let ret = unsafe {
        bindings::bus_for_each_dev(
            BUS.get(),
            ptr::null_mut(),
            ptr::addr_of_mut!(f).cast(),
            Some(each_trampoline::<F>),
        )
    };
    if ret == 0 {
        Ok(())
    } else {
        Err(ret)
    }
}
