// SPDX-License-Identifier: GPL-2.0

//! The numbers of the vhost-vdpa user API (`include/uapi/linux/vhost.h`,
//! `vhost_types.h`, `virtio_config.h`) and the few kernel constants the
//! rules depend on.
//!
//! The ioctl request codes are the full x86-64 values, written out: the
//! host tests re-derive each one from the `_IO`/`_IOR`/`_IOW`/`_IOWR`
//! arithmetic and the argument sizes below, so a typo cannot hide behind
//! shared code.

/// ioctl magic of vhost (`VHOST_VIRTIO`).
pub(crate) const VHOST_VIRTIO: u32 = 0xAF;

// Argument sizes (x86-64) of the ioctls, from `vhost_types.h`.

/// `sizeof(struct vhost_vring_state)`: `{u32 index; u32 num}`.
pub(crate) const VRING_STATE_SIZE: usize = 8;
/// `sizeof(struct vhost_vring_file)`: `{u32 index; s32 fd}`.
pub(crate) const VRING_FILE_SIZE: usize = 8;
/// `sizeof(struct vhost_vring_addr)`: index, flags, then four `u64`s.
pub(crate) const VRING_ADDR_SIZE: usize = 40;
/// `sizeof(struct vhost_vdpa_config)` without its flexible `buf`:
/// `{u32 off; u32 len}`.
pub(crate) const CONFIG_HDR_SIZE: usize = 8;
/// `sizeof(struct vhost_vdpa_iova_range)`: `{u64 first; u64 last}`.
pub(crate) const IOVA_RANGE_SIZE: usize = 16;
/// `sizeof(struct vhost_memory)` without its flexible `regions`:
/// `{u32 nregions; u32 padding}`.
pub(crate) const MEMORY_HDR_SIZE: usize = 8;
/// `sizeof(struct vhost_memory_region)`: four `u64`s.
pub(crate) const MEMORY_REGION_SIZE: usize = 32;

// ioctl request codes (contract B.3).

