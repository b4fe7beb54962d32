// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* idload.c - the identity programs observe sockets of every process below
 * the cgroup they attach to, and every cgroup made on the node; their links
 * are pinned so that a --persist agent's hooks survive it and the next
 * agent swaps in its programs. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "idload.h"
#include "loader.h"
#include "log.h"

/* Programs that run per packet or per send: loaded only for flow events
 * (--stream), which want a UDP socket named at its first datagram. Without
 * them the agent names open UDP sockets by its socket scan at the drain. */
static const char *const per_packet_progs[] = { "kf_skb_egress", "kf_sendmsg4", "kf_sendmsg6" };

static bool is_per_packet(const char *name)
{
	for (size_t i = 0; i < sizeof(per_packet_progs) / sizeof(per_packet_progs[0]); i++)
		if (!strcmp(name, per_packet_progs[i]))
			return true;
	return false;
}

static int link_pin_path(const struct kf_idbpf *id, const struct bpf_program *p, char *buf,
			 size_t len)
{
	int n = snprintf(buf, len, "%s/kf_link_%s", id->pin_path, bpf_program__name(p));

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int pin_new(struct kf_idbpf *id, struct bpf_link *link, const char *path)
{
	int err = bpf_link__pin(link, path);

	if (err) {
		pr_warn("error: cannot pin link %s: %s\n", path, strerror(-err));
		bpf_link__destroy(link);
		return err;
	}
	id->links[id->nlinks++] = link;
	return 0;
}

/* A cgroup link a persisted agent pinned takes the new program in place. */
static int attach_cgroup(struct kf_idbpf *id, struct bpf_program *p, int cg_fd, const char *path)
{
	struct bpf_link *link;
	int err;

	link = access(path, F_OK) ? NULL : bpf_link__open(path);
	if (link) {
		err = bpf_link__update_program(link, p);
		if (err) {
			pr_warn("error: cannot update pinned link %s: %s\n", path, strerror(-err));
			bpf_link__destroy(link);
			return err;
		}
		id->links[id->nlinks++] = link;
		return 0;
	}
	link = bpf_program__attach_cgroup(p, cg_fd);
	if (!link) {
		err = -errno;
		pr_warn("error: cannot attach %s to the cgroup: %s\n", bpf_program__name(p),
			strerror(errno));
		return err;
	}
	return pin_new(id, link, path);
}

/* A tracing link cannot take another program: the new one is attached
 * first, then the pinned one is unpinned (which detaches it), so that no
 * cgroup is made unseen in between. */
static int attach_tracing(struct kf_idbpf *id, struct bpf_program *p, const char *path)
{
	struct bpf_link *link = bpf_program__attach(p);
	int err;

	if (!link) {
		err = -errno;
		pr_warn("error: cannot attach %s (tp_btf): %s\n", bpf_program__name(p),
			strerror(errno));
		return err;
	}
	if (!access(path, F_OK) && unlink(path)) {
		err = -errno;
		pr_warn("error: cannot replace pinned link %s: %s\n", path, strerror(errno));
		bpf_link__destroy(link);
		return err;
	}
	return pin_new(id, link, path);
}

static int attach_one(struct kf_idbpf *id, struct bpf_program *p, int cg_fd)
{
	char path[PATH_MAX];
	int err;

	if (id->nlinks == KF_ID_MAX_LINKS) {
		pr_warn("error: cannot attach %s: more than %d identity programs\n",
			bpf_program__name(p), KF_ID_MAX_LINKS);
		return -E2BIG;
	}
	err = link_pin_path(id, p, path, sizeof(path));
	if (err)
		return err;
	if (bpf_program__type(p) == BPF_PROG_TYPE_TRACING)
		return attach_tracing(id, p, path);
	return attach_cgroup(id, p, cg_fd, path);
}

/* A persisted agent of an older version, or one run with --stream, may have
 * pinned links of programs this one does not run: unpinned, they detach,
 * instead of running on. */
static void remove_stale_links(struct kf_idbpf *id)
{
	const char *prefix = "kf_link_";
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	d = opendir(id->pin_path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		const struct bpf_program *p;

		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		p = bpf_object__find_program_by_name(id->skel->obj, e->d_name + strlen(prefix));
		if (p && bpf_program__autoload(p))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", id->pin_path, e->d_name) >=
		    (int)sizeof(path))
			continue;
		if (unlink(path))
			pr_warn("cannot remove stale link %s: %s\n", path, strerror(errno));
		else
			pr_info("identity: detached %s, a program this run does not have\n",
				e->d_name + strlen(prefix));
	}
	closedir(d);
}

int kf_idbpf_start(struct kf_idbpf *id, const char *pin_path, const char *cg_root,
		   bool per_packet)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .pin_root_path = pin_path);
	struct bpf_program *p;
	struct bpf_map *map;
	int cg_fd, err;

	memset(id, 0, sizeof(*id));
	snprintf(id->pin_path, sizeof(id->pin_path), "%s", pin_path);
	id->skel = identity__open_opts(&open_opts);
	if (!id->skel) {
		pr_warn("error: cannot open the identity BPF object: %s\n", strerror(errno));
		return -errno;
	}
	bpf_object__for_each_map(map, id->skel->obj) {
		err = kf_check_pinned_map(map);
		if (err)
			return err;
	}
	bpf_object__for_each_program(p, id->skel->obj)
		if (is_per_packet(bpf_program__name(p)))
			bpf_program__set_autoload(p, per_packet);
	err = kf_load_object(id->skel->obj, libbpf_num_possible_cpus(), "the identity programs");
	if (err)
		return err;
	cg_fd = open(cg_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0) {
		err = -errno;
		pr_warn("error: --cgroup-root %s: %s\n", cg_root, strerror(errno));
		return err;
	}
	bpf_object__for_each_program(p, id->skel->obj) {
		if (!bpf_program__autoload(p))
			continue;
		err = attach_one(id, p, cg_fd);
		if (err)
			break;
	}
	close(cg_fd);
	if (!err)
		remove_stale_links(id);
	if (!err)
		pr_info("identity: observing sockets below cgroup %s\n", cg_root);
	return err;
}

void kf_idbpf_stop(struct kf_idbpf *id, bool keep)
{
	for (int i = 0; i < id->nlinks; i++) {
		if (!keep)
			bpf_link__unpin(id->links[i]);
		else
			bpf_link__disconnect(id->links[i]);
		bpf_link__destroy(id->links[i]);
	}
	id->nlinks = 0;
	if (id->skel && !keep)
		bpf_object__unpin_maps(id->skel->obj, NULL);
	identity__destroy(id->skel);
	id->skel = NULL;
}
