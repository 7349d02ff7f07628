// SPDX-License-Identifier: GPL-2.0

//! vdpa_rs_test_parent: parents and a bus driver written with the suite's
//! Rust ABI layer (`vdpa_core/abi`), loaded by the VM tests on the upstream
//! core and on ours.
//!
//! At load it registers:
//! - a bus driver `vdpa_rs_test_drv`, which keeps a reference to each
//!   device it binds;
//! - a management device `vdpa_rs_test` that creates console-class devices
//!   and accepts no attribute, and `vdpa_rs_test_multi` with net and block
//!   classes that accepts DEV_FEATURES (the multi-class check of DEV_NEW);
//! - a management device `vdpa_rs_test_io` whose net-class devices keep
//!   ring state, call their callbacks on a kick, and keep two IOTLBs, so
//!   the upstream `vhost_vdpa` and `virtio_vdpa` drive every path of the
//!   layer (`tests/vm/parent_io.sh`). The device name picks the ops table
//!   at run time: `dma*` maps with `dma_map`, others with `set_map`, and
//!   `anon*` leaves the naming (`vdpaN`) to the core. `irq*` devices also
//!   have what no other parent of the tree offers `vhost_vdpa`: an
//!   interrupt per ring (`get_vq_irq`, for its irq-bypass producer), a
//!   doorbell page per ring (`get_vq_notification`, for its mmap) and a
//!   config interrupt delivered late, after the driver may have replaced
//!   its callback (`tests/vm/vhost_irq.sh`); `irqbad*` devices are the
//!   same with doorbells `vhost_vdpa` must refuse to map;
//! - two devices no management device created: `rs_unmanaged0`, and
//!   `rs_badnum0` whose smallest ring (300) exceeds its largest (256), so
//!   the bus refuses to probe it;
//! - an auxiliary device `vdpa_rs_test_parent.vnet.0` and an auxiliary
//!   driver `vdpa_rs_test_parent.test_aux` for it, which logs `aux probe`/`aux remove`, the way
//!   `mlx5_vdpa` attaches to `mlx5_core`.
//!
//! It first runs the core's allocation and registration error paths and
//! logs `selftest <case>: <errno>` for each.

use core::ffi::c_void;
use core::pin::Pin;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU64, AtomicU8, Ordering};

use kernel::c_str;
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::{new_mutex, Arc, Mutex};
use kernel::types::ARef;

#[path = "../../vdpa_core/abi/mod.rs"]
mod abi;

use abi::auxiliary::{self, AuxDevice, AuxDeviceId, AuxDriver, AuxRegistration};
use abi::bindings;
use abi::bus::BusDevice;
use abi::config_ops::{
    Asid, Callback, ConfigBuf, ConfigOps, Group, IotlbRef, NotificationArea, PackedState, Perm, ResetFlags,
    Stats, VqIdx, VqState,
};
use abi::device::{Device, NewDevice, Options, Registration};
use abi::driver::{Driver, DriverRegistration};
use abi::iotlb::Iotlb;
use abi::irq_lock::{new_irq_lock, IrqLock};
use abi::mgmt::{DevLock, MgmtInfo, MgmtOps, MgmtRegistration, SetConfig};
use abi::ops_table::{Op, OpsTable};
use abi::root::RootDevice;
use abi::work::{DevWork, DeviceWork};

extern "C" {
    // test_parent_glue.c: a zeroed page and its physical address.
    fn vdpa_rs_tp_doorbell_alloc(phys: *mut u64) -> *mut c_void;
    fn vdpa_rs_tp_doorbell_free(page: *mut c_void);
}

module! {
    type: TestParent,
    name: "vdpa_rs_test_parent",
    author: "vdpa-rs developers",
    description: "Test parents and bus driver for the vDPA core and ABI layer",
    license: "GPL",
}

const VIRTIO_DEV_ANY_ID: u32 = 0xffff_ffff;
const VIRTIO_ID_NET: u32 = bindings::VIRTIO_ID_NET;
const VIRTIO_ID_BLOCK: u32 = bindings::VIRTIO_ID_BLOCK;
const VIRTIO_ID_CONSOLE: u32 = bindings::VIRTIO_ID_CONSOLE;
const VDPA_ATTR_DEV_FEATURES: u32 = bindings::vdpa_attr_VDPA_ATTR_DEV_FEATURES;
const F_VERSION_1: u64 = 1 << bindings::VIRTIO_F_VERSION_1;
const F_ACCESS_PLATFORM: u64 = 1 << bindings::VIRTIO_F_ACCESS_PLATFORM;
const F_RING_PACKED: u64 = 1 << bindings::VIRTIO_F_RING_PACKED;
const F_NET_MAC: u64 = 1 << bindings::VIRTIO_NET_F_MAC;
const VQ_NUM_MAX: u16 = 256;

static CONSOLE_IDS: [bindings::virtio_device_id; 2] = [
    bindings::virtio_device_id { device: VIRTIO_ID_CONSOLE, vendor: VIRTIO_DEV_ANY_ID },
    bindings::virtio_device_id { device: 0, vendor: 0 },
];

static MULTI_IDS: [bindings::virtio_device_id; 3] = [
    bindings::virtio_device_id { device: VIRTIO_ID_NET, vendor: VIRTIO_DEV_ANY_ID },
    bindings::virtio_device_id { device: VIRTIO_ID_BLOCK, vendor: VIRTIO_DEV_ANY_ID },
    bindings::virtio_device_id { device: 0, vendor: 0 },
];

