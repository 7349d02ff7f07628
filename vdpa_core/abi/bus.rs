// SPDX-License-Identifier: GPL-2.0

//! A device on the vdpa bus, whatever its parent (C or Rust), as the core
//! and the bus drivers see it: [`BusDevice`], reference counted with
//! [`ARef`], and [`BusOps`], typed calls of its parent's ops where an
//! optional op the parent lacks is `None`.
//!
//! Queue indices and address-space ids are checked against the device
//! before an op is called ([`BusDevice::vq`], [`BusDevice::asid`]), so a
//! bus driver cannot hand a parent an index it did not register.

use core::ffi::c_void;
use core::ptr::{self, NonNull};

use kernel::prelude::*;
use kernel::str::CStr;
use kernel::types::{AlwaysRefCounted, Opaque};

use super::bindings;
use super::callback::Callback;
use super::config_ops::{CpuMask, IovaRange, Mm};
use super::iotlb::{Asid, IotlbRef, Perm};
use super::ops_table::{has_op, Op};
use super::rwsem::CfGuard;
use super::vq::{Group, NotificationArea, VqIdx, VqState};

/// A vDPA device on the bus.
///
/// # Invariants
///
/// Wraps a valid `struct vdpa_device` allocated by `__vdpa_alloc_device`
/// (so its `config` is a complete ops table with every mandatory op), with
/// a reference held by whoever holds the `&BusDevice`.
#[repr(transparent)]
pub(crate) struct BusDevice(Opaque<bindings::vdpa_device>);

// SAFETY: the C device is shared with the core and its parent, which
// synchronise it themselves; its release may run on any thread.
unsafe impl Send for BusDevice {}
// SAFETY: as above; `&BusDevice` only reads fixed fields and calls ops,
// which parents must allow concurrently (as in C).
unsafe impl Sync for BusDevice {}

// SAFETY: the device is reference counted through its `struct device`.
unsafe impl AlwaysRefCounted for BusDevice {
    fn inc_ref(&self) {
        // SAFETY: a reference proves the count is not zero.
        unsafe { bindings::vdpa_rs_get_device(self.as_dev()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives up a reference it owns.
        unsafe { bindings::put_device(ptr::addr_of_mut!((*obj.as_ptr().cast::<bindings::vdpa_device>()).dev)) };
    }
}

impl BusDevice {
    /// Wraps a C device.
    ///
    /// # Safety
    ///
    /// `ptr` must be a device allocated by `__vdpa_alloc_device`, alive
    /// for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::vdpa_device) -> &'a Self {
        // SAFETY: transparent wrapper (caller guarantees the rest).
        unsafe { &*ptr.cast::<Self>() }
    }

    /// The C device.
    pub(crate) fn as_raw(&self) -> *mut bindings::vdpa_device {
        self.0.get()
    }

    /// The embedded `struct device`.
    pub(crate) fn as_dev(&self) -> *mut bindings::device {
        // SAFETY: a valid vdpa_device (type invariant).
        unsafe { ptr::addr_of_mut!((*self.0.get()).dev) }
    }

    /// The device name.
    pub(crate) fn name(&self) -> &CStr {
        // SAFETY: `__vdpa_alloc_device` names every device before
        // returning it; the name lives as long as the device.
        unsafe { super::device::dev_name(self.as_dev()) }
    }

    /// The index behind `vdpaN` names.
    pub(crate) fn index(&self) -> u32 {
        // SAFETY: set at allocation, read-only afterwards.
        unsafe { (*self.0.get()).index }
    }

    /// Number of virtqueues, set at registration.
    pub(crate) fn nvqs(&self) -> u32 {
        // SAFETY: written by the core before the device is added to the
        // bus, read-only afterwards.
        unsafe { (*self.0.get()).nvqs }
    }

    /// Number of virtqueue groups.
    pub(crate) fn ngroups(&self) -> u32 {
        // SAFETY: set at allocation, read-only afterwards.
        unsafe { (*self.0.get()).ngroups }
    }

    /// Number of address spaces.
    pub(crate) fn nas(&self) -> u32 {
        // SAFETY: set at allocation, read-only afterwards.
        unsafe { (*self.0.get()).nas }
    }

    /// Whether the parent takes user virtual addresses.
    pub(crate) fn use_va(&self) -> bool {
        // SAFETY: set at allocation, read-only afterwards.
        unsafe { (*self.0.get()).use_va }
    }

    /// The management device that created the device, NULL for none. Only
    /// compared by the core, under its device-list lock.
    pub(crate) fn mgmt_raw(&self) -> *mut bindings::vdpa_mgmt_dev {
        // SAFETY: set before registration, read-only afterwards.
        unsafe { (*self.0.get()).mdev }
    }

    /// Whether a management device created the device.
    pub(crate) fn is_managed(&self) -> bool {
        !self.mgmt_raw().is_null()
    }

    /// `idx` as a queue index of this device, if it is one.
    pub(crate) fn vq(&self, idx: u16) -> Option<VqIdx> {
        VqIdx::new(idx, self.nvqs())
    }

    /// `asid` as an address space of this device, if it is one.
    pub(crate) fn asid(&self, asid: u32) -> Option<Asid> {
        Asid::new(asid, self.nas())
    }

    /// `group` as a virtqueue group of this device, if it is one.
    pub(crate) fn group(&self, group: u32) -> Option<Group> {
        Group::new(group, self.ngroups())
    }

    /// The parent's ops.
    pub(crate) fn ops(&self) -> BusOps<'_> {
        // SAFETY: the table outlives the device (type invariant).
        BusOps { dev: self, ops: unsafe { &*(*self.0.get()).config } }
    }

