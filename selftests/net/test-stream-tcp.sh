#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-stream-tcp.sh - the TCP events of the stream, one connection each:
#  - a server that reads nothing for 2 s: its window drops to zero (one
#    tcp_event zero_window of side 1) and reopens (one window_open);
#  - a refused connection: tcp_state server_reset, close_type 15;
#  - a connection the client resets: tcp_state reset;
#  - a SYN that is never answered (nft drops it): when the flow times out,
#    a tcp_state with "handshake":"timeout" and close_type 7;
#  - 10 % of a bulk upload dropped after the hook: retransmission events of
#    side 0, at least a second apart, no more than one a second;
#  - a normal close: closing_tx1, closing_tx2 (one event per FIN; none for
#    the last ACK).
source "$(dirname "$0")/lib.sh"

command -v nft >/dev/null || kf_fail "nft is missing (run make deps)"
SOCK=$TMP/run/kflow.sock
STALL_PORT=8201
LOSS_PORT=8202
DEAD_PORT=8203
CLOSED_PORT=8204
kf_setup
ip netns exec $NS_S nft -f - <<NFT || kf_fail "nft rules in $NS_S"
table inet kflowstream {
	chain input {
		type filter hook input priority 0;
		tcp dport $DEAD_PORT drop
		tcp dport $LOSS_PORT meta length > 200 numgen random mod 100 < 10 drop
	}
}
NFT
kf_start_server
$NSE_S $PY "$NETDIR/traffic.py" serve-stall $STALL_PORT 2 >"$TMP/stall.log" 2>&1 &
KF_PIDS+=($!)
$NSE_S $PY "$NETDIR/traffic.py" serve $LOSS_PORT >"$TMP/loss.log" 2>&1 &
KF_PIDS+=($!)
kf_wait_for "$TMP/loss.log" ready
kf_start_agent rec --interval 1 --timeout closed_fin=1 --timeout opening=1 --stream "$SOCK"
"$KFLOW" stream --socket "$SOCK" --events tcp_state,tcp_event,flow_start >"$TMP/ev.jsonl" \
	2>"$TMP/ev.log" &
KF_PIDS+=($!)
kf_wait_for "$TMP/rec.log" "uid 0 connected"
sleep 0.3

in_c $PY "$NETDIR/traffic.py" bulk $IP4_S $STALL_PORT 2000000 0.5 || kf_fail "stalled transfer"
in_c $PY "$NETDIR/traffic.py" refused $IP4_S $CLOSED_PORT || kf_fail "refused connection"
in_c $PY "$NETDIR/traffic.py" abort $IP4_S $PORT || kf_fail "aborted connection"
in_c $PY "$NETDIR/traffic.py" short $IP4_S $PORT 1 || kf_fail "normal connection"
in_c timeout 2 $PY -c "import socket; socket.create_connection(('$IP4_S', $DEAD_PORT), 5)" 2>/dev/null
in_c $PY "$NETDIR/traffic.py" bulk $IP4_S $LOSS_PORT 6000000 3 || kf_fail "lossy transfer"
sleep 5 # the unanswered SYN's flow times out and is ended
kf_stop_agent INT
sleep 0.3

python3 - "$TMP/ev.jsonl" $STALL_PORT $CLOSED_PORT $PORT $DEAD_PORT $LOSS_PORT <<'PY' || kf_fail "tcp events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
stall, closed, port, dead, loss = map(int, sys.argv[2:])
assert not [e for e in ev if e["event"] == "lost"], "events were lost"
def of(p, kind=None):
    return [e for e in ev if e.get("server_port") == p and (kind is None or e["event"] == kind)]
zw = [(e["tcp_event"], e["side"]) for e in of(stall, "tcp_event") if e["tcp_event"] != "retrans"]
assert zw == [("zero_window", 1), ("window_open", 1)], "stalled server: %s" % zw
st = [(e["state"], e["close_type"]) for e in of(closed, "tcp_state")]
assert st == [("server_reset", 15)], "refused: %s" % st
st = [e["state"] for e in of(port, "tcp_state")]
assert "reset" in st, "aborted: %s" % st
assert ["closing_tx1", "closing_tx2"] in [st[i:i + 2] for i in range(len(st))], \
    "normal close: %s" % st
assert "closed" not in st, "the last ACK made an event: %s" % st
st = [e for e in of(dead, "tcp_state")]
assert len(st) == 1 and st[0].get("handshake") == "timeout" and st[0]["close_type"] == 7, \
    "unanswered SYN: %s" % st
rt = [e for e in of(loss, "tcp_event") if e["tcp_event"] == "retrans"]
assert rt, "no retransmission event under 10 % loss"
for side in (0, 1):
    t = [e["event_time"] for e in rt if e["side"] == side]
    gaps = [b - a for a, b in zip(t, t[1:])]
    assert all(g >= 990000 for g in gaps), "retrans events of side %d closer than 1 s: %s" % (side, gaps)
assert len(of(loss, "flow_start")) == 1
print("zero window %s, refused, reset, close, handshake timeout, %d retrans events" % (zw, len(rt)))
PY
echo "ok"
