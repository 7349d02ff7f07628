// SPDX-License-Identifier: GPL-2.0

//! Device side of a split virtqueue, over guest memory seen through an
//! address space ([`GuestMem`]).
//!
//! This replaces what the simulator gets from `vringh` in IOTLB mode:
//! popping descriptor chains from the avail ring, copying bytes in and out
//! of the chain's buffers, publishing used entries and deciding whether the
//! driver wants an interrupt. Rings are little-endian (the simulator only
//! offers `VIRTIO_F_VERSION_1` devices).
//!
//! Layout (virtio 1.x, 2.7): descriptor table at `desc`, 16 bytes per entry
//! `{addr: u64, len: u32, flags: u16, next: u16}`; avail ring
//! `{flags: u16, idx: u16, ring: [u16; num], used_event: u16}`; used ring
//! `{flags: u16, idx: u16, ring: [{id: u32, len: u32}; num], avail_event: u16}`.
//!
//! Every value read from guest memory is read once, into a local, then
//! validated. Chain walks are bounded: at most `num` descriptors in the
//! descriptor table, at most the table's length inside an indirect table,
//! and at most [`MAX_CHAIN`] segments in all, so a looping chain ends with
//! [`VringError::ChainTooLong`].
//!
//! Differences from `vringh` (listed in `Documentation/`):
//! * a failed pop does not advance the avail index: the ring stays on the
//!   bad chain (vringh skips a chain whose walk failed, never completing it);
//! * `avail.idx - last_avail > num` is refused ([`VringError::BadAvailIdx`]);
//! * a descriptor with both `INDIRECT` and `NEXT` is refused
//!   ([`VringError::BadIndirect`], virtio 2.7.5.3.1); vringh follows the
//!   `NEXT` after the table;
//! * a segment whose last byte would pass `u64::MAX` is refused at pop
//!   ([`VringError::BadLen`]) rather than failing at copy time;
//! * a chain is at most [`MAX_CHAIN`] segments (vringh grows its iovecs);
//! * with `VIRTIO_RING_F_EVENT_IDX` the device writes `avail_event =
//!   last_avail` at every pop, so the driver always kicks for new buffers
//!   (the simulator never offers EVENT_IDX, so this path is for completeness).

use core::cmp::min;
use core::sync::atomic::{fence, Ordering};

/// Why a ring operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VringError {
    /// A ring, table or buffer byte is unmapped or lacks the permission.
    Fault,
    /// A head or `next` index is not below the table size.
    BadHead,
    /// `avail.idx` is more than `num` ahead of the device.
    BadAvailIdx,
    /// More descriptors than the ring (or the indirect table, or
    /// [`MAX_CHAIN`]) allows: a loop or an oversized chain.
    ChainTooLong,
    /// An indirect descriptor inside an indirect table.
    NestedIndirect,
    /// An indirect descriptor with a bad length, or with `NEXT` set.
    BadIndirect,
    /// A device-readable descriptor after a device-writable one.
    ReadAfterWrite,
    /// A buffer wraps the 64-bit space, or a length sum overflows.
    BadLen,
}

/// Guest memory seen through the queue's address space. Kernel: IOTLB
/// translation plus copy.
pub(crate) trait GuestMem {
    /// Device reads `buf.len()` bytes at IOVA `iova` (needs read permission).
    ///
    /// # Errors
    ///
    /// [`VringError::Fault`] if any byte is unmapped or not readable.
    fn read(&mut self, iova: u64, buf: &mut [u8]) -> Result<(), VringError>;
    /// Device writes `data` at IOVA `iova` (needs write permission).
    ///
    /// # Errors
    ///
    /// [`VringError::Fault`] if any byte is unmapped or not writable.
    fn write(&mut self, iova: u64, data: &[u8]) -> Result<(), VringError>;
    /// Device reads the 16-bit ring index at `iova` in one access, so a
    /// driver updating it at the same time is seen before or after, never
    /// half way (a byte-wise copy can tear it).
    ///
    /// # Errors
    ///
    /// As [`GuestMem::read`].
    fn read_u16(&mut self, iova: u64) -> Result<u16, VringError> {
        let mut b = [0u8; 2];
        self.read(iova, &mut b)?;
        Ok(u16::from_le_bytes(b))
    }
    /// Device writes the 16-bit ring index at `iova` in one access.
    ///
    /// # Errors
    ///
    /// As [`GuestMem::write`].
    fn write_u16(&mut self, iova: u64, val: u16) -> Result<(), VringError> {
        self.write(iova, &val.to_le_bytes())
    }
}

