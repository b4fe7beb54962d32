#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""live.py - the figures of live.sh (stdlib only).

  live.py tc-ids < `bpftool -j net show dev VETH`     tc_in=ID tc_out=ID
  live.py cg-ids < `bpftool -j cgroup show CGROUP`    id_NAME=ID ...
  live.py snap NETNS VETH PID|- [LABEL=ID ...]   one JSON line: run_time_ns
                    and run_cnt of each program, packets through VETH both
                    ways, CPU time of process PID (the agent)
  live.py report RAW INFO [--tcp-secs S] [--pair P] ...   table on stdout,
                    raw figures on stderr; P: the pair that ran kflow
  live.py compare RAW A B   ns per run of pair B less pair A, paired by round
  live.py ratio RAW A B T   pair B's ns above empty over pair A's, paired by round

report --tput TPUT: the throughput ratio from TPUT's rounds (one JSON line
per round and pair: its iperf3 output), as live.sh measures it with the
statistics off, instead of from the TCP stream's rounds.

RAW holds one JSON line per measurement (round, pair, load, the snapshots
before and after, the load's output file), as live.sh writes it.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

# Targets of issue 11: ns per run above the empty program, identity ns per
# packet, throughput with kflow / bare veth. None: no target.
TARGETS = {
    "tcp": {"tc_in": 140, "tc_out": 175, "identity": 10, "ratio": 0.97},
    "udp": {"tc_in": 85, "tc_out": None, "identity": 10, "ratio": None},
    "short": {"tc_in": 480, "tc_out": 280, "identity": 10, "ratio": None},
}
LOADS = ["tcp", "udp", "short"]


def tc_ids():
    out = []
    for dev in json.load(sys.stdin):
        for f in dev.get("tc", []):
            pid = f.get("prog_id", f.get("id"))
            if f.get("kind") == "clsact/ingress":
                out.append("tc_in=%d" % pid)
            elif f.get("kind") == "clsact/egress":
                out.append("tc_out=%d" % pid)
    print(" ".join(out))


def cg_ids():
    print(" ".join("id_%s=%d" % (p["name"], p["id"]) for p in json.load(sys.stdin)))


def cpu_ns(pid):
    """utime + stime of a process, in ns."""
    with open("/proc/%s/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1e9 / os.sysconf("SC_CLK_TCK")


def snap(netns, veth, pid, labels):
    ids = {}
    for lab in labels:
        name, _, prog_id = lab.partition("=")
        ids[int(prog_id)] = name
    progs = json.loads(subprocess.run(["bpftool", "-j", "prog", "show"], check=True,
                                      capture_output=True, text=True).stdout)
    got = {}
    for p in progs:
        if p["id"] in ids:
            # bpftool leaves both out while run_time_ns is 0.
            got[ids[p["id"]]] = {"id": p["id"], "name": p.get("name", ""),
                                 "run_time_ns": p.get("run_time_ns", 0),
                                 "run_cnt": p.get("run_cnt", 0)}
    missing = [ids[i] for i in ids if ids[i] not in got]
    if missing:
        sys.exit("programs gone: " + " ".join(missing))
    link = json.loads(subprocess.run(
        ["ip", "-n", netns, "-s", "-j", "link", "show", "dev", veth], check=True,
        capture_output=True, text=True).stdout)[0]
    st = link["stats64"]
    out = {"progs": got, "rx": st["rx"]["packets"], "tx": st["tx"]["packets"]}
    if pid != "-":
        out["cpu_ns"] = cpu_ns(pid)
    print(json.dumps(out))


def derive(m):
    """ns/run per TC hook, cgroup programs' ns per packet, throughput of one
    measurement."""
    b, a = m["before"], m["after"]
    d = {"packets": (a["rx"] - b["rx"]) + (a["tx"] - b["tx"]), "id_ns": 0, "id_runs": {},
         "identity": None, "bps": None, "lost": None, "cpu_ms": None}
    for lab, pa in a["progs"].items():
        pb = b["progs"][lab]
        dt = pa["run_time_ns"] - pb["run_time_ns"]
        dc = pa["run_cnt"] - pb["run_cnt"]
        if lab.startswith("id_"):
            d["id_ns"] += dt
            d["id_runs"][lab[3:]] = (dc, dt)
        else:
            d[lab] = dt / dc if dc else None
            d[lab + "_runs"] = dc
    if d["id_runs"] and d["packets"]:
        d["identity"] = d["id_ns"] / d["packets"]
    if "cpu_ns" in a:
        d["cpu_ms"] = (a["cpu_ns"] - b["cpu_ns"]) / 1e6
    if m["load"] in ("tcp", "udp"):
        with open(m["out"]) as f:
            end = json.load(f)["end"]
        if m["load"] == "tcp":
            d["bps"] = end["sum_received"]["bits_per_second"]
        else:
            d["bps"] = end["sum"]["bits_per_second"]
            d["lost"] = end["sum"].get("lost_percent")
    return d


def tput_ratios(path, pair):
    """Per round of the throughput phase: (pair / bare, empty / bare)."""
    bps = {}
    with open(path) as f:
        for line in f:
            if line.strip():
                m = json.loads(line)
                with open(m["out"]) as o:
                    bps[(m["round"], m["pair"])] = \
                        json.load(o)["end"]["sum_received"]["bits_per_second"]
    out = []
    for r in sorted({r for r, _ in bps}):
        bare = bps.get((r, "bare"))
        if bare:
            out.append((bps[(r, pair)] / bare, bps[(r, "empty")] / bare))
    return out


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def cell(v, target, higher_better=False, spec="5.0f"):
    if v is None:
        return "-"
    if target is None:
        return "%s (no target)" % format(v, spec)
    ok = v >= target if higher_better else v <= target
    return "%s %s %-4s %s" % (format(v, spec), ">=" if higher_better else "<=",
                              format(target, "g"), "PASS" if ok else "MISS")


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def report(args):
    with open(args.raw) as f:
        ms = [json.loads(line) for line in f if line.strip()]
    with open(args.info) as f:
        info = f.read().rstrip("\n")
    rounds = sorted({m["round"] for m in ms})
    by = {}
    err = sys.stderr
    print("live bench, raw figures (one line per load, pair and round):", file=err)
    print("  " + info.replace("\n", "\n  "), file=err)
    print("  %-5s %-5s %-5s %5s %10s %7s %11s %7s %9s %8s %7s %8s  %s" % (
        "round", "load", "pair", "secs", "TC in runs", "ns/run", "TC out runs", "ns/run",
        "veth pkts", "cg ns/pk", "agent", "Gbit/s", "cgroup programs: runs x ns/run"), file=err)
    for m in ms:
        d = derive(m)
        by[(m["round"], m["load"], m["pair"])] = d
        runs = " ".join("%s:%dx%.0fns" % (k, v[0], v[1] / v[0])
                        for k, v in sorted(d["id_runs"].items()) if v[0])
        gbit = fmt(d["bps"] / 1e9 if d["bps"] is not None else None, ".2f")
        if d["lost"]:
            gbit += " (%.1f%% lost)" % d["lost"]
        print("  %-5d %-5s %-5s %5.1f %10s %7s %11s %7s %9d %8s %7s %8s  %s" % (
            m["round"], m["load"], m["pair"], m["ns"] / 1e9, fmt(d.get("tc_in_runs"), "d"),
            fmt(d.get("tc_in"), ".1f"), fmt(d.get("tc_out_runs"), "d"),
            fmt(d.get("tc_out"), ".1f"), d["packets"], fmt(d["identity"], ".1f"),
            fmt(d["cpu_ms"], ".0f") + ("ms" if d["cpu_ms"] is not None else ""), gbit,
            runs or "-"), file=err)

    def per_round(fn):
        """Median over the rounds of fn(round); a round without figures is left out."""
        out = []
        for r in rounds:
            try:
                out.append(fn(r))
            except (KeyError, TypeError, ZeroDivisionError):
                out.append(None)
        return med(out)

    def fig(load, pair, what):
        return per_round(lambda r: by[(r, load, pair)][what])

    kf = args.pair
    tput = tput_ratios(args.tput, kf) if args.tput else []

    def above(load, what):
        # Paired by round: kflow and empty ran back to back.
        return per_round(lambda r: by[(r, load, kf)][what] - by[(r, load, "empty")][what])

    print("  medians over %d rounds (kflow / empty / kflow above empty):" % len(rounds),
          file=err)
    rows = []
    for load in LOADS:
        row = {"load": load}
        for what, unit in (("tc_in", "ns/run"), ("tc_out", "ns/run"), ("identity", "ns/packet")):
            row[what] = above(load, what)
            print("    %-5s %-8s %s / %s / %s %s" % (
                load, what, fmt(fig(load, kf, what), ".1f"),
                fmt(fig(load, "empty", what), ".1f"), fmt(row[what], ".1f"), unit), file=err)
        row["identity_raw"] = fig(load, kf, "identity")
        row["ratio"] = None
        if load == "tcp":
            row["ratio"] = per_round(lambda r: by[(r, load, kf)]["bps"] /
                                     by[(r, load, "bare")]["bps"])
            print("    tcp   Gbit/s   kflow %s, empty %s, bare %s" % tuple(
                fmt(fig(load, p, "bps") and fig(load, p, "bps") / 1e9, ".2f")
                for p in (kf, "empty", "bare")), file=err)
            if tput:
                print("    tcp   with kflow / bare, statistics on: %s" %
                      fmt(row["ratio"], ".3f"), file=err)
                print("  throughput rounds, statistics off (kflow / bare, empty / bare):",
                      file=err)
                print("    " + " ".join("%.3f/%.3f" % t for t in tput), file=err)
                row["ratio"] = med([t[0] for t in tput])
                print("    medians %.3f / %.3f" % (row["ratio"], med([t[1] for t in tput])),
                      file=err)
        rows.append(row)

    names = {
        "tcp": "1 TCP stream, %g s" % args.tcp_secs,
        "udp": "20 UDP streams, %g s" % args.udp_secs,
        "short": "%d short TCP conns" % args.short_count,
    }
    print("kflow live bench: veth pairs between namespaces, kernel default offloads; kflow "
          "with its defaults\n"
          "(TC, identity on; --cgroup-root %s holds the traffic).\n"
          "TC: ns per program run above the empty TC program attached the same way.\n"
          "identity: kflow's cgroup programs' run time per packet across the veth, above the\n"
          "empty cgroup programs on the same hooks (raw: not less the empty ones).\n"
          "throughput: iperf3 with kflow / with no program, %s.\n"
          "Medians of %d interleaved rounds (kernel.bpf_stats_enabled=1)."
          % (args.identity_root,
             "median of %d rounds of its own with the statistics off" % len(tput) if tput
             else "in the TCP stream's rounds", len(rounds)))
    hdr = ("load", "TC ingress ns/run", "TC egress ns/run", "identity ns/pkt", "(raw)",
           "throughput ratio")
    fmt_row = "  %-22s %-21s %-21s %-20s %-7s %s"
    print(fmt_row % hdr)
    for row in rows:
        t = TARGETS[row["load"]]
        print(fmt_row % (
            names[row["load"]], cell(row["tc_in"], t["tc_in"]),
            cell(row["tc_out"], t["tc_out"]), cell(row["identity"], t["identity"], spec="5.1f"),
            fmt(row["identity_raw"], ".1f"),
            cell(row["ratio"], t["ratio"], higher_better=True, spec=".3f")))
    sys.stdout.flush()


def compare(raw, a, b):
    """Pair b's ns per run less pair a's, per load and hook, paired by round:
    the two ran minutes closer than two separate runs of the bench would."""
    with open(raw) as f:
        ms = [json.loads(line) for line in f if line.strip()]
    by = {(m["round"], m["load"], m["pair"]): derive(m) for m in ms}
    rounds = sorted({m["round"] for m in ms})
    print("%s less %s, ns per run, each round (median):" % (b, a))
    for load in LOADS:
        for what in ("tc_in", "tc_out"):
            diffs = []
            for r in rounds:
                try:
                    diffs.append(by[(r, load, b)][what] - by[(r, load, a)][what])
                except (KeyError, TypeError):
                    pass
            if diffs:
                print("  %-5s %-6s %s (%+.0f)" % (load, what, " ".join(
                    "%+.0f" % d for d in diffs), statistics.median(diffs)))


def ratio(raw, a, b, target):
    """Pair b's ns per run above the empty pair's as a ratio of pair a's,
    per load and hook, paired by round: how kflow compares with a model of
    another agent's work (issue 11 asks for at most `target`)."""
    with open(raw) as f:
        ms = [json.loads(line) for line in f if line.strip()]
    by = {(m["round"], m["load"], m["pair"]): derive(m) for m in ms}
    rounds = sorted({m["round"] for m in ms})
    print("%s above empty / %s above empty, each round (median; target <= %.2f):" %
          (b, a, target))
    for load in LOADS:
        for what in ("tc_in", "tc_out"):
            rs = []
            for r in rounds:
                try:
                    e = by[(r, load, "empty")][what]
                    num, den = by[(r, load, b)][what] - e, by[(r, load, a)][what] - e
                except (KeyError, TypeError):
                    continue
                if den > 0:
                    rs.append(num / den)
            if rs:
                m = statistics.median(rs)
                print("  %-5s %-6s %s (%.2f) %s" % (load, what, " ".join(
                    "%.2f" % x for x in rs), m, "ok" if m <= target else "MISS"))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "tc-ids":
        tc_ids()
    elif cmd == "cg-ids":
        cg_ids()
    elif cmd == "snap":
        snap(argv[2], argv[3], argv[4], argv[5:])
    elif cmd == "report":
        ap = argparse.ArgumentParser(prog="live.py report")
        ap.add_argument("raw")
        ap.add_argument("info")
        ap.add_argument("--tcp-secs", type=float, default=6)
        ap.add_argument("--udp-secs", type=float, default=4)
        ap.add_argument("--short-count", type=int, default=1000)
        ap.add_argument("--identity-root", default="?")
        ap.add_argument("--pair", default="kflow")
        ap.add_argument("--tput")
        report(ap.parse_args(argv[2:]))
    elif cmd == "compare" and len(argv) == 5:
        compare(argv[2], argv[3], argv[4])
    elif cmd == "ratio" and len(argv) == 6:
        ratio(argv[2], argv[3], argv[4], float(argv[5]))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
