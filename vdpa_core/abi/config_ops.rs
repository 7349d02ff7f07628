// SPDX-License-Identifier: GPL-2.0

//! [`ConfigOps`]: `struct vdpa_config_ops` as a Rust trait, and the values
//! its methods take.
//!
//! A parent implements it for its device data `T`; [`super::ops_table`]
//! turns the implementation into the C table. The trampolines check what
//! the callers pass before a method runs, so a method can rely on it:
//!
//! - a [`VqIdx`] is below the device's `nvqs`, an [`Asid`] below `nas`, a
//!   [`Group`] below `ngroups`; an out-of-range index never reaches the
//!   parent (the op fails with `EINVAL`, or does nothing, or returns 0);
//! - `get_config`/`set_config` cover `offset..offset + len` within
//!   `get_config_size()`; requests past it are ignored, as upstream parents
//!   ignore them;
//! - the state passed to `set_vq_state` is read as split or packed after
//!   the features the driver set, so no byte the driver left unwritten is
//!   read.
//!
//! # Context
//!
//! Most ops run in process context and may sleep. These may not:
//! `kick_vq` and `kick_vq_with_data` (`virtio_vdpa` calls them from
//! `virtqueue_notify`, which drivers call under spinlocks and with
//! interrupts off), `get_vq_ready`, `get_status`, `get_generation`,
//! `get_vq_notification` and `get_vq_irq`. They must not take a mutex.

use core::ffi::c_void;

use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::Opaque;

use super::bindings;
#[allow(unused_imports)]
pub(crate) use super::callback::Callback;
use super::device::Device;
#[allow(unused_imports)]
pub(crate) use super::iotlb::{Asid, IotlbRef, Perm};
#[allow(unused_imports)]
pub(crate) use super::vq::{Group, NotificationArea, PackedState, VqIdx, VqState};

/// The inclusive range of usable IOVAs (`struct vdpa_iova_range`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IovaRange {
    /// First usable IOVA.
    pub(crate) first: u64,
    /// Last usable IOVA.
    pub(crate) last: u64,
}

/// Flags of `compat_reset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ResetFlags(u32);

impl ResetFlags {
    /// The raw flags.
    pub(crate) fn from_bits(bits: u32) -> Self {
        Self(bits)
    }

    /// `VDPA_RESET_F_CLEAN_MAP`: the driver did not ack IOTLB_PERSIST, so
    /// every address space goes back to its default mapping as well.
    pub(crate) fn clean_map(self) -> bool {
        self.0 & bindings::VDPA_RESET_F_CLEAN_MAP != 0
    }

    /// The raw flags.
    pub(crate) fn bits(self) -> u32 {
        self.0
    }
}

/// The destination of a `get_config` read: write-only, because the
/// caller's buffer may be uninitialised.
///
/// # Invariants
///
/// `ptr` is valid for writing `len` bytes for `'a`.
pub(crate) struct ConfigBuf<'a> {
    ptr: *mut u8,
    len: usize,
    _buf: core::marker::PhantomData<&'a mut [u8]>,
}

impl ConfigBuf<'_> {
    /// Wraps the caller's buffer.
    ///
    /// # Safety
    ///
    /// `ptr` must be valid for writing `len` bytes for `'a`.
    pub(crate) unsafe fn new<'a>(ptr: *mut u8, len: usize) -> ConfigBuf<'a> {
        ConfigBuf { ptr, len, _buf: core::marker::PhantomData }
    }

    /// Length of the read.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether the read is empty.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes `src` at `pos`; what does not fit is dropped.
    pub(crate) fn write_at(&mut self, pos: usize, src: &[u8]) {
        let n = self.len.saturating_sub(pos).min(src.len());
        if n == 0 {
            return;
        }
        // SAFETY: `pos + n <= len` and the buffer is writable (type
        // invariant); `src` is a separate readable slice of at least `n`.
        unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), self.ptr.add(pos), n) };
    }

    /// Fills the whole buffer from `src`, zero past its end.
    pub(crate) fn fill_from(&mut self, src: &[u8]) {
        self.write_at(0, src);
        if src.len() < self.len {
            // SAFETY: within the buffer (type invariant).
            unsafe { core::ptr::write_bytes(self.ptr.add(src.len()), 0, self.len - src.len()) };
        }
    }
}

