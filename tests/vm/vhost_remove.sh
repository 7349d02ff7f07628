#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Removing a vdpa device whose /dev/vhost-vdpa-N is open (contract B.1):
#  - vdpa dev del: the node disappears at once, the del blocks (still
#    running after 2 s; the holder's ioctls still work) and returns once
#    the holder closes, not before;
#  - the same with the holder killed by SIGKILL;
#  - rmmod vdpa_sim_net while a node is held: recorded as the upstream
#    stack does it (it blocks until the close, then unloads);
#  - open after release finds the defaults: after a session that mapped
#    both ASIDs, bound both groups to ASID 1 and closed without cleaning
#    up, a new session moves frames through the identity map with the data
#    group in ASID 0, and vdpa-client's net-loop works.

. "$(dirname "$0")/lib.sh"

here=$(dirname "$0")
failed=0
part_failed() {
	diag "FAIL: $*"
	failed=1
}

add_vhost() {
	vdpa_add_vhost "$1" vdpasim_net mac "$2"
}

# hold NODE FLAG: start a holder of NODE in the background ($holder).
hold() {
	rm -f "$2" "$2.close" "$2.closed"
	python3 "$here/vhost_uapi.py" hold "$1" "$2" &
	holder=$!
	wait_for 20 test -s "$2" || fail "the holder could not open $1"
}

command -v vdpa >/dev/null || skip "the vdpa tool (iproute2) is not installed"
VDPA_CLIENT=$(vdpa_client) || skip "tools/vdpa-client is not built (cargo build --release there)"
vdpa_load vdpa_sim_net vhost_vdpa || fail "loading the modules"
flag=$VDPA_RS_OUT/vhost_remove.held

# 1. dev del waits for the close.
add_vhost vr0 02:11:22:33:44:90
diag "[${SECONDS}s] dev del while held"
hold "$node" "$flag"
vdpa dev del vr0 &
del=$!
wait_for 5 test ! -e "$node" && diag "ok: $node gone right after dev del started" ||
	part_failed "$node still there 5 s after dev del started"
sleep 2
if kill -0 $del 2>/dev/null; then
	diag "ok: dev del still running 2 s later, while $node is held"
else
	part_failed "dev del returned while $node was held"
fi
touch "$flag.close"
wait $holder || part_failed "the holder failed"
wait $del
rc=$?
[ $rc = 0 ] || part_failed "dev del exited $rc"
[ ! -e /sys/bus/vdpa/devices/vr0 ] && diag "ok: dev del returned after the close; vr0 gone" ||
	part_failed "vr0 still on the bus"
diag "[${SECONDS}s] SIGKILL"

# 2. The same with the holder killed.
add_vhost vr1 02:11:22:33:44:91
hold "$node" "$flag"
vdpa dev del vr1 &
del=$!
sleep 2
kill -0 $del 2>/dev/null && diag "ok: dev del of vr1 blocked by the holder" ||
	part_failed "dev del of vr1 returned while $node was held"
kill -KILL $holder
wait $holder 2>/dev/null
if wait_for 10 sh -c "! kill -0 $del 2>/dev/null"; then
	wait $del && diag "ok: dev del of vr1 returned after the holder was killed" ||
		part_failed "dev del of vr1 failed"
else
	part_failed "dev del of vr1 still running 10 s after the holder was killed"
	wait $del
fi
diag "[${SECONDS}s] rmmod"

# 3. Unloading the parent while a node is held.
add_vhost vr2 02:11:22:33:44:92
hold "$node" "$flag"
rmmod vdpa_sim_net 2>"$VDPA_RS_OUT/vhost_remove.rmmod" &
rm_pid=$!
sleep 2
if kill -0 $rm_pid 2>/dev/null; then
	diag "ok: rmmod vdpa_sim_net blocks while $node is held"
	[ ! -e "$node" ] && diag "ok: $node already gone" || part_failed "$node still there during rmmod"
	touch "$flag.close"
	wait $holder || part_failed "the holder failed"
	if wait_for 10 sh -c "! kill -0 $rm_pid 2>/dev/null"; then
		wait $rm_pid && diag "ok: rmmod vdpa_sim_net finished after the close" ||
			part_failed "rmmod vdpa_sim_net failed after the close: $(cat "$VDPA_RS_OUT/vhost_remove.rmmod")"
	else
		part_failed "rmmod vdpa_sim_net still running 10 s after the close"
		wait $rm_pid
	fi
else
	wait $rm_pid
	part_failed "rmmod vdpa_sim_net did not block while $node was held: exit $?," \
		"$(cat "$VDPA_RS_OUT/vhost_remove.rmmod")"
	touch "$flag.close"
	wait $holder
	vdpa dev del vr2 2>/dev/null
fi
[ ! -d /sys/module/vdpa_sim_net ] || part_failed "vdpa_sim_net still loaded"
diag "[${SECONDS}s] release restores defaults"

# 4. Release restores the defaults.
vdpa_load vdpa_sim_net || fail "reloading vdpa_sim_net"
add_vhost vr3 02:11:22:33:44:93
python3 "$here/vhost_uapi.py" messy "$node" || part_failed "the session left in a mess"
python3 "$here/vhost_uapi.py" defaults "$node" || part_failed "defaults after release"
client_step net-loop "$node" --count 8 --size 64
vdpa dev del vr3 || fail "dev del vr3"
diag "[${SECONDS}s] done"
[ $client_failed = 0 ] || failed=1
[ $failed = 0 ] || fail "see the FAIL lines above"
exit $KSFT_PASS