/// Largest chain the walker handles, in segments (the simulator's largest
/// ring is 256).
pub(crate) const MAX_CHAIN: usize = 256;
/// Largest ring size [`SplitQueue::new`] accepts (virtio's limit).
pub(crate) const MAX_QUEUE: u16 = 32768;

/// `VRING_DESC_F_NEXT`: the chain continues at `next`.
pub(crate) const DESC_F_NEXT: u16 = 1;
/// `VRING_DESC_F_WRITE`: the buffer is device-writable.
pub(crate) const DESC_F_WRITE: u16 = 2;
/// `VRING_DESC_F_INDIRECT`: the buffer is a table of descriptors.
pub(crate) const DESC_F_INDIRECT: u16 = 4;
/// `VRING_AVAIL_F_NO_INTERRUPT`: the driver wants no interrupt.
pub(crate) const AVAIL_F_NO_INTERRUPT: u16 = 1;
/// Size of one descriptor.
pub(crate) const DESC_SIZE: u64 = 16;
/// Size of one used-ring element.
pub(crate) const USED_ELEM_SIZE: u64 = 8;

/// One buffer of a chain, as the driver described it (addresses are IOVAs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Seg {
    /// IOVA of the buffer.
    pub(crate) addr: u64,
    /// Length in bytes (may be 0).
    pub(crate) len: u32,
    /// Device-writable (else device-readable).
    pub(crate) write: bool,
}

/// One descriptor chain popped from the avail ring.
///
/// About 4 KiB: keep it in the device state, not on the stack.
pub(crate) struct Chain {
    /// Head descriptor index, to return in the used ring.
    pub(crate) head: u16,
    n: usize,
    n_read: usize,
    segs: [Seg; MAX_CHAIN],
    read_len: u64,
    write_len: u64,
}

impl Default for Chain {
    fn default() -> Self {
        Self::new()
    }
}

impl Chain {
    /// An empty chain.
    pub(crate) const fn new() -> Self {
        Self {
            head: 0,
            n: 0,
            n_read: 0,
            segs: [Seg {
                addr: 0,
                len: 0,
                write: false,
            }; MAX_CHAIN],
            read_len: 0,
            write_len: 0,
        }
    }

    fn reset(&mut self, head: u16) {
        self.head = head;
        self.n = 0;
        self.n_read = 0;
        self.read_len = 0;
        self.write_len = 0;
    }

    /// Head descriptor index.
    pub(crate) fn head(&self) -> u16 {
        self.head
    }

    /// All segments: the device-readable ones first, then the writable ones.
    pub(crate) fn segs(&self) -> &[Seg] {
        self.segs.get(..self.n).unwrap_or(&[])
    }

    /// The device-readable segments.
    pub(crate) fn readable(&self) -> &[Seg] {
        self.segs.get(..self.n_read).unwrap_or(&[])
    }

    /// The device-writable segments.
    pub(crate) fn writable(&self) -> &[Seg] {
        self.segs.get(self.n_read..self.n).unwrap_or(&[])
    }

    /// Total bytes of the readable segments.
    pub(crate) fn readable_len(&self) -> u64 {
        self.read_len
    }

    /// Total bytes of the writable segments.
    pub(crate) fn writable_len(&self) -> u64 {
        self.write_len
    }

    fn push(&mut self, seg: Seg) -> Result<(), VringError> {
        let slot = self.segs.get_mut(self.n).ok_or(VringError::ChainTooLong)?;
        *slot = seg;
        self.n += 1;
        if seg.write {
            self.write_len = self
                .write_len
                .checked_add(u64::from(seg.len))
                .ok_or(VringError::BadLen)?;
        } else {
            self.n_read += 1;
            self.read_len = self
                .read_len
                .checked_add(u64::from(seg.len))
                .ok_or(VringError::BadLen)?;
        }
        Ok(())
    }

