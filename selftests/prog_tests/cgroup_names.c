// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup_names.c - cgroup_mkdir names each new cgroup v2 in kf_cg_names, and
 * the agent finds the path of a cgroup that is already gone: a short path
 * whole, a path longer than the buffer by its end (where the container is
 * named), and no cgroup of a v1 hierarchy (hybrid hosts).
 */
#include <mntent.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cgroups.h"
#include "identity.skel.h"
#include "test_progs.h"

#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define LONG_NAME                                                                        \
	"a-long-slice-name-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789" \
	"-0123456789-0123456789-0123456789-0123456789-0123456789-0123456789.slice"

/* A v1 hierarchy's mount point (hybrid hosts), or NULL. */
static const char *cgroup1_mount(char *buf, size_t len)
{
	FILE *f = setmntent("/proc/mounts", "r");
	struct mntent *m;
	const char *found = NULL;

	while (f && (m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup")) {
			snprintf(buf, len, "%s", m->mnt_dir);
			found = buf;
			break;
		}
	}
	if (f)
		endmntent(f);
	return found;
}

static bool names_hold(int fd, const char *suffix)
{
	__u64 key, next, *prev = NULL;
	struct cg_path v;
	size_t sl = strlen(suffix);

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, &v))
			continue;
		v.path[KF_CG_PATH_LEN - 1] = '\0';
		if (strlen(v.path) >= sl && !strcmp(v.path + strlen(v.path) - sl, suffix))
			return true;
	}
	return false;
}

/* mkdir of the parent of path. */
static int mkdir_upper(const char *path)
{
	char up[640];

	snprintf(up, sizeof(up), "%s", path);
	if (!strrchr(up, '/'))
		return -1;
	*strrchr(up, '/') = '\0';
	return mkdir(up, 0755);
}

void test_cgroup_names(void)
{
	char top[256] = "", mid[640] = "", leaf[768] = "", v1[512] = "", v1buf[256];
	const char *mnt = kf_cgroup2_mount(), *v1mnt = NULL, *path;
	char want[KF_CG_PATH_LEN];
	struct bpf_link *link = NULL;
	struct identity *skel;
	struct kf_cg_info info;
	struct cg_path v;
	struct stat st;
	__u64 top_id = 0, leaf_id = 0;
	size_t rel;
	int fd;

	if (!ASSERT_OK_PTR(mnt, "cgroup2 mount"))
		return;
	skel = identity__open();
	if (!ASSERT_OK_PTR(skel, "identity__open"))
		return;
	if (!ASSERT_OK(kf_obj_unpin_maps(skel->obj), "unpin maps") ||
	    !ASSERT_OK(identity__load(skel), "identity__load"))
		goto out;
	link = bpf_program__attach(skel->progs.kf_cg_mkdir);
	if (!ASSERT_OK_PTR(link, "attach cgroup_mkdir"))
		goto out;
	fd = bpf_map__fd(skel->maps.kf_cg_names);
	snprintf(top, sizeof(top), "%s/kflow-unit-%d", mnt, getpid());
	snprintf(mid, sizeof(mid), "%s/" LONG_NAME "/" LONG_NAME, top);
	snprintf(leaf, sizeof(leaf), "%s/libpod-" CID, mid);
	v1mnt = cgroup1_mount(v1buf, sizeof(v1buf));
	snprintf(v1, sizeof(v1), "%s/kflow-unit-%d-v1", v1mnt ? v1mnt : "", getpid());
	if (!ASSERT_OK(mkdir(top, 0755), "mkdir top") || !ASSERT_OK(mkdir_upper(mid), "mkdir mid") ||
	    !ASSERT_OK(mkdir(mid, 0755), "mkdir mid") || !ASSERT_OK(mkdir(leaf, 0755), "mkdir leaf"))
		goto out;
	if (!stat(top, &st))
		top_id = st.st_ino;
	if (!stat(leaf, &st))
		leaf_id = st.st_ino;
	if (v1mnt && !ASSERT_OK(mkdir(v1, 0755), "mkdir v1"))
		goto out;

	if (test__start_subtest("short_path_whole") &&
	    ASSERT_OK(bpf_map_lookup_elem(fd, &top_id, &v), "lookup top")) {
		ASSERT_STREQ(v.path, top + strlen(mnt), "path");
		ASSERT_EQ(v.len, strlen(top + strlen(mnt)), "len");
	}
	if (test__start_subtest("long_path_by_its_end") &&
	    ASSERT_OK(bpf_map_lookup_elem(fd, &leaf_id, &v), "lookup leaf")) {
		rel = strlen(leaf) - strlen(mnt);
		ASSERT_GT(rel, KF_CG_PATH_LEN, "test path longer than the buffer");
		ASSERT_EQ(v.len, rel, "len");
		snprintf(want, sizeof(want), "%s", leaf + strlen(leaf) - (KF_CG_PATH_LEN - 1));
		ASSERT_STREQ(v.path, want, "path end");
	}
	if (test__start_subtest("gone_cgroup_resolved")) {
		kf_cg_set_names_map(fd);
		kf_cg_walk(); /* the cache as the agent has it, before the leaf goes */
		rmdir(leaf);
		kf_cg_refresh();
		path = kf_cg_path(leaf_id);
		if (ASSERT_OK_PTR(path, "path of the removed cgroup")) {
			ASSERT_TRUE(kf_cg_parse(path, &info), "parsed");
			ASSERT_STREQ(info.container_id, CID, "container id");
			ASSERT_STREQ(info.runtime ? info.runtime : "", "podman", "runtime");
		}
		kf_cg_set_names_map(-1);
	}
	if (test__start_subtest("v1_hierarchy_not_named") && v1mnt)
		ASSERT_FALSE(names_hold(fd, strrchr(v1, '/')), "a v1 cgroup in kf_cg_names");
out:
	if (v1mnt)
		rmdir(v1);
	rmdir(leaf);
	rmdir(mid);
	if (strrchr(mid, '/'))
		*strrchr(mid, '/') = '\0';
	rmdir(mid);
	rmdir(top);
	bpf_link__destroy(link);
	identity__destroy(skel);
}
