#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# accounting.inc.sh - the end-to-end accounting test, shared by the TC and
# XDP variants: TCP v4/v6 transfers spanning several intervals, UDP v4/v6,
# ICMP v4/v6 echo and many short connections. Every flow's totals over all
# records must equal the capture byte for byte, with the client on the right
# side; is_new_flow only in a flow's first record, close_type 5 until its
# last, and the last record of every flow closed (FIN or idle) as 1.

accounting_test() {
	kf_setup
	kf_start_server
	kf_start_capture
	kf_start_agent rec --interval 2 "$@" --timeout udp=1 --timeout other=1 \
		--timeout closed_fin=1 --timeout opening=1
	if [ "$1" = --xdp-force ]; then
		kf_has_xdp || kf_fail "--xdp-force: no XDP program on $VETH_S while counting"
	else
		kf_has_filters || kf_fail "no TC filter on $VETH_S while counting"
	fi

	$NSE_C python3 "$NETDIR/traffic.py" bulk $IP4_S $PORT 3000000 5 &
	local bulk4=$!
	KF_PIDS+=($bulk4)
	$NSE_C python3 "$NETDIR/traffic.py" bulk $IP6_S $PORT 1000000 3 &
	local bulk6=$!
	KF_PIDS+=($bulk6)
	in_c python3 "$NETDIR/traffic.py" udp $IP4_S $PORT 20 || kf_fail "udp v4 traffic"
	in_c python3 "$NETDIR/traffic.py" udp $IP6_S $PORT 20 || kf_fail "udp v6 traffic"
	in_c ping -q -c 5 -i 0.2 $IP4_S >/dev/null || kf_fail "ping v4"
	in_c ping -6 -q -c 5 -i 0.2 $IP6_S >/dev/null || kf_fail "ping v6"
	in_c python3 "$NETDIR/traffic.py" short $IP4_S $PORT 30 || kf_fail "short v4 traffic"
	in_c python3 "$NETDIR/traffic.py" short $IP6_S $PORT 10 || kf_fail "short v6 traffic"
	wait $bulk4 || kf_fail "bulk v4 transfer"
	wait $bulk6 || kf_fail "bulk v6 transfer"
	# Past the closing timeouts and one more interval: every flow's final
	# record is written before the agent stops.
	sleep 4
	kf_stop_capture
	kf_stop_agent INT
	kf_has_filters && kf_fail "TC filters left after exit"
	kf_has_clsact && kf_fail "clsact qdisc left after exit"
	kf_has_xdp && kf_fail "XDP program left after exit"
	[ -e "$PIN" ] && kf_fail "pin path $PIN left after exit"
	kf_check "$TMP/rec.jsonl" --intervals --min-records 3 \
		--expect-close 6=1 --expect-close 17=1 --expect-close 1=1 --expect-close 58=1
	local flows
	flows=$(grep -c . "$TMP/rec.jsonl")
	echo "ok: $flows records match the capture"
}
