#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# lib.sh - shared set-up for kflow's network tests: two namespaces joined by
# a veth pair with offloads off, static neighbours, v4 and v6 addresses; the
# agent runs in the server namespace; tcpdump captures the same interface.
# Everything a test makes is removed by kf_teardown (run from an EXIT trap).

KFLOW=${KFLOW:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/kflow}
NETDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The interpreter itself, not a wrapper (pyenv shims fork): tests compare
# the pid and command of processes they start.
PY=$(python3 -c 'import os, sys; print(os.path.realpath(sys.executable))')
# Short: interface names (prefix + suffix) must fit in 15 characters.
SUFFIX=$(printf '%05d%d' $RANDOM $((RANDOM % 10)))
NS_C=kfc$SUFFIX
NS_S=kfs$SUFFIX
VETH_C=kfvc$SUFFIX
VETH_S=kfvs$SUFFIX
IP4_C=10.199.0.1
IP4_S=10.199.0.2
IP6_C=fd00:199::1
IP6_S=fd00:199::2
SUBNETS="--subnet 10.199.0.0/24 --subnet fd00:199::/64"
PORT=8099
PIN=/sys/fs/bpf/kflow-test-$SUFFIX
# The identity hooks observe sockets below this test cgroup only.
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
CG_ROOT=$CG2/kflow-test-$SUFFIX
TMP=$(mktemp -d /tmp/kflow-test.XXXXXX)
KF_PIDS=()
KF_NETNS=() # more namespaces a test made

kf_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

in_c() { nsenter --net=/run/netns/$NS_C "$@"; }
in_s() { nsenter --net=/run/netns/$NS_S "$@"; }
# Background processes are started with nsenter itself (not through the
# functions above), so that $! is the process and teardown can kill it.
NSE_C="nsenter --net=/run/netns/$NS_C"
NSE_S="nsenter --net=/run/netns/$NS_S"

kf_setup() {
	[ -n "$CG2" ] || kf_fail "no cgroup v2 mount (identity needs one)"
	mkdir "$CG_ROOT" || kf_fail "cannot create test cgroup $CG_ROOT"
	ip netns add $NS_C || kf_fail "cannot create netns"
	ip netns add $NS_S || kf_fail "cannot create netns"
	ip link add $VETH_C netns $NS_C type veth peer name $VETH_S netns $NS_S ||
		kf_fail "cannot create veth pair"
	for side in C S; do
		local ns=NS_$side veth=VETH_$side ip4=IP4_$side ip6=IP6_$side
		ip -n ${!ns} link set lo up
		ip netns exec ${!ns} sysctl -qw net.ipv6.conf.all.accept_ra=0 \
			net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.all.disable_ipv6=0
		ip -n ${!ns} addr add ${!ip4}/24 dev ${!veth}
		if [ -n "$KF_NO_IPV6" ]; then
			# No IPv6 at all: no MLD reports of the kernel's own timing.
			ip netns exec ${!ns} sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		else
			ip -n ${!ns} addr add ${!ip6}/64 dev ${!veth} nodad
		fi
		ip netns exec ${!ns} ethtool -K ${!veth} tso off gso off gro off tx off rx off \
			>/dev/null 2>&1 || kf_fail "ethtool cannot turn offloads off on ${!veth}"
		ip -n ${!ns} link set ${!veth} up
	done
	local mac_c mac_s
	mac_c=$(ip -n $NS_C -br link show $VETH_C | awk '{print $3}')
	mac_s=$(ip -n $NS_S -br link show $VETH_S | awk '{print $3}')
	ip -n $NS_C neigh replace $IP4_S lladdr $mac_s dev $VETH_C nud permanent
	ip -n $NS_S neigh replace $IP4_C lladdr $mac_c dev $VETH_S nud permanent
	if [ -z "$KF_NO_IPV6" ]; then
		ip -n $NS_C neigh replace $IP6_S lladdr $mac_s dev $VETH_C nud permanent
		ip -n $NS_S neigh replace $IP6_C lladdr $mac_c dev $VETH_S nud permanent
	fi
}

# Waits up to 10 s for a line matching $2 in file $1.
# kf_in_cg CGROUP NS CMD...: CMD as a process of $CG_ROOT/CGROUP in network
# namespace NS (run it in the background or a subshell: it execs).
kf_in_cg() {
	local cg=$1 ns=$2
	shift 2
	exec sh -c 'ns=$1; shift; echo $$ > "$0/cgroup.procs" && exec nsenter --net=/run/netns/$ns "$@"' \
		"$CG_ROOT/$cg" "$ns" "$@"
}

kf_wait_for() {
	for _ in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	kf_fail "timed out waiting for '$2' in $1: $(tail -3 "$1" 2>/dev/null)"
}

