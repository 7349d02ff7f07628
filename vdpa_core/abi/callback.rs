// SPDX-License-Identifier: GPL-2.0

//! The callbacks a bus driver installs with `set_vq_cb` and
//! `set_config_cb` (`struct vdpa_callback`).
//!
//! The parent cannot know how long the driver's private data lives:
//! `virtio_vdpa` frees a queue's data after disabling the queue, without
//! clearing its callback, and `vhost_vdpa` frees its eventfds after a reset.
//! So calling a [`Callback`] is `unsafe`, with the contract the C drivers
//! rely on; a parent keeps its callbacks under the same lock as the queue's
//! ready bit and drops them in `set_vq_ready(false)` and `reset`.

use super::bindings;

/// A callback as the bus driver set it; [`None`](Option::None) when the
/// driver passed NULL or a callback without a function.
///
/// # Invariants
///
/// `raw.callback` is `Some`.
pub(crate) struct Callback {
    raw: bindings::vdpa_callback,
}

// SAFETY: a vdpa callback is called from whatever context the parent
// completes buffers in (a worker, a timer, an interrupt): the C drivers'
// callbacks (`vring_interrupt`, `eventfd_signal`) are written for that, and
// the private data and eventfd are only passed back to them.
unsafe impl Send for Callback {}
// SAFETY: `&Callback` only allows calling it, which the driver allows
// from any context (see `Send`).
unsafe impl Sync for Callback {}

impl Callback {
    /// Copies the driver's callback.
    ///
    /// # Safety
    ///
    /// `cb` must be NULL or valid for reading.
    pub(crate) unsafe fn from_raw(cb: *const bindings::vdpa_callback) -> Option<Self> {
        if cb.is_null() {
            return None;
        }
        // SAFETY: `cb` is valid for reading (caller); it is plain data.
        let raw = unsafe { core::ptr::read(cb) };
        raw.callback.map(|_| Self { raw })
    }

    /// Calls the callback (the used-buffer or config-change interrupt).
    ///
    /// # Safety
    ///
    /// Since this callback was handed to the parent, the bus driver must
    /// not have replaced it (another `set_vq_cb`/`set_config_cb` for the
    /// same slot), disabled its queue (`set_vq_ready(false)`) or reset the
    /// device: each of those lets the driver free the private data. A
    /// parent ensures that by dropping the callback inside those ops and
    /// calling it only with the lock they take held.
    pub(crate) unsafe fn call(&self) -> bindings::irqreturn_t {
        match self.raw.callback {
            // SAFETY: the driver's function takes its own private data; the
            // data is alive (caller).
            Some(f) => unsafe { f(self.raw.private) },
            // The type invariant rules this out.
            None => bindings::irqreturn_IRQ_NONE,
        }
    }

    /// Whether the driver attached an eventfd (`vhost_vdpa` does, for
    /// its call file descriptor) that [`Self::signal_trigger`] can signal
    /// directly instead of going through [`Self::call`].
    pub(crate) fn has_trigger(&self) -> bool {
        !self.raw.trigger.is_null()
    }

    /// Signals the driver's eventfd; returns whether there was one.
    ///
    /// # Safety
    ///
    /// As for [`Self::call`]: the eventfd is released with the callback.
    pub(crate) unsafe fn signal_trigger(&self) -> bool {
        if self.raw.trigger.is_null() {
            return false;
        }
        // SAFETY: the eventfd context is alive (caller); signalling an
        // eventfd is allowed in any context.
        unsafe { kernel::bindings::eventfd_signal_mask(self.raw.trigger.cast(), 0) };
        true
    }

    /// The C value, to hand to another parent op (a bus driver does that).
    pub(crate) fn as_raw(&self) -> bindings::vdpa_callback {
        self.raw
    }
}
