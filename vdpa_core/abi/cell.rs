// SPDX-License-Identifier: GPL-2.0

//! Static storage for C objects that the kernel itself synchronises.

use core::cell::UnsafeCell;

/// A `static` C object (bus type, lock, list head, netlink family) whose
/// address is handed to C.
///
/// Rust never forms a reference to the contents; it only passes the raw
/// pointer from [`StaticCell::get`] to C functions, which do their own
/// locking. That is why sharing it between threads is sound.
#[repr(transparent)]
pub(crate) struct StaticCell<T>(UnsafeCell<T>);

// SAFETY: the contents are only reached through raw pointers passed to C
// code that serialises access itself (see the type documentation).
unsafe impl<T> Sync for StaticCell<T> {}

impl<T> StaticCell<T> {
    /// Wraps an initial value.
    pub(crate) const fn new(value: T) -> Self {
        Self(UnsafeCell::new(value))
    }

    /// The address of the C object.
    pub(crate) const fn get(&self) -> *mut T {
        self.0.get()
    }
}

/// An all-zero value of a bindgen type, for `const` initialisers.
///
/// # Safety
///
/// All-zero bytes must be a valid value of `T`: true for the plain C
/// structures bindgen produces (integers, raw pointers, `Option<fn>`).
pub(crate) const unsafe fn zeroed<T>() -> T {
    // SAFETY: guaranteed by the caller.
    unsafe { core::mem::zeroed() }
}
