#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The simulator's module parameters that the default device does not use:
#  - vdpa_sim batch_mapping=0: the devices map with dma_map/dma_unmap
#    instead of set_map; loopback through vhost_vdpa (IOTLB batches, resets
#    with and without IOTLB_PERSIST, ASIDs) still works;
#  - vdpa_sim use_va=0: physical addresses, vhost_vdpa pins the client's
#    pages; loopback works;
#  - vdpa_sim_blk shared_backend=1: two block devices share one RAM disk,
#    so what is written through one reads back through the other, and the
#    disk outlives the first device.

. "$(dirname "$0")/lib.sh"

command -v vdpa >/dev/null || skip "the vdpa tool (iproute2) is not installed"
VDPA_CLIENT=$(vdpa_client) || skip "tools/vdpa-client is not built (cargo build --release there)"
mac=02:11:22:33:44:66

# net_node NAME: add a vdpasim_net device bound to vhost_vdpa; prints its node.
net_node() {
	vdpa dev add name "$1" mgmtdev vdpasim_net mac $mac || return 1
	vdpa_bind "$1" vhost_vdpa || return 1
	wait_for 10 vdpa_vhost_node "$1" || return 1
	local node
	node=$(vdpa_vhost_node "$1")
	wait_for 10 test -c "$node" || return 1
	echo "$node"
}

# 1. dma_map instead of set_map.
vdpa_load_params vdpa_sim batch_mapping=0 || fail "loading vdpa_sim batch_mapping=0"
vdpa_load vdpa_sim_net vhost_vdpa || fail "loading the modules"
[ "$(cat /sys/module/vdpa_sim/parameters/batch_mapping)" = 0 ] || fail "batch_mapping reads $(cat /sys/module/vdpa_sim/parameters/batch_mapping)"
node=$(net_node pnet0) || fail "pnet0 under vhost_vdpa"
diag "batch_mapping=0: pnet0 -> $node"
client_step net-loop "$node" --count 32 --size 1500
client_step net-reset "$node" --persist
client_step net-reset "$node" --no-persist
client_step net-asid "$node"
client_step iotlb-batch "$node"
vdpa dev del pnet0 || fail "dev del pnet0"
rmmod vdpa_sim_net vdpa_sim || fail "unloading the simulator"
sed -i '/^vdpa_sim_net$/d; /^vdpa_sim$/d' "$VDPA_RS_OUT/loaded"

# 2. Physical addresses: vhost_vdpa pins, the device copies page by page.
vdpa_load_params vdpa_sim use_va=0 || fail "loading vdpa_sim use_va=0"
vdpa_load vdpa_sim_net || fail "loading vdpa_sim_net"
node=$(net_node pnet1) || fail "pnet1 under vhost_vdpa"
diag "use_va=0: pnet1 -> $node"
client_step net-loop "$node" --count 32 --size 1500
client_step net-cvq "$node"
vdpa dev del pnet1 || fail "dev del pnet1"
rmmod vdpa_sim_net vdpa_sim || fail "unloading the simulator"
sed -i '/^vdpa_sim_net$/d; /^vdpa_sim$/d' "$VDPA_RS_OUT/loaded"

# 3. One RAM disk behind two block devices.
vdpa_load vdpa_sim virtio_vdpa || fail "loading vdpa_sim, virtio_vdpa"
vdpa_load_params vdpa_sim_blk shared_backend=1 || fail "loading vdpa_sim_blk shared_backend=1"
disks=()
for d in sblk0 sblk1; do
	vdpa dev add name $d mgmtdev vdpasim_blk || fail "dev add $d"
	vdpa_bind $d virtio_vdpa || fail "binding $d to virtio_vdpa"
	wait_for 10 vdpa_virtio_child $d block || fail "$d has no disk"
	disk=$(vdpa_virtio_child $d block)
	wait_for 10 test -b /dev/"$disk" || fail "/dev/$disk did not appear"
	disks+=("$disk")
done
diag "shared_backend=1: sblk0 -> /dev/${disks[0]}, sblk1 -> /dev/${disks[1]}"
tmp=$(mktemp -d)
head -c $((1 << 20)) /dev/urandom >"$tmp/data"
dd if="$tmp/data" of=/dev/"${disks[0]}" bs=64k seek=4 oflag=direct conv=fsync status=none || fail "write through sblk0"
dd if=/dev/"${disks[1]}" of="$tmp/back" bs=64k skip=4 count=16 iflag=direct status=none || fail "read through sblk1"
cmp -s "$tmp/data" "$tmp/back" || fail "sblk1 does not read what sblk0 wrote"
vdpa dev del sblk0 || fail "dev del sblk0"
dd if=/dev/"${disks[1]}" of="$tmp/back2" bs=64k skip=4 count=16 iflag=direct status=none || fail "read through sblk1 after sblk0 went"
cmp -s "$tmp/data" "$tmp/back2" || fail "the shared disk lost its data with sblk0"
vdpa dev del sblk1 || fail "dev del sblk1"
rm -rf "$tmp"
diag "1 MiB written through sblk0 read back through sblk1, also after sblk0 was deleted"

[ $client_failed = 0 ] || fail "vdpa-client checks failed (see above)"
exit $KSFT_PASS
