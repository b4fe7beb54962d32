/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* history.h - the most recent events, for a subscriber's "last" and for the
 * events published while it was still sending its subscribe line. */
#ifndef KF_STREAM_HISTORY_H
#define KF_STREAM_HISTORY_H

#include "event.h"

struct kf_history {
	struct kf_sev **ring;
	unsigned int cap; /* events kept */
	unsigned int n;
	unsigned int head; /* next slot to fill */
};

int kf_history_init(struct kf_history *h, unsigned int cap);
void kf_history_free(struct kf_history *h);
/* Takes e; frees the oldest when full (with cap 0, e itself). */
void kf_history_add(struct kf_history *h, struct kf_sev *e);
/* The i-th oldest kept event, i < h->n. */
struct kf_sev *kf_history_at(const struct kf_history *h, unsigned int i);

#endif /* KF_STREAM_HISTORY_H */
