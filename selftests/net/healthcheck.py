#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""healthcheck.py - kflow's TCP health against Wireshark's own TCP analysis
of a capture of the same interface.

  healthcheck.py PCAP JSONL [--expect-close PORT=CT]... [--art-ms PORT=MS]
                 [--cit-ms PORT=MS] [--need-retrans] [--need-zero-win]

Per TCP connection (client = sender of the SYN): retransmissions by each
side equal the packets tshark flags as retransmission, fast retransmission
or spurious retransmission (plus those it calls out-of-order although the
capture already held all their bytes); zero window (both sides) equals tshark's zero
window count; rtt is within 10 % (or RTT_SLACK_US) of tshark's initial RTT. For
connections to the given server ports: the average art / cit within 10 % of
the given milliseconds, and the last record's close_type.
"""
import argparse
import collections
import json
import subprocess
import sys


def tshark(pcap, display_filter, fields):
    cmd = ["tshark", "-n", "-r", pcap, "-T", "fields", "-E", "separator=|"]
    if display_filter:
        cmd += ["-Y", display_filter]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [line.split("|") for line in out.splitlines() if line]


# kflow times a packet by the kernel's own stamp (on a veth: the sender's
# departure time), tcpdump by its tap; on this 2-CPU guest under the test's
# load a packet waits up to about 200 us in the receive backlog between the
# two, so one handshake can differ by that much from the capture.
RTT_SLACK_US = 300

ENDS = ["ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport"]


def ends(row):
    src = (row[0] or row[1], int(row[2]))
    dst = (row[3] or row[4], int(row[5]))
    return src, dst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pcap")
    ap.add_argument("jsonl")
    ap.add_argument("--expect-close", action="append", default=[])
    ap.add_argument("--art-ms", action="append", default=[])
    ap.add_argument("--cit-ms", action="append", default=[])
    ap.add_argument("--need-retrans", action="store_true")
    ap.add_argument("--need-zero-win", action="store_true")
    args = ap.parse_args()

    client = {}
    for row in tshark(args.pcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0", ENDS):
        src, dst = ends(row)
        client.setdefault(frozenset((src, dst)), src)
    want = collections.defaultdict(lambda: {"retrans": collections.Counter(), "zero_win": 0, "irtt": None})
    rflt = ("tcp.analysis.retransmission || tcp.analysis.fast_retransmission || "
            "tcp.analysis.spurious_retransmission")
    for row in tshark(args.pcap, rflt, ENDS):
        src, dst = ends(row)
        want[frozenset((src, dst))]["retrans"][src] += 1
    # tshark labels a duplicate that arrives within the initial RTT of the
    # highest segment "Out-Of-Order". When the capture already holds all of
    # its bytes it is a retransmission (kflow's and DeepFlow's reading).
    seen = collections.defaultdict(list)
    for row in tshark(args.pcap, "tcp.len > 1", ENDS + ["tcp.seq_raw", "tcp.len",
                                                      "tcp.analysis.out_of_order"]):
        src, dst = ends(row)
        seq, ln = int(row[6]), int(row[7])
        ranges = seen[(src, dst)]
        if row[8] and any(a <= seq and seq + ln <= b for a, b in ranges):
            want[frozenset((src, dst))]["retrans"][src] += 1
        ranges.append((seq, seq + ln))
    for row in tshark(args.pcap, "tcp.analysis.zero_window", ENDS):
        src, dst = ends(row)
        want[frozenset((src, dst))]["zero_win"] += 1
    # tshark also gives a refused connection (SYN, RST) an initial RTT; a
    # handshake RTT needs a SYN-ACK.
    synack = {frozenset(ends(row)) for row in tshark(args.pcap, "tcp.flags.syn == 1 && tcp.flags.ack == 1", ENDS)}
    for row in tshark(args.pcap, "tcp.analysis.initial_rtt", ENDS + ["tcp.analysis.initial_rtt"]):
        src, dst = ends(row)
        if frozenset((src, dst)) in synack:
            want[frozenset((src, dst))]["irtt"] = float(row[6]) * 1e6

    got = collections.defaultdict(lambda: collections.Counter())
    last, seen = {}, collections.defaultdict(list)
    for line in open(args.jsonl):
        r = json.loads(line)
        if r.get("overflow") or r["protocol"] != 6:
            continue
        c, s = (r["ip_0"], r["client_port"]), (r["ip_1"], r["server_port"])
        k = frozenset((c, s))
        g = got[k]
        g["client"] = c
        for f in ("retrans_tx", "retrans_rx", "zero_win", "art_sum", "art_count", "cit_sum", "cit_count"):
            g[f] += r[f]
        g["cit_max"] = max(g["cit_max"], r["cit_max"])
        g["rtt"] = max(g["rtt"], r["rtt"])
        if k not in last or r["end_time"] >= last[k]["end_time"]:
            last[k] = r
        seen[k].append(r)

    errors, retrans, zero = [], 0, 0
    for k, c in client.items():
        s = next(iter(k - {c}))
        name = f"{c[0]}:{c[1]} > {s[0]}:{s[1]}"
        g, w = got.get(k), want[k]
        if g is None:
            errors.append(f"{name}: no record")
            continue
        if g["client"] != c:
            errors.append(f"{name}: kflow's client is {g['client']}")
        for side, who in (("retrans_tx", c), ("retrans_rx", s)):
            if g[side] != w["retrans"][who]:
                errors.append(f"{name}: {side} {g[side]}, tshark flags {w['retrans'][who]}")
        retrans += g["retrans_tx"] + g["retrans_rx"]
        if g["zero_win"] != w["zero_win"]:
            errors.append(f"{name}: zero_win {g['zero_win']}, tshark flags {w['zero_win']}")
        zero += g["zero_win"]
        if w["irtt"] is not None and abs(g["rtt"] - w["irtt"]) > max(0.1 * w["irtt"], RTT_SLACK_US):
            errors.append(f"{name}: rtt {g['rtt']} us, tshark's initial RTT {w['irtt']:.0f} us")
    by_port = collections.defaultdict(list)
    for k, g in got.items():
        s = next(iter(k - {g["client"]}))
        by_port[s[1]].append(k)
    for spec in args.expect_close:
        port, ct = (int(x) for x in spec.split("="))
        if not by_port[port]:
            errors.append(f"port {port}: no connection")
        for k in by_port[port]:
            if last[k]["close_type"] != ct:
                # What the flow's records say, for a failure seen once in CI.
                errors.append(f"port {port}: close_type {last[k]['close_type']}, want {ct}; "
                              "records (end_time close_type packets tx/rx flags tx/rx): " +
                              "; ".join("%s %s %s/%s %s/%s" % (
                                  r["end_time"], r["close_type"], r["packet_tx"], r["packet_rx"],
                                  r.get("tcp_flags_bit_0"), r.get("tcp_flags_bit_1"))
                                  for r in sorted(seen[k], key=lambda r: r["end_time"])))
    # art: every sample is the server's wait; cit: the first sample is the
    # request right after the handshake (about 0), the others the wait.
    for opt, metric, agg in ((args.art_ms, "art", "avg"), (args.cit_ms, "cit", "max")):
        for spec in opt:
            port, ms = spec.split("=")
            for k in by_port[int(port)]:
                g = got[k]
                if not g[metric + "_count"]:
                    errors.append(f"port {port}: no {metric} sample")
                    continue
                val = (g[metric + "_sum"] / g[metric + "_count"] if agg == "avg" else g[metric + "_max"]) / 1000
                if abs(val - float(ms)) > 0.1 * float(ms):
                    errors.append(f"port {port}: {metric} {agg} {val:.1f} ms, want {ms} ms +-10 %")
    if args.need_retrans and not retrans:
        errors.append("no retransmission at all: the loss rule did not bite")
    if args.need_zero_win and not zero:
        errors.append("no zero window at all: the stalled receiver did not fill up")
    for e in errors:
        print("MISMATCH " + e)
    print(f"healthcheck: {len(client)} connections, {retrans} retransmissions, {zero} zero "
          f"windows, {len(errors)} mismatches", file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
