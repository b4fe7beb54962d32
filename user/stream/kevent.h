/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* kevent.h - a kernel flow event (struct kf_event) as the stream's JSON
 * line, with the field names of the flow records and the identity of each
 * local end. */
#ifndef KF_STREAM_KEVENT_H
#define KF_STREAM_KEVENT_H

#include "event.h"
#include "flowtable.h"
#include "identity.h"
#include "jsonw.h"

struct kf_kevent_ctx {
	struct kf_identity *id; /* NULL: no identity fields */
	struct kf_table *table; /* the agent's flows: lifetime flags for close_type */
	__s64 mono_to_wall_ns;
};

/* Formats e into w and fills a; returns the kf_sev_type, or -EINVAL for an
 * event this agent does not know (counted by the caller). */
int kf_kevent_format(const struct kf_event *e, const struct kf_kevent_ctx *ctx, struct jsonw *w,
		     struct kf_sev_attrs *a);

#endif /* KF_STREAM_KEVENT_H */
