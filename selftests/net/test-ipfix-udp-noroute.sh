#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-ipfix-udp-noroute.sh - IPFIX over UDP to a collector the server
# namespace has no route to (it has only its veth subnet): the agent starts
# all the same, logs one line naming the output and the cause, and retries
# at each interval. Once the address is on the namespace's own loopback
# (nothing leaves the namespace), the agent logs the collector reachable,
# with the count of messages lost meanwhile, and a collector bound there
# receives templates and records; when the address goes away the agent logs
# it unreachable again, and at exit the messages lost since.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ipfix.inc.sh"

ADDR=192.0.2.1 # TEST-NET-1: no route to it in the test namespace
OUT=udp://$ADDR:4739

states() { grep "ipfix $OUT: " "$TMP/rec.log"; }

kf_setup
ip -n $NS_S link set lo up
in_s ip route get $ADDR >/dev/null 2>&1 && kf_fail "the server namespace has a route to $ADDR"
kf_start_server
kf_start_agent rec --interval 1 --timeout closed_fin=1 --output ipfix:$OUT --metrics $IP4_S:9400
kf_wait_for "$TMP/rec.log" "ipfix $OUT: collector unreachable (Network is unreachable); retrying"
for _ in 1 2 3 4 5 6; do
	in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 1 || kf_fail "traffic while unreachable"
	sleep 0.5
done
[ "$(states | wc -l)" = 1 ] || kf_fail "want one line while unreachable: $(states)"
# Every flow record of those intervals was lost, counted in flow records as
# the total is (not the exporter, interface and usage records beside them).
sleep 1.5
in_s curl -s "http://$IP4_S:9400/metrics" >"$TMP/metrics" || kf_fail "cannot scrape /metrics"
total=$(awk '/^kflow_records_total\{output="ipfix:/ { print $2 }' "$TMP/metrics")
failed=$(awk '/^kflow_records_failed_total\{output="ipfix:/ { print $2 }' "$TMP/metrics")
[ -n "$total" ] && [ "$total" -gt 0 ] && [ "$failed" = "$total" ] ||
	kf_fail "while unreachable: $failed of $total records lost, want all"
# Reachable, inside the namespace only.
$NSE_S $PY "$NETDIR/ipfix_udp_collector.py" $ADDR 4739 "$TMP/coll.log" >"$TMP/coll.out" 2>&1 &
KF_PIDS+=($!)
kf_wait_for "$TMP/coll.out" ready
ip -n $NS_S addr add $ADDR/32 dev lo
ipfix_traffic_until "ipfix $OUT: collector reachable; [1-9][0-9]* messages lost while it was away" \
	"$TMP/rec.log"
ipfix_traffic_until "templates 1 records.*256:" "$TMP/coll.log"
# Unreachable again: the address goes away.
ip -n $NS_S addr del $ADDR/32 dev lo
ipfix_traffic_until "ipfix $OUT: collector unreachable (Network is unreachable)" "$TMP/rec.log" 2
kf_stop_agent INT
states | tail -1 | grep -q "still down at exit; [1-9][0-9]* messages lost while it was away" ||
	kf_fail "no count of the messages lost at exit: $(states)"
! grep "could not be sent" "$TMP/rec.log" ||
	kf_fail "messages lost while unreachable logged at each interval"
echo ok
