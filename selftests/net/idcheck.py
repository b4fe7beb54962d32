#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""idcheck.py - every TCP/UDP record between the test's pod addresses names
the right process, container and pod at each end, and says where it was seen.

  idcheck.py EXPECT.json JSONL

EXPECT.json: {"ends": {"IP": {"pid", "comm", "container_id", "pod_uid", "pod",
"pod_ns"[, "container_runtime"]}, ...}, "servers": [[IP, PORT], ...], "links": {"ifname": "IP of the pod
behind it"}, "node": NAME, "cluster": NAME, "need": [[client IP, server IP], ...]}
An end's pid may be 0 in EXPECT: then any pid with the right comm is accepted
(a one-shot process whose pid the test cannot know beforehand is given).
"""
import json
import sys

FIELDS = ("container_id", "pod_uid", "pod", "pod_ns")


def check_pod_only(r, ends, errors):
    """An end that is no socket here (ICMP) but a local pod's address: the
    pod's tags, and no process or container."""
    where = f"icmp {r['ip_0']} > {r['ip_1']} on {r['capture_nic_name']}"
    for n, ip in (("0", r["ip_0"]), ("1", r["ip_1"])):
        e = ends[ip]
        if not e["pod_uid"]:
            continue
        for f in ("pod_uid", "pod", "pod_ns"):
            if r[f"{f}_{n}"] != e[f]:
                errors.append(f"{where}: {f}_{n} = {r[f'{f}_{n}']!r}, want {e[f]!r}")
        if r[f"process_id_{n}"] or r[f"container_id_{n}"]:
            errors.append(f"{where}: end {n} has a process or container, but is no socket")


def main():
    exp = json.load(open(sys.argv[1]))
    ends = exp["ends"]
    servers = {tuple(s) for s in exp["servers"]}
    errors, seen = [], set()
    for line in open(sys.argv[2]):
        r = json.loads(line)
        if r.get("overflow") or r["ip_0"] not in ends or r["ip_1"] not in ends:
            continue
        if r["protocol"] == 1:
            check_pod_only(r, ends, errors)
            seen.add((r["ip_0"], r["ip_1"], "icmp"))
            continue
        if r["protocol"] not in (6, 17):
            continue
        where = f"{r['ip_0']}:{r['client_port']} > {r['ip_1']}:{r['server_port']} on {r['capture_nic_name']}"
        if (r["ip_1"], r["server_port"]) not in servers:
            errors.append(f"{where}: client and server swapped")
            continue
        seen.add((r["ip_0"], r["ip_1"]))
        for n, ip in (("0", r["ip_0"]), ("1", r["ip_1"])):
            e = ends[ip]
            for f in FIELDS + (("container_runtime",) if "container_runtime" in e else ()):
                if r.get(f"{f}_{n}") != e[f]:
                    errors.append(f"{where}: {f}_{n} = {r.get(f'{f}_{n}')!r}, want {e[f]!r}")
            if r[f"process_kname_{n}"] != e["comm"]:
                errors.append(f"{where}: process_kname_{n} = {r[f'process_kname_{n}']!r}, want {e['comm']!r}")
            if e["pid"] and r[f"process_id_{n}"] != e["pid"]:
                errors.append(f"{where}: process_id_{n} = {r[f'process_id_{n}']}, want {e['pid']}")
            if not r[f"process_id_{n}"]:
                errors.append(f"{where}: process_id_{n} missing")
            if r[f"pod_node_{n}"] != exp["node"] or r[f"pod_cluster_{n}"] != exp["cluster"]:
                errors.append(f"{where}: pod_node/pod_cluster_{n} = {r[f'pod_node_{n}']!r}/{r[f'pod_cluster_{n}']!r}")
        behind = exp["links"].get(r["capture_nic_name"])
        want = "c" if behind == r["ip_0"] else "s" if behind == r["ip_1"] else "local"
        if r["observation_point"] != want:
            errors.append(f"{where}: observation_point {r['observation_point']!r}, want {want!r}")
    for need in exp["need"]:
        if tuple(need) not in seen:
            errors.append(f"no record of {' > '.join(need)}")
    for e in errors:
        print("MISMATCH " + e)
    print(f"idcheck: {len(seen)} client/server pairs, {len(errors)} mismatches", file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
