// SPDX-License-Identifier: GPL-2.0

//! Decoding of a device's config space into the attributes of a
//! `VDPA_CMD_DEV_CONFIG_GET` reply (`vdpa_dev_net_config_fill()`,
//! `vdpa_dev_blk_config_fill()`) and the MAX_VQP fill shared with
//! `VDPA_CMD_DEV_VSTATS_GET` (`vdpa_dev_net_mq_config_fill()`).
//!
//! The kernel side reads the config space with `ops->get_config(vdev, 0,
//! buf, NET_CONFIG_LEN or BLK_CONFIG_LEN)` into a zeroed buffer, reads the
//! features, and calls these functions with a [`Sink`] that appends
//! attributes to the reply. Config fields are always decoded as
//! little-endian (`__virtio*_to_cpu(true, ...)`), legacy or not. Bytes
//! missing from a short `config` slice read as zero, like the untouched part
//! of the zero-initialised C struct.
//!
//! The file is kernel independent: it only uses `core`, so it is compiled
//! both into the vdpa module and into the host test crate.

use super::uapi::{attr, bit_ull, virtio, virtio_blk, virtio_net};

/// `EOPNOTSUPP`.
pub const EOPNOTSUPP: i32 = 95;

/// One attribute value of a reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// `nla_put_u8()`.
    U8(u8),
    /// `nla_put_u16()`.
    U16(u16),
    /// `nla_put_u32()`.
    U32(u32),
    /// `nla_put_u64_64bit(..., VDPA_ATTR_PAD)`.
    U64(u64),
    /// `nla_put()` of raw bytes.
    Bytes(&'a [u8]),
}

/// Receiver of reply attributes, called in reply order.
pub trait Sink {
    /// Appends attribute `attr` with value `v`.
    ///
    /// # Errors
    ///
    /// A positive errno, normally `EMSGSIZE` (the only way `nla_put*()`
    /// fails); the fill stops and returns it.
    fn put(&mut self, attr: u16, v: Value<'_>) -> Result<(), i32>;
}

/// `sizeof(struct virtio_net_config)`: what the kernel reads for the fill.
pub const NET_CONFIG_LEN: usize = 24;
/// `sizeof(struct virtio_blk_config)` in 6.12 (zoned block included).
pub const BLK_CONFIG_LEN: usize = 96;

/// Byte offsets in `struct virtio_net_config` (packed,
/// `include/uapi/linux/virtio_net.h`).
pub mod net_off {
    /// `u8 mac[6]`.
    pub const MAC: usize = 0;
    /// `__virtio16 status`.
    pub const STATUS: usize = 6;
    /// `__virtio16 max_virtqueue_pairs`.
    pub const MAX_VIRTQUEUE_PAIRS: usize = 8;
    /// `__virtio16 mtu`.
    pub const MTU: usize = 10;
    /// `__le32 speed`.
    pub const SPEED: usize = 12;
    /// `u8 duplex`.
    pub const DUPLEX: usize = 16;
    /// `u8 rss_max_key_size`.
    pub const RSS_MAX_KEY_SIZE: usize = 17;
    /// `__le16 rss_max_indirection_table_length`.
    pub const RSS_MAX_INDIRECTION_TABLE_LENGTH: usize = 18;
    /// `__le32 supported_hash_types`; the last field.
    pub const SUPPORTED_HASH_TYPES: usize = 20;
}

const _: () = assert!(net_off::SUPPORTED_HASH_TYPES + 4 == NET_CONFIG_LEN);

/// Byte offsets in `struct virtio_blk_config` (packed,
/// `include/uapi/linux/virtio_blk.h`).
pub mod blk_off {
    /// `__virtio64 capacity`, in 512-byte sectors.
    pub const CAPACITY: usize = 0;
    /// `__virtio32 size_max`.
    pub const SIZE_MAX: usize = 8;
    /// `__virtio32 seg_max`.
    pub const SEG_MAX: usize = 12;
    /// `struct virtio_blk_geometry` (4 bytes).
    pub const GEOMETRY: usize = 16;
    /// `__virtio32 blk_size`.
    pub const BLK_SIZE: usize = 20;
    /// `u8 physical_block_exp`.
    pub const PHYSICAL_BLOCK_EXP: usize = 24;
    /// `u8 alignment_offset`.
    pub const ALIGNMENT_OFFSET: usize = 25;
    /// `__virtio16 min_io_size`.
    pub const MIN_IO_SIZE: usize = 26;
    /// `__virtio32 opt_io_size`.
    pub const OPT_IO_SIZE: usize = 28;
    /// `u8 wce`, then `u8 unused`.
    pub const WCE: usize = 32;
    /// `__virtio16 num_queues`.
    pub const NUM_QUEUES: usize = 34;
    /// `__virtio32 max_discard_sectors`.
    pub const MAX_DISCARD_SECTORS: usize = 36;
    /// `__virtio32 max_discard_seg`.
    pub const MAX_DISCARD_SEG: usize = 40;
    /// `__virtio32 discard_sector_alignment`.
    pub const DISCARD_SECTOR_ALIGNMENT: usize = 44;
    /// `__virtio32 max_write_zeroes_sectors`.
    pub const MAX_WRITE_ZEROES_SECTORS: usize = 48;
    /// `__virtio32 max_write_zeroes_seg`.
    pub const MAX_WRITE_ZEROES_SEG: usize = 52;
    /// `u8 write_zeroes_may_unmap`, then `u8 unused1[3]`.
    pub const WRITE_ZEROES_MAY_UNMAP: usize = 56;
    /// `__virtio32 max_secure_erase_sectors`, `max_secure_erase_seg`,
    /// `secure_erase_sector_alignment`.
    pub const MAX_SECURE_ERASE_SECTORS: usize = 60;
    /// `struct virtio_blk_zoned_characteristics` (24 bytes); the last field.
    pub const ZONED: usize = 72;
}

const _: () = assert!(blk_off::ZONED + 24 == BLK_CONFIG_LEN);

/// Little-endian reads at fixed offsets of a config-space image.
struct Le<'a>(&'a [u8]);

