// SPDX-License-Identifier: GPL-2.0

//! [`ConfigOps`]: `struct vdpa_config_ops` as a Rust trait.
//!
//! A parent implements it for its device data `T`; [`OpsTable::<T>::VTABLE`]
//! is the C table, with a trampoline for every op the parent implements and
//! NULL for every optional op it does not, as a C parent would have it. The
//! mandatory ops (those the core and the bus drivers call without checking)
//! are required methods. Trampolines never unwind and turn `Result` into an
//! errno.

use core::ffi::c_void;
use core::marker::PhantomData;

use kernel::error::from_result;
use kernel::ffi::{c_int, c_uint};
use kernel::prelude::*;

use super::bindings;
use super::device::Device;
use super::iotlb::Iotlb;

/// A virtqueue's callback (`struct vdpa_callback`), as the bus driver set it.
#[derive(Clone, Copy)]
pub(crate) struct Callback(bindings::vdpa_callback);

impl Callback {
    /// Whether a callback is set.
    pub(crate) fn is_set(&self) -> bool {
        self.0.callback.is_some()
    }

    /// Calls it, if set.
    pub(crate) fn call(&self) {
        if let Some(f) = self.0.callback {
            // SAFETY: the bus driver's callback takes the private data it
            // registered with it.
            unsafe { f(self.0.private) };
        }
    }
}

/// The saved state of a virtqueue (`struct vdpa_vq_state`).
pub(crate) struct VqState(bindings::vdpa_vq_state);

impl VqState {
    /// The available index of a split ring.
    pub(crate) fn split_avail_index(&self) -> u16 {
        // SAFETY: every bit pattern is a valid split state; split and
        // packed layouts overlap at offset 0.
        unsafe { self.0.__bindgen_anon_1.split.as_ref().avail_index }
    }

    /// Sets the available index of a split ring.
    pub(crate) fn set_split_avail_index(&mut self, index: u16) {
        // SAFETY: as above.
        unsafe { self.0.__bindgen_anon_1.split.as_mut().avail_index = index };
    }
}

/// Where a virtqueue's doorbell is (`struct vdpa_notification_area`).
#[derive(Clone, Copy, Default)]
pub(crate) struct NotificationArea {
    /// Physical address of the doorbell.
    pub(crate) addr: u64,
    /// Size of the doorbell area.
    pub(crate) size: u64,
}

/// The inclusive range of usable IOVAs (`struct vdpa_iova_range`).
#[derive(Clone, Copy)]
pub(crate) struct IovaRange {
    /// First usable IOVA.
    pub(crate) first: u64,
    /// Last usable IOVA.
    pub(crate) last: u64,
}

/// A vendor-statistics reply being written (DEV_VSTATS_GET).
pub(crate) struct Stats {
    skb: *mut bindings::sk_buff,
}

impl Stats {
    /// Appends one named counter.
    ///
    /// # Errors
    ///
    /// `EMSGSIZE` when the reply is full.
    pub(crate) fn put(&mut self, name: &kernel::str::CStr, value: u64) -> Result {
        const NAME: c_int = 18; // VDPA_ATTR_DEV_VENDOR_ATTR_NAME
        const VALUE: c_int = 19; // VDPA_ATTR_DEV_VENDOR_ATTR_VALUE
        const PAD: c_int = 0;
        // SAFETY: `skb` is the reply the core passed to the op; the name
        // is readable with its NUL, the value for 8 bytes.
        let ret = unsafe {
            let r = bindings::nla_put(self.skb, NAME, (name.len() + 1) as c_int, name.as_char_ptr().cast());
            if r != 0 {
                r
            } else {
                bindings::nla_put_64bit(self.skb, VALUE, 8, core::ptr::addr_of!(value).cast(), PAD)
            }
        };
        if ret == 0 {
            Ok(())
        } else {
            Err(Error::from_errno(-(bindings::EMSGSIZE as i32)))
        }
    }
}

