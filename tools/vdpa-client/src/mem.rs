// SPDX-License-Identifier: GPL-2.0

//! Memory the device reaches by DMA.
//!
//! Each [`DmaMemory`] is a memfd mapped `MAP_SHARED`: in VA mode
//! (vdpa_sim's default `use_va`) vhost-vdpa maps only file-backed shared
//! VMAs and silently skips anonymous ones, and in PA mode it pins the pages;
//! a shared memfd works for both. Each region gets an IOVA from an
//! [`IovaSpace`] that starts at 4 GiB, far from the process's own mappings,
//! so that the identity pass-through of an unmapped address space ("IOVA =
//! user VA" in VA mode) never reaches this memory by accident.

use crate::iotlb::{perm, Mapping};
use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::ptr::NonNull;

/// Page size assumed for alignment (x86-64).
pub const PAGE: usize = 4096;

/// First IOVA handed out.
pub const IOVA_BASE: u64 = 0x1_0000_0000;

/// Rounds `n` up to a multiple of [`PAGE`].
pub const fn page_align(n: usize) -> usize {
    (n + PAGE - 1) & !(PAGE - 1)
}

/// Hands out page-aligned IOVA ranges, one guard page apart.
pub struct IovaSpace {
    next: u64,
}

impl Default for IovaSpace {
    fn default() -> Self {
        Self::new()
    }
}

impl IovaSpace {
    /// A space starting at [`IOVA_BASE`].
    pub fn new() -> Self {
        Self { next: IOVA_BASE }
    }

    /// The IOVA of a new range of `len` bytes.
    pub fn take(&mut self, len: usize) -> u64 {
        let iova = self.next;
        self.next += (page_align(len) + PAGE) as u64;
        iova
    }

    /// One past the last IOVA handed out so far.
    pub fn end(&self) -> u64 {
        self.next
    }
}

/// A shared memfd mapping with an IOVA.
///
/// # Invariants
///
/// `ptr` points to a live `MAP_SHARED` mapping of `len` bytes (a multiple of
/// [`PAGE`]) that this value unmaps on drop. The device may write it at any
/// time, so it is only accessed through volatile reads and writes or atomics.
pub struct DmaMemory {
    ptr: NonNull<u8>,
    len: usize,
    iova: u64,
    _file: OwnedFd,
}

impl DmaMemory {
    /// A zero-filled region of at least `len` bytes at `iova`.
    ///
    /// # Errors
    ///
    /// The errno of memfd_create, ftruncate or mmap.
    pub fn new(name: &CStr, len: usize, iova: u64) -> io::Result<Self> {
        let len = page_align(len.max(1));
        // SAFETY: `name` is NUL-terminated.
        let fd = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by memfd_create and is owned by nobody else.
        let file = unsafe { OwnedFd::from_raw_fd(fd) };
        let size = libc::off_t::try_from(len).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
        // SAFETY: plain syscall on an fd we own.
        if unsafe { libc::ftruncate(file.as_raw_fd(), size) } < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a new shared mapping of the whole file; no existing memory is affected.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED | libc::MAP_POPULATE,
                file.as_raw_fd(),
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(p.cast::<u8>()).ok_or_else(|| io::Error::from_raw_os_error(libc::ENOMEM))?;
        Ok(Self { ptr, len, iova, _file: file })
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the region is empty (never: regions are at least a page).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The IOVA of byte `off`.
    pub fn iova(&self, off: usize) -> u64 {
        self.iova + off as u64
    }

    /// The user virtual address of the region.
    pub fn uaddr(&self) -> u64 {
        self.ptr.as_ptr() as u64
    }

    /// The IOTLB mapping of the whole region, read-write.
    pub fn mapping(&self) -> Mapping {
        Mapping { iova: self.iova, size: self.len as u64, uaddr: self.uaddr(), perm: perm::RW }
    }

    /// A pointer to `n` bytes at `off`, bounds-checked.
    ///
    /// # Panics
    ///
    /// When `off + n` exceeds the region: a bug of this program's layout code.
    pub fn at(&self, off: usize, n: usize) -> *mut u8 {
        // PANIC: offsets come from this program's own layout computations,
        // never from the device; overflowing them is a programming error.
        assert!(off.checked_add(n).is_some_and(|e| e <= self.len), "DMA access out of bounds");
        // SAFETY: in bounds, checked just above.
        unsafe { self.ptr.as_ptr().add(off) }
    }

    /// Copies `data` to `off`.
    pub fn write(&self, off: usize, data: &[u8]) {
        let p = self.at(off, data.len());
        for (i, b) in data.iter().enumerate() {
            // SAFETY: `p + i` is inside the region (checked by `at`); volatile
            // because the device shares the memory.
            unsafe { p.add(i).write_volatile(*b) };
        }
    }

    /// Copies `buf.len()` bytes from `off`.
    pub fn read(&self, off: usize, buf: &mut [u8]) {
        let p = self.at(off, buf.len());
        for (i, b) in buf.iter_mut().enumerate() {
            // SAFETY: as in `write`.
            *b = unsafe { p.add(i).read_volatile() };
        }
    }

    /// Fills `n` bytes at `off` with `v`.
    pub fn fill(&self, off: usize, n: usize, v: u8) {
        let p = self.at(off, n);
        for i in 0..n {
            // SAFETY: as in `write`.
            unsafe { p.add(i).write_volatile(v) };
        }
    }
}

impl Drop for DmaMemory {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping created in `new` (invariant).
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// The first mapping of this process that overlaps `[lo, hi)`, as its
/// /proc/self/maps line; `None` when the range is free.
///
/// # Errors
///
/// When /proc/self/maps cannot be read.
pub fn process_mapping_in(lo: u64, hi: u64) -> io::Result<Option<String>> {
    let maps = std::fs::read_to_string("/proc/self/maps")?;
    for line in maps.lines() {
        let Some(range) = line.split_whitespace().next() else { continue };
        let Some((a, b)) = range.split_once('-') else { continue };
        let (Ok(a), Ok(b)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16)) else {
            continue;
        };
        if a < hi && lo < b {
            return Ok(Some(line.to_string()));
        }
    }
    Ok(None)
}
