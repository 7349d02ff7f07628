// SPDX-License-Identifier: GPL-2.0
/*
 * vdpa_sim_net.ko's module parameter. Not in upstream: with desc_group=1
 * every virtqueue's rings belong to a virtqueue group of their own, so
 * VHOST_BACKEND_F_DESC_ASID can be exercised without hardware.
 */
#include <linux/moduleparam.h>
#include <vdpa_rs/vdpa_sim.h>

static bool desc_group;
module_param(desc_group, bool, 0444);
MODULE_PARM_DESC(desc_group, "Put every virtqueue's rings in a group of their own (default: false, as upstream)");

bool vdpasim_net_rs_desc_group(void)
{
	return desc_group;
}
