// SPDX-License-Identifier: GPL-2.0

//! The C ops table of a [`ConfigOps`] implementation, chosen at run time.
//!
//! [`OpsTable::new`] holds a trampoline for every op the parent implements
//! and NULL for every optional op it does not, as a C parent would have
//! it; [`OpsTable::without`] takes optional ops out again, for parents that
//! decide at load time (a simulator choosing `set_map` or `dma_map`, a
//! hardware parent masking ops its firmware lacks). Devices keep their
//! table alive through an [`Arc`], so it outlives every device using it.
//!
//! Every trampoline checks its arguments against the device (see
//! [`super::config_ops`]) before calling the parent; none unwinds.

use core::ffi::c_void;
use core::marker::PhantomData;

use kernel::error::from_result;
use kernel::ffi::{c_int, c_uint};
use kernel::prelude::*;
use kernel::sync::Arc;

use super::bindings;
use super::config_ops::{
    Asid, Callback, ConfigBuf, ConfigOps, CpuMask, Group, IotlbRef, Mm, Perm, ResetFlags, Stats,
    VqIdx, VqState,
};
use super::device::Device;
use super::vq::F_RING_PACKED;

/// An optional op of `struct vdpa_config_ops`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// `kick_vq_with_data`.
    KickVqWithData,
    /// `get_vendor_vq_stats`.
    GetVendorVqStats,
    /// `get_vq_notification`.
    GetVqNotification,
    /// `get_vq_irq`.
    GetVqIrq,
    /// `get_vq_size`.
    GetVqSize,
    /// `get_vq_group`.
    GetVqGroup,
    /// `get_vq_desc_group`.
    GetVqDescGroup,
    /// `get_backend_features`.
    GetBackendFeatures,
    /// `get_vq_num_min`.
    GetVqNumMin,
    /// `compat_reset`.
    CompatReset,
    /// `suspend`.
    Suspend,
    /// `resume`.
    Resume,
    /// `get_generation`.
    GetGeneration,
    /// `get_iova_range`.
    GetIovaRange,
    /// `set_vq_affinity`.
    SetVqAffinity,
    /// `get_vq_affinity`.
    GetVqAffinity,
    /// `set_map`.
    SetMap,
    /// `dma_map` and `dma_unmap`, which go together.
    DmaMap,
    /// `reset_map`.
    ResetMap,
    /// `set_group_asid`.
    SetGroupAsid,
    /// `get_vq_dma_dev`.
    GetVqDmaDev,
    /// `bind_mm` and `unbind_mm`, which go together.
    BindMm,
}

/// Whether `ops` has `op`.
pub(crate) fn has_op(ops: &bindings::vdpa_config_ops, op: Op) -> bool {
    match op {
        Op::KickVqWithData => ops.kick_vq_with_data.is_some(),
        Op::GetVendorVqStats => ops.get_vendor_vq_stats.is_some(),
        Op::GetVqNotification => ops.get_vq_notification.is_some(),
        Op::GetVqIrq => ops.get_vq_irq.is_some(),
        Op::GetVqSize => ops.get_vq_size.is_some(),
        Op::GetVqGroup => ops.get_vq_group.is_some(),
        Op::GetVqDescGroup => ops.get_vq_desc_group.is_some(),
        Op::GetBackendFeatures => ops.get_backend_features.is_some(),
        Op::GetVqNumMin => ops.get_vq_num_min.is_some(),
        Op::CompatReset => ops.compat_reset.is_some(),
        Op::Suspend => ops.suspend.is_some(),
        Op::Resume => ops.resume.is_some(),
        Op::GetGeneration => ops.get_generation.is_some(),
        Op::GetIovaRange => ops.get_iova_range.is_some(),
        Op::SetVqAffinity => ops.set_vq_affinity.is_some(),
        Op::GetVqAffinity => ops.get_vq_affinity.is_some(),
        Op::SetMap => ops.set_map.is_some(),
        Op::DmaMap => ops.dma_map.is_some() && ops.dma_unmap.is_some(),
        Op::ResetMap => ops.reset_map.is_some(),
        Op::SetGroupAsid => ops.set_group_asid.is_some(),
        Op::GetVqDmaDev => ops.get_vq_dma_dev.is_some(),
        Op::BindMm => ops.bind_mm.is_some() && ops.unbind_mm.is_some(),
    }
}

