// SPDX-License-Identifier: GPL-2.0

//! vDPA devices as a Rust parent owns them.
//!
//! A parent's device is a [`Device<T>`]: the C `struct vdpa_device` first
//! (the core frees the whole allocation through it), then the Rust fields
//! and the parent's pinned data `T`, for which
//! [`ConfigOps`] is implemented. Its life has three stages, each a type:
//!
//! - [`NewDevice<T>`]: allocated, not registered; owns the allocation
//!   reference and drops it (releasing the device) if dropped. Only here
//!   can the DMA device be set.
//! - registered: [`NewDevice::register`] gives a [`Registration<T>`] that
//!   unregisters when dropped; a management device registers through
//!   [`super::mgmt::DevLock::register`] inside `dev_add`, and its
//!   `dev_del` unregisters through [`super::mgmt::DevLock::unregister`].
//! - referenced: [`ARef<Device<T>>`] keeps the memory (and the data) alive,
//!   registered or not; the data is dropped when the last reference goes.

use core::ops::Deref;
use core::pin::Pin;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

use kernel::init::PinInit;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::Arc;
use kernel::types::{ARef, AlwaysRefCounted, Opaque};

use super::bindings;
use super::bus::BusDevice;
use super::config_ops::ConfigOps;
use super::ops_table::OpsTable;

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

/// The pointer of a `kernel::device::Device`, which wraps the C device.
pub(crate) fn kdev_raw(dev: &kernel::device::Device) -> *mut bindings::device {
    ptr::from_ref(dev).cast_mut().cast()
}

/// The task running this module's `dev_add` (under the core's device-list
/// lock), if any; see [`NewDevice::register`].
pub(super) static DEV_ADD_TASK: AtomicPtr<bindings::task_struct> = AtomicPtr::new(ptr::null_mut());

/// What every device of this layer carries besides its data and its
/// `live`/`registered` flags: the table (kept alive by the device) and the
/// parent and DMA devices (referenced, so they outlive it).
struct Fields<T: ConfigOps> {
    table: Arc<OpsTable<T>>,
    _parent: Option<ARef<kernel::device::Device>>,
    dma_dev: Option<ARef<kernel::device::Device>>,
}

/// A vDPA device with parent data `T`.
///
/// # Invariants
///
/// - `vdev` was allocated by `__vdpa_alloc_device` with the size of this
///   structure and `fields.table` as ops; `fields` is initialised right
///   after, before any reference is handed out.
/// - `data` is initialised whenever `live` is true, and `live` is true for
///   every device that was ever registered or handed out as `Device<T>`.
/// - `registered` is true exactly while the device is on the bus through
///   this layer; it changes with the device-list lock held (managed) or
///   from the one [`Registration`] (unmanaged).
#[repr(C)]
pub(crate) struct Device<T: ConfigOps> {
    vdev: Opaque<bindings::vdpa_device>,
    fields: core::mem::MaybeUninit<Fields<T>>,
    live: bool,
    registered: AtomicBool,
    data: T,
}

// SAFETY: the C part is shared with the core and bus drivers, which
// synchronise it through the driver core, the core's locks and `cf_lock`;
// the Rust fields are read-only after creation (or atomic); `T` is
// `Send + Sync` (`ConfigOps`).
unsafe impl<T: ConfigOps> Send for Device<T> {}
// SAFETY: as above.
unsafe impl<T: ConfigOps> Sync for Device<T> {}

