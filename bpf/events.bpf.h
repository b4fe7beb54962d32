/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * events.bpf.h - flow events for sidecars (kf_events, see maps.bpf.h):
 * a flow's start, a TCP flow reaching a closing state, a window that drops
 * to zero or reopens, a retransmission after a quiet second. Only state
 * changes reserve ring space, never an ordinary packet; a reserve that
 * fails is counted per CPU and event type (kf_ev_lost), nothing waits.
 *
 * Wake-ups are batched: a submit wakes the reader only when it makes the
 * queued data cross cfg_ev_wake_bytes; every other submit passes
 * BPF_RB_NO_WAKEUP, and the agent also reads the ring on a timer (10 ms
 * while a subscriber listens, 1 s otherwise), which bounds the delay of a
 * quiet ring. Under load the agent is
 * woken once per cfg_ev_wake_bytes of events, not once per event.
 */
#ifndef KF_EVENTS_BPF_H
#define KF_EVENTS_BPF_H

#include "maps.bpf.h"
#include "parse.bpf.h"

/* Set by the agent before load: 0 (no --stream) leaves every event out
 * of the programs, so a run without a stream pays nothing. */
const volatile __u8 cfg_events = 0;
const volatile __u32 cfg_ev_wake_bytes = 65536;

/* A ring record is the event plus the ring's 8-byte header. */
#define KF_EV_REC_BYTES (sizeof(struct kf_event) + 8)

static __always_inline void ev_lost(__u32 type)
{
	__u64 *c = bpf_map_lookup_elem(&kf_ev_lost, &type);

	if (c)
		*c += 1;
}

static __always_inline void ev_emit(__u32 type, const struct pkt_meta *m, __u64 now, __u8 client,
				    __u8 what, __u8 old_state, __u8 new_state)
{
	struct kf_event *e;
	__u64 avail, flags = BPF_RB_NO_WAKEUP;

	if (!cfg_events)
		return;
	e = bpf_ringbuf_reserve(&kf_events, sizeof(*e), 0);
	if (!e) {
		ev_lost(type);
		return;
	}
	e->ts_ns = now;
	__builtin_memcpy(&e->key, &m->key, sizeof(e->key));
	e->type = type;
	e->dir = m->dir & 1;
	e->client = client;
	e->what = what;
	e->old_state = old_state;
	e->new_state = new_state;
	e->tcp_flags = m->tcp_flags;
	e->pad = 0;
	/* Our record is already counted in the queued data: wake the reader
	 * when it crossed the threshold (a race between CPUs may skip one
	 * crossing; the agent's timer reads the ring anyway). */
	avail = bpf_ringbuf_query(&kf_events, BPF_RB_AVAIL_DATA);
	if (avail >= cfg_ev_wake_bytes && avail < cfg_ev_wake_bytes + KF_EV_REC_BYTES)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

/* Closing states and the resets that end a handshake or a connection:
 * each FIN and RST that moves the machine. Closed, reached by the last
 * ACK after two FINs, is left out: the second FIN's event already gives
 * its close_type (1), and a short connection pays one reserve less. */
static __always_inline bool ev_closing(__u8 s)
{
	return s >= KF_TS_CLOSING_TX1 && s != KF_TS_CLOSED && s != KF_TS_SYN1 &&
	       s != KF_TS_SYNACK1 && s < KF_TS_MAX;
}

/* A TCP packet whose flow has L4 state: a window that crosses zero. The
 * common case reads one word of the sender's side. */
static __always_inline void ev_tcp_window(struct l4_state *ls, const struct pkt_meta *m, int pc,
					  __u64 now)
{
	struct tcp_side *me = KF_L4_SIDE(ls, m->dir & 1);
	__u32 flags, zero;

	/* After the handshake, on ACK and FIN packets (a RST's window means
	 * nothing). */
	if ((pc != PC_ACK && pc != PC_FIN) || (READ_ONCE(ls->hs) & KF_HS_ACTIVE))
		return;
	flags = READ_ONCE(me->flags);
	zero = m->tcp_win == 0;
	/* The CPU that flips the bit sends the event: one per change. */
	if (zero && !(flags & KF_SIDE_ZWIN)) {
		if (!(__sync_fetch_and_or(&me->flags, KF_SIDE_ZWIN) & KF_SIDE_ZWIN))
			ev_emit(KF_EV_TCP_EVENT, m, now, READ_ONCE(ls->client), KF_TE_ZERO_WIN, 0,
				0);
	} else if (!zero && (flags & KF_SIDE_ZWIN)) {
		if (__sync_fetch_and_and(&me->flags, ~KF_SIDE_ZWIN) & KF_SIDE_ZWIN)
			ev_emit(KF_EV_TCP_EVENT, m, now, READ_ONCE(ls->client), KF_TE_WIN_OPEN, 0,
				0);
	}
}

/* A retransmission: the side's shared stamp moves (at most once per clock
 * tick: the coarse clock has 4 ms), and the CPU that moves it after a quiet
 * second sends the event. *seen is the direction's bucket in the interval
 * entry (NULL when the flow overflowed): one look at the stamp per 134 ms
 * bucket, so a storm of retransmissions costs one compare each. Stamps
 * then move at least once a bucket while a storm lasts: no event in it. */
static __always_inline void ev_tcp_retrans(struct l4_state *ls, const struct pkt_meta *m,
					   __u64 now, __u32 *seen)
{
	__u32 d = m->dir & 1, bucket = 1 + (__u32)(now >> 27);
	__u64 last;

	if (seen) {
		if (READ_ONCE(*seen) == bucket)
			return;
		WRITE_ONCE(*seen, bucket);
	}
	if (!ls)
		ls = bpf_map_lookup_elem(&kf_l4, &m->key);
	if (!ls)
		return;
	last = READ_ONCE(ls->retrans_ts[d]);
	if (now <= last || __sync_val_compare_and_swap(&ls->retrans_ts[d], last, now) != last)
		return;
	if (!last || now - last >= 1000000000ULL)
		ev_emit(KF_EV_TCP_EVENT, m, now, READ_ONCE(ls->client), KF_TE_RETRANS, 0, 0);
}

#endif /* KF_EVENTS_BPF_H */
