// SPDX-License-Identifier: GPL-2.0

//! Host build of the kernel-independent logic of `vdpa_sim`.
//!
//! The files are the module's own (`vdpa_sim/logic/`), included by path so
//! that their `super::` paths resolve as in the kernel crate. The library
//! itself is `no_std` (plus `alloc` for the test helpers' vectors): it
//! proves the logic needs nothing beyond `core`.
//!
//! Besides the logic, this crate holds the test helpers: the host
//! [`EntryVec`](logic::iova_map::EntryVec) for `Vec`, a guest-RAM
//! [`GuestMem`](logic::vring::GuestMem) that translates through an
//! [`IovaMap`](logic::iova_map::IovaMap) and can log every access, and a
//! driver-side ring builder. The tests in `tests/` are modules of this
//! crate (the logic is `pub(crate)`).

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(test)]
extern crate std;

/// The simulator's pure logic.
#[path = "../../../../vdpa_sim/logic/mod.rs"]
#[allow(dead_code)]
pub mod logic;

#[allow(dead_code)]
mod helpers;

#[cfg(test)]
#[path = "../tests/blk.rs"]
mod blk_tests;
#[cfg(test)]
#[path = "../tests/fuzz_replay.rs"]
mod fuzz_replay;
#[cfg(test)]
#[path = "../tests/iova_map.rs"]
mod iova_map_tests;
#[cfg(test)]
#[path = "../tests/net.rs"]
mod net_tests;
#[cfg(test)]
#[path = "../tests/proptests.rs"]
mod proptests;
#[cfg(test)]
#[path = "../../../fuzz/vdpa_sim/src/vring_case.rs"]
mod vring_case;
#[cfg(test)]
#[path = "../tests/vring.rs"]
mod vring_tests;
