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
use crate::abi::bindings;
use crate::abi::device::vdpa_name;
use crate::bus::{self, DeviceRef};
use crate::config::CfWrite;
use crate::{mgmt, state};

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
fn named_device(req: &Request<'_>) -> Result<DeviceRef> {
    let name = req.attrs.string(attr::DEV_NAME).ok_or(EINVAL)?;
    bus::find_by_name(name).ok_or_else(|| {
        req.extack.msg(c"vdpa: device not found");
        ENODEV
    })
}

/// The device a request names, which a management device must have
/// created: as [`named_device`], and `-EINVAL` ("unmanaged vdpa device")
/// for a device without one.
pub(crate) fn managed_device(req: &Request<'_>) -> Result<DeviceRef> {
    let dev = named_device(req)?;
    // SAFETY: `dev` holds a reference to the device.
    if unsafe { (*dev.as_ptr()).mdev }.is_null() {
        req.extack.msg(c"vdpa: unmanaged vdpa device");
        return Err(EINVAL);
    }
    Ok(dev)
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

    let _guard = state::write();
    let mdev = mgmtdev_cmds::from_attrs(&req.attrs).inspect_err(|_| {
        req.extack.msg(dev_new::msg::MGMTDEV_NOT_FOUND);
    })?;
    // SAFETY: `mdev` is registered and the lock is held.
    let (classes, nclasses) = dev_new::classes(unsafe { mgmt::id_table(mdev) });
    // SAFETY: as above.
    let attr_mask = unsafe { (*mdev).config_attr_mask };
    dev_new::check_against_mgmtdev(&cfg, attr_mask, classes, nclasses).map_err(|r| reject(&req.extack, r))?;
    let c = to_c(&cfg);
    // SAFETY: `dev_add` is mandatory for a registered management device;
    // it runs with the lock held, as it expects; `cname` and `c` outlive it.
    let ret = unsafe {
        match (*(*mdev).ops).dev_add {
            Some(dev_add) => dev_add(mdev, cname, &c),
            None => EINVAL.to_errno(),
        }
    };
    kernel::error::to_result(ret)
}

fn del(req: &Request<'_>) -> Result {
    req.attrs.string(attr::DEV_NAME).ok_or(EINVAL)?;
    let _guard = state::write();
    let dev = named_device(req)?;
    let vdev = dev.as_ptr();
    // SAFETY: `dev` holds a reference to the device; the lock is held, as
    // `dev_del` expects.
    unsafe {
        let mdev = (*vdev).mdev;
        if mdev.is_null() {
            req.extack.msg(c"vdpa: Only user created device can be deleted by user");
            return Err(EINVAL);
        }
        if let Some(dev_del) = (*(*mdev).ops).dev_del {
            dev_del(mdev, vdev);
        }
    }
    // The reference is dropped (maybe the last one) before the lock.
    drop(dev);
    Ok(())
}

/// Writes one DEV_NEW message describing a managed device.
///
/// # Safety
///
/// `vdev` managed and alive (lock held), `skb` a valid buffer.
unsafe fn fill(vdev: *mut bindings::vdpa_device, skb: *mut bindings::sk_buff, dest: Dest) -> Result {
    // SAFETY: `skb` is valid (caller).
    let mut w = unsafe { Writer::begin(skb, dest, cmd::DEV_NEW) }?;
    // SAFETY: `vdev` is alive and managed (caller); the getters are
    // mandatory ops, 0 if a parent lacks one.
    let r = (|| unsafe {
        mgmtdev_cmds::put_handle(&mut w, (*vdev).mdev)?;
        let ops = &*(*vdev).config;
        let device_id = ops.get_device_id.map_or(0, |f| f(vdev));
        let vendor_id = ops.get_vendor_id.map_or(0, |f| f(vdev));
        let max_vq_size = ops.get_vq_num_max.map_or(0, |f| f(vdev));
        let min_vq_size = ops.get_vq_num_min.map_or(1, |f| f(vdev));
        let name = vdpa_name(vdev);
        w.string(attr::DEV_NAME, name)?;
        w.u32(attr::DEV_ID, device_id)?;
        w.u32(attr::DEV_VENDOR_ID, vendor_id)?;
        w.u32(attr::DEV_MAX_VQS, (*vdev).nvqs)?;
        w.u16(attr::DEV_MAX_VQ_SIZE, max_vq_size)?;
        w.u16(attr::DEV_MIN_VQ_SIZE, min_vq_size)
    })();
    w.commit(r.map_err(|_| emsgsize()))
}

