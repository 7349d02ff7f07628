// SPDX-License-Identifier: GPL-2.0

//! Layout of a user memory region (contract E.1): how the IOTLB given to
//! `set_map` becomes direct MTT mkeys and one indirect KLM mkey, as
//! `create_user_mr` in upstream's `drivers/vdpa/mlx5/core/mr.c` builds them.
//!
//! From the IOTLB, as IOVA-sorted, non-overlapping [`Entry`]s, a [`Layout`]
//! gives:
//!
//! * the [`Region`]s: runs of entries contiguous in IOVA with the same
//!   permission (upstream merges them the same way);
//! * the [`DirectMr`]s: each region cut, from its start, into pieces of at
//!   most [`MAX_KLM_SIZE`] (1 GiB); each is one MTT mkey, with its page size
//!   ([`DirectMr::log_page_size`]), MTT count and MTT list ([`Mtts`]);
//! * the [`Klm`] list of the indirect mkey, which spans from the first
//!   mapped byte to the last: every direct MR in IOVA order, and every hole
//!   between two of them filled with the device's null mkey in pieces of at
//!   most 1 GiB;
//! * the CREATE_MKEY inbox length of each mkey ([`mtt_inbox_len`],
//!   [`klm_inbox_len`]).
//!
//! Nothing here allocates: the lists are iterators that the driver streams
//! into its command buffers, and a [`DirectMr`] borrows the entries it
//! covers. All arithmetic is checked; ranges are inclusive, so IOVAs and
//! physical addresses may reach `u64::MAX`.
//!
//! # How the device translates
//!
//! The layout is correct for this model of the device, which the host tests
//! check it against:
//!
//! * The indirect (KLM) mkey starts at [`Layout::start`] and is
//!   [`Layout::len`] bytes long. Its byte `start + o` falls in the KLM entry
//!   whose predecessors' byte counts sum to at most `o`; with `r` the rest,
//!   it is byte [`DIRECT_START_ADDR`]` + r` of that entry's mkey (the KLM
//!   `va` field is [`DIRECT_START_ADDR`]), or a fault for the null mkey.
//! * A direct (MTT) mkey starts at [`DIRECT_START_ADDR`], is
//!   [`DirectMr::len`] bytes long and has pages of `1 << log_page_size`
//!   bytes: its byte `a` is the physical address
//!   `mtt[a >> log_page_size] + (a & (page_size - 1))`, and every MTT entry
//!   is aligned to the page size.
//!
//! The driver turns each MTT address into a DMA address. Every MTT page lies
//! inside the physical range of one IOTLB entry ([`DirectMr::pieces`] are
//! those ranges, clipped to the MR), so mapping each piece for DMA as one
//! segment maps exactly the guest's memory.
//!
//! # Upstream fixes after 6.12 that this layout has
//!
//! * "Fix PA offset with unaligned starting iotlb map" (6.13): a direct MR
//!   that starts inside an entry starts at that entry's PA plus the offset
//!   ([`Piece::pa`]), not at the entry's PA.
//! * "Fix suboptimal range on iotlb iteration" (6.13): the page size of a
//!   direct MR depends only on the entries overlapping it, clipped to it.
//! * "Fix oversized null mkey longer than 32 bit" (6.15): a hole is filled
//!   with null-mkey entries of at most 1 GiB each (the KLM byte count is 32
//!   bits), and [`Layout::num_klms`] counts exactly the entries [`Klms`]
//!   yields.
//! * "Fix buffer length in create_direct_keys()" (KASAN: 16-byte
//!   out-of-bounds read): one function, [`mtt_inbox_len`], gives both the
//!   length the driver allocates for a direct mkey's inbox and the length
//!   it sends.
//!
//! # Differences from upstream
//!
//! For `Documentation/` (the mlx5_vdpa page, once written):
//!
//! * **Page size.** Upstream takes `ilog2(gcd(sizes))` over the entries in
//!   the MR: the largest power of two *not above* the gcd, which divides the
//!   sizes only when the gcd is itself a power of two. Two 12 KiB entries
//!   get 8 KiB pages, and the second page then straddles both entries (its
//!   second half translates into the wrong entry). Upstream also ignores the
//!   physical addresses: an MTT entry need not be aligned to the page size
//!   (a 1 GiB page at a 2 MiB-aligned PA), and `pfn_to_page` drops any PA
//!   offset below 4 KiB. Here the page size is the largest power of two, at
//!   most 1 GiB, that divides both the size and the PA of every piece of the
//!   MR. The two agree whenever the pieces' sizes have a power-of-two gcd
//!   and their PAs are aligned to it, which is the case for the page-aligned
//!   IOTLBs that `vhost_vdpa` builds.
//! * **Pages below 4 KiB.** The device does not take them (the mkey context
//!   field allows them; mlx5_ib never uses them). Upstream sends them to the
//!   firmware; here [`DirectMr::mkc_log_page_size`] refuses them with
//!   [`Error::Misaligned`]. They only arise from PAs or sizes that are not
//!   multiples of 4 KiB, which `vhost_vdpa` does not produce.
//! * **The top of the address space.** Upstream computes ends as
//!   `last + 1`, which wraps to 0 for an entry ending at `u64::MAX`: the
//!   region's size is then computed modulo 2^64 and comes out 0 for a map
//!   of the whole space. Here every range is inclusive.
//! * **Bad input and sizes.** Upstream trusts the interval tree and its own
//!   counters. Here an IOTLB that is empty, unsorted, overlapping, has an
//!   entry with `last < start` or a PA range past `u64::MAX` is refused
//!   with an [`Error`], and so is a layout that needs more KLM entries than
//!   the 32-bit CREATE_MKEY fields hold ([`Error::TooLarge`]; the span is
//!   then more than 2^62 bytes). Upstream would truncate the count.
//! * **Region merging.** Upstream seeds its merge with a sentinel (previous
//!   end `U64_MAX`, permission `U16_MAX`), which a first map starting at
//!   `U64_MAX` with permission `0xffff` would match. Here the first entry
//!   always starts a region.

