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
	int ncpus;
	/* Replay: packets run in this thread through the test run, so the live
	 * map is quiescent between them and is drained in place, no swap. */
	bool quiescent;
};

/* Swaps the interval maps and drains the one packets no longer reach into t.
 * Returns the number of flow entries drained, or a negative errno. */
int kf_drain(const struct kf_maps *m, struct kf_table *t);

/* Which interval map packets go to now: 0 for kf_flows_a, 1 for
 * kf_flows_b, or a negative errno. */
int kf_active_index(const struct kf_maps *m);

/* Reads the active interval map into t without deleting anything (dump). */
int kf_peek(const struct kf_maps *m, struct kf_table *t);

#endif /* KF_DRAIN_H */
