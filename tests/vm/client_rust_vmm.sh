#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rust-vmm's vhost crate (0.18, feature vhost-vdpa) as an unmodified client:
# its own vhost-vdpa tests, the test binary that tools/clients/build-rust-vmm
# builds from the crates.io copy, run against /dev/vhost-vdpa-0 on a
# vdpa_sim_blk and then on a vdpa_sim_net device (the two the tests know).
#
# A few of those tests fail against upstream too, for upstream's own
# reasons. client_rust_vmm.expected lists, for each device, the tests that
# fail on the upstream stack; every stack must give exactly that set, so a
# test that passes on upstream and fails on ours, or the reverse, fails
# this one. The expected set was recorded on stack "c".

. "$(dirname "$0")/lib.sh"

root=${VDPA_RS_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${VDPA_RS_RUST_VMM_TESTS:-${VDPA_RS_CACHE:-$HOME/.cache/vdpa-rs}/clients/rust-vmm-vhost-tests}
[ -x "$bin" ] || skip "rust-vmm's vhost tests are not built (tools/clients/build-rust-vmm)"
command -v vdpa >/dev/null || skip "the vdpa tool (iproute2) is not installed"
expected=$(dirname "$0")/client_rust_vmm.expected
[ -f "$expected" ] || fail "no $expected"

# The tests open /dev/vhost-vdpa-0 by name.
link=
use_node() {
	if [ "$node" != /dev/vhost-vdpa-0 ]; then
		[ ! -e /dev/vhost-vdpa-0 ] || fail "/dev/vhost-vdpa-0 belongs to another device"
		ln -s "$node" /dev/vhost-vdpa-0 || fail "linking /dev/vhost-vdpa-0 to $node"
		link=/dev/vhost-vdpa-0
	fi
}
trap '[ -z "$link" ] || rm -f "$link"' EXIT

bad=0
# one_device NAME MGMTDEV ARGS...: the tests on a new device.
one_device() {
	local name=$1 mgmt=$2 log want got
	shift 2
	vdpa_add_vhost "$name" "$mgmt" "$@"
	use_node
	log=$VDPA_RS_OUT/client_rust_vmm.$mgmt.log
	diag "[${SECONDS}s] $mgmt: $name -> $node; $(basename "$bin") vdpa"
	# Only the vhost-vdpa tests; serial, as the crate marks them.
	timeout -k 5 240 "$bin" --test-threads=1 vdpa >"$log" 2>&1
	diag "$mgmt: $(grep -m1 '^test result:' "$log")"
	grep -E '^test .* \.\.\. ' "$log" | sed 's/^/#   /'
	got=$(sed -n 's/^test \(.*\) \.\.\. FAILED$/\1/p' "$log" | sort)
	want=$(awk -v d="$mgmt" '$1 == d { print $2 }' "$expected" | sort)
	[ -n "$(grep -E '^test .* \.\.\. ok$' "$log")" ] || { tail -n 20 "$log" | sed 's/^/#   /'; fail "$mgmt: no test passed"; }
	if [ "$got" != "$want" ]; then
		diag "FAIL: $mgmt: failed tests differ from upstream's"
		diff <(echo "$want") <(echo "$got") | sed -n 's/^</#   passes here, fails upstream:/p; s/^>/#   fails here, passes upstream:/p'
		sed -n '/^failures:$/,/^test result/p' "$log" | head -n 40 | sed 's/^/#   /'
		bad=1
	else
		diag "ok: $mgmt: the tests that fail are upstream's: ${want//$'\n'/ }"
	fi
	rm -f "$link"
	link=
	vdpa dev del "$name" || fail "dev del $name"
}

vdpa_load vdpa_sim_blk vdpa_sim_net vhost_vdpa || fail "loading the modules"
one_device rvmm0 vdpasim_blk
one_device rvmm1 vdpasim_net mac 02:00:5e:10:00:31
[ $bad = 0 ] || fail "rust-vmm's tests differ from the upstream stack's"
exit $KSFT_PASS
