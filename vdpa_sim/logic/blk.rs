// SPDX-License-Identifier: GPL-2.0

//! Request handling of the simulated block device (`vdpasim_blk`): a RAM
//! disk behind one virtqueue, and its config space.
//!
//! A request is a chain with a device-readable part (the 16-byte header
//! `{type: u32, ioprio: u32, sector: u64}`, then the data of OUT and the
//! `{sector: u64, num_sectors: u32, flags: u32}` range of DISCARD and
//! WRITE_ZEROES) and a device-writable part (the data of IN and GET_ID,
//! then the status byte, which is the last writable byte).
//!
//! The kernel worker pops a chain, calls [`handle`], pushes the used entry
//! `(head, used_len)`, asks for a notification, and stops the run when
//! [`ReqResult::stop`] is set or after [`WORK_BATCH`] requests (then it
//! re-queues itself).
//!
//! Behaviour is Linux 6.12's `vdpasim_blk_handle_req()`, quirks included:
//! * a malformed chain (no readable or no writable buffer, last writable
//!   buffer empty, header shorter than 16 bytes) is completed with length 0
//!   and no status, and stops the run;
//! * GET_ID writes up to 20 ID bytes even into the status byte's place: a
//!   writable part of 20 bytes or less gets that many ID bytes, no status,
//!   and the run stops;
//! * the range of IN and OUT counts whole sectors of the data length.
//!
//! Differences (listed in `Documentation/`): an IN or OUT whose byte range
//! (not rounded to sectors) passes the end of the disk is an I/O error
//! (upstream copies past its buffer); a guest fault during a data copy is an
//! I/O error with the status in the last writable byte (upstream may then
//! lose the status and stop the run).

use super::vring::{Chain, GuestMem, VringError};

/// Sectors of the simulated disk (128 MiB).
pub(crate) const CAPACITY_SECTORS: u64 = 0x40000;
/// Bytes per sector.
pub(crate) const SECTOR_SIZE: u64 = 512;
/// `SECTOR_SHIFT`.
pub(crate) const SECTOR_SHIFT: u32 = 9;
/// `size_max`: largest segment.
pub(crate) const SIZE_MAX: u32 = 0x1000;
/// `seg_max`: most segments per request.
pub(crate) const SEG_MAX: u32 = 32;
/// Largest IN/OUT, in sectors (upstream: `SIZE_MAX * SEG_MAX`).
pub(crate) const RW_MAX_SECTORS: u64 = SIZE_MAX as u64 * SEG_MAX as u64;
/// Largest DISCARD / WRITE_ZEROES, in sectors.
pub(crate) const DWZ_MAX_SECTORS: u32 = u32::MAX;
/// Requests per worker run before it re-queues itself.
pub(crate) const WORK_BATCH: usize = 5;
/// Size of `struct virtio_blk_config`.
pub(crate) const CONFIG_LEN: usize = 96;
/// `VIRTIO_BLK_ID_BYTES`.
pub(crate) const ID_BYTES: usize = 20;
/// The GET_ID answer: "vdpa_blk_sim", zero-padded.
pub(crate) const ID: [u8; ID_BYTES] = *b"vdpa_blk_sim\0\0\0\0\0\0\0\0";
/// Size of `struct virtio_blk_outhdr`.
pub(crate) const OUTHDR_LEN: usize = 16;
/// Size of `struct virtio_blk_discard_write_zeroes`.
pub(crate) const DWZ_LEN: usize = 16;

/// `VIRTIO_BLK_T_IN`.
pub(crate) const T_IN: u32 = 0;
/// `VIRTIO_BLK_T_OUT`.
pub(crate) const T_OUT: u32 = 1;
/// `VIRTIO_BLK_T_FLUSH`.
pub(crate) const T_FLUSH: u32 = 4;
/// `VIRTIO_BLK_T_GET_ID`.
pub(crate) const T_GET_ID: u32 = 8;
/// `VIRTIO_BLK_T_DISCARD`.
pub(crate) const T_DISCARD: u32 = 11;
/// `VIRTIO_BLK_T_WRITE_ZEROES`.
pub(crate) const T_WRITE_ZEROES: u32 = 13;
/// `VIRTIO_BLK_S_OK`.
pub(crate) const S_OK: u8 = 0;
/// `VIRTIO_BLK_S_IOERR`.
pub(crate) const S_IOERR: u8 = 1;
/// `VIRTIO_BLK_S_UNSUPP`.
pub(crate) const S_UNSUPP: u8 = 2;
/// `VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP`.
pub(crate) const WRITE_ZEROES_FLAG_UNMAP: u32 = 1;