    /// Device reads the readable part, from `skip` bytes into it, into
    /// `buf`. Returns the bytes read: less than `buf.len()` if the readable
    /// part ends first.
    ///
    /// # Errors
    ///
    /// [`VringError::Fault`] from `mem`; bytes of earlier segments may then
    /// already be in `buf`.
    pub(crate) fn read<M: GuestMem>(
        &self,
        mem: &mut M,
        skip: u64,
        buf: &mut [u8],
    ) -> Result<usize, VringError> {
        walk(self.readable(), skip, buf.len(), |addr, at, n| {
            let dst = buf.get_mut(at..at + n).ok_or(VringError::BadLen)?;
            mem.read(addr, dst)
        })
    }

    /// Device writes `data` into the writable part, from `skip` bytes into
    /// it. Returns the bytes written: less than `data.len()` if the writable
    /// part ends first.
    ///
    /// # Errors
    ///
    /// [`VringError::Fault`] from `mem`; earlier segments may then already
    /// be written.
    pub(crate) fn write<M: GuestMem>(
        &self,
        mem: &mut M,
        skip: u64,
        data: &[u8],
    ) -> Result<usize, VringError> {
        walk(self.writable(), skip, data.len(), |addr, at, n| {
            let src = data.get(at..at + n).ok_or(VringError::BadLen)?;
            mem.write(addr, src)
        })
    }
}

/// Walks `segs` from `skip` bytes into them for at most `len` bytes, and
/// calls `f(addr, at, n)` for each piece: `n` bytes at guest address
/// `addr` that go with bytes `at..at + n` of the caller's buffer. Returns
/// the bytes covered (less than `len` if the segments end first).
fn walk(
    segs: &[Seg],
    mut skip: u64,
    len: usize,
    mut f: impl FnMut(u64, usize, usize) -> Result<(), VringError>,
) -> Result<usize, VringError> {
    let mut done = 0usize;
    for seg in segs {
        if done >= len {
            break;
        }
        let seg_len = u64::from(seg.len);
        if skip >= seg_len {
            skip -= seg_len;
            continue;
        }
        // `seg_len - skip` <= u32::MAX, so it fits a usize.
        let take = min(usize::try_from(seg_len - skip).unwrap_or(usize::MAX), len - done);
        let addr = seg.addr.checked_add(skip).ok_or(VringError::BadLen)?;
        f(addr, done, take)?;
        done += take;
        skip = 0;
    }
    Ok(done)
}

/// A descriptor as read from guest memory.
#[derive(Clone, Copy)]
struct Desc {
    addr: u64,
    len: u32,
    flags: u16,
    next: u16,
}

impl Desc {
    fn parse(b: &[u8; 16]) -> Self {
        let [a0, a1, a2, a3, a4, a5, a6, a7, l0, l1, l2, l3, f0, f1, n0, n1] = *b;
        Self {
            addr: u64::from_le_bytes([a0, a1, a2, a3, a4, a5, a6, a7]),
            len: u32::from_le_bytes([l0, l1, l2, l3]),
            flags: u16::from_le_bytes([f0, f1]),
            next: u16::from_le_bytes([n0, n1]),
        }
    }
}

fn read_u16<M: GuestMem>(mem: &mut M, addr: u64) -> Result<u16, VringError> {
    mem.read_u16(addr)
}

fn write_u16<M: GuestMem>(mem: &mut M, addr: u64, val: u16) -> Result<(), VringError> {
    mem.write_u16(addr, val)
}

/// `base + off`, or [`VringError::Fault`] if that passes `u64::MAX` (the
/// ring cannot be there).
fn at(base: u64, off: u64) -> Result<u64, VringError> {
    base.checked_add(off).ok_or(VringError::Fault)
}

/// `vring_need_event()`: whether `event` lies in `old..new` (16-bit ring
/// arithmetic).
pub(crate) fn need_event(event: u16, new: u16, old: u16) -> bool {
    new.wrapping_sub(event).wrapping_sub(1) < new.wrapping_sub(old)
}

/// State of one split ring.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SplitQueue {
    num: u16,
    desc: u64,
    avail: u64,
    used: u64,
    last_avail: u16,
    /// Index of the next used entry to publish.
    used_idx: u16,
    /// `used_idx` when the driver was last asked about an interrupt.
    signalled_used: u16,
    /// Entries published since then (can exceed 0xffff).
    pending: u32,
    event_idx: bool,
}

