// SPDX-License-Identifier: GPL-2.0

//! vDPA devices as a Rust parent sees them.
//!
//! A parent's device is a [`Device<T>`]: the C `struct vdpa_device` first
//! (the core frees the whole allocation through it) followed by the
//! parent's data `T`, which [`super::config_ops::ConfigOps`] is implemented
//! for. The data is dropped when the core releases the device.

use core::ptr;

use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::Opaque;

use super::bindings;
use super::config_ops::{ConfigOps, OpsTable};

/// The name of a device.
///
/// # Safety
///
/// `dev` must be a valid, named device; the name lives as long as it.
pub(crate) unsafe fn dev_name<'a>(dev: *const bindings::device) -> &'a CStr {
    // SAFETY: a named device's name is a NUL-terminated string that lives
    // as long as the device (caller).
    unsafe { CStr::from_char_ptr(bindings::vdpa_rs_dev_name(dev)) }
}

/// The name of a vDPA device.
///
/// # Safety
///
/// `vdev` must be a valid, registered or named vDPA device.
pub(crate) unsafe fn vdpa_name<'a>(vdev: *const bindings::vdpa_device) -> &'a CStr {
    // SAFETY: guaranteed by the caller.
    unsafe { dev_name(ptr::addr_of!((*vdev).dev)) }
}

/// A vDPA device with parent data `T`.
///
/// # Invariants
///
/// `vdev` was allocated by `__vdpa_alloc_device` with the size of this
/// structure and [`OpsTable::<T>::VTABLE`] as ops, and `data` is
/// initialised; the allocation lives until the core's release.
#[repr(C)]
pub(crate) struct Device<T> {
    vdev: Opaque<bindings::vdpa_device>,
    data: T,
}

// SAFETY: the C part is shared with the core and bus drivers, which
// synchronise through the driver core, the core's locks and `cf_lock`; the
// parent data is `Send + Sync` itself.
unsafe impl<T: Send + Sync> Send for Device<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for Device<T> {}

