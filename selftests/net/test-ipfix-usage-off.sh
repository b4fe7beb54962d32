#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-ipfix-usage-off.sh - --ipfix-usage off: no usage or global usage
# template or record in any observation domain, only flows in the flow
# domain (here --ipfix-domain 7); nfdump and tshark decode them as in
# test-ipfix.sh (biflow), and the sum of all bytes nfdump reports equals
# the JSON records'.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/ipfix.inc.sh"

command -v nfcapd >/dev/null || kf_fail "nfcapd is missing (run make deps)"
command -v tshark >/dev/null || kf_fail "tshark is missing (run make deps)"

kf_setup
ip -n $NS_S link set lo up
kf_start_server
ipfix_collect main 4739
kf_start_agent rec --interval 2 --timeout udp=1 --timeout closed_fin=1 --ipfix-domain 7 \
	--ipfix-usage off --output ipfix:udp://127.0.0.1:4739
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 5 || kf_fail "short v4"
in_c $PY "$NETDIR/traffic.py" udp $IP6_S $PORT 3 || kf_fail "udp v6"
sleep 3
kf_stop_agent INT
ipfix_finish main 7
[ "$(nfdump -E "$TMP"/main/nfcapd.* | grep -c '^SysID:')" = 1 ] ||
	kf_fail "want one observation domain: $(nfdump -E "$TMP"/main/nfcapd.*)"
python3 "$NETDIR/ipfixcheck.py" "$TMP/rec.jsonl" "$TMP/main.csv" "$TMP/main.pcap" --domain=7 \
	--usage-domain=off || kf_fail "IPFIX export differs from the JSON records"
echo ok
