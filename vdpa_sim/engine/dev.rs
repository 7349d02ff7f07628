// SPDX-License-Identifier: GPL-2.0

//! A simulated vDPA device: its state, every op of its ops table, and the
//! worker that runs the parent's [`Kind::work`] on it.
//!
//! Locks, outermost first:
//! - `state`: the virtio state of the device (status, features, queues,
//!   callbacks, config space, the bound mm, the parent's own state). The
//!   worker holds it for a whole run, which is what makes calling a
//!   driver's callback safe: `set_vq_cb`, `set_vq_ready` and reset take it.
//! - `maps`: the address spaces. Map ops take only this one (they run
//!   under the mmap lock in `vhost_vdpa`); reset and the physical-address
//!   worker take it inside `state`.
//!
//! `kick_vq` runs in atomic context and takes neither: what it needs
//! (running, DRIVER_OK, queue ready) is mirrored in atomics, written with
//! `state` held.

use core::ffi::c_void;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use kernel::prelude::*;
use kernel::sync::{new_mutex, Mutex};

use super::maps::{errno, Maps};
use super::mem::{MemCtx, Source};
use crate::abi::bindings;
use crate::abi::config_ops::{
    eopnotsupp, Asid, Callback, ConfigBuf, ConfigOps, Group, IotlbRef, IovaRange, Mm, MmGrab, Perm, ResetFlags, Stats, VqIdx,
    VqState,
};
use crate::abi::device::Device;
use crate::abi::guest::{with_bh_disabled, MmUse};
use crate::abi::work::{DevWork, DeviceWork};
use crate::logic::iova_map::Entry;
use crate::logic::vring::SplitQueue;

/// Most virtqueues of a simulated device (net: RX, TX, CVQ).
pub(crate) const MAX_VQS: usize = 3;
/// Most virtqueue groups (net with its ring group: 3).
pub(crate) const MAX_GROUPS: usize = 3;
/// Largest config space (virtio-blk's).
pub(crate) const CONFIG_MAX: usize = 96;
/// Largest ring, and what `get_vq_num_max` reports.
pub(crate) const QUEUE_MAX: u16 = 256;
const QUEUE_ALIGN: u32 = 4096;
const STATUS_DRIVER_OK: u8 = bindings::VIRTIO_CONFIG_S_DRIVER_OK as u8;
const F_ACCESS_PLATFORM: u64 = 1 << bindings::VIRTIO_F_ACCESS_PLATFORM;
const F_EVENT_IDX: u64 = 1 << bindings::VIRTIO_RING_F_EVENT_IDX;

/// What a simulated device is: its virtio class and what its worker does.
pub(crate) trait Kind: Sized + Send + Sync + 'static {
    /// Virtio device id.
    const DEVICE_ID: u32;
    /// Number of virtqueues (at most [`MAX_VQS`]).
    const NVQS: usize;
    /// Size of the config space (at most [`CONFIG_MAX`]).
    const CONFIG_SIZE: usize;
    /// The parent's state of one device, kept under the device lock.
    type State: Send;

    /// Group of virtqueue `vq`'s buffers.
    fn vq_group(vq: usize) -> usize;

    /// Updates fields of `config` that the device computes on a read.
    fn refresh_config(_st: &mut Self::State, _features: u64, _config: &mut [u8]) {}

    /// One worker run, with the device running and DRIVER_OK set. Returns
    /// whether work is left, so the worker queues itself again.
    fn work(st: &mut State<Self>, ctx: MemCtx<'_>, groups: &GroupMap) -> bool;

    /// Vendor statistics of virtqueue `vq`.
    fn stats(_st: &Self::State, _vq: usize, _stats: &mut Stats<'_>) -> Result {
        Err(eopnotsupp())
    }
}

/// One virtqueue's configuration and ring.
pub(crate) struct Vq {
    desc: u64,
    driver: u64,
    device: u64,
    num: u32,
    ready: bool,
    last_avail: u16,
    cb: Option<Callback>,
    /// The ring, set up when the queue becomes ready.
    pub(crate) ring: Option<SplitQueue>,
}

impl Vq {
    const fn new() -> Self {
        Self { desc: 0, driver: 0, device: 0, num: 0, ready: false, last_avail: 0, cb: None, ring: None }
    }