/// `struct virtio_blk_config` for a disk of `capacity_sectors`, little-endian
/// (the simulator's drivers negotiate VERSION_1, and x86 is little-endian
/// anyway): capacity, size_max 4096, seg_max 32, blk_size 512, min_io_size
/// 1, opt_io_size 1, num_queues 1, discard and write-zeroes limits; the
/// rest 0.
pub(crate) fn config_bytes(capacity_sectors: u64) -> [u8; CONFIG_LEN] {
    let mut b = [0u8; CONFIG_LEN];
    let sector = SECTOR_SIZE as u32;
    let fields: [(usize, &[u8]); 12] = [
        (0, &capacity_sectors.to_le_bytes()),
        (8, &SIZE_MAX.to_le_bytes()),
        (12, &SEG_MAX.to_le_bytes()),
        (20, &sector.to_le_bytes()),
        (26, &1u16.to_le_bytes()),
        (28, &1u32.to_le_bytes()),
        (34, &1u16.to_le_bytes()),
        (36, &DWZ_MAX_SECTORS.to_le_bytes()),
        (40, &1u32.to_le_bytes()),
        (44, &sector.to_le_bytes()),
        (48, &DWZ_MAX_SECTORS.to_le_bytes()),
        (52, &1u32.to_le_bytes()),
    ];
    for (off, val) in fields {
        if let Some(dst) = b.get_mut(off..off + val.len()) {
            dst.copy_from_slice(val);
        }
    }
    b
}

/// Outcome of one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ReqResult {
    /// Length for the used entry: data bytes written plus the status byte.
    pub(crate) used_len: u32,
    /// Malformed request (no status written): stop this worker run.
    pub(crate) stop: bool,
}

/// `vdpasim_blk_check_range()`: the start lies on the disk, the request is
/// at most `max` sectors and ends on the disk.
fn range_ok(start: u64, sectors: u64, max: u64, capacity: u64) -> bool {
    start < capacity && sectors <= max && sectors <= capacity - start
}

/// Bytes `[sector * 512, + len)` of `disk`, if all of them are on it.
fn disk_range(disk_len: usize, sector: u64, len: u64) -> Option<core::ops::Range<usize>> {
    let start = sector.checked_mul(SECTOR_SIZE)?;
    let end = start.checked_add(len)?;
    let start = usize::try_from(start).ok()?;
    let end = usize::try_from(end).ok()?;
    (end <= disk_len).then_some(start..end)
}

fn le_u32(b: &[u8], off: usize) -> u32 {
    let mut v = [0u8; 4];
    if let Some(s) = b.get(off..off + 4) {
        v.copy_from_slice(s);
    }
    u32::from_le_bytes(v)
}

fn le_u64(b: &[u8], off: usize) -> u64 {
    let mut v = [0u8; 8];
    if let Some(s) = b.get(off..off + 8) {
        v.copy_from_slice(s);
    }
    u64::from_le_bytes(v)
}

const MALFORMED: ReqResult = ReqResult {
    used_len: 0,
    stop: true,
};

