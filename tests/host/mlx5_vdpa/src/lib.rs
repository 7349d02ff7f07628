// SPDX-License-Identifier: GPL-2.0

//! Host build of the kernel-independent logic of `mlx5_vdpa`.
//!
//! The files are the module's own (`mlx5_vdpa/logic/`), included by path
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

/// The driver's pure logic.
#[path = "../../../../mlx5_vdpa/logic/mod.rs"]
#[allow(dead_code)]
pub mod logic;

#[cfg(test)]
#[path = "../tests/model.rs"]
mod model;
#[cfg(test)]
#[path = "../tests/mr_layout.rs"]
mod mr_layout_tests;
#[cfg(test)]
#[path = "../tests/proptests.rs"]
mod proptests;
