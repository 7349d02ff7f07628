/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What bindgen reads for every module of the suite. Types and functions of
 * the headers named in bindgen_parameters become Rust items; everything they
 * refer to is taken from the kernel crate's own bindings, so a struct device
 * here is the same Rust type as kernel::bindings::device.
 */
#ifndef _VDPA_RS_BINDINGS_HELPER_H
#define _VDPA_RS_BINDINGS_HELPER_H

#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>
#include <linux/eventfd.h>
#include <linux/irqbypass.h>
#include <linux/auxiliary_bus.h>
#include <net/genetlink.h>
#include <uapi/linux/vhost.h>
#include <uapi/linux/vhost_types.h>
#include <uapi/linux/vdpa.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>
#include <uapi/linux/virtio_types.h>
#include <uapi/linux/genetlink.h>
#include <uapi/linux/virtio_net.h>
#include <uapi/linux/virtio_blk.h>
#include <uapi/linux/virtio_ring.h>

#include <linux/slab.h>
#include <linux/cdev.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/poll.h>

#include <vdpa_rs/helpers.h>
#include <vdpa_rs/abi_layout.h>
#include <vdpa_rs/vdpa_sim.h>
#include <vdpa_rs/vhost_vdpa.h>

/*
 * Constants bindgen cannot read from a macro: what every kmalloc()
 * allocation is aligned to, which bounds the alignment of a device that
 * __vdpa_alloc_device() allocates.
 */
const size_t VDPA_RS_KMALLOC_MINALIGN = ARCH_KMALLOC_MINALIGN;

#endif /* _VDPA_RS_BINDINGS_HELPER_H */
