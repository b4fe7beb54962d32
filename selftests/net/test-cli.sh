#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-cli.sh - bad command lines and bad pinned state: one clear error
# line, a non-zero exit, and nothing attached or pinned afterwards.
source "$(dirname "$0")/lib.sh"

kf_setup

# expect_fail PATTERN ARGS...: kflow ARGS must fail, print one error line
# matching PATTERN, and leave nothing behind.
expect_fail() {
	local pattern=$1 rc
	shift
	in_s "$KFLOW" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc -ne 0 ] || kf_fail "kflow $* exited 0"
	[ "$(grep -c 'error:' "$TMP/err")" = 1 ] ||
		kf_fail "kflow $*: want exactly one error line, got: $(cat "$TMP/err")"
	grep -q -- "$pattern" "$TMP/err" || kf_fail "kflow $*: error does not say '$pattern': $(cat "$TMP/err")"
	[ -s "$TMP/out" ] && kf_fail "kflow $*: wrote to stdout: $(cat "$TMP/out")"
	[ -n "$PERSISTED" ] && return 0 # a persisted agent's hooks stay, checked below
	kf_has_filters && kf_fail "kflow $*: left TC filters"
	kf_has_clsact && kf_fail "kflow $*: left a clsact qdisc"
	kf_has_xdp && kf_fail "kflow $*: left XDP"
	return 0
}

P="--pin-path $PIN"
expect_fail "nosuch0" run --iface nosuch0 $P
expect_fail "not an Ethernet device" run --iface lo $P
expect_fail "'$VETH_S' is also excluded by --exclude-iface" run --iface $VETH_S --exclude-iface $VETH_S $P
expect_fail "also excluded" run --iface $VETH_S --exclude-iface 'kfv*' $P
expect_fail "no interface name in it" run --iface , $P
expect_fail "--interval" run --interval 0 $P
expect_fail "--interval" run --interval abc $P
expect_fail "--max-flows" run --max-flows 0 $P
expect_fail "--max-flows" run --max-flows -5 $P
expect_fail "--output" run --output csv:/tmp/x $P
expect_fail "--timeout" run --timeout nope=3 $P
expect_fail "--timeout 'udp=0': expected udp=SECONDS" run --timeout udp=0 $P
expect_fail "--server-ports" run --server-ports 70000 $P
expect_fail "unknown option" run --bogus $P
expect_fail "needs a value" run --iface
expect_fail "unknown command" frobnicate
expect_fail "absolute path" run --pin-path relative/dir
expect_fail "not one .kflow dump. takes" dump --xdp
expect_fail "'--iface' is not one 'kflow dump' takes" dump --iface x
LONG=$(printf 'kfx%04d,' $(seq 150)) # 1200 characters: the tail would have been cut
expect_fail "--iface: the list is 1200 characters long" run --iface "$LONG" $P
expect_fail "--exclude-iface: the list is 1200" run --exclude-iface "$LONG" $P
expect_fail "--output port '99999'" run --output ipfix:udp://127.0.0.1:99999 $P
expect_fail "--output port '0'" run --output ipfix:tcp://127.0.0.1:0 $P
expect_fail "--ipfix-flows 'both': expected uniflow or biflow" run --ipfix-flows both $P
expect_fail "--ipfix-usage 'no': expected on or off" run --ipfix-usage no $P
expect_fail "--ipfix-usage-domain 3: the flow records' domain" run --ipfix-domain 3 \
	--ipfix-usage-domain 3 $P
expect_fail "--ipfix-domain 4294967295: the usage records' default domain" run \
	--ipfix-domain 4294967295 $P
expect_fail "--ipfix-usage-domain" run --ipfix-usage-domain -1 $P
expect_fail "--output-mode" run --output-mode 0999 $P
expect_fail "unknown command 'frob': the commands are run, dump, cleanup, replay, stream, help" frob
expect_fail "missing command: one of run, dump, cleanup, replay, stream, help"
expect_fail "--metrics '9400': expected ADDR:PORT" run --metrics 9400 $P
expect_fail "--metrics '::1:9400': an IPv6 address goes in brackets" run --metrics ::1:9400 $P
expect_fail "--metrics '\[::1\]9400': expected ADDR:PORT" run --metrics '[::1]9400' $P
expect_fail "--metrics '0.0.0.0:70000': the port must be" run --metrics 0.0.0.0:70000 $P
expect_fail "--metrics '127.0.0.1:': the port must be" run --metrics 127.0.0.1: $P
expect_fail "--metrics 'localhost:9400': 'localhost' is not a numeric" run --metrics localhost:9400 $P
expect_fail "--metrics 192.0.2.1:9400: cannot listen: Cannot assign requested address" run \
	--iface $VETH_S --metrics 192.0.2.1:9400 $P
