// SPDX-License-Identifier: GPL-2.0

//! DEV_NEW request checks (`vdpa_nl_cmd_dev_add_set_doit()` steps 1-5, 9,
//! 11, 12), extack message rendering, and management-device classes.

mod common;

use common::*;
use vdpa_core_host::netlink::dev_new::{
    check_against_mgmtdev, classes, msg, needs_net_admin, precheck, Msg, Reject, SetConfig,
    NETLINK_MAX_FMTMSG_LEN,
};
use vdpa_core_host::netlink::policy::Attrs;

const EINVAL: i32 = 22;
const EOPNOTSUPP: i32 = 95;

const MAC: [u8; 6] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55];

/// The features of vdpa_sim_net: MTU, MAC, STATUS, CTRL_VQ, CTRL_MAC_ADDR,
/// ANY_LAYOUT, VERSION_1, ACCESS_PLATFORM. No MQ.
const SIM_NET_FEATURES: u64 = 0x3_0883_0028;

/// vdpa_sim_net's config_attr_mask: MACADDR | MTU | DEV_FEATURES.
const SIM_NET_ATTR_MASK: u64 = (1 << 10) | (1 << 13) | (1 << 20);

fn parse(buf: &[u8]) -> Attrs<'_> {
    Attrs::parse(buf).expect("valid stream")
}

fn reject(buf: &[u8]) -> Reject {
    precheck(&parse(buf)).expect_err("must be refused")
}

fn accept(buf: &[u8]) -> (Vec<u8>, SetConfig) {
    let (name, cfg) = precheck(&parse(buf)).expect("must be accepted");
    (name.to_vec(), cfg)
}

/// Renders a message into a kernel-sized `_msg_buf`.
fn render(m: &Msg) -> String {
    let mut buf = [0xaau8; NETLINK_MAX_FMTMSG_LEN];
    let n = m.write(&mut buf);
    assert_eq!(buf[n], 0, "NUL terminated");
    String::from_utf8(buf[..n].to_vec()).expect("ascii")
}

fn reject_text(r: &Reject) -> Option<String> {
    r.msg.as_ref().map(render)
}

// ---------------------------------------------------------------------------
// Steps 1-5

#[test]
fn name_is_required_first() {
    let r = reject(&[]);
    assert_eq!(
        r,
        Reject {
            errno: EINVAL,
            msg: None
        }
    );
    // Checked before MAX_VQP 0 and before missing features.
    let buf = stream(&[
        &u16_nla(12, 0),
        &nla(10, &MAC),
        &u64_nla(20, 0),
        &str_nla(2, "vdpasim_net"),
    ]);
    assert_eq!(
        reject(&buf),
        Reject {
            errno: EINVAL,
            msg: None
        }
    );
}

#[test]
fn name_alone_gives_an_empty_config() {
    let (name, cfg) = accept(&str_nla(4, "vdpa0"));
    assert_eq!(name, b"vdpa0");
    assert_eq!(cfg, SetConfig::default());
    assert_eq!(cfg.mask, 0);
    assert!(!needs_net_admin(&cfg));
}

#[test]
fn name_is_cut_at_the_first_nul_and_need_not_have_one() {
    assert_eq!(accept(&nla(4, b"abc")).0, b"abc");
    assert_eq!(accept(&nla(4, b"ab\0cd\0")).0, b"ab");
    assert_eq!(accept(&nla(4, b"\0")).0, b"");
}

#[test]
fn net_attributes_fill_the_config_and_mask() {
    let buf = stream(&[
        &str_nla(4, "n"),
        &nla(10, &MAC),
        &u16_nla(13, 9000),
        &u16_nla(12, 8),
    ]);
    let (_, cfg) = accept(&buf);
    assert_eq!(
        cfg,
        SetConfig {
            device_features: 0,
            mac: MAC,
            mtu: 9000,
            max_vq_pairs: 8,
            mask: 0x3400
        }
    );
    assert!(needs_net_admin(&cfg));
}

