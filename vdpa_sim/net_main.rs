// SPDX-License-Identifier: GPL-2.0

//! vdpa_sim_net.ko: a virtio-net device that loops every frame it is sent
//! back to its receive queue, with upstream's receive filter, control queue
//! (MAC address) and vendor statistics. Management device `vdpasim_net`.
//!
//! Queues: 0 RX and 1 TX in group 0, 2 the control queue in group 1; two
//! address spaces. With `desc_group=1` every queue's rings are in group 2,
//! so a driver can put them in an address space of their own
//! (`VHOST_BACKEND_F_DESC_ASID`).

use kernel::c_str;
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::Arc;

#[path = "../vdpa_core/abi/mod.rs"]
mod abi;
#[path = "engine/mod.rs"]
mod engine;
#[path = "logic/mod.rs"]
mod logic;

use abi::bindings;
use abi::config_ops::{eopnotsupp, Stats};
use abi::device::{Device, NewDevice, Options};
use abi::mgmt::{DevLock, MgmtInfo, MgmtOps, MgmtRegistration, SetConfig};
use abi::ops_table::OpsTable;
use abi::root::RootDevice;
use engine::dev::{self, bit, Config, COMMON_FEATURES, GroupMap, Kind, Sim, State, Vq, CONFIG_MAX};
use engine::mem::MemCtx;
use engine::params::Params;
use logic::net::{self, CvqRun, NetCounters, TxOutcome};
use logic::vring::{Chain, GuestMem, SplitQueue};

module! {
    type: SimNet,
    name: "vdpa_sim_net",
    author: "vdpa-rs developers",
    description: "vDPA device simulator for networking device",
    license: "GPL",
}

/// What the device offers, as upstream's.
const FEATURES: u64 = COMMON_FEATURES
    | bit(bindings::VIRTIO_NET_F_MTU)
    | bit(bindings::VIRTIO_NET_F_MAC)
    | bit(bindings::VIRTIO_NET_F_STATUS)
    | bit(bindings::VIRTIO_NET_F_CTRL_VQ)
    | bit(bindings::VIRTIO_NET_F_CTRL_MAC_ADDR);
const F_CTRL_VQ: u64 = bit(bindings::VIRTIO_NET_F_CTRL_VQ);
const NVQS: usize = 3;
const RXQ: usize = 0;
const TXQ: usize = 1;
const CVQ: usize = 2;
const NAS: u32 = 2;
const CONFIG_SIZE: usize = core::mem::size_of::<bindings::virtio_net_config>();
const CFG_MAC: usize = 0;
const CFG_STATUS: usize = core::mem::offset_of!(bindings::virtio_net_config, status);
const CFG_MTU: usize = core::mem::offset_of!(bindings::virtio_net_config, mtu);
const LINK_UP: u16 = bindings::VIRTIO_NET_S_LINK_UP as u16;
const ATTR_MAC: u32 = bindings::vdpa_attr_VDPA_ATTR_DEV_NET_CFG_MACADDR;
const ATTR_MTU: u32 = bindings::vdpa_attr_VDPA_ATTR_DEV_NET_CFG_MTU;
const ATTR_FEATURES: u32 = bindings::vdpa_attr_VDPA_ATTR_DEV_FEATURES;
/// TX chains one worker run takes before it queues itself again.
const TX_BUDGET: usize = 64;
/// Bytes of one frame the device takes, header included; longer frames
/// are cut, as upstream's.
const FRAME_MAX: usize = net::TX_BUF_LEN;

/// Buffers of the worker, allocated once per device.
struct Scratch {
    tx: Chain,
    rx: Chain,
    frame: [u8; FRAME_MAX],
}

// SAFETY: every field is integers, booleans and arrays of them, for which
// all-zero is valid; a zeroed `Chain` is an empty chain.
unsafe impl kernel::init::Zeroable for Scratch {}

/// Per-device state of the net simulator.
struct NetState {
    counters: NetCounters,
    scratch: KBox<Scratch>,
}

struct Net;

fn mac_of(config: &[u8; CONFIG_MAX]) -> [u8; 6] {
    let mut mac = [0u8; 6];
    if let Some(m) = config.get(CFG_MAC..CFG_MAC + 6) {
        mac.copy_from_slice(m);
    }
    mac
}

impl Kind for Net {
    const DEVICE_ID: u32 = bindings::VIRTIO_ID_NET;
    const NVQS: usize = NVQS;
    const CONFIG_SIZE: usize = CONFIG_SIZE;
    type State = NetState;

    fn vq_group(vq: usize) -> usize {
        usize::from(vq == CVQ)
    }

