/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cgroups.h - cgroup v2 ids to paths. */
#ifndef KF_CGROUPS_H
#define KF_CGROUPS_H

#include <stdbool.h>
#include <linux/types.h>
#include "cgparse.h"

/* The cgroup v2 mount point ("/sys/fs/cgroup" or ".../unified"), or NULL. */
const char *kf_cgroup2_mount(void);

/* id -> path, cached; a miss rescans the cgroup2 tree at most once per
 * call of kf_cg_refresh(). Returns NULL when the id is unknown. */
const char *kf_cg_path(__u64 id);
void kf_cg_refresh(void);

#endif /* KF_CGROUPS_H */
