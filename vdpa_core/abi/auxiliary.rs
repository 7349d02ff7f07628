// SPDX-License-Identifier: GPL-2.0

//! Auxiliary-bus drivers (`struct auxiliary_driver`), for parents that
//! attach to a device another driver split off (`mlx5_core`'s `vnet`
//! devices): [`AuxDriver`] is probe and remove with per-device data
//! through [`ForeignOwnable`], [`AuxRegistration`] registers the driver
//! with its id table and unregisters it when dropped, and [`AuxDevice`]
//! is the typed, reference-counted device.

use core::marker::PhantomData;
use core::pin::Pin;
use core::ptr::{self, NonNull};

use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::{AlwaysRefCounted, ForeignOwnable, Opaque};

use super::bindings;

/// Size of an id's name, `AUXILIARY_NAME_SIZE`.
const NAME_SIZE: usize = 32;

/// One id-table entry: `"<module>.<device>"` and a value handed to probe.
pub(crate) const fn id(name: &[u8], driver_data: usize) -> bindings::auxiliary_device_id {
    let mut out = [0 as kernel::ffi::c_char; NAME_SIZE];
    let mut i = 0;
    // PANIC: a name of NAME_SIZE bytes or more fails the build (const
    // evaluation), it never reaches run time.
    assert!(name.len() < NAME_SIZE, "auxiliary id name too long");
    while i < name.len() {
        out[i] = name[i] as kernel::ffi::c_char;
        i += 1;
    }
    bindings::auxiliary_device_id { name: out, driver_data: driver_data as _ }
}

/// The end of an id table.
pub(crate) const ID_END: bindings::auxiliary_device_id =
    bindings::auxiliary_device_id { name: [0; NAME_SIZE], driver_data: 0 };

/// A device on the auxiliary bus.
///
/// # Invariants
///
/// Wraps a valid `struct auxiliary_device`; a reference is held by
/// whoever holds the `&AuxDevice`.
#[repr(transparent)]
pub(crate) struct AuxDevice(Opaque<bindings::auxiliary_device>);

// SAFETY: the driver core synchronises the device; its release may run
// on any thread.
unsafe impl Send for AuxDevice {}
// SAFETY: `&AuxDevice` only reads fields fixed at creation.
unsafe impl Sync for AuxDevice {}

