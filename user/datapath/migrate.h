/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* migrate.h - an upgrade across a kflow ABI change: the pinned state of the
 * old agent is moved aside, its counts become the new agent's first
 * records, and it is removed. */
#ifndef KF_MIGRATE_H
#define KF_MIGRATE_H

#include <limits.h>
#include <stdbool.h>
#include <linux/types.h>
#include "flowtable.h"

struct kf_bpf;

struct kf_migrate {
	bool active; /* old state was moved aside and waits to be drained */
	__u32 abi; /* its ABI version */
	int lock_fd; /* flock on the moved directory */
	char dir[PATH_MAX]; /* <pin path>-old */
};

/* Before the load, with the pin path locked (*lock_fd): if it holds another
 * ABI's state, or an interrupted upgrade left <pin path>-old, that state is
 * (kept) aside at <pin path>-old and the pin path is empty again, with
 * *lock_fd on it. 0 or a negative errno after a message. */
int kf_migrate_prepare(struct kf_migrate *m, const char *pin_path, int *lock_fd);

/* After the load, before the attach: the old agent's kf_attach rows become
 * this agent's (same hooks per interface, its clsact qdiscs). 0 or a
 * negative errno. */
int kf_migrate_hooks(struct kf_migrate *m, struct kf_bpf *b);

/* After this agent's programs replaced the old ones: stops the old
 * datapath where it still runs, reads its interval maps and lifetime table
 * into t (the flows keep their ids and totals) and continues its flow id
 * counter in *next_flow_seq. Then unpins the old state. 0 or a negative
 * errno. */
int kf_migrate_drain(struct kf_migrate *m, struct kf_bpf *b, struct kf_table *t,
		     __u64 *next_flow_seq);

/* Releases the lock; the old state stays aside if it was not drained. */
void kf_migrate_close(struct kf_migrate *m);

#endif /* KF_MIGRATE_H */
