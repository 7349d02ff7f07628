// SPDX-License-Identifier: GPL-2.0

//! Eventfds of a bus driver that talks to user space (`vhost_vdpa`):
//! [`EventCtx`], a counted eventfd context to signal (call and config
//! interrupts), and [`Kick`], which watches an eventfd and calls the
//! parent's `kick_vq` from its wakeup, as a doorbell.

use core::ffi::c_void;
use core::ptr::NonNull;

use kernel::prelude::*;
use kernel::types::{ARef, Opaque};

use super::bindings;
use super::bus::BusDevice;
use super::callback::Callback;
use super::irq_lock::{new_irq_lock, IrqLock};
use super::vq::VqIdx;

/// `ERR_PTR` decoding: the error in `ptr`, if it holds one.
fn ptr_err<T>(ptr: *mut T) -> Option<Error> {
    let v = ptr as isize;
    // The top 4095 values of the address space are `-MAX_ERRNO..-1`.
    (-4095..0).contains(&v).then(|| Error::from_errno(v as i32))
}

/// An eventfd context with a reference of ours (`eventfd_ctx_fdget`).
///
/// # Invariants
///
/// `0` is a live context on which this value owns one reference.
pub(crate) struct EventCtx(NonNull<kernel::bindings::eventfd_ctx>);

// SAFETY: an eventfd context is signalled and released from any thread.
unsafe impl Send for EventCtx {}
// SAFETY: `&EventCtx` only signals, which the context synchronises.
unsafe impl Sync for EventCtx {}

impl EventCtx {
    /// The eventfd behind the caller's file descriptor `fd`.
    ///
    /// # Errors
    ///
    /// `EBADF` for a descriptor that is not open, `EINVAL` for a file that
    /// is not an eventfd.
    pub(crate) fn from_fd(fd: i32) -> Result<Self> {
        // SAFETY: any value may be passed; the result is a context or an
        // `ERR_PTR`.
        let ctx = unsafe { kernel::bindings::eventfd_ctx_fdget(fd) };
        if let Some(e) = ptr_err(ctx) {
            return Err(e);
        }
        NonNull::new(ctx).map(Self).ok_or(EBADF)
    }

    /// The C context, as an identity (the irq-bypass token).
    pub(crate) fn as_ptr(&self) -> *mut kernel::bindings::eventfd_ctx {
        self.0.as_ptr()
    }

    /// Adds one to the counter, waking its readers. Any context.
    pub(crate) fn signal(&self) {
        // SAFETY: the context is alive (type invariant).
        unsafe { kernel::bindings::eventfd_signal_mask(self.0.as_ptr().cast(), 0) };
    }

    /// A vdpa callback that signals this eventfd, with it as the trigger
    /// (so a parent may signal it directly).
    ///
    /// The parent may call the callback until it is replaced, its queue is
    /// disabled or the device reset: the eventfd must be kept until then.
    pub(crate) fn callback(&self) -> Callback {
        let raw = bindings::vdpa_callback {
            callback: Some(Self::signal_cb),
            private: self.0.as_ptr().cast(),
            trigger: self.0.as_ptr().cast(),
        };
        // SAFETY: a valid callback with a function.
        unsafe { Callback::from_raw(&raw) }.unwrap_or_else(|| unreachable!())
    }

    unsafe extern "C" fn signal_cb(private: *mut c_void) -> bindings::irqreturn_t {
        // SAFETY: `private` is the context of `callback`, which its owner
        // keeps while the parent may call it.
        unsafe { kernel::bindings::eventfd_signal_mask(private.cast(), 0) };
        bindings::irqreturn_IRQ_HANDLED
    }
}

impl Drop for EventCtx {
    fn drop(&mut self) {
        // SAFETY: the reference owned by this value (type invariant).
        unsafe { kernel::bindings::eventfd_ctx_put(self.0.as_ptr()) };
    }
}

/// A slot for the eventfd a parent signals through one callback that
/// stays installed while the eventfd changes (the config interrupt).
///
/// The callback's private data is the slot, not the eventfd: it reads the
/// eventfd under the slot's lock, so [`Self::replace`] can release the old
/// one even while a parent, having copied the callback, runs it outside
/// its own lock. Owners keep the slot pinned for as long as the parent may
/// call the callback.
#[pin_data]
pub(crate) struct EventSlot {
    #[pin]
    ctx: IrqLock<Option<EventCtx>>,
}

impl EventSlot {
    /// An empty slot.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self { ctx <- new_irq_lock!(None, "vdpa_rs:event_slot") })
    }

    /// Installs `ctx` and returns the eventfd it replaces, to be dropped by
    /// the caller (outside any lock of its own that the callback might
    /// need; the slot's lock is released by then).
    pub(crate) fn replace(&self, ctx: Option<EventCtx>) -> Option<EventCtx> {
        core::mem::replace(&mut *self.ctx.lock(), ctx)
    }

    /// Whether an eventfd is installed.
    pub(crate) fn is_set(&self) -> bool {
        self.ctx.lock().is_some()
    }

    /// The callback that signals whatever eventfd the slot holds when it
    /// runs, or nothing.
    ///
    /// # Safety
    ///
    /// The slot must stay pinned, and not be dropped, while the parent may
    /// call the callback: until the parent got another one and no call of
    /// this one can be running.
    pub(crate) unsafe fn callback(self: Pin<&Self>) -> Callback {
        let raw = bindings::vdpa_callback {
            callback: Some(Self::slot_cb),
            private: (&*self as *const Self).cast_mut().cast(),
            trigger: core::ptr::null_mut(),
        };
        // SAFETY: a valid callback with a function.
        unsafe { Callback::from_raw(&raw) }.unwrap_or_else(|| unreachable!())
    }

    unsafe extern "C" fn slot_cb(private: *mut c_void) -> bindings::irqreturn_t {
        // SAFETY: `private` is a pinned slot that outlives the callback
        // (contract of `callback`).
        let slot = unsafe { &*private.cast::<Self>() };
        if let Some(ctx) = &*slot.ctx.lock() {
            ctx.signal();
        }
        bindings::irqreturn_IRQ_HANDLED
    }
}

