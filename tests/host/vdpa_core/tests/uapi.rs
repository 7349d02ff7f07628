// SPDX-License-Identifier: GPL-2.0

//! Every number of `vdpa_core/netlink/uapi.rs` equals the one the 6.12
//! kernel source defines: `include/uapi/linux/vdpa.h` and
//! `virtio_{config,ids,net,blk}.h` through bindgen, and the masks and genl
//! family fields of `drivers/vdpa/vdpa.c` as clang evaluates them (see
//! build.rs). No expected value is written in this file.

#[macro_use]
mod kernel;

use kernel::*;
use vdpa_core_host::netlink::uapi::{
    attr, bit_ull, cmd, virtio, virtio_blk, virtio_net, ATTR_MAX, GENL_NAME, GENL_VERSION,
    NET_ATTRS_MASK, RESV_START_OP,
};

#[test]
fn family() {
    assert_eq!(GENL_NAME, VDPA_GENL_NAME, "VDPA_GENL_NAME");
    assert_eq!(GENL_NAME, VDPA_C_FAMILY_NAME, "vdpa_nl_family.name");
    check(&pairs![
        GENL_VERSION => VDPA_GENL_VERSION,
        GENL_VERSION => VDPA_C_FAMILY_VERSION,
        ATTR_MAX => VDPA_C_FAMILY_MAXATTR,
        RESV_START_OP => VDPA_C_FAMILY_RESV_START_OP,
    ]);
}

fn commands() -> Vec<Pair> {
    pairs![
        cmd::UNSPEC => VDPA_CMD_UNSPEC,
        cmd::MGMTDEV_NEW => VDPA_CMD_MGMTDEV_NEW,
        cmd::MGMTDEV_GET => VDPA_CMD_MGMTDEV_GET,
        cmd::DEV_NEW => VDPA_CMD_DEV_NEW,
        cmd::DEV_DEL => VDPA_CMD_DEV_DEL,
        cmd::DEV_GET => VDPA_CMD_DEV_GET,
        cmd::DEV_CONFIG_GET => VDPA_CMD_DEV_CONFIG_GET,
        cmd::DEV_VSTATS_GET => VDPA_CMD_DEV_VSTATS_GET,
        cmd::DEV_ATTR_SET => VDPA_CMD_DEV_ATTR_SET,
    ]
}

