// SPDX-License-Identifier: GPL-2.0

//! Test helpers: the host entry vector, a guest-RAM [`GuestMem`] and a
//! driver-side split-ring builder.
//!
//! Also compiled into the fuzz crate (`tests/fuzz/vdpa_sim`), which declares
//! the same `crate::logic` module.

use alloc::vec;
use alloc::vec::Vec;
use core::cell::RefCell;

use crate::logic::iova_map::{Access, Entry, EntryVec, IovaMap, MapError};
use crate::logic::vring::{
    GuestMem, SplitQueue, VringError, DESC_F_INDIRECT, DESC_F_NEXT, DESC_F_WRITE,
};

impl EntryVec for Vec<Entry> {
    fn entries(&self) -> &[Entry] {
        self
    }

    fn entries_mut(&mut self) -> &mut [Entry] {
        self
    }

    fn try_push(&mut self, e: Entry) -> Result<(), MapError> {
        self.try_reserve(1).map_err(|_| MapError::NoMem)?;
        self.push(e);
        Ok(())
    }

    fn truncate(&mut self, len: usize) {
        Vec::truncate(self, len);
    }
}

/// One device access that [`TestMem`] let through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rec {
    /// First IOVA.
    pub(crate) iova: u64,
    /// Length in bytes.
    pub(crate) len: u64,
    /// Direction.
    pub(crate) access: Access,
}

/// Guest RAM ("physical" addresses `0..ram.len()`) seen by the device
/// through an IOTLB, as the kernel's `GuestMem` sees user or physical
/// memory.
pub(crate) struct TestMem {
    /// The guest's memory; the driver side writes it directly.
    pub(crate) ram: Vec<u8>,
    /// The address space the device goes through.
    pub(crate) map: IovaMap<Vec<Entry>>,
    /// Device accesses that succeeded, if logging is on.
    pub(crate) log: Option<Vec<Rec>>,
    /// Device accesses attempted (to bound fuzz runs and spot loops).
    pub(crate) ops: u64,
}

impl TestMem {
    /// `size` bytes of zeroed RAM in pass-through.
    pub(crate) fn new(size: usize) -> Self {
        Self {
            ram: vec![0; size],
            map: IovaMap::new(Vec::new(), 2048),
            log: None,
            ops: 0,
        }
    }

    /// Turns access logging on (and clears the log).
    pub(crate) fn start_log(&mut self) {
        self.log = Some(Vec::new());
    }

    /// Driver-side write of guest RAM (no translation).
    pub(crate) fn poke(&mut self, pa: u64, data: &[u8]) {
        let start = pa as usize;
        self.ram[start..start + data.len()].copy_from_slice(data);
    }

    /// Driver-side read of guest RAM (no translation).
    pub(crate) fn peek(&self, pa: u64, len: usize) -> Vec<u8> {
        let start = pa as usize;
        self.ram[start..start + len].to_vec()
    }

    /// Driver-side little-endian u16 store.
    pub(crate) fn put_u16(&mut self, pa: u64, v: u16) {
        self.poke(pa, &v.to_le_bytes());
    }

    /// Driver-side little-endian u32 store.
    pub(crate) fn put_u32(&mut self, pa: u64, v: u32) {
        self.poke(pa, &v.to_le_bytes());
    }

    /// Driver-side little-endian u64 store.
    pub(crate) fn put_u64(&mut self, pa: u64, v: u64) {
        self.poke(pa, &v.to_le_bytes());
    }

    /// Driver-side little-endian u16 load.
    pub(crate) fn get_u16(&self, pa: u64) -> u16 {
        let b = self.peek(pa, 2);
        u16::from_le_bytes([b[0], b[1]])
    }

    /// Driver-side little-endian u32 load.
    pub(crate) fn get_u32(&self, pa: u64) -> u32 {
        let b = self.peek(pa, 4);
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }

    /// Runs `f` on each translated piece of `iova..+len`, checking that it
    /// lies in RAM. All pieces are checked before any byte moves, so a
    /// failed access changes nothing (as one `GuestMem` call should).
    fn pieces(
        &self,
        iova: u64,
        len: usize,
        access: Access,
    ) -> Result<Vec<(usize, usize)>, VringError> {
        let mut out = Vec::new();
        let mut done = 0u64;
        let total = len as u64;
        while done < total {
            let at = iova.checked_add(done).ok_or(VringError::Fault)?;
            let p = self
                .map
                .translate(at, total - done, access)
                .ok_or(VringError::Fault)?;
            let start = usize::try_from(p.addr).map_err(|_| VringError::Fault)?;
            let plen = usize::try_from(p.len).map_err(|_| VringError::Fault)?;
            let end = start.checked_add(plen).ok_or(VringError::Fault)?;
            if end > self.ram.len() {
                return Err(VringError::Fault);
            }
            out.push((start, plen));
            done += p.len;
        }
        Ok(out)
    }

