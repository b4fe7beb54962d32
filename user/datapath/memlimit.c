// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * memlimit.c - BPF maps are charged to the memory cgroup of the process
 * that creates them (the pod's limit in a DaemonSet), not to RLIMIT_MEMLOCK
 * on this kernel, so an ENOMEM at load is answered with the map, its size
 * and the cgroup limit, never with a pointer to the verifier log.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "log.h"
#include "memlimit.h"

static void human(char *buf, size_t len, unsigned long long v)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double d = v;
	int i = 0;

	while (d >= 1024 && i < 4) {
		d /= 1024;
		i++;
	}
	snprintf(buf, len, i ? "%.1f %s" : "%.0f %s", d, unit[i]);
}

static int read_ull(const char *path, unsigned long long *v)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%llu", v) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

/* The memory limit of this process's cgroup (v2 memory.max, or the v1
 * memory controller's limit on a hybrid host); 0 if none. */
static unsigned long long cgroup_limit(void)
{
	char line[512], path[1024], *rel;
	unsigned long long v = 0;
	FILE *f = fopen("/proc/self/cgroup", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if ((rel = strstr(line, ":memory:"))) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup/memory%s/memory.limit_in_bytes",
				 rel + 8);
			break;
		}
		if (!strncmp(line, "0::", 3)) {
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/memory.max", line + 3);
			if (access(path, R_OK))
				snprintf(path, sizeof(path), "/sys/fs/cgroup/unified%s/memory.max",
					 line + 3);
		}
	}
	fclose(f);
	if (read_ull(path, &v) || v >= (1ULL << 62)) /* "max" or v1's no-limit value */
		return 0;
	return v;
}

static unsigned long long mem_available(void)
{
	unsigned long long kb = 0;
	char line[256];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* "memory cgroup limit X, Y available on the node" (what applies). */
static void memory_limits(char *buf, size_t len)
{
	unsigned long long lim = cgroup_limit();
	char a[32], b[32];

	human(b, sizeof(b), mem_available());
	if (lim) {
		human(a, sizeof(a), lim);
		snprintf(buf, len, "memory cgroup limit %s, %s available on the node", a, b);
	} else {
		snprintf(buf, len, "no memory cgroup limit, %s available on the node", b);
	}
}

int kf_report_map_failure(struct bpf_object *obj, const char *map_name, int ncpus, int err)
{
	struct bpf_map *map = map_name ? bpf_object__find_map_by_name(obj, map_name) : NULL;
	unsigned long long per, bytes;
	char size[32], limits[160];
	enum bpf_map_type t;

	if (!map)
		return -ENOENT;
	t = bpf_map__type(map);
	per = bpf_map__value_size(map);
	if (t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY ||
	    t == BPF_MAP_TYPE_LRU_PERCPU_HASH)
		per = ((per + 7) & ~7ULL) * ncpus;
	bytes = (unsigned long long)bpf_map__max_entries(map) * (bpf_map__key_size(map) + per);
	human(size, sizeof(size), bytes);
	memory_limits(limits, sizeof(limits));
	pr_warn("error: cannot create map %s: %s (%u entries, at least %s of kernel memory; %s); "
		"lower --max-flows or raise the limit\n",
		map_name, strerror(-err), bpf_map__max_entries(map), size, limits);
	return 0;
}
