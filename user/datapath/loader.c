// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * loader.c - opens the skeleton, sizes the flow maps, checks that any maps
 * already pinned under the pin path are ones this build can reuse, loads,
 * installs the first interval map, and pins the programs for bpftool.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "bpffs.h"
#include "kflow.h"
#include "loader.h"
#include "log.h"
#include "memlimit.h"

_Static_assert(sizeof(struct flow_key) == 44, "flow_key layout is ABI");
_Static_assert(sizeof(struct flow_dir) == 120, "flow_dir layout is ABI");
_Static_assert(sizeof(struct flow_dir) - offsetof(struct flow_dir, first_ns) >= 64,
	       "the per-packet fields of the two directions share no cache line");
_Static_assert(sizeof(struct flow_stats) == 344, "flow_stats layout is ABI");
_Static_assert(sizeof(struct l4_hint) == 8, "l4_hint is one word (stored and loaded whole)");
_Static_assert(offsetof(struct flow_dir, hint) == 40, "flow_dir layout is ABI");
_Static_assert(sizeof(struct l4_state) == 152, "l4_state layout is ABI");
_Static_assert(sizeof(struct tcp_side) == 40, "tcp_side layout is ABI");
_Static_assert(offsetof(struct l4_state, side_ba) - sizeof(struct tcp_side) >= 64,
	       "the two sides of l4_state share no cache line");
_Static_assert(sizeof(struct sock_owner) == 32, "sock_owner layout is ABI");
_Static_assert(sizeof(struct sock_tuple) == 40, "sock_tuple layout is ABI");
_Static_assert(sizeof(struct sock_ref) == 40, "sock_ref layout is ABI");
_Static_assert(sizeof(struct bind_key) == 16, "bind_key layout is ABI");
_Static_assert(sizeof(struct flow_life) == 96, "flow_life layout is ABI");
_Static_assert(sizeof(struct kf_attach) == 24, "kf_attach layout is ABI");
_Static_assert(sizeof(struct kf_info) == 16, "kf_info layout is ABI");
_Static_assert(sizeof(struct kf_commit) == 56, "kf_commit layout is ABI");
_Static_assert(sizeof(struct kf_tick) == 16, "kf_tick layout is ABI");
_Static_assert(sizeof(struct frag_key) == 40, "frag_key layout is ABI");
_Static_assert(sizeof(struct kf_event) == 64, "kf_event layout is ABI");
_Static_assert(offsetof(struct l4_state, retrans_ts) == offsetof(struct l4_state, udp_ts),
	       "retrans_ts shares udp_ts's place");

int kf_prog_pin_path(const struct kf_bpf *b, const struct bpf_program *p, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", b->pin_path, bpf_program__name(p));

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* libbpf reuses a pinned map only when type, sizes and flags match, and its
 * own message is easy to miss; say which map and what differs. */
int kf_check_pinned_map(struct bpf_map *map)
{
	const char *path = bpf_map__pin_path(map);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, err = 0;

	if (!path || access(path, F_OK))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		pr_warn("error: %s exists but is not a BPF map this process can open: %s\n", path,
			strerror(errno));
		return -errno;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		pr_warn("error: cannot inspect pinned map %s: %s\n", path, strerror(errno));
	} else if (info.type != bpf_map__type(map) || info.key_size != bpf_map__key_size(map) ||
		   info.value_size != bpf_map__value_size(map) ||
		   info.max_entries != bpf_map__max_entries(map) ||
		   info.map_flags != bpf_map__map_flags(map)) {
		err = -EEXIST;
		pr_warn("error: pinned map %s is incompatible (type %u key %u value %u entries %u, "
			"want type %u key %u value %u entries %u): another kflow version or "
			"--max-flows made it; run 'kflow cleanup --pin-path <path>'\n",
			path, info.type, info.key_size, info.value_size, info.max_entries,
			bpf_map__type(map), bpf_map__key_size(map), bpf_map__value_size(map),
			bpf_map__max_entries(map));
	}
	close(fd);
	return err;
}

int kf_load_object(struct bpf_object *obj, int ncpus, const char *what)
{
	int err;

	kf_log_libbpf_hold();
	err = bpf_object__load(obj);
	if (err == -ENOMEM && !kf_report_map_failure(obj, kf_log_libbpf_failed_map(), ncpus, err)) {
		kf_log_libbpf_release(false);
		return err;
	}
	kf_log_libbpf_release(err);
	if (!err)
		return 0;
	pr_warn("error: cannot load %s: %s (run with -vv for the verifier log)\n", what,
		strerror(-err));
	return err;
}