    /// The ring as the driver set it up; `None` for a size the device
    /// does not take (then the queue is never processed).
    fn make_ring(&self, event_idx: bool) -> Option<SplitQueue> {
        let num = u16::try_from(self.num).ok().filter(|&n| n <= QUEUE_MAX)?;
        SplitQueue::new(num, self.desc, self.driver, self.device, self.last_avail, event_idx)
    }

    /// Whether the driver enabled the queue.
    pub(crate) fn ready(&self) -> bool {
        self.ready
    }

    /// Raises the queue's used-buffer interrupt.
    pub(crate) fn notify(&self) {
        if let Some(cb) = &self.cb {
            // SAFETY: a `Vq` only exists inside `Sim::state`, so `&self`
            // means that lock is held; `set_vq_cb`, `set_vq_ready` and
            // reset replace or drop the callback under it, so the driver
            // has not released what the callback uses.
            with_bh_disabled(|| unsafe { cb.call() });
        }
    }
}

/// The device state guarded by `Sim::state`.
pub(crate) struct State<K: Kind> {
    /// The virtqueues.
    pub(crate) vqs: [Vq; MAX_VQS],
    /// Negotiated features.
    pub(crate) features: u64,
    status: u8,
    generation: u32,
    mm: Option<MmGrab>,
    /// The config space.
    pub(crate) config: [u8; CONFIG_MAX],
    group_asid: [usize; MAX_GROUPS],
    /// The parent's state.
    pub(crate) kind: K::State,
}

/// Which address space a queue's rings and buffers are translated through.
pub(crate) struct GroupMap {
    group_asid: [usize; MAX_GROUPS],
    desc_group: Option<usize>,
    vq_group: fn(usize) -> usize,
}

impl GroupMap {
    /// Address space of queue `vq`'s buffers.
    pub(crate) fn buf_asid(&self, vq: usize) -> usize {
        self.group_asid.get((self.vq_group)(vq)).copied().unwrap_or(0)
    }

    /// Address space of queue `vq`'s descriptor table and rings.
    pub(crate) fn ring_asid(&self, vq: usize) -> usize {
        match self.desc_group {
            Some(g) => self.group_asid.get(g).copied().unwrap_or(0),
            None => self.buf_asid(vq),
        }
    }
}

/// How a device is made.
pub(crate) struct Config {
    /// Features the device offers (after DEV_FEATURES).
    pub(crate) features: u64,
    /// Number of address spaces.
    pub(crate) nas: usize,
    /// The group holding every queue's rings, when the rings have their
    /// own group.
    pub(crate) desc_group: Option<usize>,
    /// Entries per address space.
    pub(crate) max_iotlb_entries: usize,
    /// Whether the device takes user virtual addresses.
    pub(crate) use_va: bool,
}

/// A simulated device.
#[pin_data]
pub(crate) struct Sim<K: Kind> {
    #[pin]
    state: Mutex<State<K>>,
    #[pin]
    maps: Mutex<Maps>,
    /// Bumped on every change of `maps`, for the translation caches.
    map_gen: AtomicU64,
    running: AtomicBool,
    driver_ok: AtomicBool,
    pending_kick: AtomicBool,
    ready: [AtomicBool; MAX_VQS],
    features: u64,
    desc_group: Option<usize>,
    use_va: bool,
    #[pin]
    work: DevWork<Sim<K>>,
}

impl<K: Kind> Sim<K> {
    /// A device in its reset state with every address space in identity
    /// pass-through; `kind` is the parent's state, `config` the initial
    /// config space.
    pub(crate) fn new(cfg: Config, config: [u8; CONFIG_MAX], kind: K::State) -> impl PinInit<Self, Error> {
        const NOT_READY: AtomicBool = AtomicBool::new(false);
        try_pin_init!(Self {
            state <- new_mutex!(State {
                vqs: [Vq::new(), Vq::new(), Vq::new()],
                features: 0,
                status: 0,
                generation: 0,
                mm: None,
                config,
                group_asid: [0; MAX_GROUPS],
                kind,
            }, "vdpa_sim:state"),
            maps <- new_mutex!(Maps::new(cfg.nas, cfg.max_iotlb_entries), "vdpa_sim:maps"),
            map_gen: AtomicU64::new(0),
            running: AtomicBool::new(false),
            driver_ok: AtomicBool::new(false),
            pending_kick: AtomicBool::new(false),
            ready: [NOT_READY; MAX_VQS],
            features: cfg.features,
            desc_group: cfg.desc_group,
            use_va: cfg.use_va,
            work <- DevWork::new(),
        }? Error)
    }

