#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-vlan-depth.sh - TC and XDP give one answer for stacked VLAN tags.
# On receive the kernel moves the outer tag out of the frame before TC
# ingress sees it (XDP sees the raw frame): two tags are one flow with the
# outer id in both modes, three are counted as vlan_depth in both.
source "$(dirname "$0")/lib.sh"

kf_setup
MAC_S=$(ip -n $NS_S -br link show $VETH_S | awk '{print $3}')
for mode in tc xdp; do
	flag=
	[ $mode = xdp ] && flag=--xdp-force
	kf_start_agent $mode --interval 1 $flag
	in_c $PY "$NETDIR/traffic.py" vlan $VETH_C $MAC_S 10.77.0.1 10.77.0.2 2 5 ||
		kf_fail "cannot send double-tagged frames"
	in_c $PY "$NETDIR/traffic.py" vlan $VETH_C $MAC_S 10.77.0.3 10.77.0.4 3 7 ||
		kf_fail "cannot send triple-tagged frames"
	sleep 2.5
	kf_stop_agent INT
	python3 - "$TMP/$mode.jsonl" <<'PY' || kf_fail "$mode: stacked tags counted wrong: $(grep 10.77 "$TMP/$mode.jsonl")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
two = [r for r in recs if r["ip_0"] in ("10.77.0.1", "10.77.0.2")]
three = [r for r in recs if r["ip_0"] in ("10.77.0.3", "10.77.0.4")]
assert three == [], "a triple-tagged frame became a flow"
assert sum(r["packet_tx"] + r["packet_rx"] for r in two) == 5, two
assert all(r["vlan"] == 1 and r["protocol"] == 17 for r in two), two
PY
	depth=$(grep -o 'vlan_depth=[0-9]*' "$TMP/$mode.log" | awk -F= '{ s += $2 } END { print s + 0 }')
	[ "$depth" = 7 ] || kf_fail "$mode: vlan_depth counted ${depth:-0}, want 7: $(grep counters "$TMP/$mode.log")"
done
echo "ok"