kf_start_server() {
	$NSE_S python3 "$NETDIR/traffic.py" serve $PORT >"$TMP/server.log" 2>&1 &
	KF_PIDS+=($!)
	kf_wait_for "$TMP/server.log" ready
}

# kf_steer_rx CPU: what arrives at $VETH_S is received on CPU only (RPS),
# so that the capture and kflow see it in one order. Without it, a sender
# that transmits from two CPUs (its process and the softirq of the ACKs)
# has its segments received on both at once; the capture's tap runs before
# TC ingress on each, so two segments can reach the capture in one order
# and kflow in the other, and whether one is out-of-order is not decided by
# the capture (CI once saw the capture count 11 out-of-order segments where
# kflow counted 10).
kf_steer_rx() {
	ip netns exec $NS_S sh -c "printf %x $((1 << $1)) > /sys/class/net/$VETH_S/queues/rx-0/rps_cpus" ||
		kf_fail "cannot steer what $VETH_S receives to CPU $1 (RPS)"
}

# Immediate mode (a wakeup per packet) unless KF_CAP_BUFFERED is set: the
# wakeups delay the packet on its way from the capture tap to the TC hook,
# which the handshake RTT comparison cannot absorb on a 100 us veth path.
kf_start_capture() {
	local mode=--immediate-mode
	[ -n "$KF_CAP_BUFFERED" ] && mode=
	$NSE_S tcpdump $mode -i $VETH_S -s 200 -U -w "$TMP/cap.pcap" >"$TMP/tcpdump.log" 2>&1 &
	CAP_PID=$!
	KF_PIDS+=($CAP_PID)
	kf_wait_for "$TMP/tcpdump.log" "listening on"
}

kf_stop_capture() {
	# Buffered capture hands packets over when a block times out (1 s).
	[ -n "$KF_CAP_BUFFERED" ] && sleep 1.5
	sleep 0.5
	kill -INT $CAP_PID 2>/dev/null
	wait $CAP_PID 2>/dev/null
}

# kf_start_agent NAME ARGS...: kflow run in the server namespace, records to
# $TMP/NAME.jsonl, log to $TMP/NAME.log; waits until it counts.
kf_start_agent() {
	local name=$1
	shift
	$NSE_S "$KFLOW" run --iface $VETH_S --pin-path $PIN --output jsonl:"$TMP/$name.jsonl" \
		--cgroup-root "$CG_ROOT" "$@" 2>"$TMP/$name.log" &
	AGENT_PID=$!
	KF_PIDS+=($AGENT_PID)
	kf_wait_for "$TMP/$name.log" "running:"
}

# kf_stop_agent [SIGNAL]: the agent must exit 0 after its final drain.
kf_stop_agent() {
	local rc
	kill -${1:-INT} $AGENT_PID
	wait $AGENT_PID
	rc=$?
	[ $rc -eq 0 ] || kf_fail "kflow exited $rc: $(tail -5 "$TMP"/*.log)"
}

kf_has_filters() {
	in_s tc filter show dev $VETH_S ingress | grep -q . ||
		in_s tc filter show dev $VETH_S egress | grep -q .
}

kf_has_clsact() {
	in_s tc qdisc show dev $VETH_S | grep -q clsact
}

kf_has_xdp() {
	ip -n $NS_S link show dev $VETH_S | grep -q xdp
}

kf_teardown() {
	local p
	for p in "${KF_PIDS[@]}"; do
		# Only a child of this shell: a pid the test already waited for
		# may since belong to some other process of the machine.
		[ "$(ps -o ppid= -p $p 2>/dev/null | tr -d ' ')" = "$$" ] || continue
		kill -KILL $p 2>/dev/null
		wait $p 2>/dev/null
	done
	if [ -d "$PIN" ]; then
		in_s "$KFLOW" cleanup --pin-path $PIN >/dev/null 2>&1 || rm -rf "$PIN"
	fi
	for p in $NS_C $NS_S "${KF_NETNS[@]}"; do
		ip netns del $p 2>/dev/null
	done
	kf_cgroup_remove "$CG_ROOT"
	if [ -n "$KF_KEEP_TMP" ]; then
		echo "kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}
# Removes a cgroup tree, deepest first, once its processes are gone.
kf_cgroup_remove() {
	[ -d "$1" ] || return 0
	local d
	find "$1" -depth -type d | while read -r d; do
		for _ in 1 2 3 4 5; do
			rmdir "$d" 2>/dev/null && break
			cat "$d/cgroup.procs" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
			sleep 0.2
		done
	done
}
trap kf_teardown EXIT

kf_check() {
	python3 "$NETDIR/flowcheck.py" "$TMP/cap.pcap" "$@" $SUBNETS --server-port $PORT ||
		kf_fail "records differ from the capture (see MISMATCH lines)"
}
