// SPDX-License-Identifier: GPL-2.0

//! DEV_CONFIG_GET config-space decoding (`vdpa_dev_net_config_fill()`,
//! `vdpa_dev_blk_config_fill()`) and the MAX_VQP fill shared with vstats,
//! checked on the configs of vdpa_sim_net and vdpa_sim_blk.

mod common;

use common::V;
use vdpa_core_host::netlink::config_fill::{
    blk, by_class, net, net_mq, reports_negotiated, Sink, Value, BLK_CONFIG_LEN, NET_CONFIG_LEN,
};

const EMSGSIZE: i32 = 90;
const EOPNOTSUPP: i32 = 95;


/// Records every put; fails with EMSGSIZE once `room` puts were accepted.
struct Rec {
    puts: Vec<(u16, V)>,
    room: usize,
    calls: usize,
}

impl Rec {
    fn new() -> Self {
        Rec {
            puts: Vec::new(),
            room: usize::MAX,
            calls: 0,
        }
    }

    fn with_room(room: usize) -> Self {
        Rec { room, ..Rec::new() }
    }
}

impl Sink for Rec {
    fn put(&mut self, attr: u16, v: Value<'_>) -> Result<(), i32> {
        self.calls += 1;
        if self.puts.len() >= self.room {
            return Err(EMSGSIZE);
        }
        let v = V::from(v);
        self.puts.push((attr, v));
        Ok(())
    }
}

/// vdpa_sim_net: MTU(3) MAC(5) STATUS(16) CTRL_VQ(17) CTRL_MAC_ADDR(23)
/// ANY_LAYOUT(27) VERSION_1(32) ACCESS_PLATFORM(33).
const SIM_NET_FEATURES: u64 = 0x3_0883_0028;
/// vdpa_sim_blk: SIZE_MAX(1) SEG_MAX(2) BLK_SIZE(6) FLUSH(9) TOPOLOGY(10)
/// MQ(12) DISCARD(13) WRITE_ZEROES(14) ANY_LAYOUT VERSION_1 ACCESS_PLATFORM.
const SIM_BLK_FEATURES: u64 = 0x3_0800_7646;

