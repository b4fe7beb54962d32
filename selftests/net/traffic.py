#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""traffic.py - test traffic for kflow's network tests (stdlib only).

  traffic.py serve PORT            TCP and UDP server on [::]:PORT (v4 and v6)
  traffic.py bulk HOST PORT BYTES SECONDS   one TCP connection, paced upload
  traffic.py short HOST PORT COUNT [--parallel]  COUNT short TCP exchanges
  traffic.py udp HOST PORT COUNT   COUNT UDP request/response pairs
  traffic.py udp-hold HOST PORT COUNT SECONDS connected|unconnected
                                   COUNT pairs spread over SECONDS, the socket
                                   open throughout (and connected or not)
  traffic.py udp-ports HOST FIRST COUNT   one datagram to each of COUNT ports from FIRST
  traffic.py serve-bulk PORT BYTES  TCP server sending BYTES to each client after its request
  traffic.py download HOST PORT    one request to serve-bulk, read until the server closes
  traffic.py serve-stall PORT SECONDS   TCP server that reads nothing for SECONDS
  traffic.py serve-rr PORT DELAY   TCP server answering each request after DELAY s
  traffic.py rr HOST PORT COUNT WAIT   COUNT requests on one connection, WAIT s apart
  traffic.py refused HOST PORT     connect to a closed port
  traffic.py abort HOST PORT       send a request, then reset the connection
  traffic.py halfclose HOST PORT SECONDS   shut down writing, stay SECONDS, exit
  traffic.py idle HOST PORT SECONDS        send a request, then stay silent
  traffic.py vlan IFACE DST_MAC SRC DST NTAGS COUNT   COUNT UDP frames with NTAGS
                                   802.1ad/802.1Q tags (ids 1..NTAGS), raw on IFACE

