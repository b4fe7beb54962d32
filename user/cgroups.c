// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroups.c - the cgroup v2 id of a socket or task is the inode number of
 * its directory on the cgroup2 mount, so a walk of that tree maps ids to
 * paths (cgparse.c parses them).
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mntent.h>
#include <sys/stat.h>
#include "cgroups.h"
#include "log.h"

struct cg_entry {
	__u64 id;
	char *path;
};

static struct cg_entry *cg_tab;
static size_t cg_n, cg_cap;
static bool cg_scanned; /* since the last kf_cg_refresh() */
static char cg_mount[256];

const char *kf_cgroup2_mount(void)
{
	struct mntent *m;
	FILE *f;

	if (cg_mount[0])
		return cg_mount;
	f = setmntent("/proc/mounts", "r");
	if (!f)
		return NULL;
	while ((m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(cg_mount, sizeof(cg_mount), "%s", m->mnt_dir);
			break;
		}
	}
	endmntent(f);
	return cg_mount[0] ? cg_mount : NULL;
}

static int cg_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t mlen = strlen(cg_mount);

	if (type != FTW_D)
		return 0;
	if (cg_n == cg_cap) {
		size_t cap = cg_cap ? cg_cap * 2 : 1024;
		struct cg_entry *t = realloc(cg_tab, cap * sizeof(*t));

		if (!t)
			return 1;
		cg_tab = t;
		cg_cap = cap;
	}
	cg_tab[cg_n].id = st->st_ino;
	cg_tab[cg_n].path = strdup(path[mlen] ? path + mlen : "/");
	if (cg_tab[cg_n].path)
		cg_n++;
	return 0;
}

static void cg_scan(void)
{
	for (size_t i = 0; i < cg_n; i++)
		free(cg_tab[i].path);
	cg_n = 0;
	if (!kf_cgroup2_mount())
		return;
	if (nftw(cg_mount, cg_visit, 32, FTW_PHYS) < 0)
		pr_debug("walking %s failed\n", cg_mount);
	cg_scanned = true;
}

void kf_cg_refresh(void)
{
	cg_scanned = false;
}

const char *kf_cg_path(__u64 id)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < cg_n; i++)
			if (cg_tab[i].id == id)
				return cg_tab[i].path;
		if (cg_scanned)
			break;
		cg_scan();
	}
	return NULL;
}
