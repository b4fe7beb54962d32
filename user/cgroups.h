/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cgroups.h - cgroup v2 ids to paths, and paths to container and pod. */
#ifndef KF_CGROUPS_H
#define KF_CGROUPS_H

#include <stdbool.h>
#include <linux/types.h>

#define KF_CONTAINER_ID_LEN 64
#define KF_POD_UID_LEN 36

struct kf_cg_info {
	char container_id[KF_CONTAINER_ID_LEN + 1]; /* "" when not in a container */
	char pod_uid[KF_POD_UID_LEN + 1]; /* "" when not in a pod */
	const char *runtime; /* "containerd", "cri-o", "docker", "podman", or NULL */
};

/* The cgroup v2 mount point ("/sys/fs/cgroup" or ".../unified"), or NULL. */
const char *kf_cgroup2_mount(void);

/* Container and pod of a cgroup path, from the closest ancestor that looks
 * like a container (containerd, CRI-O, docker, podman; systemd or cgroupfs
 * driver) and the pod cgroup above it. Returns true if anything matched. */
bool kf_cg_parse(const char *path, struct kf_cg_info *out);

/* id -> path, cached; a miss rescans the cgroup2 tree at most once per
 * call of kf_cg_refresh(). Returns NULL when the id is unknown. */
const char *kf_cg_path(__u64 id);
void kf_cg_refresh(void);

#endif /* KF_CGROUPS_H */
