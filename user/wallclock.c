// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* wallclock.c - the agent's readings of the wall and monotonic clocks. */
#include "wallclock.h"

__u64 kf_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The datapath turns receive stamps (wall clock) into packet times with
 * this offset, so its error moves every handshake RTT that straddles an
 * update: take it from the closest of three wall/monotonic/wall readings,
 * not from two that a preemption between them can put hundreds of
 * microseconds apart. */
__s64 kf_wall_minus_mono(__u64 *mono_out)
{
	__u64 best = ~0ULL, mono = 0;
	__s64 off = 0;

	for (int i = 0; i < 3; i++) {
		__u64 w1 = kf_clock_ns(CLOCK_REALTIME), m = kf_clock_ns(CLOCK_MONOTONIC);
		__u64 w2 = kf_clock_ns(CLOCK_REALTIME);

		if (w2 - w1 < best) {
			best = w2 - w1;
			mono = m;
			off = (__s64)(w1 + (w2 - w1) / 2 - m);
		}
	}
	if (mono_out)
		*mono_out = mono;
	return off;
}