// SAFETY: a `Device<T>` is always reference counted through its embedded
// `struct device`; the last `put_device` runs the release, which drops the
// Rust fields and frees the memory.
unsafe impl<T: ConfigOps> AlwaysRefCounted for Device<T> {
    fn inc_ref(&self) {
        // SAFETY: a reference proves the count is not zero.
        unsafe { bindings::vdpa_rs_get_device(self.as_dev()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it owns.
        unsafe { bindings::put_device(ptr::addr_of_mut!((*obj.as_ptr().cast::<bindings::vdpa_device>()).dev)) };
    }
}

impl<T: ConfigOps> Deref for Device<T> {
    type Target = BusDevice;

    fn deref(&self) -> &BusDevice {
        // SAFETY: `vdev` is a valid vdpa_device for as long as `self`.
        unsafe { BusDevice::from_raw(self.vdev.get()) }
    }
}

/// How to allocate a device.
pub(crate) struct Options<'a, T: ConfigOps> {
    /// The ops table; the device keeps a reference.
    pub(crate) ops: &'a Arc<OpsTable<T>>,
    /// The sysfs parent, if any; the device keeps a reference.
    pub(crate) parent: Option<&'a kernel::device::Device>,
    /// Number of virtqueue groups.
    pub(crate) ngroups: u32,
    /// Number of address spaces.
    pub(crate) nas: u32,
    /// The device name; `None` names it `vdpaN` after its index.
    pub(crate) name: Option<&'a CStr>,
    /// Whether the device takes user virtual addresses (with `dma_map`
    /// or `set_map`).
    pub(crate) use_va: bool,
}

impl<T: ConfigOps> Device<T> {
    /// What kmalloc aligns every allocation to; `Device<T>` must not ask
    /// for more, since `__vdpa_alloc_device` allocates it with kzalloc.
    const ALIGN_OK: () = assert!(
        core::mem::align_of::<Self>() <= bindings::VDPA_RS_KMALLOC_MINALIGN as usize,
        "parent data needs more alignment than kmalloc gives"
    );

    /// The device behind a C pointer handed to an op of `T`.
    ///
    /// # Safety
    ///
    /// `vdev` must be the `vdev` of a live `Device<T>` (its data
    /// initialised) that stays alive for `'a`.
    pub(crate) unsafe fn from_raw<'a>(vdev: *mut bindings::vdpa_device) -> &'a Self {
        // SAFETY: `vdev` is the first field of a live `Device<T>` (caller).
        unsafe { &*vdev.cast::<Self>() }
    }

    /// The parent data.
    pub(crate) fn data(&self) -> Pin<&T> {
        // SAFETY: the data lives in the device's allocation, which never
        // moves; it is dropped in place by the release.
        unsafe { Pin::new_unchecked(&self.data) }
    }

    /// The ops table the device was allocated with.
    pub(crate) fn ops_table(&self) -> &Arc<OpsTable<T>> {
        // SAFETY: `fields` is initialised (type invariant).
        unsafe { &self.fields.assume_init_ref().table }
    }

    /// The DMA device set before registration, if any.
    pub(crate) fn dma_dev(&self) -> Option<&kernel::device::Device> {
        // SAFETY: `fields` is initialised (type invariant).
        unsafe { self.fields.assume_init_ref().dma_dev.as_deref() }
    }

    /// Whether the device is registered through this layer.
    pub(crate) fn is_registered(&self) -> bool {
        self.registered.load(Ordering::Acquire)
    }

    /// Clears the registration state; returns whether it was set. The
    /// caller unregisters the device if so.
    pub(super) fn take_registration(&self) -> bool {
        self.registered.swap(false, Ordering::AcqRel)
    }

