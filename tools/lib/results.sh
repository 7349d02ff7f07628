# SPDX-License-Identifier: GPL-2.0
# The pass/fail bookkeeping of tools/check and tools/check-clients. Source
# it after tools/lib/common.sh.

passed=0 failed=0 skipped=0 failures=
result() { # result ok|fail|skip NAME [REASON]
	case $1 in
	ok) passed=$((passed + 1)); echo "PASS  $2" ;;
	skip) skipped=$((skipped + 1)); echo "SKIP  $2${3:+ ($3)}" ;;
	*) failed=$((failed + 1)); failures="$failures
  $2"; echo "FAIL  $2${3:+ ($3)}" ;;
	esac
}

# finish: the failures, then the line "N passed, N failed, N skipped";
# exits non-zero if anything failed.
finish() {
	[ -n "$failures" ] && printf '\nfailed:%s\n' "$failures"
	echo
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
	exit
}

# stack_results STACK DIR: one result for each VM test of STACK from
# DIR/ktap (tests/vm/run-suite), a failure if fewer ran than DIR/tests
# lists, and one for the kernel log and kmemleak at the end of the stack.
stack_results() {
	local stack=$1 dir=$2 expected seen=0 line n
	expected=$(wc -l <"$dir/tests")
	while IFS= read -r line; do
		case "$line" in
		"ok "*"# SKIP"*) seen=$((seen + 1)); n=${line#ok * }; result skip "vm[$stack]: ${n%% \# SKIP*}" "${n#*\# SKIP }" ;;
		"ok "*) seen=$((seen + 1)); n=${line#ok * }; result ok "vm[$stack]: $n" ;;
		"not ok "*) seen=$((seen + 1)); n=${line#not ok * }; result fail "vm[$stack]: ${n%% \#*}" ;;
		esac
	done < <(tr -d '\r' <"$dir/ktap" 2>/dev/null)
	if [ "$seen" != "$expected" ]; then
		result fail "vm[$stack]: suite" "ran $seen of $expected tests; see $dir"
	elif [ -s "$dir/splats" ]; then
		# Reports that no single test owns: kmemleak at the end of the
		# stack, or the log after its last test (vm-run printed them).
		result fail "vm[$stack]: kernel log and kmemleak clean" "see $dir/dmesg"
	else
		result ok "vm[$stack]: kernel log and kmemleak clean"
	fi
}
