// SPDX-License-Identifier: GPL-2.0

//! virtio-blk scenarios against vdpa_sim_blk (a 128 MiB RAM disk).
//!
//! Each request slot has a 64-byte control record in `meta` (the 16-byte
//! request header at 0, the status byte at 16, a discard/write-zeroes
//! segment at 32) and a 4 KiB data buffer in `data`; a request is a chain
//! header (readable), optional data, status (writable), and its token is
//! its slot.

use crate::mem::{Arena, DmaMemory};
use crate::report::{fatal, Report, Res};
use crate::ring::{Buf, SplitQueue, DEFAULT_NUM};
use crate::session::{Session, WANTED_BACKEND};
use crate::virtio::{blk, device_id};
use std::ffi::CStr;
use std::time::{Duration, Instant};

const META: usize = 64;
const HDR: usize = 0;
const STATUS: usize = 16;
const SEG: usize = 32;
/// Data buffer per slot.
pub const DATA: usize = 4096;
/// Most requests in flight (three descriptors each, ring of 256).
pub const MAX_DEPTH: usize = 64;

const TIMEOUT: Duration = Duration::from_secs(5);

/// The data part of a request.
#[derive(Clone, Copy, Debug)]
pub enum Data {
    /// No data descriptor.
    None,
    /// `len` bytes the device reads (OUT).
    Out(usize),
    /// `len` bytes the device writes (IN, GET_ID).
    In(usize),
    /// One discard / write-zeroes segment {sector, num_sectors, flags}.
    Segment(u64, u32, u32),
}

/// A completed request.
#[derive(Clone, Debug)]
pub struct Done {
    /// Status byte.
    pub status: u8,
    /// Used length reported by the device.
    pub len: u32,
    /// The data buffer after completion (for IN requests).
    pub data: Vec<u8>,
}

/// A vdpa_sim_blk device driven from user space.
pub struct BlkDev {
    /// The vhost session.
    pub s: Session,
    q: SplitQueue,
    meta: DmaMemory,
    data: DmaMemory,
    /// Capacity in 512-byte sectors, from config space.
    pub capacity: u64,
}

impl BlkDev {
    /// Opens `node`, negotiates, maps, and starts the request queue.
    ///
    /// # Errors
    ///
    /// Fatal when the node is not a block device or setup fails.
    pub fn open(r: &mut Report, node: &str) -> Res<Self> {
        let mut s = Session::open(r, node, WANTED_BACKEND)?;
        if s.device_id != device_id::BLOCK {
            return fatal(format!("{node} is virtio device {}, not block", s.device_id));
        }
        let want = blk::F_SIZE_MAX | blk::F_SEG_MAX | blk::F_BLK_SIZE | blk::F_FLUSH | blk::F_DISCARD | blk::F_WRITE_ZEROES;
        s.negotiate(r, want)?;
        let num = DEFAULT_NUM.min(s.dev.vring_num_max()?);
        let mut arena = Arena::separate();
        let q = SplitQueue::new(0, num, &mut arena)?;
        let name = CStr::from_bytes_with_nul(b"vdpa-client-blk\0").map_err(std::io::Error::other)?;
        let meta = arena.alloc(name, MAX_DEPTH * META)?;
        let data = arena.alloc(name, MAX_DEPTH * DATA)?;
        let (lo, hi) = arena.span();
        s.check_iova_window(r, lo, hi)?;
        s.map(0, &[q.mapping(), meta.mapping(), data.mapping()])?;
        s.start_queue(&q)?;
        s.driver_ok()?;
        let mut cap = [0u8; 8];
        s.dev.config(blk::CFG_CAPACITY, &mut cap)?;
        let capacity = u64::from_le_bytes(cap);
        let mut bs = [0u8; 4];
        s.dev.config(blk::CFG_BLK_SIZE, &mut bs)?;
        r.diag(format!(
            "blk config: capacity {capacity:#x} sectors ({} MiB), blk_size {}",
            capacity / 2048,
            u32::from_le_bytes(bs)
        ));
        Ok(Self { s, q, meta, data, capacity })
    }

    /// Writes the request for `slot` and adds its chain (no kick).
    ///
    /// # Errors
    ///
    /// Fatal on a ring error.
    pub fn submit(&mut self, slot: usize, kind: u32, sector: u64, data: Data) -> Res<()> {
        if slot >= MAX_DEPTH {
            return fatal(format!("slot {slot} out of range"));
        }
        let m = slot * META;
        let mut hdr = [0u8; 16];
        hdr[0..4].copy_from_slice(&kind.to_le_bytes());
        hdr[8..16].copy_from_slice(&sector.to_le_bytes());
        self.meta.write(m + HDR, &hdr);
        self.meta.write(m + STATUS, &[0xff]);
        let d = slot * DATA;
        let mut chain = vec![Buf { iova: self.meta.iova(m + HDR), len: 16, writable: false }];
        match data {
            Data::None => {}
            Data::Out(len) => chain.push(Buf { iova: self.data.iova(d), len: len.min(DATA) as u32, writable: false }),
            Data::In(len) => chain.push(Buf { iova: self.data.iova(d), len: len.min(DATA) as u32, writable: true }),
            Data::Segment(sec, num, flags) => {
                let mut seg = [0u8; 16];
                seg[0..8].copy_from_slice(&sec.to_le_bytes());
                seg[8..12].copy_from_slice(&num.to_le_bytes());
                seg[12..16].copy_from_slice(&flags.to_le_bytes());
                self.meta.write(m + SEG, &seg);
                chain.push(Buf { iova: self.meta.iova(m + SEG), len: 16, writable: false });
            }
        }
        chain.push(Buf { iova: self.meta.iova(m + STATUS), len: 1, writable: true });
        self.q.add(&chain, slot as u32)?;
        Ok(())
    }

