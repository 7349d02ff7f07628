# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the VM tests (kselftest style). Sourced inside the VM started
# by tools/vm-run, which exports VDPA_RS_MODMAP and VDPA_RS_OUT.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

# diag MESSAGE: a KTAP diagnostic line.
diag() {
	echo "# $*"
}

# fail MESSAGE: end the test as failed.
fail() {
	echo "# FAIL: $*"
	exit $KSFT_FAIL
}

# skip MESSAGE: end the test as skipped.
skip() {
	echo "# SKIP: $*"
	exit $KSFT_SKIP
}

# wait_for SECONDS CMD...: poll CMD until it succeeds or SECONDS pass.
wait_for() {
	local t=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		t=$((t - 1))
		[ $t -gt 0 ] || return 1
		sleep 0.1
	done
}

_modpath() {
	awk -v n="$1" '$1 == n { print $2; exit }' "$VDPA_RS_MODMAP"
}

# _no_module NAME: the stack has no module NAME. Run as a kselftest
# (VDPA_RS_KSFT=1), where the kernel may lack an option or the stack may
# not be installed, that skips the test; under tools/check, which builds
# every module, the caller fails.
_no_module() {
	[ "${VDPA_RS_KSFT:-0}" = 1 ] && skip "no '$1' module in stack '$VDPA_RS_STACK'"
	echo "# no '$1' module in stack '$VDPA_RS_STACK'"
}

# run_test TEST LOG: runs one VM test with the per-test timeout
# (VDPA_RS_TEST_TIMEOUT, 300 s), its output in LOG, then unloads what it
# loaded and scans the kernel log it caused (tools/vm/splat-patterns; the
# log is appended to $VDPA_RS_OUT/dmesg.tests). Prints the test's
# diagnostics, the kernel's reports and, on failure, the end of its other
# output. Returns 0 (passed), 4 (skipped), 124 (timed out) or 1 (failed).
run_test() {
	local t=$1 log=$2 rc splat
	local patterns=${VDPA_RS_ROOT:-$(dirname "${BASH_SOURCE[0]}")/../..}/tools/vm/splat-patterns
	dmesg -c >>"$VDPA_RS_OUT/dmesg.tests"
	timeout -k 10 "${VDPA_RS_TEST_TIMEOUT:-300}" "$t" >"$log" 2>&1
	rc=$?
	vdpa_unload_all >>"$log" 2>&1 || { [ $rc = 0 ] && rc=1; }
	dmesg -c >"$log.dmesg"
	cat "$log.dmesg" >>"$VDPA_RS_OUT/dmesg.tests"
	splat=$(grep -E -f "$patterns" "$log.dmesg" | head -n 5)
	grep '^#' "$log"
	if [ -n "$splat" ]; then
		echo "$splat" | sed 's/^/# kernel: /'
		rc=1
	fi
	case $rc in
	0 | 4) return $rc ;;
	124) grep -v '^#' "$log" | tail -n 5 | sed 's/^/# /'; return 124 ;;
	*) grep -v '^#' "$log" | tail -n 5 | sed 's/^/# /'; return 1 ;;
	esac
}

