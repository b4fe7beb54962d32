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
#include "counters.h"
#include "drain.h"
#include "lifemap.h"
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
	if (fd < 0)
		pr_warn("error: cannot open %s: %s (is a kflow agent running or persisted with "
			"this --pin-path?)\n",
			path, strerror(errno));
	return fd < 0 ? -errno : fd;
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

	if (f->key.family)
		kf_orient(f, d->o, &d->l);
	kf_record_format(&d->w, f, &d->win, 5, 0);
	fwrite(d->w.buf, 1, d->w.len, stdout);
	return false;
}

int kf_dump(const struct kf_opts *o)
{
	struct kf_maps m = { .ncpus = libbpf_num_possible_cpus() };
	struct dump_ctx d = { .o = o };
	struct kf_table t = {};
	struct timespec rt, mt;
	int life_fd = -1, err;

	m.sel_fd = m.a_fd = m.b_fd = -1;
	if ((err = m.sel_fd = open_pinned(o->pin_path, "kf_flow_sel")) < 0 ||
	    (err = m.a_fd = open_pinned(o->pin_path, "kf_flows_a")) < 0 ||
	    (err = m.b_fd = open_pinned(o->pin_path, "kf_flows_b")) < 0 ||
	    (err = life_fd = open_pinned(o->pin_path, "kf_life")) < 0)
		goto out;
	err = kf_table_init(&t);
	if (err)
		goto out;
	err = kf_life_load(life_fd, &t);
	if (err >= 0)
		err = kf_peek(&m, &t);
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
	fflush(stdout);
	err = 0;
out:
	kf_table_free(&t);
	for (int *fd = &m.sel_fd; fd <= &m.b_fd; fd++)
		if (*fd >= 0)
			close(*fd);
	if (life_fd >= 0)
		close(life_fd);
	return err;
}

int kf_cleanup(const struct kf_opts *o)
{
	char path[PATH_MAX];
	struct dirent *de;
	int lock_fd, attach_fd, err = 0;
	DIR *dir;

	if (access(o->pin_path, F_OK)) {
		pr_info("nothing to clean up: %s does not exist\n", o->pin_path);
		return 0;
	}
	lock_fd = kf_pin_lock(o->pin_path);
	if (lock_fd < 0)
		return lock_fd;
	attach_fd = open_pinned(o->pin_path, "kf_attach");
	if (attach_fd >= 0) {
		kf_detach_recorded(attach_fd);
		close(attach_fd);
	}
	dir = opendir(o->pin_path);
	if (!dir) {
		err = -errno;
		goto out;
	}
	/* Only our own names: maps and programs are all prefixed kf_. */
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "kf_", 3))
			continue;
		snprintf(path, sizeof(path), "%s/%s", o->pin_path, de->d_name);
		if (unlink(path)) {
			err = -errno;
			pr_warn("cannot unpin %s: %s\n", path, strerror(errno));
		}
	}
	closedir(dir);
	if (rmdir(o->pin_path)) {
		err = -errno;
		pr_warn("cannot remove %s: %s\n", o->pin_path, strerror(errno));
	} else {
		pr_info("removed %s and everything kflow attached\n", o->pin_path);
	}
out:
	close(lock_fd);
	return err;
}