static NET_IDS: [bindings::virtio_device_id; 2] = [
    bindings::virtio_device_id { device: VIRTIO_ID_NET, vendor: VIRTIO_DEV_ANY_ID },
    bindings::virtio_device_id { device: 0, vendor: 0 },
];

/// A device that does nothing but keep its status and features.
struct TestDev {
    device_id: u32,
    num_min: u16,
    status: AtomicU8,
    features: AtomicU64,
}

impl TestDev {
    fn new(device_id: u32, num_min: u16) -> Self {
        Self { device_id, num_min, status: AtomicU8::new(0), features: AtomicU64::new(0) }
    }
}

#[vtable]
impl ConfigOps for TestDev {
    fn set_vq_address(_dev: &Device<Self>, _vq: VqIdx, _d: u64, _dr: u64, _de: u64) -> Result {
        Ok(())
    }
    fn set_vq_num(_dev: &Device<Self>, _vq: VqIdx, _num: u32) {}
    fn kick_vq(_dev: &Device<Self>, _vq: VqIdx) {}
    fn set_vq_cb(_dev: &Device<Self>, _vq: VqIdx, _cb: Option<Callback>) {}
    fn set_vq_ready(_dev: &Device<Self>, _vq: VqIdx, _ready: bool) {}
    fn get_vq_ready(_dev: &Device<Self>, _vq: VqIdx) -> bool {
        false
    }
    fn set_vq_state(_dev: &Device<Self>, _vq: VqIdx, _state: VqState) -> Result {
        Ok(())
    }
    fn get_vq_state(_dev: &Device<Self>, _vq: VqIdx, _packed: bool) -> Result<VqState> {
        Ok(VqState::Split { avail_index: 0 })
    }
    fn get_vq_align(_dev: &Device<Self>) -> u32 {
        4096
    }
    fn get_device_features(_dev: &Device<Self>) -> u64 {
        F_VERSION_1
    }
    fn set_driver_features(dev: &Device<Self>, features: u64) -> Result {
        dev.data().get_ref().features.store(features, Ordering::Relaxed);
        Ok(())
    }
    fn get_driver_features(dev: &Device<Self>) -> u64 {
        dev.data().get_ref().features.load(Ordering::Relaxed)
    }
    fn set_config_cb(_dev: &Device<Self>, _cb: Option<Callback>) {}
    fn get_vq_num_max(_dev: &Device<Self>) -> u16 {
        VQ_NUM_MAX
    }
    fn get_vq_num_min(dev: &Device<Self>) -> u16 {
        dev.data().get_ref().num_min
    }
    fn get_device_id(dev: &Device<Self>) -> u32 {
        dev.data().get_ref().device_id
    }
    fn get_vendor_id(_dev: &Device<Self>) -> u32 {
        0
    }
    fn get_status(dev: &Device<Self>) -> u8 {
        dev.data().get_ref().status.load(Ordering::Relaxed)
    }
    fn set_status(dev: &Device<Self>, status: u8) {
        dev.data().get_ref().status.store(status, Ordering::Relaxed);
    }
    fn reset(dev: &Device<Self>) -> Result {
        dev.data().get_ref().status.store(0, Ordering::Relaxed);
        dev.data().get_ref().features.store(0, Ordering::Relaxed);
        Ok(())
    }
    fn get_config_size(_dev: &Device<Self>) -> usize {
        0
    }
    fn get_config(_dev: &Device<Self>, _offset: usize, buf: &mut ConfigBuf<'_>) {
        buf.fill_from(&[]);
    }
    fn set_config(_dev: &Device<Self>, _offset: usize, _buf: &[u8]) {}
}

/// A management device creating devices of one virtio class.
struct TestMgmt {
    device_id: u32,
    ops: Arc<OpsTable<TestDev>>,
}

#[vtable]
impl MgmtOps for TestMgmt {
    type Dev = TestDev;

    fn dev_add(lock: &DevLock<'_, Self>, name: &CStr, _config: &SetConfig<'_>) -> Result {
        let m = lock.mgmt().data();
        let opts = Options { ops: &m.ops, parent: None, ngroups: 1, nas: 1, name: Some(name), use_va: false };
        let dev = NewDevice::new(opts, TestDev::new(m.device_id, 1))?;
        lock.register(dev, 1).map(drop)
    }

    fn dev_del(lock: &DevLock<'_, Self>, dev: &Device<TestDev>) {
        lock.unregister(dev);
    }
}

/// What an io device offers beyond rings and maps, from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IoKind {
    /// No interrupt, no doorbell; `set_config` ignores what it is given.
    Plain,
    /// `irq*`: an interrupt and a doorbell page per ring, and a config
    /// interrupt raised by each `set_config` and delivered late.
    Irq,
    /// `irqbad*`: as [`IoKind::Irq`], but ring 0's doorbell is not
    /// page-aligned and ring 1's is two pages long, so `vhost_vdpa`
    /// refuses to map either.
    IrqBad,
}

impl IoKind {
    fn from_name(name: &[u8]) -> Self {
        if name.starts_with(b"irqbad") {
            Self::IrqBad
        } else if name.starts_with(b"irq") {
            Self::Irq
        } else {
            Self::Plain
        }
    }
}