    fn record(&mut self, iova: u64, len: usize, access: Access) {
        if let Some(log) = self.log.as_mut() {
            if len > 0 {
                log.push(Rec {
                    iova,
                    len: len as u64,
                    access,
                });
            }
        }
    }
}

impl GuestMem for TestMem {
    fn read(&mut self, iova: u64, buf: &mut [u8]) -> Result<(), VringError> {
        self.ops += 1;
        let pieces = self.pieces(iova, buf.len(), Access::Read)?;
        let mut off = 0;
        for (start, len) in pieces {
            buf[off..off + len].copy_from_slice(&self.ram[start..start + len]);
            off += len;
        }
        self.record(iova, buf.len(), Access::Read);
        Ok(())
    }

    fn write(&mut self, iova: u64, data: &[u8]) -> Result<(), VringError> {
        self.ops += 1;
        let pieces = self.pieces(iova, data.len(), Access::Write)?;
        let mut off = 0;
        for (start, len) in pieces {
            self.ram[start..start + len].copy_from_slice(&data[off..off + len]);
            off += len;
        }
        self.record(iova, data.len(), Access::Write);
        Ok(())
    }
}

/// One of two views of the same [`TestMem`] (the kernel's ring and buffer
/// address spaces), for the handlers that take both.
pub(crate) struct View<'a>(pub(crate) &'a RefCell<TestMem>);

impl GuestMem for View<'_> {
    fn read(&mut self, iova: u64, buf: &mut [u8]) -> Result<(), VringError> {
        self.0.borrow_mut().read(iova, buf)
    }

    fn write(&mut self, iova: u64, data: &[u8]) -> Result<(), VringError> {
        self.0.borrow_mut().write(iova, data)
    }
}

/// Runs `f` with a ring view and a buffer view of `mem`.
pub(crate) fn with_views<T>(
    mem: &mut TestMem,
    f: impl FnOnce(&mut View<'_>, &mut View<'_>) -> T,
) -> T {
    let cell = RefCell::new(core::mem::replace(mem, TestMem::new(0)));
    let out = f(&mut View(&cell), &mut View(&cell));
    *mem = cell.into_inner();
    out
}

/// One buffer a driver puts in a chain: `(addr, len, device-writable)`.
pub(crate) type Buf = (u64, u32, bool);

/// Driver side of a split ring in a [`TestMem`], addresses = IOVAs = RAM
/// offsets (tests that map differently lay the ring out in mapped IOVAs).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ring {
    /// Ring size.
    pub(crate) num: u16,
    /// Descriptor table address.
    pub(crate) desc: u64,
    /// Avail ring address.
    pub(crate) avail: u64,
    /// Used ring address.
    pub(crate) used: u64,
    /// Driver's next avail index.
    pub(crate) avail_idx: u16,
    /// Next descriptor to hand out (round robin).
    pub(crate) next_desc: u16,
    /// Used entries the driver has consumed.
    pub(crate) last_used: u16,
}

impl Ring {
    /// A ring of `num` entries at `base`: table, avail right after it, used
    /// at the next 4 KiB boundary. Returns the ring; zero RAM is a valid
    /// empty ring.
    pub(crate) fn new(num: u16, base: u64) -> Self {
        let desc = base;
        let avail = desc + 16 * u64::from(num);
        let avail_end = avail + 6 + 2 * u64::from(num);
        let used = (avail_end + 4095) & !4095;
        Self {
            num,
            desc,
            avail,
            used,
            avail_idx: 0,
            next_desc: 0,
            last_used: 0,
        }
    }

    /// Bytes the ring occupies from `desc`.
    pub(crate) fn size(&self) -> u64 {
        self.used + 6 + 8 * u64::from(self.num) - self.desc
    }

    /// The device's view, starting at index `last_avail`.
    pub(crate) fn queue(&self, last_avail: u16, event_idx: bool) -> SplitQueue {
        SplitQueue::new(
            self.num, self.desc, self.avail, self.used, last_avail, event_idx,
        )
        .expect("valid ring size")
    }

