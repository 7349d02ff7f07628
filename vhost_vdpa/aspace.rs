// SPDX-License-Identifier: GPL-2.0

//! The IOTLB message path: per-ASID address spaces created on demand, and
//! the mapping behind every entry.
//!
//! Each address space is a `vhost_iotlb` (the type `set_map` receives)
//! that holds what user space mapped: in PA mode one entry per physically
//! contiguous run of long-term pinned pages, accounted in the owner's
//! `pinned_vm`; in VA mode (`use_va` parents) one entry per shared file
//! VMA piece, with a `vdpa_map_file` as its cookie. The parent hears of
//! every change: `dma_map`/`dma_unmap` per entry, or `set_map` with the
//! whole tree once per change (once per batch while batching).

use core::ffi::c_void;
use core::ptr;

use kernel::prelude::*;

use crate::abi::config_ops::eopnotsupp;

use crate::abi::bindings;
use crate::abi::bus::BusDevice;
use crate::abi::iotlb::{Asid, Iotlb, Map, Perm};
use crate::abi::ops_table::Op;
use crate::abi::user_mem::{self, FileRef, OwnerMm};
use crate::logic::args::IovaRange;
use crate::logic::msg::{self, Batch, Msg, Plan};
use crate::logic::pages::{self, Runs, PAGE_SIZE, PIN_CHUNK_PAGES};
use crate::logic::uapi::VHOST_ACCESS_WO;
use crate::session::errno;

/// The `max_iotlb_entries` parameter.
fn max_entries() -> i32 {
    // SAFETY: reads an int module parameter of this module.
    unsafe { bindings::vhost_vdpa_rs_max_iotlb_entries() }
}

/// The address spaces of an open node, indexed by ASID.
pub(crate) struct Spaces {
    list: KVec<Option<Iotlb>>,
}

impl Spaces {
    /// No address space.
    pub(crate) fn new() -> Self {
        Self { list: KVec::new() }
    }

    /// Room for the device's address spaces, none created yet.
    pub(crate) fn open(&mut self, dev: &BusDevice) -> Result {
        let mut list = KVec::with_capacity(dev.nas() as usize, GFP_KERNEL)?;
        for _ in 0..dev.nas() {
            list.push(None, GFP_KERNEL)?;
        }
        self.list = list;
        Ok(())
    }

    /// Whether address space `asid` was created.
    pub(crate) fn exists(&self, asid: u32) -> bool {
        self.list.get(asid as usize).is_some_and(Option::is_some)
    }

    /// Release: every created address space is emptied (unmapped and
    /// unpinned, with `dma_unmap` for `dma_map` parents but no `set_map`)
    /// and put back to the parent's default with `reset_map`.
    pub(crate) fn release(&mut self, dev: &BusDevice, owner: Option<&OwnerMm>) {
        for (i, slot) in self.list.iter_mut().enumerate() {
            let Some(mut tlb) = slot.take() else { continue };
            let Some(asid) = dev.asid(i as u32) else { continue };
            unmap(dev, owner, asid, &mut tlb, 0, u64::MAX);
            dev.ops().reset_map(asid);
        }
        self.list = KVec::new();
    }

    /// Carries out one parsed message of the owner.
    pub(crate) fn handle(
        &mut self,
        dev: &BusDevice,
        owner: Option<&OwnerMm>,
        batch: &mut Batch,
        range: IovaRange,
        m: &Msg,
    ) -> Result {
        let limit = max_entries();
        // No address space can be created with a limit of 0 or less.
        let nas = if limit <= 0 { 0 } else { dev.nas() };
        let exists = self.exists(m.asid);
        if msg::creates_as(m, nas, exists) {
            let slot = self.list.get_mut(m.asid as usize).ok_or(EINVAL)?;
            *slot = Some(Iotlb::new(limit as u32, false)?);
        }
        let plan = batch.plan(m, nas, exists).map_err(errno)?;
        let asid = dev.asid(m.asid).ok_or(EINVAL)?;
        let tlb = self.list.get_mut(m.asid as usize).and_then(Option::as_mut).ok_or(EINVAL)?;
        let in_batch = batch.in_batch();
        match plan {
            Plan::Update { .. } => {
                let last = msg::update_range(m.iova, m.size, range.first, range.last).map_err(errno)?;
                if tlb.view().overlapping(m.iova, last).next().is_some() {
                    return Err(EEXIST);
                }
                let mut ctx = MapCtx { dev, asid, tlb, in_batch, owner };
                let perm = Perm::unchecked(m.perm);
                if dev.use_va() {
                    ctx.va_map(m.iova, m.size, m.uaddr, perm)
                } else {
                    ctx.pa_map(m.iova, m.size, m.uaddr, perm)
                }
            }
            Plan::Invalidate => {
                invalidate(dev, owner, asid, tlb, m.iova, m.size);
                push_tree(dev, asid, tlb, in_batch);
                Ok(())
            }
            Plan::BatchBegin { .. } => Ok(()),
            Plan::BatchEnd { commit } => {
                if commit {
                    // Upstream ignores the result of the batch's set_map.
                    let _ = dev.ops().set_map(asid, tlb.view());
                }
                Ok(())
            }
        }
    }
}

