// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ipfix_reach.c - the log of a collector's reachability. A collector that
 * stays down is one line, not one per retry; one that comes and goes is a
 * few lines a minute and a count, so the log still says how it ends and how
 * many messages it cost.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "ipfix_reach.h"
#include "log.h"

void kf_reach_init(struct kf_reach *r, const char *name, const char *retry,
		   enum kf_reach_state state)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->retry = retry;
	r->state = state;
}

static bool may_log(struct kf_reach *r, __u64 now_s)
{
	if (!r->lines || now_s >= r->window_s + KF_REACH_WINDOW_S) {
		r->window_s = now_s;
		r->lines = 0;
	}
	if (r->lines == KF_REACH_BURST)
		return false;
	r->lines++;
	return true;
}

static void say(struct kf_reach *r, bool at_exit)
{
	bool down = r->state == KF_REACH_DOWN;
	char extra[160] = "";
	int n = 0;

	if (r->lost)
		n = snprintf(extra, sizeof(extra), "; %llu messages lost while it was away",
			     r->lost);
	if (r->unlogged)
		snprintf(extra + n, sizeof(extra) - n,
			 " (state changes not logged since the previous line: %u)", r->unlogged);
	if (down)
		pr_warn("ipfix %s: %s (%s); %s%s\n", r->name, r->what, r->cause,
			at_exit ? "still down at exit" : r->retry, extra);
	else
		kf_log(r->lost ? KF_LOG_WARN : KF_LOG_INFO, "ipfix %s: %s%s\n", r->name,
		       r->what ? r->what : "not tried", extra);
	r->lost = 0;
	r->unlogged = 0;
}

void kf_reach_set(struct kf_reach *r, enum kf_reach_state state, const char *what, int err,
		  __u64 now_s)
{
	if (state == r->state)
		return;
	r->state = state;
	r->what = what;
	snprintf(r->cause, sizeof(r->cause), "%s", err ? strerror(err) : "");
	if (may_log(r, now_s))
		say(r, false);
	else
		r->unlogged++;
}

void kf_reach_tick(struct kf_reach *r, __u64 now_s)
{
	if (r->unlogged && may_log(r, now_s))
		say(r, false);
}

void kf_reach_final(struct kf_reach *r)
{
	if (r->unlogged || r->lost)
		say(r, true);
}
