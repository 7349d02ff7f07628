// SPDX-License-Identifier: GPL-2.0

//! Strict validation of vdpa attribute streams against `vdpa_nl_policy`,
//! checked against `lib/nlattr.c` of Linux 6.12: errno, extack message,
//! offending attribute offset and the kernel log line, for every rule.

mod common;

use common::*;
use vdpa_core_host::netlink::policy::{
    validate_parse, Attrs, ParseError, Policy, Range, Warning, NLA_F_NESTED, NLA_F_NET_BYTEORDER,
    VDPA_POLICY,
};
use vdpa_core_host::netlink::uapi::attr;

const EINVAL: i32 = 22;
const ERANGE: i32 = 34;

const UNKNOWN: &str = "Unknown attribute type";
const UNSUPPORTED: &str = "Unsupported attribute";
const BAD_LEN: &str = "invalid attribute length";
const NESTED: &str = "NLA_F_NESTED not expected";
const FAILED: &str = "Attribute failed policy validation";
const INT_RANGE: &str = "integer out of range";
const BIN_RANGE: &str = "binary attribute size out of range";
const LEFTOVER: &str = "bytes leftover after parsing attributes";

fn err(buf: &[u8]) -> ParseError {
    match Attrs::parse(buf) {
        Ok(a) => panic!("accepted {buf:02x?}: {a:?}"),
        Err(e) => e,
    }
}

fn ok(buf: &[u8]) -> Attrs<'_> {
    match Attrs::parse(buf) {
        Ok(a) => a,
        Err(e) => panic!("refused {buf:02x?}: {e:?}"),
    }
}

/// Asserts errno, message and offset, that the C string matches, and that
/// the policy entry is recorded exactly for the `NL_SET_ERR_MSG_ATTR_POL()`
/// messages (all but unknown type, unsupported attribute and leftover).
#[track_caller]
fn assert_err(buf: &[u8], errno: i32, msg: &str, offset: Option<usize>) -> ParseError {
    let e = err(buf);
    assert_eq!(
        (e.errno, e.msg, e.offset),
        (errno, msg, offset),
        "stream {buf:02x?}"
    );
    assert_eq!(e.c_msg.to_bytes(), msg.as_bytes());
    let policy = match (msg, offset) {
        (UNKNOWN | UNSUPPORTED | LEFTOVER, _) | (_, None) => None,
        (_, Some(off)) => Some(u16::from_ne_bytes([buf[off + 2], buf[off + 3]]) & 0x3fff),
    };
    assert_eq!(e.policy, policy, "recorded policy for {msg}");
    e
}

/// A valid DEV_NAME attribute, 8 bytes.
fn name() -> Vec<u8> {
    str_nla(4, "vd0")
}

// ---------------------------------------------------------------------------
// Well-formed streams

#[test]
fn empty_stream_is_valid_and_empty() {
    let a = ok(&[]);
    for id in 0..=40 {
        assert!(!a.has(id));
        assert_eq!(a.payload(id), None);
    }
}

#[test]
fn iproute2_dev_add_request_parses() {
    let buf = stream(&[
        &str_nla(2, "vdpasim_net"),
        &str_nla(4, "vdpa0"),
        &nla(10, &[0x00, 0x11, 0x22, 0x33, 0x44, 0x55]),
        &u16_nla(13, 1500),
        &u16_nla(12, 4),
        &u64_nla(20, 0x3_0883_0028),
    ]);
    let a = ok(&buf);
    assert_eq!(a.string(attr::MGMTDEV_DEV_NAME), Some(&b"vdpasim_net"[..]));
    assert_eq!(
        a.payload(attr::MGMTDEV_DEV_NAME),
        Some(&b"vdpasim_net\0"[..])
    );
    assert_eq!(a.string(attr::DEV_NAME), Some(&b"vdpa0"[..]));
    assert_eq!(a.mac(), Some([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]));
    assert_eq!(a.u16(attr::DEV_NET_CFG_MTU), Some(1500));
    assert_eq!(a.u16(attr::DEV_NET_CFG_MAX_VQP), Some(4));
    assert_eq!(a.u64(attr::DEV_FEATURES), Some(0x3_0883_0028));
    assert!(!a.has(attr::MGMTDEV_BUS_NAME));
    assert!(!a.has(attr::DEV_QUEUE_INDEX));
    assert_eq!(a.u32(attr::DEV_QUEUE_INDEX), None);
}

