#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The vdpa_rs_test_io devices of vdpa_rs_test_parent under the upstream bus
# drivers, so that every op of the Rust ABI layer runs in a real kernel:
#  - vhost_vdpa (vhost_io.py, a QEMU-like client): features and backend
#    features, config space, IOTLB batches reaching set_map as one call,
#    INVALIDATE, set_vq_state/get_vq_state for split and packed rings, a
#    kick and the call eventfd it signals, ring enable dropping the
#    callback, compat_reset with and without VDPA_RESET_F_CLEAN_MAP
#    (IOTLB_PERSIST), reset_map on close, set_group_asid, vendor stats and
#    the errnos of bad requests;
#  - the dma_map/dma_unmap variant (dma0) under vhost_vdpa;
#  - virtio_vdpa: a virtio_net interface that transmits (kicks counted);
#  - every device's data dropped exactly once, on dev del and on unload.
# Results are fixed expectations from the upstream sources and the test
# parent's specification, the same on every stack.

. "$(dirname "$0")/lib.sh"

here=$(dirname "$0")
parent=vdpa_rs_test_parent
failed=0

# check_failed MESSAGE: a check failed; the test goes on and fails at the end.
check_failed() {
	diag "FAIL: $*"
	failed=1
}

command -v vdpa >/dev/null || skip "the vdpa tool (iproute2) is not installed"
vdpa_load vhost_vdpa virtio_vdpa $parent || fail "loading the modules"

# parent_lines DEV WHAT: the parent's lines "DEV: WHAT" in the kernel log
# (run-suite cleared it before this test).
parent_lines() {
	dmesg | grep -c "$parent: $1: $2\$"
}

dropped_once() {
	[ "$(parent_lines "$1" "data dropped")" = 1 ]
}

# vstat DEV QIDX NAME: one vendor statistic of a queue.
vstat() {
	vdpa dev vstats show "$1" qidx "$2" |
		awk -v n="$3" '{ for (i = 1; i < NF; i++) if ($i == n) print $(i + 1) }'
}

want="vdpa_rs_test_io: 
  supported_classes net
  max_supported_vqs 2
  dev_features MAC VERSION_1 ACCESS_PLATFORM RING_PACKED"
got=$(vdpa mgmtdev show vdpa_rs_test_io) || fail "vdpa mgmtdev show vdpa_rs_test_io"
if [ "$got" = "$want" ]; then
	diag "ok: mgmtdev vdpa_rs_test_io: net, 2 vqs, MAC VERSION_1 ACCESS_PLATFORM RING_PACKED"
else
	echo "$got" | sed 's/^/# /'
	check_failed "mgmtdev vdpa_rs_test_io shown differently"
fi

# A. B. C. F. The default variant (set_map, io0) and the dma_map one (dma0)
# under vhost_vdpa, in one run of the client.
for dev in io0 dma0; do
	vdpa dev add name $dev mgmtdev vdpa_rs_test_io || fail "dev add $dev"
	got=$(vdpa dev show $dev)
	if [ "$got" = "$dev: type network mgmtdev vdpa_rs_test_io vendor_id 0 max_vqs 2 max_vq_size 256" ]; then
		diag "ok: $got"
	else
		check_failed "vdpa dev show $dev: '$got'"
	fi
	vdpa_bind $dev vhost_vdpa || fail "binding $dev to vhost_vdpa"
	wait_for 10 vdpa_vhost_node $dev || fail "$dev has no vhost-vdpa node"
	node=$(vdpa_vhost_node $dev)
	wait_for 10 test -c "$node" || fail "$node did not appear"
	diag "$dev -> $node"
	eval "node_$dev=$node"
done
diag "[${SECONDS}s] vhost_vdpa sessions"
python3 "$here/vhost_io.py" basic io0 "$node_io0" persist io0 "$node_io0" \
	packed io0 "$node_io0" dma dma0 "$node_dma0" || check_failed "io0 and dma0 over vhost_vdpa"