impl Le<'_> {
    /// The `N` bytes at `off`; bytes past the end of the image read as 0.
    fn bytes<const N: usize>(&self, off: usize) -> [u8; N] {
        let mut out = [0u8; N];
        let avail = self.0.get(off..).unwrap_or(&[]);
        for (dst, src) in out.iter_mut().zip(avail) {
            *dst = *src;
        }
        out
    }

    fn u8(&self, off: usize) -> u8 {
        let [b] = self.bytes::<1>(off);
        b
    }

    fn u16(&self, off: usize) -> u16 {
        u16::from_le_bytes(self.bytes(off))
    }

    fn u32(&self, off: usize) -> u32 {
        u32::from_le_bytes(self.bytes(off))
    }

    fn u64(&self, off: usize) -> u64 {
        u64::from_le_bytes(self.bytes(off))
    }
}

/// Whether feature bit `nr` is set in `features`.
fn has(features: u64, nr: u32) -> bool {
    features & bit_ull(nr) != 0
}

/// Whether DEV_CONFIG_GET reports `DEV_NEGOTIATED_FEATURES`: only once the
/// device status has `VIRTIO_CONFIG_S_FEATURES_OK` (driver features are not
/// even read otherwise).
pub fn reports_negotiated(status: u8) -> bool {
    status & virtio::CONFIG_S_FEATURES_OK != 0
}

/// The class-specific part of a DEV_CONFIG_GET reply, chosen by device id:
/// [`net`] for `VIRTIO_ID_NET`, [`blk`] for `VIRTIO_ID_BLOCK`.
///
/// # Errors
///
/// `EOPNOTSUPP` (no message) for any other device id, before anything is
/// put; otherwise the sink's error.
pub fn by_class(
    device_id: u32,
    features: u64,
    config: &[u8],
    sink: &mut impl Sink,
) -> Result<(), i32> {
    match device_id {
        virtio::ID_NET => net(features, config, sink),
        virtio::ID_BLOCK => blk(features, config, sink),
        _ => Err(EOPNOTSUPP),
    }
}

/// `vdpa_dev_net_config_fill()`: `features` are the **device** features
/// (`get_device_features()`), `config` the `struct virtio_net_config`.
///
/// Puts, in order: DEV_FEATURES (u64); DEV_NET_CFG_MTU (u16) if
/// `VIRTIO_NET_F_MTU`; DEV_NET_CFG_MACADDR (6 bytes) if `VIRTIO_NET_F_MAC`;
/// DEV_NET_STATUS (u16, not u8) if `VIRTIO_NET_F_STATUS`; then [`net_mq`].
///
/// # Errors
///
/// The sink's error; nothing more is put after it.
pub fn net(features: u64, config: &[u8], sink: &mut impl Sink) -> Result<(), i32> {
    let cfg = Le(config);

    sink.put(attr::DEV_FEATURES, Value::U64(features))?;
    if has(features, virtio_net::F_MTU) {
        sink.put(attr::DEV_NET_CFG_MTU, Value::U16(cfg.u16(net_off::MTU)))?;
    }
    if has(features, virtio_net::F_MAC) {
        let mac = cfg.bytes::<6>(net_off::MAC);
        sink.put(attr::DEV_NET_CFG_MACADDR, Value::Bytes(&mac))?;
    }
    if has(features, virtio_net::F_STATUS) {
        sink.put(attr::DEV_NET_STATUS, Value::U16(cfg.u16(net_off::STATUS)))?;
    }
    net_mq(features, config, sink)
}

/// `vdpa_dev_net_mq_config_fill()`: DEV_NET_CFG_MAX_VQP (u16) =
/// `max_virtqueue_pairs` if `features` has `VIRTIO_NET_F_MQ` or
/// `VIRTIO_NET_F_RSS`, else nothing.
///
/// DEV_CONFIG_GET passes the device features; DEV_VSTATS_GET passes the
/// **negotiated** (driver) features.
///
/// # Errors
///
/// The sink's error.
pub fn net_mq(features: u64, config: &[u8], sink: &mut impl Sink) -> Result<(), i32> {
    if !has(features, virtio_net::F_MQ) && !has(features, virtio_net::F_RSS) {
        return Ok(());
    }
    let pairs = Le(config).u16(net_off::MAX_VIRTQUEUE_PAIRS);
    sink.put(attr::DEV_NET_CFG_MAX_VQP, Value::U16(pairs))
}

