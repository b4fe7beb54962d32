// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* flowtable.c - chained hash table of flows (FNV-1a over the key), doubled
 * when it holds more flows than buckets; and the stats merge rules. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "flowtable.h"

static size_t key_hash(const struct flow_key *k)
{
	const unsigned char *p = (const void *)k;
	__u64 h = 1469598103934665603ULL;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 32));
}

int kf_table_init(struct kf_table *t)
{
	t->nbuckets = 1024;
	t->count = 0;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	return t->buckets ? 0 : -ENOMEM;
}

void kf_table_free(struct kf_table *t)
{
	for (size_t i = 0; t->buckets && i < t->nbuckets; i++) {
		struct kf_flow *f = t->buckets[i], *n;

		for (; f; f = n) {
			n = f->next;
			free(f);
		}
	}
	free(t->buckets);
	t->buckets = NULL;
	t->count = 0;
}

static void grow(struct kf_table *t)
{
	size_t nb = t->nbuckets * 2;
	struct kf_flow **b = calloc(nb, sizeof(*b));

	if (!b)
		return; /* keep working with longer chains */
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct kf_flow *f = t->buckets[i], *n;

		for (; f; f = n) {
			size_t h = key_hash(&f->key) & (nb - 1);

			n = f->next;
			f->next = b[h];
			b[h] = f;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->nbuckets = nb;
}

struct kf_flow *kf_table_find(struct kf_table *t, const struct flow_key *key)
{
	struct kf_flow *f = t->buckets[key_hash(key) & (t->nbuckets - 1)];

	for (; f; f = f->next)
		if (!memcmp(&f->key, key, sizeof(*key)))
			return f;
	return NULL;
}

struct kf_flow *kf_table_get(struct kf_table *t, const struct flow_key *key, bool *added)
{
	struct kf_flow *f = kf_table_find(t, key);
	size_t h;

	*added = false;
	if (f)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->key = *key;
	h = key_hash(key) & (t->nbuckets - 1);
	f->next = t->buckets[h];
	t->buckets[h] = f;
	t->count++;
	*added = true;
	if (t->count > t->nbuckets)
		grow(t);
	return f;
}

void kf_table_walk(struct kf_table *t, bool (*fn)(struct kf_flow *f, void *arg), void *arg)
{
	for (size_t i = 0; i < t->nbuckets; i++) {
		struct kf_flow **pp = &t->buckets[i];

		while (*pp) {
			struct kf_flow *f = *pp;

			if (fn(f, arg)) {
				*pp = f->next;
				free(f);
				t->count--;
			} else {
				pp = &f->next;
			}
		}
	}
}

static void dir_add(struct flow_dir *to, const struct flow_dir *from)
{
	if (!from->packets)
		return;
	if (!to->packets || from->first_ns < to->first_ns) {
		to->first_ns = from->first_ns;
		memcpy(to->mac, from->mac, sizeof(to->mac));
	}
	if (from->last_ns > to->last_ns)
		to->last_ns = from->last_ns;
	to->bytes += from->bytes;
	to->l3_bytes += from->l3_bytes;
	to->l4_bytes += from->l4_bytes;
	to->packets += from->packets;
	to->syn += from->syn;
	to->synack += from->synack;
	to->fin += from->fin;
	to->rst += from->rst;
	to->tcp_flags |= from->tcp_flags;
	to->retrans += from->retrans;
	to->ooo += from->ooo;
	to->zero_win += from->zero_win;
}

static void delay_add(struct kf_delay *to, const struct kf_delay *from)
{
	to->sum += from->sum;
	to->count += from->count;
	if (from->max > to->max)
		to->max = from->max;
}

static __u32 max_u32(__u32 a, __u32 b)
{
	return a > b ? a : b;
}

static __u64 stats_first_ns(const struct flow_stats *s)
{
	__u64 a = s->dir[0].packets ? s->dir[0].first_ns : 0;
	__u64 b = s->dir[1].packets ? s->dir[1].first_ns : 0;

	if (!a || (b && b < a))
		return b;
	return a;
}

/* Merges src into dst; the first-packet fields follow the earlier side. */
static void stats_add(struct flow_stats *dst, const struct flow_stats *src)
{
	__u64 d0 = stats_first_ns(dst), s0 = stats_first_ns(src);

	if (s0 && (!d0 || s0 < d0)) {
		dst->first_ipid = src->first_ipid;
		dst->first_dir = src->first_dir;
		dst->eth_vlans = src->eth_vlans;
	}
	dir_add(&dst->dir[0], &src->dir[0]);
	dir_add(&dst->dir[1], &src->dir[1]);
	for (int d = 0; d < 2; d++) {
		delay_add(&dst->srt[d], &src->srt[d]);
		delay_add(&dst->art[d], &src->art[d]);
	}
	delay_add(&dst->cit, &src->cit);
	dst->rtt = max_u32(dst->rtt, src->rtt);
	dst->rtt_client = max_u32(dst->rtt_client, src->rtt_client);
	dst->rtt_server = max_u32(dst->rtt_server, src->rtt_server);
}

void kf_stats_sum_cpus(const void *slots, int ncpus, size_t stride, struct flow_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (int c = 0; c < ncpus; c++)
		stats_add(out, (const void *)((const char *)slots + c * stride));
}

void kf_flow_add(struct kf_flow *f, const struct flow_stats *s)
{
	struct flow_life *l = &f->life;
	__u64 first = stats_first_ns(s);

	if (!first)
		return;
	stats_add(&f->iv, s);
	f->in_interval = true;
	if (f->life_has_iv)
		return;
	if (!l->first_ns || first < l->first_ns) {
		l->first_ns = first;
		l->first_ipid = s->first_ipid;
		l->first_dir = s->first_dir;
	}
	for (int d = 0; d < 2; d++) {
		const struct flow_dir *sd = &s->dir[d];

		if (!sd->packets)
			continue;
		if (sd->last_ns > l->last_ns)
			l->last_ns = sd->last_ns;
		if (!l->total_packets[d])
			memcpy(l->mac[d], sd->mac, sizeof(l->mac[d]));
		l->total_bytes[d] += sd->bytes;
		l->total_packets[d] += sd->packets;
		l->life_flags[d] |= sd->tcp_flags;
		l->syn[d] += sd->syn;
		l->synack[d] += sd->synack;
	}
}
