// SPDX-License-Identifier: GPL-2.0

//! Parsing and strict validation of a vdpa request's attribute stream.
//!
//! The vdpa family sets no `GENL_DONT_VALIDATE_*` flag on any operation, so
//! genetlink parses every request, doit and dump alike, with
//! `NL_VALIDATE_STRICT` against `vdpa_nl_policy` and `maxattr`
//! [`ATTR_MAX`]. This file reproduces `__nla_validate_parse()` and
//! `validate_nla()` of `lib/nlattr.c` (Linux 6.12) for that policy: the same
//! checks in the same order, with the same errno, the same extack message
//! and the same offending attribute.
//!
//! Wire format: each attribute is a `struct nlattr { u16 nla_len; u16
//! nla_type; }` header in host byte order, followed by `nla_len - 4` bytes of
//! payload and padding up to the next multiple of 4 (`NLA_ALIGN`). The two
//! top bits of `nla_type` are flags (`NLA_F_NESTED`, `NLA_F_NET_BYTEORDER`);
//! the attribute id is the rest.
//!
//! The file is kernel independent: it only uses `core`, so it is compiled
//! both into the vdpa module and into the host test crate.

use core::ffi::CStr;

use super::uapi::{attr, ATTR_MAX};

/// `EINVAL`.
pub const EINVAL: i32 = 22;
/// `ERANGE`.
pub const ERANGE: i32 = 34;

/// `NLA_HDRLEN`: size of an attribute header.
pub const NLA_HDRLEN: usize = 4;
/// `NLA_ALIGNTO`: attributes start on multiples of this.
pub const NLA_ALIGNTO: usize = 4;
/// `NLA_F_NESTED`: flag bit in `nla_type`.
pub const NLA_F_NESTED: u16 = 1 << 15;
/// `NLA_F_NET_BYTEORDER`: flag bit in `nla_type`.
///
/// Strict validation never looks at it, and `nla_get_u16()` and friends
/// ignore it: a flagged integer is still read in host byte order.
pub const NLA_F_NET_BYTEORDER: u16 = 1 << 14;
/// `NLA_TYPE_MASK`: the bits of `nla_type` that hold the attribute id.
pub const NLA_TYPE_MASK: u16 = !(NLA_F_NESTED | NLA_F_NET_BYTEORDER);

/// `NLA_ALIGN(len)`: `len` rounded up to a multiple of [`NLA_ALIGNTO`].
pub const fn nla_align(len: u16) -> usize {
    // No overflow: `len` is at most `u16::MAX`.
    (len as usize + NLA_ALIGNTO - 1) & !(NLA_ALIGNTO - 1)
}

/// Extack messages of the netlink core (`lib/nlattr.c`) that validation of
/// the vdpa policy can produce. They carry no module prefix.
pub mod msg {
    use core::ffi::CStr;

    /// Attribute id 0 or above `maxattr`.
    pub const UNKNOWN_TYPE: &CStr = c"Unknown attribute type";
    /// Attribute without a policy entry (`NLA_UNSPEC`) in strict mode.
    pub const UNSUPPORTED: &CStr = c"Unsupported attribute";
    /// Fixed-size integer whose payload is not exactly its size.
    pub const INVALID_LENGTH: &CStr = c"invalid attribute length";
    /// `NLA_F_NESTED` set on an attribute whose policy is not nested.
    pub const NESTED_NOT_EXPECTED: &CStr = c"NLA_F_NESTED not expected";
    /// Generic failure (`out_err` in `validate_nla()`).
    pub const POLICY_FAILED: &CStr = c"Attribute failed policy validation";
    /// Integer outside the policy's range.
    pub const INT_RANGE: &CStr = c"integer out of range";
    /// Binary attribute whose length is outside the policy's range.
    pub const BINARY_RANGE: &CStr = c"binary attribute size out of range";
    /// Bytes after the last well-formed attribute.
    pub const LEFTOVER: &CStr = c"bytes leftover after parsing attributes";
}

/// A rate-limited kernel log line that `lib/nlattr.c` prints together with
/// the error. The kernel side prints it with the current task's `comm`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Warning {
    /// `"netlink: '%s': attribute type %d has an invalid length.\n"`, with
    /// the task name and `attr_type`.
    InvalidLength {
        /// Attribute id (flags masked off).
        attr_type: u16,
    },
    /// ``"netlink: %d bytes leftover after parsing attributes in process
    /// `%s'.\n"``, with `bytes` and the task name.
    Leftover {
        /// Number of bytes that were not parsed.
        bytes: usize,
    },
}

