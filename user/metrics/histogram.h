/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* histogram.h - a Prometheus histogram of durations in seconds. */
#ifndef KF_HISTOGRAM_H
#define KF_HISTOGRAM_H

#include "mtext.h"

#define KF_HIST_BOUNDS 13

/* Bucket i counts observations <= kf_hist_bounds[i]; the +Inf bucket is n. */
struct kf_hist {
	unsigned long long le[KF_HIST_BOUNDS]; /* not cumulative; summed on output */
	unsigned long long n;
	double sum;
};

void kf_hist_observe(struct kf_hist *h, double v);
/* The family: _bucket{le=...} cumulative, _sum, _count. */
void kf_hist_write(struct kf_mtext *t, const char *name, const char *help, const struct kf_hist *h);

#endif /* KF_HISTOGRAM_H */