/// `vdpa_dev_blk_config_fill()`: `features` are the **device** features,
/// `config` the `struct virtio_blk_config`.
///
/// Puts, in order: DEV_FEATURES (u64); CAPACITY (u64) always; SIZE_MAX
/// (u32) if `F_SIZE_MAX`; BLK_SIZE (u32) if `F_BLK_SIZE`; SEG_MAX (u32) if
/// `F_SEG_MAX`; NUM_QUEUES (u16) if `F_MQ`; PHY_BLK_EXP (u8), ALIGN_OFFSET
/// (u8), MIN_IO_SIZE (u16), OPT_IO_SIZE (u32) if `F_TOPOLOGY`;
/// MAX_DISCARD_SEC, MAX_DISCARD_SEG, DISCARD_SEC_ALIGN (u32) if
/// `F_DISCARD`; MAX_WRITE_ZEROES_SEC, MAX_WRITE_ZEROES_SEG (u32) if
/// `F_WRITE_ZEROES`; READ_ONLY (u8, 0 or 1 from `F_RO`) always; FLUSH (u8, 0
/// or 1 from `F_FLUSH`) always.
///
/// # Errors
///
/// The sink's error; nothing more is put after it.
pub fn blk(features: u64, config: &[u8], sink: &mut impl Sink) -> Result<(), i32> {
    let cfg = Le(config);
    let u32_at = |off| Value::U32(cfg.u32(off));

    sink.put(attr::DEV_FEATURES, Value::U64(features))?;
    sink.put(
        attr::DEV_BLK_CFG_CAPACITY,
        Value::U64(cfg.u64(blk_off::CAPACITY)),
    )?;
    if has(features, virtio_blk::F_SIZE_MAX) {
        sink.put(attr::DEV_BLK_CFG_SIZE_MAX, u32_at(blk_off::SIZE_MAX))?;
    }
    if has(features, virtio_blk::F_BLK_SIZE) {
        sink.put(attr::DEV_BLK_CFG_BLK_SIZE, u32_at(blk_off::BLK_SIZE))?;
    }
    if has(features, virtio_blk::F_SEG_MAX) {
        sink.put(attr::DEV_BLK_CFG_SEG_MAX, u32_at(blk_off::SEG_MAX))?;
    }
    if has(features, virtio_blk::F_MQ) {
        let queues = cfg.u16(blk_off::NUM_QUEUES);
        sink.put(attr::DEV_BLK_CFG_NUM_QUEUES, Value::U16(queues))?;
    }
    if has(features, virtio_blk::F_TOPOLOGY) {
        let exp = cfg.u8(blk_off::PHYSICAL_BLOCK_EXP);
        sink.put(attr::DEV_BLK_CFG_PHY_BLK_EXP, Value::U8(exp))?;
        let align = cfg.u8(blk_off::ALIGNMENT_OFFSET);
        sink.put(attr::DEV_BLK_CFG_ALIGN_OFFSET, Value::U8(align))?;
        let min_io = cfg.u16(blk_off::MIN_IO_SIZE);
        sink.put(attr::DEV_BLK_CFG_MIN_IO_SIZE, Value::U16(min_io))?;
        sink.put(attr::DEV_BLK_CFG_OPT_IO_SIZE, u32_at(blk_off::OPT_IO_SIZE))?;
    }
    if has(features, virtio_blk::F_DISCARD) {
        sink.put(
            attr::DEV_BLK_CFG_MAX_DISCARD_SEC,
            u32_at(blk_off::MAX_DISCARD_SECTORS),
        )?;
        sink.put(
            attr::DEV_BLK_CFG_MAX_DISCARD_SEG,
            u32_at(blk_off::MAX_DISCARD_SEG),
        )?;
        sink.put(
            attr::DEV_BLK_CFG_DISCARD_SEC_ALIGN,
            u32_at(blk_off::DISCARD_SECTOR_ALIGNMENT),
        )?;
    }
    if has(features, virtio_blk::F_WRITE_ZEROES) {
        sink.put(
            attr::DEV_BLK_CFG_MAX_WRITE_ZEROES_SEC,
            u32_at(blk_off::MAX_WRITE_ZEROES_SECTORS),
        )?;
        sink.put(
            attr::DEV_BLK_CFG_MAX_WRITE_ZEROES_SEG,
            u32_at(blk_off::MAX_WRITE_ZEROES_SEG),
        )?;
    }
    let ro = u8::from(has(features, virtio_blk::F_RO));
    sink.put(attr::DEV_BLK_READ_ONLY, Value::U8(ro))?;
    let flush = u8::from(has(features, virtio_blk::F_FLUSH));
    sink.put(attr::DEV_BLK_FLUSH, Value::U8(flush))
}
