// SPDX-License-Identifier: GPL-2.0

//! Software IOTLB of one simulator address space.
//!
//! The simulator keeps one map per ASID. A fresh map is in *pass-through*:
//! every IOVA translates to itself with read and write permission. The first
//! `dma_map`, `dma_unmap` or `set_map` drops pass-through and the map then
//! holds explicit entries only; `reset_map` and a compat reset with
//! `CLEAN_MAP` go back to pass-through.
//!
//! Entries are kept sorted by start address in a caller-provided vector
//! ([`EntryVec`]: a `KVec` in the kernel, a `Vec` on the host) and never
//! overlap, so a translation is a binary search.
//!
//! Differences from upstream's `vhost_iotlb` (interval tree), listed in
//! `Documentation/`:
//! * an entry overlapping an existing one is refused with
//!   [`MapError::Exists`]; the tree would accept it, but `vhost_vdpa`
//!   never sends overlapping ranges;
//! * `last < start` is [`MapError::Invalid`] (EINVAL) where the tree says
//!   EFAULT; `vhost_vdpa` checks the range before it gets here;
//! * a permission outside `1..=3`, or a mapping whose translated end would
//!   pass `u64::MAX`, is refused with [`MapError::Invalid`];
//! * pass-through is a flag, not two stored identity entries, so
//!   [`IovaMap::len`] is 0 in pass-through.

use core::cmp::min;

/// Device may read through the entry (`VHOST_MAP_RO`).
pub(crate) const PERM_RO: u8 = 1;
/// Device may write through the entry (`VHOST_MAP_WO`).
pub(crate) const PERM_WO: u8 = 2;
/// Device may read and write (`VHOST_MAP_RW`).
pub(crate) const PERM_RW: u8 = 3;

/// One mapping: IOVAs `start..=last` translate to `addr..`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// First IOVA covered.
    pub(crate) start: u64,
    /// Last IOVA covered (inclusive).
    pub(crate) last: u64,
    /// Translation of `start` (a user VA or a physical address).
    pub(crate) addr: u64,
    /// Permission bits, [`PERM_RO`] / [`PERM_WO`] / [`PERM_RW`].
    pub(crate) perm: u8,
}

/// Why a map update failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MapError {
    /// The entry vector could not grow (ENOMEM).
    NoMem,
    /// The map already holds its limit of entries (ENOSPC).
    NoSpace,
    /// Bad range or permission (EINVAL).
    Invalid,
    /// The range overlaps an existing entry (EEXIST).
    Exists,
}

/// Backing store of entries, sorted by `start`; kernel: `KVec<Entry>`, host:
/// `Vec<Entry>`.
pub(crate) trait EntryVec {
    /// The entries, in order.
    fn entries(&self) -> &[Entry];
    /// The entries, mutable (the map keeps them sorted).
    fn entries_mut(&mut self) -> &mut [Entry];
    /// Appends one entry; `Err(MapError::NoMem)` if allocation fails.
    fn try_push(&mut self, e: Entry) -> Result<(), MapError>;
    /// Shortens to `len` entries (`len` <= current length).
    fn truncate(&mut self, len: usize);
}

/// Where an access landed: `addr` is the translated address of the IOVA;
/// `len` is how many bytes from there are contiguous in one entry (at most
/// the length asked for, at least 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Piece {
    /// Translated address of the first byte.
    pub(crate) addr: u64,
    /// Contiguous bytes from `addr`.
    pub(crate) len: u64,
}

/// Direction of a device access, for the permission check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// The device reads guest memory (needs [`PERM_RO`]).
    Read,
    /// The device writes guest memory (needs [`PERM_WO`]).
    Write,
}

/// The IOTLB of one address space.
pub(crate) struct IovaMap<V: EntryVec> {
    entries: V,
    limit: usize,
    passthrough: bool,
    generation: u64,
}

/// Whether `e` shares at least one IOVA with `start..=last`.
fn overlaps(e: &Entry, start: u64, last: u64) -> bool {
    e.start <= last && e.last >= start
}

impl<V: EntryVec> IovaMap<V> {
    /// New map in identity pass-through (the simulator's default), holding at
    /// most `limit` entries once explicit mappings are made. Any entry
    /// already in `entries` is dropped.
    pub(crate) fn new(mut entries: V, limit: usize) -> Self {
        entries.truncate(0);
        Self {
            entries,
            limit,
            passthrough: true,
            generation: 0,
        }
    }

    /// Whether the map is in identity pass-through.
    pub(crate) fn is_passthrough(&self) -> bool {
        self.passthrough
    }

    /// Number of explicit entries (0 in pass-through).
    pub(crate) fn len(&self) -> usize {
        self.entries.entries().len()
    }

    /// Whether there is no explicit entry (always true in pass-through).
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entry limit given at creation.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// The explicit entries, sorted by start (empty in pass-through).
    pub(crate) fn entries(&self) -> &[Entry] {
        self.entries.entries()
    }

    /// Bumped on every change (the kernel side uses it to invalidate cached
    /// translations).
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    fn bump(&mut self) {
        self.generation = self.generation.wrapping_add(1);
    }

    /// Back to identity pass-through, all entries dropped (`reset_map`,
    /// compat reset with `CLEAN_MAP`).
    pub(crate) fn set_passthrough(&mut self) {
        self.entries.truncate(0);
        self.passthrough = true;
        self.bump();
    }

    /// Empty and not pass-through: nothing translates (first step of
    /// `set_map`, and of `dma_map`/`dma_unmap` on a pass-through map).
    pub(crate) fn clear(&mut self) {
        self.entries.truncate(0);
        self.passthrough = false;
        self.bump();
    }

