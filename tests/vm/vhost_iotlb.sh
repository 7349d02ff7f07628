#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The IOTLB message protocol of /dev/vhost-vdpa-N (contract B.5, B.6's
# tree rules) on a vdpasim_net device (VA mode, set_map), checked by
# vhost_uapi.py against the upstream 6.12 vhost_vdpa:
#  - write(): short writes of 0..39 bytes (EINVAL, nothing applied), bad
#    header types, v1 and v2 with and without IOTLB_ASID (the asid field
#    ignored without it), 72 returned for 40- and 144-byte writes (only the
#    first message consumed), UPDATE of size 0 (EINVAL), wrapping ranges,
#    asid >= nas, MISS/ACCESS_FAIL/0/7 (EFAULT), a non-owner (EFAULT);
#  - the tree: overlap refused (EFAULT), adjacent and other-ASID ranges
#    accepted, INVALIDATE removing whole overlapping entries (proved by
#    re-UPDATEs), INVALIDATE of size 0, anonymous memory skipped in VA mode,
#    address spaces created only by UPDATE/BATCH_BEGIN, batches (a message
#    for another asid inside one refused, kept open across SET_STATUS(0),
#    closed by release), acks cleared on open;
#  - the entry limit, with vhost_vdpa loaded with max_iotlb_entries=8;
#  - the device side, by traffic: the identity map of a fresh open, a map
#    at a foreign IOVA, INVALIDATE of one byte cutting the whole entry, an
#    INVALIDATE held back until BATCH_END; and vdpa-client's iotlb-batch
#    (maps applied at BATCH_END) and net-asid.

. "$(dirname "$0")/lib.sh"

here=$(dirname "$0")
failed=0
part_failed() {
	diag "FAIL: $*"
	failed=1
}

command -v vdpa >/dev/null || skip "the vdpa tool (iproute2) is not installed"
VDPA_CLIENT=$(vdpa_client) || skip "tools/vdpa-client is not built (cargo build --release there)"
limit=8
if ! vdpa_load_params vhost_vdpa max_iotlb_entries=$limit; then
	diag "vhost_vdpa does not take max_iotlb_entries=$limit: the entry limit is not tested"
	limit=0
	vdpa_load vhost_vdpa || fail "loading vhost_vdpa"
fi
[ $limit = 0 ] || [ "$(cat /sys/module/vhost_vdpa/parameters/max_iotlb_entries)" = $limit ] ||
	fail "max_iotlb_entries reads '$(cat /sys/module/vhost_vdpa/parameters/max_iotlb_entries)', loaded with $limit"
vdpa_load vdpa_sim_net || fail "loading vdpa_sim_net"
[ "$(cat /sys/module/vdpa_sim/parameters/use_va)" = Y ] &&
	[ "$(cat /sys/module/vdpa_sim/parameters/batch_mapping)" = 1 ] ||
	skip "vdpa_sim is not in its default VA mode with batch mapping"

vdpa dev add name vi0 mgmtdev vdpasim_net mac 02:11:22:33:44:77 || fail "dev add vi0"
vdpa_bind vi0 vhost_vdpa || fail "binding vi0 to vhost_vdpa"
wait_for 10 vdpa_vhost_node vi0 || fail "vi0 has no vhost-vdpa node"
node=$(vdpa_vhost_node vi0)
wait_for 10 test -c "$node" || fail "$node did not appear"
diag "[${SECONDS}s] vi0 -> $node, max_iotlb_entries $(cat /sys/module/vhost_vdpa/parameters/max_iotlb_entries)"

python3 "$here/vhost_uapi.py" iotlb "$node" $limit || part_failed "IOTLB messages"
diag "[${SECONDS}s] traffic"
python3 "$here/vhost_uapi.py" iotlb-traffic "$node" || part_failed "IOTLB messages seen by the device"
client_step iotlb-batch "$node" --deferred
client_step net-asid "$node"
vdpa dev del vi0 || fail "dev del vi0"
diag "[${SECONDS}s] done"
[ $client_failed = 0 ] || failed=1
[ $failed = 0 ] || fail "see the FAIL lines above"
exit $KSFT_PASS
