/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* orient.h - which side of a flow is the client, and how sure we are. */
#ifndef KF_ORIENT_H
#define KF_ORIENT_H

#include "flowtable.h"
#include "opts.h"

/* direction_score values (see README "Client and server"). */
#define KF_SCORE_SYNACK 255 /* the server sent a SYN-ACK: certain */
#define KF_SCORE_SERVER_PORT 253 /* --server-ports or a listening socket here */
#define KF_SCORE_SYN 2 /* the client sent a SYN, no SYN-ACK seen yet */
#define KF_SCORE_EPHEMERAL 1 /* exactly one port is ephemeral (>= 32768) */
#define KF_SCORE_FIRST_PACKET 0 /* the first packet's sender is the client */

struct kf_listeners {
	unsigned char tcp[65536 / 8];
	unsigned char udp[65536 / 8];
};

/* Reads the listening TCP and bound UDP ports of this network namespace
 * from /proc/net/{tcp,tcp6,udp,udp6}. */
void kf_listeners_load(struct kf_listeners *l);

/* Sets life.client and life.direction_score. A decision from a SYN-ACK is
 * final; weaker ones are revisited as packets arrive. */
void kf_orient(struct kf_flow *f, const struct kf_opts *o, const struct kf_listeners *l);

#endif /* KF_ORIENT_H */
