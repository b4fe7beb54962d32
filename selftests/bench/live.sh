#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# live.sh - `make bench`, second part: what kflow costs on live traffic, as
# users run it. Five pairs of network namespaces, each joined by a veth
# pair with the kernel's default offloads:
#   kflow  the agent with its defaults (TC, identity on) on the server's
#          veth; identity observes the test cgroup CG_K, which holds this
#          pair's traffic processes
#   empty  bench_empty.bpf.o's "tc" program attached the same way (cls_bpf,
#          direct action, clsact ingress and egress, kflow's handle and
#          priority) on the server's veth, and its empty cgroup programs,
#          one per identity hook, on the test cgroup CG_E of this pair's
#          traffic
#   bare   no program at all (cgroup CG_B)
#   other  with KFLOW_B=PATH: that build of kflow, as the kflow pair (cgroup
#          CG_O), to compare two builds in one run: the machine drifts more
#          between runs minutes apart than two datapaths differ
#   floor  KF_LIVE_FLOOR=life (the default), hash, line, or 0 for none:
#          bench_floor.bpf.o's floor_life_tc, floor_hash_tc or
#          floor_line_tc attached as the empty program (no cgroup
#          programs; cgroup CG_F), in the same rounds as kflow. life: one
#          shared lifetime hash entry per flow, two atomic adds and a store
#          per packet, nothing else: what the lifetime-entry design of
#          issue 11 cannot go below, live. hash: the same in a per-CPU hash
#          of kflow's interval value. line: one array line per flow
#   peer   unless KF_LIVE_PEER=0: bench_floor.bpf.o's floor_peer_in_tc and
#          floor_peer_out_tc, attached the same way (cgroup CG_P), a model
#          of the usual open-source TC flow agent's per-packet work in its
#          recent form (fine clock, a shared hash entry per direction
#          allocated on insert, two atomic adds), whose cost issue 11's
#          targets are 0.8 of; kflow's cost is printed as a ratio of it
# Each load runs on the pairs in turn, in two rounds (the second in the
# reverse order); kernel.bpf_stats_enabled is on for the run and gives every
# program's run_time_ns and run_cnt. live.py turns the snapshots into one
# table (stdout) and the raw figures (stderr).
#
# A benchmark, not a test: the exit status is 0 whatever the figures, and
# non-zero only when something cannot be set up or a load cannot run.
# Everything it makes (namespaces, veths, cgroups, processes, pins, the
# sysctl) is removed or restored on exit, failed or not; pins go to a bpffs
# of a private mount namespace.

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
KFLOW=${KFLOW:-$top/build/kflow}
EMPTY_OBJ=${EMPTY_OBJ:-$top/.output/bench_empty.bpf.o}
FLOOR_OBJ=${FLOOR_OBJ:-$top/.output/bench_floor.bpf.o}
TRAFFIC=$top/selftests/net/traffic.py

TCP_SECS=6
UDP_SECS=4
UDP_ARGS="-u -b 50M -l 1200 -P 20"
SHORT_COUNT=1000
# To iterate on one load: KF_LIVE_LOADS="tcp" KF_LIVE_ROUNDS=4 (the table
# leaves out what did not run).
LOADS=${KF_LIVE_LOADS:-tcp udp short}
ROUNDS=${KF_LIVE_ROUNDS:-2}
# The throughput ratio's own rounds (0: none; the ratio then comes from the
# TCP stream's rounds, statistics on).
TPUT_ROUNDS=${KF_LIVE_TPUT_ROUNDS:-8}
TPUT_SECS=4

