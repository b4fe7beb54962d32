/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* record.h - one l4_flow_log record of one flow for one interval. */
#ifndef KF_RECORD_H
#define KF_RECORD_H

#include "flowtable.h"
#include "identity.h"
#include "jsonw.h"

struct kf_window {
	__s64 mono_to_wall_ns; /* wall clock = monotonic + this */
	__u64 start_us; /* interval start, wall clock */
	__u64 end_us; /* interval end (this drain), wall clock */
	const struct kf_identity *id; /* NULL: no identity fields */
};

/* start_time and end_time of f's record (us, wall clock): the first packet
 * for a new flow, else the window start; the window end while the flow
 * lives on, else its last packet plus the timeout that ended it. */
void kf_record_times(const struct kf_flow *f, const struct kf_window *win, unsigned int close_type,
		     unsigned int timeout_s, __u64 *start_us, __u64 *end_us);

/* Formats f's record: the interval's counters, lifetime totals, and
 * close_type (5 while the flow lives on; timeout_s is the state timeout
 * that ended it otherwise). Marks the flow's is_new_flow record as sent. */
void kf_record_format(struct jsonw *w, struct kf_flow *f, const struct kf_window *win,
		      unsigned int close_type, unsigned int timeout_s);

#endif /* KF_RECORD_H */
