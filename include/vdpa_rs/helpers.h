/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C glue for what bindgen cannot turn into Rust: static inline functions and
 * function-like macros of the kernel headers. Each helper is a plain
 * function with the "vdpa_rs_" prefix, defined in helpers.c, compiled into
 * every module that uses it and never exported.
 */
#ifndef _VDPA_RS_HELPERS_H
#define _VDPA_RS_HELPERS_H

#include <linux/types.h>

struct device;
struct vdpa_device;
struct vdpa_driver;
struct device_driver;

/* include/linux/vdpa.h */
struct vdpa_device *vdpa_rs_dev_to_vdpa(struct device *dev);
struct vdpa_driver *vdpa_rs_drv_to_vdpa(struct device_driver *drv);
void *vdpa_rs_get_drvdata(const struct vdpa_device *vdev);
void vdpa_rs_set_drvdata(struct vdpa_device *vdev, void *data);
struct device *vdpa_rs_get_dma_dev(struct vdpa_device *vdev);
int vdpa_rs_reset(struct vdpa_device *vdev, u32 flags);
int vdpa_rs_set_features(struct vdpa_device *vdev, u64 features);

/* include/linux/device.h */
void vdpa_rs_get_device(struct device *dev);

#endif /* _VDPA_RS_HELPERS_H */
