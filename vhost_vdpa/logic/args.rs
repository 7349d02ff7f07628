// SPDX-License-Identifier: GPL-2.0

//! ioctl arguments: decoding of the bytes copied from user space, encoding
//! of the answers, and the argument checks of contract B.3.
//!
//! All structures are little-endian (x86-64 layout of `vhost_types.h`). A
//! decoder takes the bytes the kernel side copied from the user pointer; a
//! slice shorter than the structure is reported as [`Errno::EFAULT`], the
//! error of the short `copy_from_user` it stands for. Extra bytes are
//! ignored.

use super::uapi::{
    CONFIG_HDR_SIZE, IOVA_RANGE_SIZE, MAX_MEM_REGIONS, MEMORY_HDR_SIZE, MEMORY_REGION_SIZE,
    S_DRIVER_OK, VHOST_VRING_F_LOG, VRING_ADDR_SIZE, VRING_FILE_SIZE, VRING_STATE_SIZE,
};
use super::Errno;

/// Reads the little-endian `u32` at `off`; `None` if `b` is too short.
pub(crate) fn le32(b: &[u8], off: usize) -> Option<u32> {
    let end = off.checked_add(4)?;
    let bytes: [u8; 4] = b.get(off..end)?.try_into().ok()?;
    Some(u32::from_le_bytes(bytes))
}

/// Reads the little-endian `u64` at `off`; `None` if `b` is too short.
pub(crate) fn le64(b: &[u8], off: usize) -> Option<u64> {
    let end = off.checked_add(8)?;
    let bytes: [u8; 8] = b.get(off..end)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// Decodes a `u32` argument (first 4 bytes).
///
/// # Errors
///
/// [`Errno::EFAULT`] if fewer than 4 bytes were copied.
pub(crate) fn decode_u32(b: &[u8]) -> Result<u32, Errno> {
    le32(b, 0).ok_or(Errno::EFAULT)
}

/// Decodes a `u64` argument (first 8 bytes), e.g. a feature word.
///
/// # Errors
///
/// [`Errno::EFAULT`] if fewer than 8 bytes were copied.
pub(crate) fn decode_u64(b: &[u8]) -> Result<u64, Errno> {
    le64(b, 0).ok_or(Errno::EFAULT)
}

/// `struct vhost_vring_state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VringState {
    /// Queue index (group index for SET_GROUP_ASID).
    pub(crate) index: u32,
    /// The value.
    pub(crate) num: u32,
}

impl VringState {
    /// Size on the wire.
    pub(crate) const SIZE: usize = VRING_STATE_SIZE;

    /// Decodes `{index@0, num@4}`.
    ///
    /// # Errors
    ///
    /// [`Errno::EFAULT`] if `b` is shorter than [`Self::SIZE`].
    pub(crate) fn decode(b: &[u8]) -> Result<Self, Errno> {
        Ok(Self {
            index: le32(b, 0).ok_or(Errno::EFAULT)?,
            num: le32(b, 4).ok_or(Errno::EFAULT)?,
        })
    }

    /// Encodes for `copy_to_user`.
    pub(crate) fn encode(&self) -> [u8; VRING_STATE_SIZE] {
        let mut out = [0u8; VRING_STATE_SIZE];
        let (index, num) = out.split_at_mut(4);
        index.copy_from_slice(&self.index.to_le_bytes());
        num.copy_from_slice(&self.num.to_le_bytes());
        out
    }
}

/// `struct vhost_vring_file`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VringFile {
    /// Queue index.
    pub(crate) index: u32,
    /// Eventfd, or [`VHOST_FILE_UNBIND`](super::uapi::VHOST_FILE_UNBIND).
    pub(crate) fd: i32,
}

impl VringFile {
    /// Size on the wire.
    pub(crate) const SIZE: usize = VRING_FILE_SIZE;

    /// Decodes `{index@0, fd@4}`.
    ///
    /// # Errors
    ///
    /// [`Errno::EFAULT`] if `b` is shorter than [`Self::SIZE`].
    pub(crate) fn decode(b: &[u8]) -> Result<Self, Errno> {
        let fd = le32(b, 4).ok_or(Errno::EFAULT)?;
        Ok(Self {
            index: le32(b, 0).ok_or(Errno::EFAULT)?,
            fd: i32::from_le_bytes(fd.to_le_bytes()),
        })
    }
}

