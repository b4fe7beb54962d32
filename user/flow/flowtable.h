/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* flowtable.h - the agent's table of live flows: lifetime state plus what
 * the current interval added, keyed like the kernel maps. */
#ifndef KF_FLOWTABLE_H
#define KF_FLOWTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include "kflow.h"
#include "sideid.h"

struct kf_flow {
	struct flow_key key;
	struct flow_life life;
	struct flow_stats iv; /* this interval, summed over CPUs and drains */
	bool in_interval; /* iv holds packets */
	struct kf_side_id id[2]; /* by canonical side (a, b) */
	const char *obs_point; /* observation_point, decided while it had packets */
	struct l4_state l4; /* the kernel's L4 state, read once per interval */
	bool has_l4;
	bool life_has_iv; /* life already holds this interval's counts (recovery) */
	struct kf_flow *next; /* hash chain */
};

struct kf_table {
	struct kf_flow **buckets;
	size_t nbuckets; /* power of two */
	size_t count;
};

int kf_table_init(struct kf_table *t);
void kf_table_free(struct kf_table *t);
struct kf_flow *kf_table_find(struct kf_table *t, const struct flow_key *key);
/* Returns the flow for key, adding a zeroed one (*added = true) if missing. */
struct kf_flow *kf_table_get(struct kf_table *t, const struct flow_key *key, bool *added);

/* Calls fn on every flow; fn returns true to remove (and free) that flow. */
void kf_table_walk(struct kf_table *t, bool (*fn)(struct kf_flow *f, void *arg), void *arg);

/* Adds one interval's stats of a flow (one kernel value, or per-CPU slots
 * summed) to it: interval counters and lifetime totals. */
void kf_flow_add(struct kf_flow *f, const struct flow_stats *s);

/* Sums the per-CPU slots of one kernel value (stride bytes apart): the
 * interval maps of ABI 3 and older, read once by an upgrade (migrate.c). */
void kf_stats_sum_cpus(const void *slots, int ncpus, size_t stride, struct flow_stats *out);

#endif /* KF_FLOWTABLE_H */