/// Every enumerator of `enum vdpa_attr`, `VDPA_ATTR_MAX` included.
fn attributes() -> Vec<Pair> {
    pairs![
        attr::UNSPEC => VDPA_ATTR_UNSPEC,
        attr::PAD => VDPA_ATTR_PAD,
        attr::MGMTDEV_BUS_NAME => VDPA_ATTR_MGMTDEV_BUS_NAME,
        attr::MGMTDEV_DEV_NAME => VDPA_ATTR_MGMTDEV_DEV_NAME,
        attr::MGMTDEV_SUPPORTED_CLASSES => VDPA_ATTR_MGMTDEV_SUPPORTED_CLASSES,
        attr::DEV_NAME => VDPA_ATTR_DEV_NAME,
        attr::DEV_ID => VDPA_ATTR_DEV_ID,
        attr::DEV_VENDOR_ID => VDPA_ATTR_DEV_VENDOR_ID,
        attr::DEV_MAX_VQS => VDPA_ATTR_DEV_MAX_VQS,
        attr::DEV_MAX_VQ_SIZE => VDPA_ATTR_DEV_MAX_VQ_SIZE,
        attr::DEV_MIN_VQ_SIZE => VDPA_ATTR_DEV_MIN_VQ_SIZE,
        attr::DEV_NET_CFG_MACADDR => VDPA_ATTR_DEV_NET_CFG_MACADDR,
        attr::DEV_NET_STATUS => VDPA_ATTR_DEV_NET_STATUS,
        attr::DEV_NET_CFG_MAX_VQP => VDPA_ATTR_DEV_NET_CFG_MAX_VQP,
        attr::DEV_NET_CFG_MTU => VDPA_ATTR_DEV_NET_CFG_MTU,
        attr::DEV_NEGOTIATED_FEATURES => VDPA_ATTR_DEV_NEGOTIATED_FEATURES,
        attr::DEV_MGMTDEV_MAX_VQS => VDPA_ATTR_DEV_MGMTDEV_MAX_VQS,
        attr::DEV_SUPPORTED_FEATURES => VDPA_ATTR_DEV_SUPPORTED_FEATURES,
        attr::DEV_QUEUE_INDEX => VDPA_ATTR_DEV_QUEUE_INDEX,
        attr::DEV_VENDOR_ATTR_NAME => VDPA_ATTR_DEV_VENDOR_ATTR_NAME,
        attr::DEV_VENDOR_ATTR_VALUE => VDPA_ATTR_DEV_VENDOR_ATTR_VALUE,
        attr::DEV_FEATURES => VDPA_ATTR_DEV_FEATURES,
        attr::DEV_BLK_CFG_CAPACITY => VDPA_ATTR_DEV_BLK_CFG_CAPACITY,
        attr::DEV_BLK_CFG_SIZE_MAX => VDPA_ATTR_DEV_BLK_CFG_SIZE_MAX,
        attr::DEV_BLK_CFG_BLK_SIZE => VDPA_ATTR_DEV_BLK_CFG_BLK_SIZE,
        attr::DEV_BLK_CFG_SEG_MAX => VDPA_ATTR_DEV_BLK_CFG_SEG_MAX,
        attr::DEV_BLK_CFG_NUM_QUEUES => VDPA_ATTR_DEV_BLK_CFG_NUM_QUEUES,
        attr::DEV_BLK_CFG_PHY_BLK_EXP => VDPA_ATTR_DEV_BLK_CFG_PHY_BLK_EXP,
        attr::DEV_BLK_CFG_ALIGN_OFFSET => VDPA_ATTR_DEV_BLK_CFG_ALIGN_OFFSET,
        attr::DEV_BLK_CFG_MIN_IO_SIZE => VDPA_ATTR_DEV_BLK_CFG_MIN_IO_SIZE,
        attr::DEV_BLK_CFG_OPT_IO_SIZE => VDPA_ATTR_DEV_BLK_CFG_OPT_IO_SIZE,
        attr::DEV_BLK_CFG_MAX_DISCARD_SEC => VDPA_ATTR_DEV_BLK_CFG_MAX_DISCARD_SEC,
        attr::DEV_BLK_CFG_MAX_DISCARD_SEG => VDPA_ATTR_DEV_BLK_CFG_MAX_DISCARD_SEG,
        attr::DEV_BLK_CFG_DISCARD_SEC_ALIGN => VDPA_ATTR_DEV_BLK_CFG_DISCARD_SEC_ALIGN,
        attr::DEV_BLK_CFG_MAX_WRITE_ZEROES_SEC => VDPA_ATTR_DEV_BLK_CFG_MAX_WRITE_ZEROES_SEC,
        attr::DEV_BLK_CFG_MAX_WRITE_ZEROES_SEG => VDPA_ATTR_DEV_BLK_CFG_MAX_WRITE_ZEROES_SEG,
        attr::DEV_BLK_READ_ONLY => VDPA_ATTR_DEV_BLK_READ_ONLY,
        attr::DEV_BLK_FLUSH => VDPA_ATTR_DEV_BLK_FLUSH,
        ATTR_MAX => VDPA_ATTR_MAX,
    ]
}

/// The kernel values of `list`, sorted and without duplicates.
fn kernel_values(list: &[Pair]) -> Vec<i128> {
    let mut v: Vec<i128> = list.iter().map(|p| p.kernel_value).collect();
    v.sort_unstable();
    v.dedup();
    v
}

