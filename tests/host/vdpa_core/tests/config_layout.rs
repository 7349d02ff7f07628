// SPDX-License-Identifier: GPL-2.0

//! The config-space layout `vdpa_core/netlink/config_fill.rs` decodes is the
//! one of the 6.12 headers: every `net_off::*` / `blk_off::*` offset is
//! `offset_of!` of the field in bindgen's `struct virtio_net_config` /
//! `struct virtio_blk_config`, the lengths are their `size_of`, and a
//! config image built from the header's struct decodes to its own fields.

mod common;
#[macro_use]
mod kernel;

use common::V;

use core::mem::{offset_of, size_of};
use kernel::{
    check, virtio_blk_config as Blk, virtio_blk_config_virtio_blk_geometry as Geometry,
    virtio_blk_config_virtio_blk_zoned_characteristics as Zoned, virtio_net_config as Net,
};
use vdpa_core_host::netlink::config_fill::{
    blk, blk_off, net, net_off, Sink, Value, BLK_CONFIG_LEN, NET_CONFIG_LEN,
};
use vdpa_core_host::netlink::uapi::attr;

#[test]
fn net_layout() {
    check(&pairs![
        NET_CONFIG_LEN => size_of::<Net>(),
        net_off::MAC => offset_of!(Net, mac),
        net_off::STATUS => offset_of!(Net, status),
        net_off::MAX_VIRTQUEUE_PAIRS => offset_of!(Net, max_virtqueue_pairs),
        net_off::MTU => offset_of!(Net, mtu),
        net_off::SPEED => offset_of!(Net, speed),
        net_off::DUPLEX => offset_of!(Net, duplex),
        net_off::RSS_MAX_KEY_SIZE => offset_of!(Net, rss_max_key_size),
        net_off::RSS_MAX_INDIRECTION_TABLE_LENGTH =>
            offset_of!(Net, rss_max_indirection_table_length),
        net_off::SUPPORTED_HASH_TYPES => offset_of!(Net, supported_hash_types),
    ]);
}

#[test]
fn blk_layout() {
    check(&pairs![
        BLK_CONFIG_LEN => size_of::<Blk>(),
        blk_off::CAPACITY => offset_of!(Blk, capacity),
        blk_off::SIZE_MAX => offset_of!(Blk, size_max),
        blk_off::SEG_MAX => offset_of!(Blk, seg_max),
        blk_off::GEOMETRY => offset_of!(Blk, geometry),
        blk_off::BLK_SIZE => offset_of!(Blk, blk_size),
        blk_off::PHYSICAL_BLOCK_EXP => offset_of!(Blk, physical_block_exp),
        blk_off::ALIGNMENT_OFFSET => offset_of!(Blk, alignment_offset),
        blk_off::MIN_IO_SIZE => offset_of!(Blk, min_io_size),
        blk_off::OPT_IO_SIZE => offset_of!(Blk, opt_io_size),
        blk_off::WCE => offset_of!(Blk, wce),
        blk_off::NUM_QUEUES => offset_of!(Blk, num_queues),
        blk_off::MAX_DISCARD_SECTORS => offset_of!(Blk, max_discard_sectors),
        blk_off::MAX_DISCARD_SEG => offset_of!(Blk, max_discard_seg),
        blk_off::DISCARD_SECTOR_ALIGNMENT => offset_of!(Blk, discard_sector_alignment),
        blk_off::MAX_WRITE_ZEROES_SECTORS => offset_of!(Blk, max_write_zeroes_sectors),
        blk_off::MAX_WRITE_ZEROES_SEG => offset_of!(Blk, max_write_zeroes_seg),
        blk_off::WRITE_ZEROES_MAY_UNMAP => offset_of!(Blk, write_zeroes_may_unmap),
        blk_off::MAX_SECURE_ERASE_SECTORS => offset_of!(Blk, max_secure_erase_sectors),
        blk_off::ZONED => offset_of!(Blk, zoned),
        // The zoned characteristics are the tail of the struct, so the fill
        // reads them too (BLK_CONFIG_LEN is the 6.12 size, not the 5.x one).
        BLK_CONFIG_LEN - blk_off::ZONED => size_of::<Zoned>(),
        blk_off::BLK_SIZE - blk_off::GEOMETRY => size_of::<Geometry>(),
    ]);
}


/// Records every put.
#[derive(Default)]
struct Rec(Vec<(u16, V)>);

impl Sink for Rec {
    fn put(&mut self, attr: u16, v: Value<'_>) -> Result<(), i32> {
        self.0.push((
            attr,
            V::from(v),
        ));
        Ok(())
    }
}

/// The bytes of a config struct, as a device's `get_config()` would copy
/// them.
fn bytes_of<T: Copy>(config: &T) -> Vec<u8> {
    // SAFETY: only called on the packed virtio config structs, whose fields
    // are integers and integer arrays (the nested structs are padding free),
    // so every byte is initialised; the slice lives no longer than `config`.
    unsafe { core::slice::from_raw_parts((config as *const T).cast::<u8>(), size_of::<T>()) }
        .to_vec()
}

/// Every feature bit, so that the fill reads every field it knows.
const ALL: u64 = !0;