    /// Runs `f` on the state; the lock is held for the call.
    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut State<K>) -> R) -> R {
        f(&mut self.state.lock())
    }

    /// Waits for a queued worker run; `dev_del` calls it after
    /// unregistering, so no run outlives the parent module.
    pub(crate) fn cancel_work(dev: &Device<Self>) {
        dev.data().get_ref().work.cancel_sync(dev);
    }

    fn groups(&self, st: &State<K>) -> GroupMap {
        GroupMap { group_asid: st.group_asid, desc_group: self.desc_group, vq_group: K::vq_group }
    }

    fn change_maps(&self, f: impl FnOnce(&mut Maps) -> Result) -> Result {
        let mut maps = self.maps.lock();
        let r = f(&mut maps);
        self.map_gen.fetch_add(1, Ordering::Release);
        r
    }

    fn vq<'a>(st: &'a mut State<K>, vq: VqIdx) -> Result<&'a mut Vq> {
        st.vqs.get_mut(vq.as_usize()).ok_or(EINVAL)
    }

    fn schedule(dev: &Device<Self>) {
        dev.data().get_ref().work.queue(dev);
    }

    fn do_reset(&self, st: &mut State<K>, flags: ResetFlags) {
        for (vq, ready) in st.vqs.iter_mut().zip(self.ready.iter()) {
            // The queue size survives a reset, as upstream's.
            let num = vq.num;
            *vq = Vq::new();
            vq.num = num;
            ready.store(false, Ordering::Relaxed);
        }
        st.group_asid = [0; MAX_GROUPS];
        if flags.clean_map() {
            let _ = self.change_maps(|m| {
                m.all_passthrough();
                Ok(())
            });
        }
        self.running.store(false, Ordering::Relaxed);
        self.driver_ok.store(false, Ordering::Relaxed);
        st.features = 0;
        st.status = 0;
        st.generation = st.generation.wrapping_add(1);
    }
}

/// Bit `b` of a feature word.
pub(crate) const fn bit(b: u32) -> u64 {
    1 << b
}

/// Features every simulated device offers: what a device behind its own
/// IOMMU-like translation needs.
pub(crate) const COMMON_FEATURES: u64 =
    bit(bindings::VIRTIO_F_ANY_LAYOUT) | bit(bindings::VIRTIO_F_VERSION_1) | bit(bindings::VIRTIO_F_ACCESS_PLATFORM);

/// What `vdpa dev add` asks of a new device that every parent checks the
/// same way: the IOTLB limit of `vdpa_sim.ko` (below 2 fails, as
/// upstream), and DEV_FEATURES, a subset of `supported` that replaces it.
/// Returns the limit and the features to offer.
///
/// # Errors
///
/// `EINVAL` for either.
pub(crate) fn create_args(params: &super::params::Params, supported: u64, config: &crate::abi::mgmt::SetConfig<'_>) -> Result<(usize, u64)> {
    let limit = usize::try_from(params.max_iotlb_entries).ok().filter(|&l| l >= 2).ok_or(EINVAL)?;
    if !config.has(bindings::vdpa_attr_VDPA_ATTR_DEV_FEATURES) {
        return Ok((limit, supported));
    }
    let f = config.device_features();
    if f & !supported != 0 {
        return Err(EINVAL);
    }
    Ok((limit, f))
}

fn last_of(iova: u64, size: u64) -> Result<u64> {
    size.checked_sub(1).and_then(|s| iova.checked_add(s)).ok_or(EINVAL)
}

#[vtable]
impl<K: Kind> ConfigOps for Sim<K> {
    fn set_vq_address(dev: &Device<Self>, vq: VqIdx, desc: u64, driver: u64, device: u64) -> Result {
        let mut st = dev.data().get_ref().state.lock();
        let q = Self::vq(&mut st, vq)?;
        q.desc = desc;
        q.driver = driver;
        q.device = device;
        Ok(())
    }