impl SplitQueue {
    /// Ring of `num` entries at the three IOVAs; `last_avail` is where the
    /// device resumes (`set_vq_state`); the used index starts equal to it
    /// (the simulator sets `last_used = last_avail` when a queue gets
    /// ready). `event_idx`: `VIRTIO_RING_F_EVENT_IDX` negotiated.
    ///
    /// `None` unless `num` is a power of two in `1..=MAX_QUEUE`.
    pub(crate) fn new(
        num: u16,
        desc: u64,
        avail: u64,
        used: u64,
        last_avail: u16,
        event_idx: bool,
    ) -> Option<Self> {
        if num == 0 || num > MAX_QUEUE || !num.is_power_of_two() {
            return None;
        }
        Some(Self {
            num,
            desc,
            avail,
            used,
            last_avail,
            used_idx: last_avail,
            signalled_used: last_avail,
            pending: 0,
            event_idx,
        })
    }

    /// Ring size (0 for a `Default` queue, which never has work).
    pub(crate) fn num(&self) -> u16 {
        self.num
    }

    /// Index of the next avail entry the device will take.
    pub(crate) fn last_avail(&self) -> u16 {
        self.last_avail
    }

    /// Index the next used entry will get (the value `used.idx` has after
    /// the last [`push_used`](Self::push_used)).
    pub(crate) fn used_idx(&self) -> u16 {
        self.used_idx
    }

    fn avail_idx<M: GuestMem>(&self, mem: &mut M) -> Result<u16, VringError> {
        read_u16(mem, at(self.avail, 2)?)
    }

    /// Writes `avail_event` (after the used ring) when EVENT_IDX is on.
    fn publish_avail_event<M: GuestMem>(&self, mem: &mut M, val: u16) -> Result<(), VringError> {
        if !self.event_idx {
            return Ok(());
        }
        let off = u64::from(self.num) * USED_ELEM_SIZE + 4;
        write_u16(mem, at(self.used, off)?, val)?;
        // The next avail.idx read must not pass this store, or a buffer
        // added meanwhile could be missed without a kick.
        fence(Ordering::SeqCst);
        Ok(())
    }

    /// Pops the next available chain into `chain`.
    ///
    /// Returns `Ok(false)` when the ring is empty. Reads `avail.idx`, then
    /// (after an acquire fence) the ring entry, then walks the chain; see
    /// the module doc for the bounds. Zero-length descriptors are kept.
    ///
    /// # Errors
    ///
    /// Any [`VringError`]. On error `last_avail` is not advanced, so the
    /// next pop finds the same bad chain; `chain` holds garbage.
    pub(crate) fn pop<M: GuestMem>(
        &mut self,
        mem: &mut M,
        chain: &mut Chain,
    ) -> Result<bool, VringError> {
        if self.num == 0 {
            return Ok(false);
        }
        let avail_idx = self.avail_idx(mem)?;
        if avail_idx == self.last_avail {
            self.publish_avail_event(mem, self.last_avail)?;
            return Ok(false);
        }
        if avail_idx.wrapping_sub(self.last_avail) > self.num {
            return Err(VringError::BadAvailIdx);
        }
        // Ring entries are read only after the index that exposes them.
        fence(Ordering::Acquire);
        let slot = self.last_avail & (self.num - 1);
        let head = read_u16(mem, at(self.avail, 4 + 2 * u64::from(slot))?)?;
        if head >= self.num {
            return Err(VringError::BadHead);
        }
        self.walk(mem, chain, head)?;
        let next = self.last_avail.wrapping_add(1);
        self.publish_avail_event(mem, next)?;
        self.last_avail = next;
        Ok(true)
    }

