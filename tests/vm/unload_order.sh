#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Modules unload cleanly with devices present, in every order the module
# dependencies allow: parents first (their devices go with them), bus
# drivers first (devices are unbound, then deleted with their parent), and
# the core refuses to go while anything uses it. The run's kernel-log and
# kmemleak checks catch what a bad order would leak or break.

. "$(dirname "$0")/lib.sh"

setup() {
	vdpa_load vdpa_sim_net vdpa_sim_blk vhost_vdpa virtio_vdpa || fail "loading the modules"
	vdpa dev add name un0 mgmtdev vdpasim_net || fail "dev add un0"
	vdpa dev add name ub0 mgmtdev vdpasim_blk || fail "dev add ub0"
	vdpa dev add name un1 mgmtdev vdpasim_net || fail "dev add un1"
	vdpa_bind un0 virtio_vdpa || fail "bind un0 to virtio_vdpa"
	vdpa_bind ub0 vhost_vdpa || fail "bind ub0 to vhost_vdpa"
	vdpa_bind un1 vhost_vdpa || fail "bind un1 to vhost_vdpa"
}

unload() {
	local m
	for m in "$@"; do
		rmmod "$m" || fail "rmmod $m (order: $*)"
	done
	for m in "$@"; do
		[ ! -d /sys/module/"$m" ] || fail "$m still loaded"
	done
	[ -z "$(ls /sys/bus/vdpa/devices 2>/dev/null)" ] || fail "devices left: $(ls /sys/bus/vdpa/devices)"
}

orders=(
	"vdpa_sim_net vdpa_sim_blk vhost_vdpa virtio_vdpa vdpa_sim vdpa"
	"vhost_vdpa virtio_vdpa vdpa_sim_blk vdpa_sim_net vdpa_sim vdpa"
	"virtio_vdpa vdpa_sim_blk vhost_vdpa vdpa_sim_net vdpa_sim vdpa"
)
for order in "${orders[@]}"; do
	setup
	rmmod vdpa 2>/dev/null && fail "vdpa unloaded while its users are loaded"
	rmmod vdpa_sim 2>/dev/null && fail "vdpa_sim unloaded under vdpa_sim_net"
	# shellcheck disable=SC2086
	unload $order
	diag "unloaded: $order"
done

# Deleting a device whose vhost-vdpa node is open waits for the close: the
# holder keeps the node open for $hold ms after the del started and notes
# the time just before it closes; the del must end after that time.
setup
node=$(vdpa_vhost_node ub0)
hold=3000
rm -f "$VDPA_RS_OUT/held" "$VDPA_RS_OUT/del_start" "$VDPA_RS_OUT/closing"
(
	exec 9<>"$node" || exit 1
	: >"$VDPA_RS_OUT/held"
	for _ in $(seq 200); do
		[ -s "$VDPA_RS_OUT/del_start" ] && break
		sleep 0.05
	done
	sleep "$(printf '%d.%03d' $((hold / 1000)) $((hold % 1000)))"
	date +%s%N >"$VDPA_RS_OUT/closing"
) &
holder=$!
wait_for 10 test -e "$VDPA_RS_OUT/held" || fail "the holder could not open $node"
t0=$(date +%s%N)
echo "$t0" >"$VDPA_RS_OUT/del_start"
vdpa dev del ub0 || fail "dev del ub0 while its node is open"
t1=$(date +%s%N)
wait $holder
tc=$(cat "$VDPA_RS_OUT/closing")
waited=$(((t1 - t0) / 1000000))
[ -n "$tc" ] || fail "the holder did not note its close"
[ "$t1" -ge "$tc" ] || fail "dev del returned $(((tc - t1) / 1000000)) ms before the node was closed"
[ $waited -ge $((hold * 9 / 10)) ] || fail "dev del returned after ${waited} ms, the node was held ${hold} ms"
diag "dev del waited ${waited} ms for $node, held ${hold} ms after the del started"
unload vdpa_sim_net vdpa_sim_blk vhost_vdpa virtio_vdpa vdpa_sim vdpa
exit $KSFT_PASS
