// SPDX-License-Identifier: GPL-2.0

//! Tests of `vhost_vdpa/logic/uapi.rs`: every ioctl code re-derived from the
//! `_IOC` arithmetic of `include/uapi/asm-generic/ioctl.h` (x86-64: 2 dir
//! bits at 30, 14 size bits at 16, type at 8, nr at 0) and the argument
//! sizes; the other numbers against `vhost_types.h`/`virtio_config.h`.

use crate::logic::uapi::*;
use crate::logic::Errno;

const NONE: u32 = 0;
const WRITE: u32 = 1;
const READ: u32 = 2;

/// `_IOC(dir, 0xAF, nr, size)`, written independently of the logic.
fn ioc(dir: u32, nr: u32, size: usize) -> u32 {
    assert!(size < (1 << 14), "size field is 14 bits");
    assert!(nr < 256);
    (dir << 30) | ((size as u32) << 16) | (0xAF << 8) | nr
}
fn io(nr: u32) -> u32 {
    ioc(NONE, nr, 0)
}
fn ior(nr: u32, size: usize) -> u32 {
    ioc(READ, nr, size)
}
fn iow(nr: u32, size: usize) -> u32 {
    ioc(WRITE, nr, size)
}
fn iowr(nr: u32, size: usize) -> u32 {
    ioc(READ | WRITE, nr, size)
}

// C argument sizes, spelled out here rather than taken from the logic.
const U8: usize = 1;
const U16: usize = 2;
const U32: usize = 4;
const INT: usize = 4;
const U64: usize = 8;
const STATE: usize = 4 + 4;
const FILE: usize = 4 + 4;
const ADDR: usize = 4 + 4 + 4 * 8;
const MEMORY: usize = 4 + 4;
const CONFIG: usize = 4 + 4;
const RANGE: usize = 8 + 8;
const WORKER_STATE: usize = 4;
const VRING_WORKER: usize = 4 + 4;

#[test]
fn argument_sizes_match_the_c_structs() {
    assert_eq!(VRING_STATE_SIZE, STATE);
    assert_eq!(VRING_FILE_SIZE, FILE);
    assert_eq!(VRING_ADDR_SIZE, ADDR);
    assert_eq!(MEMORY_HDR_SIZE, MEMORY);
    assert_eq!(MEMORY_REGION_SIZE, 4 * 8);
    assert_eq!(CONFIG_HDR_SIZE, CONFIG);
    assert_eq!(IOVA_RANGE_SIZE, RANGE);
}

#[test]
fn magic_is_0xaf() {
    assert_eq!(VHOST_VIRTIO, 0xAF);
}

#[test]
fn feature_ioctls() {
    assert_eq!(VHOST_GET_FEATURES, ior(0x00, U64));
    assert_eq!(VHOST_GET_FEATURES, 0x8008_AF00);
    assert_eq!(VHOST_SET_FEATURES, iow(0x00, U64));
    assert_eq!(VHOST_SET_BACKEND_FEATURES, iow(0x25, U64));
    assert_eq!(VHOST_GET_BACKEND_FEATURES, ior(0x26, U64));
}

#[test]
fn owner_memory_log_worker_ioctls() {
    assert_eq!(VHOST_SET_OWNER, io(0x01));
    assert_eq!(VHOST_RESET_OWNER, io(0x02));
    assert_eq!(VHOST_SET_MEM_TABLE, iow(0x03, MEMORY));
    assert_eq!(VHOST_SET_LOG_BASE, iow(0x04, U64));
    assert_eq!(VHOST_SET_LOG_FD, iow(0x07, INT));
    assert_eq!(VHOST_NEW_WORKER, ior(0x08, WORKER_STATE));
    assert_eq!(VHOST_FREE_WORKER, iow(0x09, WORKER_STATE));
    assert_eq!(VHOST_ATTACH_VRING_WORKER, iow(0x15, VRING_WORKER));
    assert_eq!(VHOST_GET_VRING_WORKER, iowr(0x16, VRING_WORKER));
    assert_eq!(VHOST_SET_FORK_FROM_OWNER, iow(0x84, U8));
    assert_eq!(VHOST_GET_FORK_FROM_OWNER, ior(0x85, U8));
}

#[test]
fn vring_ioctls() {
    assert_eq!(VHOST_SET_VRING_NUM, iow(0x10, STATE));
    assert_eq!(VHOST_SET_VRING_ADDR, iow(0x11, ADDR));
    assert_eq!(VHOST_SET_VRING_BASE, iow(0x12, STATE));
    assert_eq!(VHOST_GET_VRING_BASE, iowr(0x12, STATE));
    assert_eq!(VHOST_SET_VRING_ENDIAN, iow(0x13, STATE));
    // Upstream declares the getter with _IOW.
    assert_eq!(VHOST_GET_VRING_ENDIAN, iow(0x14, STATE));
    assert_eq!(VHOST_SET_VRING_KICK, iow(0x20, FILE));
    assert_eq!(VHOST_SET_VRING_CALL, iow(0x21, FILE));
    assert_eq!(VHOST_SET_VRING_ERR, iow(0x22, FILE));
    assert_eq!(VHOST_SET_VRING_BUSYLOOP_TIMEOUT, iow(0x23, STATE));
    assert_eq!(VHOST_GET_VRING_BUSYLOOP_TIMEOUT, iow(0x24, STATE));
}

