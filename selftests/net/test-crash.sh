#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-crash.sh - an agent killed at any instant loses nothing. Under UDP
# flows and a TCP transfer, --persist agents on the same pins are killed
# with SIGKILL at each step of an interval's end (KFLOW_CRASH_AT: with the
# interval pending, its map read, its records written, kf_life stored,
# committed) and at random instants, and restarted each time. Afterwards
# every jsonl line parses, records written twice are identical, and with
# duplicates dropped by (flow_id, start_time) the records equal the
# capture per flow, with is_new_flow once and running totals exact.
source "$(dirname "$0")/lib.sh"

kf_setup
kf_start_server
kf_start_capture
AGENT_ARGS=(--interval 1 --persist --timeout closed_fin=1 --timeout udp=3)

# A traffic mix that runs through every crash: a TCP transfer and a new
# UDP flow every 50 ms, started once the first agent counts.
start_traffic() {
	$NSE_C python3 "$NETDIR/traffic.py" bulk $IP4_S $PORT 6000000 14 &
	BULK=$!
	KF_PIDS+=($BULK)
	(for _ in $(seq 240); do
		$NSE_C python3 "$NETDIR/traffic.py" udp $IP4_S $PORT 3 >/dev/null 2>&1
		sleep 0.05
	done) &
	UDP=$!
	KF_PIDS+=($UDP)
}

run=0
for step in pending drained recorded life committed random random random; do
	run=$((run + 1))
	if [ $step = random ]; then
		kf_start_agent rec "${AGENT_ARGS[@]}"
		sleep 0.$((RANDOM % 10))$((RANDOM % 10))
		sleep $((RANDOM % 2))
		kill -KILL $AGENT_PID
	else
		KFLOW_CRASH_AT=$step:2 kf_start_agent rec "${AGENT_ARGS[@]}"
	fi
	[ $run = 1 ] && start_traffic
	for _ in $(seq 60); do
		kill -0 $AGENT_PID 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 $AGENT_PID 2>/dev/null; then
		kill -KILL $AGENT_PID
		kf_fail "the agent of run $run is alive 6 s after KFLOW_CRASH_AT=$step:2"
	fi
	wait $AGENT_PID 2>/dev/null
	echo "run $run: killed ($step)"
	[ $step = random ] || grep -q "KFLOW_CRASH_AT=$step:2: killing myself" "$TMP/rec.log" ||
		kf_fail "the agent of run $run did not die at step $step: $(tail -3 "$TMP/rec.log")"
	cp "$TMP/rec.log" "$TMP/rec.$run.log"
	sleep 0.$((RANDOM % 10))
done
grep -h "finishing the interval a killed agent left" "$TMP"/rec.*.log | head -3
wait $BULK || kf_fail "bulk transfer"
wait $UDP
# The last agent ends the run (no --persist): everything recorded, all removed.
kf_start_agent rec --interval 1 --timeout closed_fin=1 --timeout udp=3
sleep 5
kf_stop_capture
kf_stop_agent INT
[ -e "$PIN" ] && kf_fail "pins left after the last agent"
grep -h "finishing the interval a killed agent left" "$TMP"/rec.*.log "$TMP/rec.log" |
	grep -c pending | grep -qv '^0$' || kf_fail "no restart finished a pending interval"

python3 - "$TMP/rec.jsonl" "$TMP/dedup.jsonl" <<'PY' || kf_fail "records around the crashes"
import json, sys
seen, out, dups = {}, [], 0
for n, line in enumerate(open(sys.argv[1]), 1):
    r = json.loads(line)  # every line parses: no partial line survives a kill
    if r.get("overflow"):
        out.append(line)
        continue
    k = (r["flow_id"], r["start_time"])
    if k in seen:
        a = seen[k]
        diff = [f for f in r if f.startswith(("byte_", "packet_", "total_", "l3_", "l4_"))
                or f in ("end_time", "is_new_flow", "close_type", "ip_0", "ip_1",
                         "client_port", "server_port", "protocol")
                if a.get(f) != r[f]]
        assert not diff, "line %d repeats flow %d at %d with other %s" % (n, k[0], k[1], diff)
        dups += 1
        continue
    seen[k] = r
    out.append(line)
open(sys.argv[2], "w").writelines(out)
print("%d records, %d written twice around a crash" % (len(out), dups))
PY
kf_check "$TMP/dedup.jsonl" --intervals
echo "ok: $run kills lost and double-counted nothing"
