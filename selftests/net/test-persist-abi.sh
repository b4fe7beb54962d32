#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-persist-abi.sh - a --persist restart across an ABI change, in the
# middle of a transfer: the first agent is a build that claims another ABI
# (make ABI_OVERRIDE, its own build output), the second this build. The
# second moves the old pins aside, replaces the programs, and drains the
# old maps (read through their BTF) into its first records: over both
# agents' records nothing is lost or counted twice, the flow keeps its
# flow_id and gets is_new_flow once, and nothing of the old state stays.
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
kf_start_capture
KFLOW=$OLD kf_start_agent first --interval 2 --persist --timeout closed_fin=1
$NSE_C python3 "$NETDIR/traffic.py" bulk $IP4_S $PORT 2000000 6 &
bulk=$!
KF_PIDS+=($bulk)
sleep 2.5
kf_stop_agent TERM
grep -q "persisting" "$TMP/first.log" || kf_fail "first agent did not say it persists"
sleep 1.5 # counted by the old programs into the old maps, no agent running

kf_start_agent second --interval 2 --timeout closed_fin=1
grep -q "upgrade from kflow ABI v$OLD_ABI" "$TMP/second.log" ||
	kf_fail "second agent did not see the ABI change: $(tail -3 "$TMP/second.log")"
grep -q "drained ABI v$OLD_ABI state" "$TMP/second.log" || kf_fail "old state not drained"
[ -e "$PIN-old" ] && kf_fail "old state left at $PIN-old"
wait $bulk || kf_fail "bulk transfer"
sleep 4
kf_stop_capture
kf_stop_agent INT
grep "not in the old layout" "$TMP/second.log" && kf_fail "a field was lost in the conversion"
[ -e "$PIN" ] && kf_fail "pins left after a run without --persist"
kf_has_filters && kf_fail "TC filters left after a run without --persist"
kf_has_clsact && kf_fail "clsact qdisc left (kflow made it; the upgrade lost that)"
[ -s "$TMP/first.jsonl" ] || kf_fail "first agent wrote no record"
[ -s "$TMP/second.jsonl" ] || kf_fail "second agent wrote no record"
kf_check "$TMP/first.jsonl" "$TMP/second.jsonl" --intervals --expect-close 6=1
echo "ok: upgrade from ABI v$OLD_ABI lost and double-counted nothing"
