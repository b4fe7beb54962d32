#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-k8s-agent.sh - the image (make image) run as tools/k8s/kflow.yaml
# says (k8s.inc.sh) on a fake node with two fake pods: a client pod talks to
# a server pod through the node. Checks: the records equal tcpdump on both
# pod veths of the node, both ends carry their pod, the probes answer as the
# kubelet calls them, a real Prometheus scrapes /metrics and its packet
# total equals the records' packets, promtool finds the metrics clean, the
# stream sidecar sees every record, the uninstall (kflow-cleanup.yaml's
# container) removes everything; and it measures the container's memory
# and CPU (the manifest's resources).
KF_NO_IPV6=1
source "$(dirname "$0")/lib.sh"
source "$NETDIR/podman.inc.sh"
source "$NETDIR/k8s.inc.sh"

for tool in prometheus promtool; do
	command -v $tool >/dev/null || kf_fail "missing $tool (run make deps)"
done
k8s_premerge
kf_setup
in_s sysctl -qw net.ipv4.ip_forward=1
k8s_pod 1 shop web-0
k8s_pod 2 shop client-1
k8s_image "$K8S_IMAGE"
pm run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 "$K8S_IMAGE" \
	--version >"$TMP/version" 2>&1 || kf_fail "kflow --version in the image"
grep -q "kflow $(cat "$ROOT/VERSION") (ABI " "$TMP/version" || kf_fail "image version: $(cat "$TMP/version")"
[ "$(pm inspect -f '{{index .Labels "org.opencontainers.image.version"}}' "$K8S_IMAGE")" = \
	"$(cat "$ROOT/VERSION")" ] || kf_fail "image version label"

(in_pod 1 $PY "$NETDIR/traffic.py" serve 80 >"$TMP/srv1.log" 2>&1) &
SRV1=$!
KF_PIDS+=($SRV1)
kf_wait_for "$TMP/srv1.log" ready
for n in 1 2; do
	$NSE_S tcpdump --immediate-mode -i kfh$n$SUFFIX -s 200 -U -w "$TMP/cap$n.pcap" \
		>"$TMP/tcpdump$n.log" 2>&1 &
	CAPS[$n]=$!
	KF_PIDS+=($!)
	kf_wait_for "$TMP/tcpdump$n.log" "listening on"
done

k8s_run agent "$K8S_IMAGE"
kf_wait_for "$TMP/agent.log" "running:"
if [ -z "$K8S_NO_STREAM" ]; then
	k8s_sidecar sidecar "$K8S_IMAGE"
	kf_wait_for "$TMP/agent.log" "stream: subscriber pid .* connected"
fi
NODE_IP=10.210.1.1 # a node address: the pod IP of a hostNetwork pod, where the kubelet probes
if [ -z "$K8S_NO_METRICS" ]; then
	# As the kubelet: the startup probe gets period x threshold.
	read -r path port < <($KMAN get probe:startup)
	for _ in $(seq 60); do
		[ "$(k8s_get http://$NODE_IP:$port$path)" = 200 ] && break
		sleep 1
	done
	[ "$(k8s_get http://$NODE_IP:$port$path)" = 200 ] || kf_fail "startup probe $path never 200"
	cat >"$TMP/prom.yml" <<EOC
global: { scrape_interval: 1s }
scrape_configs:
  - job_name: kflow
    metrics_path: /metrics
    static_configs: [{ targets: ["$NODE_IP:$K8S_PORT"] }]
EOC
	$NSE_S prometheus --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/prom" \
		--web.listen-address=127.0.0.1:9091 >"$TMP/prom.log" 2>&1 &
	KF_PIDS+=($!)
fi

START_CPU=$(awk '{ print $14 + $15 }' /proc/$(pm_pid agent)/stat)
START=$(date +%s)
(in_pod 2 $PY "$NETDIR/traffic.py" bulk ${POD_IP[1]} 80 2000000 4) || kf_fail "bulk client-1 > web-0"
for _ in 1 2 3; do
	(in_pod 2 $PY "$NETDIR/traffic.py" short ${POD_IP[1]} 80 2) || kf_fail "short client-1 > web-0"
