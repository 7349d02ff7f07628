// SPDX-License-Identifier: GPL-2.0

//! vdpa_sim_blk.ko: a virtio-blk device backed by a 128 MiB RAM disk, with
//! upstream's request types, range checks and status codes. Management
//! device `vdpasim_blk`. With `shared_backend=1` every device reads and
//! writes one disk.

use kernel::c_str;
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::{Arc, Mutex};

#[path = "../vdpa_core/abi/mod.rs"]
mod abi;
#[path = "engine/mod.rs"]
mod engine;
#[path = "logic/mod.rs"]
mod logic;

use abi::bindings;
use abi::device::{Device, NewDevice, Options};
use abi::mgmt::{DevLock, MgmtInfo, MgmtOps, MgmtRegistration, SetConfig};
use abi::ops_table::OpsTable;
use abi::root::RootDevice;
use engine::dev::{self, bit, Config, COMMON_FEATURES, GroupMap, Kind, Sim, State, CONFIG_MAX};
use engine::mem::MemCtx;
use engine::params::Params;
use logic::blk;
use logic::vring::Chain;

module! {
    type: SimBlk,
    name: "vdpa_sim_blk",
    author: "vdpa-rs developers",
    description: "vDPA device simulator for block device",
    license: "GPL",
}

/// What the device offers, as upstream's.
const FEATURES: u64 = COMMON_FEATURES
    | bit(bindings::VIRTIO_BLK_F_SIZE_MAX)
    | bit(bindings::VIRTIO_BLK_F_SEG_MAX)
    | bit(bindings::VIRTIO_BLK_F_BLK_SIZE)
    | bit(bindings::VIRTIO_BLK_F_TOPOLOGY)
    | bit(bindings::VIRTIO_BLK_F_MQ)
    | bit(bindings::VIRTIO_BLK_F_DISCARD)
    | bit(bindings::VIRTIO_BLK_F_WRITE_ZEROES)
    | bit(bindings::VIRTIO_BLK_F_FLUSH);
const NVQS: usize = 1;
const CONFIG_SIZE: usize = core::mem::size_of::<bindings::virtio_blk_config>();
/// Requests one worker run serves before it queues itself again.
const REQ_BUDGET: usize = 32;
/// Completions after which a run signals the driver, if it asks to be
/// signalled, without waiting for the run's end. A driver that keeps
/// several requests in flight then refills the ring while the run goes
/// on; one signal per run left the device idle during the refill, and a
/// signal per request costs an eventfd wakeup each.
const NOTIFY_EVERY: usize = 4;

type Disk = Mutex<VVec<u8>>;

/// Per-device state of the block simulator.
struct BlkState {
    disk: Arc<Disk>,
    chain: KBox<Chain>,
}

struct Blk;

impl Kind for Blk {
    const DEVICE_ID: u32 = bindings::VIRTIO_ID_BLOCK;
    const NVQS: usize = NVQS;
    const CONFIG_SIZE: usize = CONFIG_SIZE;
    type State = BlkState;

    fn vq_group(_vq: usize) -> usize {
        0
    }

    fn work(st: &mut State<Self>, ctx: MemCtx<'_>, groups: &GroupMap) -> bool {
        let State { vqs, kind, .. } = st;
        let [vq, ..] = vqs;
        if !vq.ready() {
            return false;
        }
        let Some(mut q) = vq.ring else { return false };
        let mut ring = ctx.mem(groups.ring_asid(0));
        let mut bufs = ctx.mem(groups.buf_asid(0));
        let (mut used, mut more) = (false, false);
        let mut done = 0;
        while let Ok(true) = q.pop(&mut ring, &mut kind.chain) {
            let head = kind.chain.head();
            let r = blk::handle(&mut bufs, &kind.chain, &mut kind.disk.lock(), blk::CAPACITY_SECTORS);
            let (len, stop) = match r {
                Ok(r) => (r.used_len, r.stop),
                Err(_) => (0, true),
            };
            used |= q.push_used(&mut ring, head, len).is_ok();
            done += 1;
            if used && done % NOTIFY_EVERY == 0 {
                used = false;
                if q.needs_notify(&mut ring).unwrap_or(true) {
                    vq.notify();
                }
            }
            // A malformed request ends the run; the next kick goes on.
            if stop {
                break;
            }
            if done == REQ_BUDGET {
                more = true;
                break;
            }
        }
        let irq = used && q.needs_notify(&mut ring).unwrap_or(true);
        vq.ring = Some(q);
        if irq {
            vq.notify();
        }
        more
    }
}