#[test]
fn each_net_attribute_sets_its_own_bit() {
    let (_, cfg) = accept(&stream(&[&str_nla(4, "n"), &nla(10, &[0; 6])]));
    assert_eq!((cfg.mask, cfg.mac), (1 << 10, [0; 6]));
    assert!(needs_net_admin(&cfg));
    let (_, cfg) = accept(&stream(&[&str_nla(4, "n"), &u16_nla(13, 68)]));
    assert_eq!((cfg.mask, cfg.mtu), (1 << 13, 68));
    assert!(needs_net_admin(&cfg));
    let (_, cfg) = accept(&stream(&[&str_nla(4, "n"), &u16_nla(12, 1)]));
    assert_eq!((cfg.mask, cfg.max_vq_pairs), (1 << 12, 1));
    assert!(needs_net_admin(&cfg));
}

#[test]
fn mac_is_not_checked_for_validity() {
    // Multicast and all-zero MACs pass DEV_NEW (unlike DEV_ATTR_SET).
    for mac in [[0xff; 6], [0x01, 0, 0, 0, 0, 0], [0; 6]] {
        let (_, cfg) = accept(&stream(&[&str_nla(4, "n"), &nla(10, &mac)]));
        assert_eq!(cfg.mac, mac);
    }
}

#[test]
fn zero_vq_pairs_is_refused() {
    let buf = stream(&[&str_nla(4, "n"), &u16_nla(12, 0)]);
    let r = reject(&buf);
    assert_eq!(r.errno, EINVAL);
    assert_eq!(r.msg, Some(Msg::Static(msg::AT_LEAST_ONE_VQ_PAIR)));
    assert_eq!(
        reject_text(&r).as_deref(),
        Some("vdpa: At least one pair of VQs is required")
    );
    // Before the features check, whatever DEV_FEATURES says.
    let buf = stream(&[
        &str_nla(4, "n"),
        &nla(10, &MAC),
        &u16_nla(12, 0),
        &u64_nla(20, 0),
    ]);
    assert_eq!(
        reject(&buf).msg,
        Some(Msg::Static(msg::AT_LEAST_ONE_VQ_PAIR))
    );
}

#[test]
fn features_must_cover_the_provided_net_attributes() {
    let name = str_nla(4, "n");
    let cases: [(Vec<u8>, u64, u64); 7] = [
        (nla(10, &MAC), 0, 0x20),
        (u16_nla(13, 1500), 0, 0x8),
        (u16_nla(12, 2), 0, 0x40_0000),
        (stream(&[&nla(10, &MAC), &u16_nla(13, 1500)]), 0x8, 0x20),
        (stream(&[&nla(10, &MAC), &u16_nla(13, 1500)]), 0x20, 0x8),
        (
            stream(&[&nla(10, &MAC), &u16_nla(13, 1500), &u16_nla(12, 4)]),
            0,
            0x40_0028,
        ),
        (
            stream(&[&nla(10, &MAC), &u16_nla(13, 1500), &u16_nla(12, 4)]),
            SIM_NET_FEATURES,
            0x40_0000,
        ),
    ];
    for (attrs, features, missing) in cases {
        let buf = stream(&[&name, &attrs, &u64_nla(20, features)]);
        let r = reject(&buf);
        assert_eq!(
            r,
            Reject {
                errno: EINVAL,
                msg: Some(Msg::MissingFeatures(missing))
            }
        );
        assert_eq!(
            reject_text(&r),
            Some(format!(
                "vdpa: Missing features 0x{missing:x} for provided attributes"
            ))
        );
    }
}

#[test]
fn one_vq_pair_needs_no_mq() {
    let buf = stream(&[&str_nla(4, "n"), &u16_nla(12, 1), &u64_nla(20, 0)]);
    let (_, cfg) = accept(&buf);
    assert_eq!(cfg.mask, (1 << 12) | (1 << 20));
    assert_eq!(cfg.device_features, 0);
}

#[test]
fn features_with_everything_needed() {
    let features = SIM_NET_FEATURES | (1 << 22);
    let buf = stream(&[
        &str_nla(4, "n"),
        &nla(10, &MAC),
        &u16_nla(13, 1500),
        &u16_nla(12, 4),
        &u64_nla(20, features),
    ]);
    let (_, cfg) = accept(&buf);
    assert_eq!(
        cfg,
        SetConfig {
            device_features: features,
            mac: MAC,
            mtu: 1500,
            max_vq_pairs: 4,
            mask: 0x10_3400
        }
    );
}

