// SPDX-License-Identifier: GPL-2.0

//! VDPA_CMD_MGMTDEV_GET: describe one management device, or all of them.

use kernel::ffi::c_int;
use kernel::prelude::*;

use super::msg::{Dest, Reply, Writer};
use super::policy::Attrs;
use super::uapi::{attr, cmd};
use super::{doit, skb_len, Dump, Request};
use crate::abi::bindings;
use crate::errno::emsgsize;
use crate::{mgmt, state};

/// The management device a request's handle names. `-EINVAL` without a
/// device name, `-ENODEV` when none matches. The device-list lock is held.
pub(crate) fn from_attrs(attrs: &Attrs<'_>) -> Result<*mut bindings::vdpa_mgmt_dev> {
    let dev = attrs.string(attr::MGMTDEV_DEV_NAME).ok_or(EINVAL)?;
    let bus = attrs.string(attr::MGMTDEV_BUS_NAME);
    mgmt::lookup(bus, dev).ok_or(ENODEV)
}

/// Puts the management device's handle: its bus name, if it is on a bus,
/// and its device name.
///
/// # Safety
///
/// `mdev` must be registered (device-list lock held).
pub(crate) unsafe fn put_handle(w: &mut Writer, mdev: *const bindings::vdpa_mgmt_dev) -> Result {
    // SAFETY: `mdev` is registered (caller).
    unsafe {
        if let Some(bus) = mgmt::bus_name(mdev) {
            w.string(attr::MGMTDEV_BUS_NAME, bus)?;
        }
        w.string(attr::MGMTDEV_DEV_NAME, mgmt::dev_name(mdev))
    }
}

/// Writes one MGMTDEV_NEW message describing `mdev`.
///
/// # Safety
///
/// `mdev` registered (lock held), `skb` a valid buffer.
unsafe fn fill(mdev: *mut bindings::vdpa_mgmt_dev, skb: *mut bindings::sk_buff, dest: Dest) -> Result {
    // SAFETY: `skb` is valid (caller).
    let mut w = unsafe { Writer::begin(skb, dest, cmd::MGMTDEV_NEW) }?;
    // SAFETY: `mdev` is registered (caller).
    let r = (|| unsafe {
        put_handle(&mut w, mdev)?;
        let (classes, _) = super::dev_new::classes(mgmt::id_table(mdev));
        w.u64(attr::MGMTDEV_SUPPORTED_CLASSES, classes)?;
        w.u32(attr::DEV_MGMTDEV_MAX_VQS, (*mdev).max_supported_vqs)?;
        w.u64(attr::DEV_SUPPORTED_FEATURES, (*mdev).supported_features)
    })();
    w.commit(r.map_err(|_| emsgsize()))
}

fn get(req: &Request<'_>) -> Result {
    let reply = Reply::new()?;
    {
        let _guard = state::read();
        let mdev = from_attrs(&req.attrs).inspect_err(|_| {
            req.extack.msg(c"vdpa: Fail to find the specified mgmt device");
        })?;
        // SAFETY: `mdev` is registered and the lock is held.
        unsafe { fill(mdev, reply.skb(), req.reply_dest()) }?;
    }
    // SAFETY: `info` is the request's.
    unsafe { reply.send(req.info) }
}

/// MGMTDEV_GET for one management device.
pub(crate) unsafe extern "C" fn get_doit(skb: *mut bindings::sk_buff, info: *mut bindings::genl_info) -> c_int {
    // SAFETY: called by the genetlink core with a valid request.
    unsafe { doit(skb, info, get) }
}

/// MGMTDEV_GET dump: every management device, in registration order.
pub(crate) unsafe extern "C" fn get_dumpit(skb: *mut bindings::sk_buff, cb: *mut bindings::netlink_callback) -> c_int {
    let dump = Dump::new(cb);
    let start = dump.start();
    let mut idx = 0usize;
    {
        let _guard = state::read();
        mgmt::find(|mdev| {
            if idx < start {
                idx += 1;
                return false;
            }
            // SAFETY: `find` hands out registered devices; the lock is held.
            if unsafe { fill(mdev, skb, dump.dest()) }.is_err() {
                // The buffer is full: the next call resumes here.
                return true;
            }
            idx += 1;
            false
        });
    }
    dump.set_start(idx);
    skb_len(skb)
}