use core::cmp::{max, min};

/// `LOG_MAX_KLM_SIZE`: log2 of the most bytes one KLM entry covers.
pub(crate) const LOG_MAX_KLM_SIZE: u32 = 30;

/// `MAX_KLM_SIZE`: the most bytes one KLM entry, and so one direct MR,
/// covers (1 GiB).
pub(crate) const MAX_KLM_SIZE: u64 = 1 << LOG_MAX_KLM_SIZE;

/// `MLX5_ST_SZ_BYTES(create_mkey_in)`: the CREATE_MKEY inbox up to its
/// translation list (`klm_pas_mtt`, which starts right after it).
///
/// 0x320 + 0x560 bits in `struct mlx5_ifc_create_mkey_in_bits`
/// (`include/linux/mlx5/mlx5_ifc.h`, 6.12). The kernel build checks this
/// value against the bindings of that header.
pub(crate) const CREATE_MKEY_IN_LEN: usize = 0x110;

/// Bytes of one MTT entry (`MLX5_ST_SZ_BYTES(mtt)`): a big-endian 64-bit
/// page address.
pub(crate) const MTT_ENTRY_LEN: usize = 8;

/// Bytes of one KLM entry (`sizeof(struct mlx5_klm)`): big-endian byte
/// count, mkey and address.
pub(crate) const KLM_ENTRY_LEN: usize = 16;

/// Bytes of one octword, the unit of `translations_octword_size`.
pub(crate) const OCTWORD_LEN: usize = 16;

/// Upstream's `klm_byte_size` rounds the KLM list to a multiple of this
/// many entries (64 bytes).
pub(crate) const KLM_LIST_ALIGN: u64 = 4;

/// Most KLM entries one indirect mkey may have: `translations_octword_size`
/// (the count rounded up to [`KLM_LIST_ALIGN`]) is a 32-bit field.
pub(crate) const MAX_KLMS: u32 = u32::MAX & !(KLM_LIST_ALIGN as u32 - 1);

/// Smallest page the device takes in an MTT mkey: 4 KiB
/// (`MLX5_ADAPTER_PAGE_SHIFT`).
pub(crate) const MIN_LOG_PAGE_SIZE: u8 = 12;

