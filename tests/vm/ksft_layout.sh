#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kselftest collection (tests/selftests, installed by tools/check): the
# kernel's run_kselftest.sh lists the vdpa_rs tests and runs two of them on
# this run's stack, with KTAP results that must pass; with the kernel's
# modules out of reach (VDPA_RS_KMODS an empty directory), a test that
# needs one skips instead of failing.

. "$(dirname "$0")/lib.sh"

dir=$(cd "$(dirname "$0")/../.." && pwd)/tests/selftests/kselftest_install
[ -x "$dir/run_kselftest.sh" ] || skip "no collection in $dir (make -C tests/selftests install)"

list=$("$dir/run_kselftest.sh" -l) || fail "run_kselftest.sh -l"
n=$(grep -c '^vdpa_rs:' <<<"$list")
want=$(find "$(dirname "$0")" -maxdepth 1 -name '*.sh' ! -name lib.sh ! -name ksft_layout.sh | wc -l)
[ "$n" = "$want" ] || fail "run_kselftest.sh -l lists $n vdpa_rs tests, not $want"
diag "run_kselftest.sh -l: $n vdpa_rs tests"

# -p: the runner writes each test's output to /tmp/TEST, where it is
# checked (without it, it reopens /dev/stdout, which here does not reach
# the file given as standard output).
out=$VDPA_RS_OUT/ksft_layout.out
rm -f /tmp/abi_layout.sh /tmp/sim_blk_disk.sh
"$dir/run_kselftest.sh" -p -t vdpa_rs:abi_layout.sh -t vdpa_rs:sim_blk_disk.sh >"$out" 2>&1
rc=$?
sed 's/^/# | /' "$out" | tail -n 40
[ $rc = 0 ] || fail "run_kselftest.sh exited $rc"
grep -q '^TAP version' "$out" || fail "no TAP header"
grep -q '^1\.\.2$' "$out" || fail "no plan 1..2"
grep -q '^ok 1 selftests: vdpa_rs: abi_layout.sh$' "$out" || fail "abi_layout.sh did not pass"
grep -q '^ok 2 selftests: vdpa_rs: sim_blk_disk.sh$' "$out" || fail "sim_blk_disk.sh did not pass"
sed 's/^/# | /' /tmp/sim_blk_disk.sh
grep -q "^# # stack $VDPA_RS_STACK\$" /tmp/sim_blk_disk.sh || fail "the collection did not run stack $VDPA_RS_STACK"

empty=$VDPA_RS_OUT/no-modules
mkdir -p "$empty"
VDPA_RS_KMODS=$empty "$dir/run_kselftest.sh" -t vdpa_rs:sim_blk_disk.sh >"$out" 2>&1
sed 's/^/# | /' "$out" | tail -n 10
grep -q '^ok 1 selftests: vdpa_rs: sim_blk_disk.sh # SKIP' "$out" ||
	fail "without the kernel's modules sim_blk_disk.sh did not skip"
exit 0
