// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pinned.c - subcommands that open the pinned maps by path and load no
 * program: `dump` reads the live interval map and kf_life without draining
 * anything; `cleanup` detaches what a --persist agent left and unpins it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "attach.h"
#include "bpffs.h"
#include "close.h"
#include "counters.h"
#include "drain.h"
#include "kflow.h"
#include "lifemap.h"
#include "loader.h"
#include "log.h"
#include "orient.h"
#include "pinned.h"
#include "record.h"

static int open_pinned(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fd = -errno;
		pr_warn("error: cannot open %s: %s (is a kflow agent running or persisted with "
			"this --pin-path?)\n",
			path, strerror(-fd));
	}
	return fd;
}

struct dump_ctx {
	const struct kf_opts *o;
	struct kf_listeners l;
	struct kf_window win;
	struct jsonw w;
};

static bool dump_flow(struct kf_flow *f, void *arg)
{
	struct dump_ctx *d = arg;
	struct kf_rec r;

	if (f->key.family)
		kf_orient(f, d->o, &d->l);
	kf_rec_init(&r, f, &d->win, KF_CLOSE_FORCED_REPORT, 0);
	kf_record_format(&d->w, &r);
	fwrite(d->w.buf, 1, d->w.len, stdout);
	return false;
}

/* Whether fd is kflow's map `name`: a BPF map of that name, type and
 * key/value sizes (a pinned program or link answers an info query too, in
 * its own layout). */
static bool is_own_map(int fd, const char *name, __u32 type, __u32 key, __u32 value)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[64], link[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	return !strcmp(link, "anon_inode:bpf-map") && !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	       !strcmp(info.name, name) && info.type == type && info.key_size == key &&
	       info.value_size == value;
}

/* A map pinned at dir/name that is kflow's. Returns its fd or a negative
 * errno (no message). */
static int open_own_map(const char *dir, const char *name, __u32 type, __u32 key, __u32 value)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	if (!is_own_map(fd, name, type, key, value)) {
		close(fd);
		return -EBADF;
	}
	return fd;
}

/* A map dump reads into buffers of kflow's sizes: a foreign map of the same
 * name must not be read (the kernel would write past them). */
static int open_dump_map(const char *dir, const char *name, __u32 type, __u32 key, __u32 value)
{
	int fd = open_pinned(dir, name);

	if (fd >= 0 && !is_own_map(fd, name, type, key, value)) {
		pr_warn("error: %s/%s is not the %s map of this kflow (another type or size)\n",
			dir, name, name);
		close(fd);
		return -EBADF;
	}
	return fd;
}

/*
 * kf_info says whether the maps beside it can be read: an agent writes its
 * ABI version there last, once kf_flow_sel points at an interval map, so an
 * agent killed while it started leaves it 0. Another version's maps have
 * another layout.
 */
static int check_info(const char *dir)
{
	struct kf_info info = {};
	__u32 zero = 0;
	int fd, err = 0;

	fd = open_pinned(dir, "kf_info");
	if (fd < 0)
		return fd;
	if (!is_own_map(fd, "kf_info", BPF_MAP_TYPE_ARRAY, 4, sizeof(info))) {
		err = -EBADF;
		pr_warn("error: %s/kf_info is not the kf_info map of this kflow (another type or "
			"size)\n",
			dir);
	} else if (bpf_map_lookup_elem(fd, &zero, &info)) {
		err = -errno;
		pr_warn("error: cannot read %s/kf_info: %s\n", dir, strerror(errno));
	} else if (!info.abi_version) {
		err = -ENODATA;
		pr_warn("error: %s/kf_info has no ABI version: the agent that pinned these maps "
			"stopped before it set them up; nothing to dump\n",
			dir);
	} else if (info.abi_version != KF_ABI_VERSION) {
		err = -EPROTO;
		pr_warn("error: %s holds kflow ABI v%u state, this kflow reads v%u (use the kflow "
			"that made it)\n",
			dir, info.abi_version, KF_ABI_VERSION);
	}
	close(fd);
	return err;
}

