// SPDX-License-Identifier: GPL-2.0

//! Netlink messages the family sends: reply buffers, one message written
//! into them, and the extended ACK of a failed request.

use core::ffi::c_void;
use core::fmt::{self, Write};
use core::ptr::{self, NonNull};

use kernel::ffi::c_int;
use kernel::prelude::*;
use kernel::str::CStr;

use super::config_fill::{Sink, Value};
use super::uapi::attr;
use crate::abi::bindings;
use crate::errno::emsgsize;

/// A freshly allocated reply buffer (`NLMSG_DEFAULT_SIZE`), freed when
/// dropped unless it was sent.
pub(crate) struct Reply(NonNull<bindings::sk_buff>);

impl Reply {
    /// Allocates the buffer.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: plain allocation; checked below.
        let skb = unsafe { bindings::vdpa_rs_genlmsg_new() };
        NonNull::new(skb).map(Self).ok_or(ENOMEM)
    }

    /// The buffer.
    pub(crate) fn skb(&self) -> *mut bindings::sk_buff {
        self.0.as_ptr()
    }

    /// Sends the buffer to the requester. The buffer is consumed whether or
    /// not sending succeeds.
    ///
    /// # Safety
    ///
    /// `info` must be the request's genl_info.
    pub(crate) unsafe fn send(self, info: *mut bindings::genl_info) -> Result {
        let skb = self.skb();
        core::mem::forget(self);
        // SAFETY: `skb` is ours to hand over; `info` is valid (caller).
        kernel::error::to_result(unsafe { bindings::vdpa_rs_genlmsg_reply(skb, info) })
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        // SAFETY: the buffer was never handed over.
        unsafe { bindings::vdpa_rs_nlmsg_free(self.skb()) };
    }
}

/// One generic-netlink message being written at the end of a buffer.
pub(crate) struct Writer {
    skb: *mut bindings::sk_buff,
    hdr: *mut c_void,
}

/// Where a message goes and with which flags.
#[derive(Clone, Copy)]
pub(crate) struct Dest {
    /// Netlink port of the requester.
    pub(crate) portid: u32,
    /// Sequence number of the request.
    pub(crate) seq: u32,
    /// `NLM_F_MULTI` for dump entries, else 0.
    pub(crate) flags: c_int,
}

impl Writer {
    /// Starts a message with command `cmd`; `-EMSGSIZE` if it does not fit.
    ///
    /// # Safety
    ///
    /// `skb` must be a valid buffer that outlives the writer.
    pub(crate) unsafe fn begin(skb: *mut bindings::sk_buff, dest: Dest, cmd: u8) -> Result<Self> {
        // SAFETY: `skb` is valid (caller); the family is registered.
        let hdr = unsafe { bindings::genlmsg_put(skb, dest.portid, dest.seq, super::family(), dest.flags, cmd) };
        if hdr.is_null() {
            return Err(emsgsize());
        }
        Ok(Self { skb, hdr })
    }

    /// The buffer, for parents that append attributes themselves.
    pub(crate) fn skb(&self) -> *mut bindings::sk_buff {
        self.skb
    }

    fn raw(&mut self, attr: u16, len: usize, data: *const c_void) -> Result {
        // SAFETY: `data` is readable for `len` bytes (callers); `skb` valid.
        let ret = unsafe { bindings::nla_put(self.skb, c_int::from(attr), len as c_int, data) };
        if ret == 0 {
            Ok(())
        } else {
            Err(emsgsize())
        }
    }

    /// Puts a C string, with its NUL.
    pub(crate) fn string(&mut self, attr: u16, s: &CStr) -> Result {
        self.raw(attr, s.len() + 1, s.as_char_ptr().cast())
    }

    /// Puts a u32.
    pub(crate) fn u32(&mut self, attr: u16, v: u32) -> Result {
        self.raw(attr, 4, ptr::addr_of!(v).cast())
    }

    /// Puts a u16.
    pub(crate) fn u16(&mut self, attr: u16, v: u16) -> Result {
        self.raw(attr, 2, ptr::addr_of!(v).cast())
    }

