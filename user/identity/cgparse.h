/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cgparse.h - container and pod named by a cgroup path. */
#ifndef KF_CGPARSE_H
#define KF_CGPARSE_H

#include <stdbool.h>

#define KF_CONTAINER_ID_LEN 64
#define KF_POD_UID_LEN 36

struct kf_cg_info {
	char container_id[KF_CONTAINER_ID_LEN + 1]; /* "" when not in a container */
	char pod_uid[KF_POD_UID_LEN + 1]; /* "" when not in a pod */
	/* "containerd", "cri-o", "docker", "podman", or NULL when the path does
	 * not say (a bare id under kubepods, an unknown runtime's prefix) */
	const char *runtime;
};

/* Container and pod of a cgroup path, from the closest ancestor that looks
 * like a container and the pod cgroup above it. Returns true if anything
 * matched. */
bool kf_cg_parse(const char *path, struct kf_cg_info *out);

#endif /* KF_CGPARSE_H */