/// Why an attribute stream was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Positive errno (`EINVAL` or `ERANGE`).
    pub errno: i32,
    /// The core's extack message, e.g. `"Unknown attribute type"`.
    pub msg: &'static str,
    /// The same message, NUL terminated, for `extack->_msg`.
    pub c_msg: &'static CStr,
    /// Byte offset, within the attribute buffer, of the header of the
    /// offending attribute (`extack->bad_attr`); `None` when the core
    /// records no attribute (leftover bytes).
    pub offset: Option<usize>,
    /// Id of the attribute whose policy entry the core records in
    /// `extack->policy` (`NL_SET_ERR_MSG_ATTR_POL()`), which makes the ACK
    /// carry an `NLMSGERR_ATTR_POLICY` description of that entry; `None`
    /// when it records none ("Unknown attribute type", "Unsupported
    /// attribute", leftover bytes).
    pub policy: Option<u16>,
    /// Log line the core prints along with this error, if any.
    pub warning: Option<Warning>,
}

impl ParseError {
    fn new(errno: i32, c_msg: &'static CStr, offset: Option<usize>) -> Self {
        // The messages above are ASCII, so the conversion cannot fail.
        let msg = core::str::from_utf8(c_msg.to_bytes()).unwrap_or("");
        Self {
            errno,
            msg,
            c_msg,
            offset,
            policy: None,
            warning: None,
        }
    }
}

/// Accepted values of an integer attribute, or accepted lengths of a binary
/// one (`NLA_VALIDATE_MIN`, `NLA_VALIDATE_RANGE`); both bounds inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// Smallest accepted value.
    pub min: u64,
    /// Largest accepted value.
    pub max: u64,
}

impl Range {
    /// No range check (`NLA_VALIDATE_NONE`).
    pub const ANY: Range = Range {
        min: 0,
        max: u64::MAX,
    };

    /// `NLA_POLICY_MIN(type, min)`.
    pub const fn at_least(min: u64) -> Range {
        Range { min, max: u64::MAX }
    }

    /// `NLA_POLICY_EXACT_LEN(len)` (a binary range `len..=len`).
    pub const fn exactly(len: u64) -> Range {
        Range { min: len, max: len }
    }

    const fn contains(&self, value: u64) -> bool {
        self.min <= value && value <= self.max
    }
}

/// One entry of a `struct nla_policy` array, restricted to the kinds the vdpa
/// policy uses. None of them has a `.len`, so none has a length limit
/// besides the ones listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// `NLA_UNSPEC` (no entry): refused in strict mode.
    Unspec,
    /// `NLA_STRING`: at least one byte; NUL termination *not* required.
    String,
    /// `NLA_NUL_STRING`: at least one byte and a NUL somewhere.
    NulString,
    /// `NLA_U16`: exactly 2 bytes, value in range.
    U16(Range),
    /// `NLA_U32`: exactly 4 bytes, value in range.
    U32(Range),
    /// `NLA_U64`: exactly 8 bytes, value in range.
    U64(Range),
    /// `NLA_BINARY`: payload length in range.
    Binary(Range),
}

impl Policy {
    /// `nla_attr_len[]`: exact payload size of fixed-size integers.
    const fn exact_len(&self) -> Option<usize> {
        match self {
            Policy::U16(_) => Some(2),
            Policy::U32(_) => Some(4),
            Policy::U64(_) => Some(8),
            _ => None,
        }
    }
}

