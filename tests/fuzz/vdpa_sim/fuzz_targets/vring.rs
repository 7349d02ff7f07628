// SPDX-License-Identifier: GPL-2.0

//! Fuzz target: guest RAM image plus ring parameters, through the ring
//! walker and the blk/net request handlers.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    vdpa_sim_fuzz::run_vring(data);
});
