// SPDX-License-Identifier: GPL-2.0

//! Global state of the bus: the device-list lock and the index allocator.
//!
//! `DEV_LOCK` plays the role of upstream's `vdpa_dev_lock`: it protects the
//! management-device list and the adding and removing of managed devices,
//! and serialises the netlink commands against each other. Parents call
//! `_vdpa_register_device()` and `_vdpa_unregister_device()` from their
//! `dev_add`/`dev_del`, which the netlink code runs with it held for
//! writing. Lock order: `DEV_LOCK`, then a device's `cf_lock`.

use crate::abi::bindings;
use crate::abi::cell::{zeroed, StaticCell};

// SAFETY: an all-zero rw_semaphore, lock class key and ida are valid
// storage; they are initialised by `init()` before any use.
static DEV_LOCK: StaticCell<bindings::rw_semaphore> = StaticCell::new(unsafe { zeroed() });
// SAFETY: as above.
static DEV_LOCK_KEY: StaticCell<bindings::lock_class_key> = StaticCell::new(unsafe { zeroed() });
// SAFETY: as above.
static INDEX_IDA: StaticCell<bindings::ida> = StaticCell::new(unsafe { zeroed() });

/// Initialises the global lock and allocator. Called once, first thing at
/// module load, before anything can reach them.
pub(crate) fn init() {
    // SAFETY: the pointers are to static storage; nothing uses it yet.
    unsafe {
        bindings::__init_rwsem(
            DEV_LOCK.get(),
            c"vdpa_dev_lock".as_ptr().cast(),
            DEV_LOCK_KEY.get(),
        );
        bindings::vdpa_rs_ida_init(INDEX_IDA.get());
    }
}

/// Releases the allocator's memory at module unload, when no device is left.
pub(crate) fn destroy() {
    // SAFETY: the ida was initialised by `init()`; every device (and so
    // every index) is gone once the bus is unregistered.
    unsafe { bindings::ida_destroy(INDEX_IDA.get()) };
}

/// Allocates the lowest free device index.
pub(crate) fn alloc_index() -> kernel::error::Result<u32> {
    // SAFETY: the ida was initialised by `init()` and locks itself.
    let id = unsafe { bindings::ida_alloc_range(INDEX_IDA.get(), 0, u32::MAX >> 1, bindings::GFP_KERNEL) };
    if id < 0 {
        return Err(kernel::error::Error::from_errno(id));
    }
    Ok(id as u32)
}

/// Gives back a device index.
pub(crate) fn free_index(index: u32) {
    // SAFETY: the ida was initialised by `init()` and locks itself.
    unsafe { bindings::ida_free(INDEX_IDA.get(), index) };
}

/// Asserts (through lockdep) that the caller holds `DEV_LOCK` for writing.
pub(crate) fn assert_held_write() {
    // SAFETY: `DEV_LOCK` is an initialised rw_semaphore.
    unsafe { bindings::vdpa_rs_rwsem_assert_held_write(DEV_LOCK.get()) };
}

/// `DEV_LOCK` held for reading; released when dropped.
pub(crate) struct ReadGuard(());

/// `DEV_LOCK` held for writing; released when dropped.
pub(crate) struct WriteGuard(());

/// Takes `DEV_LOCK` for reading.
pub(crate) fn read() -> ReadGuard {
    // SAFETY: `DEV_LOCK` is an initialised rw_semaphore.
    unsafe { bindings::down_read(DEV_LOCK.get()) };
    ReadGuard(())
}

/// Takes `DEV_LOCK` for writing.
pub(crate) fn write() -> WriteGuard {
    // SAFETY: `DEV_LOCK` is an initialised rw_semaphore.
    unsafe { bindings::down_write(DEV_LOCK.get()) };
    WriteGuard(())
}

impl Drop for ReadGuard {
    fn drop(&mut self) {
        // SAFETY: the guard's existence means the read lock is held.
        unsafe { bindings::up_read(DEV_LOCK.get()) };
    }
}

impl Drop for WriteGuard {
    fn drop(&mut self) {
        // SAFETY: the guard's existence means the write lock is held.
        unsafe { bindings::up_write(DEV_LOCK.get()) };
    }
}
