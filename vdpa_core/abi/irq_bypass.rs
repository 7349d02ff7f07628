// SPDX-License-Identifier: GPL-2.0

//! The irq-bypass producer of a virtqueue (`include/linux/irqbypass.h`).
//!
//! A parent whose rings raise a real interrupt reports it through
//! `get_vq_irq`. A bus driver that routes the ring's call to an eventfd
//! (`vhost_vdpa`) then offers that interrupt to the irq-bypass manager
//! under the eventfd as token, so that a consumer with the same token
//! (KVM's irqfd) can post the interrupt straight to a vCPU.
//!
//! Only built into modules that pass `--cfg vdpa_irq_bypass`: a call of
//! the manager makes a module depend on `irqbypass.ko`.

use kernel::prelude::*;
use kernel::types::Opaque;

use super::bindings;
use super::eventfd::EventCtx;

/// One producer, registered at most once.
///
/// # Invariants
///
/// `registered` is true exactly while `raw` is on the manager's list;
/// then `raw.token` is the eventfd context of the registration, which the
/// owner keeps alive until [`Self::unregister`].
pub(crate) struct Producer {
    raw: Opaque<bindings::irq_bypass_producer>,
    registered: bool,
}

// SAFETY: the manager serialises every access to a registered producer
// under its own mutex; an unregistered one is plain data.
unsafe impl Send for Producer {}
// SAFETY: `&Producer` only reads `registered`.
unsafe impl Sync for Producer {}

impl Producer {
    /// An unregistered producer; it must be pinned before it registers.
    pub(crate) fn new() -> Result<Pin<KBox<Self>>> {
        // An all-zero producer is the unregistered state the manager expects
        // (no token, no callbacks, an unlinked node).
        let raw = Opaque::new(bindings::irq_bypass_producer::default());
        Ok(KBox::pin(Self { raw, registered: false }, GFP_KERNEL)?)
    }

    /// Offers interrupt `irq` under the token `ctx`. Process context.
    ///
    /// # Errors
    ///
    /// What `irq_bypass_register_producer` returns: `EBUSY` when the token
    /// has a producer already (two rings signalling one eventfd),
    /// `ENOMEM`, `ENODEV` while the manager is going away. `EBUSY` also
    /// when this producer is registered.
    ///
    /// # Safety
    ///
    /// `ctx` must stay alive until [`Self::unregister`] or the drop.
    pub(crate) unsafe fn register(self: Pin<&mut Self>, ctx: &EventCtx, irq: u32) -> Result {
        // SAFETY: `registered` is not structurally pinned; `raw` is not moved.
        let this = unsafe { self.get_unchecked_mut() };
        if this.registered {
            return Err(EBUSY);
        }
        let p = this.raw.get();
        // SAFETY: unregistered, so nothing else reads the producer.
        unsafe {
            (*p).token = ctx.as_ptr().cast();
            (*p).irq = irq as i32;
        }
        // SAFETY: `p` is pinned (it is in a `Pin<KBox>`) and stays until
        // `unregister`, which the drop calls; the token lives as long
        // (caller).
        kernel::error::to_result(unsafe { bindings::irq_bypass_register_producer(p) })?;
        this.registered = true;
        Ok(())
    }

    /// Withdraws the interrupt, disconnecting a consumer that took it.
    /// Does nothing when not registered. Process context (may sleep).
    pub(crate) fn unregister(self: Pin<&mut Self>) {
        // SAFETY: `registered` is not structurally pinned; `raw` is not moved.
        let this = unsafe { self.get_unchecked_mut() };
        if !this.registered {
            return;
        }
        // SAFETY: on the manager's list (type invariant); removed here,
        // and the token is still alive (contract of `register`).
        unsafe { bindings::irq_bypass_unregister_producer(this.raw.get()) };
        this.registered = false;
        // SAFETY: no longer on the list, so unshared.
        unsafe { (*this.raw.get()).token = core::ptr::null_mut() };
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        // SAFETY: `self` is not moved before it is dropped, so the pinned
        // view is sound.
        unsafe { Pin::new_unchecked(self) }.unregister();
    }
}
