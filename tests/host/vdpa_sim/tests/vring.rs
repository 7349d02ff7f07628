// SPDX-License-Identifier: GPL-2.0

//! Tests of `vdpa_sim/logic/vring.rs`.

use alloc::vec;
use alloc::vec::Vec;

use crate::helpers::{Ring, TestMem};
use crate::logic::iova_map::{PERM_RO, PERM_RW, PERM_WO};
use crate::logic::vring::{
    need_event, Chain, Seg, SplitQueue, VringError, AVAIL_F_NO_INTERRUPT, DESC_F_INDIRECT,
    DESC_F_NEXT, DESC_F_WRITE, MAX_CHAIN,
};

const RAM: usize = 1 << 20;
const BUF: u64 = 0x20000;

fn setup(num: u16) -> (TestMem, Ring, SplitQueue) {
    let mem = TestMem::new(RAM);
    let ring = Ring::new(num, 0x1000);
    let q = ring.queue(0, false);
    (mem, ring, q)
}

fn chain() -> Vec<Chain> {
    // On the heap, as the kernel keeps it in the device state.
    vec![Chain::new()]
}

#[test]
fn new_checks_size() {
    for num in [0u16, 3, 6, 100, 0xffff, 0x8001] {
        assert!(SplitQueue::new(num, 0, 0, 0, 0, false).is_none(), "{num}");
    }
    for num in [1u16, 2, 256, 32768] {
        let q = SplitQueue::new(num, 0, 0, 0, 7, false).unwrap();
        assert_eq!(q.last_avail(), 7);
        assert_eq!(q.used_idx(), 7);
    }
}

#[test]
fn empty_ring_pops_nothing() {
    let (mut mem, _ring, mut q) = setup(8);
    let mut c = chain();
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(false));
    assert_eq!(q.has_avail(&mut mem), Ok(false));
    let mut d = SplitQueue::default();
    assert_eq!(d.pop(&mut mem, &mut c[0]), Ok(false));
    assert_eq!(d.push_used(&mut mem, 0, 0), Err(VringError::BadHead));
}

#[test]
fn simple_chain_read_write_used() {
    let (mut mem, mut ring, mut q) = setup(8);
    let mut c = chain();
    mem.poke(BUF, b"hello ");
    mem.poke(BUF + 0x100, b"world");
    let head = ring.add(
        &mut mem,
        &[
            (BUF, 6, false),
            (BUF + 0x100, 5, false),
            (BUF + 0x200, 8, true),
            (BUF + 0x300, 4, true),
        ],
    );
    assert_eq!(q.has_avail(&mut mem), Ok(true));
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(true));
    let ch = &c[0];
    assert_eq!(ch.head(), head);
    assert_eq!(ch.segs().len(), 4);
    assert_eq!(ch.readable().len(), 2);
    assert_eq!(ch.writable().len(), 2);
    assert_eq!(ch.readable_len(), 11);
    assert_eq!(ch.writable_len(), 12);
    assert_eq!(
        ch.segs()[2],
        Seg {
            addr: BUF + 0x200,
            len: 8,
            write: true
        }
    );

    let mut buf = [0u8; 32];
    assert_eq!(ch.read(&mut mem, 0, &mut buf), Ok(11));
    assert_eq!(&buf[..11], b"hello world");
    // Skipping into the second segment.
    let mut buf = [0u8; 3];
    assert_eq!(ch.read(&mut mem, 7, &mut buf), Ok(3));
    assert_eq!(&buf, b"orl");
    assert_eq!(ch.read(&mut mem, 11, &mut buf), Ok(0));
    assert_eq!(ch.read(&mut mem, 100, &mut buf), Ok(0));

    // Writes span the writable segments and stop at their end.
    assert_eq!(ch.write(&mut mem, 6, b"ABCDEFGHIJ"), Ok(6));
    assert_eq!(mem.peek(BUF + 0x206, 2), b"AB");
    assert_eq!(mem.peek(BUF + 0x300, 4), b"CDEF");
    assert_eq!(ch.write(&mut mem, 0, b""), Ok(0));

    assert_eq!(q.push_used(&mut mem, head, 12), Ok(()));
    assert_eq!(ring.used_idx(&mem), 1);
    assert_eq!(ring.take_used(&mem), Some((u32::from(head), 12)));
    assert_eq!(q.last_avail(), 1);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(false));
}

