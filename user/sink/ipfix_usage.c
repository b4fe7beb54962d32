// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ipfix_usage.c - the usage table of an interval. Every transaction record
 * adds to two aggregates per table, so a lookup must stay cheap with
 * thousands of applications: linear probing over a power-of-two index kept
 * at most half full, grown by doubling. Entries stay dense and in insertion
 * order, so the flush walks them without touching the index.
 */
#include <stdlib.h>
#include <string.h>
#include "ipfix_usage.h"
#include "nfvalues.h"

#define USAGE_MIN_CAP 64
/* A table this big that an interval used less than an eighth of is given
 * back: memory follows recent intervals, not the busiest one ever. */
#define USAGE_KEEP_CAP 4096

static __u32 hash(__u32 ifindex, __u8 dir, __u32 app, __u8 ipver)
{
	__u64 k = ((__u64)ifindex << 32 | app) ^ ((__u64)(dir << 8 | ipver) << 48);

	/* Fibonacci hashing: the product's high half mixes every key bit. */
	return (k * 0x9e3779b97f4a7c15ULL) >> 32;
}

static __u32 *find_slot(__u32 *idx, __u32 slots, const struct kf_usage *ent, __u32 ifindex,
			__u8 dir, __u32 app, __u8 ipver)
{
	__u32 i = hash(ifindex, dir, app, ipver) & (slots - 1);

	for (;; i = (i + 1) & (slots - 1)) {
		const struct kf_usage *u;

		if (!idx[i])
			return &idx[i];
		u = &ent[idx[i] - 1];
		if (u->ifindex == ifindex && u->app == app && u->dir == dir && u->ipver == ipver)
			return &idx[i];
	}
}

static int grow(struct kf_usage_tab *t)
{
	__u32 cap = t->cap ? t->cap * 2 : USAGE_MIN_CAP;
	struct kf_usage *ent;
	__u32 *idx;

	if (cap > (1u << 30)) /* 2 * cap index slots must fit a __u32 */
		return -1;
	idx = calloc(2 * (size_t)cap, sizeof(*idx));
	if (!idx)
		return -1;
	ent = realloc(t->ent, cap * sizeof(*ent));
	if (!ent) {
		free(idx);
		return -1;
	}
	for (__u32 i = 0; i < t->n; i++) {
		const struct kf_usage *u = &ent[i];

		*find_slot(idx, 2 * cap, ent, u->ifindex, u->dir, u->app, u->ipver) = i + 1;
	}
	free(t->idx);
	t->idx = idx;
	t->ent = ent;
	t->cap = cap;
	return 0;
}

struct kf_usage *kf_usage_get(struct kf_usage_tab *t, __u32 ifindex, __u8 dir, __u32 app,
			      __u8 ipver)
{
	__u32 *slot = NULL;
	struct kf_usage *u;

	if (t->cap) {
		slot = find_slot(t->idx, 2 * t->cap, t->ent, ifindex, dir, app, ipver);
		if (*slot)
			return &t->ent[*slot - 1];
	}
	if (t->n == t->cap) {
		if (grow(t))
			return NULL;
		/* A new index: the slot found in the old one is gone. */
		slot = find_slot(t->idx, 2 * t->cap, t->ent, ifindex, dir, app, ipver);
	}
	u = &t->ent[t->n];
	memset(u, 0, sizeof(*u));
	u->ifindex = ifindex;
	u->dir = dir;
	u->app = app;
	u->ipver = ipver;
	*slot = ++t->n;
	return u;
}

static unsigned int add_dir(struct kf_usage_tab *usage, struct kf_usage_tab *global,
			    const struct flow_key *k, __u32 app, int dir, const struct flow_dir *d,
			    bool is_new, __u64 duration_s)
{
	struct kf_usage *u[2] = {
		kf_usage_get(usage, k->ifindex, dir, app, k->family),
		kf_usage_get(global, k->ifindex, dir, 0, k->family),
	};
	unsigned int dropped = 0;

	for (int i = 0; i < 2; i++) {
		if (!u[i]) {
			dropped++;
			continue;
		}
		u[i]->octets += d->bytes;
		u[i]->packets += d->packets;
		if (!dir) { /* connections are the client's */
			u[i]->new_conns += is_new;
			u[i]->duration_s += duration_s;
		}
	}
	return dropped;
}

unsigned int kf_usage_add(struct kf_usage_tab *usage, struct kf_usage_tab *global,
			  const struct kf_rec *r)
{
	const struct kf_flow *f = r->f;
	const struct flow_life *l = &f->life;
	int c = l->client & 1, s = !c;
	__u32 app = kf_nf_app_id(f);

	if (!f->key.family)
		return 0; /* the overflow record has no flow */
	return add_dir(usage, global, &f->key, app, 0, &f->iv.dir[c], r->is_new,
		       (l->last_ns - l->first_ns) / 1000000000ULL) +
	       add_dir(usage, global, &f->key, app, 1, &f->iv.dir[s], false, 0);
}

void kf_usage_reset(struct kf_usage_tab *t)
{
	if (t->cap > USAGE_KEEP_CAP && t->n < t->cap / 8) {
		kf_usage_free(t);
		return;
	}
	if (t->cap)
		memset(t->idx, 0, 2 * (size_t)t->cap * sizeof(*t->idx));
	t->n = 0;
}

void kf_usage_free(struct kf_usage_tab *t)
{
	free(t->ent);
	free(t->idx);
	memset(t, 0, sizeof(*t));
}
