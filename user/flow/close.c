// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * close.c - flow end. TCP flows end by the state the kernel's state machine
 * (bpf/l4perf.bpf.h, reference section 3) left them in: its timeout, then
 * the close_type of reference 3.1, with the heartbeat, server-RST and queue
 * rules that need lifetime context. A TCP flow without kernel state (its
 * entry could not be made) falls back to the lifetime TCP flags of each
 * side. Non-TCP flows end as 1. Timeouts are the reference's defaults.
 */
#include <netinet/in.h>
#include "close.h"

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

struct sides {
	__u16 c, s; /* lifetime flags of client and server */
	__u64 cp, sp; /* packets of client and server */
	bool synack; /* the server sent a SYN-ACK */
};

/* Flags and packets of each side, with `client` the enum kf_dir of the
 * client: the agent's orientation, or the kernel's for its state machine. */
static struct sides sides_by(const struct kf_flow *f, int client)
{
	const struct flow_life *l = &f->life;
	int c = client & 1, s = !c;

	return (struct sides){
		.c = l->life_flags[c],
		.s = l->life_flags[s],
		.cp = l->total_packets[c],
		.sp = l->total_packets[s],
		.synack = l->synack[s] > 0,
	};
}

static const enum kf_timeout tt_map[] = {
	[KF_TT_OPENING] = KF_TO_OPENING,
	[KF_TT_ESTABLISHED] = KF_TO_ESTABLISHED,
	[KF_TT_CLOSING] = KF_TO_CLOSING,
	[KF_TT_ESTABLISHED_RST] = KF_TO_ESTABLISHED_RST,
	[KF_TT_EXCEPTION] = KF_TO_EXCEPTION,
	[KF_TT_CLOSED_FIN] = KF_TO_CLOSED_FIN,
	[KF_TT_OPENING_RST] = KF_TO_OPENING_RST,
};

unsigned int kf_flow_timeout(const struct kf_flow *f, const struct kf_opts *o)
{
	struct sides x;

	if (f->key.proto == IPPROTO_TCP && f->has_l4) {
		x = sides_by(f, f->l4.client);
		if (!x.cp || !x.sp) /* the other side never spoke: overrides all */
			return o->timeouts[KF_TO_SINGLE_DIRECTION];
		return f->l4.timeout < sizeof(tt_map) / sizeof(tt_map[0]) ?
			       o->timeouts[tt_map[f->l4.timeout]] :
			       o->timeouts[KF_TO_EXCEPTION];
	}
	if (f->key.proto == IPPROTO_UDP)
		return o->timeouts[KF_TO_UDP];
	if (f->key.proto != IPPROTO_TCP) {
		bool both = f->life.total_packets[0] && f->life.total_packets[1];

		return both ? o->timeouts[KF_TO_OTHER] : o->timeouts[KF_TO_OPENING];
	}
	x = sides_by(f, f->life.client);
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

/* The LB health check: SYN, SYN-ACK, [ACK], RST and never a PSH. */
static bool heartbeat(const struct sides *x)
{
	return !((x->c | x->s) & F_PSH) && (x->c & (F_SYN | F_RST)) == (F_SYN | F_RST) &&
	       (x->s & (F_SYN | F_ACK)) == (F_SYN | F_ACK);
}

static unsigned int l4_close_type(const struct kf_flow *f)
{
	struct sides x = sides_by(f, f->l4.client);
	bool server_rst = x.s & F_RST, hb = heartbeat(&x);

	switch (f->l4.state) {
	case KF_TS_CLOSING_TX2:
	case KF_TS_CLOSING_RX2:
	case KF_TS_CLOSED:
		return 1;
	case KF_TS_RESET:
		return hb ? 20 : server_rst ? 2 : 9;
	case KF_TS_OPENING1:
		return 7;
	case KF_TS_OPENING2:
		return 10;
	case KF_TS_CLOSING_TX1:
		return 8;
	case KF_TS_CLOSING_RX1:
		return 11;
	case KF_TS_SYN1:
	case KF_TS_CLIENT_PORT_REUSE:
		return hb ? 20 : 13;
	case KF_TS_SERVER_RESET:
		return 15;
	case KF_TS_SYNACK1:
		return 17;
	case KF_TS_ESTABLISH_RESET:
	case KF_TS_OPENING_RST:
		return hb ? 20 : server_rst ? 19 : 18;
	case KF_TS_SERVER_QUEUE_LACK:
		return x.sp <= 3 ? 9 : 17;
	case KF_TS_EXCEPTION:
		return 0;
	default: /* Established, or nothing analysable */
		return 3;
	}
}

unsigned int kf_close_type(const struct kf_flow *f)
{
	struct sides x;

	if (f->key.proto != IPPROTO_TCP)
		return 1;
	if (f->has_l4)
		return l4_close_type(f);
	x = sides_by(f, f->life.client);
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
