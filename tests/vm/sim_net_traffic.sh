#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A vdpa_sim_net device bound to virtio_vdpa is a virtio_net interface of the
# guest kernel; frames it sends to its own MAC come back on receive.

. "$(dirname "$0")/lib.sh"

mac=02:00:5e:10:00:01
vdpa_load vdpa_sim_net virtio_vdpa || fail "loading the modules"
vdpa dev add name tnet0 mgmtdev vdpasim_net mac $mac || fail "dev add"
vdpa_bind tnet0 virtio_vdpa || fail "binding tnet0 to virtio_vdpa"
wait_for 10 vdpa_virtio_child tnet0 net || fail "no net interface appeared"
ifname=$(vdpa_virtio_child tnet0 net)
diag "tnet0 -> $ifname ($(cat /sys/class/net/"$ifname"/address))"
[ "$(cat /sys/class/net/"$ifname"/address)" = $mac ] || fail "interface MAC is not $mac"
ip link set "$ifname" up || fail "ip link set up"

python3 "$(dirname "$0")/pktloop.py" "$ifname" 64 || fail "loopback traffic"
ip -s link show "$ifname" | sed 's/^/# /'

ip link set "$ifname" down
vdpa dev del tnet0 || fail "dev del"
wait_for 10 test ! -e /sys/class/net/"$ifname" || fail "$ifname still present after dev del"
exit $KSFT_PASS