done
(in_pod 2 $PY "$NETDIR/traffic.py" udp ${POD_IP[1]} 80 5) || kf_fail "udp client-1 > web-0"
TRAFFIC_END=$(date +%s)
AGENT=$(pm_pid agent)
CPU=$(awk -v s="$START_CPU" '{ print $14 + $15 - s }' /proc/$AGENT/stat)
ELAPSED=$(($(date +%s) - START))
read -r RSS HWM < <(awk '/VmRSS/ { r = $2 } /VmHWM/ { h = $2 } END { print r, h }' /proc/$AGENT/status)
MEMCG=$(awk -F: '$2 == "memory" { print $3 }' /proc/$AGENT/cgroup)
MEM_MAX=$(cat /sys/fs/cgroup/memory$MEMCG/memory.max_usage_in_bytes 2>/dev/null)
MAPS_KB=0
for f in $K8S_PIN/kf_*; do
	kb=$(bpftool -j map show pinned "$f" 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin).get("bytes_memlock", 0) // 1024)' 2>/dev/null)
	MAPS_KB=$((MAPS_KB + ${kb:-0}))
done
echo "measured: maps $((MAPS_KB / 1024)) MiB (bpftool memlock of the pins), agent RSS ${RSS} kB (peak ${HWM} kB), container memory cgroup peak $((MEM_MAX / 1048576)) MiB (maps included), CPU $CPU ticks (1/100 s) in $ELAPSED s of traffic"

