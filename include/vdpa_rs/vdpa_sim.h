/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What vdpa_sim.ko exports to the simulator parents: the simulator core's
 * module parameters, which upstream keeps on vdpa_sim.ko too.
 */
#ifndef _VDPA_RS_VDPA_SIM_H
#define _VDPA_RS_VDPA_SIM_H

#include <linux/types.h>

struct vdpasim_rs_params {
	int batch_mapping;
	int max_iotlb_entries;
	bool use_va;
};

void vdpasim_rs_get_params(struct vdpasim_rs_params *params);

/* vdpa_sim_blk.ko's own parameter. */
bool vdpasim_blk_rs_shared_backend(void);

/* vdpa_sim_net.ko's own parameter (not upstream: see Documentation/vdpa_sim.rst). */
bool vdpasim_net_rs_desc_group(void);

#endif /* _VDPA_RS_VDPA_SIM_H */