#[test]
fn features_alone_need_no_net_admin() {
    let (_, cfg) = accept(&stream(&[&str_nla(4, "b"), &u64_nla(20, 0x646)]));
    assert_eq!((cfg.mask, cfg.device_features), (1 << 20, 0x646));
    assert!(!needs_net_admin(&cfg));
}

// ---------------------------------------------------------------------------
// Steps 9, 11, 12

fn cfg(mask: u64, device_features: u64) -> SetConfig {
    SetConfig {
        mask,
        device_features,
        ..SetConfig::default()
    }
}

#[test]
fn attributes_outside_the_parent_mask_are_unsupported() {
    // vdpa_sim_net has no MAX_VQP.
    let r = check_against_mgmtdev(&cfg(0x3400, 0), SIM_NET_ATTR_MASK, 0x2, 1).expect_err("refused");
    assert_eq!(
        r,
        Reject {
            errno: EOPNOTSUPP,
            msg: Some(Msg::UnsupportedAttrs(0x1000))
        }
    );
    assert_eq!(
        reject_text(&r).as_deref(),
        Some("vdpa: Some provided attributes are not supported: 0x1000")
    );
    // vdpa_sim_blk accepts nothing.
    let r = check_against_mgmtdev(&cfg(0x10_3400, 0), 0, 0x4, 1).expect_err("refused");
    assert_eq!(r.msg, Some(Msg::UnsupportedAttrs(0x10_3400)));
    assert_eq!(
        reject_text(&r).as_deref(),
        Some("vdpa: Some provided attributes are not supported: 0x103400")
    );
    // Checked before the class checks.
    let r = check_against_mgmtdev(&cfg(0x1000, 0), 0x2400, 0x4, 1).expect_err("refused");
    assert_eq!(r.errno, EOPNOTSUPP);
}

#[test]
fn accepted_attributes_on_the_right_parent_pass() {
    assert_eq!(check_against_mgmtdev(&cfg(0, 0), 0, 0x4, 1), Ok(()));
    assert_eq!(
        check_against_mgmtdev(&cfg(0x2400, 0), SIM_NET_ATTR_MASK, 0x2, 1),
        Ok(())
    );
    assert_eq!(
        check_against_mgmtdev(&cfg(0x10_2400, SIM_NET_FEATURES), SIM_NET_ATTR_MASK, 0x2, 1),
        Ok(())
    );
}

#[test]
fn net_attributes_need_the_net_class() {
    let r = check_against_mgmtdev(&cfg(1 << 13, 0), u64::MAX, 0x4, 1).expect_err("refused");
    assert_eq!(
        r,
        Reject {
            errno: EINVAL,
            msg: Some(Msg::Static(msg::NET_ATTRS_UNSUPPORTED))
        }
    );
    assert_eq!(
        reject_text(&r).as_deref(),
        Some("vdpa: Network class attributes provided on unsupported management device")
    );
    // No class at all.
    assert!(check_against_mgmtdev(&cfg(1 << 10, 0), u64::MAX, 0, 0).is_err());
}

#[test]
fn device_features_alone_are_ambiguous_on_multi_class_parents() {
    let net_blk = (1u64 << 1) | (1 << 2);
    let r =
        check_against_mgmtdev(&cfg(1 << 20, 1 << 0), u64::MAX, net_blk, 2).expect_err("refused");
    assert_eq!(
        r,
        Reject {
            errno: EINVAL,
            msg: Some(Msg::Static(msg::AMBIGUOUS_FEATURES))
        }
    );
    // Device-class bits on either side of the transport range.
    assert!(check_against_mgmtdev(&cfg(1 << 20, 1 << 27), u64::MAX, net_blk, 2).is_err());
    assert!(check_against_mgmtdev(&cfg(1 << 20, 1 << 43), u64::MAX, net_blk, 2).is_err());
    assert!(check_against_mgmtdev(&cfg(1 << 20, 1 << 63), u64::MAX, net_blk, 2).is_err());
    // Only transport bits (28..=42): not ambiguous.
    let transport = 0x0000_07ff_f000_0000u64;
    assert_eq!(
        check_against_mgmtdev(&cfg(1 << 20, transport), u64::MAX, net_blk, 2),
        Ok(())
    );
    assert_eq!(
        check_against_mgmtdev(&cfg(1 << 20, 0), u64::MAX, net_blk, 2),
        Ok(())
    );
    // One class, or no net class, or net attributes given: not ambiguous.
    assert_eq!(
        check_against_mgmtdev(&cfg(1 << 20, 1), u64::MAX, 0x2, 1),
        Ok(())
    );
    assert_eq!(
        check_against_mgmtdev(&cfg(1 << 20, 1), u64::MAX, 0x4 | 0x8, 2),
        Ok(())
    );
    assert_eq!(
        check_against_mgmtdev(&cfg((1 << 20) | (1 << 10), 1), u64::MAX, net_blk, 2),
        Ok(())
    );
    // The count is what matters, not the mask: a duplicated net entry.
    assert!(check_against_mgmtdev(&cfg(1 << 20, 1), u64::MAX, 0x2, 2).is_err());
    // Without DEV_FEATURES in the mask, device_features are not looked at.
    assert_eq!(
        check_against_mgmtdev(&cfg(0, 1), u64::MAX, net_blk, 2),
        Ok(())
    );
}

