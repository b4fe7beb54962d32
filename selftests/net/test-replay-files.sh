#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-replay-files.sh - `kflow replay` of captures as they come: pcapng
# (written here, by editcap and by mergecap, with a skipped non-Ethernet
# interface) gives the records pcap does; a year between two packets costs
# nothing and interval ends skipped in silence change no record; frames a
# short snap length cut count as truncated beside the whole ones; a file cut
# or damaged in a record gives the records of what came before; a directory
# and an empty file are named as such; an output that cannot be written
# fails the run. Captures are synthetic (../replay/capgen.py); every check
# runs, and each failure is named.
source "$(dirname "$0")/lib.sh"
REPLAY_PY=$NETDIR/../replay

for tool in python3 editcap mergecap tshark capinfos timeout head cmp; do
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

check_pcapng() {
	local F=$TMP/flows v
	gen flows
	replay_ok us "$F/us/cap" --interval 1
	[ -s "$TMP/us.jsonl" ] || kf_fail "no records from $F/us/cap"
	# Our own pcapng: two sections of either byte order, us with an
	# offset, 2^-10 s and ns interfaces, simple packet blocks, a cooked
	# interface, name resolution and custom blocks.
	replay_ok ns "$F/ns/cap" --interval 1
	replay_ok ng "$F/ng/cap" --interval 1
	mkdir -p "$TMP/ed-us" "$TMP/ed-ns" "$TMP/mg"
	editcap -F pcapng "$F/us/cap" "$TMP/ed-us/cap" || kf_fail "editcap failed"
	editcap -F pcapng "$F/ns/cap" "$TMP/ed-ns/cap" || kf_fail "editcap failed"
	capinfos "$TMP/ed-ns/cap" | grep -q 'Time resolution = 0x09' ||
		kf_fail "editcap wrote no ns interface: $(capinfos "$TMP/ed-ns/cap")"
	replay_ok ed-us "$TMP/ed-us/cap" --interval 1
	replay_ok ed-ns "$TMP/ed-ns/cap" --interval 1
	# mergecap: one interface per input, us, ns and a cooked one.
	tshark -r "$F/us/cap" -Y tcp -F pcap -w "$TMP/tcp.pcap" 2>/dev/null &&
		tshark -r "$F/ns/cap" -Y '!tcp' -F nsecpcap -w "$TMP/other.pcap" 2>/dev/null ||
		kf_fail "tshark cannot split $F/us/cap"
	mergecap -F pcapng -w "$TMP/mg/cap" "$TMP/tcp.pcap" "$TMP/other.pcap" "$F/sll.pcap" ||
		kf_fail "mergecap failed"
	replay_ok mg "$TMP/mg/cap" --interval 1
	for v in ns ng ed-us ed-ns mg; do
		cmp -s "$TMP/us.jsonl" "$TMP/$v.jsonl" ||
			{ same "$TMP/$v.jsonl" "$TMP/us.jsonl"; kf_fail "$v: records differ from pcap's"; }
	done
	for v in ng mg; do
		[ "$(grep -c 'only Ethernet (1) interfaces are replayed' "$TMP/$v.log")" = 1 ] ||
			kf_fail "$v: want one warning about the cooked interface: $(cat "$TMP/$v.log")"
	done
	grep -q '4 packets of non-Ethernet interfaces skipped' "$TMP/ng.log" ||
		kf_fail "ng: skipped packets not counted: $(cat "$TMP/ng.log")"
	grep -q '11 packets of non-Ethernet interfaces skipped' "$TMP/mg.log" ||
		kf_fail "mg: skipped packets not counted: $(cat "$TMP/mg.log")"
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
	local F=$TMP/flows mid hdr first rec7 size
	[ -d "$F" ] || gen flows
	read -r mid hdr first rec7 <"$F/cut.txt"
	replay_ok prefix6 "$F/prefix6/cap" --interval 1
	mkdir -p "$TMP/mid" "$TMP/hdr" "$TMP/first" "$TMP/ngcut" "$TMP/bad"
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
	# Packet 7's microseconds past a second: time, as libpcap reads it, but
	# never silently.
	mkdir -p "$TMP/frac"
	python3 -c 'import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
d[int(sys.argv[3]) + 4:int(sys.argv[3]) + 8] = struct.pack("<I", 4000000000)
open(sys.argv[2], "wb").write(d)' "$F/us/cap" "$TMP/frac/cap" "$rec7"
	replay_ok frac "$TMP/frac/cap" --interval 1
	grep -q "packet 7's us field is 4000000000, past a second: taken as time" "$TMP/frac.log" &&
		grep -q "replayed 32 of 32 packets.*; 1 with a time fraction past a second" \
			"$TMP/frac.log" ||
		kf_fail "a time fraction past a second: no warning: $(cat "$TMP/frac.log")"
	grep -q "error: .*not one whole packet" "$TMP/first.log" ||
		kf_fail "cut first record: no error: $(cat "$TMP/first.log")"
	# pcapng: the last block cut; a block whose two lengths differ.
	size=$(stat -c %s "$F/ng/cap")
	head -c $((size - 10)) "$F/ng/cap" >"$TMP/ngcut/cap"
	replay_ok ngcut "$TMP/ngcut/cap" --interval 1
	replay_ok butlast "$F/butlast/cap" --interval 1
	same "$TMP/ngcut.jsonl" "$TMP/butlast.jsonl"
	grep -q "ngcut/cap: the file ends inside a block after packet 35" "$TMP/ngcut.log" ||
		kf_fail "cut pcapng: no warning: $(cat "$TMP/ngcut.log")"
	python3 "$REPLAY_PY/capgen.py" badblock "$TMP/bb" || kf_fail "capgen.py badblock failed"
	replay_ok bad "$TMP/bb/bad/cap"
	replay_ok good "$TMP/bb/good/cap"
	same "$TMP/bad.jsonl" "$TMP/good.jsonl"
	grep -q "lengths differ (104, 108) after packet 2: its last 208 bytes" "$TMP/bad.log" ||
		kf_fail "damaged pcapng block: no warning: $(cat "$TMP/bad.log")"
}

