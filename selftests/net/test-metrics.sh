#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-metrics.sh - --metrics serves /healthz, /readyz and /metrics from the
# server namespace (no host port): /readyz is 503 until the first drain and
# 200 after; kflow_packets_total equals the records' packet_tx + packet_rx
# (and its tc_egress part the packets the local addresses sent); records per
# output equal the lines written; promtool finds nothing to lint; a real
# Prometheus server, in the same namespace, scrapes the same value; /healthz
# is 503 while the main loop is stuck (a write to a full FIFO).
source "$(dirname "$0")/lib.sh"

for tool in curl promtool prometheus; do
	command -v $tool >/dev/null || kf_fail "missing $tool (run tools/install-deps.sh)"
done
kf_setup
kf_start_server
M=$IP4_S:9400
get() { in_s curl -s -o "$TMP/body" -w '%{http_code}' "http://$M$1"; }

# Ready only after the first drain: start just after a 5 s boundary, so the
# first drain is some 4 s away when setup is done.
# (On the IPv6 address here: [ADDR]:PORT.)
while [ $(($(date +%s) % 5)) -ne 0 ]; do sleep 0.2; done
kf_start_agent ready --interval 5 --metrics "[$IP6_S]:9400"
M="[$IP6_S]:9400"
code=$(get /readyz)
[ "$code" = 503 ] || kf_fail "/readyz before the first drain: $code $(cat "$TMP/body")"
grep -qx "first drain not done yet" "$TMP/body" || kf_fail "/readyz 503 says: $(cat "$TMP/body")"
[ "$(get /healthz)" = 200 ] || kf_fail "/healthz right after start: $(cat "$TMP/body")"
grep -qx ok "$TMP/body" || kf_fail "/healthz body: $(cat "$TMP/body")"
[ "$(get /nope)" = 404 ] || kf_fail "/nope is not 404"
for _ in $(seq 40); do
	[ "$(get /readyz)" = 200 ] && break
	sleep 0.25
done
[ "$(get /readyz)" = 200 ] || kf_fail "/readyz after the first drain: $(cat "$TMP/body")"
echo "readyz: 503 before the first drain, 200 after (on [$IP6_S]:9400)"
kf_stop_agent INT
M=$IP4_S:9400

# Counting: a short interval, an IPFIX output too (to a port where nobody
# listens: messages still count as sent or dropped).
kf_start_agent rec --interval 1 --metrics $M --timeout closed_fin=1 --timeout udp=2 \
	--output ipfix:udp://127.0.0.1:4739
cat >"$TMP/prom.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: kflow
    static_configs:
      - targets: ['$M']
YML
$NSE_S prometheus --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/promdata" \
	--web.listen-address=127.0.0.1:9490 >"$TMP/prometheus.log" 2>&1 &
KF_PIDS+=($!)
# The TCP clients in the test cgroup, where identity's hooks see them.
sh -c 'echo $$ >"$0/cgroup.procs" && exec nsenter --net=/run/netns/$1 "$2" "$3" short $4 $5 20' \
	"$CG_ROOT" $NS_C $PY "$NETDIR/traffic.py" $IP4_S $PORT || kf_fail "traffic"
in_c $PY "$NETDIR/traffic.py" udp $IP6_S $PORT 15 || kf_fail "traffic"
in_c ping -c 5 -i 0.2 -q $IP4_S >/dev/null || kf_fail "ping"
sleep 4 # every flow in a record, the short ones ended

# The page and the records of one moment: counts that stay the same across
# two fetches with the records read in between.
# Every address of the server side (link-local too: MLD and ND leave from it).
LOCAL=$(ip -n $NS_S -j addr show dev $VETH_S | python3 -c 'import json,sys; print(",".join(a["local"] for i in json.load(sys.stdin) for a in i["addr_info"]))')
python3 - "$TMP" "$M" "$NS_S" "$VETH_S" "$LOCAL" "$PIN" <<'PY' || kf_fail "metrics differ from the records"
import json, re, subprocess, sys, time
tmp, addr, ns, veth, local, pin = sys.argv[1:]
local = set(local.split(","))
def page():
    return subprocess.run(["nsenter", "--net=/run/netns/" + ns, "curl", "-sf",
                           "http://%s/metrics" % addr], check=True, capture_output=True,
                          text=True).stdout