#[test]
fn zero_length_descriptors_are_kept() {
    let (mut mem, mut ring, mut q) = setup(8);
    let mut c = chain();
    mem.poke(BUF + 0x10, b"xy");
    ring.add(
        &mut mem,
        &[
            (BUF, 0, false),
            (BUF + 0x10, 2, false),
            (0, 0, true),
            (BUF + 0x40, 1, true),
        ],
    );
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(true));
    assert_eq!(c[0].segs().len(), 4);
    assert_eq!(c[0].segs()[0].len, 0);
    let mut b = [0u8; 4];
    assert_eq!(c[0].read(&mut mem, 0, &mut b), Ok(2));
    assert_eq!(&b[..2], b"xy");
    assert_eq!(c[0].write(&mut mem, 0, b"z"), Ok(1));
    assert_eq!(mem.peek(BUF + 0x40, 1), b"z");
}

#[test]
fn indirect_table() {
    let (mut mem, mut ring, mut q) = setup(4);
    let mut c = chain();
    let table = 0x8000;
    mem.poke(BUF, b"abc");
    let head = ring.add_indirect(
        &mut mem,
        table,
        &[
            (BUF, 3, false),
            (BUF + 0x100, 16, true),
            (BUF + 0x200, 16, true),
        ],
    );
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(true));
    assert_eq!(c[0].head(), head);
    assert_eq!(c[0].readable_len(), 3);
    assert_eq!(c[0].writable_len(), 32);
    assert_eq!(c[0].segs().len(), 3);
}

#[test]
fn indirect_table_may_exceed_ring_size() {
    // A driver with indirect descriptors may put more buffers in a chain
    // than the ring has entries (vringh bounds the table by its own size).
    let (mut mem, mut ring, mut q) = setup(2);
    let mut c = chain();
    let bufs: Vec<_> = (0..8u64).map(|k| (BUF + k * 16, 16u32, false)).collect();
    ring.add_indirect(&mut mem, 0x8000, &bufs);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(true));
    assert_eq!(c[0].segs().len(), 8);
}

#[test]
fn nested_indirect_is_refused() {
    let (mut mem, mut ring, mut q) = setup(4);
    let mut c = chain();
    let table = 0x8000;
    Ring::put_desc(&mut mem, table, 0, 0x9000, 16, DESC_F_INDIRECT, 0);
    ring.desc(&mut mem, 0, table, 16, DESC_F_INDIRECT, 0);
    ring.publish(&mut mem, 0);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::NestedIndirect));
    // The ring stays on the bad chain.
    assert_eq!(q.last_avail(), 0);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::NestedIndirect));
}

#[test]
fn bad_indirect_descriptors() {
    for (len, flags) in [
        (0u32, DESC_F_INDIRECT),
        (24, DESC_F_INDIRECT),
        (16 * (MAX_CHAIN as u32 + 1), DESC_F_INDIRECT),
        (16, DESC_F_INDIRECT | DESC_F_NEXT),
    ] {
        let (mut mem, mut ring, mut q) = setup(4);
        let mut c = chain();
        Ring::put_desc(&mut mem, 0x8000, 0, BUF, 4, 0, 0);
        ring.desc(&mut mem, 0, 0x8000, len, flags, 1);
        ring.publish(&mut mem, 0);
        assert_eq!(
            q.pop(&mut mem, &mut c[0]),
            Err(VringError::BadIndirect),
            "len {len} flags {flags}"
        );
    }
    // A table wrapping the address space.
    let (mut mem, mut ring, mut q) = setup(4);
    let mut c = chain();
    ring.desc(&mut mem, 0, u64::MAX - 15, 32, DESC_F_INDIRECT, 0);
    ring.publish(&mut mem, 0);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::BadIndirect));
}

#[test]
fn indirect_loop_and_next_out_of_table() {
    let (mut mem, mut ring, mut q) = setup(4);
    let mut c = chain();
    // Two-entry table whose entries point at each other.
    Ring::put_desc(&mut mem, 0x8000, 0, BUF, 4, DESC_F_NEXT, 1);
    Ring::put_desc(&mut mem, 0x8000, 1, BUF, 4, DESC_F_NEXT, 0);
    ring.desc(&mut mem, 0, 0x8000, 32, DESC_F_INDIRECT, 0);
    ring.publish(&mut mem, 0);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::ChainTooLong));

    let (mut mem, mut ring, mut q) = setup(4);
    Ring::put_desc(&mut mem, 0x8000, 0, BUF, 4, DESC_F_NEXT, 2);
    ring.desc(&mut mem, 0, 0x8000, 32, DESC_F_INDIRECT, 0);
    ring.publish(&mut mem, 0);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::BadHead));
}

