#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-signals.sh - SIGINT, SIGTERM and SIGHUP end a run cleanly at any
# time, also while the agent is still starting (they killed it half made,
# its pins and hooks left behind); what an agent killed with SIGKILL while
# it started left, `kflow cleanup` removes.
source "$(dirname "$0")/lib.sh"

kf_setup

nothing_left() {
	[ -e "$PIN" ] && kf_fail "$1: $PIN left: $(ls "$PIN")"
	kf_has_filters && kf_fail "$1: TC filters left"
	kf_has_clsact && kf_fail "$1: the clsact qdisc left"
	return 0
}
start_agent() {
	$NSE_S "$KFLOW" run --iface $VETH_S --pin-path $PIN --output jsonl:"$TMP/$1.jsonl" \
		--cgroup-root "$CG_ROOT" --interval 60 2>"$TMP/$1.log" &
	AGENT_PID=$!
	KF_PIDS+=($AGENT_PID)
}

# While it starts (loading takes about a second here), and once it runs.
# Started from this script in the background, the agent inherits SIGINT
# ignored, as any background job of a shell script does.
for sig in TERM INT HUP; do
	# Not sooner: a signal before kf_run() blocks them finds the default
	# action (tens of milliseconds after exec, more on a loaded runner).
	for delay in 0.2 0.5 0.8; do
		start_agent $sig-$delay
		sleep $delay
		kill -$sig $AGENT_PID
		wait $AGENT_PID
		rc=$?
		[ $rc = 0 ] || kf_fail "SIG$sig after $delay s: exit $rc: $(cat "$TMP/$sig-$delay.log")"
		grep -q "final drain" "$TMP/$sig-$delay.log" ||
			kf_fail "SIG$sig after $delay s: no final drain: $(cat "$TMP/$sig-$delay.log")"
		nothing_left "SIG$sig after $delay s"
	done
	kf_start_agent $sig-running --interval 60
	kf_stop_agent $sig
	nothing_left "SIG$sig while running"
done

# Under nohup (SIGHUP ignored when it starts) a hangup is not a stop.
$NSE_S nohup "$KFLOW" run --iface $VETH_S --pin-path $PIN --output jsonl:"$TMP/nohup.jsonl" \
	--cgroup-root "$CG_ROOT" --interval 60 2>"$TMP/nohup.log" >/dev/null &
AGENT_PID=$!
KF_PIDS+=($AGENT_PID)
kf_wait_for "$TMP/nohup.log" "running:"
kill -HUP $AGENT_PID
sleep 1
kill -0 $AGENT_PID 2>/dev/null || kf_fail "nohup: SIGHUP stopped the agent: $(cat "$TMP/nohup.log")"
kf_stop_agent TERM
nothing_left "nohup, then SIGTERM"

# SIGKILL while starting: whatever it had made, cleanup removes; early
# ones leave some of the maps libbpf pins one by one, before kf_info. Only
# a directory left empty (killed before the first pin) is refused, as any
# empty directory is.
for delay in 0.02 0.04 0.06 0.1 0.2 0.5 0.8 1.1; do
	start_agent kill-$delay
	sleep $delay
	kill -KILL $AGENT_PID
	wait $AGENT_PID 2>/dev/null
	if ! in_s "$KFLOW" cleanup --pin-path $PIN 2>"$TMP/cleanup-$delay.log"; then
		[ -d "$PIN" ] && [ -z "$(ls -A "$PIN")" ] ||
			kf_fail "cleanup after SIGKILL at $delay s: $(cat "$TMP/cleanup-$delay.log")"
		rmdir "$PIN"
	fi
	nothing_left "cleanup after SIGKILL at $delay s"
done
echo ok
