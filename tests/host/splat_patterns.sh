#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM runner's report patterns (tools/vm/splat-patterns) match the first
# line of each kind of kernel report, and none of the ordinary messages a
# test run produces.

patterns=$(dirname "$0")/../../tools/vm/splat-patterns
rc=0

while IFS= read -r line; do
	[ -n "$line" ] || continue
	grep -qE -f "$patterns" <<<"$line" || { echo "# not caught: $line"; rc=1; }
done <<'EOF'
[   12.345678] WARNING: CPU: 1 PID: 321 at drivers/vdpa/vdpa.c:123 vdpa_foo+0x12/0x40 [vdpa]
[   12.345678] BUG: kernel NULL pointer dereference, address: 0000000000000008
[   12.345678] BUG: KFENCE: use-after-free read in vdpa_release_dev+0x1c/0x50 [vdpa]
[   12.345678] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:585
[   12.345678] BUG kmalloc-64 (Tainted: G           O      ): Poison overwritten
[   12.345678] Oops: general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] PREEMPT SMP
[   12.345678] WARNING: possible circular locking dependency detected
[   12.345678] WARNING: possible recursive locking detected
[   12.345678] WARNING: inconsistent lock state
[   12.345678] WARNING: suspicious RCU usage
[   12.345678] kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
[   12.345678] refcount_t: underflow; use-after-free.
[   12.345678] list_add corruption. prev->next should be next (ffff888003b8e2d8), but was 0000000000000000.
[   12.345678] UBSAN: array-index-out-of-bounds in drivers/vdpa/vdpa.c:42:7
[   12.345678] Kernel panic - not syncing: Fatal exception
EOF

while IFS= read -r line; do
	[ -n "$line" ] || continue
	grep -qE -f "$patterns" <<<"$line" && { echo "# false alarm: $line"; rc=1; }
done <<'EOF'
[   35.846950] vdpa_rs_abi_test: loading out-of-tree module taints kernel.
[   35.865735] vdpa_rs_abi_test: 126 layout facts agree between C and Rust
[   36.100000] virtio_net virtio0 eth0: renamed from eth1
[   36.200000] virtio_blk virtio1: [vdb] 262144 512-byte logical blocks (134 MB/128 MiB)
[   36.400000] kmemleak: Kernel memory leak detector initialized (mem pool available: 15784)
EOF

exit $rc
