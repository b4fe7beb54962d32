// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroups.c - the cgroup v2 id of a socket or task is the inode number of
 * its directory on the cgroup2 mount, so a walk of that tree maps ids to
 * paths. Paths are parsed with the kubelet and runtime naming patterns
 * (reference identity.md section 3.3).
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

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* "<prefix><64 hex><suffix>" at the end of a path component. */
static bool container_in(const char *comp, size_t len, struct kf_cg_info *out)
{
	static const struct {
		const char *prefix, *suffix, *runtime;
	} forms[] = {
		{ "cri-containerd-", ".scope", "containerd" },
		{ "crio-", ".scope", "cri-o" },
		{ "docker-", ".scope", "docker" },
		{ "libpod-", ".scope", "podman" },
		{ "cri-containerd:", "", "containerd" }, /* "...slice:cri-containerd:<id>" */
		{ "crio:", "", "cri-o" },
		{ "docker:", "", "docker" },
		{ "", "", NULL }, /* cgroupfs: the bare id */
	};

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t pl = strlen(forms[i].prefix), sl = strlen(forms[i].suffix);
		const char *id;

		if (len < pl + KF_CONTAINER_ID_LEN + sl)
			continue;
		if (strncmp(comp + len - sl, forms[i].suffix, sl))
			continue;
		id = comp + len - sl - KF_CONTAINER_ID_LEN;
		if (pl && (id - pl < comp || strncmp(id - pl, forms[i].prefix, pl)))
			continue;
		if (!pl && len != KF_CONTAINER_ID_LEN)
			continue;
		if (!all_hex(id, KF_CONTAINER_ID_LEN))
			continue;
		memcpy(out->container_id, id, KF_CONTAINER_ID_LEN);
		out->container_id[KF_CONTAINER_ID_LEN] = '\0';
		out->runtime = forms[i].runtime;
		return true;
	}
	return false;
}

static bool is_uid(const char *s)
{
	for (int i = 0; i < KF_POD_UID_LEN; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-' && c != '_')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return false;
		}
	}
	return true;
}

/* "pod<uid>" (cgroupfs) or "kubepods[-<qos>]-pod<uid_>.slice" (systemd). */
static bool pod_in(const char *comp, size_t len, struct kf_cg_info *out)
{
	const char *p = comp;

	while ((p = strstr(p, "pod")) && p < comp + len) {
		const char *uid = p + 3;

		if (uid + KF_POD_UID_LEN <= comp + len && is_uid(uid) &&
		    (p == comp || p[-1] == '-') &&
		    (uid + KF_POD_UID_LEN == comp + len ||
		     !strncmp(uid + KF_POD_UID_LEN, ".slice", 6))) {
			for (int i = 0; i < KF_POD_UID_LEN; i++)
				out->pod_uid[i] = uid[i] == '_' ? '-' : uid[i];
			out->pod_uid[KF_POD_UID_LEN] = '\0';
			return true;
		}
		p += 3;
	}
	return false;
}

bool kf_cg_parse(const char *path, struct kf_cg_info *out)
{
	const char *end = path + strlen(path);
	bool found_container = false;

	memset(out, 0, sizeof(*out));
	/* Walk the components from the leaf up: a process may sit in a nested
	 * cgroup below its container. */
	while (end > path) {
		const char *start = end;
		size_t len;

		while (start > path && start[-1] != '/')
			start--;
		len = end - start;
		if (len) {
			if (!found_container && container_in(start, len, out)) {
				found_container = true;
				/* "<pod slice>:cri-containerd:<id>" names both */
				if (pod_in(start, len, out))
					break;
			} else if (pod_in(start, len, out)) {
				break; /* the pod above the container, or a pod-level process */
			}
		}
		end = start > path ? start - 1 : path;
	}
	return found_container || out->pod_uid[0];
}