    /// `dma_map`: if in pass-through, [`clear`](Self::clear) first; then map
    /// `start..=last` to `addr..` with `perm`.
    ///
    /// The whole 64-bit range is stored as two halves, as upstream does (its
    /// size would not fit in a `u64`), so it needs two free slots.
    ///
    /// # Errors
    ///
    /// [`MapError::Invalid`] if `last < start`, `perm` is not in `1..=3` or
    /// the translated end passes `u64::MAX`; [`MapError::NoSpace`] if the
    /// limit is reached; [`MapError::Exists`] on overlap with an entry;
    /// [`MapError::NoMem`] if the vector cannot grow. The pass-through
    /// clearing is not undone on error (as upstream).
    pub(crate) fn add(
        &mut self,
        start: u64,
        last: u64,
        addr: u64,
        perm: u8,
    ) -> Result<(), MapError> {
        if self.passthrough {
            self.clear();
        }
        if last < start || !(1..=PERM_RW).contains(&perm) {
            return Err(MapError::Invalid);
        }
        if start == 0 && last == u64::MAX {
            let mid = u64::MAX / 2;
            if self.limit < 2 || self.len() > self.limit - 2 {
                return Err(MapError::NoSpace);
            }
            let hi_addr = addr
                .checked_add(mid)
                .and_then(|a| a.checked_add(1))
                .ok_or(MapError::Invalid)?;
            // Both halves are validated before the first one is inserted.
            if hi_addr.checked_add(mid).is_none() {
                return Err(MapError::Invalid);
            }
            self.insert(Entry {
                start: 0,
                last: mid,
                addr,
                perm,
            })?;
            return self.insert(Entry {
                start: mid + 1,
                last,
                addr: hi_addr,
                perm,
            });
        }
        if addr.checked_add(last - start).is_none() {
            return Err(MapError::Invalid);
        }
        self.insert(Entry {
            start,
            last,
            addr,
            perm,
        })
    }

    /// Inserts one validated entry at its sorted place.
    fn insert(&mut self, e: Entry) -> Result<(), MapError> {
        if self.len() >= self.limit {
            return Err(MapError::NoSpace);
        }
        let list = self.entries.entries();
        // First entry starting after `e.start`.
        let idx = list.partition_point(|x| x.start <= e.start);
        let before = idx.checked_sub(1).and_then(|i| list.get(i));
        if before.is_some_and(|b| overlaps(b, e.start, e.last))
            || list.get(idx).is_some_and(|a| overlaps(a, e.start, e.last))
        {
            return Err(MapError::Exists);
        }
        self.entries.try_push(e)?;
        if let Some(tail) = self.entries.entries_mut().get_mut(idx..) {
            tail.rotate_right(1);
        }
        self.bump();
        Ok(())
    }

    /// `dma_unmap`: if in pass-through, [`clear`](Self::clear) first; then
    /// delete every entry overlapping `start..=last` (whole entries, no
    /// splitting).
    ///
    /// # Errors
    ///
    /// [`MapError::Invalid`] if `last < start`.
    pub(crate) fn del(&mut self, start: u64, last: u64) -> Result<(), MapError> {
        if self.passthrough {
            self.clear();
        }
        if last < start {
            return Err(MapError::Invalid);
        }
        let list = self.entries.entries_mut();
        let mut kept = 0usize;
        for i in 0..list.len() {
            let Some(&e) = list.get(i) else { break };
            if overlaps(&e, start, last) {
                continue;
            }
            if let Some(slot) = list.get_mut(kept) {
                *slot = e;
            }
            kept += 1;
        }
        let removed = kept != list.len();
        self.entries.truncate(kept);
        if removed {
            self.bump();
        }
        Ok(())
    }

    /// `set_map`: [`clear`](Self::clear), then [`add`](Self::add) every entry
    /// of `it`.
    ///
    /// # Errors
    ///
    /// The first error of [`add`](Self::add); the map is then left empty
    /// (not pass-through), as upstream.
    pub(crate) fn replace<I: Iterator<Item = Entry>>(&mut self, it: I) -> Result<(), MapError> {
        self.clear();
        for e in it {
            if let Err(err) = self.add(e.start, e.last, e.addr, e.perm) {
                self.clear();
                return Err(err);
            }
        }
        Ok(())
    }

    /// Translates the first piece of an access of `len` (>= 1) bytes at
    /// `iova`.
    ///
    /// Pass-through: identity with read and write permission, the piece runs
    /// to the end of the access or of the 64-bit space. Otherwise the entry
    /// covering `iova` must exist and allow `access`; the piece ends with
    /// the access or the entry. `None` if `len` is 0, nothing covers `iova`,
    /// the permission is lacking, or the translation would pass `u64::MAX`.
    pub(crate) fn translate(&self, iova: u64, len: u64, access: Access) -> Option<Piece> {
        if len == 0 {
            return None;
        }
        if self.passthrough {
            // Bytes from `iova` to the end of the space; None means 2^64.
            let room = (u64::MAX - iova).checked_add(1);
            let len = room.map_or(len, |r| min(r, len));
            return Some(Piece { addr: iova, len });
        }
        let list = self.entries.entries();
        let idx = list.partition_point(|x| x.start <= iova).checked_sub(1)?;
        let e = list.get(idx)?;
        if e.last < iova {
            return None;
        }
        let need = match access {
            Access::Read => PERM_RO,
            Access::Write => PERM_WO,
        };
        if e.perm & need == 0 {
            return None;
        }
        let addr = e.addr.checked_add(iova - e.start)?;
        let room = (e.last - iova).checked_add(1);
        let len = room.map_or(len, |r| min(r, len));
        // The piece's last translated byte must not wrap.
        addr.checked_add(len - 1)?;
        Some(Piece { addr, len })
    }
}