    /// Drops the Rust fields of a device being released; from `free` only.
    ///
    /// # Safety
    ///
    /// `vdev` must be the `vdev` of a `Device<T>` being released: nothing
    /// uses it any more, and this is called once.
    pub(super) unsafe fn release(vdev: *mut bindings::vdpa_device) {
        let this = vdev.cast::<Self>();
        // SAFETY: the fields were written at allocation and the data when
        // `live` was set; both are dropped once, here.
        unsafe {
            if (*this).live {
                ptr::drop_in_place(ptr::addr_of_mut!((*this).data));
            }
            (*this).fields.assume_init_drop();
        }
    }
}

/// An allocated device that is not registered yet.
///
/// # Invariants
///
/// `ptr` is a live `Device<T>` (data initialised) that is not registered;
/// this value owns its allocation reference.
pub(crate) struct NewDevice<T: ConfigOps> {
    ptr: NonNull<Device<T>>,
}

// SAFETY: the device is `Send + Sync`, and the allocation reference may be
// dropped from any thread.
unsafe impl<T: ConfigOps> Send for NewDevice<T> {}

impl<T: ConfigOps> NewDevice<T> {
    /// Allocates a device and initialises its data in place with `init`.
    ///
    /// # Errors
    ///
    /// The core's (`EINVAL` for an inconsistent ops table, for example
    /// `use_va` without a mapping op; `ENOMEM`; `ENOSPC`), or the error of
    /// `init`, after which the device is released without its data.
    pub(crate) fn new(opts: Options<'_, T>, init: impl PinInit<T, Error>) -> Result<Self> {
        #[allow(clippy::let_unit_value)]
        let () = Device::<T>::ALIGN_OK;
        let name_ptr = opts.name.map_or(ptr::null(), |n| n.as_char_ptr());
        let parent = opts.parent.map_or(ptr::null_mut(), kdev_raw);
        // SAFETY: the table is kept alive by the device (written below
        // before anything can use it); `name_ptr` is NULL or a C string for
        // the call; the size is that of `Device<T>`.
        let raw = unsafe {
            bindings::__vdpa_alloc_device(
                parent,
                opts.ops.as_raw(),
                opts.ngroups,
                opts.nas,
                core::mem::size_of::<Device<T>>(),
                name_ptr,
                opts.use_va,
            )
        };
        let this = kernel::error::from_err_ptr(raw)?.cast::<Device<T>>();
        // SAFETY: the allocation is `size_of::<Device<T>>()` zeroed bytes
        // that only we reference; the Rust fields are written before the
        // first use, and `live` stays false until the data is.
        unsafe {
            ptr::addr_of_mut!((*this).fields).write(core::mem::MaybeUninit::new(Fields {
                table: opts.ops.clone(),
                _parent: opts.parent.map(ARef::from),
                dma_dev: None,
            }));
            ptr::addr_of_mut!((*this).live).write(false);
            ptr::addr_of_mut!((*this).registered).write(AtomicBool::new(false));
            // DMA goes through the vDPA device itself unless the parent
            // sets another device (upstream leaves this to every parent).
            let vdev = (*this).vdev.get();
            (*vdev).dma_dev = ptr::addr_of_mut!((*vdev).dev);
        }
        // Owns the allocation reference from here on: dropped on error.
        let guard = Unlive(this);
        // SAFETY: `data` is uninitialised memory of the device that never
        // moves; on failure `init` leaves it uninitialised and `live` false.
        unsafe { init.__pinned_init(ptr::addr_of_mut!((*this).data))? };
        core::mem::forget(guard);
        // SAFETY: initialised just above; no reference exists yet.
        unsafe { ptr::addr_of_mut!((*this).live).write(true) };
        // SAFETY: non-NULL (checked by `from_err_ptr`).
        Ok(Self { ptr: unsafe { NonNull::new_unchecked(this) } })
    }

    /// The device.
    pub(crate) fn device(&self) -> &Device<T> {
        // SAFETY: live (type invariant).
        unsafe { self.ptr.as_ref() }
    }

    /// Sets the device used for DMA mappings (the default is the vDPA
    /// device itself); the device keeps a reference to it.
    pub(crate) fn set_dma_dev(&mut self, dev: &kernel::device::Device) {
        let this = self.ptr.as_ptr();
        // SAFETY: not registered (type invariant), so no one else reads
        // `dma_dev` or the Rust fields; `&mut self` excludes other users.
        unsafe {
            (*this).fields.assume_init_mut().dma_dev = Some(ARef::from(dev));
            (*(*this).vdev.get()).dma_dev = kdev_raw(dev);
        }
    }

