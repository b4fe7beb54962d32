/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * filter.h - a subscriber's subscribe line and the events it passes:
 * {"events":[...], "include":[{...}], "exclude":[{...}], "last":N,
 *  "follow":true}. An event passes when its type is in events (all when
 * absent), it matches some include object (all when there is none) and no
 * exclude object; an object matches when every key does.
 */
#ifndef KF_STREAM_FILTER_H
#define KF_STREAM_FILTER_H

#include <stdbool.h>
#include "event.h"

#define KF_FILTER_MAX_OBJS 64

enum kf_fkey {
	KF_FK_EVENT = 1 << 0,
	KF_FK_IP = 1 << 1,
	KF_FK_PORT = 1 << 2,
	KF_FK_PROTO = 1 << 3,
	KF_FK_NIC = 1 << 4,
	KF_FK_POD = 1 << 5,
	KF_FK_POD_NS = 1 << 6,
};

struct kf_fobj {
	unsigned int keys; /* enum kf_fkey present */
	int event; /* enum kf_sev_type */
	char ip[INET6_ADDRSTRLEN]; /* inet_ntop's form: either end */
	__u16 port; /* either end */
	__u8 proto;
	bool icmp_any; /* "icmp": ICMP or ICMPv6 */
	char nic[IF_NAMESIZE];
	char pod[254]; /* either end */
	char pod_ns[64]; /* either end */
};

struct kf_filter {
	unsigned int events; /* bit per enum kf_sev_type */
	int n_inc, n_exc;
	struct kf_fobj inc[KF_FILTER_MAX_OBJS];
	struct kf_fobj exc[KF_FILTER_MAX_OBJS];
	unsigned int last; /* events to replay from the history first */
	bool follow; /* false: the replay, then the agent closes */
};

/* Everything, following. */
void kf_filter_default(struct kf_filter *f);

/* Parses one subscribe line (without its '\n'). 0, or -EINVAL with why in
 * err (a subscriber reads it in the error line). */
int kf_filter_parse(struct kf_filter *f, const char *line, size_t len, char *err, size_t errlen);

bool kf_filter_match(const struct kf_filter *f, const struct kf_sev_attrs *a);

#endif /* KF_STREAM_FILTER_H */
