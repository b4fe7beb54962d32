/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* record.h - one l4_flow_log record of one flow for one interval. */
#ifndef KF_RECORD_H
#define KF_RECORD_H

#include <stdbool.h>
#include "flowtable.h"
#include "identity.h"
#include "jsonw.h"

struct kf_window {
	__s64 mono_to_wall_ns; /* wall clock = monotonic + this */
	__u64 start_us; /* interval start, wall clock */
	__u64 end_us; /* interval end (this drain), wall clock */
	const struct kf_identity *id; /* NULL: no identity fields */
};

/* One flow's record for one interval, built once at the interval's end and
 * read by every sink; no sink changes it. */
struct kf_rec {
	const struct kf_flow *f;
	const struct kf_window *win;
	unsigned int close_type; /* 5 (forced report) while the flow lives on */
	unsigned int timeout_s; /* the state timeout that ended it, else 0 */
	bool is_new; /* the flow's first record (is_new_flow) */
	bool last; /* the flow's last record: it ended */
	__u64 start_us, end_us; /* start_time, end_time (us, wall clock) */
	__u64 now_s; /* the interval's end (s, wall clock) */
	const char *json; /* the l4_flow_log JSON line, '\n'-ended, when a sink wants it */
	size_t json_len;
};

/* start_time and end_time of f's record (us, wall clock): the first packet
 * for a new flow, else the window start; the window end while the flow
 * lives on, else its last packet plus the timeout that ended it. */
void kf_record_times(const struct kf_flow *f, const struct kf_window *win, unsigned int close_type,
		     unsigned int timeout_s, __u64 *start_us, __u64 *end_us);

/* Fills r for f (json left empty). */
void kf_rec_init(struct kf_rec *r, const struct kf_flow *f, const struct kf_window *win,
		 unsigned int close_type, unsigned int timeout_s);

/* How a record's fields are written: the JSON line, a database row. Names
 * are the l4_flow_log field names; ctx is the writer's. */
struct kf_fields {
	void (*u64)(void *ctx, const char *name, __u64 v);
	void (*f64)(void *ctx, const char *name, double v);
	void (*str)(void *ctx, const char *name, const char *s);
	/* ip_0/ip_1: family 4 or 6, the address in network order */
	void (*addr)(void *ctx, const char *name, int family, const __u8 *a);
	void (*mac)(void *ctx, const char *name, const __u8 *mac); /* mac_0/mac_1, 6 bytes */
};

/* Hands every field of r to F, in the JSON line's order. */
void kf_record_fields(const struct kf_rec *r, const struct kf_fields *F, void *ctx);

/* Formats r's JSON line into w: the interval's counters, lifetime totals,
 * close_type, identity when the window has it. */
void kf_record_format(struct jsonw *w, const struct kf_rec *r);

/* The identity fields of one end (process_id_<n>, pod_<n>, ...). */
void kf_record_identity(struct jsonw *w, const struct kf_identity *id, const struct kf_side_id *s,
			const char *n);

#endif /* KF_RECORD_H */
