#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-ipfix-many-apps.sh - usage records of an interval with more
# applications than a fixed table would hold: one datagram to each of 1500
# UDP server ports in one interval. nfdump and tshark decode the export as
# in test-ipfix.sh; some interval has usage records of at least 1000
# applications, every application of the transaction records has its usage
# record, the totals equal the transaction sums, and the agent logs no
# aggregate left unsent; the applications beyond the 256 its options table
# describes are counted in the log.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ipfix.inc.sh"

command -v nfcapd >/dev/null || kf_fail "nfcapd is missing (run make deps)"
command -v tshark >/dev/null || kf_fail "tshark is missing (run make deps)"

INTERVAL=2
kf_setup
ip -n $NS_S link set lo up
ipfix_collect main 4739
kf_start_agent rec --interval $INTERVAL --timeout udp=1 --output ipfix:udp://127.0.0.1:4739
# Just past an interval boundary (the agent aligns them to the wall clock),
# so that all the ports fall in one interval.
python3 -c "import time; time.sleep($INTERVAL - time.time() % $INTERVAL + 0.3)"
in_c $PY "$NETDIR/traffic.py" udp-ports $IP4_S 20000 1500 || kf_fail "udp-ports"
sleep $((2 * INTERVAL + 1))
kf_stop_agent INT
ipfix_finish main
grep "not sent" "$TMP/rec.log" && kf_fail "usage aggregates were not sent"
# More applications than the options table describes (256): counted, logged.
grep -q "of applications beyond the 64 interfaces / 256 applications" "$TMP/rec.log" ||
	kf_fail "applications left undescribed were not logged"
python3 "$NETDIR/ipfixcheck.py" "$TMP/rec.jsonl" "$TMP/main.csv" "$TMP/main.pcap" --min-apps=1000 ||
	kf_fail "IPFIX export differs from the JSON records"
echo ok
