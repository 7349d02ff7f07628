// SPDX-License-Identifier: GPL-2.0

//! Device commands: DEV_NEW, DEV_DEL, DEV_GET and DEV_ATTR_SET.

use kernel::alloc::flags::GFP_KERNEL;
use kernel::ffi::{c_char, c_int};
use kernel::prelude::*;

use super::dev_new::{self, Reject, SetConfig};
use super::msg::{Dest, Extack, Reply, Writer};
use super::uapi::virtio::ID_NET;
use super::uapi::{attr, cmd};
use crate::errno::{emsgsize, eopnotsupp};
use super::{doit, mgmtdev_cmds, skb_len, Dump, Request};
use kernel::types::ARef;

use crate::abi::bindings;
use crate::abi::bus::BusDevice;
use crate::bus;
use crate::mgmt::Mgmt;
use crate::state::{self, DevList};

/// Turns a rejected request into its errno, with the extack message.
pub(crate) fn reject(extack: &Extack, r: Reject) -> Error {
    if let Some(msg) = r.msg {
        match msg.static_text() {
            Some(text) => extack.msg(text),
            None => extack.with_buf(|buf| msg.write(buf)),
        }
    }
    Error::from_errno(-r.errno)
}

fn to_c(cfg: &SetConfig) -> bindings::vdpa_dev_set_config {
    let mut c = bindings::vdpa_dev_set_config::default();
    c.device_features = cfg.device_features;
    c.net.mac = cfg.mac;
    c.net.mtu = cfg.mtu;
    c.net.max_vq_pairs = cfg.max_vq_pairs;
    c.mask = cfg.mask;
    c
}

/// The device a request names, with a reference. `-EINVAL` without a name;
/// `-ENODEV` ("device not found") when no device has it.
fn named_device(req: &Request<'_>) -> Result<ARef<BusDevice>> {
    let name = req.attrs.string(attr::DEV_NAME).ok_or(EINVAL)?;
    bus::find_by_name(name).ok_or_else(|| {
        req.extack.msg(c"vdpa: device not found");
        ENODEV
    })
}

/// The device a request names, which a management device must have
/// created: as [`named_device`], and `-EINVAL` ("unmanaged vdpa device")
/// for a device without one.
pub(crate) fn managed_device(req: &Request<'_>) -> Result<ARef<BusDevice>> {
    let dev = named_device(req)?;
    if !dev.is_managed() {
        req.extack.msg(c"vdpa: unmanaged vdpa device");
        return Err(EINVAL);
    }
    Ok(dev)
}

/// The management device that created `dev`, which must be registered
/// while `list`'s lock is held.
fn mgmt_of<'a>(list: &'a DevList, dev: &BusDevice) -> Result<Mgmt<'a>> {
    // A managed device on the bus always has its management device
    // registered: unregistering one deletes its devices under the lock.
    list.mgmt.get(dev.mgmt_raw()).ok_or(ENODEV)
}

fn new(req: &Request<'_>) -> Result {
    let (name, cfg) = dev_new::precheck(&req.attrs).map_err(|r| reject(&req.extack, r))?;
    // SAFETY: `skb` is the request.
    if dev_new::needs_net_admin(&cfg) && !unsafe { bindings::vdpa_rs_netlink_net_admin(req.skb) } {
        return Err(EPERM);
    }
    // The parent gets a C string; the attribute may lack its NUL.
    let mut owned = KVec::new();
    let payload = req.attrs.payload(attr::DEV_NAME).unwrap_or(&[]);
    let cname: *const c_char = if name.len() < payload.len() {
        payload.as_ptr().cast()
    } else {
        owned.extend_from_slice(name, GFP_KERNEL)?;
        owned.push(0u8, GFP_KERNEL)?;
        owned.as_ptr().cast()
    };

    let list = state::write();
    let m = mgmtdev_cmds::from_attrs(&list.mgmt, &req.attrs).inspect_err(|_| {
        req.extack.msg(dev_new::msg::MGMTDEV_NOT_FOUND);
    })?;
    let (classes, nclasses) = dev_new::classes(m.id_table());
    dev_new::check_against_mgmtdev(&cfg, m.config_attr_mask(), classes, nclasses)
        .map_err(|r| reject(&req.extack, r))?;
    let c = to_c(&cfg);
    let Some(dev_add) = m.ops().dev_add else {
        return Err(EINVAL);
    };
    // SAFETY: `dev_add` of a registered management device runs with the
    // lock held for writing, as it expects; `cname` and `c` outlive it.
    kernel::error::to_result(unsafe { dev_add(m.as_ptr(), cname, &c) })
}

fn del(req: &Request<'_>) -> Result {
    req.attrs.string(attr::DEV_NAME).ok_or(EINVAL)?;
    let list = state::write();
    let dev = named_device(req)?;
    if !dev.is_managed() {
        req.extack.msg(c"vdpa: Only user created device can be deleted by user");
        return Err(EINVAL);
    }
    let m = mgmt_of(&list, &dev)?;
    if let Some(dev_del) = m.ops().dev_del {
        // SAFETY: `dev` is a device `m` created, referenced; the lock is
        // held for writing, as `dev_del` expects.
        unsafe { dev_del(m.as_ptr(), dev.as_raw()) };
    }
    // The reference is dropped (maybe the last one) before the lock.
    drop(dev);
    drop(list);
    Ok(())
}

