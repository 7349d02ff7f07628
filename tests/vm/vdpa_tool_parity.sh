#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every command of the installed vdpa tool prints, on this stack, exactly
# what it prints on the upstream C stack (vdpa_tool_parity.expected):
# mgmtdev show, dev add with mac/mtu, dev show, dev config show before and
# after a driver negotiated features, dev vstats show, dev del, in plain and
# JSON output, with the tool's error messages and exit codes.

. "$(dirname "$0")/lib.sh"

command -v vdpa >/dev/null || skip "the vdpa tool (iproute2) is not installed"
vdpa_load vdpa_sim_net vdpa_sim_blk || fail "loading the modules"

transcript() {
	vdpa_cmd mgmtdev show
	vdpa_cmd -j mgmtdev show
	vdpa_cmd mgmtdev show vdpasim_net
	vdpa_cmd mgmtdev show nosuchmgmt
	vdpa_cmd mgmtdev show pci/0000:00:00.0
	vdpa_cmd dev add name n0 mgmtdev vdpasim_net mac 02:00:00:00:00:01 mtu 9000
	vdpa_cmd dev add name b0 mgmtdev vdpasim_blk
	vdpa_cmd dev add name n1 mgmtdev vdpasim_net
	vdpa_cmd dev add name b1 mgmtdev vdpasim_blk mac 02:00:00:00:00:02
	vdpa_cmd dev add name n2 mgmtdev vdpasim_net mtu 60
	vdpa_cmd dev add name n0 mgmtdev vdpasim_net
	vdpa_cmd dev add name n3 mgmtdev nosuchmgmt
	vdpa_cmd dev add name n4 mgmtdev vdpasim_net max_vqp 2
	vdpa_cmd dev show
	vdpa_cmd -j dev show
	vdpa_cmd dev show n0
	vdpa_cmd dev show nosuchdev
	vdpa_cmd dev config show
	vdpa_cmd dev config show n0
	vdpa_cmd dev vstats show n0 qidx 0
	vdpa_load virtio_vdpa >/dev/null || echo "loading virtio_vdpa failed"
	vdpa_cmd dev config show n0
	vdpa_cmd dev config show b0
	vdpa_cmd -j dev config show
	vdpa_cmd dev vstats show n0 qidx 0
	vdpa_cmd dev vstats show n0 qidx 1
	vdpa_cmd dev vstats show n0 qidx 2
	vdpa_cmd dev vstats show n0 qidx 32769
	vdpa_cmd dev vstats show b0 qidx 0
	vdpa_cmd dev del n1
	vdpa_cmd dev del n0
	vdpa_cmd dev del b0
	vdpa_cmd dev show
	vdpa_cmd dev del n0
}

transcript >"$VDPA_RS_OUT/vdpa_tool_parity.out"
expect_transcript vdpa_tool_parity "the tool's output"
diag "$(grep -c '^\$ ' "$VDPA_RS_OUT/vdpa_tool_parity.out") commands print what they print on upstream"
exit $KSFT_PASS
