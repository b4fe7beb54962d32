#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""ipfix_tcp_collector.py PORT LOG - a minimal IPFIX-over-TCP collector for
the tests: accepts connections, frames the stream by each message's length,
decodes it with the templates it received on that connection, and appends
one line per message to LOG: `conn N templates K records T:C ...` (data
records per template id). Data that arrives before its template is logged
as `notemplate`.
"""
import socket
import struct
import sys

from ipfixcheck import decode


def main():
    port, log = int(sys.argv[1]), sys.argv[2]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(4)
    print("ready", flush=True)
    conn_no = 0
    while True:
        conn, _ = srv.accept()
        conn_no += 1
        buf, msgs = b"", []
        with conn, open(log, "a") as out:
            while True:
                d = conn.recv(65536)
                if not d:
                    break
                buf += d
                while len(buf) >= 4:
                    ln = struct.unpack("!H", buf[2:4])[0]
                    if len(buf) < ln:
                        break
                    msgs.append(buf[:ln])
                    buf = buf[ln:]
                    recs = decode(msgs)  # all messages of the connection so far
                    counts = {}
                    for _, tid, _ in recs:
                        counts[tid] = counts.get(tid, 0) + 1
                    has_templates = any(struct.unpack("!H", m[16:18])[0] in (2, 3) for m in msgs)
                    out.write(f"conn {conn_no} messages {len(msgs)} templates "
                              f"{int(has_templates)} records "
                              + " ".join(f"{k}:{v}" for k, v in sorted(counts.items())) + "\n")
                    out.flush()


if __name__ == "__main__":
    main()