/// For `set_map` parents outside a batch: hands the parent the whole tree.
fn push_tree(dev: &BusDevice, asid: Asid, tlb: &Iotlb, in_batch: bool) -> Option<Result> {
    if in_batch {
        return None;
    }
    dev.ops().set_map(asid, tlb.view())
}

/// Undoes what mapping `m` did: the pins and their accounting, or the
/// VMA file reference; then `dma_unmap` for `dma_map` parents; then the
/// entry goes from the tree.
fn unmap_entry(dev: &BusDevice, owner: Option<&OwnerMm>, asid: Asid, tlb: &mut Iotlb, m: &Map) {
    let size = m.last.wrapping_sub(m.start).wrapping_add(1);
    if dev.use_va() {
        if !m.opaque.is_null() {
            // SAFETY: every VA entry's cookie is a boxed `vdpa_map_file`
            // made by `va_map`, with a file reference, freed only here.
            let mf = unsafe { KBox::from_raw(m.opaque.cast::<bindings::vdpa_map_file>()) };
            // SAFETY: the reference `va_map` stored.
            drop(unsafe { FileRef::from_raw(mf.file) });
        }
    } else {
        let npages = size >> pages::PAGE_SHIFT;
        // SAFETY: PA entries are runs of pages pinned once each by
        // `pa_map`, unpinned only here.
        unsafe { user_mem::unpin_pfns(m.addr >> pages::PAGE_SHIFT, npages, m.perm & u32::from(VHOST_ACCESS_WO) != 0) };
        if let Some(o) = owner {
            o.account_pinned(-(npages as i64));
        }
    }
    if dev.ops().has(Op::DmaMap) {
        let _ = dev.ops().dma_unmap(asid, m.start, size);
    }
    tlb.del(m.start, m.last);
}

/// Removes every entry overlapping `start..=last`.
fn unmap(dev: &BusDevice, owner: Option<&OwnerMm>, asid: Asid, tlb: &mut Iotlb, start: u64, last: u64) {
    loop {
        let next = tlb.view().overlapping(start, last).next();
        let Some(m) = next else { break };
        unmap_entry(dev, owner, asid, tlb, &m);
    }
}

/// INVALIDATE of `iova`/`size`: removes the entries upstream's interval
/// query selects for `iova..=iova+size-1`, computed with wrapping
/// arithmetic (`logic::msg::invalidate_hits`).
fn invalidate(dev: &BusDevice, owner: Option<&OwnerMm>, asid: Asid, tlb: &mut Iotlb, iova: u64, size: u64) {
    if let Some((start, last)) = msg::invalidate_range(iova, size) {
        return unmap(dev, owner, asid, tlb, start, last);
    }
    // A wrapped range: only entries holding both ends match.
    loop {
        let hit = tlb.view().iter().find(|m| msg::invalidate_hits(iova, size, m.start, m.last));
        match hit {
            Some(m) => unmap_entry(dev, owner, asid, tlb, &m),
            None => break,
        }
    }
}

/// One UPDATE in progress.
struct MapCtx<'a> {
    dev: &'a BusDevice,
    asid: Asid,
    tlb: &'a mut Iotlb,
    in_batch: bool,
    owner: Option<&'a OwnerMm>,
}

