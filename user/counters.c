// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* counters.c - kf_counters are cumulative; the agent logs their growth. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "counters.h"
#include "log.h"

const char *const kf_counter_names[KF_CNT_MAX] = { KF_COUNTER_NAMES };

int kf_counters_read(int fd, int ncpus, __u64 out[KF_CNT_MAX])
{
	__u64 *vals = calloc(ncpus, sizeof(*vals));

	if (!vals)
		return -ENOMEM;
	for (__u32 i = 0; i < KF_CNT_MAX; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, vals)) {
			free(vals);
			return -errno;
		}
		for (int c = 0; c < ncpus; c++)
			out[i] += vals[c];
	}
	free(vals);
	return 0;
}

int kf_counters_add(int fd, int ncpus, __u32 idx, __u64 n)
{
	__u64 *vals = calloc(ncpus, sizeof(*vals));
	int err = 0;

	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &idx, vals)) {
		err = -errno;
	} else {
		vals[0] += n;
		if (bpf_map_update_elem(fd, &idx, vals, BPF_ANY))
			err = -errno;
	}
	free(vals);
	return err;
}

void kf_counters_log_delta(int fd, int ncpus, __u64 seen[KF_CNT_MAX])
{
	__u64 now[KF_CNT_MAX];
	char line[1024];
	size_t len = 0;

	if (kf_counters_read(fd, ncpus, now))
		return;
	for (int i = 0; i < KF_CNT_MAX; i++) {
		if (now[i] > seen[i] && len < sizeof(line))
			len += snprintf(line + len, sizeof(line) - len, " %s=%llu",
					kf_counter_names[i],
					(unsigned long long)(now[i] - seen[i]));
		seen[i] = now[i];
	}
	if (len)
		pr_info("datapath counters this interval:%s\n", line);
}
