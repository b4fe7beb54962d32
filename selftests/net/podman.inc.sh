#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# podman.inc.sh - real containers for the identity tests: podman with runc
# and its cgroupfs manager (what works without systemd as init; on hybrid
# cgroups runc makes each container's cgroup in the v2 hierarchy too), with
# its storage under the test's $TMP, so its overlay mounts stay in the
# runner's private mount namespace, and an image built offline: FROM
# scratch with Debian's busybox-static. Containers sit below the test cgroup
# as podman's cgroupfs manager names them, .../libpod_parent/libpod-<id>,
# where the agent's hooks (attached to $CG_ROOT) see them. Sourced after
# lib.sh; replaces its EXIT trap with one that removes the containers, their
# v1 cgroups and the image first.

for tool in podman runc busybox; do
	command -v $tool >/dev/null || kf_fail "missing $tool (run make deps)"
done
PM_DIR=$TMP/podman
PM_IMAGE=localhost/kflow-test-busybox:$SUFFIX
PM_PARENT=${CG_ROOT#"$CG2"}/libpod_parent

pm() {
	podman --root "$PM_DIR/root" --runroot "$PM_DIR/run" --tmpdir "$PM_DIR/tmp" \
		--cgroup-manager cgroupfs --runtime runc --events-backend file \
		--storage-driver overlay "$@"
}

# pm_build_image [APPLET...]: /bin/busybox with a link per applet (a process
# is then named after its applet, as `wget`), and /www/index.html.
pm_build_image() {
	local ctx=$PM_DIR/image a
	mkdir -p "$ctx/bin" "$ctx/www"
	cp "$(command -v busybox)" "$ctx/bin/busybox" || kf_fail "no busybox (busybox-static)"
	for a in "$@"; do
		ln -s busybox "$ctx/bin/$a"
	done
	head -c 3000 /dev/zero | tr '\0' x >"$ctx/www/index.html"
	printf 'FROM scratch\nCOPY bin /bin\nCOPY www /www\n' >"$ctx/Containerfile"
	pm build -q -t "$PM_IMAGE" "$ctx" >"$PM_DIR/build.log" 2>&1 ||
		kf_fail "podman build: $(tail -3 "$PM_DIR/build.log")"
}

# pm_run NAME NETNS ARGS...: podman run joined to network namespace NETNS
# (a name under /run/netns). The explicit ulimits: podman's defaults are the
# hard limits it sees, which runc refuses here.
pm_run() {
	local name=$1 ns=$2
	shift 2
	pm run --name "$name" --cgroup-parent "$PM_PARENT" --conmon-pidfile "$PM_DIR/$name.conmon" \
		--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --network ns:/run/netns/$ns "$@"
}

pm_id() { pm inspect -f '{{.Id}}' "$1"; }
pm_pid() { pm inspect -f '{{.State.Pid}}' "$1"; }
pm_cgroup() { echo "$CG_ROOT/libpod_parent/libpod-$1"; }

pm_teardown() {
	local f m p
	if [ -d "$PM_DIR" ]; then
		pm rm -a -f -t 0 >/dev/null 2>&1
		# A conmon left by a podman killed half way; the pid only while it
		# is still conmon's (pids are reused).
		for f in "$PM_DIR"/*.conmon; do
			[ -f "$f" ] || continue
			p=$(cat "$f")
			[ "$(cat /proc/$p/comm 2>/dev/null)" = conmon ] && kill -KILL "$p" 2>/dev/null
		done
		pm rmi -a -f >/dev/null 2>&1
		# Overlay mounts of a podman killed half way.
		findmnt -rn -o TARGET | awk -v d="$PM_DIR/" 'index($0, d) == 1' | sort -r |
			while read -r m; do umount -l "$m"; done
	fi
	# runc made the containers' cgroups in every v1 hierarchy too.
	for m in $(awk '$3 == "cgroup" { print $2 }' /proc/mounts); do
		kf_cgroup_remove "$m/${CG_ROOT##*/}"
	done
}
trap 'pm_teardown; kf_teardown' EXIT
