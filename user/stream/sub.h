/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sub.h - one subscriber: its socket (non-blocking), its filter, and a
 * bounded buffer of whole lines. An event that does not fit is dropped and
 * counted; the subscriber is told how many once it reads again, in a
 * `lost` line for which room is always kept. Nothing here ever waits.
 */
#ifndef KF_STREAM_SUB_H
#define KF_STREAM_SUB_H

#include <stdbool.h>
#include <sys/types.h>
#include "filter.h"
#include "kflow.h"

#define KF_SUB_LINE_MAX 4096 /* a subscribe line longer than this is refused */
#define KF_SUB_CTL_ROOM 512 /* kept free for lost, hello and error lines */

enum kf_sub_state {
	KF_SUB_WAIT, /* connected, its subscribe line not read yet */
	KF_SUB_FOLLOW, /* receiving events */
	KF_SUB_DONE, /* flushing its last lines, then closed */
};

struct kf_sub {
	int fd;
	pid_t pid;
	uid_t uid;
	enum kf_sub_state state;
	__u64 connect_ns; /* monotonic */
	__u64 connect_seq; /* the last event published before it connected */
	struct kf_filter f;
	char in[KF_SUB_LINE_MAX];
	size_t in_len;
	char *buf;
	size_t cap, off, len; /* queued bytes are buf[off, len) */
	bool want_out; /* EPOLLOUT armed */
	__u64 lost_sub; /* events dropped for its full buffer, not yet told */
	__u64 lost_kernel[KF_EV_MAX]; /* kernel losses, not yet told */
	__u64 last_lost_ns; /* when it was last told */
	__u64 delivered, dropped; /* totals, for the log */
	struct kf_sub *next;
};

struct kf_sub *kf_sub_new(int fd, size_t cap, __u64 now_ns, __u64 seq);
void kf_sub_free(struct kf_sub *s);

/* Queues an event line; false (and counted) when it does not fit. */
bool kf_sub_queue(struct kf_sub *s, const char *line, size_t len);
/* Queues a control line (hello, error, lost) into the kept room. */
bool kf_sub_queue_ctl(struct kf_sub *s, const char *line, size_t len);

/* Writes what it can: 0, 1 when bytes stay queued (wait for EPOLLOUT), or
 * a negative errno when the subscriber is gone. */
int kf_sub_flush(struct kf_sub *s);

/* At most once a second, queues one `lost` line for what it was not told. */
void kf_sub_tell_lost(struct kf_sub *s, __u64 now_ns, __u64 wall_us);

#endif /* KF_STREAM_SUB_H */
