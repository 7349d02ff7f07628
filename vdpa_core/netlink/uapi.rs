// SPDX-License-Identifier: GPL-2.0

//! Numbers of the vdpa generic netlink family and the virtio constants the
//! vDPA core tests.
//!
//! This is the one place these numbers are written down. The family numbers
//! come from `include/uapi/linux/vdpa.h`, the virtio ones from
//! `include/uapi/linux/virtio_{config,ids,net,blk}.h` of Linux 6.12.
//!
//! Feature constants are *bit numbers*, as in C; turn them into masks with
//! [`bit_ull`].
//!
//! The file is kernel independent: it only uses `core`, so it is compiled
//! both into the vdpa module and into the host test crate.

/// Name of the generic netlink family (`VDPA_GENL_NAME`), NUL terminated.
pub const GENL_NAME: &[u8] = b"vdpa\0";

/// Version of the generic netlink family (`VDPA_GENL_VERSION`).
pub const GENL_VERSION: u8 = 1;

/// `BIT_ULL(nr)`: the 64-bit mask with only bit `nr` set.
///
/// Returns 0 when `nr` is 64 or more, where C's `BIT_ULL` would be undefined.
pub const fn bit_ull(nr: u32) -> u64 {
    match 1u64.checked_shl(nr) {
        Some(mask) => mask,
        None => 0,
    }
}

/// Command numbers (`enum vdpa_command`).
pub mod cmd {
    /// `VDPA_CMD_UNSPEC`.
    pub const UNSPEC: u8 = 0;
    /// `VDPA_CMD_MGMTDEV_NEW`: only used as the command of MGMTDEV_GET replies.
    pub const MGMTDEV_NEW: u8 = 1;
    /// `VDPA_CMD_MGMTDEV_GET` (doit and dump).
    pub const MGMTDEV_GET: u8 = 2;
    /// `VDPA_CMD_DEV_NEW`: create a device; also the command of DEV_GET replies.
    pub const DEV_NEW: u8 = 3;
    /// `VDPA_CMD_DEV_DEL`.
    pub const DEV_DEL: u8 = 4;
    /// `VDPA_CMD_DEV_GET` (doit and dump).
    pub const DEV_GET: u8 = 5;
    /// `VDPA_CMD_DEV_CONFIG_GET` (doit and dump).
    pub const DEV_CONFIG_GET: u8 = 6;
    /// `VDPA_CMD_DEV_VSTATS_GET`.
    pub const DEV_VSTATS_GET: u8 = 7;
    /// `VDPA_CMD_DEV_ATTR_SET`.
    pub const DEV_ATTR_SET: u8 = 8;
}

/// The family's `resv_start_op`: commands from this number on get the strict
/// genetlink header and flags check (only [`cmd::DEV_ATTR_SET`]).
pub const RESV_START_OP: u8 = cmd::DEV_VSTATS_GET + 1;