/// `vdpa_nl_policy` of `drivers/vdpa/vdpa.c`, indexed by attribute id.
pub const VDPA_POLICY: [Policy; ATTR_MAX as usize + 1] = [
    Policy::Unspec,                    // 0 UNSPEC / PAD
    Policy::NulString,                 // 1 MGMTDEV_BUS_NAME
    Policy::String,                    // 2 MGMTDEV_DEV_NAME
    Policy::Unspec,                    // 3 MGMTDEV_SUPPORTED_CLASSES
    Policy::String,                    // 4 DEV_NAME
    Policy::Unspec,                    // 5 DEV_ID
    Policy::Unspec,                    // 6 DEV_VENDOR_ID
    Policy::Unspec,                    // 7 DEV_MAX_VQS
    Policy::Unspec,                    // 8 DEV_MAX_VQ_SIZE
    Policy::Unspec,                    // 9 DEV_MIN_VQ_SIZE
    Policy::Binary(Range::exactly(6)), // 10 DEV_NET_CFG_MACADDR (ETH_ADDR)
    Policy::Unspec,                    // 11 DEV_NET_STATUS
    Policy::U16(Range::ANY),           // 12 DEV_NET_CFG_MAX_VQP
    Policy::U16(Range::at_least(68)),  // 13 DEV_NET_CFG_MTU (virtio 1.1 5.1.4.1)
    Policy::Unspec,                    // 14 DEV_NEGOTIATED_FEATURES
    Policy::Unspec,                    // 15 DEV_MGMTDEV_MAX_VQS
    Policy::Unspec,                    // 16 DEV_SUPPORTED_FEATURES
    Policy::U32(Range::ANY),           // 17 DEV_QUEUE_INDEX
    Policy::Unspec,                    // 18 DEV_VENDOR_ATTR_NAME
    Policy::Unspec,                    // 19 DEV_VENDOR_ATTR_VALUE
    Policy::U64(Range::ANY),           // 20 DEV_FEATURES
    Policy::Unspec,                    // 21 DEV_BLK_CFG_CAPACITY
    Policy::Unspec,                    // 22 DEV_BLK_CFG_SIZE_MAX
    Policy::Unspec,                    // 23 DEV_BLK_CFG_BLK_SIZE
    Policy::Unspec,                    // 24 DEV_BLK_CFG_SEG_MAX
    Policy::Unspec,                    // 25 DEV_BLK_CFG_NUM_QUEUES
    Policy::Unspec,                    // 26 DEV_BLK_CFG_PHY_BLK_EXP
    Policy::Unspec,                    // 27 DEV_BLK_CFG_ALIGN_OFFSET
    Policy::Unspec,                    // 28 DEV_BLK_CFG_MIN_IO_SIZE
    Policy::Unspec,                    // 29 DEV_BLK_CFG_OPT_IO_SIZE
    Policy::Unspec,                    // 30 DEV_BLK_CFG_MAX_DISCARD_SEC
    Policy::Unspec,                    // 31 DEV_BLK_CFG_MAX_DISCARD_SEG
    Policy::Unspec,                    // 32 DEV_BLK_CFG_DISCARD_SEC_ALIGN
    Policy::Unspec,                    // 33 DEV_BLK_CFG_MAX_WRITE_ZEROES_SEC
    Policy::Unspec,                    // 34 DEV_BLK_CFG_MAX_WRITE_ZEROES_SEG
    Policy::Unspec,                    // 35 DEV_BLK_READ_ONLY
    Policy::Unspec,                    // 36 DEV_BLK_FLUSH
    Policy::Unspec,                    // 37 VDPA_ATTR_MAX
];

/// Reads `N` bytes at the start of `payload`, if there are that many.
fn head<const N: usize>(payload: &[u8]) -> Option<[u8; N]> {
    payload.get(..N).and_then(|b| b.try_into().ok())
}

/// A failed `validate_nla()`.
struct Failure {
    errno: i32,
    msg: &'static CStr,
    /// Set with `NL_SET_ERR_MSG_ATTR_POL()` (policy entry recorded) rather
    /// than `NL_SET_ERR_MSG_ATTR()`.
    with_policy: bool,
    warning: Option<Warning>,
}

impl Failure {
    /// `NL_SET_ERR_MSG_ATTR_POL(extack, nla, pt, msg)`.
    fn pol(errno: i32, msg: &'static CStr) -> Self {
        Self {
            errno,
            msg,
            with_policy: true,
            warning: None,
        }
    }
}