if [ -z "$K8S_NO_METRICS" ]; then
	# Ready after the first drain: the manifest's interval is 60 s.
	read -r path port < <($KMAN get probe:readiness)
	for _ in $(seq 70); do
		[ "$(k8s_get http://$NODE_IP:$port$path)" = 200 ] && break
		sleep 1
	done
	[ "$(k8s_get http://$NODE_IP:$port$path)" = 200 ] || kf_fail "readiness probe $path not 200"
	read -r path port < <($KMAN get probe:liveness)
	[ "$(k8s_get http://$NODE_IP:$port$path)" = 200 ] || kf_fail "liveness probe $path not 200"
	# The intervals follow the wall clock: the first drain may have ended
	# while the traffic ran. Wait for one that ended after it (at most one
	# interval), so that the last scrape holds every packet.
	for _ in $(seq 75); do
		last=$(in_s python3 -c 'import sys, urllib.request
for l in urllib.request.urlopen(sys.argv[1], timeout=3).read().decode().splitlines():
    if l.startswith("kflow_last_interval_timestamp_seconds "):
        print(int(float(l.split()[1])))' http://$NODE_IP:$K8S_PORT/metrics 2>/dev/null)
		[ -n "$last" ] && [ "$last" -gt "$TRAFFIC_END" ] && break
		sleep 1
	done
	[ -n "$last" ] && [ "$last" -gt "$TRAFFIC_END" ] ||
		kf_fail "no interval ended after the traffic (last: ${last:-none}, traffic end $TRAFFIC_END)"
	sleep 3 # a scrape after the drain
	in_s python3 -c 'import sys, urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1]).read().decode())' \
		http://$NODE_IP:$K8S_PORT/metrics >"$TMP/metrics.txt" || kf_fail "GET /metrics"
	promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.log" 2>&1 ||
		kf_fail "promtool check metrics: $(head -5 "$TMP/promtool.log")"
fi
for n in 1 2; do
	kill -INT ${CAPS[$n]}
	wait ${CAPS[$n]}
done
k8s_stop agent
if [ -z "$K8S_NO_METRICS" ]; then
	# What Prometheus scraped last (before the stop) is at most what the
	# records hold; after the final drain they must match what it saw once
	# the traffic ended: compare the last scrape with the records.
	sleep 1
	in_s python3 - "$TMP/agent.jsonl" <<'EOP' || kf_fail "Prometheus and the records disagree"
import json, sys, urllib.parse, urllib.request
q = urllib.parse.quote("sum(last_over_time(kflow_packets_total[1m]))")
r = json.load(urllib.request.urlopen(f"http://127.0.0.1:9091/api/v1/query?query={q}"))
res = r["data"]["result"]
if not res:
    sys.exit("Prometheus has no kflow_packets_total")
prom = float(res[0]["value"][1])
recs = sum(r["packet_tx"] + r["packet_rx"] for r in map(json.loads, open(sys.argv[1])))
print(f"Prometheus kflow_packets_total {prom:.0f}, records {recs}")
if prom != recs:
    sys.exit(f"Prometheus {prom} != records {recs}")
EOP
fi
grep -v "libbpf:" "$TMP/agent.log" | grep -E "error|cannot|warn" && kf_fail "the agent logged errors"
if [ -z "$K8S_NO_STREAM" ]; then
	# The sidecar saw every record the agent wrote (it was connected before
	# the first drain), and flows starting.
	pm stop -t 5 sidecar >/dev/null
	wait $K8S_SIDECAR_PID
	python3 - "$TMP/agent.jsonl" "$TMP/sidecar.jsonl" <<'EOP' || kf_fail "the sidecar's stream differs from the records"
import json, sys
def key(r):
    return (r["flow_id"], r["end_time"], r["capture_nic"])
recs = {key(r): r["packet_tx"] + r["packet_rx"] for r in map(json.loads, open(sys.argv[1]))}
seen, starts = {}, 0
for line in open(sys.argv[2]):
    e = json.loads(line)
    if e.get("event") in ("record", "flow_end"):
        seen[key(e)] = e["packet_tx"] + e["packet_rx"]
    starts += e.get("event") == "flow_start"
print(f"sidecar: {len(seen)} records ({sum(seen.values())} packets), {starts} flow_start; "
      f"agent: {len(recs)} records ({sum(recs.values())} packets)")
if seen != recs:
    sys.exit("records differ")
if not starts:
    sys.exit("no flow_start event")
EOP
fi
[ -e $K8S_PIN/kf_flows_a ] || kf_fail "--persist: no pins at $K8S_PIN"
# Uninstall: kflow-cleanup.yaml's init container, as it says.
CMAN="python3 $NETDIR/k8sman.py $ROOT/tools/k8s/kflow-cleanup.yaml cleanup"
mapfile -t opts < <($CMAN run --host-path /sys/fs/bpf=/sys/fs/bpf) || kf_fail "k8sman.py cleanup"
mapfile -t args < <($CMAN get args)
pm run --rm --network ns:/run/netns/$NS_S --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 \
	"${opts[@]}" "$($CMAN get image)" "${args[@]}" >"$TMP/cleanup.log" 2>&1 ||
	kf_fail "kflow-cleanup.yaml's container: $(tail -3 "$TMP/cleanup.log")"
grep -q "removed $K8S_PIN" "$TMP/cleanup.log" || kf_fail "cleanup: $(cat "$TMP/cleanup.log")"
[ -e $K8S_PIN ] && kf_fail "pins left after cleanup"
for n in 1 2; do
	in_s tc filter show dev kfh$n$SUFFIX ingress | grep -q . && kf_fail "filters left after cleanup"
	in_s tc qdisc show dev kfh$n$SUFFIX | grep -q clsact && kf_fail "clsact left after cleanup"
done

for n in 1 2; do
	python3 "$NETDIR/flowcheck.py" "$TMP/cap$n.pcap" "$TMP/agent.jsonl" --subnet 10.210.0.0/16 \
		--server-port 80 --nic kfh$n$SUFFIX || kf_fail "kfh$n: records differ from tcpdump"
done
{
	printf '{"node": "%s", "cluster": "my-cluster",\n"ends": {\n' $K8S_NODE
	end() { printf '"%s": {"pid": %s, "comm": "%s", "container_id": "%s", "container_runtime": "containerd", "pod_uid": "%s", "pod": "%s", "pod_ns": "shop"}' "$@"; }
	COMM=$(cat /proc/$SRV1/comm)
	end ${POD_IP[1]} $SRV1 $COMM ${POD_CID[1]} ${POD_UID[1]} web-0; echo ,
	end ${POD_IP[2]} 0 $COMM ${POD_CID[2]} ${POD_UID[2]} client-1
	printf '},\n"servers": [["%s", 80]],\n' ${POD_IP[1]}
	printf '"links": {"kfh1%s": "%s", "kfh2%s": "%s"},\n' $SUFFIX ${POD_IP[1]} $SUFFIX ${POD_IP[2]}
	printf '"need": [["%s", "%s"]]}\n' ${POD_IP[2]} ${POD_IP[1]}
} >"$TMP/expect.json"
python3 "$NETDIR/idcheck.py" "$TMP/expect.json" "$TMP/agent.jsonl" || kf_fail "pod identity mismatches"
echo "ok: the manifest's container counts exactly, with pod identity"