/// `struct vhost_vring_addr`. The field order is the C one: `used` comes
/// before `avail`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct VringAddr {
    /// Queue index (offset 0).
    pub(crate) index: u32,
    /// Option flags; only bit [`VHOST_VRING_F_LOG`] is defined (offset 4).
    pub(crate) flags: u32,
    /// `desc_user_addr` (offset 8).
    pub(crate) desc: u64,
    /// `used_user_addr` (offset 16).
    pub(crate) used: u64,
    /// `avail_user_addr` (offset 24).
    pub(crate) avail: u64,
    /// `log_guest_addr` (offset 32).
    pub(crate) log: u64,
}

impl VringAddr {
    /// Size on the wire.
    pub(crate) const SIZE: usize = VRING_ADDR_SIZE;

    /// Decodes the 40-byte structure.
    ///
    /// # Errors
    ///
    /// [`Errno::EFAULT`] if `b` is shorter than [`Self::SIZE`].
    pub(crate) fn decode(b: &[u8]) -> Result<Self, Errno> {
        let f = |off| le64(b, off).ok_or(Errno::EFAULT);
        Ok(Self {
            index: le32(b, 0).ok_or(Errno::EFAULT)?,
            flags: le32(b, 4).ok_or(Errno::EFAULT)?,
            desc: f(8)?,
            used: f(16)?,
            avail: f(24)?,
            log: f(32)?,
        })
    }
}

/// The header of `struct vhost_vdpa_config` (the `buf` follows it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ConfigHdr {
    /// Offset into the device config space.
    pub(crate) off: u32,
    /// Number of bytes.
    pub(crate) len: u32,
}

impl ConfigHdr {
    /// Size of the header on the wire (offset of `buf`).
    pub(crate) const SIZE: usize = CONFIG_HDR_SIZE;

    /// Decodes `{off@0, len@4}`.
    ///
    /// # Errors
    ///
    /// [`Errno::EFAULT`] if `b` is shorter than [`Self::SIZE`].
    pub(crate) fn decode(b: &[u8]) -> Result<Self, Errno> {
        Ok(Self {
            off: le32(b, 0).ok_or(Errno::EFAULT)?,
            len: le32(b, 4).ok_or(Errno::EFAULT)?,
        })
    }
}

/// `struct vhost_vdpa_iova_range`: the usable IOVAs, `first..=last`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct IovaRange {
    /// First usable IOVA.
    pub(crate) first: u64,
    /// Last usable IOVA (inclusive).
    pub(crate) last: u64,
}

impl IovaRange {
    /// Size on the wire.
    pub(crate) const SIZE: usize = IOVA_RANGE_SIZE;

    /// Encodes for `copy_to_user`.
    pub(crate) fn encode(&self) -> [u8; IOVA_RANGE_SIZE] {
        let mut out = [0u8; IOVA_RANGE_SIZE];
        let (first, last) = out.split_at_mut(8);
        first.copy_from_slice(&self.first.to_le_bytes());
        last.copy_from_slice(&self.last.to_le_bytes());
        out
    }
}

/// The header of `struct vhost_memory` (the regions follow it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MemoryHdr {
    /// Number of regions that follow.
    pub(crate) nregions: u32,
    /// Must be 0.
    pub(crate) padding: u32,
}

impl MemoryHdr {
    /// Size of the header on the wire (offset of `regions`).
    pub(crate) const SIZE: usize = MEMORY_HDR_SIZE;

    /// Decodes `{nregions@0, padding@4}`.
    ///
    /// # Errors
    ///
    /// [`Errno::EFAULT`] if `b` is shorter than [`Self::SIZE`].
    pub(crate) fn decode(b: &[u8]) -> Result<Self, Errno> {
        Ok(Self {
            nregions: le32(b, 0).ok_or(Errno::EFAULT)?,
            padding: le32(b, 4).ok_or(Errno::EFAULT)?,
        })
    }
}

/// `struct vhost_memory_region`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MemoryRegion {
    /// `guest_phys_addr` (offset 0).
    pub(crate) guest_phys_addr: u64,
    /// `memory_size` in bytes (offset 8).
    pub(crate) memory_size: u64,
    /// `userspace_addr` (offset 16).
    pub(crate) userspace_addr: u64,
    /// `flags_padding` (offset 24), not checked upstream.
    pub(crate) flags_padding: u64,
}

impl MemoryRegion {
    /// Size on the wire.
    pub(crate) const SIZE: usize = MEMORY_REGION_SIZE;

    /// Decodes one 32-byte region.
    ///
    /// # Errors
    ///
    /// [`Errno::EFAULT`] if `b` is shorter than [`Self::SIZE`].
    pub(crate) fn decode(b: &[u8]) -> Result<Self, Errno> {
        let f = |off| le64(b, off).ok_or(Errno::EFAULT);
        Ok(Self {
            guest_phys_addr: f(0)?,
            memory_size: f(8)?,
            userspace_addr: f(16)?,
            flags_padding: f(24)?,
        })
    }
}

