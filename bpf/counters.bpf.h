/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* counters.bpf.h - bump one per-CPU failure counter (no shared writes). */
#ifndef KF_COUNTERS_BPF_H
#define KF_COUNTERS_BPF_H

#include "maps.bpf.h"

static __always_inline void count_event(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&kf_counters, &idx);

	if (c)
		*c += 1;
}

#endif /* KF_COUNTERS_BPF_H */