# vdpa_load NAME...: load modules and their dependencies by path from the
# run's stack. Fails when a module has no build in that stack.
vdpa_load() {
	local name path dep
	for name in "$@"; do
		name=${name//-/_}
		[ -d "/sys/module/$name" ] && continue
		path=$(_modpath "$name")
		[ -n "$path" ] || { _no_module "$name"; return 1; }
		for dep in $(modinfo -F depends "$path" | tr , ' '); do
			vdpa_load "$dep" || return 1
		done
		insmod "$path" || { echo "# insmod $path failed"; return 1; }
		echo "$name" >>"$VDPA_RS_OUT/loaded"
	done
}

# vdpa_unload_all: unload, newest first, every module vdpa_load loaded.
vdpa_unload_all() {
	local list name progress=1
	[ -f "$VDPA_RS_OUT/loaded" ] || return 0
	while [ $progress = 1 ]; do
		progress=0
		list=$(tac "$VDPA_RS_OUT/loaded")
		: >"$VDPA_RS_OUT/loaded"
		for name in $list; do
			if [ ! -d "/sys/module/$name" ]; then
				progress=1
			elif rmmod "$name" 2>/dev/null; then
				progress=1
			else
				echo "$name" >>"$VDPA_RS_OUT/loaded.keep"
			fi
		done
		[ -f "$VDPA_RS_OUT/loaded.keep" ] && tac "$VDPA_RS_OUT/loaded.keep" >"$VDPA_RS_OUT/loaded"
		rm -f "$VDPA_RS_OUT/loaded.keep"
		[ -s "$VDPA_RS_OUT/loaded" ] || return 0
	done
	echo "# could not unload: $(tr '\n' ' ' <"$VDPA_RS_OUT/loaded")"
	return 1
}

# vdpa_bind DEV DRIVER: bind a vdpa device to DRIVER (vhost_vdpa or
# virtio_vdpa) through driver_override, whatever it is bound to now.
vdpa_bind() {
	local dev=/sys/bus/vdpa/devices/$1
	[ -e "$dev/driver" ] && echo "$1" >"$dev/driver/unbind"
	echo "$2" >"$dev/driver_override"
	echo "$1" >/sys/bus/vdpa/drivers_probe
	[ "$(basename "$(readlink "$dev/driver")")" = "$2" ]
}

# vdpa_vhost_node DEV: the /dev/vhost-vdpa-N name of a device bound to
# vhost_vdpa.
vdpa_vhost_node() {
	local n
	n=$(ls -d /sys/bus/vdpa/devices/"$1"/vhost-vdpa-* 2>/dev/null | head -n1)
	[ -n "$n" ] && echo "/dev/$(basename "$n")"
}

# vdpa_virtio_child DEV CLASS: the net or block interface name of a device
# bound to virtio_vdpa.
vdpa_virtio_child() {
	ls /sys/bus/vdpa/devices/"$1"/virtio*/"$2"/ 2>/dev/null | head -n1
}

# vdpa_cmd ARGS...: run the vdpa tool for a transcript: the command line,
# everything it printed, and its exit code.
vdpa_cmd() {
	echo "\$ vdpa $*"
	vdpa "$@" 2>&1
	echo "[exit $?]"
}

# expect_transcript NAME WHAT: $VDPA_RS_OUT/NAME.out must equal
# tests/vm/NAME.expected, recorded on the upstream C stack; otherwise the
# test fails saying WHAT differs, showing the start of the diff (the whole
# diff is kept as $VDPA_RS_OUT/NAME.diff).
expect_transcript() {
	local dir
	dir=$(dirname "${BASH_SOURCE[0]}")
	if ! diff -u "$dir/$1.expected" "$VDPA_RS_OUT/$1.out" >"$VDPA_RS_OUT/$1.diff"; then
		sed 's/^/# /' "$VDPA_RS_OUT/$1.diff" | head -n 60
		fail "$2 differs from upstream's (diff above: - upstream, + this stack)"
	fi
}

# vdpa_client: the path of the vdpa-client binary (tools/vdpa-client, built
# on the host with cargo build --release); fails when it is not built.
vdpa_client() {
	local root bin
	root=${VDPA_RS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
	bin=$root/tools/vdpa-client/target/release/vdpa-client
	[ -x "$bin" ] && echo "$bin"
}

# client_step ARGS...: run "$VDPA_CLIENT" ARGS (its "# ok:"/"# FAIL:" lines
# pass through). A failure, or a skip (every step runs on the upstream
# stack), sets client_failed=1 without stopping the test.
client_failed=0
client_step() {
	local rc
	diag "[${SECONDS}s] vdpa-client $*"
	"$VDPA_CLIENT" "$@"
	rc=$?
	case $rc in
	0) ;;
	4) diag "FAIL: vdpa-client $1 skipped, but the upstream stack runs it"; client_failed=1 ;;
	*) diag "FAIL: vdpa-client $* exited $rc"; client_failed=1 ;;
	esac
	return $rc
}

# client_bench METRIC ARGS...: run a bench subcommand; it must print
# "result METRIC VALUE" with VALUE > 0 (else client_failed=1).
client_bench() {
	local metric=$1 out val
	shift
	diag "[${SECONDS}s] vdpa-client $*"
	out=$("$VDPA_CLIENT" "$@")
	local rc=$?
	echo "$out" | grep '^#'
	val=$(echo "$out" | awk -v m="$metric" '$1 == "result" && $2 == m { print $3 }')
	if [ $rc = 0 ] && [ -n "$val" ] && [ "$val" -gt 0 ] 2>/dev/null; then
		diag "ok: $1: result $metric $val"
	else
		diag "FAIL: vdpa-client $* exited $rc, result '$val'"
		client_failed=1
	fi
}

