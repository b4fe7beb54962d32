#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""stream_load.py - load and measurement for stream.sh (stdlib only).

  stream_load.py sub SOCKET OUT       a subscriber of flow_start events: each
                                      line, prefixed with its receive time (us)
  stream_load.py syn HOST PORT RATE SECONDS OUT
                                      RATE new TCP connections a second to
                                      closed ports PORT, PORT+1, ... (one SYN
                                      each, refused: every one a new flow), the
                                      send time (us) of each to OUT
  stream_load.py report SENDS SUB... latency SYN sent -> flow_start received
  stream_load.py rate SUB...          events a second at each subscriber
"""
import errno
import json
import socket
import sys
import time


def sub(path, out):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b'{"events":["flow_start"]}\n')
    print("connected", flush=True)
    buf = b""
    with open(out, "w") as f:
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            t = time.time_ns() // 1000
            buf += b
            *done, buf = buf.split(b"\n")
            f.write("".join("%d %s\n" % (t, l.decode()) for l in done))


def syn(host, port, rate, seconds, out):
    n = int(rate * seconds)
    start = time.monotonic()
    sent = []
    for i in range(n):
        due = start + i / rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        t = time.time_ns() // 1000
        try:
            s.connect((host, port + i))
        except BlockingIOError:
            pass
        sent.append((t, s.getsockname()[1], port + i))
        s.close()  # the SYN is out; the refusal needs no socket
    with open(out, "w") as f:
        f.write("".join("%d %d %d\n" % x for x in sent))
    print("sent %d SYNs in %.2f s" % (n, time.monotonic() - start), file=sys.stderr)


def events(path):
    for line in open(path):
        t, _, obj = line.partition(" ")
        yield int(t), json.loads(obj)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def report(sends, subs):
    sent = {}
    for line in open(sends):
        t, cport, sport = map(int, line.split())
        sent[(cport, sport)] = t
    for path in subs:
        lat, lost = [], 0
        for t, o in events(path):
            if o.get("event") == "lost":
                lost += o.get("count") or 0
            elif o.get("event") == "flow_start" and o.get("protocol") == 6 \
                    and (o.get("client_port"), o.get("server_port")) in sent:
                lat.append((t - sent[(o["client_port"], o["server_port"])]) / 1000.0)
        if not lat:
            print("  %s: no flow_start of the SYNs" % path)
            continue
        print("  %-14s %8d %8d %9.2f %9.2f %9.2f %6d" % (path.split("/")[-1], len(sent),
              len(lat), pct(lat, 50), pct(lat, 99), max(lat), lost))


def rate(subs):
    for path in subs:
        ts = [t for t, o in events(path) if o.get("event") == "flow_start"]
        lost = sum(o.get("count") or 0 for _, o in events(path) if o.get("event") == "lost")
        if len(ts) < 2:
            print("  %s: %d events" % (path, len(ts)))
            continue
        secs = (ts[-1] - ts[0]) / 1e6
        print("  %-14s %8d %9.3f %12.0f %6d" % (path.split("/")[-1], len(ts), secs,
              len(ts) / secs if secs else 0, lost))


def main(a):
    if a[1] == "sub":
        sub(a[2], a[3])
    elif a[1] == "syn":
        syn(a[2], int(a[3]), float(a[4]), float(a[5]), a[6])
    elif a[1] == "report":
        report(a[2], a[3:])
    elif a[1] == "rate":
        rate(a[2:])


if __name__ == "__main__":
    main(sys.argv)