fn clear_op(ops: &mut bindings::vdpa_config_ops, op: Op) {
    match op {
        Op::KickVqWithData => ops.kick_vq_with_data = None,
        Op::GetVendorVqStats => ops.get_vendor_vq_stats = None,
        Op::GetVqNotification => ops.get_vq_notification = None,
        Op::GetVqIrq => ops.get_vq_irq = None,
        Op::GetVqSize => ops.get_vq_size = None,
        Op::GetVqGroup => ops.get_vq_group = None,
        Op::GetVqDescGroup => ops.get_vq_desc_group = None,
        Op::GetBackendFeatures => ops.get_backend_features = None,
        Op::GetVqNumMin => ops.get_vq_num_min = None,
        Op::CompatReset => ops.compat_reset = None,
        Op::Suspend => ops.suspend = None,
        Op::Resume => ops.resume = None,
        Op::GetGeneration => ops.get_generation = None,
        Op::GetIovaRange => ops.get_iova_range = None,
        Op::SetVqAffinity => ops.set_vq_affinity = None,
        Op::GetVqAffinity => ops.get_vq_affinity = None,
        Op::SetMap => ops.set_map = None,
        Op::DmaMap => {
            ops.dma_map = None;
            ops.dma_unmap = None;
        }
        Op::ResetMap => ops.reset_map = None,
        Op::SetGroupAsid => ops.set_group_asid = None,
        Op::GetVqDmaDev => ops.get_vq_dma_dev = None,
        Op::BindMm => {
            ops.bind_mm = None;
            ops.unbind_mm = None;
        }
    }
}

/// The C ops table of the parent data `T`.
///
/// # Invariants
///
/// Every non-NULL entry of `raw` is a trampoline of this file for `T`,
/// and `free` is always set (it drops the device's Rust fields).
pub(crate) struct OpsTable<T: ConfigOps> {
    raw: bindings::vdpa_config_ops,
    _t: PhantomData<T>,
}

// SAFETY: the table is read-only once built; the function pointers may be
// called from any thread.
unsafe impl<T: ConfigOps> Send for OpsTable<T> {}
// SAFETY: as above.
unsafe impl<T: ConfigOps> Sync for OpsTable<T> {}

macro_rules! opt {
    ($has:expr, $f:expr) => {
        if $has {
            Some($f)
        } else {
            None
        }
    };
}

impl<T: ConfigOps> OpsTable<T> {
    /// Every op `T` implements.
    ///
    /// # Errors
    ///
    /// `ENOMEM`.
    pub(crate) fn new() -> Result<Arc<Self>> {
        Self::without(&[])
    }

    /// Every op `T` implements except the optional ones in `masked`.
    ///
    /// # Errors
    ///
    /// `ENOMEM`.
    pub(crate) fn without(masked: &[Op]) -> Result<Arc<Self>> {
        let mut raw = Self::FULL;
        for &op in masked {
            clear_op(&mut raw, op);
        }
        Ok(Arc::new(Self { raw, _t: PhantomData }, GFP_KERNEL)?)
    }

    /// Whether the table has `op`.
    pub(crate) fn has(&self, op: Op) -> bool {
        has_op(&self.raw, op)
    }

    /// A copy of the C table, for tests of the core's table checks.
    pub(crate) fn raw_copy(&self) -> bindings::vdpa_config_ops {
        self.raw
    }

    /// The C table.
    pub(crate) fn as_raw(&self) -> *const bindings::vdpa_config_ops {
        &self.raw
    }

