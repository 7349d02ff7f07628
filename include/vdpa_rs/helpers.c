// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line copies of the kernel's static inline helpers, so Rust can call
 * them. Prototypes in helpers.h.
 */
#include <linux/device.h>
#include <linux/vdpa.h>
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
