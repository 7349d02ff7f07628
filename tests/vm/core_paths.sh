#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Paths of the bus core that work on upstream and no other test reaches:
# the test parent's load-time self tests (bad allocations and a register
# without a management device fail with EINVAL); default "vdpaN" names of
# devices allocated without a name, N the lowest free bus index, reused
# after a delete and refused when a named device already has it; dumps
# larger than one netlink buffer (DEV_GET and DEV_CONFIG_GET of 200
# devices come back over several skbs, every device once, in bus order,
# ended by NLMSG_DONE; the config dump ends at the first console device);
# and DEV_ATTR_SET of a MAC on vdpa_sim_net, which DEV_CONFIG_GET then
# shows, while multicast, zero and broadcast MACs are refused. The
# transcript must equal core_paths.expected, recorded on the upstream core.

. "$(dirname "$0")/lib.sh"

command -v vdpa >/dev/null || skip "the vdpa tool (iproute2) is not installed"
nl() {
	python3 "$(dirname "$0")/vdpa_nl.py" "$@"
}

out=$VDPA_RS_OUT/core_paths.out
: >"$out"
# say CMD...: run CMD; its '#' lines are diagnostics, the rest transcript.
say() {
	local rc
	"$@" >"$VDPA_RS_OUT/core_paths.step" 2>&1
	rc=$?
	grep '^#' "$VDPA_RS_OUT/core_paths.step"
	grep -v '^#' "$VDPA_RS_OUT/core_paths.step" >>"$out"
	[ $rc = 0 ] || grep -v '^#' "$VDPA_RS_OUT/core_paths.step" | tail -n 5 | sed 's/^/# /'
	return $rc
}

vdpa_load vdpa_rs_test_parent vdpa_sim_net || fail "loading the modules"
selftest=$(dmesg | grep -o 'vdpa_rs_test_parent: selftest .*')
echo "$selftest" >>"$out"
want=$(printf 'vdpa_rs_test_parent: selftest %s: EINVAL\n' alloc_no_config \
	alloc_dma_map_only alloc_use_va_no_map register_no_mgmt)
[ "$selftest" = "$want" ] || fail "the self tests printed: $(echo $selftest)"

say nl paths 200 || fail "default names, dumps or DEV_ATTR_SET"
{
	vdpa_cmd dev config show sn0
	vdpa_cmd dev del sn0
} >>"$out" 2>&1

expect_transcript core_paths "the transcript"
diag "$(wc -l <"$out") lines as on upstream"
exit $KSFT_PASS
