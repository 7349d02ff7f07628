#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Edges of the bus core that the simulators never reach, through
# vdpa_rs_test_parent (a parent and bus driver written with the suite's
# Rust ABI layer): devices no management device created, the probe rule
# (smallest ring above the largest), a virtio class that is neither net
# nor block, and a multi-class management device. The transcript must equal
# core_edges.expected, recorded on the upstream core.

. "$(dirname "$0")/lib.sh"

command -v vdpa >/dev/null || skip "the vdpa tool (iproute2) is not installed"
vdpa_load vdpa_rs_test_parent || fail "loading the test parent"

drv() {
	local link
	link=$(readlink /sys/bus/vdpa/devices/"$1"/driver) && basename "$link" || echo none
}

out=$VDPA_RS_OUT/core_edges.out
{
	echo "bus: $(ls /sys/bus/vdpa/devices | tr '\n' ' ')"
	echo "rs_unmanaged0 driver: $(drv rs_unmanaged0)"
	echo "rs_badnum0 driver: $(drv rs_badnum0)"
	echo "rs_unmanaged0 driver_override: $(cat /sys/bus/vdpa/devices/rs_unmanaged0/driver_override)"
	vdpa_cmd mgmtdev show
	vdpa_cmd dev show
	vdpa_cmd dev show rs_unmanaged0
	python3 "$(dirname "$0")/vdpa_nl.py" edges
	echo "bus: $(ls /sys/bus/vdpa/devices | tr '\n' ' ')"
	# driver_override: unbind, point at a driver that is not there, reprobe.
	echo rs_unmanaged0 >/sys/bus/vdpa/drivers/vdpa_rs_test_drv/unbind
	echo nosuchdrv >/sys/bus/vdpa/devices/rs_unmanaged0/driver_override
	echo rs_unmanaged0 >/sys/bus/vdpa/drivers_probe
	echo "override nosuchdrv: $(drv rs_unmanaged0)"
	echo vdpa_rs_test_drv >/sys/bus/vdpa/devices/rs_unmanaged0/driver_override
	echo rs_unmanaged0 >/sys/bus/vdpa/drivers_probe
	echo "override vdpa_rs_test_drv: $(drv rs_unmanaged0) ($(cat /sys/bus/vdpa/devices/rs_unmanaged0/driver_override))"
	vdpa_cmd dev add name c2 mgmtdev vdpa_rs_test
} >"$out" 2>&1

expect_transcript core_edges "the transcript"
diag "$(wc -l <"$out") lines as on upstream"

# The auxiliary-driver wrapper: the module's own auxiliary device was
# probed with its id-table entry, and is removed at unload. Unloading also
# deletes c2 with its management device, whose data is dropped once.
dmesg | grep -q 'vdpa_rs_test_parent: aux probe vdpa_rs_test_parent.vnet.0 (id 0, driver_data 7, parent vdpa_rs_test)' ||
	fail "the auxiliary driver was not probed"
[ -e /sys/bus/auxiliary/devices/vdpa_rs_test_parent.vnet.0/driver ] || fail "the auxiliary device has no driver"
rmmod vdpa_rs_test_parent || fail "rmmod vdpa_rs_test_parent"
dmesg | grep -q 'vdpa_rs_test_parent: aux remove vdpa_rs_test_parent.vnet.0' || fail "the auxiliary driver was not removed"
[ ! -e /sys/bus/auxiliary/devices/vdpa_rs_test_parent.vnet.0 ] || fail "the auxiliary device outlived the module"
diag "auxiliary driver probed and removed"
exit $KSFT_PASS