#[test]
fn vdpa_ioctls() {
    assert_eq!(VHOST_VDPA_GET_DEVICE_ID, ior(0x70, U32));
    assert_eq!(VHOST_VDPA_GET_STATUS, ior(0x71, U8));
    assert_eq!(VHOST_VDPA_SET_STATUS, iow(0x72, U8));
    assert_eq!(VHOST_VDPA_GET_CONFIG, ior(0x73, CONFIG));
    assert_eq!(VHOST_VDPA_SET_CONFIG, iow(0x74, CONFIG));
    assert_eq!(VHOST_VDPA_SET_VRING_ENABLE, iow(0x75, STATE));
    assert_eq!(VHOST_VDPA_GET_VRING_NUM, ior(0x76, U16));
    assert_eq!(VHOST_VDPA_SET_CONFIG_CALL, iow(0x77, INT));
    assert_eq!(VHOST_VDPA_GET_IOVA_RANGE, ior(0x78, RANGE));
    assert_eq!(VHOST_VDPA_GET_CONFIG_SIZE, ior(0x79, U32));
    assert_eq!(VHOST_VDPA_GET_AS_NUM, ior(0x7A, U32));
    assert_eq!(VHOST_VDPA_GET_VRING_GROUP, iowr(0x7B, STATE));
    assert_eq!(VHOST_VDPA_SET_GROUP_ASID, iow(0x7C, STATE));
    assert_eq!(VHOST_VDPA_SUSPEND, io(0x7D));
    assert_eq!(VHOST_VDPA_RESUME, io(0x7E));
    assert_eq!(VHOST_VDPA_GET_VRING_DESC_GROUP, iowr(0x7F, STATE));
    assert_eq!(VHOST_VDPA_GET_VQS_COUNT, ior(0x80, U32));
    assert_eq!(VHOST_VDPA_GET_GROUP_NUM, ior(0x81, U32));
    assert_eq!(VHOST_VDPA_GET_VRING_SIZE, iowr(0x82, STATE));
}

#[test]
fn contract_table_codes() {
    // The literal codes of contract B.3, as a second, independent source.
    let table: &[(u32, u32)] = &[
        (VHOST_GET_FEATURES, 0x8008AF00),
        (VHOST_SET_FEATURES, 0x4008AF00),
        (VHOST_SET_OWNER, 0x0000AF01),
        (VHOST_RESET_OWNER, 0x0000AF02),
        (VHOST_SET_MEM_TABLE, 0x4008AF03),
        (VHOST_SET_LOG_BASE, 0x4008AF04),
        (VHOST_SET_LOG_FD, 0x4004AF07),
        (VHOST_SET_VRING_NUM, 0x4008AF10),
        (VHOST_SET_VRING_ADDR, 0x4028AF11),
        (VHOST_SET_VRING_BASE, 0x4008AF12),
        (VHOST_GET_VRING_BASE, 0xC008AF12),
        (VHOST_SET_VRING_ENDIAN, 0x4008AF13),
        (VHOST_GET_VRING_ENDIAN, 0x4008AF14),
        (VHOST_SET_VRING_KICK, 0x4008AF20),
        (VHOST_SET_VRING_CALL, 0x4008AF21),
        (VHOST_SET_VRING_ERR, 0x4008AF22),
        (VHOST_SET_VRING_BUSYLOOP_TIMEOUT, 0x4008AF23),
        (VHOST_GET_VRING_BUSYLOOP_TIMEOUT, 0x4008AF24),
        (VHOST_SET_BACKEND_FEATURES, 0x4008AF25),
        (VHOST_GET_BACKEND_FEATURES, 0x8008AF26),
        (VHOST_VDPA_GET_DEVICE_ID, 0x8004AF70),
        (VHOST_VDPA_GET_STATUS, 0x8001AF71),
        (VHOST_VDPA_SET_STATUS, 0x4001AF72),
        (VHOST_VDPA_GET_CONFIG, 0x8008AF73),
        (VHOST_VDPA_SET_CONFIG, 0x4008AF74),
        (VHOST_VDPA_SET_VRING_ENABLE, 0x4008AF75),
        (VHOST_VDPA_GET_VRING_NUM, 0x8002AF76),
        (VHOST_VDPA_SET_CONFIG_CALL, 0x4004AF77),
        (VHOST_VDPA_GET_IOVA_RANGE, 0x8010AF78),
        (VHOST_VDPA_GET_CONFIG_SIZE, 0x8004AF79),
        (VHOST_VDPA_GET_AS_NUM, 0x8004AF7A),
        (VHOST_VDPA_GET_VRING_GROUP, 0xC008AF7B),
        (VHOST_VDPA_SET_GROUP_ASID, 0x4008AF7C),
        (VHOST_VDPA_SUSPEND, 0x0000AF7D),
        (VHOST_VDPA_RESUME, 0x0000AF7E),
        (VHOST_VDPA_GET_VRING_DESC_GROUP, 0xC008AF7F),
        (VHOST_VDPA_GET_VQS_COUNT, 0x8004AF80),
        (VHOST_VDPA_GET_GROUP_NUM, 0x8004AF81),
        (VHOST_VDPA_GET_VRING_SIZE, 0xC008AF82),
        (VHOST_SET_FORK_FROM_OWNER, 0x4001AF84),
        (VHOST_GET_FORK_FROM_OWNER, 0x8001AF85),
        (VHOST_NEW_WORKER, 0x8004AF08),
    ];
    for &(ours, contract) in table {
        assert_eq!(ours, contract, "{ours:#x} vs {contract:#x}");
    }
    // No two requests share a code.
    for (i, a) in table.iter().enumerate() {
        for b in table.iter().skip(i + 1) {
            assert_ne!(a.0, b.0);
        }
    }
}

