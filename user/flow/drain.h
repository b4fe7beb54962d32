/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* drain.h - move the kernel's interval counters into the agent's table. */
#ifndef KF_DRAIN_H
#define KF_DRAIN_H

#include <stdbool.h>
#include "flowtable.h"

struct kf_maps {
	int sel_fd; /* kf_flow_sel */
	int a_fd; /* kf_flows_a */
	int b_fd; /* kf_flows_b */
	/* Replay: packets run in this thread through the test run, so the live
	 * map is quiescent between them and is drained in place, no swap. */
	bool quiescent;
};

/* The crash-safe steps of an interval's end (user/flow/commit.c), on map
 * idx (0 kf_flows_a, 1 kf_flows_b): retire swaps it out if it is still the
 * live one (the swap waits until no program can hold it); read adds its
 * entries to t and deletes nothing; clear deletes them once recorded.
 * 0 / entries read, or a negative errno. */
int kf_drain_retire(const struct kf_maps *m, int idx);
int kf_drain_read(const struct kf_maps *m, int idx, struct kf_table *t);
int kf_drain_clear(const struct kf_maps *m, int idx);

/* Which interval map packets go to now: 0 for kf_flows_a, 1 for
 * kf_flows_b, or a negative errno. */
int kf_active_index(const struct kf_maps *m);

/* Reads the active interval map into t without deleting anything (dump). */
int kf_peek(const struct kf_maps *m, struct kf_table *t);

#endif /* KF_DRAIN_H */
