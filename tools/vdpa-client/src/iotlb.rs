// SPDX-License-Identifier: GPL-2.0

//! IOTLB messages written to the vhost-vdpa node: `struct vhost_msg` (v1)
//! and `struct vhost_msg_v2`, and a batch builder that commits a set of
//! updates the way QEMU's memory listener does (BATCH_BEGIN, the updates,
//! BATCH_END).

use crate::vhost::{self, backend, Vhost};
use std::mem::size_of;

/// `struct vhost_iotlb_msg`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct IotlbMsg {
    /// First IOVA.
    pub iova: u64,
    /// Length in bytes.
    pub size: u64,
    /// User virtual address backing `iova`.
    pub uaddr: u64,
    /// Access: [`perm::RO`], [`perm::WO`] or [`perm::RW`].
    pub perm: u8,
    /// Message type, [`kind`].
    pub kind: u8,
    _pad: [u8; 6],
}

/// `struct vhost_msg_v2`: type, asid, then the message padded to 64 bytes.
#[repr(C)]
#[derive(Clone, Copy)]
struct MsgV2 {
    kind: u32,
    asid: u32,
    body: IotlbMsg,
    _pad: [u8; 64 - size_of::<IotlbMsg>()],
}

/// `struct vhost_msg`: type (int), 4 bytes of alignment, the padded message.
#[repr(C)]
#[derive(Clone, Copy)]
struct MsgV1 {
    kind: i32,
    _align: u32,
    body: IotlbMsg,
    _pad: [u8; 64 - size_of::<IotlbMsg>()],
}

const _: () = assert!(size_of::<IotlbMsg>() == 32);
const _: () = assert!(size_of::<MsgV2>() == 72);
const _: () = assert!(size_of::<MsgV1>() == 72);

/// The size vhost-vdpa reports for every accepted message.
pub const MSG_SIZE: usize = 72;

const VHOST_IOTLB_MSG: i32 = 1;
const VHOST_IOTLB_MSG_V2: u32 = 2;

/// IOTLB message types (`VHOST_IOTLB_*`).
pub mod kind {
    /// Add a mapping.
    pub const UPDATE: u8 = 2;
    /// Remove every mapping overlapping a range.
    pub const INVALIDATE: u8 = 3;
    /// Start collecting updates for one ASID.
    pub const BATCH_BEGIN: u8 = 5;
    /// Apply what was collected.
    pub const BATCH_END: u8 = 6;
}

/// Access permissions (`VHOST_ACCESS_*`).
pub mod perm {
    /// Device may read.
    pub const RO: u8 = 1;
    /// Device may write.
    pub const WO: u8 = 2;
    /// Both.
    pub const RW: u8 = 3;
}

impl IotlbMsg {
    /// A message of type `kind`.
    pub fn new(kind: u8, iova: u64, size: u64, uaddr: u64, perm: u8) -> Self {
        Self { iova, size, uaddr, perm, kind, _pad: [0; 6] }
    }

    fn describe(&self, version: u8, asid: u32) -> String {
        let name = match self.kind {
            kind::UPDATE => "UPDATE",
            kind::INVALIDATE => "INVALIDATE",
            kind::BATCH_BEGIN => "BATCH_BEGIN",
            kind::BATCH_END => "BATCH_END",
            _ => "message",
        };
        format!(
            "IOTLB v{version} {name} asid {asid} iova {:#x} size {:#x}",
            self.iova, self.size
        )
    }
}

fn bytes_of<T: Copy>(v: &T) -> &[u8] {
    // SAFETY: `T` is one of this file's `repr(C)` message structs, which are
    // plain integers and byte arrays without padding holes (sizes asserted
    // above), so every byte is initialised; the slice borrows `v`.
    unsafe { std::slice::from_raw_parts((v as *const T).cast::<u8>(), size_of::<T>()) }
}

///
/// `what` describes the message; it is only called on an error, so the
/// message rate of a benchmark is not spent on formatting.
fn expect_size(n: usize, what: impl FnOnce() -> String) -> vhost::Result<()> {
    if n == MSG_SIZE {
        Ok(())
    } else {
        // vhost-vdpa returns 72 for every accepted message; anything else is
        // a broken device, reported as EIO.
        Err(vhost::Error { what: format!("{}: wrote {n} bytes", what()), errno: libc::EIO })
    }
}