    fn set_vq_num(dev: &Device<Self>, vq: VqIdx, num: u32) {
        if let Ok(q) = Self::vq(&mut dev.data().get_ref().state.lock(), vq) {
            q.num = num;
        }
    }

    fn kick_vq(dev: &Device<Self>, vq: VqIdx) {
        let sim = dev.data().get_ref();
        if !sim.running.load(Ordering::Acquire) && sim.driver_ok.load(Ordering::Acquire) {
            // Suspended: replayed on resume.
            sim.pending_kick.store(true, Ordering::Release);
            return;
        }
        if sim.ready.get(vq.as_usize()).is_some_and(|r| r.load(Ordering::Acquire)) {
            Self::schedule(dev);
        }
    }

    fn set_vq_cb(dev: &Device<Self>, vq: VqIdx, cb: Option<Callback>) {
        if let Ok(q) = Self::vq(&mut dev.data().get_ref().state.lock(), vq) {
            q.cb = cb;
        }
    }

    fn set_vq_ready(dev: &Device<Self>, vq: VqIdx, ready: bool) {
        let sim = dev.data().get_ref();
        let mut st = sim.state.lock();
        let event_idx = st.features & F_EVENT_IDX != 0;
        let Ok(q) = Self::vq(&mut st, vq) else { return };
        let was = q.ready;
        q.ready = ready;
        if ready && !was {
            // The ring starts where set_vq_state left it, with the used
            // index equal to it (no in-flight buffers).
            q.ring = q.make_ring(event_idx);
        }
        if let Some(r) = sim.ready.get(vq.as_usize()) {
            r.store(ready, Ordering::Release);
        }
    }

    fn get_vq_ready(dev: &Device<Self>, vq: VqIdx) -> bool {
        dev.data().get_ref().ready.get(vq.as_usize()).is_some_and(|r| r.load(Ordering::Acquire))
    }

    fn set_vq_state(dev: &Device<Self>, vq: VqIdx, state: VqState) -> Result {
        let sim = dev.data().get_ref();
        let mut st = sim.state.lock();
        let event_idx = st.features & F_EVENT_IDX != 0;
        let q = Self::vq(&mut st, vq)?;
        // Only split rings are offered.
        let VqState::Split { avail_index } = state else { return Err(eopnotsupp()) };
        q.last_avail = avail_index;
        if q.ring.is_some() {
            q.ring = q.make_ring(event_idx);
        }
        Ok(())
    }

    fn get_vq_state(dev: &Device<Self>, vq: VqIdx, _packed: bool) -> Result<VqState> {
        let mut st = dev.data().get_ref().state.lock();
        let q = Self::vq(&mut st, vq)?;
        let avail_index = q.ring.as_ref().map_or(q.last_avail, |r| r.last_avail());
        Ok(VqState::Split { avail_index })
    }

    fn get_vendor_vq_stats(dev: &Device<Self>, vq: VqIdx, stats: &mut Stats<'_>) -> Result {
        K::stats(&dev.data().get_ref().state.lock().kind, vq.as_usize(), stats)
    }

    fn get_vq_size(dev: &Device<Self>, vq: VqIdx) -> u16 {
        let mut st = dev.data().get_ref().state.lock();
        let driver_ok = st.status & STATUS_DRIVER_OK != 0;
        match Self::vq(&mut st, vq) {
            Ok(q) if driver_ok => q.num as u16,
            _ => QUEUE_MAX,
        }
    }

    fn get_vq_align(_dev: &Device<Self>) -> u32 {
        QUEUE_ALIGN
    }

    fn get_vq_group(_dev: &Device<Self>, vq: VqIdx) -> u32 {
        K::vq_group(vq.as_usize()) as u32
    }

    fn get_vq_desc_group(dev: &Device<Self>, vq: VqIdx) -> u32 {
        let g = dev.data().get_ref().desc_group.unwrap_or_else(|| K::vq_group(vq.as_usize()));
        g as u32
    }

    fn get_device_features(dev: &Device<Self>) -> u64 {
        dev.data().get_ref().features
    }

