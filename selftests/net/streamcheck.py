#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""streamcheck.py - checks what kflow's stream subscribers got.

  streamcheck.py all JSONL ALL PORT CONNS
      ALL (an unfiltered subscriber from start to end) lost nothing; every
      TCP connection to PORT has exactly one flow_start and one flow_end
      (CONNS of them at least), the flow_end objects are the jsonl's last
      records, and the record events are the jsonl's records.
  streamcheck.py filtered ALL SUB PORT PROTO
      SUB got exactly the events of ALL with protocol PROTO and PORT at
      either end, in order.
  streamcheck.py stalled ALL SUB
      SUB (did not read for a while) got a subsequence of ALL and lost lines
      whose counts make up the rest.
  streamcheck.py last ALL SUB N EVENT PORT
      SUB is the last N EVENT events of ALL of TCP flows with PORT.
  streamcheck.py ring SUB HOST COUNT
      flow_start events of UDP flows to HOST plus the kernel's lost
      flow_start count equal COUNT, and some were lost.
"""
import json
import sys


def lines(path):
    out = []
    for raw in open(path, "rb").read().decode().splitlines():
        out.append(json.loads(raw))
    return out


def events(objs):
    return [o for o in objs if o.get("event") not in ("hello", "lost", "error")]


def strip(o):
    o = dict(o)
    o.pop("event")
    return o


def conn_key(o):
    return (o["ip_0"], o["client_port"], o["ip_1"], o["server_port"], o["protocol"],
            o["capture_nic"])


def check_all(jsonl, allp, port, conns):
    recs = lines(jsonl)
    got = lines(allp)
    lost = [o for o in got if o.get("event") == "lost"]
    assert not lost, "the reading subscriber lost events: %s" % lost
    ev = events(got)
    stream_recs = [strip(o) for o in ev if o["event"] == "record"]
    key = lambda o: json.dumps(o, sort_keys=True)
    assert sorted(map(key, stream_recs)) == sorted(map(key, recs)), \
        "record events (%d) differ from the jsonl records (%d)" % (len(stream_recs), len(recs))
    ends = {}
    for o in recs:
        if o.get("close_type", 5) != 5 and o.get("protocol") == 6:
            ends[o["flow_id"]] = o
    starts, fends = {}, {}
    for o in ev:
        if o.get("protocol") != 6 or o.get("server_port") != port:
            continue
        if o["event"] == "flow_start":
            starts.setdefault(conn_key(o), []).append(o)
        elif o["event"] == "flow_end":
            fends.setdefault(conn_key(o), []).append(o)
    assert len(starts) >= conns, "%d connections with a flow_start, want %d" % (len(starts), conns)
    for k, v in starts.items():
        assert len(v) == 1, "%s: %d flow_start events" % (k, len(v))
        assert k in fends, "%s: a flow_start and no flow_end" % (k,)
    for k, v in fends.items():
        assert len(v) == 1, "%s: %d flow_end events" % (k, len(v))
        assert k in starts, "%s: a flow_end and no flow_start" % (k,)
        rec = ends.get(v[0]["flow_id"])
        assert rec is not None, "%s: flow_end without a last jsonl record" % (k,)
        assert strip(v[0]) == rec, "%s: flow_end differs from the jsonl record" % (k,)
    print("all: %d events, %d connections each with one flow_start and one flow_end, "
          "%d records as in the jsonl" % (len(ev), len(starts), len(stream_recs)))


def check_filtered(allp, subp, port, proto):
    want = [o for o in events(lines(allp))
            if o.get("protocol") == proto and port in (o.get("client_port"), o.get("server_port"))]
    got = events(lines(subp))
    assert got == want, "filtered subscriber: %d events, want %d" % (len(got), len(want))
    assert got, "the filtered subscriber got nothing"
    print("filtered: %d events, all matching, none missing" % len(got))


def check_stalled(allp, subp):
    full = [json.dumps(o, sort_keys=True) for o in events(lines(allp))]
    got_all = lines(subp)
    lost = [o for o in got_all if o.get("event") == "lost"]
    got = [json.dumps(o, sort_keys=True) for o in events(got_all)]
    assert lost, "the stalled subscriber got no lost line"
    assert all(o["source"] == "subscriber" for o in lost), lost
    n = sum(o["count"] for o in lost)
    i = 0
    for g in got:  # a subsequence of the full stream, in order
        while i < len(full) and full[i] != g:
            i += 1
        assert i < len(full), "the stalled subscriber got an event the others did not"
        i += 1
    assert len(got) + n == len(full), \
        "stalled: %d events + %d lost != %d" % (len(got), n, len(full))
    print("stalled: %d events delivered, %d lost in %d lost lines, %d in all" %
          (len(got), n, len(lost), len(full)))


def check_last(allp, subp, n, event, port):
    want = [o for o in events(lines(allp)) if o["event"] == event and o.get("protocol") == 6
            and port in (o.get("client_port"), o.get("server_port"))][-n:]
    got = events(lines(subp))
    assert got == want, "last: got %d events, want the last %d %s" % (len(got), n, event)
    print("last: the %d most recent %s events replayed" % (n, event))


def check_ring(subp, host, count):
    got = lines(subp)
    starts = [o for o in got if o.get("event") == "flow_start" and o.get("protocol") == 17
              and o.get("ip_1") == host]
    lost = [o for o in got if o.get("event") == "lost"]
    assert all(o["source"] == "kernel" for o in lost), lost
    n = sum(o["flow_start"] for o in lost)
    assert n > 0, "no kernel losses reported"
    assert len(starts) + n == count, \
        "%d delivered + %d lost flow_start != %d flows" % (len(starts), n, count)
    print("ring: %d flow_start delivered + %d lost = %d flows" % (len(starts), n, count))


def main(a):
    if a[1] == "all":
        check_all(a[2], a[3], int(a[4]), int(a[5]))
    elif a[1] == "filtered":
        check_filtered(a[2], a[3], int(a[4]), int(a[5]))
    elif a[1] == "stalled":
        check_stalled(a[2], a[3])
    elif a[1] == "last":
        check_last(a[2], a[3], int(a[4]), a[5], int(a[6]))
    elif a[1] == "ring":
        check_ring(a[2], a[3], int(a[4]))


if __name__ == "__main__":
    main(sys.argv)
