// SPDX-License-Identifier: GPL-2.0

//! The errno and netlink numbers that `policy.rs`, `dev_new.rs` and
//! `config_fill.rs` of `vdpa_core/netlink/` keep their own copies of equal
//! the 6.12 kernel's: `asm-generic/errno{,-base}.h` and
//! `uapi/linux/netlink.h` through bindgen, `NETLINK_MAX_FMTMSG_LEN` from
//! `include/linux/netlink.h`.

#[macro_use]
mod kernel;

use kernel::*;
use vdpa_core_host::netlink::{config_fill, dev_new, policy};

#[test]
fn errnos() {
    check(&pairs![
        policy::EINVAL => EINVAL,
        policy::ERANGE => ERANGE,
        dev_new::EINVAL => EINVAL,
        dev_new::EOPNOTSUPP => EOPNOTSUPP,
        config_fill::EOPNOTSUPP => EOPNOTSUPP,
    ]);
}

#[test]
fn netlink_attribute_header() {
    check(&pairs![
        policy::NLA_HDRLEN => UAPI_NLA_HDRLEN,
        policy::NLA_HDRLEN => core::mem::size_of::<nlattr>(),
        policy::NLA_ALIGNTO => NLA_ALIGNTO,
        policy::NLA_F_NESTED => NLA_F_NESTED,
        policy::NLA_F_NET_BYTEORDER => NLA_F_NET_BYTEORDER,
        // An int in C (~ of an int); only its low 16 bits meet nla_type.
        policy::NLA_TYPE_MASK => NLA_TYPE_MASK as u16,
        dev_new::NETLINK_MAX_FMTMSG_LEN => NETLINK_MAX_FMTMSG_LEN,
    ]);
}
