// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sub.c - a subscriber's bounded line buffer and its non-blocking writes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "sub.h"

static const char *const kernel_names[KF_EV_MAX] = { "flow_start", "tcp_state", "tcp_event" };

struct kf_sub *kf_sub_new(int fd, size_t cap, __u64 now_ns, __u64 seq)
{
	struct kf_sub *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->buf = malloc(cap);
	if (!s->buf) {
		free(s);
		return NULL;
	}
	s->fd = fd;
	s->cap = cap;
	s->connect_ns = now_ns;
	s->connect_seq = seq;
	kf_filter_default(&s->f);
	return s;
}

void kf_sub_free(struct kf_sub *s)
{
	char drop[4096];

	if (!s)
		return;
	/* Unread input would make the close a reset, which can cost the
	 * subscriber the lines still queued to it (an error line). */
	for (int i = 0; s->fd >= 0 && i < 16; i++)
		if (recv(s->fd, drop, sizeof(drop), MSG_DONTWAIT) <= 0)
			break;
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
	free(s);
}

static bool append(struct kf_sub *s, const char *line, size_t len, size_t limit)
{
	if (s->len + len > limit && s->off) {
		memmove(s->buf, s->buf + s->off, s->len - s->off);
		s->len -= s->off;
		s->off = 0;
	}
	if (s->len + len > limit)
		return false;
	memcpy(s->buf + s->len, line, len);
	s->len += len;
	return true;
}

bool kf_sub_queue(struct kf_sub *s, const char *line, size_t len)
{
	if (s->state == KF_SUB_DONE)
		return false;
	/* Full: what the socket takes now makes room (a burst, such as an
	 * interval's records, need not wait for the loop to come round). */
	if (append(s, line, len, s->cap - KF_SUB_CTL_ROOM) ||
	    (kf_sub_flush(s) >= 0 && append(s, line, len, s->cap - KF_SUB_CTL_ROOM))) {
		s->delivered++;
		return true;
	}
	s->lost_sub++;
	s->dropped++;
	return false;
}

bool kf_sub_queue_ctl(struct kf_sub *s, const char *line, size_t len)
{
	return append(s, line, len, s->cap);
}

int kf_sub_flush(struct kf_sub *s)
{
	while (s->off < s->len) {
		ssize_t n = send(s->fd, s->buf + s->off, s->len - s->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		if (n < 0)
			return -errno;
		s->off += n;
	}
	s->off = s->len = 0;
	return 0;
}

void kf_sub_tell_lost(struct kf_sub *s, __u64 now_ns, __u64 wall_us)
{
	char line[KF_SUB_CTL_ROOM];
	__u64 kernel = 0;
	int n;

	if (s->last_lost_ns && now_ns - s->last_lost_ns < 1000000000ULL)
		return;
	for (int t = 0; t < KF_EV_MAX; t++)
		kernel += s->lost_kernel[t];
	/* Kernel losses first; the subscriber's own the next second. */
	if (kernel) {
		n = snprintf(line, sizeof(line),
			     "{\"event\":\"lost\",\"source\":\"kernel\",\"count\":%llu,\"time\":%llu",
			     (unsigned long long)kernel, (unsigned long long)wall_us);
		for (int t = 0; t < KF_EV_MAX; t++)
			n += snprintf(line + n, sizeof(line) - n, ",\"%s\":%llu", kernel_names[t],
				      (unsigned long long)s->lost_kernel[t]);
		n += snprintf(line + n, sizeof(line) - n, "}\n");
		if (kf_sub_queue_ctl(s, line, n)) {
			memset(s->lost_kernel, 0, sizeof(s->lost_kernel));
			s->last_lost_ns = now_ns;
		}
		return;
	}
	if (!s->lost_sub)
		return;
	n = snprintf(line, sizeof(line),
		     "{\"event\":\"lost\",\"source\":\"subscriber\",\"count\":%llu,\"time\":%llu}\n",
		     (unsigned long long)s->lost_sub, (unsigned long long)wall_us);
	if (kf_sub_queue_ctl(s, line, n)) {
		s->lost_sub = 0;
		s->last_lost_ns = now_ns;
	}
}