/// Attribute ids (`enum vdpa_attr`).
///
/// The comments give the type the kernel puts on the wire.
pub mod attr {
    /// `VDPA_ATTR_UNSPEC`.
    pub const UNSPEC: u16 = 0;
    /// `VDPA_ATTR_PAD`: pad attribute for 64-bit alignment (same id as UNSPEC).
    pub const PAD: u16 = UNSPEC;
    /// `VDPA_ATTR_MGMTDEV_BUS_NAME`: string, NUL terminated.
    pub const MGMTDEV_BUS_NAME: u16 = 1;
    /// `VDPA_ATTR_MGMTDEV_DEV_NAME`: string.
    pub const MGMTDEV_DEV_NAME: u16 = 2;
    /// `VDPA_ATTR_MGMTDEV_SUPPORTED_CLASSES`: u64.
    pub const MGMTDEV_SUPPORTED_CLASSES: u16 = 3;
    /// `VDPA_ATTR_DEV_NAME`: string.
    pub const DEV_NAME: u16 = 4;
    /// `VDPA_ATTR_DEV_ID`: u32.
    pub const DEV_ID: u16 = 5;
    /// `VDPA_ATTR_DEV_VENDOR_ID`: u32.
    pub const DEV_VENDOR_ID: u16 = 6;
    /// `VDPA_ATTR_DEV_MAX_VQS`: u32.
    pub const DEV_MAX_VQS: u16 = 7;
    /// `VDPA_ATTR_DEV_MAX_VQ_SIZE`: u16.
    pub const DEV_MAX_VQ_SIZE: u16 = 8;
    /// `VDPA_ATTR_DEV_MIN_VQ_SIZE`: u16.
    pub const DEV_MIN_VQ_SIZE: u16 = 9;
    /// `VDPA_ATTR_DEV_NET_CFG_MACADDR`: binary, 6 bytes.
    pub const DEV_NET_CFG_MACADDR: u16 = 10;
    /// `VDPA_ATTR_DEV_NET_STATUS`: u16 on the wire (the uapi comment says u8).
    pub const DEV_NET_STATUS: u16 = 11;
    /// `VDPA_ATTR_DEV_NET_CFG_MAX_VQP`: u16.
    pub const DEV_NET_CFG_MAX_VQP: u16 = 12;
    /// `VDPA_ATTR_DEV_NET_CFG_MTU`: u16.
    pub const DEV_NET_CFG_MTU: u16 = 13;
    /// `VDPA_ATTR_DEV_NEGOTIATED_FEATURES`: u64.
    pub const DEV_NEGOTIATED_FEATURES: u16 = 14;
    /// `VDPA_ATTR_DEV_MGMTDEV_MAX_VQS`: u32.
    pub const DEV_MGMTDEV_MAX_VQS: u16 = 15;
    /// `VDPA_ATTR_DEV_SUPPORTED_FEATURES`: u64, features the management
    /// device supports.
    pub const DEV_SUPPORTED_FEATURES: u16 = 16;
    /// `VDPA_ATTR_DEV_QUEUE_INDEX`: u32.
    pub const DEV_QUEUE_INDEX: u16 = 17;
    /// `VDPA_ATTR_DEV_VENDOR_ATTR_NAME`: string, written by parent drivers.
    pub const DEV_VENDOR_ATTR_NAME: u16 = 18;
    /// `VDPA_ATTR_DEV_VENDOR_ATTR_VALUE`: u64, written by parent drivers.
    pub const DEV_VENDOR_ATTR_VALUE: u16 = 19;
    /// `VDPA_ATTR_DEV_FEATURES`: u64, features provisioned to the device.
    pub const DEV_FEATURES: u16 = 20;
    /// `VDPA_ATTR_DEV_BLK_CFG_CAPACITY`: u64.
    pub const DEV_BLK_CFG_CAPACITY: u16 = 21;
    /// `VDPA_ATTR_DEV_BLK_CFG_SIZE_MAX`: u32.
    pub const DEV_BLK_CFG_SIZE_MAX: u16 = 22;
    /// `VDPA_ATTR_DEV_BLK_CFG_BLK_SIZE`: u32.
    pub const DEV_BLK_CFG_BLK_SIZE: u16 = 23;
    /// `VDPA_ATTR_DEV_BLK_CFG_SEG_MAX`: u32.
    pub const DEV_BLK_CFG_SEG_MAX: u16 = 24;
    /// `VDPA_ATTR_DEV_BLK_CFG_NUM_QUEUES`: u16.
    pub const DEV_BLK_CFG_NUM_QUEUES: u16 = 25;
    /// `VDPA_ATTR_DEV_BLK_CFG_PHY_BLK_EXP`: u8.
    pub const DEV_BLK_CFG_PHY_BLK_EXP: u16 = 26;
    /// `VDPA_ATTR_DEV_BLK_CFG_ALIGN_OFFSET`: u8.
    pub const DEV_BLK_CFG_ALIGN_OFFSET: u16 = 27;
    /// `VDPA_ATTR_DEV_BLK_CFG_MIN_IO_SIZE`: u16.
    pub const DEV_BLK_CFG_MIN_IO_SIZE: u16 = 28;
    /// `VDPA_ATTR_DEV_BLK_CFG_OPT_IO_SIZE`: u32.
    pub const DEV_BLK_CFG_OPT_IO_SIZE: u16 = 29;
    /// `VDPA_ATTR_DEV_BLK_CFG_MAX_DISCARD_SEC`: u32.
    pub const DEV_BLK_CFG_MAX_DISCARD_SEC: u16 = 30;
    /// `VDPA_ATTR_DEV_BLK_CFG_MAX_DISCARD_SEG`: u32.
    pub const DEV_BLK_CFG_MAX_DISCARD_SEG: u16 = 31;
    /// `VDPA_ATTR_DEV_BLK_CFG_DISCARD_SEC_ALIGN`: u32.
    pub const DEV_BLK_CFG_DISCARD_SEC_ALIGN: u16 = 32;
    /// `VDPA_ATTR_DEV_BLK_CFG_MAX_WRITE_ZEROES_SEC`: u32.
    pub const DEV_BLK_CFG_MAX_WRITE_ZEROES_SEC: u16 = 33;
    /// `VDPA_ATTR_DEV_BLK_CFG_MAX_WRITE_ZEROES_SEG`: u32.
    pub const DEV_BLK_CFG_MAX_WRITE_ZEROES_SEG: u16 = 34;
    /// `VDPA_ATTR_DEV_BLK_READ_ONLY`: u8.
    pub const DEV_BLK_READ_ONLY: u16 = 35;
    /// `VDPA_ATTR_DEV_BLK_FLUSH`: u8.
    pub const DEV_BLK_FLUSH: u16 = 36;
}