impl MapCtx<'_> {
    /// Adds one entry and tells the parent; on failure the entry is gone
    /// again. PA entries are accounted in `pinned_vm`.
    fn map_one(&mut self, iova: u64, size: u64, addr: u64, perm: Perm, opaque: *mut c_void) -> Result {
        let last = iova.checked_add(size - 1).ok_or(EINVAL)?;
        self.tlb.add(iova, last, addr, perm, opaque)?;
        let ops = self.dev.ops();
        let r = if ops.has(Op::DmaMap) {
            ops.dma_map(self.asid, iova, size, addr, perm, opaque).unwrap_or(Err(eopnotsupp()))
        } else {
            push_tree(self.dev, self.asid, self.tlb, self.in_batch).unwrap_or(Ok(()))
        };
        if let Err(e) = r {
            self.tlb.del(iova, last);
            return Err(e);
        }
        if !self.dev.use_va() {
            if let Some(o) = self.owner {
                o.account_pinned((size >> pages::PAGE_SHIFT) as i64);
            }
        }
        Ok(())
    }

    /// Undoes a failed UPDATE: every entry it made goes.
    fn undo(&mut self, iova: u64, size: u64) {
        let last = iova.wrapping_add(size).wrapping_sub(1);
        if size == 0 || last < iova {
            return;
        }
        unmap(self.dev, self.owner, self.asid, self.tlb, iova, last);
        push_tree(self.dev, self.asid, self.tlb, self.in_batch);
    }

    /// VA mode: one entry per piece of a shared file mapping; other pieces
    /// are skipped.
    fn va_map(&mut self, iova: u64, size: u64, uaddr: u64, perm: Perm) -> Result {
        let owner = self.owner.ok_or(EPERM)?;
        let lock = owner.read_lock();
        let (mut u, mut left, mut at) = (uaddr, size, iova);
        let mut r = Ok(());
        while left > 0 {
            let Some(vma) = lock.vma_at(u) else {
                r = Err(EINVAL);
                break;
            };
            let piece = left.min(vma.end.wrapping_sub(u));
            if let Some(file) = vma.file {
                let offset = (vma.pgoff << pages::PAGE_SHIFT).wrapping_add(u).wrapping_sub(vma.start);
                let raw_file = file.into_raw();
                let mf = bindings::vdpa_map_file { file: raw_file, offset };
                let mf = match KBox::new(mf, GFP_KERNEL) {
                    Ok(b) => KBox::into_raw(b),
                    Err(e) => {
                        // SAFETY: the reference just taken from `file`.
                        drop(unsafe { FileRef::from_raw(raw_file) });
                        r = Err(e.into());
                        break;
                    }
                };
                if let Err(e) = self.map_one(at, piece, u, perm, mf.cast()) {
                    // SAFETY: not stored anywhere: the map failed.
                    let mf = unsafe { KBox::from_raw(mf) };
                    // SAFETY: its file reference.
                    drop(unsafe { FileRef::from_raw(mf.file) });
                    r = Err(e);
                    break;
                }
            }
            left -= piece;
            u = u.wrapping_add(piece);
            at = at.wrapping_add(piece);
        }
        if r.is_err() {
            self.undo(iova, at.wrapping_sub(iova));
        }
        drop(lock);
        r
    }

    /// PA mode: pins the range in chunks of one page of page pointers and
    /// maps every physically contiguous run as one entry.
    ///
    /// Pinning takes the lockless path (`pin_user_pages_fast`), so the
    /// mmap lock is not held across the UPDATE as upstream holds it: the
    /// pins keep the pages whatever the mm does meanwhile, and the memlock
    /// check was never exclusive (upstream's lock is shared).
    fn pa_map(&mut self, iova: u64, size: u64, uaddr: u64, perm: Perm) -> Result {
        let owner = self.owner.ok_or(EPERM)?;
        let npages = pages::page_count(iova, size).ok_or(EINVAL)?;
        let mut buf: KVec<*mut bindings::page> = KVec::with_capacity(PIN_CHUNK_PAGES, GFP_KERNEL)?;
        for _ in 0..PIN_CHUNK_PAGES {
            buf.push(ptr::null_mut(), GFP_KERNEL)?;
        }
        let write = perm.bits() & u32::from(VHOST_ACCESS_WO) != 0;
        let limit = pages::limit_pages(user_mem::rlimit_memlock());
        if !pages::memlock_ok(npages, owner.pinned_vm(), limit) {
            return Err(ENOMEM);
        }
        let mut runs = Runs::new(iova);
        let mut cur = uaddr & !(PAGE_SIZE - 1);
        let mut left = npages;
        let mut r = Ok(());
        'pin: while left > 0 {
            let Some(n) = pages::chunk_pages(left, PIN_CHUNK_PAGES) else { break };
            let chunk = &mut buf[..n];
            let pinned = match owner.pin_fast(cur, chunk, write) {
                Ok(p) => p,
                Err(e) => {
                    r = Err(e);
                    break;
                }
            };
            if pinned != n {
                // SAFETY: the pages just pinned, not mapped.
                unsafe { user_mem::unpin_pages(&chunk[..pinned]) };
                r = Err(ENOMEM);
                break;
            }
            for i in 0..pinned {
                // SAFETY: pinned above.
                let pfn = unsafe { user_mem::page_pfn(chunk[i]) };
                let Some(run) = runs.push(pfn) else { continue };
                if let Err(e) = self.map_run(&run, perm) {
                    // SAFETY: pinned and not mapped: the failed run and
                    // the rest of this chunk (page `i` is in `runs`).
                    unsafe {
                        user_mem::unpin_pfns(run.pfn, run.npages, false);
                        user_mem::unpin_pages(&chunk[i + 1..pinned]);
                    }
                    r = Err(e);
                    break 'pin;
                }
            }
            cur = cur.wrapping_add((pinned as u64) << pages::PAGE_SHIFT);
            left -= pinned as u64;
        }
        if r.is_ok() {
            if let Some(run) = runs.finish() {
                if let Err(e) = self.map_run(&run, perm) {
                    // SAFETY: pinned, not mapped.
                    unsafe { user_mem::unpin_pfns(run.pfn, run.npages, false) };
                    r = Err(e);
                }
            }
        } else if let Some(run) = runs.finish() {
            // SAFETY: pinned pages of the open run, not mapped.
            unsafe { user_mem::unpin_pfns(run.pfn, run.npages, false) };
        }
        if r.is_err() {
            self.undo(iova, size);
        }
        r
    }

    fn map_run(&mut self, run: &pages::Run, perm: Perm) -> Result {
        let size = run.size().ok_or(EINVAL)?;
        let pa = run.pa().ok_or(EINVAL)?;
        self.map_one(run.iova, size, pa, perm, ptr::null_mut())
    }
}
