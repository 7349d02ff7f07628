// SPDX-License-Identifier: GPL-2.0

//! Fuzzing harness of `vdpa_sim`'s pure logic: the module's own files plus
//! the host tests' helpers, included by path.

#![forbid(unsafe_code)]

extern crate alloc;

/// The simulator's pure logic.
#[path = "../../../../vdpa_sim/logic/mod.rs"]
#[allow(dead_code)]
mod logic;

#[path = "../../../host/vdpa_sim/src/helpers.rs"]
#[allow(dead_code)]
mod helpers;

mod vring_case;

/// Runs one fuzz input; panics on a broken invariant.
pub fn run_vring(data: &[u8]) {
    vring_case::run(data);
}