die() {
	echo "live.sh: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (netns, veth, BPF)"
[[ $TPUT_ROUNDS =~ ^[0-9]+$ ]] || die "KF_LIVE_TPUT_ROUNDS=$TPUT_ROUNDS: want a count"
if [ -z "$KF_BENCH_IN_MNTNS" ]; then
	export KF_BENCH_IN_MNTNS=1
	exec unshare -m --propagation private "$0" "$@"
fi
for tool in ip tc nsenter iperf3 python3 bpftool sysctl ss timeout; do
	command -v $tool >/dev/null || die "missing $tool (run make deps)"
done
[ -x "$KFLOW" ] || die "no $KFLOW (run make)"
[ -f "$EMPTY_OBJ" ] || die "no $EMPTY_OBJ (run make)"

SUFFIX=$(printf '%05d%d' $RANDOM $((RANDOM % 10)))
KFLOW_B=${KFLOW_B:-}
PAIRS="kflow empty bare"
[ -n "$KFLOW_B" ] && PAIRS="kflow other empty bare"
FLOOR=
case ${KF_LIVE_FLOOR:-life} in
0) ;;
1 | life) FLOOR=floor_life_tc ;;
hash) FLOOR=floor_hash_tc ;;
line) FLOOR=floor_line_tc ;;
*) die "KF_LIVE_FLOOR=$KF_LIVE_FLOOR: want life, hash, line or 0" ;;
esac
[ -n "$FLOOR" ] && PAIRS="$PAIRS floor"
PEER=
[ "${KF_LIVE_PEER:-1}" != 0 ] && PEER=1 && PAIRS="$PAIRS peer"
[ -z "$FLOOR$PEER" ] || [ -f "$FLOOR_OBJ" ] || die "no $FLOOR_OBJ (run make)"
declare -A NS_C NS_S VETH_C VETH_S IP_C IP_S CG
n=0
for p in $PAIRS; do
	n=$((n + 1))
	t=${p:0:1}
	# Interface names (prefix + suffix) must fit in 15 characters.
	NS_C[$p]=kbc$t$SUFFIX
	NS_S[$p]=kbs$t$SUFFIX
	VETH_C[$p]=kbvc$t$SUFFIX
	VETH_S[$p]=kbvs$t$SUFFIX
	IP_C[$p]=10.201.$n.1
	IP_S[$p]=10.201.$n.2
done
IPERF_PORT=5201
SHORT_PORT=8098
PIN=/sys/fs/bpf/kflow-bench-$SUFFIX
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
CG_K=$CG2/kflow-bench-$SUFFIX # kflow's --cgroup-root: the kflow pair's traffic
CG_E=$CG2/kflow-bench-$SUFFIX-empty # the empty cgroup programs' (empty pair)
CG_B=$CG2/kflow-bench-$SUFFIX-bare # the bare pair's traffic: no program
CG_O=$CG2/kflow-bench-$SUFFIX-other # KFLOW_B's --cgroup-root
PIN_O=/sys/fs/bpf/kflow-bench-other-$SUFFIX
CG_F=$CG2/kflow-bench-$SUFFIX-floor # the floor pair's traffic: no cgroup program
PIN_F=/sys/fs/bpf/kflow-bench-floor-$SUFFIX # the floor programs and their map
CG[floor]=$CG_F
CG_P=$CG2/kflow-bench-$SUFFIX-peer # the peer model's traffic: no cgroup program
PIN_P=/sys/fs/bpf/kflow-bench-peer-$SUFFIX
CG[peer]=$CG_P
CG[kflow]=$CG_K
CG[other]=$CG_O
CG[empty]=$CG_E
CG[bare]=$CG_B
PIN_E=/sys/fs/bpf/kflow-bench-empty-$SUFFIX # the empty cgroup programs
# ... one per hook of identity.bpf.c, as attach type=program.
EMPTY_CG="post_bind4=empty_post_bind4 post_bind6=empty_post_bind6 connect4=empty_connect4
	connect6=empty_connect6 sock_release=empty_sock_release bind4=empty_bind4
	bind6=empty_bind6 sock_ops=empty_sockops"
# With flow events (KF_BENCH_EVENTS=1, --stream) kflow adds its per-packet hooks.
[ -n "$KF_BENCH_EVENTS" ] && [ "$KF_BENCH_EVENTS" != 0 ] &&
	EMPTY_CG="$EMPTY_CG egress=empty_skb_out sendmsg4=empty_sendmsg4 sendmsg6=empty_sendmsg6"
