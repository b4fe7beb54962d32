/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* idload.h - load the identity programs and attach them to a cgroup. */
#ifndef KF_IDLOAD_H
#define KF_IDLOAD_H

#include <stdbool.h>
#include "identity.skel.h"

#define KF_ID_MAX_LINKS 16

struct kf_idbpf {
	struct identity *skel;
	struct bpf_link *links[KF_ID_MAX_LINKS];
	int nlinks;
	char pin_path[4096];
};

/* Loads with maps pinned under pin_path (reused when compatible) and
 * attaches the socket programs to the cgroup v2 directory cg_root and
 * cgroup_mkdir to its tracepoint, through links pinned as
 * <pin_path>/kf_link_<program>; links a persisted agent pinned are taken
 * over. per_packet: also the programs that run per packet or send (for
 * flow events). Returns 0 or a negative errno (logged). */
int kf_idbpf_start(struct kf_idbpf *id, const char *pin_path, const char *cg_root,
		   bool per_packet);

/* keep: leave links attached and everything pinned (--persist). */
void kf_idbpf_stop(struct kf_idbpf *id, bool keep);

#endif /* KF_IDLOAD_H */