#[test]
fn unreadable_indirect_table_faults() {
    let (mut mem, mut ring, _) = setup(4);
    let mut c = chain();
    // Map the ring and buffers, not the table.
    mem.map.add(0, 0x7fff, 0, PERM_RW).unwrap();
    mem.map.add(BUF, BUF + 0xffff, BUF, PERM_RW).unwrap();
    let mut q = ring.queue(0, false);
    ring.add_indirect(&mut mem, 0x8000, &[(BUF, 4, false)]);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::Fault));
    // Write-only table: still not readable.
    mem.map.add(0x8000, 0x8fff, 0x8000, PERM_WO).unwrap();
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::Fault));
    mem.map.del(0x8000, 0x8000).unwrap();
    mem.map.add(0x8000, 0x8fff, 0x8000, PERM_RO).unwrap();
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(true));
}

#[test]
fn descriptor_loop_is_refused() {
    let (mut mem, mut ring, mut q) = setup(8);
    let mut c = chain();
    ring.desc(&mut mem, 0, BUF, 4, DESC_F_NEXT, 1);
    ring.desc(&mut mem, 1, BUF, 4, DESC_F_NEXT, 2);
    ring.desc(&mut mem, 2, BUF, 4, DESC_F_NEXT, 0);
    ring.publish(&mut mem, 0);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::ChainTooLong));
    // Self loop.
    let (mut mem, mut ring, mut q) = setup(8);
    ring.desc(&mut mem, 3, BUF, 4, DESC_F_NEXT, 3);
    ring.publish(&mut mem, 3);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::ChainTooLong));
}

#[test]
fn full_length_chain_is_accepted() {
    let (mut mem, mut ring, mut q) = setup(8);
    let mut c = chain();
    let bufs: Vec<_> = (0..8u64).map(|k| (BUF + k * 16, 16u32, k >= 4)).collect();
    ring.add(&mut mem, &bufs);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(true));
    assert_eq!(c[0].segs().len(), 8);
}

#[test]
fn chain_longer_than_max_chain_is_refused() {
    let (mut mem, mut ring, mut q) = setup(512);
    let mut c = chain();
    let bufs: Vec<_> = (0..MAX_CHAIN as u64 + 1)
        .map(|k| (BUF + k, 1u32, false))
        .collect();
    ring.add(&mut mem, &bufs);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::ChainTooLong));
}

#[test]
fn head_out_of_range() {
    let (mut mem, mut ring, mut q) = setup(8);
    let mut c = chain();
    ring.publish(&mut mem, 8);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::BadHead));
    assert_eq!(q.last_avail(), 0);
    // Next index out of range.
    let (mut mem, mut ring, mut q) = setup(8);
    ring.desc(&mut mem, 0, BUF, 4, DESC_F_NEXT, 8);
    ring.publish(&mut mem, 0);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::BadHead));
}

#[test]
fn avail_idx_jump_is_refused() {
    let (mut mem, ring, mut q) = setup(8);
    let mut c = chain();
    mem.put_u16(ring.avail + 2, 9);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::BadAvailIdx));
    // Exactly num ahead is fine (all zero descriptors: head 0, len 0).
    mem.put_u16(ring.avail + 2, 8);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(true));
    // "Behind" the device is a huge jump too.
    let (mut mem, ring, _) = setup(8);
    let mut q = ring.queue(5, false);
    mem.put_u16(ring.avail + 2, 4);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::BadAvailIdx));
}

#[test]
fn read_after_write_is_refused() {
    let (mut mem, mut ring, mut q) = setup(8);
    let mut c = chain();
    ring.add(
        &mut mem,
        &[(BUF, 4, false), (BUF + 16, 4, true), (BUF + 32, 4, false)],
    );
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::ReadAfterWrite));
    // Even after a zero-length writable one.
    let (mut mem, mut ring, mut q) = setup(8);
    ring.add(&mut mem, &[(BUF, 0, true), (BUF + 32, 4, false)]);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::ReadAfterWrite));
}

#[test]
fn wrapping_buffer_is_refused() {
    let (mut mem, mut ring, mut q) = setup(8);
    let mut c = chain();
    ring.add(&mut mem, &[(u64::MAX - 2, 4, false)]);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::BadLen));
    // Ending exactly at u64::MAX is fine.
    let (mut mem, mut ring, mut q) = setup(8);
    ring.add(&mut mem, &[(u64::MAX - 3, 4, false)]);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(true));
    let mut b = [0u8; 4];
    // ...but it is not RAM.
    assert_eq!(c[0].read(&mut mem, 0, &mut b), Err(VringError::Fault));
}