/// `start_addr` of every direct mkey, and so the `va` of every KLM entry.
///
/// A direct mkey is addressed from 0 up to its length. (Upstream sets
/// `start_addr` from `mr->offset`, which nothing assigns, and leaves the
/// KLM `va` zeroed.)
pub(crate) const DIRECT_START_ADDR: u64 = 0;

/// `VHOST_MAP_RO`: the device may read.
pub(crate) const VHOST_MAP_RO: u32 = 0x1;
/// `VHOST_MAP_WO`: the device may write.
pub(crate) const VHOST_MAP_WO: u32 = 0x2;

/// One IOTLB entry (`struct vhost_iotlb_map`): IOVAs `start..=last`
/// translate to the physical addresses from `pa`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// First IOVA.
    pub(crate) start: u64,
    /// Last IOVA (inclusive).
    pub(crate) last: u64,
    /// Physical address of `start` (mlx5_vdpa has no `use_va`).
    pub(crate) pa: u64,
    /// Permission bits ([`VHOST_MAP_RO`], [`VHOST_MAP_WO`]), as stored.
    pub(crate) perm: u32,
}

/// Why an IOTLB has no layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Error {
    /// The IOTLB has no entry (`set_map` of an empty tree means "no MR";
    /// upstream's `create_indirect_key` refuses an empty list).
    Empty,
    /// The entry at this index has `last < start`. (With an inclusive
    /// `last`, this is also the only way to write a zero-length entry.)
    BadRange(usize),
    /// The entry at this index starts at or before the last IOVA of the
    /// entry before it: the entries are unsorted or overlap.
    Unsorted(usize),
    /// The physical range of the entry at this index passes `u64::MAX`.
    PaOverflow(usize),
    /// The layout needs more than [`MAX_KLMS`] KLM entries, or a command
    /// buffer longer than `usize::MAX`.
    TooLarge,
    /// A direct MR needs pages smaller than the device's 4 KiB minimum
    /// ([`MIN_LOG_PAGE_SIZE`]).
    Misaligned,
}

impl Error {
    /// The positive Linux error number for the driver to return: ENOMEM
    /// (12) for [`Error::TooLarge`], where upstream would fail to allocate,
    /// else EINVAL (22).
    pub(crate) fn to_errno(self) -> i32 {
        match self {
            Error::TooLarge => 12,
            Error::Empty
            | Error::BadRange(_)
            | Error::Unsorted(_)
            | Error::PaOverflow(_)
            | Error::Misaligned => 22,
        }
    }
}

/// Number of pieces of at most 2^`log` bytes that `first..=last` is cut
/// into: `ceil(len / 2^log)`, computed from `last - first` (`len - 1`) so
/// that a range of 2^64 bytes does not overflow. Needs `first <= last`.
fn pieces_in(first: u64, last: u64, log: u32) -> u64 {
    // `(len - 1) >> log` is below 2^64 >> log, so adding 1 cannot wrap for
    // the `log` of at least 1 used here; saturate rather than trust it.
    (last.saturating_sub(first) >> log).saturating_add(1)
}

/// `translations_octword_size` (and `translations_octword_actual_size`) of
/// an MTT mkey with `n` entries: two 8-byte entries per octword, rounded up
/// (upstream's `get_octo_len`).
///
/// # Errors
///
/// [`Error::TooLarge`] if the count does not fit the 32-bit field.
pub(crate) fn mtt_octwords(n: u64) -> Result<u32, Error> {
    let octwords = (n >> 1).checked_add(n & 1).ok_or(Error::TooLarge)?;
    u32::try_from(octwords).map_err(|_| Error::TooLarge)
}

