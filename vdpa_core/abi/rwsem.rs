// SPDX-License-Identifier: GPL-2.0

//! A `struct rw_semaphore` that owns the data it protects.
//!
//! The 6.12 `kernel` crate has no read-write semaphore, and the vDPA ABI
//! has two: the core's device-list lock (a static) and each device's
//! `cf_lock` (embedded in the C `struct vdpa_device`). [`StaticRwSem`] is
//! the first kind; [`CfGuard`] is a guard of the second.
//!
//! Each lock gets its own lockdep class: the key is part of the static
//! (a static object, as lockdep requires), so two locks never share one
//! by going through a common C helper.

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use kernel::str::CStr;
use kernel::types::Opaque;

use super::bindings;

/// A static read-write semaphore protecting a `T`.
///
/// # Invariants
///
/// After [`Self::init`], `sem` is an initialised semaphore whose lockdep
/// class is `key`, and `data` is only reached through a guard, that is,
/// with `sem` held (shared for [`ReadGuard`], exclusive for
/// [`WriteGuard`]).
pub(crate) struct StaticRwSem<T> {
    sem: Opaque<bindings::rw_semaphore>,
    key: Opaque<bindings::lock_class_key>,
    data: UnsafeCell<T>,
}

// SAFETY: `data` is only reached with the semaphore held (type invariant):
// shared references under the read lock need `T: Sync`, moving and
// mutating it from another thread under the write lock need `T: Send`.
unsafe impl<T: Send + Sync> Sync for StaticRwSem<T> {}

impl<T> StaticRwSem<T> {
    /// A semaphore for a `static`, not usable before [`Self::init`].
    pub(crate) const fn new(data: T) -> Self {
        Self { sem: Opaque::uninit(), key: Opaque::uninit(), data: UnsafeCell::new(data) }
    }

    /// Initialises the semaphore, with lockdep name `name`.
    ///
    /// # Safety
    ///
    /// Called once, before any other method, while nothing else can reach
    /// the static (module init).
    pub(crate) unsafe fn init(&'static self, name: &'static CStr) {
        // SAFETY: `sem` and `key` are static storage that nothing uses yet
        // (caller); lockdep wants a static, uninitialised key.
        unsafe { bindings::__init_rwsem(self.sem.get(), name.as_char_ptr(), self.key.get()) };
    }

    /// Asserts, through lockdep, that the caller holds the lock for
    /// writing.
    pub(crate) fn assert_held_write(&self) {
        // SAFETY: initialised at module init, before any caller can exist.
        unsafe { bindings::vdpa_rs_rwsem_assert_held_write(self.sem.get()) };
    }

    /// Takes the lock for reading.
    pub(crate) fn read(&self) -> ReadGuard<'_, T> {
        // SAFETY: initialised at module init, before any caller can exist.
        unsafe { bindings::down_read(self.sem.get()) };
        ReadGuard { lock: self, _not_send: PhantomData }
    }

    /// Takes the lock for writing.
    pub(crate) fn write(&self) -> WriteGuard<'_, T> {
        // SAFETY: as in `read`.
        unsafe { bindings::down_write(self.sem.get()) };
        WriteGuard { lock: self, _not_send: PhantomData }
    }
}

/// The lock held for reading. Not `Send`: an rwsem is released by the
/// task that took it.
pub(crate) struct ReadGuard<'a, T> {
    lock: &'a StaticRwSem<T>,
    _not_send: PhantomData<*mut ()>,
}

/// The lock held for writing. Not `Send`, as [`ReadGuard`].
pub(crate) struct WriteGuard<'a, T> {
    lock: &'a StaticRwSem<T>,
    _not_send: PhantomData<*mut ()>,
}

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the read lock is held for the guard's lifetime, so no
        // writer has a mutable reference.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the write lock is held for the guard's lifetime.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the write lock is held for the guard's lifetime and the
        // guard is borrowed mutably: this is the only reference.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: this guard took the read lock.
        unsafe { bindings::up_read(self.lock.sem.get()) };
    }
}

impl<T> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: this guard took the write lock.
        unsafe { bindings::up_write(self.lock.sem.get()) };
    }
}

/// Takes a device's `cf_lock` for reading or writing and releases it when
/// dropped; the guard's lifetime ties it to a reference on the device.
pub(crate) struct CfGuard<'a> {
    sem: *mut bindings::rw_semaphore,
    write: bool,
    _dev: PhantomData<&'a ()>,
}

impl<'a> CfGuard<'a> {
    /// Takes `sem`.
    ///
    /// # Safety
    ///
    /// `sem` must be an initialised semaphore that lives for `'a`.
    pub(crate) unsafe fn new(sem: *mut bindings::rw_semaphore, write: bool) -> Self {
        // SAFETY: guaranteed by the caller.
        unsafe {
            if write {
                bindings::down_write(sem);
            } else {
                bindings::down_read(sem);
            }
        }
        Self { sem, write, _dev: PhantomData }
    }
}

impl Drop for CfGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: this guard took the lock in the mode it records.
        unsafe {
            if self.write {
                bindings::up_write(self.sem);
            } else {
                bindings::up_read(self.sem);
            }
        }
    }
}
