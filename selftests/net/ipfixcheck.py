#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""ipfixcheck.py - kflow's IPFIX export against its JSON records of the same
run, as real collectors decode it.

  ipfixcheck.py JSONL NFDUMP_CSV TSHARK_PCAP [--late] [--port=N] [--min-apps=N]

NFDUMP_CSV: `nfdump -o 'fmt:%sa,%sp,%da,%dp,%pr,%pkt,%byt,%opkt,%obyt'` lines.
Per flow (addresses, ports, protocol) the packets and bytes of both
directions summed over nfdump's records equal those of the JSON records;
tshark decodes the templates with exactly kflow's element ids and finds no
sequence gap, missing template or malformed set. With --late the collector
started after the agent: only flows nfdump has are compared, and there must
be some. With --min-apps some interval has usage records of that many
applications.
"""
import collections
import json
import struct
import subprocess
import sys

IANA = [7, 11, 4, 60, 6, 6, 1, 2, 1, 2, 10, 14, 61, 239, 136, 95, 234, 148, 280,
        218, 219, 220, 218, 219, 220, 152, 153, 22, 21]


def read_udp_payloads(pcap, port):
    """IPFIX messages sent to port, from a capture on loopback (Ethernet
    or Linux cooked framing, IPv4, UDP)."""
    data = open(pcap, "rb").read()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        sys.exit(f"{pcap}: pcapng; capture with -F pcap")
    linktype = struct.unpack("<I", data[20:24])[0]
    off, out = 24, []
    l2 = {1: 14, 113: 16}[linktype]
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ip = frame[l2:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 17 or struct.unpack("!H", ip[ihl + 2:ihl + 4])[0] != port:
            continue
        out.append(ip[ihl + 8:])
    return out


def decode(messages):
    """Template-driven decoding: (export time, template id, {(pen, id): int})."""
    templates, records = {}, []
    for msg in messages:
        export = struct.unpack("!I", msg[4:8])[0]
        off = 16
        while off + 4 <= len(msg):
            sid, slen = struct.unpack("!HH", msg[off:off + 4])
            body, off = msg[off + 4:off + slen], off + slen
            if sid in (2, 3):
                p = 0
                while p + 4 <= len(body):
                    tid, count = struct.unpack("!HH", body[p:p + 4])
                    p += 6 if sid == 3 else 4
                    fields = []
                    for _ in range(count):
                        eid, ln = struct.unpack("!HH", body[p:p + 4])
                        p += 4
                        pen = 0
                        if eid & 0x8000:
                            pen = struct.unpack("!I", body[p:p + 4])[0]
                            p += 4
                        fields.append((pen, eid & 0x7fff, ln))
                    templates[tid] = fields
            elif sid in templates:
                size = sum(f[2] for f in templates[sid])
                for r in range(len(body) // size):
                    rec, p = {}, r * size
                    for pen, eid, ln in templates[sid]:
                        rec.setdefault((pen, eid), int.from_bytes(body[p:p + ln], "big"))
                        p += ln
                    records.append((export, sid, rec))
    return records


def check_usage(pcap, port, min_apps=0):
    """Usage and global usage totals equal the sums of the interval's
    transaction records (all sent at the same interval end); every
    application and direction of those records has its usage record; with
    min_apps, some interval has usage records of that many applications."""
    errors = []
    tx = collections.defaultdict(lambda: collections.Counter())
    usage = collections.defaultdict(lambda: collections.Counter())
    glob = collections.defaultdict(lambda: collections.Counter())
    n = 0
    for export, tid, r in decode(read_udp_payloads(pcap, port)):
        if tid in (256, 257):
            app = r[(0, 95)]
            for d, (o, p) in enumerate((((0, 1), (0, 2)), ((29305, 1), (29305, 2)))):
                for key in ((export, r[(0, 10)], d, app), (export, r[(0, 10)], d, None)):
                    tx[key]["octets"] += r[o]
                    tx[key]["packets"] += r[p]
        elif tid in (260, 261):
            n += 1
            key = (export, r[(0, 10)], r[(0, 61)], r[(0, 95)] if tid == 260 else None)
            tab = usage if tid == 260 else glob
            tab[key]["octets"] += r[(0, 1)]
            tab[key]["packets"] += r[(0, 2)]
    for key, u in list(usage.items()) + list(glob.items()):
        if tx[key] != u:
            errors.append(f"usage {key}: {dict(u)}, transaction records sum to {dict(tx[key])}")
    missing = [key for key in tx if key not in (glob if key[3] is None else usage)]
    if missing:
        errors.append(f"{len(missing)} (export time, interface, direction, application) of "
                      f"transaction records have no usage record, e.g. {missing[:3]}")
    if not n:
        errors.append("no usage record")
    apps = collections.Counter(key[0] for key in usage if key[2] == 0)
    if min_apps and max(apps.values(), default=0) < min_apps:
        errors.append(f"usage records of at most {max(apps.values(), default=0)} applications "
                      f"in one interval, want {min_apps}")
    return errors


def end_reason(ct, proto):
    if ct == 5:
        return 2
    if proto != 6 or ct in (3, 7, 10):
        return 1
    return 3


def hexint(v):
    return int(v.replace(":", ""), 16)


def ms(ts):
    """tshark's absolute time text -> ms since the epoch (UTC)."""
    import datetime
    date, frac = ts.replace(" UTC", "").rsplit(".", 1)
    t = datetime.datetime.strptime(date, "%b %d, %Y %H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp()) * 1000 + int(frac[:3])


def tshark_records(pcap, decode_as):
    out = subprocess.run(["tshark", "-n", "-r", pcap] + decode_as + ["-T", "json", "--no-duplicate-keys",
                          "-Y", "cflow.flowset_id == 256 || cflow.flowset_id == 257"],
                         capture_output=True, text=True, check=True).stdout
    def find(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k.startswith("Flow ") and isinstance(v, dict) and "cflow.flow_id" in v:
                    yield v
                else:
                    yield from find(v)
        elif isinstance(o, list):
            for v in o:
                yield from find(v)
    return list(find(json.loads(out or "[]")))


def check_values(pcap, decode_as, jsonl):
    """Every transaction record as tshark decodes it, element by element,
    against the JSON record of the same flow and interval."""
    recs = {}
    for line in open(jsonl):
        r = json.loads(line)
        if not r.get("overflow"):
            recs[(r["flow_id"], r["end_time"] // 1000)] = r
    errors, n = [], 0
    for t in tshark_records(pcap, decode_as):
        times = t["cflow.timedelta_tree"][0]
        r = recs.get((int(t["cflow.flow_id"]), ms(times["cflow.abstimeend"])))
        if r is None:
            errors.append(f"tshark record of flow {t['cflow.flow_id']} has no JSON record")
            continue
        n += 1
        v6 = not r["is_ipv4"]
        l4 = r["protocol"] in (6, 17)
        ent = [hexint(x) for x in t["cflow.enterprise_private_entry"]]
        want = {
            "cflow.srcaddrv6" if v6 else "cflow.srcaddr": r["ip_0"],
            "cflow.dstaddrv6" if v6 else "cflow.dstaddr": r["ip_1"],
            "cflow.srcport": str(r["client_port"] if l4 else 0),
            "cflow.dstport": str(r["server_port"] if l4 else 0),
            "cflow.protocol": str(r["protocol"]),
            "cflow.ip_version": "4" if r["is_ipv4"] else "6",
            "cflow.octets": [str(r["byte_tx"]), str(r["byte_rx"])],
            "cflow.packets": [str(r["packet_tx"]), str(r["packet_rx"])],
            "cflow.inputint": str(r["capture_nic"]),
            "cflow.outputint": "0",
            "cflow.direction": "0",
            "cflow.biflow_direction": "1",
            "cflow.flow_end_reason": str(end_reason(r["close_type"], r["protocol"])),
            "cflow.appl_id.classification_engine_id": "3" if l4 else "0",
            "cflow.connection_transaction_id": str(r["flow_id"]),
            "cflow.pie.ntop.client_nw_latency_ms": str(r["rtt_client"] // 2000),
            "cflow.pie.server_nw_latency_ms": str(r["rtt_server"] // 2000),
            "cflow.pie.ntop.appl_latency_ms": str(r["art_sum"] // r["art_count"] // 1000 if r["art_count"] else 0),
            "cflow.pie.ntop.retransmitted_in_pkts": str(r["retrans_tx"]),
            "cflow.pie.ntop.retransmitted_out_pkts": str(r["retrans_rx"]),
            "cflow.pie.ntop.ooorder_in_pkts": str(r["ooo_tx"]),
            "cflow.pie.ntop.ooorder_out_pkts": str(r["ooo_rx"]),
        }
        got = {k: t.get(k) for k in want}
        if got != want:
            errors.append(f"flow {r['flow_id']}: tshark {dict(set(map(lambda kv: (kv[0], str(kv[1])), got.items())) - set(map(lambda kv: (kv[0], str(kv[1])), want.items())))} "
                          f"want {dict(set(map(lambda kv: (kv[0], str(kv[1])), want.items())) - set(map(lambda kv: (kv[0], str(kv[1])), got.items())))}")
        if l4 and hexint(t["cflow.appl_id.selector_id"]) != r["server_port"]:
            errors.append(f"flow {r['flow_id']}: application selector {t['cflow.appl_id.selector_id']}")
        syn = sum(int(x) for x in t["cflow.total_tcp_syn"])
        fin = sum(int(x) for x in t["cflow.total_tcp_fin"])
        if (syn, fin) != (r["syn_count"] + r["synack_count"], r["fin_count"]):
            errors.append(f"flow {r['flow_id']}: SYN/FIN totals {syn}/{fin}")
        if [ms(times["cflow.abstimestart"]), ms(times["cflow.abstimeend"])] != \
           [r["start_time"] // 1000, r["end_time"] // 1000]:
            errors.append(f"flow {r['flow_id']}: start/end {times}")
        mine = [r["rtt"], r["rtt_client"], r["rtt_server"], r["retrans_tx"], r["retrans_rx"],
                r["zero_win_tx"], r["zero_win_rx"], r["srt_sum"], r["srt_count"], r["art_sum"],
                r["art_count"], r["close_type"]]
        if ent != mine:
            errors.append(f"flow {r['flow_id']}: PEN 32473 elements {ent}, want {mine}")
    if not n:
        errors.append("tshark decoded no transaction record")
    if n != len(recs):
        errors.append(f"tshark decoded {n} transaction records, the JSON output has {len(recs)}")
    return errors


def check_options(pcap, decode_as, jsonl):
    """The options records' values: exporter, interfaces, sampling (none),
    applications."""
    def field(name):
        out = subprocess.run(["tshark", "-n", "-r", pcap] + decode_as + ["-T", "fields",
                              "-E", "occurrence=a", "-E", "aggregator=|", "-e", name],
                             capture_output=True, text=True, check=True).stdout
        return {v for line in out.split("\n") for v in line.split("|") if v}
    errors = []
    nics, ports = set(), set()
    for line in open(jsonl):
        r = json.loads(line)
        if not r.get("overflow"):
            nics.add(r["capture_nic_name"])
            if r["protocol"] in (6, 17):
                ports.add(r["server_port"])
    checks = [
        ("cflow.exporter_addr", {"127.0.0.1"}),
        ("cflow.if_name", nics),
        ("cflow.selector_algorithm", {"1"}),
        ("cflow.sampling_packet_interval", {"1"}),
        ("cflow.sampling_packet_space", {"0"}),
        ("cflow.appl_desc", {f"IANA L4 port {p}/{t}" for p in ports for t in ("tcp", "udp")}),
    ]
    for name, want in checks:
        got = field(name)
        if not got or not got <= want:
            errors.append(f"options {name}: {sorted(got)[:5]}, want values from {sorted(want)[:5]}")
    if not any("1970" not in v for v in field("cflow.sys_init_time")):
        errors.append("options: systemInitTimeMilliseconds is not the agent's start")
    return errors


def main():
    jsonl, csv, pcap = sys.argv[1:4]
    late = "--late" in sys.argv
    port = next((a.split("=")[1] for a in sys.argv if a.startswith("--port=")), "4739")
    min_apps = int(next((a.split("=")[1] for a in sys.argv if a.startswith("--min-apps=")), "0"))
    decode = ["-d", f"udp.port=={port},cflow"]  # tshark knows only 4739 as IPFIX
    want = collections.defaultdict(lambda: [0, 0, 0, 0])
    for line in open(jsonl):
        r = json.loads(line)
        if r.get("overflow"):
            continue
        icmp = r["protocol"] in (1, 58)
        k = (r["ip_0"], 0 if icmp else r["client_port"], r["ip_1"], 0 if icmp else r["server_port"],
             r["protocol"])
        w = want[k]
        w[0] += r["packet_tx"]
        w[1] += r["byte_tx"]
        w[2] += r["packet_rx"]
        w[3] += r["byte_rx"]
    got = collections.defaultdict(lambda: [0, 0, 0, 0])
    protos = {"TCP": 6, "UDP": 17, "ICMP": 1, "ICMP6": 58}
    for line in open(csv):
        f = [x.strip() for x in line.split(",")]
        if len(f) != 9 or not f[1].isdigit():
            continue
        proto = protos.get(f[4], f[4])
        if f[0] == "0.0.0.0" and f[2] == "0.0.0.0" and proto == "0":
            continue  # nfdump shows usage records (counters, no addresses) as flows
        icmp = proto in (1, 58)  # nfdump prints type.code as the port
        k = (f[0], 0 if icmp else int(f[1]), f[2], 0 if icmp else int(float(f[3])), proto)
        g = got[k]
        for i in range(4):
            g[i] += int(f[5 + i])
    errors = []
    for k, g in got.items():
        if k not in want:
            errors.append(f"{k}: in nfdump {g} but in no JSON record")
        elif g != want[k] and not late:
            errors.append(f"{k}: nfdump [pkt, byt, opkt, obyt] {g}, JSON {want[k]}")
    if not late:
        for k in want:
            if k not in got:
                errors.append(f"{k}: in the JSON records but not in nfdump")
    if not got:
        errors.append("nfdump decoded no flow")
    # tshark: template ids, and no expert warning.
    out = subprocess.run(["tshark", "-n", "-r", pcap] + decode + ["-Y", "cflow.template_id == 256",
                          "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
                          "-e", "cflow.template_ipfix_field_type"],
                         capture_output=True, text=True, check=True).stdout.split("\n")[0]
    ids = [int(x) for x in out.split(",") if x]
    # The template message: the exporter options template (scope 149 ->
    # 160), then templates 256 (IPv4) and 257 (IPv6). kflow's own PEN
    # elements are not IANA or reverse ones and are not in this list.
    usage = [152, 153, 10, 14, 61, 60, 234, 1, 2, 278, 279, 95]
    expect = ([149, 130, 144, 160] + [10, 82, 83] + [302, 304, 305, 306] +
              [95, 96, 94, 372, 373, 374, 288, 289, 290] +
              [8, 12] + IANA + [27, 28] + IANA + usage + usage[:-1])
    if ids != expect:
        errors.append(f"template IANA/reverse field ids {ids}, want {expect}")
    warn = subprocess.run(["tshark", "-n", "-r", pcap] + decode + ["-Y", '_ws.expert.severity >= "Warning"'],
                          capture_output=True, text=True, check=True).stdout.strip()
    if warn and not late:
        errors.append("tshark warnings: " + warn[:400])
    # Every element's length, in template order: options templates 262-265,
    # then 256/257 (common part, kflow's PEN, ntop's) and usage 260/261.
    common = [2, 2, 1, 1, 1, 1, 8, 8, 8, 8, 4, 4, 1, 1, 1, 4, 4, 8, 8, 4, 4, 4, 4, 4, 4, 8, 8, 4, 4]
    health = [4, 4, 4, 4, 4, 4, 4, 8, 4, 8, 4, 2] + [4] * 7
    usage_len = [8, 8, 4, 4, 1, 1, 4, 8, 8, 4, 8, 4]
    want_lens = ([4, 4, 4, 8] + [4, 32, 64] + [8, 2, 4, 4] + [4, 32, 64, 32, 32, 32, 12, 12, 12] +
                 [4, 4] + common + health + [16, 16] + common + health + usage_len + usage_len[:-1])
    lens = subprocess.run(["tshark", "-n", "-r", pcap] + decode + ["-Y", "cflow.template_id == 256",
                           "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
                           "-e", "cflow.template_field_length"],
                          capture_output=True, text=True, check=True).stdout.split("\n")[0]
    if [int(x) for x in lens.split(",") if x] != want_lens:
        errors.append(f"template element lengths {lens}, want {want_lens}")
    if not late:
        errors += check_usage(pcap, int(port), min_apps)
        errors += check_values(pcap, decode, jsonl)
        errors += check_options(pcap, decode, jsonl)
    for e in errors:
        print("MISMATCH " + e)
    print(f"ipfixcheck: {len(got)} flows in nfdump, {len(want)} in JSON, {len(errors)} mismatches",
          file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
