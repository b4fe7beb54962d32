// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kring.c - the kernel side of the stream: kf_events read in the agent's
 * loop (when the kernel wakes it, and on the hub's 10 ms timer), each event
 * given identity and published; kf_ev_lost summed each second and told to
 * every subscriber and the log.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "hub.h"
#include "log.h"
#include "tick.h"

static int on_event(void *ctx, void *data, size_t size)
{
	struct kf_hub *h = ctx;
	struct kf_sev_attrs a;

	if (size < sizeof(struct kf_event) ||
	    kf_kevent_format(data, &h->kctx, &h->w, &a) < 0) {
		h->st.bad_events++;
		return 0;
	}
	kf_hub_publish(h, &a, h->w.buf, h->w.len);
	return 0;
}

static __s64 mono_to_wall(void)
{
	struct timespec w, m;

	clock_gettime(CLOCK_REALTIME, &w);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((__s64)w.tv_sec - m.tv_sec) * 1000000000LL + (w.tv_nsec - m.tv_nsec);
}

int kf_kring_open(struct kf_hub *h, struct kf_core *c)
{
	int fd = bpf_map__fd(c->b.skel->maps.kf_events);

	h->kctx.id = c->o->no_identity ? NULL : &c->id;
	h->kctx.table = &c->table;
	h->kctx.mono_to_wall_ns = mono_to_wall();
	h->lost_fd = bpf_map__fd(c->b.skel->maps.kf_ev_lost);
	h->ncpus = c->b.ncpus;
	h->ring_size = c->b.ring_size;
	h->rb = ring_buffer__new(fd, on_event, h, NULL);
	if (!h->rb) {
		pr_warn("error: --stream: cannot read the kf_events ring buffer: %s\n",
			strerror(errno));
		return -errno;
	}
	/* Losses before this agent (a persisted one's) are not ours to tell. */
	kf_kring_losses(h);
	h->st.lost_kernel = 0;
	for (struct kf_sub *s = h->subs; s; s = s->next)
		memset(s->lost_kernel, 0, sizeof(s->lost_kernel));
	return 0;
}

void kf_kring_read(struct kf_hub *h)
{
	int n;

	if (!h->rb)
		return;
	n = ring_buffer__consume(h->rb);
	if (n < 0)
		pr_warn("stream: reading kf_events: %s\n", strerror(-n));
}

void kf_kring_losses(struct kf_hub *h)
{
	__u64 *vals = calloc(h->ncpus, sizeof(__u64)), delta[KF_EV_MAX] = {}, all = 0;

	if (!vals || h->lost_fd < 0) {
		free(vals);
		return;
	}
	h->kctx.mono_to_wall_ns = mono_to_wall();
	for (__u32 t = 0; t < KF_EV_MAX; t++) {
		__u64 sum = 0;

		if (bpf_map_lookup_elem(h->lost_fd, &t, vals))
			continue;
		for (int i = 0; i < h->ncpus; i++)
			sum += vals[i];
		delta[t] = sum - h->lost_seen[t];
		h->lost_seen[t] = sum;
		all += delta[t];
	}
	free(vals);
	if (!all)
		return;
	h->st.lost_kernel += all;
	pr_warn("stream: kf_events was full: %llu events lost (flow_start %llu, tcp_state %llu, "
		"tcp_event %llu); a larger --ring-size keeps them\n",
		(unsigned long long)all, (unsigned long long)delta[0],
		(unsigned long long)delta[1], (unsigned long long)delta[2]);
	for (struct kf_sub *s = h->subs; s; s = s->next)
		for (int t = 0; t < KF_EV_MAX; t++)
			s->lost_kernel[t] += delta[t];
}

void kf_kring_close(struct kf_hub *h)
{
	if (h->rb) {
		kf_kring_read(h);
		kf_kring_losses(h);
	}
	ring_buffer__free(h->rb);
	h->rb = NULL;
}
