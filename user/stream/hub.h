/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* hub.h - the stream's state, shared by its files (stream.c: subscribers
 * and publication; kring.c: the kernel ring buffer). */
#ifndef KF_STREAM_HUB_H
#define KF_STREAM_HUB_H

#include <bpf/libbpf.h>
#include "history.h"
#include "jsonw.h"
#include "kevent.h"
#include "stream.h"
#include "sub.h"

struct kf_hub {
	const struct kf_opts *o;
	int lfd; /* listening socket */
	int efd; /* the stream's own epoll set, itself in the agent's */
	int tfd; /* 10 ms: reads a quiet ring, deadlines, losses each second */
	struct ring_buffer *rb;
	int lost_fd; /* kf_ev_lost */
	int ncpus;
	unsigned int ring_size;
	__u64 lost_seen[KF_EV_MAX]; /* kf_ev_lost sums already told */
	__u64 last_second_ns;
	struct kf_kevent_ctx kctx;
	struct kf_history hist;
	struct kf_sub *subs;
	__u64 seq; /* last event published */
	struct kf_stream_stats st;
	struct jsonw w;
	char line[sizeof(((struct jsonw *)0)->buf) + 32];
};

/* Publishes one event (line '\n'-ended) to the history and every
 * subscriber it passes. */
void kf_hub_publish(struct kf_hub *h, const struct kf_sev_attrs *a, const char *line,
		    size_t len);

/* kring.c: reads what the ring holds; each second, the kernel's losses. */
int kf_kring_open(struct kf_hub *h, struct kf_core *c);
void kf_kring_read(struct kf_hub *h);
void kf_kring_losses(struct kf_hub *h);
void kf_kring_close(struct kf_hub *h);

__u64 kf_hub_mono_ns(void);
__u64 kf_hub_wall_us(void);

#endif /* KF_STREAM_HUB_H */
