// SPDX-License-Identifier: GPL-2.0

//! PA-mode pinning arithmetic (contract B.6, `vhost_vdpa_pa_map`): the page
//! count of an UPDATE, the RLIMIT_MEMLOCK test, the pin chunks and the
//! coalescing of pinned pages into physically contiguous runs, each of
//! which becomes one IOTLB entry.
//!
//! Pages are 4 KiB (x86-64).

/// `PAGE_SHIFT`.
pub(crate) const PAGE_SHIFT: u32 = 12;
/// `PAGE_SIZE`.
pub(crate) const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;
/// Pages pinned per `pin_user_pages` call upstream: one page of page
/// pointers, `PAGE_SIZE / sizeof(struct page *)`.
pub(crate) const PIN_CHUNK_PAGES: usize = 512;

/// Number of pages an UPDATE of `size` bytes at `iova` pins:
/// `ceil((size + iova % 4096) / 4096)`, or `None` where the C refuses the
/// map with EINVAL.
///
/// The C (this tree, with the fix "reject overflowing PA map page counts")
/// refuses `size > ULONG_MAX - page_offset`, then computes
/// `PFN_UP(size + page_offset)` and refuses a zero count. `PFN_UP` adds
/// `PAGE_SIZE - 1`, which wraps to a count of 0 for sums within 4095 of
/// `u64::MAX`, so those are refused too. Here every step is checked: the
/// answer is `None` exactly for those inputs (and for `size == 0` at a
/// page-aligned `iova`), never a wrapped small count.
pub(crate) fn page_count(iova: u64, size: u64) -> Option<u64> {
    let offset = iova & (PAGE_SIZE - 1);
    let bytes = size.checked_add(offset)?;
    let npages = bytes.checked_add(PAGE_SIZE - 1)? >> PAGE_SHIFT;
    (npages != 0).then_some(npages)
}

/// `PFN_DOWN(rlimit(RLIMIT_MEMLOCK))`: the limit in pages (an infinite
/// rlimit is `u64::MAX` bytes).
pub(crate) fn limit_pages(rlimit_bytes: u64) -> u64 {
    rlimit_bytes >> PAGE_SHIFT
}

/// Whether `npages` more pinned pages fit under the limit:
/// `npages + pinned_vm <= limit` (C: `> lock_limit` → ENOMEM), without
/// overflow: a sum past `u64::MAX` does not fit. No CAP_IPC_LOCK bypass.
pub(crate) fn memlock_ok(npages: u64, pinned_vm_pages: u64, limit_pages: u64) -> bool {
    npages
        .checked_add(pinned_vm_pages)
        .is_some_and(|total| total <= limit_pages)
}

/// Pages to pin in the next `pin_user_pages` call: at most `per_chunk`
/// (the capacity of the caller's page buffer) and at most `remaining`.
/// `None` when nothing is left or the buffer has no room, so a loop
/// `while let Some(n) = chunk_pages(..)` always ends: each step pins at
/// least one page, and never asks for more than one buffer.
pub(crate) fn chunk_pages(remaining: u64, per_chunk: usize) -> Option<usize> {
    if remaining == 0 || per_chunk == 0 {
        return None;
    }
    // Past usize::MAX, `remaining` is larger than any buffer anyway.
    let remaining = usize::try_from(remaining).unwrap_or(usize::MAX);
    Some(core::cmp::min(remaining, per_chunk))
}

/// One physically contiguous run of pinned pages: one IOTLB entry mapping
/// `iova..iova + npages * 4096` to the physical address of `pfn`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Run {
    /// First IOVA, page aligned.
    pub(crate) iova: u64,
    /// First page frame number.
    pub(crate) pfn: u64,
    /// Number of pages (at least 1).
    pub(crate) npages: u64,
}

impl Run {
    /// Length in bytes (`PFN_PHYS(npages)`); `None` past `u64::MAX`.
    pub(crate) fn size(&self) -> Option<u64> {
        self.npages.checked_mul(PAGE_SIZE)
    }

    /// Physical address of the first page (`PFN_PHYS(pfn)`); `None` past
    /// `u64::MAX`.
    pub(crate) fn pa(&self) -> Option<u64> {
        self.pfn.checked_mul(PAGE_SIZE)
    }
}

/// Coalesces the pfns of one UPDATE, fed in IOVA order, into maximal runs
/// of consecutive pfns, as `vhost_vdpa_pa_map` does: a run ends where the
/// next pfn is not the previous one plus 1; runs follow each other in IOVA
/// from the page-aligned start.
///
/// Difference from upstream: the C uses `last_pfn == 0` to mean "no page
/// yet", so a pfn 0 would not end a run (and a run would be measured from
/// the wrong start). Here pfn 0 is an ordinary pfn; x86 never hands it to
/// user space, so the difference cannot be observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Runs {
    /// IOVA of the current run's first page.
    iova: u64,
    /// The current run: first pfn and length; `None` before the first pfn.
    cur: Option<(u64, u64)>,
}

impl Runs {
    /// Runs of an UPDATE at `iova` (rounded down to its page).
    pub(crate) fn new(iova: u64) -> Self {
        Self {
            iova: iova & !(PAGE_SIZE - 1),
            cur: None,
        }
    }

    /// Adds the next pinned page. Returns the finished run when `pfn` does
    /// not continue the current one.
    ///
    /// The IOVA of the next run advances by 4096 per page with wrapping
    /// arithmetic: it cannot wrap when the caller feeds at most
    /// [`page_count`] pfns of a range [`update_range`] accepted, since that
    /// range ends at or below `u64::MAX`.
    ///
    /// [`update_range`]: super::msg::update_range
    pub(crate) fn push(&mut self, pfn: u64) -> Option<Run> {
        let Some((start, n)) = self.cur else {
            self.cur = Some((pfn, 1));
            return None;
        };
        if start.checked_add(n) == Some(pfn) {
            // `n` counts pages fed, so it cannot reach u64::MAX here.
            self.cur = Some((start, n.wrapping_add(1)));
            return None;
        }
        let run = Run {
            iova: self.iova,
            pfn: start,
            npages: n,
        };
        self.iova = self.iova.wrapping_add(n.wrapping_mul(PAGE_SIZE));
        self.cur = Some((pfn, 1));
        Some(run)
    }

    /// The last run, if any page was fed. The builder is then empty, its
    /// IOVA past that run.
    pub(crate) fn finish(&mut self) -> Option<Run> {
        let (start, n) = self.cur.take()?;
        let run = Run {
            iova: self.iova,
            pfn: start,
            npages: n,
        };
        self.iova = self.iova.wrapping_add(n.wrapping_mul(PAGE_SIZE));
        Some(run)
    }
}