#[test]
fn unmapped_ring_faults() {
    let (mut mem, mut ring, mut q) = setup(8);
    let mut c = chain();
    ring.add(&mut mem, &[(BUF, 4, false)]);
    mem.map.clear();
    assert_eq!(q.pop(&mut mem, &mut c[0]), Err(VringError::Fault));
    assert_eq!(q.has_avail(&mut mem), Err(VringError::Fault));
    assert_eq!(q.push_used(&mut mem, 0, 0), Err(VringError::Fault));
    // Read-only used ring: nothing is published.
    mem.map.add(0, 0xf_ffff, 0, PERM_RO).unwrap();
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(true));
    assert_eq!(q.push_used(&mut mem, 0, 0), Err(VringError::Fault));
    assert_eq!(q.used_idx(), 0);
    let mut b = [0u8; 4];
    assert_eq!(c[0].read(&mut mem, 0, &mut b), Ok(4));
}

#[test]
fn buffer_permissions() {
    let (mut mem, mut ring, _) = setup(8);
    let mut c = chain();
    mem.map.add(0, 0x1ffff, 0, PERM_RW).unwrap();
    mem.map.add(BUF, BUF + 0xfff, BUF, PERM_RO).unwrap();
    mem.map
        .add(BUF + 0x1000, BUF + 0x1fff, BUF + 0x1000, PERM_WO)
        .unwrap();
    let mut q = ring.queue(0, false);
    ring.add(&mut mem, &[(BUF + 0x1000, 4, false), (BUF, 4, true)]);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(true));
    let mut b = [0u8; 4];
    assert_eq!(c[0].read(&mut mem, 0, &mut b), Err(VringError::Fault));
    assert_eq!(c[0].write(&mut mem, 0, b"abcd"), Err(VringError::Fault));
    ring.add(&mut mem, &[(BUF, 4, false), (BUF + 0x1000, 4, true)]);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(true));
    assert_eq!(c[0].read(&mut mem, 0, &mut b), Ok(4));
    assert_eq!(c[0].write(&mut mem, 0, b"abcd"), Ok(4));
}

#[test]
fn translated_ring() {
    // Ring and buffers at IOVAs far from their RAM offsets.
    let mut mem = TestMem::new(RAM);
    let iova = 0x7000_0000_0000u64;
    mem.map.add(iova, iova + 0xffff, 0, PERM_RW).unwrap();
    mem.map
        .add(iova + 0x10_0000, iova + 0x10_ffff, 0x10000, PERM_RW)
        .unwrap();
    let pa_ring = Ring::new(8, 0x1000);
    let q_ring = Ring {
        desc: pa_ring.desc + iova,
        avail: pa_ring.avail + iova,
        used: pa_ring.used + iova,
        ..pa_ring
    };
    let mut q = q_ring.queue(0, false);
    let mut ring = pa_ring;
    mem.poke(0x10000, b"data");
    ring.add(
        &mut mem,
        &[(iova + 0x10_0000, 4, false), (iova + 0x10_0010, 4, true)],
    );
    let mut c = chain();
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(true));
    let mut b = [0u8; 4];
    assert_eq!(c[0].read(&mut mem, 0, &mut b), Ok(4));
    assert_eq!(&b, b"data");
    assert_eq!(c[0].write(&mut mem, 0, b"DATA"), Ok(4));
    assert_eq!(mem.peek(0x10010, 4), b"DATA");
    q.push_used(&mut mem, c[0].head(), 4).unwrap();
    assert_eq!(ring.take_used(&mem), Some((0, 4)));
}

#[test]
fn no_interrupt_flag() {
    let (mut mem, mut ring, mut q) = setup(8);
    let mut c = chain();
    ring.add(&mut mem, &[(BUF, 4, false)]);
    q.pop(&mut mem, &mut c[0]).unwrap();
    q.push_used(&mut mem, c[0].head(), 0).unwrap();
    assert_eq!(q.needs_notify(&mut mem), Ok(true));
    ring.set_avail_flags(&mut mem, AVAIL_F_NO_INTERRUPT);
    ring.add(&mut mem, &[(BUF, 4, false)]);
    q.pop(&mut mem, &mut c[0]).unwrap();
    q.push_used(&mut mem, c[0].head(), 0).unwrap();
    assert_eq!(q.needs_notify(&mut mem), Ok(false));
}