/// Bytes of the CREATE_MKEY inbox of an MTT mkey with `n` entries: the
/// header and the MTT list rounded up to an octword (upstream rounds it to
/// `MLX5_VDPA_MTT_ALIGN`, 16 bytes). The driver allocates exactly this many
/// bytes, fills the header and `n` entries from [`CREATE_MKEY_IN_LEN`]
/// (the padding entry stays zero), and sends exactly this many.
///
/// Regression for "Fix buffer length in create_direct_keys()": the 6.12.0
/// driver sent the length of the whole command memory, outbox included,
/// 16 bytes past the end of the inbox.
///
/// # Errors
///
/// [`Error::TooLarge`] if the length overflows (never for an MR of at most
/// 1 GiB on a 64-bit kernel).
pub(crate) fn mtt_inbox_len(n: u64) -> Result<usize, Error> {
    let octwords = usize::try_from(mtt_octwords(n)?).map_err(|_| Error::TooLarge)?;
    octwords
        .checked_mul(OCTWORD_LEN)
        .and_then(|list| list.checked_add(CREATE_MKEY_IN_LEN))
        .ok_or(Error::TooLarge)
}

/// `translations_octword_size` of a KLM mkey with `n` entries: one octword
/// per entry, the count rounded up to [`KLM_LIST_ALIGN`] (upstream's
/// `klm_byte_size(n) / 16`). Its `translations_octword_actual_size` is `n`.
///
/// # Errors
///
/// [`Error::TooLarge`] if the count does not fit the 32-bit field.
pub(crate) fn klm_octwords(n: u64) -> Result<u32, Error> {
    let rounded = n
        .checked_add(KLM_LIST_ALIGN - 1)
        .ok_or(Error::TooLarge)?
        & !(KLM_LIST_ALIGN - 1);
    u32::try_from(rounded).map_err(|_| Error::TooLarge)
}

/// Bytes of the CREATE_MKEY inbox of a KLM mkey with `n` entries:
/// `MLX5_ST_SZ_BYTES(create_mkey_in) + klm_byte_size(n)`. As for
/// [`mtt_inbox_len`], the driver allocates and sends exactly this length;
/// the entries past `n` stay zero.
///
/// # Errors
///
/// [`Error::TooLarge`] if the count does not fit the 32-bit field or the
/// length overflows.
pub(crate) fn klm_inbox_len(n: u64) -> Result<usize, Error> {
    let octwords = usize::try_from(klm_octwords(n)?).map_err(|_| Error::TooLarge)?;
    octwords
        .checked_mul(KLM_ENTRY_LEN)
        .and_then(|list| list.checked_add(CREATE_MKEY_IN_LEN))
        .ok_or(Error::TooLarge)
}

/// A validated IOTLB and the counts of its layout.
///
/// # Invariants
///
/// `entries` is non-empty, sorted by IOVA and non-overlapping, every entry
/// has `start <= last` and a PA range that does not pass `u64::MAX`;
/// `num_klms` (at most [`MAX_KLMS`]) and `num_directs` are the numbers of
/// items [`Layout::klms`] and [`Layout::directs`] yield.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout<'a> {
    entries: &'a [Entry],
    num_directs: u32,
    num_klms: u32,
    indirect_inbox_len: usize,
}

impl<'a> Layout<'a> {
    /// Checks `entries` and counts the mkeys of their layout, in one pass
    /// over the entries (the counts are arithmetic, not a walk of the
    /// lists).
    ///
    /// # Errors
    ///
    /// [`Error::Empty`], [`Error::BadRange`], [`Error::Unsorted`] or
    /// [`Error::PaOverflow`] for a bad IOTLB (the first bad entry is
    /// named), [`Error::TooLarge`] if the indirect mkey would need more
    /// than [`MAX_KLMS`] entries.
    pub(crate) fn new(entries: &'a [Entry]) -> Result<Self, Error> {
        if entries.is_empty() {
            return Err(Error::Empty);
        }
        let mut prev: Option<&Entry> = None;
        for (i, e) in entries.iter().enumerate() {
            if e.last < e.start {
                return Err(Error::BadRange(i));
            }
            if e.pa.checked_add(e.last - e.start).is_none() {
                return Err(Error::PaOverflow(i));
            }
            if prev.is_some_and(|p| e.start <= p.last) {
                return Err(Error::Unsorted(i));
            }
            prev = Some(e);
        }

        // Count as upstream's create_user_mr does: the direct MRs of every
        // region, plus the null-mkey pieces of every hole before a region.
        let mut directs: u64 = 0;
        let mut nulls: u64 = 0;
        let mut prev_last: Option<u64> = None;
        for r in (Regions { rest: entries }) {
            directs = directs
                .checked_add(pieces_in(r.start, r.last, LOG_MAX_KLM_SIZE))
                .ok_or(Error::TooLarge)?;
            if let Some(pl) = prev_last {
                // Regions are sorted, so `r.start > pl`; a hole is the
                // IOVAs strictly between them.
                if r.start.checked_sub(pl).is_some_and(|gap| gap > 1) {
                    let hole = pieces_in(pl + 1, r.start - 1, LOG_MAX_KLM_SIZE);
                    nulls = nulls.checked_add(hole).ok_or(Error::TooLarge)?;
                }
            }
            prev_last = Some(r.last);
        }
        let klms = directs.checked_add(nulls).ok_or(Error::TooLarge)?;
        if klms > u64::from(MAX_KLMS) {
            return Err(Error::TooLarge);
        }
        let indirect_inbox_len = klm_inbox_len(klms)?;
        // Both fit: directs <= klms <= MAX_KLMS.
        let num_klms = u32::try_from(klms).map_err(|_| Error::TooLarge)?;
        let num_directs = u32::try_from(directs).map_err(|_| Error::TooLarge)?;
        Ok(Self {
            entries,
            num_directs,
            num_klms,
            indirect_inbox_len,
        })
    }

