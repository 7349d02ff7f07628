// SPDX-License-Identifier: GPL-2.0

//! Builders for netlink attribute streams, written independently of the
//! parser under test: a header is `nla_len` then `nla_type`, both u16 in
//! host byte order, then the payload, then zero padding to 4 bytes.

#![allow(dead_code)]

/// One attribute with its padding.
pub fn nla(ty: u16, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(4 + payload.len()).expect("attribute too long");
    let mut v = Vec::new();
    v.extend_from_slice(&len.to_ne_bytes());
    v.extend_from_slice(&ty.to_ne_bytes());
    v.extend_from_slice(payload);
    while v.len() % 4 != 0 {
        v.push(0);
    }
    v
}

/// One attribute without the trailing padding.
pub fn nla_unpadded(ty: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = nla(ty, payload);
    v.truncate(4 + payload.len());
    v
}

/// A raw header with an arbitrary `nla_len`.
pub fn header(len: u16, ty: u16) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&len.to_ne_bytes());
    v.extend_from_slice(&ty.to_ne_bytes());
    v
}

/// Concatenates attribute streams.
pub fn stream(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// A NUL-terminated string attribute, as iproute2 sends it.
pub fn str_nla(ty: u16, s: &str) -> Vec<u8> {
    let mut payload = s.as_bytes().to_vec();
    payload.push(0);
    nla(ty, &payload)
}

pub fn u16_nla(ty: u16, v: u16) -> Vec<u8> {
    nla(ty, &v.to_ne_bytes())
}

pub fn u32_nla(ty: u16, v: u32) -> Vec<u8> {
    nla(ty, &v.to_ne_bytes())
}

pub fn u64_nla(ty: u16, v: u64) -> Vec<u8> {
    nla(ty, &v.to_ne_bytes())
}

/// An owned copy of a config-fill [`Value`], for recording sinks.
///
/// [`Value`]: vdpa_core_host::netlink::config_fill::Value
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum V {
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    Bytes(Vec<u8>),
}

impl From<vdpa_core_host::netlink::config_fill::Value<'_>> for V {
    fn from(v: vdpa_core_host::netlink::config_fill::Value<'_>) -> Self {
        use vdpa_core_host::netlink::config_fill::Value;
        match v {
            Value::U8(x) => V::U8(x),
            Value::U16(x) => V::U16(x),
            Value::U32(x) => V::U32(x),
            Value::U64(x) => V::U64(x),
            Value::Bytes(b) => V::Bytes(b.to_vec()),
        }
    }
}
