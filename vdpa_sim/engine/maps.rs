// SPDX-License-Identifier: GPL-2.0

//! The address spaces of a simulated device: one [`IovaMap`] per ASID,
//! kept in kernel vectors.

use kernel::prelude::*;

use crate::logic::iova_map::{Entry, EntryVec, IovaMap, MapError};

/// Most address spaces of a simulated device (net has 2, block 1).
pub(crate) const MAX_AS: usize = 2;

/// Entries of one IOTLB in a kernel vector.
pub(crate) struct KEntries(KVec<Entry>);

impl EntryVec for KEntries {
    fn entries(&self) -> &[Entry] {
        &self.0
    }

    fn entries_mut(&mut self) -> &mut [Entry] {
        &mut self.0
    }

    fn try_push(&mut self, e: Entry) -> Result<(), MapError> {
        // Map ops run in process context (vhost_vdpa holds a mutex).
        self.0.push(e, GFP_KERNEL).map_err(|_| MapError::NoMem)
    }

    fn truncate(&mut self, len: usize) {
        if len < self.0.len() {
            // SAFETY: `len` is below the length, and `Entry` is `Copy`, so
            // nothing past it needs dropping.
            unsafe { self.0.set_len(len) };
        }
    }
}

/// One address space.
pub(crate) type Map = IovaMap<KEntries>;

/// The address spaces of a device, each starting in identity pass-through.
pub(crate) struct Maps {
    asids: [Map; MAX_AS],
    nas: usize,
}

impl Maps {
    /// `nas` address spaces of at most `limit` entries each.
    pub(crate) fn new(nas: usize, limit: usize) -> Self {
        let map = || IovaMap::new(KEntries(KVec::new()), limit);
        Self { asids: [map(), map()], nas: nas.min(MAX_AS) }
    }

    /// Address space `asid`, if the device has it.
    pub(crate) fn get(&self, asid: usize) -> Option<&Map> {
        self.asids.get(..self.nas)?.get(asid)
    }

    /// Address space `asid` for a change.
    ///
    /// # Errors
    ///
    /// `EINVAL` if the device has no such address space.
    pub(crate) fn get_mut(&mut self, asid: usize) -> Result<&mut Map> {
        self.asids.get_mut(..self.nas).and_then(|a| a.get_mut(asid)).ok_or(EINVAL)
    }

    /// Every address space back to identity pass-through.
    pub(crate) fn all_passthrough(&mut self) {
        for m in self.asids.iter_mut() {
            m.set_passthrough();
        }
    }
}

/// The errno of a map error.
pub(crate) fn errno(e: MapError) -> Error {
    match e {
        MapError::NoMem => ENOMEM,
        MapError::NoSpace => ENOSPC,
        MapError::Invalid => EINVAL,
        MapError::Exists => EEXIST,
    }
}
