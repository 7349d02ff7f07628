// SPDX-License-Identifier: GPL-2.0

//! vhost_vdpa.ko: a vhost backend over vDPA devices. Every device bound to
//! the `vhost_vdpa` bus driver gets a char device `/dev/vhost-vdpa-N`
//! through which one process (QEMU, DPDK, a test client) drives it with
//! the vhost ioctls and IOTLB messages of the Linux 6.12 uAPI.
//!
//! - [`node`]: the char device of one vdpa device, its file operations,
//!   exclusive open and removal that waits for the last close;
//! - [`session`]: what one open file holds (owner, backend features,
//!   queue eventfds, address spaces) and the ioctls;
//! - [`aspace`]: the IOTLB message path, the address spaces and the
//!   pinning or VMA walk behind each mapping;
//! - `logic/`: the uAPI rules, compiled by the host tests too.

use kernel::c_str;
use kernel::prelude::*;

#[path = "../vdpa_core/abi/mod.rs"]
mod abi;
mod aspace;
#[path = "logic/mod.rs"]
mod logic;
mod node;
mod session;

use abi::bus::BusDevice;
use abi::driver::{Driver, DriverRegistration};

module! {
    type: VhostVdpa,
    name: "vhost_vdpa",
    author: "vdpa-rs developers",
    description: "vDPA-based vhost backend for virtio",
    license: "GPL v2",
}

struct VhostVdpa {
    // Dropped first: unbinds every device, removing its node, before the
    // char region and the file operations go.
    _driver: DriverRegistration<VhostDriver>,
    _chr: node::ChrRegion,
}

impl kernel::Module for VhostVdpa {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let chr = node::ChrRegion::new(module)?;
        let driver = DriverRegistration::new(c_str!("vhost_vdpa"), module)?;
        Ok(Self { _driver: driver, _chr: chr })
    }
}

struct VhostDriver;

#[vtable]
impl Driver for VhostDriver {
    type Data = KBox<node::NodeHandle>;

    fn probe(dev: &BusDevice) -> Result<Self::Data> {
        node::NodeHandle::create(dev)
    }

    fn remove(_dev: &BusDevice, data: Self::Data) {
        data.remove();
    }
}
