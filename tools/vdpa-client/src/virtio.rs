// SPDX-License-Identifier: GPL-2.0

//! Virtio constants this driver needs: device status bits, feature bits,
//! device ids, and the net and block wire formats.

/// Device status bits (`VIRTIO_CONFIG_S_*`).
pub mod status {
    /// The guest noticed the device.
    pub const ACKNOWLEDGE: u8 = 1;
    /// The guest has a driver.
    pub const DRIVER: u8 = 2;
    /// The driver is ready.
    pub const DRIVER_OK: u8 = 4;
    /// Feature negotiation is complete.
    pub const FEATURES_OK: u8 = 8;
    /// The device hit an error.
    pub const FAILED: u8 = 0x80;
}

/// Device-independent feature bits.
pub mod feature {
    /// VIRTIO_F_RING_EVENT_IDX.
    pub const RING_EVENT_IDX: u64 = 1 << 29;
    /// VIRTIO_F_VERSION_1.
    pub const VERSION_1: u64 = 1 << 32;
    /// VIRTIO_F_ACCESS_PLATFORM.
    pub const ACCESS_PLATFORM: u64 = 1 << 33;
}

/// Virtio device ids.
pub mod device_id {
    /// Network card.
    pub const NET: u32 = 1;
    /// Block device.
    pub const BLOCK: u32 = 2;
}

/// virtio-net (virtio_net.h).
pub mod net {
    /// VIRTIO_NET_F_MTU.
    pub const F_MTU: u64 = 1 << 3;
    /// VIRTIO_NET_F_MAC.
    pub const F_MAC: u64 = 1 << 5;
    /// VIRTIO_NET_F_STATUS.
    pub const F_STATUS: u64 = 1 << 16;
    /// VIRTIO_NET_F_CTRL_VQ.
    pub const F_CTRL_VQ: u64 = 1 << 17;
    /// VIRTIO_NET_F_CTRL_MAC_ADDR.
    pub const F_CTRL_MAC_ADDR: u64 = 1 << 23;

    /// `struct virtio_net_hdr_v1` size (VERSION_1).
    pub const HDR_LEN: usize = 12;

    /// Queue indexes without MQ.
    pub const RX_VQ: u32 = 0;
    /// Transmit queue.
    pub const TX_VQ: u32 = 1;
    /// Control queue.
    pub const CTRL_VQ: u32 = 2;

    /// Config offsets (`struct virtio_net_config`).
    pub const CFG_MAC: u32 = 0;
    /// Link status (le16).
    pub const CFG_STATUS: u32 = 6;
    /// MTU (le16).
    pub const CFG_MTU: u32 = 10;

    /// VIRTIO_NET_CTRL_MAC class.
    pub const CTRL_MAC: u8 = 1;
    /// VIRTIO_NET_CTRL_MAC_ADDR_SET command.
    pub const CTRL_MAC_ADDR_SET: u8 = 1;
    /// Control ack: OK.
    pub const CTRL_OK: u8 = 0;
    /// Control ack: error.
    pub const CTRL_ERR: u8 = 1;
}

/// virtio-blk (virtio_blk.h).
pub mod blk {
    /// VIRTIO_BLK_F_SIZE_MAX.
    pub const F_SIZE_MAX: u64 = 1 << 1;
    /// VIRTIO_BLK_F_SEG_MAX.
    pub const F_SEG_MAX: u64 = 1 << 2;
    /// VIRTIO_BLK_F_BLK_SIZE.
    pub const F_BLK_SIZE: u64 = 1 << 6;
    /// VIRTIO_BLK_F_FLUSH.
    pub const F_FLUSH: u64 = 1 << 9;
    /// VIRTIO_BLK_F_DISCARD.
    pub const F_DISCARD: u64 = 1 << 13;
    /// VIRTIO_BLK_F_WRITE_ZEROES.
    pub const F_WRITE_ZEROES: u64 = 1 << 14;

    /// Request types.
    pub const T_IN: u32 = 0;
    /// Write.
    pub const T_OUT: u32 = 1;
    /// Flush.
    pub const T_FLUSH: u32 = 4;
    /// Device id string.
    pub const T_GET_ID: u32 = 8;
    /// Discard.
    pub const T_DISCARD: u32 = 11;
    /// Write zeroes.
    pub const T_WRITE_ZEROES: u32 = 13;

    /// Status: success.
    pub const S_OK: u8 = 0;
    /// Status: I/O error.
    pub const S_IOERR: u8 = 1;
    /// Status: unsupported.
    pub const S_UNSUPP: u8 = 2;

    /// Sector size of the protocol.
    pub const SECTOR: u64 = 512;
    /// Length of the GET_ID answer.
    pub const ID_BYTES: usize = 20;

    /// Config offset of the capacity (le64, sectors).
    pub const CFG_CAPACITY: u32 = 0;
    /// Config offset of blk_size (le32).
    pub const CFG_BLK_SIZE: u32 = 20;
}
