// SPDX-License-Identifier: GPL-2.0
/*
 * The symbols of vdpa.ko, defined in Rust. exports.rs makes the Rust
 * compiler check each definition against the prototype of <linux/vdpa.h>
 * (through bindgen), so a drifted signature fails the build.
 */
#include <linux/module.h>
#include <linux/vdpa.h>

EXPORT_SYMBOL(vdpa_set_status);
EXPORT_SYMBOL_GPL(__vdpa_alloc_device);
EXPORT_SYMBOL_GPL(_vdpa_register_device);
EXPORT_SYMBOL_GPL(vdpa_register_device);
EXPORT_SYMBOL_GPL(_vdpa_unregister_device);
EXPORT_SYMBOL_GPL(vdpa_unregister_device);
EXPORT_SYMBOL_GPL(__vdpa_register_driver);
EXPORT_SYMBOL_GPL(vdpa_unregister_driver);
EXPORT_SYMBOL_GPL(vdpa_mgmtdev_register);
EXPORT_SYMBOL_GPL(vdpa_mgmtdev_unregister);
EXPORT_SYMBOL_GPL(vdpa_get_config);
EXPORT_SYMBOL_GPL(vdpa_set_config);
