/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* tick.h - what happens at the end of each interval, live or in replay. */
#ifndef KF_TICK_H
#define KF_TICK_H

#include <stdbool.h>
#include "counters.h"
#include "drain.h"
#include "flowtable.h"
#include "identity.h"
#include "loader.h"
#include "opts.h"
#include "orient.h"
#include "sink.h"

/* The state an interval's end works on, shared by `run` and `replay`. */
struct kf_core {
	const struct kf_opts *o;
	struct kf_bpf b;
	struct kf_maps maps;
	struct kf_table table;
	struct kf_sinks sinks;
	struct kf_listeners listeners;
	bool offline; /* replay: no local listeners or identity */
	__u64 seen[KF_CNT_MAX];
	__u64 window_start_us;
	struct kf_info info;
	size_t life_left_out; /* live flows kf_life had no room for */
	struct kf_identity id;
	struct kf_commit commit; /* the last interval begun, as kf_commit holds it */
	struct kf_metrics *metrics; /* --metrics, else NULL */
};

/* Swaps and drains the interval map, decides client/server and identity,
 * writes one record per flow that had packets, ends flows whose timeout
 * passed at mono_ns (their L4 state and kf_life entries go too), and
 * mirrors the table into kf_life. Records carry wall = mono + offset. */
int kf_tick(struct kf_core *c, __u64 mono_ns, __s64 mono_to_wall_ns);

/* Ends an interval begun by kf_tick or left unfinished by a killed agent
 * (user/flow/commit.c). */
int kf_finish_interval(struct kf_core *c, struct kf_commit *cm);

/* At start, after kf_life was loaded: finishes what a killed agent left in
 * kf_commit, or clears what it left recorded. 0 or a negative errno. */
int kf_recover(struct kf_core *c);

/* Deletes a flow's kf_l4 entry; for UDP also moves its kf_udp_gen
 * generation, so that no CPU's hint lets a datagram skip the missing entry.
 * 0 or -errno (-ENOENT: there was none). */
int kf_l4_delete(int l4_fd, int gen_fd, const struct flow_key *key);

#endif /* KF_TICK_H */
