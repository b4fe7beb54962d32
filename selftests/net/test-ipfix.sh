#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-ipfix.sh - IPFIX export to real collectors on the loopback of a test
# namespace: nfcapd (nfdump) and tshark decode the stream (default: biflow
# records in domain 1, usage records in domain 2); nfdump's flows, packets
# and bytes per direction in the flow domain equal kflow's JSON records of
# the same run, and so does the sum of all the bytes it reports there (no
# usage row to count twice); the usage and global usage totals in the
# usage domain equal the sums of the interval's transaction records;
# tshark sees kflow's templates in each domain and no sequence or template
# error. A collector started after the agent decodes flows after the next
# template refresh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ipfix.inc.sh"

command -v nfcapd >/dev/null || kf_fail "nfcapd is missing (run make deps)"
command -v tshark >/dev/null || kf_fail "tshark is missing (run make deps)"

kf_setup
ip -n $NS_S link set lo up
kf_start_server
ipfix_collect main 4739
kf_start_agent rec --interval 2 --timeout udp=1 --timeout closed_fin=1 \
	--output ipfix:udp://127.0.0.1:4739 --output ipfix:udp://127.0.0.1:4740 \
	--ipfix-template-refresh 2
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 10 || kf_fail "short v4"
in_c $PY "$NETDIR/traffic.py" short $IP6_S $PORT 5 || kf_fail "short v6"
in_c $PY "$NETDIR/traffic.py" udp $IP4_S $PORT 5 || kf_fail "udp"
# A collector that starts late: it decodes after the next template refresh.
ipfix_collect late 4740
sleep 3
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 5 || kf_fail "short v4 (late)"
sleep 4
kf_stop_agent INT
ipfix_finish main
ipfix_finish late
grep -q "could not be sent" "$TMP/rec.log" && echo "(the late collector's port refused datagrams before it started, as expected)"
python3 "$NETDIR/ipfixcheck.py" "$TMP/rec.jsonl" "$TMP/main.csv" "$TMP/main.pcap" ||
	kf_fail "IPFIX export differs from the JSON records"
python3 "$NETDIR/ipfixcheck.py" "$TMP/rec.jsonl" "$TMP/late.csv" "$TMP/late.pcap" --late --port=4740 ||
	kf_fail "the late collector decoded nothing after the template refresh"
echo ok
