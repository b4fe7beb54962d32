#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-persist.sh - a --persist restart in the middle of a transfer: the
# first agent stops (programs stay attached, maps pinned, counting goes on
# with no agent), a second one adopts the pinned state. Over both agents'
# records nothing is lost or counted twice, the flow keeps its flow_id and
# gets is_new_flow once, and the second agent (no --persist) removes all.
source "$(dirname "$0")/lib.sh"

kf_setup
kf_start_server
kf_start_capture
kf_start_agent first --interval 2 --persist --timeout closed_fin=1
$NSE_C python3 "$NETDIR/traffic.py" bulk $IP4_S $PORT 2000000 6 &
bulk=$!
KF_PIDS+=($bulk)
sleep 2.5
kf_stop_agent TERM
grep -q "persisting" "$TMP/first.log" || kf_fail "first agent did not say it persists"
[ -e "$PIN/kf_flows_a" ] || kf_fail "--persist: maps not pinned after exit"
[ -e "$PIN/kf_tc_ingress" ] || kf_fail "--persist: programs not pinned after exit"
kf_has_filters || kf_fail "--persist: TC filters removed at exit"
sleep 1.5 # counted by the persisted programs, no agent running

kf_start_agent second --interval 2 --timeout closed_fin=1
grep -q "adopting pinned state" "$TMP/second.log" || kf_fail "second agent did not adopt"
wait $bulk || kf_fail "bulk transfer"
sleep 4
kf_stop_capture
kf_stop_agent INT
[ -e "$PIN" ] && kf_fail "pins left after a run without --persist"
kf_has_filters && kf_fail "TC filters left after a run without --persist"
kf_has_clsact && kf_fail "clsact qdisc left after a run without --persist"
[ -s "$TMP/first.jsonl" ] || kf_fail "first agent wrote no record"
[ -s "$TMP/second.jsonl" ] || kf_fail "second agent wrote no record"
kf_check "$TMP/first.jsonl" "$TMP/second.jsonl" --intervals --expect-close 6=1
echo "ok: restart lost and double-counted nothing"