    /// Fills slot `slot`'s data buffer.
    pub fn set_data(&self, slot: usize, bytes: &[u8]) {
        self.data.write(slot * DATA, bytes);
    }

    fn status_of(&self, slot: usize) -> u8 {
        let mut s = [0u8];
        self.meta.read(slot * META + STATUS, &mut s);
        s[0]
    }

    /// One request on slot 0, waited for.
    ///
    /// # Errors
    ///
    /// Fatal when the device does not complete it.
    pub fn request(&mut self, kind: u32, sector: u64, data: Data) -> Res<Done> {
        self.submit(0, kind, sector, data)?;
        self.q.notify()?;
        let start = Instant::now();
        loop {
            if let Some(u) = self.q.pop_used()? {
                let n = match data {
                    Data::In(len) => len.min(DATA),
                    _ => 0,
                };
                let mut buf = vec![0u8; n];
                self.data.read(0, &mut buf);
                return Ok(Done { status: self.status_of(0), len: u.len, data: buf });
            }
            if start.elapsed() > TIMEOUT {
                return fatal(format!("request type {kind} sector {sector:#x} not completed within {TIMEOUT:?}"));
            }
            self.q.wait_call(Duration::from_millis(100))?;
        }
    }
}

fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| seed.wrapping_mul(37).wrapping_add((i * 7 + i / 512) as u8)).collect()
}

fn status_name(s: u8) -> String {
    match s {
        blk::S_OK => "OK".into(),
        blk::S_IOERR => "IOERR".into(),
        blk::S_UNSUPP => "UNSUPP".into(),
        _ => format!("{s:#x}"),
    }
}

fn check_status(r: &mut Report, what: &str, d: &Done, want: u8, want_len: u32) {
    r.check(
        d.status == want && d.len == want_len,
        format!(
            "{what}: status {} used len {} (expected {} / {want_len})",
            status_name(d.status),
            d.len,
            status_name(want)
        ),
    );
}