    /// The entries, as given.
    pub(crate) fn entries(&self) -> &'a [Entry] {
        self.entries
    }

    /// First IOVA of the indirect mkey (`start_addr`): the first entry's.
    pub(crate) fn start(&self) -> u64 {
        self.entries.first().map_or(0, |e| e.start)
    }

    /// Last IOVA of the indirect mkey: the last entry's.
    pub(crate) fn last(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.last)
    }

    /// Length of the indirect mkey (its `len`): from the first mapped byte
    /// to the last, holes included.
    ///
    /// Cannot overflow: the span is covered by at most [`MAX_KLMS`] entries
    /// of at most 1 GiB, so it is below 2^62 bytes (type invariant).
    pub(crate) fn len(&self) -> u64 {
        (self.last() - self.start()).saturating_add(1)
    }

    /// Number of direct MRs (upstream's `num_directs`).
    pub(crate) fn num_directs(&self) -> u32 {
        self.num_directs
    }

    /// Number of KLM entries of the indirect mkey (upstream's `num_klms`,
    /// its `translations_octword_actual_size`): exactly the entries
    /// [`Layout::klms`] yields.
    pub(crate) fn num_klms(&self) -> u32 {
        self.num_klms
    }

    /// `translations_octword_size` of the indirect mkey.
    pub(crate) fn indirect_octwords(&self) -> u32 {
        // Checked by `new`, through `klm_inbox_len`.
        klm_octwords(u64::from(self.num_klms)).unwrap_or(u32::MAX)
    }

    /// Bytes of the indirect mkey's CREATE_MKEY inbox:
    /// [`klm_inbox_len`] of [`Layout::num_klms`].
    pub(crate) fn indirect_inbox_len(&self) -> usize {
        self.indirect_inbox_len
    }

    /// The regions, in IOVA order.
    pub(crate) fn regions(&self) -> Regions<'a> {
        Regions { rest: self.entries }
    }

    /// The direct MRs, in IOVA order (indices from 0).
    pub(crate) fn directs(&self) -> Directs<'a> {
        Directs {
            regions: self.regions(),
            cur: None,
            index: 0,
        }
    }

    /// The KLM list of the indirect mkey, in IOVA order.
    pub(crate) fn klms(&self) -> Klms<'a> {
        Klms {
            directs: self.directs(),
            pending: None,
            covered: None,
        }
    }
}

/// Entries contiguous in IOVA with the same permission: one region
/// (upstream's `ps`/`pe`/`pperm` run in `create_user_mr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Region<'a> {
    /// First IOVA.
    pub(crate) start: u64,
    /// Last IOVA (inclusive).
    pub(crate) last: u64,
    /// The permission all its entries share.
    pub(crate) perm: u32,
    /// Its entries, in order (at least one).
    pub(crate) entries: &'a [Entry],
}