/// `VDPA_ATTR_MAX`: the family's `maxattr`.
///
/// It is a real enum value (one past [`attr::DEV_BLK_FLUSH`]), not
/// `__VDPA_ATTR_MAX - 1`, so the policy has `ATTR_MAX + 1 = 38` entries and
/// id 37 is accepted by the type check (and then refused as unsupported).
pub const ATTR_MAX: u16 = 37;

/// `VDPA_DEV_NET_ATTRS_MASK`: the DEV_NEW attributes that configure a
/// network device (MACADDR, MTU, MAX_VQP), as `BIT_ULL(attr)` bits.
pub const NET_ATTRS_MASK: u64 = bit_ull(attr::DEV_NET_CFG_MACADDR as u32)
    | bit_ull(attr::DEV_NET_CFG_MTU as u32)
    | bit_ull(attr::DEV_NET_CFG_MAX_VQP as u32);

const _: () = assert!(NET_ATTRS_MASK == 0x3400);
const _: () = assert!(ATTR_MAX == attr::DEV_BLK_FLUSH + 1);

/// Generic virtio constants (`virtio_ids.h`, `virtio_config.h`).
pub mod virtio {
    use super::bit_ull;

    /// `VIRTIO_ID_NET`.
    pub const ID_NET: u32 = 1;
    /// `VIRTIO_ID_BLOCK`.
    pub const ID_BLOCK: u32 = 2;

    /// `VIRTIO_CONFIG_S_FEATURES_OK`: the driver finished feature negotiation.
    pub const CONFIG_S_FEATURES_OK: u8 = 8;

    /// `VIRTIO_TRANSPORT_F_START`: first feature bit reserved for transports.
    pub const TRANSPORT_F_START: u32 = 28;
    /// `VIRTIO_TRANSPORT_F_END`: last feature bit reserved for transports.
    pub const TRANSPORT_F_END: u32 = 42;

    /// `VIRTIO_DEVICE_F_MASK` of `drivers/vdpa/vdpa.c`: every feature bit
    /// outside `TRANSPORT_F_START..=TRANSPORT_F_END`, i.e. the device-class
    /// specific bits.
    ///
    /// The value is `0xfffff8000fffffff`; the comment above the C macro
    /// claims `0xfffffc000fffffff`, which is wrong by one bit (bit 42).
    pub const DEVICE_F_MASK: u64 =
        (!0u64 << (TRANSPORT_F_END + 1)) | (bit_ull(TRANSPORT_F_START) - 1);

    const _: () = assert!(DEVICE_F_MASK == 0xffff_f800_0fff_ffff);
}

/// virtio-net feature bits and limits (`virtio_net.h`).
pub mod virtio_net {
    /// `VIRTIO_NET_F_MTU`: `mtu` in config space is valid.
    pub const F_MTU: u32 = 3;
    /// `VIRTIO_NET_F_MAC`: `mac` in config space is valid.
    pub const F_MAC: u32 = 5;
    /// `VIRTIO_NET_F_STATUS`: `status` in config space is valid.
    pub const F_STATUS: u32 = 16;
    /// `VIRTIO_NET_F_MQ`: multiqueue; `max_virtqueue_pairs` is valid.
    pub const F_MQ: u32 = 22;
    /// `VIRTIO_NET_F_RSS`: RSS steering; `max_virtqueue_pairs` is valid.
    pub const F_RSS: u32 = 60;

    /// `VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX`: highest queue index DEV_VSTATS_GET
    /// accepts for a net device.
    pub const CTRL_MQ_VQ_PAIRS_MAX: u32 = 0x8000;
}

/// virtio-blk feature bits used by the DEV_CONFIG_GET fill (`virtio_blk.h`).
pub mod virtio_blk {
    /// `VIRTIO_BLK_F_SIZE_MAX`: `size_max` is valid.
    pub const F_SIZE_MAX: u32 = 1;
    /// `VIRTIO_BLK_F_SEG_MAX`: `seg_max` is valid.
    pub const F_SEG_MAX: u32 = 2;
    /// `VIRTIO_BLK_F_RO`: the disk is read-only.
    pub const F_RO: u32 = 5;
    /// `VIRTIO_BLK_F_BLK_SIZE`: `blk_size` is valid.
    pub const F_BLK_SIZE: u32 = 6;
    /// `VIRTIO_BLK_F_FLUSH`: flush command supported.
    pub const F_FLUSH: u32 = 9;
    /// `VIRTIO_BLK_F_TOPOLOGY`: the four topology fields are valid.
    pub const F_TOPOLOGY: u32 = 10;
    /// `VIRTIO_BLK_F_MQ`: `num_queues` is valid.
    pub const F_MQ: u32 = 12;
    /// `VIRTIO_BLK_F_DISCARD`: the three discard fields are valid.
    pub const F_DISCARD: u32 = 13;
    /// `VIRTIO_BLK_F_WRITE_ZEROES`: the write-zeroes fields are valid.
    pub const F_WRITE_ZEROES: u32 = 14;
}
