// SPDX-License-Identifier: GPL-2.0

//! The request checks of `VDPA_CMD_DEV_NEW` (`vdpa_nl_cmd_dev_add_set_doit()`)
//! that need no kernel object, and the class computation of a management
//! device (`vdpa_mgmtdev_get_classes()`).
//!
//! The handler runs, in this order (step numbers of the C function):
//!
//! * steps 1-5, [`precheck`]: DEV_NAME present, the net attributes and
//!   DEV_FEATURES collected into a [`SetConfig`], MAX_VQP not 0, DEV_FEATURES
//!   covering the provided net attributes;
//! * step 6, kernel side: `CAP_NET_ADMIN` when [`needs_net_admin`] says so,
//!   else `EPERM` without message;
//! * steps 7-8, kernel side: `down_write(&vdpa_dev_lock)` and the
//!   management-device lookup, failing with [`msg::MGMTDEV_NOT_FOUND`];
//! * steps 9-12, [`check_against_mgmtdev`] (step 10 is [`classes`]):
//!   attributes the parent accepts, the net class, ambiguous features on a
//!   multi-class parent;
//! * step 13, kernel side: `mdev->ops->dev_add()`.
//!
//! Every message carries the `vdpa: ` prefix of `NL_SET_ERR_MSG_MOD` and
//! `NL_SET_ERR_MSG_FMT_MOD`.
//!
//! The file is kernel independent: it only uses `core`, so it is compiled
//! both into the vdpa module and into the host test crate.

use core::ffi::CStr;

use super::policy::Attrs;
use super::uapi::{attr, bit_ull, virtio, virtio_net, NET_ATTRS_MASK};

/// `EINVAL`.
pub const EINVAL: i32 = 22;
/// `EOPNOTSUPP`.
pub const EOPNOTSUPP: i32 = 95;

/// `NETLINK_MAX_FMTMSG_LEN`: size of `extack->_msg_buf`, where formatted
/// messages are written with `snprintf()`.
pub const NETLINK_MAX_FMTMSG_LEN: usize = 80;

/// `KBUILD_MODNAME ": "`, the prefix of every message vdpa.c sets.
pub const MSG_PREFIX: &str = "vdpa: ";

/// Builds a NUL-terminated, `vdpa: `-prefixed static message at compile
/// time. (`concat!` needs a literal: the prefix is [`MSG_PREFIX`].)
macro_rules! mod_msg {
    ($text:literal) => {
        match CStr::from_bytes_with_nul(concat!("vdpa: ", $text, "\0").as_bytes()) {
            Ok(text) => text,
            Err(_) => c"vdpa: ",
        }
    };
}

/// The constant messages of DEV_NEW (`NL_SET_ERR_MSG_MOD`), prefix included.
///
/// The kernel points `extack->_msg` at them: they are never truncated, even
/// when longer than [`NETLINK_MAX_FMTMSG_LEN`].
pub mod msg {
    use core::ffi::CStr;

    /// Step 4: MAX_VQP is 0 (`EINVAL`).
    pub const AT_LEAST_ONE_VQ_PAIR: &CStr = mod_msg!("At least one pair of VQs is required");
    /// Step 8: no management device matches the handle, or no handle
    /// (`ENODEV` or `EINVAL`).
    ///
    /// MGMTDEV_GET words it differently ("... mgmt device").
    pub const MGMTDEV_NOT_FOUND: &CStr = mod_msg!("Fail to find the specified management device");
    /// Step 11: net attributes for a parent without the net class (`EINVAL`).
    pub const NET_ATTRS_UNSUPPORTED: &CStr =
        mod_msg!("Network class attributes provided on unsupported management device");
    /// Step 12: DEV_FEATURES alone on a multi-class parent that includes net
    /// (`EINVAL`). At 90 bytes it is longer than `_msg_buf`.
    pub const AMBIGUOUS_FEATURES: &CStr = mod_msg!(
        "Management device supports multi-class while device features specified are ambiguous"
    );
}