    /// Puts a u64, 64-bit aligned with the PAD attribute where needed.
    pub(crate) fn u64(&mut self, attr: u16, v: u64) -> Result {
        // SAFETY: `v` is readable for 8 bytes; `skb` is valid.
        let ret = unsafe {
            bindings::nla_put_64bit(
                self.skb,
                c_int::from(attr),
                8,
                ptr::addr_of!(v).cast(),
                c_int::from(attr::PAD),
            )
        };
        if ret == 0 {
            Ok(())
        } else {
            Err(emsgsize())
        }
    }

    /// Finishes the message if `r` is a success, else removes it; returns `r`.
    pub(crate) fn commit(self, r: Result) -> Result {
        match r {
            Ok(()) => self.end(),
            Err(_) => self.cancel(),
        }
        r
    }

    /// Finishes the message.
    pub(crate) fn end(self) {
        // SAFETY: `hdr` was returned by genlmsg_put on this buffer.
        unsafe { bindings::vdpa_rs_genlmsg_end(self.skb, self.hdr) };
    }

    /// Removes the unfinished message from the buffer.
    pub(crate) fn cancel(self) {
        // SAFETY: `hdr` was returned by genlmsg_put on this buffer.
        unsafe { bindings::vdpa_rs_genlmsg_cancel(self.skb, self.hdr) };
    }
}

impl Sink for Writer {
    fn put(&mut self, attr: u16, v: Value<'_>) -> core::result::Result<(), i32> {
        let r = match v {
            Value::U8(x) => self.raw(attr, 1, ptr::addr_of!(x).cast()),
            Value::U16(x) => self.u16(attr, x),
            Value::U32(x) => self.u32(attr, x),
            Value::U64(x) => self.u64(attr, x),
            Value::Bytes(b) => self.raw(attr, b.len(), b.as_ptr().cast()),
        };
        r.map_err(|e| -e.to_errno())
    }
}

/// The extended ACK of the request being handled (may be absent).
pub(crate) struct Extack(*mut bindings::netlink_ext_ack);

impl Extack {
    /// Wraps the request's extack pointer.
    pub(crate) fn new(ptr: *mut bindings::netlink_ext_ack) -> Self {
        Self(ptr)
    }

    /// Sets a static message (it must carry the "vdpa: " prefix where
    /// upstream's `NL_SET_ERR_MSG_MOD` adds it).
    pub(crate) fn msg(&self, msg: &'static core::ffi::CStr) {
        if !self.0.is_null() {
            // SAFETY: a non-NULL extack is valid for the request.
            unsafe { (*self.0)._msg = msg.as_ptr().cast() };
        }
    }

    /// Formats a message into the extack's own buffer, cut to its size
    /// like `NL_SET_ERR_MSG_FMT`.
    pub(crate) fn fmt(&self, args: fmt::Arguments<'_>) {
        if self.0.is_null() {
            return;
        }
        // SAFETY: a non-NULL extack is valid for the request; the buffer is
        // written only here and `_msg` pointed at it last.
        unsafe {
            let buf = &mut (*self.0)._msg_buf;
            let mut w = BufWriter { buf: &mut buf[..], len: 0 };
            let _ = w.write_fmt(args);
            let end = w.len.min(w.buf.len() - 1);
            w.buf[end] = 0;
            (*self.0)._msg = buf.as_ptr();
        }
    }

    /// Lets `f` render a NUL-terminated message into the extack's own
    /// buffer and points the message at it.
    pub(crate) fn with_buf(&self, f: impl FnOnce(&mut [u8]) -> usize) {
        if self.0.is_null() {
            return;
        }
        // SAFETY: a non-NULL extack is valid for the request.
        unsafe {
            let buf = &mut (*self.0)._msg_buf;
            f(&mut buf[..]);
            if let Some(last) = buf.last_mut() {
                *last = 0;
            }
            (*self.0)._msg = buf.as_ptr();
        }
    }

    /// Points the extack at the offending attribute.
    pub(crate) fn bad_attr(&self, at: *const bindings::nlattr) {
        if !self.0.is_null() {
            // SAFETY: a non-NULL extack is valid for the request.
            unsafe { (*self.0).bad_attr = at };
        }
    }
}

/// Writes formatted text into a byte buffer, dropping what does not fit.
struct BufWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Write for BufWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            if let Some(slot) = self.buf.get_mut(self.len) {
                *slot = b;
            }
            self.len += 1;
        }
        Ok(())
    }
}
