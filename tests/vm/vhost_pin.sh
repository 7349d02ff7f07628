#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PA mode of vhost-vdpa (contract B.6) on vdpasim_net with vdpa_sim
# loaded use_va=0, checked by vhost_uapi.py against the upstream 6.12
# vhost_vdpa: UPDATE pins and VmPin grows by the page count (also for an
# IOVA not page aligned), INVALIDATE and close give it back, VmLck is never
# used, an UPDATE over RLIMIT_MEMLOCK fails (EFAULT) and pins nothing, a
# read-only user mapping refuses WO and RW, an unmapped range fails, pins
# survive SET_STATUS(0) with and without IOTLB_PERSIST, and a killed
# owner's pins go with its file (kmemleak is checked by the runner). Then
# vdpa-client moves frames in PA mode (loopback, persistent reset, ASIDs).

. "$(dirname "$0")/lib.sh"

here=$(dirname "$0")
failed=0

command -v vdpa >/dev/null || skip "the vdpa tool (iproute2) is not installed"
VDPA_CLIENT=$(vdpa_client) || skip "tools/vdpa-client is not built (cargo build --release there)"
vdpa_load_params vdpa_sim use_va=0 || fail "loading vdpa_sim use_va=0"
vdpa_load vdpa_sim_net vhost_vdpa || fail "loading the modules"
[ "$(cat /sys/module/vdpa_sim/parameters/use_va)" = N ] || fail "vdpa_sim use_va reads $(cat /sys/module/vdpa_sim/parameters/use_va)"
vdpa dev add name vp0 mgmtdev vdpasim_net mac 02:11:22:33:44:99 || fail "dev add vp0"
vdpa_bind vp0 vhost_vdpa || fail "binding vp0 to vhost_vdpa"
wait_for 10 vdpa_vhost_node vp0 || fail "vp0 has no vhost-vdpa node"
node=$(vdpa_vhost_node vp0)
wait_for 10 test -c "$node" || fail "$node did not appear"
diag "[${SECONDS}s] vp0 -> $node (PA mode)"

python3 "$here/vhost_uapi.py" pin "$node" || { diag "FAIL: pinning"; failed=1; }
client_step net-loop "$node" --count 32 --size 64
client_step net-reset "$node" --persist
client_step net-asid "$node"
vdpa dev del vp0 || fail "dev del vp0"
diag "[${SECONDS}s] done"
[ $client_failed = 0 ] || failed=1
[ $failed = 0 ] || fail "see the FAIL lines above"
exit $KSFT_PASS
