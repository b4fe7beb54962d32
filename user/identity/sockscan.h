/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* sockscan.h - owners of sockets that the BPF hooks did not see being made
 * (they existed before the agent): sock_diag in every network namespace
 * joined with /proc/<pid>/fd. */
#ifndef KF_SOCKSCAN_H
#define KF_SOCKSCAN_H

#include "kflow.h"

struct kf_sockscan;

/* Scans every network namespace of the node's processes. NULL on failure
 * (logged). The result is a snapshot; free it with kf_sockscan_free(). */
struct kf_sockscan *kf_sockscan_run(void);
void kf_sockscan_free(struct kf_sockscan *s);

/* Owner of the socket with this cookie, or of the listening/bound socket of
 * (cgroup, port, proto). Return 0 when found. */
int kf_sockscan_by_cookie(const struct kf_sockscan *s, __u64 cookie, struct sock_owner *o);
int kf_sockscan_by_bind(const struct kf_sockscan *s, const struct bind_key *k,
			struct sock_owner *o);

#endif /* KF_SOCKSCAN_H */