#[test]
fn net_decodes_the_header_struct() {
    // Values of distinct bytes, little endian as config_fill decodes them.
    let c = Net {
        mac: [0x10, 0x11, 0x12, 0x13, 0x14, 0x15],
        status: 0x2122u16.to_le(),
        max_virtqueue_pairs: 0x3132u16.to_le(),
        mtu: 0x4142u16.to_le(),
        speed: 0x5152_5354u32.to_le(),
        duplex: 0x61,
        rss_max_key_size: 0x71,
        rss_max_indirection_table_length: 0x8182u16.to_le(),
        supported_hash_types: 0x9192_9394u32.to_le(),
    };
    let image = bytes_of(&c);
    let mut rec = Rec::default();
    net(ALL, &image, &mut rec).unwrap();
    assert_eq!(
        rec.0,
        [
            (attr::DEV_FEATURES, V::U64(ALL)),
            (attr::DEV_NET_CFG_MTU, V::U16(u16::from_le(c.mtu))),
            (attr::DEV_NET_CFG_MACADDR, V::Bytes(c.mac.to_vec())),
            (attr::DEV_NET_STATUS, V::U16(u16::from_le(c.status))),
            (
                attr::DEV_NET_CFG_MAX_VQP,
                V::U16(u16::from_le(c.max_virtqueue_pairs))
            ),
        ]
    );
}

#[test]
fn blk_decodes_the_header_struct() {
    let c = Blk {
        capacity: 0x0102_0304_0506_0708u64.to_le(),
        size_max: 0x1112_1314u32.to_le(),
        seg_max: 0x2122_2324u32.to_le(),
        geometry: Geometry {
            cylinders: 0x3132u16.to_le(),
            heads: 0x33,
            sectors: 0x34,
        },
        blk_size: 0x4142_4344u32.to_le(),
        physical_block_exp: 0x51,
        alignment_offset: 0x52,
        min_io_size: 0x5354u16.to_le(),
        opt_io_size: 0x6162_6364u32.to_le(),
        wce: 0x71,
        unused: 0x72,
        num_queues: 0x7374u16.to_le(),
        max_discard_sectors: 0x8182_8384u32.to_le(),
        max_discard_seg: 0x9192_9394u32.to_le(),
        discard_sector_alignment: 0xa1a2_a3a4u32.to_le(),
        max_write_zeroes_sectors: 0xb1b2_b3b4u32.to_le(),
        max_write_zeroes_seg: 0xc1c2_c3c4u32.to_le(),
        write_zeroes_may_unmap: 0xd1,
        unused1: [0xd2, 0xd3, 0xd4],
        max_secure_erase_sectors: 0xe1e2_e3e4u32.to_le(),
        max_secure_erase_seg: 0xe5e6_e7e8u32.to_le(),
        secure_erase_sector_alignment: 0xe9ea_ebecu32.to_le(),
        zoned: Zoned {
            zone_sectors: 0xf1f2_f3f4u32.to_le(),
            max_open_zones: 0xf5f6_f7f8u32.to_le(),
            max_active_zones: 0xf9fa_fbfcu32.to_le(),
            max_append_sectors: 0xfdfe_ff00u32.to_le(),
            write_granularity: 0x0a0b_0c0du32.to_le(),
            model: 0x0e,
            unused2: [0x0f, 0x1f, 0x2f],
        },
    };
    let image = bytes_of(&c);
    let mut rec = Rec::default();
    blk(ALL, &image, &mut rec).unwrap();
    let u32_of = |v: u32| V::U32(u32::from_le(v));
    assert_eq!(
        rec.0,
        [
            (attr::DEV_FEATURES, V::U64(ALL)),
            (
                attr::DEV_BLK_CFG_CAPACITY,
                V::U64(u64::from_le(c.capacity))
            ),
            (attr::DEV_BLK_CFG_SIZE_MAX, u32_of(c.size_max)),
            (attr::DEV_BLK_CFG_BLK_SIZE, u32_of(c.blk_size)),
            (attr::DEV_BLK_CFG_SEG_MAX, u32_of(c.seg_max)),
            (
                attr::DEV_BLK_CFG_NUM_QUEUES,
                V::U16(u16::from_le(c.num_queues))
            ),
            (attr::DEV_BLK_CFG_PHY_BLK_EXP, V::U8(c.physical_block_exp)),
            (attr::DEV_BLK_CFG_ALIGN_OFFSET, V::U8(c.alignment_offset)),
            (
                attr::DEV_BLK_CFG_MIN_IO_SIZE,
                V::U16(u16::from_le(c.min_io_size))
            ),
            (attr::DEV_BLK_CFG_OPT_IO_SIZE, u32_of(c.opt_io_size)),
            (attr::DEV_BLK_CFG_MAX_DISCARD_SEC, u32_of(c.max_discard_sectors)),
            (attr::DEV_BLK_CFG_MAX_DISCARD_SEG, u32_of(c.max_discard_seg)),
            (
                attr::DEV_BLK_CFG_DISCARD_SEC_ALIGN,
                u32_of(c.discard_sector_alignment)
            ),
            (
                attr::DEV_BLK_CFG_MAX_WRITE_ZEROES_SEC,
                u32_of(c.max_write_zeroes_sectors)
            ),
            (
                attr::DEV_BLK_CFG_MAX_WRITE_ZEROES_SEG,
                u32_of(c.max_write_zeroes_seg)
            ),
            (attr::DEV_BLK_READ_ONLY, V::U8(1)),
            (attr::DEV_BLK_FLUSH, V::U8(1)),
        ]
    );
}