fn get(req: &Request<'_>) -> Result {
    req.attrs.string(attr::DEV_NAME).ok_or(EINVAL)?;
    let reply = Reply::new()?;
    let _guard = state::read();
    let dev = named_device(req)?;
    // SAFETY: `dev` holds a reference to the device.
    if unsafe { (*dev.as_ptr()).mdev }.is_null() {
        return Err(EINVAL);
    }
    // SAFETY: the device is alive and managed; the lock is held.
    unsafe { fill(dev.as_ptr(), reply.skb(), req.reply_dest()) }?;
    // SAFETY: `info` is the request's.
    unsafe { reply.send(req.info) }
}

/// Runs `fill` for every managed device from where the previous call of
/// the dump stopped; unmanaged devices are skipped and not counted.
pub(crate) fn dump_devices(
    skb: *mut bindings::sk_buff,
    cb: *mut bindings::netlink_callback,
    fill: unsafe fn(*mut bindings::vdpa_device, *mut bindings::sk_buff, Dest) -> Result,
) -> c_int {
    let dump = Dump::new(cb);
    let start = dump.start();
    let mut idx = 0usize;
    {
        let _guard = state::read();
        let _ = bus::for_each_dev(|vdev| {
            // SAFETY: `vdev` is on the bus and the lock is held.
            unsafe {
                if (*vdev).mdev.is_null() {
                    return Ok(());
                }
                if idx < start {
                    idx += 1;
                    return Ok(());
                }
                fill(vdev, skb, dump.dest()).map_err(|e| e.to_errno())?;
            }
            idx += 1;
            Ok(())
        });
    }
    dump.set_start(idx);
    skb_len(skb)
}

/// Sets the MAC of a net device through its parent's `dev_set_attr`.
///
/// # Safety
///
/// `vdev` managed and alive; the device-list lock held for writing.
unsafe fn net_attr_set(req: &Request<'_>, vdev: *mut bindings::vdpa_device) -> Result {
    // SAFETY: guaranteed by the caller.
    let _cf = unsafe { CfWrite::new(vdev) };
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
    // SAFETY: the device is managed, so `mdev` is registered.
    unsafe {
        let mdev = (*vdev).mdev;
        match (*(*mdev).ops).dev_set_attr {
            Some(set_attr) => kernel::error::to_result(set_attr(mdev, vdev, &c)),
            None => {
                req.extack.fmt(format_args!("vdpa: Operation not supported by the device."));
                Err(eopnotsupp())
            }
        }
    }
}

fn attr_set(req: &Request<'_>) -> Result {
    req.attrs.string(attr::DEV_NAME).ok_or(EINVAL)?;
    let _guard = state::write();
    let dev = managed_device(req)?;
    let vdev = dev.as_ptr();
    // SAFETY: `dev` holds a reference to a managed device.
    let mdev = unsafe { (*vdev).mdev };
    // SAFETY: `mdev` is registered and the lock is held.
    let (classes, _) = dev_new::classes(unsafe { mgmt::id_table(mdev) });
    if classes & (1u64 << ID_NET) != 0 {
        // SAFETY: managed, alive, lock held.
        unsafe { net_attr_set(req, vdev) }
    } else {
        // Upstream reports this but lets the request succeed.
        // SAFETY: the device is alive.
        let name = unsafe { vdpa_name(vdev) };
        req.extack.fmt(format_args!("vdpa: {} device not supported", name));
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