/// Executes one popped request against `disk` (`capacity_sectors * 512`
/// bytes) and writes its status as the last writable byte. Data moves
/// directly between the chain's buffers and `disk`.
///
/// # Errors
///
/// None at present: guest faults become an `IOERR` status, or a stop when
/// the status itself cannot be written. The `Result` lets the caller use
/// `?` should that change.
pub(crate) fn handle<M: GuestMem>(
    mem: &mut M,
    chain: &Chain,
    disk: &mut [u8],
    capacity_sectors: u64,
) -> Result<ReqResult, VringError> {
    let Some(last) = chain.writable().last() else {
        return Ok(MALFORMED);
    };
    if chain.readable().is_empty() || last.len < 1 {
        return Ok(MALFORMED);
    }
    // Bytes before the status byte; no underflow: the last writable
    // buffer holds at least one byte.
    let to_push = chain.writable_len() - 1;
    let mut hdr = [0u8; OUTHDR_LEN];
    if chain.read(mem, 0, &mut hdr) != Ok(OUTHDR_LEN) {
        return Ok(MALFORMED);
    }
    // No underflow: the 16 header bytes were read from the readable part.
    let to_pull = chain.readable_len() - OUTHDR_LEN as u64;
    let ty = le_u32(&hdr, 0);
    let sector = le_u64(&hdr, 8);

    let mut pushed = 0u64;
    let status = if ty != T_IN && ty != T_OUT && sector != 0 {
        S_IOERR
    } else {
        match ty {
            T_IN => {
                let range = range_ok(
                    sector,
                    to_push >> SECTOR_SHIFT,
                    RW_MAX_SECTORS,
                    capacity_sectors,
                )
                .then(|| disk_range(disk.len(), sector, to_push))
                .flatten();
                match range.and_then(|r| disk.get(r)) {
                    Some(src) => match chain.write(mem, 0, src) {
                        Ok(n) => {
                            pushed = n as u64;
                            S_OK
                        }
                        Err(_) => S_IOERR,
                    },
                    None => S_IOERR,
                }
            }
            T_OUT => {
                let range = range_ok(
                    sector,
                    to_pull >> SECTOR_SHIFT,
                    RW_MAX_SECTORS,
                    capacity_sectors,
                )
                .then(|| disk_range(disk.len(), sector, to_pull))
                .flatten();
                match range.and_then(|r| disk.get_mut(r)) {
                    Some(dst) => match chain.read(mem, OUTHDR_LEN as u64, dst) {
                        Ok(_) => S_OK,
                        Err(_) => S_IOERR,
                    },
                    None => S_IOERR,
                }
            }
            T_GET_ID => match chain.write(mem, 0, &ID) {
                Ok(n) => {
                    pushed = n as u64;
                    S_OK
                }
                Err(_) => S_IOERR,
            },
            T_FLUSH => S_OK,
            T_DISCARD | T_WRITE_ZEROES => {
                discard_write_zeroes(mem, chain, ty, to_pull, disk, capacity_sectors)
            }
            _ => S_IOERR,
        }
    };

    // GET_ID into 20 writable bytes or fewer took the status byte's place:
    // upstream's status push then finds no room and the run stops.
    let used = u32::try_from(pushed).unwrap_or(u32::MAX);
    if pushed > to_push {
        return Ok(ReqResult {
            used_len: used,
            stop: true,
        });
    }
    if chain.write(mem, to_push, &[status]) != Ok(1) {
        return Ok(ReqResult {
            used_len: used,
            stop: true,
        });
    }
    Ok(ReqResult {
        used_len: used.saturating_add(1),
        stop: false,
    })
}

/// DISCARD and WRITE_ZEROES: exactly one range after the header.
fn discard_write_zeroes<M: GuestMem>(
    mem: &mut M,
    chain: &Chain,
    ty: u32,
    to_pull: u64,
    disk: &mut [u8],
    capacity_sectors: u64,
) -> u8 {
    if to_pull != DWZ_LEN as u64 {
        return S_IOERR;
    }
    let mut range = [0u8; DWZ_LEN];
    if chain.read(mem, OUTHDR_LEN as u64, &mut range).is_err() {
        return S_IOERR;
    }
    let sector = le_u64(&range, 0);
    let num = le_u32(&range, 8);
    let flags = le_u32(&range, 12);
    if ty == T_DISCARD && flags != 0 {
        return S_UNSUPP;
    }
    if ty == T_WRITE_ZEROES && flags & !WRITE_ZEROES_FLAG_UNMAP != 0 {
        return S_UNSUPP;
    }
    if !range_ok(
        sector,
        u64::from(num),
        u64::from(DWZ_MAX_SECTORS),
        capacity_sectors,
    ) {
        return S_IOERR;
    }
    if ty == T_WRITE_ZEROES {
        let bytes = u64::from(num) << SECTOR_SHIFT;
        match disk_range(disk.len(), sector, bytes).and_then(|r| disk.get_mut(r)) {
            Some(dst) => dst.fill(0),
            None => return S_IOERR,
        }
    }
    S_OK
}
