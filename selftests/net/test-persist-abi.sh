#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-persist-abi.sh - a --persist restart across an ABI change, in the
# middle of a transfer: the first agent is a build that claims another ABI
# (make ABI_OVERRIDE, its own build output), the second this build. The
# second moves the old pins aside, replaces the programs, and drains the
# old maps (read through their BTF) into its first records: over both
# agents' records nothing is lost or counted twice, the flow keeps its
# flow_id and gets is_new_flow once, and nothing of the old state stays.
# Then the same with the old pins already moved aside (<pin>-old), as an
# upgrade that died right after the move leaves them: the next start drains.
# Last, from ABI 3 as released (per-CPU interval maps), built from git.
source "$(dirname "$0")/lib.sh"

ROOT=$(cd "$NETDIR/../.." && pwd)
OLD_ABI=2
make -s -C "$ROOT" ABI_OVERRIDE=$OLD_ABI VERSION=0.0.0-abi$OLD_ABI \
	OUTPUT=.output/abi$OLD_ABI BUILD=build/abi$OLD_ABI >"$TMP/make.log" 2>&1 ||
	kf_fail "cannot build the ABI v$OLD_ABI agent: $(tail -3 "$TMP/make.log")"
OLD=$ROOT/build/abi$OLD_ABI/kflow
"$OLD" --version | grep -q "(ABI $OLD_ABI)" || kf_fail "the old build does not claim ABI $OLD_ABI"

kf_setup
kf_start_server

# upgrade NAME [interrupted] [AGENT-ARGS]: an old agent persists
# mid-transfer, this one takes over. "interrupted": the old pins are found
# already moved aside, as an upgrade that died right after the move leaves
# them.
upgrade() {
	local n=$1 mode=$2 bulk
	shift 2
	$NSE_S tcpdump --immediate-mode -i $VETH_S -s 200 -U -w "$TMP/$n.pcap" >"$TMP/$n.tcpdump" 2>&1 &
	CAP_PID=$!
	KF_PIDS+=($CAP_PID)
	kf_wait_for "$TMP/$n.tcpdump" "listening on"
	KFLOW=$OLD kf_start_agent $n-first --interval 2 --persist --timeout closed_fin=1 "$@"
	$NSE_C python3 "$NETDIR/traffic.py" bulk $IP4_S $PORT 2000000 6 &
	bulk=$!
	KF_PIDS+=($bulk)
	sleep 2.5
	kf_stop_agent TERM
	grep -q "persisting" "$TMP/$n-first.log" || kf_fail "$n: first agent did not say it persists"
	sleep 1.5 # counted by the old programs into the old maps, no agent running
	if [ "$mode" = interrupted ]; then
		mv "$PIN" "$PIN-old" || kf_fail "cannot move the pins aside"
		kf_start_agent $n-second --interval 2 --timeout closed_fin=1 "$@"
		grep -q "an interrupted upgrade left ABI v$OLD_ABI state" "$TMP/$n-second.log" ||
			kf_fail "$n: second agent did not find the moved state: $(tail -3 "$TMP/$n-second.log")"
	else
		kf_start_agent $n-second --interval 2 --timeout closed_fin=1 "$@"
		grep -q "upgrade from kflow ABI v$OLD_ABI" "$TMP/$n-second.log" ||
			kf_fail "$n: second agent did not see the ABI change: $(tail -3 "$TMP/$n-second.log")"
	fi
	grep -q "drained ABI v$OLD_ABI state" "$TMP/$n-second.log" || kf_fail "$n: old state not drained"
	[ -e "$PIN-old" ] && kf_fail "$n: old state left at $PIN-old"
	[ "$(grep -c "counting on $VETH_S" "$TMP/$n-second.log")" = 1 ] || kf_fail "$n: not attached once"
	if [ "$1" = --xdp-force ]; then
		grep -q "counting on $VETH_S.*XDP ingress" "$TMP/$n-second.log" ||
			kf_fail "$n: the XDP ingress was not kept"
		[ "$(ip -n $NS_S -d link show dev $VETH_S | grep -c "prog/xdp")" = 1 ] ||
			kf_fail "$n: not exactly one XDP program"
		in_s tc filter show dev $VETH_S ingress | grep -q . && kf_fail "$n: a TC ingress filter too"
	fi
	wait $bulk || kf_fail "$n: bulk transfer"
	sleep 4
	kf_stop_capture
	kf_stop_agent INT
	grep "not in the old layout" "$TMP/$n-second.log" && kf_fail "$n: a field was lost in the conversion"
	[ -e "$PIN" ] && kf_fail "$n: pins left after a run without --persist"
	kf_has_filters && kf_fail "$n: TC filters left after a run without --persist"
	kf_has_clsact && kf_fail "$n: clsact qdisc left (kflow made it; the upgrade lost that)"
	[ -s "$TMP/$n-first.jsonl" ] || kf_fail "$n: first agent wrote no record"
	[ -s "$TMP/$n-second.jsonl" ] || kf_fail "$n: second agent wrote no record"
	python3 "$NETDIR/flowcheck.py" "$TMP/$n.pcap" "$TMP/$n-first.jsonl" "$TMP/$n-second.jsonl" \
		$SUBNETS --server-port $PORT --intervals --expect-close 6=1 ||
		kf_fail "$n: records differ from the capture"
}

upgrade direct ""
upgrade resumed interrupted
upgrade xdp "" --xdp-force
echo "ok: upgrades from ABI v$OLD_ABI (also one resumed after a crash) lost and double-counted nothing"

# A real layout change: the last commit of ABI 3, whose interval maps held a
# value per CPU (ABI 4 shares one), built from this clone's history.
V3=93baaf11e0b8597e4e6314cee5a772018a90c7e3
git -C "$ROOT" cat-file -e "$V3^{commit}" 2>/dev/null ||
	kf_fail "commit $V3 (the last of ABI 3) is not in $ROOT's history: test from a git clone"
mkdir "$TMP/abi3" && git -C "$ROOT" archive "$V3" | tar -x -C "$TMP/abi3" ||
	kf_fail "cannot unpack ABI 3's sources"
make -s -C "$TMP/abi3" build/kflow >"$TMP/make-abi3.log" 2>&1 ||
	kf_fail "cannot build ABI 3's agent: $(tail -3 "$TMP/make-abi3.log")"
OLD=$TMP/abi3/build/kflow
OLD_ABI=3
"$OLD" --version | grep -q "(ABI 3)" || kf_fail "the ABI 3 build does not claim ABI 3"
upgrade percpu ""
echo "ok: the upgrade from ABI 3's per-CPU interval maps lost and double-counted nothing"
