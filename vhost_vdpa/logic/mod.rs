// SPDX-License-Identifier: GPL-2.0

//! Kernel-independent logic of `vhost_vdpa` (the `/dev/vhost-vdpa-N` char
//! device): the uAPI numbers, the decoding and checks of ioctl arguments,
//! the backend-feature rules, the status machine, the IOTLB message parser
//! with its batching state, and the page arithmetic of PA-mode pinning.
//!
//! Everything here uses `core` only and no `unsafe`, so the same files are
//! compiled into the kernel module and into the host test crate
//! (`tests/host/vhost_vdpa`). Behaviour is Linux 6.12's
//! `drivers/vhost/vdpa.c` and the parts of `drivers/vhost/vhost.c` it calls;
//! each file says where it reads the C differently from the contract.

// The kernel module does not use every helper (some exist for the tests'
// models), hence the `dead_code` allowance.
#[allow(dead_code)]
pub(crate) mod args;
#[allow(dead_code)]
pub(crate) mod features;
#[allow(dead_code)]
pub(crate) mod msg;
#[allow(dead_code)]
pub(crate) mod pages;
#[allow(dead_code)]
pub(crate) mod status;
#[allow(dead_code)]
pub(crate) mod uapi;

/// A Linux error code, as the logic reports it; the kernel side turns it
/// into its own error type with [`Errno::to_errno`].
///
/// The variant names are Linux's, so that a rule reads like the C it
/// mirrors.
#[allow(clippy::upper_case_acronyms, dead_code)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Errno {
    /// Operation not permitted (1).
    EPERM,
    /// I/O error (5).
    EIO,
    /// Argument list too long (7).
    E2BIG,
    /// Bad file descriptor (9).
    EBADF,
    /// Out of memory (12).
    ENOMEM,
    /// Bad address (14).
    EFAULT,
    /// Device or resource busy (16).
    EBUSY,
    /// File exists (17).
    EEXIST,
    /// Invalid argument (22).
    EINVAL,
    /// Inappropriate ioctl for device (25).
    ENOTTY,
    /// No space left on device (28).
    ENOSPC,
    /// Operation not supported (95).
    EOPNOTSUPP,
    /// No buffer space available (105).
    ENOBUFS,
}

impl Errno {
    /// The positive Linux error number (x86-64 and every architecture using
    /// `asm-generic/errno.h`).
    pub(crate) fn to_errno(self) -> i32 {
        match self {
            Errno::EPERM => 1,
            Errno::EIO => 5,
            Errno::E2BIG => 7,
            Errno::EBADF => 9,
            Errno::ENOMEM => 12,
            Errno::EFAULT => 14,
            Errno::EBUSY => 16,
            Errno::EEXIST => 17,
            Errno::EINVAL => 22,
            Errno::ENOTTY => 25,
            Errno::ENOSPC => 28,
            Errno::EOPNOTSUPP => 95,
            Errno::ENOBUFS => 105,
        }
    }
}
