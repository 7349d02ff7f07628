// SPDX-License-Identifier: GPL-2.0

//! What the open file of a node holds, and its ioctls.
//!
//! Every ioctl and IOTLB write runs under the node's session lock, as
//! upstream's run under the vhost device mutex; so does release. The
//! argument of every ioctl is copied in, decoded and checked by
//! `logic::args` before any op of the parent runs.
//!
//! Deliberate differences from upstream are listed in
//! `Documentation/vhost_vdpa.rst`.

use kernel::prelude::*;

use crate::abi::config_ops::eopnotsupp;
use kernel::uaccess::UserSlice;

use crate::abi::bus::BusDevice;
use crate::abi::eventfd::{EventCtx, EventSlot, Kick};
use crate::abi::irq_bypass::Producer;
use crate::abi::ops_table::Op;
use crate::abi::user_mem::OwnerMm;
use crate::abi::vq::{PackedState, VqState};
use crate::aspace::Spaces;
use crate::logic::args::{self, ConfigHdr, IovaRange, MemoryHdr, MemoryRegion, VqBase, VringAddr, VringFile, VringState};
use crate::logic::features::{self, Caps, MapOps};
use crate::logic::msg::Batch;
use crate::logic::status::{set_status_action, Action};
use crate::logic::uapi::*;
use crate::logic::Errno;

/// A logic error as a kernel error.
pub(crate) fn errno(e: Errno) -> Error {
    Error::from_errno(-e.to_errno())
}

/// `ENOIOCTLCMD`: the ioctl layer turns it into `ENOTTY` for user space.
fn enoioctlcmd() -> Error {
    Error::from_errno(-(kernel::bindings::ENOIOCTLCMD as i32))
}

/// Copies `N` bytes of an ioctl argument in.
fn arg_in<const N: usize>(arg: usize) -> Result<[u8; N]> {
    let mut b = [0u8; N];
    UserSlice::new(arg, N).reader().read_slice(&mut b)?;
    Ok(b)
}

/// Copies an ioctl result out.
fn arg_out(arg: usize, data: &[u8]) -> Result<i64> {
    UserSlice::new(arg, data.len()).writer().write_slice(data)?;
    Ok(0)
}

/// How much of its argument a vring ioctl reads: the whole structure for
/// those that take one in, the index alone for the others.
fn vring_arg_len(cmd: u32) -> usize {
    match cmd {
        VHOST_SET_VRING_ADDR => VringAddr::SIZE,
        VHOST_SET_VRING_NUM
        | VHOST_SET_VRING_BASE
        | VHOST_VDPA_SET_VRING_ENABLE
        | VHOST_VDPA_SET_GROUP_ASID
        | VHOST_SET_VRING_BUSYLOOP_TIMEOUT => VringState::SIZE,
        VHOST_SET_VRING_KICK | VHOST_SET_VRING_CALL | VHOST_SET_VRING_ERR => VringFile::SIZE,
        _ => 4,
    }
}

/// The vhost state of one virtqueue.
#[derive(Default)]
struct VqFiles {
    /// The ring's interrupt offered to irq bypass under `call`; first, so
    /// that it is withdrawn before `call` goes.
    producer: Option<Pin<KBox<Producer>>>,
    kick: Option<Pin<KBox<Kick>>>,
    call: Option<EventCtx>,
    err: Option<EventCtx>,
    busyloop_timeout: u32,
    /// Ring position as `SET_VRING_BASE`/`GET_VRING_BASE` keep it:
    /// (avail, used) with the wrap counter in bit 15 for packed rings.
    last_avail: u16,
    last_used: u16,
}

/// The state of an open node.
pub(crate) struct Session {
    /// The owner (`VHOST_SET_OWNER`), with its mm.
    owner: Option<OwnerMm>,
    /// `bind_mm` was called for the owner.
    bound: bool,
    /// Acked backend features.
    backend: u64,
    /// Driver features acked at the last SET_FEATURES (packed ring).
    acked: u64,
    suspended: bool,
    /// The device's ring size maximum, read at the last reset.
    vq_num_max: u16,
    range: IovaRange,
    batch: Batch,
    pub(crate) spaces: Spaces,
    vqs: KVec<VqFiles>,
    fork_owner: u8,
    /// Between open and release.
    open: bool,
}

