#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# stream.sh - `make bench`, third part: kflow run --stream end to end, with
# four subscribers of flow_start attached (stream_load.py sub):
#  1. events a second from kernel to each subscriber: a burst of new UDP
#     flows (one datagram to each of 40 000 ports), timed from the first to
#     the last flow_start each subscriber received;
#  2. latency from a SYN leaving the client (its send time) to its
#     flow_start line at each subscriber, p50 and p99, at about 10 000 new
#     connections a second for 3 s.
# A benchmark, not a test: figures as measured on a shared machine. Uses
# the network tests' lib.sh (namespaces, veth, cleanup) in a private mount
# namespace with its own bpffs.
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "$KF_BENCH_IN_MNTNS" ]; then
	export KF_BENCH_IN_MNTNS=1
	exec unshare -m --propagation private "$0" "$@"
fi
mount -t bpf bpf /sys/fs/bpf || { echo "stream.sh: cannot mount bpffs" >&2; exit 1; }
source "$here/../net/lib.sh"
LOAD=$here/stream_load.py
SOCK=$TMP/run/kflow.sock
BURST=40000
RATE=10000
SECS=3

kf_setup
kf_start_agent rec --interval 10 --stream "$SOCK" --no-identity
for i in 1 2 3 4; do
	$PY "$LOAD" sub "$SOCK" "$TMP/sub$i" >"$TMP/sub$i.out" &
	KF_PIDS+=($!)
	kf_wait_for "$TMP/sub$i.out" connected
done
sleep 0.5
in_c $PY "$NETDIR/traffic.py" udp-ports $IP4_S 10000 $BURST 2>/dev/null ||
	kf_fail "the UDP burst failed"
sleep 2
in_c $PY "$LOAD" syn $IP4_S 20000 $RATE $SECS "$TMP/sends" || kf_fail "the SYN load failed"
sleep 2
kf_stop_agent INT
sleep 0.5
echo
echo "Stream: kflow run --stream, four subscribers of flow_start (stream_load.py)"
echo "1. A burst of $BURST new UDP flows: events a second at each subscriber"
printf "  %-14s %8s %9s %12s %6s\n" subscriber events seconds "events/s" lost
for i in 1 2 3 4; do
	python3 - "$TMP/sub$i" "$TMP/udp$i" <<'PY'
import json, sys
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1]):
        o = json.loads(line.partition(" ")[2])
        if o.get("event") == "lost" or o.get("protocol") == 17:
            out.write(line)
PY
	python3 "$LOAD" rate "$TMP/udp$i"
done
echo "2. SYN sent -> flow_start received, at $RATE new connections/s for $SECS s (ms)"
printf "  %-14s %8s %8s %9s %9s %9s %6s\n" subscriber SYNs events p50 p99 max lost
python3 "$LOAD" report "$TMP/sends" "$TMP"/sub[1-4]
grep "stream:.*published" "$TMP/rec.log" | sed 's/^/  agent: /'
