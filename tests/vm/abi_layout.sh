#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The suite's Rust bindings agree with GCC on the layout of every structure
# shared with C modules: the check module refuses to load otherwise.

. "$(dirname "$0")/lib.sh"

vdpa_load vdpa_rs_abi_test || fail "the ABI check module did not load (see dmesg)"
dmesg | grep -o 'vdpa_rs_abi_test: [0-9]* layout facts agree.*' | sed 's/^/# /'
rmmod vdpa_rs_abi_test || fail "rmmod vdpa_rs_abi_test"
exit $KSFT_PASS