/// `_IOR(0xAF, 0x00, __u64)`: device features.
pub(crate) const VHOST_GET_FEATURES: u32 = 0x8008_AF00;
/// `_IOW(0xAF, 0x00, __u64)`: driver features.
pub(crate) const VHOST_SET_FEATURES: u32 = 0x4008_AF00;
/// `_IO(0xAF, 0x01)`: become the owner.
pub(crate) const VHOST_SET_OWNER: u32 = 0x0000_AF01;
/// `_IO(0xAF, 0x02)`: not implemented by vhost-vdpa (vring path).
pub(crate) const VHOST_RESET_OWNER: u32 = 0x0000_AF02;
/// `_IOW(0xAF, 0x03, struct vhost_memory)`: stored, no device effect.
pub(crate) const VHOST_SET_MEM_TABLE: u32 = 0x4008_AF03;
/// `_IOW(0xAF, 0x04, __u64)`: ENOTTY on vhost-vdpa.
pub(crate) const VHOST_SET_LOG_BASE: u32 = 0x4008_AF04;
/// `_IOW(0xAF, 0x07, int)`: ENOTTY on vhost-vdpa.
pub(crate) const VHOST_SET_LOG_FD: u32 = 0x4004_AF07;
/// `_IOR(0xAF, 0x08, struct vhost_worker_state)`: unknown to vhost-vdpa.
pub(crate) const VHOST_NEW_WORKER: u32 = 0x8004_AF08;
/// `_IOW(0xAF, 0x09, struct vhost_worker_state)`: unknown to vhost-vdpa.
pub(crate) const VHOST_FREE_WORKER: u32 = 0x4004_AF09;
/// `_IOW(0xAF, 0x10, struct vhost_vring_state)`.
pub(crate) const VHOST_SET_VRING_NUM: u32 = 0x4008_AF10;
/// `_IOW(0xAF, 0x11, struct vhost_vring_addr)`.
pub(crate) const VHOST_SET_VRING_ADDR: u32 = 0x4028_AF11;
/// `_IOW(0xAF, 0x12, struct vhost_vring_state)`.
pub(crate) const VHOST_SET_VRING_BASE: u32 = 0x4008_AF12;
/// `_IOWR(0xAF, 0x12, struct vhost_vring_state)`.
pub(crate) const VHOST_GET_VRING_BASE: u32 = 0xC008_AF12;
/// `_IOW(0xAF, 0x13, struct vhost_vring_state)`.
pub(crate) const VHOST_SET_VRING_ENDIAN: u32 = 0x4008_AF13;
/// `_IOW(0xAF, 0x14, struct vhost_vring_state)` (sic: `_IOW` upstream).
pub(crate) const VHOST_GET_VRING_ENDIAN: u32 = 0x4008_AF14;
/// `_IOW(0xAF, 0x15, struct vhost_vring_worker)`: unknown to vhost-vdpa.
pub(crate) const VHOST_ATTACH_VRING_WORKER: u32 = 0x4008_AF15;
/// `_IOWR(0xAF, 0x16, struct vhost_vring_worker)`: unknown to vhost-vdpa.
pub(crate) const VHOST_GET_VRING_WORKER: u32 = 0xC008_AF16;
/// `_IOW(0xAF, 0x20, struct vhost_vring_file)`.
pub(crate) const VHOST_SET_VRING_KICK: u32 = 0x4008_AF20;
/// `_IOW(0xAF, 0x21, struct vhost_vring_file)`.
pub(crate) const VHOST_SET_VRING_CALL: u32 = 0x4008_AF21;
/// `_IOW(0xAF, 0x22, struct vhost_vring_file)`.
pub(crate) const VHOST_SET_VRING_ERR: u32 = 0x4008_AF22;
/// `_IOW(0xAF, 0x23, struct vhost_vring_state)`.
pub(crate) const VHOST_SET_VRING_BUSYLOOP_TIMEOUT: u32 = 0x4008_AF23;
/// `_IOW(0xAF, 0x24, struct vhost_vring_state)` (sic: `_IOW` upstream).
pub(crate) const VHOST_GET_VRING_BUSYLOOP_TIMEOUT: u32 = 0x4008_AF24;
/// `_IOW(0xAF, 0x25, __u64)`.
pub(crate) const VHOST_SET_BACKEND_FEATURES: u32 = 0x4008_AF25;
/// `_IOR(0xAF, 0x26, __u64)`.
pub(crate) const VHOST_GET_BACKEND_FEATURES: u32 = 0x8008_AF26;
/// `_IOR(0xAF, 0x70, __u32)`.
pub(crate) const VHOST_VDPA_GET_DEVICE_ID: u32 = 0x8004_AF70;
/// `_IOR(0xAF, 0x71, __u8)`.
pub(crate) const VHOST_VDPA_GET_STATUS: u32 = 0x8001_AF71;
/// `_IOW(0xAF, 0x72, __u8)`.
pub(crate) const VHOST_VDPA_SET_STATUS: u32 = 0x4001_AF72;
/// `_IOR(0xAF, 0x73, struct vhost_vdpa_config)`.
pub(crate) const VHOST_VDPA_GET_CONFIG: u32 = 0x8008_AF73;
/// `_IOW(0xAF, 0x74, struct vhost_vdpa_config)`.
pub(crate) const VHOST_VDPA_SET_CONFIG: u32 = 0x4008_AF74;
/// `_IOW(0xAF, 0x75, struct vhost_vring_state)`.
pub(crate) const VHOST_VDPA_SET_VRING_ENABLE: u32 = 0x4008_AF75;
/// `_IOR(0xAF, 0x76, __u16)`.
pub(crate) const VHOST_VDPA_GET_VRING_NUM: u32 = 0x8002_AF76;
/// `_IOW(0xAF, 0x77, int)`.
pub(crate) const VHOST_VDPA_SET_CONFIG_CALL: u32 = 0x4004_AF77;
/// `_IOR(0xAF, 0x78, struct vhost_vdpa_iova_range)`.
pub(crate) const VHOST_VDPA_GET_IOVA_RANGE: u32 = 0x8010_AF78;
/// `_IOR(0xAF, 0x79, __u32)`.
pub(crate) const VHOST_VDPA_GET_CONFIG_SIZE: u32 = 0x8004_AF79;
/// `_IOR(0xAF, 0x7A, unsigned int)`.
pub(crate) const VHOST_VDPA_GET_AS_NUM: u32 = 0x8004_AF7A;
/// `_IOWR(0xAF, 0x7B, struct vhost_vring_state)`.
pub(crate) const VHOST_VDPA_GET_VRING_GROUP: u32 = 0xC008_AF7B;
/// `_IOW(0xAF, 0x7C, struct vhost_vring_state)`.
pub(crate) const VHOST_VDPA_SET_GROUP_ASID: u32 = 0x4008_AF7C;
/// `_IO(0xAF, 0x7D)`.
pub(crate) const VHOST_VDPA_SUSPEND: u32 = 0x0000_AF7D;
/// `_IO(0xAF, 0x7E)`.
pub(crate) const VHOST_VDPA_RESUME: u32 = 0x0000_AF7E;
/// `_IOWR(0xAF, 0x7F, struct vhost_vring_state)`.
pub(crate) const VHOST_VDPA_GET_VRING_DESC_GROUP: u32 = 0xC008_AF7F;
/// `_IOR(0xAF, 0x80, __u32)`.
pub(crate) const VHOST_VDPA_GET_VQS_COUNT: u32 = 0x8004_AF80;
/// `_IOR(0xAF, 0x81, __u32)`.
pub(crate) const VHOST_VDPA_GET_GROUP_NUM: u32 = 0x8004_AF81;
/// `_IOWR(0xAF, 0x82, struct vhost_vring_state)`.
pub(crate) const VHOST_VDPA_GET_VRING_SIZE: u32 = 0xC008_AF82;
/// `_IOW(0xAF, 0x84, __u8)` **[tree]**.
pub(crate) const VHOST_SET_FORK_FROM_OWNER: u32 = 0x4001_AF84;
/// `_IOR(0xAF, 0x85, __u8)` **[tree]**.
pub(crate) const VHOST_GET_FORK_FROM_OWNER: u32 = 0x8001_AF85;

