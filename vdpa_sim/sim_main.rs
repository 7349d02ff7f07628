// SPDX-License-Identifier: GPL-2.0

//! vdpa_sim.ko: the vDPA simulator core. It carries the module parameters
//! every simulator parent reads (`batch_mapping`, `max_iotlb_entries`,
//! `use_va`, in `params.c`), so `modprobe vdpa_sim_net` loads it first and
//! its parameters are set where upstream's are. The engine itself is
//! compiled into each parent (`engine/`, `logic/`).

use kernel::prelude::*;

module! {
    type: SimCore,
    name: "vdpa_sim",
    author: "vdpa-rs developers",
    description: "vDPA device simulator core",
    license: "GPL",
}

struct SimCore;

impl kernel::Module for SimCore {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(Self)
    }
}