#[test]
fn event_idx_notify() {
    let mut mem = TestMem::new(RAM);
    let mut ring = Ring::new(8, 0x1000);
    let mut q = ring.queue(0, true);
    let mut c = chain();
    // The driver wants an interrupt when used entry 1 is published
    // (used_event = 1: after used.idx goes past 1).
    ring.set_used_event(&mut mem, 1);
    // NO_INTERRUPT is ignored with EVENT_IDX.
    ring.set_avail_flags(&mut mem, AVAIL_F_NO_INTERRUPT);
    for _ in 0..3 {
        ring.add(&mut mem, &[(BUF, 4, false)]);
    }
    q.pop(&mut mem, &mut c[0]).unwrap();
    // The device tells the driver where it is.
    assert_eq!(ring.avail_event(&mem), 1);
    q.push_used(&mut mem, c[0].head(), 0).unwrap();
    // used 0 -> 1: event 1 not crossed.
    assert_eq!(q.needs_notify(&mut mem), Ok(false));
    q.pop(&mut mem, &mut c[0]).unwrap();
    q.push_used(&mut mem, c[0].head(), 0).unwrap();
    // 1 -> 2 crosses 1.
    assert_eq!(q.needs_notify(&mut mem), Ok(true));
    q.pop(&mut mem, &mut c[0]).unwrap();
    assert_eq!(ring.avail_event(&mem), 3);
    q.push_used(&mut mem, c[0].head(), 0).unwrap();
    assert_eq!(q.needs_notify(&mut mem), Ok(false));
    // Nothing pushed: no interrupt.
    assert_eq!(q.needs_notify(&mut mem), Ok(false));
    // Several pushed at once, the event among them.
    ring.set_used_event(&mut mem, 4);
    for _ in 0..3 {
        ring.add(&mut mem, &[(BUF, 4, false)]);
        q.pop(&mut mem, &mut c[0]).unwrap();
        q.push_used(&mut mem, c[0].head(), 0).unwrap();
    }
    assert_eq!(q.needs_notify(&mut mem), Ok(true));
    // An empty pop also publishes avail_event.
    mem.put_u16(ring.used + 4 + 8 * 8, 0);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(false));
    assert_eq!(ring.avail_event(&mem), 6);
}

#[test]
fn need_event_matches_virtio() {
    assert!(need_event(0, 1, 0));
    assert!(!need_event(1, 1, 0));
    assert!(need_event(5, 10, 0));
    assert!(!need_event(10, 10, 0));
    // Wrap-around.
    assert!(need_event(0xffff, 0, 0xfffe));
    assert!(need_event(0xfffe, 2, 0xfff0));
    assert!(!need_event(3, 2, 0xfff0));
}

#[test]
fn indices_wrap_at_16_bits() {
    let mut mem = TestMem::new(RAM);
    let mut ring = Ring::new(4, 0x1000);
    let start = 0xfffd;
    ring.start_at(&mut mem, start);
    let mut q = ring.queue(start, false);
    let mut c = chain();
    for k in 0..10u16 {
        let head = ring.add(&mut mem, &[(BUF + u64::from(k), 1, true)]);
        assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(true), "k {k}");
        assert_eq!(c[0].head(), head);
        q.push_used(&mut mem, head, u32::from(k)).unwrap();
        assert_eq!(ring.take_used(&mem), Some((u32::from(head), u32::from(k))));
        assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(false));
    }
    assert_eq!(q.last_avail(), start.wrapping_add(10));
    assert_eq!(ring.used_idx(&mem), start.wrapping_add(10));
    // Four outstanding across the wrap.
    for _ in 0..4 {
        ring.add(&mut mem, &[(BUF, 1, true)]);
    }
    for _ in 0..4 {
        assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(true));
    }
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(false));
}

#[test]
fn device_resumes_at_last_avail() {
    let (mut mem, mut ring, _) = setup(8);
    let mut c = chain();
    ring.add(&mut mem, &[(BUF, 1, false)]);
    let h2 = ring.add(&mut mem, &[(BUF, 2, false)]);
    let mut q = ring.queue(1, false);
    assert_eq!(q.pop(&mut mem, &mut c[0]), Ok(true));
    assert_eq!(c[0].head(), h2);
    q.push_used(&mut mem, h2, 0).unwrap();
    // The used ring starts at last_avail too.
    assert_eq!(ring.used_idx(&mem), 2);
    assert_eq!(ring.used_elem(&mem, 1), (u32::from(h2), 0));
}

#[test]
fn chain_new_is_empty() {
    let c = Chain::new();
    assert_eq!(c.segs().len(), 0);
    assert_eq!(c.readable_len(), 0);
    assert_eq!(c.writable_len(), 0);
    assert_eq!(c.head(), 0);
    let _ = DESC_F_WRITE;
}