# D. virtio_vdpa: a virtio_net interface that transmits.
diag "[${SECONDS}s] virtio_vdpa"
vdpa dev add name io1 mgmtdev vdpa_rs_test_io || fail "dev add io1"
vdpa_bind io1 virtio_vdpa || fail "binding io1 to virtio_vdpa"
wait_for 10 vdpa_virtio_child io1 net || fail "no net interface appeared for io1"
ifname=$(vdpa_virtio_child io1 net)
mac=$(cat /sys/class/net/"$ifname"/address)
[ "$mac" = 02:00:00:00:ab:cd ] || fail "$ifname has MAC $mac, not the config space's 02:00:00:00:ab:cd"
diag "ok: io1 -> $ifname ($mac)"
ip link set dev "$ifname" up || fail "ip link set $ifname up"
python3 "$here/vhost_io.py" xmit "$ifname" 4 || check_failed "sending on $ifname"
tx_kicks=$(vstat io1 1 kicks)
rx_kicks=$(vstat io1 0 kicks)
diag "io1 rx: $(vdpa dev vstats show io1 qidx 0)"
diag "io1 tx: $(vdpa dev vstats show io1 qidx 1)"
if [ -n "$tx_kicks" ] && [ "$tx_kicks" -gt 0 ] && [ -n "$rx_kicks" ] && [ "$rx_kicks" -gt 0 ]; then
	diag "ok: io1 kicks: tx $tx_kicks, rx $rx_kicks"
else
	check_failed "io1 kicks: tx '$tx_kicks', rx '$rx_kicks', expected > 0 each"
fi
ip link set dev "$ifname" down
echo io1 >/sys/bus/vdpa/drivers/virtio_vdpa/unbind || fail "unbinding io1 from virtio_vdpa"
wait_for 10 test ! -e /sys/class/net/"$ifname" || fail "$ifname still present after unbind"
diag "ok: $ifname gone with the unbind"

# E. Data dropped exactly once: on dev del, and on module unload.
diag "[${SECONDS}s] deletion"
for dev in io0 dma0 io1; do
	vdpa dev del $dev || fail "dev del $dev"
	if wait_for 10 dropped_once $dev; then
		diag "ok: $dev: data dropped after dev del"
	else
		check_failed "$dev: $(parent_lines $dev "data dropped") 'data dropped' lines after dev del, expected 1"
	fi
done
vdpa dev add name io2 mgmtdev vdpa_rs_test_io || fail "dev add io2"
before=$(ls /sys/bus/vdpa/devices)
vdpa dev add name anon0 mgmtdev vdpa_rs_test_io || fail "dev add anon0"
anon=$(ls /sys/bus/vdpa/devices | grep -vxF "$before")
[[ "$anon" =~ ^vdpa[0-9]+$ ]] || fail "anon0 made device(s) '$anon', expected one vdpaN"
[ ! -e /sys/bus/vdpa/devices/anon0 ] || fail "a device named anon0 exists"
vdpa dev show "$anon" | grep -q "^$anon: type network mgmtdev vdpa_rs_test_io " ||
	fail "vdpa dev show $anon: '$(vdpa dev show "$anon" 2>&1)'"
diag "ok: anon0 registered as $anon"
rmmod $parent || fail "rmmod $parent"
for dev in io2 "$anon"; do
	[ ! -e /sys/bus/vdpa/devices/$dev ] || fail "$dev still on the bus after rmmod"
done
bad=
for dev in io0 dma0 io1 io2; do
	n=$(parent_lines "$dev" "data dropped")
	[ "$n" = 1 ] || { check_failed "$dev: $n 'data dropped' lines, expected exactly 1"; bad=1; }
done
# The nameless device's data may call itself by its bus name or by the
# name dev add asked for; either way, once.
n=$(($(parent_lines "$anon" "data dropped") + $(parent_lines anon0 "data dropped")))
[ "$n" = 1 ] || { check_failed "$anon (anon0): $n 'data dropped' lines, expected exactly 1"; bad=1; }
[ -n "$bad" ] || diag "ok: io0 dma0 io1 io2 $anon: data dropped exactly once each"
diag "[${SECONDS}s] done"
[ $failed = 0 ] || fail "see the FAIL lines above"
exit $KSFT_PASS