/// `blk-io`: GET_ID, writes read back, FLUSH, WRITE_ZEROES, DISCARD,
/// out-of-range and unknown requests.
///
/// # Errors
///
/// Fatal when setup fails or a request is never completed.
pub fn cmd_io(r: &mut Report, node: &str) -> Res<()> {
    let mut b = BlkDev::open(r, node)?;
    let cap = b.capacity;
    r.check_eq("capacity (sectors)", cap, 0x40000);

    let d = b.request(blk::T_GET_ID, 0, Data::In(blk::ID_BYTES))?;
    check_status(r, "GET_ID", &d, blk::S_OK, blk::ID_BYTES as u32 + 1);
    let mut want_id = b"vdpa_blk_sim".to_vec();
    want_id.resize(blk::ID_BYTES, 0);
    r.check_eq("GET_ID string", String::from_utf8_lossy(&d.data).to_string(), String::from_utf8_lossy(&want_id).to_string());

    let sectors_per_buf = DATA as u64 / blk::SECTOR;
    let places = [(0u64, 1u8), (sectors_per_buf, 2), (0x1234, 3), (cap - sectors_per_buf, 4)];
    for (sector, seed) in places {
        b.set_data(0, &pattern(seed, DATA));
        let d = b.request(blk::T_OUT, sector, Data::Out(DATA))?;
        check_status(r, &format!("OUT 4 KiB at sector {sector:#x}"), &d, blk::S_OK, 1);
    }
    // One sector written alone, inside an earlier write.
    b.set_data(0, &pattern(9, 512));
    let d = b.request(blk::T_OUT, 0x1236, Data::Out(512))?;
    check_status(r, "OUT 512 B at sector 0x1236", &d, blk::S_OK, 1);
    for (sector, seed) in places {
        b.set_data(0, &[0u8; DATA]);
        let d = b.request(blk::T_IN, sector, Data::In(DATA))?;
        check_status(r, &format!("IN 4 KiB at sector {sector:#x}"), &d, blk::S_OK, DATA as u32 + 1);
        let mut want = pattern(seed, DATA);
        if sector == 0x1234 {
            want[1024..1536].copy_from_slice(&pattern(9, 512));
        }
        r.check(d.data == want, format!("IN at sector {sector:#x} returns what was written"));
    }

    let d = b.request(blk::T_FLUSH, 0, Data::None)?;
    check_status(r, "FLUSH", &d, blk::S_OK, 1);

    let d = b.request(blk::T_WRITE_ZEROES, 0, Data::Segment(0, sectors_per_buf as u32, 0))?;
    check_status(r, "WRITE_ZEROES sectors 0-7", &d, blk::S_OK, 1);
    let d = b.request(blk::T_IN, 0, Data::In(DATA))?;
    r.check(d.status == blk::S_OK && d.data.iter().all(|x| *x == 0), "IN after WRITE_ZEROES: sectors 0-7 read as zeros");
    let d = b.request(blk::T_IN, sectors_per_buf, Data::In(DATA))?;
    r.check(d.status == blk::S_OK && d.data == pattern(2, DATA), "IN after WRITE_ZEROES: sectors 8-15 untouched");

    let d = b.request(blk::T_DISCARD, 0, Data::Segment(sectors_per_buf, sectors_per_buf as u32, 0))?;
    check_status(r, "DISCARD sectors 8-15", &d, blk::S_OK, 1);
    let d = b.request(blk::T_DISCARD, 0, Data::Segment(sectors_per_buf, 1, 1))?;
    check_status(r, "DISCARD with flags 1", &d, blk::S_UNSUPP, 1);

    // Out of range: at the capacity, straddling it, far beyond it.
    for (what, kind, sector, data) in [
        ("IN 512 B at sector = capacity", blk::T_IN, cap, Data::In(512)),
        ("OUT 512 B at sector = capacity", blk::T_OUT, cap, Data::Out(512)),
        ("IN 4 KiB at capacity - 1", blk::T_IN, cap - 1, Data::In(DATA)),
        ("IN 512 B at capacity + 0x1000", blk::T_IN, cap + 0x1000, Data::In(512)),
        ("IN 512 B at sector 2^60", blk::T_IN, 1 << 60, Data::In(512)),
    ] {
        let d = b.request(kind, sector, data)?;
        let want_len = 1;
        check_status(r, what, &d, blk::S_IOERR, want_len);
    }
    let d = b.request(blk::T_WRITE_ZEROES, 0, Data::Segment(cap - 1, 2, 0))?;
    check_status(r, "WRITE_ZEROES straddling the capacity", &d, blk::S_IOERR, 1);
    let d = b.request(0x55, 0, Data::None)?;
    check_status(r, "unknown request type 0x55", &d, blk::S_IOERR, 1);
    let d = b.request(blk::T_FLUSH, 8, Data::None)?;
    check_status(r, "FLUSH with sector 8", &d, blk::S_IOERR, 1);
    // The device keeps working after the errors.
    let d = b.request(blk::T_IN, 0x1234, Data::In(DATA))?;
    r.check(d.status == blk::S_OK && d.data[..1024] == pattern(3, DATA)[..1024], "IN after the errors still returns the data");
    Ok(())
}

/// A small xorshift generator (no external crates).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// `blk-bench`: 4 KiB random reads or writes over the whole disk with
/// `depth` requests in flight; prints `result iops N`.
///
/// # Errors
///
/// Fatal when a request fails or the device stalls.
pub fn cmd_bench(r: &mut Report, node: &str, write: bool, seconds: u64, depth: usize) -> Res<()> {
    let mut b = BlkDev::open(r, node)?;
    let depth = depth.clamp(1, MAX_DEPTH);
    let blocks = b.capacity / (DATA as u64 / blk::SECTOR);
    if blocks == 0 {
        return fatal("disk smaller than 4 KiB");
    }
    let kind = if write { blk::T_OUT } else { blk::T_IN };
    let data = if write { Data::Out(DATA) } else { Data::In(DATA) };
    for slot in 0..depth {
        b.set_data(slot, &pattern(slot as u8, DATA));
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let spb = DATA as u64 / blk::SECTOR;
    for slot in 0..depth {
        b.submit(slot, kind, (rng.next() % blocks) * spb, data)?;
    }
    b.q.notify()?;
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let (mut done, mut errors, mut kicks) = (0u64, 0u64, 1u64);
    let mut last = start;
    loop {
        let mut resubmitted = 0;
        let mut completed = 0;
        let now = Instant::now();
        while let Some(u) = b.q.pop_used()? {
            completed += 1;
            let slot = u.token as usize;
            if b.status_of(slot) != blk::S_OK {
                errors += 1;
            }
            done += 1;
            if now < deadline {
                b.submit(slot, kind, (rng.next() % blocks) * spb, data)?;
                resubmitted += 1;
            }
        }
        if resubmitted > 0 {
            b.q.notify()?;
            kicks += 1;
        }
        if b.q.in_flight() == 0 {
            break;
        }
        if completed > 0 {
            last = now;
            continue;
        }
        if now.duration_since(last) > TIMEOUT {
            return fatal(format!("{} requests not completed for {TIMEOUT:?}", b.q.in_flight()));
        }
        b.q.wait_call(Duration::from_millis(100))?;
    }
    let secs = start.elapsed().as_secs_f64();
    r.diag(format!(
        "{} 4 KiB, depth {depth}: {done} requests in {secs:.2} s, {kicks} kicks",
        if write { "randwrite" } else { "randread" }
    ));
    r.check_eq("failed requests", errors, 0);
    println!("result iops {:.0}", done as f64 / secs);
    Ok(())
}
