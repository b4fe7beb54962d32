#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""pmacctcheck.py - what pmacct's nfacctd made of kflow's IPFIX export,
against kflow's JSON records of the same run.

  pmacctcheck.py JSONL FLOWS_CSV USAGE_CSV

FLOWS_CSV: nfacctd's print plugin (CSV) for the flow domain, aggregate
`src_host, dst_host, src_port, dst_port, proto`. Per flow and direction
(upload and download alike) its packets and bytes equal the JSON records',
and so does the sum of all its bytes. USAGE_CSV: the print plugin for the
usage domain's global usage records (aggregate `in_iface`): its packets and
bytes in all equal the JSON records' too.
"""
import csv
import socket
import sys

from ipfixcheck import compare_flows, json_flows


def rows(path):
    """The CSV rows as dicts; a header may repeat (one per purge)."""
    out = []
    with open(path) as f:
        header = None
        for line in csv.reader(f):
            if line and line[0].isupper():
                header = line
            elif line and header:
                out.append(dict(zip(header, line)))
    return out


def proto_number(name):
    return int(name) if name.isdigit() else socket.getprotobyname(name)


def main():
    jsonl, flows_csv, usage_csv = sys.argv[1:4]
    want = json_flows(jsonl)
    flows = [(r["SRC_IP"], int(r["SRC_PORT"]), r["DST_IP"], int(r["DST_PORT"]),
              proto_number(r["PROTOCOL"]), int(r["PACKETS"]), int(r["BYTES"]), 0, 0)
             for r in rows(flows_csv)]
    errors = compare_flows(want, flows, "pmacct")
    if not any(w[3] > w[1] for w in want.values()):
        errors.append("no flow in which the server sent more than the client: no download")
    usage = rows(usage_csv)
    got = [sum(int(r["PACKETS"]) for r in usage), sum(int(r["BYTES"]) for r in usage)]
    total = [sum(w[0] + w[2] for w in want.values()), sum(w[1] + w[3] for w in want.values())]
    if got != total:
        errors.append(f"pmacct's global usage records: [packets, bytes] {got} in all, "
                      f"the JSON records {total}")
    for e in errors:
        print("MISMATCH " + e)
    print(f"pmacctcheck: {len(flows)} pmacct rows, {len(want)} flows in JSON, "
          f"{len(errors)} mismatches", file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
