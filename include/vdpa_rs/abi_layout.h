/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout facts of the C ABI as the C compiler sees them, for the ABI test
 * module (tests/kmod), which compares them with the Rust bindings.
 */
#ifndef _VDPA_RS_ABI_LAYOUT_H
#define _VDPA_RS_ABI_LAYOUT_H

#include <linux/types.h>

/* One fact: "sizeof type", "alignof type" or "type.field", and its value. */
struct vdpa_rs_layout {
	const char *name;
	size_t value;
};

/* The table compiled by GCC, and its length in *count. */
const struct vdpa_rs_layout *vdpa_rs_c_layout(size_t *count);

#endif /* _VDPA_RS_ABI_LAYOUT_H */
