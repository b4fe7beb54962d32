/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pcap.h - read packet captures: classic pcap (Ethernet link type) and
 * pcapng (packets of its Ethernet interfaces), one packet at a time. */
#ifndef KF_PCAP_H
#define KF_PCAP_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

/* A pcapng interface (Interface Description Block) of the current section. */
struct kf_pcapng_if {
	__u16 link_type;
	__u8 tsresol; /* if_tsresol: 10^-v s, or 2^-v s with the high bit set */
	__s64 tsoffset_s; /* if_tsoffset: seconds added to every time */
	__u32 snaplen; /* 0: no limit */
};

struct kf_pcap {
	const char *path;
	FILE *f;
	bool ng; /* pcapng, else classic pcap */
	bool swap; /* file (pcapng: section) byte order differs from ours */
	bool nanos; /* classic pcap: times in ns, not us */
	__s64 size; /* bytes in the file, -1 if not a regular file */
	__u64 off; /* bytes consumed: where the next record or block starts */
	__u64 records; /* packet records read so far, replayed or not */
	__u64 other_link; /* packets of non-Ethernet interfaces, skipped */
	__u64 long_frac; /* classic pcap: records whose us/ns field passed a second */
	struct kf_pcapng_if *ifs; /* pcapng: the interfaces of the section */
	__u32 nifs;
	__u32 ifs_cap;
	__u64 prev_ts_ns; /* pcapng: a Simple Packet Block has no time: this one */
	unsigned char *buf;
	size_t cap;
};

struct kf_pcap_pkt {
	__u64 ts_ns; /* capture time, ns since the epoch */
	const unsigned char *data;
	__u32 caplen;
	__u32 origlen; /* length on the wire */
};

/* Opens and checks the header. Returns 0 or a negative errno after a
 * message naming the file and the problem. */
int kf_pcap_open(struct kf_pcap *p, const char *path);
/* 1 with *pkt filled (an Ethernet frame), 0 at the end. -EBADMSG for a file
 * cut or damaged after p->records packets: a warning said where and how
 * much is left, and what came before stands. Other negative errnos: it
 * could not be read (a message said why). */
int kf_pcap_next(struct kf_pcap *p, struct kf_pcap_pkt *pkt);
void kf_pcap_close(struct kf_pcap *p);

/* For the format readers (pcap.c, pcapng.c). */

/* Reads n bytes: 0, -EBADMSG if the file ends first, -EIO (with a message)
 * on a read error. */
int kf_pcap_read(struct kf_pcap *p, void *b, size_t n);
/* Makes p->buf hold at least n bytes: 0 or -ENOMEM. */
int kf_pcap_reserve(struct kf_pcap *p, size_t n);
/* Warns that what starts at byte `at` is not read (the format says why)
 * and returns -EBADMSG. */
int kf_pcap_damaged(struct kf_pcap *p, __u64 at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
__u16 kf_pcap_u16(const struct kf_pcap *p, const unsigned char *b);
__u32 kf_pcap_u32(const struct kf_pcap *p, const unsigned char *b);

/* pcapng.c: the first Section Header Block, its type already read. */
int kf_pcapng_open(struct kf_pcap *p);
int kf_pcapng_next(struct kf_pcap *p, struct kf_pcap_pkt *pkt);

#endif /* KF_PCAP_H */
