// SPDX-License-Identifier: GPL-2.0
/*
 * vdpa_sim.ko's module parameters, with upstream's names, types and
 * defaults. Rust modules of Linux 6.12 cannot declare parameters, so they
 * live here and the simulator parents read them when a device is created.
 */
#include <linux/module.h>
#include <vdpa_rs/vdpa_sim.h>

static int batch_mapping = 1;
module_param(batch_mapping, int, 0444);
MODULE_PARM_DESC(batch_mapping, "Map with one set_map per batch (1, default) or with dma_map/dma_unmap (0)");

static int max_iotlb_entries = 2048;
module_param(max_iotlb_entries, int, 0444);
MODULE_PARM_DESC(max_iotlb_entries, "Most IOTLB entries of one address space (default: 2048)");

static bool use_va = true;
module_param(use_va, bool, 0444);
MODULE_PARM_DESC(use_va, "Devices take user virtual addresses from vhost-vdpa (default: true)");

void vdpasim_rs_get_params(struct vdpasim_rs_params *params)
{
	params->batch_mapping = batch_mapping;
	params->max_iotlb_entries = max_iotlb_entries;
	params->use_va = use_va;
}
EXPORT_SYMBOL_GPL(vdpasim_rs_get_params);
