#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-caps.sh - least privilege: `kflow run` with exactly the capabilities
# the README lists (CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN,
# CAP_SYS_PTRACE) counts, identity included, and leaves nothing attached;
# with one of the first four removed it exits with one line naming it and
# leaves nothing behind; without CAP_SYS_PTRACE it runs and says so. Where
# no cgroup v2 is mounted (`ip netns exec` mounts its own /sys) it counts
# without identity and says why.
source "$(dirname "$0")/lib.sh"

command -v setpriv >/dev/null || kf_fail "missing setpriv (util-linux)"
kf_setup
kf_start_server
SET="bpf perfmon net_admin sys_admin sys_ptrace"

# run_with CAPS NAME ARGS...: kflow run in the server namespace with only
# CAPS (a root process keeps what its bounding set holds across exec).
run_with() {
	local caps=$1 name=$2 b=-all c
	shift 2
	for c in $caps; do b="$b,+$c"; done
	$NSE_S setpriv --inh-caps=-all --bounding-set=$b -- "$KFLOW" run --iface $VETH_S \
		--pin-path $PIN --output jsonl:"$TMP/$name.jsonl" --cgroup-root "$CG_ROOT" "$@" \
		2>"$TMP/$name.log" &
	AGENT_PID=$!
	KF_PIDS+=($AGENT_PID)
}

for drop in bpf perfmon net_admin sys_admin; do
	caps=$(echo " $SET " | sed "s/ $drop / /")
	want="CAP_${drop^^}"
	run_with "$caps" no-$drop --interval 1
	wait $AGENT_PID
	rc=$?
	[ $rc -ne 0 ] || kf_fail "without $want kflow run exited 0"
	[ "$(grep -c 'error:' "$TMP/no-$drop.log")" = 1 ] ||
		kf_fail "without $want: want one error line, got: $(cat "$TMP/no-$drop.log")"
	grep -q "error: missing capability $want: needed to " "$TMP/no-$drop.log" ||
		kf_fail "without $want: $(cat "$TMP/no-$drop.log")"
	kf_has_filters && kf_fail "without $want: TC filters left"
	kf_has_clsact && kf_fail "without $want: clsact left"
	[ -e "$PIN" ] && kf_fail "without $want: $PIN left"
	echo "without $want: $(grep error: "$TMP/no-$drop.log")"
done

# Exactly the set: counts, with identity; gone on exit.
run_with "$SET" all --interval 1
kf_wait_for "$TMP/all.log" "running:"
grep -q "missing capability" "$TMP/all.log" && kf_fail "with the full set: $(cat "$TMP/all.log")"
sh -c 'echo $$ >"$0/cgroup.procs" && exec nsenter --net=/run/netns/$1 "$2" "$3" short $4 $5 5' \
	"$CG_ROOT" $NS_C $PY "$NETDIR/traffic.py" $IP4_S $PORT || kf_fail "traffic"
sleep 2.5
kf_stop_agent INT
n=$(grep -c '"process_kname_0":"python3' "$TMP/all.jsonl")
[ "$n" -ge 5 ] || kf_fail "with the full set: $n records name the client process"
kf_has_filters && kf_fail "with the full set: TC filters left after exit"
echo "with $SET: $(wc -l <"$TMP/all.jsonl") records, $n name the client process; detached on exit"

# Without CAP_SYS_PTRACE: runs, says so in one line.
run_with "${SET% sys_ptrace}" noptrace --interval 1
kf_wait_for "$TMP/noptrace.log" "running:"
[ "$(grep -c 'missing capability CAP_SYS_PTRACE' "$TMP/noptrace.log")" = 1 ] ||
	kf_fail "without CAP_SYS_PTRACE: $(cat "$TMP/noptrace.log")"
kf_stop_agent INT
echo "without CAP_SYS_PTRACE: $(grep 'missing capability' "$TMP/noptrace.log")"

# No cgroup v2: ip netns exec mounts a new sysfs on /sys (in a mount
# namespace of its own, where kflow mounts bpffs on /sys/fs/bpf itself).
ip netns exec $NS_S "$KFLOW" run --iface $VETH_S --interval 1 --pin-path /sys/fs/bpf/kflow-nocg \
	--output jsonl:"$TMP/nocg.jsonl" 2>"$TMP/nocg.log" &
AGENT_PID=$!
KF_PIDS+=($AGENT_PID)
kf_wait_for "$TMP/nocg.log" "running:"
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 3 || kf_fail "traffic"
sleep 2.5
kf_stop_agent INT
[ "$(grep -c 'no cgroup v2 mount: counting without process/pod identity' "$TMP/nocg.log")" = 1 ] ||
	kf_fail "no cgroup v2: $(cat "$TMP/nocg.log")"
[ "$(grep -c "\"server_port\":$PORT" "$TMP/nocg.jsonl")" -ge 3 ] ||
	kf_fail "no cgroup v2: no records of the traffic"
grep -q '"process_kname_0":"[^"]' "$TMP/nocg.jsonl" &&
	kf_fail "no cgroup v2: records name processes"
echo "no cgroup v2: $(grep 'no cgroup v2' "$TMP/nocg.log")"

# An unknown command names every command.
in_s "$KFLOW" frob 2>"$TMP/cmd.err" && kf_fail "kflow frob exited 0"
for c in run dump cleanup replay help; do
	grep -q "\b$c\b" "$TMP/cmd.err" || kf_fail "kflow frob does not list $c: $(cat "$TMP/cmd.err")"
done
echo "ok"
