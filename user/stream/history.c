// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* history.c - a ring of the last events published. */
#include <errno.h>
#include <stdlib.h>
#include "history.h"

int kf_history_init(struct kf_history *h, unsigned int cap)
{
	h->ring = cap ? calloc(cap, sizeof(*h->ring)) : NULL;
	if (cap && !h->ring)
		return -ENOMEM;
	h->cap = cap;
	h->n = 0;
	h->head = 0;
	return 0;
}

void kf_history_free(struct kf_history *h)
{
	for (unsigned int i = 0; i < h->n; i++)
		free(kf_history_at(h, i));
	free(h->ring);
	h->ring = NULL;
	h->n = 0;
}

void kf_history_add(struct kf_history *h, struct kf_sev *e)
{
	if (!h->cap) {
		free(e);
		return;
	}
	if (h->n == h->cap)
		free(h->ring[h->head]);
	else
		h->n++;
	h->ring[h->head] = e;
	h->head = (h->head + 1) % h->cap;
}

struct kf_sev *kf_history_at(const struct kf_history *h, unsigned int i)
{
	return h->ring[(h->head + h->cap - h->n + i) % h->cap];
}
