#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test_runner.sh - runs every selftests/net/test-*.sh (or the ones named on
# the command line) as root, in a private mount namespace with its own bpffs,
# so pins never reach the host's /sys/fs/bpf. Prints one PASS/FAIL line per
# test and "N passed, M failed" last; exits non-zero if any failed.
# A missing kernel feature or tool fails the test with a message: no skips.

here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" != 0 ]; then
	echo "test_runner.sh: network tests need root (netns, veth, BPF)" >&2
	exit 1
fi
if [ -z "$KF_IN_MNTNS" ]; then
	export KF_IN_MNTNS=1
	exec unshare -m --propagation private "$0" "$@"
fi
mount -t bpf bpf /sys/fs/bpf || { echo "test_runner.sh: cannot mount bpffs" >&2; exit 1; }
for tool in ip tc tcpdump ethtool nsenter python3 bpftool ping; do
	command -v $tool >/dev/null || { echo "test_runner.sh: missing $tool (run make deps)" >&2; exit 1; }
done

tests=("$@")
[ ${#tests[@]} -eq 0 ] && tests=("$here"/test-*.sh)
pass=0
fail=0
for t in "${tests[@]}"; do
	name=$(basename "$t" .sh)
	start=$(date +%s)
	if bash "$t" >"/tmp/kflow-$name.out" 2>&1; then
		pass=$((pass + 1))
		echo "PASS $name ($(($(date +%s) - start)) s)"
	else
		fail=$((fail + 1))
		echo "FAIL $name ($(($(date +%s) - start)) s)"
		sed 's/^/    /' "/tmp/kflow-$name.out"
	fi
	rm -f "/tmp/kflow-$name.out"
done
echo "net: $pass passed, $fail failed"
[ $fail -eq 0 ]
