// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line copies of the kernel's static inline helpers, so Rust can call
 * them. Prototypes in helpers.h.
 */
#include <linux/device.h>
#include <linux/vdpa.h>
#include <linux/dma-mapping.h>
#include <linux/idr.h>
#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <vdpa_rs/helpers.h>

struct vdpa_device *vdpa_rs_dev_to_vdpa(struct device *dev)
{
	return dev_to_vdpa(dev);
}

struct vdpa_driver *vdpa_rs_drv_to_vdpa(struct device_driver *drv)
{
	return drv_to_vdpa(drv);
}

void *vdpa_rs_get_drvdata(const struct vdpa_device *vdev)
{
	return vdpa_get_drvdata(vdev);
}

void vdpa_rs_set_drvdata(struct vdpa_device *vdev, void *data)
{
	vdpa_set_drvdata(vdev, data);
}

struct device *vdpa_rs_get_dma_dev(struct vdpa_device *vdev)
{
	return vdpa_get_dma_dev(vdev);
}

int vdpa_rs_reset(struct vdpa_device *vdev, u32 flags)
{
	return vdpa_reset(vdev, flags);
}

int vdpa_rs_set_features(struct vdpa_device *vdev, u64 features)
{
	return vdpa_set_features(vdev, features);
}

void vdpa_rs_get_device(struct device *dev)
{
	get_device(dev);
}

const char *vdpa_rs_dev_name(const struct device *dev)
{
	return dev_name(dev);
}

int vdpa_rs_device_match_driver_override(struct device *dev,
					 const struct device_driver *drv)
{
	return device_match_driver_override(dev, drv);
}

/* Every rw_semaphore initialised here shares one lockdep class. */
void vdpa_rs_init_rwsem(struct rw_semaphore *sem)
{
	init_rwsem(sem);
}

void vdpa_rs_rwsem_assert_held_write(struct rw_semaphore *sem)
{
	lockdep_assert_held_write(sem);
}

void vdpa_rs_ida_init(struct ida *ida)
{
	ida_init(ida);
}

void *vdpa_rs_kzalloc(size_t size)
{
	return kzalloc(size, GFP_KERNEL);
}

struct sk_buff *vdpa_rs_genlmsg_new(void)
{
	return nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
}

void vdpa_rs_nlmsg_free(struct sk_buff *skb)
{
	nlmsg_free(skb);
}

void vdpa_rs_genlmsg_end(struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
}

void vdpa_rs_genlmsg_cancel(struct sk_buff *skb, void *hdr)
{
	genlmsg_cancel(skb, hdr);
}

int vdpa_rs_genlmsg_reply(struct sk_buff *skb, struct genl_info *info)
{
	return genlmsg_reply(skb, info);
}

u32 vdpa_rs_skb_len(const struct sk_buff *skb)
{
	return skb->len;
}

u32 vdpa_rs_netlink_cb_portid(const struct netlink_callback *cb)
{
	return NETLINK_CB(cb->skb).portid;
}

bool vdpa_rs_netlink_net_admin(const struct sk_buff *skb)
{
	return netlink_capable(skb, CAP_NET_ADMIN);
}

int vdpa_rs_dma_set_mask_and_coherent(struct device *dev, u64 mask)
{
	return dma_set_mask_and_coherent(dev, mask);
}

void vdpa_rs_init_list_head(struct list_head *list)
{
	INIT_LIST_HEAD(list);
}

void vdpa_rs_list_add_tail(struct list_head *entry, struct list_head *head)
{
	list_add_tail(entry, head);
}

void vdpa_rs_list_del(struct list_head *entry)
{
	list_del(entry);
}
