// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * histogram.c - fixed buckets from a millisecond to ten seconds: a drain of
 * an idle node takes well under a millisecond, a full 65536-flow map tens of
 * milliseconds, and anything near the interval is a problem to see.
 */
#include <stdio.h>
#include "histogram.h"

static const double kf_hist_bounds[KF_HIST_BOUNDS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
};

void kf_hist_observe(struct kf_hist *h, double v)
{
	for (int i = 0; i < KF_HIST_BOUNDS; i++) {
		if (v <= kf_hist_bounds[i]) {
			h->le[i]++;
			break;
		}
	}
	h->n++;
	h->sum += v;
}

void kf_hist_write(struct kf_mtext *t, const char *name, const char *help, const struct kf_hist *h)
{
	unsigned long long cum = 0;
	char series[128], le[32];

	kf_mt_family(t, name, "histogram", help);
	snprintf(series, sizeof(series), "%s_bucket", name);
	for (int i = 0; i < KF_HIST_BOUNDS; i++) {
		struct kf_label l = { "le", le };

		cum += h->le[i];
		snprintf(le, sizeof(le), "%g", kf_hist_bounds[i]);
		kf_mt_u64(t, series, &l, 1, cum);
	}
	kf_mt_u64(t, series, &(struct kf_label){ "le", "+Inf" }, 1, h->n);
	snprintf(series, sizeof(series), "%s_sum", name);
	kf_mt_double(t, series, NULL, 0, h->sum);
	snprintf(series, sizeof(series), "%s_count", name);
	kf_mt_u64(t, series, NULL, 0, h->n);
}
