// SPDX-License-Identifier: GPL-2.0

//! The Rust face of the 6.12 vDPA C ABI, compiled into each module of the
//! suite that needs it: parents use [`device::Device`] with
//! [`config_ops::ConfigOps`] and [`mgmt::MgmtRegistration`], bus drivers
//! [`driver::DriverRegistration`], and `set_map` implementations read an
//! [`iotlb::Iotlb`]. Each module uses part of it.
#![allow(dead_code)]

pub(crate) mod bindings;
pub(crate) mod cell;
pub(crate) mod config_ops;
pub(crate) mod device;
pub(crate) mod driver;
pub(crate) mod iotlb;
pub(crate) mod mgmt;
