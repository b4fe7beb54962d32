#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-clickhouse.sh - --output clickhouse: against Debian's clickhouse-server
# (18.16), started by the test on 127.0.0.1 in the server namespace with the
# config in clickhouse/ (clickhouse.inc.sh), stopped at the end, also on
# failure. The agent creates the database and tables; every l4_flow_log row
# is one of the jsonl records of the same run and per flow the sums are
# equal; usage sums equal transaction sums; the README's queries run. The
# server stopped for more than two intervals and started again: every row
# arrives (a duplicate only as the README documents it). A backlog too small
# for the batches drops them, counted: rows in the table + rows counted
# lost = records. --retention drops old partitions. The password is never on
# the command line (/proc/PID/cmdline); a wrong password, a user who may not
# create the database and --clickhouse-password are one error line at
# start; an unreachable server never holds up the jsonl records.
source "$(dirname "$0")/lib.sh"
source "$NETDIR/clickhouse.inc.sh"

kf_setup
kf_start_server
ch_configure
ch_start
COLS=$(python3 "$NETDIR/sqlcheck.py" --columns)
export KFLOW_CLICKHOUSE_PASSWORD=$CH_PASSWORD
CH="--output clickhouse:$CH_URL/kflow --clickhouse-user kflow"

# wait_backoff FILE PATTERN: as kf_wait_for, but for the sender's retry,
# whose backoff reaches 30 s.
wait_backoff() {
	for _ in $(seq 400); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	kf_fail "timed out waiting for '$2' in $1: $(tail -3 "$1" 2>/dev/null)"
}

# rows DB NAME: the l4_flow_log columns sqlcheck.py compares, to $TMP/NAME.tsv.
rows() {
	CH_DB=$1 ch_query "SELECT $COLS FROM l4_flow_log FORMAT TSVWithNames" >"$TMP/$2.tsv"
}

# start_fail NAME ARGS...: kflow must refuse to start with one error line.
start_fail() {
	local name=$1
	shift
	if in_s "$KFLOW" run --iface $VETH_S --pin-path $PIN --no-identity "$@" 2>"$TMP/$name.log"; then
		kf_fail "$name: kflow started"
	fi
	[ "$(grep -c . "$TMP/$name.log")" = 1 ] && grep -q "error: " "$TMP/$name.log" ||
		kf_fail "$name: want one error line, got: $(cat "$TMP/$name.log")"
	echo "$name: $(cat "$TMP/$name.log")"
}

# 1. Bad input at start.
start_fail wrong-password --output clickhouse:$CH_URL/kflow --clickhouse-user kflow \
	--clickhouse-password-file <(echo wrong)
start_fail readonly-user --output clickhouse:$CH_URL/kflow --clickhouse-user ro \
	--clickhouse-password-file <(echo ro)
start_fail password-on-command-line $CH --clickhouse-password "$CH_PASSWORD"
start_fail credentials-in-url --output clickhouse:http://kflow:x@127.0.0.1:$CH_PORT/kflow
start_fail bad-database --output clickhouse:$CH_URL/no-such-db

# 2. Traffic, then the tables against the jsonl of the same run.
kf_start_agent rec --interval 1 --timeout opening_rst=1 --timeout closed_fin=1 $CH
tr '\0' ' ' </proc/$AGENT_PID/cmdline | grep -qF "$CH_PASSWORD" && kf_fail "the password is on the command line"
in_c $PY "$NETDIR/traffic.py" refused $IP4_S 8098 || kf_fail "refused connection"
for i in 1 2 3; do
	in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 5 || kf_fail "short connections"
	in_c $PY "$NETDIR/traffic.py" udp $IP6_S $PORT 3 || kf_fail "udp"
	sleep 0.7
