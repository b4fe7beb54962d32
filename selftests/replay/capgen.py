#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""capgen.py - synthetic captures for test-replay-files.sh: Ethernet frames
built by hand, written as classic pcap (us or ns, either byte order) or as
pcapng (several sections, interfaces, resolutions, block kinds).

  capgen.py flows DIR     the same packets as DIR/us/cap (pcap, us),
                          DIR/ns/cap (pcap, ns, big-endian) and DIR/ng/cap
                          (pcapng written here); DIR/sll.pcap: some of them
                          as a Linux cooked capture (for mergecap);
                          DIR/prefix6/cap: the first 6; DIR/butlast/cap: all
                          but the last; DIR/cut.txt: where to cut us/cap
                          inside packet 7's data, inside its record header,
                          inside packet 1's data, and where packet 7 starts
  capgen.py yeargap DIR   DIR/gap/cap: two flows a year apart; DIR/a/cap,
                          DIR/b/cap: each flow alone
  capgen.py gaps DIR      DIR/gaps/cap: flows with silences of many
                          intervals; DIR/filled/cap: the same plus a flow
                          with a packet every second, so no interval is empty
  capgen.py snap DIR      DIR/snap/cap: whole frames between frames cut to
                          14-33 bytes (7, inside the IP header) and one of
                          10; DIR/whole/cap: the whole frames alone
  capgen.py badblock DIR  DIR/bad/cap: pcapng whose third packet block has a
                          wrong trailing length; DIR/good/cap: its first two