The server answers every TCP connection with one 200-byte reply once the
client has shut down its side, and every UDP datagram with a 64-byte reply.
"""
import os
import socket
import struct
import sys
import threading
import time


def serve(port):
    tcp = listen(port, announce=False)
    udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    udp.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    udp.bind(("::", port))

    def udp_loop():
        while True:
            _, peer = udp.recvfrom(65535)
            udp.sendto(b"r" * 64, peer)

    def handle(conn):
        with conn:
            while conn.recv(65536):
                pass
            conn.sendall(b"s" * 200)

    threading.Thread(target=udp_loop, daemon=True).start()
    print("ready", flush=True)
    while True:
        conn, _ = tcp.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def listen(port, announce=True):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    s.listen(128)
    if announce:
        print("ready", flush=True)
    return s


def serve_stall(port, seconds):
    """Accepts and reads nothing for a while: the receive window closes."""
    srv = listen(port)

    def handle(conn):
        with conn:
            time.sleep(seconds)
            while conn.recv(65536):
                pass
            conn.sendall(b"s" * 200)

    while True:
        conn, _ = srv.accept()
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def serve_bulk(port, total):
    """A download: the server sends most of the bytes."""
    srv = listen(port)

    def handle(conn):
        with conn:
            while conn.recv(65536):
                pass
            conn.sendall(b"d" * total)

    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def serve_rr(port, delay):
    """Answers every request (one recv) with 200 bytes after delay seconds."""
    srv = listen(port)

    def handle(conn):
        with conn:
            while conn.recv(65536):
                time.sleep(delay)
                conn.sendall(b"r" * 200)

    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def rr(host, port, count, wait):
    s = connect(host, port)
    for i in range(count):
        if i:
            time.sleep(wait)
        s.sendall(b"q" * 100)
        got = 0
        while got < 200:
            got += len(s.recv(65536))
    s.close()


def refused(host, port):
    try:
        connect(host, port).close()
        sys.exit("connected to a port that should be closed")
    except ConnectionRefusedError:
        pass


def abort(host, port):
    s = connect(host, port)
    s.sendall(b"q" * 100)
    time.sleep(0.3)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()  # with linger 0: a RST instead of a FIN


def halfclose(host, port, seconds):
    s = connect(host, port)
    s.sendall(b"q" * 100)
    s.shutdown(socket.SHUT_WR)
    time.sleep(seconds)
    os._exit(0)  # no close: the kernel's FIN of the exit must not be ours


def idle(host, port, seconds):
    s = connect(host, port)
    s.sendall(b"q" * 100)
    time.sleep(seconds)
    os._exit(0)


def connect(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect((host, port))
    return s


def exchange(s, payload):
    s.sendall(payload)
    s.shutdown(socket.SHUT_WR)
    got = 0
    while True:
        d = s.recv(65536)
        if not d:
            break
        got += len(d)
    s.close()
    return got


def bulk(host, port, total, seconds):
    s = connect(host, port)
    chunk = 16384
    steps = max(1, total // chunk)
    start = time.monotonic()
    for i in range(steps):
        s.sendall(b"b" * chunk)
        wait = start + seconds * (i + 1) / steps - time.monotonic()
        if wait > 0:
            time.sleep(wait)
    exchange(s, b"")


def short(host, port, count, parallel=False):
    def one():
        exchange(connect(host, port), b"q" * 100)

    if not parallel:
        for _ in range(count):
            one()
        return
    threads = [threading.Thread(target=one) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def udp(host, port, count):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(5)
    for _ in range(count):
        s.sendto(b"u" * 100, (host, port))
        s.recvfrom(65535)
        time.sleep(0.01)


def udp_hold(host, port, count, seconds, how):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(5)
    if how == "connected":
        s.connect((host, port))
    for _ in range(count):
        if how == "connected":
            s.send(b"h" * 100)
        else:
            s.sendto(b"h" * 100, (host, port))
        s.recvfrom(65535)
        time.sleep(seconds / count)
    s.close()


def vlan(iface, dst_mac, src, dst, ntags, count):
    """Tagged frames the stack would never build: raw, through a packet socket."""
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    src_mac = s.getsockname()[4]
    payload = b"v" * 32
    udp_hdr = struct.pack("!HHHH", 40000, 5353, 8 + len(payload), 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp_hdr) + len(payload), 1, 0,
                     64, socket.IPPROTO_UDP, 0, socket.inet_aton(src), socket.inet_aton(dst))
    tags = b""
    for i in range(ntags):
        inner = 0x8100 if i + 1 < ntags else 0x0800
        tags += struct.pack("!HH", i + 1, inner)
    outer = 0x88A8 if ntags else 0x0800
    frame = bytes.fromhex(dst_mac.replace(":", "")) + src_mac + struct.pack("!H", outer)
    frame += tags + ip + udp_hdr + payload
    for _ in range(count):
        s.send(frame)
        time.sleep(0.01)


def udp_ports(host, first, count):
    """Many applications at once: one flow per server port, from one socket
    (an ephemeral port, so the destination is the server). Nothing listens:
    the ICMP port unreachable replies are expected."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    for port in range(first, first + count):
        s.sendto(b"p" * 60, (host, port))


def main(argv):
    cmd = argv[1]
    if cmd == "serve":
        serve(int(argv[2]))
    elif cmd == "bulk":
        bulk(argv[2], int(argv[3]), int(argv[4]), float(argv[5]))
    elif cmd == "short":
        short(argv[2], int(argv[3]), int(argv[4]), "--parallel" in argv)
    elif cmd == "udp":
        udp(argv[2], int(argv[3]), int(argv[4]))
    elif cmd == "udp-hold":
        udp_hold(argv[2], int(argv[3]), int(argv[4]), float(argv[5]), argv[6])
    elif cmd == "udp-ports":
        udp_ports(argv[2], int(argv[3]), int(argv[4]))
    elif cmd == "serve-bulk":
        serve_bulk(int(argv[2]), int(argv[3]))
    elif cmd == "download":
        exchange(connect(argv[2], int(argv[3])), b"q" * 100)
    elif cmd == "serve-stall":
        serve_stall(int(argv[2]), float(argv[3]))
    elif cmd == "serve-rr":
        serve_rr(int(argv[2]), float(argv[3]))
    elif cmd == "rr":
        rr(argv[2], int(argv[3]), int(argv[4]), float(argv[5]))
    elif cmd == "refused":
        refused(argv[2], int(argv[3]))
    elif cmd == "abort":
        abort(argv[2], int(argv[3]))
    elif cmd == "halfclose":
        halfclose(argv[2], int(argv[3]), float(argv[4]))
    elif cmd == "vlan":
        vlan(argv[2], argv[3], argv[4], argv[5], int(argv[6]), int(argv[7]))
    elif cmd == "idle":
        idle(argv[2], int(argv[3]), float(argv[4]))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
