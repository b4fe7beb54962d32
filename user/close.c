// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * close.c - flow end from the lifetime TCP flags of each side.
 *
 * This reads the flag sets the kernel ORs per direction; it is the coarse
 * form of the reference's TCP state machine (section 3), deciding the same
 * close_type for the common endings: both FINs (1), one FIN (8, 11), RST by
 * server (2) or client (9), server RST to a SYN (15), SYN never answered (7),
 * SYN-ACK never completed (10), silent established flow (3). Non-TCP flows
 * end as 1. The timeouts are the reference's conntrack defaults.
 */
#include <netinet/in.h>
#include "close.h"

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_ACK 0x10

struct sides {
	__u16 c, s; /* lifetime flags of client and server */
	__u64 cp, sp; /* packets of client and server */
	bool synack; /* the server sent a SYN-ACK */
};

static struct sides sides_of(const struct kf_flow *f)
{
	const struct flow_life *l = &f->life;
	int c = l->client, s = !l->client;

	return (struct sides){
		.c = l->life_flags[c],
		.s = l->life_flags[s],
		.cp = l->total_packets[c],
		.sp = l->total_packets[s],
		.synack = l->synack[s] > 0,
	};
}

unsigned int kf_flow_timeout(const struct kf_flow *f, const struct kf_opts *o)
{
	struct sides x;

	if (f->key.proto == IPPROTO_UDP)
		return o->timeouts[KF_TO_UDP];
	if (f->key.proto != IPPROTO_TCP) {
		bool both = f->life.total_packets[0] && f->life.total_packets[1];

		return both ? o->timeouts[KF_TO_OTHER] : o->timeouts[KF_TO_OPENING];
	}
	x = sides_of(f);
	if (!x.cp || !x.sp)
		return o->timeouts[KF_TO_SINGLE_DIRECTION];
	if ((x.c | x.s) & F_RST)
		return x.synack ? o->timeouts[KF_TO_ESTABLISHED_RST] : o->timeouts[KF_TO_CLOSING];
	if ((x.c & F_FIN) && (x.s & F_FIN))
		return o->timeouts[KF_TO_CLOSED_FIN];
	if ((x.c | x.s) & F_FIN)
		return o->timeouts[KF_TO_CLOSING];
	if ((x.c & F_SYN) && !(x.c & F_ACK))
		return o->timeouts[KF_TO_OPENING]; /* handshake never completed */
	return o->timeouts[KF_TO_ESTABLISHED];
}

unsigned int kf_close_type(const struct kf_flow *f)
{
	struct sides x;

	if (f->key.proto != IPPROTO_TCP)
		return 1;
	x = sides_of(f);
	if (x.s & F_RST)
		return x.synack ? 2 : 15;
	if (x.c & F_RST)
		return x.synack && (x.c & F_ACK) ? 9 : 18;
	if ((x.c & F_FIN) && (x.s & F_FIN))
		return 1;
	if (x.c & F_FIN)
		return 8;
	if (x.s & F_FIN)
		return 11;
	if ((x.c & F_SYN) && !x.sp)
		return 7;
	if (x.synack && !(x.c & F_ACK))
		return 10;
	return 3;
}

unsigned int kf_status(unsigned int ct, __u8 proto)
{
	switch (ct) {
	case 1:
	case 5:
	case 8:
	case 11:
	case 20:
		return 0;
	case 9:
	case 10:
	case 13:
	case 18:
		return 4;
	case 3:
		return proto == IPPROTO_TCP ? 3 : 0;
	case 2:
	case 7:
	case 15:
	case 17:
	case 19:
		return proto == IPPROTO_TCP ? 3 : 2;
	default:
		return 2;
	}
}
