#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-xdp-mode.sh - --xdp uses XDP only in a driver's native hook: a veth
# (whose XDP takes GSO from its peer) is counted with TC ingress, with a log
# line; --xdp-force attaches XDP anyway. A --persist restart keeps the
# ingress hook the persisted agent chose, and refuses a mode that would
# change it.
source "$(dirname "$0")/lib.sh"

kf_setup
kf_start_agent native --interval 60 --xdp --persist
kf_has_xdp && kf_fail "--xdp attached XDP to a veth"
in_s tc filter show dev $VETH_S ingress | grep -q kf_tc_ingress || kf_fail "--xdp: no TC ingress on a veth"
grep -q "$VETH_S: veth XDP would take GSO from its peer; counting ingress with TC" "$TMP/native.log" ||
	kf_fail "--xdp on a veth: no log line: $(cat "$TMP/native.log")"
grep -q "counting on $VETH_S (ifindex [0-9]*): TC ingress" "$TMP/native.log" ||
	kf_fail "--xdp: $(cat "$TMP/native.log")"
kf_stop_agent TERM
in_s "$KFLOW" run --iface $VETH_S --pin-path $PIN --xdp-force >/dev/null 2>"$TMP/err" &&
	kf_fail "--xdp-force adopted a TC ingress"
grep -q "error: the persisted agent counted $VETH_S with TC" "$TMP/err" || kf_fail "unclear: $(cat "$TMP/err")"
in_s "$KFLOW" cleanup --pin-path $PIN 2>/dev/null || kf_fail "cleanup"

kf_start_agent forced --interval 60 --xdp-force --persist
kf_has_xdp || kf_fail "--xdp-force: no XDP on the veth"
kf_stop_agent TERM
kf_start_agent adopt --interval 60 --xdp
kf_has_xdp || kf_fail "--xdp after --xdp-force: the persisted XDP was not kept"
in_s tc filter show dev $VETH_S ingress | grep -q kf_tc_ingress && kf_fail "--xdp adopted XDP and added TC ingress"
kf_stop_agent INT
kf_has_xdp && kf_fail "XDP left after exit"
echo "ok"
