// SPDX-License-Identifier: GPL-2.0

//! Tests of `vdpa_sim/logic/blk.rs`.

use alloc::vec;
use alloc::vec::Vec;

use crate::helpers::{Buf, Ring, TestMem};
use crate::logic::blk::{
    config_bytes, handle, ReqResult, CAPACITY_SECTORS, ID, RW_MAX_SECTORS, S_IOERR, S_OK, S_UNSUPP,
    T_DISCARD, T_FLUSH, T_GET_ID, T_IN, T_OUT, T_WRITE_ZEROES, WRITE_ZEROES_FLAG_UNMAP,
};
use crate::logic::iova_map::{PERM_RO, PERM_RW};
use crate::logic::vring::{Chain, SplitQueue};

const CAP: u64 = 1024;
const HDR: u64 = 0x10000;
const DATA: u64 = 0x20000;
const STATUS: u64 = 0xf0000;

struct Blk {
    mem: TestMem,
    ring: Ring,
    q: SplitQueue,
    chain: Vec<Chain>,
    disk: Vec<u8>,
    cap: u64,
}

impl Blk {
    fn new(cap: u64) -> Self {
        let mem = TestMem::new(1 << 20);
        let ring = Ring::new(16, 0x1000);
        Self {
            q: ring.queue(0, false),
            mem,
            ring,
            chain: vec![Chain::new()],
            disk: vec![0; (cap * 512) as usize],
            cap,
        }
    }

    fn hdr(&mut self, ty: u32, sector: u64) {
        self.mem.put_u32(HDR, ty);
        self.mem.put_u32(HDR + 4, 0);
        self.mem.put_u64(HDR + 8, sector);
    }

    /// Publishes `bufs`, pops, handles; returns the result and pushes the
    /// used entry like the worker.
    fn run(&mut self, bufs: &[Buf]) -> ReqResult {
        self.mem.poke(STATUS, &[0xee]);
        self.ring.add(&mut self.mem, bufs);
        assert_eq!(self.q.pop(&mut self.mem, &mut self.chain[0]), Ok(true));
        let r = handle(&mut self.mem, &self.chain[0], &mut self.disk, self.cap).unwrap();
        self.q
            .push_used(&mut self.mem, self.chain[0].head(), r.used_len)
            .unwrap();
        let (_, len) = self.ring.take_used(&self.mem).unwrap();
        assert_eq!(len, r.used_len);
        r
    }

    fn status(&self) -> u8 {
        self.mem.peek(STATUS, 1)[0]
    }

    /// A request with a header, optional OUT data, IN data, status.
    fn req(&mut self, ty: u32, sector: u64, out: Option<&[u8]>, in_len: u32) -> ReqResult {
        self.hdr(ty, sector);
        let mut bufs: Vec<Buf> = vec![(HDR, 16, false)];
        if let Some(d) = out {
            self.mem.poke(DATA, d);
            bufs.push((DATA, d.len() as u32, false));
        }
        if in_len > 0 {
            bufs.push((DATA + 0x40000, in_len, true));
        }
        bufs.push((STATUS, 1, true));
        self.run(&bufs)
    }

