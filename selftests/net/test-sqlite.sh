#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-sqlite.sh - --output sqlite:PATH beside jsonl in the same run: every
# l4_flow_log row is one of the jsonl records and per flow the sums are
# equal; usage and global usage sums equal the transaction sums and the
# l4_flow_log sums; the README's example queries run (refused connections
# and top talkers give what was sent); the file is WAL and readable while
# the agent writes, created 0640 or --output-mode with its -wal and -shm
# files; --retention deletes old rows. A disk that fills up (a small tmpfs
# in the runner's private mount namespace) and another writer holding the
# lock cost only the rows of those intervals, logged and counted exactly,
# while jsonl goes on. A database in a missing directory or on a
# read-only file system is one error line at start.
source "$(dirname "$0")/lib.sh"

FULL=$TMP/full
trap 'umount "$FULL" 2>/dev/null; kf_teardown' EXIT
command -v sqlite3 >/dev/null || kf_fail "missing sqlite3 (tools/install-deps.sh installs it)"
kf_setup
kf_start_server
DB=$TMP/flows.db
COLS=$(python3 "$NETDIR/sqlcheck.py" --columns)
Q() { sqlite3 -bail "$@" || kf_fail "sqlite3 $*"; }

# A path in a missing directory: one error line, exit non-zero, nothing else.
if in_s "$KFLOW" run --iface $VETH_S --pin-path $PIN --no-identity \
	--output sqlite:"$TMP/missing/dir/f.db" 2>"$TMP/missing.log"; then
	kf_fail "a database in a missing directory was accepted"
fi
[ "$(grep -c . "$TMP/missing.log")" = 1 ] && grep -q "error: --output sqlite:$TMP/missing/dir/f.db: cannot open" \
	"$TMP/missing.log" || kf_fail "missing directory: want one error line, got: $(cat "$TMP/missing.log")"

# modes FILE MODE: the database and its -wal and -shm files have MODE.
modes() {
	local got
	got=$(stat -c %a "$1" "$1-wal" "$1-shm" | tr '\n' ' ')
	[ "$got" = "$2 $2 $2 " ] || kf_fail "$1, -wal, -shm: modes $got, want $2"
}

# 1. Traffic, then the table against the jsonl of the same run. The
# database is created 0640 as jsonl files are, whatever the umask.
umask 022
kf_start_agent rec --interval 1 --timeout opening_rst=1 --timeout closed_fin=1 \
	--output sqlite:"$DB"
modes "$DB" 640
[ "$(Q "$DB" 'PRAGMA journal_mode')" = wal ] || kf_fail "the database is not in WAL mode"
in_c $PY "$NETDIR/traffic.py" refused $IP4_S 8098 || kf_fail "refused connection"
for i in 1 2 3; do
	in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 5 || kf_fail "short connections"
	in_c $PY "$NETDIR/traffic.py" udp $IP6_S $PORT 3 || kf_fail "udp"
	# Read while the agent writes: WAL readers never wait for it.
	Q "$DB" "SELECT count(*) FROM l4_flow_log" >/dev/null
	sleep 0.7
