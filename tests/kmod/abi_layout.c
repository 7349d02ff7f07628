// SPDX-License-Identifier: GPL-2.0
/*
 * The C compiler's view of the structures the suite shares with C modules.
 * abi_test.rs lists the same facts from the Rust bindings; the module
 * refuses to load unless both lists name the same facts with equal values.
 */
#include <linux/stddef.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>
#include <linux/auxiliary_bus.h>
#include <net/genetlink.h>
#include <uapi/linux/vhost.h>
#include <vdpa_rs/abi_layout.h>

#define SIZE(t) { "sizeof " #t, sizeof(struct t) }, { "alignof " #t, __alignof__(struct t) }
#define OFF(t, f) { #t "." #f, offsetof(struct t, f) }

static const struct vdpa_rs_layout layout[] = {
	SIZE(vdpa_device),
	OFF(vdpa_device, dev), OFF(vdpa_device, dma_dev), OFF(vdpa_device, config),
	OFF(vdpa_device, cf_lock), OFF(vdpa_device, index), OFF(vdpa_device, features_valid),
	OFF(vdpa_device, use_va), OFF(vdpa_device, nvqs), OFF(vdpa_device, mdev),
	OFF(vdpa_device, ngroups), OFF(vdpa_device, nas),

	SIZE(vdpa_config_ops),
	OFF(vdpa_config_ops, set_vq_address), OFF(vdpa_config_ops, get_vq_desc_group),
	OFF(vdpa_config_ops, reset), OFF(vdpa_config_ops, compat_reset),
	OFF(vdpa_config_ops, set_map), OFF(vdpa_config_ops, dma_map),
	OFF(vdpa_config_ops, dma_unmap), OFF(vdpa_config_ops, reset_map),
	OFF(vdpa_config_ops, bind_mm), OFF(vdpa_config_ops, free),

	SIZE(vdpa_driver),
	OFF(vdpa_driver, driver), OFF(vdpa_driver, probe), OFF(vdpa_driver, remove),

	SIZE(vdpa_mgmt_dev),
	OFF(vdpa_mgmt_dev, device), OFF(vdpa_mgmt_dev, ops), OFF(vdpa_mgmt_dev, id_table),
	OFF(vdpa_mgmt_dev, config_attr_mask), OFF(vdpa_mgmt_dev, list),
	OFF(vdpa_mgmt_dev, supported_features), OFF(vdpa_mgmt_dev, max_supported_vqs),

	SIZE(vdpa_mgmtdev_ops),
	OFF(vdpa_mgmtdev_ops, dev_add), OFF(vdpa_mgmtdev_ops, dev_del),
	OFF(vdpa_mgmtdev_ops, dev_set_attr),

	SIZE(vdpa_dev_set_config),
	OFF(vdpa_dev_set_config, device_features), OFF(vdpa_dev_set_config, mask),

	SIZE(vdpa_callback),
	OFF(vdpa_callback, callback), OFF(vdpa_callback, private), OFF(vdpa_callback, trigger),

	SIZE(vdpa_iova_range), SIZE(vdpa_notification_area), SIZE(vdpa_vq_state),
	SIZE(vdpa_map_file),

	SIZE(vhost_iotlb),
	OFF(vhost_iotlb, root), OFF(vhost_iotlb, list), OFF(vhost_iotlb, limit),
	OFF(vhost_iotlb, nmaps), OFF(vhost_iotlb, flags),

	SIZE(vhost_iotlb_map),
	OFF(vhost_iotlb_map, rb), OFF(vhost_iotlb_map, link), OFF(vhost_iotlb_map, start),
	OFF(vhost_iotlb_map, last), OFF(vhost_iotlb_map, size), OFF(vhost_iotlb_map, addr),
	OFF(vhost_iotlb_map, perm), OFF(vhost_iotlb_map, __subtree_last),
	OFF(vhost_iotlb_map, opaque),

	SIZE(vhost_iotlb_msg),
	OFF(vhost_iotlb_msg, iova), OFF(vhost_iotlb_msg, size), OFF(vhost_iotlb_msg, uaddr),
	OFF(vhost_iotlb_msg, perm),
	SIZE(vhost_msg), SIZE(vhost_msg_v2), OFF(vhost_msg_v2, asid),
	SIZE(vhost_vring_state), SIZE(vhost_vring_addr), SIZE(vhost_vring_file),
	SIZE(vhost_vdpa_config), SIZE(vhost_vdpa_iova_range),

	SIZE(genl_family),
	OFF(genl_family, hdrsize), OFF(genl_family, name), OFF(genl_family, version),
	OFF(genl_family, maxattr), OFF(genl_family, policy),
	OFF(genl_family, ops), OFF(genl_family, small_ops), OFF(genl_family, n_ops),
	OFF(genl_family, n_small_ops), OFF(genl_family, module),
	SIZE(genl_ops), SIZE(genl_small_ops), SIZE(genl_info),

	SIZE(auxiliary_device), SIZE(auxiliary_driver),
	OFF(auxiliary_driver, probe), OFF(auxiliary_driver, remove),
	OFF(auxiliary_driver, driver), OFF(auxiliary_driver, id_table),
};

const struct vdpa_rs_layout *vdpa_rs_c_layout(size_t *count)
{
	*count = ARRAY_SIZE(layout);
	return layout;
}
