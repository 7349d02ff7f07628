#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bus core under concurrent callers:
#  - four processes sending DEV_NEW of one name at once, 30 times: exactly
#    one wins each round, the others get EEXIST (on vdpa_sim_net and on the
#    test parent's console management device);
#  - DEV_NEW / DEV_DEL of one device, 25 times, while another process keeps
#    binding it to vhost_vdpa and virtio_vdpa, unbinding it and writing it
#    to drivers_probe: nothing hangs or fails, and no device is left;
#  - DEV_GET, MGMTDEV_GET and DEV_CONFIG_GET dumps in a loop while the test
#    parent is unloaded and loaded again three times with 34 devices
#    present: every dump ends cleanly.
# All three run in one vdpa_nl.py process (see races() there).
# The races' outcomes must equal core_races.expected, recorded on the
# upstream core; the run's kernel-log check fails the test on any report
# these cause.

. "$(dirname "$0")/lib.sh"

nl() {
	python3 "$(dirname "$0")/vdpa_nl.py" "$@"
}
t0=$SECONDS
vdpa_load vdpa_sim_net vhost_vdpa virtio_vdpa vdpa_rs_test_parent || fail "loading the modules"
diag "modules loaded in $((SECONDS - t0))s"

out=$VDPA_RS_OUT/core_races.out
nl races vdpa_rs_test_parent "$(_modpath vdpa_rs_test_parent)" >"$out.all" 2>&1
rc=$?
grep '^#' "$out.all"
grep -v '^#' "$out.all" >"$out"
[ $rc = 0 ] || { sed 's/^/# /' "$out"; fail "a race went wrong"; }
expect_transcript core_races "the outcome of the DEV_NEW races"
exit $KSFT_PASS
