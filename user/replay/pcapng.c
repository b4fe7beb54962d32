// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pcapng.c - the pcapng format (what Wireshark and dumpcap write): blocks of
 * type, total length, body, the total length again. A Section Header Block
 * starts each section and gives its byte order; Interface Description
 * Blocks number the section's interfaces from 0 (link type, if_tsresol,
 * if_tsoffset); an Enhanced Packet Block holds a packet of one of them, a
 * Simple Packet Block one of interface 0 without a time of its own. Other
 * blocks are skipped by their length. A block whose lengths disagree or do
 * not hold its contents ends the reading, as a cut file does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "pcap.h"

#define BT_SHB 0x0a0d0d0a
#define BT_IDB 1
#define BT_SPB 3
#define BT_EPB 6
#define BYTE_ORDER_MAGIC 0x1a2b3c4d
#define OPT_END 0
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14
#define TSRESOL_BINARY 0x80
#define TSRESOL_DEFAULT 6 /* microseconds */
#define LINK_ETHERNET 1
#define NSEC 1000000000LL

/* Blocks read whole: the largest packet pcap.c takes, with room for options. */
#define KF_PCAPNG_MAX_BLOCK (320 * 1024)

static __u32 pad4(__u32 n)
{
	return (n + 3) & ~3u;
}

static __u64 rd64(const struct kf_pcap *p, const unsigned char *b)
{
	__u64 v;

	memcpy(&v, b, 8);
	return p->swap ? __builtin_bswap64(v) : v;
}

static bool kept(__u32 type)
{
	return type == BT_SHB || type == BT_IDB || type == BT_SPB || type == BT_EPB;
}

static int skip(struct kf_pcap *p, __u64 n)
{
	unsigned char junk[4096];
	int err;

	while (n) {
		size_t k = n < sizeof(junk) ? n : sizeof(junk);

		err = kf_pcap_read(p, junk, k);
		if (err)
			return err;
		n -= k;
	}
	return 0;
}

/* Reads the rest of the block that starts at `at`, its type already read:
 * the body of a block read here into p->buf (*body_len bytes), any other
 * skipped. Returns 1 (a body in p->buf), 0 (skipped) or a negative errno. */
static int read_block(struct kf_pcap *p, __u64 at, __u32 type, __u32 *body_len)
{
	unsigned char h[8], tail[4];
	__u32 len, head = 0;
	int err;

	/* A section's byte order is in its header, after the length. */
	err = kf_pcap_read(p, h, type == BT_SHB ? 8 : 4);
	if (err)
		goto cut;
	if (type == BT_SHB) {
		p->swap = false;
		if (kf_pcap_u32(p, h + 4) != BYTE_ORDER_MAGIC)
			p->swap = true;
		if (kf_pcap_u32(p, h + 4) != BYTE_ORDER_MAGIC)
			return kf_pcap_damaged(p, at, "a section header without byte-order magic");
		head = 4;
	}
	len = kf_pcap_u32(p, h);
	if (len < (type == BT_SHB ? 28u : 12u) || len % 4)
		return kf_pcap_damaged(p, at, "a block (type %#x) of length %u", type, len);
	if (kept(type) && len > KF_PCAPNG_MAX_BLOCK)
		return kf_pcap_damaged(p, at, "a block (type %#x) of %u bytes (at most %u are read)",
				       type, len, KF_PCAPNG_MAX_BLOCK);
	*body_len = len - 12;
	if (kept(type)) {
		if (kf_pcap_reserve(p, *body_len)) {
			pr_warn("error: out of memory reading %s\n", p->path);
			return -ENOMEM;
		}
		if (head)
			memcpy(p->buf, h + 4, head);
		err = kf_pcap_read(p, p->buf + head, *body_len - head);
	} else {
		err = skip(p, *body_len);
	}
	if (!err)
		err = kf_pcap_read(p, tail, sizeof(tail));
	if (err)
		goto cut;
	if (kf_pcap_u32(p, tail) != len)
		return kf_pcap_damaged(p, at, "a block (type %#x) whose lengths differ (%u, %u)", type,
				       len, kf_pcap_u32(p, tail));
	return kept(type);
cut:
	return err == -EBADMSG ? kf_pcap_damaged(p, at, "the file ends inside a block") : err;
}

/* The body of a section header: byte-order magic, version, section length. */
static int start_section(struct kf_pcap *p, __u64 at)
{
	__u16 major = kf_pcap_u16(p, p->buf + 4), minor = kf_pcap_u16(p, p->buf + 6);

	if (major != 1)
		return kf_pcap_damaged(p, at, "a section of pcapng version %u.%u", major, minor);
	p->nifs = 0; /* interface numbers start again */
	return 0;
}

static bool tsresol_ok(__u8 r)
{
	/* 10^19 is the largest power of ten a divisor of __u64 can hold. */
	return r & TSRESOL_BINARY ? (r & 0x7f) < 64 : r <= 9 + 19;
}