/// Room for a `struct vdpa_rs_kick`, whose types (`poll_table`) the kernel
/// crate's bindings know only by name: its size and alignment are the C
/// compiler's.
#[repr(C, align(8))]
struct KickRoom([u8; bindings::VDPA_RS_KICK_SIZE as usize]);

const _: () = assert!(bindings::VDPA_RS_KICK_ALIGN as usize <= core::mem::align_of::<KickRoom>());

/// A kick eventfd: the parent's `kick_vq(vq)` runs in every wakeup of the
/// eventfd that makes it readable, in the writer's context with the
/// eventfd's wait-queue lock held (atomic context, as for any `kick_vq`).
///
/// # Invariants
///
/// While the value exists, `raw` is on the wait queue of `file` (or on
/// none), and `file` holds a reference on the eventfd's file.
#[repr(C)]
pub(crate) struct Kick {
    raw: Opaque<KickRoom>,
    file: NonNull<kernel::bindings::file>,
    dev: ARef<BusDevice>,
    vq: VqIdx,
}

// SAFETY: the wakeup runs on any thread; the fields it reads are
// immutable and `BusDevice` is `Sync`.
unsafe impl Send for Kick {}
// SAFETY: `&Kick` gives access to nothing.
unsafe impl Sync for Kick {}

impl Kick {
    /// Watches the eventfd of file descriptor `fd` for kicks of `vq`. A
    /// count already in the eventfd kicks once at once.
    ///
    /// # Errors
    ///
    /// `EBADF` (not open), `EINVAL` (not an eventfd, or it reports an
    /// error), `ENOMEM`.
    pub(crate) fn new(fd: i32, dev: ARef<BusDevice>, vq: VqIdx) -> Result<Pin<KBox<Self>>> {
        // SAFETY: any value may be passed; the result is a file with a
        // reference, or an `ERR_PTR`.
        let file = unsafe { kernel::bindings::eventfd_fget(fd) };
        if let Some(e) = ptr_err(file) {
            return Err(e);
        }
        let file = NonNull::new(file).ok_or(EBADF)?;
        let k = match KBox::pin(Self { raw: Opaque::uninit(), file, dev, vq }, GFP_KERNEL) {
            Ok(k) => k,
            Err(e) => {
                // SAFETY: the reference `eventfd_fget` took.
                unsafe { kernel::bindings::fput(file.as_ptr()) };
                return Err(e.into());
            }
        };
        let raw = k.raw.get().cast::<bindings::vdpa_rs_kick>();
        // SAFETY: `raw` is pinned in the box; initialised before it is
        // put on a wait queue.
        unsafe { bindings::vdpa_rs_kick_init(raw, Some(Self::kicked)) };
        // SAFETY: `raw` is pinned in the box and initialised; `file` is
        // referenced by `k`, which takes
        // `raw` off the queue in `drop` before the file is released.
        kernel::error::to_result(unsafe { bindings::vdpa_rs_kick_start(raw, file.as_ptr()) })?;
        Ok(k)
    }

    /// Whether file descriptor `fd` is the eventfd this kick watches.
    ///
    /// # Errors
    ///
    /// As [`Kick::new`] for a descriptor that is not an open eventfd.
    pub(crate) fn watches(&self, fd: i32) -> Result<bool> {
        // SAFETY: `eventfd_fget` accepts any descriptor number and returns
        // a referenced file or an `ERR_PTR`.
        let file = unsafe { kernel::bindings::eventfd_fget(fd) };
        if let Some(e) = ptr_err(file) {
            return Err(e);
        }
        let file = NonNull::new(file).ok_or(EBADF)?;
        // SAFETY: drops the reference `eventfd_fget` took just above. Only
        // the address is compared afterwards; if it equals `self.file`, our
        // own reference keeps that file alive.
        unsafe { kernel::bindings::fput(file.as_ptr()) };
        Ok(file == self.file)
    }

    unsafe extern "C" fn kicked(raw: *mut bindings::vdpa_rs_kick) {
        // SAFETY: `raw` is the first field of a pinned `Kick` (repr(C)),
        // which stays alive while it is on the wait queue (type invariant).
        let k = unsafe { &*raw.cast::<Self>() };
        k.dev.ops().kick_vq(k.vq);
    }
}

impl Drop for Kick {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`; after this no wakeup runs.
        unsafe { bindings::vdpa_rs_kick_stop(self.raw.get().cast()) };
        // SAFETY: the reference `eventfd_fget` took.
        unsafe { kernel::bindings::fput(self.file.as_ptr()) };
    }
}