expect_fail "--output 'sqlite:'" run --output sqlite: $P
expect_fail "--output 'jsonl:-' given twice" run --output jsonl:- --output jsonl:- $P
expect_fail "--output 'jsonl:$TMP/x' given twice" replay "$TMP/none.pcap" --output jsonl:"$TMP/x" \
	--output ipfix:udp://127.0.0.1:4739 --output jsonl:"$TMP/x"
expect_fail "clickhouse:http://HOST:PORT/DATABASE" run --output clickhouse:http://127.0.0.1:8123 $P
expect_fail "--retention '0'" run --retention 0 $P
expect_fail "--xdp and --xdp-force: give one of them" run --xdp --xdp-force $P
expect_fail "--server-ports ',,,': no port in it" run --server-ports ,,, $P
expect_fail "--ipfix-flows is an option of --output ipfix:, which was not given" \
	run --ipfix-flows uniflow $P
expect_fail "--retention is an option of --output sqlite: or clickhouse:" run --retention 5 $P
expect_fail "--clickhouse-user is an option of --output clickhouse:" \
	run --clickhouse-user u --output sqlite:"$TMP/x.db" $P
expect_fail "--clickhouse-backlog '100'" run --clickhouse-backlog 100 $P
expect_fail "--clickhouse-password: not taken" run --clickhouse-password secret $P
expect_fail "--clickhouse-password-file" run --output clickhouse:http://127.0.0.1:1/db \
	--clickhouse-password-file "$TMP/no-such-file" $P
expect_fail "cannot open" dump $P
expect_fail "--stream 'relative.sock': expected an absolute socket path" run --stream relative.sock $P
expect_fail "--stream-group is an option of --stream" run --stream-group adm $P
expect_fail "--ring-size is an option of --stream" run --ring-size 8192 $P
expect_fail "--ring-size 12288: must be a power of two" run --stream /tmp/x.sock --ring-size 12288 $P
expect_fail "--stream-history" run --stream /tmp/x.sock --stream-history -1 $P
expect_fail "'--stream' is not one 'kflow dump' takes" dump --stream /tmp/x.sock
expect_fail "--last 'x': expected a number" stream --last x
expect_fail "--socket '': expected the agent's socket path" stream --socket ''
expect_fail "--events '': no event in it" stream --events ''
expect_fail "--filter 'port': expected KEY=VALUE" stream --filter port
expect_fail "--events 'flow_middle': unknown event" stream --events flow_middle
expect_fail "unknown option '--bogus' for kflow stream" stream --bogus
expect_fail "cannot connect to $TMP/none.sock" stream --socket "$TMP/none.sock"
[ -e "$PIN" ] && kf_fail "a failed run left $PIN"

# A pin path holding a map of the same name but another shape.
mkdir -p "$PIN"
bpftool map create "$PIN/kf_flows_a" type hash key 4 value 4 entries 8 name kf_flows_a ||
	kf_fail "bpftool map create"
expect_fail "incompatible" run --iface $VETH_S $P
[ -e "$PIN/kf_flows_b" ] && kf_fail "an incompatible pin path got new pins"
rm -rf "$PIN"

# Persisted state of an older layout (ABI 2): refused with one line.
mkdir -p "$PIN"
bpftool map create "$PIN/kf_info" type array key 4 value 16 entries 1 name kf_info ||
	kf_fail "bpftool map create"
bpftool map update pinned "$PIN/kf_info" key 0 0 0 0 value 2 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 ||
	kf_fail "bpftool map update"
abi=$(awk '/define KF_ABI_VERSION/ { print $3; exit }' "$NETDIR/../../headers/kflow.h")
expect_fail "holds kflow ABI v2 state, this kflow uses v$abi" run --iface $VETH_S $P
rm -rf "$PIN"

# An agent killed while it started: its maps pinned, kf_info not yet
# written (ABI 0), kf_flow_sel maybe empty. dump says so.
mkdir -p "$PIN"
bpftool map create "$PIN/kf_info" type array key 4 value 16 entries 1 name kf_info ||
	kf_fail "bpftool map create"
expect_fail "$PIN/kf_info has no ABI version" dump $P
# This ABI's kf_info beside a foreign kf_flow_sel: never read into kflow's
# buffers.
bpftool map update pinned "$PIN/kf_info" key 0 0 0 0 value $abi 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 ||
	kf_fail "bpftool map update"
