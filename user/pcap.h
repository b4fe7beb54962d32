/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pcap.h - read classic pcap files (Ethernet link type). */
#ifndef KF_PCAP_H
#define KF_PCAP_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

struct kf_pcap {
	const char *path;
	FILE *f;
	bool swap; /* file byte order differs from ours */
	bool nanos; /* timestamps in ns, not us */
	__s64 size; /* bytes in the file, -1 if not a regular file */
	__u64 off; /* bytes consumed: where the next record starts */
	__u64 records; /* packet records read so far */
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
/* 1 with *pkt filled, 0 at the end. -EBADMSG for a file cut or damaged
 * after p->records packets: a warning said where and how much is left, and
 * what came before stands. Other negative errnos: it could not be read (a
 * message said why). */
int kf_pcap_next(struct kf_pcap *p, struct kf_pcap_pkt *pkt);
void kf_pcap_close(struct kf_pcap *p);

#endif /* KF_PCAP_H */