# vdpa_load_params NAME PARAM=VALUE...: load module NAME with parameters,
# after its dependencies (by path from the run's stack, like vdpa_load).
# Fails when NAME is already loaded, has no build in the stack, or refuses
# a parameter.
vdpa_load_params() {
	local name=${1//-/_} path dep
	shift
	if [ -d "/sys/module/$name" ]; then
		echo "# '$name' is already loaded; cannot give it $*"
		return 1
	fi
	path=$(_modpath "$name")
	[ -n "$path" ] || { _no_module "$name"; return 1; }
	for dep in $(modinfo -F depends "$path" | tr , ' '); do
		vdpa_load "$dep" || return 1
	done
	insmod "$path" "$@" || { echo "# insmod $path $* failed"; return 1; }
	echo "$name" >>"$VDPA_RS_OUT/loaded"
}

# vdpa_add_vhost NAME MGMTDEV [ARGS...]: creates device NAME with the vdpa
# tool, binds it to vhost_vdpa and waits for its node, which it puts in
# $node; fails the test otherwise.
vdpa_add_vhost() {
	local name=$1
	shift 1
	vdpa dev add name "$name" mgmtdev "$@" || fail "dev add $name"
	vdpa_bind "$name" vhost_vdpa || fail "binding $name to vhost_vdpa"
	wait_for 10 vdpa_vhost_node "$name" || fail "$name has no vhost-vdpa node"
	node=$(vdpa_vhost_node "$name")
	wait_for 10 test -c "$node" || fail "$node did not appear"
}

# DPDK's test application (Debian's dpdk-dev).
TESTPMD=${TESTPMD:-dpdk-testpmd}

# hugepages_reserve COUNT MIN: mounts hugetlbfs on /dev/hugepages (the test
# fails if it cannot) and asks for COUNT huge pages, keeping the count
# before in $hugepages_before for hugepages_restore; returns 1 when fewer
# than MIN could be reserved (the count is then restored already).
hugepages_reserve() {
	mkdir -p /dev/hugepages
	mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages || fail "mounting hugetlbfs"
	hugepages_before=$(cat /proc/sys/vm/nr_hugepages)
	echo "$1" >/proc/sys/vm/nr_hugepages
	[ "$(cat /proc/sys/vm/nr_hugepages)" -ge "$2" ] || { hugepages_restore; return 1; }
}

# hugepages_restore: the huge page count hugepages_reserve found.
hugepages_restore() {
	[ -z "$hugepages_before" ] || echo "$hugepages_before" >/proc/sys/vm/nr_hugepages
}

# dpdk_testpmd NODE MAC SECONDS LOG EAL-ARGS...: runs testpmd on the
# vhost-vdpa node NODE through its virtio_user PMD, for SECONDS in io
# forwarding with tx_first (the burst addressed to MAC, the device's, for
# a simulator's receive filter), driven through its command line once its
# ports are up, so that it stops and quits by itself. (The simulator's
# link reads as down to virtio_user on every stack; the 9-second wait for
# it to come up is skipped.) Its output goes to
# LOG: the port's statistics one second after the start and again SECONDS
# later (whose "Rx-pps:" is testpmd's own rate over those SECONDS), then
# the forward statistics at "stop". Returns testpmd's status.
dpdk_testpmd() {
	local node=$1 mac=$2 seconds=$3 log=$4 fifo pid t t0=$SECONDS
	shift 4
	fifo=$(mktemp -u)
	mkfifo "$fifo" || return 1
	# Line-buffered, so that the log shows how far it got.
	timeout -k 5 $((seconds + 600)) stdbuf -oL "$TESTPMD" -l 0,1 -n 1 --no-pci --file-prefix vdpars "$@" \
		--vdev "net_virtio_user0,path=$node,queues=1,queue_size=256" -- \
		-i --no-mlockall --disable-link-check --forward-mode=io --nb-cores=1 --rxq=1 --txq=1 --rxd=256 --txd=256 \
		--eth-peer=0,"$mac" --total-num-mbufs=2048 --no-lsc-interrupt <"$fifo" >"$log" 2>&1 &
	pid=$!
	exec {t}>"$fifo"
	rm -f "$fifo"
	# The ports are set up and their links checked before the prompt.
	while kill -0 $pid 2>/dev/null && ! grep -q 'testpmd> ' "$log"; do
		sleep 0.5
	done
	diag "testpmd: prompt after $((SECONDS - t0))s"
	{
		echo "start tx_first"
		sleep 1
		echo "show port stats 0"
		sleep "$seconds"
		echo "show port stats 0"
		echo "stop"
		echo "quit"
	} >&$t 2>/dev/null
	exec {t}>&-
	wait $pid || return
	diag "testpmd: done after $((SECONDS - t0))s"
}
