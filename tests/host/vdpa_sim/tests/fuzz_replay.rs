// SPDX-License-Identifier: GPL-2.0

//! Stable replay of the fuzz body (`tests/fuzz/vdpa_sim/src/vring_case.rs`):
//! the committed seeds of `corpus/vring/`, well-formed inputs built with
//! the ring helpers, and pseudo-random inputs.

use alloc::vec;
use alloc::vec::Vec;
use std::path::PathBuf;

use crate::helpers::{Ring, TestMem};
use crate::vring_case::run;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/vdpa_sim/corpus/vring")
}

/// An input whose image holds well-formed chains for `mode` (see the fuzz
/// body's layout): ring size 8, pass-through.
fn seed(mode: u8) -> Vec<u8> {
    let mut mem = TestMem::new(0x10000);
    let mut ring = Ring::new(8, 0x0);
    // The fuzz layout puts avail at 0x1000 and used at 0x2000.
    ring.avail = 0x1000;
    ring.used = 0x2000;
    let mut rx = Ring::new(8, 0x4000);
    rx.avail = 0x5000;
    rx.used = 0x6000;
    match mode {
        0 => {
            ring.add(&mut mem, &[(0x8000, 64, false), (0x9000, 64, true)]);
            Ring::put_desc(&mut mem, 0x3000, 0, 0x8100, 32, 0x1, 1);
            Ring::put_desc(&mut mem, 0x3000, 1, 0x9100, 32, 0x2, 0);
            ring.desc(&mut mem, 2, 0x3000, 32, 0x4, 0);
            ring.next_desc = 3;
            ring.publish(&mut mem, 2);
        }
        1 => {
            // OUT of one sector, then IN of it, then GET_ID.
            mem.put_u32(0x8000, 1);
            mem.put_u64(0x8008, 3);
            ring.add(
                &mut mem,
                &[(0x8000, 16, false), (0x8100, 512, false), (0x8400, 1, true)],
            );
            mem.put_u32(0x8500, 0);
            mem.put_u64(0x8508, 3);
            ring.add(
                &mut mem,
                &[(0x8500, 16, false), (0x9000, 512, true), (0x9200, 1, true)],
            );
            mem.put_u32(0x8600, 8);
            ring.add(&mut mem, &[(0x8600, 16, false), (0x9400, 21, true)]);
        }
        2 => {
            let mut frame = vec![0u8; 12];
            frame.extend_from_slice(&[0xff; 6]);
            frame.extend_from_slice(&[0x11; 50]);
            mem.poke(0x8000, &frame);
            ring.add(&mut mem, &[(0x8000, frame.len() as u32, false)]);
            ring.add(&mut mem, &[(0x8000, frame.len() as u32, false)]);
            rx.add(&mut mem, &[(0x9000, 2048, true)]);
        }
        _ => {
            mem.poke(0x8000, &[1, 1, 2, 3, 4, 5, 6, 7]);
            ring.add(&mut mem, &[(0x8000, 8, false), (0x8100, 1, true)]);
            mem.poke(0x8200, &[7, 7]);
            ring.add(&mut mem, &[(0x8200, 2, false), (0x8300, 1, true)]);
        }
    }
    // num 8 (log2 3), the mode, pass-through; last_avail 0; no region.
    let mut input = vec![3 | (mode << 3) | 0x80, 0, 0, 0];
    input.extend_from_slice(&mem.ram);
    // Trailing zeros add nothing.
    while input.last() == Some(&0) {
        input.pop();
    }
    input
}

#[test]
fn seeds_run() {
    for mode in 0..4 {
        let s = seed(mode);
        run(&s);
        // The same chains seen through mappings, tame or not.
        let mut mapped = s.clone();
        mapped[0] &= 0x7f;
        mapped[0] |= 0x40;
        mapped[3] = 1;
        mapped.splice(4..4, [8u8, 3, 2]);
        run(&mapped);
        mapped[0] |= 0x20;
        run(&mapped);
    }
}

#[test]
fn corpus_replays() {
    let Ok(dir) = std::fs::read_dir(corpus_dir()) else {
        return;
    };
    for entry in dir.flatten() {
        if let Ok(data) = std::fs::read(entry.path()) {
            run(&data);
        }
    }
}

#[test]
fn random_inputs_run() {
    // xorshift64*, fixed seed: reproducible.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    for mode in 0..4u8 {
        let base = seed(mode);
        for _ in 0..300 {
            let mut input = base.clone();
            input.resize(0x7000, 0);
            // A few random byte flips in the rings and buffers.
            let flips = next() % 16 + 1;
            for _ in 0..flips {
                let r = next();
                let at = (r % input.len() as u64) as usize;
                input[at] = (r >> 32) as u8;
            }
            input[0] = (input[0] & 0x1f) | (mode << 3) | ((next() as u8) & 0xe0);
            input[0] = (input[0] & !0x18) | (mode << 3);
            run(&input);
        }
    }
    // Unstructured noise.
    for _ in 0..300 {
        let len = (next() % 0x3000) as usize;
        let input: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        run(&input);
    }
}

/// Writes the seeds into the fuzz corpus (run by hand with `--ignored`).
#[test]
#[ignore]
fn write_seeds() {
    let dir = corpus_dir();
    std::fs::create_dir_all(&dir).unwrap();
    for mode in 0..4 {
        std::fs::write(dir.join(std::format!("seed-{mode}")), seed(mode)).unwrap();
    }
}