    /// Takes the device's `cf_lock` for reading.
    pub(crate) fn cf_read(&self) -> CfGuard<'_> {
        // SAFETY: initialised at allocation; lives as long as `self`.
        unsafe { CfGuard::new(ptr::addr_of_mut!((*self.0.get()).cf_lock), false) }
    }

    /// Takes the device's `cf_lock` for writing.
    pub(crate) fn cf_write(&self) -> CfGuard<'_> {
        // SAFETY: as in `cf_read`.
        unsafe { CfGuard::new(ptr::addr_of_mut!((*self.0.get()).cf_lock), true) }
    }

    /// Reads config space at `offset` into `buf`, under `cf_lock`
    /// (`vdpa_get_config`).
    pub(crate) fn get_config(&self, offset: u32, buf: &mut [u8]) {
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        // SAFETY: `buf` is writable for `len` bytes.
        unsafe { bindings::vdpa_get_config(self.as_raw(), offset, buf.as_mut_ptr().cast(), len) };
    }

    /// Writes `buf` into config space at `offset`, under `cf_lock`
    /// (`vdpa_set_config`).
    pub(crate) fn set_config(&self, offset: u32, buf: &[u8]) {
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        // SAFETY: `buf` is readable for `len` bytes.
        unsafe { bindings::vdpa_set_config(self.as_raw(), offset, buf.as_ptr().cast(), len) };
    }

    /// Writes the status byte, under `cf_lock` (`vdpa_set_status`).
    pub(crate) fn set_status(&self, status: u8) {
        // SAFETY: the device is alive.
        unsafe { bindings::vdpa_set_status(self.as_raw(), status) };
    }

    /// Resets the device under `cf_lock` (`vdpa_reset`: `compat_reset`
    /// with `flags` where the parent has it).
    ///
    /// # Errors
    ///
    /// The parent's.
    pub(crate) fn reset(&self, flags: u32) -> Result {
        // SAFETY: the device is alive.
        kernel::error::to_result(unsafe { bindings::vdpa_rs_reset(self.as_raw(), flags) })
    }

    /// Sets the driver features under `cf_lock` (`vdpa_set_features`).
    ///
    /// # Errors
    ///
    /// The parent's.
    pub(crate) fn set_features(&self, features: u64) -> Result {
        // SAFETY: the device is alive.
        kernel::error::to_result(unsafe { bindings::vdpa_rs_set_features(self.as_raw(), features) })
    }
}

/// The ops of a device's parent.
pub(crate) struct BusOps<'a> {
    dev: &'a BusDevice,
    ops: &'a bindings::vdpa_config_ops,
}