/// `validate_nla()` in strict mode for one attribute whose id is known to be
/// in `1..=maxattr`. `raw_type` still carries the flag bits.
fn validate_nla(pt: Policy, raw_type: u16, payload: &[u8]) -> Result<(), Failure> {
    let attrlen = payload.len();

    // NL_VALIDATE_STRICT_ATTRS: fixed-size integers must be exact.
    if let Some(len) = pt.exact_len() {
        if attrlen != len {
            let warning = Warning::InvalidLength {
                attr_type: raw_type & NLA_TYPE_MASK,
            };
            let mut failure = Failure::pol(EINVAL, msg::INVALID_LENGTH);
            failure.warning = Some(warning);
            return Err(failure);
        }
    }

    // NL_VALIDATE_NESTED: the vdpa policy has no nested entries, so the flag
    // is refused everywhere except on NLA_UNSPEC entries, which are refused
    // below anyway.
    if pt != Policy::Unspec && raw_type & NLA_F_NESTED != 0 {
        return Err(Failure::pol(EINVAL, msg::NESTED_NOT_EXPECTED));
    }

    let range = match pt {
        Policy::Unspec => {
            // Strict mode (NL_VALIDATE_UNSPEC). Set with
            // NL_SET_ERR_MSG_ATTR(): no policy entry recorded.
            return Err(Failure {
                errno: EINVAL,
                msg: msg::UNSUPPORTED,
                with_policy: false,
                warning: None,
            });
        }
        Policy::NulString => {
            // `pt->len == 0`: the NUL may be anywhere in the payload. An
            // empty payload fails here with EINVAL, before the NLA_STRING
            // case it falls through to.
            if !payload.contains(&0) {
                return Err(Failure::pol(EINVAL, msg::POLICY_FAILED));
            }
            return Ok(());
        }
        Policy::String => {
            if attrlen < 1 {
                return Err(Failure::pol(ERANGE, msg::POLICY_FAILED));
            }
            return Ok(());
        }
        Policy::U16(range) | Policy::U32(range) | Policy::U64(range) => {
            // `nla_attr_minlen[]` check of the default case; the exact-length
            // check above already guarantees it in strict mode.
            if attrlen < pt.exact_len().unwrap_or(0) {
                return Err(Failure::pol(ERANGE, msg::POLICY_FAILED));
            }
            range
        }
        Policy::Binary(range) => range,
    };

    // nla_validate_range_unsigned(): integers are read like nla_get_*(), in
    // host byte order whatever NLA_F_NET_BYTEORDER says.
    let (value, message) = match pt {
        Policy::U16(_) => (
            head::<2>(payload).map(|b| u64::from(u16::from_ne_bytes(b))),
            msg::INT_RANGE,
        ),
        Policy::U32(_) => (
            head::<4>(payload).map(|b| u64::from(u32::from_ne_bytes(b))),
            msg::INT_RANGE,
        ),
        Policy::U64(_) => (head::<8>(payload).map(u64::from_ne_bytes), msg::INT_RANGE),
        _ => (u64::try_from(attrlen).ok(), msg::BINARY_RANGE),
    };
    match value {
        Some(value) if range.contains(value) => Ok(()),
        _ => Err(Failure::pol(ERANGE, message)),
    }
}

/// `__nla_validate_parse()` with `NL_VALIDATE_STRICT` over `buf`, the
/// attribute bytes of a request (everything after the 4-byte genetlink
/// header, up to `nlmsg_len`).
///
/// Every well-formed attribute is validated against `policy` (indexed by id,
/// `maxtype + 1` entries) and then handed to `store` as `(id, offset of its
/// header in buf, payload)`, in stream order. Duplicates are all validated
/// and all stored.
///
/// Iteration follows `nla_for_each_attr()`: it stops at the first header
/// that does not fit in the remaining bytes or whose `nla_len` is below 4 or
/// above the remaining bytes; whatever is left then counts as leftover. The
/// padding after the last attribute may be missing.
///
/// # Errors
///
/// The first failing check, as the kernel reports it: id 0 or above
/// `maxtype` gives `EINVAL` "Unknown attribute type"; policy failures give
/// the errors of `validate_nla()`; leftover bytes, checked only after every
/// attribute passed, give `EINVAL` "bytes leftover after parsing attributes"
/// with no offset.
pub fn validate_parse<'a>(
    buf: &'a [u8],
    maxtype: u16,
    policy: &[Policy],
    mut store: impl FnMut(u16, usize, &'a [u8]),
) -> Result<(), ParseError> {
    let mut off = 0usize;

    // `buf.get(off..)` is `None` once `off` passed the end, which happens when
    // the last attribute's padding is missing (`rem < 0` in C).
    while let Some(rest) = buf.get(off..) {
        let Some(&[l0, l1, t0, t1]) = rest.get(..NLA_HDRLEN) else {
            break;
        };
        let nla_len = u16::from_ne_bytes([l0, l1]);
        let Some(payload) = rest.get(NLA_HDRLEN..usize::from(nla_len)) else {
            // nla_len < NLA_HDRLEN or nla_len > remaining: !nla_ok().
            break;
        };
        let raw_type = u16::from_ne_bytes([t0, t1]);
        let id = raw_type & NLA_TYPE_MASK;

        if id == 0 || id > maxtype {
            return Err(ParseError::new(EINVAL, msg::UNKNOWN_TYPE, Some(off)));
        }
        let pt = policy
            .get(usize::from(id))
            .copied()
            .unwrap_or(Policy::Unspec);
        if let Err(failure) = validate_nla(pt, raw_type, payload) {
            let mut err = ParseError::new(failure.errno, failure.msg, Some(off));
            err.policy = failure.with_policy.then_some(id);
            err.warning = failure.warning;
            return Err(err);
        }
        store(id, off, payload);

        off = off.saturating_add(nla_align(nla_len));
    }

    let leftover = buf.len().saturating_sub(off);
    if leftover > 0 {
        let mut err = ParseError::new(EINVAL, msg::LEFTOVER, None);
        err.warning = Some(Warning::Leftover { bytes: leftover });
        return Err(err);
    }
    Ok(())
}