/// The interrupt number ring 0 of an `irq*` device reports; ring N reports
/// this plus N. It is made up: nothing ever requests it. `vhost_vdpa` only
/// passes it on in its irq-bypass producer, where the test's consumer
/// (`vdpa_rs_irqbypass_probe`) logs it.
const IO_IRQ_BASE: u32 = 4000;

/// How long a config interrupt takes from `set_config` to the driver.
const IO_CONFIG_IRQ_DELAY_MS: u32 = 200;

/// The doorbell of one ring of an `irq*` device: a zeroed page of its own,
/// which user space writes through `vhost_vdpa`'s mapping.
///
/// # Invariants
///
/// `page` is a page from `vdpa_rs_tp_doorbell_alloc`, at physical address
/// `phys`, owned by this value and freed when it is dropped.
struct Doorbell {
    page: NonNull<u32>,
    phys: u64,
}

// SAFETY: the page is owned by the doorbell; the parent only reads it,
// with volatile loads, from any thread.
unsafe impl Send for Doorbell {}
// SAFETY: as above; `&Doorbell` only reads.
unsafe impl Sync for Doorbell {}

impl Doorbell {
    fn new() -> Result<Self> {
        let mut phys = 0u64;
        // SAFETY: `phys` is valid for writing.
        let page = unsafe { vdpa_rs_tp_doorbell_alloc(&mut phys) };
        let page = NonNull::new(page.cast::<u32>()).ok_or(ENOMEM)?;
        Ok(Self { page, phys })
    }

    /// The first u32 of the page: what user space last stored there.
    fn read(&self) -> u32 {
        // SAFETY: the page is allocated and page-aligned (invariant). User
        // space may store to it at any moment, so the load is volatile,
        // and every bit pattern is a u32.
        unsafe { core::ptr::read_volatile(self.page.as_ptr()) }
    }
}

impl Drop for Doorbell {
    fn drop(&mut self) {
        // SAFETY: allocated by `vdpa_rs_tp_doorbell_alloc` (invariant) and
        // not used again. No user mapping of it is left: a mapping holds
        // the bus driver's file open, the bus driver is unbound only once
        // its files are closed, and the data holding the doorbell is
        // dropped by the release after that.
        unsafe { vdpa_rs_tp_doorbell_free(self.page.as_ptr().cast()) };
    }
}

/// Number of queues and address spaces of an io device.
const IO_NVQS: usize = 2;
const IO_NAS: usize = 2;
/// Its features and config space (a virtio_net_config).
const IO_FEATURES: u64 = F_VERSION_1 | F_ACCESS_PLATFORM | F_RING_PACKED | F_NET_MAC;
const IO_MAC: [u8; 6] = [0x02, 0, 0, 0, 0xab, 0xcd];
const IO_CONFIG_LEN: usize = core::mem::size_of::<bindings::virtio_net_config>();

/// One ring of an io device.
struct IoVq {
    ready: bool,
    num: u32,
    state: VqState,
    kicks: u64,
    callbacks: u64,
    /// A kick is waiting for its callback (run by the device's work).
    pending: bool,
}

impl IoVq {
    const fn new() -> Self {
        Self {
            ready: false,
            num: 0,
            state: VqState::Split { avail_index: 0 },
            kicks: 0,
            callbacks: 0,
            pending: false,
        }
    }

    /// The device consumed one descriptor.
    fn advance(&mut self) {
        self.state = match self.state {
            VqState::Split { avail_index } => VqState::Split { avail_index: avail_index.wrapping_add(1) },
            VqState::Packed(p) => VqState::Packed(PackedState { last_avail_idx: (p.last_avail_idx + 1) & 0x7fff, ..p }),
        };
    }
}

/// Ring and status state of an io device; kicks reach it in atomic
/// context, so it is under an [`IrqLock`]. The callbacks are under a
/// mutex of their own ([`IoCallbacks`]), which the work holds while it
/// calls them: the kick path holds the driver's eventfd lock when it takes
/// the state lock, so no callback may run under the state lock. Queue arrays have `IO_NVQS`
/// entries, the `nvqs` the device registers with, so indexing them with a
/// [`VqIdx`] (below `nvqs`) or a [`Group`] (below `ngroups`, also
/// `IO_NVQS`) cannot panic; neither can an [`Asid`] index `IO_NAS` maps. Callbacks live here and are
/// dropped under the lock when a ring is disabled or the device reset,
/// which is what makes calling them sound.
struct IoState {
    status: u8,
    features: u64,
    vqs: [IoVq; IO_NVQS],
    group_asid: [u32; IO_NVQS],
}

impl IoState {
    fn reset(&mut self) {
        self.status = 0;
        self.features = 0;
        self.vqs = [IoVq::new(), IoVq::new()];
        self.group_asid = [0; IO_NVQS];
    }
}

/// The callbacks of an io device. They are dropped under this mutex by
/// `set_vq_cb`, `set_vq_ready(false)` and reset, and called only with it
/// held, which is what makes calling them sound. `config_irq` is the
/// exception, on purpose (see [`IoDev::deliver_config_irq`]).
struct IoCallbacks {
    vqs: [Option<Callback>; IO_NVQS],
    config: Option<Callback>,
    /// A config interrupt of an `irq*` device raised by `set_config` and
    /// not yet taken by the work: a copy of `config` as it was then, which
    /// neither `set_config_cb` nor reset ends.
    config_irq: Option<Callback>,
    /// `dev_del` has begun: `set_config` raises no more config interrupts.
    removing: bool,
}

