// SPDX-License-Identifier: GPL-2.0

//! The `vdpa` generic-netlink family, with which the iproute2 `vdpa` tool
//! lists management devices and creates, inspects and deletes devices.
//!
//! The family is registered without a policy: requests reach the handlers
//! unparsed and `policy.rs` parses and validates them in Rust, with the
//! rules, errnos and messages of the genetlink core's strict validation
//! against upstream's policy. Dump requests are validated the same way in
//! the dump's `start` callback. The generic-netlink core still checks
//! `CAP_NET_ADMIN` for the admin commands and the header of commands from
//! DEV_ATTR_SET on, as upstream.

// Kernel-independent logic, also built by the host tests
// (tests/host/vdpa_core), which use the items the module does not.
#[allow(dead_code, unreachable_pub)]
pub(crate) mod config_fill;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod dev_new;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod policy;
#[allow(dead_code, unreachable_pub)]
pub(crate) mod uapi;
mod uapi_abi;

mod config_cmds;
mod dev_cmds;
mod mgmtdev_cmds;
mod msg;

use kernel::ffi::c_int;
use kernel::prelude::*;

use crate::abi::bindings;
use crate::abi::cell::{zeroed, StaticCell};
use msg::{Dest, Extack};
use policy::Attrs;
use uapi::cmd;

const NLMSG_HDRLEN: usize = 16;
const GENL_HDRLEN: usize = 4;
const GENL_ADMIN_PERM: u8 = 0x01;
pub(crate) const NLM_F_MULTI: c_int = 0x2;

type DoIt = unsafe extern "C" fn(*mut bindings::sk_buff, *mut bindings::genl_info) -> c_int;
type DumpIt = unsafe extern "C" fn(*mut bindings::sk_buff, *mut bindings::netlink_callback) -> c_int;

const fn op(command: u8, flags: u8, doit: DoIt, dumpit: Option<DumpIt>) -> bindings::genl_ops {
    bindings::genl_ops {
        cmd: command,
        flags,
        doit: Some(doit),
        start: if dumpit.is_some() { Some(dump_start) } else { None },
        dumpit,
        // SAFETY: the remaining fields (policy, maxattr, validate, ...) are
        // zero: no policy, attributes are parsed by the handlers.
        ..unsafe { zeroed() }
    }
}

const N_OPS: usize = 7;

static OPS: StaticCell<[bindings::genl_ops; N_OPS]> = StaticCell::new([
    op(cmd::MGMTDEV_GET, 0, mgmtdev_cmds::get_doit, Some(mgmtdev_cmds::get_dumpit)),
    op(cmd::DEV_NEW, GENL_ADMIN_PERM, dev_cmds::new_doit, None),
    op(cmd::DEV_DEL, GENL_ADMIN_PERM, dev_cmds::del_doit, None),
    op(cmd::DEV_GET, 0, dev_cmds::get_doit, Some(dev_cmds::get_dumpit)),
    op(cmd::DEV_CONFIG_GET, 0, config_cmds::get_doit, Some(config_cmds::get_dumpit)),
    op(cmd::DEV_VSTATS_GET, GENL_ADMIN_PERM, config_cmds::vstats_doit, None),
    op(cmd::DEV_ATTR_SET, GENL_ADMIN_PERM, dev_cmds::attr_set_doit, None),
]);

const fn family_name() -> [u8; 16] {
    let mut name = [0u8; 16];
    let src = uapi::GENL_NAME;
    let mut i = 0;
    while i < src.len() && i < name.len() - 1 {
        name[i] = src[i];
        i += 1;
    }
    name
}

static FAMILY: StaticCell<bindings::genl_family> = StaticCell::new(bindings::genl_family {
    name: family_name(),
    version: uapi::GENL_VERSION as u32,
    // Upstream has the genetlink core check the header of commands from
    // DEV_ATTR_SET on (uapi::RESV_START_OP). The core would then also
    // insist on a policy for them; `header_check` does that check here
    // instead, so no command of ours is past this point.
    resv_start_op: cmd::DEV_ATTR_SET + 1,
    n_ops: N_OPS as u8,
    ops: OPS.get().cast(),
    // SAFETY: every other field may be zero: no policy, no multicast
    // groups, not netns-aware, serialised by genl_mutex.
    ..unsafe { zeroed() }
});

/// The registered family.
pub(crate) fn family() -> *const bindings::genl_family {
    FAMILY.get()
}

/// Registers the family (module load, after the bus).
pub(crate) fn register(module: &'static ThisModule) -> Result {
    // SAFETY: the family is only written here, before registration, and
    // by the genetlink core.
    unsafe {
        (*FAMILY.get()).module = module.as_ptr();
        kernel::error::to_result(bindings::genl_register_family(FAMILY.get()))
    }
}

/// Unregisters the family (module unload).
pub(crate) fn unregister() {
    // SAFETY: the family was registered by `register()`.
    unsafe { bindings::genl_unregister_family(FAMILY.get()) };
}

