// SPDX-License-Identifier: GPL-2.0

//! Build-time check of `uapi.rs` and `config_fill.rs` against the headers
//! the module is built with, through bindgen.
//!
//! `uapi.rs` and `config_fill.rs` are kernel independent so the host crate
//! can compile them; here, in the module only, each number and offset they
//! write down is asserted equal to the header's, so a mismatch fails the
//! build instead of changing the wire format.

use super::config_fill::{blk_off, net_off, BLK_CONFIG_LEN, NET_CONFIG_LEN};
use super::uapi::{attr, cmd, virtio, virtio_blk, virtio_net, ATTR_MAX, GENL_NAME, GENL_VERSION};
use crate::abi::bindings as b;
use core::mem::{offset_of, size_of};

/// `same!(rust = c, ...)`: each pair is equal, at compile time.
macro_rules! same {
    ($($rust:expr => $c:expr),* $(,)?) => {
        $(const _: () = assert!($rust as u64 == $c as u64);)*
    };
}

same! {
    cmd::UNSPEC => b::vdpa_command_VDPA_CMD_UNSPEC,
    cmd::MGMTDEV_NEW => b::vdpa_command_VDPA_CMD_MGMTDEV_NEW,
    cmd::MGMTDEV_GET => b::vdpa_command_VDPA_CMD_MGMTDEV_GET,
    cmd::DEV_NEW => b::vdpa_command_VDPA_CMD_DEV_NEW,
    cmd::DEV_DEL => b::vdpa_command_VDPA_CMD_DEV_DEL,
    cmd::DEV_GET => b::vdpa_command_VDPA_CMD_DEV_GET,
    cmd::DEV_CONFIG_GET => b::vdpa_command_VDPA_CMD_DEV_CONFIG_GET,
    cmd::DEV_VSTATS_GET => b::vdpa_command_VDPA_CMD_DEV_VSTATS_GET,
    cmd::DEV_ATTR_SET => b::vdpa_command_VDPA_CMD_DEV_ATTR_SET,

    attr::UNSPEC => b::vdpa_attr_VDPA_ATTR_UNSPEC,
    attr::PAD => b::vdpa_attr_VDPA_ATTR_PAD,
    attr::MGMTDEV_BUS_NAME => b::vdpa_attr_VDPA_ATTR_MGMTDEV_BUS_NAME,
    attr::MGMTDEV_DEV_NAME => b::vdpa_attr_VDPA_ATTR_MGMTDEV_DEV_NAME,
    attr::MGMTDEV_SUPPORTED_CLASSES => b::vdpa_attr_VDPA_ATTR_MGMTDEV_SUPPORTED_CLASSES,
    attr::DEV_NAME => b::vdpa_attr_VDPA_ATTR_DEV_NAME,
    attr::DEV_ID => b::vdpa_attr_VDPA_ATTR_DEV_ID,
    attr::DEV_VENDOR_ID => b::vdpa_attr_VDPA_ATTR_DEV_VENDOR_ID,
    attr::DEV_MAX_VQS => b::vdpa_attr_VDPA_ATTR_DEV_MAX_VQS,
    attr::DEV_MAX_VQ_SIZE => b::vdpa_attr_VDPA_ATTR_DEV_MAX_VQ_SIZE,
    attr::DEV_MIN_VQ_SIZE => b::vdpa_attr_VDPA_ATTR_DEV_MIN_VQ_SIZE,
    attr::DEV_NET_CFG_MACADDR => b::vdpa_attr_VDPA_ATTR_DEV_NET_CFG_MACADDR,
    attr::DEV_NET_STATUS => b::vdpa_attr_VDPA_ATTR_DEV_NET_STATUS,
    attr::DEV_NET_CFG_MAX_VQP => b::vdpa_attr_VDPA_ATTR_DEV_NET_CFG_MAX_VQP,
    attr::DEV_NET_CFG_MTU => b::vdpa_attr_VDPA_ATTR_DEV_NET_CFG_MTU,
    attr::DEV_NEGOTIATED_FEATURES => b::vdpa_attr_VDPA_ATTR_DEV_NEGOTIATED_FEATURES,
    attr::DEV_MGMTDEV_MAX_VQS => b::vdpa_attr_VDPA_ATTR_DEV_MGMTDEV_MAX_VQS,
    attr::DEV_SUPPORTED_FEATURES => b::vdpa_attr_VDPA_ATTR_DEV_SUPPORTED_FEATURES,
    attr::DEV_QUEUE_INDEX => b::vdpa_attr_VDPA_ATTR_DEV_QUEUE_INDEX,
    attr::DEV_VENDOR_ATTR_NAME => b::vdpa_attr_VDPA_ATTR_DEV_VENDOR_ATTR_NAME,
    attr::DEV_VENDOR_ATTR_VALUE => b::vdpa_attr_VDPA_ATTR_DEV_VENDOR_ATTR_VALUE,
    attr::DEV_FEATURES => b::vdpa_attr_VDPA_ATTR_DEV_FEATURES,
    attr::DEV_BLK_CFG_CAPACITY => b::vdpa_attr_VDPA_ATTR_DEV_BLK_CFG_CAPACITY,
    attr::DEV_BLK_CFG_SIZE_MAX => b::vdpa_attr_VDPA_ATTR_DEV_BLK_CFG_SIZE_MAX,
    attr::DEV_BLK_CFG_BLK_SIZE => b::vdpa_attr_VDPA_ATTR_DEV_BLK_CFG_BLK_SIZE,
    attr::DEV_BLK_CFG_SEG_MAX => b::vdpa_attr_VDPA_ATTR_DEV_BLK_CFG_SEG_MAX,
    attr::DEV_BLK_CFG_NUM_QUEUES => b::vdpa_attr_VDPA_ATTR_DEV_BLK_CFG_NUM_QUEUES,
    attr::DEV_BLK_CFG_PHY_BLK_EXP => b::vdpa_attr_VDPA_ATTR_DEV_BLK_CFG_PHY_BLK_EXP,
    attr::DEV_BLK_CFG_ALIGN_OFFSET => b::vdpa_attr_VDPA_ATTR_DEV_BLK_CFG_ALIGN_OFFSET,
    attr::DEV_BLK_CFG_MIN_IO_SIZE => b::vdpa_attr_VDPA_ATTR_DEV_BLK_CFG_MIN_IO_SIZE,
    attr::DEV_BLK_CFG_OPT_IO_SIZE => b::vdpa_attr_VDPA_ATTR_DEV_BLK_CFG_OPT_IO_SIZE,
    attr::DEV_BLK_CFG_MAX_DISCARD_SEC => b::vdpa_attr_VDPA_ATTR_DEV_BLK_CFG_MAX_DISCARD_SEC,
    attr::DEV_BLK_CFG_MAX_DISCARD_SEG => b::vdpa_attr_VDPA_ATTR_DEV_BLK_CFG_MAX_DISCARD_SEG,
    attr::DEV_BLK_CFG_DISCARD_SEC_ALIGN => b::vdpa_attr_VDPA_ATTR_DEV_BLK_CFG_DISCARD_SEC_ALIGN,
    attr::DEV_BLK_CFG_MAX_WRITE_ZEROES_SEC => b::vdpa_attr_VDPA_ATTR_DEV_BLK_CFG_MAX_WRITE_ZEROES_SEC,
    attr::DEV_BLK_CFG_MAX_WRITE_ZEROES_SEG => b::vdpa_attr_VDPA_ATTR_DEV_BLK_CFG_MAX_WRITE_ZEROES_SEG,
    attr::DEV_BLK_READ_ONLY => b::vdpa_attr_VDPA_ATTR_DEV_BLK_READ_ONLY,
    attr::DEV_BLK_FLUSH => b::vdpa_attr_VDPA_ATTR_DEV_BLK_FLUSH,
    ATTR_MAX => b::vdpa_attr_VDPA_ATTR_MAX,
    GENL_VERSION => b::VDPA_GENL_VERSION,

    virtio::ID_NET => b::VIRTIO_ID_NET,
    virtio::ID_BLOCK => b::VIRTIO_ID_BLOCK,
    virtio::CONFIG_S_FEATURES_OK => b::VIRTIO_CONFIG_S_FEATURES_OK,
    virtio::TRANSPORT_F_START => b::VIRTIO_TRANSPORT_F_START,
    virtio::TRANSPORT_F_END => b::VIRTIO_TRANSPORT_F_END,
    virtio_net::F_MTU => b::VIRTIO_NET_F_MTU,
    virtio_net::F_MAC => b::VIRTIO_NET_F_MAC,
    virtio_net::F_STATUS => b::VIRTIO_NET_F_STATUS,
    virtio_net::F_MQ => b::VIRTIO_NET_F_MQ,
    virtio_net::F_RSS => b::VIRTIO_NET_F_RSS,
    virtio_net::CTRL_MQ_VQ_PAIRS_MAX => b::VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX,
    virtio_blk::F_SIZE_MAX => b::VIRTIO_BLK_F_SIZE_MAX,
    virtio_blk::F_SEG_MAX => b::VIRTIO_BLK_F_SEG_MAX,
    virtio_blk::F_RO => b::VIRTIO_BLK_F_RO,
    virtio_blk::F_BLK_SIZE => b::VIRTIO_BLK_F_BLK_SIZE,
    virtio_blk::F_FLUSH => b::VIRTIO_BLK_F_FLUSH,
    virtio_blk::F_TOPOLOGY => b::VIRTIO_BLK_F_TOPOLOGY,
    virtio_blk::F_MQ => b::VIRTIO_BLK_F_MQ,
    virtio_blk::F_DISCARD => b::VIRTIO_BLK_F_DISCARD,
    virtio_blk::F_WRITE_ZEROES => b::VIRTIO_BLK_F_WRITE_ZEROES,

    NET_CONFIG_LEN => size_of::<b::virtio_net_config>(),
    net_off::MAC => offset_of!(b::virtio_net_config, mac),
    net_off::STATUS => offset_of!(b::virtio_net_config, status),
    net_off::MAX_VIRTQUEUE_PAIRS => offset_of!(b::virtio_net_config, max_virtqueue_pairs),
    net_off::MTU => offset_of!(b::virtio_net_config, mtu),
    net_off::SPEED => offset_of!(b::virtio_net_config, speed),
    net_off::DUPLEX => offset_of!(b::virtio_net_config, duplex),
    net_off::RSS_MAX_KEY_SIZE => offset_of!(b::virtio_net_config, rss_max_key_size),
    net_off::RSS_MAX_INDIRECTION_TABLE_LENGTH => offset_of!(b::virtio_net_config, rss_max_indirection_table_length),
    net_off::SUPPORTED_HASH_TYPES => offset_of!(b::virtio_net_config, supported_hash_types),

    BLK_CONFIG_LEN => size_of::<b::virtio_blk_config>(),
    blk_off::CAPACITY => offset_of!(b::virtio_blk_config, capacity),
    blk_off::SIZE_MAX => offset_of!(b::virtio_blk_config, size_max),
    blk_off::SEG_MAX => offset_of!(b::virtio_blk_config, seg_max),
    blk_off::GEOMETRY => offset_of!(b::virtio_blk_config, geometry),
    blk_off::BLK_SIZE => offset_of!(b::virtio_blk_config, blk_size),
    blk_off::PHYSICAL_BLOCK_EXP => offset_of!(b::virtio_blk_config, physical_block_exp),
    blk_off::ALIGNMENT_OFFSET => offset_of!(b::virtio_blk_config, alignment_offset),
    blk_off::MIN_IO_SIZE => offset_of!(b::virtio_blk_config, min_io_size),
    blk_off::OPT_IO_SIZE => offset_of!(b::virtio_blk_config, opt_io_size),
    blk_off::WCE => offset_of!(b::virtio_blk_config, wce),
    blk_off::NUM_QUEUES => offset_of!(b::virtio_blk_config, num_queues),
    blk_off::MAX_DISCARD_SECTORS => offset_of!(b::virtio_blk_config, max_discard_sectors),
    blk_off::MAX_DISCARD_SEG => offset_of!(b::virtio_blk_config, max_discard_seg),
    blk_off::DISCARD_SECTOR_ALIGNMENT => offset_of!(b::virtio_blk_config, discard_sector_alignment),
    blk_off::MAX_WRITE_ZEROES_SECTORS => offset_of!(b::virtio_blk_config, max_write_zeroes_sectors),
    blk_off::MAX_WRITE_ZEROES_SEG => offset_of!(b::virtio_blk_config, max_write_zeroes_seg),
    blk_off::WRITE_ZEROES_MAY_UNMAP => offset_of!(b::virtio_blk_config, write_zeroes_may_unmap),
    blk_off::MAX_SECURE_ERASE_SECTORS => offset_of!(b::virtio_blk_config, max_secure_erase_sectors),
    blk_off::ZONED => offset_of!(b::virtio_blk_config, zoned),
}

/// The family name, byte for byte with its NUL.
const _: () = {
    let c = b::VDPA_GENL_NAME;
    assert!(c.len() == GENL_NAME.len());
    let mut i = 0;
    while i < c.len() {
        assert!(c[i] == GENL_NAME[i]);
        i += 1;
    }
};
