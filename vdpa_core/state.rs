// SPDX-License-Identifier: GPL-2.0

//! Global state of the bus: the device-list lock with the management-device
//! list it protects, and the index allocator.
//!
//! [`DEV_LOCK`] plays the role of upstream's `vdpa_dev_lock`. It protects
//! the management-device list (the data it holds), and it serialises the
//! adding and removing of managed devices and the netlink commands against
//! each other. Parents call `_vdpa_register_device()` and
//! `_vdpa_unregister_device()` from their `dev_add`/`dev_del`, which the
//! netlink code runs with it held for writing; those C entry points cannot
//! take a guard, so they check the lock with lockdep and make an
//! [`Exclusive`] token. Lock order: `DEV_LOCK`, then a device's `cf_lock`.

use core::marker::PhantomData;

use kernel::prelude::*;

use crate::abi::bindings;
use crate::abi::cell::{zeroed, StaticCell};
use crate::abi::rwsem::{ReadGuard, StaticRwSem, WriteGuard};
use crate::mgmt::MgmtList;

/// What the device-list lock protects.
pub(crate) struct DevList {
    /// The registered management devices, in registration order.
    pub(crate) mgmt: MgmtList,
}

/// The device-list lock (`vdpa_dev_lock`).
pub(crate) static DEV_LOCK: StaticRwSem<DevList> = StaticRwSem::new(DevList { mgmt: MgmtList::new() });

// SAFETY: an all-zero ida is valid storage; `init()` initialises it.
static INDEX_IDA: StaticCell<bindings::ida> = StaticCell::new(unsafe { zeroed() });

/// Proof that the device-list lock is held for writing, which registering
/// and unregistering a device on the bus need (name uniqueness and
/// `dev_add`/`dev_del` atomicity).
pub(crate) struct Exclusive<'a>(PhantomData<&'a mut DevList>);

impl Exclusive<'_> {
    /// From a write guard.
    pub(crate) fn of<'a>(_guard: &'a WriteGuard<'_, DevList>) -> Exclusive<'a> {
        Exclusive(PhantomData)
    }

    /// For the C entry points that run under the caller's lock.
    ///
    /// # Safety
    ///
    /// The caller must hold `DEV_LOCK` for writing for `'a` (the ABI of
    /// `_vdpa_register_device` and `_vdpa_unregister_device`); lockdep
    /// checks it.
    pub(crate) unsafe fn assume_held<'a>() -> Exclusive<'a> {
        DEV_LOCK.assert_held_write();
        Exclusive(PhantomData)
    }
}

/// Initialises the global lock, list and allocator. Called once, first
/// thing at module load, before anything can reach them.
pub(crate) fn init() {
    // SAFETY: module init, before any other use of the statics.
    unsafe {
        DEV_LOCK.init(kernel::c_str!("vdpa_dev_lock"));
        bindings::vdpa_rs_ida_init(INDEX_IDA.get());
    }
    DEV_LOCK.write().mgmt.init();
}

/// Releases the allocator's memory at module unload, when no device is left.
pub(crate) fn destroy() {
    // SAFETY: the ida was initialised by `init()`; every device (and so
    // every index) is gone once the bus is unregistered.
    unsafe { bindings::ida_destroy(INDEX_IDA.get()) };
}

/// Allocates the lowest free device index.
pub(crate) fn alloc_index() -> Result<u32> {
    // SAFETY: the ida was initialised by `init()` and locks itself.
    let id = unsafe { bindings::ida_alloc_range(INDEX_IDA.get(), 0, u32::MAX >> 1, bindings::GFP_KERNEL) };
    if id < 0 {
        return Err(Error::from_errno(id));
    }
    Ok(id as u32)
}

/// Gives back a device index.
pub(crate) fn free_index(index: u32) {
    // SAFETY: the ida was initialised by `init()` and locks itself.
    unsafe { bindings::ida_free(INDEX_IDA.get(), index) };
}

/// Takes the lock for reading.
pub(crate) fn read() -> ReadGuard<'static, DevList> {
    DEV_LOCK.read()
}

/// Takes the lock for writing.
pub(crate) fn write() -> WriteGuard<'static, DevList> {
    DEV_LOCK.write()
}