/// The attributes of a request message, parsed and validated; on failure
/// the extack says why and points at the attribute.
///
/// # Safety
///
/// `nlh` must be a complete netlink message of at least the generic
/// header's size (the genetlink core checked that), alive for `'a`.
unsafe fn parse<'a>(nlh: *const bindings::nlmsghdr, extack: &Extack) -> Result<Attrs<'a>> {
    // SAFETY: `nlh` is a complete message (caller).
    let (base, len) = unsafe {
        let total = (*nlh).nlmsg_len as usize;
        let base = nlh.cast::<u8>().add(NLMSG_HDRLEN + GENL_HDRLEN);
        (base, total.saturating_sub(NLMSG_HDRLEN + GENL_HDRLEN))
    };
    // SAFETY: the message body is readable for `len` bytes (caller).
    let buf = unsafe { core::slice::from_raw_parts(base, len) };
    Attrs::parse(buf).map_err(|e| {
        extack.msg(e.c_msg);
        if let Some(off) = e.offset {
            // SAFETY: `off` is within `buf`.
            extack.bad_attr(unsafe { base.add(off) }.cast());
        }
        Error::from_errno(-e.errno)
    })
}

/// The genetlink core's check of the header of commands from
/// `uapi::RESV_START_OP` on: no reserved byte, and no netlink flags but
/// REQUEST, ACK, ECHO (and DUMP).
///
/// # Safety
///
/// `info` must be a valid request.
unsafe fn header_check(info: *mut bindings::genl_info, extack: &Extack) -> Result {
    const NLM_F_REQUEST: u16 = 0x1;
    const NLM_F_ACK: u16 = 0x4;
    const NLM_F_ECHO: u16 = 0x8;
    const NLM_F_DUMP: u16 = 0x300;
    // SAFETY: the request's headers are valid (caller).
    let (command, reserved, mut flags) =
        unsafe { ((*(*info).genlhdr).cmd, (*(*info).genlhdr).reserved, (*(*info).nlhdr).nlmsg_flags) };
    if command < uapi::RESV_START_OP {
        return Ok(());
    }
    if reserved != 0 {
        extack.msg(c"genlmsghdr.reserved field is not 0");
        return Err(EINVAL);
    }
    if flags & NLM_F_DUMP == NLM_F_DUMP {
        flags &= !NLM_F_DUMP;
    }
    if flags & !(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO) != 0 {
        extack.msg(c"ambiguous or reserved bits set in nlmsg_flags");
        return Err(EINVAL);
    }
    Ok(())
}

/// What a `doit` handler gets.
pub(crate) struct Request<'a> {
    /// The validated attributes.
    pub(crate) attrs: Attrs<'a>,
    /// The request's generic-netlink info.
    pub(crate) info: *mut bindings::genl_info,
    /// The request's extended ACK.
    pub(crate) extack: Extack,
    /// The request message.
    pub(crate) skb: *mut bindings::sk_buff,
}

impl Request<'_> {
    /// The destination of a reply to this request.
    pub(crate) fn reply_dest(&self) -> Dest {
        // SAFETY: `info` is valid during the request.
        unsafe { Dest { portid: (*self.info).snd_portid, seq: (*self.info).snd_seq, flags: 0 } }
    }
}

/// Runs a `doit` handler on a parsed request; the trampolines' body.
///
/// # Safety
///
/// Arguments as the genetlink core passes them to a doit.
unsafe fn doit(
    skb: *mut bindings::sk_buff,
    info: *mut bindings::genl_info,
    handler: impl FnOnce(&Request<'_>) -> Result,
) -> c_int {
    // SAFETY: the genetlink core passes a valid info with the message.
    let extack = Extack::new(unsafe { (*info).extack });
    // SAFETY: as above.
    if let Err(e) = unsafe { header_check(info, &extack) } {
        return e.to_errno();
    }
    // SAFETY: as above.
    let attrs = match unsafe { parse((*info).nlhdr, &extack) } {
        Ok(attrs) => attrs,
        Err(e) => return e.to_errno(),
    };
    let req = Request { attrs, info, extack, skb };
    match handler(&req) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// Validates a dump request's attributes, as upstream's strict parsing of
/// dumps does; the dump itself ignores them.
unsafe extern "C" fn dump_start(cb: *mut bindings::netlink_callback) -> c_int {
    // SAFETY: the netlink core passes a valid callback with the request.
    unsafe {
        let extack = Extack::new((*cb).extack);
        match parse((*cb).nlh, &extack) {
            Ok(_) => 0,
            Err(e) => e.to_errno(),
        }
    }
}

/// State of a dump across calls: `args[0]` of the callback, as upstream.
pub(crate) struct Dump {
    cb: *mut bindings::netlink_callback,
}

impl Dump {
    /// Wraps the callback.
    pub(crate) fn new(cb: *mut bindings::netlink_callback) -> Self {
        Self { cb }
    }

    /// How many entries earlier calls delivered.
    pub(crate) fn start(&self) -> usize {
        // SAFETY: `cb` is valid during the dump.
        let v = unsafe { (*self.cb).__bindgen_anon_1.args[0] };
        usize::try_from(v).unwrap_or(0)
    }

    /// Records how many entries have been delivered.
    pub(crate) fn set_start(&self, n: usize) {
        // SAFETY: `cb` is valid during the dump.
        unsafe { (*self.cb).__bindgen_anon_1.args[0] = n as _ };
    }

    /// The destination of a dump entry.
    pub(crate) fn dest(&self) -> Dest {
        // SAFETY: `cb` and its request are valid during the dump.
        unsafe {
            Dest {
                portid: bindings::vdpa_rs_netlink_cb_portid(self.cb),
                seq: (*(*self.cb).nlh).nlmsg_seq,
                flags: NLM_F_MULTI,
            }
        }
    }

}

/// The length of a dump buffer: what a dumpit returns.
pub(crate) fn skb_len(skb: *mut bindings::sk_buff) -> c_int {
    // SAFETY: the netlink core passes a valid buffer.
    unsafe { bindings::vdpa_rs_skb_len(skb) as c_int }
}