/// Iterator over the regions of a [`Layout`].
#[derive(Clone, Debug)]
pub(crate) struct Regions<'a> {
    /// Entries not yet in a region (valid as the layout's).
    rest: &'a [Entry],
}

impl<'a> Iterator for Regions<'a> {
    type Item = Region<'a>;

    fn next(&mut self) -> Option<Region<'a>> {
        let first = self.rest.first()?;
        let mut n = 1;
        let mut last = first.last;
        while let Some(e) = self.rest.get(n) {
            if e.perm != first.perm || last.checked_add(1) != Some(e.start) {
                break;
            }
            last = e.last;
            n += 1;
        }
        let entries = self.rest.get(..n)?;
        self.rest = self.rest.get(n..).unwrap_or(&[]);
        Some(Region {
            start: first.start,
            last,
            perm: first.perm,
            entries,
        })
    }
}

/// The part of one entry inside one direct MR: a physically contiguous
/// range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Piece {
    /// First IOVA (`max(entry start, MR start)`).
    pub(crate) iova: u64,
    /// Bytes (at most 1 GiB).
    pub(crate) len: u64,
    /// PA of `iova`: the entry's PA plus the offset of `iova` into the
    /// entry ("Fix PA offset with unaligned starting iotlb map").
    pub(crate) pa: u64,
}

/// Iterator over the pieces of a [`DirectMr`].
#[derive(Clone, Debug)]
pub(crate) struct Pieces<'a> {
    entries: core::slice::Iter<'a, Entry>,
    start: u64,
    last: u64,
}

impl Iterator for Pieces<'_> {
    type Item = Piece;

    fn next(&mut self) -> Option<Piece> {
        let e = self.entries.next()?;
        let first = max(e.start, self.start);
        let last = min(e.last, self.last);
        // The MR's entries overlap it, so `first <= last`, and the piece
        // is inside the MR, so its length is at most 1 GiB.
        let len = last.checked_sub(first)?.checked_add(1)?;
        let pa = e.pa.checked_add(first.checked_sub(e.start)?)?;
        Some(Piece { iova: first, len, pa })
    }
}

/// One direct MR: an MTT mkey over at most 1 GiB of one region.
///
/// # Invariants
///
/// `start <= last`, `last - start < MAX_KLM_SIZE`; `entries` are exactly
/// the layout's entries overlapping `start..=last`, which they cover with
/// no gap (they belong to one region); `log_page_size` is the
/// [`DirectMr::log_page_size`] of their pieces.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DirectMr<'a> {
    index: u32,
    start: u64,
    last: u64,
    perm: u32,
    log_page_size: u8,
    entries: &'a [Entry],
}

impl<'a> DirectMr<'a> {
    /// Position in the layout's list of direct MRs, the index a
    /// [`KlmKey::Direct`] names.
    pub(crate) fn index(&self) -> u32 {
        self.index
    }

    /// First IOVA.
    pub(crate) fn start(&self) -> u64 {
        self.start
    }

    /// Last IOVA (inclusive).
    pub(crate) fn last(&self) -> u64 {
        self.last
    }

    /// Bytes covered (the mkey's `len`), 1 to [`MAX_KLM_SIZE`].
    pub(crate) fn len(&self) -> u64 {
        // No overflow: below MAX_KLM_SIZE (type invariant).
        (self.last - self.start).saturating_add(1)
    }

    /// The KLM byte count of this MR: [`DirectMr::len`], which fits.
    pub(crate) fn bcount(&self) -> u32 {
        u32::try_from(self.len()).unwrap_or(u32::MAX)
    }

    /// The region's permission bits.
    pub(crate) fn perm(&self) -> u32 {
        self.perm
    }

    /// Local read (`mkc.lr`): the permission has [`VHOST_MAP_RO`].
    pub(crate) fn local_read(&self) -> bool {
        self.perm & VHOST_MAP_RO != 0
    }

    /// Local write (`mkc.lw`): the permission has [`VHOST_MAP_WO`].
    pub(crate) fn local_write(&self) -> bool {
        self.perm & VHOST_MAP_WO != 0
    }

