#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""flowcheck.py - compare kflow's JSON records with a tcpdump capture.

  flowcheck.py PCAP JSONL [JSONL...] [options]

Per flow (the test subnets only), the records' packets and bytes summed over
all intervals must equal what the capture holds, per direction, with the
client on the `_0`/tx side: the TCP client is the sender of the first SYN,
the ICMP client the sender of the first echo request, the UDP client the side
whose port is not --server-port. Bytes are the capture's frame lengths.

Options:
  --subnet CIDR        a test subnet (repeatable; both ends must be inside)
  --server-port N      UDP/TCP server port of the test traffic
  --overflow           some flows overflowed: per-flow sums may fall short,
                       and the shortfall must equal the overflow records
  --intervals          per flow_id: is_new_flow=1 only on the first record,
                       close_type 5 on every record but the last, total_*
                       equal to the running sums, no two records with one
                       start_time (consumers key on flow_id and start_time)
  --expect-close P=CT  the last record of every protocol-P flow has close_type CT
  --min-records N      at least one flow has N or more records
  --nic NAME           only records counted on this interface (capture_nic_name)
Exit status 0 when everything matches; mismatches are printed one a line.
"""
import argparse
import collections
import ipaddress
import json
import struct
import sys


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        sys.exit(f"{path}: link type {linktype}, expected Ethernet")
    off = 24
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        yield data[off + 16:off + 16 + incl], orig
        off += 16 + incl


def parse(frame):
    """(proto, (src, sport), (dst, dport), tcp_flags, icmp_type) or None."""
    eth_type = struct.unpack("!H", frame[12:14])[0]
    off = 14
    while eth_type in (0x8100, 0x88A8):
        eth_type = struct.unpack("!H", frame[off + 2:off + 4])[0]
        off += 4
    if eth_type == 0x0800:
        ihl = (frame[off] & 0x0F) * 4
        proto = frame[off + 9]
        src = str(ipaddress.IPv4Address(frame[off + 12:off + 16]))
        dst = str(ipaddress.IPv4Address(frame[off + 16:off + 20]))
        l4 = off + ihl
    elif eth_type == 0x86DD:
        proto = frame[off + 6]
        src = str(ipaddress.IPv6Address(frame[off + 8:off + 24]))
        dst = str(ipaddress.IPv6Address(frame[off + 24:off + 40]))
        l4 = off + 40
        while proto in (0, 43, 60):
            proto, hlen = frame[l4], (frame[l4 + 1] + 1) * 8
            l4 += hlen
    else:
        return None
    sport = dport = 0
    flags = icmp_type = None
    if proto in (6, 17):
        sport, dport = struct.unpack("!HH", frame[l4:l4 + 4])
        if proto == 6:
            flags = frame[l4 + 13]
    elif proto in (1, 58):
        icmp_type = frame[l4]
        if icmp_type in (0, 8, 128, 129):
            sport = dport = struct.unpack("!H", frame[l4 + 4:l4 + 6])[0]
    return proto, (src, sport), (dst, dport), flags, icmp_type


def in_subnets(ip, nets):
    a = ipaddress.ip_address(ip)
    return any(a in n for n in nets)


def flow_id(proto, x, y):
    return (proto,) + tuple(sorted([x, y]))


def expected_flows(pcap, nets, server_port, everything):
    """Per-flow packets/bytes by sender, the client of each flow, and the
    packets/bytes of flows outside the test subnets in `everything`."""
    stats = collections.defaultdict(lambda: collections.defaultdict(lambda: [0, 0]))
    client = {}
    for frame, orig in read_pcap(pcap):
        p = parse(frame)
        if not p:
            continue
        proto, src, dst, flags, icmp_type = p
        if not (in_subnets(src[0], nets) and in_subnets(dst[0], nets)):
            everything[0] += 1
            everything[1] += orig
            continue
        fid = flow_id(proto, src, dst)
        stats[fid][src][0] += 1
        stats[fid][src][1] += orig
        if fid in client:
            continue
        if proto == 6 and flags is not None and flags & 0x12 == 0x02:
            client[fid] = src
        elif proto in (1, 58) and icmp_type in (8, 128):
            client[fid] = src
        elif proto == 17 and server_port:
            client[fid] = src if dst[1] == server_port else dst
    return stats, client


# The fields issue 2 requires in every flow record (l4_flow_log names).
REQUIRED = """time start_time end_time flow_id ip_0 ip_1 is_ipv4 mac_0 mac_1 eth_type vlan
protocol client_port server_port capture_nic capture_nic_name byte_tx byte_rx packet_tx
packet_rx l3_byte_tx l3_byte_rx l4_byte_tx l4_byte_rx total_byte_tx total_byte_rx
total_packet_tx total_packet_rx tcp_flags_bit_0 tcp_flags_bit_1 syn_count synack_count
fin_count is_new_flow close_type status duration direction_score""".split()


def read_records(paths):
    recs = []
    for path in paths:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if line:
                    try:
                        recs.append(json.loads(line))
                    except ValueError as e:
                        sys.exit(f"{path}:{n}: not JSON: {e}")
    return recs


def check_intervals(recs, args, errors):
    by_id = collections.defaultdict(list)
    for r in recs:
        if not r.get("overflow"):
            by_id[r["flow_id"]].append(r)
    longest = 0
    for fid, rs in by_id.items():
        rs.sort(key=lambda r: (r["end_time"], r["close_type"] != 5))
        longest = max(longest, len(rs))
        sums = [0, 0, 0, 0]
        for i, r in enumerate(rs):
            want_new = 1 if i == 0 else 0
            if r["is_new_flow"] != want_new:
                errors.append(f"flow {fid} record {i}: is_new_flow {r['is_new_flow']}, want {want_new}")
            if i < len(rs) - 1 and r["close_type"] != 5:
                errors.append(f"flow {fid} record {i} of {len(rs)}: close_type {r['close_type']} before the end")
            if r["start_time"] > r["end_time"]:
                errors.append(f"flow {fid} record {i}: start_time after end_time")
            if i and r["start_time"] == rs[i - 1]["start_time"]:
                errors.append(f"flow {fid} records {i - 1} and {i}: both start at {r['start_time']}")
            sums = [sums[0] + r["packet_tx"], sums[1] + r["packet_rx"],
                    sums[2] + r["byte_tx"], sums[3] + r["byte_rx"]]
            got = [r["total_packet_tx"], r["total_packet_rx"], r["total_byte_tx"], r["total_byte_rx"]]
            if got != sums:
                errors.append(f"flow {fid} record {i}: total_* {got} != running sums {sums}")
        for spec in args.expect_close:
            proto, ct = (int(x) for x in spec.split("="))
            if rs[-1]["protocol"] == proto and rs[-1]["close_type"] != ct:
                errors.append(f"flow {fid} ({rs[-1]['ip_0']}:{rs[-1]['client_port']} > "
                              f"{rs[-1]['ip_1']}:{rs[-1]['server_port']} proto {proto}): "
                              f"last close_type {rs[-1]['close_type']}, want {ct}")
    if args.min_records and longest < args.min_records:
        errors.append(f"no flow has {args.min_records} records (longest: {longest})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pcap")
    ap.add_argument("jsonl", nargs="+")
    ap.add_argument("--subnet", action="append", default=[])
    ap.add_argument("--server-port", type=int, default=0)
    ap.add_argument("--overflow", action="store_true")
    ap.add_argument("--intervals", action="store_true")
    ap.add_argument("--expect-close", action="append", default=[])
    ap.add_argument("--min-records", type=int, default=0)
    ap.add_argument("--nic")
    args = ap.parse_args()
    nets = [ipaddress.ip_network(s) for s in args.subnet]

    outside = [0, 0]  # capture packets/bytes outside the test subnets
    stats, client = expected_flows(args.pcap, nets, args.server_port, outside)
    recs = read_records(args.jsonl)
    if args.nic:
        recs = [r for r in recs if r.get("capture_nic_name") == args.nic]
    got = collections.defaultdict(lambda: [0, 0, 0, 0])
    got_client = {}
    overflow = [0, 0]
    for r in recs:
        if r.get("overflow"):
            overflow[0] += r["packet_tx"] + r["packet_rx"]
            overflow[1] += r["byte_tx"] + r["byte_rx"]
            continue
        if not (in_subnets(r["ip_0"], nets) and in_subnets(r["ip_1"], nets)):
            outside[0] -= r["packet_tx"] + r["packet_rx"]
            outside[1] -= r["byte_tx"] + r["byte_rx"]
            continue
        c = (r["ip_0"], r["client_port"])
        s = (r["ip_1"], r["server_port"])
        fid = flow_id(r["protocol"], c, s)
        got_client.setdefault(fid, c)
        g = got[fid]
        g[0] += r["packet_tx"]
        g[1] += r["byte_tx"]
        g[2] += r["packet_rx"]
        g[3] += r["byte_rx"]
        if got_client[fid] != c:
            g[0], g[1], g[2], g[3] = g[2], g[3], g[0], g[1]

    errors = []
    for r in recs:
        missing = [f for f in REQUIRED if f not in r] if not r.get("overflow") else []
        if missing:
            errors.append(f"record of flow {r.get('flow_id')} lacks {missing}")
            break
    short = [0, 0]
    for fid, sides in stats.items():
        want_c = client.get(fid)
        if want_c is None:
            errors.append(f"{fid}: capture cannot tell the client (test traffic problem)")
            continue
        want_s = fid[1] if fid[2] == want_c else fid[2]
        want = [sides[want_c][0], sides[want_c][1], sides[want_s][0], sides[want_s][1]]
        g = got.get(fid)
        if g is None:
            if args.overflow:
                short[0] += want[0] + want[2]
                short[1] += want[1] + want[3]
                continue
            errors.append(f"{fid}: in the capture ({want}) but in no record")
            continue
        if got_client[fid] != want_c:
            errors.append(f"{fid}: client is {got_client[fid]}, capture says {want_c}")
        if args.overflow and all(x <= y for x, y in zip(g, want)):
            short[0] += want[0] + want[2] - g[0] - g[2]
            short[1] += want[1] + want[3] - g[1] - g[3]
        elif g != want:
            errors.append(f"{fid}: records [pkt_tx, byte_tx, pkt_rx, byte_rx] {g} != capture {want}")
    for fid in got:
        if fid not in stats:
            errors.append(f"{fid}: in the records {got[fid]} but not in the capture")
    if args.overflow:
        # Packets outside the test subnets (IPv6 MLD and the like) may
        # overflow too: what the capture has of them beyond their records.
        short = [short[0] + outside[0], short[1] + outside[1]]
        if overflow != short:
            errors.append(f"overflow records carry [packets, bytes] {overflow}, "
                          f"the per-flow shortfall is {short}")
        if not overflow[0]:
            errors.append("no overflow record: the flow map never filled")
    if args.intervals:
        check_intervals(recs, args, errors)
    for e in errors:
        print("MISMATCH " + e)
    pkts = sum(s[0] for f in stats.values() for s in f.values())
    print(f"flowcheck: {len(stats)} flows, {pkts} packets in the capture, "
          f"{len(recs)} records, {len(errors)} mismatches", file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