impl Session {
    /// The state of a node nobody has open.
    pub(crate) fn new() -> Self {
        Self {
            owner: None,
            bound: false,
            backend: 0,
            acked: 0,
            suspended: false,
            vq_num_max: 0,
            range: IovaRange { first: 0, last: u64::MAX },
            batch: Batch::new(),
            spaces: Spaces::new(),
            vqs: KVec::new(),
            fork_owner: 1,
            open: false,
        }
    }

    fn caps(dev: &BusDevice) -> Caps {
        let ops = dev.ops();
        let map = MapOps { set_map: ops.has(Op::SetMap), dma_map: ops.has(Op::DmaMap), reset_map: ops.has(Op::ResetMap) };
        Caps::new(
            ops.has(Op::Suspend),
            ops.has(Op::Resume),
            ops.has(Op::GetVqDescGroup),
            &map,
            ops.get_backend_features().unwrap_or(0),
        )
    }

    /// Resets the device, with CLEAN_MAP unless IOTLB_PERSIST is acked
    /// (`flags_from_ack`; open passes false: no queue state exists yet).
    fn reset(&mut self, dev: &BusDevice, flags_from_ack: bool) -> Result {
        self.suspended = false;
        let flags = if flags_from_ack { features::reset_flags(self.backend) } else { 0 };
        self.vq_num_max = 0;
        dev.reset(flags)?;
        self.vq_num_max = dev.ops().get_vq_num_max();
        Ok(())
    }

    /// `open`: resets the device and starts from clean vhost state.
    pub(crate) fn open(&mut self, dev: &BusDevice) -> Result {
        let ops = dev.ops();
        // A parent that relies on the platform IOMMU needs an IOMMU
        // domain, which this module does not set up (see the docs).
        if !ops.has(Op::SetMap) && !ops.has(Op::DmaMap) {
            return Err(Error::from_errno(-524));
        }
        self.batch.clear();
        self.reset(dev, false)?;
        let n = dev.nvqs() as usize;
        let mut vqs = KVec::with_capacity(n, GFP_KERNEL)?;
        for _ in 0..n {
            vqs.push(VqFiles::default(), GFP_KERNEL)?;
        }
        self.spaces.open(dev)?;
        self.vqs = vqs;
        self.backend = 0;
        self.acked = 0;
        self.fork_owner = 1;
        self.range = match ops.get_iova_range() {
            Some(r) => IovaRange { first: r.first, last: r.last },
            None => IovaRange { first: 0, last: u64::MAX },
        };
        self.open = true;
        Ok(())
    }

    /// `release`, in upstream's order: reset (flags from the ack), stop
    /// the kicks, unbind the mm, drop the config eventfd, unmap and unpin
    /// every address space and `reset_map` it, then drop the eventfds and
    /// the owner.
    pub(crate) fn release(&mut self, dev: &BusDevice, config: Pin<&EventSlot>) {
        if !self.open {
            return;
        }
        self.batch.clear();
        self.unsetup_irqs();
        let _ = self.reset(dev, true);
        for vq in self.vqs.iter_mut() {
            vq.kick = None;
        }
        if self.bound {
            dev.ops().unbind_mm();
            self.bound = false;
        }
        if config.is_set() {
            // SAFETY: removes the slot's callback; the slot stays with the
            // node.
            unsafe { dev.ops().set_config_cb(None) };
            drop(config.replace(None));
        }
        let owner = self.owner.take();
        self.spaces.release(dev, owner.as_ref());
        // The reset dropped the parent's queue callbacks.
        self.vqs = KVec::new();
        drop(owner);
        self.backend = 0;
        self.open = false;
    }

    fn check_owner(&self) -> Result {
        match &self.owner {
            Some(o) if o.is_current() => Ok(()),
            _ => Err(EPERM),
        }
    }

    /// One `write()` of an IOTLB message; returns what write(2) returns.
    pub(crate) fn write_msg(&mut self, dev: &BusDevice, buf: &[u8]) -> Result<usize> {
        let msg = crate::logic::msg::parse(buf, features::acked_asid(self.backend)).map_err(errno)?;
        // Every failure of the handler is EFAULT to user space.
        self.handle_msg(dev, &msg).map_err(|_| EFAULT)?;
        Ok(crate::logic::msg::WRITE_RETURN)
    }

    fn handle_msg(&mut self, dev: &BusDevice, msg: &crate::logic::msg::Msg) -> Result {
        self.check_owner()?;
        let Self { spaces, batch, owner, range, .. } = self;
        spaces.handle(dev, owner.as_ref(), batch, *range, msg)
    }