/// The vring-index rule: the first `u32` of every vring ioctl's argument is
/// a queue index, checked after the owner check and before anything
/// ioctl-specific. Returns the index.
///
/// # Errors
///
/// [`Errno::ENOBUFS`] if `index >= nvqs`.
pub(crate) fn check_vring_index(index: u32, nvqs: u32) -> Result<u32, Errno> {
    if index >= nvqs {
        return Err(Errno::ENOBUFS);
    }
    Ok(index)
}

/// SET_VRING_NUM: `num` must be non-zero, a power of two, at most `0xffff`
/// and at most `dev_max`, the device maximum captured at the last
/// reset/open (the post-6.12 fix; 6.12.0 checked against `0xffff` only).
/// Returns the size as `u16`.
///
/// The `vq->private_data` EBUSY check of `vhost_vring_set_num` never fires
/// for vhost-vdpa (it is always NULL) and is not modelled.
///
/// # Errors
///
/// [`Errno::EINVAL`] otherwise.
pub(crate) fn check_vring_num(num: u32, dev_max: u16) -> Result<u16, Errno> {
    let n = u16::try_from(num).map_err(|_| Errno::EINVAL)?;
    if n == 0 || !n.is_power_of_two() || n > dev_max {
        return Err(Errno::EINVAL);
    }
    Ok(n)
}

