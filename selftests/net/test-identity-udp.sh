#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-identity-udp.sh - UDP sockets are named without a program per packet:
# when they bind (post_bind) or close (sock_release), and while they are
# open, by the agent's socket scan. Connected and unconnected clients, one
# that closes within an interval and one open across several drains, each
# name their process and cgroup; the closing ones are named by the hook, the
# open ones by the scan. An agent that finds a pinned identity link of a
# program it no longer has (a persisted older version) detaches it.
source "$(dirname "$0")/lib.sh"

kf_setup
mkdir "$CG_ROOT/srv" "$CG_ROOT/cli" || kf_fail "cannot create test cgroups"
# in_cg CGROUP NS CMD...: CMD as a process of CGROUP in namespace NS.
in_cg() {
	local cg=$1 ns=$2
	shift 2
	exec sh -c 'ns=$1; shift; echo $$ > "$0/cgroup.procs" && exec nsenter --net=/run/netns/$ns "$@"' \
		"$CG_ROOT/$cg" "$ns" "$@"
}

# A persisted agent's identity links, one renamed as a program this
# version does not have: the next agent must detach it, not leave it on.
kf_start_agent old --interval 1 --persist
kf_stop_agent INT
[ -e "$PIN/kf_link_kf_sock_release" ] || kf_fail "--persist: identity links not pinned"
mv "$PIN/kf_link_kf_sock_release" "$PIN/kf_link_kf_gone" || kf_fail "cannot rename a pinned link"

kf_start_agent rec --interval 1
grep -q "detached kf_gone" "$TMP/rec.log" || kf_fail "stale link kf_gone not detached: $(tail -3 "$TMP/rec.log")"
[ -e "$PIN/kf_link_kf_gone" ] && kf_fail "stale link kf_gone still pinned"
n=$(bpftool -j cgroup show "$CG_ROOT" | python3 -c '
import json, sys
print(sum(1 for p in json.load(sys.stdin) if p["attach_type"] == "cgroup_inet_sock_release"))')
[ "$n" = 1 ] || kf_fail "$n sock_release programs on the test cgroup, want 1 (the stale one detached)"

in_cg srv $NS_S $PY "$NETDIR/traffic.py" serve $PORT >"$TMP/server.log" 2>&1 &
SRV=$!
KF_PIDS+=($SRV)
kf_wait_for "$TMP/server.log" ready
# Open across at least three drains (interval 1 s), then closed.
in_cg cli $NS_C $PY "$NETDIR/traffic.py" udp-hold $IP4_S $PORT 8 4 connected &
HOLD_C=$!
in_cg cli $NS_C $PY "$NETDIR/traffic.py" udp-hold $IP6_S $PORT 8 4 unconnected &
HOLD_U=$!
KF_PIDS+=($HOLD_C $HOLD_U)
# Opened and closed within an interval.
in_cg cli $NS_C $PY "$NETDIR/traffic.py" udp-hold $IP4_S $PORT 2 0.1 connected &
SHORT_C=$!
wait $SHORT_C || kf_fail "short connected UDP client"
in_cg cli $NS_C $PY "$NETDIR/traffic.py" udp $IP4_S $PORT 2 &
SHORT_U=$!
wait $SHORT_U || kf_fail "short unconnected UDP client"
wait $HOLD_C || kf_fail "connected UDP client"
wait $HOLD_U || kf_fail "unconnected UDP client"
sleep 2
kf_stop_agent INT

python3 - "$TMP/rec.jsonl" $SRV $HOLD_C $HOLD_U $SHORT_C $SHORT_U "$CG_ROOT" <<'PY' || kf_fail "identity of UDP sockets"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
srv, hold_c, hold_u, short_c, short_u = (int(x) for x in sys.argv[2:7])
udp = [r for r in recs if r.get("protocol") == 17]
assert udp, "no UDP record"
for r in udp:
    assert r["process_id_1"] == srv, ("server end", r["client_port"], r["process_id_1"], srv)
    assert r["process_id_0"] in (hold_c, hold_u, short_c, short_u), \
        ("client end unnamed or wrong", r["ip_0"], r["client_port"], r["process_id_0"])
    assert r["process_kname_0"] and r["process_kname_1"], r
for pid, what, opened in ((hold_c, "connected", True), (hold_u, "unconnected", True),
                          (short_c, "connected, closed at once", False),
                          (short_u, "unconnected, closed at once", False)):
    got = [r for r in udp if r["process_id_0"] == pid]
    assert got, "no record names the %s client (pid %d)" % (what, pid)
    # Records while the socket was open (forced reports) come from the scan.
    if opened:
        assert sum(1 for r in got if r["close_type"] == 5) >= 2, (what, [r["close_type"] for r in got])
print("ok: %d UDP records, every end named" % len(udp))
PY
echo ok
