// SPDX-License-Identifier: GPL-2.0
/*
 * vhost_vdpa.ko's module parameter, with upstream's name, type and default.
 * Rust modules of Linux 6.12 cannot declare parameters.
 */
#include <linux/module.h>
#include <vdpa_rs/vhost_vdpa.h>

static int max_iotlb_entries = 2048;
module_param(max_iotlb_entries, int, 0444);
MODULE_PARM_DESC(max_iotlb_entries,
		 "Most IOTLB entries of one address space (default: 2048; 0 or less refuses every map)");

int vhost_vdpa_rs_max_iotlb_entries(void)
{
	return max_iotlb_entries;
}