#[test]
fn full_flow_vdpasim_net_and_blk() {
    let (net_classes, net_n) = classes([1u32, 0].into_iter());
    let (blk_classes, blk_n) = classes([2u32, 0].into_iter());

    // `vdpa dev add name n mgmtdev vdpasim_net mac .. mtu 1500`
    let buf = stream(&[
        &str_nla(2, "vdpasim_net"),
        &str_nla(4, "n"),
        &nla(10, &MAC),
        &u16_nla(13, 1500),
    ]);
    let (_, c) = precheck(&parse(&buf)).expect("precheck");
    assert_eq!(
        check_against_mgmtdev(&c, SIM_NET_ATTR_MASK, net_classes, net_n),
        Ok(())
    );
    // Same on vdpasim_blk: refused for the attribute mask first.
    let r = check_against_mgmtdev(&c, 0, blk_classes, blk_n).expect_err("refused");
    assert_eq!(r.msg, Some(Msg::UnsupportedAttrs(0x2400)));
    // `max_vqp 2` on vdpasim_net.
    let buf = stream(&[&str_nla(4, "n"), &u16_nla(12, 2)]);
    let (_, c) = precheck(&parse(&buf)).expect("precheck");
    let r = check_against_mgmtdev(&c, SIM_NET_ATTR_MASK, net_classes, net_n).expect_err("refused");
    assert_eq!(
        r,
        Reject {
            errno: EOPNOTSUPP,
            msg: Some(Msg::UnsupportedAttrs(0x1000))
        }
    );
}

// ---------------------------------------------------------------------------
// Message rendering

#[test]
fn static_messages_carry_prefix_and_nul() {
    let all = [
        (msg::AT_LEAST_ONE_VQ_PAIR, "vdpa: At least one pair of VQs is required"),
        (msg::MGMTDEV_NOT_FOUND, "vdpa: Fail to find the specified management device"),
        (
            msg::NET_ATTRS_UNSUPPORTED,
            "vdpa: Network class attributes provided on unsupported management device",
        ),
        (
            msg::AMBIGUOUS_FEATURES,
            "vdpa: Management device supports multi-class while device features specified are ambiguous",
        ),
    ];
    for (c, text) in all {
        assert_eq!(c.to_bytes(), text.as_bytes());
        assert_eq!(c.to_bytes_with_nul().last(), Some(&0));
        let m = Msg::Static(c);
        assert_eq!(m.static_text(), Some(c));
        assert_eq!(m.untruncated_len(), text.len());
    }
    assert_eq!(Msg::MissingFeatures(8).static_text(), None);
    assert_eq!(Msg::UnsupportedAttrs(8).static_text(), None);
}

#[test]
fn llx_is_lowercase_hex_without_leading_zeros() {
    let cases = [
        (0u64, "0"),
        (0x8, "8"),
        (0x20, "20"),
        (0x40_0028, "400028"),
        (0xabc_def0, "abcdef0"),
        (1 << 63, "8000000000000000"),
        (u64::MAX, "ffffffffffffffff"),
    ];
    for (v, hex) in cases {
        assert_eq!(
            render(&Msg::MissingFeatures(v)),
            format!("vdpa: Missing features 0x{hex} for provided attributes")
        );
        assert_eq!(
            render(&Msg::UnsupportedAttrs(v)),
            format!("vdpa: Some provided attributes are not supported: 0x{hex}")
        );
    }
}