impl<T: ConfigOps> Device<T> {
    /// Allocates a device with `ngroups` virtqueue groups and `nas`
    /// address spaces, named `name` (or `vdpaN`), with `data` as its
    /// parent data. It must then be registered, or dropped with
    /// [`Self::put`].
    ///
    /// # Errors
    ///
    /// The core's: `EINVAL` for an inconsistent ops table (for example
    /// `use_va` without a mapping op), `ENOMEM`, `ENOSPC`.
    pub(crate) fn alloc(
        parent: *mut bindings::device,
        ngroups: u32,
        nas: u32,
        name: Option<&CStr>,
        use_va: bool,
        data: T,
    ) -> Result<&'static Self> {
        let name_ptr = name.map_or(ptr::null(), |n| n.as_char_ptr());
        // SAFETY: the ops table is static; `name_ptr` is NULL or a C string
        // that outlives the call; the size is that of `Self`.
        let raw = unsafe {
            bindings::__vdpa_alloc_device(
                parent,
                &OpsTable::<T>::VTABLE,
                ngroups,
                nas,
                core::mem::size_of::<Self>(),
                name_ptr,
                use_va,
            )
        };
        let raw = kernel::error::from_err_ptr(raw)?;
        let this = raw.cast::<Self>();
        // SAFETY: the allocation is at least `size_of::<Self>()` bytes, the
        // device part is initialised and nothing can release it before the
        // data is written here (no reference was handed out yet).
        unsafe { ptr::addr_of_mut!((*this).data).write(data) };
        // SAFETY: by the type invariants, now established.
        Ok(unsafe { &*this })
    }

    /// The parent data.
    pub(crate) fn data(&self) -> &T {
        &self.data
    }

    /// The C device.
    pub(crate) fn as_raw(&self) -> *mut bindings::vdpa_device {
        self.vdev.get()
    }

    /// The embedded `struct device`.
    pub(crate) fn as_dev(&self) -> *mut bindings::device {
        // SAFETY: `vdev` is a valid vdpa_device (type invariants).
        unsafe { ptr::addr_of_mut!((*self.vdev.get()).dev) }
    }

    /// The device behind a C pointer handed to an op of `T`.
    ///
    /// # Safety
    ///
    /// `vdev` must be the `vdev` of a live `Device<T>`.
    pub(crate) unsafe fn from_raw<'a>(vdev: *mut bindings::vdpa_device) -> &'a Self {
        // SAFETY: `vdev` is the first field of a live `Device<T>` (caller).
        unsafe { &*vdev.cast::<Self>() }
    }

    /// Drops the parent data; from the `free` op only.
    ///
    /// # Safety
    ///
    /// `vdev` must be the `vdev` of a `Device<T>` being released: nothing
    /// uses the device any more.
    pub(super) unsafe fn drop_data(vdev: *mut bindings::vdpa_device) {
        let this = vdev.cast::<Self>();
        // SAFETY: the data was written at allocation and is dropped once.
        unsafe { ptr::drop_in_place(ptr::addr_of_mut!((*this).data)) };
    }

    /// Sets the management device that created this device; done by
    /// `dev_add` before registering.
    pub(crate) fn set_mgmt(&self, mdev: *mut bindings::vdpa_mgmt_dev) {
        // SAFETY: the field is only read by the core once registered.
        unsafe { (*self.vdev.get()).mdev = mdev };
    }

    /// Sets the device used for DMA mappings.
    pub(crate) fn set_dma_dev(&self, dev: *mut bindings::device) {
        // SAFETY: the field is only read once the device is registered.
        unsafe { (*self.vdev.get()).dma_dev = dev };
    }

    /// Registers a device created from a management device's `dev_add`
    /// (the core holds the device-list lock), with `nvqs` virtqueues.
    ///
    /// # Errors
    ///
    /// `EEXIST` if a device of this name exists, `EINVAL` without a
    /// management device, or the driver core's error. The caller still
    /// owns the device and drops it with [`Self::put`].
    pub(crate) fn register_managed(&self, nvqs: u32) -> Result {
        // SAFETY: `vdev` was allocated by `__vdpa_alloc_device`.
        kernel::error::to_result(unsafe { bindings::_vdpa_register_device(self.as_raw(), nvqs) })
    }

    /// Registers a device that no management device created.
    ///
    /// # Errors
    ///
    /// As [`Self::register_managed`], without the management-device check.
    pub(crate) fn register(&self, nvqs: u32) -> Result {
        // SAFETY: `vdev` was allocated by `__vdpa_alloc_device`.
        kernel::error::to_result(unsafe { bindings::vdpa_register_device(self.as_raw(), nvqs) })
    }

    /// Unregisters a device registered with [`Self::register`]; the core
    /// releases it once the last reference is gone.
    ///
    /// # Safety
    ///
    /// The device must be registered; `self` must not be used afterwards.
    pub(crate) unsafe fn unregister(&self) {
        // SAFETY: registered (caller).
        unsafe { bindings::vdpa_unregister_device(self.as_raw()) };
    }

    /// Unregisters a managed device, from `dev_del`.
    ///
    /// # Safety
    ///
    /// As [`Self::unregister`], and the device-list lock held (`dev_del`).
    pub(crate) unsafe fn unregister_managed(&self) {
        // SAFETY: registered, lock held (caller).
        unsafe { bindings::_vdpa_unregister_device(self.as_raw()) };
    }

    /// Drops the allocation reference of a device that was never
    /// registered (or failed to register): the core releases it.
    ///
    /// # Safety
    ///
    /// `self` must not be used afterwards.
    pub(crate) unsafe fn put(&self) {
        // SAFETY: the allocation reference is the caller's to drop.
        unsafe { bindings::put_device(self.as_dev()) };
    }
}
