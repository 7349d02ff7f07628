// SPDX-License-Identifier: GPL-2.0

//! Virtqueue values of the ABI: checked queue and group indices, the saved
//! ring state and the doorbell area.

use super::bindings;

/// A virtqueue index below the `nvqs` its device was registered with.
///
/// # Invariants
///
/// Only made by [`VqIdx::new`] against the device's `nvqs`: a parent that
/// sized its queue array to `nvqs` can index it with [`VqIdx::as_usize`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VqIdx(u16);

impl VqIdx {
    /// `idx` if it is below `nvqs`.
    pub(crate) fn new(idx: u16, nvqs: u32) -> Option<Self> {
        (u32::from(idx) < nvqs).then_some(Self(idx))
    }

    /// The index.
    pub(crate) fn get(self) -> u16 {
        self.0
    }

    /// The index, for indexing a per-queue array.
    pub(crate) fn as_usize(self) -> usize {
        usize::from(self.0)
    }
}

/// A virtqueue group below the device's `ngroups`.
///
/// # Invariants
///
/// Only made by [`Group::new`] against the device's `ngroups`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Group(u32);

impl Group {
    /// `group` if it is below `ngroups`.
    pub(crate) fn new(group: u32, ngroups: u32) -> Option<Self> {
        (group < ngroups).then_some(Self(group))
    }

    /// The group number.
    pub(crate) fn get(self) -> u32 {
        self.0
    }

    /// The group number, for indexing a per-group array.
    pub(crate) fn as_usize(self) -> usize {
        self.0 as usize
    }
}

/// The position of a packed ring (`struct vdpa_vq_state_packed`): the
/// 15-bit indices and their wrap counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PackedState {
    /// Wrap counter of the next available descriptor.
    pub(crate) last_avail_counter: bool,
    /// Index of the next available descriptor (15 bits).
    pub(crate) last_avail_idx: u16,
    /// Wrap counter of the next used descriptor.
    pub(crate) last_used_counter: bool,
    /// Index of the next used descriptor (15 bits).
    pub(crate) last_used_idx: u16,
}

/// The saved position of a ring (`struct vdpa_vq_state`), split or packed
/// after the driver's `VIRTIO_F_RING_PACKED`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VqState {
    /// A split ring: the next available index.
    Split {
        /// `avail_index`.
        avail_index: u16,
    },
    /// A packed ring.
    Packed(PackedState),
}

/// Bit number of `VIRTIO_F_RING_PACKED`.
pub(crate) const F_RING_PACKED: u32 = bindings::VIRTIO_F_RING_PACKED;

impl VqState {
    /// Reads the state a bus driver passed to `set_vq_state`: for a split
    /// ring only the two bytes the driver wrote are read.
    ///
    /// # Safety
    ///
    /// `s` must be valid for reading; for a packed ring its four bytes,
    /// for a split ring its first two, must be initialised.
    pub(crate) unsafe fn read(s: *const bindings::vdpa_vq_state, packed: bool) -> Self {
        let mut raw = bindings::vdpa_vq_state::default();
        let n = if packed { core::mem::size_of::<bindings::vdpa_vq_state_packed>() } else { 2 };
        // SAFETY: `n` bytes of `s` are initialised (caller); `raw` is a
        // local of at least `n` bytes (the union holds the packed state).
        unsafe {
            core::ptr::copy_nonoverlapping(s.cast::<u8>(), core::ptr::addr_of_mut!(raw).cast::<u8>(), n)
        };
        if packed {
            // SAFETY: all four bytes were copied; any bit pattern is a
            // valid packed state.
            let p = unsafe { raw.__bindgen_anon_1.packed.as_ref() };
            Self::Packed(PackedState {
                last_avail_counter: p.last_avail_counter() != 0,
                last_avail_idx: p.last_avail_idx(),
                last_used_counter: p.last_used_counter() != 0,
                last_used_idx: p.last_used_idx(),
            })
        } else {
            // SAFETY: the first two bytes were copied, the rest is zero.
            Self::Split { avail_index: unsafe { raw.__bindgen_anon_1.split.as_ref().avail_index } }
        }
    }

    /// The C value, every byte written.
    pub(crate) fn to_raw(self) -> bindings::vdpa_vq_state {
        let mut raw = bindings::vdpa_vq_state::default();
        match self {
            Self::Split { avail_index } => {
                // SAFETY: writing a plain field of the zeroed union.
                unsafe { raw.__bindgen_anon_1.split.as_mut().avail_index = avail_index };
            }
            Self::Packed(p) => {
                // SAFETY: as above.
                let c = unsafe { raw.__bindgen_anon_1.packed.as_mut() };
                c.set_last_avail_counter(u16::from(p.last_avail_counter));
                c.set_last_avail_idx(p.last_avail_idx & 0x7fff);
                c.set_last_used_counter(u16::from(p.last_used_counter));
                c.set_last_used_idx(p.last_used_idx & 0x7fff);
            }
        }
        raw
    }
}

/// Where a virtqueue's doorbell is (`struct vdpa_notification_area`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct NotificationArea {
    /// Physical address of the doorbell.
    pub(crate) addr: u64,
    /// Size of the doorbell area.
    pub(crate) size: u64,
}
