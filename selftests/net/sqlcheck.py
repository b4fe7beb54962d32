#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""sqlcheck.py JSONL ROWS [--lost N] [--dup-ok] - l4_flow_log rows (a
tab-separated dump with a header line, from sqlite3 or ClickHouse, of the
columns `sqlcheck.py --columns` prints) against
the jsonl records of the same run: every row is one of the records, field
for field; per flow the sums of the counters are equal; the records missing
from the table are exactly N (the losses the log counted). With --dup-ok a
row may be there twice (at-least-once) if both copies are the same record.
Prints one summary line; exits 1 naming the first mismatches."""
import argparse
import collections
import json
import sys

FIELDS = ["start_time", "end_time", "protocol", "client_port", "server_port", "byte_tx",
          "byte_rx", "packet_tx", "packet_rx", "l3_byte_tx", "l3_byte_rx", "l4_byte_tx",
          "l4_byte_rx", "total_byte_tx", "total_byte_rx", "syn_count", "fin_count",
          "retrans_tx", "retrans_rx", "close_type", "is_new_flow", "capture_nic"]
SUMS = ["byte_tx", "byte_rx", "packet_tx", "packet_rx", "l3_byte_tx", "l3_byte_rx",
        "l4_byte_tx", "l4_byte_rx"]

if sys.argv[1:] == ["--columns"]:
    print(", ".join(["flow_id"] + FIELDS))
    sys.exit(0)
ap = argparse.ArgumentParser()
ap.add_argument("jsonl")
ap.add_argument("rows")
ap.add_argument("--lost", type=int, default=0)
ap.add_argument("--dup-ok", action="store_true")
a = ap.parse_args()


def key(r):
    return (int(r.get("flow_id", 0)), int(r["start_time"]), int(r["end_time"]))


def vals(r):
    return tuple(int(float(r.get(f, 0) or 0)) for f in FIELDS)


recs = [json.loads(l) for l in open(a.jsonl) if l.strip()]
want = {}
for r in recs:
    want[key(r)] = vals(r)
lines = open(a.rows).read().splitlines()
head = lines[0].split("\t")
rows = [dict(zip(head, l.split("\t"))) for l in lines[1:] if l]
got = collections.Counter()
bad = []
for r in rows:
    k = key(r)
    got[k] += 1
    if k not in want:
        bad.append("row %s is no record of the jsonl" % (k,))
    elif vals(r) != want[k]:
        diff = [f for f, x, y in zip(FIELDS, vals(r), want[k]) if x != y]
        bad.append("row %s differs from its record in %s" % (k, diff))
dups = sum(n - 1 for n in got.values() if n > 1)
if dups and not a.dup_ok:
    bad.append("%d rows are there twice" % dups)
missing = [k for k in want if k not in got]
if len(missing) != a.lost:
    bad.append("%d records missing from the table, %d counted lost: %s" %
               (len(missing), a.lost, missing[:5]))
if not a.lost:
    # Per flow: the table's sums are the records' sums.
    sums_j = collections.defaultdict(lambda: [0] * len(SUMS))
    sums_t = collections.defaultdict(lambda: [0] * len(SUMS))
    seen = set()
    for r in recs:
        for i, f in enumerate(SUMS):
            sums_j[int(r.get("flow_id", 0))][i] += int(r.get(f, 0))
    for r in rows:
        if key(r) in seen:
            continue  # a documented duplicate counts once
        seen.add(key(r))
        for i, f in enumerate(SUMS):
            sums_t[int(r["flow_id"])][i] += int(r[f])
    for fid in sums_j:
        if sums_j[fid] != sums_t.get(fid):
            bad.append("flow %d: sums %s in the table, %s in the jsonl" %
                       (fid, sums_t.get(fid), sums_j[fid]))
for b in bad[:10]:
    print("MISMATCH", b)
if bad:
    sys.exit(1)
print("%d records, %d rows (%d duplicates), %d lost and counted, %d flows" %
      (len(recs), len(rows), dups, a.lost, len({k[0] for k in want})))
