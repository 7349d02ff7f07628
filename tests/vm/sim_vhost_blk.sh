#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vdpa_sim_blk under vhost_vdpa, driven from user space by vdpa-client:
# GET_ID, writes read back at several sectors (including the last 4 KiB),
# FLUSH, WRITE_ZEROES zeroing exactly its range, DISCARD, requests at or
# beyond the capacity and unknown types failing with IOERR while the
# device keeps working; blk-bench runs random reads and writes and
# reports a rate.

. "$(dirname "$0")/lib.sh"

command -v vdpa >/dev/null || skip "the vdpa tool (iproute2) is not installed"
VDPA_CLIENT=$(vdpa_client) || skip "tools/vdpa-client is not built (cargo build --release there)"
vdpa_load vdpa_sim_blk vhost_vdpa || fail "loading the modules"
vdpa dev add name vblk0 mgmtdev vdpasim_blk || fail "dev add vblk0"
vdpa_bind vblk0 vhost_vdpa || fail "binding vblk0 to vhost_vdpa"
wait_for 10 vdpa_vhost_node vblk0 || fail "vblk0 has no vhost-vdpa node"
node=$(vdpa_vhost_node vblk0)
wait_for 10 test -c "$node" || fail "$node did not appear"
diag "[${SECONDS}s] vblk0 -> $node"

client_step blk-io "$node"
client_bench iops blk-bench "$node" --rw randread --seconds 1
client_bench iops blk-bench "$node" --rw randwrite --seconds 1 --depth 16

vdpa dev del vblk0 || fail "dev del vblk0"
[ $client_failed = 0 ] || fail "vdpa-client checks failed (see above)"
exit $KSFT_PASS
