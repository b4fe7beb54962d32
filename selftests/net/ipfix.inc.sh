#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# ipfix.inc.sh - shared by the IPFIX tests: the real collectors over UDP,
# nfcapd (nfdump) and a tshark capture on the server namespace's loopback,
# with their output as ipfixcheck.py reads it; traffic until a log says so.

ipfix_collect() { # NAME PORT: nfcapd and tshark on the server namespace's loopback
	mkdir -p "$TMP/$1"
	$NSE_S nfcapd -b 127.0.0.1 -p $2 -w "$TMP/$1" -t 3600 >"$TMP/$1.nfcapd.log" 2>&1 &
	KF_PIDS+=($!)
	eval "NFCAPD_$1=$!"
	$NSE_S tshark -n -i lo -f "udp port $2" -F pcap -w "$TMP/$1.pcap" >"$TMP/$1.tshark.log" 2>&1 &
	KF_PIDS+=($!)
	eval "TSHARK_$1=$!"
	kf_wait_for "$TMP/$1.tshark.log" "Capturing on"
}

ipfix_finish() { # NAME: stop both, nfdump to CSV
	local n t
	eval "n=\$NFCAPD_$1 t=\$TSHARK_$1"
	sleep 1
	kill -TERM $n $t
	wait $n $t 2>/dev/null
	nfdump -6 -q -R "$TMP/$1" -o 'fmt:%sa,%sp,%da,%dp,%pr,%pkt,%byt,%opkt,%obyt' >"$TMP/$1.csv" 2>&1 ||
		kf_fail "nfdump: $(head -3 "$TMP/$1.csv")"
}

# Short exchanges until N (default 1) lines of FILE match PATTERN: records
# to write are what makes the agent try, and notice, its collector.
ipfix_traffic_until() { # PATTERN FILE [N]
	for _ in $(seq 40); do
		[ "$(grep -c "$1" "$2" 2>/dev/null)" -ge "${3:-1}" ] && return 0
		in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 1 || kf_fail "traffic"
		sleep 0.5
	done
	kf_fail "timed out waiting for '$1' in $2: $(tail -3 "$2" 2>/dev/null)"
}