// SAFETY: the device is reference counted through its `struct device`.
unsafe impl AlwaysRefCounted for AuxDevice {
    fn inc_ref(&self) {
        // SAFETY: a reference proves the count is not zero.
        unsafe { bindings::vdpa_rs_get_device(self.as_dev()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it owns.
        unsafe { bindings::put_device(ptr::addr_of_mut!((*obj.as_ptr().cast::<bindings::auxiliary_device>()).dev)) };
    }
}

impl AuxDevice {
    /// # Safety
    ///
    /// `ptr` must be a valid auxiliary device, alive for `'a`.
    unsafe fn from_raw<'a>(ptr: *mut bindings::auxiliary_device) -> &'a Self {
        // SAFETY: transparent wrapper (caller guarantees the rest).
        unsafe { &*ptr.cast::<Self>() }
    }

    /// The C device.
    pub(crate) fn as_raw(&self) -> *mut bindings::auxiliary_device {
        self.0.get()
    }

    fn as_dev(&self) -> *mut bindings::device {
        // SAFETY: a valid auxiliary device (type invariant).
        unsafe { ptr::addr_of_mut!((*self.0.get()).dev) }
    }

    /// Its `struct device`, for DMA and as the parent of vDPA devices.
    pub(crate) fn device(&self) -> &kernel::device::Device {
        // SAFETY: the embedded device lives as long as `self`.
        unsafe { kernel::device::Device::as_ref(self.as_dev()) }
    }

    /// Its parent's `struct device` (the PCI function for `mlx5_core`).
    pub(crate) fn parent(&self) -> Option<&kernel::device::Device> {
        // SAFETY: the parent of a registered device outlives it.
        let p = unsafe { (*self.as_dev()).parent };
        // SAFETY: as above.
        (!p.is_null()).then(|| unsafe { kernel::device::Device::as_ref(p) })
    }

    /// Its device name (`"<module>.<name>.<id>"`).
    pub(crate) fn dev_name(&self) -> &CStr {
        // SAFETY: a registered device is named.
        unsafe { super::device::dev_name(self.as_dev()) }
    }

    /// Its instance id.
    pub(crate) fn id(&self) -> u32 {
        // SAFETY: set before registration, read-only afterwards.
        unsafe { (*self.0.get()).id }
    }
}

/// The id-table entry a device matched.
#[repr(transparent)]
pub(crate) struct AuxDeviceId(bindings::auxiliary_device_id);

impl AuxDeviceId {
    /// The entry's value.
    pub(crate) fn driver_data(&self) -> usize {
        self.0.driver_data as usize
    }
}

/// An auxiliary-bus driver.
#[vtable]
pub(crate) trait AuxDriver: Sized + Send + Sync + 'static {
    /// What `probe` keeps for the device until `remove`.
    type Data: ForeignOwnable + Send + Sync;

    /// Binds to a device that matched entry `id`.
    fn probe(dev: &AuxDevice, id: &AuxDeviceId) -> Result<Self::Data>;
    /// Unbinds, getting back what `probe` returned.
    fn remove(dev: &AuxDevice, data: Self::Data);
}

/// A registered auxiliary driver.
///
/// # Invariants
///
/// `drv` is registered, with this type's trampolines and `ids`.
pub(crate) struct AuxRegistration<T: AuxDriver> {
    drv: Pin<KBox<Opaque<bindings::auxiliary_driver>>>,
    _t: PhantomData<T>,
}

// SAFETY: the driver core serialises access to the registered driver.
unsafe impl<T: AuxDriver> Send for AuxRegistration<T> {}
// SAFETY: as above.
unsafe impl<T: AuxDriver> Sync for AuxRegistration<T> {}

impl<T: AuxDriver> AuxRegistration<T> {
    /// Registers the driver of module `modname` (its `KBUILD_MODNAME`) as
    /// `<modname>.<name>`, for the devices of `ids`, which ends with
    /// [`ID_END`].
    ///
    /// # Errors
    ///
    /// `EINVAL` for a table without its end; `ENOMEM`; the driver core's.
    pub(crate) fn new(
        name: &'static CStr,
        ids: &'static [bindings::auxiliary_device_id],
        module: &'static ThisModule,
        modname: &'static CStr,
    ) -> Result<Self> {
        if ids.last().map_or(true, |e| e.name[0] != 0) {
            return Err(EINVAL);
        }
        let drv = KBox::pin(Opaque::<bindings::auxiliary_driver>::uninit(), GFP_KERNEL)?;
        let raw = drv.get();
        // SAFETY: pinned storage of ours, zeroed then filled; name, ids
        // and module are static; unregistered in `drop`.
        unsafe {
            ptr::write_bytes(raw, 0, 1);
            (*raw).name = name.as_char_ptr();
            (*raw).id_table = ids.as_ptr();
            (*raw).probe = Some(Self::probe);
            (*raw).remove = Some(Self::remove);
            kernel::error::to_result(bindings::__auxiliary_driver_register(
                raw,
                module.as_ptr(),
                modname.as_char_ptr(),
            ))?;
        }
        Ok(Self { drv, _t: PhantomData })
    }

    unsafe extern "C" fn probe(adev: *mut bindings::auxiliary_device, id: *const bindings::auxiliary_device_id) -> c_int {
        // SAFETY: the bus probes a live device with the entry it matched,
        // both valid for the call, with the device lock held.
        let (dev, id) = unsafe { (AuxDevice::from_raw(adev), &*id.cast::<AuxDeviceId>()) };
        match T::probe(dev, id) {
            Ok(data) => {
                // SAFETY: as above; `remove` takes it back.
                unsafe { bindings::vdpa_rs_dev_set_drvdata(dev.as_dev(), data.into_foreign().cast_mut()) };
                0
            }
            Err(e) => e.to_errno(),
        }
    }

    unsafe extern "C" fn remove(adev: *mut bindings::auxiliary_device) {
        // SAFETY: the bus removes a live device this driver probed.
        let dev = unsafe { AuxDevice::from_raw(adev) };
        // SAFETY: set by `probe` from `into_foreign`, not taken back since.
        let data = unsafe {
            let p = bindings::vdpa_rs_dev_get_drvdata(dev.as_dev());
            bindings::vdpa_rs_dev_set_drvdata(dev.as_dev(), ptr::null_mut());
            T::Data::from_foreign(p)
        };
        T::remove(dev, data);
    }
}

impl<T: AuxDriver> Drop for AuxRegistration<T> {
    fn drop(&mut self) {
        // SAFETY: registered (type invariant); unbinds every device first.
        unsafe { bindings::auxiliary_driver_unregister(self.drv.get()) };
    }
}
