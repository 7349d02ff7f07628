// SPDX-License-Identifier: GPL-2.0

//! Only a holder for the dependency on rust-vmm's vhost crate: the client
//! the VM test runs is that crate's own test binary.

fn main() {}
