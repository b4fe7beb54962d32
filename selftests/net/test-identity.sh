#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-identity.sh - process, container and pod at each end of every flow,
# on a fake node: the agent runs in the node namespace; each fake pod is a
# cgroup named the way the kubelet and its runtime name it (containerd,
# CRI-O and docker under the systemd driver, containerd under cgroupfs,
# podman outside Kubernetes), a network namespace joined to the node by a
# veth, and a kubelet-style pod log directory under a test root. Servers
# and a TCP connection start before the agent; long-lived and one-shot
# clients run after. A pod created after the agent started is attached and
# counted exactly; its veth is then removed while its flows are still in
# the interval map.
source "$(dirname "$0")/lib.sh"

PODS=$TMP/pods
NODE=kflow-test-node
CLUSTER=test-cluster
mkdir -p "$PODS"
declare -A POD_IP POD_CG POD_UID POD_CID POD_NAME POD_NS

hex64() { printf '%064x' "$1"; }

# new_pod KEY N NAMESPACE NAME CGROUP-TEMPLATE (UID, UID_ and CID substituted)
new_pod() {
	local key=$1 n=$2 uid cid cg
	uid=$(printf '%08x-1111-2222-3333-%012x' "$n" "$n")
	cid=$(hex64 "$n")
	cg=${5//UID_/${uid//-/_}}
	cg=${cg//UID/$uid}
	cg=$CG_ROOT/${cg//CID/$cid}
	mkdir -p "$cg" || kf_fail "cannot create cgroup $cg"
	ip netns add ${NS_S}p$n
	KF_NETNS+=(${NS_S}p$n)
	ip link add kfh$n$SUFFIX netns $NS_S type veth peer name eth0 netns ${NS_S}p$n
	ip -n ${NS_S}p$n link set lo up
	ip -n ${NS_S}p$n addr add 10.210.$n.2/24 dev eth0
	ip -n ${NS_S}p$n link set eth0 up
	ip -n ${NS_S}p$n route add default via 10.210.$n.1
	ip netns exec ${NS_S}p$n ethtool -K eth0 tso off gso off gro off tx off rx off >/dev/null 2>&1
	in_s ethtool -K kfh$n$SUFFIX tso off gso off gro off tx off rx off >/dev/null 2>&1
	ip -n $NS_S addr add 10.210.$n.1/24 dev kfh$n$SUFFIX
	ip -n $NS_S link set kfh$n$SUFFIX up
	mkdir -p "$PODS/${3}_${4}_$uid/app"
	# The sandbox ("pause") container keeps the pod's netns, as in Kubernetes.
	local pause=${cg%/*}/${cg##*/}-pause
	mkdir -p "$pause"
	exec_in_bg "$pause" /run/netns/${NS_S}p$n sleep 600
	POD_IP[$key]=10.210.$n.2 POD_CG[$key]=$cg POD_UID[$key]=$uid POD_CID[$key]=$cid
	POD_NAME[$key]=$4 POD_NS[$key]=$3
}

# in_pod KEY CMD...: exec CMD in the pod's cgroup and network namespace, so
# that $! of a background in_pod is CMD's pid; in the foreground, call it in
# a subshell.
in_pod() {
	local key=$1
	shift
	exec_in "${POD_CG[$key]}" "/run/netns/${NS_S}p${key#pod}" "$@"
}
exec_in_bg() {
	exec_in "$@" &
	KF_PIDS+=($!)
}
exec_in() {
	local cg=$1 ns=$2
	shift 2
	exec sh -c 'ns=$1; shift; echo $$ > "$0/cgroup.procs" && exec nsenter --net="$ns" "$@"' \
		"$cg" "$ns" "$@"
}

kf_setup
in_s sysctl -qw net.ipv4.ip_forward=1
new_pod pod1 1 shop web-0 "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podUID_.slice/cri-containerd-CID.scope"
new_pod pod2 2 shop client-1 "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-podUID_.slice/crio-CID.scope"
new_pod pod3 3 batch job-x "kubepods/besteffort/podUID/CID"
new_pod pod4 4 db db-0 "kubepods.slice/kubepods-podUID_.slice/docker-CID.scope"
PODMAN_CG=$CG_ROOT/machine.slice/libpod-$(hex64 99).scope
mkdir -p "$PODMAN_CG"

# Servers first: their sockets exist before the agent.
in_pod pod1 $PY "$NETDIR/traffic.py" serve 80 >"$TMP/srv1.log" 2>&1 &
SRV1=$!
KF_PIDS+=($SRV1)
in_pod pod4 $PY "$NETDIR/traffic.py" serve 5432 >"$TMP/srv4.log" 2>&1 &
SRV4=$!
KF_PIDS+=($SRV4)
kf_wait_for "$TMP/srv1.log" ready
kf_wait_for "$TMP/srv4.log" ready
COMM=$(cat /proc/$SRV1/comm)
# A TCP connection older than the agent: no hook saw it open, the socket
# scan names both ends.
in_pod pod2 $PY "$NETDIR/traffic.py" bulk ${POD_IP[pod1]} 80 400000 8 &
EARLY=$!
KF_PIDS+=($EARLY)
sleep 0.5
[ "$(cat /proc/$SRV4/comm)" = "$COMM" ] || kf_fail "servers run different commands"

# The agent counts on every interface of the node namespace (no --iface).
NODE_NAME=$NODE $NSE_S "$KFLOW" run --pin-path $PIN --output jsonl:"$TMP/rec.jsonl" --interval 2 \
	--cgroup-root "$CG_ROOT" --pod-log-root "$PODS" --pod-cluster $CLUSTER \
	--timeout closed_fin=1 -v 2>"$TMP/agent.log" &
AGENT_PID=$!
KF_PIDS+=($AGENT_PID)
kf_wait_for "$TMP/agent.log" "running:"

# Long-lived client in pod2 (TCP and UDP to pod1), one-shot clients in
# pod3, a podman container in the node namespace talking to pod4.
in_pod pod2 $PY "$NETDIR/traffic.py" bulk ${POD_IP[pod1]} 80 400000 3 &
BULK=$!
KF_PIDS+=($BULK)
(in_pod pod2 $PY "$NETDIR/traffic.py" udp ${POD_IP[pod1]} 80 5) || kf_fail "udp pod2 > pod1"
# UDP sockets open across drains (interval 2 s), connected or not: no hook
# runs per packet, so the agent's socket scan names them while they live.
in_pod pod2 $PY "$NETDIR/traffic.py" udp-hold ${POD_IP[pod1]} 80 10 5 connected &
HOLD_C=$!
KF_PIDS+=($HOLD_C)
in_pod pod2 $PY "$NETDIR/traffic.py" udp-hold ${POD_IP[pod1]} 80 10 5 unconnected &
HOLD_U=$!
KF_PIDS+=($HOLD_U)
(in_pod pod2 ping -q -c 3 -i 0.2 ${POD_IP[pod1]} >/dev/null) || kf_fail "ping pod2 > pod1"
for _ in 1 2 3; do
	(in_pod pod3 $PY "$NETDIR/traffic.py" short ${POD_IP[pod1]} 80 1) || kf_fail "one-shot pod3 > pod1"
done
(exec_in "$PODMAN_CG" /run/netns/$NS_S $PY "$NETDIR/traffic.py" short ${POD_IP[pod4]} 5432 2) ||
	kf_fail "podman > pod4"

# A pod that appears now: attached within a second, counted exactly.
new_pod pod5 5 shop late-0 "kubepods/podUID/CID"
kf_wait_for "$TMP/agent.log" "counting on kfh5$SUFFIX"
$NSE_S tcpdump --immediate-mode -i kfh5$SUFFIX -s 200 -U -w "$TMP/cap.pcap" >"$TMP/tcpdump.log" 2>&1 &
CAP_PID=$!
KF_PIDS+=($CAP_PID)
kf_wait_for "$TMP/tcpdump.log" "listening on"
in_pod pod5 $PY "$NETDIR/traffic.py" serve 8080 >"$TMP/srv5.log" 2>&1 &
SRV5=$!
KF_PIDS+=($SRV5)
kf_wait_for "$TMP/srv5.log" ready
(in_pod pod2 $PY "$NETDIR/traffic.py" short ${POD_IP[pod5]} 8080 4) || kf_fail "pod2 > pod5"
wait $BULK || kf_fail "bulk pod2 > pod1"
wait $EARLY || kf_fail "bulk pod2 > pod1 from before the agent"
wait $HOLD_C || kf_fail "connected UDP pod2 > pod1"
wait $HOLD_U || kf_fail "unconnected UDP pod2 > pod1"
sleep 3
# Removed while its last flows are still in the interval map (the capture
# ends with the interface).
(in_pod pod2 $PY "$NETDIR/traffic.py" short ${POD_IP[pod5]} 8080 1) || kf_fail "pod2 > pod5 (last)"
sleep 1
ip -n $NS_S link del kfh5$SUFFIX
kf_wait_for "$TMP/agent.log" "went away"
wait $CAP_PID 2>/dev/null
sleep 3
kf_stop_agent INT
grep -v "libbpf:" "$TMP/agent.log" | grep -E "error|cannot|warn" && kf_fail "the agent logged errors"

{
	printf '{"node": "%s", "cluster": "%s",\n"ends": {\n' $NODE $CLUSTER
	end() { printf '"%s": {"pid": %s, "comm": "%s", "container_id": "%s", "container_runtime": "%s", "pod_uid": "%s", "pod": "%s", "pod_ns": "%s"}' "$@"; }
	end ${POD_IP[pod1]} $SRV1 $COMM ${POD_CID[pod1]} containerd ${POD_UID[pod1]} web-0 shop; echo ,
	end ${POD_IP[pod2]} 0 $COMM ${POD_CID[pod2]} cri-o ${POD_UID[pod2]} client-1 shop; echo ,
	end ${POD_IP[pod3]} 0 $COMM ${POD_CID[pod3]} "" ${POD_UID[pod3]} job-x batch; echo ,
	end ${POD_IP[pod4]} $SRV4 $COMM ${POD_CID[pod4]} docker ${POD_UID[pod4]} db-0 db; echo ,
	end ${POD_IP[pod5]} $SRV5 $COMM ${POD_CID[pod5]} "" ${POD_UID[pod5]} late-0 shop; echo ,
	end 10.210.4.1 0 $COMM "$(hex64 99)" podman "" "" ""
	printf '},\n"servers": [["%s", 80], ["%s", 5432], ["%s", 8080]],\n' ${POD_IP[pod1]} ${POD_IP[pod4]} ${POD_IP[pod5]}
	printf '"links": {"kfh1%s": "%s", "kfh2%s": "%s", "kfh3%s": "%s", "kfh4%s": "%s", "kfh5%s": "%s"},\n' \
		$SUFFIX ${POD_IP[pod1]} $SUFFIX ${POD_IP[pod2]} $SUFFIX ${POD_IP[pod3]} $SUFFIX ${POD_IP[pod4]} $SUFFIX ${POD_IP[pod5]}
	printf '"need": [["%s", "%s"], ["%s", "%s"], ["10.210.4.1", "%s"], ["%s", "%s"], ["%s", "%s", "icmp"]]}\n' \
		${POD_IP[pod2]} ${POD_IP[pod1]} ${POD_IP[pod3]} ${POD_IP[pod1]} ${POD_IP[pod4]} \
		${POD_IP[pod2]} ${POD_IP[pod5]} ${POD_IP[pod2]} ${POD_IP[pod1]}
} >"$TMP/expect.json"
python3 "$NETDIR/idcheck.py" "$TMP/expect.json" "$TMP/rec.jsonl" || kf_fail "identity mismatches"
python3 "$NETDIR/flowcheck.py" "$TMP/cap.pcap" "$TMP/rec.jsonl" --subnet 10.210.0.0/16 \
	--server-port 8080 --nic kfh5$SUFFIX || kf_fail "pod5's interface: records differ from the capture"
echo ok