def samples(text, name):
    out = {}
    for l in text.splitlines():
        m = re.match(r'^%s(\{[^}]*\})? (\S+)$' % name, l)
        if m:
            out[m.group(1) or ""] = float(m.group(2))
    return out
for attempt in range(10):
    p1 = page()
    recs = [json.loads(l) for l in open(tmp + "/rec.jsonl")]
    p2 = page()
    if p1 == p2:
        break
    time.sleep(0.5)
else:
    sys.exit("the page never held still")
open(tmp + "/page.txt", "w").write(p1)
pk = samples(p1, "kflow_packets_total")
by = samples(p1, "kflow_bytes_total")
want = sum(r["packet_tx"] + r["packet_rx"] for r in recs)
got = sum(pk.values())
assert got == want and want > 0, "kflow_packets_total %d, records %d" % (got, want)
assert sum(by.values()) == sum(r["byte_tx"] + r["byte_rx"] for r in recs), "bytes"
egress = sum((r["packet_tx"] if r.get("ip_0") in local else 0) +
             (r["packet_rx"] if r.get("ip_1") in local else 0) for r in recs)
eg = pk.get('{interface="%s",hook="tc_egress"}' % veth, -1)
ing = pk.get('{interface="%s",hook="tc_ingress"}' % veth, -1)
assert eg == egress, "tc_egress %d, packets sent by the local addresses %d" % (eg, egress)
assert ing == want - egress, "tc_ingress %d, want %d" % (ing, want - egress)
rt = samples(p1, "kflow_records_total")
assert rt.get('{output="jsonl:%s/rec.jsonl"}' % tmp) == len(recs), (rt, len(recs))
assert '{output="ipfix:udp://127.0.0.1:4739"}' in rt, rt
ipx = samples(p1, "kflow_ipfix_messages_total")
assert sum(ipx.values()) > 0, ipx
ev = samples(p1, "kflow_datapath_events_total")
assert len(ev) == 19 and '{reason="flow_map_full"}' in ev, ev
fill = samples(p1, "kflow_map_fill_ratio")
assert '{map="kf_life"}' in fill and all(0 <= v <= 1 for v in fill.values()), fill
# Map memory: the kernel's memlock, as bpftool shows it (for maps whose memory
# stays the same: kf_life's moves at drains); only kf_life, which
# allocates entries as it fills, takes more when full (200 B an entry).
mem = samples(p1, "kflow_map_memory_bytes")
full = samples(p1, "kflow_map_memory_full_bytes")
assert set(mem) == set(full) and '{map="kf_sock_tuple"}' in mem, (mem, full)
for m in ("kf_flows_a", "kf_l4", "kf_sock_tuple"):
    shown = json.loads(subprocess.run(["bpftool", "-j", "map", "show", "pinned", pin + "/" + m],
                                      check=True, capture_output=True, text=True).stdout)
    assert mem['{map="%s"}' % m] == shown["bytes_memlock"], (m, mem, shown)
grow = {k: full[k] - mem[k] for k in mem if full[k] != mem[k]}
assert list(grow) == ['{map="kf_life"}'], grow
assert grow['{map="kf_life"}'] > 0 and grow['{map="kf_life"}'] % 200 == 0, grow
assert samples(p1, "kflow_drain_duration_seconds_count")[""] >= 4
assert samples(p1, "kflow_identity_resolved_total")[""] > 0, "no identity resolved"
assert samples(p1, "kflow_flows_live")[""] >= 0
assert re.search(r'^kflow_build_info\{version="[^"]+",abi="\d+"\} 1$', p1, re.M)
for name in re.findall(r"^# TYPE (\S+)", p1, re.M):
    assert p1.count("# HELP %s " % name) == 1, name