#[test]
fn backend_feature_bits() {
    assert_eq!(
        [
            BACKEND_F_IOTLB_MSG_V2,
            BACKEND_F_IOTLB_BATCH,
            BACKEND_F_IOTLB_ASID,
            BACKEND_F_SUSPEND,
            BACKEND_F_RESUME,
            BACKEND_F_ENABLE_AFTER_DRIVER_OK,
            BACKEND_F_DESC_ASID,
            BACKEND_F_IOTLB_PERSIST,
        ],
        [1, 2, 3, 4, 5, 6, 7, 8]
    );
}

#[test]
fn iotlb_numbers() {
    assert_eq!((VHOST_IOTLB_MSG, VHOST_IOTLB_MSG_V2), (1, 2));
    assert_eq!(IOTLB_MSG_LEN, 72);
    // int/u32 type, 4 bytes of padding or asid, then the 8-aligned body.
    assert_eq!(IOTLB_BODY_OFFSET, 8);
    // u64 iova, size, uaddr; u8 perm, type; padded to 8.
    assert_eq!(IOTLB_BODY_LEN, (3 * 8 + 2usize).div_ceil(8) * 8);
    // The union's 64-byte padding makes the message.
    assert_eq!(IOTLB_BODY_OFFSET + 64, IOTLB_MSG_LEN);
    assert_eq!(
        [
            VHOST_IOTLB_MISS,
            VHOST_IOTLB_UPDATE,
            VHOST_IOTLB_INVALIDATE,
            VHOST_IOTLB_ACCESS_FAIL,
            VHOST_IOTLB_BATCH_BEGIN,
            VHOST_IOTLB_BATCH_END,
        ],
        [1, 2, 3, 4, 5, 6]
    );
    assert_eq!(
        (VHOST_ACCESS_RO, VHOST_ACCESS_WO, VHOST_ACCESS_RW),
        (1, 2, 3)
    );
    assert_eq!(VHOST_ACCESS_RO | VHOST_ACCESS_WO, VHOST_ACCESS_RW);
}

#[test]
fn virtio_and_kernel_numbers() {
    assert_eq!(S_ACKNOWLEDGE, 1);
    assert_eq!(S_DRIVER, 2);
    assert_eq!(S_DRIVER_OK, 4);
    assert_eq!(S_FEATURES_OK, 8);
    assert_eq!(S_NEEDS_RESET, 0x40);
    assert_eq!(S_FAILED, 0x80);
    assert_eq!(VIRTIO_F_RING_PACKED, 34);
    assert_eq!(VDPA_RESET_F_CLEAN_MAP, 1);
    assert_eq!(VHOST_VDPA_DEV_MAX, 1_048_576);
    assert_eq!(VHOST_VRING_F_LOG, 0);
    assert_eq!(VHOST_FILE_UNBIND, -1);
    assert_eq!(MAX_MEM_REGIONS, 64);
    assert_eq!(MAX_IOTLB_ENTRIES, 2048);
}

#[test]
fn errno_numbers_are_linux_x86_64() {
    let table = [
        (Errno::EPERM, 1),
        (Errno::EIO, 5),
        (Errno::E2BIG, 7),
        (Errno::EBADF, 9),
        (Errno::ENOMEM, 12),
        (Errno::EFAULT, 14),
        (Errno::EBUSY, 16),
        (Errno::EEXIST, 17),
        (Errno::EINVAL, 22),
        (Errno::ENOTTY, 25),
        (Errno::ENOSPC, 28),
        (Errno::EOPNOTSUPP, 95),
        (Errno::ENOBUFS, 105),
    ];
    for (e, n) in table {
        assert_eq!(e.to_errno(), n, "{e:?}");
    }
}
