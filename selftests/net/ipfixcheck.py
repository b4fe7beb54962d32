#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""ipfixcheck.py - kflow's IPFIX export against its JSON records of the same
run, as real collectors decode it.

  ipfixcheck.py JSONL NFDUMP_CSV TSHARK_PCAP [--late] [--port=N] [--min-apps=N]
                [--uniflow] [--domain=N] [--usage-domain=N|off]

NFDUMP_CSV: `nfdump -o 'fmt:%sa,%sp,%da,%dp,%pr,%pkt,%byt,%opkt,%obyt'` lines
of the flow domain (--domain, default 1). Per flow (addresses, ports,
protocol) and direction the packets and bytes summed over nfdump's records
equal those of the JSON records, and so does the sum of all its bytes;
tshark decodes the templates of each domain with exactly kflow's element
ids and finds no sequence gap, missing template or malformed set; flow
records are in the flow domain only, usage records in the usage domain
(--usage-domain, default the flow domain + 1; off: none) only. With --late
the collector started after the agent: only flows nfdump has are compared,
and there must be some. With --min-apps some interval has usage records of
that many applications. --uniflow: the agent sent one record per direction.
"""
import collections
import datetime
import json
import os
import re
import struct
import subprocess
import sys

# IANA and RFC 5103 reverse element ids of the flow templates after the
# addresses: biflow (256/257) and uniflow (268/269, no reverse element).
IANA = [7, 11, 4, 60, 6, 6, 1, 2, 1, 2, 10, 14, 61, 239, 136, 95, 234, 148, 280,
        218, 219, 220, 218, 219, 220, 152, 153, 22, 21]
UNI = [7, 11, 4, 60, 6, 1, 2, 10, 14, 61, 239, 136, 95, 234, 148, 280, 218, 219, 220,
       152, 153, 22, 21]


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


def decode_domains(messages):
    """Template-driven decoding, templates kept per observation domain
    (RFC 7011): (domain, export time, template id, {(pen, id): int})."""
    templates, records = {}, []
    for msg in messages:
        export, _, domain = struct.unpack("!III", msg[4:16])
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
                    templates[(domain, tid)] = fields
            elif (domain, sid) in templates:
                tmpl = templates[(domain, sid)]
                size = sum(f[2] for f in tmpl)
                for r in range(len(body) // size):
                    rec, p = {}, r * size
                    for pen, eid, ln in tmpl:
                        rec.setdefault((pen, eid), int.from_bytes(body[p:p + ln], "big"))
                        p += ln
                    records.append((domain, export, sid, rec))
    return records


def decode(messages):
    """(export time, template id, {(pen, id): int}) of every domain."""
    return [(export, tid, rec) for _, export, tid, rec in decode_domains(messages)]


FLOW_TIDS = (256, 257, 268, 269)  # biflow, uniflow
USAGE_TIDS = (260, 261)


def check_usage(pcap, port, flow_dom, usage_dom, min_apps=0):
    """Flow records only in the flow domain, usage records only in the
    usage domain (none with usage_dom None). Usage and global usage totals
    equal the sums of the interval's transaction records (all sent at the
    same interval end); every application and direction of those records
    has its usage record; with min_apps, some interval has usage records of
    that many applications."""
    errors = []
    tx = collections.defaultdict(lambda: collections.Counter())
    usage = collections.defaultdict(lambda: collections.Counter())
    glob = collections.defaultdict(lambda: collections.Counter())
    n, misplaced = 0, collections.Counter()
    for dom, export, tid, r in decode_domains(read_udp_payloads(pcap, port)):
        if tid in FLOW_TIDS:
            if dom != flow_dom:
                misplaced[("flow", dom)] += 1
                continue
            app = r[(0, 95)]
            if tid in (256, 257):
                dirs = ((0, (0, 1), (0, 2)), (1, (29305, 1), (29305, 2)))
            else:
                dirs = ((r[(0, 239)] - 1, (0, 1), (0, 2)),)
            for d, o, p in dirs:
                for key in ((export, r[(0, 10)], d, app), (export, r[(0, 10)], d, None)):
                    tx[key]["octets"] += r[o]
                    tx[key]["packets"] += r[p]
        elif tid in USAGE_TIDS:
            if dom != usage_dom:
                misplaced[("usage", dom)] += 1
                continue
            n += 1
            key = (export, r[(0, 10)], r[(0, 61)], r[(0, 95)] if tid == 260 else None)
            tab = usage if tid == 260 else glob
            tab[key]["octets"] += r[(0, 1)]
            tab[key]["packets"] += r[(0, 2)]
    for (kind, dom), count in misplaced.items():
        errors.append(f"{count} {kind} records in observation domain {dom}, want "
                      f"{flow_dom if kind == 'flow' else usage_dom}")
    if usage_dom is None:
        return errors
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
                          "-Y", " || ".join(f"cflow.flowset_id == {t}" for t in FLOW_TIDS)],
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


def want_biflow(r):
    """tshark's view of the biflow record of JSON record r."""
    return {
        "cflow.octets": [str(r["byte_tx"]), str(r["byte_rx"])],
        "cflow.packets": [str(r["packet_tx"]), str(r["packet_rx"])],
        "cflow.direction": "0",
        "cflow.biflow_direction": "1",
        "cflow.pie.ntop.client_nw_latency_ms": str(r["rtt_client"] // 2000),
        "cflow.pie.server_nw_latency_ms": str(r["rtt_server"] // 2000),
        "cflow.pie.ntop.appl_latency_ms": str(r["art_sum"] // r["art_count"] // 1000 if r["art_count"] else 0),
        "cflow.pie.ntop.retransmitted_in_pkts": str(r["retrans_tx"]),
        "cflow.pie.ntop.retransmitted_out_pkts": str(r["retrans_rx"]),
        "cflow.pie.ntop.ooorder_in_pkts": str(r["ooo_tx"]),
        "cflow.pie.ntop.ooorder_out_pkts": str(r["ooo_rx"]),
    }, [r["rtt"], r["rtt_client"], r["rtt_server"], r["retrans_tx"], r["retrans_rx"],
        r["zero_win_tx"], r["zero_win_rx"], r["srt_sum"], r["srt_count"], r["art_sum"],
        r["art_count"], r["close_type"]]


def want_uniflow(r, server):
    """tshark's view of the uniflow record of one direction of JSON record
    r: the sender's counters, and each TCP-health value in the record of
    the direction it belongs to (0 in the other)."""
    x, c, s = ("rx", 0, 1) if server else ("tx", 1, 0)
    # flowDirection: the client's packets leave the capture interface when
    # the client is on this node (c-nd) or it is the server's pod veth (s).
    client_egress = r["observation_point"] in ("c-nd", "s")
    return {
        "cflow.octets": str(r["byte_" + x]),
        "cflow.packets": str(r["packet_" + x]),
        "cflow.direction": str(int(client_egress != server)),
        "cflow.biflow_direction": "2" if server else "1",
        "cflow.pie.ntop.client_nw_latency_ms": str(c * r["rtt_client"] // 2000),
        "cflow.pie.server_nw_latency_ms": str(s * r["rtt_server"] // 2000),
        "cflow.pie.ntop.appl_latency_ms": str(s * r["art_sum"] // r["art_count"] // 1000 if r["art_count"] else 0),
        "cflow.pie.ntop.retransmitted_in_pkts": str(c * r["retrans_tx"]),
        "cflow.pie.ntop.retransmitted_out_pkts": str(s * r["retrans_rx"]),
        "cflow.pie.ntop.ooorder_in_pkts": str(c * r["ooo_tx"]),
        "cflow.pie.ntop.ooorder_out_pkts": str(s * r["ooo_rx"]),
    }, [c * r["rtt"], c * r["rtt_client"], s * r["rtt_server"], r["retrans_" + x],
        r["zero_win_" + x], s * r["srt_sum"], s * r["srt_count"], s * r["art_sum"],
        s * r["art_count"], r["close_type"]]


def check_values(pcap, decode_as, jsonl, uniflow=False):
    """Every transaction record as tshark decodes it, element by element,
    against the JSON record of the same flow and interval (in uniflow
    mode, one record per direction with packets)."""
    recs = {}
    for line in open(jsonl):
        r = json.loads(line)
        if not r.get("overflow"):
            recs[(r["flow_id"], r["end_time"] // 1000)] = r
    errors, n, flags = [], 0, collections.defaultdict(lambda: [0, 0])
    for t in tshark_records(pcap, decode_as):
        times = t["cflow.timedelta_tree"][0]
        r = recs.get((int(t["cflow.flow_id"]), ms(times["cflow.abstimeend"])))
        if r is None:
            errors.append(f"tshark record of flow {t['cflow.flow_id']} has no JSON record")
            continue
        n += 1
        v6 = not r["is_ipv4"]
        l4 = r["protocol"] in (6, 17)
        server = uniflow and t.get("cflow.biflow_direction") == "2"
        ent = [hexint(x) for x in t["cflow.enterprise_private_entry"]]
        ends = (("ip_1", "ip_0", "server_port", "client_port") if server else
                ("ip_0", "ip_1", "client_port", "server_port"))
        want = {
            "cflow.srcaddrv6" if v6 else "cflow.srcaddr": r[ends[0]],
            "cflow.dstaddrv6" if v6 else "cflow.dstaddr": r[ends[1]],
            "cflow.srcport": str(r[ends[2]] if l4 else 0),
            "cflow.dstport": str(r[ends[3]] if l4 else 0),
            "cflow.protocol": str(r["protocol"]),
            "cflow.ip_version": "4" if r["is_ipv4"] else "6",
            "cflow.inputint": str(r["capture_nic"]),
            "cflow.outputint": "0",
            "cflow.flow_end_reason": str(end_reason(r["close_type"], r["protocol"])),
            "cflow.appl_id.classification_engine_id": "3" if l4 else "0",
            "cflow.connection_transaction_id": str(r["flow_id"]),
        }
        more, mine = want_uniflow(r, server) if uniflow else want_biflow(r)
        want.update(more)
        got = {k: t.get(k) for k in want}
        if got != want:
            errors.append(f"flow {r['flow_id']}: tshark {dict(set(map(lambda kv: (kv[0], str(kv[1])), got.items())) - set(map(lambda kv: (kv[0], str(kv[1])), want.items())))} "
                          f"want {dict(set(map(lambda kv: (kv[0], str(kv[1])), want.items())) - set(map(lambda kv: (kv[0], str(kv[1])), got.items())))}")
        if l4 and hexint(t["cflow.appl_id.selector_id"]) != r["server_port"]:
            errors.append(f"flow {r['flow_id']}: application selector {t['cflow.appl_id.selector_id']}")
        one = lambda v: v if isinstance(v, list) else [v]
        f = flags[(r["flow_id"], r["end_time"])]
        f[0] += sum(int(x) for x in one(t["cflow.total_tcp_syn"]))
        f[1] += sum(int(x) for x in one(t["cflow.total_tcp_fin"]))
        if [ms(times["cflow.abstimestart"]), ms(times["cflow.abstimeend"])] != \
           [r["start_time"] // 1000, r["end_time"] // 1000]:
            errors.append(f"flow {r['flow_id']}: start/end {times}")
        if ent != mine:
            errors.append(f"flow {r['flow_id']}: PEN 32473 elements {ent}, want {mine}")
    for r in recs.values():
        got = flags[(r["flow_id"], r["end_time"])]
        if got != [r["syn_count"] + r["synack_count"], r["fin_count"]]:
            errors.append(f"flow {r['flow_id']}: SYN/FIN totals {got}")
    if not n:
        errors.append("tshark decoded no transaction record")
    # uniflow: a direction per record that sent packets; a flow's end with
    # none in its last interval, the client's (so that the end arrives).
    want_n = sum(((r["packet_tx"] > 0) + (r["packet_rx"] > 0) or int(r["close_type"] != 5))
                 if uniflow else 1 for r in recs.values())
    if n != want_n:
        errors.append(f"tshark decoded {n} transaction records, the JSON output makes {want_n}")
    return errors


def check_options(pcap, decode_as, jsonl):
    """The options records' values: exporter, interfaces, sampling (none),
    applications."""
    def field(name):
        out = subprocess.run(["tshark", "-n", "-r", pcap] + decode_as + ["-T", "fields",
                              "-E", "occurrence=a", "-E", "aggregator=|", "-e", name],
                             capture_output=True, text=True, check=True,
                             env=dict(os.environ, TZ="UTC")).stdout
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
    errors += check_init_time(field("cflow.sys_init_time"), jsonl)
    return errors


def check_init_time(values, jsonl):
    """systemInitTimeMilliseconds is the agent's start: one value in every
    exporter record, before the first flow the agent counted and not long
    before it (the agent starts, then the test sends). Compared with the
    records' own clock, so a host clock far from today passes too."""
    first_ms = min(json.loads(line).get("start_time", 1 << 62) // 1000 for line in open(jsonl))
    got = set()
    for v in values:  # "Dec  7, 2026 14:58:26.010000000 UTC"
        m = re.match(r"(\w+ +\d+, \d+ \d+:\d+:\d+)\.(\d{3})", v)
        if not m:
            return [f"options: systemInitTimeMilliseconds {v!r} is not a time tshark printed"]
        t = datetime.datetime.strptime(" ".join(m.group(1).split()), "%b %d, %Y %H:%M:%S")
        got.add(int(t.replace(tzinfo=datetime.timezone.utc).timestamp()) * 1000 +
                int(m.group(2)))
    if len(got) != 1:
        return [f"options: systemInitTimeMilliseconds took {len(got)} values ({sorted(got)[:4]}); "
                f"want one, the agent's start"]
    t = got.pop()
    if not first_ms - 120000 <= t <= first_ms:
        return [f"options: systemInitTimeMilliseconds {t} is not the agent's start "
                f"(first flow counted at {first_ms} ms)"]
    return []


def json_flows(jsonl):
    """Per flow (client address and port, server address and port,
    protocol): [client's packets, bytes, server's packets, bytes] summed
    over the JSON records. ICMP has no ports."""
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
    return want


def compare_flows(want, rows, who, late=False):
    """rows: a collector's (src, sport, dst, dport, proto, pkt, byt, opkt,
    obyt) with proto a number. A row from the client is the flow's forward
    direction (a biflow's reverse counters are the server's), a row from
    the server (a uniflow record) is its reverse direction. Per flow and
    direction the sums equal the JSON records'; so does the total of every
    byte the collector reports, which a row that is no flow (usage records
    in the flow domain) would break."""
    got = collections.defaultdict(lambda: [0, 0, 0, 0])
    errors, total = [], 0
    for sa, sp, da, dp, proto, *c in rows:
        icmp = proto in (1, 58)  # collectors read type.code as the port
        k = (sa, 0 if icmp else sp, da, 0 if icmp else dp, proto)
        rk = (da, 0 if icmp else dp, sa, 0 if icmp else sp, proto)
        if k not in want and rk in want:
            k, c = rk, c[2:] + c[:2]
        g = got[k]
        for i in range(4):
            g[i] += c[i]
        total += c[1] + c[3]
    for k, g in got.items():
        if k not in want:
            errors.append(f"{k}: in {who} {g} but in no JSON record")
        elif g != want[k] and not late:
            errors.append(f"{k}: {who} [client pkt, byt, server pkt, byt] {g}, JSON {want[k]}")
    if not late:
        for k in want:
            if k not in got:
                errors.append(f"{k}: in the JSON records but not in {who}")
        json_total = sum(w[1] + w[3] for w in want.values())
        if total != json_total:
            errors.append(f"{who} reports {total} bytes in all, the JSON records {json_total}")
    if not got:
        errors.append(f"{who} decoded no flow")
    return errors


def nfdump_rows(csv):
    """NFDUMP_CSV lines as compare_flows() rows."""
    protos = {"TCP": 6, "UDP": 17, "ICMP": 1, "ICMP6": 58}
    rows = []
    for line in open(csv):
        f = [x.strip() for x in line.split(",")]
        if len(f) != 9 or not f[1].isdigit():
            continue
        rows.append((f[0], int(f[1]), f[2], int(float(f[3])), int(protos.get(f[4], f[4])))
                    + tuple(int(x) for x in f[5:9]))
    return rows


def tshark_template(pcap, decode_as, tid, field):
    """field of the first message with template tid (lists flattened), and
    that message's observation domain."""
    out = subprocess.run(["tshark", "-n", "-r", pcap] + decode_as + [
                          "-Y", f"cflow.template_id == {tid}", "-T", "fields", "-E", "occurrence=a",
                          "-E", "aggregator=,", "-e", "cflow.od_id", "-e", field],
                         capture_output=True, text=True, check=True).stdout.split("\n")[0]
    if not out:
        return None, []
    dom, values = out.split("\t")
    return int(dom.split(",")[0]), [int(x) for x in values.split(",") if x]


def check_templates(pcap, decode_as, uniflow, flow_dom, usage_dom):
    """tshark reads exactly kflow's elements, with their lengths, in the
    template messages of each domain: the options templates (exporter,
    interfaces, sampling, applications), then the flow templates (IPv4,
    IPv6) in the flow domain and the usage and global usage ones in the
    usage domain. kflow's own and ntop's PEN elements are not IANA or
    reverse ones and are only in the lengths."""
    errors = []
    options = [149, 130, 144, 160] + [10, 82, 83] + [302, 304, 305, 306] + \
        [95, 96, 94, 372, 373, 374, 288, 289, 290]
    options_len = [4, 4, 4, 8] + [4, 32, 64] + [8, 2, 4, 4] + [4, 32, 64, 32, 32, 32, 12, 12, 12]
    if uniflow:
        tid, ids = 268, UNI
        common = [2, 2, 1, 1, 1, 8, 8, 4, 4, 1, 1, 1, 4, 4, 8, 8, 4, 4, 4, 8, 8, 4, 4]
        health = [4, 4, 4, 4, 4, 8, 4, 8, 4, 2] + [4] * 7
    else:
        tid, ids = 256, IANA
        common = [2, 2, 1, 1, 1, 1, 8, 8, 8, 8, 4, 4, 1, 1, 1, 4, 4, 8, 8, 4, 4, 4, 4, 4, 4, 8, 8, 4, 4]
        health = [4, 4, 4, 4, 4, 4, 4, 8, 4, 8, 4, 2] + [4] * 7
    usage = [152, 153, 10, 14, 61, 60, 234, 1, 2, 278, 279, 95]
    usage_len = [8, 8, 4, 4, 1, 1, 4, 8, 8, 4, 8, 4]
    want = {
        (tid, "cflow.template_ipfix_field_type"): (flow_dom, options + [8, 12] + ids + [27, 28] + ids),
        (tid, "cflow.template_field_length"):
            (flow_dom, options_len + [4, 4] + common + health + [16, 16] + common + health),
        (260, "cflow.template_ipfix_field_type"): (usage_dom, options + usage + usage[:-1]),
        (260, "cflow.template_field_length"): (usage_dom, options_len + usage_len + usage_len[:-1]),
    }
    if usage_dom is None:
        want[(260, "cflow.template_ipfix_field_type")] = want[(260, "cflow.template_field_length")] = (None, [])
    for (t, field), w in want.items():
        got = tshark_template(pcap, decode_as, t, field)
        if got != w:
            errors.append(f"template {t} {field}: (domain, values) {got}, want {w}")
    return errors


def arg(name, default):
    return next((a.split("=", 1)[1] for a in sys.argv if a.startswith(f"--{name}=")), default)


def main():
    jsonl, csv, pcap = sys.argv[1:4]
    late = "--late" in sys.argv
    uniflow = "--uniflow" in sys.argv
    port = arg("port", "4739")
    min_apps = int(arg("min-apps", "0"))
    flow_dom = int(arg("domain", "1"))
    usage_dom = arg("usage-domain", str(flow_dom + 1))
    usage_dom = None if usage_dom == "off" else int(usage_dom)
    decode = ["-d", f"udp.port=={port},cflow"]  # tshark knows only 4739 as IPFIX
    want = json_flows(jsonl)
    errors = compare_flows(want, nfdump_rows(csv), "nfdump", late)
    errors += check_templates(pcap, decode, uniflow, flow_dom, usage_dom)
    warn = subprocess.run(["tshark", "-n", "-r", pcap] + decode + ["-Y", '_ws.expert.severity >= "Warning"'],
                          capture_output=True, text=True, check=True).stdout.strip()
    if warn and not late:
        errors.append("tshark warnings: " + warn[:400])
    if not late:
        errors += check_usage(pcap, int(port), flow_dom, usage_dom, min_apps)
        errors += check_values(pcap, decode, jsonl, uniflow)
        errors += check_options(pcap, decode, jsonl)
    for e in errors:
        print("MISMATCH " + e)
    print(f"ipfixcheck: {len(want)} flows in JSON, {len(errors)} mismatches", file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
