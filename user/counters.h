/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* counters.h - read the datapath's per-reason counters (kf_counters). */
#ifndef KF_COUNTERS_H
#define KF_COUNTERS_H

#include "kflow.h"

extern const char *const kf_counter_names[KF_CNT_MAX];

/* Sums every CPU's slot of each counter into out. Returns 0 or -errno. */
int kf_counters_read(int fd, int ncpus, __u64 out[KF_CNT_MAX]);

/* Adds n to counter idx in CPU 0's slot, for what userspace counts in the
 * datapath's place. A read and a write: only where no program runs
 * meanwhile (replay), or their increments could be lost. 0 or -errno. */
int kf_counters_add(int fd, int ncpus, __u32 idx, __u64 n);

/* Logs the counters that grew since *seen, then updates *seen. */
void kf_counters_log_delta(int fd, int ncpus, __u64 seen[KF_CNT_MAX]);

#endif /* KF_COUNTERS_H */
