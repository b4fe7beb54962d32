#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-replay-deepflow.sh - `kflow replay` of every capture of a peer's test
# suite (DeepFlow's L4 captures in ../shared/testdata/deepflow-l4): close_type
# and TCP health must match what DeepFlow's own tests expect, except where
# dfcheck.py names a difference on purpose and why.
here=$(cd "$(dirname "$0")" && pwd)
KFLOW=${KFLOW:-$here/../../build/kflow}
DATA=${KF_DEEPFLOW_DATA:-$here/../../../shared/testdata/deepflow-l4}
TMP=$(mktemp -d /tmp/kflow-replay.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

[ -d "$DATA" ] || { echo "FAIL: no DeepFlow test data at $DATA" >&2; exit 1; }
n=0
for pcap in "$DATA"/*.pcap; do
	name=$(basename "$pcap" .pcap)
	"$KFLOW" replay "$pcap" --output jsonl:"$TMP/$name.jsonl" 2>"$TMP/$name.log" ||
		{ echo "FAIL: replay of $name: $(tail -2 "$TMP/$name.log")" >&2; exit 1; }
	n=$((n + 1))
done
[ $n -ge 30 ] || { echo "FAIL: only $n captures in $DATA" >&2; exit 1; }
python3 "$here/../replay/dfcheck.py" "$DATA" "$TMP" || { echo "FAIL: replay differs from DeepFlow" >&2; exit 1; }
echo ok
