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

# nfdump's number (sysid) for the exporter of one observation domain: the
# way to read one domain, as nfdump keeps no domain id in a flow.
ipfix_sysid() { # DIR DOMAIN
	local f
	for f in "$1"/nfcapd.*; do
		nfdump -E "$f" 2>/dev/null
	done | awk -v d="$2" '/^SysID:/ { gsub(",", ""); if ($8 == d) { print $2; exit } }'
}

ipfix_finish() { # NAME [DOMAIN]: stop both, nfdump of the domain (default 1) to CSV
	local n t sysid
	eval "n=\$NFCAPD_$1 t=\$TSHARK_$1"
	sleep 1
	kill -TERM $n $t
	wait $n $t 2>/dev/null
	sysid=$(ipfix_sysid "$TMP/$1" ${2:-1})
	[ -n "$sysid" ] || kf_fail "nfdump: no exporter of observation domain ${2:-1}: $(nfdump -E "$TMP/$1"/nfcapd.* 2>&1 | head -5)"
	nfdump -6 -q -N -R "$TMP/$1" -o 'fmt:%sa,%sp,%da,%dp,%pr,%pkt,%byt,%opkt,%obyt' "sysid $sysid" \
		>"$TMP/$1.csv" 2>&1 || kf_fail "nfdump: $(head -3 "$TMP/$1.csv")"
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