static int add_interface(struct kf_pcap *p, __u64 at, __u32 len)
{
	struct kf_pcapng_if ifc = { .tsresol = TSRESOL_DEFAULT };
	const unsigned char *b = p->buf;
	__u32 off;

	if (len < 8)
		return kf_pcap_damaged(p, at, "an interface description of %u bytes", len);
	ifc.link_type = kf_pcap_u16(p, b);
	ifc.snaplen = kf_pcap_u32(p, b + 4);
	for (off = 8; off + 4 <= len;) {
		__u16 code = kf_pcap_u16(p, b + off), olen = kf_pcap_u16(p, b + off + 2);

		if (code == OPT_END)
			break;
		if (off + 4 + pad4(olen) > len)
			return kf_pcap_damaged(p, at, "an interface option past its block's end");
		if (code == OPT_IF_TSRESOL && olen >= 1)
			ifc.tsresol = b[off + 4];
		if (code == OPT_IF_TSOFFSET && olen >= 8)
			ifc.tsoffset_s = (__s64)rd64(p, b + off + 4);
		off += 4 + pad4(olen);
	}
	if (!tsresol_ok(ifc.tsresol))
		return kf_pcap_damaged(p, at, "interface %u with time resolution %#x", p->nifs,
				       ifc.tsresol);
	if (p->nifs == p->ifs_cap) {
		__u32 n = p->ifs_cap ? 2 * p->ifs_cap : 4;
		struct kf_pcapng_if *ifs = realloc(p->ifs, n * sizeof(*ifs));

		if (!ifs) {
			pr_warn("error: out of memory reading %s\n", p->path);
			return -ENOMEM;
		}
		p->ifs = ifs;
		p->ifs_cap = n;
	}
	p->ifs[p->nifs++] = ifc;
	return 0;
}

static __u64 dec_pow(unsigned int n)
{
	__u64 v = 1;

	while (n--)
		v *= 10;
	return v;
}

static __u64 time_ns(const struct kf_pcapng_if *ifc, __u64 ts)
{
	unsigned int v = ifc->tsresol & 0x7f;
	__int128 ns;

	if (ifc->tsresol & TSRESOL_BINARY)
		ns = ((unsigned __int128)ts * NSEC) >> v;
	else if (v <= 9)
		ns = (unsigned __int128)ts * dec_pow(9 - v);
	else
		ns = ts / dec_pow(v - 9);
	ns += (__int128)ifc->tsoffset_s * NSEC;
	if (ns < 0)
		return 0;
	return ns > (__int128)~0ULL ? ~0ULL : (__u64)ns;
}

/* A packet block's packet, in p->buf at data: 1 if it is to be replayed,
 * 0 if its interface is not Ethernet. */
static int packet(struct kf_pcap *p, __u32 ifid, __u64 ts_ns, __u32 data, __u32 caplen,
		  __u32 origlen, struct kf_pcap_pkt *pkt)
{
	__u16 link = p->ifs[ifid].link_type;

	p->records++;
	p->prev_ts_ns = ts_ns;
	if (link != LINK_ETHERNET) {
		if (!p->other_link++)
			pr_warn("warning: %s: packet %llu is of interface %u, link type %u: only "
				"Ethernet (1) interfaces are replayed, packets of others are skipped\n",
				p->path, (unsigned long long)p->records, ifid, link);
		return 0;
	}
	pkt->ts_ns = ts_ns;
	pkt->data = p->buf + data;
	pkt->caplen = caplen;
	pkt->origlen = origlen;
	return 1;
}

static int enhanced_packet(struct kf_pcap *p, __u64 at, __u32 len, struct kf_pcap_pkt *pkt)
{
	const unsigned char *b = p->buf;
	__u32 ifid, caplen;
	__u64 ts;

	if (len < 20)
		return kf_pcap_damaged(p, at, "a packet block of %u bytes", len);
	ifid = kf_pcap_u32(p, b);
	ts = (__u64)kf_pcap_u32(p, b + 4) << 32 | kf_pcap_u32(p, b + 8);
	caplen = kf_pcap_u32(p, b + 12);
	if (caplen > len - 20)
		return kf_pcap_damaged(p, at, "a packet block shorter than its packet");
	if (ifid >= p->nifs)
		return kf_pcap_damaged(p, at, "a packet of interface %u, which its section lacks",
				       ifid);
	return packet(p, ifid, time_ns(&p->ifs[ifid], ts), 20, caplen, kf_pcap_u32(p, b + 16),
		      pkt);
}

static int simple_packet(struct kf_pcap *p, __u64 at, __u32 len, struct kf_pcap_pkt *pkt)
{
	__u32 origlen, caplen;

	if (len < 4)
		return kf_pcap_damaged(p, at, "a simple packet block of %u bytes", len);
	if (!p->nifs)
		return kf_pcap_damaged(p, at, "a simple packet block before any interface");
	/* The block holds the packet padded to 4 bytes, or cut to the snap length. */
	origlen = kf_pcap_u32(p, p->buf);
	caplen = origlen < len - 4 ? origlen : len - 4;
	if (p->ifs[0].snaplen && caplen > p->ifs[0].snaplen)
		caplen = p->ifs[0].snaplen;
	return packet(p, 0, p->prev_ts_ns, 4, caplen, origlen, pkt);
}

int kf_pcapng_open(struct kf_pcap *p)
{
	__u32 len;
	int err = read_block(p, 0, BT_SHB, &len);

	return err < 0 ? err : start_section(p, 0);
}

int kf_pcapng_next(struct kf_pcap *p, struct kf_pcap_pkt *pkt)
{
	for (;;) {
		__u64 at = p->off;
		unsigned char t[4];
		__u32 type, len;
		int err;

		err = kf_pcap_read(p, t, sizeof(t));
		if (err == -EBADMSG && p->off == at)
			return 0; /* the end, between blocks */
		if (err == -EBADMSG)
			return kf_pcap_damaged(p, at, "the file ends inside a block");
		if (err)
			return err;
		type = kf_pcap_u32(p, t); /* a section header's reads the same either way */
		err = read_block(p, at, type, &len);
		if (err <= 0) {
			if (err)
				return err;
			continue;
		}
		switch (type) {
		case BT_SHB:
			err = start_section(p, at);
			break;
		case BT_IDB:
			err = add_interface(p, at, len);
			break;
		case BT_EPB:
			err = enhanced_packet(p, at, len, pkt);
			break;
		case BT_SPB:
			err = simple_packet(p, at, len, pkt);
			break;
		}
		if (err)
			return err;
	}
}
