// SPDX-License-Identifier: GPL-2.0

//! The memory of the process that owns a vhost-vdpa device: [`OwnerMm`]
//! (its mm, kept with `get_task_mm`), long-term pinning of its pages
//! ([`OwnerMm::pin_fast`]), the VMAs behind a range
//! ([`MmapRead::vma_at`]) and the `pinned_vm` counter that RLIMIT_MEMLOCK
//! is checked against.

use core::ptr::NonNull;

use kernel::prelude::*;

use super::bindings;
use super::config_ops::Mm;

/// The owner's mm, with a user reference (`get_task_mm`, `mmput`): its
/// mappings stay until the reference goes.
///
/// # Invariants
///
/// `0` is an mm on which this value owns one `mm_users` reference.
pub(crate) struct OwnerMm(NonNull<bindings::mm_struct>);

// SAFETY: an mm reference may be used and dropped on any thread.
unsafe impl Send for OwnerMm {}
// SAFETY: `&OwnerMm` reads counters and takes the mmap lock, both
// synchronised by the mm.
unsafe impl Sync for OwnerMm {}

impl OwnerMm {
    /// The calling process's mm; `None` for a kernel thread.
    pub(crate) fn current() -> Option<Self> {
        // SAFETY: `current` is always valid; `get_task_mm` returns a
        // referenced mm or NULL.
        let mm = unsafe { bindings::get_task_mm(bindings::vdpa_rs_current()) };
        NonNull::new(mm).map(Self)
    }

    /// Whether the calling process runs in this mm.
    pub(crate) fn is_current(&self) -> bool {
        // SAFETY: reading `current->mm` of the calling thread.
        unsafe { bindings::vdpa_rs_current_mm() == self.0.as_ptr() }
    }

    /// The mm, for `bind_mm`.
    pub(crate) fn mm(&self) -> &Mm {
        // SAFETY: referenced (type invariant).
        unsafe { Mm::from_raw(self.0.as_ptr()) }
    }

    /// Pages pinned long-term in this mm (`pinned_vm`, `VmPin`).
    pub(crate) fn pinned_vm(&self) -> u64 {
        // SAFETY: referenced (type invariant); an atomic read.
        let v = unsafe { bindings::vdpa_rs_pinned_vm(self.0.as_ptr()) };
        u64::try_from(v).unwrap_or(0)
    }

    /// Adds `pages` (negative: subtracts) to `pinned_vm`.
    pub(crate) fn account_pinned(&self, pages: i64) {
        // SAFETY: referenced (type invariant); an atomic add.
        unsafe { bindings::vdpa_rs_pinned_vm_add(self.0.as_ptr(), pages) };
    }

    /// Pins, long-term, the `pages.len()` pages from `start` (page
    /// aligned), writable if `write`, without the caller holding the mmap
    /// lock (`pin_user_pages_fast`, which takes it only for pages the
    /// lockless walk cannot pin); returns how many were pinned (fewer at a
    /// hole).
    ///
    /// # Errors
    ///
    /// `EFAULT` and the other errors of `pin_user_pages_fast`; `EPERM` if
    /// the caller does not run in this mm; `EINVAL` for more than
    /// `i32::MAX` pages.
    pub(crate) fn pin_fast(&self, start: u64, pages: &mut [*mut bindings::page], write: bool) -> Result<usize> {
        if !self.is_current() {
            return Err(EPERM);
        }
        let n = u32::try_from(pages.len()).ok().filter(|&n| n <= i32::MAX as u32).ok_or(EINVAL)?;
        // SAFETY: pins in `current->mm`, which is this mm (checked above);
        // `pages` has room for `n` pointers.
        let r = unsafe { bindings::vdpa_rs_pin_user_pages_fast(start, n, write, pages.as_mut_ptr()) };
        if r < 0 {
            return Err(Error::from_errno(r as i32));
        }
        Ok(usize::try_from(r).unwrap_or(0).min(pages.len()))
    }

    /// Takes the mmap lock for reading. Sleeps.
    pub(crate) fn read_lock(&self) -> MmapRead<'_> {
        // SAFETY: referenced (type invariant).
        unsafe { bindings::vdpa_rs_mmap_read_lock(self.0.as_ptr()) };
        MmapRead(self)
    }
}

impl Drop for OwnerMm {
    fn drop(&mut self) {
        // SAFETY: the reference owned by this value (type invariant).
        unsafe { bindings::vdpa_rs_mmput(self.0.as_ptr()) };
    }
}

