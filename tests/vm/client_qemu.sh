#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# QEMU (Debian's qemu-system-x86, 7.2) as an unmodified vhost-vdpa client:
# a nested TCG guest with -netdev vhost-vdpa on a vdpa_sim_net device and
# virtio-net-pci, booting a tiny kernel (tools/kernel/vdpa-guest.config)
# with a busybox initramfs (tests/vm/qemu_guest). The guest loops raw frames to its own
# MAC through the device, then reboots, which makes QEMU reset the device:
# QEMU 7.2 does not ack IOTLB_PERSIST, so the reset is the compat path
# (CLEAN_MAP) and QEMU maps guest memory again. Checks:
#  - the frames come back on the first boot and again after the reboot;
#  - "vdpa dev del" while QEMU holds the node: the node is gone at once,
#    the deletion waits for QEMU to let go, QEMU shuts down cleanly when
#    asked, and then the deletion completes (the suite's kernel-log scan
#    and kmemleak check that nothing was left behind).
#
# Nested TCG is slow: even the tiny guest takes about a minute a boot, and
# the debug test kernel slows the outer VM several times over. So this test
# skips on a kernel with lockdep and runs in tools/check-clients, on the
# bench kernel.

. "$(dirname "$0")/lib.sh"

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed (Debian qemu-system-x86)"
command -v gcc >/dev/null || skip "gcc is needed to build the guest's rawloop"
command -v cpio >/dev/null || skip "cpio is needed to build the guest's initramfs"
busybox=$(command -v busybox) || skip "busybox is not installed (Debian busybox-static)"
ldd "$busybox" >/dev/null 2>&1 && skip "$busybox is not static (Debian busybox-static)"
[ ! -e /proc/lockdep ] || skip "the debug kernel is too slow for a nested guest (tools/check-clients runs this)"
# The guest's kernel: the tiny one tools/check-clients builds (it writes its
# path to guest-kernel), else the outer VM's own.
kernel=${VDPA_RS_GUEST_KERNEL:-$(cat "$VDPA_RS_OUT/guest-kernel" 2>/dev/null)}
[ -n "$kernel" ] || kernel=$(cat "$VDPA_RS_OUT/kdir" 2>/dev/null)/arch/x86/boot/bzImage
[ -f "$kernel" ] || skip "no kernel image for the nested guest ($kernel)"
# First boot, reboot, second boot, each a minute or so under nested TCG.
boot_limit=${VDPA_RS_QEMU_BOOT_SECONDS:-600}
mac=02:00:5e:10:00:41
here=$(dirname "$0")

# The initramfs: busybox, rawloop and the init script.
tmp=$(mktemp -d)
qemu_pid=
cleanup() {
	[ -z "$qemu_pid" ] || kill -9 "$qemu_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp/root/bin"
cp "$busybox" "$tmp/root/bin/busybox" || fail "copying busybox"
cp "$here/qemu_guest/init" "$tmp/root/init" && chmod +x "$tmp/root/init" || fail "copying the guest's init"
gcc -static -O2 -o "$tmp/root/rawloop" "$here/qemu_guest/rawloop.c" || fail "building rawloop"
(cd "$tmp/root" && find . | cpio -o -H newc --quiet) >"$tmp/initrd" || fail "packing the initramfs"

vdpa_load vdpa_sim_net vhost_vdpa || fail "loading the modules"
vdpa_add_vhost qnet0 vdpasim_net mac $mac
serial=$VDPA_RS_OUT/client_qemu.serial
qlog=$VDPA_RS_OUT/client_qemu.qemu
diag "[${SECONDS}s] qnet0 ($mac) -> $node; nested guest on ${kernel#"${VDPA_RS_CACHE:-$HOME/.cache/vdpa-rs}/"}"
# Guest RAM is a shared memfd: in VA mode (the simulator's default)
# vhost-vdpa maps only shared file-backed memory and skips the rest, so
# QEMU's default anonymous RAM would leave the rings unmapped.
qemu-system-x86_64 -accel tcg -m 96 -smp 1 -nodefaults -no-user-config \
	-object memory-backend-memfd,id=mem0,size=96M,share=on -machine memory-backend=mem0 \
	-display none -monitor none -serial "file:$serial" \
	-kernel "$kernel" -initrd "$tmp/initrd" \
	-append "console=ttyS0 panic=-1 rdinit=/init quiet" \
	-netdev "type=vhost-vdpa,vhostdev=$node,id=vdpa0" \
	-device "virtio-net-pci,netdev=vdpa0,mac=$mac" </dev/null >"$qlog" 2>&1 &
qemu_pid=$!

# ok_count: the guest's passed traffic checks so far.
ok_count() {
	local n
	n=$(grep -c '^RAWLOOP ok' "$serial" 2>/dev/null)
	echo "${n:-0}"
}

# wait_ok N: until the guest passed its check N times; fails on a failed
# check, QEMU exiting, or the time limit.
wait_ok() {
	local n=$1 end=$((SECONDS + boot_limit))
	while [ "$(ok_count)" -lt "$n" ]; do
		if grep -q '^RAWLOOP fail' "$serial" 2>/dev/null; then
			sed 's/^/#   guest: /' "$serial" | tail -n 20
			fail "the guest's traffic check failed on boot $n"
		fi
		if ! kill -0 "$qemu_pid" 2>/dev/null; then
			sed 's/^/#   qemu: /' "$qlog" | tail -n 10
			sed 's/^/#   guest: /' "$serial" | tail -n 20
			fail "QEMU exited before boot $n passed"
		fi
		if [ $SECONDS -ge $end ]; then
			sed 's/^/#   guest: /' "$serial" | tail -n 20
			fail "boot $n did not pass its check within ${boot_limit}s"
		fi
		sleep 2
	done
	diag "[${SECONDS}s] boot $n: $(grep '^GUEST up' "$serial" | sed -n "${n}p"), $(grep '^RAWLOOP ok' "$serial" | sed -n "${n}p")"
}

wait_ok 1
wait_ok 2
grep -q '^GUEST rebooting' "$serial" || fail "the guest did not reboot between the checks"
grep -iE 'vhost|vdpa|error' "$qlog" | head -n 5 | sed 's/^/#   qemu: /'

# Delete the device under QEMU.
vdpa dev del qnet0 &
del_pid=$!
wait_for 10 test ! -e "$node" || fail "$node still there after dev del started"
sleep 3
kill -0 "$del_pid" 2>/dev/null || fail "dev del returned while QEMU holds $node"
kill -0 "$qemu_pid" 2>/dev/null || fail "QEMU died when the device was deleted"
diag "[${SECONDS}s] dev del: $node gone, deletion waiting for QEMU"
kill -TERM "$qemu_pid"
for _ in $(seq 60); do
	kill -0 "$qemu_pid" 2>/dev/null || break
	sleep 1
done
kill -0 "$qemu_pid" 2>/dev/null && fail "QEMU did not exit on SIGTERM"
wait "$qemu_pid" 2>/dev/null
qemu_pid=
for _ in $(seq 30); do
	kill -0 "$del_pid" 2>/dev/null || break
	sleep 1
done
kill -0 "$del_pid" 2>/dev/null && fail "dev del did not complete after QEMU exited"
wait "$del_pid" || fail "dev del failed"
vdpa dev show qnet0 >/dev/null 2>&1 && fail "qnet0 still exists"
diag "[${SECONDS}s] QEMU shut down, then the deletion completed"
exit $KSFT_PASS
