// SPDX-License-Identifier: GPL-2.0

//! Host build of the kernel-independent logic of `vhost_vdpa`.
//!
//! The files are the module's own (`vhost_vdpa/logic/`), included by path
//! so that their `super::` paths resolve as in the kernel crate. The
//! library itself is `no_std`: it proves the logic needs nothing beyond
//! `core`. The tests in `tests/` are modules of this crate (the logic is
//! `pub(crate)`).

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(test)]
extern crate alloc;
#[cfg(test)]
extern crate std;

/// The char device's pure logic.
#[path = "../../../../vhost_vdpa/logic/mod.rs"]
#[allow(dead_code)]
pub mod logic;

#[cfg(test)]
#[path = "../tests/args.rs"]
mod args_tests;
#[cfg(test)]
#[path = "../tests/features.rs"]
mod features_tests;
#[cfg(test)]
#[path = "../tests/msg.rs"]
mod msg_tests;
#[cfg(test)]
#[path = "../tests/pages.rs"]
mod pages_tests;
#[cfg(test)]
#[path = "../tests/proptests.rs"]
mod proptests;
#[cfg(test)]
#[path = "../tests/status.rs"]
mod status_tests;
#[cfg(test)]
#[path = "../tests/uapi.rs"]
mod uapi_tests;
