// SPDX-License-Identifier: GPL-2.0

//! vDPA bus drivers in Rust: [`Driver`] is `struct vdpa_driver`'s probe and
//! remove, with per-device data handed over through [`ForeignOwnable`]
//! (stored as the device's driver data), and [`DriverRegistration`]
//! registers a driver and unregisters it when dropped. A driver sees every
//! device on the bus, whatever its parent, as a [`BusDevice`]; `probe` may
//! keep an [`ARef<BusDevice>`](kernel::types::ARef) in its data, so that
//! `remove` can wait for the last user before the device goes.

use core::marker::PhantomData;
use core::pin::Pin;
use core::ptr;

use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::{ForeignOwnable, Opaque};

use super::bindings;
use super::bus::BusDevice;

/// A vDPA bus driver.
#[vtable]
pub(crate) trait Driver: Sized + Send + Sync + 'static {
    /// What `probe` keeps for the device until `remove`.
    type Data: ForeignOwnable + Send + Sync;

    /// Binds to a device; an error leaves it unbound.
    fn probe(dev: &BusDevice) -> Result<Self::Data>;
    /// Unbinds from a device, getting back what `probe` returned.
    fn remove(dev: &BusDevice, data: Self::Data);
}

/// A registered bus driver.
///
/// # Invariants
///
/// `drv` is registered with the bus, with this type's trampolines.
pub(crate) struct DriverRegistration<T: Driver> {
    drv: Pin<KBox<Opaque<bindings::vdpa_driver>>>,
    _t: PhantomData<T>,
}

// SAFETY: the driver core serialises access to the registered driver.
unsafe impl<T: Driver> Send for DriverRegistration<T> {}
// SAFETY: as above.
unsafe impl<T: Driver> Sync for DriverRegistration<T> {}

impl<T: Driver> DriverRegistration<T> {
    /// Registers the driver as `name`; it is probed against every device on
    /// the bus (devices with a `driver_override` only if it names `name`).
    ///
    /// # Errors
    ///
    /// `ENOMEM`, or the driver core's error (`EBUSY` for a taken name).
    pub(crate) fn new(name: &'static CStr, module: &'static ThisModule) -> Result<Self> {
        let drv = KBox::pin(Opaque::<bindings::vdpa_driver>::uninit(), GFP_KERNEL)?;
        let raw = drv.get();
        // SAFETY: `raw` is pinned storage of ours, zeroed then filled; the
        // name is static; the box lives until unregistered in `drop`.
        unsafe {
            ptr::write_bytes(raw, 0, 1);
            (*raw).driver.name = name.as_char_ptr();
            (*raw).probe = Some(Self::probe);
            (*raw).remove = Some(Self::remove);
            kernel::error::to_result(bindings::__vdpa_register_driver(raw, module.as_ptr()))?;
        }
        Ok(Self { drv, _t: PhantomData })
    }

    unsafe extern "C" fn probe(vdev: *mut bindings::vdpa_device) -> c_int {
        // SAFETY: the bus probes a live device of the bus, with the device
        // lock held, so nothing else sets its driver data.
        let dev = unsafe { BusDevice::from_raw(vdev) };
        match T::probe(dev) {
            Ok(data) => {
                // SAFETY: as above; `remove` takes it back.
                unsafe { bindings::vdpa_rs_set_drvdata(vdev, data.into_foreign().cast_mut()) };
                0
            }
            Err(e) => e.to_errno(),
        }
    }

    unsafe extern "C" fn remove(vdev: *mut bindings::vdpa_device) {
        // SAFETY: the bus removes a live device this driver probed
        // successfully, with the device lock held.
        let dev = unsafe { BusDevice::from_raw(vdev) };
        // SAFETY: set by `probe` from `T::Data::into_foreign` and not taken
        // back since; cleared before anything else can see it.
        let data = unsafe {
            let p = bindings::vdpa_rs_get_drvdata(vdev);
            bindings::vdpa_rs_set_drvdata(vdev, ptr::null_mut());
            T::Data::from_foreign(p)
        };
        T::remove(dev, data);
    }
}

impl<T: Driver> Drop for DriverRegistration<T> {
    fn drop(&mut self) {
        // SAFETY: registered (type invariant); unbinds every device first.
        unsafe { bindings::vdpa_unregister_driver(self.drv.get()) };
    }
}