    const FULL: bindings::vdpa_config_ops = bindings::vdpa_config_ops {
        set_vq_address: Some(Self::set_vq_address),
        set_vq_num: Some(Self::set_vq_num),
        kick_vq: Some(Self::kick_vq),
        kick_vq_with_data: opt!(T::HAS_KICK_VQ_WITH_DATA, Self::kick_vq_with_data),
        set_vq_cb: Some(Self::set_vq_cb),
        set_vq_ready: Some(Self::set_vq_ready),
        get_vq_ready: Some(Self::get_vq_ready),
        set_vq_state: Some(Self::set_vq_state),
        get_vq_state: Some(Self::get_vq_state),
        get_vendor_vq_stats: opt!(T::HAS_GET_VENDOR_VQ_STATS, Self::get_vendor_vq_stats),
        get_vq_notification: opt!(T::HAS_GET_VQ_NOTIFICATION, Self::get_vq_notification),
        get_vq_irq: opt!(T::HAS_GET_VQ_IRQ, Self::get_vq_irq),
        get_vq_size: opt!(T::HAS_GET_VQ_SIZE, Self::get_vq_size),
        get_vq_align: Some(Self::get_vq_align),
        get_vq_group: opt!(T::HAS_GET_VQ_GROUP, Self::get_vq_group),
        get_vq_desc_group: opt!(T::HAS_GET_VQ_DESC_GROUP, Self::get_vq_desc_group),
        get_device_features: Some(Self::get_device_features),
        get_backend_features: opt!(T::HAS_GET_BACKEND_FEATURES, Self::get_backend_features),
        set_driver_features: Some(Self::set_driver_features),
        get_driver_features: Some(Self::get_driver_features),
        set_config_cb: Some(Self::set_config_cb),
        get_vq_num_max: Some(Self::get_vq_num_max),
        get_vq_num_min: opt!(T::HAS_GET_VQ_NUM_MIN, Self::get_vq_num_min),
        get_device_id: Some(Self::get_device_id),
        get_vendor_id: Some(Self::get_vendor_id),
        get_status: Some(Self::get_status),
        set_status: Some(Self::set_status),
        reset: Some(Self::reset),
        compat_reset: opt!(T::HAS_COMPAT_RESET, Self::compat_reset),
        suspend: opt!(T::HAS_SUSPEND, Self::suspend),
        resume: opt!(T::HAS_RESUME, Self::resume),
        get_config_size: Some(Self::get_config_size),
        get_config: Some(Self::get_config),
        set_config: Some(Self::set_config),
        get_generation: opt!(T::HAS_GET_GENERATION, Self::get_generation),
        get_iova_range: opt!(T::HAS_GET_IOVA_RANGE, Self::get_iova_range),
        set_vq_affinity: opt!(T::HAS_SET_VQ_AFFINITY, Self::set_vq_affinity),
        get_vq_affinity: opt!(T::HAS_GET_VQ_AFFINITY, Self::get_vq_affinity),
        set_map: opt!(T::HAS_SET_MAP, Self::set_map),
        dma_map: opt!(T::HAS_DMA_MAP && T::HAS_DMA_UNMAP, Self::dma_map),
        dma_unmap: opt!(T::HAS_DMA_MAP && T::HAS_DMA_UNMAP, Self::dma_unmap),
        reset_map: opt!(T::HAS_RESET_MAP, Self::reset_map),
        set_group_asid: opt!(T::HAS_SET_GROUP_ASID, Self::set_group_asid),
        get_vq_dma_dev: opt!(T::HAS_GET_VQ_DMA_DEV, Self::get_vq_dma_dev),
        bind_mm: opt!(T::HAS_BIND_MM && T::HAS_UNBIND_MM, Self::bind_mm),
        unbind_mm: opt!(T::HAS_BIND_MM && T::HAS_UNBIND_MM, Self::unbind_mm),
        free: Some(Self::free),
    };
}