// Backend feature bit numbers (contract B.4).

/// `VHOST_BACKEND_F_IOTLB_MSG_V2`.
pub(crate) const BACKEND_F_IOTLB_MSG_V2: u32 = 1;
/// `VHOST_BACKEND_F_IOTLB_BATCH`.
pub(crate) const BACKEND_F_IOTLB_BATCH: u32 = 2;
/// `VHOST_BACKEND_F_IOTLB_ASID`.
pub(crate) const BACKEND_F_IOTLB_ASID: u32 = 3;
/// `VHOST_BACKEND_F_SUSPEND`.
pub(crate) const BACKEND_F_SUSPEND: u32 = 4;
/// `VHOST_BACKEND_F_RESUME`.
pub(crate) const BACKEND_F_RESUME: u32 = 5;
/// `VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK`.
pub(crate) const BACKEND_F_ENABLE_AFTER_DRIVER_OK: u32 = 6;
/// `VHOST_BACKEND_F_DESC_ASID`.
pub(crate) const BACKEND_F_DESC_ASID: u32 = 7;
/// `VHOST_BACKEND_F_IOTLB_PERSIST`.
pub(crate) const BACKEND_F_IOTLB_PERSIST: u32 = 8;

// IOTLB messages (contract B.5).

/// Header type of `struct vhost_msg` (v1).
pub(crate) const VHOST_IOTLB_MSG: u32 = 1;
/// Header type of `struct vhost_msg_v2`.
pub(crate) const VHOST_IOTLB_MSG_V2: u32 = 2;
/// `sizeof(struct vhost_msg)` and `sizeof(struct vhost_msg_v2)`.
pub(crate) const IOTLB_MSG_LEN: usize = 72;
/// `sizeof(struct vhost_iotlb_msg)` (with its tail padding).
pub(crate) const IOTLB_BODY_LEN: usize = 32;
/// Offset of the `vhost_iotlb_msg` body in both message versions.
pub(crate) const IOTLB_BODY_OFFSET: usize = 8;

