/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* sideid.h - what this node knows of one end of a flow. */
#ifndef KF_SIDEID_H
#define KF_SIDEID_H

#include <stdbool.h>
#include "cgroups.h"
#include "kflow.h"

/* Empty when the end is not local. */
struct kf_side_id {
	__u32 pid;
	char comm[KF_COMM_LEN];
	char container_id[KF_CONTAINER_ID_LEN + 1];
	const char *runtime; /* static; NULL when unknown */
	char pod_uid[KF_POD_UID_LEN + 1];
	bool local; /* a socket on this node, or a local pod's address */
	bool tried; /* resolution ran for this end this interval */
};

#endif /* KF_SIDEID_H */
