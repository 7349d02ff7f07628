// SPDX-License-Identifier: GPL-2.0

//! vdpa.ko: the vDPA bus.
//!
//! It owns the `vdpa` bus type, vDPA devices and bus drivers, management
//! devices and the `vdpa` generic-netlink family, and exports the same
//! symbols, with the same semantics, as Linux 6.12's `drivers/vdpa/vdpa.c`,
//! so upstream C parents and drivers run on it unchanged.

use kernel::prelude::*;

mod abi;
mod bus;
mod config;
mod device;
mod driver;
mod errno;
mod exports;
mod mgmt;
mod netlink;
mod state;

module! {
    type: VdpaModule,
    name: "vdpa",
    author: "vdpa-rs developers",
    description: "vDPA bus",
    license: "GPL v2",
}

struct VdpaModule;

impl kernel::Module for VdpaModule {
    fn init(module: &'static ThisModule) -> Result<Self> {
        state::init();
        bus::register()?;
        if let Err(e) = netlink::register(module) {
            bus::unregister();
            state::destroy();
            return Err(e);
        }
        Ok(VdpaModule)
    }
}

impl Drop for VdpaModule {
    fn drop(&mut self) {
        netlink::unregister();
        bus::unregister();
        state::destroy();
    }
}
