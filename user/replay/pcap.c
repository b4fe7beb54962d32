// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pcap.c - a capture file: opened, its format told by the first four bytes,
 * read sequentially (so a pipe works too); and the classic libpcap format:
 * a 24-byte header (magic 0xa1b2c3d4 for microseconds, 0xa1b23c4d for
 * nanoseconds, in either byte order) and 16-byte record headers. Only
 * LINKTYPE_ETHERNET is accepted. pcapng is read by pcapng.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "log.h"
#include "pcap.h"

#define KF_PCAP_MAX_REC (256 * 1024)
#define KF_PCAPNG_MAGIC "\x0a\x0d\x0d\x0a" /* a Section Header Block's type */

int kf_pcap_read(struct kf_pcap *p, void *b, size_t n)
{
	size_t got = fread(b, 1, n, p->f);

	p->off += got;
	if (got == n)
		return 0;
	if (ferror(p->f)) {
		pr_warn("error: cannot read %s: %s\n", p->path, strerror(errno));
		return -EIO;
	}
	return -EBADMSG;
}

int kf_pcap_reserve(struct kf_pcap *p, size_t n)
{
	unsigned char *b;

	if (n <= p->cap)
		return 0;
	b = realloc(p->buf, n);
	if (!b)
		return -ENOMEM;
	p->buf = b;
	p->cap = n;
	return 0;
}

int kf_pcap_damaged(struct kf_pcap *p, __u64 at, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (p->size >= 0)
		pr_warn("warning: %s: %s after packet %llu: its last %lld bytes are not read\n",
			p->path, why, (unsigned long long)p->records,
			p->size > (__s64)at ? (long long)(p->size - at) : 0LL);
	else
		pr_warn("warning: %s: %s after packet %llu: the rest is not read\n", p->path, why,
			(unsigned long long)p->records);
	return -EBADMSG;
}

__u16 kf_pcap_u16(const struct kf_pcap *p, const unsigned char *b)
{
	__u16 v;

	memcpy(&v, b, 2);
	return p->swap ? __builtin_bswap16(v) : v;
}

__u32 kf_pcap_u32(const struct kf_pcap *p, const unsigned char *b)
{
	__u32 v;

	memcpy(&v, b, 4);
	return p->swap ? __builtin_bswap32(v) : v;
}

/* The rest of the 24-byte header, after the magic. */
static int pcap_header(struct kf_pcap *p, const unsigned char *m)
{
	unsigned char h[20];
	__u32 magic, link;

	memcpy(&magic, m, 4);
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
		p->nanos = magic == 0xa1b23c4d;
	} else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
		p->swap = true;
		p->nanos = magic == 0x4d3cb2a1;
	} else {
		pr_warn("error: %s is neither a pcap nor a pcapng file (it starts "
			"%02x %02x %02x %02x)\n",
			p->path, m[0], m[1], m[2], m[3]);
		return -EINVAL;
	}
	if (kf_pcap_read(p, h, sizeof(h))) {
		pr_warn("error: %s: too short for a pcap header\n", p->path);
		return -EINVAL;
	}
	link = kf_pcap_u32(p, h + 16) & 0x0fffffff; /* the top bits say FCS presence */
	if (link != 1) {
		pr_warn("error: %s: link type %u, only Ethernet (1) is read\n", p->path, link);
		return -EINVAL;
	}
	return 0;
}

int kf_pcap_open(struct kf_pcap *p, const char *path)
{
	unsigned char magic[4];
	struct stat st;
	int err;

	memset(p, 0, sizeof(*p));
	p->path = path;
	p->size = -1;
	p->f = fopen(path, "rb");
	if (!p->f || fstat(fileno(p->f), &st)) {
		err = -errno;
		pr_warn("error: cannot open %s: %s\n", path, strerror(-err));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		pr_warn("error: %s is a directory, not a capture file\n", path);
		err = -EISDIR;
		goto fail;
	}
	if (S_ISREG(st.st_mode))
		p->size = st.st_size;
	if (!p->size) {
		pr_warn("error: %s is empty\n", path);
		err = -ENODATA;
		goto fail;
	}
	err = kf_pcap_read(p, magic, sizeof(magic));
	if (err) {
		if (err == -EBADMSG)
			pr_warn("error: %s: %llu bytes, too short for a capture file\n", path,
				(unsigned long long)p->off);
		err = err == -EBADMSG ? -EINVAL : err;
		goto fail;
	}
	if (!memcmp(magic, KF_PCAPNG_MAGIC, sizeof(magic))) {
		p->ng = true;
		err = kf_pcapng_open(p);
		if (err == -EBADMSG)
			pr_warn("error: %s: no whole pcapng section header\n", path);
	} else {
		err = pcap_header(p, magic);
	}
	if (err)
		goto fail;
	return 0;
fail:
	kf_pcap_close(p);
	return err;
}

static int pcap_next(struct kf_pcap *p, struct kf_pcap_pkt *pkt)
{
	__u64 at = p->off;
	unsigned char h[16];
	__u32 caplen, frac;
	int err;

	err = kf_pcap_read(p, h, sizeof(h));
	if (err == -EBADMSG && p->off == at)
		return 0; /* the end, between records */
	if (err == -EBADMSG)
		return kf_pcap_damaged(p, at, "the file ends inside a record header");
	if (err)
		return err;
	caplen = kf_pcap_u32(p, h + 8);
	if (caplen > KF_PCAP_MAX_REC)
		return kf_pcap_damaged(p, at, "a record of %u bytes (at most %u are read)", caplen,
				       KF_PCAP_MAX_REC);
	if (kf_pcap_reserve(p, caplen)) {
		pr_warn("error: out of memory reading %s\n", p->path);
		return -ENOMEM;
	}
	err = kf_pcap_read(p, p->buf, caplen);
	if (err == -EBADMSG)
		return kf_pcap_damaged(p, at, "the file ends inside a record");
	if (err)
		return err;
	/* Past a second: libpcap and Wireshark take it as time (some writers
	 * round up to a whole second there), so it is, but never silently. */
	frac = kf_pcap_u32(p, h + 4);
	p->records++;
	if (frac >= (p->nanos ? 1000000000U : 1000000U) && !p->long_frac++)
		pr_warn("warning: %s: packet %llu's %s field is %u, past a second: taken as time; "
			"such packets are counted\n",
			p->path, (unsigned long long)p->records, p->nanos ? "ns" : "us", frac);
	pkt->ts_ns = (__u64)kf_pcap_u32(p, h) * 1000000000ULL + (__u64)frac * (p->nanos ? 1 : 1000);
	pkt->data = p->buf;
	pkt->caplen = caplen;
	pkt->origlen = kf_pcap_u32(p, h + 12);
	return 1;
}

int kf_pcap_next(struct kf_pcap *p, struct kf_pcap_pkt *pkt)
{
	return p->ng ? kf_pcapng_next(p, pkt) : pcap_next(p, pkt);
}

void kf_pcap_close(struct kf_pcap *p)
{
	if (p->f)
		fclose(p->f);
	free(p->buf);
	free(p->ifs);
	memset(p, 0, sizeof(*p));
}
