/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* commit.h - kf_commit, the pinned record of the interval in progress. */
#ifndef KF_COMMIT_H
#define KF_COMMIT_H

#include "kflow.h"

int kf_commit_load(int fd, struct kf_commit *c);
/* Stores c; a failure is logged: a crash then may lose or repeat this
 * interval, but counting goes on. */
int kf_commit_store(int fd, const struct kf_commit *c);
const char *kf_commit_phase_name(__u32 phase);

/* Test hook: KFLOW_CRASH_AT=STEP[:N] kills the agent with SIGKILL the Nth
 * time (default 1st) it reaches STEP (pending, drained, recorded, life,
 * committed), as an OOM kill would at that instant. */
void kf_crash_point(const char *step);

/* Test hook: KFLOW_SWAP_DELAY_MS=N sleeps N ms before each interval swap,
 * as a slow RCU grace period or a preempted agent would. */
void kf_swap_delay(void);

#endif /* KF_COMMIT_H */
