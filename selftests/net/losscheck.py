#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""losscheck.py - kflow's per-segment TCP counts against the truth of a
capture taken upstream of any loss, computed from sequence numbers alone
(no tshark labels, which call some retransmissions out-of-order).

  losscheck.py PCAP JSONL [--replay JSONL] [--need-retrans-both]

--need-retrans-both: retransmissions sent from both addresses (both
directions through the veth).

Per connection and side (client = the sender of the SYN): a data segment
(payload > 1) that starts below the highest byte that side already sent is
a retransmission, unless it lies wholly in a hole that reordering left
(out-of-order); window 0 on a packet without SYN or RST is a zero-window
packet. The records' retrans_,
ooo_ and zero_win_ of each side must equal these exactly; with --replay, the
records `kflow replay` wrote for the same capture must equal the live ones.
"""
import argparse
import collections
import json
import socket
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            caplen = struct.unpack(end + "I", rec[8:12])[0]
            yield f.read(caplen)


def tcp_segments(path):
    for frame in packets(path):
        off, etype = 14, struct.unpack("!H", frame[12:14])[0]
        while etype in (0x8100, 0x88A8):
            etype = struct.unpack("!H", frame[off + 2:off + 4])[0]
            off += 4
        if etype == 0x0800:
            ihl = (frame[off] & 15) * 4
            total, proto = struct.unpack("!H", frame[off + 2:off + 4])[0], frame[off + 9]
            src = socket.inet_ntop(socket.AF_INET, frame[off + 12:off + 16])
            dst = socket.inet_ntop(socket.AF_INET, frame[off + 16:off + 20])
            l4, l4len = off + ihl, total - ihl
        elif etype == 0x86DD:
            proto = frame[off + 6]
            src = socket.inet_ntop(socket.AF_INET6, frame[off + 8:off + 24])
            dst = socket.inet_ntop(socket.AF_INET6, frame[off + 24:off + 40])
            l4, l4len = off + 40, struct.unpack("!H", frame[off + 4:off + 6])[0]
        else:
            continue
        if proto != 6:
            continue
        sport, dport, seq, _ack, doff, flags, win = struct.unpack("!HHIIBBH", frame[l4:l4 + 16])
        yield (src, sport), (dst, dport), seq, l4len - (doff >> 4) * 4, flags, win


SYN, RST, ACK = 0x02, 0x04, 0x10


def truth(path):
    """Retransmissions, out-of-order segments and zero windows per
    connection and sender. A segment beyond the highest byte seen leaves a
    hole (packets reordered on their way: the capture point is upstream of
    every loss); a later segment wholly inside a hole fills it (out-of-order),
    any other segment starting below the highest byte is a retransmission."""
    client, want = {}, collections.defaultdict(collections.Counter)
    seen = {}  # (src, dst) -> [first seq, highest end, holes], unwrapped
    for src, dst, seq, plen, flags, win in tcp_segments(path):
        k = frozenset((src, dst))
        if flags & SYN and not flags & ACK:
            client.setdefault(k, src)
        if win == 0 and not flags & (SYN | RST):
            want[k]["zero_win", src] += 1
        if plen <= 1 or flags & (SYN | RST):
            continue
        st = seen.setdefault((src, dst), [seq, seq, []])
        base, top, holes = st
        lo = base + ((seq - base) & 0xFFFFFFFF)
        if lo - top > 0x7FFFFFFF:  # before base: the sequence space wrapped back
            lo -= 1 << 32
        hi = lo + plen
        if lo >= top:
            if lo > top:
                holes.append((top, lo))
            st[1] = hi
            continue
        hole = next((h for h in holes if h[0] <= lo and hi <= h[1]), None)
        if hole is None:
            want[k]["retrans", src] += 1
            st[1] = max(top, hi)
            continue
        want[k]["ooo", src] += 1
        holes.remove(hole)
        holes.extend(h for h in ((hole[0], lo), (hi, hole[1])) if h[0] < h[1])
    return client, want


def sums(path):
    got = collections.defaultdict(collections.Counter)
    for line in open(path):
        r = json.loads(line)
        if r.get("overflow") or r["protocol"] != 6:
            continue
        c, s = (r["ip_0"], r["client_port"]), (r["ip_1"], r["server_port"])
        g = got[frozenset((c, s))]
        g["client"] = c
        for m in ("retrans", "ooo", "zero_win"):
            g[m, c] += r[m + "_tx"]
            g[m, s] += r[m + "_rx"]
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pcap")
    ap.add_argument("jsonl")
    ap.add_argument("--replay")
    ap.add_argument("--need-retrans-both", action="store_true")
    args = ap.parse_args()
    client, want = truth(args.pcap)
    got = sums(args.jsonl)
    replay = sums(args.replay) if args.replay else None
    errors, total = [], collections.Counter()
    for k, c in client.items():
        s = next(iter(k - {c}))
        name = f"{c[0]}:{c[1]} > {s[0]}:{s[1]}"
        g = got.get(k)
        if g is None:
            errors.append(f"{name}: no record")
            continue
        for m in ("retrans", "ooo", "zero_win"):
            for who, side in ((c, "client"), (s, "server")):
                total[m, who[0]] += want[k][m, who]
                if g[m, who] != want[k][m, who]:
                    errors.append(f"{name}: {m} of the {side} {g[m, who]}, the capture has "
                                  f"{want[k][m, who]}")
                if replay is not None and replay[k][m, who] != g[m, who]:
                    errors.append(f"{name}: {m} of the {side}: live {g[m, who]}, replay "
                                  f"{replay[k][m, who]}")
    senders = {a for (m, a), n in total.items() if m == "retrans" and n}
    if args.need_retrans_both and len(senders) < 2:
        errors.append("want retransmissions from both ends of the veth: %s" % dict(total))
    for e in errors:
        print("MISMATCH " + e)
    print("losscheck: %d connections, %s, %d mismatches" %
          (len(client), ", ".join("%s %s %d" % (m, s, n) for (m, s), n in sorted(total.items())),
           len(errors)), file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