/// Number of attribute slots (`maxattr + 1`).
const SLOTS: usize = ATTR_MAX as usize + 1;

/// The validated attributes of a vdpa request (`info->attrs`): one payload
/// per attribute id; when an id occurs more than once the last occurrence
/// wins, as in the kernel.
#[derive(Clone, Copy, Debug)]
pub struct Attrs<'a> {
    slots: [Option<&'a [u8]>; SLOTS],
}

impl<'a> Attrs<'a> {
    /// A request without attributes.
    pub const fn empty() -> Self {
        Self {
            slots: [None; SLOTS],
        }
    }

    /// Parses and strictly validates `buf` against [`VDPA_POLICY`] with
    /// `maxattr` [`ATTR_MAX`], as genetlink does before calling any vdpa
    /// handler. `buf` holds the bytes after the genetlink header (the family
    /// has no user header), up to `nlmsg_len`.
    ///
    /// # Errors
    ///
    /// See [`validate_parse`].
    pub fn parse(buf: &'a [u8]) -> Result<Self, ParseError> {
        let mut attrs = Self::empty();
        validate_parse(buf, ATTR_MAX, &VDPA_POLICY, |id, _off, payload| {
            if let Some(slot) = attrs.slots.get_mut(usize::from(id)) {
                *slot = Some(payload);
            }
        })?;
        Ok(attrs)
    }

    /// Whether attribute `id` is present.
    pub fn has(&self, id: u16) -> bool {
        self.payload(id).is_some()
    }

    /// The payload of attribute `id` (`nla_data()`, `nla_len()` bytes).
    pub fn payload(&self, id: u16) -> Option<&'a [u8]> {
        self.slots.get(usize::from(id)).copied().flatten()
    }

    /// A string attribute as vdpa.c uses it (`nla_data()` read as a C
    /// string): the bytes up to the first NUL, or the whole payload when it
    /// has none (`NLA_STRING` does not require the NUL).
    pub fn string(&self, id: u16) -> Option<&'a [u8]> {
        let payload = self.payload(id)?;
        let end = payload
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(payload.len());
        payload.get(..end)
    }

    /// `nla_get_u16()`: the first 2 payload bytes in host byte order, or
    /// `None` if absent or shorter.
    pub fn u16(&self, id: u16) -> Option<u16> {
        self.payload(id).and_then(head::<2>).map(u16::from_ne_bytes)
    }

    /// `nla_get_u32()`: the first 4 payload bytes in host byte order, or
    /// `None` if absent or shorter.
    pub fn u32(&self, id: u16) -> Option<u32> {
        self.payload(id).and_then(head::<4>).map(u32::from_ne_bytes)
    }

    /// `nla_get_u64()`: the first 8 payload bytes in host byte order, or
    /// `None` if absent or shorter.
    pub fn u64(&self, id: u16) -> Option<u64> {
        self.payload(id).and_then(head::<8>).map(u64::from_ne_bytes)
    }

    /// The `DEV_NET_CFG_MACADDR` attribute (exactly 6 bytes once validated).
    pub fn mac(&self) -> Option<[u8; 6]> {
        self.payload(attr::DEV_NET_CFG_MACADDR).and_then(head::<6>)
    }
}

impl Default for Attrs<'_> {
    fn default() -> Self {
        Self::empty()
    }
}