/// Sends one v2 message for `asid`.
///
/// # Errors
///
/// The write's errno; vhost-vdpa turns every refusal into EFAULT.
pub fn send_v2(dev: &Vhost, asid: u32, body: IotlbMsg) -> vhost::Result<()> {
    let msg = MsgV2 { kind: VHOST_IOTLB_MSG_V2, asid, body, _pad: [0; 32] };
    let what = || body.describe(2, asid);
    let n = dev.write_msg(bytes_of(&msg), what)?;
    expect_size(n, what)
}

/// Sends one v1 message (always ASID 0).
///
/// # Errors
///
/// As [`send_v2`].
pub fn send_v1(dev: &Vhost, body: IotlbMsg) -> vhost::Result<()> {
    let msg = MsgV1 { kind: VHOST_IOTLB_MSG, _align: 0, body, _pad: [0; 32] };
    let what = || body.describe(1, 0);
    let n = dev.write_msg(bytes_of(&msg), what)?;
    expect_size(n, what)
}

/// One mapping: `size` bytes at `iova` backed by user memory at `uaddr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// First IOVA.
    pub iova: u64,
    /// Length in bytes.
    pub size: u64,
    /// Backing user virtual address.
    pub uaddr: u64,
    /// Access, [`perm`].
    pub perm: u8,
}

/// How this session talks IOTLB, from the acked backend features.
#[derive(Clone, Copy, Debug)]
pub struct Protocol {
    /// v2 messages (else v1).
    pub v2: bool,
    /// BATCH_BEGIN/END around commits.
    pub batch: bool,
    /// The asid field is honoured.
    pub asid: bool,
}

impl Protocol {
    /// The protocol the acked backend features allow.
    pub fn from_backend(acked: u64) -> Self {
        Self {
            v2: acked & backend::IOTLB_MSG_V2 != 0,
            batch: acked & backend::IOTLB_BATCH != 0,
            asid: acked & backend::IOTLB_ASID != 0,
        }
    }

    /// Sends `body` for `asid` in the best format acked.
    ///
    /// # Errors
    ///
    /// EINVAL without sending when `asid` is not 0 but ASIDs were not acked;
    /// otherwise the write's errno.
    pub fn send(&self, dev: &Vhost, asid: u32, body: IotlbMsg) -> vhost::Result<()> {
        if asid != 0 && !(self.v2 && self.asid) {
            return Err(vhost::Error {
                what: format!("{} (IOTLB_ASID not acked)", body.describe(2, asid)),
                errno: libc::EINVAL,
            });
        }
        if self.v2 {
            send_v2(dev, asid, body)
        } else {
            send_v1(dev, body)
        }
    }
}

/// Map changes for one ASID, committed together.
pub struct Batch {
    asid: u32,
    ops: Vec<IotlbMsg>,
}

impl Batch {
    /// An empty batch for `asid`.
    pub fn new(asid: u32) -> Self {
        Self { asid, ops: Vec::new() }
    }

    /// Adds an UPDATE.
    pub fn update(mut self, m: Mapping) -> Self {
        self.ops.push(IotlbMsg::new(kind::UPDATE, m.iova, m.size, m.uaddr, m.perm));
        self
    }

    /// Adds an INVALIDATE of `[iova, iova + size)`.
    pub fn invalidate(mut self, iova: u64, size: u64) -> Self {
        self.ops.push(IotlbMsg::new(kind::INVALIDATE, iova, size, 0, 0));
        self
    }

    /// Number of map changes.
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Sends BATCH_BEGIN, every change, BATCH_END (just the changes when
    /// batching was not acked). A failed change still closes the batch, so
    /// the device is left consistent, and the first error is returned.
    ///
    /// # Errors
    ///
    /// The first failed write.
    pub fn commit(self, dev: &Vhost, proto: &Protocol) -> vhost::Result<()> {
        let bracket = proto.batch;
        if bracket {
            proto.send(dev, self.asid, IotlbMsg::new(kind::BATCH_BEGIN, 0, 0, 0, 0))?;
        }
        let mut first_err = None;
        for op in &self.ops {
            if let Err(e) = proto.send(dev, self.asid, *op) {
                first_err.get_or_insert(e);
            }
        }
        if bracket {
            let end = proto.send(dev, self.asid, IotlbMsg::new(kind::BATCH_END, 0, 0, 0, 0));
            if let Err(e) = end {
                first_err.get_or_insert(e);
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