/// A zero-filled disk of the simulator's capacity.
fn new_disk() -> Result<Arc<Disk>> {
    let bytes = usize::try_from(blk::CAPACITY_SECTORS * blk::SECTOR_SIZE).map_err(|_| EINVAL)?;
    let mut v = VVec::with_capacity(bytes, GFP_KERNEL | __GFP_ZERO)?;
    // SAFETY: the allocation holds `bytes` bytes, zeroed by `__GFP_ZERO`,
    // and zero is a valid `u8`.
    unsafe { v.set_len(bytes) };
    Arc::pin_init(new_mutex!(v, "vdpa_sim_blk:disk"), GFP_KERNEL)
}

/// The management device `vdpasim_blk`.
struct BlkMgmt {
    params: Params,
    shared: Option<Arc<Disk>>,
    ops: Arc<OpsTable<Sim<Blk>>>,
}

#[vtable]
impl MgmtOps for BlkMgmt {
    type Dev = Sim<Blk>;

    fn dev_add(lock: &DevLock<'_, Self>, name: &CStr, config: &SetConfig<'_>) -> Result {
        let m = lock.mgmt().data().get_ref();
        let (limit, features) = dev::create_args(&m.params, FEATURES, config)?;
        let disk = match &m.shared {
            Some(d) => d.clone(),
            None => new_disk()?,
        };
        let chain = KBox::init(kernel::init::zeroed::<Chain>(), GFP_KERNEL)?;
        let mut cfg = [0u8; CONFIG_MAX];
        let bytes = blk::config_bytes(blk::CAPACITY_SECTORS);
        cfg.get_mut(..bytes.len()).ok_or(EINVAL)?.copy_from_slice(&bytes);
        let sim = Sim::new(
            Config { features, nas: 1, desc_group: None, max_iotlb_entries: limit, use_va: m.params.use_va },
            cfg,
            BlkState { disk, chain },
        );
        let opts = Options { ops: &m.ops, parent: None, ngroups: 1, nas: 1, name: Some(name), use_va: m.params.use_va };
        lock.register(NewDevice::new(opts, sim)?, NVQS as u32).map(drop)
    }

    fn dev_del(lock: &DevLock<'_, Self>, dev: &Device<Sim<Blk>>) {
        lock.unregister(dev);
        // Unregistered: nobody kicks it any more, and no run outlives the
        // module.
        Sim::cancel_work(dev);
    }
}

static ID_TABLE: [bindings::virtio_device_id; 2] = [
    bindings::virtio_device_id { device: bindings::VIRTIO_ID_BLOCK, vendor: 0xffff_ffff },
    bindings::virtio_device_id { device: 0, vendor: 0 },
];

struct SimBlk {
    // Dropped in this order: the management device deletes its devices,
    // then its root device goes.
    _mgmt: MgmtRegistration<BlkMgmt>,
    _root: RootDevice,
}

impl kernel::Module for SimBlk {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let params = Params::get();
        // SAFETY: the parameter is read-only and set before init.
        let shared = if unsafe { bindings::vdpasim_blk_rs_shared_backend() } { Some(new_disk()?) } else { None };
        let ops = dev::ops_table::<Blk>(params.batch_mapping, false)?;
        let root = RootDevice::new(c_str!("vdpasim_blk"), module)?;
        let mgmt = MgmtRegistration::new(
            MgmtInfo {
                device: root.device().clone(),
                id_table: &ID_TABLE,
                config_attr_mask: 0,
                supported_features: 0,
                max_supported_vqs: 0,
            },
            BlkMgmt { params, shared, ops },
        )?;
        Ok(Self { _mgmt: mgmt, _root: root })
    }
}
