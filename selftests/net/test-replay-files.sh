#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-replay-files.sh - `kflow replay` of captures as they come: a year
# between two packets costs nothing and interval ends skipped in silence
# change no record; frames a short snap length cut count as truncated beside
# the whole ones; a file cut in a record gives the records of what came
# before; a directory and an empty file are named as such. Captures are
# synthetic (../replay/capgen.py); every check runs, and each failure is
# named.
source "$(dirname "$0")/lib.sh"
REPLAY_PY=$NETDIR/../replay

for tool in python3 timeout head; do
	command -v $tool >/dev/null || kf_fail "missing $tool (run make deps)"
done
[ -x "$KFLOW" ] || kf_fail "no $KFLOW: run make first"

# replay NAME FILE ARGS...: records to $TMP/NAME.jsonl, log to $TMP/NAME.log.
# Files to compare share their base name (it is the records' capture_nic_name).
replay() {
	local name=$1 file=$2
	shift 2
	rm -f "$TMP/$name.jsonl"
	"$KFLOW" replay "$file" --output jsonl:"$TMP/$name.jsonl" "$@" 2>"$TMP/$name.log"
}

replay_ok() {
	replay "$@" || kf_fail "replay of $2 exited $?: $(tail -3 "$TMP/$1.log")"
}

same() {
	python3 "$REPLAY_PY/reccheck.py" same "$@" || kf_fail "records differ: $*"
}

gen() {
	python3 "$REPLAY_PY/capgen.py" "$1" "$TMP/$1" || kf_fail "capgen.py $1 failed"
}

check_yeargap() {
	local Y=$TMP/yeargap start ms ends
	gen yeargap
	start=$(date +%s%N)
	timeout 10 "$KFLOW" replay "$Y/gap/cap" --interval 1 --output jsonl:"$TMP/gap.jsonl" \
		2>"$TMP/gap.log" || kf_fail "replay of a year's gap at --interval 1 failed or took over 10 s"
	ms=$((($(date +%s%N) - start) / 1000000))
	echo "a year's gap at --interval 1: $ms ms"
	replay_ok a "$Y/a/cap" --interval 1
	replay_ok b "$Y/b/cap" --interval 1
	same "$TMP/gap.jsonl" "$TMP/a.jsonl" "$TMP/b.jsonl"
	# Each flow: first packet, last packet + the UDP timeout (5 s), ended by it.
	ends=$(python3 "$REPLAY_PY/reccheck.py" ends "$TMP/gap.jsonl")
	[ "$ends" = "10.2.0.2 1700000000000000 1700000005250000 1
10.2.0.9 1731536000500000 1731536005750000 1" ] || kf_fail "year gap: flows $ends"
}

check_gaps() {
	local G=$TMP/gaps iv
	gen gaps
	# The filler flow has a packet every second: no interval is empty, so
	# none is skipped; the other flows' records must not change.
	for iv in 1 7; do
		replay_ok gaps-$iv "$G/gaps/cap" --interval $iv
		replay_ok filled-$iv "$G/filled/cap" --interval $iv
		same "$TMP/gaps-$iv.jsonl" "$TMP/filled-$iv.jsonl" --drop-ip 10.9.9.
	done
}

check_snap() {
	local S=$TMP/snap
	gen snap
	replay_ok snap "$S/snap/cap"
	replay_ok whole "$S/whole/cap"
	same "$TMP/snap.jsonl" "$TMP/whole.jsonl"
	python3 "$REPLAY_PY/reccheck.py" counters "$TMP/snap.log" trunc_eth=1 trunc_ip=7 ||
		kf_fail "cut frames not counted as truncated: $(cat "$TMP/snap.log")"
}

check_cut() {
	local F=$TMP/flows mid hdr first rec7
	gen flows
	read -r mid hdr first rec7 <"$F/cut.txt"
	replay_ok prefix6 "$F/prefix6/cap" --interval 1
	mkdir -p "$TMP/mid" "$TMP/hdr" "$TMP/first"
	head -c "$mid" "$F/us/cap" >"$TMP/mid/cap"
	head -c "$hdr" "$F/us/cap" >"$TMP/hdr/cap"
	head -c "$first" "$F/us/cap" >"$TMP/first/cap"
	replay_ok mid "$TMP/mid/cap" --interval 1
	replay_ok hdr "$TMP/hdr/cap" --interval 1
	same "$TMP/mid.jsonl" "$TMP/prefix6.jsonl"
	same "$TMP/hdr.jsonl" "$TMP/prefix6.jsonl"
	grep -q "mid/cap: the file ends inside a record after packet 6: its last $((mid - rec7)) bytes" \
		"$TMP/mid.log" || kf_fail "cut record: no warning: $(cat "$TMP/mid.log")"
	grep -q "after packet 6: its last $((hdr - rec7)) bytes" "$TMP/hdr.log" ||
		kf_fail "cut record header: no warning: $(cat "$TMP/hdr.log")"
	replay first "$TMP/first/cap" && kf_fail "a file cut in its first record exited 0"
	grep -q "error: .*not one whole packet" "$TMP/first.log" ||
		kf_fail "cut first record: no error: $(cat "$TMP/first.log")"
}

check_files() {
	mkdir -p "$TMP/dir"
	: >"$TMP/empty.pcap"
	replay dir "$TMP/dir" && kf_fail "replay of a directory exited 0"
	grep -q "dir is a directory" "$TMP/dir.log" || kf_fail "directory: $(cat "$TMP/dir.log")"
	replay empty "$TMP/empty.pcap" && kf_fail "replay of an empty file exited 0"
	grep -q "empty.pcap is empty" "$TMP/empty.log" || kf_fail "empty file: $(cat "$TMP/empty.log")"
}

failed=
for check in yeargap gaps snap cut files; do
	(check_$check) || failed="$failed $check"
done
[ -z "$failed" ] || kf_fail "failed:$failed"
echo ok