#[test]
fn hand_built_bytes_parse() {
    // DEV_NAME "ab\0" (len 7, one pad byte), QUEUE_INDEX 0x01020304.
    let q = 0x0102_0304u32.to_ne_bytes();
    let buf = [
        7, 0, 4, 0, b'a', b'b', 0, 0xee, // pad content is not checked
        8, 0, 17, 0, q[0], q[1], q[2], q[3],
    ];
    // The headers above are little-endian literals.
    if cfg!(target_endian = "little") {
        let a = ok(&buf);
        assert_eq!(a.string(attr::DEV_NAME), Some(&b"ab"[..]));
        assert_eq!(a.u32(attr::DEV_QUEUE_INDEX), Some(0x0102_0304));
    }
}

#[test]
fn integers_are_read_in_host_byte_order() {
    let buf = stream(&[
        &nla(12, &[0x34, 0x12]),
        &nla(17, &[0x78, 0x56, 0x34, 0x12]),
        &nla(20, &[0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01]),
    ]);
    let a = ok(&buf);
    assert_eq!(a.u16(12), Some(u16::from_ne_bytes([0x34, 0x12])));
    assert_eq!(
        a.u32(17),
        Some(u32::from_ne_bytes([0x78, 0x56, 0x34, 0x12]))
    );
    assert_eq!(
        a.u64(20),
        Some(u64::from_ne_bytes([
            0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01
        ]))
    );
    if cfg!(target_endian = "little") {
        assert_eq!(a.u16(12), Some(0x1234));
        assert_eq!(a.u64(20), Some(0x0123_4567_89ab_cdef));
    }
}

#[test]
fn last_attribute_may_omit_its_padding() {
    // DEV_NAME "ab\0": nla_len 7, stream ends after 7 bytes.
    let buf = nla_unpadded(4, b"ab\0");
    assert_eq!(buf.len(), 7);
    assert_eq!(ok(&buf).string(4), Some(&b"ab"[..]));
    // Unpadded MAC (nla_len 10) last.
    let buf = stream(&[&name(), &nla_unpadded(10, &[2, 0, 0, 0, 0, 1])]);
    assert_eq!(buf.len(), 18);
    assert_eq!(ok(&buf).mac(), Some([2, 0, 0, 0, 0, 1]));
}

#[test]
fn duplicates_last_one_wins() {
    let buf = stream(&[
        &str_nla(4, "first"),
        &u16_nla(13, 100),
        &str_nla(4, "second"),
    ]);
    let a = ok(&buf);
    assert_eq!(a.string(4), Some(&b"second"[..]));
    assert_eq!(a.u16(13), Some(100));
}

#[test]
fn string_accessor_stops_at_first_nul_or_takes_all() {
    let buf = nla(4, b"abc");
    let a = ok(&buf);
    assert_eq!(a.string(4), Some(&b"abc"[..]));
    let buf = nla(4, b"a\0bc\0");
    let a = ok(&buf);
    assert_eq!(a.string(4), Some(&b"a"[..]));
    assert_eq!(a.payload(4), Some(&b"a\0bc\0"[..]));
    let buf = nla(4, b"\0");
    let a = ok(&buf);
    assert_eq!(a.string(4), Some(&b""[..]));
}

#[test]
fn accessors_on_other_ids() {
    let buf = name();
    let a = ok(&buf);
    assert_eq!(a.u16(4), Some(u16::from_ne_bytes(*b"vd")));
    assert_eq!(a.u32(4), Some(u32::from_ne_bytes(*b"vd0\0")));
    // Shorter than 8 bytes: no u64.
    assert_eq!(a.u64(4), None);
    assert_eq!(a.mac(), None);
    assert_eq!(a.payload(1000), None);
    assert!(!a.has(u16::MAX));
}

// ---------------------------------------------------------------------------
// Attribute type

#[test]
fn type_zero_is_unknown() {
    assert_err(&u32_nla(0, 0), EINVAL, UNKNOWN, Some(0));
    // Flags do not make it known: 0x8000 and 0x4000 are id 0.
    assert_err(&nla(NLA_F_NESTED, &[]), EINVAL, UNKNOWN, Some(0));
    assert_err(&nla(NLA_F_NET_BYTEORDER, &[1, 2]), EINVAL, UNKNOWN, Some(0));
    // Even a zero-length PAD attribute (what nla_put_64bit inserts).
    assert_err(&stream(&[&name(), &header(4, 0)]), EINVAL, UNKNOWN, Some(8));
}

