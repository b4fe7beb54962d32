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

A map without preallocation (kf_life) holds memory only for the entries
it has, and the agent is measured right after its start, when that map is
empty: "full use" adds what its max_entries entries would take, as the
kernel counts them (htab_map_mem_usage(): per entry a 48-byte element
header, the key and the value each rounded up to 8 bytes, and an 8-byte
free-list node; 200 bytes for kf_life, which filling such a map confirmed).
That is what a pod's memory limit must allow for.
"""
import argparse
import json
import sys

PERCPU = {"percpu_hash", "percpu_array", "lru_percpu_hash"}
CPUS = (1, 2, 4, 8, 16, 32, 64, 128)
TARGET = 512  # bytes per flow slot, all maps together (issue 11)
NO_PREALLOC = 1  # BPF_F_NO_PREALLOC
HTAB_ELEM = 48  # struct htab_elem before the key (x86-64)
LLIST_NODE = 8


def round8(n):
    return (n + 7) // 8 * 8


def full_use_extra(m):
    """Bytes a map without preallocation adds when all its entries are used."""
    if m.get("type") != "hash" or not (m.get("flags", 0) & NO_PREALLOC):
        return 0
    return m["max_entries"] * (HTAB_ELEM + round8(m["bytes_key"]) + round8(m["bytes_value"]) +
                               LLIST_NODE)


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
    fixed = percpu = extra = 0
    print(f"Kernel memory of the agent's pinned maps, defaults (--max-flows {a.max_flows}),"
          f" {a.cpus} possible CPUs")
    print(f"  {'map':<16} {'type':<15} {'entries':>8} {'memlock (B)':>12} "
          f"{'per CPU (B)':>12} {'full use (B)':>13}")
    for m in sorted(maps, key=lambda m: -m.get("bytes_memlock", 0)):
        mem = int(m.get("bytes_memlock", 0))
        cpu_part = 0
        if m.get("type") in PERCPU:
            cpu_part = m["max_entries"] * ((m["bytes_value"] + 7) // 8 * 8)
            cpu_part = min(cpu_part, mem // a.cpus)
        fixed += mem - cpu_part * a.cpus
        percpu += cpu_part
        more = full_use_extra(m)
        extra += more
        print(f"  {m.get('name', '?'):<16} {m.get('type', '?'):<15} {m.get('max_entries', 0):>8} "
              f"{mem:>12} {cpu_part:>12} {mem + more:>13}")
    print(f"  total {fixed + percpu * a.cpus} B: {fixed} B whatever the CPUs, "
          f"{percpu} B per possible CPU; at full use {extra} B more")
    print(f"  {'possible CPUs':>13} {'all maps (MB), now / full use':>30} "
          f"{'B per flow slot':>16}   target (full use)")
    for n in sorted(set(CPUS) | {a.cpus}):
        total = fixed + percpu * n
        per = total / a.max_flows
        per_full = (total + extra) / a.max_flows
        tag = "measured" if n == a.cpus else "from the split"
        res = "PASS" if per_full <= TARGET else "MISS"
        print(f"  {n:>13} {total / 1e6:>14.1f} / {(total + extra) / 1e6:>13.1f} "
              f"{per:>7.0f} / {per_full:>6.0f}   <= {TARGET} {res}  ({tag})")


if __name__ == "__main__":
    main()
