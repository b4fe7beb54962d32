/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ipfix_reach.h - whether an IPFIX output's collector can be reached. Each
 * change is one log line naming the output and the cause, but a collector
 * that flaps cannot flood the log: at most KF_REACH_BURST lines per output
 * in KF_REACH_WINDOW_S seconds; changes beyond are counted, and the count
 * is logged with the state once the window allows it (or at exit). */
#ifndef KF_IPFIX_REACH_H
#define KF_IPFIX_REACH_H

#include <linux/types.h>

#define KF_REACH_WINDOW_S 60
#define KF_REACH_BURST 3 /* an outage and its end, plus one */

enum kf_reach_state {
	KF_REACH_UNKNOWN, /* not tried yet */
	KF_REACH_UP,
	KF_REACH_DOWN,
};

struct kf_reach {
	const char *name; /* the output, e.g. "tcp://127.0.0.1:4741"; outlives this */
	const char *retry; /* what the agent does while down */
	enum kf_reach_state state;
	const char *what; /* the state in words: "connected", "connection lost" */
	char cause[64]; /* why it is down */
	__u64 window_s; /* start of the rate-limit window, monotonic */
	unsigned int lines; /* lines logged in that window */
	unsigned int unlogged; /* changes since the last line that it does not show */
	unsigned long long lost; /* messages lost while down, since the last line */
};

void kf_reach_init(struct kf_reach *r, const char *name, const char *retry,
		   enum kf_reach_state state);
/* A change of state (nothing if it is the current one); err: a positive
 * errno, the cause of a down; now_s: monotonic seconds. */
void kf_reach_set(struct kf_reach *r, enum kf_reach_state state, const char *what, int err,
		  __u64 now_s);
/* Once per interval: the changes held back, once the window allows. */
void kf_reach_tick(struct kf_reach *r, __u64 now_s);
/* At exit: what the log does not show yet. */
void kf_reach_final(struct kf_reach *r);

#endif /* KF_IPFIX_REACH_H */
