#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-stream.sh - kflow run --stream with many short connections, a long
# transfer and UDP exchanges.
# Run 1 (8 MiB subscriber buffers, so that readers keep up with an
# interval's burst of records on this shared machine):
#  - kflow stream, no filter: exactly one flow_start and one flow_end per
#    connection, flow_end objects equal to the jsonl's last records, record
#    events equal to the jsonl records, nothing lost;
#  - kflow stream --filter port=P,protocol=udp: exactly the matching events;
#  - afterwards kflow stream --last 5 --no-follow --events flow_end
#    --filter protocol=tcp,port=P replays the five most recent TCP flow ends.
# Run 2 (the default 256 KiB buffers): a subscriber that reads nothing for
# a while beside one that reads (both flow_start and tcp_state): the reader
# loses nothing, the jsonl records stay exact (one last record per
# connection), and once the stalled one reads it gets lost lines whose
# counts make up what it missed.
source "$(dirname "$0")/lib.sh"

SOCK=$TMP/run/kflow.sock
kf_setup
kf_start_server

traffic() {
	in_c $PY "$NETDIR/traffic.py" bulk $IP4_S $PORT 20000000 3 &
	local bulk=$!
	in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 300 || kf_fail "short connections"
	in_c $PY "$NETDIR/traffic.py" short $IP6_S $PORT 50 || kf_fail "short connections (v6)"
	in_c $PY "$NETDIR/traffic.py" udp $IP4_S $PORT 20 || kf_fail "udp"
	wait $bulk || kf_fail "bulk transfer"
}

# Run 1
kf_start_agent rec --interval 1 --timeout closed_fin=1 --stream "$SOCK" --stream-buffer 8388608
[ -S "$SOCK" ] || kf_fail "no socket at $SOCK"
[ "$(stat -c %a "$SOCK")" = 660 ] || kf_fail "socket mode $(stat -c %a "$SOCK"), want 660"
[ "$(stat -c %a "$TMP/run")" = 750 ] || kf_fail "directory mode $(stat -c %a "$TMP/run"), want 750"
bpftool map show | grep -q "ringbuf.*name kf_events" || kf_fail "bpftool map show lists no kf_events"

"$KFLOW" stream --socket "$SOCK" >"$TMP/all.jsonl" 2>"$TMP/all.log" &
KF_PIDS+=($!)
"$KFLOW" stream --socket "$SOCK" --filter port=$PORT,protocol=udp >"$TMP/udp.jsonl" 2>"$TMP/udp.log" &
KF_PIDS+=($!)
for _ in $(seq 50); do
	[ "$(grep -c "uid 0 connected" "$TMP/rec.log")" = 2 ] && break
	sleep 0.1
done
[ "$(grep -c "uid 0 connected" "$TMP/rec.log")" = 2 ] || kf_fail "not two subscribers: $(cat "$TMP/rec.log")"
sleep 0.3
traffic
sleep 4 # flows end (closed_fin 1 s) and are reported

# TCP only: the UDP flow may still end (its 5 s timeout) after this.
"$KFLOW" stream --socket "$SOCK" --last 5 --no-follow --events flow_end \
	--filter protocol=tcp,port=$PORT >"$TMP/last.jsonl" ||
	kf_fail "kflow stream --last 5 --no-follow failed"
kf_stop_agent INT
sleep 0.5
python3 "$NETDIR/streamcheck.py" all "$TMP/rec.jsonl" "$TMP/all.jsonl" $PORT 351 ||
	kf_fail "unfiltered subscriber"
python3 "$NETDIR/streamcheck.py" filtered "$TMP/all.jsonl" "$TMP/udp.jsonl" $PORT 17 ||
	kf_fail "filtered subscriber"
python3 "$NETDIR/streamcheck.py" last "$TMP/all.jsonl" "$TMP/last.jsonl" 5 flow_end $PORT ||
	kf_fail "last replay"
grep -q "kflow stream: the agent at $SOCK went away; reconnecting" "$TMP/all.log" ||
	kf_fail "the client did not notice the agent going away"
[ ! -e "$SOCK" ] || kf_fail "the socket is left behind"

# Run 2
kf_start_agent rec2 --interval 1 --timeout closed_fin=1 --stream "$SOCK"
"$KFLOW" stream --socket "$SOCK" --events flow_start,tcp_state >"$TMP/reader.jsonl" 2>"$TMP/reader.log" &
KF_PIDS+=($!)
# Reads nothing for 8 s, with a small socket buffer: its 256 KiB in the agent fill.
$PY "$NETDIR/streamsub.py" "$SOCK" "$TMP/stall.jsonl" --send '{"events":["flow_start","tcp_state"]}\n' \
	--stall 8 --rcvbuf 4096 >"$TMP/stall.out" &
KF_PIDS+=($!)
kf_wait_for "$TMP/stall.out" connected
for _ in $(seq 50); do
	[ "$(grep -c "uid 0 connected" "$TMP/rec2.log")" = 2 ] && break
	sleep 0.1
done
sleep 0.3
traffic
sleep 7 # the stalled subscriber reads again, and is told once a second
kf_stop_agent INT
sleep 0.5
python3 "$NETDIR/streamcheck.py" stalled "$TMP/reader.jsonl" "$TMP/stall.jsonl" ||
	kf_fail "stalled subscriber"
grep -q '"event":"lost"' "$TMP/reader.jsonl" && kf_fail "the reading subscriber lost events"
python3 - "$TMP/rec2.jsonl" $PORT <<'PY' || kf_fail "records beside the stalled subscriber"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
port = int(sys.argv[2])
ends = {}
for r in recs:
    if r.get("protocol") == 6 and r.get("server_port") == port and r["close_type"] != 5:
        k = (r["ip_0"], r["client_port"])
        assert k not in ends, "two last records for %s" % (k,)
        ends[k] = r
assert len(ends) == 351, "%d connections ended in the jsonl, want 351" % len(ends)
print("records: %d connections, one last record each" % len(ends))
PY
echo "ok"
