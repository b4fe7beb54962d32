// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* chbacklog.c - the bounded FIFO of undelivered ClickHouse batches. */
#include <stdlib.h>
#include "chbacklog.h"

struct kf_ch_batch *kf_chb_new(int table, size_t len)
{
	struct kf_ch_batch *b = malloc(sizeof(*b) + len);

	if (!b)
		return NULL;
	b->next = NULL;
	b->table = table;
	b->rows = 0;
	b->records = 0;
	b->attempts = 0;
	b->len = len;
	return b;
}

void kf_chb_drop(struct kf_ch_backlog *q, struct kf_ch_batch *b)
{
	q->bytes -= b->len;
	q->dropped_batches++;
	q->dropped_rows += b->rows;
	q->dropped_records += b->records;
	free(b);
}

unsigned int kf_chb_push(struct kf_ch_backlog *q, struct kf_ch_batch *b)
{
	unsigned int dropped = 0;

	q->bytes += b->len;
	while (q->bytes > q->limit && q->head) {
		struct kf_ch_batch *old = q->head;

		q->head = old->next;
		if (!q->head)
			q->tail = NULL;
		kf_chb_drop(q, old);
		dropped++;
	}
	if (q->bytes > q->limit) { /* alone bigger than the room the sender leaves */
		kf_chb_drop(q, b);
		return dropped + 1;
	}
	b->next = NULL;
	if (q->tail)
		q->tail->next = b;
	else
		q->head = b;
	q->tail = b;
	return dropped;
}

struct kf_ch_batch *kf_chb_take(struct kf_ch_backlog *q)
{
	struct kf_ch_batch *b = q->head;

	if (!b)
		return NULL;
	q->head = b->next;
	if (!q->head)
		q->tail = NULL;
	b->next = NULL;
	return b;
}

void kf_chb_done(struct kf_ch_backlog *q, struct kf_ch_batch *b)
{
	q->bytes -= b->len;
	free(b);
}

void kf_chb_requeue(struct kf_ch_backlog *q, struct kf_ch_batch *b)
{
	b->next = q->head;
	q->head = b;
	if (!q->tail)
		q->tail = b;
}

void kf_chb_free(struct kf_ch_backlog *q)
{
	while (q->head) {
		struct kf_ch_batch *b = q->head;

		q->head = b->next;
		free(b);
	}
	q->tail = NULL;
	q->bytes = 0;
}