    fn refresh_config(_st: &mut NetState, _features: u64, config: &mut [u8]) {
        // Only VERSION_1 (little-endian) drivers can drive the device.
        if let Some(s) = config.get_mut(CFG_STATUS..CFG_STATUS + 2) {
            s.copy_from_slice(&LINK_UP.to_le_bytes());
        }
    }

    fn work(st: &mut State<Self>, ctx: MemCtx<'_>, groups: &GroupMap) -> bool {
        let State { vqs, features, config, kind, .. } = st;
        let [rx, tx, cvq] = vqs;
        let NetState { counters, scratch } = kind;
        if *features & F_CTRL_VQ != 0 && cvq.ready() {
            let mut mac = mac_of(config);
            control_queue(cvq, ctx, groups, &mut scratch.tx, &mut mac, counters);
            if let Some(m) = config.get_mut(CFG_MAC..CFG_MAC + 6) {
                m.copy_from_slice(&mac);
            }
        }
        if !tx.ready() || !rx.ready() {
            return false;
        }
        let mac = mac_of(config);
        loopback(rx, tx, ctx, groups, scratch, net::hdr_len(*features), &mac, counters)
    }

    fn stats(st: &NetState, vq: usize, stats: &mut Stats<'_>) -> Result {
        let c = &st.counters;
        let rows: &[(&CStr, u64)] = match vq {
            RXQ => &[
                (c_str!("rx packets"), c.rx_packets),
                (c_str!("rx bytes"), c.rx_bytes),
                (c_str!("rx errors"), c.rx_errors),
                (c_str!("rx overruns"), c.rx_overruns),
                (c_str!("rx drops"), c.rx_drops),
            ],
            TXQ => &[
                (c_str!("tx packets"), c.tx_packets),
                (c_str!("tx bytes"), c.tx_bytes),
                (c_str!("tx errors"), c.tx_errors),
                (c_str!("tx drops"), c.tx_drops),
            ],
            CVQ => &[
                (c_str!("cvq requests"), c.cvq_requests),
                (c_str!("cvq successes"), c.cvq_successes),
                (c_str!("cvq errors"), c.cvq_errors),
            ],
            _ => return Err(EINVAL),
        };
        for (name, value) in rows {
            stats.put(name, *value)?;
        }
        Ok(())
    }
}

/// Runs the control queue: each request is acked and the callback raised.
fn control_queue(cvq: &mut Vq, ctx: MemCtx<'_>, groups: &GroupMap, chain: &mut Chain, mac: &mut [u8; 6], c: &mut NetCounters) {
    let Some(mut q) = cvq.ring else { return };
    let mut ring = ctx.mem(groups.ring_asid(CVQ));
    let mut bufs = ctx.mem(groups.buf_asid(CVQ));
    let mut run = CvqRun::new();
    while let Ok(true) = net::cvq_one(&mut ring, &mut bufs, &mut q, chain, &mut run, mac, c) {
        cvq.ring = Some(q);
        cvq.notify();
    }
    cvq.ring = Some(q);
}

/// Loops TX frames to RX through the receive filter, at most
/// [`TX_BUDGET`] of them; returns whether frames are left.
#[allow(clippy::too_many_arguments)]
fn loopback(
    rx: &mut Vq,
    tx: &mut Vq,
    ctx: MemCtx<'_>,
    groups: &GroupMap,
    sc: &mut Scratch,
    hdr_len: usize,
    mac: &[u8; 6],
    c: &mut NetCounters,
) -> bool {
    let (Some(mut tq), Some(mut rq)) = (tx.ring, rx.ring) else { return false };
    // RX and TX are both in group 0: one address space for each role.
    let mut ring = ctx.mem(groups.ring_asid(TXQ));
    let mut bufs = ctx.mem(groups.buf_asid(TXQ));
    let (mut tx_used, mut rx_used, mut more) = (false, false, false);
    // Every chain taken counts, so a driver feeding filtered frames
    // cannot keep one run going either.
    let mut taken = 0;
    loop {
        // A frame waits in TX while RX has no buffer for it, and goes once
        // the driver's next RX kick brings one: upstream takes it and drops
        // it as an RX overrun.
        if !matches!(rq.has_avail(&mut ring), Ok(true)) {
            break;
        }
        let r = net::tx_one(&mut ring, &mut bufs, &mut tq, &mut rq, &mut sc.tx, &mut sc.rx, &mut sc.frame, hdr_len, mac, c);
        tx_used |= r.tx_used;
        rx_used |= r.rx_used;
        match r.outcome {
            TxOutcome::Looped | TxOutcome::Dropped => taken += 1,
            TxOutcome::Empty | TxOutcome::Overrun | TxOutcome::Error => break,
        }
        if taken == TX_BUDGET {
            more = true;
            break;
        }
    }
    // One interrupt per queue and run, where the driver wants one.
    let tx_irq = tx_used && notify_wanted(&mut tq, &mut ring);
    let rx_irq = rx_used && notify_wanted(&mut rq, &mut ring);
    tx.ring = Some(tq);
    rx.ring = Some(rq);
    if tx_irq {
        tx.notify();
    }
    if rx_irq {
        rx.notify();
    }
    more
}

