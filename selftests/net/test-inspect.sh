#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-inspect.sh - live state is readable: `bpftool map dump pinned` prints
# the flow map field by field (BTF), and `kflow dump` prints the live flows
# as JSON lines without draining them (the agent's records still hold every
# packet afterwards).
source "$(dirname "$0")/lib.sh"

# 60 s intervals end on the minute, and this test reads kf_flows_a as the
# live map: a minute boundary during it swaps the maps and drains the ping
# (seen once in CI). It takes under 10 s; start it well clear of one.
sec=$(date +%S)
[ $((10#$sec)) -ge 45 ] && sleep $((61 - 10#$sec))

kf_setup
kf_start_capture
kf_start_agent rec --interval 60 --timeout other=60
in_c ping -q -c 10 -i 0.1 $IP4_S >/dev/null || kf_fail "ping"

in_s bpftool -j map dump pinned "$PIN/kf_flows_a" >"$TMP/bpftool.json" ||
	kf_fail "bpftool map dump pinned failed"
python3 - "$TMP/bpftool.json" "$IP4_C" <<'PY' || kf_fail "bpftool output lacks BTF fields"
import json, sys
entries = json.load(open(sys.argv[1]))
ip = bytes(int(x) for x in sys.argv[2].split("."))
for e in entries:
    k = e["formatted"]["key"]
    if k["family"] == 4 and bytes(k["addr_a"][:4]) == ip and k["proto"] == 1:
        v = e["formatted"]["value"]  # one value for all CPUs (ABI 4)
        pkts = v["dir"][0]["packets"] + v["dir"][1]["packets"]
        assert pkts == 20, pkts
        sys.exit(0)
sys.exit("ping flow not found in " + json.dumps(entries)[:500])
PY
in_s "$KFLOW" dump --pin-path $PIN >"$TMP/dump.jsonl" 2>"$TMP/dump.err" || kf_fail "kflow dump: $(cat "$TMP/dump.err")"
python3 - "$TMP/dump.jsonl" "$IP4_C" <<'PY' || kf_fail "kflow dump output wrong: $(cat "$TMP/dump.jsonl")"
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("ip_0") == sys.argv[2] and r["protocol"] == 1:
        assert r["packet_tx"] == 10 and r["packet_rx"] == 10, r
        sys.exit(0)
sys.exit("no ping flow")
PY
sleep 0.5
kf_stop_capture
kf_stop_agent INT
# The dump drained nothing: the final records still hold every packet.
kf_check "$TMP/rec.jsonl"
echo "ok"