    /// The entries overlapping the MR, in order (upstream's
    /// `vhost_iotlb_itree_first/next(iotlb, mr->start, mr->end - 1)`).
    pub(crate) fn entries(&self) -> &'a [Entry] {
        self.entries
    }

    /// The entries clipped to the MR: its physically contiguous pieces,
    /// in IOVA order, which tile `start..=last`.
    pub(crate) fn pieces(&self) -> Pieces<'a> {
        Pieces {
            entries: self.entries.iter(),
            start: self.start,
            last: self.last,
        }
    }

    /// log2 of the page size: the largest power of two, at most
    /// [`MAX_KLM_SIZE`], that divides the length and the PA of every piece.
    ///
    /// Every page then lies inside one piece and starts at a PA aligned to
    /// the page size, and the pages tile the MR exactly. Only the entries
    /// overlapping the MR count, and only their part inside it ("Fix
    /// suboptimal range on iotlb iteration"). Upstream's rule, and why this
    /// one differs, is in the module documentation.
    pub(crate) fn log_page_size(&self) -> u8 {
        self.log_page_size
    }

    /// The value for `mkc.log_page_size`.
    ///
    /// # Errors
    ///
    /// [`Error::Misaligned`] if the page is smaller than the device's
    /// minimum, 4 KiB: a piece's PA or length is not a multiple of 4 KiB.
    pub(crate) fn mkc_log_page_size(&self) -> Result<u8, Error> {
        if self.log_page_size < MIN_LOG_PAGE_SIZE {
            return Err(Error::Misaligned);
        }
        Ok(self.log_page_size)
    }

    /// Number of MTT entries (upstream's `nsg`): the length in pages,
    /// exact since the page size divides it.
    pub(crate) fn mtt_count(&self) -> u64 {
        self.len() >> self.log_page_size
    }

    /// `translations_octword_size` and `translations_octword_actual_size`
    /// of the mkey.
    pub(crate) fn octwords(&self) -> u32 {
        // At most 2^30 entries, so at most 2^29 octwords.
        mtt_octwords(self.mtt_count()).unwrap_or(u32::MAX)
    }

    /// Bytes of the mkey's CREATE_MKEY inbox, both to allocate and to
    /// send: [`mtt_inbox_len`] of [`DirectMr::mtt_count`].
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] if the length does not fit a `usize`.
    pub(crate) fn inbox_len(&self) -> Result<usize, Error> {
        mtt_inbox_len(self.mtt_count())
    }

    /// The MTT list: the PA of each page of the MR, in IOVA order
    /// ([`DirectMr::mtt_count`] of them). The driver writes each as a
    /// big-endian 64-bit entry (after turning it into a DMA address).
    pub(crate) fn mtts(&self) -> Mtts<'a> {
        Mtts {
            pieces: self.pieces(),
            log_page_size: self.log_page_size,
            cur: None,
        }
    }
}

/// The largest page size, as a log2 capped at [`LOG_MAX_KLM_SIZE`], that
/// divides the length and PA of every piece: the lowest bit set in any of
/// them, or in the cap.
fn log_page_size_of(pieces: Pieces<'_>) -> u8 {
    let bits = pieces.fold(MAX_KLM_SIZE, |acc, p| acc | p.len | p.pa);
    // At most LOG_MAX_KLM_SIZE, since the cap's bit is set.
    u8::try_from(bits.trailing_zeros()).unwrap_or(0)
}

/// Iterator over the MTT list of a [`DirectMr`].
#[derive(Clone, Debug)]
pub(crate) struct Mtts<'a> {
    pieces: Pieces<'a>,
    log_page_size: u8,
    /// The piece being walked and the index of its next page.
    cur: Option<(Piece, u64)>,
}

impl Iterator for Mtts<'_> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        let shift = u32::from(self.log_page_size);
        loop {
            let (piece, page) = match self.cur {
                Some(cur) => cur,
                None => (self.pieces.next()?, 0),
            };
            if page < piece.len >> shift {
                self.cur = Some((piece, page + 1));
                // The page is inside the piece, whose PA range was checked.
                return piece.pa.checked_add(page << shift);
            }
            self.cur = None;
        }
    }
}

