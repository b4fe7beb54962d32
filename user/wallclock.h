/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* wallclock.h - the agent's readings of the wall and monotonic clocks. */
#ifndef KF_WALLCLOCK_H
#define KF_WALLCLOCK_H

#include <time.h>
#include <linux/types.h>

/* One reading of clock id in nanoseconds. */
__u64 kf_clock_ns(clockid_t id);

/* Wall minus monotonic clock in nanoseconds; *mono_out (if given) gets the
 * monotonic reading it was taken at. */
__s64 kf_wall_minus_mono(__u64 *mono_out);

#endif /* KF_WALLCLOCK_H */