#[test]
fn type_above_maxattr_is_unknown() {
    assert_err(&u32_nla(38, 0), EINVAL, UNKNOWN, Some(0));
    assert_err(&u32_nla(0x3fff, 0), EINVAL, UNKNOWN, Some(0));
    assert_err(&nla(38 | NLA_F_NESTED, &[]), EINVAL, UNKNOWN, Some(0));
    assert_err(
        &stream(&[&name(), &name(), &u16_nla(1000, 1)]),
        EINVAL,
        UNKNOWN,
        Some(16),
    );
}

#[test]
fn flag_bits_are_not_part_of_the_id() {
    // 0x4004 is DEV_NAME with NLA_F_NET_BYTEORDER: accepted as DEV_NAME.
    let buf = str_nla(4 | NLA_F_NET_BYTEORDER, "x");
    assert_eq!(ok(&buf).string(attr::DEV_NAME), Some(&b"x"[..]));
    // 0x4026 is id 38 with a flag: unknown.
    assert_err(
        &u16_nla(38 | NLA_F_NET_BYTEORDER, 1),
        EINVAL,
        UNKNOWN,
        Some(0),
    );
}

// ---------------------------------------------------------------------------
// NLA_UNSPEC entries in strict mode

#[test]
fn every_id_without_policy_is_unsupported() {
    let unspec = [3u16, 5, 6, 7, 8, 9, 11, 14, 15, 16, 18, 19]
        .into_iter()
        .chain(21..=37);
    let mut n = 0;
    for id in unspec {
        assert_err(&u32_nla(id, 7), EINVAL, UNSUPPORTED, Some(0));
        assert_err(&nla(id, &[]), EINVAL, UNSUPPORTED, Some(0));
        // NLA_F_NESTED is not checked on NLA_UNSPEC entries.
        assert_err(&u32_nla(id | NLA_F_NESTED, 7), EINVAL, UNSUPPORTED, Some(0));
        let e = assert_err(
            &stream(&[&name(), &u64_nla(id, 1)]),
            EINVAL,
            UNSUPPORTED,
            Some(8),
        );
        assert_eq!(e.warning, None);
        n += 1;
    }
    assert_eq!(n, 29);
}

#[test]
fn dev_id_is_refused_even_in_a_valid_request() {
    let buf = stream(&[&name(), &str_nla(2, "vdpasim_net"), &u32_nla(5, 1)]);
    assert_err(&buf, EINVAL, UNSUPPORTED, Some(8 + 16));
}

#[test]
fn attr_max_itself_is_known_but_unsupported() {
    assert_err(&u16_nla(37, 1), EINVAL, UNSUPPORTED, Some(0));
}

// ---------------------------------------------------------------------------
// Fixed-size integers

#[test]
fn integers_need_their_exact_length() {
    let cases: [(u16, &[usize]); 4] = [
        (12, &[0, 1, 3, 4, 8]),
        (13, &[0, 1, 3, 4]),
        (17, &[0, 2, 3, 5, 8]),
        (20, &[0, 4, 7, 9, 16]),
    ];
    for (id, lens) in cases {
        for &len in lens {
            let buf = stream(&[&name(), &nla(id, &vec![0xff; len])]);
            let e = assert_err(&buf, EINVAL, BAD_LEN, Some(8));
            assert_eq!(e.warning, Some(Warning::InvalidLength { attr_type: id }));
        }
    }
}

#[test]
fn length_check_comes_before_the_nested_flag_check() {
    let e = assert_err(&nla(13 | NLA_F_NESTED, &[0; 3]), EINVAL, BAD_LEN, Some(0));
    // The log line names the id without flags.
    assert_eq!(e.warning, Some(Warning::InvalidLength { attr_type: 13 }));
}

#[test]
fn length_check_comes_before_the_range_check() {
    // 1 byte of MTU: too short, not "out of range".
    assert_err(&nla(13, &[1]), EINVAL, BAD_LEN, Some(0));
}

#[test]
fn mtu_minimum_is_68() {
    for mtu in [0u16, 1, 67] {
        let e = assert_err(
            &stream(&[&name(), &u16_nla(13, mtu)]),
            ERANGE,
            INT_RANGE,
            Some(8),
        );
        assert_eq!(e.warning, None);
    }
    for mtu in [68u16, 1500, 9000, u16::MAX] {
        assert_eq!(ok(&u16_nla(13, mtu)).u16(13), Some(mtu));
    }
}