    /// Collects the chain starting at `head` into `chain`.
    fn walk<M: GuestMem>(
        &self,
        mem: &mut M,
        chain: &mut Chain,
        head: u16,
    ) -> Result<(), VringError> {
        chain.reset(head);
        let mut table = self.desc;
        let mut table_len = u32::from(self.num);
        let mut indirect = false;
        // Descriptors seen in the current table (direct or indirect).
        let mut count = 0u32;
        let mut i = head;
        loop {
            let mut raw = [0u8; 16];
            mem.read(at(table, u64::from(i) * DESC_SIZE)?, &mut raw)?;
            let d = Desc::parse(&raw);

            if d.flags & DESC_F_INDIRECT != 0 {
                if indirect {
                    return Err(VringError::NestedIndirect);
                }
                if d.flags & DESC_F_NEXT != 0
                    || d.len == 0
                    || !d.len.is_multiple_of(16)
                    || d.len / 16 > MAX_CHAIN as u32
                {
                    return Err(VringError::BadIndirect);
                }
                if d.addr.checked_add(u64::from(d.len) - 1).is_none() {
                    return Err(VringError::BadIndirect);
                }
                // The indirect descriptor ends the direct chain; the walk
                // goes on at the table's first entry.
                indirect = true;
                table = d.addr;
                table_len = d.len / 16;
                count = 0;
                i = 0;
                continue;
            }

            count += 1;
            if count > table_len {
                return Err(VringError::ChainTooLong);
            }
            let write = d.flags & DESC_F_WRITE != 0;
            if !write && chain.write_len_segs() > 0 {
                return Err(VringError::ReadAfterWrite);
            }
            if d.len > 0 && d.addr.checked_add(u64::from(d.len) - 1).is_none() {
                return Err(VringError::BadLen);
            }
            chain.push(Seg {
                addr: d.addr,
                len: d.len,
                write,
            })?;

            if d.flags & DESC_F_NEXT == 0 {
                return Ok(());
            }
            if u32::from(d.next) >= table_len {
                return Err(VringError::BadHead);
            }
            i = d.next;
        }
    }

    /// Puts `(head, len)` in the used ring, then (after a release fence)
    /// bumps `used.idx`.
    ///
    /// # Errors
    ///
    /// [`VringError::Fault`] if the used ring is not writable (nothing is
    /// published then); [`VringError::BadHead`] on a `Default` queue.
    pub(crate) fn push_used<M: GuestMem>(
        &mut self,
        mem: &mut M,
        head: u16,
        len: u32,
    ) -> Result<(), VringError> {
        if self.num == 0 {
            return Err(VringError::BadHead);
        }
        let slot = self.used_idx & (self.num - 1);
        let mut elem = [0u8; 8];
        let (id, l) = elem.split_at_mut(4);
        id.copy_from_slice(&u32::from(head).to_le_bytes());
        l.copy_from_slice(&len.to_le_bytes());
        mem.write(at(self.used, 4 + u64::from(slot) * USED_ELEM_SIZE)?, &elem)?;
        // The element must be visible before the index that publishes it.
        fence(Ordering::Release);
        let next = self.used_idx.wrapping_add(1);
        write_u16(mem, at(self.used, 2)?, next)?;
        self.used_idx = next;
        self.pending = self.pending.saturating_add(1);
        Ok(())
    }

    /// Whether the driver wants an interrupt for what was pushed since the
    /// last call. Without EVENT_IDX: `avail.flags` lacks `NO_INTERRUPT`.
    /// With it: `used_event` (after the avail ring) lies among the entries
    /// pushed since the last call (always true after 65536 or more).
    ///
    /// # Errors
    ///
    /// [`VringError::Fault`] if the avail ring cannot be read (the pushed
    /// entries still count as signalled).
    pub(crate) fn needs_notify<M: GuestMem>(&mut self, mem: &mut M) -> Result<bool, VringError> {
        // Orders the used.idx store before the driver's flag/event reads;
        // pairs with the driver's barrier when it re-enables interrupts.
        fence(Ordering::SeqCst);
        let old = self.signalled_used;
        let pending = self.pending;
        self.signalled_used = self.used_idx;
        self.pending = 0;
        if !self.event_idx {
            let flags = read_u16(mem, self.avail)?;
            return Ok(flags & AVAIL_F_NO_INTERRUPT == 0);
        }
        let off = 4 + 2 * u64::from(self.num);
        let event = read_u16(mem, at(self.avail, off)?)?;
        if pending > 0xffff {
            return Ok(true);
        }
        Ok(need_event(event, self.used_idx, old))
    }

    /// Whether the driver made anything available (reads `avail.idx`), for
    /// the worker's re-queue decision.
    ///
    /// # Errors
    ///
    /// [`VringError::Fault`] if `avail.idx` cannot be read.
    pub(crate) fn has_avail<M: GuestMem>(&mut self, mem: &mut M) -> Result<bool, VringError> {
        if self.num == 0 {
            return Ok(false);
        }
        Ok(self.avail_idx(mem)? != self.last_avail)
    }
}

impl Chain {
    /// Number of writable segments collected so far.
    fn write_len_segs(&self) -> usize {
        self.n.saturating_sub(self.n_read)
    }
}