open(tmp + "/want", "w").write("%d" % want)
print("metrics: %d packets in %d records = kflow_packets_total (%d tc_egress, %d tc_ingress)"
      % (want, len(recs), eg, ing))
PY
in_s promtool check metrics <"$TMP/page.txt" >"$TMP/promtool.out" 2>&1 ||
	kf_fail "promtool check metrics: $(cat "$TMP/promtool.out")"
[ -s "$TMP/promtool.out" ] && kf_fail "promtool check metrics: $(cat "$TMP/promtool.out")"
echo "promtool check metrics: clean"

# Prometheus scraped the same value (the page holds still: no traffic).
want=$(cat "$TMP/want")
got=
for _ in $(seq 60); do
	got=$(in_s curl -s 'http://127.0.0.1:9490/api/v1/query?query=sum(kflow_packets_total)' |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2>/dev/null)
	[ "$got" = "$want" ] && break
	sleep 0.5
done
[ "$got" = "$want" ] || kf_fail "Prometheus says sum(kflow_packets_total) = '$got', records $want: $(tail -3 "$TMP/prometheus.log")"
up=$(in_s curl -s 'http://127.0.0.1:9490/api/v1/query?query=up' | grep -o '"value":\[[^]]*"1"\]')
[ -n "$up" ] || kf_fail "Prometheus: target not up"
echo "prometheus: scraped sum(kflow_packets_total) = $got"
kf_stop_agent INT

# A stalled main loop: records also go to a FIFO nobody reads (kflow opens
# it read-write, so the open does not wait), whose 64 KiB fill within an
# interval of 100 short flows. /healthz turns 503 after two intervals while
# /metrics still answers (the last page); a reader brings it back.
mkfifo "$TMP/stall"
kf_start_agent stall --interval 1 --metrics $M --output jsonl:"$TMP/stall"
[ "$(get /healthz)" = 200 ] || kf_fail "/healthz at start: $(cat "$TMP/body")"
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 100 || kf_fail "traffic"
for _ in $(seq 40); do
	[ "$(get /healthz)" = 503 ] && break
	sleep 0.25
done
[ "$(get /healthz)" = 503 ] || kf_fail "/healthz with the loop stuck in a write: $(cat "$TMP/body")"
grep -q "main loop last ran .* s ago, more than two intervals (2 s)" "$TMP/body" ||
	kf_fail "/healthz 503 says: $(cat "$TMP/body")"
echo "healthz while stalled: 503 $(cat "$TMP/body")"
[ "$(get /metrics)" = 200 ] || kf_fail "/metrics while the loop is stuck"
cat "$TMP/stall" >/dev/null &
KF_PIDS+=($!)
for _ in $(seq 40); do
	[ "$(get /healthz)" = 200 ] && break
	sleep 0.25
done
[ "$(get /healthz)" = 200 ] || kf_fail "/healthz after the reader came: $(cat "$TMP/body")"
kf_stop_agent INT
echo "healthz: 200 again once the FIFO is read"

# XDP counting ingress: the hook label says so.
kf_start_agent xdp --interval 1 --metrics $M --xdp-force
in_c ping -c 4 -i 0.2 -q $IP4_S >/dev/null || kf_fail "ping"
sleep 2.5
in_s curl -sf "http://$M/metrics" >"$TMP/xdp.txt" || kf_fail "/metrics with --xdp-force"
kf_stop_agent INT
grep -q "^kflow_packets_total{interface=\"$VETH_S\",hook=\"xdp\"} [1-9]" "$TMP/xdp.txt" ||
	kf_fail "--xdp-force: no xdp packets: $(grep ^kflow_packets_total "$TMP/xdp.txt")"
grep -q "hook=\"tc_ingress\"" "$TMP/xdp.txt" &&
	kf_fail "--xdp-force: a tc_ingress series: $(grep ^kflow_packets_total "$TMP/xdp.txt")"
echo "--xdp-force: $(grep "^kflow_packets_total.*xdp" "$TMP/xdp.txt")"
echo "ok"
