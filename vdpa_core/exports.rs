// SPDX-License-Identifier: GPL-2.0

//! The exported functions checked against `<linux/vdpa.h>`.
//!
//! `exports.c` exports the symbols, but EXPORT_SYMBOL only compares the
//! header with itself. Here each Rust definition is assigned to a function
//! pointer of the type bindgen produced from the header's prototype, so a
//! Rust signature that drifts from the C one (a parameter's type, its
//! constness, the arity, the return type) fails the build.

use crate::abi::bindings;

/// `check!(name, N)`: `name`, defined in Rust with `N` parameters (one
/// `_` each), has the type of the header's `name`.
macro_rules! check {
    ($path:path, $name:ident, $($arg:tt)*) => {{
        let mut f = bindings::$name as unsafe extern "C" fn($($arg),*) -> _;
        f = $path;
        let _ = f;
    }};
}

/// Never called: it only has to compile.
#[allow(dead_code, unused_assignments)]
fn signatures_match_the_header() {
    use crate::{config, device, driver, mgmt};
    check!(device::__vdpa_alloc_device, __vdpa_alloc_device, _ _ _ _ _ _ _);
    check!(device::_vdpa_register_device, _vdpa_register_device, _ _);
    check!(device::vdpa_register_device, vdpa_register_device, _ _);
    check!(device::_vdpa_unregister_device, _vdpa_unregister_device, _);
    check!(device::vdpa_unregister_device, vdpa_unregister_device, _);
    check!(driver::__vdpa_register_driver, __vdpa_register_driver, _ _);
    check!(driver::vdpa_unregister_driver, vdpa_unregister_driver, _);
    check!(mgmt::vdpa_mgmtdev_register, vdpa_mgmtdev_register, _);
    check!(mgmt::vdpa_mgmtdev_unregister, vdpa_mgmtdev_unregister, _);
    check!(config::vdpa_get_config, vdpa_get_config, _ _ _ _);
    check!(config::vdpa_set_config, vdpa_set_config, _ _ _ _);
    check!(config::vdpa_set_status, vdpa_set_status, _ _);
}
