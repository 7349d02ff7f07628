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

t() {
	echo "\$ vdpa $*"
	vdpa "$@" 2>&1
	echo "[exit $?]"
}

transcript() {
	t mgmtdev show
	t -j mgmtdev show
	t mgmtdev show vdpasim_net
	t mgmtdev show nosuchmgmt
	t mgmtdev show pci/0000:00:00.0
	t dev add name n0 mgmtdev vdpasim_net mac 02:00:00:00:00:01 mtu 9000
	t dev add name b0 mgmtdev vdpasim_blk
	t dev add name n1 mgmtdev vdpasim_net
	t dev add name b1 mgmtdev vdpasim_blk mac 02:00:00:00:00:02
	t dev add name n2 mgmtdev vdpasim_net mtu 60
	t dev add name n0 mgmtdev vdpasim_net
	t dev add name n3 mgmtdev nosuchmgmt
	t dev add name n4 mgmtdev vdpasim_net max_vqp 2
	t dev show
	t -j dev show
	t dev show n0
	t dev show nosuchdev
	t dev config show
	t dev config show n0
	t dev vstats show n0 qidx 0
	vdpa_load virtio_vdpa >/dev/null || echo "loading virtio_vdpa failed"
	t dev config show n0
	t dev config show b0
	t -j dev config show
	t dev vstats show n0 qidx 0
	t dev vstats show n0 qidx 1
	t dev vstats show n0 qidx 2
	t dev vstats show n0 qidx 32769
	t dev vstats show b0 qidx 0
	t dev del n1
	t dev del n0
	t dev del b0
	t dev show
	t dev del n0
}

transcript >"$VDPA_RS_OUT/vdpa_tool_parity.out"
if ! diff -u "$(dirname "$0")/vdpa_tool_parity.expected" "$VDPA_RS_OUT/vdpa_tool_parity.out" \
	>"$VDPA_RS_OUT/vdpa_tool_parity.diff"; then
	sed 's/^/# /' "$VDPA_RS_OUT/vdpa_tool_parity.diff" | head -n 60
	fail "the tool's output differs from upstream's (diff above: - upstream, + this stack)"
fi
diag "$(grep -c '^\$ ' "$VDPA_RS_OUT/vdpa_tool_parity.out") commands print what they print on upstream"
exit $KSFT_PASS
