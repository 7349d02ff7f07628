# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the set-up, build and test scripts. Source it; do not run.

set -o pipefail

VDPA_RS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VDPA_RS_CACHE=${VDPA_RS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vdpa-rs}
VDPA_RS_TOOLS=$VDPA_RS_CACHE/tools
VDPA_RS_VENV=$VDPA_RS_CACHE/venv

# Pinned versions of what set-up installs from crates.io and PyPI.
BINDGEN_VERSION=0.73.2
VIRTME_NG_VERSION=1.42

# The kernel's Rust compiler: Debian's rustc-web, which ships the matching
# rust-src. rustup's toolchains have no rust-src here, so never use them for
# kbuild.
KERNEL_RUSTC=/usr/bin/rustc
BINDGEN=$VDPA_RS_TOOLS/bin/bindgen
VNG=$VDPA_RS_VENV/bin/vng

export VDPA_RS_ROOT VDPA_RS_CACHE

_t0=${_t0:-$SECONDS}

elapsed() {
	local s=$((SECONDS - _t0))
	printf '%d:%02d' $((s / 60)) $((s % 60))
}

# say MESSAGE: progress line on stderr, so it never mixes with test output
# that a caller parses.
say() {
	printf '[%s] %s\n' "$(elapsed)" "$*" >&2
}

# die WHAT HINT: a step failed; say what and what to do, then exit 1.
die() {
	printf '\nerror: %s\n' "$1" >&2
	[ -n "${2:-}" ] && printf 'hint:  %s\n' "$2" >&2
	exit 1
}

# run_logged LOG LABEL CMD...: run a long command with its output in LOG,
# printing a heartbeat every minute. On failure the tail of the log is shown.
run_logged() {
	local log=$1 label=$2
	shift 2
	mkdir -p "$(dirname "$log")"
	"$@" >"$log" 2>&1 &
	local pid=$! n=0
	while kill -0 "$pid" 2>/dev/null; do
		sleep 2
		n=$((n + 1))
		if [ $((n % 30)) -eq 0 ]; then
			say "$label: still running ($(wc -l <"$log") log lines; last: $(tail -n1 "$log" | cut -c1-80))"
		fi
	done
	if ! wait "$pid"; then
		echo "----- last 40 lines of $log -----" >&2
		tail -n 40 "$log" >&2
		echo "-----" >&2
		return 1
	fi
}

# Kernel profiles. "test" (the default) is the kernel every test runs on:
# tools/kernel/vdpa-test.config, with the bug detectors. "bench" is the same
# fragment with tools/kernel/vdpa-bench.config on top, which turns the
# detectors off, as on a production host; tools/bench and
# tools/check-clients use it. "guest" is the nested QEMU guest's kernel
# (tinyconfig with tools/kernel/vdpa-guest.config), which only
# tools/check-clients builds and nothing boots directly.
# VDPA_RS_KERNEL_PROFILE picks one for tools/kernel/build, tools/kernel/kdir
# and tools/vm-run.
VDPA_RS_KERNEL_PROFILE=${VDPA_RS_KERNEL_PROFILE:-test}
case "$VDPA_RS_KERNEL_PROFILE" in
test | bench | guest) ;;
*)
	echo "error: unknown VDPA_RS_KERNEL_PROFILE '$VDPA_RS_KERNEL_PROFILE'" >&2
	echo "hint:  use test (the default), bench or guest (the nested QEMU guest's)" >&2
	exit 1
	;;
esac

# kernel_fragments: the config fragments of the profile, in the order they
# are merged; a later one overrides an earlier one.
kernel_fragments() {
	# The nested guest's kernel is tinyconfig with its own fragment only.
	[ "$VDPA_RS_KERNEL_PROFILE" = guest ] || echo "$VDPA_RS_ROOT/tools/kernel/vdpa-test.config"
	[ "$VDPA_RS_KERNEL_PROFILE" = test ] ||
		echo "$VDPA_RS_ROOT/tools/kernel/vdpa-$VDPA_RS_KERNEL_PROFILE.config"
}

# What the test kernel's key hashes. Keep this byte for byte as it is:
# the key names the cached test kernel, and a new key means a rebuild.
kernel_key_inputs() {
	dpkg-query -W -f='${Version}\n' linux-source-6.12 2>/dev/null
	cat "$VDPA_RS_ROOT/tools/kernel/vdpa-test.config"
	"$KERNEL_RUSTC" --version 2>/dev/null
	"$BINDGEN" --version 2>/dev/null
	gcc --version 2>/dev/null | head -n1
}

# The kernel build directory of the profile for the current inputs
# (version, config fragments, compilers). Printed by "make -s kdir".
kernel_key() {
	{
		kernel_key_inputs
		if [ "$VDPA_RS_KERNEL_PROFILE" != test ]; then
			echo "profile $VDPA_RS_KERNEL_PROFILE"
			cat "$VDPA_RS_ROOT/tools/kernel/vdpa-$VDPA_RS_KERNEL_PROFILE.config"
		fi
	} | sha256sum | cut -c1-12
}

kernel_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null | sed 's/-.*//'
}

# The directory name's prefix: "linux-" for the test kernel (as it always
# was), "PROFILE-linux-" for the others. tools/kernel/build keeps one
# directory per prefix, so building one profile never removes another's.
kernel_dir_prefix() {
	if [ "$VDPA_RS_KERNEL_PROFILE" = test ]; then
		echo linux-
	else
		echo "$VDPA_RS_KERNEL_PROFILE-linux-"
	fi
}

kernel_dir() {
	echo "$VDPA_RS_CACHE/kernel/$(kernel_dir_prefix)$(kernel_version)-$(kernel_key)"
}

# Flags every kbuild invocation against the test kernel needs.
kbuild_flags() {
	echo "RUSTC=$KERNEL_RUSTC HOSTRUSTC=$KERNEL_RUSTC BINDGEN=$BINDGEN"
}

# Log of the last module build.
MODULES_LOG=$VDPA_RS_CACHE/logs/modules.log

# build_modules: build the suite's modules against the test kernel, output
# in $MODULES_LOG.
build_modules() {
	run_logged "$MODULES_LOG" "make" make -C "$VDPA_RS_ROOT" -s -j"$(nproc)"
}

# sync_copy DIR: make DIR a copy of the repository's files (those git knows
# of, committed or not), for a build against another kernel that leaves
# the repository's own build alone. The copy keeps its build products
# between runs; files the repository no longer has are removed from it.
sync_copy() {
	local copy=$1 list=$1/.vdpa-rs-files new=$1/.vdpa-rs-files.new
	mkdir -p "$copy"
	(cd "$VDPA_RS_ROOT" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			[ -f "$f" ] && printf '%s\0' "$f"
		done) >"$new" || return 1
	if [ -f "$list" ]; then
		comm -z -23 <(sort -z "$list") <(sort -z "$new") |
			(cd "$copy" && xargs -0 -r rm -f --)
	fi
	tar -C "$VDPA_RS_ROOT" --null -T "$new" -cf - | tar -C "$copy" -xf - || return 1
	mv "$new" "$list"
}
