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
use crate::mgmt::{Mgmt, MgmtList};
use crate::state;

/// The management device a request's handle names. `-EINVAL` without a
/// device name, `-ENODEV` when none matches.
pub(crate) fn from_attrs<'a>(list: &'a MgmtList, attrs: &Attrs<'_>) -> Result<Mgmt<'a>> {
    let dev = attrs.string(attr::MGMTDEV_DEV_NAME).ok_or(EINVAL)?;
    let bus = attrs.string(attr::MGMTDEV_BUS_NAME);
    list.lookup(bus, dev).ok_or(ENODEV)
}

/// Puts the management device's handle: its bus name, if it is on a bus,
/// and its device name.
pub(crate) fn put_handle(w: &mut Writer, m: Mgmt<'_>) -> Result {
    if let Some(bus) = m.bus_name() {
        w.string(attr::MGMTDEV_BUS_NAME, bus)?;
    }
    w.string(attr::MGMTDEV_DEV_NAME, m.dev_name())
}

/// Writes one MGMTDEV_NEW message describing `m`.
///
/// # Safety
///
/// `skb` must be a valid buffer.
unsafe fn fill(m: Mgmt<'_>, skb: *mut bindings::sk_buff, dest: Dest) -> Result {
    // SAFETY: `skb` is valid (caller).
    let mut w = unsafe { Writer::begin(skb, dest, cmd::MGMTDEV_NEW) }?;
    let r = (|| {
        put_handle(&mut w, m)?;
        let (classes, _) = super::dev_new::classes(m.id_table());
        w.u64(attr::MGMTDEV_SUPPORTED_CLASSES, classes)?;
        w.u32(attr::DEV_MGMTDEV_MAX_VQS, m.max_supported_vqs())?;
        w.u64(attr::DEV_SUPPORTED_FEATURES, m.supported_features())
    })();
    w.commit(r.map_err(|_| emsgsize()))
}

fn get(req: &Request<'_>) -> Result {
    let reply = Reply::new()?;
    {
        let list = state::read();
        let m = from_attrs(&list.mgmt, &req.attrs).inspect_err(|_| {
            req.extack.msg(c"vdpa: Fail to find the specified mgmt device");
        })?;
        // SAFETY: `reply` is a valid buffer.
        unsafe { fill(m, reply.skb(), req.reply_dest()) }?;
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
        let list = state::read();
        list.mgmt.find(|m| {
            if idx < start {
                idx += 1;
                return false;
            }
            // SAFETY: the netlink core passes a valid dump buffer.
            if unsafe { fill(m, skb, dump.dest()) }.is_err() {
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