int kf_dump(const struct kf_opts *o)
{
	struct kf_maps m = {};
	struct dump_ctx d = { .o = o };
	struct kf_table t = {};
	struct timespec rt, mt;
	int life_fd = -1, idx, err;

	m.sel_fd = m.a_fd = m.b_fd = -1;
	if ((err = check_info(o->pin_path)) < 0 ||
	    (err = m.sel_fd = open_dump_map(o->pin_path, "kf_flow_sel", BPF_MAP_TYPE_ARRAY_OF_MAPS,
					     4, 4)) < 0 ||
	    (err = m.a_fd = open_dump_map(o->pin_path, "kf_flows_a", BPF_MAP_TYPE_HASH,
					  sizeof(struct flow_key), sizeof(struct flow_stats))) < 0 ||
	    (err = m.b_fd = open_dump_map(o->pin_path, "kf_flows_b", BPF_MAP_TYPE_HASH,
					  sizeof(struct flow_key), sizeof(struct flow_stats))) < 0 ||
	    (err = life_fd = open_dump_map(o->pin_path, "kf_life", BPF_MAP_TYPE_HASH,
					   sizeof(struct flow_key), sizeof(struct flow_life))) < 0)
		goto out;
	err = kf_table_init(&t);
	if (err) {
		pr_warn("error: no memory for the flow table: %s\n", strerror(-err));
		goto out;
	}
	/* kf_life_load() and kf_drain_read() log their own failures. */
	err = kf_life_load(life_fd, &t);
	if (err < 0)
		goto out;
	idx = kf_active_index(&m);
	if (idx < 0) {
		err = idx;
		pr_warn("error: cannot read the live interval map from %s/kf_flow_sel: %s\n",
			o->pin_path, strerror(-err));
		goto out;
	}
	err = kf_drain_read(&m, idx, &t);
	if (err < 0)
		goto out;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mt);
	d.win.mono_to_wall_ns = ((__s64)rt.tv_sec - mt.tv_sec) * 1000000000LL +
				(rt.tv_nsec - mt.tv_nsec);
	d.win.end_us = (__u64)rt.tv_sec * 1000000 + rt.tv_nsec / 1000;
	d.win.start_us = d.win.end_us;
	kf_listeners_load(&d.l);
	kf_table_walk(&t, dump_flow, &d);
	err = 0;
	if (fflush(stdout) || ferror(stdout)) {
		err = errno ? -errno : -EIO;
		pr_warn("error: cannot write the flows to stdout: %s\n", strerror(-err));
	}
out:
	kf_table_free(&t);
	for (int *fd = &m.sel_fd; fd <= &m.b_fd; fd++)
		if (*fd >= 0)
			close(*fd);
	if (life_fd >= 0)
		close(life_fd);
	return err;
}

/* Whether the pinned map dir/name is one of this kflow's datapath maps, by
 * name, type and key/value sizes (max_entries follows --max-flows), made
 * from an object (with BTF, as libbpf makes them; bpftool's have none). */
static bool is_datapath_map(struct kflow *skel, const char *dir, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(skel->obj, name);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	bool own;
	int fd;

	if (!map)
		return false;
	fd = open_own_map(dir, name, bpf_map__type(map), bpf_map__key_size(map),
			  bpf_map__value_size(map));
	if (fd < 0)
		return false;
	/* libbpf gives a map-in-map no BTF. */
	own = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	      (info.btf_id || info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS);
	close(fd);
	return own;
}

/*
 * An agent killed while libbpf created and pinned its maps, before kf_info:
 * a directory of this kflow's datapath maps and nothing else (no hook is
 * attached before every map is pinned). One entry that is not such a map,
 * or none at all, and it is not taken for kflow's.
 */
static bool half_made(const char *dir)
{
	struct kflow *skel = kf_datapath_open();
	struct dirent *de;
	int n = 0, bad = 0;
	DIR *d;

	if (!skel)
		return false;
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		bad += !is_datapath_map(skel, dir, de->d_name);
	}
	if (d)
		closedir(d);
	kflow__destroy(skel);
	return d && n && !bad;
}