/// The device of an op call, and a queue index checked against it.
///
/// The core and the bus drivers call a table's ops only on devices that
/// were allocated with it and registered (so their data is initialised),
/// and never after their release, which runs `free` last.
struct Call<'a, T: ConfigOps> {
    dev: &'a Device<T>,
}

impl<'a, T: ConfigOps> Call<'a, T> {
    /// # Safety
    ///
    /// `v` must be the device of an op call of this table: registered with
    /// it, before its release.
    unsafe fn new(v: *mut bindings::vdpa_device) -> Self {
        // SAFETY: a device of this table is a `Device<T>` with initialised
        // data, alive for the call (caller).
        Self { dev: unsafe { Device::<T>::from_raw(v) } }
    }

    fn vq(&self, idx: u16) -> Option<VqIdx> {
        VqIdx::new(idx, self.dev.nvqs())
    }

    fn asid(&self, asid: c_uint) -> Option<Asid> {
        Asid::new(asid, self.dev.nas())
    }

    fn packed(&self) -> bool {
        T::get_driver_features(self.dev) & (1u64 << F_RING_PACKED) != 0
    }

    /// Whether `offset..offset + len` lies within config space.
    fn config_range(&self, offset: c_uint, len: c_uint) -> Option<(usize, usize)> {
        let (offset, len) = (offset as usize, len as usize);
        let end = offset.checked_add(len)?;
        (end <= T::get_config_size(self.dev)).then_some((offset, len))
    }
}

fn ok(r: Result) -> c_int {
    from_result(|| r.map(|()| 0))
}