/// Text before the argument of "Missing features 0x%llx for provided
/// attributes".
const MISSING_FEATURES_HEAD: &str = "Missing features 0x";
/// Text after the argument of "Missing features 0x%llx for provided
/// attributes".
const MISSING_FEATURES_TAIL: &str = " for provided attributes";
/// Text before the argument of "Some provided attributes are not supported:
/// 0x%llx".
const UNSUPPORTED_ATTRS_HEAD: &str = "Some provided attributes are not supported: 0x";

/// An extack message of DEV_NEW.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    /// A constant message, set with `NL_SET_ERR_MSG_MOD` (one of [`msg`]).
    Static(&'static CStr),
    /// `NL_SET_ERR_MSG_FMT_MOD("Missing features 0x%llx for provided
    /// attributes", missing)`.
    MissingFeatures(u64),
    /// `NL_SET_ERR_MSG_FMT_MOD("Some provided attributes are not supported:
    /// 0x%llx", mask & ~config_attr_mask)`.
    UnsupportedAttrs(u64),
}

/// Writes bytes into a buffer the way `snprintf()` does: everything that
/// fits before the last byte, which is kept for the NUL, while counting the
/// full length.
struct Truncating<'b> {
    out: &'b mut [u8],
    written: usize,
    total: usize,
}

impl Truncating<'_> {
    fn push(&mut self, bytes: &[u8]) {
        let room = self.out.len().saturating_sub(1);
        for &b in bytes {
            if self.written < room {
                if let Some(slot) = self.out.get_mut(self.written) {
                    *slot = b;
                    // No overflow: `written < room < out.len()`.
                    self.written += 1;
                }
            }
            self.total = self.total.saturating_add(1);
        }
    }

    /// NUL-terminates (if there is any room at all) and returns the length
    /// written, NUL excluded.
    fn finish(self) -> usize {
        if let Some(slot) = self.out.get_mut(self.written) {
            *slot = 0;
        }
        self.written
    }
}

/// `"%llx"`: lowercase hexadecimal without leading zeros ("0" for zero).
/// Returns the digit buffer and the index of the first digit.
fn hex(value: u64) -> ([u8; 16], usize) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [b'0'; 16];
    let mut start = buf.len();
    let mut v = value;
    // At most 16 rounds: one digit per nibble, and at least one digit.
    while let Some(pos) = start.checked_sub(1) {
        let digit = DIGITS.get((v & 0xf) as usize).copied().unwrap_or(b'0');
        if let Some(slot) = buf.get_mut(pos) {
            *slot = digit;
        }
        start = pos;
        v >>= 4;
        if v == 0 {
            break;
        }
    }
    (buf, start)
}

impl Msg {
    /// The message when it is a constant one: NUL terminated, prefix
    /// included, for `extack->_msg`. `None` for formatted messages, which
    /// go through [`Msg::write`] into `extack->_msg_buf`.
    pub fn static_text(&self) -> Option<&'static CStr> {
        match self {
            Msg::Static(text) => Some(text),
            _ => None,
        }
    }

    /// Renders the message, prefix included, into `out` like
    /// `snprintf(out, out.len(), ...)`: as much as fits before the last byte,
    /// then a NUL. The kernel passes `extack->_msg_buf`
    /// ([`NETLINK_MAX_FMTMSG_LEN`] bytes). Writes nothing if `out` is empty.
    ///
    /// Use it for formatted messages only: a [`Msg::Static`] message set
    /// this way would be cut at 79 bytes, which upstream never does (use
    /// [`Msg::static_text`]).
    ///
    /// Returns the number of bytes written, NUL excluded. The message was
    /// truncated when this is less than [`Msg::untruncated_len`] (the kernel
    /// then logs "truncated extack: ...").
    pub fn write(&self, out: &mut [u8]) -> usize {
        let mut w = Truncating {
            out,
            written: 0,
            total: 0,
        };
        self.render(&mut w);
        w.finish()
    }

    /// Length of the whole message, prefix included and NUL excluded (what
    /// `snprintf()` returns).
    pub fn untruncated_len(&self) -> usize {
        let mut w = Truncating {
            out: &mut [],
            written: 0,
            total: 0,
        };
        self.render(&mut w);
        w.total
    }

    fn render(&self, w: &mut Truncating<'_>) {
        match *self {
            Msg::Static(text) => w.push(text.to_bytes()),
            Msg::MissingFeatures(missing) => {
                let (digits, start) = hex(missing);
                w.push(MSG_PREFIX.as_bytes());
                w.push(MISSING_FEATURES_HEAD.as_bytes());
                w.push(digits.get(start..).unwrap_or(&[]));
                w.push(MISSING_FEATURES_TAIL.as_bytes());
            }
            Msg::UnsupportedAttrs(attrs) => {
                let (digits, start) = hex(attrs);
                w.push(MSG_PREFIX.as_bytes());
                w.push(UNSUPPORTED_ATTRS_HEAD.as_bytes());
                w.push(digits.get(start..).unwrap_or(&[]));
            }
        }
    }
}

