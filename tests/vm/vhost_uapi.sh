#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The ioctl table of /dev/vhost-vdpa-N (contract B.1-B.4, B.7's status
# rules), checked by vhost_uapi.py against the upstream 6.12 vhost_vdpa:
#  - on a vdpasim_net device: the request codes, exclusive open (EBUSY),
#    the owner rules (EPERM before SET_OWNER and from another process,
#    EBUSY on a second SET_OWNER, FORK_FROM_OWNER only before it), read()
#    EINVAL and the default poll mask, bad argument pointers (EFAULT),
#    unsupported and unknown requests (ENOTTY, EFAULT), the vring-index
#    rule (ENOBUFS) for every vring ioctl, SET_GROUP_ASID's check of the
#    group against nvqs, SET_VRING_NUM above the device maximum (EINVAL,
#    the post-6.12 regression fix, present in 6.12.117), SET_VRING_ADDR
#    flags and alignment, SET/GET_VRING_BASE, eventfd arguments, busyloop,
#    SET_MEM_TABLE, GET/SET_CONFIG bounds and faults, the doorbell mmap
#    checks before get_vq_notification, the backend feature
#    checks in their order, the status byte rules, SUSPEND/RESUME before and
#    after DRIVER_OK and "suspended" cleared by reset;
#  - on the test parent (io0: set_map, dma0: dma_map), what the simulator
#    cannot show: no suspend/resume op (EOPNOTSUPP, SUSPEND checked before
#    DESC_ASID), no get_vq_size, no persistent map on dma0, a signalled
#    kick eventfd kicking once when installed, packed ring bases;
#  - on our simulator loaded with desc_group=1 (stacks with sim=rust only):
#    DESC_ASID offered and acked, GET_VRING_DESC_GROUP 2 for every queue,
#    and traffic with the rings alone in ASID 1.

. "$(dirname "$0")/lib.sh"

here=$(dirname "$0")
failed=0
part_failed() {
	diag "FAIL: $*"
	failed=1
}

# add_vhost NAME MGMTDEV [ARGS...]: create a device bound to vhost_vdpa;
# sets $node.
add_vhost() {
	vdpa_add_vhost "$@"
	diag "[${SECONDS}s] $1 -> $node"
}

command -v vdpa >/dev/null || skip "the vdpa tool (iproute2) is not installed"
vdpa_load vdpa_sim_net vhost_vdpa || fail "loading the modules"

mac=02:11:22:33:44:66
add_vhost vu0 vdpasim_net mac $mac
python3 "$here/vhost_uapi.py" uapi "$node" $mac || part_failed "the ioctl table on vdpasim_net"
vdpa dev del vu0 || fail "dev del vu0"

if vdpa_load vdpa_rs_test_parent; then
	add_vhost io0 vdpa_rs_test_io
	python3 "$here/vhost_uapi.py" parent io0 "$node" set || part_failed "the test parent's io0"
	add_vhost dma0 vdpa_rs_test_io
	python3 "$here/vhost_uapi.py" parent dma0 "$node" dma || part_failed "the test parent's dma0"
	vdpa dev del io0
	vdpa dev del dma0
	rmmod vdpa_rs_test_parent || part_failed "rmmod vdpa_rs_test_parent"
else
	diag "SKIP part: no vdpa_rs_test_parent in stack $VDPA_RS_STACK"
fi

# DESC_ASID needs get_vq_desc_group, which only our simulator has.
simnet=$(_modpath vdpa_sim_net)
if modinfo -F parm "$simnet" | grep -q '^desc_group:'; then
	rmmod vdpa_sim_net || fail "rmmod vdpa_sim_net"
	vdpa_load_params vdpa_sim_net desc_group=1 || fail "loading vdpa_sim_net desc_group=1"
	add_vhost vd0 vdpasim_net mac $mac
	python3 "$here/vhost_uapi.py" desc "$node" || part_failed "DESC_ASID on vdpa_sim_net desc_group=1"
	vdpa dev del vd0
else
	diag "SKIP part: DESC_ASID offered: vdpa_sim_net of stack $VDPA_RS_STACK has no desc_group parameter"
fi
diag "[${SECONDS}s] done"
[ $failed = 0 ] || fail "see the FAIL lines above"
exit $KSFT_PASS