bpftool map create "$PIN/kf_flow_sel" type hash key 4 value 64 entries 4 name kf_flow_sel ||
	kf_fail "bpftool map create"
expect_fail "$PIN/kf_flow_sel is not the kf_flow_sel map of this kflow" dump $P
rm -rf "$PIN"
$NSE_S "$KFLOW" run --iface $VETH_S --no-identity $P 2>/dev/null &
pid=$!
sleep 0.3
kill -KILL $pid
wait $pid 2>/dev/null
PERSISTED=1 expect_fail "$PIN" dump $P
in_s tc qdisc del dev $VETH_S clsact 2>/dev/null
rm -rf "$PIN"

# Persisted state made with another --max-flows.
kf_start_agent first --interval 60 --persist --max-flows 100
kf_stop_agent TERM
PERSISTED=1 expect_fail "made with --max-flows 100 (this run: 200)" run --iface $VETH_S --max-flows 200 $P
kf_has_filters || kf_fail "a refused run detached the persisted agent's filters"
in_s "$KFLOW" cleanup $P 2>/dev/null || kf_fail "cleanup"

# Persisted with XDP, restarted without: refused rather than counting twice.
kf_start_agent second --interval 60 --persist --xdp-force
kf_stop_agent TERM
in_s "$KFLOW" run --iface $VETH_S $P >/dev/null 2>"$TMP/err" && kf_fail "mode change accepted"
grep -q "with XDP" "$TMP/err" || kf_fail "mode change error unclear: $(cat "$TMP/err")"
kf_has_xdp || kf_fail "a refused run detached the persisted agent's XDP"
in_s "$KFLOW" cleanup $P 2>/dev/null || kf_fail "cleanup"

# Kernel memory beyond the memory cgroup's limit: one line that names the
# map, what it asks for and the limit; no libbpf lines, no verifier hint.
if [ -d /sys/fs/cgroup/memory ]; then
	MEMCG=/sys/fs/cgroup/memory/kflow-test-$SUFFIX
	mkdir "$MEMCG" && echo 64M >"$MEMCG/memory.limit_in_bytes" || kf_fail "cannot make $MEMCG"
	trap 'kf_cgroup_remove "$MEMCG"; kf_teardown' EXIT
elif grep -qw memory "$CG2/cgroup.controllers"; then
	MEMCG=$CG_ROOT/mem
	echo +memory >"$CG_ROOT/cgroup.subtree_control" && mkdir "$MEMCG" &&
		echo 64M >"$MEMCG/memory.max" || kf_fail "cannot make $MEMCG"
else
	kf_fail "no memory cgroup controller (v1 or v2) to limit kflow's kernel memory"
fi
sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' - "$MEMCG" \
	$NSE_S "$KFLOW" run --iface $VETH_S --max-flows 1000000 --no-identity $P >"$TMP/out" 2>"$TMP/err" &&
	kf_fail "a run past the memory limit started"
[ "$(grep -c . "$TMP/err")" = 1 ] || kf_fail "want one line for ENOMEM, got: $(cat "$TMP/err")"
grep -q "error: cannot create map kf_.*Cannot allocate memory (.* entries, at least .* of kernel memory; memory cgroup limit 64.0 MiB" "$TMP/err" ||
	kf_fail "ENOMEM line unclear: $(cat "$TMP/err")"
[ -e "$PIN" ] && kf_fail "a failed run left $PIN"

# Two agents on one pin path.
kf_start_agent third --interval 60
expect_running() { kill -0 $AGENT_PID || kf_fail "first agent died"; }
in_s "$KFLOW" run --iface $VETH_S $P >/dev/null 2>"$TMP/err" && kf_fail "second agent accepted"
grep -q "another kflow is running" "$TMP/err" || kf_fail "unclear: $(cat "$TMP/err")"
expect_running
# dump into a file that cannot be written fails with one line.
in_c ping -c 2 -i 0.2 $IP4_S >/dev/null || kf_fail "ping"
in_s "$KFLOW" dump $P >/dev/full 2>"$TMP/err" && kf_fail "dump into /dev/full exited 0"
[ "$(grep -c . "$TMP/err")" = 1 ] && grep -q "error: cannot write the flows to stdout: No space left" \
	"$TMP/err" || kf_fail "dump into /dev/full: $(cat "$TMP/err")"
kf_stop_agent INT
echo "ok"