/// Calls a mandatory op; a parent without it (only a broken C parent)
/// gives `$default`.
macro_rules! mandatory {
    ($self:ident, $op:ident, $default:expr $(, $arg:expr)*) => {
        match $self.ops.$op {
            // SAFETY: an op of the device's own table, on the device.
            Some(f) => unsafe { f($self.dev.as_raw() $(, $arg)*) },
            None => $default,
        }
    };
}

/// Calls an optional op: `None` if the parent lacks it.
macro_rules! optional {
    ($self:ident, $op:ident $(, $arg:expr)*) => {
        // SAFETY: an op of the device's own table, on the device.
        $self.ops.$op.map(|f| unsafe { f($self.dev.as_raw() $(, $arg)*) })
    };
}

fn res(ret: kernel::ffi::c_int) -> Result {
    kernel::error::to_result(ret)
}

impl BusOps<'_> {
    /// Whether the parent has optional op `op`.
    pub(crate) fn has(&self, op: Op) -> bool {
        has_op(self.ops, op)
    }

    /// `set_vq_address`.
    pub(crate) fn set_vq_address(&self, vq: VqIdx, desc: u64, driver: u64, device: u64) -> Result {
        res(mandatory!(self, set_vq_address, EINVAL.to_errno(), vq.get(), desc, driver, device))
    }

    /// `set_vq_num`.
    pub(crate) fn set_vq_num(&self, vq: VqIdx, num: u32) {
        mandatory!(self, set_vq_num, (), vq.get(), num)
    }

    /// `kick_vq`. Atomic context is fine.
    pub(crate) fn kick_vq(&self, vq: VqIdx) {
        mandatory!(self, kick_vq, (), vq.get())
    }

    /// `kick_vq_with_data`.
    pub(crate) fn kick_vq_with_data(&self, data: u32) -> Option<()> {
        optional!(self, kick_vq_with_data, data)
    }

    /// `set_vq_cb`: installs `cb`, or removes the callback.
    ///
    /// # Safety
    ///
    /// The callback's private data and eventfd must stay valid until the
    /// driver replaces the callback, disables the queue or resets the
    /// device (the contract of [`Callback::call`]).
    pub(crate) unsafe fn set_vq_cb(&self, vq: VqIdx, cb: Option<&Callback>) {
        let mut raw = cb.map_or_else(bindings::vdpa_callback::default, Callback::as_raw);
        mandatory!(self, set_vq_cb, (), vq.get(), &mut raw)
    }

    /// `set_vq_ready`.
    pub(crate) fn set_vq_ready(&self, vq: VqIdx, ready: bool) {
        mandatory!(self, set_vq_ready, (), vq.get(), ready)
    }

    /// `get_vq_ready`.
    pub(crate) fn get_vq_ready(&self, vq: VqIdx) -> bool {
        mandatory!(self, get_vq_ready, false, vq.get())
    }

    /// `set_vq_state`, with every byte of the state written.
    pub(crate) fn set_vq_state(&self, vq: VqIdx, state: VqState) -> Result {
        let raw = state.to_raw();
        res(mandatory!(self, set_vq_state, EINVAL.to_errno(), vq.get(), &raw))
    }

    /// `get_vq_state`, into a zeroed state read back in the form the
    /// driver negotiated.
    pub(crate) fn get_vq_state(&self, vq: VqIdx, packed: bool) -> Result<VqState> {
        let mut raw = bindings::vdpa_vq_state::default();
        res(mandatory!(self, get_vq_state, EINVAL.to_errno(), vq.get(), &mut raw))?;
        // SAFETY: `raw` is a fully initialised local.
        Ok(unsafe { VqState::read(&raw, packed) })
    }

    /// `get_vendor_vq_stats`, appending to `skb`. The index is the
    /// netlink request's, unchecked: the parent checks it (ours do in
    /// their trampoline).
    ///
    /// # Safety
    ///
    /// `skb` must be a reply buffer and `extack` NULL or the request's.
    pub(crate) unsafe fn get_vendor_vq_stats(
        &self,
        idx: u16,
        skb: *mut bindings::sk_buff,
        extack: *mut bindings::netlink_ext_ack,
    ) -> Option<Result> {
        optional!(self, get_vendor_vq_stats, idx, skb, extack).map(res)
    }

    /// `get_vq_notification`.
    pub(crate) fn get_vq_notification(&self, vq: VqIdx) -> Option<NotificationArea> {
        optional!(self, get_vq_notification, vq.get()).map(|a| NotificationArea { addr: a.addr, size: a.size })
    }

    /// `get_vq_irq`: the interrupt, or `Err` when the ring has none.
    pub(crate) fn get_vq_irq(&self, vq: VqIdx) -> Option<Result<u32>> {
        optional!(self, get_vq_irq, vq.get()).map(|irq| u32::try_from(irq).map_err(|_| Error::from_errno(irq)))
    }

    /// `get_vq_size`.
    pub(crate) fn get_vq_size(&self, vq: VqIdx) -> Option<u16> {
        optional!(self, get_vq_size, vq.get())
    }

    /// `get_vq_align`.
    pub(crate) fn get_vq_align(&self) -> u32 {
        mandatory!(self, get_vq_align, 0)
    }

    /// `get_vq_group`.
    pub(crate) fn get_vq_group(&self, vq: VqIdx) -> Option<u32> {
        optional!(self, get_vq_group, vq.get())
    }

    /// `get_vq_desc_group`.
    pub(crate) fn get_vq_desc_group(&self, vq: VqIdx) -> Option<u32> {
        optional!(self, get_vq_desc_group, vq.get())
    }

    /// `get_device_features`.
    pub(crate) fn get_device_features(&self) -> u64 {
        mandatory!(self, get_device_features, 0)
    }

    /// `get_backend_features`.
    pub(crate) fn get_backend_features(&self) -> Option<u64> {
        optional!(self, get_backend_features)
    }

    /// `set_driver_features`, without `cf_lock`; drivers use
    /// [`BusDevice::set_features`].
    pub(crate) fn set_driver_features(&self, features: u64) -> Result {
        res(mandatory!(self, set_driver_features, EINVAL.to_errno(), features))
    }

    /// `get_driver_features`.
    pub(crate) fn get_driver_features(&self) -> u64 {
        mandatory!(self, get_driver_features, 0)
    }

    /// `set_config_cb`.
    ///
    /// # Safety
    ///
    /// As [`Self::set_vq_cb`], until the next `set_config_cb` or reset.
    pub(crate) unsafe fn set_config_cb(&self, cb: Option<&Callback>) {
        let mut raw = cb.map_or_else(bindings::vdpa_callback::default, Callback::as_raw);
        mandatory!(self, set_config_cb, (), &mut raw)
    }

    /// `get_vq_num_max`.
    pub(crate) fn get_vq_num_max(&self) -> u16 {
        mandatory!(self, get_vq_num_max, 0)
    }

    /// `get_vq_num_min`.
    pub(crate) fn get_vq_num_min(&self) -> Option<u16> {
        optional!(self, get_vq_num_min)
    }

    /// `get_device_id`.
    pub(crate) fn get_device_id(&self) -> u32 {
        mandatory!(self, get_device_id, 0)
    }

    /// `get_vendor_id`.
    pub(crate) fn get_vendor_id(&self) -> u32 {
        mandatory!(self, get_vendor_id, 0)
    }

    /// `get_status`.
    pub(crate) fn get_status(&self) -> u8 {
        mandatory!(self, get_status, 0)
    }

    /// `get_config_size`.
    pub(crate) fn get_config_size(&self) -> usize {
        mandatory!(self, get_config_size, 0)
    }

    /// `get_config` without `cf_lock` or the features rule of
    /// `vdpa_get_config`; the core reads with it while it holds the lock.
    /// The destination is a raw pointer: a C caller's buffer may be
    /// uninitialised, so no `&mut [u8]` is formed over it.
    ///
    /// # Safety
    ///
    /// `buf` must be valid for writing `len` bytes.
    pub(crate) unsafe fn get_config_raw(&self, _held: &CfGuard<'_>, offset: u32, buf: *mut u8, len: u32) {
        mandatory!(self, get_config, (), offset, buf.cast::<c_void>(), len)
    }

    /// `set_status`, without `cf_lock`; drivers use
    /// [`BusDevice::set_status`].
    pub(crate) fn set_status_raw(&self, _held: &CfGuard<'_>, status: u8) {
        mandatory!(self, set_status, (), status)
    }

    /// `set_config` with `cf_lock` held for writing.
    pub(crate) fn set_config_raw(&self, _held: &CfGuard<'_>, offset: u32, buf: &[u8]) {
        let len = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        mandatory!(self, set_config, (), offset, buf.as_ptr().cast::<c_void>(), len)
    }

    /// `compat_reset`, without `cf_lock`.
    pub(crate) fn compat_reset(&self, flags: u32) -> Option<Result> {
        optional!(self, compat_reset, flags).map(res)
    }

    /// `suspend`.
    pub(crate) fn suspend(&self) -> Option<Result> {
        optional!(self, suspend).map(res)
    }

    /// `resume`.
    pub(crate) fn resume(&self) -> Option<Result> {
        optional!(self, resume).map(res)
    }

    /// `get_generation`.
    pub(crate) fn get_generation(&self) -> Option<u32> {
        optional!(self, get_generation)
    }

    /// `get_iova_range`.
    pub(crate) fn get_iova_range(&self) -> Option<IovaRange> {
        optional!(self, get_iova_range).map(|r| IovaRange { first: r.first, last: r.last })
    }

    /// `set_vq_affinity`.
    pub(crate) fn set_vq_affinity(&self, vq: VqIdx, mask: &CpuMask) -> Option<Result> {
        optional!(self, set_vq_affinity, vq.get(), mask.as_raw()).map(res)
    }

    /// `set_map`: the parent copies `iotlb`.
    pub(crate) fn set_map(&self, asid: Asid, iotlb: &IotlbRef) -> Option<Result> {
        optional!(self, set_map, asid.get(), iotlb.as_raw()).map(res)
    }

    /// `dma_map`; `opaque` is handed to the parent to keep with the map.
    pub(crate) fn dma_map(&self, asid: Asid, iova: u64, size: u64, pa: u64, perm: Perm, opaque: *mut c_void) -> Option<Result> {
        if !self.has(Op::DmaMap) {
            return None;
        }
        optional!(self, dma_map, asid.get(), iova, size, pa, perm.bits(), opaque).map(res)
    }

    /// `dma_unmap`.
    pub(crate) fn dma_unmap(&self, asid: Asid, iova: u64, size: u64) -> Option<Result> {
        if !self.has(Op::DmaMap) {
            return None;
        }
        optional!(self, dma_unmap, asid.get(), iova, size).map(res)
    }

    /// `reset_map`.
    pub(crate) fn reset_map(&self, asid: Asid) -> Option<Result> {
        optional!(self, reset_map, asid.get()).map(res)
    }

    /// `set_group_asid`.
    pub(crate) fn set_group_asid(&self, group: Group, asid: Asid) -> Option<Result> {
        optional!(self, set_group_asid, group.get(), asid.get()).map(res)
    }

    /// `get_vq_dma_dev`: the device that maps the ring's DMA, valid while
    /// the vDPA device is.
    pub(crate) fn get_vq_dma_dev(&self, vq: VqIdx) -> Option<&kernel::device::Device> {
        let d = optional!(self, get_vq_dma_dev, vq.get())?;
        // SAFETY: a parent's DMA device outlives the vDPA device.
        (!d.is_null()).then(|| unsafe { kernel::device::Device::as_ref(d) })
    }

    /// `bind_mm`.
    pub(crate) fn bind_mm(&self, mm: &Mm) -> Option<Result> {
        if !self.has(Op::BindMm) {
            return None;
        }
        optional!(self, bind_mm, mm.as_raw()).map(res)
    }

    /// `unbind_mm`.
    pub(crate) fn unbind_mm(&self) -> Option<()> {
        if !self.has(Op::BindMm) {
            return None;
        }
        optional!(self, unbind_mm)
    }
}
