#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-overflow.sh - a flow map smaller than the traffic's flow count: every
# packet is still reported, in its flow's records or in the overflow record,
# and the agent logs how many packets overflowed. More live flows than
# kf_life holds (4 x --max-flows): the flows it holds are still stored, and
# the log says how many are not, consistently.
# IPv4 only: the overflow record holds every flow that found no room, so
# the comparison must not depend on IPv6 multicast the kernel sends itself.
KF_NO_IPV6=1
source "$(dirname "$0")/lib.sh"

kf_setup
kf_start_server
kf_start_capture
kf_start_agent rec --interval 2 --max-flows 4 --timeout closed_fin=1
in_c python3 "$NETDIR/traffic.py" short $IP4_S $PORT 24 --parallel || kf_fail "parallel traffic"
in_c python3 "$NETDIR/traffic.py" short $IP4_S $PORT 10 || kf_fail "short traffic"
sleep 3
kf_stop_capture
kf_stop_agent INT
grep -q "flow_map_full=" "$TMP/rec.log" || kf_fail "the agent did not log flow_map_full"
kf_check "$TMP/rec.jsonl" --overflow

# Four new UDP flows a second that stay alive: kf_life (16) fills up.
kf_start_agent life --interval 1 --max-flows 4 --timeout udp=60 --timeout other=60
for i in $(seq 8); do
	in_c $PY -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in range(2000 + $i * 10, 2004 + $i * 10):
    s.sendto(b'x', ('$IP4_S', p))" || kf_fail "udp"
	sleep 1
done
kf_stop_agent INT
grep -q "kf_life is full" "$TMP/life.log" || kf_fail "no kf_life line: $(cat "$TMP/life.log")"
grep -o "kf_life is full: [0-9]* of [0-9]*" "$TMP/life.log" | awk '$6 - $4 != 16 { bad = 1 } END { exit bad }' ||
	kf_fail "kf_life lines do not add up to the 16 it holds: $(grep kf_life "$TMP/life.log")"
echo "ok"
