/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ipfix_usage.h - the usage aggregates of one interval: a table sized by the
 * interval's flows, so that usage totals stay the sums of the transaction
 * records however many applications an interval has. */
#ifndef KF_IPFIX_USAGE_H
#define KF_IPFIX_USAGE_H

#include <linux/types.h>
#include "record.h"

/* One usage aggregate of an interval: interface x direction x application
 * x IP version (application 0 with global set: the global usage record). */
struct kf_usage {
	__u32 ifindex;
	__u32 app; /* applicationId */
	__u8 dir; /* 0 client to server, 1 server to client */
	__u8 ipver;
	__u64 octets;
	__u64 packets;
	__u32 new_conns;
	__u64 duration_s;
};

/* Entries in insertion order (the order they are sent in) and an
 * open-addressing index over them, at most half full. */
struct kf_usage_tab {
	struct kf_usage *ent;
	__u32 *idx; /* 2 * cap slots: 1 + the entry's position, 0 empty */
	__u32 n;
	__u32 cap;
};

/* The aggregate of that key, zeroed when new; NULL when the table cannot
 * grow (no memory): the caller counts what it could not add. */
struct kf_usage *kf_usage_get(struct kf_usage_tab *t, __u32 ifindex, __u8 dir, __u32 app,
			      __u8 ipver);
/* Adds r's two directions to their aggregates in usage (by application)
 * and global (all applications): the sums of the interval's transaction
 * records, the IPFIX usage records' and the RPT_*USAGE_NF rows' values.
 * Returns how many aggregates it could not add (no memory). */
unsigned int kf_usage_add(struct kf_usage_tab *usage, struct kf_usage_tab *global,
			  const struct kf_rec *r);
/* Empties the table for the next interval. */
void kf_usage_reset(struct kf_usage_tab *t);
void kf_usage_free(struct kf_usage_tab *t);

#endif /* KF_IPFIX_USAGE_H */
