#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""ipfixcheck.py - kflow's IPFIX export against its JSON records of the same
run, as real collectors decode it.

  ipfixcheck.py JSONL NFDUMP_CSV TSHARK_PCAP [--late] [--port=N]

NFDUMP_CSV: `nfdump -o 'fmt:%sa,%sp,%da,%dp,%pr,%pkt,%byt,%opkt,%obyt'` lines.
Per flow (addresses, ports, protocol) the packets and bytes of both
directions summed over nfdump's records equal those of the JSON records;
tshark decodes the templates with exactly kflow's element ids and finds no
sequence gap, missing template or malformed set. With --late the collector
started after the agent: only flows nfdump has are compared, and there must
be some.
"""
import collections
import json
import subprocess
import sys

IANA = [7, 11, 4, 60, 6, 6, 1, 2, 1, 2, 10, 14, 61, 239, 136, 95, 234, 148, 280,
        218, 219, 220, 218, 219, 220, 152, 153, 22, 21]


def main():
    jsonl, csv, pcap = sys.argv[1:4]
    late = "--late" in sys.argv
    port = next((a.split("=")[1] for a in sys.argv if a.startswith("--port=")), "4739")
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
    expect = [149, 160] + [8, 12] + IANA + [27, 28] + IANA
    if ids != expect:
        errors.append(f"template IANA/reverse field ids {ids}, want {expect}")
    warn = subprocess.run(["tshark", "-n", "-r", pcap] + decode + ["-Y", '_ws.expert.severity >= "Warning"'],
                          capture_output=True, text=True, check=True).stdout.strip()
    if warn and not late:
        errors.append("tshark warnings: " + warn[:400])
    for e in errors:
        print("MISMATCH " + e)
    print(f"ipfixcheck: {len(got)} flows in nfdump, {len(want)} in JSON, {len(errors)} mismatches",
          file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