/// An io device's data.
#[pin_data(PinnedDrop)]
struct IoDev {
    name: [u8; 32],
    kind: IoKind,
    /// One per ring on `irq*` devices; none on the others.
    doorbells: Option<[Doorbell; IO_NVQS]>,
    #[pin]
    state: IrqLock<IoState>,
    #[pin]
    cbs: Mutex<IoCallbacks>,
    #[pin]
    maps: Mutex<[Iotlb; IO_NAS]>,
    /// Calls the callbacks of kicked rings: `kick_vq` runs in atomic
    /// context, and under vhost_vdpa inside the kick eventfd's wakeup,
    /// where signalling the call eventfd is refused. On `irq*` devices it
    /// also delivers the config interrupts.
    #[pin]
    work: DevWork<IoDev>,
}

/// Most mappings of one address space.
const IO_MAP_LIMIT: u32 = 2048;

impl IoDev {
    fn new(name: &CStr, kind: IoKind) -> Result<impl PinInit<Self, Error>> {
        let mut buf = [0u8; 32];
        let n = name.len().min(buf.len() - 1);
        buf[..n].copy_from_slice(&name.as_bytes()[..n]);
        let maps = [Iotlb::new(IO_MAP_LIMIT, false)?, Iotlb::new(IO_MAP_LIMIT, false)?];
        let doorbells = match kind {
            IoKind::Plain => None,
            IoKind::Irq | IoKind::IrqBad => Some([Doorbell::new()?, Doorbell::new()?]),
        };
        let state = IoState { status: 0, features: 0, vqs: [IoVq::new(), IoVq::new()], group_asid: [0; IO_NVQS] };
        let cbs = IoCallbacks { vqs: [None, None], config: None, config_irq: None, removing: false };
        Ok(try_pin_init!(Self {
            name: buf,
            kind,
            doorbells,
            state <- new_irq_lock!(state, "vdpa_rs_test_io.state"),
            cbs <- new_mutex!(cbs, "vdpa_rs_test_io.cbs"),
            maps <- new_mutex!(maps, "vdpa_rs_test_io.maps"),
            work <- DevWork::new(),
        }? Error))
    }

    fn name(&self) -> &str {
        let len = self.name.iter().position(|&b| b == 0).unwrap_or(self.name.len());
        core::str::from_utf8(&self.name[..len]).unwrap_or("?")
    }

    fn log_maps(&self, dev: &BusDevice, op: &str, asid: usize, n: u32) {
        pr_info!("{}: {} asid {}: {} maps\n", dev.name(), op, asid, n);
    }

    /// Delivers a config interrupt raised by `set_config`, the way a C
    /// parent such as ifcvf does from its interrupt handler: `cb` was
    /// copied under the parent's lock, and is called with no lock held.
    ///
    /// The parent cannot see its driver unbind, so a test must not unbind
    /// the driver of an `irq*` device while a config interrupt is in
    /// flight; `vdpa dev del` and unloading this module are safe.
    fn deliver_config_irq(&self, dev: &BusDevice, cb: Callback) {
        // SAFETY: this breaks the contract of `Callback::call` on purpose,
        // for this test device only: `cb` is the copy taken at
        // `set_config`, and since then the driver may have installed
        // another config callback, reset the device or closed its file.
        // That is what a C parent like ifcvf does to a driver, so
        // vhost_vdpa must survive it: its callback must find the config
        // eventfd of now (upstream reads it under `config_lock` in the
        // callback), never the one it replaced. What the call does
        // rely on is the driver's private data (vhost_vdpa's device),
        // which lives while the device is registered: `dev_del` delivers
        // or waits for every raised interrupt before it unregisters.
        unsafe { cb.call() };
        pr_info!("{}: config interrupt\n", dev.name());
    }
}

#[pinned_drop]
impl PinnedDrop for IoDev {
    fn drop(self: Pin<&mut Self>) {
        pr_info!("{}: data dropped\n", self.name());
    }
}