// Each trampoline below is only reachable through an `OpsTable<T>`, whose
// ops the core and the bus drivers call with a registered device of the
// table, never after its release: that is what `Call::new` needs.
impl<T: ConfigOps> OpsTable<T> {
    unsafe extern "C" fn set_vq_address(v: *mut bindings::vdpa_device, idx: u16, d: u64, dr: u64, de: u64) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        match c.vq(idx) {
            Some(vq) => ok(T::set_vq_address(c.dev, vq, d, dr, de)),
            None => EINVAL.to_errno(),
        }
    }

    unsafe extern "C" fn set_vq_num(v: *mut bindings::vdpa_device, idx: u16, num: u32) {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        if let Some(vq) = c.vq(idx) {
            T::set_vq_num(c.dev, vq, num);
        }
    }

    unsafe extern "C" fn kick_vq(v: *mut bindings::vdpa_device, idx: u16) {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        if let Some(vq) = c.vq(idx) {
            T::kick_vq(c.dev, vq);
        }
    }

    unsafe extern "C" fn kick_vq_with_data(v: *mut bindings::vdpa_device, data: u32) {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        if let Some(vq) = c.vq(data as u16) {
            T::kick_vq_with_data(c.dev, vq, data);
        }
    }

    unsafe extern "C" fn set_vq_cb(v: *mut bindings::vdpa_device, idx: u16, cb: *mut bindings::vdpa_callback) {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        if let Some(vq) = c.vq(idx) {
            // SAFETY: the driver passes NULL or a readable callback.
            T::set_vq_cb(c.dev, vq, unsafe { Callback::from_raw(cb) });
        }
    }

    unsafe extern "C" fn set_vq_ready(v: *mut bindings::vdpa_device, idx: u16, ready: bool) {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        if let Some(vq) = c.vq(idx) {
            T::set_vq_ready(c.dev, vq, ready);
        }
    }

    unsafe extern "C" fn get_vq_ready(v: *mut bindings::vdpa_device, idx: u16) -> bool {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        c.vq(idx).is_some_and(|vq| T::get_vq_ready(c.dev, vq))
    }

    unsafe extern "C" fn set_vq_state(v: *mut bindings::vdpa_device, idx: u16, s: *const bindings::vdpa_vq_state) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        let Some(vq) = c.vq(idx) else {
            return EINVAL.to_errno();
        };
        // SAFETY: a driver fills the form it negotiated: all of a packed
        // state, the first two bytes of a split one.
        let state = unsafe { VqState::read(s, c.packed()) };
        ok(T::set_vq_state(c.dev, vq, state))
    }

    unsafe extern "C" fn get_vq_state(v: *mut bindings::vdpa_device, idx: u16, s: *mut bindings::vdpa_vq_state) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        let Some(vq) = c.vq(idx) else {
            return EINVAL.to_errno();
        };
        match T::get_vq_state(c.dev, vq, c.packed()) {
            Ok(state) => {
                // SAFETY: the driver passes a writable state; it is
                // written whole and never read.
                unsafe { s.write(state.to_raw()) };
                0
            }
            Err(e) => e.to_errno(),
        }
    }

    unsafe extern "C" fn get_vendor_vq_stats(
        v: *mut bindings::vdpa_device,
        idx: u16,
        msg: *mut bindings::sk_buff,
        _extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        let Some(vq) = c.vq(idx) else {
            return EINVAL.to_errno();
        };
        // SAFETY: the core passes its reply buffer, valid for the call.
        let mut stats = unsafe { Stats::new(msg) };
        ok(T::get_vendor_vq_stats(c.dev, vq, &mut stats))
    }

    unsafe extern "C" fn get_vq_notification(v: *mut bindings::vdpa_device, idx: u16) -> bindings::vdpa_notification_area {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        let area = c.vq(idx).map(|vq| T::get_vq_notification(c.dev, vq)).unwrap_or_default();
        bindings::vdpa_notification_area { addr: area.addr, size: area.size }
    }

    unsafe extern "C" fn get_vq_irq(v: *mut bindings::vdpa_device, idx: u16) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        let Some(vq) = c.vq(idx) else {
            return EINVAL.to_errno();
        };
        from_result(|| T::get_vq_irq(c.dev, vq).and_then(|irq| c_int::try_from(irq).map_err(|_| EINVAL)))
    }

    unsafe extern "C" fn get_vq_size(v: *mut bindings::vdpa_device, idx: u16) -> u16 {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        c.vq(idx).map_or(0, |vq| T::get_vq_size(c.dev, vq))
    }

    unsafe extern "C" fn get_vq_align(v: *mut bindings::vdpa_device) -> u32 {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        T::get_vq_align(unsafe { Call::<T>::new(v) }.dev)
    }

    unsafe extern "C" fn get_vq_group(v: *mut bindings::vdpa_device, idx: u16) -> u32 {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        c.vq(idx).map_or(0, |vq| T::get_vq_group(c.dev, vq))
    }

    unsafe extern "C" fn get_vq_desc_group(v: *mut bindings::vdpa_device, idx: u16) -> u32 {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        c.vq(idx).map_or(0, |vq| T::get_vq_desc_group(c.dev, vq))
    }

    unsafe extern "C" fn get_device_features(v: *mut bindings::vdpa_device) -> u64 {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        T::get_device_features(unsafe { Call::<T>::new(v) }.dev)
    }

    unsafe extern "C" fn get_backend_features(v: *const bindings::vdpa_device) -> u64 {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table; the op only reads the device.
        T::get_backend_features(unsafe { Call::<T>::new(v.cast_mut()) }.dev)
    }

    unsafe extern "C" fn set_driver_features(v: *mut bindings::vdpa_device, features: u64) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        ok(T::set_driver_features(unsafe { Call::<T>::new(v) }.dev, features))
    }

    unsafe extern "C" fn get_driver_features(v: *mut bindings::vdpa_device) -> u64 {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        T::get_driver_features(unsafe { Call::<T>::new(v) }.dev)
    }

    unsafe extern "C" fn set_config_cb(v: *mut bindings::vdpa_device, cb: *mut bindings::vdpa_callback) {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table; the driver passes NULL or a
        // readable callback.
        unsafe { T::set_config_cb(Call::<T>::new(v).dev, Callback::from_raw(cb)) }
    }

    unsafe extern "C" fn get_vq_num_max(v: *mut bindings::vdpa_device) -> u16 {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        T::get_vq_num_max(unsafe { Call::<T>::new(v) }.dev)
    }

    unsafe extern "C" fn get_vq_num_min(v: *mut bindings::vdpa_device) -> u16 {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        T::get_vq_num_min(unsafe { Call::<T>::new(v) }.dev)
    }

    unsafe extern "C" fn get_device_id(v: *mut bindings::vdpa_device) -> u32 {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        T::get_device_id(unsafe { Call::<T>::new(v) }.dev)
    }

    unsafe extern "C" fn get_vendor_id(v: *mut bindings::vdpa_device) -> u32 {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        T::get_vendor_id(unsafe { Call::<T>::new(v) }.dev)
    }

    unsafe extern "C" fn get_status(v: *mut bindings::vdpa_device) -> u8 {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        T::get_status(unsafe { Call::<T>::new(v) }.dev)
    }

    unsafe extern "C" fn set_status(v: *mut bindings::vdpa_device, status: u8) {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        T::set_status(unsafe { Call::<T>::new(v) }.dev, status)
    }

    unsafe extern "C" fn reset(v: *mut bindings::vdpa_device) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        ok(T::reset(unsafe { Call::<T>::new(v) }.dev))
    }

    unsafe extern "C" fn compat_reset(v: *mut bindings::vdpa_device, flags: u32) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        ok(T::compat_reset(unsafe { Call::<T>::new(v) }.dev, ResetFlags::from_bits(flags)))
    }

    unsafe extern "C" fn suspend(v: *mut bindings::vdpa_device) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        ok(T::suspend(unsafe { Call::<T>::new(v) }.dev))
    }

    unsafe extern "C" fn resume(v: *mut bindings::vdpa_device) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        ok(T::resume(unsafe { Call::<T>::new(v) }.dev))
    }

    unsafe extern "C" fn get_config_size(v: *mut bindings::vdpa_device) -> usize {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        T::get_config_size(unsafe { Call::<T>::new(v) }.dev)
    }

    unsafe extern "C" fn get_config(v: *mut bindings::vdpa_device, off: c_uint, buf: *mut c_void, len: c_uint) {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        if buf.is_null() {
            return;
        }
        if let Some((offset, len)) = c.config_range(off, len) {
            // SAFETY: the caller's buffer is writable for `len` bytes for
            // the call; it may be uninitialised, which `ConfigBuf` allows.
            let mut out = unsafe { ConfigBuf::new(buf.cast(), len) };
            T::get_config(c.dev, offset, &mut out);
        }
    }

    unsafe extern "C" fn set_config(v: *mut bindings::vdpa_device, off: c_uint, buf: *const c_void, len: c_uint) {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        if buf.is_null() {
            return;
        }
        if let Some((offset, len)) = c.config_range(off, len) {
            // SAFETY: the caller's buffer holds `len` initialised bytes
            // for the call.
            let src = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len) };
            T::set_config(c.dev, offset, src);
        }
    }

    unsafe extern "C" fn get_generation(v: *mut bindings::vdpa_device) -> u32 {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        T::get_generation(unsafe { Call::<T>::new(v) }.dev)
    }

    unsafe extern "C" fn get_iova_range(v: *mut bindings::vdpa_device) -> bindings::vdpa_iova_range {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let r = T::get_iova_range(unsafe { Call::<T>::new(v) }.dev);
        bindings::vdpa_iova_range { first: r.first, last: r.last }
    }

    unsafe extern "C" fn set_vq_affinity(v: *mut bindings::vdpa_device, idx: u16, mask: *const bindings::cpumask) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        match c.vq(idx) {
            // SAFETY: the caller's mask is valid for the call.
            Some(vq) if !mask.is_null() => ok(T::set_vq_affinity(c.dev, vq, unsafe { CpuMask::from_raw(mask) })),
            _ => EINVAL.to_errno(),
        }
    }

    unsafe extern "C" fn get_vq_affinity(v: *mut bindings::vdpa_device, idx: u16) -> *const bindings::cpumask {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        c.vq(idx)
            .and_then(|vq| T::get_vq_affinity(c.dev, vq))
            .map_or(core::ptr::null(), CpuMask::as_raw)
    }

    unsafe extern "C" fn set_map(v: *mut bindings::vdpa_device, asid: c_uint, iotlb: *mut bindings::vhost_iotlb) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        match c.asid(asid) {
            Some(asid) if !iotlb.is_null() => {
                // SAFETY: the bus driver's tree is valid and holds still for
                // the call (vhost_vdpa calls it under its mutex).
                ok(T::set_map(c.dev, asid, unsafe { IotlbRef::from_raw(iotlb) }))
            }
            _ => EINVAL.to_errno(),
        }
    }

    unsafe extern "C" fn dma_map(
        v: *mut bindings::vdpa_device,
        asid: c_uint,
        iova: u64,
        size: u64,
        pa: u64,
        perm: u32,
        opaque: *mut c_void,
    ) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        match (c.asid(asid), Perm::from_bits(perm)) {
            (Some(asid), Some(perm)) => ok(T::dma_map(c.dev, asid, iova, size, pa, perm, opaque)),
            _ => EINVAL.to_errno(),
        }
    }

    unsafe extern "C" fn dma_unmap(v: *mut bindings::vdpa_device, asid: c_uint, iova: u64, size: u64) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        match c.asid(asid) {
            Some(asid) => ok(T::dma_unmap(c.dev, asid, iova, size)),
            None => EINVAL.to_errno(),
        }
    }

    unsafe extern "C" fn reset_map(v: *mut bindings::vdpa_device, asid: c_uint) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        match c.asid(asid) {
            Some(asid) => ok(T::reset_map(c.dev, asid)),
            None => EINVAL.to_errno(),
        }
    }

    unsafe extern "C" fn set_group_asid(v: *mut bindings::vdpa_device, group: c_uint, asid: c_uint) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        match (Group::new(group, c.dev.ngroups()), c.asid(asid)) {
            (Some(group), Some(asid)) => ok(T::set_group_asid(c.dev, group, asid)),
            _ => EINVAL.to_errno(),
        }
    }

    unsafe extern "C" fn get_vq_dma_dev(v: *mut bindings::vdpa_device, idx: u16) -> *mut bindings::device {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        c.vq(idx).map_or(core::ptr::null_mut(), |vq| {
            let d: *const kernel::device::Device = T::get_vq_dma_dev(c.dev, vq);
            d.cast_mut().cast()
        })
    }

    unsafe extern "C" fn bind_mm(v: *mut bindings::vdpa_device, mm: *mut bindings::mm_struct) -> c_int {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        let c = unsafe { Call::<T>::new(v) };
        if mm.is_null() {
            return EINVAL.to_errno();
        }
        // SAFETY: vhost_vdpa passes its owner's mm, which it keeps until
        // after `unbind_mm`; it is valid for the call.
        ok(T::bind_mm(c.dev, unsafe { Mm::from_raw(mm) }))
    }

    unsafe extern "C" fn unbind_mm(v: *mut bindings::vdpa_device) {
        // SAFETY: callers reach this op only through `OpsTable<T>`, on a
        // registered device of that table.
        T::unbind_mm(unsafe { Call::<T>::new(v) }.dev)
    }

    unsafe extern "C" fn free(v: *mut bindings::vdpa_device) {
        // SAFETY: the core calls `free` exactly once, from the release of a
        // device allocated with this table, after its last reference is
        // gone: nothing uses the Rust fields any more.
        unsafe { Device::<T>::release(v) };
    }
}
