/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cgroups.h - cgroup v2 ids to paths. */
#ifndef KF_CGROUPS_H
#define KF_CGROUPS_H

#include <stdbool.h>
#include <linux/types.h>
#include "cgparse.h"

/* The cgroup v2 mount point ("/sys/fs/cgroup" or ".../unified"), or NULL. */
const char *kf_cgroup2_mount(void);

/* The fd of kf_cg_names (paths of cgroups made since cgroup_mkdir was
 * attached, gone or not), or -1 for none. */
void kf_cg_set_names_map(int fd);

/* id -> path relative to the cgroup2 mount: from the cache of the last walk,
 * else kf_cg_names, else a new walk at most once per kf_cg_refresh().
 * Returns NULL when the id is unknown. */
const char *kf_cg_path(__u64 id);
void kf_cg_refresh(void);

/* Walks the cgroup2 tree now (the cache then holds what exists). */
void kf_cg_walk(void);

#endif /* KF_CGROUPS_H */