done
sleep 3
kf_stop_agent INT
rows kflow rec
python3 "$NETDIR/sqlcheck.py" "$TMP/rec.jsonl" "$TMP/rec.tsv" || kf_fail "l4_flow_log differs from the jsonl"
sums=$(CH_DB=kflow ch_query "SELECT
	(SELECT concat(toString(sum(in_bytes)), '/', toString(sum(packetDeltaCount))) FROM RPT_TRANSACTION_NF),
	(SELECT concat(toString(sum(in_bytes)), '/', toString(sum(packetDeltaCount))) FROM RPT_USAGE_NF),
	(SELECT concat(toString(sum(in_bytes)), '/', toString(sum(packetDeltaCount))) FROM RPT_GLB_USAGE_NF),
	(SELECT concat(toString(sum(byte_tx + byte_rx)), '/', toString(sum(packet_tx + packet_rx))) FROM l4_flow_log)")
echo "transaction|usage|global usage|l4_flow_log bytes/packets: $sums"
[ "$(echo "$sums" | tr '\t' '\n' | sort -u | wc -l)" = 1 ] || kf_fail "usage sums differ: $sums"
[ "$(CH_DB=kflow ch_query "SELECT count() FROM NF_INI_VALUES WHERE value_type = 101 AND value_key = '$VETH_S'")" = 1 ] ||
	kf_fail "NF_INI_VALUES does not name the capture interface once"
mkdir "$TMP/q"
for name in $(python3 "$NETDIR/readmeq.py" "$NETDIR/../../README.md" clickhouse "$TMP/q"); do
	CH_DB=kflow ch_query "$(cat "$TMP/q/$name.sql")" >"$TMP/q/$name.out"
	echo "README query $name: $(grep -c . "$TMP/q/$name.out") rows"
done
grep -qP "^$IP4_S\t8098\t1$" "$TMP/q/refused.out" || kf_fail "refused: $(cat "$TMP/q/refused.out")"
grep -qP "^$IP4_C\t$IP4_S\t$PORT\t[1-9]" "$TMP/q/top-talkers.out" ||
	kf_fail "top talkers: $(cat "$TMP/q/top-talkers.out")"
grep -qP "^$PORT\t\S+\t0\t[1-9]" "$TMP/q/usage.out" || kf_fail "usage: $(cat "$TMP/q/usage.out")"
grep -q . "$TMP/q/duplicates.out" && kf_fail "duplicates: $(cat "$TMP/q/duplicates.out")"

# 3. The server away for more than two intervals: the rows wait, then arrive.
kf_start_agent down --interval 1 --timeout closed_fin=1 --output clickhouse:$CH_URL/down \
	--clickhouse-user kflow --clickhouse-password-file <(echo "$CH_PASSWORD")
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 3 || kf_fail "short connections"
sleep 1.5
ch_stop
for i in 1 2 3; do
	in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 3 || kf_fail "short connections"
	sleep 1
done
kf_wait_for "$TMP/down.log" "batches wait in the backlog"
# Records go on with the server away (traffic after the count: the wait
# message may come once the loop's last records are written).
n=$(grep -c . "$TMP/down.jsonl")
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 3 || kf_fail "short connections"
sleep 2
[ "$(grep -c . "$TMP/down.jsonl")" -gt "$n" ] || kf_fail "no jsonl records while ClickHouse is down"
ch_start
wait_backoff "$TMP/down.log" "delivering again"
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 3 || kf_fail "short connections"
sleep 2.5
kf_stop_agent INT
grep -q "not delivered at exit" "$TMP/down.log" && kf_fail "rows left undelivered: $(cat "$TMP/down.log")"
rows down down
python3 "$NETDIR/sqlcheck.py" "$TMP/down.jsonl" "$TMP/down.tsv" --dup-ok ||
	kf_fail "rows lost or changed while ClickHouse was down"

# 4. A backlog smaller than one interval's batch, the server away: dropped,
# counted, logged; what arrives + what was counted = the records.
ch_stop
kf_start_agent small --interval 1 --timeout udp=1 --output clickhouse:$CH_URL/small \
	--clickhouse-user kflow --clickhouse-backlog 65536
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 3 || kf_fail "short connections"
sleep 1.2
in_c $PY "$NETDIR/traffic.py" udp-ports $IP4_S 20000 400 || kf_fail "udp to many ports"
kf_wait_for "$TMP/small.log" "batches dropped, oldest first"
ch_start
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 3 || kf_fail "short connections"
wait_backoff "$TMP/small.log" "delivering again"
sleep 2.5
kf_stop_agent INT
lost=$(sed -n 's/.*since start [0-9]* rows, \([0-9]*\) of them l4_flow_log.*/\1/p' "$TMP/small.log" | tail -1)
rows small small
python3 "$NETDIR/sqlcheck.py" "$TMP/small.jsonl" "$TMP/small.tsv" --dup-ok --lost "${lost:-0}" ||
	kf_fail "full backlog: the rows delivered plus the rows counted lost are not the records"
grep "dropped" "$TMP/small.log" | sed 's/^/  log: /'

# 5. Retention: partitions three hours old go.
old=$(($(date +%s) - 3 * 3600))
CH_DB=kflow ch_query "INSERT INTO l4_flow_log (time, interval_end, flow_id) VALUES ($old, $old, 1)"
CH_DB=kflow ch_query "INSERT INTO RPT_USAGE_NF (time_stamp, head_time_stamp) VALUES ($old, $old)"
kf_start_agent ret --interval 1 --retention 1 $CH
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 2 || kf_fail "short connections"
kf_wait_for "$TMP/ret.log" "retention: dropped RPT_USAGE_NF"
kf_stop_agent INT
[ "$(CH_DB=kflow ch_query "SELECT count() FROM l4_flow_log WHERE time < toDateTime($old + 60)")" = 0 ] ||
	kf_fail "--retention 1 left l4_flow_log rows three hours old"
[ "$(CH_DB=kflow ch_query "SELECT count() FROM l4_flow_log")" -gt 0 ] || kf_fail "retention removed new rows"

# 6. A server nobody answers for (a closed port): jsonl goes on each interval.
kf_start_agent away --interval 1 --output clickhouse:http://127.0.0.1:1/kflow
grep -q "clickhouse .*127.0.0.1:1/kflow: .*batches wait" "$TMP/away.log" || kf_fail "no line on the unreachable server"
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 2 || kf_fail "short connections"
sleep 2.5
kf_stop_agent INT
[ "$(grep -c . "$TMP/away.jsonl")" -ge 2 ] || kf_fail "jsonl stalled while ClickHouse was unreachable"
ch_stop
echo "ok"
