#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""streamsub.py - a raw subscriber of kflow's stream socket (stdlib only).

  streamsub.py SOCKET OUT [--send TEXT] [--stall SECONDS] [--rcvbuf BYTES]

Connects, sends TEXT as is (default: none), optionally reads nothing for
SECONDS (a subscriber that does not read), then writes every line it gets
to OUT until the agent closes. Prints "connected" on stdout once the
subscribe text is sent.
"""
import socket
import sys
import time


def main():
    args = sys.argv[1:]
    path, out = args[0], args[1]
    send, stall, rcvbuf = None, 0.0, 0
    i = 2
    while i < len(args):
        if args[i] == "--send":
            send = args[i + 1].encode().decode("unicode_escape").encode("latin-1")
        elif args[i] == "--stall":
            stall = float(args[i + 1])
        elif args[i] == "--rcvbuf":
            rcvbuf = int(args[i + 1])
        i += 2
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(path)
    if send is not None:
        s.sendall(send)
    print("connected", flush=True)
    time.sleep(stall)
    with open(out, "wb") as f:
        while True:
            b = s.recv(65536)
            if not b:
                break
            f.write(b)
            f.flush()


if __name__ == "__main__":
    main()
