// SPDX-License-Identifier: GPL-2.0

//! The simulator core's module parameters, read from `vdpa_sim.ko` when a
//! device is created (a parameter is read-only once the module is loaded,
//! as upstream's are).

use crate::abi::bindings;

/// `vdpa_sim.ko`'s parameters.
#[derive(Clone, Copy)]
pub(crate) struct Params {
    /// Map with `set_map` (true) or `dma_map`/`dma_unmap` (false).
    pub(crate) batch_mapping: bool,
    /// Most entries of one address space's IOTLB; below 2 every device
    /// creation fails with `EINVAL`, as upstream.
    pub(crate) max_iotlb_entries: i32,
    /// Devices take user virtual addresses.
    pub(crate) use_va: bool,
}

impl Params {
    /// The current values.
    pub(crate) fn get() -> Self {
        let mut p = bindings::vdpasim_rs_params::default();
        // SAFETY: `p` is valid for writes; the function only stores to it.
        unsafe { bindings::vdpasim_rs_get_params(&mut p) };
        Self { batch_mapping: p.batch_mapping != 0, max_iotlb_entries: p.max_iotlb_entries, use_va: p.use_va }
    }
}