/// A refused request: the positive errno the handler returns and the extack
/// message it sets, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reject {
    /// Positive errno.
    pub errno: i32,
    /// Extack message, `None` when vdpa.c sets none.
    pub msg: Option<Msg>,
}

/// `struct vdpa_dev_set_config`, as handed to `mdev->ops->dev_add()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetConfig {
    /// DEV_FEATURES, or 0.
    pub device_features: u64,
    /// DEV_NET_CFG_MACADDR, or all zeros.
    pub mac: [u8; 6],
    /// DEV_NET_CFG_MTU, or 0.
    pub mtu: u16,
    /// DEV_NET_CFG_MAX_VQP, or 0.
    pub max_vq_pairs: u16,
    /// `BIT_ULL(VDPA_ATTR_*)` of the attributes provided (MACADDR, MTU,
    /// MAX_VQP, DEV_FEATURES).
    pub mask: u64,
}

/// `BIT_ULL(id)` for an attribute id.
fn attr_bit(id: u16) -> u64 {
    bit_ull(u32::from(id))
}

/// Steps 1 to 5 of DEV_NEW, before the capability check and the lookup.
///
/// Returns the requested device name (DEV_NAME up to its first NUL; the
/// kernel side must hand `dev_add()` a NUL-terminated copy, since
/// `NLA_STRING` does not guarantee the NUL) and the configuration.
///
/// # Errors
///
/// * DEV_NAME missing: `EINVAL`, no message.
/// * MAX_VQP present and 0: `EINVAL`, [`msg::AT_LEAST_ONE_VQ_PAIR`].
/// * DEV_FEATURES present without the feature bit of a provided attribute
///   (MAC without `VIRTIO_NET_F_MAC`, MTU without `VIRTIO_NET_F_MTU`, MAX_VQP
///   above 1 without `VIRTIO_NET_F_MQ`): `EINVAL`,
///   [`Msg::MissingFeatures`] with all the missing bits.
pub fn precheck<'a>(attrs: &Attrs<'a>) -> Result<(&'a [u8], SetConfig), Reject> {
    let Some(name) = attrs.string(attr::DEV_NAME) else {
        return Err(Reject {
            errno: EINVAL,
            msg: None,
        });
    };
    let mut config = SetConfig::default();

    if let Some(mac) = attrs.mac() {
        config.mac = mac;
        config.mask |= attr_bit(attr::DEV_NET_CFG_MACADDR);
    }
    if let Some(mtu) = attrs.u16(attr::DEV_NET_CFG_MTU) {
        config.mtu = mtu;
        config.mask |= attr_bit(attr::DEV_NET_CFG_MTU);
    }
    if let Some(pairs) = attrs.u16(attr::DEV_NET_CFG_MAX_VQP) {
        config.max_vq_pairs = pairs;
        if pairs == 0 {
            let msg = Some(Msg::Static(msg::AT_LEAST_ONE_VQ_PAIR));
            return Err(Reject { errno: EINVAL, msg });
        }
        config.mask |= attr_bit(attr::DEV_NET_CFG_MAX_VQP);
    }
    if let Some(features) = attrs.u64(attr::DEV_FEATURES) {
        config.device_features = features;
        let lacks = |nr: u32| features & bit_ull(nr) == 0;
        let mut missing = 0u64;
        if config.mask & attr_bit(attr::DEV_NET_CFG_MACADDR) != 0 && lacks(virtio_net::F_MAC) {
            missing |= bit_ull(virtio_net::F_MAC);
        }
        if config.mask & attr_bit(attr::DEV_NET_CFG_MTU) != 0 && lacks(virtio_net::F_MTU) {
            missing |= bit_ull(virtio_net::F_MTU);
        }
        if config.mask & attr_bit(attr::DEV_NET_CFG_MAX_VQP) != 0
            && config.max_vq_pairs > 1
            && lacks(virtio_net::F_MQ)
        {
            missing |= bit_ull(virtio_net::F_MQ);
        }
        if missing != 0 {
            let msg = Some(Msg::MissingFeatures(missing));
            return Err(Reject { errno: EINVAL, msg });
        }
        config.mask |= attr_bit(attr::DEV_FEATURES);
    }
    Ok((name, config))
}