Packet times are multiples of 1/64 s (15625 us), so that us, ns and the
binary 2^-10 s resolution all hold them exactly.
"""
import os
import struct
import sys

TICK_NS = 15625000  # 1/64 s
T0 = 1700000000 * 1000000000  # 2023-11-14, an interval boundary at any --interval
MAC_C = bytes.fromhex("02000000000a")
MAC_S = bytes.fromhex("02000000000b")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, ipid=1):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ipid, 0x4000, 64, proto, 0,
                      bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nh, payload):
    import ipaddress
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64,
                       ipaddress.IPv6Address(src).packed, ipaddress.IPv6Address(dst).packed) + payload


def tcp(sport, dport, seq, ack, flags, payload=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def eth(payload, ethertype=0x0800, to_server=True):
    src, dst = (MAC_C, MAC_S) if to_server else (MAC_S, MAC_C)
    return dst + src + struct.pack("!H", ethertype) + payload


SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01


def tcp_conn(t, cli, srv, sport, dport, v6=False, close=True, data=b"hello"):
    """A TCP connection from tick t: handshake, request, answer, [FIN]s.
    Returns [(tick, frame)]."""
    ip = (lambda s, d, p: ipv6(s, d, 6, p)) if v6 else (lambda s, d, p: ipv4(s, d, 6, p))
    et = 0x86DD if v6 else 0x0800
    c, s = 1000, 5000
    segs = [
        (0, True, c, 0, SYN, b""),
        (1, False, s, c + 1, SYN | ACK, b""),
        (2, True, c + 1, s + 1, ACK, b""),
        (3, True, c + 1, s + 1, PSH | ACK, data),
        (5, False, s + 1, c + 1 + len(data), PSH | ACK, data * 3),
        (6, True, c + 1 + len(data), s + 1 + 3 * len(data), ACK, b""),
    ]
    if close:
        segs += [
            (8, True, c + 1 + len(data), s + 1 + 3 * len(data), FIN | ACK, b""),
            (9, False, s + 1 + 3 * len(data), c + 2 + len(data), FIN | ACK, b""),
            (10, True, c + 2 + len(data), s + 2 + 3 * len(data), ACK, b""),
        ]
    out = []
    for dt, up, seq, ack, fl, pl in segs:
        a, b, sp, dp = (cli, srv, sport, dport) if up else (srv, cli, dport, sport)
        out.append((t + dt, eth(ip(a, b, tcp(sp, dp, seq, ack, fl, pl)), et, up)))
    return out


def udp_talk(t, cli, srv, sport, dport, n=2, step=1, v6=False):
    out = []
    for i in range(n):
        up = i % 2 == 0
        a, b, sp, dp = (cli, srv, sport, dport) if up else (srv, cli, dport, sport)
        pl = udp(sp, dp, b"q" * (10 + i))
        frame = eth(ipv6(a, b, 17, pl), 0x86DD, up) if v6 else eth(ipv4(a, b, 17, pl, 7 + i), 0x0800, up)
        out.append((t + i * step, frame))
    return out


def ticks_ns(pkts):
    """[(tick, frame)] -> [(ts_ns, frame, origlen)] in time order (stable)."""
    return [(T0 + t * TICK_NS, f, len(f)) for t, f in sorted(pkts, key=lambda p: p[0])]


def pcap_bytes(pkts, nanos=False, order="<", link=1, snap=65535):
    out = [struct.pack(order + "IHHiIII", 0xA1B23C4D if nanos else 0xA1B2C3D4, 2, 4, 0, 0, snap, link)]
    offsets = []
    for ts, frame, orig in pkts:
        sub = ts % 1000000000 if nanos else ts % 1000000000 // 1000
        offsets.append(sum(map(len, out)))
        out.append(struct.pack(order + "IIII", ts // 1000000000, sub, len(frame), orig) + frame)
    return b"".join(out), offsets


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def block(order, btype, body):
    body = pad4(body)
    n = 12 + len(body)
    return struct.pack(order + "II", btype, n) + body + struct.pack(order + "I", n)


def option(order, code, value):
    return struct.pack(order + "HH", code, len(value)) + pad4(value)


def shb(order):
    opts = option(order, 4, b"capgen.py") + option(order, 0, b"")
    return block(order, 0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1) + opts)


def idb(order, link, tsresol=None, tsoffset=None):
    opts = option(order, 2, b"eth0x")  # if_name, 5 bytes: padding follows
    if tsresol is not None:
        opts += option(order, 9, bytes([tsresol]))
    if tsoffset is not None:
        opts += option(order, 14, struct.pack(order + "q", tsoffset))
    return block(order, 1, struct.pack(order + "HHI", link, 0, 0) + opts + option(order, 0, b""))


def units(ts_ns, tsresol, tsoffset):
    ns = ts_ns - (tsoffset or 0) * 1000000000
    if tsresol is None:
        return ns // 1000
    v = tsresol & 0x7F
    if tsresol & 0x80:
        u = ns * (1 << v)
        assert u % 1000000000 == 0, "time not representable"
        return u // 1000000000
    return ns * 10 ** v // 1000000000


def epb(order, ifid, ts_units, frame, orig):
    hdr = struct.pack(order + "IIIII", ifid, ts_units >> 32, ts_units & 0xFFFFFFFF, len(frame), orig)
    return block(order, 6, hdr + pad4(frame) + option(order, 1, b"comment") + option(order, 0, b""))


def spb(order, frame):
    return block(order, 3, struct.pack(order + "I", len(frame)) + frame)


def sll_frame(payload):
    # Linux cooked header (LINKTYPE_LINUX_SLL, 113): a link the replay skips.
    return struct.pack("!HHH8sH", 0, 1, 6, MAC_C + b"\0\0", 0x0800) + payload


def flows_packets():
    p = []
    p += tcp_conn(0, "10.1.0.1", "10.1.0.2", 40001, 80)
    p += tcp_conn(4, "fd00:1::1", "fd00:1::2", 40002, 443, v6=True, close=False)
    p += udp_talk(2, "10.1.0.1", "10.1.0.3", 5353, 53, n=4, step=50)
    p += udp_talk(300, "fd00:1::1", "fd00:1::3", 6000, 7000, n=3, step=64 * 7, v6=True)
    p += tcp_conn(64 * 75, "10.1.0.4", "10.1.0.2", 40003, 8080)
    # At the time of the segment before it: written as a simple packet block.
    p += udp_talk(64 * 75 + 5, "10.1.0.1", "10.1.0.5", 5555, 9999, n=1)
    return ticks_ns(p)


def flows(d):
    pkts = flows_packets()
    data, offsets = pcap_bytes(pkts)
    write(d + "/us/cap", data)
    write(d + "/ns/cap", pcap_bytes(pkts, nanos=True, order=">")[0])
    with open(d + "/cut.txt", "w") as f:
        f.write("%d %d %d %d\n" % (offsets[6] + 16 + 20, offsets[6] + 9, 24 + 30, offsets[6]))
    write(d + "/prefix6/cap", pcap_bytes(pkts[:6])[0])
    write(d + "/butlast/cap", pcap_bytes(pkts[:-1])[0])
    sll = [(ts, sll_frame(fr[14:]), len(fr) + 2) for ts, fr, _ in pkts[::3]]
    write(d + "/sll.pcap", pcap_bytes(sll, link=113)[0])

    # pcapng: section 1 little-endian with a cooked interface 0 (skipped)
    # and an Ethernet interface 1 in us with an offset of 1000 s; section 2
    # big-endian, Ethernet in 2^-10 s, a ns interface, simple packets.
    half = len(pkts) // 2
    le, be = "<", ">"
    out = [shb(le), idb(le, 113), idb(le, 1, tsoffset=1000)]
    for i, (ts, fr, orig) in enumerate(pkts[:half]):
        if i % 4 == 1:
            out.append(epb(le, 0, units(ts, None, None), sll_frame(fr[14:]), orig + 2))
        out.append(epb(le, 1, units(ts, None, 1000), fr, orig))
        if i == 2:
            out.append(block(le, 4, struct.pack(le + "HH", 0, 0)))  # name resolution, empty
            out.append(block(le, 0x40000BAD, b"custom block body"))
    out += [shb(be), idb(be, 1, tsresol=0x8A), idb(be, 1, tsresol=9)]
    prev = None
    for i, (ts, fr, orig) in enumerate(pkts[half:]):
        if ts == prev and orig == len(fr):
            out.append(spb(be, fr))  # no time of its own: the previous packet's
        else:
            ifid = i % 2
            out.append(epb(be, ifid, units(ts, 0x8A if ifid == 0 else 9, None), fr, orig))
        prev = ts
    write(d + "/ng/cap", b"".join(out))


def yeargap(d):
    a = udp_talk(0, "10.2.0.1", "10.2.0.2", 1111, 53, n=2, step=16)
    b = udp_talk(64 * 86400 * 365 + 32, "10.2.0.1", "10.2.0.9", 2222, 53, n=2, step=16)
    write(d + "/gap/cap", pcap_bytes(ticks_ns(a + b))[0])
    write(d + "/a/cap", pcap_bytes(ticks_ns(a))[0])
    write(d + "/b/cap", pcap_bytes(ticks_ns(b))[0])


def gaps_packets():
    s = 64  # ticks per second
    p = []
    p += tcp_conn(0, "10.3.0.1", "10.3.0.2", 41000, 80, close=False)  # established, then silent
    p += tcp_conn(10, "10.3.0.1", "10.3.0.2", 41001, 80)  # closed
    p += [(5, eth(ipv4("10.3.0.1", "10.3.0.5", 6, tcp(41002, 22, 1, 0, SYN))))]  # SYN only
    p += udp_talk(20, "10.3.0.1", "10.3.0.3", 3000, 53, n=3, step=s * 40)  # gaps of 40 s
    p += udp_talk(s * 130 + 7, "10.3.0.1", "10.3.0.3", 3000, 53, n=2, step=s * 500)
    p += tcp_conn(s * 400, "10.3.0.1", "10.3.0.2", 41000, 80, close=False)  # port reuse later
    p += [(s * 1000 + 3, eth(ipv4("10.3.0.1", "10.3.0.5", 1, b"\x08\0\0\0\0\1\0\1")))]  # ICMP echo
    return p


def gaps(d):
    p = gaps_packets()
    write(d + "/gaps/cap", pcap_bytes(ticks_ns(p))[0])
    # One second before the first flow until long after the last ends.
    filler = [(t * 64 - 64, eth(ipv4("10.9.9.1", "10.9.9.2", 17, udp(9, 9, b"tick"))))
              for t in range(0, 1100)]
    write(d + "/filled/cap", pcap_bytes(ticks_ns(filler + p))[0])


def snap(d):
    whole = tcp_conn(0, "10.4.0.1", "10.4.0.2", 42000, 80)
    whole += udp_talk(3, "fd00:4::1", "fd00:4::2", 4000, 53, n=2, step=2, v6=True)
    cut = []
    # tcpdump -s N keeps the first N bytes; the record's length is the wire's.
    for i, n in enumerate((32, 33, 14, 20, 32, 10)):
        f = tcp_conn(1 + i, "10.4.0.9", "10.4.0.2", 42100 + i, 80, close=False)[3][1]
        cut.append((1 + i, f[:n], len(f)))
    f6 = udp_talk(2, "fd00:4::9", "fd00:4::2", 4100, 53, n=1, v6=True)[0][1]
    cut += [(2, f6[:32], len(f6)), (4, f6[:53], len(f6))]
    pk = [(T0 + t * TICK_NS, f, len(f)) for t, f in whole]
    pk += [(T0 + t * TICK_NS, f, o) for t, f, o in cut]
    pk.sort(key=lambda x: x[0])
    write(d + "/snap/cap", pcap_bytes(pk)[0])
    write(d + "/whole/cap", pcap_bytes(ticks_ns(whole))[0])


def badblock(d):
    pkts = ticks_ns(udp_talk(0, "10.5.0.1", "10.5.0.2", 5000, 53, n=4, step=8))
    le = "<"
    out = [shb(le), idb(le, 1)]
    for i, (ts, fr, orig) in enumerate(pkts):
        b = epb(le, 0, units(ts, None, None), fr, orig)
        if i == 2:
            b = b[:-4] + struct.pack(le + "I", len(b) + 4)
        out.append(b)
    write(d + "/bad/cap", b"".join(out))
    write(d + "/good/cap", pcap_bytes(pkts[:2])[0])


def main():
    cmds = {"flows": flows, "yeargap": yeargap, "gaps": gaps, "snap": snap, "badblock": badblock}
    if len(sys.argv) != 3 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    main()