#[test]
fn command_numbers() {
    let list = commands();
    check(&list);
    // The enum counts up from 0: no command is left without a mirror.
    let max = i128::from(VDPA_CMD_DEV_ATTR_SET);
    assert_eq!(kernel_values(&list), (0..=max).collect::<Vec<_>>());
}

#[test]
fn attribute_ids() {
    let list = attributes();
    check(&list);
    // Every id up to VDPA_ATTR_MAX has its mirror.
    let max = i128::from(VDPA_ATTR_MAX);
    assert_eq!(kernel_values(&list), (0..=max).collect::<Vec<_>>());
}

#[test]
fn virtio_numbers() {
    check(&pairs![
        virtio::ID_NET => VIRTIO_ID_NET,
        virtio::ID_BLOCK => VIRTIO_ID_BLOCK,
        virtio::CONFIG_S_FEATURES_OK => VIRTIO_CONFIG_S_FEATURES_OK,
        virtio::TRANSPORT_F_START => VIRTIO_TRANSPORT_F_START,
        virtio::TRANSPORT_F_END => VIRTIO_TRANSPORT_F_END,
        virtio_net::F_MTU => VIRTIO_NET_F_MTU,
        virtio_net::F_MAC => VIRTIO_NET_F_MAC,
        virtio_net::F_STATUS => VIRTIO_NET_F_STATUS,
        virtio_net::F_MQ => VIRTIO_NET_F_MQ,
        virtio_net::F_RSS => VIRTIO_NET_F_RSS,
        virtio_net::CTRL_MQ_VQ_PAIRS_MAX => VIRTIO_NET_CTRL_MQ_VQ_PAIRS_MAX,
        virtio_blk::F_SIZE_MAX => VIRTIO_BLK_F_SIZE_MAX,
        virtio_blk::F_SEG_MAX => VIRTIO_BLK_F_SEG_MAX,
        virtio_blk::F_RO => VIRTIO_BLK_F_RO,
        virtio_blk::F_BLK_SIZE => VIRTIO_BLK_F_BLK_SIZE,
        virtio_blk::F_FLUSH => VIRTIO_BLK_F_FLUSH,
        virtio_blk::F_TOPOLOGY => VIRTIO_BLK_F_TOPOLOGY,
        virtio_blk::F_MQ => VIRTIO_BLK_F_MQ,
        virtio_blk::F_DISCARD => VIRTIO_BLK_F_DISCARD,
        virtio_blk::F_WRITE_ZEROES => VIRTIO_BLK_F_WRITE_ZEROES,
    ]);
}

#[test]
fn masks() {
    check(&pairs![
        NET_ATTRS_MASK => VDPA_C_VDPA_DEV_NET_ATTRS_MASK,
        virtio::DEVICE_F_MASK => VDPA_C_VIRTIO_DEVICE_F_MASK,
    ]);
    // The device mask is exactly the bits outside the transport range of
    // virtio_config.h.
    let transport = VIRTIO_TRANSPORT_F_START..=VIRTIO_TRANSPORT_F_END;
    for nr in 0..64 {
        let device = virtio::DEVICE_F_MASK & (1u64 << nr) != 0;
        assert_eq!(device, !transport.contains(&nr), "bit {nr}");
    }
}

#[test]
fn bit_ull_is_a_shift() {
    for nr in 0..64 {
        assert_eq!(bit_ull(nr), 1u64 << nr, "bit_ull({nr})");
    }
    // Where C's BIT_ULL() is undefined, 0.
    assert_eq!(bit_ull(64), 0);
    assert_eq!(bit_ull(u32::MAX), 0);
    // The mask of the DEV_NEW net attributes, rebuilt from its parts.
    let net = [
        attr::DEV_NET_CFG_MACADDR,
        attr::DEV_NET_CFG_MTU,
        attr::DEV_NET_CFG_MAX_VQP,
    ];
    let mask = net.iter().fold(0, |m, a| m | bit_ull(u32::from(*a)));
    assert_eq!(mask, NET_ATTRS_MASK);
}
