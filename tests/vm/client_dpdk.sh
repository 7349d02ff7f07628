#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DPDK's testpmd (Debian's dpdk-dev, 22.11) as an unmodified vhost-vdpa
# client: its virtio_user PMD opens /dev/vhost-vdpa-N of a vdpa_sim_net
# device, negotiates, maps its memory through IOTLB messages and runs io
# forwarding on the one port, which the simulator loops back to itself.
# tx_first puts a burst on the wire, addressed to the device's MAC so that
# the simulator's receive filter lets it through.
#
# Two runs, as the two ways DPDK is used:
#  - hugetlbfs memory on a simulator in VA mode (use_va, the default);
#  - --no-huge memory on a simulator in PA mode (use_va=0), where every
#    page DPDK maps is pinned against RLIMIT_MEMLOCK.
# Each must forward packets both ways (RX and TX counts above a floor and
# no more apart than the packets in flight) and exit cleanly; the device
# is then still there for the vdpa tool to delete, and the simulator
# unloads (a page left pinned or mapped would show in kmemleak, which the
# suite scans, or keep the module busy).
#
# VDPA_RS_DPDK_SECONDS (default 3) is the forwarding time of a run. The
# testpmd command is lib.sh's dpdk_testpmd, which the benchmark's
# tools/vm/testpmd-rate runs too.

. "$(dirname "$0")/lib.sh"

command -v "$TESTPMD" >/dev/null || skip "DPDK's dpdk-testpmd is not installed (Debian dpdk-dev)"
command -v vdpa >/dev/null || skip "the vdpa tool (iproute2) is not installed"
seconds=${VDPA_RS_DPDK_SECONDS:-3}
mac=02:00:5e:10:00:21
# Packets may be in flight in the rings when forwarding stops: RX and TX
# may differ by a ring's worth (two rings of 256).
slack=512
floor=1000

# check_counts LOG WHAT: the forward statistics of LOG show traffic both
# ways.
check_counts() {
	local log=$1 what=$2 rx tx
	rx=$(sed -n 's/.*RX-packets: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	tx=$(sed -n 's/.*TX-packets: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	diag "$what: RX-packets ${rx:-none}, TX-packets ${tx:-none} in ${seconds}s"
	[ -n "$rx" ] && [ -n "$tx" ] || { grep -v '^$' "$log" | tail -n 15 | sed 's/^/#   /'; fail "$what: no forward statistics"; }
	[ "$rx" -ge $floor ] || fail "$what: only $rx packets received (floor $floor)"
	[ "$tx" -ge $floor ] || fail "$what: only $tx packets sent (floor $floor)"
	[ $((rx > tx ? rx - tx : tx - rx)) -le $slack ] || fail "$what: RX $rx and TX $tx differ by more than $slack"
}

# one_run NAME SIM-PARAMS -- EAL-ARGS...: a device on a freshly loaded
# simulator, testpmd on it, and the checks.
one_run() {
	local what=$1 params=()
	shift
	while [ "$1" != -- ]; do params+=("$1"); shift; done
	shift
	if [ ${#params[@]} -gt 0 ]; then
		vdpa_load_params vdpa_sim "${params[@]}" || fail "$what: loading vdpa_sim ${params[*]}"
	fi
	vdpa_load vdpa_sim_net vhost_vdpa || fail "$what: loading the modules"
	vdpa_add_vhost dpdk0 vdpasim_net mac $mac
	diag "[${SECONDS}s] $what: dpdk0 ($mac) -> $node, testpmd $*"
	local log=$VDPA_RS_OUT/client_dpdk.$what.log
	dpdk_testpmd "$node" $mac "$seconds" "$log" "$@"
	local rc=$?
	grep -E 'virtio_user|vhost_vdpa' "$log" | head -n 8 | sed 's/^/#   testpmd: /'
	[ $rc = 0 ] || { tail -n 15 "$log" | sed 's/^/#   /'; fail "$what: testpmd exited $rc"; }
	check_counts "$log" "$what"
	# testpmd has exited and closed the node.
	vdpa dev show dpdk0 >/dev/null || fail "$what: dpdk0 is gone after testpmd"
	vdpa dev del dpdk0 || fail "$what: dev del dpdk0"
	vdpa_unload_all >/dev/null || fail "$what: unloading"
}

# Hugetlbfs: 64 pages of 2 MiB, given back at the end; testpmd takes 64 MiB
# of them (the debug kernel is slow to fault in more).
hugepages_reserve 64 40 || skip "fewer than 40 huge pages could be reserved"
trap 'hugepages_restore; rm -rf /var/run/dpdk/vdpars' EXIT

one_run hugetlbfs -- --iova-mode=va --huge-dir /dev/hugepages -m 64
hugepages_restore

# PA mode pins what DPDK maps; root's default memlock limit is too low.
ulimit -l unlimited || fail "raising RLIMIT_MEMLOCK"
one_run no-huge use_va=0 -- --iova-mode=va --no-huge -m 64
exit $KSFT_PASS