/// Iterator over the direct MRs of a [`Layout`].
#[derive(Clone, Debug)]
pub(crate) struct Directs<'a> {
    regions: Regions<'a>,
    /// The region being cut, the first IOVA of its next direct MR, and its
    /// entries from the first one that reaches that IOVA.
    cur: Option<(Region<'a>, u64, &'a [Entry])>,
    index: u32,
}

impl<'a> Iterator for Directs<'a> {
    type Item = DirectMr<'a>;

    fn next(&mut self) -> Option<DirectMr<'a>> {
        let (region, start, mut entries) = match self.cur.take() {
            Some(cur) => cur,
            None => {
                let r = self.regions.next()?;
                (r, r.start, r.entries)
            }
        };
        // Cut at most 1 GiB from `start` (upstream's add_direct_chain).
        let last = if region.last - start < MAX_KLM_SIZE {
            region.last
        } else {
            start + (MAX_KLM_SIZE - 1)
        };
        // Skip the entries wholly before the MR, then take those that
        // start inside it: exactly the ones overlapping it.
        while let Some((e, rest)) = entries.split_first() {
            if e.last >= start {
                break;
            }
            entries = rest;
        }
        let n = entries.iter().take_while(|e| e.start <= last).count();
        let mine = entries.get(..n)?;
        let mut dmr = DirectMr {
            index: self.index,
            start,
            last,
            perm: region.perm,
            log_page_size: 0,
            entries: mine,
        };
        dmr.log_page_size = log_page_size_of(dmr.pieces());

        if last < region.last {
            // `last + 1` cannot wrap: it is at most `region.last`.
            self.cur = Some((region, last + 1, entries));
        }
        // Cannot saturate: there are at most MAX_KLMS direct MRs.
        self.index = self.index.saturating_add(1);
        Some(dmr)
    }
}

/// What a KLM entry points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KlmKey {
    /// The direct MR with this index (its MTT mkey).
    Direct(u32),
    /// The device's null mkey (`null_mkey` from QUERY_SPECIAL_CONTEXTS):
    /// a hole.
    Null,
}

/// One KLM entry of the indirect mkey. Its `va` is [`DIRECT_START_ADDR`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Klm {
    /// The mkey it points at.
    pub(crate) key: KlmKey,
    /// First IOVA it covers.
    pub(crate) start: u64,
    /// Bytes it covers (`bcount`), 1 to [`MAX_KLM_SIZE`].
    pub(crate) bcount: u32,
}

impl Klm {
    /// Last IOVA it covers (inclusive).
    pub(crate) fn last(&self) -> u64 {
        // Inside the layout's span, so it does not wrap.
        self.start.saturating_add(u64::from(self.bcount).saturating_sub(1))
    }
}

/// Iterator over the KLM list of a [`Layout`] (upstream's `fill_indir`).
#[derive(Clone, Debug)]
pub(crate) struct Klms<'a> {
    directs: Directs<'a>,
    /// A direct MR whose hole is still being filled.
    pending: Option<DirectMr<'a>>,
    /// Last IOVA covered so far; `None` before the first entry.
    covered: Option<u64>,
}

impl Iterator for Klms<'_> {
    type Item = Klm;

    fn next(&mut self) -> Option<Klm> {
        let d = match self.pending.take() {
            Some(d) => d,
            None => self.directs.next()?,
        };
        if let Some(covered) = self.covered {
            // Direct MRs are sorted, so `d.start > covered`; the IOVAs
            // between are a hole, filled 1 GiB at a time.
            if d.start.checked_sub(covered).is_some_and(|gap| gap > 1) {
                let first = covered + 1;
                let bcount = min(d.start - first, MAX_KLM_SIZE);
                self.covered = Some(first + (bcount - 1));
                self.pending = Some(d);
                return Some(Klm {
                    key: KlmKey::Null,
                    start: first,
                    bcount: u32::try_from(bcount).ok()?,
                });
            }
        }
        self.covered = Some(d.last());
        Some(Klm {
            key: KlmKey::Direct(d.index()),
            start: d.start(),
            bcount: d.bcount(),
        })
    }
}
