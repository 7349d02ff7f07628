// SPDX-License-Identifier: GPL-2.0
/* vdpa_sim_blk.ko's module parameter, as upstream's. */
#include <linux/moduleparam.h>
#include <vdpa_rs/vdpa_sim.h>

static bool shared_backend;
module_param(shared_backend, bool, 0444);
MODULE_PARM_DESC(shared_backend, "All devices share one RAM disk (default: false)");

bool vdpasim_blk_rs_shared_backend(void)
{
	return shared_backend;
}