    /// One ioctl.
    pub(crate) fn ioctl(&mut self, dev: &BusDevice, config: Pin<&EventSlot>, cmd: u32, arg: usize) -> Result<i64> {
        let ops = dev.ops();
        match cmd {
            VHOST_SET_BACKEND_FEATURES => {
                let v = args::decode_u64(&arg_in::<8>(arg)?).map_err(errno)?;
                self.backend = features::check_ack(v, &Self::caps(dev)).map_err(errno)?;
                Ok(0)
            }
            VHOST_GET_BACKEND_FEATURES => arg_out(arg, &features::offered(&Self::caps(dev)).to_le_bytes()),
            VHOST_VDPA_GET_DEVICE_ID => arg_out(arg, &ops.get_device_id().to_le_bytes()),
            VHOST_VDPA_GET_STATUS => arg_out(arg, &[ops.get_status()]),
            VHOST_VDPA_SET_STATUS => {
                let [s] = arg_in::<1>(arg)?;
                let old = ops.get_status();
                let action = set_status_action(old, s).map_err(errno)?;
                let (was_ok, is_ok) = (old & S_DRIVER_OK != 0, s & S_DRIVER_OK != 0);
                if was_ok && !is_ok {
                    self.unsetup_irqs();
                }
                match action {
                    Action::Reset { .. } => self.reset(dev, true)?,
                    Action::Forward { .. } => dev.set_status(s),
                }
                if is_ok && !was_ok {
                    for i in 0..self.vqs.len() {
                        self.setup_irq(dev, i);
                    }
                }
                Ok(0)
            }
            VHOST_VDPA_GET_CONFIG | VHOST_VDPA_SET_CONFIG => self.config(dev, cmd == VHOST_VDPA_SET_CONFIG, arg),
            VHOST_GET_FEATURES => arg_out(arg, &ops.get_device_features().to_le_bytes()),
            VHOST_SET_FEATURES => {
                let f = args::decode_u64(&arg_in::<8>(arg)?).map_err(errno)?;
                if ops.get_status() & S_FEATURES_OK != 0 {
                    return Err(EBUSY);
                }
                dev.set_features(f).map_err(|_| EINVAL)?;
                self.acked = ops.get_driver_features();
                Ok(0)
            }
            VHOST_VDPA_GET_VRING_NUM => arg_out(arg, &ops.get_vq_num_max().to_le_bytes()),
            VHOST_VDPA_GET_GROUP_NUM => arg_out(arg, &dev.ngroups().to_le_bytes()),
            VHOST_VDPA_GET_AS_NUM => arg_out(arg, &dev.nas().to_le_bytes()),
            VHOST_SET_LOG_BASE | VHOST_SET_LOG_FD => Err(enoioctlcmd()),
            VHOST_VDPA_SET_CONFIG_CALL => {
                let fd = args::decode_u32(&arg_in::<4>(arg)?).map_err(errno)? as i32;
                Self::set_config_call(dev, config, fd)?;
                Ok(0)
            }
            VHOST_VDPA_GET_IOVA_RANGE => arg_out(arg, &self.range.encode()),
            VHOST_VDPA_GET_CONFIG_SIZE => arg_out(arg, &(dev.ops().get_config_size() as u32).to_le_bytes()),
            VHOST_VDPA_GET_VQS_COUNT => arg_out(arg, &dev.nvqs().to_le_bytes()),
            VHOST_VDPA_SUSPEND | VHOST_VDPA_RESUME => {
                if ops.get_status() & S_DRIVER_OK == 0 {
                    return Ok(0);
                }
                let suspend = cmd == VHOST_VDPA_SUSPEND;
                let r = if suspend { ops.suspend() } else { ops.resume() };
                r.ok_or_else(eopnotsupp)??;
                self.suspended = suspend;
                Ok(0)
            }
            _ => self.dev_ioctl(dev, cmd, arg),
        }
    }

