#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-identity-tcp6.sh - TCP sockets are named once per socket (sock_ops:
# when they send their SYN, or when an accepted one completes its
# handshake), not per packet: over IPv6 both ends of a transfer name their
# process and cgroup; a refused connection names its client; an IPv4
# client of a dual-stack listener names both ends too. A TCP client costs
# one map write: its owner is in its kf_sock_tuple entry, none of its
# sockets is in kf_sock_owner.
source "$(dirname "$0")/lib.sh"

kf_setup
mkdir "$CG_ROOT/srv" "$CG_ROOT/cli" || kf_fail "cannot create test cgroups"
kf_start_agent rec --interval 1 --timeout closed_fin=1 --timeout opening=1 \
	--timeout established_rst=1 --timeout closing=1 --timeout exception=1
kf_in_cg srv $NS_S $PY "$NETDIR/traffic.py" serve $PORT >"$TMP/server.log" 2>&1 &
SRV=$!
KF_PIDS+=($SRV)
kf_wait_for "$TMP/server.log" ready
kf_in_cg cli $NS_C $PY "$NETDIR/traffic.py" bulk $IP6_S $PORT 200000 1 &
BULK6=$!
wait $BULK6 || kf_fail "IPv6 transfer"
kf_in_cg cli $NS_C $PY "$NETDIR/traffic.py" refused $IP6_S $((PORT + 1)) &
REF6=$!
wait $REF6 || kf_fail "IPv6 refused connection"
kf_in_cg cli $NS_C $PY "$NETDIR/traffic.py" short $IP4_S $PORT 1 &
SHORT4=$!
wait $SHORT4 || kf_fail "IPv4 connection"
sleep 4
for m in kf_sock_owner kf_sock_tuple; do
	in_s bpftool -j map dump pinned "$PIN/$m" >"$TMP/$m.json" ||
		kf_fail "bpftool map dump pinned $PIN/$m failed"
done
kf_stop_agent INT
python3 - "$TMP/kf_sock_owner.json" "$TMP/kf_sock_tuple.json" $BULK6 $REF6 $SHORT4 <<'PY' ||
import json, sys
owners = [e["formatted"]["value"] for e in json.load(open(sys.argv[1]))]
tuples = [e["formatted"] for e in json.load(open(sys.argv[2]))]
clients = {int(x) for x in sys.argv[3:6]}
stored = sorted(o["tgid"] for o in owners if o["tgid"] in clients)
assert not stored, "TCP clients' owners stored apart in kf_sock_owner: %s" % stored
named = {t["value"]["tgid"] for t in tuples if t["key"]["proto"] == 6}
assert clients <= named, "TCP clients without an owner in kf_sock_tuple: %s" % (clients - named)
print("ok: each TCP client named by its kf_sock_tuple entry alone")
PY
	kf_fail "map writes of TCP clients"

python3 - "$TMP/rec.jsonl" $SRV $BULK6 $REF6 $SHORT4 $IP6_S $PORT "$CG_ROOT" <<'PY' || kf_fail "identity of TCP sockets"
import json, os, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
srv, bulk6, ref6, short4 = (int(x) for x in sys.argv[2:6])
ip6_s, port, cg_root = sys.argv[6], int(sys.argv[7]), sys.argv[8]
def flows(client_pid):
    got = [r for r in recs if r.get("protocol") == 6 and r.get("process_id_0") == client_pid]
    assert got, "no TCP record names client pid %d" % client_pid
    return got
for r in flows(bulk6):
    assert r["ip_1"] == ip6_s and r["server_port"] == port, r
    assert r["process_id_1"] == srv, ("IPv6 server end", r["process_id_1"], srv)
for r in flows(short4):
    assert r["process_id_1"] == srv, ("IPv4 client of a dual-stack listener", r["process_id_1"])
ref = flows(ref6)
assert ref[-1]["close_type"] == 15 and ref[-1]["server_port"] == port + 1, ref[-1]
print("ok: IPv6 transfer, refused connection and IPv4-mapped accept named by process")
PY
echo ok