TMP=$(mktemp -d /tmp/kflow-bench.XXXXXX)
PIDS=()
declare -A AGENT_PID
OLD_STATS=
MADE_NS=()
MADE_CG=()

cgroup_remove() {
	local d=$1
	[ -d "$d" ] || return 0
	for _ in 1 2 3 4 5; do
		rmdir "$d" 2>/dev/null && return 0
		xargs -r kill -KILL <"$d/cgroup.procs" 2>/dev/null
		sleep 0.2
	done
	echo "live.sh: cannot remove cgroup $d" >&2
}

teardown() {
	local p
	for p in "${AGENT_PID[@]}"; do
		# A clean stop detaches and unpins what the agent made.
		kill -INT $p 2>/dev/null
		for _ in $(seq 50); do
			kill -0 $p 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL $p 2>/dev/null
		wait $p 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		kill -KILL $p 2>/dev/null
		wait $p 2>/dev/null
	done
	if [ -d "$PIN" ]; then
		nsenter --net=/run/netns/${NS_S[kflow]} "$KFLOW" cleanup --pin-path $PIN \
			>/dev/null 2>&1 || rm -rf "$PIN"
	fi
	if [ -d "$PIN_O" ]; then
		nsenter --net=/run/netns/${NS_S[other]} "$KFLOW_B" cleanup --pin-path $PIN_O \
			>/dev/null 2>&1 || rm -rf "$PIN_O"
	fi
	[ -n "$OLD_STATS" ] && sysctl -qw kernel.bpf_stats_enabled=$OLD_STATS
	rm -rf "$PIN_F" "$PIN_P"
	if [ -d "$PIN_E" ]; then
		for p in $EMPTY_CG; do
			bpftool cgroup detach "$CG_E" ${p%%=*} pinned "$PIN_E/${p#*=}" 2>/dev/null
		done
		rm -rf "$PIN_E"
	fi
	for p in "${MADE_NS[@]}"; do
		ip netns del $p 2>/dev/null
	done
	for p in "${MADE_CG[@]}"; do
		cgroup_remove "$p"
	done
	if [ -n "$KF_KEEP_TMP" ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap teardown EXIT
trap 'exit 1' INT TERM HUP

# run_in CGROUP NETNS CMD...: CMD in that cgroup and network namespace. It
# execs, so $! of a background run_in is CMD's pid; in the foreground, call
# it in a subshell.
run_in() {
	local cg=$1 ns=$2
	shift 2
	exec sh -c 'ns=$1; shift; echo $$ >"$0/cgroup.procs" && exec nsenter --net="$ns" "$@"' \
		"$cg" "/run/netns/$ns" "$@"
}

# Waits up to 10 s for a TCP listener on port $2 in namespace $1.
wait_listen() {
	for _ in $(seq 100); do
		nsenter --net=/run/netns/$1 ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.1
	done
	die "no listener on port $2 in $1 after 10 s"
}

# setup_side NETNS VETH ADDRESS
setup_side() {
	ip -n "$1" link set lo up
	# IPv4 only: no MLD or neighbour discovery of the kernel's timing.
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip -n "$1" addr add "$3/24" dev "$2" || die "cannot add $3 to $2"
	ip -n "$1" link set "$2" up || die "cannot bring $2 up"
}

setup_pair() {
	local p=$1 mac_c mac_s
	ip netns add ${NS_C[$p]} || die "cannot create netns ${NS_C[$p]}"
	MADE_NS+=("${NS_C[$p]}")
	ip netns add ${NS_S[$p]} || die "cannot create netns ${NS_S[$p]}"
	MADE_NS+=("${NS_S[$p]}")
	ip link add ${VETH_C[$p]} netns ${NS_C[$p]} type veth peer name ${VETH_S[$p]} \
		netns ${NS_S[$p]} || die "cannot create veth pair ${VETH_C[$p]}"
	setup_side ${NS_C[$p]} ${VETH_C[$p]} ${IP_C[$p]}
	setup_side ${NS_S[$p]} ${VETH_S[$p]} ${IP_S[$p]}
	mac_c=$(ip -n ${NS_C[$p]} -br link show ${VETH_C[$p]} | awk '{print $3}')
	mac_s=$(ip -n ${NS_S[$p]} -br link show ${VETH_S[$p]} | awk '{print $3}')
	ip -n ${NS_C[$p]} neigh replace ${IP_S[$p]} lladdr $mac_s dev ${VETH_C[$p]} nud permanent
	ip -n ${NS_S[$p]} neigh replace ${IP_C[$p]} lladdr $mac_c dev ${VETH_S[$p]} nud permanent
	# Servers: iperf3 and traffic.py's (a 200-byte answer per connection).
	run_in ${CG[$p]} ${NS_S[$p]} iperf3 -s -p $IPERF_PORT >"$TMP/iperf3-$p.log" 2>&1 &
	PIDS+=($!)
	run_in ${CG[$p]} ${NS_S[$p]} python3 "$TRAFFIC" serve $SHORT_PORT \
		>"$TMP/serve-$p.log" 2>&1 &
	PIDS+=($!)
	wait_listen ${NS_S[$p]} $IPERF_PORT
	wait_listen ${NS_S[$p]} $SHORT_PORT
}

[ -n "$CG2" ] || die "no cgroup v2 mount in /proc/mounts (identity needs one)"
mount -t bpf bpf /sys/fs/bpf || die "cannot mount a private bpffs at /sys/fs/bpf"
cgs=("$CG_K" "$CG_E" "$CG_B")
[ -n "$KFLOW_B" ] && cgs+=("$CG_O")
[ -n "$FLOOR" ] && cgs+=("$CG_F")
[ -n "$PEER" ] && cgs+=("$CG_P")
for d in "${cgs[@]}"; do
	mkdir "$d" || die "cannot create cgroup $d"
	MADE_CG+=("$d")
done
for p in $PAIRS; do
	setup_pair $p
done

# kflow with its defaults; --cgroup-root keeps identity to the bench's own
# processes (the default, the cgroup v2 root, would observe the whole host).
# KF_BENCH_EVENTS=1: with --stream (flow events on, no subscriber), to
# compare the per-packet cost with the default.
STREAM_ARGS=()
[ -n "$KF_BENCH_EVENTS" ] && [ "$KF_BENCH_EVENTS" != 0 ] && STREAM_ARGS=(--stream "$TMP/run/kflow.sock")
# start_agent PAIR BINARY PIN CGROUP
start_agent() {
	local p=$1 log=$TMP/$1.log
	[ ${#STREAM_ARGS[@]} -gt 0 ] && STREAM_ARGS=(--stream "$TMP/run/$p.sock")
	nsenter --net=/run/netns/${NS_S[$p]} "$2" run --iface ${VETH_S[$p]} \
		--pin-path $3 --output jsonl:"$TMP/$p.jsonl" --cgroup-root "$4" \
		"${STREAM_ARGS[@]}" 2>"$log" &
	AGENT_PID[$p]=$!
	for _ in $(seq 100); do
		grep -q "running:" "$log" && break
		kill -0 ${AGENT_PID[$p]} 2>/dev/null || die "$2 exited: $(tail -3 "$log")"
		sleep 0.1
	done
	grep -q "running:" "$log" || die "$2 not running after 10 s"
}
start_agent kflow "$KFLOW" $PIN "$CG_K"
[ -n "$KFLOW_B" ] && start_agent other "$KFLOW_B" $PIN_O "$CG_O"

# Its maps' kernel memory (issue 11: at most 512 B per flow slot whatever
# the CPU count), from the memlock figures of what it pinned. Files that
# are not maps (links, programs) are skipped by bpftool's error.
for f in "$PIN"/*; do
	bpftool -j map show pinned "$f" 2>/dev/null && echo
done | python3 "$here/memory.py" \
	--max-flows "$(awk '/define KF_DEFAULT_MAX_FLOWS/ { print $3 }' "$top/headers/kflow.h")" \
	>"$TMP/memory" || die "cannot read the memory of the maps under $PIN"

# The empty program, attached as kflow attaches its own.
ns_e=/run/netns/${NS_S[empty]}
nsenter --net=$ns_e tc qdisc add dev ${VETH_S[empty]} clsact ||
	die "cannot add clsact to ${VETH_S[empty]}"
for dir in ingress egress; do
	# kflow's handle 0x6b66 and priority 1 (user/datapath/attach.c).
	nsenter --net=$ns_e tc filter add dev ${VETH_S[empty]} $dir prio 1 handle 0x6b66 bpf da \
		obj "$EMPTY_OBJ" sec tc || die "cannot attach $EMPTY_OBJ to ${VETH_S[empty]} $dir"
done
# Its cgroup programs.
bpftool prog loadall "$EMPTY_OBJ" "$PIN_E" || die "cannot load $EMPTY_OBJ into $PIN_E"
for p in $EMPTY_CG; do
	bpftool cgroup attach "$CG_E" ${p%%=*} pinned "$PIN_E/${p#*=}" multi ||
		die "cannot attach ${p#*=} to $CG_E"
done

# A program of bench_floor.bpf.o, attached the same way. tc loads no
# object with two programs in one section, so it attaches bpftool's pins:
# one load per hook, as bpf_stats count per program, the second on the
# first's maps. attach_floor PAIR PIN INGRESS_PROG EGRESS_PROG
attach_floor() {
	local p=$1 pin=$2 ns=/run/netns/${NS_S[$1]} dir prog
	mkdir -p "$pin/ingress" "$pin/egress"
	bpftool prog loadall "$FLOOR_OBJ" "$pin/ingress" pinmaps "$pin/maps" ||
		die "cannot load $FLOOR_OBJ into $pin/ingress"
	bpftool prog loadall "$FLOOR_OBJ" "$pin/egress" \
		map name kf_bench_flows pinned "$pin/maps/kf_bench_flows" \
		map name kf_bench_life pinned "$pin/maps/kf_bench_life" \
		map name kf_bench_lines pinned "$pin/maps/kf_bench_lines" \
		map name kf_bench_peer pinned "$pin/maps/kf_bench_peer" ||
		die "cannot load $FLOOR_OBJ into $pin/egress"
	nsenter --net=$ns tc qdisc add dev ${VETH_S[$p]} clsact ||
		die "cannot add clsact to ${VETH_S[$p]}"
	for dir in ingress egress; do
		prog=$3
		[ $dir = egress ] && prog=$4
		nsenter --net=$ns tc filter add dev ${VETH_S[$p]} $dir prio 1 handle 0x6b66 \
			bpf da object-pinned "$pin/$dir/$prog" ||
			die "cannot attach $prog to ${VETH_S[$p]} $dir"
	done
}
[ -n "$FLOOR" ] && attach_floor floor "$PIN_F" $FLOOR $FLOOR
[ -n "$PEER" ] && attach_floor peer "$PIN_P" floor_peer_in_tc floor_peer_out_tc

# Program ids, as label=id: tc_in, tc_out, and id_NAME for identity's.
tc_ids() {
	nsenter --net=/run/netns/${NS_S[$1]} bpftool -j net show dev ${VETH_S[$1]} |
		python3 "$here/live.py" tc-ids
}
PROGS_kflow="$(tc_ids kflow) $(bpftool -j cgroup show "$CG_K" | python3 "$here/live.py" cg-ids)"
# shellcheck disable=SC2034 # read through ${!v}
[ -n "$KFLOW_B" ] &&
	PROGS_other="$(tc_ids other) $(bpftool -j cgroup show "$CG_O" | python3 "$here/live.py" cg-ids)"
PROGS_empty="$(tc_ids empty) $(bpftool -j cgroup show "$CG_E" | python3 "$here/live.py" cg-ids)"
# shellcheck disable=SC2034 # read through ${!v}
[ -n "$FLOOR" ] && PROGS_floor="$(tc_ids floor)"
# shellcheck disable=SC2034 # read through ${!v}
[ -n "$PEER" ] && PROGS_peer="$(tc_ids peer)"
# shellcheck disable=SC2034 # read through ${!v} in snap()
PROGS_bare=
for p in $PAIRS; do
	[ $p = bare ] && continue
	v=PROGS_$p
	case "${!v}" in
	*tc_in=*tc_out=*) ;;
	*) die "cannot find the $p programs on ${VETH_S[$p]}: '${!v}'" ;;
	esac
	[ $p = floor ] || [ $p = peer ] && continue
	case "${!v}" in
	*id_*) ;;
	*) die "no cgroup program of the $p pair on ${CG[$p]}" ;;
	esac
done

OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled) || die "cannot read kernel.bpf_stats_enabled"
sysctl -qw kernel.bpf_stats_enabled=1 || die "cannot set kernel.bpf_stats_enabled"

RAW=$TMP/raw.jsonl
snap() {
	local v=PROGS_$1 pid=-
	[ -n "${AGENT_PID[$1]}" ] && pid=${AGENT_PID[$1]}
	python3 "$here/live.py" snap ${NS_S[$1]} ${VETH_S[$1]} $pid ${!v}
}

# measure ROUND PAIR LOAD: one load on one pair, between two snapshots.
measure() {
	local r=$1 p=$2 load=$3 out=$TMP/$1-$2-$3.out before after t0 t1
	local ns=${NS_C[$p]} cg=${CG[$p]} ip=${IP_S[$p]}
	before=$(snap $p) || die "cannot read the program statistics"
	t0=$(date +%s%N)
	case $load in
	tcp) (run_in $cg $ns timeout 30 iperf3 -c $ip -p $IPERF_PORT -t $TCP_SECS -J) >"$out" ;;
	udp)
		# shellcheck disable=SC2086
		(run_in $cg $ns timeout 30 iperf3 -c $ip -p $IPERF_PORT -t $UDP_SECS $UDP_ARGS -J) \
			>"$out"
		;;
	short) (run_in $cg $ns timeout 60 python3 "$TRAFFIC" short $ip $SHORT_PORT \
		$SHORT_COUNT) >"$out" 2>&1 ;;
	esac || die "load $load on pair $p failed: $(grep -m1 '"error"' "$out" ||
		tail -c 300 "$out")"
	t1=$(date +%s%N)
	after=$(snap $p) || die "cannot read the program statistics"
	printf '{"round": %d, "pair": "%s", "load": "%s", "ns": %d, "out": "%s", ' \
		$r $p $load $((t1 - t0)) "$out" >>"$RAW"
	printf '"before": %s, "after": %s}\n' "$before" "$after" >>"$RAW"
}

{
	echo "kernel $(uname -r), $(nproc) CPUs, kflow $(git -C "$top" describe --always --dirty 2>/dev/null)"
	echo "offloads of ${VETH_S[kflow]} (kernel defaults): $(nsenter \
		--net=/run/netns/${NS_S[kflow]} ethtool -k ${VETH_S[kflow]} 2>/dev/null | awk '
		/^(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload|tx-checksumming|rx-checksumming):/ {
			printf "%s%s %s", sep, $1, $2; sep = ", " }')"
	echo "kflow programs: $PROGS_kflow; empty: $PROGS_empty"
	echo "cgroups: kflow pair $CG_K (kflow --cgroup-root), empty pair $CG_E, bare pair $CG_B"
	[ -n "$KFLOW_B" ] && echo "other: $KFLOW_B, programs $PROGS_other, cgroup $CG_O"
} >"$TMP/info"

order1=$PAIRS
order2=$(echo $PAIRS | tr ' ' '\n' | tac | tr '\n' ' ')
for r in $(seq $ROUNDS); do
	order=$order1
	[ $((r % 2)) = 0 ] && order=$order2
	echo "live.sh: round $r of $ROUNDS ($order)" >&2
	for load in $LOADS; do
		for p in $order; do
			# The bare pair only gives the throughput baseline.
			[ $p = bare ] && [ $load != tcp ] && continue
			measure $r $p $load
		done
	done
done

# Throughput as users run it: kernel.bpf_stats_enabled off (with it, every
# program run reads the clock twice), and more, shorter rounds than the
# cost figures take: on this guest one iperf3 run on the bare pair moves by
# 5-10 % from the next, more than the 3 % the target leaves.
TPUT=$TMP/tput.jsonl
if [ "$TPUT_ROUNDS" -gt 0 ] && [[ " $LOADS " == *" tcp "* ]]; then
	sysctl -qw kernel.bpf_stats_enabled=0 || die "cannot clear kernel.bpf_stats_enabled"
	tp_pairs="kflow empty bare"
	[ -n "$KFLOW_B" ] && tp_pairs="kflow other empty bare"
	tp_rev=$(echo $tp_pairs | tr ' ' '\n' | tac | tr '\n' ' ')
	echo "live.sh: throughput, $TPUT_ROUNDS rounds of $TPUT_SECS s, statistics off" >&2
	for r in $(seq $TPUT_ROUNDS); do
		order=$tp_pairs
		[ $((r % 2)) = 0 ] && order=$tp_rev
		for p in $order; do
			out=$TMP/tput-$r-$p.out
			(run_in ${CG[$p]} ${NS_C[$p]} timeout 30 iperf3 -c ${IP_S[$p]} -p $IPERF_PORT \
				-t $TPUT_SECS -O 1 -J) >"$out" ||
				die "throughput round $r on pair $p failed: $(tail -c 300 "$out")"
			printf '{"round": %d, "pair": "%s", "out": "%s"}\n' $r $p "$out" >>"$TPUT"
		done
	done
	sysctl -qw kernel.bpf_stats_enabled=1 || die "cannot set kernel.bpf_stats_enabled"
fi
TPUT_ARGS=()
[ -s "$TPUT" ] && TPUT_ARGS=(--tput "$TPUT")

python3 "$here/live.py" report "$RAW" "$TMP/info" --tcp-secs $TCP_SECS \
	--udp-secs $UDP_SECS --short-count $SHORT_COUNT --identity-root "$CG_K" \
	"${TPUT_ARGS[@]}" || die "cannot compute the report"
if [ -n "$KFLOW_B" ]; then
	echo
	echo "KFLOW_B=$KFLOW_B, in the same rounds:"
	python3 "$here/live.py" report "$RAW" "$TMP/info" --tcp-secs $TCP_SECS \
		--udp-secs $UDP_SECS --short-count $SHORT_COUNT --identity-root "$CG_O" \
		--pair other "${TPUT_ARGS[@]}" 2>/dev/null || die "cannot compute the report of $KFLOW_B"
	python3 "$here/live.py" compare "$RAW" kflow other || die "cannot compare the builds"
fi
if [ -n "$FLOOR" ]; then
	echo
	echo "floor pair: $FLOOR (bpf/bench_floor.bpf.c; KF_LIVE_FLOOR) in the same rounds:"
	python3 "$here/live.py" compare "$RAW" empty floor || die "cannot compare the floor"
	python3 "$here/live.py" compare "$RAW" floor kflow || die "cannot compare the floor"
fi
if [ -n "$PEER" ]; then
	echo
	echo "peer pair: a model of the usual TC flow agent (floor_peer_in_tc / _out_tc,"
	echo "bpf/bench_floor.bpf.c; KF_LIVE_PEER=0 leaves it out) in the same rounds:"
	python3 "$here/live.py" compare "$RAW" empty peer || die "cannot compare the peer model"
	[ -n "$FLOOR" ] && { python3 "$here/live.py" ratio "$RAW" peer floor 0.8 ||
		die "cannot compare with the peer model"; }
	python3 "$here/live.py" ratio "$RAW" peer kflow 0.8 || die "cannot compare with the peer model"
fi
echo
cat "$TMP/memory"
exit 0
