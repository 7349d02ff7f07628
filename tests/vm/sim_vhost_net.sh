#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vdpa_sim_net under vhost_vdpa, driven from user space by vdpa-client (a
# QEMU-like virtio driver: owner, features, backend features, IOTLB v2
# batches at IOVAs away from its own addresses, split rings):
#  - loopback of 64- and 1500-byte frames to the device's MAC, intact and
#    counted (also with IOTLB_PERSIST acked);
#  - CVQ MAC_ADDR_SET: acked, visible in config space, the filter follows
#    the new MAC and drops the old one;
#  - SET_STATUS(0) with IOTLB_PERSIST: old IOVAs still work; without it
#    they stop working (identity map again) until re-mapped;
#  - groups and ASIDs: rings mapped only in ASID 1 are unreachable until
#    SET_GROUP_ASID moves the data group there;
#  - SUSPEND: nothing processed, ring bases readable; RESUME processes the
#    kick made meanwhile;
#  - IOTLB batches per ASID, a message for another ASID inside a batch
#    refused, maps applied at BATCH_END (set_map parents), v1 messages;
#  - net-bench runs and reports a rate.

. "$(dirname "$0")/lib.sh"

mac=02:11:22:33:44:55
command -v vdpa >/dev/null || skip "the vdpa tool (iproute2) is not installed"
VDPA_CLIENT=$(vdpa_client) || skip "tools/vdpa-client is not built (cargo build --release there)"
vdpa_load vdpa_sim_net vhost_vdpa || fail "loading the modules"
vdpa dev add name vnet0 mgmtdev vdpasim_net mac $mac || fail "dev add vnet0"
vdpa_bind vnet0 vhost_vdpa || fail "binding vnet0 to vhost_vdpa"
wait_for 10 vdpa_vhost_node vnet0 || fail "vnet0 has no vhost-vdpa node"
node=$(vdpa_vhost_node vnet0)
wait_for 10 test -c "$node" || fail "$node did not appear"
diag "[${SECONDS}s] vnet0 ($mac) -> $node"

# Maps reach the sim only at BATCH_END when it uses set_map, and an
# unmapped address space is harmless to kick only in VA mode.
deferred=
# (batch_mapping is an int parameter, use_va a bool.)
if [ "$(cat /sys/module/vdpa_sim/parameters/batch_mapping 2>/dev/null)" = 1 ] &&
   [ "$(cat /sys/module/vdpa_sim/parameters/use_va 2>/dev/null)" = Y ]; then
	deferred=--deferred
fi

client_step net-loop "$node" --count 64 --size 64
client_step net-loop "$node" --count 32 --size 1500 --persist
client_step net-cvq "$node"
client_step net-reset "$node" --persist
client_step net-reset "$node" --no-persist
client_step net-asid "$node"
client_step net-suspend "$node"
client_step iotlb-batch "$node" $deferred
client_bench pps net-bench "$node" --size 64 --seconds 1

mac_now=$(vdpa dev config show vnet0 | grep -o 'mac [0-9a-f:]*')
[ "$mac_now" = "mac $mac" ] || { diag "FAIL: vnet0 config shows '$mac_now' after the runs"; client_failed=1; }
vdpa dev del vnet0 || fail "dev del vnet0"
[ $client_failed = 0 ] || fail "vdpa-client checks failed (see above)"
exit $KSFT_PASS
