// SPDX-License-Identifier: GPL-2.0

//! Config-space and statistics commands: DEV_CONFIG_GET and DEV_VSTATS_GET.

use kernel::ffi::{c_int, c_uint};
use kernel::prelude::*;

use super::config_fill::{self, BLK_CONFIG_LEN, NET_CONFIG_LEN};
use super::dev_cmds::{dump_devices, managed_device};
use super::msg::{Dest, Reply, Writer};
use super::uapi::virtio::{ID_BLOCK, ID_NET};
use super::uapi::virtio_net;
use super::uapi::{attr, cmd};
use crate::errno::{emsgsize, eopnotsupp};
use super::{doit, Request};
use crate::abi::bindings;
use crate::abi::bus::BusDevice;
use crate::abi::ops_table::Op;
use crate::abi::rwsem::CfGuard;
use crate::config;
use crate::state::{self, DevList};

/// The highest queue index DEV_VSTATS_GET accepts (upstream compares with
/// `VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX`).
const QUEUE_INDEX_MAX: u32 = virtio_net::CTRL_MQ_VQ_PAIRS_MAX;

/// Reads `N` bytes of config space with the parent's op directly.
fn read_config<const N: usize>(dev: &BusDevice, held: &CfGuard<'_>) -> [u8; N] {
    let mut buf = [0u8; N];
    // SAFETY: `buf` is a local of `N` bytes, and `N` is a config-struct
    // size (`NET_CONFIG_LEN`, `BLK_CONFIG_LEN`), which fits a u32.
    unsafe { dev.ops().get_config_raw(held, 0, buf.as_mut_ptr(), N as u32) };
    buf
}

/// Writes one DEV_CONFIG_GET message for a managed device.
///
/// # Safety
///
/// `skb` must be a valid buffer.
unsafe fn fill(_list: &DevList, dev: &BusDevice, skb: *mut bindings::sk_buff, dest: Dest) -> Result {
    let held = dev.cf_read();
    // SAFETY: `skb` is valid (caller).
    let mut w = unsafe { Writer::begin(skb, dest, cmd::DEV_CONFIG_GET) }?;
    let ops = dev.ops();
    let r = (|| {
        w.string(attr::DEV_NAME, dev.name())?;
        let device_id = ops.get_device_id();
        w.u32(attr::DEV_ID, device_id)?;
        if config_fill::reports_negotiated(ops.get_status()) {
            w.u64(attr::DEV_NEGOTIATED_FEATURES, ops.get_driver_features())?;
        }
        let features = ops.get_device_features();
        let r = match device_id {
            ID_NET => config_fill::net(features, &read_config::<NET_CONFIG_LEN>(dev, &held), &mut w),
            ID_BLOCK => config_fill::blk(features, &read_config::<BLK_CONFIG_LEN>(dev, &held), &mut w),
            _ => return Err(eopnotsupp()),
        };
        r.map_err(|e| Error::from_errno(-e))
    })();
    w.commit(r)
}

fn get(req: &Request<'_>) -> Result {
    req.attrs.string(attr::DEV_NAME).ok_or(EINVAL)?;
    let reply = Reply::new()?;
    let list = state::read();
    let dev = managed_device(req)?;
    // SAFETY: `reply` is a valid buffer.
    unsafe { fill(&list, &dev, reply.skb(), req.reply_dest()) }?;
    // SAFETY: `info` is the request's. Unlike upstream, a failed send does
    // not free the (already consumed) buffer a second time.
    unsafe { reply.send(req.info) }
}

/// Appends the parent's statistics of queue `index`.
fn vendor_stats(req: &Request<'_>, dev: &BusDevice, w: &mut Writer, index: u16) -> Result {
    let held = dev.cf_read();
    let ops = dev.ops();
    if !ops.has(Op::GetVendorVqStats) {
        return Err(eopnotsupp());
    }
    if !config_fill::reports_negotiated(ops.get_status()) {
        req.extack.msg(c"vdpa: feature negotiation not complete");
        return Err(EAGAIN);
    }
    let mut cfg = [0u8; NET_CONFIG_LEN];
    // SAFETY: `cfg` is writable for its length; the lock is `dev`'s.
    unsafe { config::get_config_locked(dev, &held, 0, cfg.as_mut_ptr().cast(), NET_CONFIG_LEN as c_uint) };
    let features = ops.get_driver_features();
    w.u64(attr::DEV_NEGOTIATED_FEATURES, features)?;
    config_fill::net_mq(features, &cfg, w).map_err(|e| Error::from_errno(-e))?;
    w.u32(attr::DEV_QUEUE_INDEX, u32::from(index))?;
    // SAFETY: `w`'s buffer is the reply; the extack is the request's.
    unsafe { ops.get_vendor_vq_stats(index, w.skb(), (*req.info).extack) }.unwrap_or_else(|| Err(eopnotsupp()))
}

fn vstats(req: &Request<'_>) -> Result {
    req.attrs.string(attr::DEV_NAME).ok_or(EINVAL)?;
    let index = req.attrs.u32(attr::DEV_QUEUE_INDEX).ok_or(EINVAL)?;
    let reply = Reply::new()?;
    let _list = state::read();
    let dev = managed_device(req)?;
    // SAFETY: `reply` is a valid buffer.
    let mut w = unsafe { Writer::begin(reply.skb(), req.reply_dest(), cmd::DEV_VSTATS_GET) }?;
    let r = (|| {
        let device_id = dev.ops().get_device_id();
        if w.string(attr::DEV_NAME, dev.name()).is_err() || w.u32(attr::DEV_ID, device_id).is_err() {
            return Err(emsgsize());
        }
        if device_id != ID_NET {
            return Err(eopnotsupp());
        }
        // The bound is upstream's; the parent checks the index against
        // its queues (a Rust parent's trampoline does, see abi/ops_table.rs).
        let index = match u16::try_from(index) {
            Ok(i) if index <= QUEUE_INDEX_MAX => i,
            _ => {
                req.extack.msg(c"vdpa: queue index exceeds max value");
                return Err(ERANGE);
            }
        };
        vendor_stats(req, &dev, &mut w, index)
    })();
    // On failure the buffer is dropped unsent, so ending it is harmless;
    // upstream ends it either way.
    w.end();
    r?;
    // SAFETY: `info` is the request's.
    unsafe { reply.send(req.info) }
}

/// DEV_CONFIG_GET for one managed device.
pub(crate) unsafe extern "C" fn get_doit(skb: *mut bindings::sk_buff, info: *mut bindings::genl_info) -> c_int {
    // SAFETY: called by the genetlink core with a valid request.
    unsafe { doit(skb, info, get) }
}

/// DEV_CONFIG_GET dump: every managed device (upstream stops at the first
/// one of a class it cannot describe; so does this).
pub(crate) unsafe extern "C" fn get_dumpit(skb: *mut bindings::sk_buff, cb: *mut bindings::netlink_callback) -> c_int {
    dump_devices(skb, cb, fill)
}

/// DEV_VSTATS_GET: the parent's statistics of one queue of a net device.
pub(crate) unsafe extern "C" fn vstats_doit(skb: *mut bindings::sk_buff, info: *mut bindings::genl_info) -> c_int {
    // SAFETY: called by the genetlink core with a valid request.
    unsafe { doit(skb, info, vstats) }
}