/// The 24-byte `virtio_net_config` of a vdpa_sim_net device created with
/// `mac 00:11:22:33:44:55`: status LINK_UP, max_virtqueue_pairs 0, mtu 1500.
fn sim_net_config(max_vqp: u16) -> [u8; NET_CONFIG_LEN] {
    let mut c = [0u8; NET_CONFIG_LEN];
    c[0..6].copy_from_slice(&[0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
    c[6..8].copy_from_slice(&1u16.to_le_bytes());
    c[8..10].copy_from_slice(&max_vqp.to_le_bytes());
    c[10..12].copy_from_slice(&1500u16.to_le_bytes());
    c
}

/// The 96-byte `virtio_blk_config` of vdpa_sim_blk (`vdpasim_blk_get_config`).
fn sim_blk_config() -> [u8; BLK_CONFIG_LEN] {
    let mut c = [0u8; BLK_CONFIG_LEN];
    let mut put = |off: usize, bytes: &[u8]| c[off..off + bytes.len()].copy_from_slice(bytes);
    put(0, &0x40000u64.to_le_bytes()); // capacity
    put(8, &4096u32.to_le_bytes()); // size_max
    put(12, &32u32.to_le_bytes()); // seg_max
    put(20, &512u32.to_le_bytes()); // blk_size
    put(26, &1u16.to_le_bytes()); // min_io_size
    put(28, &1u32.to_le_bytes()); // opt_io_size
    put(34, &1u16.to_le_bytes()); // num_queues
    put(36, &u32::MAX.to_le_bytes()); // max_discard_sectors
    put(40, &1u32.to_le_bytes()); // max_discard_seg
    put(44, &512u32.to_le_bytes()); // discard_sector_alignment
    put(48, &u32::MAX.to_le_bytes()); // max_write_zeroes_sectors
    put(52, &1u32.to_le_bytes()); // max_write_zeroes_seg
    c
}

fn run(f: impl FnOnce(&mut Rec) -> Result<(), i32>) -> Vec<(u16, V)> {
    let mut rec = Rec::new();
    f(&mut rec).expect("fill");
    rec.puts
}

// ---------------------------------------------------------------------------
// Net

#[test]
fn sim_net_config_fill() {
    let cfg = sim_net_config(0);
    let puts = run(|s| net(SIM_NET_FEATURES, &cfg, s));
    assert_eq!(
        puts,
        vec![
            (20, V::U64(0x3_0883_0028)),
            (13, V::U16(1500)),
            (10, V::Bytes(vec![0x00, 0x11, 0x22, 0x33, 0x44, 0x55])),
            (11, V::U16(1)),
        ]
    );
    // Same through the class dispatch.
    assert_eq!(run(|s| by_class(1, SIM_NET_FEATURES, &cfg, s)), puts);
}

#[test]
fn net_fields_follow_device_features_only() {
    let cfg = sim_net_config(7);
    assert_eq!(run(|s| net(0, &cfg, s)), vec![(20, V::U64(0))]);
    assert_eq!(
        run(|s| net(1 << 3, &cfg, s)),
        vec![(20, V::U64(8)), (13, V::U16(1500))]
    );
    assert_eq!(
        run(|s| net(1 << 5, &cfg, s)),
        vec![
            (20, V::U64(32)),
            (10, V::Bytes(vec![0x00, 0x11, 0x22, 0x33, 0x44, 0x55]))
        ]
    );
    assert_eq!(
        run(|s| net(1 << 16, &cfg, s)),
        vec![(20, V::U64(1 << 16)), (11, V::U16(1))]
    );
    assert_eq!(
        run(|s| net(1 << 22, &cfg, s)),
        vec![(20, V::U64(1 << 22)), (12, V::U16(7))]
    );
    assert_eq!(
        run(|s| net(1 << 60, &cfg, s)),
        vec![(20, V::U64(1 << 60)), (12, V::U16(7))]
    );
}

#[test]
fn net_full_order_with_mq() {
    let cfg = sim_net_config(4);
    let features = SIM_NET_FEATURES | (1 << 22) | (1 << 60);
    let attrs: Vec<u16> = run(|s| net(features, &cfg, s))
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(attrs, vec![20, 13, 10, 11, 12]);
}

#[test]
fn net_fields_are_little_endian() {
    let mut cfg = [0u8; NET_CONFIG_LEN];
    cfg[6..8].copy_from_slice(&[0x01, 0x02]);
    cfg[8..10].copy_from_slice(&[0x03, 0x04]);
    cfg[10..12].copy_from_slice(&[0x05, 0x06]);
    let all = (1 << 3) | (1 << 16) | (1 << 22);
    assert_eq!(
        run(|s| net(all, &cfg, s)),
        vec![
            (20, V::U64(all)),
            (13, V::U16(0x0605)),
            (11, V::U16(0x0201)),
            (12, V::U16(0x0403))
        ]
    );
}

#[test]
fn net_mq_uses_the_features_it_is_given() {
    let cfg = sim_net_config(3);
    // Vstats passes negotiated features.
    assert_eq!(run(|s| net_mq(1 << 22, &cfg, s)), vec![(12, V::U16(3))]);
    assert_eq!(run(|s| net_mq(1 << 60, &cfg, s)), vec![(12, V::U16(3))]);
    assert_eq!(run(|s| net_mq(SIM_NET_FEATURES, &cfg, s)), vec![]);
    assert_eq!(run(|s| net_mq(0, &cfg, s)), vec![]);
}

#[test]
fn short_net_config_reads_zeros() {
    let all = (1 << 3) | (1 << 5) | (1 << 16) | (1 << 22);
    assert_eq!(
        run(|s| net(all, &[], s)),
        vec![
            (20, V::U64(all)),
            (13, V::U16(0)),
            (10, V::Bytes(vec![0; 6])),
            (11, V::U16(0)),
            (12, V::U16(0)),
        ]
    );
    // Half of `status` present.
    let cfg = [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x42];
    let puts = run(|s| net(1 << 16, &cfg, s));
    assert_eq!(puts[1], (11, V::U16(0x0042)));
}

// ---------------------------------------------------------------------------
// Block

#[test]
fn sim_blk_config_fill() {
    let cfg = sim_blk_config();
    let puts = run(|s| blk(SIM_BLK_FEATURES, &cfg, s));
    assert_eq!(
        puts,
        vec![
            (20, V::U64(0x3_0800_7646)),
            (21, V::U64(0x40000)),
            (22, V::U32(4096)),
            (23, V::U32(512)),
            (24, V::U32(32)),
            (25, V::U16(1)),
            (26, V::U8(0)),
            (27, V::U8(0)),
            (28, V::U16(1)),
            (29, V::U32(1)),
            (30, V::U32(0xffff_ffff)),
            (31, V::U32(1)),
            (32, V::U32(512)),
            (33, V::U32(0xffff_ffff)),
            (34, V::U32(1)),
            (35, V::U8(0)),
            (36, V::U8(1)),
        ]
    );
    assert_eq!(run(|s| by_class(2, SIM_BLK_FEATURES, &cfg, s)), puts);
}

#[test]
fn blk_without_features_has_capacity_ro_and_flush_only() {
    let cfg = sim_blk_config();
    assert_eq!(
        run(|s| blk(0, &cfg, s)),
        vec![
            (20, V::U64(0)),
            (21, V::U64(0x40000)),
            (35, V::U8(0)),
            (36, V::U8(0))
        ]
    );
    let ro = 1u64 << 5;
    assert_eq!(
        run(|s| blk(ro, &cfg, s)),
        vec![
            (20, V::U64(ro)),
            (21, V::U64(0x40000)),
            (35, V::U8(1)),
            (36, V::U8(0))
        ]
    );
}

#[test]
fn blk_offsets_match_virtio_blk_config() {
    // Every byte distinct: each field decodes from its own offset.
    let cfg: Vec<u8> = (0..BLK_CONFIG_LEN as u8).collect();
    let le32 =
        |off: u32| u32::from_le_bytes([off as u8, off as u8 + 1, off as u8 + 2, off as u8 + 3]);
    let le16 = |off: u16| u16::from_le_bytes([off as u8, off as u8 + 1]);
    let all = (1u64 << 1)
        | (1 << 2)
        | (1 << 5)
        | (1 << 6)
        | (1 << 9)
        | (1 << 10)
        | (1 << 12)
        | (1 << 13)
        | (1 << 14);
    assert_eq!(
        run(|s| blk(all, &cfg, s)),
        vec![
            (20, V::U64(all)),
            (21, V::U64(0x0706_0504_0302_0100)),
            (22, V::U32(le32(8))),
            (23, V::U32(le32(20))),
            (24, V::U32(le32(12))),
            (25, V::U16(le16(34))),
            (26, V::U8(24)),
            (27, V::U8(25)),
            (28, V::U16(le16(26))),
            (29, V::U32(le32(28))),
            (30, V::U32(le32(36))),
            (31, V::U32(le32(40))),
            (32, V::U32(le32(44))),
            (33, V::U32(le32(48))),
            (34, V::U32(le32(52))),
            (35, V::U8(1)),
            (36, V::U8(1)),
        ]
    );
}

#[test]
fn net_offsets_match_virtio_net_config() {
    let cfg: Vec<u8> = (0..NET_CONFIG_LEN as u8).collect();
    let all = (1u64 << 3) | (1 << 5) | (1 << 16) | (1 << 22);
    assert_eq!(
        run(|s| net(all, &cfg, s)),
        vec![
            (20, V::U64(all)),
            (13, V::U16(0x0b0a)),
            (10, V::Bytes(vec![0, 1, 2, 3, 4, 5])),
            (11, V::U16(0x0706)),
            (12, V::U16(0x0908)),
        ]
    );
}

#[test]
fn short_blk_config_reads_zeros() {
    let puts = run(|s| blk(SIM_BLK_FEATURES, &[0xff; 10], s));
    assert_eq!(puts[1], (21, V::U64(u64::MAX)));
    assert_eq!(puts[2], (22, V::U32(0xffff)));
    assert_eq!(puts[3], (23, V::U32(0)));
    assert_eq!(puts.len(), 17);
}

// ---------------------------------------------------------------------------
// Dispatch and errors

#[test]
fn other_device_classes_are_not_supported() {
    for id in [0u32, 3, 4, 5, 26, u32::MAX] {
        let mut rec = Rec::new();
        assert_eq!(
            by_class(id, SIM_NET_FEATURES, &sim_net_config(0), &mut rec),
            Err(EOPNOTSUPP)
        );
        assert_eq!(rec.calls, 0, "nothing put for class {id}");
    }
}

#[test]
fn sink_failure_stops_the_fill() {
    let cfg = sim_blk_config();
    for room in 0..17 {
        let mut rec = Rec::with_room(room);
        assert_eq!(blk(SIM_BLK_FEATURES, &cfg, &mut rec), Err(EMSGSIZE));
        assert_eq!(rec.puts.len(), room);
        assert_eq!(rec.calls, room + 1, "no put after the failing one");
    }
    let mut rec = Rec::with_room(17);
    assert_eq!(blk(SIM_BLK_FEATURES, &cfg, &mut rec), Ok(()));

    let cfg = sim_net_config(2);
    let features = SIM_NET_FEATURES | (1 << 22);
    for room in 0..5 {
        let mut rec = Rec::with_room(room);
        assert_eq!(net(features, &cfg, &mut rec), Err(EMSGSIZE));
        assert_eq!(rec.calls, room + 1);
    }
    let mut rec = Rec::with_room(0);
    assert_eq!(net_mq(1 << 22, &cfg, &mut rec), Err(EMSGSIZE));
}

#[test]
fn sink_errno_is_passed_through() {
    struct Fail;
    impl Sink for Fail {
        fn put(&mut self, _: u16, _: Value<'_>) -> Result<(), i32> {
            Err(12)
        }
    }
    assert_eq!(net(0, &[], &mut Fail), Err(12));
    assert_eq!(blk(0, &[], &mut Fail), Err(12));
}

#[test]
fn negotiated_features_only_after_features_ok() {
    assert!(!reports_negotiated(0));
    assert!(!reports_negotiated(0x1 | 0x2 | 0x4 | 0x80));
    assert!(reports_negotiated(0x8));
    assert!(reports_negotiated(0xf));
}