/// SET_VRING_ADDR, the checks of `vhost_vring_set_addr()` (vhost.c).
///
/// Reading of the 6.12 C, in its order:
/// 1. `a.flags & ~(1 << VHOST_VRING_F_LOG)` → EOPNOTSUPP;
/// 2. desc, used or avail address not representable as an `unsigned long`
///    → EFAULT (never on 64-bit; kept so the rule is right on any target);
/// 3. avail not 2-aligned, used not 4-aligned, or **log** not 4-aligned →
///    EINVAL. The log address is checked whether or not the LOG flag is
///    set (the C tests `a.log_guest_addr` unconditionally);
/// 4. the access checks (`vq_access_ok`, `vq_log_used_access_ok`) run only
///    when `vq->private_data` is set, which vhost-vdpa never does, so
///    nothing else is checked; the desc address is never checked for
///    alignment.
///
/// The DRIVER_OK/suspended precondition (see [`check_quiesced`]) comes
/// after this and after the generic handler has stored the addresses.
///
/// # Errors
///
/// As listed.
pub(crate) fn check_vring_addr(a: &VringAddr) -> Result<(), Errno> {
    if a.flags & !(1u32 << VHOST_VRING_F_LOG) != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    for addr in [a.desc, a.used, a.avail] {
        if usize::try_from(addr).is_err() {
            return Err(Errno::EFAULT);
        }
    }
    if a.avail & 1 != 0 || a.used & 3 != 0 || a.log & 3 != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// SET_VRING_ADDR and SET_VRING_BASE, after the generic handler: the
/// device must not be running (DRIVER_OK set and not suspended).
///
/// # Errors
///
/// [`Errno::EINVAL`] if `status` has DRIVER_OK and `suspended` is false.
pub(crate) fn check_quiesced(status: u8, suspended: bool) -> Result<(), Errno> {
    if status & S_DRIVER_OK != 0 && !suspended {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// GET/SET_CONFIG: validation of `{off, len}` against the config size
/// (`vhost_vdpa_config_validate`).
///
/// The C returns E2BIG for `len > size - off`, but both callers turn any
/// failure into EINVAL, so this returns EINVAL for every case.
///
/// # Errors
///
/// [`Errno::EINVAL`] if `len == 0`, `off > config_size` or
/// `len > config_size - off`.
pub(crate) fn check_config(off: u32, len: u32, config_size: usize) -> Result<(), Errno> {
    // A usize fits in u64 on every Linux target.
    let size = u64::try_from(config_size).map_err(|_| Errno::EINVAL)?;
    // `off > size` leaves no room.
    let room = size.checked_sub(u64::from(off)).ok_or(Errno::EINVAL)?;
    if len == 0 || u64::from(len) > room {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// Ring position of a queue, as the parent's `vdpa_vq_state` holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VqBase {
    /// `struct vdpa_vq_state_split`.
    Split {
        /// Next available index the device will read.
        avail_index: u16,
    },
    /// `struct vdpa_vq_state_packed` (four bitfields).
    Packed {
        /// Driver ring wrap counter last observed by the device.
        last_avail_counter: bool,
        /// Last available index, 15 bits.
        last_avail_idx: u16,
        /// Device ring wrap counter.
        last_used_counter: bool,
        /// Last used index, 15 bits.
        last_used_idx: u16,
    },
}

/// SET_VRING_BASE: decodes `num` into the state handed to `set_vq_state`.
///
/// Split (RING_PACKED not acked): the avail index. Packed: the low 16 bits
/// are `avail_idx | avail_wrap << 15`, the high 16 `used_idx |
/// used_wrap << 15` (vhost.c stores the two halves in `last_avail_idx` and
/// `last_used_idx`, then vdpa.c splits each into index `& 0x7fff` and
/// counter `& 0x8000`).
///
/// # Errors
///
/// [`Errno::EINVAL`] for a split ring if `num > 0xffff`; a packed `num` is
/// never refused.
pub(crate) fn decode_vring_base(num: u32, packed: bool) -> Result<VqBase, Errno> {
    if !packed {
        let avail_index = u16::try_from(num).map_err(|_| Errno::EINVAL)?;
        return Ok(VqBase::Split { avail_index });
    }
    let [a0, a1, u0, u1] = num.to_le_bytes();
    let avail = u16::from_le_bytes([a0, a1]);
    let used = u16::from_le_bytes([u0, u1]);
    Ok(VqBase::Packed {
        last_avail_counter: avail & 0x8000 != 0,
        last_avail_idx: avail & 0x7fff,
        last_used_counter: used & 0x8000 != 0,
        last_used_idx: used & 0x7fff,
    })
}

/// GET_VRING_BASE: the `num` returned for the state `get_vq_state` gave.
///
/// With `packed` (RING_PACKED acked): `avail_idx | avail_wrap << 15` in the
/// low half and `used_idx | used_wrap << 15` in the high half, each index
/// taken to 15 bits as the bitfields hold it. Without: the avail word only.
/// A [`VqBase::Split`] state in packed format has used word 0; a
/// [`VqBase::Packed`] state in split format gives its avail word.
pub(crate) fn encode_vring_base(state: &VqBase, packed: bool) -> u32 {
    let (avail, used) = match *state {
        VqBase::Split { avail_index } => (avail_index, 0u16),
        VqBase::Packed {
            last_avail_counter,
            last_avail_idx,
            last_used_counter,
            last_used_idx,
        } => (
            (last_avail_idx & 0x7fff) | (u16::from(last_avail_counter) << 15),
            (last_used_idx & 0x7fff) | (u16::from(last_used_counter) << 15),
        ),
    };
    if packed {
        u32::from(avail) | (u32::from(used) << 16)
    } else {
        u32::from(avail)
    }
}

/// SET_MEM_TABLE header checks (`vhost_set_memory`), in the C order.
///
/// # Errors
///
/// [`Errno::EOPNOTSUPP`] if `padding != 0`; [`Errno::E2BIG`] if
/// `nregions > 64` (vhost's `max_mem_regions` default).
pub(crate) fn check_mem_table_header(nregions: u32, padding: u32) -> Result<(), Errno> {
    if padding != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    if nregions > MAX_MEM_REGIONS {
        return Err(Errno::E2BIG);
    }
    Ok(())
}

/// SET_MEM_TABLE, one region: vhost adds `[gpa, gpa + size - 1]` (wrapping
/// arithmetic, as the C) to a fresh IOTLB, which refuses `last < start`.
/// So `size == 0` is refused except at `gpa == 0`, where it wraps to the
/// whole 64-bit space and is accepted; overlapping regions are accepted.
/// Returns the last address.
///
/// # Errors
///
/// [`Errno::EFAULT`] if the wrapped last address is below `gpa`.
pub(crate) fn check_mem_region(gpa: u64, size: u64) -> Result<u64, Errno> {
    let last = gpa.wrapping_add(size).wrapping_sub(1);
    if last < gpa {
        return Err(Errno::EFAULT);
    }
    Ok(last)
}

/// GET_VRING_GROUP and GET_VRING_DESC_GROUP: the parent's answer must be a
/// valid group. Returns it.
///
/// # Errors
///
/// [`Errno::EIO`] if `group >= ngroups`.
pub(crate) fn check_group(group: u32, ngroups: u32) -> Result<u32, Errno> {
    if group >= ngroups {
        return Err(Errno::EIO);
    }
    Ok(group)
}

/// SET_GROUP_ASID, after the vring-index rule (which checks the *group*
/// against `nvqs`, a quirk) and before the op-presence check.
///
/// # Errors
///
/// [`Errno::EINVAL`] if `group >= ngroups` or `asid >= nas`.
pub(crate) fn check_group_asid(group: u32, asid: u32, ngroups: u32, nas: u32) -> Result<(), Errno> {
    if group >= ngroups || asid >= nas {
        return Err(Errno::EINVAL);
    }
    Ok(())
}
