/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* event.h - one event the stream publishes: its JSON line and the fields
 * subscribers filter on, taken once when it is made. */
#ifndef KF_STREAM_EVENT_H
#define KF_STREAM_EVENT_H

#include <stddef.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/types.h>

enum kf_sev_type {
	KF_SEV_FLOW_START,
	KF_SEV_TCP_STATE,
	KF_SEV_TCP_EVENT,
	KF_SEV_RECORD,
	KF_SEV_FLOW_END,
	KF_SEV_MAX,
};

#define KF_SEV_ALL ((1U << KF_SEV_MAX) - 1)

extern const char *const kf_sev_names[KF_SEV_MAX];

/* Returns the enum kf_sev_type of name, or -1. */
int kf_sev_type(const char *name);

/* By side: 0 is the client (_0 fields), 1 the server. */
struct kf_sev_attrs {
	__u8 type; /* enum kf_sev_type */
	__u8 proto;
	__u16 port[2];
	char ip[2][INET6_ADDRSTRLEN]; /* as inet_ntop writes it; "" for none */
	char nic[IF_NAMESIZE]; /* capture_nic_name */
	char pod[2][254];
	char pod_ns[2][64];
};

struct kf_sev {
	struct kf_sev_attrs a;
	__u64 seq; /* publication order, from 1 */
	size_t len;
	char line[]; /* '\n'-ended */
};

/* A heap copy of attrs and line (len bytes, '\n' included); NULL when out
 * of memory. */
struct kf_sev *kf_sev_new(const struct kf_sev_attrs *a, const char *line, size_t len);

#endif /* KF_STREAM_EVENT_H */
