#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""reccheck.py - compare `kflow replay` records and logs for
test-replay-files.sh.

  reccheck.py same A.jsonl B.jsonl... [--drop-ip PREFIX]
      the records of A equal those of the B files one after another, field
      by field, in order; flow_id is compared as the order in which each
      flow first appears (its sequence part depends on the flows before
      it). --drop-ip leaves out records of flows with an address that
      starts with PREFIX (in every file).
  reccheck.py ends A.jsonl
      one line per flow, in order: ip_1, start_time of its first record,
      end_time and close_type of its last.
  reccheck.py counters LOG NAME=N...
      the "datapath counters this interval" lines of LOG add up to N for
      each NAME (and name no other counter).
"""
import json
import re
import sys


def records(path, drop_ip=None):
    out = []
    ids = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if drop_ip and any(str(r.get(k, "")).startswith(drop_ip) for k in ("ip_0", "ip_1")):
                continue
            if "flow_id" in r:
                r["flow_id"] = ids.setdefault(r["flow_id"], len(ids))
            out.append(r)
    return out


def same(args):
    drop = None
    if "--drop-ip" in args:
        i = args.index("--drop-ip")
        drop = args[i + 1]
        args = args[:i] + args[i + 2:]
    a = records(args[0], drop)
    b = []
    for path in args[1:]:
        base = len({r["flow_id"] for r in b if "flow_id" in r})
        for r in records(path, drop):
            if "flow_id" in r:
                r["flow_id"] += base
            b.append(r)
    if not a:
        print("MISMATCH: no records in %s" % args[0])
        return 1
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            keys = sorted(k for k in set(x) | set(y) if x.get(k) != y.get(k))
            print("MISMATCH: record %d differs in %s: %s vs %s" % (
                i + 1, ", ".join(keys), [x.get(k) for k in keys], [y.get(k) for k in keys]))
            return 1
    if len(a) != len(b):
        print("MISMATCH: %d records vs %d" % (len(a), len(b)))
        return 1
    return 0


def ends(args):
    flows = {}
    for r in records(args[0]):
        f = flows.setdefault(r["flow_id"], [r["ip_1"], r["start_time"], 0, 0])
        f[2], f[3] = r["end_time"], r["close_type"]
    for f in flows.values():
        print(*f)
    return 0


def counters(args):
    got = {}
    with open(args[0], encoding="utf-8") as f:
        for line in f:
            m = re.search(r"datapath counters this interval:(.*)", line)
            for name, n in re.findall(r"(\w+)=(\d+)", m.group(1) if m else ""):
                got[name] = got.get(name, 0) + int(n)
    want = {k: int(v) for k, v in (a.split("=") for a in args[1:])}
    if got != want:
        print("MISMATCH: counters %s, expected %s" % (got, want))
        return 1
    return 0


def main():
    cmds = {"same": same, "ends": ends, "counters": counters}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    sys.exit(cmds[sys.argv[1]](sys.argv[2:]))


if __name__ == "__main__":
    main()