#[vtable]
impl ConfigOps for IoDev {
    fn set_vq_address(_dev: &Device<Self>, _vq: VqIdx, _d: u64, _dr: u64, _de: u64) -> Result {
        Ok(())
    }
    fn set_vq_num(dev: &Device<Self>, vq: VqIdx, num: u32) {
        dev.data().get_ref().state.lock().vqs[vq.as_usize()].num = num;
    }
    fn kick_vq(dev: &Device<Self>, vq: VqIdx) {
        let queue = {
            let mut st = dev.data().get_ref().state.lock();
            let q = &mut st.vqs[vq.as_usize()];
            q.kicks += 1;
            q.advance();
            q.pending = q.ready;
            q.pending
        };
        if queue {
            dev.data().get_ref().work.queue(dev);
        }
    }
    fn set_vq_cb(dev: &Device<Self>, vq: VqIdx, cb: Option<Callback>) {
        dev.data().get_ref().cbs.lock().vqs[vq.as_usize()] = cb;
    }
    fn set_vq_ready(dev: &Device<Self>, vq: VqIdx, ready: bool) {
        let d = dev.data().get_ref();
        let mut cbs = d.cbs.lock();
        d.state.lock().vqs[vq.as_usize()].ready = ready;
        if !ready {
            cbs.vqs[vq.as_usize()] = None;
        }
    }
    fn get_vq_ready(dev: &Device<Self>, vq: VqIdx) -> bool {
        dev.data().get_ref().state.lock().vqs[vq.as_usize()].ready
    }
    fn set_vq_state(dev: &Device<Self>, vq: VqIdx, state: VqState) -> Result {
        dev.data().get_ref().state.lock().vqs[vq.as_usize()].state = state;
        Ok(())
    }
    fn get_vq_state(dev: &Device<Self>, vq: VqIdx, packed: bool) -> Result<VqState> {
        let state = dev.data().get_ref().state.lock().vqs[vq.as_usize()].state;
        // A ring whose form changed since its state was set reads as 0.
        Ok(match (state, packed) {
            (VqState::Packed(_), true) | (VqState::Split { .. }, false) => state,
            (_, true) => VqState::Packed(PackedState::default()),
            (_, false) => VqState::Split { avail_index: 0 },
        })
    }
    fn get_vendor_vq_stats(dev: &Device<Self>, vq: VqIdx, stats: &mut Stats<'_>) -> Result {
        let (kicks, callbacks, asid) = {
            let st = dev.data().get_ref().state.lock();
            let q = &st.vqs[vq.as_usize()];
            (q.kicks, q.callbacks, st.group_asid[vq.as_usize()])
        };
        let maps = dev.data().get_ref().maps.lock()[asid as usize].len();
        stats.put(c_str!("kicks"), kicks)?;
        stats.put(c_str!("callbacks"), callbacks)?;
        stats.put(c_str!("maps"), u64::from(maps))?;
        if let Some(bells) = &dev.data().get_ref().doorbells {
            stats.put(c_str!("doorbell"), u64::from(bells[vq.as_usize()].read()))?;
        }
        Ok(())
    }
    fn get_vq_notification(dev: &Device<Self>, vq: VqIdx) -> NotificationArea {
        let d = dev.data().get_ref();
        // Only the `irq*` table has this op, and those devices have doorbells.
        let Some(bells) = &d.doorbells else {
            return NotificationArea::default();
        };
        let addr = bells[vq.as_usize()].phys;
        let page = PAGE_SIZE as u64;
        match (d.kind, vq.get()) {
            (IoKind::IrqBad, 0) => NotificationArea { addr: addr + 0x100, size: page },
            (IoKind::IrqBad, _) => NotificationArea { addr, size: 2 * page },
            _ => NotificationArea { addr, size: page },
        }
    }
    fn get_vq_irq(_dev: &Device<Self>, vq: VqIdx) -> Result<u32> {
        Ok(IO_IRQ_BASE + u32::from(vq.get()))
    }
    fn get_vq_align(_dev: &Device<Self>) -> u32 {
        4096
    }
    fn get_vq_group(_dev: &Device<Self>, vq: VqIdx) -> u32 {
        u32::from(vq.get())
    }
    fn get_device_features(_dev: &Device<Self>) -> u64 {
        IO_FEATURES
    }
    fn get_backend_features(_dev: &Device<Self>) -> u64 {
        1 << bindings::VHOST_BACKEND_F_IOTLB_PERSIST
    }
    fn set_driver_features(dev: &Device<Self>, features: u64) -> Result {
        dev.data().get_ref().state.lock().features = features & IO_FEATURES;
        Ok(())
    }
    fn get_driver_features(dev: &Device<Self>) -> u64 {
        dev.data().get_ref().state.lock().features
    }
    fn set_config_cb(dev: &Device<Self>, cb: Option<Callback>) {
        dev.data().get_ref().cbs.lock().config = cb;
    }
    fn get_vq_num_max(_dev: &Device<Self>) -> u16 {
        VQ_NUM_MAX
    }
    fn get_device_id(_dev: &Device<Self>) -> u32 {
        VIRTIO_ID_NET
    }
    fn get_vendor_id(_dev: &Device<Self>) -> u32 {
        0
    }
    fn get_status(dev: &Device<Self>) -> u8 {
        dev.data().get_ref().state.lock().status
    }
    fn set_status(dev: &Device<Self>, status: u8) {
        dev.data().get_ref().state.lock().status = status;
    }
    fn reset(dev: &Device<Self>) -> Result {
        // Dropping the callbacks under their lock ends their life before
        // the driver may free what they point to. A config interrupt
        // already raised stays raised (`config_irq`).
        let d = dev.data().get_ref();
        let mut cbs = d.cbs.lock();
        d.state.lock().reset();
        cbs.vqs = [None, None];
        cbs.config = None;
        Ok(())
    }
    fn compat_reset(dev: &Device<Self>, flags: ResetFlags) -> Result {
        Self::reset(dev)?;
        if flags.clean_map() {
            let mut maps = dev.data().get_ref().maps.lock();
            for (asid, m) in maps.iter_mut().enumerate() {
                m.reset();
                dev.data().get_ref().log_maps(dev, "clean_map", asid, m.len());
            }
        }
        Ok(())
    }
    fn get_config_size(_dev: &Device<Self>) -> usize {
        IO_CONFIG_LEN
    }
    fn get_config(_dev: &Device<Self>, offset: usize, buf: &mut ConfigBuf<'_>) {
        let mut cfg = [0u8; IO_CONFIG_LEN];
        cfg[..IO_MAC.len()].copy_from_slice(&IO_MAC);
        // PANIC: the trampoline checked `offset + len <= IO_CONFIG_LEN`.
        buf.fill_from(&cfg[offset..]);
    }
    fn set_config(dev: &Device<Self>, _offset: usize, _buf: &[u8]) {
        // An `irq*` device answers every write with a config interrupt,
        // raised now (the callback copied as it is) and delivered by the
        // work later.
        let d = dev.data().get_ref();
        if d.kind == IoKind::Plain {
            return;
        }
        let raised = {
            let mut cbs = d.cbs.lock();
            let raw = cbs.config.as_ref().map(Callback::as_raw);
            if cbs.removing || raw.is_none() {
                false
            } else {
                // SAFETY: `raw` is a local copy of a valid callback.
                cbs.config_irq = raw.and_then(|raw| unsafe { Callback::from_raw(&raw) });
                true
            }
        };
        if raised {
            d.work.queue(dev);
        }
    }
    fn set_map(dev: &Device<Self>, asid: Asid, iotlb: &IotlbRef) -> Result {
        let mut maps = dev.data().get_ref().maps.lock();
        let m = &mut maps[asid.as_usize()];
        m.replace_with(iotlb)?;
        dev.data().get_ref().log_maps(dev, "set_map", asid.as_usize(), m.len());
        Ok(())
    }
    fn dma_map(dev: &Device<Self>, asid: Asid, iova: u64, size: u64, pa: u64, perm: Perm, opaque: *mut c_void) -> Result {
        let last = size.checked_sub(1).and_then(|s| iova.checked_add(s)).ok_or(EINVAL)?;
        let mut maps = dev.data().get_ref().maps.lock();
        let m = &mut maps[asid.as_usize()];
        m.add(iova, last, pa, perm, opaque)?;
        dev.data().get_ref().log_maps(dev, "dma_map", asid.as_usize(), m.len());
        Ok(())
    }
    fn dma_unmap(dev: &Device<Self>, asid: Asid, iova: u64, size: u64) -> Result {
        let last = size.checked_sub(1).and_then(|s| iova.checked_add(s)).ok_or(EINVAL)?;
        let mut maps = dev.data().get_ref().maps.lock();
        let m = &mut maps[asid.as_usize()];
        m.del(iova, last);
        dev.data().get_ref().log_maps(dev, "dma_unmap", asid.as_usize(), m.len());
        Ok(())
    }
    fn reset_map(dev: &Device<Self>, asid: Asid) -> Result {
        let mut maps = dev.data().get_ref().maps.lock();
        let m = &mut maps[asid.as_usize()];
        m.reset();
        dev.data().get_ref().log_maps(dev, "reset_map", asid.as_usize(), m.len());
        Ok(())
    }
    fn set_group_asid(dev: &Device<Self>, group: Group, asid: Asid) -> Result {
        dev.data().get_ref().state.lock().group_asid[group.as_usize()] = asid.get();
        Ok(())
    }
}

