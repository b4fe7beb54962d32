#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-stream-ring.sh - a tiny kernel ring (--ring-size 4096) under a burst
# of new flows: the agent is stopped (SIGSTOP) while 2000 UDP flows start,
# so the ring fills for sure; the reserve failures are counted, logged and
# told to the subscriber as a kernel `lost` line, and the flow_start events
# it got plus the lost flow_start count equal the number of flows.
# Bad ring sizes are refused at start. A flow map too small for the traffic
# (--max-flows 12, kf_l4 has room for 24): 20 connections at once, the flows
# that overflow still get their flow_start. A --persist agent's ring of
# another size is replaced by the adopting agent's (it holds nothing the
# next agent needs), one of the same size is reused.
source "$(dirname "$0")/lib.sh"

SOCK=$TMP/run/kflow.sock
FLOWS=2000
kf_setup
for bad in 5000 1024 abc; do
	in_s "$KFLOW" run --iface $VETH_S --pin-path $PIN --stream "$SOCK" --ring-size $bad \
		2>"$TMP/bad.log" && kf_fail "--ring-size $bad was accepted"
	grep -q "ring-size" "$TMP/bad.log" || kf_fail "--ring-size $bad: no message naming it"
done
in_s "$KFLOW" run --iface $VETH_S --pin-path $PIN --ring-size 8192 2>"$TMP/bad.log" &&
	kf_fail "--ring-size without --stream was accepted"

kf_start_agent rec --interval 1 --stream "$SOCK" --ring-size 4096 --no-identity
bpftool map show | grep -A1 "name kf_events" | grep -q "max_entries 4096" ||
	kf_fail "kf_events is not 4096 bytes: $(bpftool map show | grep -A1 kf_events)"
"$KFLOW" stream --socket "$SOCK" --events flow_start >"$TMP/sub.jsonl" 2>"$TMP/sub.log" &
SUB=$!
KF_PIDS+=($SUB)
kf_wait_for "$TMP/rec.log" "uid 0 connected"
sleep 0.3
kill -STOP $AGENT_PID
in_c $PY "$NETDIR/traffic.py" udp-ports $IP4_S 20000 $FLOWS || { kill -CONT $AGENT_PID; kf_fail "udp burst"; }
kill -CONT $AGENT_PID
sleep 3 # the losses are read and told once a second
kf_stop_agent INT
sleep 0.3
python3 "$NETDIR/streamcheck.py" ring "$TMP/sub.jsonl" $IP4_S $FLOWS || kf_fail "ring losses"
grep -q "stream: kf_events was full: [0-9]* events lost (flow_start [1-9]" "$TMP/rec.log" ||
	kf_fail "the kernel losses are not logged"
kill $SUB

kf_start_server
kf_start_agent small --interval 1 --stream "$SOCK" --max-flows 12 --no-identity
"$KFLOW" stream --socket "$SOCK" --events flow_start >"$TMP/small-ev.jsonl" 2>"$TMP/small-sub.log" &
KF_PIDS+=($!)
kf_wait_for "$TMP/small.log" "uid 0 connected"
sleep 0.3
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 20 --parallel || kf_fail "short connections"
sleep 2
kf_stop_agent INT
sleep 0.3
python3 - "$TMP/small-ev.jsonl" $PORT <<'PY' || kf_fail "overflowed flows' flow_start"
import json, sys
port = int(sys.argv[2])
starts = {(o["client_port"], o["server_port"]) for o in map(json.loads, open(sys.argv[1]))
          if o.get("event") == "flow_start" and o.get("protocol") == 6 and o.get("server_port") == port}
assert len(starts) == 20, "%d connections with a flow_start, want 20" % len(starts)
print("overflow: 20 connections through a 12-flow map, 20 flow_start")
PY
grep -q '"overflow":1' "$TMP/small.jsonl" || kf_fail "the flow map did not overflow (no overflow record)"

kf_start_agent p1 --interval 1 --stream "$SOCK" --ring-size 8192 --persist --no-identity
kf_stop_agent INT
kf_start_agent p2 --interval 1 --stream "$SOCK" --ring-size 8192 --persist --no-identity
grep -q "adopting pinned state" "$TMP/p2.log" || kf_fail "the persisted state was not adopted"
grep -q "replacing pinned ring buffer" "$TMP/p2.log" && kf_fail "a ring of the same size was replaced"
kf_stop_agent INT
kf_start_agent p3 --interval 1 --stream "$SOCK" --ring-size 16384 --no-identity
grep -q "replacing pinned ring buffer $PIN/kf_events (8192 bytes, now 16384)" "$TMP/p3.log" ||
	kf_fail "the ring of another size was not replaced: $(cat "$TMP/p3.log")"
bpftool map show | grep -A1 "name kf_events" | grep -q "max_entries 16384" ||
	kf_fail "kf_events is not 16384 bytes after the restart"
kf_stop_agent INT
[ -e "$PIN" ] && kf_fail "the last agent (no --persist) left $PIN"
echo "ok"
