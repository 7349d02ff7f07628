// SPDX-License-Identifier: GPL-2.0

//! Config-space and statistics commands: DEV_CONFIG_GET and DEV_VSTATS_GET.

use kernel::ffi::{c_int, c_uint};
use kernel::prelude::*;

use super::config_fill::{self, BLK_CONFIG_LEN, NET_CONFIG_LEN};
use super::dev_cmds::{dump_devices, managed_device};
use super::msg::{Dest, Reply, Writer};
use super::uapi::virtio::{ID_BLOCK, ID_NET};
use super::uapi::{attr, cmd};
use crate::errno::{emsgsize, eopnotsupp};
use super::{doit, Request};
use crate::abi::bindings;
use crate::abi::device::vdpa_name;
use crate::config::{self, CfRead};
use crate::state;

const QUEUE_INDEX_MAX: u32 = 0x8000;

/// Reads `N` bytes of config space with the parent's op directly.
///
/// # Safety
///
/// `vdev` alive, `cf_lock` held.
unsafe fn read_config<const N: usize>(vdev: *mut bindings::vdpa_device) -> [u8; N] {
    let mut buf = [0u8; N];
    // SAFETY: `buf` is writable for N bytes; `get_config` is mandatory.
    unsafe {
        if let Some(get_config) = (*(*vdev).config).get_config {
            get_config(vdev, 0, buf.as_mut_ptr().cast(), N as c_uint);
        }
    }
    buf
}

/// Writes one DEV_CONFIG_GET message for a managed device.
///
/// # Safety
///
/// `vdev` managed and alive (lock held), `skb` a valid buffer.
unsafe fn fill(vdev: *mut bindings::vdpa_device, skb: *mut bindings::sk_buff, dest: Dest) -> Result {
    // SAFETY: `vdev` is alive (caller).
    let _cf = unsafe { CfRead::new(vdev) };
    // SAFETY: `skb` is valid (caller).
    let mut w = unsafe { Writer::begin(skb, dest, cmd::DEV_CONFIG_GET) }?;
    // SAFETY: `vdev` is alive with `cf_lock` held; getters are mandatory
    // ops, 0 if a parent lacks one.
    let r = (|| unsafe {
        let ops = &*(*vdev).config;
        let name = vdpa_name(vdev);
        w.string(attr::DEV_NAME, name)?;
        let device_id = ops.get_device_id.map_or(0, |f| f(vdev));
        w.u32(attr::DEV_ID, device_id)?;
        let status = ops.get_status.map_or(0, |f| f(vdev));
        if config_fill::reports_negotiated(status) {
            w.u64(attr::DEV_NEGOTIATED_FEATURES, ops.get_driver_features.map_or(0, |f| f(vdev)))?;
        }
        let features = ops.get_device_features.map_or(0, |f| f(vdev));
        let r = match device_id {
            ID_NET => config_fill::net(features, &read_config::<NET_CONFIG_LEN>(vdev), &mut w),
            ID_BLOCK => config_fill::blk(features, &read_config::<BLK_CONFIG_LEN>(vdev), &mut w),
            _ => return Err(eopnotsupp()),
        };
        r.map_err(|e| Error::from_errno(-e))
    })();
    w.commit(r)
}

fn get(req: &Request<'_>) -> Result {
    req.attrs.string(attr::DEV_NAME).ok_or(EINVAL)?;
    let reply = Reply::new()?;
    let _guard = state::read();
    let dev = managed_device(req)?;
    // SAFETY: the device is alive and managed; the lock is held.
    unsafe { fill(dev.as_ptr(), reply.skb(), req.reply_dest()) }?;
    // SAFETY: `info` is the request's. Unlike upstream, a failed send does
    // not free the (already consumed) buffer a second time.
    unsafe { reply.send(req.info) }
}

/// Appends the parent's statistics of queue `index`.
///
/// # Safety
///
/// `vdev` managed and alive (lock held).
unsafe fn vendor_stats(req: &Request<'_>, vdev: *mut bindings::vdpa_device, w: &mut Writer, index: u32) -> Result {
    // SAFETY: `vdev` is alive (caller).
    let _cf = unsafe { CfRead::new(vdev) };
    // SAFETY: as above, with `cf_lock` held.
    unsafe {
        let ops = &*(*vdev).config;
        let Some(stats) = ops.get_vendor_vq_stats else {
            return Err(eopnotsupp());
        };
        let status = ops.get_status.map_or(0, |f| f(vdev));
        if !config_fill::reports_negotiated(status) {
            req.extack.msg(c"vdpa: feature negotiation not complete");
            return Err(EAGAIN);
        }
        let mut cfg = [0u8; NET_CONFIG_LEN];
        config::get_config_locked(vdev, 0, cfg.as_mut_ptr().cast(), NET_CONFIG_LEN as c_uint);
        let features = ops.get_driver_features.map_or(0, |f| f(vdev));
        w.u64(attr::DEV_NEGOTIATED_FEATURES, features)?;
        config_fill::net_mq(features, &cfg, w).map_err(|e| Error::from_errno(-e))?;
        w.u32(attr::DEV_QUEUE_INDEX, index)?;
        // The index is at most 0x8000 here, so it fits the op's u16.
        kernel::error::to_result(stats(vdev, index as u16, w.skb(), (*req.info).extack))
    }
}

fn vstats(req: &Request<'_>) -> Result {
    req.attrs.string(attr::DEV_NAME).ok_or(EINVAL)?;
    let index = req.attrs.u32(attr::DEV_QUEUE_INDEX).ok_or(EINVAL)?;
    let reply = Reply::new()?;
    let _guard = state::read();
    let dev = managed_device(req)?;
    let vdev = dev.as_ptr();
    // SAFETY: `reply` is a valid buffer.
    let mut w = unsafe { Writer::begin(reply.skb(), req.reply_dest(), cmd::DEV_VSTATS_GET) }?;
    // SAFETY: the device is alive and managed; the lock is held.
    let r = (|| unsafe {
        let ops = &*(*vdev).config;
        let name = vdpa_name(vdev);
        let device_id = ops.get_device_id.map_or(0, |f| f(vdev));
        if w.string(attr::DEV_NAME, name).is_err() || w.u32(attr::DEV_ID, device_id).is_err() {
            return Err(emsgsize());
        }
        if device_id != ID_NET {
            return Err(eopnotsupp());
        }
        if index > QUEUE_INDEX_MAX {
            req.extack.msg(c"vdpa: queue index exceeds max value");
            return Err(ERANGE);
        }
        vendor_stats(req, vdev, &mut w, index)
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