    fn get_backend_features(_dev: &Device<Self>) -> u64 {
        1 << bindings::VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK
    }

    fn set_driver_features(dev: &Device<Self>, features: u64) -> Result {
        // DMA goes through the device's own translation: the driver must
        // accept that.
        if features & F_ACCESS_PLATFORM == 0 {
            return Err(EINVAL);
        }
        let sim = dev.data().get_ref();
        sim.state.lock().features = features & sim.features;
        Ok(())
    }

    fn get_driver_features(dev: &Device<Self>) -> u64 {
        dev.data().get_ref().state.lock().features
    }

    fn set_config_cb(_dev: &Device<Self>, _cb: Option<Callback>) {
        // The config space never changes on its own: no config interrupt.
    }

    fn get_vq_num_max(_dev: &Device<Self>) -> u16 {
        QUEUE_MAX
    }

    fn get_device_id(_dev: &Device<Self>) -> u32 {
        K::DEVICE_ID
    }

    fn get_vendor_id(_dev: &Device<Self>) -> u32 {
        0
    }

    fn get_status(dev: &Device<Self>) -> u8 {
        dev.data().get_ref().state.lock().status
    }

    fn set_status(dev: &Device<Self>, status: u8) {
        let sim = dev.data().get_ref();
        let mut st = sim.state.lock();
        st.status = status;
        let ok = status & STATUS_DRIVER_OK != 0;
        sim.driver_ok.store(ok, Ordering::Release);
        sim.running.store(ok, Ordering::Release);
    }

    fn reset(dev: &Device<Self>) -> Result {
        Self::compat_reset(dev, ResetFlags::from_bits(0))
    }

    fn compat_reset(dev: &Device<Self>, flags: ResetFlags) -> Result {
        let sim = dev.data().get_ref();
        let mut st = sim.state.lock();
        sim.do_reset(&mut st, flags);
        Ok(())
    }

    fn suspend(dev: &Device<Self>) -> Result {
        let sim = dev.data().get_ref();
        let _st = sim.state.lock();
        sim.running.store(false, Ordering::Release);
        Ok(())
    }

    fn resume(dev: &Device<Self>) -> Result {
        let sim = dev.data().get_ref();
        let _st = sim.state.lock();
        sim.running.store(true, Ordering::Release);
        if sim.pending_kick.swap(false, Ordering::AcqRel) {
            // A kick arrived while suspended: process what it announced.
            for vq in 0..K::NVQS {
                if sim.ready.get(vq).is_some_and(|r| r.load(Ordering::Acquire)) {
                    Self::schedule(dev);
                }
            }
        }
        Ok(())
    }

    fn get_config_size(_dev: &Device<Self>) -> usize {
        K::CONFIG_SIZE
    }

    fn get_config(dev: &Device<Self>, offset: usize, buf: &mut ConfigBuf<'_>) {
        let mut st = dev.data().get_ref().state.lock();
        let st = &mut *st;
        K::refresh_config(&mut st.kind, st.features, &mut st.config);
        if let Some(src) = offset.checked_add(buf.len()).and_then(|end| st.config.get(offset..end)) {
            buf.fill_from(src);
        }
    }

    fn set_config(dev: &Device<Self>, offset: usize, buf: &[u8]) {
        let mut st = dev.data().get_ref().state.lock();
        let end = offset.checked_add(buf.len()).filter(|&e| e <= K::CONFIG_SIZE);
        if let Some(dst) = end.and_then(|e| st.config.get_mut(offset..e)) {
            dst.copy_from_slice(buf);
        }
    }

    fn get_generation(dev: &Device<Self>) -> u32 {
        dev.data().get_ref().state.lock().generation
    }

    fn get_iova_range(_dev: &Device<Self>) -> IovaRange {
        IovaRange { first: 0, last: u64::MAX }
    }

    fn set_map(dev: &Device<Self>, asid: Asid, iotlb: &IotlbRef) -> Result {
        dev.data().get_ref().change_maps(|maps| {
            let m = maps.get_mut(asid.as_usize())?;
            let entries = iotlb.iter().map(|e| Entry { start: e.start, last: e.last, addr: e.addr, perm: e.perm as u8 });
            m.replace(entries).map_err(errno)
        })
    }

