#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-ipfix-tcp-down.sh - IPFIX over TCP to a collector that is down from
# the start: the first failure is logged at once, one line naming the output
# and the cause, and not again at each retry; the collector coming up and
# going down again are logged; a further change beyond the rate limit (three
# lines per output per minute) is not logged, but counted, and the count is
# logged at exit.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ipfix.inc.sh"

OUT=tcp://127.0.0.1:4742

start_collector() { # N: the collector's run, logging to coll.N.log
	: >"$TMP/coll.out"
	$NSE_S $PY "$NETDIR/ipfix_tcp_collector.py" 4742 "$TMP/coll.$1.log" >"$TMP/coll.out" 2>&1 &
	COLL=$!
	KF_PIDS+=($COLL)
	kf_wait_for "$TMP/coll.out" ready
}

states() { grep "ipfix $OUT: " "$TMP/rec.log"; }

kf_setup
ip -n $NS_S link set lo up
kf_start_server
kf_start_agent rec --interval 1 --timeout closed_fin=1 --output ipfix:$OUT
kf_wait_for "$TMP/rec.log" "ipfix $OUT: collector unreachable (Connection refused); retrying"
# Retries after 1 and 2 s of backoff fail the same way: no new line.
for _ in 1 2 3 4 5 6; do
	in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 1 || kf_fail "traffic while down"
	sleep 0.5
done
[ "$(states | wc -l)" = 1 ] || kf_fail "want one line while the collector stays down: $(states)"
start_collector 1
ipfix_traffic_until "ipfix $OUT: connected" "$TMP/rec.log"
ipfix_traffic_until "^conn 1 .*templates 1 records.*256:" "$TMP/coll.1.log"
kill $COLL
wait $COLL 2>/dev/null
ipfix_traffic_until "ipfix $OUT: connection lost (" "$TMP/rec.log"
# The fourth change within a minute: not logged.
start_collector 2
ipfix_traffic_until "^conn 1 .*templates 1 records.*256:" "$TMP/coll.2.log"
[ "$(states | wc -l)" = 3 ] || kf_fail "want three lines (down, up, down), then silence: $(states)"
kf_stop_agent INT
states | tail -1 |
	grep -q "ipfix $OUT: connected (state changes not logged since the previous line: 1)" ||
	kf_fail "no count of the change not logged at exit: $(states)"
echo ok
