// SPDX-License-Identifier: GPL-2.0

//! Kernel-independent logic of the vDPA device simulator.
//!
//! Everything here uses `core` only, so the same files are compiled into the
//! `vdpa_sim` kernel modules and into the host test crate
//! (`tests/host/vdpa_sim`), which exercises the items one module may not use.

// A module uses only part of this logic (net needs no blk items and the
// other way round), hence the `dead_code` allowance.
#[allow(dead_code)]
pub(crate) mod blk;
#[allow(dead_code)]
pub(crate) mod iova_map;
#[allow(dead_code)]
pub(crate) mod net;
#[allow(dead_code)]
pub(crate) mod vring;
