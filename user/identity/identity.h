/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* identity.h - process, container and pod of each end of a flow. */
#ifndef KF_IDENTITY_H
#define KF_IDENTITY_H

#include <stdbool.h>
#include "cgroups.h"
#include "idload.h"
#include "kflow.h"
#include "pods.h"
#include "sideid.h"
#include "sockscan.h"

enum kf_id_stat {
	KF_ID_NO_OWNER, /* a local socket whose process was not found */
	KF_ID_NO_CGROUP, /* a socket cgroup id with no path */
	KF_ID_STAT_MAX,
};

struct kf_identity {
	struct kf_idbpf bpf;
	bool enabled;
	const char *log_root;
	const char *cluster;
	char node[256];
	struct kf_pods pods;
	struct kf_sockscan *scan; /* taken at most once per interval, on a miss */
	bool scanned;
	__u64 stats[KF_ID_STAT_MAX];
	__u64 bpf_errors[KF_IDE_MAX]; /* kf_id_errors sums at the last log */
};

/* per_packet: name UDP sockets at their first datagram too (flow events
 * need it; see idload.h). */
int kf_identity_start(struct kf_identity *id, const char *pin_path, const char *cg_root,
		      const char *log_root, const char *cluster, bool per_packet);
void kf_identity_stop(struct kf_identity *id, bool keep);

/* Refreshes pod names/addresses and the cgroup path cache; once per interval. */
void kf_identity_interval(struct kf_identity *id);

/* Resolves one end (canonical side 0 = a, 1 = b) of a flow, if not done yet. */
void kf_identity_resolve(struct kf_identity *id, const struct flow_key *k, int side,
			 struct kf_side_id *out);

/* DeepFlow's observation_point where this node can tell: the client's or
 * server's own pod interface ("c", "s"), a node interface with the client
 * or the server local ("c-nd", "s-nd"), both local ("local"); else "". */
const char *kf_identity_obs_point(const struct kf_identity *id, const struct flow_key *k,
				  const struct kf_side_id *client, const struct kf_side_id *server);

/* Pod of a resolved end, or NULL. */
const struct kf_pod *kf_identity_pod(const struct kf_identity *id, const struct kf_side_id *s);

/* Logs the unresolved counts of the interval and resets them, and the
 * failures the identity programs counted since the last call. */
void kf_identity_log(struct kf_identity *id);

#endif /* KF_IDENTITY_H */