    fn config(&mut self, dev: &BusDevice, set: bool, arg: usize) -> Result<i64> {
        let hdr = ConfigHdr::decode(&arg_in::<{ ConfigHdr::SIZE }>(arg)?).map_err(errno)?;
        args::check_config(hdr.off, hdr.len, dev.ops().get_config_size()).map_err(|_| EINVAL)?;
        let len = hdr.len as usize;
        let mut buf = KVec::with_capacity(len, GFP_KERNEL)?;
        for _ in 0..len {
            buf.push(0u8, GFP_KERNEL)?;
        }
        let data = arg.checked_add(ConfigHdr::SIZE).ok_or(EFAULT)?;
        if set {
            UserSlice::new(data, len).reader().read_slice(&mut buf)?;
            dev.set_config(hdr.off, &buf);
            Ok(0)
        } else {
            dev.get_config(hdr.off, &mut buf);
            arg_out(data, &buf)
        }
    }

    /// The config eventfd lives in the node's slot, which the callback
    /// reads under its lock: a parent that runs the callback outside its
    /// own lock, while the eventfd is replaced, signals the new one and
    /// never a released one.
    fn set_config_call(dev: &BusDevice, config: Pin<&EventSlot>, fd: i32) -> Result {
        // Look the new eventfd up before anything changes: a bad one
        // leaves the old context installed.
        let ctx = if fd == VHOST_FILE_UNBIND { None } else { Some(EventCtx::from_fd(fd)?) };
        drop(config.replace(ctx));
        // SAFETY: the slot is pinned in the node, which outlives the
        // binding of the device to this driver.
        let cb = unsafe { config.callback() };
        // SAFETY: as above.
        unsafe { dev.ops().set_config_cb(Some(&cb)) };
        Ok(())
    }

    /// Offers ring `i`'s interrupt to irq bypass, as upstream does once
    /// DRIVER_OK is set: when the parent reports one and the ring has a
    /// call eventfd. A failure is logged and changes nothing else.
    fn setup_irq(&mut self, dev: &BusDevice, i: usize) {
        let Some(vq) = u16::try_from(i).ok().and_then(|i| dev.vq(i)) else { return };
        let Some(Ok(irq)) = dev.ops().get_vq_irq(vq) else { return };
        let f = &mut self.vqs[i];
        let Some(call) = f.call.as_ref() else { return };
        if f.producer.is_none() {
            match Producer::new() {
                Ok(p) => f.producer = Some(p),
                Err(e) => {
                    pr_info!("vq {}: no irq bypass producer: {:?}\n", i, e);
                    return;
                }
            }
        }
        let Some(p) = f.producer.as_mut() else { return };
        // SAFETY: `call` stays until `unsetup_irq` withdrew the producer:
        // SET_VRING_CALL and release withdraw it first, and `producer`
        // drops before `call`.
        if let Err(e) = unsafe { p.as_mut().register(call, irq) } {
            pr_info!("vq {}: irq bypass producer registration failed: {:?}\n", i, e);
        }
    }

    /// Withdraws ring `i`'s interrupt from irq bypass, if offered.
    fn unsetup_irq(&mut self, i: usize) {
        if let Some(p) = self.vqs.get_mut(i).and_then(|f| f.producer.as_mut()) {
            p.as_mut().unregister();
        }
    }

    fn unsetup_irqs(&mut self) {
        for i in 0..self.vqs.len() {
            self.unsetup_irq(i);
        }
    }

    /// The generic vhost ioctls: SET_OWNER, the fork-owner pair, then
    /// only for the owner SET_MEM_TABLE and the vring ioctls.
    fn dev_ioctl(&mut self, dev: &BusDevice, cmd: u32, arg: usize) -> Result<i64> {
        match cmd {
            VHOST_SET_OWNER => return self.set_owner(dev),
            VHOST_SET_FORK_FROM_OWNER => {
                if self.owner.is_some() {
                    return Err(EBUSY);
                }
                let [v] = arg_in::<1>(arg)?;
                if v > 1 {
                    return Err(EINVAL);
                }
                self.fork_owner = v;
                return Ok(0);
            }
            VHOST_GET_FORK_FROM_OWNER => return arg_out(arg, &[self.fork_owner]),
            _ => {}
        }
        self.check_owner()?;
        if cmd == VHOST_SET_MEM_TABLE {
            return self.set_mem_table(arg);
        }
        self.vring_ioctl(dev, cmd, arg)
    }

    fn set_owner(&mut self, dev: &BusDevice) -> Result<i64> {
        if self.owner.is_some() {
            return Err(EBUSY);
        }
        let owner = OwnerMm::current().ok_or(EINVAL)?;
        if dev.use_va() {
            if let Some(r) = dev.ops().bind_mm(owner.mm()) {
                // The owner is dropped again on failure.
                r?;
                self.bound = true;
            }
        }
        self.owner = Some(owner);
        Ok(0)
    }

