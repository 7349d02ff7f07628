#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vhost_vdpa's paths that need a parent with interrupts, doorbells and
# config interrupts, which no parent of the tree offers it: the irq* and
# irqbad* devices of vdpa_rs_test_parent, with the irq-bypass consumer of
# vdpa_rs_irqbypass_probe watching the producers (vhost_irq.py):
#  - irq bypass: producers registered and unregistered with the call
#    eventfd as token and the parent's irq, in upstream's order, through
#    SET_VRING_CALL, DRIVER_OK set and cleared by reset, and close;
#  - the doorbell mmap: vhost_vdpa_mmap's refusals and their errnos, on
#    irq0, on irqbad0 (unaligned and oversized doorbells), on io0 and a
#    vdpasim_net device (no get_vq_notification: ENOTSUPP), and stores
#    through a mapping reaching the parent's page (its vendor stats);
#  - the config eventfd: a failed SET_CONFIG_CALL changes nothing, and a
#    config interrupt in flight while the eventfd is replaced, unbound or
#    closed, or the node closed, signals only the eventfd of that moment;
#    dev del and rmmod with one in flight.
# The expectations come from the upstream 6.12.117 sources, which have the
# config_lock fix; the test passes on the upstream stack.

. "$(dirname "$0")/lib.sh"

here=$(dirname "$0")
ctl=/sys/kernel/debug/vdpa_rs_irqbypass/ctl

# add_vhost NAME MGMTDEV [ARGS...]: create a device bound to vhost_vdpa;
# sets node_NAME.
add_vhost() {
	local node
	vdpa_add_vhost "$@"
	diag "[${SECONDS}s] $1 -> $node"
	eval "node_$1=$node"
}

command -v vdpa >/dev/null || skip "the vdpa tool (iproute2) is not installed"
vdpa_load vhost_vdpa vdpa_sim_net vdpa_rs_test_parent vdpa_rs_irqbypass_probe ||
	fail "loading the modules"
if [ ! -e "$ctl" ]; then
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	[ -e "$ctl" ] || fail "$ctl is missing"
fi

add_vhost irq0 vdpa_rs_test_io
add_vhost irqbad0 vdpa_rs_test_io
add_vhost io0 vdpa_rs_test_io
add_vhost vs0 vdpasim_net mac 02:11:22:33:44:77
add_vhost irq1 vdpa_rs_test_io

# deldel deletes irq0; rmmod (the last) removes the parent, closed devices
# and all.
python3 "$here/vhost_irq.py" \
	bypass irq0 "$node_irq0" \
	doorbell irq0 "$node_irq0" \
	nodoorbell io0 "$node_io0" \
	nodoorbell vs0 "$node_vs0" \
	badbell irqbad0 "$node_irqbad0" \
	config irq0 "$node_irq0" \
	deldel irq0 "$node_irq0" \
	rmmod irq1 "$node_irq1"
rc=$?
vdpa dev del vs0 || fail "dev del vs0"
diag "[${SECONDS}s] done"
[ $rc = 0 ] || fail "see the FAIL lines above"
exit $KSFT_PASS
