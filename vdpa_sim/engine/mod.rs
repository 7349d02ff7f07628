// SPDX-License-Identifier: GPL-2.0

//! The simulator engine shared by `vdpa_sim_net` and `vdpa_sim_blk`: the
//! device state and every op of its ops table ([`dev`]), one software IOTLB
//! per address space ([`maps`]), and guest memory seen through them
//! ([`mem`]). What a device does with its queues is the parent's
//! [`dev::Kind`]; ring walking and request handling are in `logic/`, which
//! the host tests build too.

// Each parent uses its part of the engine.
#![allow(dead_code)]

pub(crate) mod dev;
pub(crate) mod maps;
pub(crate) mod mem;
pub(crate) mod params;

// SAFETY: a chain is integers, booleans and an array of them, all valid
// when zero; a zeroed chain is an empty one. Parents allocate chains
// zeroed in place, since one is about 4 KiB.
unsafe impl kernel::init::Zeroable for crate::logic::vring::Chain {}