done
sleep 3
kf_stop_agent INT
Q -header -separator $'\t' "$DB" "SELECT $COLS FROM l4_flow_log" >"$TMP/rows.tsv"
python3 "$NETDIR/sqlcheck.py" "$TMP/rec.jsonl" "$TMP/rows.tsv" || kf_fail "l4_flow_log differs from the jsonl"
# Usage = transactions = flows, bytes and packets.
sums=$(Q "$DB" "SELECT (SELECT sum(in_bytes) || '/' || sum(packetDeltaCount) FROM RPT_TRANSACTION_NF),
	(SELECT sum(in_bytes) || '/' || sum(packetDeltaCount) FROM RPT_USAGE_NF),
	(SELECT sum(in_bytes) || '/' || sum(packetDeltaCount) FROM RPT_GLB_USAGE_NF),
	(SELECT sum(byte_tx + byte_rx) || '/' || sum(packet_tx + packet_rx) FROM l4_flow_log)")
echo "transaction|usage|global usage|l4_flow_log bytes/packets: $sums"
[ "$(echo "$sums" | tr '|' '\n' | sort -u | wc -l)" = 1 ] || kf_fail "usage sums differ: $sums"
[ "$(Q "$DB" "SELECT count(*) FROM RPT_TRANSACTION_NF WHERE biflow_direction = 2")" -gt 0 ] ||
	kf_fail "no server-direction transaction rows"
# A flow that ends in an interval without packets still gets its end there
# (the client's row, no packets), as IPFIX uniflow sends it.
ends=$(Q "$DB" "SELECT count(*) FROM l4_flow_log WHERE close_type != 5 AND packet_tx + packet_rx = 0")
[ "$ends" -gt 0 ] || kf_fail "no flow ended in an interval without packets: nothing checked"
[ "$(Q "$DB" "SELECT count(*) FROM RPT_TRANSACTION_NF WHERE packetDeltaCount = 0 AND
	biflow_direction = 1")" = "$ends" ] || kf_fail "flows that ended without packets: not $ends rows"
[ "$(Q "$DB" "SELECT count(*) FROM NF_INI_VALUES WHERE value_type = 101 AND value_key = '$VETH_S'")" = 1 ] ||
	kf_fail "NF_INI_VALUES does not name the capture interface once"
[ "$(Q "$DB" "SELECT count(*) FROM CONF_TZ_OFFSET_NF")" = 1 ] || kf_fail "no time zone row"
# Addresses in DeepFlow's forms: IPv4 as a number, IPv6 as 16 bytes (the
# test's TCP and UDP; the kernel's own ICMPv6 goes to multicast groups).
c6=FD000199000000000000000000000001 s6=FD000199000000000000000000000002
[ "$(Q "$DB" "SELECT count(*) FROM l4_flow_log WHERE is_ipv4 = 0 AND protocol != 58 AND
	(hex(ip6_0) != '$c6' OR hex(ip6_1) != '$s6')")" = 0 ] || kf_fail "l4_flow_log IPv6 addresses"
[ "$(Q "$DB" "SELECT count(*) FROM l4_flow_log WHERE is_ipv4 = 0 AND protocol = 17")" -gt 0 ] || kf_fail "no IPv6 rows"
[ "$(Q "$DB" "SELECT count(*) FROM l4_flow_log WHERE is_ipv4 = 1 AND
	(ip4_0 != 180813825 OR ip4_1 != 180813826)")" = 0 ] || kf_fail "l4_flow_log IPv4 addresses"
[ "$(Q "$DB" "SELECT count(*) FROM RPT_TRANSACTION_NF WHERE ipVersion = 6 AND protocol_id != 58 AND NOT
	((hex(sourceIPv6Address) = '$c6' AND hex(destinationIPv6Address) = '$s6' AND biflow_direction = 1) OR
	 (hex(sourceIPv6Address) = '$s6' AND hex(destinationIPv6Address) = '$c6' AND biflow_direction = 2))")" = 0 ] ||
	kf_fail "RPT_TRANSACTION_NF IPv6 addresses"

# 2. The README's queries, as written there.
mkdir "$TMP/q"
for name in $(python3 "$NETDIR/readmeq.py" "$NETDIR/../../README.md" sqlite "$TMP/q"); do
	Q -separator $'\t' "$DB" <"$TMP/q/$name.sql" >"$TMP/q/$name.out"
	echo "README query $name: $(wc -l <"$TMP/q/$name.out") rows"
done
grep -qP "^$IP4_S\t8098\t1$" "$TMP/q/refused.out" || kf_fail "refused: $(cat "$TMP/q/refused.out")"
grep -qP "^$IP4_C\t$IP4_S\t$PORT\t[1-9]" "$TMP/q/top-talkers.out" ||
	kf_fail "top talkers: $(cat "$TMP/q/top-talkers.out")"
grep -qP "^$PORT\t\S+\t0\t[1-9]" "$TMP/q/usage.out" || kf_fail "usage: $(cat "$TMP/q/usage.out")"
grep -q . "$TMP/q/duplicates.out" && kf_fail "duplicates: $(cat "$TMP/q/duplicates.out")"

# 3. Retention: rows three hours old go, this run's stay.
old=$(($(date +%s) - 3 * 3600))
Q "$DB" "INSERT INTO l4_flow_log (time, interval_end, flow_id) VALUES ($old, $old, 1);
	INSERT INTO RPT_USAGE_NF (time_stamp, head_time_stamp, in_bytes) VALUES ($old, $old, 5)"
kf_start_agent ret --interval 1 --retention 1 --output sqlite:"$DB"
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 2 || kf_fail "short connections"
sleep 2.5
kf_stop_agent INT
[ "$(Q "$DB" "SELECT count(*) FROM l4_flow_log WHERE time < $old + 60") $(Q "$DB" \
	"SELECT count(*) FROM RPT_USAGE_NF WHERE time_stamp < $old + 60")" = "0 0" ] ||
	kf_fail "--retention 1 left rows three hours old"
[ "$(Q "$DB" "SELECT count(*) FROM l4_flow_log")" -gt 0 ] || kf_fail "retention removed new rows"

# 4. A full disk, then another writer holding the lock past the busy
# timeout: those intervals' rows are lost and counted, jsonl has every
# record, the agent exits 0.
mkdir "$FULL"
mount -t tmpfs -o size=1m,mode=0755 kflow-test "$FULL" || kf_fail "cannot mount a small tmpfs"
kf_start_agent bad --interval 1 --timeout closed_fin=1 --output sqlite:"$FULL/f.db" \
	--output-mode 0600
modes "$FULL/f.db" 600
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 2 || kf_fail "short connections"
sleep 2
dd if=/dev/zero of="$FULL/fill" bs=4k 2>/dev/null
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 20 || kf_fail "short connections"
kf_wait_for "$TMP/bad.log" "records of this interval not written: .*full"
rm "$FULL/fill"
sleep 1.5
(echo "BEGIN IMMEDIATE;"; sleep 3; echo "COMMIT;") | sqlite3 "$FULL/f.db" &
locker=$!
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 5 || kf_fail "short connections"
kf_wait_for "$TMP/bad.log" "records of this interval not written: database is locked"
wait $locker
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 3 || kf_fail "short connections"
sleep 2
kf_stop_agent INT
lost=$(sed -n 's/.*: \([0-9]*\) records of this interval not written: .*/\1/p' "$TMP/bad.log" |
	awk '{ s += $1 } END { print s + 0 }')
Q -header -separator $'\t' "$FULL/f.db" "SELECT $COLS FROM l4_flow_log" >"$TMP/bad.tsv"
python3 "$NETDIR/sqlcheck.py" "$TMP/bad.jsonl" "$TMP/bad.tsv" --lost "$lost" ||
	kf_fail "full/locked: the rows kept or the losses counted differ from the jsonl"
grep "not written" "$TMP/bad.log" | sed 's/^/  log: /'

# 5. A read-only file system: one error line at start.
mount -o remount,ro "$FULL" || kf_fail "cannot remount the tmpfs read-only"
if in_s "$KFLOW" run --iface $VETH_S --pin-path $PIN --no-identity \
	--output sqlite:"$FULL/f.db" 2>"$TMP/ro.log"; then
	kf_fail "a database on a read-only file system was accepted"
fi
[ "$(grep -c . "$TMP/ro.log")" = 1 ] && grep -q "error: --output sqlite:$FULL/f.db: " "$TMP/ro.log" ||
	kf_fail "read-only: want one error line, got: $(cat "$TMP/ro.log")"
echo "read-only: $(cat "$TMP/ro.log")"
echo "ok"