/// Writes one DEV_NEW message describing a managed device.
///
/// # Safety
///
/// `skb` must be a valid buffer.
unsafe fn fill(list: &DevList, dev: &BusDevice, skb: *mut bindings::sk_buff, dest: Dest) -> Result {
    let m = mgmt_of(list, dev)?;
    // SAFETY: `skb` is valid (caller).
    let mut w = unsafe { Writer::begin(skb, dest, cmd::DEV_NEW) }?;
    let ops = dev.ops();
    let r = (|| {
        mgmtdev_cmds::put_handle(&mut w, m)?;
        w.string(attr::DEV_NAME, dev.name())?;
        w.u32(attr::DEV_ID, ops.get_device_id())?;
        w.u32(attr::DEV_VENDOR_ID, ops.get_vendor_id())?;
        w.u32(attr::DEV_MAX_VQS, dev.nvqs())?;
        w.u16(attr::DEV_MAX_VQ_SIZE, ops.get_vq_num_max())?;
        w.u16(attr::DEV_MIN_VQ_SIZE, ops.get_vq_num_min().unwrap_or(1))
    })();
    w.commit(r.map_err(|_| emsgsize()))
}

fn get(req: &Request<'_>) -> Result {
    req.attrs.string(attr::DEV_NAME).ok_or(EINVAL)?;
    let reply = Reply::new()?;
    let list = state::read();
    let dev = named_device(req)?;
    if !dev.is_managed() {
        return Err(EINVAL);
    }
    // SAFETY: `reply` is a valid buffer.
    unsafe { fill(&list, &dev, reply.skb(), req.reply_dest()) }?;
    // SAFETY: `info` is the request's.
    unsafe { reply.send(req.info) }
}

/// How a dump writes one device.
pub(crate) type FillFn = unsafe fn(&DevList, &BusDevice, *mut bindings::sk_buff, Dest) -> Result;

/// Runs `fill` for every managed device from where the previous call of
/// the dump stopped; unmanaged devices are skipped and not counted.
pub(crate) fn dump_devices(skb: *mut bindings::sk_buff, cb: *mut bindings::netlink_callback, fill: FillFn) -> c_int {
    let dump = Dump::new(cb);
    let start = dump.start();
    let mut idx = 0usize;
    {
        let list = state::read();
        let _ = bus::for_each_dev(|dev| {
            if !dev.is_managed() {
                return Ok(());
            }
            if idx < start {
                idx += 1;
                return Ok(());
            }
            // SAFETY: the netlink core passes a valid dump buffer.
            unsafe { fill(&list, dev, skb, dump.dest()) }.map_err(|e| e.to_errno())?;
            idx += 1;
            Ok(())
        });
    }
    dump.set_start(idx);
    skb_len(skb)
}

/// Sets the MAC of a net device through its parent's `dev_set_attr`.
fn net_attr_set(req: &Request<'_>, m: Mgmt<'_>, dev: &BusDevice) -> Result {
    let _cf = dev.cf_write();
    let Some(mac) = req.attrs.mac() else {
        return Err(eopnotsupp());
    };
    let mut c = bindings::vdpa_dev_set_config::default();
    c.mask |= 1u64 << attr::DEV_NET_CFG_MACADDR;
    let unicast = mac[0] & 1 == 0 && mac != [0u8; 6];
    if !unicast {
        req.extack.fmt(format_args!("vdpa: Invalid MAC address"));
        return Err(eopnotsupp());
    }
    c.net.mac = mac;
    match m.ops().dev_set_attr {
        // SAFETY: `dev` is a device `m` created, referenced; the device-list
        // lock (caller) and `cf_lock` are held, as the op expects.
        Some(set_attr) => kernel::error::to_result(unsafe { set_attr(m.as_ptr(), dev.as_raw(), &c) }),
        None => {
            req.extack.fmt(format_args!("vdpa: Operation not supported by the device."));
            Err(eopnotsupp())
        }
    }
}

fn attr_set(req: &Request<'_>) -> Result {
    req.attrs.string(attr::DEV_NAME).ok_or(EINVAL)?;
    let list = state::write();
    let dev = managed_device(req)?;
    let m = mgmt_of(&list, &dev)?;
    let (classes, _) = dev_new::classes(m.id_table());
    if classes & (1u64 << ID_NET) != 0 {
        net_attr_set(req, m, &dev)
    } else {
        // Upstream reports this but lets the request succeed.
        req.extack.fmt(format_args!("vdpa: {} device not supported", dev.name()));
        Ok(())
    }
}

/// DEV_NEW: a management device creates a device.
pub(crate) unsafe extern "C" fn new_doit(skb: *mut bindings::sk_buff, info: *mut bindings::genl_info) -> c_int {
    // SAFETY: called by the genetlink core with a valid request.
    unsafe { doit(skb, info, new) }
}

/// DEV_DEL: a management device deletes a device it created.
pub(crate) unsafe extern "C" fn del_doit(skb: *mut bindings::sk_buff, info: *mut bindings::genl_info) -> c_int {
    // SAFETY: called by the genetlink core with a valid request.
    unsafe { doit(skb, info, del) }
}

/// DEV_GET for one managed device.
pub(crate) unsafe extern "C" fn get_doit(skb: *mut bindings::sk_buff, info: *mut bindings::genl_info) -> c_int {
    // SAFETY: called by the genetlink core with a valid request.
    unsafe { doit(skb, info, get) }
}

/// DEV_GET dump: every managed device.
pub(crate) unsafe extern "C" fn get_dumpit(skb: *mut bindings::sk_buff, cb: *mut bindings::netlink_callback) -> c_int {
    dump_devices(skb, cb, fill)
}

/// DEV_ATTR_SET: change a device attribute (the MAC of a net device).
pub(crate) unsafe extern "C" fn attr_set_doit(skb: *mut bindings::sk_buff, info: *mut bindings::genl_info) -> c_int {
    // SAFETY: called by the genetlink core with a valid request.
    unsafe { doit(skb, info, attr_set) }
}
