// SPDX-License-Identifier: GPL-2.0
/*
 * C helpers of vdpa_rs_test_parent (test_parent.rs) for what Rust cannot
 * reach through bindings: the page allocator's macro and virt_to_phys(),
 * used for the doorbell page of each ring of an irq* device.
 */

#include <linux/gfp.h>
#include <linux/io.h>
#include <linux/mm.h>

/* Called from test_parent.rs, which declares them in an extern block. */
void *vdpa_rs_tp_doorbell_alloc(u64 *phys);
void vdpa_rs_tp_doorbell_free(void *page);

/* A zeroed page; its physical address goes to *phys. NULL if none. */
void *vdpa_rs_tp_doorbell_alloc(u64 *phys)
{
	unsigned long page = get_zeroed_page(GFP_KERNEL);

	if (!page)
		return NULL;
	*phys = virt_to_phys((void *)page);
	return (void *)page;
}

/* Frees a page of vdpa_rs_tp_doorbell_alloc(). */
void vdpa_rs_tp_doorbell_free(void *page)
{
	free_page((unsigned long)page);
}
