// SPDX-License-Identifier: GPL-2.0

//! The Rust face of the 6.12 vDPA C ABI, compiled into each module of the
//! suite that needs it (Linux 6.12 cannot link one module's crate into
//! another). Documentation/vdpa_core.rst shows a parent and a bus driver.
//!
//! - Parents: [`device::NewDevice`] / [`device::Device`] with
//!   [`config_ops::ConfigOps`] and a run-time [`ops_table::OpsTable`];
//!   [`mgmt::MgmtRegistration`] with [`mgmt::MgmtOps`]; their own
//!   [`iotlb::Iotlb`]s; [`auxiliary::AuxRegistration`] for parents on the
//!   auxiliary bus.
//! - Bus drivers: [`driver::DriverRegistration`] with [`driver::Driver`],
//!   and [`bus::BusDevice`] with typed calls of every op; for a driver that
//!   serves user space, [`eventfd::EventCtx`] / [`eventfd::Kick`] and the
//!   owner's memory ([`user_mem::OwnerMm`]).
//!
//! Nothing here hands out a reference that can outlive its object: devices
//! are reached through borrows of a call or through `ARef`s.
#![allow(dead_code)]

pub(crate) mod auxiliary;
pub(crate) mod bindings;
pub(crate) mod bus;
pub(crate) mod callback;
pub(crate) mod cell;
pub(crate) mod config_ops;
pub(crate) mod device;
pub(crate) mod driver;
pub(crate) mod eventfd;
#[cfg(not(vdpa_core_bus))]
pub(crate) mod guest;
pub(crate) mod iotlb;
#[cfg(vdpa_irq_bypass)]
pub(crate) mod irq_bypass;
pub(crate) mod irq_lock;
pub(crate) mod mgmt;
pub(crate) mod ops_table;
pub(crate) mod root;
pub(crate) mod rwsem;
#[cfg(not(vdpa_core_bus))]
pub(crate) mod user_mem;
pub(crate) mod vq;
pub(crate) mod work;
