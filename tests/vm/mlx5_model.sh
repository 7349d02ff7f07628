#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mlx5_vdpa on the ConnectX firmware model (tests/kmod/mlx5_model.c, loaded
# as mlx5_core), through vhost_vdpa:
#  - the management device pci/0000:fe:00.2 and the provisioning errnos of
#    dev add (max_vqp, device_features, a second device), then MAC, MTU and
#    max_vqp provisioned and read back, and dev set mac;
#  - the life cycle of mlx5_model.py: PA-mode maps with holes of more than
#    1 and 4 GiB resolved page by page through the virtqueue's mkey,
#    DRIVER_OK (both hardware virtqueues RDY with the sizes and rings set),
#    a change of map while running, SUSPEND/RESUME, a reset with
#    IOTLB_PERSIST, the release (back to the 1:1 DMA MR);
#  - dev del leaves every object table of the model empty, and the model
#    saw no broken rule;
#  - the normalised command stream and MKEY tables equal those of the
#    upstream C stack (mlx5_model.expected).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mlx5_lib"

# expect_dev_add ERRNO-TEXT WHAT ARGS...: dev add must fail with ERRNO-TEXT
# and leave no device.
expect_dev_add() {
	local want=$1 what=$2 out
	shift 2
	if out=$(vdpa dev add name mbad mgmtdev $mgmt "$@" 2>&1); then
		vdpa dev del mbad
		part_failed "dev add $what: succeeded, expected '$want'"
	elif ! echo "$out" | grep -q "$want"; then
		part_failed "dev add $what: '$out', expected '$want'"
	else
		diag "ok: dev add $what: $want"
	fi
}

# model_empty WHAT: every object table of the model is empty.
model_empty() {
	local left
	left=$(model_left)
	if [ -n "$left" ]; then
		part_failed "$1: objects left in the model: $left"
	else
		diag "ok: $1: the model's tables are empty"
	fi
}

mlx5_setup
diag "[${SECONDS}s] $(vdpa mgmtdev show $mgmt | tr '\n' ' ')"

expect_dev_add "Invalid argument" "max_vqp 9 (the model has 16 virtqueues)" max_vqp 9
python3 "$here/mlx5_model.py" netlink pci 0000:fe:00.2 ||
	part_failed "device_features and dev set through netlink"
model_empty "after the refused dev adds"

vdpa dev add name m0 mgmtdev $mgmt mac 02:00:00:00:5a:01 max_vqp 4 mtu 9000 ||
	fail "dev add m0"
expect_dev_add "No space left on device" "a second device on the management device"
cfg=$(vdpa dev config show m0)
diag "m0: $cfg"
echo "$cfg" | grep -q "mac 02:00:00:00:5a:01" || part_failed "m0: provisioned MAC not in config"
echo "$cfg" | grep -q "mtu 9000" || part_failed "m0: provisioned MTU not in config"
echo "$cfg" | grep -q "max_vq_pairs 4" || part_failed "m0: provisioned max_vqp not in config"
vdpa dev del m0 || fail "dev del m0"
model_empty "after dev del of the provisioned device"

# The life cycle, recorded from dev add to dev del.
echo 0 >$dbg/trace
vdpa_add_vhost m1 $mgmt mac 02:00:00:00:5a:03
diag "[${SECONDS}s] m1 -> $node"
python3 "$here/mlx5_model.py" lifecycle "$node" "$VDPA_RS_OUT/mlx5_model.mkeys" ||
	part_failed "the life cycle"
vdpa dev del m1 || fail "dev del m1"
model_empty "after the life cycle"
{
	echo "# the command stream, dev add to dev del"
	python3 "$here/mlx5_model.py" trace
	cat "$VDPA_RS_OUT/mlx5_model.mkeys"
} >"$VDPA_RS_OUT/mlx5_model.out"
diag "[${SECONDS}s] $(grep -c ' status ' "$VDPA_RS_OUT/mlx5_model.out") commands;" \
	"$(grep -E 'commands|violations|max_inflight' $dbg/objects | tr '\n' ' ')"
grep -q "^violations 0$" $dbg/objects || part_failed "the model saw broken rules (see the kernel log)"
[ $failed = 0 ] || fail "see the FAIL lines above"
expect_transcript mlx5_model "the command stream or the MKEY tables"
exit $KSFT_PASS