#[test]
fn max_vqp_and_queue_index_and_features_take_any_value() {
    for v in [0u16, 1, 0x8000, u16::MAX] {
        assert_eq!(ok(&u16_nla(12, v)).u16(12), Some(v));
    }
    for v in [0u32, 0x8001, u32::MAX] {
        assert_eq!(ok(&u32_nla(17, v)).u32(17), Some(v));
    }
    for v in [0u64, u64::MAX] {
        assert_eq!(ok(&u64_nla(20, v)).u64(20), Some(v));
    }
}

#[test]
fn net_byteorder_flag_is_ignored_values_stay_host_order() {
    // MTU 1500 with the flag: accepted, read in host order.
    let buf = u16_nla(13 | NLA_F_NET_BYTEORDER, 1500);
    let a = ok(&buf);
    assert_eq!(a.u16(13), Some(1500));
    // Big-endian 1280 with the flag: read in host order; on little-endian
    // hosts that is 5, below the minimum.
    let buf = nla(13 | NLA_F_NET_BYTEORDER, &1280u16.to_be_bytes());
    if cfg!(target_endian = "little") {
        assert_err(&buf, ERANGE, INT_RANGE, Some(0));
    } else {
        assert_eq!(ok(&buf).u16(13), Some(1280));
    }
}

// ---------------------------------------------------------------------------
// NLA_F_NESTED on non-nested entries

#[test]
fn nested_flag_refused_on_every_policy_entry() {
    let cases: [(u16, Vec<u8>); 8] = [
        (1, b"pci\0".to_vec()),
        (2, b"vdpasim_net\0".to_vec()),
        (4, b"vdpa0\0".to_vec()),
        (10, vec![0, 1, 2, 3, 4, 5]),
        (12, 1u16.to_ne_bytes().to_vec()),
        (13, 1500u16.to_ne_bytes().to_vec()),
        (17, 1u32.to_ne_bytes().to_vec()),
        (20, 1u64.to_ne_bytes().to_vec()),
    ];
    for (id, payload) in cases {
        // Fine without the flag.
        assert!(ok(&nla(id, &payload)).has(id));
        assert!(ok(&nla(id | NLA_F_NET_BYTEORDER, &payload)).has(id));
        let buf = stream(&[&name(), &nla(id | NLA_F_NESTED, &payload)]);
        let e = assert_err(&buf, EINVAL, NESTED, Some(8));
        assert_eq!(e.warning, None);
        let both = NLA_F_NESTED | NLA_F_NET_BYTEORDER;
        assert_err(&nla(id | both, &payload), EINVAL, NESTED, Some(0));
    }
}

#[test]
fn nested_check_comes_before_string_and_range_checks() {
    // NUL_STRING without NUL, flagged: the flag error wins.
    assert_err(&nla(1 | NLA_F_NESTED, b"pci"), EINVAL, NESTED, Some(0));
    // Empty NLA_STRING, flagged.
    assert_err(&nla(4 | NLA_F_NESTED, b""), EINVAL, NESTED, Some(0));
    // MTU 10, flagged.
    assert_err(&u16_nla(13 | NLA_F_NESTED, 10), EINVAL, NESTED, Some(0));
    // MAC of 5 bytes, flagged.
    assert_err(&nla(10 | NLA_F_NESTED, &[0; 5]), EINVAL, NESTED, Some(0));
}

// ---------------------------------------------------------------------------
// MAC address (NLA_POLICY_ETH_ADDR)

#[test]
fn mac_must_be_exactly_six_bytes() {
    for len in [0usize, 1, 5, 7, 8, 12] {
        let buf = stream(&[&name(), &nla(10, &vec![0x02; len])]);
        let e = assert_err(&buf, ERANGE, BIN_RANGE, Some(8));
        assert_eq!(e.warning, None);
    }
    let buf = nla(10, &[0xff; 6]);
    let a = ok(&buf);
    assert_eq!(a.mac(), Some([0xff; 6]));
}

// ---------------------------------------------------------------------------
// Strings

