// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* pcap.c - the classic libpcap file format: a 24-byte header (magic
 * 0xa1b2c3d4 for microseconds, 0xa1b23c4d for nanoseconds, in either byte
 * order) and 16-byte record headers. Only LINKTYPE_ETHERNET is accepted. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "pcap.h"

#define KF_PCAP_MAX_REC (256 * 1024)

static __u32 rd32(const struct kf_pcap *p, const unsigned char *b)
{
	__u32 v;

	memcpy(&v, b, 4);
	return p->swap ? __builtin_bswap32(v) : v;
}

int kf_pcap_open(struct kf_pcap *p, const char *path)
{
	unsigned char h[24];
	__u32 magic, link;

	memset(p, 0, sizeof(*p));
	p->f = fopen(path, "rb");
	if (!p->f) {
		pr_warn("error: cannot open %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (fread(h, 1, sizeof(h), p->f) != sizeof(h)) {
		pr_warn("error: %s: too short for a pcap header\n", path);
		kf_pcap_close(p);
		return -EINVAL;
	}
	memcpy(&magic, h, 4);
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
		p->nanos = magic == 0xa1b23c4d;
	} else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
		p->swap = true;
		p->nanos = magic == 0x4d3cb2a1;
	} else {
		pr_warn("error: %s is not a pcap file (pcapng is not read; convert with editcap -F pcap)\n",
			path);
		kf_pcap_close(p);
		return -EINVAL;
	}
	link = rd32(p, h + 20) & 0x0fffffff;
	if (link != 1) {
		pr_warn("error: %s: link type %u, only Ethernet (1) is read\n", path, link);
		kf_pcap_close(p);
		return -EINVAL;
	}
	return 0;
}

int kf_pcap_next(struct kf_pcap *p, struct kf_pcap_pkt *pkt)
{
	unsigned char h[16];
	size_t n = fread(h, 1, sizeof(h), p->f);
	__u32 caplen;

	if (n == 0)
		return 0;
	if (n != sizeof(h))
		return -EINVAL;
	caplen = rd32(p, h + 8);
	if (caplen > KF_PCAP_MAX_REC)
		return -EINVAL;
	if (caplen > p->cap) {
		unsigned char *b = realloc(p->buf, caplen);

		if (!b)
			return -ENOMEM;
		p->buf = b;
		p->cap = caplen;
	}
	if (fread(p->buf, 1, caplen, p->f) != caplen)
		return -EINVAL;
	pkt->ts_ns = (__u64)rd32(p, h) * 1000000000ULL +
		     (__u64)rd32(p, h + 4) * (p->nanos ? 1 : 1000);
	pkt->data = p->buf;
	pkt->caplen = caplen;
	pkt->origlen = rd32(p, h + 12);
	return 1;
}

void kf_pcap_close(struct kf_pcap *p)
{
	if (p->f)
		fclose(p->f);
	free(p->buf);
	memset(p, 0, sizeof(*p));
}
