#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-pinpath.sh - kflow never mounts over a directory that is not its
# own: bpffs is mounted only at /sys/fs/bpf when nothing is mounted there; a
# pin path elsewhere must already be on bpffs. `kflow cleanup` removes only
# what a kflow pin path (its kf_info and kf_attach maps) says kflow made.
# Scratch directories only; the runner's private mount namespace.
source "$(dirname "$0")/lib.sh"

kf_setup
SCR=$TMP/scratch
mkdir -p "$SCR/dir"
echo keep >"$SCR/dir/file"

# expect_error PATTERN ARGS...: kflow ARGS fails with one error line.
expect_error() {
	local pattern=$1
	shift
	in_s timeout 10 "$KFLOW" "$@" >"$TMP/out" 2>"$TMP/err" && kf_fail "kflow $* exited 0"
	[ "$(grep -c 'error:' "$TMP/err")" = 1 ] ||
		kf_fail "kflow $*: want one error line, got: $(cat "$TMP/err")"
	grep -q -- "$pattern" "$TMP/err" || kf_fail "kflow $*: error does not say '$pattern': $(cat "$TMP/err")"
}
bpf_mounts() { awk '$9 == "bpf" { print $5 }' /proc/self/mountinfo | sort; }
before=$(bpf_mounts)

# Pin paths whose directory is not bpffs.
R="run --iface $VETH_S --no-identity"
expect_error "is not a BPF filesystem" $R --pin-path "$SCR/dir/pins"
[ "$(bpf_mounts)" = "$before" ] || kf_fail "a bpffs was mounted: $(bpf_mounts)"
[ "$(cat "$SCR/dir/file")" = keep ] || kf_fail "$SCR/dir was hidden"
[ -e "$SCR/dir/pins" ] && kf_fail "a pin directory was made outside bpffs"
expect_error "does not exist\|No such file" $R --pin-path "$SCR/nodir/pins"
[ -e "$SCR/nodir" ] && kf_fail "kflow created the pin path's parent"
expect_error "No such file" $R --pin-path "$PIN-parent/a/pins"
[ -e "$PIN-parent" ] && kf_fail "kflow created directories on bpffs"
expect_error "components" $R --pin-path "/sys/fs/bpf/../x"

# /sys/fs/bpf with nothing mounted (as `ip netns exec` leaves it): mounted
# there, in a mount namespace of its own; with a foreign filesystem there:
# refused.
cat >"$TMP/home.sh" <<SH
while mountpoint -q /sys/fs/bpf; do umount /sys/fs/bpf || exit 9; done
[ "\$1" = tmpfs ] && mount -t tmpfs none /sys/fs/bpf
exec nsenter --net=/run/netns/$NS_S "$KFLOW" run --iface $VETH_S --no-identity --interval 1 \
	--pin-path /sys/fs/bpf/kflow-test --output jsonl:"$TMP/home.jsonl"
SH
timeout --preserve-status -s INT 2 unshare -m --propagation private bash "$TMP/home.sh" bare 2>"$TMP/home.log"
[ $? = 0 ] || kf_fail "unmounted /sys/fs/bpf: $(cat "$TMP/home.log")"
grep -q "mounted bpffs on /sys/fs/bpf" "$TMP/home.log" || kf_fail "no mount at /sys/fs/bpf: $(cat "$TMP/home.log")"
timeout --preserve-status -s INT 2 unshare -m --propagation private bash "$TMP/home.sh" tmpfs 2>"$TMP/home.log" &&
	kf_fail "ran with a tmpfs on /sys/fs/bpf"
grep -q "error: /sys/fs/bpf holds a filesystem that is not bpffs" "$TMP/home.log" ||
	kf_fail "tmpfs on /sys/fs/bpf: $(cat "$TMP/home.log")"
[ "$(bpf_mounts)" = "$before" ] || kf_fail "mounts leaked: $(bpf_mounts)"

# cleanup refuses what is not a kflow pin path, and removes nothing there.
C="cleanup --pin-path"
echo report >"$SCR/dir/kf_report.txt"
expect_error "not on a BPF filesystem" $C "$SCR/dir"
[ -e "$SCR/dir/kf_report.txt" ] || kf_fail "cleanup removed a file that is not kflow's"
mkdir "$PIN"
expect_error "not a kflow pin path" $C "$PIN"
[ -d "$PIN" ] || kf_fail "cleanup removed an empty directory that is not a kflow pin path"
bpftool map create "$PIN/kf_attach" type hash key 4 value 24 entries 8 name kf_attach ||
	kf_fail "bpftool map create"
expect_error "not a kflow pin path" $C "$PIN"
bpftool map create "$PIN/kf_info" type array key 4 value 4 entries 1 name kf_info ||
	kf_fail "bpftool map create"
expect_error "not a kflow pin path" $C "$PIN"
[ -e "$PIN/kf_attach" ] && [ -e "$PIN/kf_info" ] || kf_fail "cleanup removed foreign maps"
rm -f "$PIN"/kf_attach "$PIN"/kf_info
rmdir "$PIN"

# A real pin path with one foreign pin: kflow's go, the foreign one stays.
kf_start_agent p --interval 60 --persist --no-identity
kf_stop_agent TERM
bpftool map create "$PIN/other" type array key 4 value 4 entries 1 name other || kf_fail "bpftool"
in_s "$KFLOW" $C "$PIN" 2>"$TMP/err" || kf_fail "cleanup of a kflow pin path: $(cat "$TMP/err")"
grep -q "leaving $PIN/other" "$TMP/err" || kf_fail "cleanup does not name what it left: $(cat "$TMP/err")"
[ "$(ls "$PIN")" = other ] || kf_fail "cleanup left or took the wrong pins: $(ls "$PIN")"
kf_has_filters && kf_fail "cleanup left kflow's filters"
rm -f "$PIN/other"
echo "ok"
