// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mapmem.c - maps are charged to the memory cgroup of the agent (the pod's
 * limit in a DaemonSet), and one of them grows as it fills: what they hold
 * and can hold, so that a limit can be sized before it is hit.
 */
#include <errno.h>
#include <stdio.h>
#include <bpf/bpf.h>
#include "mapmem.h"

/* The kernel's element of a hash map (struct htab_elem, x86-64) before its
 * key, and the free-list node each allocated element carries: what
 * htab_map_mem_usage() counts per entry of a hash without preallocation
 * (200 bytes for kf_life, as filling such a map confirms). */
#define KF_HTAB_ELEM 48
#define KF_LLIST_NODE 8

long long kf_map_memlock(const struct bpf_map *map)
{
	char path[64], line[128];
	long long v = -ENOENT;
	int fd = bpf_map__fd(map);
	FILE *f;

	if (fd < 0)
		return -EBADF;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %lld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static unsigned long long round8(unsigned long long n)
{
	return (n + 7) & ~7ULL;
}

unsigned long long kf_map_entry_bytes(const struct bpf_map *map)
{
	if (bpf_map__type(map) != BPF_MAP_TYPE_HASH ||
	    !(bpf_map__map_flags(map) & BPF_F_NO_PREALLOC))
		return 0;
	return KF_HTAB_ELEM + round8(bpf_map__key_size(map)) + round8(bpf_map__value_size(map)) +
	       KF_LLIST_NODE;
}

void kf_obj_memory(struct bpf_object *obj, unsigned long long *now, unsigned long long *more)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		long long v = kf_map_memlock(map);

		if (v > 0)
			*now += v;
		*more += (unsigned long long)bpf_map__max_entries(map) * kf_map_entry_bytes(map);
	}
}
