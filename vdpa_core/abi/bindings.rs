// SPDX-License-Identifier: GPL-2.0

//! Raw bindings to the C ABI the suite is built against.
//!
//! `bindgen` generates them at build time from `include/vdpa_rs/bindings_helper.h`
//! (see `tools/kbuild/rust.mk`); no struct layout is written by hand. Only
//! the items declared in the suite's headers are generated here. Everything
//! they refer to comes from [`kernel::bindings`], so the types are the ones
//! the `kernel` crate's wrappers use.
//!
//! Modules never use this directly outside of the `abi` layer.

#[allow(
    clippy::all,
    dead_code,
    missing_docs,
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    improper_ctypes,
    unreachable_pub,
    unsafe_op_in_unsafe_fn
)]
mod generated {
    use kernel::bindings::*;
    use kernel::ffi;

    include!(env!("VDPA_RS_BINDINGS"));
}

#[allow(unused_imports, unreachable_pub)]
pub use generated::*;
#[allow(unused_imports, unreachable_pub)]
pub use kernel::bindings::*;
