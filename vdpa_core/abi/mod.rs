// SPDX-License-Identifier: GPL-2.0

//! The Rust face of the 6.12 vDPA C ABI, compiled into each module of the
//! suite that needs it.

pub(crate) mod bindings;
pub(crate) mod cell;
