// SPDX-License-Identifier: GPL-2.0

//! A userspace virtio driver over vhost-vdpa, used by the VM tests to drive
//! vdpa_sim_net and vdpa_sim_blk through `/dev/vhost-vdpa-N` the way QEMU
//! does: [`vhost`] (ioctls), [`iotlb`] (IOTLB messages and batches),
//! [`ring`] (split virtqueues), [`session`] (the setup sequence), and the
//! [`net`] and [`blk`] scenarios behind the `vdpa-client` subcommands, and
//! the vhost-vdpa benchmarks of [`vbench`].

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod blk;
pub mod eventfd;
pub mod iotlb;
pub mod mem;
pub mod net;
pub mod report;
pub mod ring;
pub mod session;
pub mod vbench;
pub mod vhost;
pub mod virtio;
