// SPDX-License-Identifier: GPL-2.0

//! Guest memory as a simulated device sees it: every access is translated
//! through one address space and then copied from a physical address or,
//! when the device has adopted its owner's mm, from a user address.
//!
//! Physical-address runs hold the address-space lock for the whole worker
//! run ([`Source::Held`]): a mapping cannot be removed (and its pages
//! unpinned by `vhost_vdpa`) while the device still copies through it.
//! User-address runs cannot hold it, since a user copy may fault and take
//! the mmap lock, which `vhost_vdpa` holds around `dma_map`/`set_map`. They
//! translate through a small cache of translations instead
//! ([`Source::Shared`]), dropped whenever the maps' generation changes; a
//! copy racing with an unmap reaches the owner's memory, never the
//! kernel's.

use core::sync::atomic::{AtomicU64, Ordering};

use kernel::sync::Mutex;

use super::maps::Maps;
use crate::abi::guest::{self, MmUse};
use crate::logic::iova_map::{Access, Piece};
use crate::logic::vring::{GuestMem, VringError};

/// Where translations come from.
#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    /// The maps, locked by the caller for the run.
    Held(&'a Maps),
    /// The maps' lock, taken per cache miss, and their generation counter.
    Shared(&'a Mutex<Maps>, &'a AtomicU64),
}

/// What a worker run reaches memory through.
#[derive(Clone, Copy)]
pub(crate) struct MemCtx<'a> {
    /// The translations.
    pub(crate) src: Source<'a>,
    /// The adopted mm of the owner, for `use_va` devices bound to one.
    pub(crate) user: Option<&'a MmUse<'a>>,
}

impl<'a> MemCtx<'a> {
    /// Memory seen through address space `asid`.
    pub(crate) fn mem(&self, asid: usize) -> SimMem<'a> {
        SimMem { ctx: *self, asid, cache: [Cached::EMPTY; CACHE], next: 0, gen: u64::MAX }
    }
}

const CACHE: usize = 8;

#[derive(Clone, Copy)]
struct Cached {
    iova: u64,
    len: u64,
    addr: u64,
    write: bool,
}

impl Cached {
    const EMPTY: Self = Self { iova: 0, len: 0, addr: 0, write: false };
}

/// Guest memory through one address space (see the module docs).
pub(crate) struct SimMem<'a> {
    ctx: MemCtx<'a>,
    asid: usize,
    cache: [Cached; CACHE],
    next: usize,
    gen: u64,
}

impl SimMem<'_> {
    fn translate(&mut self, iova: u64, len: u64, access: Access) -> Option<Piece> {
        let (maps, gen) = match self.ctx.src {
            Source::Held(maps) => return maps.get(self.asid)?.translate(iova, len, access),
            Source::Shared(maps, gen) => (maps, gen),
        };
        let g = gen.load(Ordering::Acquire);
        if g != self.gen {
            self.cache = [Cached::EMPTY; CACHE];
            self.gen = g;
        }
        let write = access == Access::Write;
        for c in &self.cache {
            let off = iova.wrapping_sub(c.iova);
            if c.write == write && iova >= c.iova && off < c.len {
                return Some(Piece { addr: c.addr.wrapping_add(off), len: len.min(c.len - off) });
            }
        }
        // Translate as far as the mapping goes, so the next accesses to it
        // hit the cache.
        let want = (u64::MAX - iova).max(1);
        let p = maps.lock().get(self.asid)?.translate(iova, want, access)?;
        if let Some(slot) = self.cache.get_mut(self.next) {
            *slot = Cached { iova, len: p.len, addr: p.addr, write };
        }
        self.next = (self.next + 1) % CACHE;
        Some(Piece { addr: p.addr, len: len.min(p.len) })
    }

    fn copy(&mut self, iova: u64, len: usize, access: Access, mut f: impl FnMut(Option<&MmUse<'_>>, u64, usize, usize) -> bool) -> Result<(), VringError> {
        let mut done = 0usize;
        while done < len {
            let at = iova.checked_add(done as u64).ok_or(VringError::Fault)?;
            let rest = (len - done) as u64;
            let p = self.translate(at, rest, access).ok_or(VringError::Fault)?;
            // `p.len` is at most `rest`, which fits in usize.
            let n = p.len.min(rest) as usize;
            if n == 0 || !f(self.ctx.user, p.addr, done, n) {
                return Err(VringError::Fault);
            }
            done += n;
        }
        Ok(())
    }
}

impl GuestMem for SimMem<'_> {
    fn read(&mut self, iova: u64, buf: &mut [u8]) -> Result<(), VringError> {
        let len = buf.len();
        self.copy(iova, len, Access::Read, |user, addr, off, n| {
            let Some(dst) = buf.get_mut(off..off + n) else { return false };
            match user {
                Some(mm) => guest::user_read(mm, addr, dst).is_ok(),
                None => guest::phys_read(addr, dst).is_ok(),
            }
        })
    }

    fn write(&mut self, iova: u64, data: &[u8]) -> Result<(), VringError> {
        self.copy(iova, data.len(), Access::Write, |user, addr, off, n| {
            let Some(src) = data.get(off..off + n) else { return false };
            match user {
                Some(mm) => guest::user_write(mm, addr, src).is_ok(),
                None => guest::phys_write(addr, src).is_ok(),
            }
        })
    }

    fn read_u16(&mut self, iova: u64) -> Result<u16, VringError> {
        let p = self.translate(iova, 2, Access::Read).ok_or(VringError::Fault)?;
        if p.len < 2 || p.addr & 1 != 0 {
            // Split by the mapping or unaligned: the driver broke the ring
            // layout, so only the bytes matter.
            let mut b = [0u8; 2];
            self.read(iova, &mut b)?;
            return Ok(u16::from_le_bytes(b));
        }
        let v = match self.ctx.user {
            Some(mm) => guest::user_read_u16(mm, p.addr),
            None => guest::phys_read_u16(p.addr),
        };
        v.map(u16::from_le).map_err(|_| VringError::Fault)
    }

    fn write_u16(&mut self, iova: u64, val: u16) -> Result<(), VringError> {
        let p = self.translate(iova, 2, Access::Write).ok_or(VringError::Fault)?;
        if p.len < 2 || p.addr & 1 != 0 {
            return self.write(iova, &val.to_le_bytes());
        }
        let r = match self.ctx.user {
            Some(mm) => guest::user_write_u16(mm, p.addr, val.to_le()),
            None => guest::phys_write_u16(p.addr, val.to_le()),
        };
        r.map_err(|_| VringError::Fault)
    }
}
