#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-ipfix-uniflow.sh - --ipfix-flows uniflow for collectors without RFC
# 5103: pmacct's nfacctd (print plugin, aggregate src_host, dst_host,
# src_port, dst_port, proto), reading the flow domain through a
# pre_tag_map, reports per flow and direction, upload and download alike,
# the packets and bytes of kflow's JSON records, and in all exactly their
# bytes; its plugin for the usage domain's global usage records reports the
# same total. nfdump (flow domain only) and tshark decode the same export:
# one record per direction, no reverse element, TCP health in the record
# of its direction, usage totals equal to the transaction sums in the
# usage domain (--ipfix-usage-domain) and flow records in the flow domain.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ipfix.inc.sh"

command -v nfacctd >/dev/null || kf_fail "nfacctd is missing (run make deps: package pmacct)"
command -v nfcapd >/dev/null || kf_fail "nfcapd is missing (run make deps)"
command -v tshark >/dev/null || kf_fail "tshark is missing (run make deps)"

DOM=5
UDOM=9
BULK_PORT=8100

# nfacctd forks its plugins: its own process group, killed whole.
pm_teardown() {
	[ -n "$PM_PID" ] && kill -KILL -- -$PM_PID 2>/dev/null
	kf_teardown
}
trap pm_teardown EXIT

pm_start() {
	cat >"$TMP/pretag.map" <<-EOF
		set_tag=1 ip=127.0.0.1/32 source_id=$DOM
		set_tag=2 ip=127.0.0.1/32 source_id=$UDOM flowset_id=261
	EOF
	cat >"$TMP/nfacctd.conf" <<-EOF
		daemonize: false
		logfile: $TMP/nfacctd.log
		nfacctd_ip: 127.0.0.1
		nfacctd_port: 2055
		pre_tag_map: $TMP/pretag.map
		plugins: print[flows], print[usage]
		pre_tag_filter[flows]: 1
		pre_tag_filter[usage]: 2
		aggregate[flows]: src_host, dst_host, src_port, dst_port, proto
		aggregate[usage]: in_iface
		print_output[flows]: csv
		print_output[usage]: csv
		print_output_file[flows]: $TMP/pm.flows.csv
		print_output_file[usage]: $TMP/pm.usage.csv
		print_output_file_append[flows]: true
		print_output_file_append[usage]: true
		print_refresh_time[flows]: 1
		print_refresh_time[usage]: 1
	EOF
	: >"$TMP/nfacctd.log"
	$NSE_S setsid nfacctd -f "$TMP/nfacctd.conf" >"$TMP/nfacctd.out" 2>&1 &
	PM_PID=$!
	kf_wait_for "$TMP/nfacctd.log" "waiting for NetFlow/IPFIX data on 127.0.0.1:2055"
}

pm_stop() { # SIGINT: the plugins purge their caches, then all exit
	sleep 2
	kill -INT $PM_PID
	for _ in $(seq 50); do
		kill -0 -- -$PM_PID 2>/dev/null || break
		sleep 0.1
	done
	kill -0 -- -$PM_PID 2>/dev/null && kf_fail "nfacctd did not exit on SIGINT"
	PM_PID=
	grep -i "error\|malformed" "$TMP/nfacctd.log" && kf_fail "nfacctd logged errors"
	return 0
}

kf_setup
ip -n $NS_S link set lo up
kf_start_server
$NSE_S $PY "$NETDIR/traffic.py" serve-bulk $BULK_PORT 3000000 >"$TMP/bulk.log" 2>&1 &
KF_PIDS+=($!)
kf_wait_for "$TMP/bulk.log" ready
pm_start
ipfix_collect main 4739
kf_start_agent rec --interval 2 --timeout udp=1 --timeout closed_fin=1 \
	--ipfix-flows uniflow --ipfix-domain $DOM --ipfix-usage-domain $UDOM \
	--output ipfix:udp://127.0.0.1:4739 --output ipfix:udp://127.0.0.1:2055
# An upload and a download (the client sends, then the server sends most).
in_c $PY "$NETDIR/traffic.py" bulk $IP4_S $PORT 2000000 1 || kf_fail "upload"
in_c $PY "$NETDIR/traffic.py" download $IP4_S $BULK_PORT || kf_fail "download"
in_c $PY "$NETDIR/traffic.py" download $IP6_S $BULK_PORT || kf_fail "download v6"
in_c $PY "$NETDIR/traffic.py" short $IP6_S $PORT 3 || kf_fail "short v6"
in_c $PY "$NETDIR/traffic.py" udp $IP4_S $PORT 3 || kf_fail "udp"
sleep 3
kf_stop_agent INT
pm_stop
ipfix_finish main $DOM
python3 "$NETDIR/pmacctcheck.py" "$TMP/rec.jsonl" "$TMP/pm.flows.csv" "$TMP/pm.usage.csv" ||
	kf_fail "pmacct's flows differ from the JSON records"
python3 "$NETDIR/ipfixcheck.py" "$TMP/rec.jsonl" "$TMP/main.csv" "$TMP/main.pcap" --uniflow \
	--domain=$DOM --usage-domain=$UDOM || kf_fail "IPFIX export differs from the JSON records"
echo ok
