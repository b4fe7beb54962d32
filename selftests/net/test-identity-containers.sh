#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-identity-containers.sh - process and container at each end of every
# flow, with real podman containers (podman.inc.sh) joined to the test's
# network namespaces: an httpd server container started before the agent,
# a long-running client container looping busybox wget, and one-shot client
# containers that make one request and exit, as a Kubernetes Job does; each
# one-shot's cgroup is gone before the agent resolves its flows. Every
# record names the container id `podman inspect` gives, runtime podman, at
# both ends.
KF_NO_IPV6=1
source "$(dirname "$0")/lib.sh"
source "$NETDIR/podman.inc.sh"

NODE=kflow-test-node
CLUSTER=test-cluster
ONESHOTS="2 3 4"

# A client namespace of its own for one-shot N, on a veth to the server
# namespace: its records tell the one-shots apart.
client_ns() {
	local n=$1 ns=${NS_S}c$1
	ip netns add $ns || kf_fail "cannot create netns $ns"
	KF_NETNS+=($ns)
	ip link add kfo$n$SUFFIX netns $NS_S type veth peer name eth0 netns $ns
	ip -n $ns link set lo up
	ip -n $ns addr add 10.211.$n.2/24 dev eth0
	ip netns exec $ns ethtool -K eth0 tso off gso off gro off tx off rx off >/dev/null 2>&1
	in_s ethtool -K kfo$n$SUFFIX tso off gso off gro off tx off rx off >/dev/null 2>&1
	ip -n $ns link set eth0 up
	ip -n $NS_S addr add 10.211.$n.1/24 dev kfo$n$SUFFIX
	ip -n $NS_S link set kfo$n$SUFFIX up
}

kf_setup
for n in $ONESHOTS; do
	client_ns $n
done
pm_build_image httpd wget sh sleep timeout

# The server container exists before the agent, as on a running node.
pm_run srv $NS_S -d $PM_IMAGE httpd -f -p $PORT -h /www >"$TMP/srv.id" 2>"$TMP/srv.log" ||
	kf_fail "server container: $(tail -3 "$TMP/srv.log")"
SRV_ID=$(pm_id srv)
SRV_PID=$(pm_pid srv)
for _ in $(seq 50); do
	in_s ss -Hltn "sport = :$PORT" | grep -q . && break
	sleep 0.1
done
in_s ss -Hltn "sport = :$PORT" | grep -q . || kf_fail "httpd in the server container is not listening"

NODE_NAME=$NODE $NSE_S "$KFLOW" run --pin-path $PIN --output jsonl:"$TMP/rec.jsonl" --interval 2 \
	--cgroup-root "$CG_ROOT" --pod-log-root "$TMP" --pod-cluster $CLUSTER \
	--timeout closed_fin=1 -v 2>"$TMP/agent.log" &
AGENT_PID=$!
KF_PIDS+=($AGENT_PID)
kf_wait_for "$TMP/agent.log" "running:"

pm_run loop $NS_C -d $PM_IMAGE sh -c \
	"while :; do timeout 10 wget -q -O /dev/null http://$IP4_S:$PORT/; sleep 0.3; done" \
	>/dev/null 2>"$TMP/loop.log" || kf_fail "long-running client: $(tail -3 "$TMP/loop.log")"
LOOP_ID=$(pm_id loop)
sleep 1
for n in $ONESHOTS; do
	pm_run once$n ${NS_S}c$n $PM_IMAGE timeout 10 wget -q -O /dev/null http://10.211.$n.1:$PORT/ \
		>"$TMP/once$n.log" 2>&1 || kf_fail "one-shot $n exited $?: $(tail -3 "$TMP/once$n.log")"
	read -r id code < <(pm inspect -f '{{.Id}} {{.State.ExitCode}}' once$n)
	[ "$code" = 0 ] || kf_fail "one-shot $n exited $code"
	eval "ONCE_ID$n=$id"
	pm rm once$n >/dev/null || kf_fail "cannot remove one-shot $n"
	# What the agent has to cope with: the cgroup is gone before the drain.
	[ -d "$(pm_cgroup $id)" ] && kf_fail "one-shot $n's cgroup $(pm_cgroup $id) still exists"
done
sleep 3
# The long-running client's container is still up at the last drain.
kf_stop_agent INT
grep -v "libbpf:" "$TMP/agent.log" | grep -E "error|cannot|warn" && kf_fail "the agent logged errors"
[ -d "$(pm_cgroup $LOOP_ID)" ] || kf_fail "the long-running client's cgroup is gone too early"

{
	printf '{"node": "%s", "cluster": "%s",\n"ends": {\n' $NODE $CLUSTER
	end() { printf '"%s": {"pid": %s, "comm": "%s", "container_id": "%s", "container_runtime": "podman", "pod_uid": "", "pod": "", "pod_ns": ""}' "$@"; }
	end $IP4_S $SRV_PID httpd $SRV_ID
	printf ',\n'
	end $IP4_C 0 wget $LOOP_ID
	for n in $ONESHOTS; do
		printf ',\n'
		end 10.211.$n.1 $SRV_PID httpd $SRV_ID
		printf ',\n'
		eval "end 10.211.$n.2 0 wget \$ONCE_ID$n"
	done
	printf '},\n"servers": [["%s", %s]' $IP4_S $PORT
	for n in $ONESHOTS; do
		printf ', ["10.211.%s.1", %s]' $n $PORT
	done
	printf '],\n"links": {},\n"need": [["%s", "%s"]' $IP4_C $IP4_S
	for n in $ONESHOTS; do
		printf ', ["10.211.%s.2", "10.211.%s.1"]' $n $n
	done
	printf ']}\n'
} >"$TMP/expect.json"
python3 "$NETDIR/idcheck.py" "$TMP/expect.json" "$TMP/rec.jsonl" || kf_fail "identity mismatches"
echo ok