    /// Sets the management device; from [`super::mgmt::DevLock`] only.
    ///
    /// # Safety
    ///
    /// `mdev` must be a registered management device whose `dev_del`
    /// treats its devices as `Device<T>`.
    pub(super) unsafe fn set_mgmt(&mut self, mdev: *mut bindings::vdpa_mgmt_dev) {
        // SAFETY: not registered, exclusive (as in `set_dma_dev`).
        unsafe { (*(*self.ptr.as_ptr()).vdev.get()).mdev = mdev };
    }

    /// Hands the allocation reference to the registered state; `f`
    /// registers. On failure the device is dropped (released).
    pub(super) fn register_with(self, f: impl FnOnce(*mut bindings::vdpa_device) -> kernel::ffi::c_int) -> Result<NonNull<Device<T>>> {
        let ptr = self.ptr;
        let dev = self.device();
        kernel::error::to_result(f(dev.as_raw()))?;
        dev.registered.store(true, Ordering::Release);
        core::mem::forget(self);
        Ok(ptr)
    }

    /// Registers a device that no management device created, with `nvqs`
    /// virtqueues; bus drivers may bind to it from now on.
    ///
    /// # Errors
    ///
    /// `EEXIST` if a device of this name exists, or the driver core's
    /// error. `EDEADLK` when called from this module's `dev_add`, which
    /// runs under the lock this takes: use `DevLock::register` there.
    pub(crate) fn register(self, nvqs: u32) -> Result<Registration<T>> {
        // SAFETY: `current` is always valid to read.
        if DEV_ADD_TASK.load(Ordering::Relaxed) == unsafe { bindings::vdpa_rs_current() } {
            return Err(Error::from_errno(-(bindings::EDEADLK as i32)));
        }
        // SAFETY: the device came from `__vdpa_alloc_device` and the core
        // takes the device-list lock itself.
        let ptr = self.register_with(|v| unsafe { bindings::vdpa_register_device(v, nvqs) })?;
        Ok(Registration { ptr })
    }
}

/// Drops the allocation reference of a device whose data is not
/// initialised (the release then skips the data).
struct Unlive<T: ConfigOps>(*mut Device<T>);

impl<T: ConfigOps> Drop for Unlive<T> {
    fn drop(&mut self) {
        // SAFETY: the guard owns the allocation reference of a device that
        // nothing else knows of.
        unsafe { bindings::put_device(ptr::addr_of_mut!((*(*self.0).vdev.get()).dev)) };
    }
}

impl<T: ConfigOps> Drop for NewDevice<T> {
    fn drop(&mut self) {
        // SAFETY: this value owns the allocation reference (invariant).
        unsafe { Device::dec_ref(self.ptr) };
    }
}

/// A registered device that no management device created; dropping it
/// unregisters the device.
///
/// # Invariants
///
/// `ptr` is registered through this layer, and this value owns the
/// allocation reference that unregistering drops.
pub(crate) struct Registration<T: ConfigOps> {
    ptr: NonNull<Device<T>>,
}

// SAFETY: the device is `Send + Sync`; unregistering may happen from any
// thread that may sleep.
unsafe impl<T: ConfigOps> Send for Registration<T> {}
// SAFETY: `&Registration` only hands out `&Device<T>`.
unsafe impl<T: ConfigOps> Sync for Registration<T> {}

impl<T: ConfigOps> Registration<T> {
    /// The device.
    pub(crate) fn device(&self) -> &Device<T> {
        // SAFETY: registered, so alive (type invariant).
        unsafe { self.ptr.as_ref() }
    }

    /// A reference that keeps the device alive past the registration.
    pub(crate) fn get(&self) -> ARef<Device<T>> {
        ARef::from(self.device())
    }
}

impl<T: ConfigOps> Drop for Registration<T> {
    fn drop(&mut self) {
        if self.device().take_registration() {
            // SAFETY: registered with `vdpa_register_device`; the core
            // takes its lock; the allocation reference is dropped by it.
            unsafe { bindings::vdpa_unregister_device(self.device().as_raw()) };
        }
    }
}

impl<T: ConfigOps> Deref for Registration<T> {
    type Target = Device<T>;

    fn deref(&self) -> &Device<T> {
        self.device()
    }
}