    /// Accepted and checked as upstream does, with no effect on the
    /// device (vhost-vdpa translates through its IOTLB only).
    fn set_mem_table(&mut self, arg: usize) -> Result<i64> {
        let hdr = MemoryHdr::decode(&arg_in::<{ MemoryHdr::SIZE }>(arg)?).map_err(errno)?;
        args::check_mem_table_header(hdr.nregions, hdr.padding).map_err(errno)?;
        let mut at = arg.checked_add(MemoryHdr::SIZE).ok_or(EFAULT)?;
        for _ in 0..hdr.nregions {
            let r = MemoryRegion::decode(&arg_in::<{ MemoryRegion::SIZE }>(at)?).map_err(errno)?;
            args::check_mem_region(r.guest_phys_addr, r.memory_size).map_err(|_| EFAULT)?;
            at = at.checked_add(MemoryRegion::SIZE).ok_or(EFAULT)?;
        }
        Ok(0)
    }

    fn packed(&self) -> bool {
        self.acked & (1u64 << VIRTIO_F_RING_PACKED) != 0
    }

    fn vring_ioctl(&mut self, dev: &BusDevice, cmd: u32, arg: usize) -> Result<i64> {
        let ops = dev.ops();
        // The queue index is the first u32 of every vring argument. A
        // command that reads a whole argument copies it in once; upstream
        // reads the index alone first (but SET_VRING_NUM's whole argument
        // first), so when the whole does not copy, a bad index must still
        // be ENOBUFS rather than EFAULT.
        let mut buf = [0u8; VringAddr::SIZE];
        let len = vring_arg_len(cmd);
        if UserSlice::new(arg, len).reader().read_slice(&mut buf[..len]).is_err() {
            if cmd == VHOST_SET_VRING_NUM {
                return Err(EFAULT);
            }
            let idx = args::decode_u32(&arg_in::<4>(arg)?).map_err(errno)?;
            args::check_vring_index(idx, dev.nvqs()).map_err(errno)?;
            return Err(EFAULT);
        }
        let idx = args::decode_u32(&buf[..4]).map_err(errno)?;
        args::check_vring_index(idx, dev.nvqs()).map_err(errno)?;
        let vq = u16::try_from(idx).ok().and_then(|i| dev.vq(i)).ok_or_else(|| errno(Errno::ENOBUFS))?;
        let state = || VringState::decode(&buf[..VringState::SIZE]).map_err(errno);
        let file = || VringFile::decode(&buf[..VringFile::SIZE]).map_err(errno);
        match cmd {
            VHOST_SET_VRING_NUM => {
                let s = state()?;
                let num = args::check_vring_num(s.num, self.vq_num_max).map_err(errno)?;
                ops.set_vq_num(vq, u32::from(num));
                Ok(0)
            }
            VHOST_VDPA_SET_VRING_ENABLE => {
                let s = state()?;
                ops.set_vq_ready(vq, s.num != 0);
                Ok(0)
            }
            VHOST_VDPA_GET_VRING_GROUP | VHOST_VDPA_GET_VRING_DESC_GROUP => {
                let g = if cmd == VHOST_VDPA_GET_VRING_GROUP { ops.get_vq_group(vq) } else { ops.get_vq_desc_group(vq) };
                let g = g.ok_or_else(eopnotsupp)?;
                let g = args::check_group(g, dev.ngroups()).map_err(errno)?;
                arg_out(arg, &VringState { index: idx, num: g }.encode())
            }
            VHOST_VDPA_SET_GROUP_ASID => {
                let s = state()?;
                args::check_group_asid(idx, s.num, dev.ngroups(), dev.nas()).map_err(errno)?;
                let (Some(g), Some(a)) = (dev.group(idx), dev.asid(s.num)) else { return Err(EINVAL) };
                ops.set_group_asid(g, a).ok_or_else(eopnotsupp)??;
                Ok(0)
            }
            VHOST_VDPA_GET_VRING_SIZE => {
                let n = ops.get_vq_size(vq).ok_or_else(eopnotsupp)?;
                arg_out(arg, &VringState { index: idx, num: u32::from(n) }.encode())
            }
            VHOST_GET_VRING_BASE => {
                let packed = self.packed();
                let st = ops.get_vq_state(vq, packed)?;
                let f = &mut self.vqs[vq.as_usize()];
                match st {
                    VqState::Packed(PackedState { last_avail_counter, last_avail_idx, last_used_counter, last_used_idx }) => {
                        f.last_avail = (last_avail_idx & 0x7fff) | (u16::from(last_avail_counter) << 15);
                        f.last_used = (last_used_idx & 0x7fff) | (u16::from(last_used_counter) << 15);
                    }
                    VqState::Split { avail_index } => f.last_avail = avail_index,
                }
                let num = if packed { u32::from(f.last_avail) | (u32::from(f.last_used) << 16) } else { u32::from(f.last_avail) };
                arg_out(arg, &VringState { index: idx, num }.encode())
            }
            VHOST_SET_VRING_BASE => {
                let s = state()?;
                let packed = self.packed();
                let base = args::decode_vring_base(s.num, packed).map_err(errno)?;
                let f = &mut self.vqs[vq.as_usize()];
                match base {
                    VqBase::Split { avail_index } => f.last_avail = avail_index,
                    VqBase::Packed { .. } => {
                        f.last_avail = s.num as u16;
                        f.last_used = (s.num >> 16) as u16;
                    }
                }
                args::check_quiesced(ops.get_status(), self.suspended).map_err(errno)?;
                let st = match base {
                    VqBase::Split { avail_index } => VqState::Split { avail_index },
                    VqBase::Packed { last_avail_counter, last_avail_idx, last_used_counter, last_used_idx } => {
                        VqState::Packed(PackedState { last_avail_counter, last_avail_idx, last_used_counter, last_used_idx })
                    }
                };
                ops.set_vq_state(vq, st)?;
                Ok(0)
            }
            VHOST_SET_VRING_ADDR => {
                let a = VringAddr::decode(&buf).map_err(errno)?;
                args::check_vring_addr(&a).map_err(errno)?;
                args::check_quiesced(ops.get_status(), self.suspended).map_err(errno)?;
                ops.set_vq_address(vq, a.desc, a.avail, a.used).map_err(|_| EINVAL)?;
                Ok(0)
            }
            VHOST_SET_VRING_KICK => {
                let f = file()?;
                // The eventfd already watched: the watch stays, as upstream's
                // (a VMM sets it again after each reset).
                let same = match &self.vqs[vq.as_usize()].kick {
                    Some(k) if f.fd != VHOST_FILE_UNBIND => k.watches(f.fd)?,
                    _ => false,
                };
                if same {
                    return Ok(0);
                }
                let kick = if f.fd == VHOST_FILE_UNBIND { None } else { Some(Kick::new(f.fd, dev.into(), vq)?) };
                // The old kick stops before it is dropped.
                self.vqs[vq.as_usize()].kick = kick;
                Ok(0)
            }
            VHOST_SET_VRING_CALL => {
                let f = file()?;
                // The old eventfd's interrupt is withdrawn first, even
                // when the new descriptor turns out bad, as upstream does.
                self.unsetup_irq(vq.as_usize());
                let ctx = if f.fd == VHOST_FILE_UNBIND { None } else { Some(EventCtx::from_fd(f.fd)?) };
                let driver_ok = ops.get_status() & S_DRIVER_OK != 0;
                let cb = ctx.as_ref().map(EventCtx::callback);
                // SAFETY: the context stays in `self` until the parent got
                // another callback for this queue, or the device is reset.
                unsafe { ops.set_vq_cb(vq, cb.as_ref()) };
                self.vqs[vq.as_usize()].call = ctx;
                if driver_ok {
                    self.setup_irq(dev, vq.as_usize());
                }
                Ok(0)
            }
            VHOST_SET_VRING_ERR => {
                let f = file()?;
                let ctx = if f.fd == VHOST_FILE_UNBIND { None } else { Some(EventCtx::from_fd(f.fd)?) };
                self.vqs[vq.as_usize()].err = ctx;
                Ok(0)
            }
            VHOST_SET_VRING_BUSYLOOP_TIMEOUT => {
                let s = state()?;
                self.vqs[vq.as_usize()].busyloop_timeout = s.num;
                Ok(0)
            }
            VHOST_GET_VRING_BUSYLOOP_TIMEOUT => {
                let num = self.vqs[vq.as_usize()].busyloop_timeout;
                arg_out(arg, &VringState { index: idx, num }.encode())
            }
            _ => Err(enoioctlcmd()),
        }
    }
}
