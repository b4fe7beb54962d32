// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * commit.c - why a killed agent loses nothing. The end of an interval runs
 * in steps, and kf_commit (pinned) says which step was reached:
 *   1. PENDING stored: the interval's start, the map to retire and the
 *      next flow id are fixed before anything else.
 *   2. The map is swapped out; the window's end, on both clocks, is
 *      stamped after the swap (every packet in the map is older) and stored
 *      with PENDING. The map is read without deleting anything; records
 *      are written (flow ids handed out in a fixed order, so a repeat gives
 *      the same ids); outputs are flushed.
 *   3. RECORDED stored; kf_life is stored, each entry marked with the
 *      epoch's parity; ended flows leave kf_life and kf_l4.
 *   4. IDLE stored (committed); the retired map is cleared.
 * An agent that starts on pins left in PENDING repeats step 2 with the same
 * window and the same lifetime state, so the records it writes again are
 * the ones already written (consumers drop duplicates by flow_id and
 * start_time); in RECORDED it writes no records and adds the retired map
 * to the kf_life entries that do not carry the epoch's parity yet; in IDLE
 * it clears the retired map.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "commit.h"
#include "log.h"

int kf_commit_load(int fd, struct kf_commit *c)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, c)) {
		pr_warn("cannot read kf_commit: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

int kf_commit_store(int fd, const struct kf_commit *c)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(fd, &zero, c, BPF_ANY)) {
		pr_warn("cannot store kf_commit (%s): a crash now may lose or repeat this "
			"interval: %s\n",
			kf_commit_phase_name(c->phase), strerror(errno));
		return -errno;
	}
	return 0;
}

const char *kf_commit_phase_name(__u32 phase)
{
	switch (phase) {
	case KF_COMMIT_IDLE:
		return "idle";
	case KF_COMMIT_PENDING:
		return "pending";
	case KF_COMMIT_RECORDED:
		return "recorded";
	default:
		return "unknown";
	}
}

void kf_crash_point(const char *step)
{
	static unsigned int seen;
	const char *at = getenv("KFLOW_CRASH_AT"), *colon;
	unsigned long n = 1;

	if (!at)
		return;
	colon = strchr(at, ':');
	if (strncmp(at, step, colon ? (size_t)(colon - at) : strlen(at)) ||
	    strlen(step) != (colon ? (size_t)(colon - at) : strlen(at)))
		return;
	if (colon)
		n = strtoul(colon + 1, NULL, 10);
	if (++seen >= n) {
		pr_warn("KFLOW_CRASH_AT=%s: killing myself at step %s\n", at, step);
		raise(SIGKILL);
	}
}

void kf_swap_delay(void)
{
	const char *ms = getenv("KFLOW_SWAP_DELAY_MS");
	struct timespec ts;
	unsigned long n;

	if (!ms)
		return;
	n = strtoul(ms, NULL, 10);
	ts.tv_sec = n / 1000;
	ts.tv_nsec = (long)(n % 1000) * 1000000;
	nanosleep(&ts, NULL);
}