/// `VHOST_IOTLB_MISS` (never produced by vhost-vdpa).
pub(crate) const VHOST_IOTLB_MISS: u8 = 1;
/// `VHOST_IOTLB_UPDATE`.
pub(crate) const VHOST_IOTLB_UPDATE: u8 = 2;
/// `VHOST_IOTLB_INVALIDATE`.
pub(crate) const VHOST_IOTLB_INVALIDATE: u8 = 3;
/// `VHOST_IOTLB_ACCESS_FAIL` (never produced by vhost-vdpa).
pub(crate) const VHOST_IOTLB_ACCESS_FAIL: u8 = 4;
/// `VHOST_IOTLB_BATCH_BEGIN`.
pub(crate) const VHOST_IOTLB_BATCH_BEGIN: u8 = 5;
/// `VHOST_IOTLB_BATCH_END`.
pub(crate) const VHOST_IOTLB_BATCH_END: u8 = 6;

/// `VHOST_ACCESS_RO` (= `VHOST_MAP_RO`).
pub(crate) const VHOST_ACCESS_RO: u8 = 1;
/// `VHOST_ACCESS_WO` (= `VHOST_MAP_WO`).
pub(crate) const VHOST_ACCESS_WO: u8 = 2;
/// `VHOST_ACCESS_RW` (= `VHOST_MAP_RW`).
pub(crate) const VHOST_ACCESS_RW: u8 = 3;

// Vring addresses.

/// Bit number of `VHOST_VRING_F_LOG` in `vhost_vring_addr.flags`.
pub(crate) const VHOST_VRING_F_LOG: u32 = 0;
/// `VHOST_FILE_UNBIND`: the fd that unbinds an eventfd.
pub(crate) const VHOST_FILE_UNBIND: i32 = -1;

// Virtio (`virtio_config.h`).

/// `VIRTIO_CONFIG_S_ACKNOWLEDGE`.
pub(crate) const S_ACKNOWLEDGE: u8 = 1;
/// `VIRTIO_CONFIG_S_DRIVER`.
pub(crate) const S_DRIVER: u8 = 2;
/// `VIRTIO_CONFIG_S_DRIVER_OK`.
pub(crate) const S_DRIVER_OK: u8 = 4;
/// `VIRTIO_CONFIG_S_FEATURES_OK`.
pub(crate) const S_FEATURES_OK: u8 = 8;
/// `VIRTIO_CONFIG_S_NEEDS_RESET`.
pub(crate) const S_NEEDS_RESET: u8 = 0x40;
/// `VIRTIO_CONFIG_S_FAILED`.
pub(crate) const S_FAILED: u8 = 0x80;
/// Bit number of `VIRTIO_F_RING_PACKED`.
pub(crate) const VIRTIO_F_RING_PACKED: u32 = 34;

// Kernel constants.

/// `VDPA_RESET_F_CLEAN_MAP` (`include/linux/vdpa.h`): the compat reset
/// also drops the device's mappings.
pub(crate) const VDPA_RESET_F_CLEAN_MAP: u32 = 1;
/// `VHOST_VDPA_DEV_MAX` = `1 << MINORBITS`: number of minors.
pub(crate) const VHOST_VDPA_DEV_MAX: u32 = 1 << 20;
/// Default of vhost's `max_mem_regions` parameter (SET_MEM_TABLE limit).
pub(crate) const MAX_MEM_REGIONS: u32 = 64;
/// Default of vhost_vdpa's `max_iotlb_entries` parameter.
pub(crate) const MAX_IOTLB_ENTRIES: i32 = 2048;
