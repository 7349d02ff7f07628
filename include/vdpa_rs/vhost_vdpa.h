/* SPDX-License-Identifier: GPL-2.0 */
/* vhost_vdpa.ko's C glue: its module parameter (vhost_vdpa/params.c). */
#ifndef _VDPA_RS_VHOST_VDPA_H
#define _VDPA_RS_VHOST_VDPA_H

int vhost_vdpa_rs_max_iotlb_entries(void);

#endif /* _VDPA_RS_VHOST_VDPA_H */
