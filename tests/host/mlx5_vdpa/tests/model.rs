// SPDX-License-Identifier: GPL-2.0

//! Two independent answers to "where does this IOVA land?", for the tests:
//!
//! * [`reference`]: the IOTLB itself, by a linear scan of its entries;
//! * [`Device`]: the device walking what the layout produced, KLM list →
//!   direct mkey → MTT page, as the module documentation of `mr_layout`
//!   describes the hardware.
//!
//! Neither uses the layout's own arithmetic beyond reading its outputs.

use alloc::vec::Vec;

use crate::logic::mr_layout::{Entry, KlmKey, Layout, DIRECT_START_ADDR};

/// Where an IOVA lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// At this PA, with these permission bits.
    Mapped { pa: u64, perm: u32 },
    /// In a hole between the first and the last mapped IOVA: the null mkey.
    Null,
    /// Before the first or after the last mapped IOVA: outside the
    /// indirect mkey.
    Outside,
}

/// The IOTLB's answer.
pub(crate) fn reference(entries: &[Entry], iova: u64) -> Target {
    let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
        return Target::Outside;
    };
    if iova < first.start || iova > last.last {
        return Target::Outside;
    }
    for e in entries {
        if e.start <= iova && iova <= e.last {
            return Target::Mapped {
                pa: e.pa + (iova - e.start),
                perm: e.perm,
            };
        }
    }
    Target::Null
}

/// One direct mkey as the device holds it.
#[derive(Debug)]
pub(crate) struct DirectMkey {
    /// `len`.
    pub(crate) len: u64,
    /// `log_page_size`.
    pub(crate) log_page_size: u8,
    /// The permission bits it was created with.
    pub(crate) perm: u32,
    /// The MTT list.
    pub(crate) mtts: Vec<u64>,
}

/// The mkeys the driver would create from a layout.
#[derive(Debug)]
pub(crate) struct Device {
    /// Indirect mkey `start_addr`.
    pub(crate) start: u64,
    /// Indirect mkey `len`.
    pub(crate) len: u64,
    /// The KLM list: (offset into the indirect mkey, key, bcount).
    pub(crate) klms: Vec<(u64, KlmKey, u32)>,
    /// The direct mkeys, by index.
    pub(crate) directs: Vec<DirectMkey>,
}

impl Device {
    /// Creates the mkeys of `layout`: collects its lists. Direct MR
    /// indices must be their positions.
    pub(crate) fn build(layout: &Layout<'_>) -> Self {
        let mut klms = Vec::new();
        let mut off: u64 = 0;
        for k in layout.klms() {
            klms.push((off, k.key, k.bcount));
            off += u64::from(k.bcount);
        }
        let mut directs = Vec::new();
        for (i, d) in layout.directs().enumerate() {
            assert_eq!(d.index() as usize, i, "direct MR index");
            directs.push(DirectMkey {
                len: d.len(),
                log_page_size: d.log_page_size(),
                perm: d.perm(),
                mtts: d.mtts().collect(),
            });
        }
        Self {
            start: layout.start(),
            len: layout.len(),
            klms,
            directs,
        }
    }

    /// The device's answer, or what is inconsistent in the mkeys.
    pub(crate) fn resolve(&self, iova: u64) -> Result<Target, &'static str> {
        if iova < self.start || iova - self.start >= self.len {
            return Ok(Target::Outside);
        }
        let o = iova - self.start;
        let i = self.klms.partition_point(|&(off, _, _)| off <= o);
        let &(off, key, bcount) = self.klms.get(i.wrapping_sub(1)).ok_or("no KLM entry")?;
        let r = o - off;
        if r >= u64::from(bcount) {
            return Err("offset past the KLM list");
        }
        let idx = match key {
            KlmKey::Null => return Ok(Target::Null),
            KlmKey::Direct(idx) => idx,
        };
        let d = self.directs.get(idx as usize).ok_or("KLM names no direct mkey")?;
        let a = DIRECT_START_ADDR + r;
        if a - DIRECT_START_ADDR >= d.len {
            return Err("address past the direct mkey");
        }
        let shift = u32::from(d.log_page_size);
        let mask = (1u64 << shift) - 1;
        let page = (a >> shift) - (DIRECT_START_ADDR >> shift);
        let mtt = *d.mtts.get(page as usize).ok_or("page past the MTT list")?;
        if mtt & mask != 0 {
            return Err("MTT entry not aligned to the page size");
        }
        Ok(Target::Mapped {
            pa: mtt + (a & mask),
            perm: d.perm,
        })
    }
}