/// A VMA as [`MmapRead::vma_at`] reports it.
pub(crate) struct Vma {
    /// First address of the VMA.
    pub(crate) start: u64,
    /// One past its last address.
    pub(crate) end: u64,
    /// Offset of `start` in the mapped file, in pages.
    pub(crate) pgoff: u64,
    /// The file, referenced, if the VMA is a shared file mapping that is
    /// neither `VM_IO` nor `VM_PFNMAP`.
    pub(crate) file: Option<FileRef>,
}

/// The mmap lock of an [`OwnerMm`], held for reading.
pub(crate) struct MmapRead<'a>(&'a OwnerMm);

impl MmapRead<'_> {
    /// The first VMA that ends above `addr`, if any.
    pub(crate) fn vma_at(&self, addr: u64) -> Option<Vma> {
        let (mut start, mut end, mut pgoff) = (0u64, 0u64, 0u64);
        let mut file: *mut bindings::file = core::ptr::null_mut();
        // SAFETY: the mmap lock is held for reading; the out pointers are
        // locals.
        let found = unsafe { bindings::vdpa_rs_find_vma(self.0 .0.as_ptr(), addr, &mut start, &mut end, &mut pgoff, &mut file) };
        if !found {
            return None;
        }
        // SAFETY: the VMA's file is alive while the mmap lock is held;
        // `get_file` takes a reference that outlives it.
        let file = NonNull::new(file).map(|f| FileRef(unsafe { NonNull::new_unchecked(bindings::vdpa_rs_get_file(f.as_ptr())) }));
        Some(Vma { start, end, pgoff, file })
    }
}

impl Drop for MmapRead<'_> {
    fn drop(&mut self) {
        // SAFETY: taken in `OwnerMm::read_lock`.
        unsafe { bindings::vdpa_rs_mmap_read_unlock(self.0 .0.as_ptr()) };
    }
}

/// A reference on a `struct file`, dropped with `fput`.
///
/// # Invariants
///
/// `0` is a file on which this value owns a reference.
pub(crate) struct FileRef(NonNull<bindings::file>);

// SAFETY: file references are dropped from any thread.
unsafe impl Send for FileRef {}
// SAFETY: `&FileRef` gives access to nothing.
unsafe impl Sync for FileRef {}

impl FileRef {
    /// Gives the reference up to C code that keeps the pointer (a
    /// `vdpa_map_file`).
    pub(crate) fn into_raw(self) -> *mut bindings::file {
        let f = self.0.as_ptr();
        core::mem::forget(self);
        f
    }

    /// Takes back a reference given up with [`Self::into_raw`].
    ///
    /// # Safety
    ///
    /// `file` must come from [`Self::into_raw`], and be taken back once.
    pub(crate) unsafe fn from_raw(file: *mut bindings::file) -> Self {
        // SAFETY: non-null, from `into_raw` (caller).
        Self(unsafe { NonNull::new_unchecked(file) })
    }
}

impl Drop for FileRef {
    fn drop(&mut self) {
        // SAFETY: the reference owned by this value (type invariant).
        unsafe { kernel::bindings::fput(self.0.as_ptr()) };
    }
}

/// The PFN of a pinned page.
///
/// # Safety
///
/// `page` must be a page pinned by [`OwnerMm::pin_fast`] and not
/// unpinned.
pub(crate) unsafe fn page_pfn(page: *mut bindings::page) -> u64 {
    // SAFETY: a valid page (caller).
    unsafe { bindings::vdpa_rs_page_to_pfn(page) }
}

/// Unpins `npages` pages from `pfn`, dirtying them first if `dirty`.
///
/// # Safety
///
/// The pages must have been pinned by [`OwnerMm::pin_fast`], once each,
/// and not unpinned since.
pub(crate) unsafe fn unpin_pfns(pfn: u64, npages: u64, dirty: bool) {
    // SAFETY: pinned pages with a `struct page` (caller).
    unsafe { bindings::vdpa_rs_unpin_pfns(pfn, npages, dirty) };
}

/// Unpins pages still held in a pin buffer.
///
/// # Safety
///
/// As for [`unpin_pfns`], for every page in `pages`.
pub(crate) unsafe fn unpin_pages(pages: &[*mut bindings::page]) {
    for &p in pages {
        // SAFETY: a pinned page (caller).
        unsafe { unpin_pfns(page_pfn(p), 1, false) };
    }
}

/// RLIMIT_MEMLOCK of the calling process, in bytes.
pub(crate) fn rlimit_memlock() -> u64 {
    // SAFETY: reads the current task's limit.
    unsafe { bindings::vdpa_rs_rlimit_memlock() }
}
