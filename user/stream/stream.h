/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * stream.h - `kflow run --stream PATH`: flow events for sidecars on a unix
 * socket, as newline-delimited JSON. A sink (records and flow ends come as
 * every sink's do) that also reads the kernel's kf_events ring buffer in the
 * agent's loop. The README's "Streaming flow events" section is the
 * protocol.
 */
#ifndef KF_STREAM_H
#define KF_STREAM_H

#include "sink.h"

#define KF_STREAM_PROTOCOL 1

struct kf_core;

/* Counters for the log and the metrics endpoint. */
struct kf_stream_stats {
	unsigned long long subscribers; /* connected now */
	unsigned long long connections; /* accepted since start */
	unsigned long long published; /* events published (kernel events, records, flow ends) */
	unsigned long long lost_kernel; /* kernel events kf_events had no room for */
	unsigned long long lost_subscriber; /* events dropped for full subscriber buffers */
	unsigned long long bad_events; /* ring records this agent could not read */
};

extern const struct kf_sink_ops kf_sink_stream;

/* The stream sink among ss, or NULL. */
struct kf_sink *kf_stream_find(struct kf_sinks *ss);

/* After the programs are loaded: reads kf_events and kf_ev_lost of c->b,
 * adds identity from c->id. 0 or a negative errno after a message. */
int kf_stream_start(struct kf_sink *s, struct kf_core *c);

/* An fd for the agent's epoll loop; call kf_stream_dispatch() when it is
 * readable. It never blocks. */
int kf_stream_fd(const struct kf_sink *s);
void kf_stream_dispatch(struct kf_sink *s);

void kf_stream_stats(const struct kf_sink *s, struct kf_stream_stats *st);

#endif /* KF_STREAM_H */