impl DeviceWork for IoDev {
    fn run(dev: &Device<Self>) {
        let d = dev.data().get_ref();
        let cbs = d.cbs.lock();
        for (i, cb) in cbs.vqs.iter().enumerate() {
            let ready = {
                let mut st = d.state.lock();
                let q = &mut st.vqs[i];
                core::mem::replace(&mut q.pending, false) && q.ready
            };
            if let (true, Some(cb)) = (ready, cb) {
                // SAFETY: the callback is dropped under `cbs`, held here,
                // by `set_vq_cb`, `set_vq_ready(false)` and reset, so the
                // driver has not ended its life.
                unsafe { cb.call() };
                d.state.lock().vqs[i].callbacks += 1;
            }
        }
        drop(cbs);
        // Taken under the lock, so that `dev_del` finds it either still
        // there or being delivered by this run, which it waits for.
        let late = d.cbs.lock().config_irq.take();
        if let Some(cb) = late {
            // SAFETY: process context (a work item), no lock held.
            unsafe { kernel::bindings::msleep(IO_CONFIG_IRQ_DELAY_MS) };
            d.deliver_config_irq(dev, cb);
        }
    }
}

/// The io management device; its three ops tables are chosen per device.
struct IoMgmt {
    set_map: Arc<OpsTable<IoDev>>,
    dma_map: Arc<OpsTable<IoDev>>,
    /// `set_map` with `get_vq_irq` and `get_vq_notification`.
    irq: Arc<OpsTable<IoDev>>,
}

#[vtable]
impl MgmtOps for IoMgmt {
    type Dev = IoDev;

    fn dev_add(lock: &DevLock<'_, Self>, name: &CStr, _config: &SetConfig<'_>) -> Result {
        let m = lock.mgmt().data();
        let bytes = name.as_bytes();
        let kind = IoKind::from_name(bytes);
        let ops = if kind != IoKind::Plain {
            &m.irq
        } else if bytes.starts_with(b"dma") {
            &m.dma_map
        } else {
            &m.set_map
        };
        let anon = bytes.starts_with(b"anon");
        let opts = Options {
            ops,
            parent: Some(lock.mgmt().device()),
            ngroups: IO_NVQS as u32,
            nas: IO_NAS as u32,
            name: if anon { None } else { Some(name) },
            use_va: false,
        };
        let dev = NewDevice::new(opts, IoDev::new(name, kind)?)?;
        lock.register(dev, IO_NVQS as u32).map(drop)
    }

    fn dev_del(lock: &DevLock<'_, Self>, dev: &Device<IoDev>) {
        // A config interrupt must reach the driver while it is bound: once
        // unregistered, its private data may be gone. So none is raised
        // from now on, one being delivered is waited for, and one the
        // work has not taken yet is delivered here.
        let d = dev.data().get_ref();
        d.cbs.lock().removing = true;
        d.work.cancel_sync(dev);
        let late = d.cbs.lock().config_irq.take();
        if let Some(cb) = late {
            d.deliver_config_irq(dev, cb);
        }
        lock.unregister(dev);
        // No driver kicks an unregistered device: no run is queued after
        // this one, and none outlives the module. `dev` stays valid until
        // `dev_del` returns.
        d.work.cancel_sync(dev);
    }
}

