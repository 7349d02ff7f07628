// SPDX-License-Identifier: GPL-2.0

//! A work item in a parent's device data that runs the parent's code on
//! the device in process context ([`DevWork`]): what a parent needs to
//! complete buffers outside `kick_vq`, which runs in atomic context and,
//! under `vhost_vdpa`, inside an eventfd wakeup where signalling another
//! eventfd is refused.
//!
//! Runs go to the unbound workqueue, so the scheduler may put them on
//! another CPU than the one that kicked: a run then works beside the
//! driver that fills the ring instead of taking turns with it.
//!
//! A queued run holds a reference on the device, so the data (and the
//! work item in it) outlives the run; [`DevWork::cancel_sync`] in
//! `dev_del` makes sure no run is left when the parent's module goes.

use core::marker::PhantomData;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicPtr, Ordering};

use kernel::init::PinInit;
use kernel::prelude::*;
use kernel::types::{AlwaysRefCounted, Opaque};

use super::bindings;
use super::config_ops::ConfigOps;
use super::device::Device;

/// What a device's [`DevWork`] runs.
pub(crate) trait DeviceWork: ConfigOps {
    /// Runs in process context, on the device whose work was queued.
    fn run(dev: &Device<Self>);
}

/// A work item embedded in the data of a `Device<T>`.
///
/// # Invariants
///
/// `work` was initialised with [`DevWork::<T>::run`] as its function.
/// While it is queued, `vdev` is the device whose data holds `self`, and
/// one device reference is held for the run.
#[repr(C)]
#[pin_data]
pub(crate) struct DevWork<T: DeviceWork> {
    #[pin]
    work: Opaque<bindings::work_struct>,
    vdev: AtomicPtr<bindings::vdpa_device>,
    _t: PhantomData<T>,
}

// SAFETY: the work item is handed to the workqueue, which synchronises it;
// `vdev` is atomic.
unsafe impl<T: DeviceWork> Send for DevWork<T> {}
// SAFETY: as above.
unsafe impl<T: DeviceWork> Sync for DevWork<T> {}

impl<T: DeviceWork> DevWork<T> {
    /// An idle work item.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `slot` is the pinned storage of the work item.
            work <- Opaque::ffi_init(|slot| unsafe { bindings::vdpa_rs_init_work(slot, Some(Self::run)) }),
            vdev: AtomicPtr::new(ptr::null_mut()),
            _t: PhantomData,
        })
    }

    /// Whether `self` lies in `dev`'s data.
    fn belongs_to(&self, dev: &Device<T>) -> bool {
        let start = ptr::from_ref(dev) as usize;
        let at = ptr::from_ref(self) as usize;
        at >= start && at < start + core::mem::size_of::<Device<T>>()
    }

    /// Queues a run on `dev`, the device whose data holds this work item;
    /// returns false if one was queued already (or `dev` is another
    /// device). Atomic context is fine.
    pub(crate) fn queue(&self, dev: &Device<T>) -> bool {
        if !self.belongs_to(dev) {
            return false;
        }
        self.vdev.store(dev.as_raw(), Ordering::Release);
        dev.inc_ref();
        // SAFETY: initialised (type invariant) and pinned in the device.
        if unsafe { bindings::vdpa_rs_queue_work(self.work.get()) } {
            return true;
        }
        // Already queued, with its own reference: ours is not the last.
        // SAFETY: the reference taken above.
        unsafe { Device::dec_ref(NonNull::from(dev)) };
        false
    }

    /// Cancels a queued run, dropping its reference, and waits for a
    /// running one. Sleeps.
    pub(crate) fn cancel_sync(&self, dev: &Device<T>) {
        if !self.belongs_to(dev) {
            return;
        }
        // SAFETY: initialised and pinned in the device.
        if unsafe { kernel::bindings::cancel_work_sync(self.work.get().cast()) } {
            // SAFETY: the cancelled run's reference.
            unsafe { Device::dec_ref(NonNull::from(dev)) };
        }
    }

    unsafe extern "C" fn run(work: *mut bindings::work_struct) {
        // SAFETY: the workqueue calls this for a queued `DevWork<T>`, whose
        // `work` is its first field (`repr(C)`).
        let this = unsafe { &*work.cast::<Self>() };
        let vdev = this.vdev.load(Ordering::Acquire);
        // SAFETY: the queued run's reference keeps the device alive, with
        // its data initialised (it was registered when queued).
        let dev = unsafe { Device::<T>::from_raw(vdev) };
        T::run(dev);
        // SAFETY: drops the queued run's reference; if it is the last the
        // release frees the work item, which the workqueue allows from
        // its own function.
        unsafe { Device::dec_ref(NonNull::from(dev)) };
    }
}