/// Step 6: whether the request needs `CAP_NET_ADMIN` (checked with
/// `netlink_capable()`, `EPERM` without message). Only net attributes do;
/// the check is redundant with `GENL_ADMIN_PERM` but kept.
pub fn needs_net_admin(config: &SetConfig) -> bool {
    config.mask & NET_ATTRS_MASK != 0
}

/// Steps 9, 11 and 12 of DEV_NEW, once the management device was found:
/// `config_attr_mask` is `mdev->config_attr_mask`, `classes` and `nclasses`
/// come from [`classes`] over its id table.
///
/// # Errors
///
/// * An attribute in `config.mask` outside `config_attr_mask`:
///   `EOPNOTSUPP`, [`Msg::UnsupportedAttrs`] with those bits.
/// * Net attributes and no net class: `EINVAL`,
///   [`msg::NET_ATTRS_UNSUPPORTED`].
/// * DEV_FEATURES without net attributes, on a parent with the net class
///   and more than one class, with any device-class feature bit
///   ([`virtio::DEVICE_F_MASK`]): `EINVAL`, [`msg::AMBIGUOUS_FEATURES`].
pub fn check_against_mgmtdev(
    config: &SetConfig,
    config_attr_mask: u64,
    classes: u64,
    nclasses: u32,
) -> Result<(), Reject> {
    let mask = config.mask;
    if mask & config_attr_mask != mask {
        let msg = Some(Msg::UnsupportedAttrs(mask & !config_attr_mask));
        return Err(Reject {
            errno: EOPNOTSUPP,
            msg,
        });
    }

    let net_class = classes & bit_ull(virtio::ID_NET) != 0;
    if mask & NET_ATTRS_MASK != 0 && !net_class {
        let msg = Some(Msg::Static(msg::NET_ATTRS_UNSUPPORTED));
        return Err(Reject { errno: EINVAL, msg });
    }
    if mask & NET_ATTRS_MASK == 0
        && mask & attr_bit(attr::DEV_FEATURES) != 0
        && net_class
        && nclasses > 1
        && config.device_features & virtio::DEVICE_F_MASK != 0
    {
        let msg = Some(Msg::Static(msg::AMBIGUOUS_FEATURES));
        return Err(Reject { errno: EINVAL, msg });
    }
    Ok(())
}

/// `vdpa_mgmtdev_get_classes()`: the `BIT_ULL(device)` mask of the virtio
/// device ids in a management device's id table, and how many entries were
/// counted.
///
/// `id_table_devices` yields the `.device` fields in table order; the walk
/// stops at the first 0 (the table terminator) or at the end of the
/// iterator. Ids above 63 are skipped and not counted; duplicates are counted
/// each time.
pub fn classes(id_table_devices: impl Iterator<Item = u32>) -> (u64, u32) {
    let mut mask = 0u64;
    let mut n = 0u32;
    for device in id_table_devices.take_while(|&device| device != 0) {
        if device > 63 {
            continue;
        }
        mask |= bit_ull(device);
        n = n.wrapping_add(1);
    }
    (mask, n)
}