static int pin_programs(struct kf_bpf *b)
{
	struct bpf_program *p;
	char path[PATH_MAX];
	int err;

	bpf_object__for_each_program(p, b->skel->obj) {
		err = kf_prog_pin_path(b, p, path, sizeof(path));
		if (err)
			return err;
		unlink(path); /* an earlier agent's program; ours replaces it */
		err = bpf_program__pin(p, path);
		if (err) {
			pr_warn("error: cannot pin program %s at %s: %s\n", bpf_program__name(p),
				path, strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Every interval map carries a zeroed overflow entry before it goes live,
 * so a full map still has a place for the packets that found no room. */
int add_overflow_key(int map_fd)
{
	static const struct flow_stats zero;
	struct flow_key okey = {};

	int err = 0;

	if (bpf_map_update_elem(map_fd, &okey, &zero, BPF_NOEXIST) && errno != EEXIST) {
		err = -errno;
		pr_warn("cannot add the overflow entry to an interval map: %s\n", strerror(-err));
	}
	return err;
}

/* A fresh pin path gets kf_flows_a as the first interval map and kf_info;
 * an adopted one must carry our ABI version. */
static int init_or_adopt(struct kf_bpf *b, unsigned int max_flows)
{
	int info_fd = bpf_map__fd(b->skel->maps.kf_info);
	int sel_fd = bpf_map__fd(b->skel->maps.kf_flow_sel);
	struct kf_info info = {};
	__u32 zero = 0;
	int fd;

	if (bpf_map_lookup_elem(info_fd, &zero, &info))
		return -errno;
	/* Set first: on any error below the caller must not unpin reused maps. */
	b->adopted = info.abi_version != 0;
	if (info.abi_version && info.abi_version != KF_ABI_VERSION) {
		pr_warn("error: pin path %s holds kflow ABI v%u state, this kflow uses v%u; run "
			"'kflow cleanup --pin-path %s'\n",
			b->pin_path, info.abi_version, KF_ABI_VERSION, b->pin_path);
		return -EEXIST;
	}
	if (b->adopted) {
		pr_info("adopting pinned state under %s\n", b->pin_path);
		return 0;
	}
	fd = bpf_map__fd(b->skel->maps.kf_flows_a);
	if (add_overflow_key(fd))
		return -errno;
	if (bpf_map_update_elem(sel_fd, &zero, &fd, BPF_ANY)) {
		pr_warn("error: cannot install the first interval map: %s\n", strerror(errno));
		return -errno;
	}
	info.abi_version = KF_ABI_VERSION;
	info.max_flows = max_flows;
	if (bpf_map_update_elem(info_fd, &zero, &info, BPF_ANY))
		return -errno;
	return 0;
}

/* One copy of the object's bytes in the binary: every user opens it here. */
struct kflow *kf_datapath_open(void)
{
	return kflow__open();
}

/* Pinned state of another --max-flows is refused by the sizes of its maps
 * (kf_check_pinned_map()); this says so in the user's terms first. */
static int check_pinned_max_flows(const char *pin_path, unsigned int max_flows)
{
	struct bpf_map_info mi = {};
	__u32 len = sizeof(mi), zero = 0;
	char path[PATH_MAX];
	struct kf_info info;
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/kf_info", pin_path);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0; /* none yet, or kf_check_pinned_map() says why */
	if (!bpf_obj_get_info_by_fd(fd, &mi, &len) && mi.value_size == sizeof(info) &&
	    !bpf_map_lookup_elem(fd, &zero, &info) && info.abi_version == KF_ABI_VERSION &&
	    info.max_flows != max_flows) {
		pr_warn("error: the state pinned under %s was made with --max-flows %u (this run: "
			"%u); run with --max-flows %u, or 'kflow cleanup --pin-path %s' first\n",
			pin_path, info.max_flows, max_flows, info.max_flows, pin_path);
		err = -EEXIST;
	}
	close(fd);
	return err;
}

/* kf_events holds nothing an adopting agent needs: a pin of another size
 * (another --ring-size, or a run without --stream) is replaced. */
static void replace_ring_pin(struct bpf_map *map)
{
	const char *path = bpf_map__pin_path(map);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd;

	if (!path || access(path, F_OK))
		return;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return; /* kf_check_pinned_map() says why */
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_MAP_TYPE_RINGBUF &&
	    info.max_entries != bpf_map__max_entries(map)) {
		pr_info("replacing pinned ring buffer %s (%u bytes, now %u)\n", path,
			info.max_entries, bpf_map__max_entries(map));
		unlink(path);
	}
	close(fd);
}

/* Events on: the ring's size, and the queued bytes that wake the agent (a
 * quarter of the ring, at most 64 KiB: see bpf/events.bpf.h). */
static void set_events(struct kf_bpf *b, unsigned int ring_size)
{
	unsigned int page = sysconf(_SC_PAGESIZE);

	b->skel->rodata->cfg_events = ring_size != 0;
	if (!ring_size)
		ring_size = page;
	b->skel->rodata->cfg_ev_wake_bytes = ring_size / 4 < 65536 ? ring_size / 4 : 65536;
	bpf_map__set_max_entries(b->skel->maps.kf_events, ring_size);
	b->ring_size = ring_size;
}

int kf_bpf_load(struct kf_bpf *b, const char *pin_path, unsigned int max_flows,
		bool precise_time, unsigned int ring_size)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts);
	struct bpf_map *map;
	int err;

	memset(b, 0, sizeof(*b));
	b->lock_fd = -1;
	b->mig.lock_fd = -1;
	b->ncpus = libbpf_num_possible_cpus();
	if (b->ncpus < 0) {
		pr_warn("error: cannot count possible CPUs: %s\n", strerror(-b->ncpus));
		return b->ncpus;
	}
	if (pin_path) {
		if (strlen(pin_path) >= sizeof(b->pin_path))
			return -ENAMETOOLONG;
		strcpy(b->pin_path, pin_path);
		err = kf_bpffs_prepare(pin_path);
		if (err)
			return err;
		b->lock_fd = kf_pin_lock(pin_path);
		if (b->lock_fd < 0)
			return b->lock_fd;
		err = kf_migrate_prepare(&b->mig, pin_path, &b->lock_fd);
		if (err)
			return err;
		open_opts.pin_root_path = pin_path;
	}
	b->skel = kflow__open_opts(&open_opts);
	if (!b->skel) {
		err = -errno;
		pr_warn("error: cannot open the BPF object: %s\n", strerror(errno));
		return err;
	}
	b->skel->rodata->cfg_precise_time = precise_time;
	b->skel->rodata->cfg_replay = !pin_path;
	/* +1: the reserved overflow key lives in every interval map. */
	bpf_map__set_max_entries(b->skel->maps.kf_flows_a, max_flows + 1);
	bpf_map__set_max_entries(b->skel->maps.kf_flows_b, max_flows + 1);
	/* The kf_flow_sel template keeps its size: the kernel does not compare
	 * max_entries of hash inner maps (bpf_map_meta_equal), and libbpf 1.1
	 * crashes resizing a template. */
	bpf_map__set_max_entries(b->skel->maps.kf_life, 4 * max_flows);
	bpf_map__set_max_entries(b->skel->maps.kf_l4, 2 * max_flows);
	set_events(b, ring_size);
	if (pin_path) {
		err = check_pinned_max_flows(pin_path, max_flows);
		if (err)
			return err;
		replace_ring_pin(b->skel->maps.kf_events);
	}

	bpf_object__for_each_map(map, b->skel->obj) {
		err = pin_path ? kf_check_pinned_map(map) : bpf_map__set_pin_path(map, NULL);
		if (err)
			return err;
	}
	err = kf_load_object(b->skel->obj, b->ncpus, "the BPF programs");
	if (err)
		return err;
	b->loaded = true;
	err = init_or_adopt(b, max_flows);
	if (err || !pin_path)
		return err;
	return pin_programs(b);
}

void kf_bpf_unpin(struct kf_bpf *b)
{
	struct bpf_program *p;
	char path[PATH_MAX];

	if (!b->loaded || !b->pin_path[0])
		return;
	bpf_object__for_each_program(p, b->skel->obj) {
		if (!kf_prog_pin_path(b, p, path, sizeof(path)))
			unlink(path);
	}
	bpf_object__unpin_maps(b->skel->obj, NULL);
	if (rmdir(b->pin_path) && errno != ENOENT)
		pr_warn("cannot remove pin directory %s: %s\n", b->pin_path, strerror(errno));
}

void kf_bpf_close(struct kf_bpf *b)
{
	/* A run that failed before loading leaves no empty pin directory. */
	if (!b->loaded && b->pin_path[0])
		rmdir(b->pin_path);
	kflow__destroy(b->skel);
	b->skel = NULL;
	if (b->lock_fd >= 0)
		close(b->lock_fd);
	b->lock_fd = -1;
	kf_migrate_close(&b->mig);
}