/// A vendor-statistics reply being written (DEV_VSTATS_GET).
///
/// # Invariants
///
/// `skb` is the reply buffer the core handed to the op, valid for the call.
pub(crate) struct Stats<'a> {
    skb: *mut bindings::sk_buff,
    _call: core::marker::PhantomData<&'a mut ()>,
}

impl Stats<'_> {
    /// Wraps the reply.
    ///
    /// # Safety
    ///
    /// `skb` must be a valid reply buffer for `'a`.
    pub(crate) unsafe fn new<'a>(skb: *mut bindings::sk_buff) -> Stats<'a> {
        Stats { skb, _call: core::marker::PhantomData }
    }

    /// Appends one named counter.
    ///
    /// # Errors
    ///
    /// `EMSGSIZE` when the reply is full.
    pub(crate) fn put(&mut self, name: &CStr, value: u64) -> Result {
        const NAME: u32 = bindings::vdpa_attr_VDPA_ATTR_DEV_VENDOR_ATTR_NAME;
        const VALUE: u32 = bindings::vdpa_attr_VDPA_ATTR_DEV_VENDOR_ATTR_VALUE;
        const PAD: u32 = bindings::vdpa_attr_VDPA_ATTR_PAD;
        let len = i32::try_from(name.len() + 1).map_err(|_| EINVAL)?;
        // SAFETY: `skb` is valid (type invariant); the name is readable
        // with its NUL, the value for 8 bytes.
        let ret = unsafe {
            let r = bindings::nla_put(self.skb, NAME as i32, len, name.as_char_ptr().cast());
            if r != 0 {
                r
            } else {
                bindings::nla_put_64bit(self.skb, VALUE as i32, 8, core::ptr::addr_of!(value).cast(), PAD as i32)
            }
        };
        if ret == 0 {
            Ok(())
        } else {
            Err(Error::from_errno(-(bindings::EMSGSIZE as i32)))
        }
    }
}

/// `EOPNOTSUPP`, which the kernel crate of 6.12 does not name.
pub(crate) fn eopnotsupp() -> Error {
    Error::from_errno(-(bindings::EOPNOTSUPP as i32))
}

/// The address space of the process that owns a `use_va` device
/// (`struct mm_struct`), borrowed for `bind_mm`.
#[repr(transparent)]
pub(crate) struct Mm(Opaque<bindings::mm_struct>);

impl Mm {
    /// # Safety
    ///
    /// `ptr` must be a valid mm for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::mm_struct) -> &'a Self {
        // SAFETY: transparent wrapper (caller guarantees the rest).
        unsafe { &*ptr.cast::<Self>() }
    }

    /// The C mm.
    pub(crate) fn as_raw(&self) -> *mut bindings::mm_struct {
        self.0.get()
    }

    /// Keeps the mm (not its mappings) alive past the call (`mmgrab`).
    pub(crate) fn grab(&self) -> MmGrab {
        // SAFETY: the mm is valid for the borrow.
        unsafe { bindings::vdpa_rs_mmgrab(self.as_raw()) };
        MmGrab(self.as_raw())
    }
}

/// A counted reference to a `struct mm_struct`, dropped with `mmdrop`.
///
/// # Invariants
///
/// Holds one `mmgrab` reference on `0`.
pub(crate) struct MmGrab(*mut bindings::mm_struct);

// SAFETY: an mm reference may be dropped from any thread.
unsafe impl Send for MmGrab {}
// SAFETY: `&MmGrab` only hands out `&Mm`.
unsafe impl Sync for MmGrab {}

impl MmGrab {
    /// The mm.
    pub(crate) fn get(&self) -> &Mm {
        // SAFETY: the reference keeps it valid (type invariant).
        unsafe { Mm::from_raw(self.0) }
    }
}

