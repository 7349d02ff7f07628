// SPDX-License-Identifier: GPL-2.0

//! The driver side of a split virtqueue (virtio 1.x, section 2.7) in its
//! own DMA memory: descriptor table, available ring and used ring, each
//! page aligned, plus the queue's kick and call eventfds.
//!
//! The device's writes (used ring) are read once and validated: a used id
//! must name a chain this driver has in flight, and the device may never
//! claim more used entries than are in flight. Chains are freed from the
//! driver's own copy of the descriptor links, never from device memory.

use crate::eventfd::EventFd;
use crate::iotlb::Mapping;
use crate::mem::{page_align, Arena, DmaMemory};
use crate::vhost::{self, Vhost};
use std::ffi::CStr;
use std::fmt;
use std::io;
use std::mem::size_of;
use std::sync::atomic::{fence, AtomicU16, Ordering};
use std::time::Duration;

/// `struct vring_desc`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct Desc {
    addr: u64,
    len: u32,
    flags: u16,
    next: u16,
}

/// `struct vring_used_elem`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct UsedElem {
    id: u32,
    len: u32,
}

const _: () = assert!(size_of::<Desc>() == 16);
const _: () = assert!(size_of::<UsedElem>() == 8);

const VRING_DESC_F_NEXT: u16 = 1;
const VRING_DESC_F_WRITE: u16 = 2;
const VRING_AVAIL_F_NO_INTERRUPT: u16 = 1;
const VRING_USED_F_NO_NOTIFY: u16 = 1;

/// The ring size used by the scenarios (the sim's maximum).
pub const DEFAULT_NUM: u16 = 256;

/// One buffer of a descriptor chain.
#[derive(Clone, Copy, Debug)]
pub struct Buf {
    /// IOVA of the buffer.
    pub iova: u64,
    /// Length in bytes.
    pub len: u32,
    /// Device-writable (else device-readable).
    pub writable: bool,
}

/// A chain the device has returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Used {
    /// The token given to [`SplitQueue::add`].
    pub token: u32,
    /// Bytes the device says it wrote.
    pub len: u32,
}

/// What can go wrong on a ring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RingError {
    /// Not enough free descriptors for the chain.
    Full,
    /// An empty chain was asked for.
    Empty,
    /// The device returned an id outside the ring.
    BadId(u32),
    /// The device returned an id that is not in flight.
    NotInFlight(u32),
    /// The used index moved further than the number of chains in flight.
    TooManyUsed {
        /// Entries the device claims.
        claimed: u16,
        /// Chains in flight.
        in_flight: u16,
    },
}

impl fmt::Display for RingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full => write!(f, "ring full"),
            Self::Empty => write!(f, "empty descriptor chain"),
            Self::BadId(id) => write!(f, "device returned used id {id} outside the ring"),
            Self::NotInFlight(id) => write!(f, "device returned used id {id}, which is not in flight"),
            Self::TooManyUsed { claimed, in_flight } => {
                write!(f, "device claims {claimed} used entries with {in_flight} in flight")
            }
        }
    }
}

impl std::error::Error for RingError {}

#[derive(Clone, Copy)]
struct InFlight {
    token: u32,
    ndesc: u16,
}

/// The driver side of one split virtqueue.
pub struct SplitQueue {
    index: u32,
    num: u16,
    mem: DmaMemory,
    avail_off: usize,
    used_off: usize,
    /// Driver's copy of the descriptor links (free list and chains).
    next: Vec<u16>,
    free_head: u16,
    num_free: u16,
    in_flight: Vec<Option<InFlight>>,
    outstanding: u16,
    /// Next avail index to publish.
    avail_idx: u16,
    /// Avail index at the last kick.
    kicked_idx: u16,
    last_used: u16,
    event_idx: bool,
    interrupts: bool,
    kick: EventFd,
    call: EventFd,
}