    fn ok(used_len: u32) -> ReqResult {
        ReqResult {
            used_len,
            stop: false,
        }
    }
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|k| (k as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

#[test]
fn config_space() {
    let b = config_bytes(CAPACITY_SECTORS);
    assert_eq!(b.len(), 96);
    let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
    let u16_at = |o: usize| u16::from_le_bytes(b[o..o + 2].try_into().unwrap());
    assert_eq!(u64::from_le_bytes(b[0..8].try_into().unwrap()), 0x40000);
    assert_eq!(u32_at(8), 4096);
    assert_eq!(u32_at(12), 32);
    assert_eq!(&b[16..20], &[0; 4]);
    assert_eq!(u32_at(20), 512);
    assert_eq!(&b[24..26], &[0; 2]);
    assert_eq!(u16_at(26), 1);
    assert_eq!(u32_at(28), 1);
    assert_eq!(&b[32..34], &[0; 2]);
    assert_eq!(u16_at(34), 1);
    assert_eq!(u32_at(36), u32::MAX);
    assert_eq!(u32_at(40), 1);
    assert_eq!(u32_at(44), 512);
    assert_eq!(u32_at(48), u32::MAX);
    assert_eq!(u32_at(52), 1);
    assert!(b[56..].iter().all(|&x| x == 0));
}

#[test]
fn get_id_string() {
    assert_eq!(&ID[..12], b"vdpa_blk_sim");
    assert!(ID[12..].iter().all(|&x| x == 0));
    let mut b = Blk::new(CAP);
    assert_eq!(b.req(T_GET_ID, 0, None, 20), Blk::ok(21));
    assert_eq!(b.mem.peek(DATA + 0x40000, 20), ID);
    assert_eq!(b.status(), S_OK);
    // A bigger buffer gets 20 bytes, status still last.
    assert_eq!(b.req(T_GET_ID, 0, None, 64), Blk::ok(21));
    assert_eq!(b.status(), S_OK);
}

#[test]
fn get_id_into_small_buffer_loses_status() {
    // 20 writable bytes in all: the ID takes the status byte's place.
    let mut b = Blk::new(CAP);
    b.hdr(T_GET_ID, 0);
    let r = b.run(&[(HDR, 16, false), (DATA, 19, true), (STATUS, 1, true)]);
    assert_eq!(
        r,
        ReqResult {
            used_len: 20,
            stop: true
        }
    );
    assert_eq!(b.status(), ID[19]);
    // Only the status byte.
    let r = b.run(&[(HDR, 16, false), (STATUS, 1, true)]);
    assert_eq!(
        r,
        ReqResult {
            used_len: 1,
            stop: true
        }
    );
    assert_eq!(b.status(), b'v');
}

#[test]
fn write_then_read_back() {
    let mut b = Blk::new(CAP);
    let data = pattern(4096, 7);
    assert_eq!(b.req(T_OUT, 10, Some(&data), 0), Blk::ok(1));
    assert_eq!(b.status(), S_OK);
    assert_eq!(&b.disk[10 * 512..10 * 512 + 4096], &data[..]);
    assert_eq!(b.req(T_IN, 10, None, 4096), Blk::ok(4097));
    assert_eq!(b.status(), S_OK);
    assert_eq!(b.mem.peek(DATA + 0x40000, 4096), data);
    // Partial sectors are moved as asked.
    assert_eq!(b.req(T_IN, 11, None, 100), Blk::ok(101));
    assert_eq!(b.mem.peek(DATA + 0x40000, 100), &data[512..612]);
}

#[test]
fn data_over_many_segments() {
    let mut b = Blk::new(CAP);
    let data = pattern(1536, 3);
    b.hdr(T_OUT, 0);
    for k in 0..3 {
        b.mem.poke(
            DATA + k * 0x1000,
            &data[(k as usize) * 512..(k as usize + 1) * 512],
        );
    }
    let r = b.run(&[
        (HDR, 16, false),
        (DATA, 512, false),
        (DATA + 0x1000, 512, false),
        (DATA + 0x2000, 512, false),
        (STATUS, 1, true),
    ]);
    assert_eq!(r, Blk::ok(1));
    assert_eq!(&b.disk[..1536], &data[..]);
    // IN into two writable buffers.
    b.mem.put_u32(0x30000, T_IN);
    b.mem.put_u64(0x30008, 1);
    let r = b.run(&[
        (0x30000, 16, false),
        (0x50000, 1024, true),
        (0x50400, 1, true),
    ]);
    assert_eq!(r, Blk::ok(1025));
    assert_eq!(b.mem.peek(0x50000, 1024), &data[512..]);
    b.mem
        .poke(0x60000, &[1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
    b.mem.poke(0x60010, &[9; 512]);
    // Header and OUT data in one buffer.
    let r = b.run(&[(0x60000, 16 + 512, false), (0x70000, 1, true)]);
    assert_eq!(r, Blk::ok(1));
    assert_eq!(&b.disk[1024..1536], &[9; 512][..]);
    // IN data and status in one buffer.
    let r = b.run(&[(0x30000, 16, false), (0x70000, 513, true)]);
    assert_eq!(r, Blk::ok(513));
    assert_eq!(b.mem.peek(0x70000, 512), &b.disk[512..1024]);
    assert_eq!(b.mem.peek(0x70200, 1), [S_OK]);
}

#[test]
fn flush_and_unknown_types() {
    let mut b = Blk::new(CAP);
    assert_eq!(b.req(T_FLUSH, 0, None, 0), Blk::ok(1));
    assert_eq!(b.status(), S_OK);
    // Non-IN/OUT requests need sector 0.
    assert_eq!(b.req(T_FLUSH, 1, None, 0), Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
    assert_eq!(b.req(T_GET_ID, 1, None, 20), Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
    // Unknown type: IOERR, not UNSUPP; status after the skipped IN bytes.
    for ty in [2u32, 14, 15, 16, 0x8000_0000] {
        assert_eq!(b.req(ty, 0, None, 8), Blk::ok(1), "type {ty}");
        assert_eq!(b.status(), S_IOERR);
    }
}

#[test]
fn range_checks() {
    let mut b = Blk::new(CAP);
    // Last sector is fine.
    assert_eq!(b.req(T_IN, CAP - 1, None, 512), Blk::ok(513));
    assert_eq!(b.status(), S_OK);
    // Past the end.
    assert_eq!(b.req(T_IN, CAP - 1, None, 1024), Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
    // Start out of range, even with no data (post-6.12 rule, 6.12 has it).
    assert_eq!(b.req(T_IN, CAP, None, 0), Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
    assert_eq!(b.req(T_OUT, u64::MAX, Some(&[1; 512]), 0), Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
    // A partial sector past the end: upstream would copy past its buffer.
    assert_eq!(b.req(T_IN, CAP - 1, None, 600), Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
    assert_eq!(b.req(T_OUT, CAP - 1, Some(&[1; 600]), 0), Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
    assert!(b.disk.iter().all(|&x| x == 0));
}

#[test]
fn max_request_size() {
    let mut b = Blk::new(CAPACITY_SECTORS);
    let mut mem = TestMem::new(96 << 20);
    core::mem::swap(&mut b.mem, &mut mem);
    let max = RW_MAX_SECTORS * 512;
    b.hdr(T_IN, 0);
    let r = b.run(&[
        (HDR, 16, false),
        (0x100_0000, max as u32, true),
        (STATUS, 1, true),
    ]);
    assert_eq!(r, Blk::ok(max as u32 + 1));
    assert_eq!(b.status(), S_OK);
    let r = b.run(&[
        (HDR, 16, false),
        (0x100_0000, max as u32 + 512, true),
        (STATUS, 1, true),
    ]);
    assert_eq!(r, Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
    // Sectors are counted rounding down, so 511 extra bytes still pass.
    let r = b.run(&[
        (HDR, 16, false),
        (0x100_0000, max as u32 + 511, true),
        (STATUS, 1, true),
    ]);
    assert_eq!(r, Blk::ok(max as u32 + 512));
    assert_eq!(b.status(), S_OK);
}

fn dwz(b: &mut Blk, ty: u32, sector: u64, num: u32, flags: u32) -> ReqResult {
    let mut range = Vec::new();
    range.extend_from_slice(&sector.to_le_bytes());
    range.extend_from_slice(&num.to_le_bytes());
    range.extend_from_slice(&flags.to_le_bytes());
    b.req(ty, 0, Some(&range), 0)
}

#[test]
fn discard_and_write_zeroes() {
    let mut b = Blk::new(CAP);
    b.disk.fill(0x5a);
    assert_eq!(dwz(&mut b, T_DISCARD, 0, 8, 0), Blk::ok(1));
    assert_eq!(b.status(), S_OK);
    assert!(b.disk.iter().all(|&x| x == 0x5a), "discard changes nothing");
    assert_eq!(dwz(&mut b, T_DISCARD, 0, 8, 1), Blk::ok(1));
    assert_eq!(b.status(), S_UNSUPP);
    assert_eq!(dwz(&mut b, T_WRITE_ZEROES, 2, 3, 0), Blk::ok(1));
    assert_eq!(b.status(), S_OK);
    assert!(b.disk[1024..2560].iter().all(|&x| x == 0));
    assert_eq!(b.disk[1023], 0x5a);
    assert_eq!(b.disk[2560], 0x5a);
    assert_eq!(
        dwz(&mut b, T_WRITE_ZEROES, 10, 1, WRITE_ZEROES_FLAG_UNMAP),
        Blk::ok(1)
    );
    assert_eq!(b.status(), S_OK);
    assert!(b.disk[5120..5632].iter().all(|&x| x == 0));
    assert_eq!(dwz(&mut b, T_WRITE_ZEROES, 20, 1, 2), Blk::ok(1));
    assert_eq!(b.status(), S_UNSUPP);
    assert_eq!(b.disk[20 * 512], 0x5a);
    // Range checks.
    assert_eq!(dwz(&mut b, T_DISCARD, CAP, 0, 0), Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
    assert_eq!(dwz(&mut b, T_WRITE_ZEROES, CAP - 1, 2, 0), Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
    assert_eq!(dwz(&mut b, T_WRITE_ZEROES, 0, u32::MAX, 0), Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
    assert_eq!(dwz(&mut b, T_WRITE_ZEROES, CAP - 1, 1, 0), Blk::ok(1));
    assert_eq!(b.status(), S_OK);
    // Payload must be exactly one 16-byte range.
    assert_eq!(b.req(T_DISCARD, 0, Some(&[0; 15]), 0), Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
    assert_eq!(b.req(T_WRITE_ZEROES, 0, Some(&[0; 32]), 0), Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
    assert_eq!(b.req(T_DISCARD, 0, None, 0), Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
    // Sector in the header must be 0.
    b.hdr(T_DISCARD, 5);
    b.mem.poke(DATA, &[0; 16]);
    assert_eq!(
        b.run(&[(HDR, 16, false), (DATA, 16, false), (STATUS, 1, true)]),
        Blk::ok(1)
    );
    assert_eq!(b.status(), S_IOERR);
}

#[test]
fn malformed_chains_stop() {
    let stop = ReqResult {
        used_len: 0,
        stop: true,
    };
    let mut b = Blk::new(CAP);
    b.hdr(T_FLUSH, 0);
    // No writable part.
    assert_eq!(b.run(&[(HDR, 16, false)]), stop);
    // No readable part.
    assert_eq!(b.run(&[(STATUS, 1, true)]), stop);
    // Empty last writable buffer.
    assert_eq!(
        b.run(&[(HDR, 16, false), (STATUS, 1, true), (STATUS, 0, true)]),
        stop
    );
    // Short header.
    assert_eq!(b.run(&[(HDR, 15, false), (STATUS, 1, true)]), stop);
    assert_eq!(b.status(), 0xee);
    // Header split over buffers is fine.
    assert_eq!(
        b.run(&[(HDR, 10, false), (HDR + 10, 6, false), (STATUS, 1, true)]),
        Blk::ok(1)
    );
    assert_eq!(b.status(), S_OK);
}

#[test]
fn faults() {
    let mut b = Blk::new(CAP);
    // Ring and header RW, data read-only, status RW.
    b.mem.map.add(0, 0x1ffff, 0, PERM_RW).unwrap();
    b.mem.map.add(DATA, DATA + 0xffff, DATA, PERM_RO).unwrap();
    b.mem
        .map
        .add(STATUS, STATUS + 0xfff, STATUS, PERM_RW)
        .unwrap();
    b.q = b.ring.queue(0, false);
    // IN into a read-only buffer: IOERR in the status byte.
    b.hdr(T_IN, 0);
    assert_eq!(
        b.run(&[(HDR, 16, false), (DATA, 512, true), (STATUS, 1, true)]),
        Blk::ok(1)
    );
    assert_eq!(b.status(), S_IOERR);
    // OUT from an unmapped buffer.
    b.hdr(T_OUT, 0);
    assert_eq!(
        b.run(&[(HDR, 16, false), (0x80000, 512, false), (STATUS, 1, true)]),
        Blk::ok(1)
    );
    assert_eq!(b.status(), S_IOERR);
    // Unwritable status: completed with what was pushed, and stop.
    b.hdr(T_FLUSH, 0);
    assert_eq!(
        b.run(&[(HDR, 16, false), (DATA, 1, true)]),
        ReqResult {
            used_len: 0,
            stop: true
        }
    );
    // Unreadable header: malformed.
    assert_eq!(
        b.run(&[(0x80000, 16, false), (STATUS, 1, true)]),
        ReqResult {
            used_len: 0,
            stop: true
        }
    );
}

#[test]
fn full_size_disk() {
    let mut b = Blk::new(CAPACITY_SECTORS);
    let data = pattern(512, 1);
    assert_eq!(
        b.req(T_OUT, CAPACITY_SECTORS - 1, Some(&data), 0),
        Blk::ok(1)
    );
    assert_eq!(b.status(), S_OK);
    assert_eq!(b.req(T_IN, CAPACITY_SECTORS - 1, None, 512), Blk::ok(513));
    assert_eq!(b.mem.peek(DATA + 0x40000, 512), data);
    assert_eq!(b.req(T_IN, CAPACITY_SECTORS, None, 512), Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
}

#[test]
fn short_disk_slice_is_an_ioerr() {
    // The disk slice is shorter than the capacity claims: never indexed
    // past its end.
    let mut b = Blk::new(CAP);
    b.disk.truncate(512);
    assert_eq!(b.req(T_IN, 1, None, 512), Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
    assert_eq!(dwz(&mut b, T_WRITE_ZEROES, 1, 1, 0), Blk::ok(1));
    assert_eq!(b.status(), S_IOERR);
}