/// The operations of a vDPA device, implemented by its parent for the
/// device data.
///
/// Required methods are the ops that are mandatory in C; each optional one
/// appears in the C table only when implemented. Queue indices are below
/// the `nvqs` the device was registered with; the bus drivers check that.
#[vtable]
pub(crate) trait ConfigOps: Sized + Send + Sync {
    /// Records the three IOVAs of a ring.
    fn set_vq_address(dev: &Device<Self>, idx: u16, desc: u64, driver: u64, device: u64) -> Result;
    /// Records a ring's size.
    fn set_vq_num(dev: &Device<Self>, idx: u16, num: u32);
    /// New buffers are available in the ring.
    fn kick_vq(dev: &Device<Self>, idx: u16);
    /// As `kick_vq`, with the notification data of VIRTIO_F_NOTIFICATION_DATA.
    fn kick_vq_with_data(_dev: &Device<Self>, _data: u32) {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Installs the used-buffer callback of a ring.
    fn set_vq_cb(dev: &Device<Self>, idx: u16, cb: Callback);
    /// Enables or disables a ring.
    fn set_vq_ready(dev: &Device<Self>, idx: u16, ready: bool);
    /// Whether a ring is enabled.
    fn get_vq_ready(dev: &Device<Self>, idx: u16) -> bool;
    /// Restores a ring's indices.
    fn set_vq_state(dev: &Device<Self>, idx: u16, state: &VqState) -> Result;
    /// Reports a ring's indices.
    fn get_vq_state(dev: &Device<Self>, idx: u16, state: &mut VqState) -> Result;
    /// Appends the vendor statistics of a ring.
    fn get_vendor_vq_stats(_dev: &Device<Self>, _idx: u16, _stats: &mut Stats) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// The doorbell of a ring.
    fn get_vq_notification(_dev: &Device<Self>, _idx: u16) -> NotificationArea {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// The interrupt of a ring.
    fn get_vq_irq(_dev: &Device<Self>, _idx: u16) -> Result<u32> {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// The current size of a ring.
    fn get_vq_size(_dev: &Device<Self>, _idx: u16) -> u16 {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Ring alignment.
    fn get_vq_align(dev: &Device<Self>) -> u32;
    /// The group of a ring.
    fn get_vq_group(_dev: &Device<Self>, _idx: u16) -> u32 {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// The group that governs a ring's descriptor table and driver and
    /// device areas.
    fn get_vq_desc_group(_dev: &Device<Self>, _idx: u16) -> u32 {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// The device's virtio features.
    fn get_device_features(dev: &Device<Self>) -> u64;
    /// Extra vhost backend features the parent supports.
    fn get_backend_features(_dev: &Device<Self>) -> u64 {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Sets the features the driver accepted.
    fn set_driver_features(dev: &Device<Self>, features: u64) -> Result;
    /// The features the driver accepted.
    fn get_driver_features(dev: &Device<Self>) -> u64;
    /// Installs the config-change callback.
    fn set_config_cb(dev: &Device<Self>, cb: Callback);
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
    /// Virtio status byte.
    fn get_status(dev: &Device<Self>) -> u8;
    /// Sets the status byte; failure shows as FAILED in `get_status`.
    fn set_status(dev: &Device<Self>, status: u8);
    /// Back to the initial virtio state. With `reset_map`, mappings stay.
    fn reset(dev: &Device<Self>) -> Result;
    /// `reset`, plus, with `VDPA_RESET_F_CLEAN_MAP`, every address space
    /// back to its default mapping.
    fn compat_reset(_dev: &Device<Self>, _flags: u32) -> Result {
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
    /// Reads config space at `offset` into `buf`.
    fn get_config(dev: &Device<Self>, offset: u32, buf: &mut [u8]);
    /// Writes `buf` into config space at `offset`.
    fn set_config(dev: &Device<Self>, offset: u32, buf: &[u8]);
    /// Config generation counter.
    fn get_generation(_dev: &Device<Self>) -> u32 {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Usable IOVA range.
    fn get_iova_range(_dev: &Device<Self>) -> IovaRange {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Sets a ring's CPU affinity.
    fn set_vq_affinity(_dev: &Device<Self>, _idx: u16, _mask: *const bindings::cpumask) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// A ring's CPU affinity, or NULL.
    fn get_vq_affinity(_dev: &Device<Self>, _idx: u16) -> *const bindings::cpumask {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Replaces the whole translation of address space `asid` with a copy
    /// of `iotlb`.
    fn set_map(_dev: &Device<Self>, _asid: u32, _iotlb: &Iotlb) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Adds one mapping to address space `asid`.
    fn dma_map(
        _dev: &Device<Self>,
        _asid: u32,
        _iova: u64,
        _size: u64,
        _pa: u64,
        _perm: u32,
        _opaque: *mut c_void,
    ) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Removes mappings of address space `asid`.
    fn dma_unmap(_dev: &Device<Self>, _asid: u32, _iova: u64, _size: u64) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Puts address space `asid` back to its default mapping.
    fn reset_map(_dev: &Device<Self>, _asid: u32) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Binds virtqueue group `group` to address space `asid`.
    fn set_group_asid(_dev: &Device<Self>, _group: u32, _asid: u32) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// The device that maps a ring's DMA.
    fn get_vq_dma_dev(_dev: &Device<Self>, _idx: u16) -> *mut bindings::device {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Binds the address space of the owner process (`use_va` devices).
    fn bind_mm(_dev: &Device<Self>, _mm: *mut bindings::mm_struct) -> Result {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Undoes `bind_mm`.
    fn unbind_mm(_dev: &Device<Self>) {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
    /// Releases parent resources before the data is dropped.
    fn free(_dev: &Device<Self>) {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}

/// The C ops table of a [`ConfigOps`] implementation.
pub(crate) struct OpsTable<T>(PhantomData<T>);

/// The device of an op call.
///
/// # Safety
///
/// `v` must be the device of a live `Device<T>` (the core calls ops only on
/// devices allocated with this table, before their release).
unsafe fn dev<'a, T: ConfigOps>(v: *mut bindings::vdpa_device) -> &'a Device<T> {
    // SAFETY: guaranteed by the caller.
    unsafe { Device::<T>::from_raw(v) }
}

fn to_cb(cb: *mut bindings::vdpa_callback) -> Callback {
    if cb.is_null() {
        // SAFETY: an all-zero callback is "none".
        Callback(unsafe { core::mem::zeroed() })
    } else {
        // SAFETY: the caller's callback is valid for the call; it is copied.
        Callback(unsafe { *cb })
    }
}

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
    /// The table, for `__vdpa_alloc_device`.
    pub(crate) const VTABLE: bindings::vdpa_config_ops = bindings::vdpa_config_ops {
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
        dma_map: opt!(T::HAS_DMA_MAP, Self::dma_map),
        dma_unmap: opt!(T::HAS_DMA_UNMAP, Self::dma_unmap),
        reset_map: opt!(T::HAS_RESET_MAP, Self::reset_map),
        set_group_asid: opt!(T::HAS_SET_GROUP_ASID, Self::set_group_asid),
        get_vq_dma_dev: opt!(T::HAS_GET_VQ_DMA_DEV, Self::get_vq_dma_dev),
        bind_mm: opt!(T::HAS_BIND_MM, Self::bind_mm),
        unbind_mm: opt!(T::HAS_UNBIND_MM, Self::unbind_mm),
        // Always set: it drops the parent data.
        free: Some(Self::free),
    };

    // Every trampoline below is called by the core or a bus driver with a
    // device allocated with this table and alive (its release runs `free`
    // last), which is what `dev()` needs.

    unsafe extern "C" fn set_vq_address(v: *mut bindings::vdpa_device, idx: u16, d: u64, dr: u64, de: u64) -> c_int {
        // SAFETY: see above.
        from_result(|| T::set_vq_address(unsafe { dev(v) }, idx, d, dr, de).map(|()| 0))
    }
    unsafe extern "C" fn set_vq_num(v: *mut bindings::vdpa_device, idx: u16, num: u32) {
        // SAFETY: see above.
        T::set_vq_num(unsafe { dev(v) }, idx, num)
    }
    unsafe extern "C" fn kick_vq(v: *mut bindings::vdpa_device, idx: u16) {
        // SAFETY: see above.
        T::kick_vq(unsafe { dev(v) }, idx)
    }
    unsafe extern "C" fn kick_vq_with_data(v: *mut bindings::vdpa_device, data: u32) {
        // SAFETY: see above.
        T::kick_vq_with_data(unsafe { dev(v) }, data)
    }
    unsafe extern "C" fn set_vq_cb(v: *mut bindings::vdpa_device, idx: u16, cb: *mut bindings::vdpa_callback) {
        // SAFETY: see above.
        T::set_vq_cb(unsafe { dev(v) }, idx, to_cb(cb))
    }
    unsafe extern "C" fn set_vq_ready(v: *mut bindings::vdpa_device, idx: u16, ready: bool) {
        // SAFETY: see above.
        T::set_vq_ready(unsafe { dev(v) }, idx, ready)
    }
    unsafe extern "C" fn get_vq_ready(v: *mut bindings::vdpa_device, idx: u16) -> bool {
        // SAFETY: see above.
        T::get_vq_ready(unsafe { dev(v) }, idx)
    }
    unsafe extern "C" fn set_vq_state(v: *mut bindings::vdpa_device, idx: u16, s: *const bindings::vdpa_vq_state) -> c_int {
        // SAFETY: see above; the caller's state is valid and copied.
        let state = VqState(unsafe { core::ptr::read(s) });
        // SAFETY: see above.
        from_result(|| T::set_vq_state(unsafe { dev(v) }, idx, &state).map(|()| 0))
    }
    unsafe extern "C" fn get_vq_state(v: *mut bindings::vdpa_device, idx: u16, s: *mut bindings::vdpa_vq_state) -> c_int {
        // SAFETY: the caller passes a writable state.
        let mut state = VqState(unsafe { core::ptr::read(s) });
        // SAFETY: see above.
        let ret = from_result(|| T::get_vq_state(unsafe { dev(v) }, idx, &mut state).map(|()| 0));
        // SAFETY: as above.
        unsafe { core::ptr::write(s, state.0) };
        ret
    }
    unsafe extern "C" fn get_vendor_vq_stats(
        v: *mut bindings::vdpa_device,
        idx: u16,
        msg: *mut bindings::sk_buff,
        _extack: *mut bindings::netlink_ext_ack,
    ) -> c_int {
        let mut stats = Stats { skb: msg };
        // SAFETY: see above.
        from_result(|| T::get_vendor_vq_stats(unsafe { dev(v) }, idx, &mut stats).map(|()| 0))
    }
    unsafe extern "C" fn get_vq_notification(v: *mut bindings::vdpa_device, idx: u16) -> bindings::vdpa_notification_area {
        // SAFETY: see above.
        let area = T::get_vq_notification(unsafe { dev(v) }, idx);
        bindings::vdpa_notification_area { addr: area.addr, size: area.size }
    }
    unsafe extern "C" fn get_vq_irq(v: *mut bindings::vdpa_device, idx: u16) -> c_int {
        // SAFETY: see above.
        from_result(|| T::get_vq_irq(unsafe { dev(v) }, idx).map(|irq| irq as c_int))
    }
    unsafe extern "C" fn get_vq_size(v: *mut bindings::vdpa_device, idx: u16) -> u16 {
        // SAFETY: see above.
        T::get_vq_size(unsafe { dev(v) }, idx)
    }
    unsafe extern "C" fn get_vq_align(v: *mut bindings::vdpa_device) -> u32 {
        // SAFETY: see above.
        T::get_vq_align(unsafe { dev(v) })
    }
    unsafe extern "C" fn get_vq_group(v: *mut bindings::vdpa_device, idx: u16) -> u32 {
        // SAFETY: see above.
        T::get_vq_group(unsafe { dev(v) }, idx)
    }
    unsafe extern "C" fn get_vq_desc_group(v: *mut bindings::vdpa_device, idx: u16) -> u32 {
        // SAFETY: see above.
        T::get_vq_desc_group(unsafe { dev(v) }, idx)
    }
    unsafe extern "C" fn get_device_features(v: *mut bindings::vdpa_device) -> u64 {
        // SAFETY: see above.
        T::get_device_features(unsafe { dev(v) })
    }
    unsafe extern "C" fn get_backend_features(v: *const bindings::vdpa_device) -> u64 {
        // SAFETY: see above; the op only reads the device.
        T::get_backend_features(unsafe { dev(v.cast_mut()) })
    }
    unsafe extern "C" fn set_driver_features(v: *mut bindings::vdpa_device, features: u64) -> c_int {
        // SAFETY: see above.
        from_result(|| T::set_driver_features(unsafe { dev(v) }, features).map(|()| 0))
    }
    unsafe extern "C" fn get_driver_features(v: *mut bindings::vdpa_device) -> u64 {
        // SAFETY: see above.
        T::get_driver_features(unsafe { dev(v) })
    }
    unsafe extern "C" fn set_config_cb(v: *mut bindings::vdpa_device, cb: *mut bindings::vdpa_callback) {
        // SAFETY: see above.
        T::set_config_cb(unsafe { dev(v) }, to_cb(cb))
    }
    unsafe extern "C" fn get_vq_num_max(v: *mut bindings::vdpa_device) -> u16 {
        // SAFETY: see above.
        T::get_vq_num_max(unsafe { dev(v) })
    }
    unsafe extern "C" fn get_vq_num_min(v: *mut bindings::vdpa_device) -> u16 {
        // SAFETY: see above.
        T::get_vq_num_min(unsafe { dev(v) })
    }
    unsafe extern "C" fn get_device_id(v: *mut bindings::vdpa_device) -> u32 {
        // SAFETY: see above.
        T::get_device_id(unsafe { dev(v) })
    }
    unsafe extern "C" fn get_vendor_id(v: *mut bindings::vdpa_device) -> u32 {
        // SAFETY: see above.
        T::get_vendor_id(unsafe { dev(v) })
    }
    unsafe extern "C" fn get_status(v: *mut bindings::vdpa_device) -> u8 {
        // SAFETY: see above.
        T::get_status(unsafe { dev(v) })
    }
    unsafe extern "C" fn set_status(v: *mut bindings::vdpa_device, status: u8) {
        // SAFETY: see above.
        T::set_status(unsafe { dev(v) }, status)
    }
    unsafe extern "C" fn reset(v: *mut bindings::vdpa_device) -> c_int {
        // SAFETY: see above.
        from_result(|| T::reset(unsafe { dev(v) }).map(|()| 0))
    }
    unsafe extern "C" fn compat_reset(v: *mut bindings::vdpa_device, flags: u32) -> c_int {
        // SAFETY: see above.
        from_result(|| T::compat_reset(unsafe { dev(v) }, flags).map(|()| 0))
    }
    unsafe extern "C" fn suspend(v: *mut bindings::vdpa_device) -> c_int {
        // SAFETY: see above.
        from_result(|| T::suspend(unsafe { dev(v) }).map(|()| 0))
    }
    unsafe extern "C" fn resume(v: *mut bindings::vdpa_device) -> c_int {
        // SAFETY: see above.
        from_result(|| T::resume(unsafe { dev(v) }).map(|()| 0))
    }
    unsafe extern "C" fn get_config_size(v: *mut bindings::vdpa_device) -> usize {
        // SAFETY: see above.
        T::get_config_size(unsafe { dev(v) })
    }
    unsafe extern "C" fn get_config(v: *mut bindings::vdpa_device, off: c_uint, buf: *mut c_void, len: c_uint) {
        if buf.is_null() {
            return;
        }
        // SAFETY: the caller's buffer is writable for `len` bytes.
        let buf = unsafe { core::slice::from_raw_parts_mut(buf.cast::<u8>(), len as usize) };
        // SAFETY: see above.
        T::get_config(unsafe { dev(v) }, off, buf)
    }
    unsafe extern "C" fn set_config(v: *mut bindings::vdpa_device, off: c_uint, buf: *const c_void, len: c_uint) {
        if buf.is_null() {
            return;
        }
        // SAFETY: the caller's buffer is readable for `len` bytes.
        let buf = unsafe { core::slice::from_raw_parts(buf.cast::<u8>(), len as usize) };
        // SAFETY: see above.
        T::set_config(unsafe { dev(v) }, off, buf)
    }
    unsafe extern "C" fn get_generation(v: *mut bindings::vdpa_device) -> u32 {
        // SAFETY: see above.
        T::get_generation(unsafe { dev(v) })
    }
    unsafe extern "C" fn get_iova_range(v: *mut bindings::vdpa_device) -> bindings::vdpa_iova_range {
        // SAFETY: see above.
        let r = T::get_iova_range(unsafe { dev(v) });
        bindings::vdpa_iova_range { first: r.first, last: r.last }
    }
    unsafe extern "C" fn set_vq_affinity(v: *mut bindings::vdpa_device, idx: u16, mask: *const bindings::cpumask) -> c_int {
        // SAFETY: see above.
        from_result(|| T::set_vq_affinity(unsafe { dev(v) }, idx, mask).map(|()| 0))
    }
    unsafe extern "C" fn get_vq_affinity(v: *mut bindings::vdpa_device, idx: u16) -> *const bindings::cpumask {
        // SAFETY: see above.
        T::get_vq_affinity(unsafe { dev(v) }, idx)
    }
    unsafe extern "C" fn set_map(v: *mut bindings::vdpa_device, asid: c_uint, iotlb: *mut bindings::vhost_iotlb) -> c_int {
        // SAFETY: the caller's tree is valid and not changed during the call.
        let iotlb = unsafe { Iotlb::from_raw(iotlb) };
        // SAFETY: see above.
        from_result(|| T::set_map(unsafe { dev(v) }, asid, iotlb).map(|()| 0))
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
        // SAFETY: see above.
        from_result(|| T::dma_map(unsafe { dev(v) }, asid, iova, size, pa, perm, opaque).map(|()| 0))
    }
    unsafe extern "C" fn dma_unmap(v: *mut bindings::vdpa_device, asid: c_uint, iova: u64, size: u64) -> c_int {
        // SAFETY: see above.
        from_result(|| T::dma_unmap(unsafe { dev(v) }, asid, iova, size).map(|()| 0))
    }
    unsafe extern "C" fn reset_map(v: *mut bindings::vdpa_device, asid: c_uint) -> c_int {
        // SAFETY: see above.
        from_result(|| T::reset_map(unsafe { dev(v) }, asid).map(|()| 0))
    }
    unsafe extern "C" fn set_group_asid(v: *mut bindings::vdpa_device, group: c_uint, asid: c_uint) -> c_int {
        // SAFETY: see above.
        from_result(|| T::set_group_asid(unsafe { dev(v) }, group, asid).map(|()| 0))
    }
    unsafe extern "C" fn get_vq_dma_dev(v: *mut bindings::vdpa_device, idx: u16) -> *mut bindings::device {
        // SAFETY: see above.
        T::get_vq_dma_dev(unsafe { dev(v) }, idx)
    }
    unsafe extern "C" fn bind_mm(v: *mut bindings::vdpa_device, mm: *mut bindings::mm_struct) -> c_int {
        // SAFETY: see above.
        from_result(|| T::bind_mm(unsafe { dev(v) }, mm).map(|()| 0))
    }
    unsafe extern "C" fn unbind_mm(v: *mut bindings::vdpa_device) {
        // SAFETY: see above.
        T::unbind_mm(unsafe { dev(v) })
    }
    unsafe extern "C" fn free(v: *mut bindings::vdpa_device) {
        // SAFETY: the core calls `free` once, from the device's release,
        // after which nothing uses the device: the data can be dropped.
        unsafe {
            if T::HAS_FREE {
                T::free(dev::<T>(v));
            }
            Device::<T>::drop_data(v);
        }
    }
}
