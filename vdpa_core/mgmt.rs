// SPDX-License-Identifier: GPL-2.0

//! Management devices (parents that create vDPA devices on request):
//! `vdpa_mgmtdev_register`, `vdpa_mgmtdev_unregister`, and their lookup by
//! the netlink handle.
//!
//! The list is linked through `vdpa_mgmt_dev.list` and protected by the
//! device-list lock (`state`).

use core::ptr;

use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::str::CStr;

use crate::abi::bindings;
use crate::abi::cell::{zeroed, StaticCell};
use crate::{bus, state};

// SAFETY: an all-zero list_head is valid storage; `init()` links it to itself.
static MDEV_HEAD: StaticCell<bindings::list_head> = StaticCell::new(unsafe { zeroed() });

/// Initialises the empty list (module load).
pub(crate) fn init() {
    // SAFETY: static storage, not yet in use.
    unsafe { bindings::vdpa_rs_init_list_head(MDEV_HEAD.get()) };
}

/// Calls `f` on each registered management device in registration order
/// and returns the first one it accepts. The caller holds the device-list
/// lock.
pub(crate) fn find(mut f: impl FnMut(*mut bindings::vdpa_mgmt_dev) -> bool) -> Option<*mut bindings::vdpa_mgmt_dev> {
    let offset = core::mem::offset_of!(bindings::vdpa_mgmt_dev, list);
    let head = MDEV_HEAD.get();
    // SAFETY: the list is initialised and, under the lock, every entry is
    // the `list` member of a registered vdpa_mgmt_dev.
    unsafe {
        let mut pos = (*head).next;
        while pos != head {
            let mdev = pos.cast::<u8>().sub(offset).cast::<bindings::vdpa_mgmt_dev>();
            if f(mdev) {
                return Some(mdev);
            }
            pos = (*pos).next;
        }
    }
    None
}

/// The name of the bus the management device's device sits on, if any.
///
/// # Safety
///
/// `mdev` must be registered (device-list lock held).
pub(crate) unsafe fn bus_name<'a>(mdev: *const bindings::vdpa_mgmt_dev) -> Option<&'a CStr> {
    // SAFETY: a registered management device has a valid device; a bus
    // name is a static C string.
    unsafe {
        let bus = (*(*mdev).device).bus;
        if bus.is_null() {
            None
        } else {
            Some(CStr::from_char_ptr((*bus).name))
        }
    }
}

/// The name of the management device's device.
///
/// # Safety
///
/// `mdev` must be registered (device-list lock held).
pub(crate) unsafe fn dev_name<'a>(mdev: *const bindings::vdpa_mgmt_dev) -> &'a CStr {
    // SAFETY: a registered management device has a valid, named device.
    unsafe { crate::abi::device::dev_name((*mdev).device) }
}

/// The management device a netlink handle names: a device on a bus only
/// with that bus's name, a device on no bus only without one.
pub(crate) fn lookup(bus: Option<&[u8]>, dev: &[u8]) -> Option<*mut bindings::vdpa_mgmt_dev> {
    // SAFETY: `find` hands out registered management devices.
    find(|mdev| unsafe { bus_name(mdev).map(CStr::as_bytes) == bus && dev_name(mdev).as_bytes() == dev })
}

/// The virtio device ids of the management device's id table.
///
/// # Safety
///
/// `mdev` must be registered (device-list lock held).
pub(crate) unsafe fn id_table(mdev: *const bindings::vdpa_mgmt_dev) -> impl Iterator<Item = u32> {
    // SAFETY: the id table of a registered management device ends with an
    // entry whose device is 0.
    let mut entry = unsafe { (*mdev).id_table };
    core::iter::from_fn(move || {
        if entry.is_null() {
            return None;
        }
        // SAFETY: `entry` is within the table, before or at its end marker.
        let device = unsafe { (*entry).device };
        if device == 0 {
            return None;
        }
        // SAFETY: not the end marker, so the next entry exists.
        entry = unsafe { entry.add(1) };
        Some(device)
    })
}

/// Registers a management device. `-EINVAL` without a device, ops, or the
/// mandatory `dev_add`/`dev_del`.
///
/// # Safety
///
/// `mdev` must be valid until `vdpa_mgmtdev_unregister`.
#[no_mangle]
pub(crate) unsafe extern "C" fn vdpa_mgmtdev_register(mdev: *mut bindings::vdpa_mgmt_dev) -> c_int {
    // SAFETY: `mdev` is valid (caller).
    unsafe {
        if (*mdev).device.is_null()
            || (*mdev).ops.is_null()
            || (*(*mdev).ops).dev_add.is_none()
            || (*(*mdev).ops).dev_del.is_none()
        {
            return EINVAL.to_errno();
        }
        let list = ptr::addr_of_mut!((*mdev).list);
        bindings::vdpa_rs_init_list_head(list);
        let _guard = state::write();
        bindings::vdpa_rs_list_add_tail(list, MDEV_HEAD.get());
    }
    0
}

/// Unregisters a management device and deletes, through its `dev_del`,
/// every vDPA device it created.
///
/// # Safety
///
/// `mdev` must be registered.
#[no_mangle]
pub(crate) unsafe extern "C" fn vdpa_mgmtdev_unregister(mdev: *mut bindings::vdpa_mgmt_dev) {
    let _guard = state::write();
    // SAFETY: `mdev` is registered (caller) and the lock is held.
    unsafe { bindings::vdpa_rs_list_del(ptr::addr_of_mut!((*mdev).list)) };
    // The iteration never fails: the closure always continues.
    let _ = bus::for_each_dev(|vdev| {
        // SAFETY: `vdev` is on the bus; its `mdev` is only compared; the
        // lock is held as `dev_del` expects.
        unsafe {
            if (*vdev).mdev == mdev {
                if let Some(dev_del) = (*(*mdev).ops).dev_del {
                    dev_del(mdev, vdev);
                }
            }
        }
        Ok(())
    });
}
