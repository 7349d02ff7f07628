#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mlx5_vdpa under firmware errors: the ConnectX model (tests/kmod/
# mlx5_model.c, loaded as mlx5_core) fails one command at a time with
# status INTERNAL_ERR, for every opcode of a clean life cycle, at its first
# use, its first through the async command interface, and its last. Each
# case is dev add, a bind to vhost_vdpa, the life cycle of mlx5_model.py
# (stopping at the first step that fails) and dev del. After every case:
#  - the command that was armed was issued (the case tested something);
#  - every object table of the model is empty (after a failed teardown
#    command, see below): what an error path created it destroyed;
#  - the model saw no broken rule; the suite fails the test on any splat;
#  - at the end, a clean life cycle still works.
# A failed teardown command is carried out by the model before it answers
# with the error: the driver must not destroy the object again (a destroy
# of an object that does not exist is a broken rule). What it leaves
# then, rightly, as firmware that failed to destroy an object would still
# hold what that object uses, is part of the case's answer, compared with
# upstream's, and forgotten before the next case.
# What each case ended with (the errno of dev add, of the first failing
# step, or "ok") is compared with the upstream C stack's
# (mlx5_faults.expected).

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mlx5_lib"

# one_case: dev add, then the rest of the case; prints how it ended.
one_case() {
	local out
	if ! out=$(vdpa dev add name mf mgmtdev $mgmt 2>&1); then
		echo "dev add: ${out#*: }"
		return
	fi
	after_add
}

# after_add: bind, the life cycle, dev del.
after_add() {
	local out node rc
	if ! vdpa_bind mf vhost_vdpa; then
		echo "bind to vhost_vdpa failed"
	elif ! wait_for 10 vdpa_vhost_node mf; then
		echo "no vhost-vdpa node"
	else
		node=$(vdpa_vhost_node mf)
		wait_for 10 test -c "$node"
		out=$(python3 "$here/mlx5_model.py" session "$node")
		rc=$?
		case $rc in
		0) echo "ok" ;;
		3) echo "${out##*# errno: }" ;;
		*) echo "session exited $rc: $(echo "$out" | tail -n1)" ;;
		esac
	fi
	vdpa dev del mf || echo "dev del failed"
}

mlx5_setup

# A clean run gives the opcodes, how often each is issued, and which of
# them dev add issues once the device is registered: from the live
# QUERY_HCA_CAP of read_umem_params, the first step of
# setup_vq_resources, to the end of dev add.
echo off >$dbg/inject
echo 0 >$dbg/trace
vdpa dev add name mf mgmtdev $mgmt || fail "dev add of the clean life cycle"
add_end=$(wc -l <$dbg/trace)
clean=$(after_add)
[ "$clean" = ok ] || fail "the clean life cycle: $clean"
left=$(model_left)
[ -z "$left" ] || fail "the clean life cycle left objects in the model: $left"
declare -A count name late first_async
setup_start= ops=
while read -r i op nm kind; do
	[ -z "${count[$op]:-}" ] && ops="$ops $op"
	count[$op]=$((${count[$op]:-0} + 1))
	name[$op]=$nm
	[ "$kind" = async ] && [ -z "${first_async[$op]:-}" ] && first_async[$op]=${count[$op]}
	[ -z "$setup_start" ] && [ "$nm" = QUERY_HCA_CAP ] && setup_start=$i
	if [ -n "$setup_start" ] && [ "$i" -le "$add_end" ]; then
		late[$op.${count[$op]}]=1
	fi
done < <(awk '{ print NR, $3, $4, $10 }' $dbg/trace)
diag "[${SECONDS}s] clean life cycle: $(wc -l <$dbg/trace) commands, $(echo $ops | wc -w) opcodes;" \
	"dev add issues $add_end, the last $((add_end - setup_start + 1)) after registering the device"

# The C mlx5_vdpa of 6.12 frees the device when a command of
# setup_vq_resources fails in dev add and then destroys its workqueue
# (a use-after-free and an Oops; upstream fixed it in 6.13, "vdpa/mlx5:
# Fix error path during device add"). Those cases run only on ours, where
# they are the regression test of that fix; they are listed apart so
# that the transcript of the other cases stays the upstream one.
upstream_mlx5=0
[[ "$(_modpath mlx5_vdpa)" == */drivers/vdpa/mlx5/* ]] && upstream_mlx5=1

res=$VDPA_RS_OUT/mlx5_faults.out
fixed=$VDPA_RS_OUT/mlx5_faults.after-register.out
: >"$res"
: >"$fixed"
ncases=0 nskipped=0
for op in $ops; do
	# the first use, the first through the async interface, the last
	nths=1
	a=${first_async[$op]:-1}
	[ "$a" -gt 1 ] && [ "$a" -lt "${count[$op]}" ] && nths="$nths $a"
	[ "${count[$op]}" -ge 2 ] && nths="$nths ${count[$op]}"
	for nth in $nths; do
		what="${name[$op]} ($op) $nth/${count[$op]}"
		out=$res
		if [ -n "${late[$op.$nth]:-}" ]; then
			if [ $upstream_mlx5 = 1 ]; then
				nskipped=$((nskipped + 1))
				continue
			fi
			out=$fixed
		fi
		before=$(model_value injected)
		echo "op=$op nth=$nth" >$dbg/inject
		end=$(one_case)
		echo off >$dbg/inject
		echo "$what: $end" >>"$out"
		ncases=$((ncases + 1))
		[ "$(model_value injected)" -gt "$before" ] ||
			part_failed "$what: the armed command was not issued"
		left=$(model_left)
		if [ -n "$left" ] && [[ "${name[$op]}" =~ ^(DESTROY|DEALLOC|DELETE)_ ]]; then
			# After a failed teardown command the firmware may
			# still hold the object and what it uses: the driver
			# must not free that, so what it leaves is part of the
			# answer, compared with upstream's; then forgotten.
			echo "$what: left after the failed teardown: $left" >>"$out"
			echo clear >$dbg/objects
		elif [ -n "$left" ]; then
			part_failed "$what: ended '$end', objects left: $left"
			# The next cases would count these too.
			break 2
		fi
	done
done
# After all of that the management device must still give a working
# device.
end=$(one_case)
[ "$end" = ok ] || part_failed "a clean life cycle after the cases: $end"
left=$(model_left)
[ -z "$left" ] || part_failed "a clean life cycle after the cases left: $left"
diag "[${SECONDS}s] $ncases cases, $(cat "$res" "$fixed" | grep -c ': ok$') of them ending 'ok'"
[ $nskipped = 0 ] ||
	diag "$nskipped cases of a failure in dev add after the device is registered not run: the upstream mlx5_vdpa of 6.12 crashes there"
# How those ended on ours (no upstream answer to compare with; the
# tables were checked empty after each).
sed 's/^/# after registering: /' "$fixed"
v=$(model_value violations)
[ "$v" = 0 ] || part_failed "the model saw $v broken rules (see the kernel log)"
[ $failed = 0 ] || fail "see the FAIL lines above"
expect_transcript mlx5_faults "how the cases ended"
exit $KSFT_PASS