#[test]
fn nla_string_needs_one_byte_but_no_nul() {
    for id in [2u16, 4] {
        let e = assert_err(&stream(&[&name(), &nla(id, b"")]), ERANGE, FAILED, Some(8));
        assert_eq!(e.warning, None);
        assert_eq!(ok(&nla(id, b"x")).string(id), Some(&b"x"[..]));
        assert_eq!(ok(&nla(id, b"\0")).string(id), Some(&b""[..]));
        // No upper bound.
        let long = vec![b'a'; 1000];
        assert_eq!(ok(&nla(id, &long)).string(id), Some(&long[..]));
    }
}

#[test]
fn nla_nul_string_needs_a_nul_somewhere() {
    assert_err(&nla(1, b""), EINVAL, FAILED, Some(0));
    assert_err(
        &stream(&[&name(), &nla(1, b"pci")]),
        EINVAL,
        FAILED,
        Some(8),
    );
    assert_eq!(ok(&nla(1, b"pci\0")).string(1), Some(&b"pci"[..]));
    assert_eq!(ok(&nla(1, b"\0")).string(1), Some(&b""[..]));
    assert_eq!(ok(&nla(1, b"p\0ci")).string(1), Some(&b"p"[..]));
    assert_eq!(
        ok(&nla(1, b"pci\0\0\0")).payload(1),
        Some(&b"pci\0\0\0"[..])
    );
}

// ---------------------------------------------------------------------------
// Stream structure and leftover bytes

#[test]
fn leftover_bytes_after_the_last_attribute() {
    for extra in 1..=3usize {
        let buf = stream(&[&name(), &vec![0u8; extra]]);
        let e = assert_err(&buf, EINVAL, LEFTOVER, None);
        assert_eq!(e.warning, Some(Warning::Leftover { bytes: extra }));
    }
    // Only leftovers.
    let e = assert_err(&[0, 0, 0], EINVAL, LEFTOVER, None);
    assert_eq!(e.warning, Some(Warning::Leftover { bytes: 3 }));
}

#[test]
fn short_nla_len_stops_parsing_and_leaves_bytes_over() {
    for len in [0u16, 1, 2, 3] {
        let buf = stream(&[&name(), &header(len, 4), b"abcd"]);
        let e = assert_err(&buf, EINVAL, LEFTOVER, None);
        assert_eq!(e.warning, Some(Warning::Leftover { bytes: 8 }));
    }
    // The bogus header hides an invalid attribute behind it.
    let buf = stream(&[&header(2, 4), &u32_nla(5, 1)]);
    let e = assert_err(&buf, EINVAL, LEFTOVER, None);
    assert_eq!(e.warning, Some(Warning::Leftover { bytes: 12 }));
}

#[test]
fn nla_len_beyond_the_buffer_stops_parsing() {
    // Claims 9 bytes, 8 present: nothing is validated, all 8 are left over,
    // even though id 5 would be "Unsupported attribute".
    let buf = stream(&[&name(), &header(9, 5), &[1, 2, 3, 4]]);
    let e = assert_err(&buf, EINVAL, LEFTOVER, None);
    assert_eq!(e.warning, Some(Warning::Leftover { bytes: 8 }));
    let buf = stream(&[&header(0xffff, 4), b"vd0\0"]);
    assert_err(&buf, EINVAL, LEFTOVER, None);
}

#[test]
fn padding_beyond_the_buffer_is_not_leftover_but_a_partial_pad_is_counted() {
    // nla_len 7 then 1 byte: the pad byte is there, the stream ends exactly.
    assert!(ok(&nla(4, b"ab\0")).has(4));
    // nla_len 7, 8 bytes of padded attribute, then 1 more byte.
    let buf = stream(&[&nla(4, b"ab\0"), &[0]]);
    let e = assert_err(&buf, EINVAL, LEFTOVER, None);
    assert_eq!(e.warning, Some(Warning::Leftover { bytes: 1 }));
    // nla_len 5 and a stream of 6 bytes: the aligned next offset (8) is past
    // the end, so nothing is left over.
    let mut buf = nla_unpadded(4, b"a");
    buf.push(0);
    assert_eq!(buf.len(), 6);
    assert_eq!(ok(&buf).string(4), Some(&b"a"[..]));
}

#[test]
fn a_header_alone_is_an_empty_attribute() {
    // nla_len 4: empty payload, validated as such.
    assert_err(&header(4, 4), ERANGE, FAILED, Some(0));
    assert_err(&header(4, 13), EINVAL, BAD_LEN, Some(0));
    assert_err(&header(4, 10), ERANGE, BIN_RANGE, Some(0));
    assert_err(&header(4, 1), EINVAL, FAILED, Some(0));
}

