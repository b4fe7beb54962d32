#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""ipfix_udp_collector.py HOST PORT LOG - a minimal IPFIX-over-UDP collector
for the tests: decodes every datagram with the templates received so far and
appends one line per datagram to LOG: `messages N templates K records T:C
...` (data records per template id, K: 1 once a template arrived). It binds
with IP_FREEBIND, so it can wait on an address the test adds later.
"""
import socket
import struct
import sys

from ipfixcheck import decode

IP_FREEBIND = 15  # linux/in.h; not exported by every Python


def main():
    host, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)
    s.bind((host, port))
    print("ready", flush=True)
    msgs = []
    with open(log, "a") as out:
        while True:
            msgs.append(s.recv(65535))
            counts = {}
            for _, tid, _ in decode(msgs):
                counts[tid] = counts.get(tid, 0) + 1
            has_templates = any(struct.unpack("!H", m[16:18])[0] in (2, 3) for m in msgs)
            out.write(f"messages {len(msgs)} templates {int(has_templates)} records "
                      + " ".join(f"{k}:{v}" for k, v in sorted(counts.items())) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
