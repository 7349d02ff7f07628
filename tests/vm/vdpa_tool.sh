#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The iproute2 vdpa tool sees the simulator management devices, creates and
# deletes devices, and /dev/vhost-vdpa-N follows the device's life.

. "$(dirname "$0")/lib.sh"

command -v vdpa >/dev/null || skip "the vdpa tool (iproute2) is not installed"
vdpa_load vdpa_sim_net vdpa_sim_blk vhost_vdpa || fail "loading the modules"

mgmt=$(vdpa mgmtdev show) || fail "vdpa mgmtdev show"
echo "$mgmt" | sed 's/^/# /'
echo "$mgmt" | grep -q '^vdpasim_net:' || fail "vdpasim_net not listed"
echo "$mgmt" | grep -q '^vdpasim_blk:' || fail "vdpasim_blk not listed"

vdpa dev add name tnet0 mgmtdev vdpasim_net || fail "dev add tnet0"
vdpa dev add name tblk0 mgmtdev vdpasim_blk || fail "dev add tblk0"
vdpa dev add name tnet0 mgmtdev vdpasim_net 2>/dev/null && fail "a duplicate name was accepted"

show=$(vdpa dev show) || fail "vdpa dev show"
echo "$show" | sed 's/^/# /'
echo "$show" | grep -q '^tnet0: type network mgmtdev vdpasim_net' || fail "tnet0 not shown"
echo "$show" | grep -q '^tblk0: type block mgmtdev vdpasim_blk' || fail "tblk0 not shown"

for dev in tnet0 tblk0; do
	wait_for 10 vdpa_vhost_node "$dev" || fail "$dev has no vhost-vdpa node in sysfs"
	node=$(vdpa_vhost_node "$dev")
	wait_for 10 test -c "$node" || fail "$node did not appear"
	diag "$dev -> $node"
	eval "node_$dev=$node"
done

vdpa dev del tnet0 || fail "dev del tnet0"
wait_for 10 test ! -e "$node_tnet0" || fail "$node_tnet0 still exists after dev del"
test -c "$node_tblk0" || fail "deleting tnet0 removed $node_tblk0"
vdpa dev del tblk0 || fail "dev del tblk0"
wait_for 10 test ! -e "$node_tblk0" || fail "$node_tblk0 still exists after dev del"
[ -z "$(vdpa dev show)" ] || fail "devices left after deleting both"
vdpa dev del tnet0 2>/dev/null && fail "deleting a missing device succeeded"
exit $KSFT_PASS
