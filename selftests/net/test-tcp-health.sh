#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-tcp-health.sh - TCP health live, against tshark's analysis of a
# capture of the same interface: retransmissions under random loss (an
# nftables rule in the receiving namespace drops a share of data segments
# after the capture point), zero window from a receiver that stops reading,
# handshake RTT, art from a server that waits before answering, cit from a
# client that waits between requests, and the close_type of a refused
# connection, a client abort, a half close and an idle timeout. The counts
# also equal the capture's sequence numbers and its replay exactly.
#
# Everything runs on one CPU: a segment is then received where it was sent,
# so the capture and kflow see one order (see kf_steer_rx), and no segment
# waits for another CPU to wake before the capture's tap stamps it (kflow
# takes its sender's departure time: a SYN that waited 330 us for a sleeping
# vCPU made one handshake RTT differ from tshark's by more than the slack).
# test-tcp-loss covers two CPUs.
KF_CAP_BUFFERED=1 # see kf_start_capture
source "$(dirname "$0")/lib.sh"

command -v tshark >/dev/null || kf_fail "tshark is missing (run make deps)"
command -v nft >/dev/null || kf_fail "nft is missing (run make deps)"

taskset -pc 1 $$ >/dev/null || kf_fail "cannot pin the test to CPU 1"
kf_setup
# Data segments from the client, after the capture point: 3 % dropped.
in_s nft -f - <<NFT || kf_fail "nft rule"
table inet kflowtest {
	chain input {
		type filter hook input priority 0;
		ip saddr $IP4_C tcp dport $PORT meta length > 200 numgen random mod 100 < 3 drop
	}
}
NFT
kf_start_server
$NSE_S $PY "$NETDIR/traffic.py" serve-stall 8100 2 >"$TMP/stall.log" 2>&1 &
KF_PIDS+=($!)
$NSE_S $PY "$NETDIR/traffic.py" serve-rr 8101 0.2 >"$TMP/rr.log" 2>&1 &
KF_PIDS+=($!)
# One server port per ending: half close, idle, client abort.
for port in 8102 8103; do
	$NSE_S $PY "$NETDIR/traffic.py" serve-stall $port 120 >"$TMP/stall$port.log" 2>&1 &
	KF_PIDS+=($!)
done
$NSE_S $PY "$NETDIR/traffic.py" serve 8104 >"$TMP/abort.log" 2>&1 &
KF_PIDS+=($!)
for log in stall rr stall8102 stall8103 abort; do
	kf_wait_for "$TMP/$log.log" ready
done
kf_start_capture
kf_start_agent rec --interval 2 --timeout established=3 --timeout closing=1 \
	--timeout closed_fin=1 --timeout opening=1 --timeout established_rst=1

for _ in 1 2 3; do
	in_c $PY "$NETDIR/traffic.py" bulk $IP4_S $PORT 1500000 0.5 || kf_fail "bulk under loss"
done
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 5 || kf_fail "short connections"
in_c $PY "$NETDIR/traffic.py" bulk $IP4_S 8100 600000 0 || kf_fail "bulk to a stalled receiver"
in_c $PY "$NETDIR/traffic.py" rr $IP4_S 8101 5 0.3 || kf_fail "request/response"
in_c $PY "$NETDIR/traffic.py" refused $IP4_S 8199 || kf_fail "refused connection"
in_c $PY "$NETDIR/traffic.py" abort $IP4_S 8104 || kf_fail "client abort"
$NSE_C $PY "$NETDIR/traffic.py" halfclose $IP4_S 8102 60 &
KF_PIDS+=($!)
$NSE_C $PY "$NETDIR/traffic.py" idle $IP6_S 8103 60 &
KF_PIDS+=($!)
sleep 9 # past every timeout and one more interval
kf_stop_capture
kf_stop_agent INT
python3 "$NETDIR/healthcheck.py" "$TMP/cap.pcap" "$TMP/rec.jsonl" --need-retrans --need-zero-win \
	--art-ms 8101=200 --cit-ms 8101=300 --expect-close 8199=15 --expect-close 8102=8 \
	--expect-close 8103=3 --expect-close 8104=9 --expect-close 8100=1 --expect-close 8101=1 \
	--expect-close $PORT=1 || kf_fail "TCP health differs from tshark's analysis"
# The counts exactly as the capture's sequence numbers say, and the same
# from the capture replayed.
"$KFLOW" replay "$TMP/cap.pcap" --interval 2 --timeout established=3 --timeout closing=1 \
	--timeout closed_fin=1 --timeout opening=1 --timeout established_rst=1 \
	--output jsonl:"$TMP/replay.jsonl" 2>"$TMP/replay.log" || kf_fail "replay: $(cat "$TMP/replay.log")"
python3 "$NETDIR/losscheck.py" "$TMP/cap.pcap" "$TMP/rec.jsonl" --replay "$TMP/replay.jsonl" ||
	kf_fail "TCP counts differ from the capture's sequence numbers or from its replay"
echo ok