#[test]
fn attribute_errors_win_over_leftover_bytes() {
    let buf = stream(&[&name(), &u16_nla(13, 10), &[0, 0]]);
    assert_err(&buf, ERANGE, INT_RANGE, Some(8));
}

#[test]
fn first_bad_attribute_is_reported() {
    let buf = stream(&[
        &name(),
        &u16_nla(13, 1500),
        &nla(10, &[0; 5]),
        &u32_nla(5, 1),
    ]);
    assert_err(&buf, ERANGE, BIN_RANGE, Some(16));
    let buf = stream(&[&name(), &u32_nla(5, 1), &nla(10, &[0; 5])]);
    assert_err(&buf, EINVAL, UNSUPPORTED, Some(8));
}

#[test]
fn every_duplicate_is_validated() {
    let buf = stream(&[&u16_nla(13, 10), &u16_nla(13, 1500)]);
    assert_err(&buf, ERANGE, INT_RANGE, Some(0));
    let buf = stream(&[&u16_nla(13, 1500), &u16_nla(13, 10)]);
    assert_err(&buf, ERANGE, INT_RANGE, Some(8));
}

#[test]
fn offsets_follow_aligned_lengths() {
    // 5-byte payload -> 12 bytes; 1-byte -> 8 bytes; 6-byte MAC -> 12 bytes.
    let buf = stream(&[
        &nla(4, b"abcd\0"),
        &nla(2, b"x"),
        &nla(10, &[2, 0, 0, 0, 0, 1]),
        &u32_nla(7, 0),
    ]);
    assert_eq!(buf.len(), 12 + 8 + 12 + 8);
    assert_err(&buf, EINVAL, UNSUPPORTED, Some(32));
}

// ---------------------------------------------------------------------------
// The policy table and the generic parser

#[test]
fn policy_table_is_vdpa_nl_policy() {
    assert_eq!(VDPA_POLICY.len(), 38);
    for (id, p) in VDPA_POLICY.iter().enumerate() {
        let expected = match id {
            1 => Policy::NulString,
            2 | 4 => Policy::String,
            10 => Policy::Binary(Range { min: 6, max: 6 }),
            12 => Policy::U16(Range::ANY),
            13 => Policy::U16(Range {
                min: 68,
                max: u64::MAX,
            }),
            17 => Policy::U32(Range::ANY),
            20 => Policy::U64(Range::ANY),
            _ => Policy::Unspec,
        };
        assert_eq!(*p, expected, "policy of attribute {id}");
    }
}

#[test]
fn validate_parse_reports_every_attribute_in_order() {
    let buf = stream(&[&name(), &u16_nla(13, 1500), &name()]);
    let mut seen = Vec::new();
    validate_parse(&buf, 37, &VDPA_POLICY, |id, off, payload| {
        seen.push((id, off, payload.len()))
    })
    .expect("valid");
    assert_eq!(seen, vec![(4, 0, 4), (13, 8, 2), (4, 16, 4)]);
}

#[test]
fn validate_parse_honours_maxtype() {
    // With maxtype 12, MTU (13) is unknown.
    let buf = stream(&[&name(), &u16_nla(13, 1500)]);
    let e = validate_parse(&buf, 12, &VDPA_POLICY, |_, _, _| {}).expect_err("must fail");
    assert_eq!((e.errno, e.msg, e.offset), (EINVAL, UNKNOWN, Some(8)));
}

#[test]
fn policy_entry_is_recorded_only_by_attr_pol_messages() {
    let cases: [(Vec<u8>, Option<u16>); 9] = [
        (u16_nla(13, 1), Some(13)),
        (nla(12, &[0; 3]), Some(12)),
        (nla(10, &[0; 5]), Some(10)),
        (nla(4, b""), Some(4)),
        (nla(1, b"x"), Some(1)),
        (str_nla(2 | NLA_F_NESTED, "x"), Some(2)),
        (u32_nla(5, 1), None),
        (u32_nla(40, 1), None),
        (stream(&[&name(), &[0]]), None),
    ];
    for (buf, policy) in cases {
        assert_eq!(err(&buf).policy, policy, "stream {buf:02x?}");
    }
}
