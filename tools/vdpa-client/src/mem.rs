// SPDX-License-Identifier: GPL-2.0

//! Memory the device reaches by DMA.
//!
//! Each [`DmaMemory`] is a memfd mapped `MAP_SHARED`, or a window of one:
//! in VA mode (vdpa_sim's default `use_va`) vhost-vdpa maps only
//! file-backed shared VMAs and silently skips anonymous ones, and in PA mode
//! it pins the pages; a shared memfd works for both. Each region gets an IOVA from an
//! [`IovaSpace`] that starts at 4 GiB, far from the process's own mappings,
//! so that the identity pass-through of an unmapped address space ("IOVA =
//! user VA" in VA mode) never reaches this memory by accident.
//!
//! An [`Arena`] hands out the regions of a scenario: each its own memfd
//! (the default), or consecutive windows of one large region, the way a
//! VMM places rings and buffers inside guest RAM that it maps as a whole.

use crate::iotlb::{perm, Mapping};
use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::ptr::NonNull;
use std::rc::Rc;

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

/// One shared memfd mapping; unmapped when its last window goes.
///
/// # Invariants
///
/// `ptr` points to a live `MAP_SHARED` mapping of `len` bytes (a multiple of
/// [`PAGE`]) that this value unmaps on drop.
struct Region {
    ptr: NonNull<u8>,
    len: usize,
    _file: OwnedFd,
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping created in `DmaMemory::new`
        // (invariant); no window is left to use it.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// A window of a shared memfd mapping, with an IOVA.
///
/// # Invariants
///
/// `off` and `len` are multiples of [`PAGE`] and `off + len <=
/// region.len`. The device may write the memory at any time, so it is only
/// accessed through volatile reads and writes or atomics.
pub struct DmaMemory {
    region: Rc<Region>,
    off: usize,
    len: usize,
    iova: u64,
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
        let region = Rc::new(Region { ptr, len, _file: file });
        Ok(Self { region, off: 0, len, iova })
    }

    /// The `len` bytes at `off` of this region (IOVA and user address
    /// follow), sharing its mapping.
    ///
    /// # Errors
    ///
    /// EINVAL when `off` or `len` is not page aligned, `len` is 0, or the
    /// window does not fit.
    pub fn window(&self, off: usize, len: usize) -> io::Result<Self> {
        let fits = off.checked_add(len).is_some_and(|e| e <= self.len);
        if !fits || len == 0 || !off.is_multiple_of(PAGE) || !len.is_multiple_of(PAGE) {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        Ok(Self { region: Rc::clone(&self.region), off: self.off + off, len, iova: self.iova + off as u64 })
    }

    /// Writes every page once, so that no page is allocated or faulted in
    /// later, e.g. while the kernel pins the range.
    pub fn prefault(&self) {
        for off in (0..self.len).step_by(PAGE) {
            let p = self.at(off, 1);
            // SAFETY: `p` is inside the window (checked by `at`); volatile
            // because the device shares the memory. The byte keeps its value.
            unsafe { p.write_volatile(p.read_volatile()) };
        }
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
        self.region.ptr.as_ptr() as u64 + self.off as u64
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
        // SAFETY: `self.off + off` is inside the mapping: `off <= self.len`
        // (checked just above) and `self.off + self.len <= region.len`
        // (invariant).
        unsafe { self.region.ptr.as_ptr().add(self.off + off) }
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

/// Where the DMA regions of a scenario come from.
pub enum Arena {
    /// A memfd of its own for each region, at IOVAs from the space.
    Separate(IovaSpace),
    /// Consecutive windows of one region, which the caller maps as a whole.
    Inside {
        /// The region the windows are cut from.
        region: DmaMemory,
        /// Bytes handed out so far, from its start.
        used: usize,
    },
}

impl Arena {
    /// Separate regions from a fresh [`IovaSpace`].
    pub fn separate() -> Self {
        Self::Separate(IovaSpace::new())
    }

    /// Windows of `region`, from its start.
    pub fn inside(region: DmaMemory) -> Self {
        Self::Inside { region, used: 0 }
    }

    /// A zero-filled region of at least `len` bytes (`name` names a new memfd).
    ///
    /// # Errors
    ///
    /// The errors of [`DmaMemory::new`]; ENOMEM when the region of an
    /// `Inside` arena is used up.
    pub fn alloc(&mut self, name: &CStr, len: usize) -> io::Result<DmaMemory> {
        let len = page_align(len.max(1));
        match self {
            Self::Separate(space) => DmaMemory::new(name, len, space.take(len)),
            Self::Inside { region, used } => {
                if region.len() - *used < len {
                    return Err(io::Error::from_raw_os_error(libc::ENOMEM));
                }
                let w = region.window(*used, len)?;
                // An `Inside` region's windows are handed out zeroed, like
                // a new memfd.
                w.fill(0, len, 0);
                *used += len;
                Ok(w)
            }
        }
    }

    /// The IOVAs handed out so far lie in `[first, end)`.
    pub fn span(&self) -> (u64, u64) {
        match self {
            Self::Separate(space) => (IOVA_BASE, space.end()),
            Self::Inside { region, used } => (region.iova(0), region.iova(*used)),
        }
    }
}

/// Lifts RLIMIT_MEMLOCK, so that a PA-mode parent can pin any amount:
/// vhost-vdpa charges pinned pages against it with no CAP_IPC_LOCK bypass.
///
/// # Errors
///
/// EPERM when not root.
pub fn raise_memlock() -> io::Result<()> {
    let lim = libc::rlimit { rlim_cur: libc::RLIM_INFINITY, rlim_max: libc::RLIM_INFINITY };
    // SAFETY: `lim` is a valid rlimit that the call only reads.
    if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &lim) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
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
