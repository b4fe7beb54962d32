#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-k8s-upgrade.sh - a rolling update on one node, as the kubelet does it
# with tools/k8s/kflow.yaml (k8s.inc.sh): traffic runs between two fake
# pods, the old image's container gets SIGTERM with the manifest's grace
# period (its final drain must end well inside it), the programs it leaves
# (--persist) count on alone, then a container of the new image starts and
# takes over. Over both containers' records nothing is lost or counted twice
# (vs tcpdump on both pod veths), each flow keeps its flow_id and is new
# once. Twice: from an older version of the same ABI (adopts the pins), and
# from a build claiming an older ABI (make ABI_OVERRIDE: the new agent moves
# the old pins aside and drains them into its first records).
KF_NO_IPV6=1
source "$(dirname "$0")/lib.sh"
source "$NETDIR/podman.inc.sh"
source "$NETDIR/k8s.inc.sh"

k8s_premerge
kf_setup
in_s sysctl -qw net.ipv4.ip_forward=1
k8s_pod 1 shop web-0
k8s_pod 2 shop client-1
k8s_image "$K8S_IMAGE"
OLD_SAME=localhost/kflow-test-old:0.0.1
OLD_ABI=localhost/kflow-test-oldabi:0.0.2
k8s_image $OLD_SAME VERSION=0.0.1 OUTPUT=.output/v001 BUILD=build/v001
k8s_image $OLD_ABI VERSION=0.0.2 ABI_OVERRIDE=2 OUTPUT=.output/abi2 BUILD=build/abi2
[ "$(pm inspect -f '{{index .Labels "io.kflow.abi-version"}}' $OLD_ABI)" = 2 ] ||
	kf_fail "the old-ABI image is not labelled ABI 2"

(in_pod 1 $PY "$NETDIR/traffic.py" serve 80 >"$TMP/srv1.log" 2>&1) &
KF_PIDS+=($!)
kf_wait_for "$TMP/srv1.log" ready

# upgrade OLD-IMAGE PHASE WANT: old container, traffic, stop, gap, new
# container; WANT is the new agent's log line that says how it took over.
upgrade() {
	local old=$1 ph=$2 want=$3 bulk n t0 t1
	for n in 1 2; do
		$NSE_S tcpdump --immediate-mode -i kfh$n$SUFFIX -s 200 -U -w "$TMP/$ph-cap$n.pcap" \
			>"$TMP/$ph-tcpdump$n.log" 2>&1 &
		CAPS[$n]=$!
		KF_PIDS+=($!)
		kf_wait_for "$TMP/$ph-tcpdump$n.log" "listening on"
	done
	k8s_run $ph-old "$old"
	kf_wait_for "$TMP/$ph-old.log" "running:"
	(in_pod 2 $PY "$NETDIR/traffic.py" bulk ${POD_IP[1]} 80 2000000 6) &
	bulk=$!
	KF_PIDS+=($bulk)
	sleep 2
	t0=$(date +%s%N)
	k8s_stop $ph-old
	t1=$(date +%s%N)
	echo "$ph: the old container stopped $(((t1 - t0) / 1000000)) ms after SIGTERM (grace ${K8S_GRACE} s)"
	[ $(((t1 - t0) / 1000000000)) -lt $((K8S_GRACE / 2)) ] ||
		kf_fail "$ph: the final drain took more than half the grace period"
	grep -q persisting "$TMP/$ph-old.log" || kf_fail "$ph: the old agent did not persist"
	sleep 1.5 # the persisted programs count alone
	k8s_run $ph-new "$K8S_IMAGE"
	kf_wait_for "$TMP/$ph-new.log" "running:"
	grep -q "$want" "$TMP/$ph-new.log" || kf_fail "$ph: no '$want' in $(cat "$TMP/$ph-new.log")"
	wait $bulk || kf_fail "$ph: bulk transfer"
	(in_pod 2 $PY "$NETDIR/traffic.py" short ${POD_IP[1]} 80 2) || kf_fail "$ph: short"
	sleep 1
	for n in 1 2; do
		kill -INT ${CAPS[$n]}
		wait ${CAPS[$n]}
	done
	k8s_stop $ph-new
	grep -v "libbpf:" "$TMP/$ph-new.log" | grep -E "error|cannot|warn|not in the old layout" &&
		kf_fail "$ph: the new agent logged errors"
	for n in 1 2; do
		python3 "$NETDIR/flowcheck.py" "$TMP/$ph-cap$n.pcap" "$TMP/$ph-old.jsonl" \
			"$TMP/$ph-new.jsonl" --subnet 10.210.0.0/16 --server-port 80 --nic kfh$n$SUFFIX \
			--intervals || kf_fail "$ph: kfh$n: records differ from tcpdump"
	done
	[ -s "$TMP/$ph-old.jsonl" ] || kf_fail "$ph: the old container wrote no record"
	in_s "$KFLOW" cleanup --pin-path $K8S_PIN >/dev/null || kf_fail "$ph: cleanup"
	pm rm -f $ph-old $ph-new >/dev/null
}

upgrade $OLD_SAME same "adopting pinned state"
upgrade $OLD_ABI abi "drained ABI v2 state"
[ -e $K8S_PIN-old ] && kf_fail "the old ABI's pins were left at $K8S_PIN-old"
echo "ok: upgrades of the same and of another ABI lost and double-counted nothing"
