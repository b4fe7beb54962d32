/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* chbacklog.h - the batches a ClickHouse output has not delivered yet, oldest
 * first, bounded in bytes: a full backlog drops its oldest batches. Not
 * locked: the caller holds its lock. */
#ifndef KF_CHBACKLOG_H
#define KF_CHBACKLOG_H

#include <stddef.h>

/* One table's rows of one interval, as an INSERT body. */
struct kf_ch_batch {
	struct kf_ch_batch *next;
	int table; /* enum kf_sql_table_id */
	unsigned int rows;
	unsigned int records; /* l4_flow_log rows: the sink's records */
	unsigned int attempts; /* answered with an error so far */
	size_t len;
	char data[];
};

struct kf_ch_backlog {
	struct kf_ch_batch *head, *tail;
	size_t bytes; /* queued, and the batch being sent */
	size_t limit;
	unsigned long long dropped_batches, dropped_rows, dropped_records; /* since start */
};

/* A batch of len bytes of data, or NULL (no memory). */
struct kf_ch_batch *kf_chb_new(int table, size_t len);
/* Queues b at the end; while the backlog is over its limit the oldest
 * queued batches go, counted (b itself when nothing else is left). Returns
 * how many batches were dropped. */
unsigned int kf_chb_push(struct kf_ch_backlog *q, struct kf_ch_batch *b);
/* Takes the oldest batch out to send it; its bytes stay counted until
 * kf_chb_done() or kf_chb_requeue(). */
struct kf_ch_batch *kf_chb_take(struct kf_ch_backlog *q);
void kf_chb_done(struct kf_ch_backlog *q, struct kf_ch_batch *b);
/* A batch that failed goes back to the front, to be sent first. */
void kf_chb_requeue(struct kf_ch_backlog *q, struct kf_ch_batch *b);
/* Drops b (taken) for good, counted. */
void kf_chb_drop(struct kf_ch_backlog *q, struct kf_ch_batch *b);
void kf_chb_free(struct kf_ch_backlog *q);

#endif /* KF_CHBACKLOG_H */
