// SPDX-License-Identifier: GPL-2.0

//! Host build of the kernel-independent part of `vdpa_core`'s netlink
//! family.
//!
//! The files are the module's own (`vdpa_core/netlink/`), included by path
//! inside a `netlink` module so that their `super::` paths resolve as in the
//! kernel crate. The crate is `no_std` like the kernel: it proves the files
//! need nothing beyond `core`. The tests live in `tests/`.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// The vdpa generic netlink family's pure logic.
#[path = "../../../../vdpa_core/netlink"]
pub mod netlink {
    pub mod config_fill;
    pub mod dev_new;
    pub mod policy;
    pub mod uapi;
}
