// SPDX-License-Identifier: GPL-2.0

//! Tests of `vhost_vdpa/logic/pages.rs` (contract B.6).

use alloc::vec::Vec;

use crate::logic::pages::*;

/// Feeds `pfns` and collects every run, the final one included.
pub(crate) fn runs_of(iova: u64, pfns: &[u64]) -> Vec<Run> {
    let mut r = Runs::new(iova);
    let mut out: Vec<Run> = pfns.iter().filter_map(|&p| r.push(p)).collect();
    out.extend(r.finish());
    out
}

#[test]
fn page_count_basic() {
    assert_eq!(PAGE_SIZE, 4096);
    assert_eq!(page_count(0, 1), Some(1));
    assert_eq!(page_count(0, 4096), Some(1));
    assert_eq!(page_count(0, 4097), Some(2));
    // The in-page offset of iova counts.
    assert_eq!(page_count(0xfff, 1), Some(1));
    assert_eq!(page_count(0xfff, 2), Some(2));
    assert_eq!(page_count(0x1_0800, 0x1000), Some(2));
    // Only the offset matters, not the page.
    assert_eq!(page_count(0xffff_f000, 0x3000), Some(3));
}

#[test]
fn page_count_zero_is_refused() {
    assert_eq!(page_count(0x1000, 0), None);
    assert_eq!(page_count(0x1001, 0), Some(1));
}

#[test]
fn page_count_cannot_overflow() {
    // Regression for "PA map page counts cannot overflow": PFN_UP would
    // wrap this to a small count.
    assert_eq!(page_count(0, u64::MAX - 10), None);
    assert_eq!(page_count(0, u64::MAX), None);
    assert_eq!(page_count(1, u64::MAX), None);
    assert_eq!(page_count(0xfff, u64::MAX - 0xffe), None);
    // The largest accepted sum: u64::MAX - 4095 bytes.
    assert_eq!(page_count(0, u64::MAX - 4095), Some((1 << 52) - 1));
    assert_eq!(page_count(0, u64::MAX - 4094), None);
    assert_eq!(
        page_count(0x800, u64::MAX - 4095 - 0x800),
        Some((1 << 52) - 1)
    );
}

#[test]
fn memlock_limit() {
    assert_eq!(limit_pages(64 << 20), 16384);
    assert_eq!(limit_pages(4095), 0);
    assert_eq!(limit_pages(u64::MAX), (1 << 52) - 1);
    assert!(memlock_ok(10, 0, 10));
    assert!(!memlock_ok(11, 0, 10));
    assert!(memlock_ok(5, 5, 10));
    assert!(!memlock_ok(5, 6, 10));
    assert!(memlock_ok(0, 0, 0));
    // No overflow.
    assert!(!memlock_ok(u64::MAX, 1, u64::MAX));
    assert!(memlock_ok(u64::MAX, 0, u64::MAX));
}

#[test]
fn chunks_never_exceed_buffer() {
    assert_eq!(PIN_CHUNK_PAGES, 4096 / 8);
    assert_eq!(chunk_pages(1, PIN_CHUNK_PAGES), Some(1));
    assert_eq!(chunk_pages(512, PIN_CHUNK_PAGES), Some(512));
    assert_eq!(chunk_pages(513, PIN_CHUNK_PAGES), Some(512));
    assert_eq!(chunk_pages(u64::MAX, 16), Some(16));
    assert_eq!(chunk_pages(0, 16), None);
    assert_eq!(chunk_pages(10, 0), None);
}

#[test]
fn chunk_loop_pins_every_page_once() {
    let mut remaining = 1300u64;
    let mut sizes = Vec::new();
    while let Some(n) = chunk_pages(remaining, PIN_CHUNK_PAGES) {
        sizes.push(n);
        remaining -= n as u64;
    }
    assert_eq!(sizes, [512, 512, 276]);
}

#[test]
fn runs_contiguous_is_one_run() {
    assert_eq!(
        runs_of(0x10_0000, &[100, 101, 102]),
        [Run {
            iova: 0x10_0000,
            pfn: 100,
            npages: 3
        }]
    );
}

#[test]
fn runs_break_on_discontinuity_and_advance_iova() {
    assert_eq!(
        runs_of(0x2000, &[7, 8, 20, 21, 22, 9]),
        [
            Run {
                iova: 0x2000,
                pfn: 7,
                npages: 2
            },
            Run {
                iova: 0x4000,
                pfn: 20,
                npages: 3
            },
            Run {
                iova: 0x7000,
                pfn: 9,
                npages: 1
            },
        ]
    );
}

#[test]
fn runs_start_at_rounded_down_iova() {
    assert_eq!(
        runs_of(0x1234, &[5]),
        [Run {
            iova: 0x1000,
            pfn: 5,
            npages: 1
        }]
    );
}

#[test]
fn runs_descending_or_repeated_pfns_are_separate() {
    assert_eq!(runs_of(0, &[5, 4]).len(), 2);
    assert_eq!(runs_of(0, &[5, 5]).len(), 2);
}

#[test]
fn runs_pfn_zero_is_ordinary() {
    // Upstream's last_pfn == 0 sentinel would merge these.
    let one = |iova, pfn| Run {
        iova,
        pfn,
        npages: 1,
    };
    assert_eq!(runs_of(0, &[5, 0]), [one(0, 5), one(0x1000, 0)]);
    assert_eq!(
        runs_of(0, &[5, 0, 9]),
        [one(0, 5), one(0x1000, 0), one(0x2000, 9)]
    );
    assert_eq!(
        runs_of(0, &[0, 5]),
        [
            Run {
                iova: 0,
                pfn: 0,
                npages: 1
            },
            Run {
                iova: 0x1000,
                pfn: 5,
                npages: 1
            }
        ]
    );
    assert_eq!(
        runs_of(0, &[0, 1]),
        [Run {
            iova: 0,
            pfn: 0,
            npages: 2
        }]
    );
}

#[test]
fn runs_empty_and_finish_twice() {
    let mut r = Runs::new(0);
    assert_eq!(r.finish(), None);
    assert_eq!(r.push(3), None);
    assert!(r.finish().is_some());
    assert_eq!(r.finish(), None);
}

#[test]
fn runs_up_to_the_top_of_the_space() {
    // The last page of the 64-bit space: no overflow.
    let top = !0xfffu64;
    assert_eq!(
        runs_of(top, &[9]),
        [Run {
            iova: top,
            pfn: 9,
            npages: 1
        }]
    );
    let r = runs_of(top - 0x1000, &[1, 3]);
    assert_eq!(
        r[1],
        Run {
            iova: top,
            pfn: 3,
            npages: 1
        }
    );
}

#[test]
fn run_size_and_pa() {
    let r = Run {
        iova: 0,
        pfn: 0x10,
        npages: 3,
    };
    assert_eq!(r.size(), Some(0x3000));
    assert_eq!(r.pa(), Some(0x10000));
    let r = Run {
        iova: 0,
        pfn: u64::MAX,
        npages: u64::MAX,
    };
    assert_eq!(r.size(), None);
    assert_eq!(r.pa(), None);
}
