// SPDX-License-Identifier: GPL-2.0

//! A spinlock taken with interrupts off, for the state a parent shares
//! between its atomic-context ops (`kick_vq` runs under drivers' own
//! spinlocks, in softirq and with interrupts off) and the others. The
//! 6.12 `kernel` crate's `SpinLock` leaves interrupts on, which lockdep
//! rejects as soon as one path runs in interrupt context.

use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use kernel::init::PinInit;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::Opaque;

use super::bindings;

/// A lockdep class, for a `static` (see [`new_irq_lock!`]).
#[repr(transparent)]
pub(crate) struct LockClass(Opaque<bindings::lock_class_key>);

// SAFETY: lockdep synchronises its keys itself.
unsafe impl Sync for LockClass {}

impl LockClass {
    /// A key for a `static`; lockdep wants static storage.
    pub(crate) const fn new() -> Self {
        Self(Opaque::uninit())
    }
}

/// An [`IrqLock`] initialiser with its own lockdep class named `$name`.
#[allow(unused_macros)]
macro_rules! new_irq_lock {
    ($data:expr, $name:literal) => {{
        static CLASS: $crate::abi::irq_lock::LockClass = $crate::abi::irq_lock::LockClass::new();
        $crate::abi::irq_lock::IrqLock::new($data, kernel::c_str!($name), &CLASS)
    }};
}
#[allow(unused_imports)]
pub(crate) use new_irq_lock;

/// `T` under a spinlock taken with `spin_lock_irqsave`.
///
/// # Invariants
///
/// `data` is only reached through a guard, with `lock` held.
#[pin_data]
pub(crate) struct IrqLock<T> {
    #[pin]
    lock: Opaque<bindings::spinlock_t>,
    data: UnsafeCell<T>,
}

// SAFETY: `data` is only reached with the lock held; moving `T` between
// threads needs `T: Send`.
unsafe impl<T: Send> Send for IrqLock<T> {}
// SAFETY: as above; one thread at a time reaches `T`.
unsafe impl<T: Send> Sync for IrqLock<T> {}

impl<T> IrqLock<T> {
    /// Initialises the lock in place; use [`new_irq_lock!`].
    pub(crate) fn new(data: T, name: &'static CStr, class: &'static LockClass) -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `slot` is the lock's pinned storage; the name and
            // class are static.
            lock <- Opaque::ffi_init(|slot| unsafe {
                bindings::vdpa_rs_spin_lock_init(slot, name.as_char_ptr(), class.0.get())
            }),
            data: UnsafeCell::new(data),
        })
    }

    /// Takes the lock, interrupts off until the guard is dropped.
    pub(crate) fn lock(&self) -> IrqGuard<'_, T> {
        // SAFETY: initialised by `new`.
        let flags = unsafe { bindings::vdpa_rs_spin_lock_irqsave(self.lock.get()) };
        IrqGuard { lock: self, flags, _not_send: PhantomData }
    }
}

/// The lock held; released, and interrupts restored, when dropped.
pub(crate) struct IrqGuard<'a, T> {
    lock: &'a IrqLock<T>,
    flags: kernel::ffi::c_ulong,
    _not_send: PhantomData<*mut ()>,
}

impl<T> Deref for IrqGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the lock is held (type invariant of `IrqLock`).
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for IrqGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the lock is held and the guard borrowed mutably.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for IrqGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: this guard took the lock with these flags.
        unsafe { bindings::vdpa_rs_spin_unlock_irqrestore(self.lock.lock.get(), self.flags) };
    }
}
