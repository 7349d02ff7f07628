// SPDX-License-Identifier: GPL-2.0

//! vDPA bus drivers in Rust: [`Driver`] is `struct vdpa_driver`'s probe and
//! remove, [`DriverRegistration`] registers one and unregisters it when
//! dropped. A driver sees every device on the bus, whatever its parent, as
//! a [`BusDevice`].

use core::marker::PhantomData;
use core::ptr;

use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::Opaque;

use super::bindings;

/// A device on the vdpa bus, as its bus driver sees it.
#[repr(transparent)]
pub(crate) struct BusDevice(Opaque<bindings::vdpa_device>);

impl BusDevice {
    /// # Safety
    ///
    /// `ptr` must be a device on the bus, alive while the reference is used.
    unsafe fn from_raw<'a>(ptr: *mut bindings::vdpa_device) -> &'a Self {
        // SAFETY: transparent wrapper (caller guarantees the rest).
        unsafe { &*ptr.cast::<Self>() }
    }

    /// The C device.
    pub(crate) fn as_raw(&self) -> *mut bindings::vdpa_device {
        self.0.get()
    }

    /// The device's name.
    pub(crate) fn name(&self) -> &CStr {
        // SAFETY: a device on the bus is named.
        unsafe { super::device::vdpa_name(self.0.get()) }
    }

    /// Number of virtqueues.
    pub(crate) fn nvqs(&self) -> u32 {
        // SAFETY: set at registration, read-only afterwards.
        unsafe { (*self.0.get()).nvqs }
    }

    /// Virtio device id.
    pub(crate) fn device_id(&self) -> u32 {
        // SAFETY: a registered device has its parent's ops table;
        // `get_device_id` is mandatory.
        unsafe { (*(*self.0.get()).config).get_device_id.map_or(0, |f| f(self.0.get())) }
    }

    /// Reads config space at `offset` into `buf`, under the device's lock.
    pub(crate) fn get_config(&self, offset: u32, buf: &mut [u8]) {
        // SAFETY: `buf` is writable for its length.
        unsafe { bindings::vdpa_get_config(self.0.get(), offset, buf.as_mut_ptr().cast(), buf.len() as u32) };
    }

    /// Resets the device (`vdpa_reset`, with `compat_reset` flags).
    ///
    /// # Errors
    ///
    /// The parent's reset error.
    pub(crate) fn reset(&self, flags: u32) -> Result {
        // SAFETY: the device is alive.
        kernel::error::to_result(unsafe { bindings::vdpa_rs_reset(self.0.get(), flags) })
    }

    /// Writes the status byte.
    pub(crate) fn set_status(&self, status: u8) {
        // SAFETY: the device is alive.
        unsafe { bindings::vdpa_set_status(self.0.get(), status) };
    }
}

/// A vDPA bus driver.
#[vtable]
pub(crate) trait Driver: Sized + Send + Sync {
    /// Binds to a device; an error leaves it unbound.
    fn probe(dev: &BusDevice) -> Result;
    /// Unbinds from a device.
    fn remove(dev: &BusDevice);
}

/// A registered bus driver.
pub(crate) struct DriverRegistration<T: Driver> {
    drv: KBox<Opaque<bindings::vdpa_driver>>,
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
        let drv = KBox::new(Opaque::<bindings::vdpa_driver>::uninit(), GFP_KERNEL)?;
        let raw = drv.get();
        // SAFETY: `raw` is owned storage, zeroed then filled; the name is
        // static; the registration keeps the box alive until unregistered.
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
        // SAFETY: the bus probes a live device of the bus.
        kernel::error::from_result(|| T::probe(unsafe { BusDevice::from_raw(vdev) }).map(|()| 0))
    }

    unsafe extern "C" fn remove(vdev: *mut bindings::vdpa_device) {
        // SAFETY: the bus removes a live, bound device.
        T::remove(unsafe { BusDevice::from_raw(vdev) })
    }
}

impl<T: Driver> Drop for DriverRegistration<T> {
    fn drop(&mut self) {
        // SAFETY: registered in `new`; unbinds from every device.
        unsafe { bindings::vdpa_unregister_driver(self.drv.get()) };
    }
}
