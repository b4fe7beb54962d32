#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-cleanup.sh - `kflow cleanup` removes what a --persist agent left
# (filters, XDP, the qdisc it created, pins); and kflow never removes a
# clsact qdisc or filter that someone else made.
source "$(dirname "$0")/lib.sh"

kf_setup
kf_start_agent first --interval 60 --persist --xdp-force
kf_stop_agent TERM
kf_has_xdp || kf_fail "--persist --xdp-force: XDP detached at exit"
kf_has_filters || kf_fail "--persist: TC egress filter removed at exit"
in_s "$KFLOW" cleanup --pin-path $PIN 2>"$TMP/cleanup.log" || kf_fail "cleanup failed: $(cat "$TMP/cleanup.log")"
kf_has_xdp && kf_fail "cleanup left the XDP program"
kf_has_filters && kf_fail "cleanup left TC filters"
kf_has_clsact && kf_fail "cleanup left the clsact qdisc kflow created"
[ -e "$PIN" ] && kf_fail "cleanup left $PIN"
in_s "$KFLOW" cleanup --pin-path $PIN 2>/dev/null || kf_fail "cleanup of nothing must succeed"

# Someone else's qdisc and filter stay.
in_s tc qdisc add dev $VETH_S clsact
# This kernel has no classic classifiers; the foreign filter is a BPF one.
in_s tc filter add dev $VETH_S ingress prio 7 handle 7 bpf da \
	obj "$NETDIR/../../.output/bench_empty.bpf.o" sec tc || kf_fail "cannot add a foreign filter"
kf_start_agent second --interval 60
kf_stop_agent INT
kf_has_clsact || kf_fail "kflow removed a clsact qdisc it did not create"
in_s tc filter show dev $VETH_S ingress | grep -q empty_tc ||
	kf_fail "kflow removed a filter it did not create"
in_s tc filter show dev $VETH_S ingress | grep -q kf_tc && kf_fail "kflow left its own filter"
in_s tc filter show dev $VETH_S egress | grep -q kf_tc && kf_fail "kflow left its own filter"
echo "ok"
