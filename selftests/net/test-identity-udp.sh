#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-identity-udp.sh - UDP sockets named without a program per packet.
# Connected and unconnected clients, two open across several drains and two
# that close at once, each name their process at both ends of every record:
#  - by default no identity program runs per packet or per send: a socket
#    is named when it binds (post_bind) or closes (sock_release), and while
#    open by the agent's socket scan at the drain; a socket's kf_sock_tuple
#    entry from its close carries its owner (the one connect named, else
#    the closing process, which is then stored nowhere else);
#  - with --stream, whose flow_start events want the name at the first
#    datagram, the agent also runs cgroup_skb egress and sendmsg; every
#    client's flow_start names it. The next agent without --stream detaches
#    those two (their pinned links), as it detaches a pinned link of a
#    program it does not have at all (a persisted older version).
source "$(dirname "$0")/lib.sh"

kf_setup
mkdir "$CG_ROOT/srv" "$CG_ROOT/cli" || kf_fail "cannot create test cgroups"
# attached TYPE: how many programs of that attach type the test cgroup has.
attached() {
	bpftool -j cgroup show "$CG_ROOT" | python3 -c '
import json, sys
print(sum(1 for p in json.load(sys.stdin) if p["attach_type"] == sys.argv[1]))' "$1"
}

kf_in_cg srv $NS_S $PY "$NETDIR/traffic.py" serve $PORT >"$TMP/server.log" 2>&1 &
SRV=$!
KF_PIDS+=($SRV)
kf_wait_for "$TMP/server.log" ready

EARLIER= # client pids of the rounds so far
# round NAME: the four clients while agent NAME runs; checks its records
# (and its flow_start events in $TMP/NAME.events when there are).
round() {
	local name=$1 hold_c hold_u short_c short_u
	# Open across at least three drains (interval 1 s), then closed.
	kf_in_cg cli $NS_C $PY "$NETDIR/traffic.py" udp-hold $IP4_S $PORT 8 4 connected &
	hold_c=$!
	kf_in_cg cli $NS_C $PY "$NETDIR/traffic.py" udp-hold $IP6_S $PORT 8 4 unconnected &
	hold_u=$!
	KF_PIDS+=($hold_c $hold_u)
	# Opened and closed within an interval.
	kf_in_cg cli $NS_C $PY "$NETDIR/traffic.py" udp-hold $IP4_S $PORT 2 0.1 connected &
	short_c=$!
	wait $short_c || kf_fail "$name: short connected UDP client"
	kf_in_cg cli $NS_C $PY "$NETDIR/traffic.py" udp $IP4_S $PORT 2 &
	short_u=$!
	wait $short_u || kf_fail "$name: short unconnected UDP client"
	wait $hold_c || kf_fail "$name: connected UDP client"
	wait $hold_u || kf_fail "$name: unconnected UDP client"
	sleep 2
	if [ "$name" = plain ]; then
		for m in kf_sock_owner kf_sock_tuple; do
			bpftool -j map dump pinned "$PIN/$m" >"$TMP/$m.json" ||
				kf_fail "bpftool map dump pinned $PIN/$m failed"
		done
		python3 - "$TMP/kf_sock_owner.json" "$TMP/kf_sock_tuple.json" $hold_c $hold_u \
			$short_c $short_u <<'PY' || kf_fail "$name: owners of closed UDP sockets"
import json, sys
owners = {e["formatted"]["value"]["tgid"] for e in json.load(open(sys.argv[1]))}
named = {e["formatted"]["value"]["tgid"] for e in json.load(open(sys.argv[2]))
         if e["formatted"]["key"]["proto"] == 17}
hold_c, hold_u, short_c, short_u = (int(x) for x in sys.argv[3:7])
missing = {hold_c, hold_u, short_c, short_u} - named
assert not missing, "closed UDP sockets whose kf_sock_tuple entry names no owner: %s" % missing
assert {hold_c, short_c} <= owners, "connect stored no owner"
assert not {hold_u, short_u} & owners, "the closing process stored apart in kf_sock_owner"
print("ok: each closed UDP socket's tuple names its owner")
PY
	fi
	kf_stop_agent INT
	EARLIER="$EARLIER $hold_c $hold_u $short_c $short_u"
	python3 - "$TMP/$name.jsonl" $SRV $hold_c $hold_u $short_c $short_u "$TMP/$name.events" \
		$EARLIER <<'PY' ||
import json, os, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
srv, hold_c, hold_u, short_c, short_u = (int(x) for x in sys.argv[2:7])
events = [json.loads(l) for l in open(sys.argv[7])] if os.path.exists(sys.argv[7]) else None
# Flows of an earlier round may end in this agent's records (it adopted them).
clients = {int(x) for x in sys.argv[8:]}
udp = [r for r in recs if r.get("protocol") == 17]
assert udp, "no UDP record"
for r in udp:
    assert r["process_id_1"] == srv, ("server end", r["client_port"], r["process_id_1"], srv)
    assert r["process_id_0"] in clients, \
        ("client end unnamed or wrong", r["ip_0"], r["client_port"], r["process_id_0"])
    assert r["process_kname_0"] and r["process_kname_1"], r
for pid, what, opened in ((hold_c, "connected", True), (hold_u, "unconnected", True),
                          (short_c, "connected, closed at once", False),
                          (short_u, "unconnected, closed at once", False)):
    got = [r for r in udp if r["process_id_0"] == pid]
    assert got, "no record names the %s client (pid %d)" % (what, pid)
    # Records while the socket was open (forced reports).
    if opened:
        assert sum(1 for r in got if r["close_type"] == 5) >= 2, (what, [r["close_type"] for r in got])
    if events is None:
        continue
    ports = {r["client_port"] for r in got}
    ev = [e for e in events if e.get("event") == "flow_start" and e.get("client_port") in ports]
    assert ev, ("no flow_start event", what, ports)
    for e in ev:
        assert e["process_id_0"] == pid and e["process_id_1"] == srv, \
            ("flow_start", what, e["process_id_0"], pid, e["process_id_1"], srv)
print("ok: %d UDP records%s, every end named"
      % (len(udp), "" if events is None else " and %d flow_start events" % len(events)))
PY
		kf_fail "$name: identity of UDP sockets"
}