/// A bus driver that binds to anything and keeps a reference to it.
struct TestDrv;

#[vtable]
impl Driver for TestDrv {
    type Data = KBox<ARef<BusDevice>>;

    fn probe(dev: &BusDevice) -> Result<Self::Data> {
        pr_info!("probe {} (device id {}, {} vqs)\n", dev.name(), dev.ops().get_device_id(), dev.nvqs());
        Ok(KBox::new(ARef::from(dev), GFP_KERNEL)?)
    }

    fn remove(dev: &BusDevice, data: Self::Data) {
        pr_info!("remove {}\n", dev.name());
        drop(data);
    }
}

/// The auxiliary driver: probe and remove log, and keep a reference.
struct TestAux;

#[vtable]
impl AuxDriver for TestAux {
    type Data = KBox<ARef<AuxDevice>>;

    fn probe(dev: &AuxDevice, id: &AuxDeviceId) -> Result<Self::Data> {
        let parent = dev.parent().map_or(c_str!("none"), |p| {
            // SAFETY: a registered device is named.
            unsafe { abi::device::dev_name(abi::device::kdev_raw(p)) }
        });
        pr_info!("aux probe {} (id {}, driver_data {}, parent {})\n", dev.dev_name(), dev.id(), id.driver_data(), parent);
        Ok(KBox::new(ARef::from(dev), GFP_KERNEL)?)
    }

    fn remove(dev: &AuxDevice, data: Self::Data) {
        pr_info!("aux remove {}\n", dev.dev_name());
        drop(data);
    }
}

static AUX_IDS: [bindings::auxiliary_device_id; 2] =
    [auxiliary::id(b"vdpa_rs_test_parent.vnet", 7), auxiliary::ID_END];

/// An auxiliary device of this module (`vdpa_rs_test_parent.vnet.0`),
/// deleted when dropped.
///
/// # Invariants
///
/// `0` was added to the auxiliary bus and is freed by its release.
struct TestAuxDevice(core::ptr::NonNull<bindings::auxiliary_device>);

// SAFETY: only used at load and unload.
unsafe impl Send for TestAuxDevice {}
// SAFETY: as above.
unsafe impl Sync for TestAuxDevice {}

impl TestAuxDevice {
    fn new(parent: &RootDevice) -> Result<Self> {
        let raw = KBox::into_raw(KBox::new(bindings::auxiliary_device::default(), GFP_KERNEL)?);
        // SAFETY: `raw` is a zeroed device of ours; the name is static.
        unsafe {
            (*raw).name = c_str!("vnet").as_char_ptr();
            (*raw).id = 0;
            (*raw).dev.parent = abi::device::kdev_raw(&parent.device());
            (*raw).dev.release = Some(Self::release);
            if let Err(e) = kernel::error::to_result(bindings::auxiliary_device_init(raw)) {
                // Not initialised: freed directly.
                drop(KBox::from_raw(raw));
                return Err(e);
            }
            if let Err(e) = kernel::error::to_result(bindings::__auxiliary_device_add(raw, c_str!("vdpa_rs_test_parent").as_char_ptr())) {
                // Initialised: the release frees it.
                bindings::vdpa_rs_auxiliary_device_uninit(raw);
                return Err(e);
            }
            Ok(Self(core::ptr::NonNull::new_unchecked(raw)))
        }
    }

    unsafe extern "C" fn release(dev: *mut bindings::device) {
        // SAFETY: the device is the `dev` (offset 0) of an auxiliary device
        // boxed in `new`, and this is its last reference.
        drop(unsafe { KBox::from_raw(dev.cast::<bindings::auxiliary_device>()) });
    }
}

impl Drop for TestAuxDevice {
    fn drop(&mut self) {
        // SAFETY: added in `new` (invariant); the release frees it.
        unsafe {
            bindings::vdpa_rs_auxiliary_device_delete(self.0.as_ptr());
            bindings::vdpa_rs_auxiliary_device_uninit(self.0.as_ptr());
        }
    }
}

