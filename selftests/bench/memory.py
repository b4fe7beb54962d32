#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""memory.py - `make bench`: the kernel memory of a running agent's maps.

stdin: the `bpftool -j map show pinned FILE` objects of every map an agent
with its defaults pinned, one per line. Prints each map's memlock (the
kernel's own figure), then the total per flow slot as a function of the
possible CPU count: a per-CPU map's share grows with the CPUs (each of its
entries holds a value per possible CPU, rounded up to 8 bytes), the rest
does not. Only the measured CPU count is measured; the other rows follow
from the per-map split.
"""
import argparse
import json
import sys

PERCPU = {"percpu_hash", "percpu_array", "lru_percpu_hash"}
CPUS = (1, 2, 4, 8, 16, 32, 64, 128)
TARGET = 512  # bytes per flow slot, all maps together (issue 11)


def possible_cpus():
    """Counts the ranges of the kernel's possible mask, "0-1" or "0,2-5"."""
    with open("/sys/devices/system/cpu/possible") as f:
        n = 0
        for part in f.read().strip().split(","):
            lo, _, hi = part.partition("-")
            n += int(hi or lo) - int(lo) + 1
        return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cpus", type=int, default=possible_cpus(),
                    help="possible CPUs (default: /sys/devices/system/cpu/possible)")
    ap.add_argument("--max-flows", type=int, required=True)
    a = ap.parse_args()
    # bpftool's error object for a pinned file that is not a map has no type.
    maps = [m for m in (json.loads(line) for line in sys.stdin if line.strip()) if "type" in m]
    if not maps:
        sys.exit("memory.py: no map objects on stdin")
    fixed = percpu = 0
    print(f"Kernel memory of the agent's pinned maps, defaults (--max-flows {a.max_flows}),"
          f" {a.cpus} possible CPUs")
    print(f"  {'map':<16} {'type':<15} {'entries':>8} {'memlock (B)':>12} "
          f"{'per CPU (B)':>12}")
    for m in sorted(maps, key=lambda m: -m.get("bytes_memlock", 0)):
        mem = int(m.get("bytes_memlock", 0))
        cpu_part = 0
        if m.get("type") in PERCPU:
            cpu_part = m["max_entries"] * ((m["bytes_value"] + 7) // 8 * 8)
            cpu_part = min(cpu_part, mem // a.cpus)
        fixed += mem - cpu_part * a.cpus
        percpu += cpu_part
        print(f"  {m.get('name', '?'):<16} {m.get('type', '?'):<15} {m.get('max_entries', 0):>8} "
              f"{mem:>12} {cpu_part:>12}")
    print(f"  total {fixed + percpu * a.cpus} B: {fixed} B whatever the CPUs, "
          f"{percpu} B per possible CPU")
    print(f"  {'possible CPUs':>13} {'all maps (MB)':>14} {'B per flow slot':>16}   target")
    for n in sorted(set(CPUS) | {a.cpus}):
        total = fixed + percpu * n
        per = total / a.max_flows
        tag = "measured" if n == a.cpus else "from the split"
        res = "PASS" if per <= TARGET else "MISS"
        print(f"  {n:>13} {total / 1e6:>14.1f} {per:>16.0f}   <= {TARGET} {res}  ({tag})")


if __name__ == "__main__":
    main()
