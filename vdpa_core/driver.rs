// SPDX-License-Identifier: GPL-2.0

//! Bus-driver registration: `__vdpa_register_driver` and
//! `vdpa_unregister_driver`.

use core::ptr;

use kernel::ffi::c_int;

use crate::abi::bindings;
use crate::bus;

/// Registers a vDPA bus driver (vhost_vdpa, virtio_vdpa, ...) owned by
/// `owner`; it is then probed against every device on the bus.
///
/// # Safety
///
/// `drv` must be a valid driver that stays alive until unregistered.
#[no_mangle]
pub(crate) unsafe extern "C" fn __vdpa_register_driver(
    drv: *mut bindings::vdpa_driver,
    owner: *mut bindings::module,
) -> c_int {
    // SAFETY: `drv` is valid (caller) and not registered yet.
    unsafe {
        (*drv).driver.bus = bus::bus();
        (*drv).driver.owner = owner;
        bindings::driver_register(ptr::addr_of_mut!((*drv).driver))
    }
}

/// Unregisters a vDPA bus driver, unbinding it from its devices.
///
/// # Safety
///
/// `drv` must have been registered with `__vdpa_register_driver`.
#[no_mangle]
pub(crate) unsafe extern "C" fn vdpa_unregister_driver(drv: *mut bindings::vdpa_driver) {
    // SAFETY: `drv` is registered (caller).
    unsafe { bindings::driver_unregister(ptr::addr_of_mut!((*drv).driver)) };
}
