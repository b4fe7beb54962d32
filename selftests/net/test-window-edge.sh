#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-window-edge.sh - a flow that begins while the interval ends (after
# the timer, before the map swap) belongs to the window it was counted in:
# its first record starts inside that window, never at the next window's
# start, which its second record takes ((flow_id, start_time) names one
# record: consumers key on it). KFLOW_SWAP_DELAY_MS widens the gap between
# the timer and the swap to 400 ms, so many UDP flows begin in it.
source "$(dirname "$0")/lib.sh"

kf_setup
kf_start_server
kf_start_capture
KFLOW_SWAP_DELAY_MS=400 kf_start_agent rec --interval 1 --timeout udp=2
clients=()
for _ in $(seq 30); do
	in_c $PY "$NETDIR/traffic.py" udp-hold $IP4_S $PORT 15 1.5 unconnected &
	clients+=($!)
	KF_PIDS+=($!)
	sleep 0.1
done
for pid in "${clients[@]}"; do
	wait $pid || kf_fail "a UDP client failed"
done
sleep 4
kf_stop_capture
kf_stop_agent INT
kf_check "$TMP/rec.jsonl" --intervals --min-records 2
echo ok
