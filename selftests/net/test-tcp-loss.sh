#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-tcp-loss.sh - retransmissions, out-of-order and zero window exactly
# as the capture's sequence numbers say, with loss in either direction. The
# capture is taken on the veth kflow counts on, upstream of the loss (an
# nftables rule in the receiving namespace drops 10 % of the data after the
# capture point), so the truth is exact. Data leaving the veth goes through
# TC egress as GSO buffers of several segments (a retransmitted buffer is
# several retransmissions); data arriving is one segment a packet. Transfers
# run with both ends free and pinned to different CPUs. The capture replayed
# gives the same counts as the live agent.
# What arrives at the veth is received on one CPU (kf_steer_rx: the capture
# and kflow see one order); data and ACKs still meet in kflow from two CPUs,
# ingress on that one and egress on the sender's.
source "$(dirname "$0")/lib.sh"

command -v nft >/dev/null || kf_fail "nft is missing (run make deps)"
[ "$(nproc)" -ge 2 ] || kf_fail "this test wants two CPUs"
PORT_C=8300 # a server in the client namespace: data leaves the counted veth

kf_setup
kf_steer_rx 1
for side in C S; do
	ns=NS_$side
	peer=$([ $side = C ] && echo $IP4_S || echo $IP4_C)
	ip netns exec ${!ns} nft -f - <<NFT || kf_fail "nft rule in ${!ns}"
table inet kflowloss {
	chain input {
		type filter hook input priority 0;
		ip saddr $peer meta length > 200 numgen random mod 100 < 10 drop
	}
}
NFT
done
kf_start_server
$NSE_C $PY "$NETDIR/traffic.py" serve $PORT_C >"$TMP/server_c.log" 2>&1 &
KF_PIDS+=($!)
kf_wait_for "$TMP/server_c.log" ready
kf_start_capture
kf_start_agent rec --interval 2 --timeout closed_fin=1

for pin in "" "0 1" "1 0"; do
	set -- $pin
	run_c=() run_s=()
	[ -n "$pin" ] && run_c=(taskset -c $1) && run_s=(taskset -c $2)
	# upload: the data arrives at the counted veth
	in_c "${run_c[@]}" $PY "$NETDIR/traffic.py" bulk $IP4_S $PORT 2000000 0.5 || kf_fail "upload"
	# download: the data leaves it, through TC egress
	in_s "${run_s[@]}" $PY "$NETDIR/traffic.py" bulk $IP4_C $PORT_C 2000000 0.5 || kf_fail "download"
done
sleep 3
kf_stop_capture
kf_stop_agent INT
grep -q "^0 packets dropped by kernel" "$TMP/tcpdump.log" ||
	kf_fail "the capture missed packets, so it is no truth: $(tail -3 "$TMP/tcpdump.log")"
"$KFLOW" replay "$TMP/cap.pcap" --interval 2 --timeout closed_fin=1 \
	--output jsonl:"$TMP/replay.jsonl" 2>"$TMP/replay.log" || kf_fail "replay: $(cat "$TMP/replay.log")"
python3 "$NETDIR/losscheck.py" "$TMP/cap.pcap" "$TMP/rec.jsonl" --replay "$TMP/replay.jsonl" \
	--need-retrans-both || kf_fail "TCP counts differ from the capture's sequence numbers"
echo ok