impl Drop for MmGrab {
    fn drop(&mut self) {
        // SAFETY: drops the reference taken in `Mm::grab`.
        unsafe { bindings::vdpa_rs_mmdrop(self.0) };
    }
}

/// A CPU mask (`struct cpumask`) borrowed for an affinity op.
#[repr(transparent)]
pub(crate) struct CpuMask(Opaque<bindings::cpumask>);

impl CpuMask {
    /// # Safety
    ///
    /// `ptr` must be a valid mask for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *const bindings::cpumask) -> &'a Self {
        // SAFETY: transparent wrapper (caller guarantees the rest).
        unsafe { &*ptr.cast::<Self>() }
    }

    /// The C mask.
    pub(crate) fn as_raw(&self) -> *const bindings::cpumask {
        self.0.get()
    }
}

/// The operations of a vDPA device, implemented by its parent for the
/// device data.
///
/// Required methods are the ops that are mandatory in C; each optional one
/// appears in the C table only when implemented (and not masked off, see
/// [`super::ops_table::OpsTable::without`]). See the module documentation
/// for what the trampolines check and which ops run in atomic context.
/// The data is dropped, with its `Drop`, when the core releases the device.
#[vtable]
pub(crate) trait ConfigOps: Sized + Send + Sync + 'static {
    /// Records the three IOVAs of a ring.
    fn set_vq_address(dev: &Device<Self>, vq: VqIdx, desc: u64, driver: u64, device: u64) -> Result;
    /// Records a ring's size.
    fn set_vq_num(dev: &Device<Self>, vq: VqIdx, num: u32);
    /// New buffers are available in the ring. Atomic context.
    fn kick_vq(dev: &Device<Self>, vq: VqIdx);
    /// As `kick_vq`, with VIRTIO_F_NOTIFICATION_DATA's data (its low 16
    /// bits, the queue, are checked). Atomic context.
    fn kick_vq_with_data(_dev: &Device<Self>, _vq: VqIdx, _data: u32) {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Installs (`Some`) or removes (`None`) the used-buffer callback.
    fn set_vq_cb(dev: &Device<Self>, vq: VqIdx, cb: Option<Callback>);
    /// Enables or disables a ring. Disabling ends the callback's life.
    fn set_vq_ready(dev: &Device<Self>, vq: VqIdx, ready: bool);
    /// Whether a ring is enabled. Atomic context.
    fn get_vq_ready(dev: &Device<Self>, vq: VqIdx) -> bool;
    /// Restores a ring's position.
    fn set_vq_state(dev: &Device<Self>, vq: VqIdx, state: VqState) -> Result;
    /// Reports a ring's position; `packed` says which form the driver
    /// negotiated (VIRTIO_F_RING_PACKED).
    fn get_vq_state(dev: &Device<Self>, vq: VqIdx, packed: bool) -> Result<VqState>;
    /// Appends the vendor statistics of a ring.
    fn get_vendor_vq_stats(_dev: &Device<Self>, _vq: VqIdx, _stats: &mut Stats<'_>) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// The doorbell of a ring. Atomic context.
    fn get_vq_notification(_dev: &Device<Self>, _vq: VqIdx) -> NotificationArea {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// The interrupt of a ring. Atomic context.
    fn get_vq_irq(_dev: &Device<Self>, _vq: VqIdx) -> Result<u32> {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// The current size of a ring.
    fn get_vq_size(_dev: &Device<Self>, _vq: VqIdx) -> u16 {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Ring alignment.
    fn get_vq_align(dev: &Device<Self>) -> u32;
    /// The group of a ring; must be below the device's `ngroups`.
    fn get_vq_group(_dev: &Device<Self>, _vq: VqIdx) -> u32 {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// The group of a ring's descriptor table and driver and device areas
    /// (VHOST_BACKEND_F_DESC_ASID).
    fn get_vq_desc_group(_dev: &Device<Self>, _vq: VqIdx) -> u32 {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// The device's virtio features.
    fn get_device_features(dev: &Device<Self>) -> u64;
    /// Extra vhost backend features the parent supports (IOTLB_PERSIST).
    fn get_backend_features(_dev: &Device<Self>) -> u64 {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Sets the features the driver accepted.
    fn set_driver_features(dev: &Device<Self>, features: u64) -> Result;
    /// The features the driver accepted.
    fn get_driver_features(dev: &Device<Self>) -> u64;
    /// Installs or removes the config-change callback.
    fn set_config_cb(dev: &Device<Self>, cb: Option<Callback>);
    /// Largest ring size.
    fn get_vq_num_max(dev: &Device<Self>) -> u16;
    /// Smallest ring size.
    fn get_vq_num_min(_dev: &Device<Self>) -> u16 {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Virtio device id.
    fn get_device_id(dev: &Device<Self>) -> u32;
    /// Virtio vendor id.
    fn get_vendor_id(dev: &Device<Self>) -> u32;
    /// Virtio status byte. Atomic context.
    fn get_status(dev: &Device<Self>) -> u8;
    /// Sets the status byte; failure shows as FAILED in `get_status`.
    fn set_status(dev: &Device<Self>, status: u8);
    /// Back to the initial virtio state; ends every callback's life. With
    /// `reset_map`, mappings stay.
    fn reset(dev: &Device<Self>) -> Result;
    /// `reset`, and with [`ResetFlags::clean_map`] every address space back
    /// to its default mapping.
    fn compat_reset(_dev: &Device<Self>, _flags: ResetFlags) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Stops processing descriptors, keeping ring state.
    fn suspend(_dev: &Device<Self>) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Continues after `suspend`.
    fn resume(_dev: &Device<Self>) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Size of config space.
    fn get_config_size(dev: &Device<Self>) -> usize;
    /// Reads config space at `offset` into `buf` (within the size).
    fn get_config(dev: &Device<Self>, offset: usize, buf: &mut ConfigBuf<'_>);
    /// Writes `buf` into config space at `offset` (within the size).
    fn set_config(dev: &Device<Self>, offset: usize, buf: &[u8]);
    /// Config generation counter. Atomic context.
    fn get_generation(_dev: &Device<Self>) -> u32 {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Usable IOVA range.
    fn get_iova_range(_dev: &Device<Self>) -> IovaRange {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Sets a ring's CPU affinity.
    fn set_vq_affinity(_dev: &Device<Self>, _vq: VqIdx, _mask: &CpuMask) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// A ring's CPU affinity, kept by the parent.
    fn get_vq_affinity(_dev: &Device<Self>, _vq: VqIdx) -> Option<&CpuMask> {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Replaces the whole translation of address space `asid` with a copy
    /// of `iotlb` (see [`super::iotlb::Iotlb::replace_with`]).
    fn set_map(_dev: &Device<Self>, _asid: Asid, _iotlb: &IotlbRef) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Adds one mapping to address space `asid`; `opaque` is the driver's
    /// cookie for the mapping, to be stored, not dereferenced.
    fn dma_map(
        _dev: &Device<Self>,
        _asid: Asid,
        _iova: u64,
        _size: u64,
        _pa: u64,
        _perm: Perm,
        _opaque: *mut c_void,
    ) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Removes mappings of address space `asid`; present exactly when
    /// `dma_map` is.
    fn dma_unmap(_dev: &Device<Self>, _asid: Asid, _iova: u64, _size: u64) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Puts address space `asid` back to its default mapping.
    fn reset_map(_dev: &Device<Self>, _asid: Asid) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Binds virtqueue group `group` to address space `asid`.
    fn set_group_asid(_dev: &Device<Self>, _group: Group, _asid: Asid) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// The device that maps a ring's DMA.
    fn get_vq_dma_dev(_dev: &Device<Self>, _vq: VqIdx) -> &kernel::device::Device {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Binds the address space of the owner process (`use_va` devices);
    /// keep it with [`Mm::grab`].
    fn bind_mm(_dev: &Device<Self>, _mm: &Mm) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Undoes `bind_mm`; present exactly when `bind_mm` is.
    fn unbind_mm(_dev: &Device<Self>) {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}