    fn dma_map(dev: &Device<Self>, asid: Asid, iova: u64, size: u64, pa: u64, perm: Perm, _opaque: *mut c_void) -> Result {
        let last = last_of(iova, size)?;
        dev.data().get_ref().change_maps(|maps| {
            maps.get_mut(asid.as_usize())?.add(iova, last, pa, perm.bits() as u8).map_err(errno)
        })
    }

    fn dma_unmap(dev: &Device<Self>, asid: Asid, iova: u64, size: u64) -> Result {
        let last = last_of(iova, size)?;
        dev.data().get_ref().change_maps(|maps| maps.get_mut(asid.as_usize())?.del(iova, last).map_err(errno))
    }

    fn reset_map(dev: &Device<Self>, asid: Asid) -> Result {
        dev.data().get_ref().change_maps(|maps| {
            maps.get_mut(asid.as_usize())?.set_passthrough();
            Ok(())
        })
    }

    fn set_group_asid(dev: &Device<Self>, group: Group, asid: Asid) -> Result {
        let mut st = dev.data().get_ref().state.lock();
        let slot = st.group_asid.get_mut(group.as_usize()).ok_or(EINVAL)?;
        *slot = asid.as_usize();
        Ok(())
    }

    fn bind_mm(dev: &Device<Self>, mm: &Mm) -> Result {
        // The worker reads the mm under the state lock, so it switches
        // between runs, never inside one.
        dev.data().get_ref().state.lock().mm = Some(mm.grab());
        Ok(())
    }

    fn unbind_mm(dev: &Device<Self>) {
        let old = dev.data().get_ref().state.lock().mm.take();
        drop(old);
    }
}

impl<K: Kind> DeviceWork for Sim<K> {
    fn run(dev: &Device<Self>) {
        let sim = dev.data().get_ref();
        let mut st = sim.state.lock();
        if !sim.running.load(Ordering::Acquire) || st.status & STATUS_DRIVER_OK == 0 {
            return;
        }
        // The mm is taken out for the run (nothing else can reach it while
        // `state` is held) and put back after.
        let mm = if sim.use_va { st.mm.take() } else { None };
        let again = Self::run_with(sim, &mut st, mm.as_ref());
        if mm.is_some() {
            st.mm = mm;
        }
        drop(st);
        if again {
            Self::schedule(dev);
        }
    }
}

impl<K: Kind> Sim<K> {
    fn run_with(sim: &Self, st: &mut State<K>, mm: Option<&MmGrab>) -> bool {
        let user = match mm {
            Some(mm) => match MmUse::adopt(mm) {
                Some(u) => Some(u),
                // The owner is exiting: nothing to process for it.
                None => return false,
            },
            None => None,
        };
        let groups = sim.groups(st);
        let held = if user.is_none() { Some(sim.maps.lock()) } else { None };
        let src = match &held {
            Some(maps) => Source::Held(maps),
            None => Source::Shared(&sim.maps, &sim.map_gen),
        };
        K::work(st, MemCtx { src, user: user.as_ref() }, &groups)
    }
}

/// The ops table of a device: `batch_mapping` picks `set_map` or
/// `dma_map` (with `get_vq_size`, as upstream's non-batching table), and
/// `get_vq_desc_group` is there only when the rings have a group of their
/// own.
pub(crate) fn ops_table<K: Kind>(batch_mapping: bool, desc_group: bool) -> Result<kernel::sync::Arc<crate::abi::ops_table::OpsTable<Sim<K>>>> {
    use crate::abi::ops_table::{Op, OpsTable};
    let mut without: [Op; 3] = [Op::SetMap, Op::SetMap, Op::SetMap];
    let mut n = 0;
    let mut drop_op = |op| {
        if let Some(slot) = without.get_mut(n) {
            *slot = op;
            n += 1;
        }
    };
    if batch_mapping {
        drop_op(Op::DmaMap);
        drop_op(Op::GetVqSize);
    } else {
        drop_op(Op::SetMap);
    }
    if !desc_group {
        drop_op(Op::GetVqDescGroup);
    }
    OpsTable::without(without.get(..n).unwrap_or(&[]))
}