check_files() {
	mkdir -p "$TMP/dir"
	: >"$TMP/empty.pcap"
	replay dir "$TMP/dir" && kf_fail "replay of a directory exited 0"
	grep -q "dir is a directory" "$TMP/dir.log" || kf_fail "directory: $(cat "$TMP/dir.log")"
	replay empty "$TMP/empty.pcap" && kf_fail "replay of an empty file exited 0"
	grep -q "empty.pcap is empty" "$TMP/empty.log" || kf_fail "empty file: $(cat "$TMP/empty.log")"
	# A capture of no packet (tcpdump that saw nothing) replays to no record.
	[ -d "$TMP/flows" ] || gen flows
	head -c 24 "$TMP/flows/us/cap" >"$TMP/nopkt.pcap"
	replay_ok nopkt "$TMP/nopkt.pcap"
	[ -s "$TMP/nopkt.jsonl" ] && kf_fail "a capture of no packet gave records"
	grep -q "replayed 0 of 0 packets" "$TMP/nopkt.log" || kf_fail "no packet: $(cat "$TMP/nopkt.log")"
}

# Records that could not be written fail a one-shot run, after the log line.
check_lost() {
	local F=$TMP/flows rc how
	[ -d "$F" ] || gen flows
	for how in full stdout closed; do
		case $how in
		full) "$KFLOW" replay "$F/us/cap" --output jsonl:/dev/full 2>"$TMP/$how.log" ;;
		stdout) "$KFLOW" replay "$F/us/cap" >/dev/full 2>"$TMP/$how.log" ;;
		closed) "$KFLOW" replay "$F/us/cap" >&- 2>"$TMP/$how.log" ;;
		esac
		rc=$?
		[ $rc = 1 ] || kf_fail "$how: replay into an output that fails exited $rc"
		grep -q "records not written" "$TMP/$how.log" ||
			kf_fail "$how: no line about the lost records: $(cat "$TMP/$how.log")"
	done
	# Records still queued for a collector at exit (a namespace of its own,
	# without a route to it) were lost as well.
	unshare -n "$KFLOW" replay "$F/us/cap" --output ipfix:tcp://127.0.0.1:4739 2>"$TMP/away.log"
	rc=$?
	[ $rc = 1 ] || kf_fail "replay to a collector that is away exited $rc"
	grep -q "not delivered at exit" "$TMP/away.log" ||
		kf_fail "collector away: no line about the lost records: $(cat "$TMP/away.log")"
}

failed=
for check in pcapng yeargap gaps snap cut files lost; do
	(check_$check) || failed="$failed $check"
done
[ -z "$failed" ] || kf_fail "failed:$failed"
echo ok
