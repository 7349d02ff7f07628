// SPDX-License-Identifier: GPL-2.0

//! The numbers of `include/uapi/linux/vdpa.h` and the virtio constants, as
//! written in the 6.12 headers.

use vdpa_core_host::netlink::uapi::{
    attr, bit_ull, cmd, virtio, virtio_blk, virtio_net, ATTR_MAX, GENL_NAME, GENL_VERSION,
    NET_ATTRS_MASK, RESV_START_OP,
};

#[test]
fn family() {
    assert_eq!(GENL_NAME, b"vdpa\0");
    assert_eq!(GENL_VERSION, 1);
    assert_eq!(RESV_START_OP, 8);
}

#[test]
fn commands() {
    let all = [
        cmd::UNSPEC,
        cmd::MGMTDEV_NEW,
        cmd::MGMTDEV_GET,
        cmd::DEV_NEW,
        cmd::DEV_DEL,
        cmd::DEV_GET,
        cmd::DEV_CONFIG_GET,
        cmd::DEV_VSTATS_GET,
        cmd::DEV_ATTR_SET,
    ];
    assert_eq!(all, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
}

#[test]
fn attributes() {
    let all = [
        attr::UNSPEC,
        attr::MGMTDEV_BUS_NAME,
        attr::MGMTDEV_DEV_NAME,
        attr::MGMTDEV_SUPPORTED_CLASSES,
        attr::DEV_NAME,
        attr::DEV_ID,
        attr::DEV_VENDOR_ID,
        attr::DEV_MAX_VQS,
        attr::DEV_MAX_VQ_SIZE,
        attr::DEV_MIN_VQ_SIZE,
        attr::DEV_NET_CFG_MACADDR,
        attr::DEV_NET_STATUS,
        attr::DEV_NET_CFG_MAX_VQP,
        attr::DEV_NET_CFG_MTU,
        attr::DEV_NEGOTIATED_FEATURES,
        attr::DEV_MGMTDEV_MAX_VQS,
        attr::DEV_SUPPORTED_FEATURES,
        attr::DEV_QUEUE_INDEX,
        attr::DEV_VENDOR_ATTR_NAME,
        attr::DEV_VENDOR_ATTR_VALUE,
        attr::DEV_FEATURES,
        attr::DEV_BLK_CFG_CAPACITY,
        attr::DEV_BLK_CFG_SIZE_MAX,
        attr::DEV_BLK_CFG_BLK_SIZE,
        attr::DEV_BLK_CFG_SEG_MAX,
        attr::DEV_BLK_CFG_NUM_QUEUES,
        attr::DEV_BLK_CFG_PHY_BLK_EXP,
        attr::DEV_BLK_CFG_ALIGN_OFFSET,
        attr::DEV_BLK_CFG_MIN_IO_SIZE,
        attr::DEV_BLK_CFG_OPT_IO_SIZE,
        attr::DEV_BLK_CFG_MAX_DISCARD_SEC,
        attr::DEV_BLK_CFG_MAX_DISCARD_SEG,
        attr::DEV_BLK_CFG_DISCARD_SEC_ALIGN,
        attr::DEV_BLK_CFG_MAX_WRITE_ZEROES_SEC,
        attr::DEV_BLK_CFG_MAX_WRITE_ZEROES_SEG,
        attr::DEV_BLK_READ_ONLY,
        attr::DEV_BLK_FLUSH,
        ATTR_MAX,
    ];
    for (i, id) in all.iter().enumerate() {
        assert_eq!(usize::from(*id), i);
    }
    assert_eq!(attr::PAD, 0);
    assert_eq!(ATTR_MAX, 37);
}

#[test]
fn masks() {
    assert_eq!(NET_ATTRS_MASK, 0x3400);
    assert_eq!(virtio::DEVICE_F_MASK, 0xffff_f800_0fff_ffff);
    // Bits 28..=42 are the transport bits.
    for bit in 0..64 {
        let device = virtio::DEVICE_F_MASK & (1 << bit) != 0;
        assert_eq!(device, !(28..=42).contains(&bit), "bit {bit}");
    }
    assert_eq!(bit_ull(0), 1);
    assert_eq!(bit_ull(63), 1 << 63);
    assert_eq!(bit_ull(64), 0);
    assert_eq!(bit_ull(u32::MAX), 0);
}

#[test]
fn virtio_numbers() {
    assert_eq!((virtio::ID_NET, virtio::ID_BLOCK), (1, 2));
    assert_eq!(virtio::CONFIG_S_FEATURES_OK, 8);
    assert_eq!(
        (virtio::TRANSPORT_F_START, virtio::TRANSPORT_F_END),
        (28, 42)
    );
    assert_eq!(
        [
            virtio_net::F_MTU,
            virtio_net::F_MAC,
            virtio_net::F_STATUS,
            virtio_net::F_MQ,
            virtio_net::F_RSS
        ],
        [3, 5, 16, 22, 60]
    );
    assert_eq!(virtio_net::CTRL_MQ_VQ_PAIRS_MAX, 0x8000);
    assert_eq!(
        [
            virtio_blk::F_SIZE_MAX,
            virtio_blk::F_SEG_MAX,
            virtio_blk::F_RO,
            virtio_blk::F_BLK_SIZE,
            virtio_blk::F_FLUSH,
            virtio_blk::F_TOPOLOGY,
            virtio_blk::F_MQ,
            virtio_blk::F_DISCARD,
            virtio_blk::F_WRITE_ZEROES,
        ],
        [1, 2, 5, 6, 9, 10, 12, 13, 14]
    );
}