impl SplitQueue {
    /// A queue of `num` entries (a power of two) for virtqueue `index`, its
    /// rings in memory from `arena`.
    ///
    /// # Errors
    ///
    /// EINVAL for a bad `num`; errors creating the memory or eventfds.
    pub fn new(index: u32, num: u16, arena: &mut Arena) -> io::Result<Self> {
        if num == 0 || !num.is_power_of_two() || num > 32768 {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        let n = usize::from(num);
        let avail_off = page_align(size_of::<Desc>() * n);
        let used_off = avail_off + page_align(6 + 2 * n);
        let len = used_off + page_align(6 + size_of::<UsedElem>() * n);
        let name = CStr::from_bytes_with_nul(b"vdpa-client-ring\0").map_err(io::Error::other)?;
        let mem = arena.alloc(name, len)?;
        let mut q = Self {
            index,
            num,
            mem,
            avail_off,
            used_off,
            next: Vec::new(),
            free_head: 0,
            num_free: 0,
            in_flight: Vec::new(),
            outstanding: 0,
            avail_idx: 0,
            kicked_idx: 0,
            last_used: 0,
            event_idx: false,
            interrupts: true,
            kick: EventFd::new()?,
            call: EventFd::new()?,
        };
        q.reset();
        Ok(q)
    }

    /// Forgets every chain and zeroes the rings, as after a device reset.
    pub fn reset(&mut self) {
        let n = usize::from(self.num);
        self.mem.fill(0, self.mem.len(), 0);
        // Links 0 -> 1 -> ... -> num-1 -> num (end).
        self.next = (1..=self.num).collect();
        self.free_head = 0;
        self.num_free = self.num;
        self.in_flight = vec![None; n];
        self.outstanding = 0;
        self.avail_idx = 0;
        self.kicked_idx = 0;
        self.last_used = 0;
        self.apply_interrupts();
        // Drop a stale call signal; an error only means nothing was pending.
        let _ = self.call.take();
    }

    /// Use VIRTIO_F_RING_EVENT_IDX semantics (only when negotiated).
    pub fn set_event_idx(&mut self, on: bool) {
        self.event_idx = on;
        self.apply_interrupts();
    }

    /// The virtqueue index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// Ring size.
    pub fn num(&self) -> u16 {
        self.num
    }

    /// Free descriptors.
    pub fn free_descs(&self) -> u16 {
        self.num_free
    }

    /// Chains added and not yet returned by the device.
    pub fn in_flight(&self) -> u16 {
        self.outstanding
    }

    /// The IOTLB mapping of the ring memory.
    pub fn mapping(&self) -> Mapping {
        self.mem.mapping()
    }

    /// IOVA of the descriptor table.
    pub fn desc_iova(&self) -> u64 {
        self.mem.iova(0)
    }

    /// IOVA of the available ring.
    pub fn avail_iova(&self) -> u64 {
        self.mem.iova(self.avail_off)
    }

    /// IOVA of the used ring.
    pub fn used_iova(&self) -> u64 {
        self.mem.iova(self.used_off)
    }

    /// The call eventfd.
    pub fn call(&self) -> &EventFd {
        &self.call
    }

    /// The kick eventfd's descriptor.
    pub fn kick_fd(&self) -> std::os::fd::RawFd {
        self.kick.raw()
    }

    /// Hands the ring to vhost: SET_VRING_NUM, ADDR, BASE, KICK, CALL.
    ///
    /// # Errors
    ///
    /// The first failing ioctl.
    pub fn attach(&self, dev: &Vhost, base: u16) -> vhost::Result<()> {
        dev.set_vring_num(self.index, u32::from(self.num))?;
        dev.set_vring_addr(self.index, self.desc_iova(), self.avail_iova(), self.used_iova())?;
        dev.set_vring_base(self.index, u32::from(base))?;
        dev.set_vring_kick(self.index, self.kick.raw())?;
        dev.set_vring_call(self.index, self.call.raw())
    }

    fn atomic_u16(&self, off: usize) -> &AtomicU16 {
        let p = self.mem.at(off, 2).cast::<u16>();
        // SAFETY: `p` is 2-aligned (ring areas are page aligned and every u16
        // field is at an even offset), inside the mapping, and lives as long
        // as `self.mem`, which outlives the returned borrow. The memory is
        // only ever accessed atomically or volatilely.
        unsafe { AtomicU16::from_ptr(p) }
    }

    fn write_u16(&self, off: usize, v: u16) {
        self.mem.write(off, &v.to_le_bytes());
    }

    fn read_u16(&self, off: usize) -> u16 {
        let mut b = [0u8; 2];
        self.mem.read(off, &mut b);
        u16::from_le_bytes(b)
    }

    fn write_desc(&self, i: u16, d: Desc) {
        let off = usize::from(i) * size_of::<Desc>();
        let p = self.mem.at(off, size_of::<Desc>()).cast::<Desc>();
        let le = Desc { addr: d.addr.to_le(), len: d.len.to_le(), flags: d.flags.to_le(), next: d.next.to_le() };
        // SAFETY: in bounds (checked by `at`) and 16-aligned (page-aligned
        // table, 16-byte entries); volatile because the device reads it.
        unsafe { p.write_volatile(le) };
    }

    fn read_used_elem(&self, slot: u16) -> UsedElem {
        let off = self.used_off + 4 + usize::from(slot) * size_of::<UsedElem>();
        let p = self.mem.at(off, size_of::<UsedElem>()).cast::<UsedElem>();
        // SAFETY: in bounds (checked by `at`) and 4-aligned; volatile because
        // the device writes it.
        let e = unsafe { p.read_volatile() };
        UsedElem { id: u32::from_le(e.id), len: u32::from_le(e.len) }
    }

    fn used_event_off(&self) -> usize {
        self.avail_off + 4 + 2 * usize::from(self.num)
    }

    fn avail_event_off(&self) -> usize {
        self.used_off + 4 + size_of::<UsedElem>() * usize::from(self.num)
    }

    /// Ask for (or suppress) used-buffer notifications.
    pub fn set_interrupts(&mut self, on: bool) {
        self.interrupts = on;
        self.apply_interrupts();
    }

    fn apply_interrupts(&self) {
        if self.event_idx {
            // Notify when the entry after the last one seen is used; when
            // off, park the event one lap behind so it is never crossed soon.
            let ev = if self.interrupts { self.last_used } else { self.last_used.wrapping_sub(1) };
            self.write_u16(self.used_event_off(), ev);
            self.atomic_u16(self.avail_off).store(0, Ordering::Release);
        } else {
            let flags = if self.interrupts { 0 } else { VRING_AVAIL_F_NO_INTERRUPT };
            self.atomic_u16(self.avail_off).store(flags.to_le(), Ordering::Release);
        }
        fence(Ordering::SeqCst);
    }

    /// Adds a chain of `bufs` to the available ring (not yet visible to the
    /// device: see [`publish`](Self::publish)); `token` comes back in [`Used`].
    ///
    /// # Errors
    ///
    /// [`RingError::Full`] without enough free descriptors, [`RingError::Empty`]
    /// for no buffers.
    pub fn add(&mut self, bufs: &[Buf], token: u32) -> Result<u16, RingError> {
        let n = u16::try_from(bufs.len()).map_err(|_| RingError::Full)?;
        if n == 0 {
            return Err(RingError::Empty);
        }
        if n > self.num_free {
            return Err(RingError::Full);
        }
        let head = self.free_head;
        let mut cur = head;
        for (k, b) in bufs.iter().enumerate() {
            let last = k + 1 == bufs.len();
            let link = self.next[usize::from(cur)];
            let mut flags = if b.writable { VRING_DESC_F_WRITE } else { 0 };
            if !last {
                flags |= VRING_DESC_F_NEXT;
            }
            self.write_desc(cur, Desc { addr: b.iova, len: b.len, flags, next: if last { 0 } else { link } });
            if !last {
                cur = link;
            } else {
                self.free_head = link;
            }
        }
        self.num_free -= n;
        self.in_flight[usize::from(head)] = Some(InFlight { token, ndesc: n });
        self.outstanding += 1;
        let slot = usize::from(self.avail_idx & (self.num - 1));
        self.write_u16(self.avail_off + 4 + 2 * slot, head);
        self.avail_idx = self.avail_idx.wrapping_add(1);
        Ok(head)
    }

    /// Makes every added chain visible to the device (avail idx store with
    /// release ordering, after the descriptors and ring entries).
    pub fn publish(&self) {
        fence(Ordering::Release);
        self.atomic_u16(self.avail_off + 2).store(self.avail_idx.to_le(), Ordering::Release);
    }

    /// Publishes, then kicks unless the device suppressed notifications.
    ///
    /// # Errors
    ///
    /// The eventfd write's errno.
    pub fn notify(&mut self) -> io::Result<()> {
        self.publish();
        fence(Ordering::SeqCst);
        let old = self.kicked_idx;
        let new = self.avail_idx;
        let needed = if self.event_idx {
            let ev = self.read_u16(self.avail_event_off());
            new.wrapping_sub(ev).wrapping_sub(1) < new.wrapping_sub(old)
        } else {
            let flags = u16::from_le(self.atomic_u16(self.used_off).load(Ordering::Acquire));
            flags & VRING_USED_F_NO_NOTIFY == 0
        };
        self.kicked_idx = new;
        if needed {
            self.kick.signal()?;
        }
        Ok(())
    }

    /// Publishes and kicks unconditionally.
    ///
    /// # Errors
    ///
    /// The eventfd write's errno.
    pub fn kick(&mut self) -> io::Result<()> {
        self.publish();
        self.kicked_idx = self.avail_idx;
        self.kick.signal()
    }

    /// The device's used index as it is now.
    pub fn device_used_idx(&self) -> u16 {
        u16::from_le(self.atomic_u16(self.used_off + 2).load(Ordering::Acquire))
    }

    /// Whether the device has returned a chain not yet popped.
    pub fn has_used(&self) -> bool {
        self.device_used_idx() != self.last_used
    }

    /// Takes the next chain the device returned, if any.
    ///
    /// # Errors
    ///
    /// When the device's used ring is inconsistent with what is in flight.
    pub fn pop_used(&mut self) -> Result<Option<Used>, RingError> {
        let idx = self.device_used_idx();
        if idx == self.last_used {
            return Ok(None);
        }
        let claimed = idx.wrapping_sub(self.last_used);
        if claimed > self.outstanding {
            return Err(RingError::TooManyUsed { claimed, in_flight: self.outstanding });
        }
        fence(Ordering::Acquire);
        let e = self.read_used_elem(self.last_used & (self.num - 1));
        let head = u16::try_from(e.id).ok().filter(|h| *h < self.num).ok_or(RingError::BadId(e.id))?;
        let f = self.in_flight[usize::from(head)].take().ok_or(RingError::NotInFlight(e.id))?;
        // Walk the driver's own links to the chain's tail (ndesc <= num).
        let mut tail = head;
        for _ in 1..f.ndesc {
            tail = self.next[usize::from(tail)];
        }
        self.next[usize::from(tail)] = self.free_head;
        self.free_head = head;
        self.num_free += f.ndesc;
        self.outstanding -= 1;
        self.last_used = self.last_used.wrapping_add(1);
        if self.event_idx && self.interrupts {
            self.write_u16(self.used_event_off(), self.last_used);
            fence(Ordering::SeqCst);
        }
        Ok(Some(Used { token: f.token, len: e.len }))
    }

    /// Waits up to `timeout` for the call eventfd; its count (0 on timeout).
    ///
    /// # Errors
    ///
    /// The errno of poll or read.
    pub fn wait_call(&self, timeout: Duration) -> io::Result<u64> {
        self.call.wait(timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A device that returns avail entries in order, reading the rings the
    /// way a device does.
    struct FakeDevice {
        last_avail: u16,
        used_idx: u16,
    }

    impl FakeDevice {
        fn desc(q: &SplitQueue, i: u16) -> Desc {
            let mut b = [0u8; 16];
            q.mem.read(usize::from(i) * 16, &mut b);
            Desc {
                addr: u64::from_le_bytes(b[0..8].try_into().unwrap()),
                len: u32::from_le_bytes(b[8..12].try_into().unwrap()),
                flags: u16::from_le_bytes(b[12..14].try_into().unwrap()),
                next: u16::from_le_bytes(b[14..16].try_into().unwrap()),
            }
        }

        /// Consumes one chain; returns its buffers.
        fn take(&mut self, q: &SplitQueue) -> Option<(u16, Vec<Desc>)> {
            let idx = q.read_u16(q.avail_off + 2);
            if idx == self.last_avail {
                return None;
            }
            let slot = usize::from(self.last_avail & (q.num - 1));
            let head = q.read_u16(q.avail_off + 4 + 2 * slot);
            self.last_avail = self.last_avail.wrapping_add(1);
            let mut chain = Vec::new();
            let mut i = head;
            loop {
                let d = Self::desc(q, i);
                chain.push(d);
                if d.flags & VRING_DESC_F_NEXT == 0 {
                    break;
                }
                i = d.next;
            }
            Some((head, chain))
        }

        fn complete(&mut self, q: &SplitQueue, id: u32, len: u32) {
            let slot = usize::from(self.used_idx & (q.num - 1));
            let off = q.used_off + 4 + 8 * slot;
            q.mem.write(off, &id.to_le_bytes());
            q.mem.write(off + 4, &len.to_le_bytes());
            self.used_idx = self.used_idx.wrapping_add(1);
            q.write_u16(q.used_off + 2, self.used_idx);
        }
    }

    fn buf(iova: u64, len: u32, writable: bool) -> Buf {
        Buf { iova, len, writable }
    }

    #[test]
    fn chains_round_trip_and_wrap() {
        let mut arena = Arena::separate();
        let mut q = SplitQueue::new(0, 8, &mut arena).unwrap();
        let mut dev = FakeDevice { last_avail: 0, used_idx: 0 };
        // Many laps so that indexes and the free list wrap.
        for round in 0..5000u32 {
            let n = (round % 3 + 1) as usize;
            let bufs: Vec<Buf> = (0..n).map(|k| buf(0x1000 * k as u64 + u64::from(round), 16, k + 1 == n)).collect();
            q.add(&bufs, round).unwrap();
            q.publish();
            let (head, chain) = dev.take(&q).unwrap();
            assert_eq!(chain.len(), n);
            for (k, d) in chain.iter().enumerate() {
                assert_eq!(d.addr, 0x1000 * k as u64 + u64::from(round));
                assert_eq!(d.flags & VRING_DESC_F_WRITE != 0, k + 1 == n);
            }
            dev.complete(&q, u32::from(head), round);
            assert_eq!(q.pop_used().unwrap(), Some(Used { token: round, len: round }));
            assert_eq!(q.pop_used().unwrap(), None);
            assert_eq!(q.free_descs(), 8);
        }
    }

    #[test]
    fn full_ring_and_out_of_order_completion() {
        let mut arena = Arena::separate();
        let mut q = SplitQueue::new(0, 8, &mut arena).unwrap();
        let mut dev = FakeDevice { last_avail: 0, used_idx: 0 };
        for t in 0..4 {
            q.add(&[buf(t, 1, false), buf(t, 1, true)], t as u32).unwrap();
        }
        assert_eq!(q.add(&[buf(9, 1, false)], 9), Err(RingError::Full));
        q.publish();
        let heads: Vec<u16> = (0..4).map(|_| dev.take(&q).unwrap().0).collect();
        // Complete in reverse order.
        for (t, h) in heads.iter().enumerate().rev() {
            dev.complete(&q, u32::from(*h), t as u32 * 10);
        }
        let got: Vec<u32> = std::iter::from_fn(|| q.pop_used().unwrap()).map(|u| u.token).collect();
        assert_eq!(got, vec![3, 2, 1, 0]);
        assert_eq!(q.free_descs(), 8);
        assert_eq!(q.in_flight(), 0);
    }

    #[test]
    fn device_lies_are_caught() {
        let mut arena = Arena::separate();
        let mut q = SplitQueue::new(0, 8, &mut arena).unwrap();
        let mut dev = FakeDevice { last_avail: 0, used_idx: 0 };
        q.add(&[buf(1, 1, true)], 7).unwrap();
        q.publish();
        dev.complete(&q, 99, 0);
        assert_eq!(q.pop_used(), Err(RingError::BadId(99)));

        let mut q = SplitQueue::new(0, 8, &mut arena).unwrap();
        let mut dev = FakeDevice { last_avail: 0, used_idx: 0 };
        q.add(&[buf(1, 1, true)], 7).unwrap();
        q.publish();
        dev.complete(&q, 5, 0);
        assert_eq!(q.pop_used(), Err(RingError::NotInFlight(5)));

        let mut q = SplitQueue::new(0, 8, &mut arena).unwrap();
        let mut dev = FakeDevice { last_avail: 0, used_idx: 0 };
        q.add(&[buf(1, 1, true)], 7).unwrap();
        q.publish();
        dev.complete(&q, 0, 0);
        dev.complete(&q, 0, 0);
        assert_eq!(q.pop_used(), Err(RingError::TooManyUsed { claimed: 2, in_flight: 1 }));
    }

    #[test]
    fn interrupt_suppression_flag() {
        let mut arena = Arena::separate();
        let mut q = SplitQueue::new(0, 8, &mut arena).unwrap();
        q.set_interrupts(false);
        assert_eq!(q.read_u16(q.avail_off), VRING_AVAIL_F_NO_INTERRUPT);
        q.set_interrupts(true);
        assert_eq!(q.read_u16(q.avail_off), 0);
    }
}
