// SPDX-License-Identifier: GPL-2.0

//! Kernel-independent logic of `mlx5_vdpa` (the ConnectX vDPA net parent):
//! for now the layout of a user memory region, that is how an IOTLB becomes
//! direct MTT mkeys and one indirect KLM mkey.
//!
//! Everything here uses `core` only and no `unsafe`, so the same files are
//! compiled into the kernel module and into the host test crate
//! (`tests/host/mlx5_vdpa`). Behaviour is Linux 6.12's
//! `drivers/vdpa/mlx5/core/mr.c` with the later upstream fixes; each file
//! says where it reads the C differently.

// The kernel module does not use every helper (some exist for the tests'
// models), hence the `dead_code` allowance.
#[allow(dead_code)]
pub(crate) mod mr_layout;
