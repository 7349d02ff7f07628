#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The reset matrix of vhost-vdpa (contract B.7) on a vdpasim_net device
# (VA mode, set_map, compat_reset), proved by traffic:
#  - SET_STATUS(0) with IOTLB_PERSIST acked: the device keeps its
#    translation (frames flow after setting up again without any UPDATE),
#    vhost keeps its tree (the same UPDATE is refused), and the data group
#    bound to ASID 1 returns to ASID 0;
#  - SET_STATUS(0) without IOTLB_PERSIST: the device is back to identity
#    (old IOVAs dead, IOVA = user address works) while vhost keeps its
#    tree (the same UPDATE is refused), and the next set_map pushes the
#    stale entries again;
#  - release: a session that leaves both ASIDs mapped, both groups in ASID
#    1 and a batch open is followed by one that finds the defaults;
#  - vdpa-client's net-reset with --persist and --no-persist.

. "$(dirname "$0")/lib.sh"

here=$(dirname "$0")
failed=0
part_failed() {
	diag "FAIL: $*"
	failed=1
}

command -v vdpa >/dev/null || skip "the vdpa tool (iproute2) is not installed"
VDPA_CLIENT=$(vdpa_client) || skip "tools/vdpa-client is not built (cargo build --release there)"
vdpa_load vdpa_sim_net vhost_vdpa || fail "loading the modules"
[ "$(cat /sys/module/vdpa_sim/parameters/use_va)" = Y ] &&
	[ "$(cat /sys/module/vdpa_sim/parameters/batch_mapping)" = 1 ] ||
	skip "vdpa_sim is not in its default VA mode with batch mapping"
vdpa dev add name vs0 mgmtdev vdpasim_net mac 02:11:22:33:44:88 || fail "dev add vs0"
vdpa_bind vs0 vhost_vdpa || fail "binding vs0 to vhost_vdpa"
wait_for 10 vdpa_vhost_node vs0 || fail "vs0 has no vhost-vdpa node"
node=$(vdpa_vhost_node vs0)
wait_for 10 test -c "$node" || fail "$node did not appear"
diag "[${SECONDS}s] vs0 -> $node"

python3 "$here/vhost_uapi.py" persist "$node" || part_failed "the reset matrix"
diag "[${SECONDS}s] release"
python3 "$here/vhost_uapi.py" messy "$node" || part_failed "the session left in a mess"
python3 "$here/vhost_uapi.py" defaults "$node" || part_failed "defaults after release"
client_step net-reset "$node" --persist
client_step net-reset "$node" --no-persist
vdpa dev del vs0 || fail "dev del vs0"
diag "[${SECONDS}s] done"
[ $client_failed = 0 ] || failed=1
[ $failed = 0 ] || fail "see the FAIL lines above"
exit $KSFT_PASS