# A persisted agent's identity links, one renamed as a program this
# version does not have.
kf_start_agent old --interval 1 --persist
kf_stop_agent INT
[ -e "$PIN/kf_link_kf_sock_release" ] || kf_fail "--persist: identity links not pinned"
mv "$PIN/kf_link_kf_sock_release" "$PIN/kf_link_kf_gone" || kf_fail "cannot rename a pinned link"

# Round 1, flow events on: the per-packet programs too, persisted after it.
SOCK=$TMP/run/kflow.sock
kf_start_agent streamed --interval 1 --stream "$SOCK" --persist
grep -q "detached kf_gone" "$TMP/streamed.log" ||
	kf_fail "stale link kf_gone not detached: $(tail -3 "$TMP/streamed.log")"
[ -e "$PIN/kf_link_kf_gone" ] && kf_fail "stale link kf_gone still pinned"
[ "$(attached cgroup_inet_sock_release)" = 1 ] || kf_fail "not one sock_release program"
[ "$(attached cgroup_inet_egress)" = 1 ] || kf_fail "--stream: no cgroup_skb egress program"
[ "$(attached cgroup_udp4_sendmsg)" = 1 ] || kf_fail "--stream: no sendmsg4 program"
"$KFLOW" stream --socket "$SOCK" --events flow_start --filter protocol=udp \
	>"$TMP/streamed.events" 2>"$TMP/stream.log" &
KF_PIDS+=($!)
kf_wait_for "$TMP/streamed.log" "uid 0 connected"
round streamed

# Round 2, the default: nothing per packet, the persisted per-packet links
# detached.
kf_start_agent plain --interval 1
grep -q "detached kf_skb_egress" "$TMP/plain.log" || kf_fail "kf_skb_egress left attached"
for t in cgroup_inet_egress cgroup_udp4_sendmsg cgroup_udp6_sendmsg; do
	[ "$(attached $t)" = 0 ] || kf_fail "$t: a program runs per packet by default"
done
[ "$(attached cgroup_inet_sock_release)" = 1 ] || kf_fail "not one sock_release program"
round plain
echo ok
