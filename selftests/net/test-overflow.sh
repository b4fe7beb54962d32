#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-overflow.sh - a flow map smaller than the traffic's flow count: every
# packet is still reported, in its flow's records or in the overflow record,
# and the agent logs how many packets overflowed.
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
echo "ok"
