# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# clickhouse.inc.sh - a ClickHouse server for a test (Debian 12's
# clickhouse-server, run as root), on 127.0.0.1 inside the server namespace
# so that no port of the host is taken, its data and config under $TMP/ch.
# Its pid joins KF_PIDS: kf_teardown kills it on any exit, and $TMP goes
# with everything else. Source after lib.sh and kf_setup.

CH_DIR=$TMP/ch
CH_PORT=8123
CH_PASSWORD=kf-$RANDOM-$RANDOM
CH_URL=http://127.0.0.1:$CH_PORT

ch_configure() {
	command -v clickhouse-server >/dev/null ||
		kf_fail "missing clickhouse-server (tools/install-deps.sh installs it)"
	command -v clickhouse-client >/dev/null ||
		kf_fail "missing clickhouse-client (tools/install-deps.sh installs it)"
	mkdir -p "$CH_DIR" || kf_fail "cannot create $CH_DIR"
	sed -e "s|@DIR@|$CH_DIR|g" -e "s|@PORT@|$CH_PORT|g" -e "s|@TCP_PORT@|9000|g" \
		"$NETDIR/clickhouse/config.xml" >"$CH_DIR/config.xml"
	sed -e "s|@PASSWORD@|$CH_PASSWORD|g" "$NETDIR/clickhouse/users.xml" >"$CH_DIR/users.xml"
}

# Starts the server (again: same data) and waits until /ping answers.
ch_start() {
	$NSE_S clickhouse-server --config-file="$CH_DIR/config.xml" >>"$CH_DIR/stdout.log" 2>&1 &
	CH_PID=$!
	KF_PIDS+=($CH_PID)
	for _ in $(seq 150); do
		[ "$(in_s curl -s "$CH_URL/ping" 2>/dev/null)" = "Ok." ] && return 0
		kill -0 $CH_PID 2>/dev/null || break
		sleep 0.2
	done
	kf_fail "clickhouse-server did not start: $(tail -5 "$CH_DIR/stdout.log" "$CH_DIR/error.log" 2>/dev/null)"
}

ch_stop() {
	kill -TERM $CH_PID 2>/dev/null
	for _ in $(seq 100); do
		kill -0 $CH_PID 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL $CH_PID 2>/dev/null
	wait $CH_PID 2>/dev/null
	# Reaped: its pid may be someone else's by teardown time.
	local p keep=()
	for p in "${KF_PIDS[@]}"; do
		[ "$p" = "$CH_PID" ] || keep+=($p)
	done
	KF_PIDS=("${keep[@]}")
}

# ch_query SQL: runs SQL as the default user over HTTP, prints the answer
# (TabSeparated); fails the test on an error.
ch_query() {
	local out
	out=$(in_s curl -sS --fail-with-body "$CH_URL/?database=${CH_DB:-default}" --data-binary "$1" 2>&1) ||
		kf_fail "clickhouse query failed: $1: $out"
	printf '%s\n' "$out"
}
