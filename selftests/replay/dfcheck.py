#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""dfcheck.py - kflow replay of DeepFlow's L4 test captures against the
results DeepFlow's own tests expect (../shared/testdata/deepflow-l4).

  dfcheck.py TESTDATA_DIR RECORDS_DIR

RECORDS_DIR holds NAME.jsonl, the output of `kflow replay NAME.pcap`, for
every capture. Checked: the close_type table of the README, the zero-window
case, and the final per-flow state of every capture in the *.result files
(the last PerfData / UdpPerf printed for it): rtt, rtt_client, rtt_server,
srt, art, cit, retransmissions, zero window and out-of-order per side.
Where kflow differs on purpose, DIFFERS below says what and why; such a
value is printed as a known difference, never silently skipped.
"""
import collections
import json
import os
import re
import sys

CLOSE = {
    "tcp-one-syn": 7, "tcp-n-syn-ack": 10, "syn-1": 13, "l4-source-port-reuse": 13,
    "server-reset": 15, "server-queue-lack": 17, "client-syn-try-lack": 20,
    "server-no-response": 18, "client-no-response": 19,
}

# (capture, field): why kflow's value differs on purpose.
XIANGDAO = (
    "one direction of a Redis connection across a sequence wrap. DeepFlow's test "
    "makes the first sender (port 6379) the client and its 16-range list ignores "
    "segments crossing 2^32 and old segments from before the wrap: 2 retransmissions. "
    "kflow compares sequence numbers modulo 2^32, as tshark does, and counts those "
    "duplicates and old segments too (6), and its client is the ephemeral-port side "
    "(44526), so the count is the server's (retrans_rx)")

DIFFERS = {
    ("xiangdao-retrans", "retrans_tx"): XIANGDAO,
    ("xiangdao-retrans", "retrans_rx"): XIANGDAO,
    ("udp_continuous_packet", "art"):
        "UDP art runs from the first datagram of the client's latest burst, not the "
        "most recent one: consecutive same-direction datagrams then take no shared "
        "write and no fine clock read (README, TCP health)",
}


def duration_us(s):
    m = re.fullmatch(r"([0-9.]+)(ns|µs|us|ms|s)", s.strip())
    if not m:
        raise ValueError(s)
    scale = {"ns": 1e-3, "µs": 1, "us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]
    return int(round(float(m.group(1)) * scale * 1000)) // 1000


def last_blocks(path):
    """capture name -> text of the last PerfData block printed for it."""
    text = open(path, encoding="utf-8").read()
    out = {}
    for m in re.finditer(r'perf data from "[^"]*/([^"/]+)\.pcap":\n(PerfData \{.*?\n\})', text, re.S):
        out[m.group(1)] = m.group(2)
    return out


def stats(block, name):
    m = re.search(name + r": TimeStats \{\s*count: (\d+),\s*sum: ([^,]+),\s*max: ([^,]+),", block)
    return int(m.group(1)), duration_us(m.group(2)), duration_us(m.group(3))


def field(block, name):
    m = re.search(r"\n\s*" + name + r": ([^,\n]+),", block)
    return m.group(1)


def main_flow(recs):
    """Totals over the records of the capture's busiest flow."""
    by = collections.defaultdict(list)
    for r in recs:
        if not r.get("overflow"):
            by[r["flow_id"]].append(r)
    if not by:
        return None
    rs = max(by.values(), key=lambda v: sum(r["packet_tx"] + r["packet_rx"] for r in v))
    t = collections.Counter()
    for r in rs:
        for k in ("retrans_tx", "retrans_rx", "zero_win_tx", "zero_win_rx", "ooo_tx", "ooo_rx",
                  "srt_sum", "srt_count", "art_sum", "art_count", "cit_sum", "cit_count"):
            t[k] += r[k]
        for k in ("rtt", "rtt_client", "rtt_server", "srt_max", "art_max", "cit_max"):
            t[k] = max(t[k], r[k])
    t["last_close_type"] = sorted(rs, key=lambda r: r["end_time"])[-1]["close_type"]
    return t


def main():
    data, recdir = sys.argv[1], sys.argv[2]
    flows = {}
    for f in sorted(os.listdir(recdir)):
        if f.endswith(".jsonl"):
            recs = [json.loads(l) for l in open(os.path.join(recdir, f)) if l.strip()]
            flows[f[:-6]] = main_flow(recs)
    errors, known, checks = [], [], 0

    def check(cap, name, got, want):
        nonlocal checks
        checks += 1
        if got == want:
            return
        why = DIFFERS.get((cap, name))
        if why:
            known.append(f"{cap}: {name} {got} (DeepFlow {want}): {why}")
        else:
            errors.append(f"{cap}: {name} = {got}, DeepFlow expects {want}")

    for cap, ct in CLOSE.items():
        t = flows.get(cap)
        if not t:
            errors.append(f"{cap}: no record")
            continue
        check(cap, "close_type", t["last_close_type"], ct)
    t = flows.get("tcp-syn-ack-zerowin")
    check("tcp-syn-ack-zerowin", "zero_win_tx", t and t["zero_win_tx"], 0)
    check("tcp-syn-ack-zerowin", "zero_win_rx", t and t["zero_win_rx"], 1)

    for res in sorted(os.listdir(data)):
        if not res.endswith(".result"):
            continue
        for cap, b in last_blocks(os.path.join(data, res)).items():
            t = flows.get(cap)
            if not t:
                errors.append(f"{cap}: no record")
                continue
            check(cap, "rtt_client", t["rtt_client"], stats(b, "rtt_0")[2])
            check(cap, "rtt_server", t["rtt_server"], stats(b, "rtt_1")[2])
            check(cap, "rtt", t["rtt"], duration_us(field(b, "rtt_full")))
            for name, df in (("srt", "srt_1"), ("art", "art_1"), ("cit", "cit")):
                count, total, mx = stats(b, df)
                check(cap, name, (t[name + "_count"], t[name + "_sum"], t[name + "_max"]),
                      (count, total, mx))
            for side, n in (("tx", "0"), ("rx", "1")):
                check(cap, "retrans_" + side, t["retrans_" + side], int(field(b, "retrans_" + n)))
                check(cap, "zero_win_" + side, t["zero_win_" + side],
                      int(field(b, "zero_win_count_" + n)))
                check(cap, "ooo_" + side, t["ooo_" + side], int(field(b, "ooo_" + n)))
    for cap in ("udp_normal", "udp_continuous_packet", "udp_1_packet"):
        text = open(os.path.join(data, cap + ".result")).read()
        last = re.findall(r"art_max: ([^,]+), art_sum: ([^,]+), art_count: (\d+)", text)[-1]
        t = flows.get(cap)
        if not t:
            errors.append(f"{cap}: no record")
            continue
        check(cap, "art", (t["art_count"], t["art_sum"], t["art_max"]),
              (int(last[2]), duration_us(last[1]), duration_us(last[0])))

    for k in known:
        print("KNOWN DIFFERENCE " + k)
    for e in errors:
        print("MISMATCH " + e)
    print(f"dfcheck: {len(flows)} captures, {checks} values, {len(errors)} mismatches, "
          f"{len(known)} known differences", file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
