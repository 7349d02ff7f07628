// SPDX-License-Identifier: GPL-2.0

//! Tests of `vhost_vdpa/logic/args.rs`: decoders, encoders and the B.3
//! argument checks, one test per table row where the row has a rule.

use crate::logic::args::*;
use crate::logic::uapi::S_DRIVER_OK;
use crate::logic::Errno;

#[test]
fn vring_state_decode_encode() {
    let b = [1, 0, 0, 0, 0x00, 0x01, 0, 0x80, 0xEE];
    let s = VringState::decode(&b).unwrap();
    assert_eq!(
        s,
        VringState {
            index: 1,
            num: 0x8000_0100
        }
    );
    assert_eq!(s.encode(), [1, 0, 0, 0, 0x00, 0x01, 0, 0x80]);
    assert_eq!(VringState::SIZE, 8);
    for n in 0..8 {
        assert_eq!(VringState::decode(&b[..n]), Err(Errno::EFAULT), "{n}");
    }
}

#[test]
fn vring_file_decode_negative_fd() {
    let b = [3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
    assert_eq!(VringFile::decode(&b), Ok(VringFile { index: 3, fd: -1 }));
    let b = [0, 1, 0, 0, 7, 0, 0, 0];
    assert_eq!(VringFile::decode(&b), Ok(VringFile { index: 256, fd: 7 }));
    assert_eq!(VringFile::decode(&b[..7]), Err(Errno::EFAULT));
}

#[test]
fn vring_addr_field_order_is_used_before_avail() {
    let mut b = [0u8; 40];
    b[0..4].copy_from_slice(&2u32.to_le_bytes());
    b[4..8].copy_from_slice(&1u32.to_le_bytes());
    b[8..16].copy_from_slice(&0x1000u64.to_le_bytes());
    b[16..24].copy_from_slice(&0x2000u64.to_le_bytes());
    b[24..32].copy_from_slice(&0x3000u64.to_le_bytes());
    b[32..40].copy_from_slice(&0x4000u64.to_le_bytes());
    let a = VringAddr::decode(&b).unwrap();
    assert_eq!(
        a,
        VringAddr {
            index: 2,
            flags: 1,
            desc: 0x1000,
            used: 0x2000,
            avail: 0x3000,
            log: 0x4000
        }
    );
    assert_eq!(VringAddr::decode(&b[..39]), Err(Errno::EFAULT));
}

#[test]
fn config_hdr_and_memory_decode() {
    let b = [4, 0, 0, 0, 2, 0, 0, 0];
    assert_eq!(ConfigHdr::decode(&b), Ok(ConfigHdr { off: 4, len: 2 }));
    assert_eq!(ConfigHdr::decode(&b[..5]), Err(Errno::EFAULT));
    assert_eq!(
        MemoryHdr::decode(&b),
        Ok(MemoryHdr {
            nregions: 4,
            padding: 2
        })
    );
    let mut r = [0u8; 32];
    for (i, c) in r.chunks_mut(8).enumerate() {
        c.copy_from_slice(&(i as u64 + 10).to_le_bytes());
    }
    assert_eq!(
        MemoryRegion::decode(&r),
        Ok(MemoryRegion {
            guest_phys_addr: 10,
            memory_size: 11,
            userspace_addr: 12,
            flags_padding: 13
        })
    );
    assert_eq!(MemoryRegion::decode(&r[..31]), Err(Errno::EFAULT));
}

#[test]
fn scalars_decode() {
    assert_eq!(
        decode_u64(&0x0102_0304_0506_0708u64.to_le_bytes()),
        Ok(0x0102_0304_0506_0708)
    );
    assert_eq!(decode_u64(&[0; 7]), Err(Errno::EFAULT));
    assert_eq!(decode_u32(&[0x78, 0x56, 0x34, 0x12]), Ok(0x1234_5678));
    assert_eq!(decode_u32(&[0; 3]), Err(Errno::EFAULT));
}

#[test]
fn iova_range_encode() {
    let r = IovaRange {
        first: 0x1000,
        last: u64::MAX,
    };
    let b = r.encode();
    assert_eq!(&b[..8], &0x1000u64.to_le_bytes());
    assert_eq!(&b[8..], &[0xff; 8]);
    assert_eq!(IovaRange::SIZE, 16);
}

#[test]
fn vring_index_rule_enobufs() {
    assert_eq!(check_vring_index(0, 2), Ok(0));
    assert_eq!(check_vring_index(1, 2), Ok(1));
    assert_eq!(check_vring_index(2, 2), Err(Errno::ENOBUFS));
    assert_eq!(check_vring_index(u32::MAX, 2), Err(Errno::ENOBUFS));
    assert_eq!(check_vring_index(0, 0), Err(Errno::ENOBUFS));
}

#[test]
fn set_vring_num_rules() {
    for ok in [1u32, 2, 64, 256, 32768] {
        assert_eq!(check_vring_num(ok, 0x8000), Ok(ok as u16), "{ok}");
    }
    for bad in [0u32, 3, 6, 255, 0x10000, 0x20000, u32::MAX] {
        assert_eq!(check_vring_num(bad, 0xffff), Err(Errno::EINVAL), "{bad}");
    }
}

#[test]
fn set_vring_num_above_device_max_is_rejected() {
    // The post-6.12 fix: the device maximum bounds the size.
    assert_eq!(check_vring_num(256, 256), Ok(256));
    assert_eq!(check_vring_num(512, 256), Err(Errno::EINVAL));
    assert_eq!(check_vring_num(1, 0), Err(Errno::EINVAL));
    assert_eq!(check_vring_num(0x8000, 0xffff), Ok(0x8000));
}

fn addr() -> VringAddr {
    VringAddr {
        index: 0,
        flags: 0,
        desc: 0x1000,
        used: 0x3000,
        avail: 0x2000,
        log: 0,
    }
}

#[test]
fn set_vring_addr_flags_eopnotsupp() {
    assert_eq!(check_vring_addr(&VringAddr { flags: 1, ..addr() }), Ok(()));
    for flags in [2u32, 3, 0x8000_0000, u32::MAX] {
        assert_eq!(
            check_vring_addr(&VringAddr { flags, ..addr() }),
            Err(Errno::EOPNOTSUPP)
        );
    }
    // The flag check comes before the alignment checks.
    assert_eq!(
        check_vring_addr(&VringAddr {
            flags: 2,
            avail: 1,
            ..addr()
        }),
        Err(Errno::EOPNOTSUPP)
    );
}

#[test]
fn set_vring_addr_alignment_einval() {
    assert_eq!(check_vring_addr(&addr()), Ok(()));
    assert_eq!(
        check_vring_addr(&VringAddr {
            avail: 0x2001,
            ..addr()
        }),
        Err(Errno::EINVAL)
    );
    assert_eq!(
        check_vring_addr(&VringAddr {
            avail: 0x2002,
            ..addr()
        }),
        Ok(())
    );
    for used in [0x3001u64, 0x3002, 0x3003] {
        assert_eq!(
            check_vring_addr(&VringAddr { used, ..addr() }),
            Err(Errno::EINVAL)
        );
    }
    // desc alignment is not checked.
    assert_eq!(
        check_vring_addr(&VringAddr {
            desc: 0x1001,
            ..addr()
        }),
        Ok(())
    );
}

#[test]
fn set_vring_addr_log_checked_without_log_flag() {
    // vhost.c tests log_guest_addr whether or not VHOST_VRING_F_LOG is set.
    for flags in [0u32, 1] {
        assert_eq!(
            check_vring_addr(&VringAddr {
                flags,
                log: 2,
                ..addr()
            }),
            Err(Errno::EINVAL)
        );
        assert_eq!(
            check_vring_addr(&VringAddr {
                flags,
                log: 4,
                ..addr()
            }),
            Ok(())
        );
    }
}

#[test]
fn quiesced_precondition() {
    assert_eq!(check_quiesced(0, false), Ok(()));
    assert_eq!(check_quiesced(!S_DRIVER_OK, false), Ok(()));
    assert_eq!(check_quiesced(S_DRIVER_OK, false), Err(Errno::EINVAL));
    assert_eq!(check_quiesced(0x0f, true), Ok(()));
}

#[test]
fn get_set_config_validation_is_einval() {
    assert_eq!(check_config(0, 6, 24), Ok(()));
    assert_eq!(check_config(18, 6, 24), Ok(()));
    assert_eq!(check_config(0, 24, 24), Ok(()));
    // len 0
    assert_eq!(check_config(0, 0, 24), Err(Errno::EINVAL));
    // off > size
    assert_eq!(check_config(25, 1, 24), Err(Errno::EINVAL));
    // len > size - off: E2BIG in the helper, EINVAL at the ioctl.
    assert_eq!(check_config(18, 7, 24), Err(Errno::EINVAL));
    assert_eq!(check_config(24, 1, 24), Err(Errno::EINVAL));
    assert_eq!(check_config(u32::MAX, u32::MAX, 24), Err(Errno::EINVAL));
    assert_eq!(check_config(1, u32::MAX, usize::MAX), Ok(()));
    assert_eq!(check_config(0, 1, 0), Err(Errno::EINVAL));
}

#[test]
fn set_vring_base_split() {
    assert_eq!(
        decode_vring_base(0, false),
        Ok(VqBase::Split { avail_index: 0 })
    );
    assert_eq!(
        decode_vring_base(0xffff, false),
        Ok(VqBase::Split {
            avail_index: 0xffff
        })
    );
    assert_eq!(decode_vring_base(0x1_0000, false), Err(Errno::EINVAL));
    assert_eq!(decode_vring_base(u32::MAX, false), Err(Errno::EINVAL));
}

#[test]
fn set_vring_base_packed_bit_layout() {
    // low: avail idx 0x1234 with wrap; high: used idx 0x0042 without.
    let num = (0x8000 | 0x1234) | (0x0042 << 16);
    assert_eq!(
        decode_vring_base(num, true),
        Ok(VqBase::Packed {
            last_avail_counter: true,
            last_avail_idx: 0x1234,
            last_used_counter: false,
            last_used_idx: 0x42,
        })
    );
    assert_eq!(
        decode_vring_base(0x8000_0000, true),
        Ok(VqBase::Packed {
            last_avail_counter: false,
            last_avail_idx: 0,
            last_used_counter: true,
            last_used_idx: 0,
        })
    );
    // Never refused in packed format.
    assert!(decode_vring_base(u32::MAX, true).is_ok());
}

#[test]
fn get_vring_base_encoding() {
    assert_eq!(
        encode_vring_base(
            &VqBase::Split {
                avail_index: 0xabcd
            },
            false
        ),
        0xabcd
    );
    let p = VqBase::Packed {
        last_avail_counter: true,
        last_avail_idx: 5,
        last_used_counter: true,
        last_used_idx: 7,
    };
    assert_eq!(encode_vring_base(&p, true), 0x8007_8005);
    // Indices are 15-bit bitfields: bit 15 of an index is dropped.
    let wide = VqBase::Packed {
        last_avail_counter: false,
        last_avail_idx: 0xffff,
        last_used_counter: false,
        last_used_idx: 0x8001,
    };
    assert_eq!(encode_vring_base(&wide, true), 0x0001_7fff);
    // Mixed formats: the avail word only, or a zero used word.
    assert_eq!(encode_vring_base(&p, false), 0x8005);
    assert_eq!(
        encode_vring_base(
            &VqBase::Split {
                avail_index: 0x9000
            },
            true
        ),
        0x9000
    );
}

#[test]
fn set_mem_table_header() {
    assert_eq!(check_mem_table_header(0, 0), Ok(()));
    assert_eq!(check_mem_table_header(64, 0), Ok(()));
    assert_eq!(check_mem_table_header(65, 0), Err(Errno::E2BIG));
    assert_eq!(check_mem_table_header(1, 1), Err(Errno::EOPNOTSUPP));
    // padding is checked first.
    assert_eq!(check_mem_table_header(1000, 1), Err(Errno::EOPNOTSUPP));
}

#[test]
fn set_mem_table_region() {
    assert_eq!(check_mem_region(0x1000, 0x1000), Ok(0x1fff));
    assert_eq!(check_mem_region(0x1000, 0), Err(Errno::EFAULT));
    // size 0 at 0 wraps to the whole space, which the IOTLB accepts.
    assert_eq!(check_mem_region(0, 0), Ok(u64::MAX));
    assert_eq!(check_mem_region(1, u64::MAX), Ok(u64::MAX));
    assert_eq!(check_mem_region(2, u64::MAX), Err(Errno::EFAULT));
}

#[test]
fn vring_group_results() {
    assert_eq!(check_group(0, 2), Ok(0));
    assert_eq!(check_group(1, 2), Ok(1));
    assert_eq!(check_group(2, 2), Err(Errno::EIO));
    assert_eq!(check_group(0, 0), Err(Errno::EIO));
}

#[test]
fn set_group_asid_checks() {
    assert_eq!(check_group_asid(1, 1, 2, 2), Ok(()));
    assert_eq!(check_group_asid(2, 0, 2, 2), Err(Errno::EINVAL));
    assert_eq!(check_group_asid(0, 2, 2, 2), Err(Errno::EINVAL));
}