    /// Starts both sides at index `idx` (driver's avail and used counters).
    pub(crate) fn start_at(&mut self, mem: &mut TestMem, idx: u16) {
        self.avail_idx = idx;
        self.last_used = idx;
        mem.put_u16(self.avail + 2, idx);
        mem.put_u16(self.used + 2, idx);
    }

    /// Writes descriptor `i` of the table at `table`.
    pub(crate) fn put_desc(
        mem: &mut TestMem,
        table: u64,
        i: u16,
        addr: u64,
        len: u32,
        flags: u16,
        next: u16,
    ) {
        let at = table + 16 * u64::from(i);
        mem.put_u64(at, addr);
        mem.put_u32(at + 8, len);
        mem.put_u16(at + 12, flags);
        mem.put_u16(at + 14, next);
    }

    /// Writes descriptor `i` of the ring's table.
    pub(crate) fn desc(
        &self,
        mem: &mut TestMem,
        i: u16,
        addr: u64,
        len: u32,
        flags: u16,
        next: u16,
    ) {
        Self::put_desc(mem, self.desc, i, addr, len, flags, next);
    }

    /// Makes `head` available (ring entry, then index).
    pub(crate) fn publish(&mut self, mem: &mut TestMem, head: u16) {
        let slot = self.avail_idx % self.num;
        mem.put_u16(self.avail + 4 + 2 * u64::from(slot), head);
        self.avail_idx = self.avail_idx.wrapping_add(1);
        mem.put_u16(self.avail + 2, self.avail_idx);
    }

    /// Lays `bufs` out as a chain in free descriptors and publishes it;
    /// returns the head.
    pub(crate) fn add(&mut self, mem: &mut TestMem, bufs: &[Buf]) -> u16 {
        let head = self.next_desc;
        for (k, &(addr, len, write)) in bufs.iter().enumerate() {
            let i = (head + k as u16) % self.num;
            let last = k + 1 == bufs.len();
            let mut flags = if write { DESC_F_WRITE } else { 0 };
            if !last {
                flags |= DESC_F_NEXT;
            }
            self.desc(mem, i, addr, len, flags, (i + 1) % self.num);
        }
        self.next_desc = (head + bufs.len().max(1) as u16) % self.num;
        self.publish(mem, head);
        head
    }

    /// Lays `bufs` out as an indirect table at `table` behind one
    /// descriptor and publishes it; returns the head.
    pub(crate) fn add_indirect(&mut self, mem: &mut TestMem, table: u64, bufs: &[Buf]) -> u16 {
        for (k, &(addr, len, write)) in bufs.iter().enumerate() {
            let last = k + 1 == bufs.len();
            let mut flags = if write { DESC_F_WRITE } else { 0 };
            if !last {
                flags |= DESC_F_NEXT;
            }
            Self::put_desc(mem, table, k as u16, addr, len, flags, k as u16 + 1);
        }
        let head = self.next_desc;
        self.desc(mem, head, table, 16 * bufs.len() as u32, DESC_F_INDIRECT, 0);
        self.next_desc = (head + 1) % self.num;
        self.publish(mem, head);
        head
    }

    /// `used.idx` as the device left it.
    pub(crate) fn used_idx(&self, mem: &TestMem) -> u16 {
        mem.get_u16(self.used + 2)
    }

    /// Used element number `i` (ring index, not wrapped): `(id, len)`.
    pub(crate) fn used_elem(&self, mem: &TestMem, i: u16) -> (u32, u32) {
        let slot = u64::from(i % self.num);
        let at = self.used + 4 + 8 * slot;
        (mem.get_u32(at), mem.get_u32(at + 4))
    }

    /// Takes the next used element, if the device published one.
    pub(crate) fn take_used(&mut self, mem: &TestMem) -> Option<(u32, u32)> {
        if self.used_idx(mem) == self.last_used {
            return None;
        }
        let e = self.used_elem(mem, self.last_used);
        self.last_used = self.last_used.wrapping_add(1);
        Some(e)
    }

    /// Sets `avail.flags`.
    pub(crate) fn set_avail_flags(&self, mem: &mut TestMem, flags: u16) {
        mem.put_u16(self.avail, flags);
    }

    /// Sets `used_event` (after the avail ring).
    pub(crate) fn set_used_event(&self, mem: &mut TestMem, v: u16) {
        mem.put_u16(self.avail + 4 + 2 * u64::from(self.num), v);
    }

    /// `avail_event` (after the used ring) as the device left it.
    pub(crate) fn avail_event(&self, mem: &TestMem) -> u16 {
        mem.get_u16(self.used + 4 + 8 * u64::from(self.num))
    }
}
