#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad and unprivileged requests to the vdpa netlink family get upstream's
# errno and extack message: the answers of each case must equal
# vdpa_netlink.expected, recorded on the upstream C stack.

. "$(dirname "$0")/lib.sh"

vdpa_load vdpa_sim_net || fail "loading the modules"
out=$VDPA_RS_OUT/vdpa_netlink.out
python3 "$(dirname "$0")/vdpa_nl.py" errors vdpasim_net >"$out" 2>&1 || { cat "$out"; fail "vdpa_nl.py"; }
expect_transcript vdpa_netlink "the set of answers"
diag "$(wc -l <"$out") requests answered as upstream does"
exit $KSFT_PASS