#[test]
fn untruncated_len_is_snprintf_return_value() {
    // "vdpa: Missing features 0x" (25) + digits + " for provided attributes" (24).
    assert_eq!(Msg::MissingFeatures(0x28).untruncated_len(), 25 + 2 + 24);
    assert_eq!(
        Msg::MissingFeatures(u64::MAX).untruncated_len(),
        25 + 16 + 24
    );
    // "vdpa: Some provided attributes are not supported: 0x" (52) + digits.
    assert_eq!(Msg::UnsupportedAttrs(0x1000).untruncated_len(), 52 + 4);
    // Neither formatted message can reach 80 bytes.
    assert!(Msg::MissingFeatures(u64::MAX).untruncated_len() < NETLINK_MAX_FMTMSG_LEN);
    assert!(Msg::UnsupportedAttrs(u64::MAX).untruncated_len() < NETLINK_MAX_FMTMSG_LEN);
}

#[test]
fn write_truncates_like_snprintf_in_80_bytes() {
    // The ambiguity message is 90 bytes: in an 80-byte buffer it keeps 79
    // characters and the NUL. (The kernel sets it with NL_SET_ERR_MSG_MOD,
    // i.e. static_text(), which is never truncated.)
    let m = Msg::Static(msg::AMBIGUOUS_FEATURES);
    assert_eq!(m.untruncated_len(), 90);
    let mut buf = [0xaau8; NETLINK_MAX_FMTMSG_LEN];
    let n = m.write(&mut buf);
    assert_eq!(n, 79);
    assert_eq!(buf[79], 0);
    assert_eq!(
        &buf[..79],
        &b"vdpa: Management device supports multi-class while device features specified ar"[..]
    );
    // A bigger buffer holds it whole.
    let mut big = [0xaau8; 128];
    assert_eq!(m.write(&mut big), 90);
    assert_eq!(big[90], 0);
    assert_eq!(big[91], 0xaa, "nothing written after the NUL");
}

#[test]
fn write_truncates_formatted_messages_in_small_buffers() {
    let m = Msg::MissingFeatures(0x40_0028);
    let full = "vdpa: Missing features 0x400028 for provided attributes";
    assert_eq!(m.untruncated_len(), full.len());
    for size in [
        1usize,
        2,
        6,
        7,
        25,
        26,
        31,
        32,
        full.len(),
        full.len() + 1,
        full.len() + 2,
    ] {
        let mut buf = vec![0xaau8; size];
        let n = m.write(&mut buf);
        let expect = full.len().min(size - 1);
        assert_eq!(n, expect, "size {size}");
        assert_eq!(&buf[..n], &full.as_bytes()[..n]);
        assert_eq!(buf[n], 0);
        assert!(buf[n + 1..].iter().all(|&b| b == 0xaa));
    }
    // Truncated inside the hex digits.
    let mut buf = [0u8; 29];
    assert_eq!(m.write(&mut buf), 28);
    assert_eq!(&buf[..28], b"vdpa: Missing features 0x400");
    // Size 0: nothing written at all.
    let mut empty: [u8; 0] = [];
    assert_eq!(m.write(&mut empty), 0);
}

// ---------------------------------------------------------------------------
// Classes

#[test]
fn classes_of_id_tables() {
    assert_eq!(classes([1u32, 0].into_iter()), (0x2, 1));
    assert_eq!(classes([2u32, 0].into_iter()), (0x4, 1));
    assert_eq!(classes([1u32, 2, 0].into_iter()), (0x6, 2));
    // Stops at the terminator.
    assert_eq!(classes([1u32, 0, 2, 3].into_iter()), (0x2, 1));
    assert_eq!(classes([0u32, 1].into_iter()), (0, 0));
    assert_eq!(classes(core::iter::empty()), (0, 0));
    // No terminator: stops at the end.
    assert_eq!(classes([1u32, 2].into_iter()), (0x6, 2));
    // Above 63: skipped, not counted; 63 itself counts.
    assert_eq!(classes([64u32, 1, u32::MAX, 0].into_iter()), (0x2, 1));
    assert_eq!(classes([63u32, 0].into_iter()), (1 << 63, 1));
    // Duplicates count twice.
    assert_eq!(classes([1u32, 1, 0].into_iter()), (0x2, 2));
}