fn notify_wanted<M: GuestMem>(q: &mut SplitQueue, ring: &mut M) -> bool {
    q.needs_notify(ring).unwrap_or(true)
}

/// The management device `vdpasim_net`.
struct NetMgmt {
    params: Params,
    desc_group: bool,
    ops: Arc<OpsTable<Sim<Net>>>,
}

#[vtable]
impl MgmtOps for NetMgmt {
    type Dev = Sim<Net>;

    fn dev_add(lock: &DevLock<'_, Self>, name: &CStr, config: &SetConfig<'_>) -> Result {
        let m = lock.mgmt().data().get_ref();
        let (limit, features) = dev::create_args(&m.params, FEATURES, config)?;
        let mut cfg = [0u8; CONFIG_MAX];
        if config.has(ATTR_MAC) {
            cfg[CFG_MAC..CFG_MAC + 6].copy_from_slice(&config.mac());
        }
        let mtu = if config.has(ATTR_MTU) { config.mtu() } else { 1500 };
        cfg[CFG_MTU..CFG_MTU + 2].copy_from_slice(&mtu.to_le_bytes());
        let scratch = KBox::init(kernel::init::zeroed::<Scratch>(), GFP_KERNEL)?;
        let kind = NetState { counters: NetCounters::default(), scratch };
        let ngroups = if m.desc_group { 3 } else { 2 };
        let sim = Sim::new(
            Config {
                features,
                nas: NAS as usize,
                desc_group: m.desc_group.then_some(2),
                max_iotlb_entries: limit,
                use_va: m.params.use_va,
            },
            cfg,
            kind,
        );
        let opts = Options { ops: &m.ops, parent: None, ngroups, nas: NAS, name: Some(name), use_va: m.params.use_va };
        lock.register(NewDevice::new(opts, sim)?, NVQS as u32).map(drop)
    }

    fn dev_del(lock: &DevLock<'_, Self>, dev: &Device<Sim<Net>>) {
        lock.unregister(dev);
        // Unregistered: nobody kicks it any more, and no run outlives the
        // module.
        Sim::cancel_work(dev);
    }

    fn dev_set_attr(_lock: &DevLock<'_, Self>, dev: &Device<Sim<Net>>, config: &SetConfig<'_>) -> Result {
        if !config.has(ATTR_MAC) {
            return Err(eopnotsupp());
        }
        let mac = config.mac();
        dev.data().get_ref().with_state(|st| {
            if let Some(m) = st.config.get_mut(CFG_MAC..CFG_MAC + 6) {
                m.copy_from_slice(&mac);
            }
        });
        Ok(())
    }
}

static ID_TABLE: [bindings::virtio_device_id; 2] = [
    bindings::virtio_device_id { device: bindings::VIRTIO_ID_NET, vendor: 0xffff_ffff },
    bindings::virtio_device_id { device: 0, vendor: 0 },
];

struct SimNet {
    // Dropped in this order: the management device deletes its devices,
    // then its root device goes.
    _mgmt: MgmtRegistration<NetMgmt>,
    _root: RootDevice,
}

impl kernel::Module for SimNet {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let params = Params::get();
        // SAFETY: the parameter is read-only and set before init.
        let desc_group = unsafe { bindings::vdpasim_net_rs_desc_group() };
        let ops = dev::ops_table::<Net>(params.batch_mapping, desc_group)?;
        let root = RootDevice::new(c_str!("vdpasim_net"), module)?;
        let mgmt = MgmtRegistration::new(
            MgmtInfo {
                device: root.device().clone(),
                id_table: &ID_TABLE,
                config_attr_mask: (1 << ATTR_MAC) | (1 << ATTR_MTU) | (1 << ATTR_FEATURES),
                supported_features: FEATURES,
                max_supported_vqs: NVQS as u32,
            },
            NetMgmt { params, desc_group, ops },
        )?;
        Ok(Self { _mgmt: mgmt, _root: root })
    }
}
