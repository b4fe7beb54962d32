/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* sockscan.h - sockets and owners that the BPF hooks did not name (they
 * existed before the agent, or are UDP sockets still open): sock_diag in
 * every network namespace joined with /proc/<pid>/fd. */
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

/* The socket that sees itself as t (kf_sock_tuple's form: all-zero local
 * address for a wildcard bind, zero remote for no peer), in a network
 * namespace that holds end_addr (the flow end, 4 or 16 bytes by
 * end_family). Return 0 and its cookie and cgroup when found. */
int kf_sockscan_by_tuple(const struct kf_sockscan *s, const struct sock_tuple *t, __u8 end_family,
			 const __u8 *end_addr, struct sock_ref *ref);

#endif /* KF_SOCKSCAN_H */
