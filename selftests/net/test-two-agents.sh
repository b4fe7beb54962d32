#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-two-agents.sh - a second agent on another pin path never takes over
# the hooks of a running one (it replaced them silently, and the first
# went on counting nothing); an agent on the same pins as a killed one
# replaces what that one left.
source "$(dirname "$0")/lib.sh"

PIN_B=$PIN-b
trap 'in_s "$KFLOW" cleanup --pin-path $PIN_B >/dev/null 2>&1; kf_teardown' EXIT
kf_setup

filter_id() { in_s tc filter show dev $VETH_S "$1" | grep -o ' id [0-9]*' | head -1; }
icmp_packets() {
	python3 -c 'import json, sys
print(sum(r["packet_tx"] + r["packet_rx"] for r in map(json.loads, open(sys.argv[1])) if r["protocol"] == 1))' "$1"
}
# second_agent NAME ARGS...: an agent on $PIN_B must refuse with one line.
second_agent() {
	local name=$1
	shift
	in_s timeout 20 "$KFLOW" run --iface $VETH_S --pin-path $PIN_B --no-identity \
		--output jsonl:"$TMP/$name.jsonl" "$@" 2>"$TMP/$name.log" &&
		kf_fail "a second agent on $VETH_S started: $(cat "$TMP/$name.log")"
	[ "$(grep -c 'error:' "$TMP/$name.log")" = 1 ] ||
		kf_fail "second agent: want one error line, got: $(cat "$TMP/$name.log")"
	grep -q "program of another kflow agent.*if none is left, '\(tc filter del\|ip link set\)" \
		"$TMP/$name.log" || kf_fail "second agent's error does not say why: $(cat "$TMP/$name.log")"
}

for mode in tc xdp; do
	args=(--no-identity --interval 2)
	[ $mode = xdp ] && args+=(--xdp-force)
	kf_start_agent a-$mode "${args[@]}"
	in_before=$(filter_id ingress)
	out_before=$(filter_id egress)
	xdp_before=$(ip -n $NS_S -d link show dev $VETH_S | grep -o 'prog/xdp id [0-9]*')
	second_agent b-$mode "${args[@]}"
	# The other mode too: refused before it attached anything.
	if [ $mode = xdp ]; then
		second_agent b-other-$mode --interval 2
	else
		second_agent b-other-$mode --interval 2 --xdp-force
	fi
	[ "$(filter_id ingress) $(filter_id egress)" = "$in_before $out_before" ] ||
		kf_fail "$mode: the second agent changed the first one's TC filters"
	[ "$(ip -n $NS_S -d link show dev $VETH_S | grep -o 'prog/xdp id [0-9]*')" = "$xdp_before" ] ||
		kf_fail "$mode: the second agent changed the first one's XDP program"
	kf_has_clsact || kf_fail "$mode: the second agent removed the first one's qdisc"
	in_c ping -q -c 5 -i 0.2 $IP4_S >/dev/null || kf_fail "ping"
	kf_stop_agent INT
	got=$(icmp_packets "$TMP/a-$mode.jsonl")
	[ "$got" = 10 ] || kf_fail "$mode: the first agent counted $got ICMP packets, want 10"
	kf_has_filters && kf_fail "$mode: filters left after the first agent stopped"
done

# A killed agent's hooks belong to its pins: a new agent on them replaces
# them; one on another pin path does not.
kf_start_agent killed --no-identity --interval 2
kill -KILL $AGENT_PID
wait $AGENT_PID 2>/dev/null
kf_has_filters || kf_fail "the killed agent left no filter to replace"
second_agent b-stale --interval 2
# The way out the error gives, where no agent is left, removes exactly that.
undo=$(grep -o "if none is left, '[^']*'" "$TMP/b-stale.log" | head -1 | cut -d"'" -f2)
in_s $undo || kf_fail "the error's way out '$undo' failed"
[ -z "$(filter_id ingress)" ] || kf_fail "'$undo' left the ingress filter"
[ -n "$(filter_id egress)" ] || kf_fail "'$undo' removed the egress filter too"
kf_start_agent again --no-identity --interval 2
in_c ping -q -c 5 -i 0.2 $IP4_S >/dev/null || kf_fail "ping"
kf_stop_agent INT
got=$(icmp_packets "$TMP/again.jsonl")
[ "$got" = 10 ] || kf_fail "the agent on the killed one's pins counted $got ICMP packets, want 10"
kf_has_filters && kf_fail "filters left after the last agent stopped"
echo ok
