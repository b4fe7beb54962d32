#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-ipfix-tcp.sh - IPFIX over TCP: the collector decodes records after the
# templates the agent sends first on the connection; when the collector
# stops, counting goes on, the agent queues and reconnects with backoff, and
# the collector that comes back receives templates again and the records of
# the time it was away.
source "$(dirname "$0")/lib.sh"

start_collector() { # N: the collector's run, logging to coll.N.log
	$NSE_S $PY "$NETDIR/ipfix_tcp_collector.py" 4741 "$TMP/coll.$1.log" >"$TMP/coll.out" 2>&1 &
	COLL=$!
	KF_PIDS+=($COLL)
	kf_wait_for "$TMP/coll.out" ready
}

kf_setup
ip -n $NS_S link set lo up
kf_start_server
: >"$TMP/coll.out"
start_collector 1
kf_start_agent rec --interval 1 --timeout closed_fin=1 --output jsonl:"$TMP/rec2.jsonl" \
	--output ipfix:tcp://127.0.0.1:4741
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 5 || kf_fail "traffic"
sleep 2.5
grep -q "^conn 1 .*templates 1 records.*256:" "$TMP/coll.1.log" ||
	kf_fail "no transaction records on the first connection: $(tail -2 "$TMP/coll.1.log")"
kill $COLL
wait $COLL 2>/dev/null
: >"$TMP/coll.out"
# The collector is away: counting and records go on, IPFIX queues.
in_c $PY "$NETDIR/traffic.py" short $IP6_S $PORT 5 || kf_fail "traffic while away"
sleep 2.5
kill -0 $AGENT_PID || kf_fail "the agent died without its collector"
start_collector 2
for _ in $(seq 40); do
	grep -q "257:" "$TMP/coll.2.log" 2>/dev/null && break
	sleep 0.25
done
sleep 1.5
kf_stop_agent INT
grep -q "connection lost\|reconnect" "$TMP/rec.log" || kf_fail "the agent did not notice the lost collector"
last=$(grep "^conn 1 " "$TMP/coll.2.log" | tail -1)
[ -n "$last" ] || kf_fail "the agent did not reconnect: $(tail -3 "$TMP/rec.log")"
echo "$last" | grep -q "templates 1" || kf_fail "no templates on the new connection"
echo "$last" | grep -q "257:" || kf_fail "the records of the time away (IPv6 flows) did not arrive: $last"
[ "$(grep -c "connected" "$TMP/rec.log")" = 2 ] ||
	kf_fail "want one connection per collector run: $(grep connected "$TMP/rec.log")"
grep -q notemplate "$TMP"/coll.*.log && kf_fail "data before its template"
echo ok
