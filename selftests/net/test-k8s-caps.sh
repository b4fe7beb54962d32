#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-k8s-caps.sh - the manifest's container with one of its capabilities
# removed, each in turn: the agent either exits non-zero with one line that
# names the capability ("missing capability CAP_X"), or, for an optional
# feature, runs and says which capability it goes without. (With the
# RuntimeDefault seccomp profile of podman 4.3, bpf() and setns() need
# CAP_SYS_ADMIN, and the kernel then takes it for CAP_BPF and CAP_PERFMON
# too: a runtime's profile decides what removing those changes.)
KF_NO_IPV6=1
source "$(dirname "$0")/lib.sh"
source "$NETDIR/podman.inc.sh"
source "$NETDIR/k8s.inc.sh"

k8s_premerge
kf_setup
k8s_image "$K8S_IMAGE"
for cap in $($KMAN get caps); do
	name=no$cap
	k8s_run $name "$K8S_IMAGE" --drop-cap $cap
	for _ in $(seq 100); do
		kill -0 $K8S_PID 2>/dev/null || break
		grep -q "running:" "$TMP/$name.log" && break
		sleep 0.1
	done
	if kill -0 $K8S_PID 2>/dev/null; then
		grep -q "CAP_$cap" "$TMP/$name.log" ||
			kf_fail "without CAP_$cap the agent runs and does not say so: $(tail -3 "$TMP/$name.log")"
		echo "without CAP_$cap: runs, says $(grep "CAP_$cap" "$TMP/$name.log" | head -1)"
		pm stop -t "$K8S_GRACE" $name >/dev/null
		wait $K8S_PID
	else
		wait $K8S_PID
		code=$(pm inspect -f '{{.State.ExitCode}}' $name)
		[ "$code" != 0 ] || kf_fail "without CAP_$cap the agent exited 0"
		grep -q "missing capability CAP_$cap" "$TMP/$name.log" ||
			kf_fail "without CAP_$cap: exit $code without naming it: $(grep -v libbpf: "$TMP/$name.log" | tail -3)"
		[ "$(grep -c "error" "$TMP/$name.log")" = 1 ] ||
			kf_fail "without CAP_$cap: more than one error line: $(cat "$TMP/$name.log")"
		echo "without CAP_$cap: exit $code, $(grep "missing capability" "$TMP/$name.log")"
	fi
	pm rm -f $name >/dev/null
	in_s "$KFLOW" cleanup --pin-path $K8S_PIN >/dev/null 2>&1
done
echo "ok: every capability of the manifest is needed and named"