/// Runs the core's error paths and logs each result.
fn selftest() {
    let log = |case: &str, r: core::ffi::c_int| match r {
        0 => pr_info!("selftest {}: 0\n", case),
        e if e == EINVAL.to_errno() => pr_info!("selftest {}: EINVAL\n", case),
        e => pr_info!("selftest {}: errno {}\n", case, e),
    };
    let name = c_str!("rs_selftest0");
    let alloc = |ops: *const bindings::vdpa_config_ops, use_va: bool| -> core::ffi::c_int {
        // SAFETY: the table is NULL or a valid table for the call; the
        // device, if one is made, is put back right away.
        unsafe {
            let d = bindings::__vdpa_alloc_device(
                core::ptr::null_mut(),
                ops,
                1,
                1,
                core::mem::size_of::<bindings::vdpa_device>(),
                name.as_char_ptr(),
                use_va,
            );
            match kernel::error::from_err_ptr(d) {
                Ok(d) => {
                    bindings::put_device(core::ptr::addr_of_mut!((*d).dev));
                    0
                }
                Err(e) => e.to_errno(),
            }
        }
    };
    log("alloc_no_config", alloc(core::ptr::null(), false));
    let Ok(full) = OpsTable::<IoDev>::new() else {
        pr_info!("selftest: out of memory\n");
        return;
    };
    // Copies of the table without `free`: a device the core wrongly
    // accepted is only `vdpa_device`-sized and must be freed as such.
    let mut dma_only = full.raw_copy();
    dma_only.free = None;
    dma_only.dma_unmap = None;
    log("alloc_dma_map_only", alloc(&dma_only, false));
    let mut no_map = full.raw_copy();
    no_map.free = None;
    no_map.set_map = None;
    no_map.dma_map = None;
    no_map.dma_unmap = None;
    log("alloc_use_va_no_map", alloc(&no_map, true));
    // A device without a management device must not register through
    // `_vdpa_register_device`.
    let opts = Options { ops: &full, parent: None, ngroups: 1, nas: 1, name: Some(name), use_va: false };
    match IoDev::new(name, IoKind::Plain).and_then(|init| NewDevice::new(opts, init)) {
        // SAFETY: the device comes from `__vdpa_alloc_device`; the call
        // fails before it needs the device-list lock, and the device is
        // then released by dropping `dev`.
        Ok(dev) => log("register_no_mgmt", unsafe { bindings::_vdpa_register_device(dev.device().as_raw(), 1) }),
        Err(e) => log("register_no_mgmt", e.to_errno()),
    }
}

struct TestParent {
    // Dropped in this order: devices, then management devices (which
    // delete theirs), then the drivers, then the root devices.
    _aux_dev: TestAuxDevice,
    _aux_drv: AuxRegistration<TestAux>,
    _badnum: Registration<TestDev>,
    _unmanaged: Registration<TestDev>,
    _io: MgmtRegistration<IoMgmt>,
    _multi: MgmtRegistration<TestMgmt>,
    _console: MgmtRegistration<TestMgmt>,
    _drv: DriverRegistration<TestDrv>,
    _root_io: RootDevice,
    _root_multi: RootDevice,
    _root: RootDevice,
}

fn unmanaged(ops: &Arc<OpsTable<TestDev>>, root: &RootDevice, name: &'static CStr, num_min: u16) -> Result<Registration<TestDev>> {
    let opts = Options { ops, parent: Some(root.device()), ngroups: 1, nas: 1, name: Some(name), use_va: false };
    NewDevice::new(opts, TestDev::new(VIRTIO_ID_CONSOLE, num_min))?.register(1)
}

impl kernel::Module for TestParent {
    fn init(module: &'static ThisModule) -> Result<Self> {
        selftest();
        let root = RootDevice::new(c_str!("vdpa_rs_test"), module)?;
        let root_multi = RootDevice::new(c_str!("vdpa_rs_test_multi"), module)?;
        let root_io = RootDevice::new(c_str!("vdpa_rs_test_io"), module)?;
        let drv = DriverRegistration::<TestDrv>::new(c_str!("vdpa_rs_test_drv"), module)?;
        let test_ops = OpsTable::<TestDev>::new()?;
        let console = MgmtRegistration::new(
            MgmtInfo {
                device: root.device().clone(),
                id_table: &CONSOLE_IDS,
                config_attr_mask: 0,
                supported_features: F_VERSION_1,
                max_supported_vqs: 1,
            },
            TestMgmt { device_id: VIRTIO_ID_CONSOLE, ops: test_ops.clone() },
        )?;
        let multi = MgmtRegistration::new(
            MgmtInfo {
                device: root_multi.device().clone(),
                id_table: &MULTI_IDS,
                config_attr_mask: 1 << VDPA_ATTR_DEV_FEATURES,
                supported_features: F_VERSION_1 | F_NET_MAC,
                max_supported_vqs: 2,
            },
            TestMgmt { device_id: VIRTIO_ID_NET, ops: test_ops.clone() },
        )?;
        let io = MgmtRegistration::new(
            MgmtInfo {
                device: root_io.device().clone(),
                id_table: &NET_IDS,
                config_attr_mask: 0,
                supported_features: IO_FEATURES,
                max_supported_vqs: IO_NVQS as u32,
            },
            IoMgmt {
                set_map: OpsTable::without(&[Op::DmaMap, Op::GetVqIrq, Op::GetVqNotification])?,
                dma_map: OpsTable::without(&[
                    Op::SetMap,
                    Op::ResetMap,
                    Op::GetBackendFeatures,
                    Op::GetVqIrq,
                    Op::GetVqNotification,
                ])?,
                irq: OpsTable::without(&[Op::DmaMap])?,
            },
        )?;
        let unmanaged0 = unmanaged(&test_ops, &root, c_str!("rs_unmanaged0"), 1)?;
        let badnum = unmanaged(&test_ops, &root, c_str!("rs_badnum0"), VQ_NUM_MAX + 44)?;
        let aux_drv = AuxRegistration::<TestAux>::new(c_str!("test_aux"), &AUX_IDS, module, c_str!("vdpa_rs_test_parent"))?;
        let aux_dev = TestAuxDevice::new(&root)?;
        Ok(Self {
            _aux_dev: aux_dev,
            _aux_drv: aux_drv,
            _badnum: badnum,
            _unmanaged: unmanaged0,
            _io: io,
            _multi: multi,
            _console: console,
            _drv: drv,
            _root_io: root_io,
            _root_multi: root_multi,
            _root: root,
        })
    }
}
