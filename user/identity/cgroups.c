// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroups.c - cgroup v2 id to path. The id of a socket or task cgroup is the
 * inode number of its directory on the cgroup2 mount, so a walk of that
 * tree maps the ids of the cgroups that exist. A container that lived less
 * than an interval is gone by the time its flows are resolved: its path
 * comes from kf_cg_names, which cgroup_mkdir fills as cgroups are made.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mntent.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include "cgroups.h"
#include "kflow.h"
#include "log.h"

struct cg_entry {
	__u64 id;
	char *path;
};

static struct cg_entry *cg_tab;
static size_t cg_n, cg_cap;
static bool cg_scanned; /* since the last kf_cg_refresh() */
static char cg_mount[256];
static int cg_names_fd = -1;

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

static const char *cg_add(__u64 id, const char *path)
{
	if (cg_n == cg_cap) {
		size_t cap = cg_cap ? cg_cap * 2 : 1024;
		struct cg_entry *t = realloc(cg_tab, cap * sizeof(*t));

		if (!t)
			return NULL;
		cg_tab = t;
		cg_cap = cap;
	}
	cg_tab[cg_n].id = id;
	cg_tab[cg_n].path = strdup(path);
	if (!cg_tab[cg_n].path)
		return NULL;
	return cg_tab[cg_n++].path;
}

static int cg_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t mlen = strlen(cg_mount);

	if (type != FTW_D)
		return 0;
	return cg_add(st->st_ino, path[mlen] ? path + mlen : "/") ? 0 : 1;
}

void kf_cg_walk(void)
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

void kf_cg_set_names_map(int fd)
{
	cg_names_fd = fd;
}

/* The path cgroup_mkdir recorded. One cut to its end keeps only whole
 * components, marked "/..." in front. */
static const char *cg_born(__u64 id)
{
	struct cg_path v;
	char buf[KF_CG_PATH_LEN + 8];
	const char *p;

	if (cg_names_fd < 0 || bpf_map_lookup_elem(cg_names_fd, &id, &v))
		return NULL;
	v.path[KF_CG_PATH_LEN - 1] = '\0';
	if (v.len < KF_CG_PATH_LEN)
		return cg_add(id, v.path);
	p = strchr(v.path, '/');
	snprintf(buf, sizeof(buf), "/...%s", p ? p : "");
	return cg_add(id, buf);
}

const char *kf_cg_path(__u64 id)
{
	const char *path;

	for (size_t i = 0; i < cg_n; i++)
		if (cg_tab[i].id == id)
			return cg_tab[i].path;
	path = cg_born(id);
	if (path || cg_scanned)
		return path;
	kf_cg_walk();
	for (size_t i = 0; i < cg_n; i++)
		if (cg_tab[i].id == id)
			return cg_tab[i].path;
	return NULL;
}