/* The pin directory is kflow's when it holds kflow's kf_info map and a
 * kf_attach, which lists what to detach, in the layout we read. kf_info's
 * ABI version is 0 when the agent that made them was killed while it
 * started: its maps, and any hook it recorded, are still to be removed. */
static int open_own_state(const char *dir, int *attach_fd)
{
	struct kf_info info = {};
	__u32 zero = 0;
	int fd, r;

	fd = open_own_map(dir, "kf_info", BPF_MAP_TYPE_ARRAY, 4, sizeof(info));
	r = fd < 0 ? fd : bpf_map_lookup_elem(fd, &zero, &info) ? -errno : 0;
	if (fd >= 0)
		close(fd);
	if (r == -ENOENT && half_made(dir)) {
		pr_info("%s: the maps of an agent killed while it started\n", dir);
		*attach_fd = -1;
		return 0;
	}
	if (r) {
		pr_warn("error: %s is not a kflow pin path (no kflow kf_info map there); nothing "
			"removed\n",
			dir);
		return -ENOENT;
	}
	if (!info.abi_version)
		pr_info("%s: the state of an agent killed while it started\n", dir);
	*attach_fd = open_own_map(dir, "kf_attach", BPF_MAP_TYPE_HASH, 4, sizeof(struct kf_attach));
	if (*attach_fd < 0) {
		pr_warn("error: %s: kflow ABI v%u state without a kf_attach map this kflow (ABI v%u) "
			"can read; nothing removed (use the kflow that made it)\n",
			dir, info.abi_version, KF_ABI_VERSION);
		return -ENOENT;
	}
	return 0;
}

int kf_cleanup(const struct kf_opts *o)
{
	int lock_fd, attach_fd, dir_fd, r, err = 0;
	unsigned int left = 0;
	struct dirent *de;
	DIR *dir;

	if (access(o->pin_path, F_OK)) {
		pr_info("nothing to clean up: %s does not exist\n", o->pin_path);
		return 0;
	}
	r = kf_on_bpffs(o->pin_path);
	if (r <= 0) {
		pr_warn("error: %s is not on a BPF filesystem%s%s: not a kflow pin path; nothing "
			"removed\n",
			o->pin_path, r ? ": " : "", r ? strerror(-r) : "");
		return r ? r : -ENOTDIR;
	}
	lock_fd = kf_pin_lock(o->pin_path);
	if (lock_fd < 0)
		return lock_fd;
	err = open_own_state(o->pin_path, &attach_fd);
	if (err)
		goto out;
	if (attach_fd >= 0) {
		kf_detach_recorded(attach_fd);
		close(attach_fd);
	}
	dir = fdopendir(dir_fd = dup(lock_fd));
	if (!dir) {
		err = -errno;
		pr_warn("error: cannot read %s: %s\n", o->pin_path, strerror(errno));
		if (dir_fd >= 0)
			close(dir_fd);
		goto out;
	}
	/* Every entry of a bpffs directory is a BPF object; kflow names its
	 * own kf_ (an older kflow's too). Anything else stays. */
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (strncmp(de->d_name, "kf_", 3) || de->d_type == DT_DIR) {
			left++;
			pr_warn("leaving %s/%s: not kflow's\n", o->pin_path, de->d_name);
			continue;
		}
		if (unlinkat(dirfd(dir), de->d_name, 0)) {
			err = -errno;
			pr_warn("error: cannot unpin %s/%s: %s\n", o->pin_path, de->d_name,
				strerror(errno));
		}
	}
	closedir(dir);
	if (left || err)
		goto out;
	if (rmdir(o->pin_path)) {
		err = -errno;
		pr_warn("error: cannot remove %s: %s\n", o->pin_path, strerror(errno));
	} else {
		pr_info("removed %s and everything kflow attached\n", o->pin_path);
	}
out:
	close(lock_fd);
	return err;
}
