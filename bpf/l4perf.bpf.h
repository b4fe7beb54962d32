/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * l4perf.bpf.h - TCP health from the packets themselves (reference sections
 * 3 and 5): the state machine that decides close_type, SYN-phase and data
 * retransmissions, out-of-order segments, zero window, handshake RTT, srt,
 * art and cit; UDP art and ICMP echo srt.
 *
 * The state of a flow is one kf_l4 entry shared by both directions. TCP
 * fields change under its spin lock; the results are events (counts and
 * delay samples) that the caller adds to the flow's interval entry, so
 * nothing else is written per packet. Packets that change no shared state
 * take no lock: a SYN repeated by the client while the server is silent,
 * and a data segment already seen in full (a retransmission). These skip
 * the timing updates DeepFlow would make for them; counts are the same.
 *
 * Differences from DeepFlow on purpose (see README): sequence tracking is
 * the highest byte seen plus one hole per side instead of a list of 16
 * ranges, so after two separate losses in one window the older hole's
 * refill counts as a retransmission rather than out-of-order; a segment
 * that partly overlaps seen data counts as a retransmission (tshark's
 * reading) instead of being dropped as invalid; ICMP keeps one outstanding
 * echo request instead of 16.
 */
#ifndef KF_L4PERF_BPF_H
#define KF_L4PERF_BPF_H

#include "parse.bpf.h"

#define KF_RTT_CAP_NS (30ULL * 1000000000ULL) /* samples above are dropped */
#define KF_SRT_CAP_NS (10ULL * 1000000000ULL)

/* Lifetime L4 state, key -> struct l4_state. Written by every TCP packet
 * that changes it (under its lock) and by UDP/ICMP packets (plain stores);
 * read by the agent each interval, deleted by the agent when the flow ends
 * (and swept when the agent never saw the flow: an overflowed one). A plain
 * hash: the kernel allows bpf_spin_lock in no LRU map. Sizing: the live
 * flows of several intervals, 2 x --max-flows (set by the agent). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * KF_DEFAULT_MAX_FLOWS);
	__type(key, struct flow_key);
	__type(value, struct l4_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_l4 SEC(".maps");

/* Generation of each UDP flow's udp_pending, so that a datagram in the
 * direction last seen can skip kf_l4 (the direction's hint in the interval
 * entry holds the generation it read).
 * Key: kf_udp_slot() of the flow key -> Value: a counter, atomically
 * incremented by every change (so no two changes store the same value; it
 * would take 2^32 changes of one slot within one interval to repeat one).
 * Flows that share a slot only send each other's datagrams to kf_l4 more
 * often.
 * Written by a UDP datagram that changes its flow's direction (already the
 * slow path) and by the agent when it deletes a UDP flow's kf_l4 entry;
 * read by every UDP datagram of a flow with a hint. Sizing:
 * KF_UDP_GEN_SLOTS x 4 bytes, whatever --max-flows. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KF_UDP_GEN_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_udp_gen SEC(".maps");

/* Views of kf_l4 read without its lock are kept as hints only where loads
 * stay in order with loads and stores with stores (x86); elsewhere only
 * views taken under the lock are kept, and UDP keeps no hint. */
#ifdef __TARGET_ARCH_x86
#define KF_KEEP_RACY_VIEWS 1
#else
#define KF_KEEP_RACY_VIEWS 0
#endif

/* What one packet did: added to the interval entry by the caller.
 * Counts are of wire segments: a GSO/GRO buffer stands for several. */
struct l4_events {
	__u16 retrans;
	__u16 ooo;
	__u16 zero_win;
	__u16 pad;
	__u32 srt; /* us samples, 0 = none */
	__u32 art;
	__u32 cit;
	__u32 rtt;
	__u32 rtt_client;
	__u32 rtt_server;
};

enum { PC_SYN, PC_SA, PC_FIN, PC_RST, PC_ACK, PC_INVALID };

static __always_inline int pkt_class(__u16 f6)
{
	switch (f6) {
	case KF_TCP_SYN:
		return PC_SYN;
	case KF_TCP_SYN | KF_TCP_ACK:
		return PC_SA;
	case KF_TCP_FIN:
	case KF_TCP_FIN | KF_TCP_ACK:
	case KF_TCP_FIN | KF_TCP_PSH | KF_TCP_ACK:
		return PC_FIN;
	case KF_TCP_RST:
	case KF_TCP_RST | KF_TCP_ACK:
	case KF_TCP_RST | KF_TCP_PSH | KF_TCP_ACK:
		return PC_RST;
	case KF_TCP_ACK:
	case KF_TCP_PSH | KF_TCP_ACK:
	case KF_TCP_PSH | KF_TCP_ACK | KF_TCP_URG:
		return PC_ACK;
	default:
		return PC_INVALID;
	}
}

/* Transition tables (reference section 3): entry = 1 + (state << 3 | timeout),
 * 0 = no transition. Master: client to server, and the fallback for server
 * to client; slave: server to client first. */
#define T(st, to) (1 + ((KF_TS_##st) << 3 | (KF_TT_##to)))
#define SELF(st, to) { T(st, to), T(st, to), T(st, to), T(st, to), T(st, to) }

static const __u8 master[KF_TS_MAX][5] = {
	/*                      SYN                       SA                    FIN                         RST                              ACK */
	[KF_TS_RAW] = { T(OPENING1, OPENING), 0, T(CLOSING_TX1, CLOSING), T(RESET, CLOSING), T(ESTABLISHED, ESTABLISHED) },
	[KF_TS_OPENING1] = { T(OPENING1, OPENING), 0, T(CLOSING_TX1, CLOSING), T(ESTABLISH_RESET, CLOSING), T(ESTABLISHED, ESTABLISHED) },
	[KF_TS_OPENING2] = { T(OPENING2, OPENING), 0, T(CLOSING_TX1, CLOSING), T(OPENING_RST, OPENING_RST), T(ESTABLISHED, ESTABLISHED) },
	[KF_TS_ESTABLISHED] = { T(ESTABLISHED, ESTABLISHED), 0, T(CLOSING_TX1, CLOSING), T(RESET, ESTABLISHED_RST), T(ESTABLISHED, ESTABLISHED) },
	[KF_TS_CLOSING_TX1] = { T(CLOSING_TX1, CLOSING), T(CLOSING_TX1, CLOSING), T(CLOSING_TX1, CLOSING), T(RESET, CLOSING), T(CLOSING_TX1, CLOSING) },
	[KF_TS_CLOSING_TX2] = { T(CLOSING_TX2, CLOSING), T(CLOSING_TX2, CLOSING), T(CLOSING_TX2, CLOSING), T(RESET, CLOSED_FIN), T(CLOSED, CLOSED_FIN) },
	[KF_TS_CLOSING_RX1] = { T(CLOSING_RX1, CLOSING), T(CLOSING_RX1, CLOSING), T(CLOSING_RX2, CLOSING), T(RESET, CLOSING), T(CLOSING_RX1, CLOSING) },
	[KF_TS_CLOSING_RX2] = { T(CLOSING_RX2, CLOSING), T(CLOSING_RX2, CLOSING), T(CLOSING_RX2, CLOSING), T(RESET, CLOSED_FIN), T(CLOSING_RX2, CLOSING) },
	[KF_TS_CLOSED] = { 0, 0, 0, 0, T(CLOSED, CLOSED_FIN) },
	[KF_TS_RESET] = SELF(RESET, EXCEPTION),
	[KF_TS_SYN1] = { T(OPENING1, OPENING), 0, T(CLOSING_TX1, CLOSING), T(CLIENT_PORT_REUSE, EXCEPTION), T(ESTABLISHED, ESTABLISHED) },
	[KF_TS_SYNACK1] = { T(ESTABLISHED, ESTABLISHED), 0, T(CLOSING_TX1, CLOSING), T(RESET, CLOSING), T(SYNACK1, ESTABLISHED) },
	[KF_TS_CLIENT_PORT_REUSE] = SELF(CLIENT_PORT_REUSE, EXCEPTION),
	[KF_TS_SERVER_RESET] = SELF(SERVER_RESET, EXCEPTION),
	[KF_TS_ESTABLISH_RESET] = SELF(ESTABLISH_RESET, EXCEPTION),
	[KF_TS_SERVER_QUEUE_LACK] = SELF(SERVER_QUEUE_LACK, EXCEPTION),
	[KF_TS_OPENING_RST] = SELF(OPENING_RST, OPENING_RST),
};

static const __u8 slave[KF_TS_MAX][5] = {
	[KF_TS_RAW] = { 0, T(OPENING2, OPENING), T(CLOSING_RX1, CLOSING), 0, 0 },
	[KF_TS_OPENING1] = { 0, T(OPENING2, OPENING), T(CLOSING_RX1, CLOSING), T(SERVER_RESET, EXCEPTION), T(SYN1, CLOSING) },
	[KF_TS_OPENING2] = { 0, T(OPENING2, OPENING), T(CLOSING_RX1, CLOSING), T(ESTABLISH_RESET, CLOSING), 0 },
	[KF_TS_ESTABLISHED] = { 0, T(SYNACK1, ESTABLISHED), T(CLOSING_RX1, CLOSING), 0, 0 },
	[KF_TS_CLOSING_TX1] = { 0, 0, T(CLOSING_TX2, CLOSING), 0, 0 },
	[KF_TS_CLOSING_TX2] = { 0, 0, 0, 0, T(CLOSING_TX2, CLOSING) },
	[KF_TS_CLOSING_RX1] = { 0, 0, T(CLOSING_RX1, CLOSING), 0, 0 },
	[KF_TS_CLOSING_RX2] = { 0, 0, 0, 0, T(CLOSED, CLOSED_FIN) },
	[KF_TS_CLOSED] = { 0, 0, 0, 0, T(CLOSED, CLOSED_FIN) },
	[KF_TS_SYN1] = { 0, T(OPENING2, OPENING), T(CLOSING_RX1, CLOSING), T(ESTABLISH_RESET, CLOSING), T(SYN1, CLOSING) },
	[KF_TS_SYNACK1] = { 0, T(SYNACK1, ESTABLISHED), T(CLOSING_RX1, CLOSING), T(SERVER_QUEUE_LACK, ESTABLISHED_RST), T(ESTABLISHED, ESTABLISHED) },
	[KF_TS_OPENING_RST] = SELF(OPENING_RST, OPENING_RST),
};

/* ACK* transitions to Closed happen on a pure ACK only; any other ACK*
 * there keeps the closing state (or, from Closed, is undefined). */
static __always_inline void transition(struct l4_state *st, int c2s, int pc, bool pure_ack)
{
	__u32 s = st->state;
	__u8 e = 0;

	if (s >= KF_TS_MAX || pc == PC_INVALID || s == KF_TS_EXCEPTION) {
		st->state = KF_TS_EXCEPTION;
		st->timeout = KF_TT_EXCEPTION;
		return;
	}
	if (!c2s)
		e = slave[s][pc];
	if (!e)
		e = master[s][pc];
	if (e && pc == PC_ACK && ((e - 1) >> 3) == KF_TS_CLOSED && !pure_ack) {
		/* non-pure ACK*: ClosingTx2/Rx2 stay, Closed has no entry */
		e = s == KF_TS_CLOSED ? 0 : (__u8)(1 + (s << 3 | KF_TT_CLOSING));
	}
	if (!e) {
		st->state = KF_TS_EXCEPTION;
		st->timeout = KF_TT_EXCEPTION;
		return;
	}
	st->state = (e - 1) >> 3;
	st->timeout = (e - 1) & 7;
}

static __always_inline bool seq_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

static __always_inline __u32 us_sample(__u64 now, __u64 then, __u64 cap)
{
	__u64 d = now - then;

	if (!then || now <= then || d > cap)
		return 0;
	return d / 1000;
}

/* Side flags change with atomics: the lock-free path (tcp_lockfree()) and
 * the locked one may change the same word at once. Nothing is written when
 * the bits already are as wanted. */
static __always_inline void flags_set(struct tcp_side *sd, __u32 f)
{
	if ((READ_ONCE(sd->flags) & f) != f)
		__sync_fetch_and_or(&sd->flags, f);
}

static __always_inline void flags_clear(struct tcp_side *sd, __u32 f)
{
	if (READ_ONCE(sd->flags) & f)
		__sync_fetch_and_and(&sd->flags, ~f);
}

/* max_end only grows, also when a lock-free packet moves it meanwhile. */
static __always_inline void max_end_raise(struct tcp_side *sd, __u32 end)
{
	for (int i = 0; i < 4; i++) {
		__u32 cur = READ_ONCE(sd->max_end);

		if (!seq_before(cur, end) ||
		    __sync_val_compare_and_swap(&sd->max_end, cur, end) == cur)
			return;
	}
}

/* Of the wire segments of a buffer [seq, seq + len), those that start below
 * max_end: a GSO buffer of segs segments of gso_size bytes (the last one
 * shorter) may be partly new data. */
static __always_inline __u16 segs_below(const struct pkt_meta *m, __u32 seq, __u32 len,
					__u32 max_end)
{
	__u32 seen = max_end - seq;

	if (m->segs <= 1 || !m->gso_size || !seq_before(max_end, seq + len))
		return m->segs;
	return (seen + m->gso_size - 1) / m->gso_size;
}

/* Data segment bookkeeping of the sending side: retransmission, hole fill
 * (out-of-order) or new data, counted per wire segment. */
static __always_inline void seq_track(struct tcp_side *sd, const struct pkt_meta *m, __u32 seq,
				      __u32 len, struct l4_events *ev)
{
	__u32 end = seq + len;

	/* For the lock-free readers (view_state()): the hole is stored before
	 * max_end, and both before KF_SIDE_SEQ publishes them (volatile
	 * stores keep this order). */
	if (!(sd->flags & KF_SIDE_SEQ)) {
		WRITE_ONCE(sd->hole_lo, end);
		WRITE_ONCE(sd->hole_hi, end);
		WRITE_ONCE(sd->max_end, end);
		flags_set(sd, KF_SIDE_SEQ);
		return;
	}
	if (!seq_before(seq, sd->max_end)) {
		if (seq != sd->max_end) { /* a gap: data ahead of what we saw */
			WRITE_ONCE(sd->hole_lo, sd->max_end);
			WRITE_ONCE(sd->hole_hi, seq);
		}
		max_end_raise(sd, end);
		return;
	}
	if (sd->hole_lo != sd->hole_hi && !seq_before(seq, sd->hole_lo) &&
	    !seq_before(sd->hole_hi, end)) {
		ev->ooo = m->segs;
		if (seq == sd->hole_lo)
			sd->hole_lo = end;
		else
			sd->hole_hi = seq; /* keep the lower part of the hole */
		return;
	}
	ev->retrans = segs_below(m, seq, len, sd->max_end);
	max_end_raise(sd, end);
}

/* Lock-free: a packet that changes no shared state, judged from a view of
 * it (the state itself, read racily, or the direction's hint of it). A stale view
 * is safe: max_end only grows, so data below an old max_end is still seen
 * data; a client SYN repeated in a later state is still a retransmission
 * and moves no state the tables define for it. */
static __always_inline bool tcp_fast_view(__u8 s, __u8 client, __u16 side_flags, bool nohole,
					  __u32 max_end, const struct pkt_meta *m, int pc,
					  __u32 payload, struct l4_events *ev)
{
	if (pc == PC_SYN && s == KF_TS_OPENING1 && (m->dir & 1) == client &&
	    (side_flags & KF_SIDE_SYN)) {
		ev->retrans = 1;
		return true;
	}
	if (pc == PC_ACK && s == KF_TS_ESTABLISHED && payload > 1 && (side_flags & KF_SIDE_SEQ) &&
	    nohole && !seq_before(max_end, m->tcp_seq + payload)) {
		ev->retrans = m->segs;
		ev->zero_win = m->tcp_win == 0 ? m->segs : 0;
		return true;
	}
	return false;
}

/* Judged from the flow's state itself, read racily (in view_state()'s
 * order). */
static __always_inline bool tcp_fast(const struct l4_state *st, const struct pkt_meta *m,
				     int pc, __u32 payload, struct l4_events *ev)
{
	const struct tcp_side *sd = KF_L4_SIDE(st, m->dir & 1);
	__u32 flags = READ_ONCE(sd->flags);
	__u32 max_end = READ_ONCE(sd->max_end);
	bool nohole = READ_ONCE(sd->hole_lo) == READ_ONCE(sd->hole_hi);

	return tcp_fast_view(READ_ONCE(st->state), READ_ONCE(st->client), flags, nohole, max_end,
			     m, pc, payload, ev);
}

/* Judged from the direction's hint in its interval entry. */
static __always_inline bool tcp_fast_hint(const struct l4_hint *h, const struct pkt_meta *m,
					  int pc, __u32 payload, struct l4_events *ev)
{
	return h->valid && tcp_fast_view(h->state, h->client, h->side, h->side & KF_HINT_NOHOLE,
					 h->max_end, m, pc, payload, ev);
}

/* The hint: a view of the state of direction d's sender, taken under the
 * lock or read racily, without it. A racy view is kept as the hint too, so
 * that after an interval swap (a new, hint-less entry) the flows whose
 * packets change nothing do not pay the kf_l4 lookup for the rest of the
 * interval. It is as safe as a stale locked view as long as it never pairs
 * newer fields with older ones in the unsafe direction: KF_SIDE_SEQ with an
 * unset max_end, or a newer max_end with an older "no hole". seq_track()
 * stores the hole, then max_end, then the flag; this reads them in the
 * other order (volatile accesses keep their order, and x86 does not reorder
 * loads with loads or stores with stores: see KF_KEEP_RACY_VIEWS). Every CPU
 * stores its view as one word, so a hint is always one whole view. */
static __always_inline void view_state(const struct l4_state *st, __u32 d, struct l4_hint *h)
{
	const struct tcp_side *sd = KF_L4_SIDE(st, d & 1);
	__u32 flags = READ_ONCE(sd->flags);

	h->max_end = READ_ONCE(sd->max_end);
	h->side = (flags & (KF_SIDE_SYN | KF_SIDE_SEQ)) |
		  (READ_ONCE(sd->hole_lo) == READ_ONCE(sd->hole_hi) ? KF_HINT_NOHOLE : 0);
	h->state = READ_ONCE(st->state);
	h->client = READ_ONCE(st->client);
	h->valid = 1;
}

/* srt, art and cit (reference 5.6 - 5.8) and the sender's last packet,
 * for the locked path and the lock-free one alike. */
static __always_inline void tcp_delays(struct l4_state *st, const struct pkt_meta *m, int pc,
				       __u32 payload, __u64 now, struct l4_events *ev)
{
	__u32 d = m->dir & 1;
	struct tcp_side *me = KF_L4_SIDE(st, d), *peer = KF_L4_SIDE(st, !d);
	__u16 f6 = m->tcp_flags & KF_TCP_FLAGS6;
	bool pure_ack = f6 == KF_TCP_ACK && payload == 0;
	bool psh_ack = f6 == (KF_TCP_PSH | KF_TCP_ACK) && payload > 1;
	bool client = d == READ_ONCE(st->client);
	__u32 mf = READ_ONCE(me->flags), pf = READ_ONCE(peer->flags);

	if (pure_ack) {
		if ((mf & KF_SIDE_SRT) && m->tcp_ack == peer->last_seq + peer->last_len)
			ev->srt = us_sample(now, peer->last_ts, KF_SRT_CAP_NS);
		flags_clear(me, KF_SIDE_SRT);
		flags_clear(peer, KF_SIDE_SRT | KF_SIDE_ART);
	} else if (payload > 1 && pc == PC_ACK) {
		if ((mf & KF_SIDE_ART) && m->tcp_seq == me->last_seq + me->last_len && !ev->retrans)
			ev->art = us_sample(now, peer->last_ts, KF_RTT_CAP_NS);
		if (psh_ack && client) {
			__u64 last = me->last_ts > peer->last_ts ? me->last_ts : peer->last_ts;

			if (mf & KF_SIDE_HS_ACK)
				ev->cit = now > last ? (now - last) / 1000 : 0;
			else if ((pf & KF_SIDE_BIG) &&
				 (!(mf & KF_SIDE_BIG) || peer->last_ts > me->last_ts))
				ev->cit = (now - peer->last_ts) / 1000;
		}
		if (psh_ack) {
			flags_set(peer, KF_SIDE_SRT | KF_SIDE_ART);
			flags_clear(me, KF_SIDE_SRT | KF_SIDE_ART);
		} else {
			flags_clear(me, KF_SIDE_SRT | KF_SIDE_ART);
			flags_clear(peer, KF_SIDE_SRT | KF_SIDE_ART);
		}
	} else {
		flags_clear(me, KF_SIDE_SRT | KF_SIDE_ART);
		flags_clear(peer, KF_SIDE_SRT | KF_SIDE_ART);
	}
	if (psh_ack && client)
		flags_clear(me, KF_SIDE_HS_ACK);

	me->last_ts = now;
	me->last_seq = m->tcp_seq;
	me->last_len = (pc == PC_SYN || pc == PC_SA) ? 1 : payload;
	me->last_ack = m->tcp_ack;
	if (payload > 1)
		flags_set(me, KF_SIDE_BIG);
	else
		flags_clear(me, KF_SIDE_BIG);
}

/*
 * Without the lock: a packet of an established flow that moves no state of
 * the machine, an in-order data segment (its seq is the side's max_end,
 * moved on by compare-and-exchange) or a pure ACK that is no keepalive
 * probe. It changes only what tcp_locked() would change for it, its sender's
 * side and the delay flags (atomics), with the same results. Anything else,
 * or a packet out of time order, returns false: the caller takes the lock.
 */
static __always_inline bool tcp_lockfree(struct l4_state *st, const struct pkt_meta *m, int pc,
					 __u32 payload, __u64 now, struct l4_events *ev)
{
	__u32 d = m->dir & 1, max_end;
	struct tcp_side *me = KF_L4_SIDE(st, d), *peer = KF_L4_SIDE(st, !d);
	__u16 f6 = m->tcp_flags & KF_TCP_FLAGS6;

	if (pc != PC_ACK || READ_ONCE(st->state) != KF_TS_ESTABLISHED ||
	    (READ_ONCE(st->hs) & KF_HS_ACTIVE))
		return false;
	if (now < READ_ONCE(me->last_ts) || now < READ_ONCE(peer->last_ts))
		return false;
	if (payload > 1) {
		max_end = READ_ONCE(me->max_end);
		if (!(READ_ONCE(me->flags) & KF_SIDE_SEQ) || m->tcp_seq != max_end ||
		    __sync_val_compare_and_swap(&me->max_end, max_end, max_end + payload) != max_end)
			return false;
	} else if (payload || f6 != KF_TCP_ACK ||
		   (m->tcp_seq + 1 == READ_ONCE(peer->last_ack) &&
		    (READ_ONCE(peer->flags) & KF_SIDE_SEQ))) {
		return false;
	}
	if (m->tcp_win == 0)
		ev->zero_win = m->segs;
	tcp_delays(st, m, pc, payload, now, ev);
	return true;
}

/* Everything else, under the flow's lock (no helper calls in here). */
static __always_inline void tcp_locked(struct l4_state *st, const struct pkt_meta *m, int pc,
				       __u16 f6, __u32 payload, __u64 now, struct l4_events *ev)
{
	__u32 d = m->dir & 1, o = !d;
	struct tcp_side *me = KF_L4_SIDE(st, d), *peer = KF_L4_SIDE(st, o);
	bool pure_ack = f6 == KF_TCP_ACK && payload == 0;
	bool abnormal;

	if (st->state == KF_TS_RAW && !st->side_ab.last_ts && !st->side_ba.last_ts) {
		/* First packet: its sender is the client, unless it is a SYN-ACK. */
		st->client = pc == PC_SA ? o : d;
		if (pc == PC_SYN || pc == PC_SA)
			st->hs |= KF_HS_SEEN;
	}
	transition(st, d == st->client, pc, pure_ack);

	abnormal = ((f6 & KF_TCP_SYN) && (f6 & KF_TCP_RST)) ||
		   (!(f6 & KF_TCP_SYN) && !(f6 & (KF_TCP_ACK | KF_TCP_RST))) ||
		   (!(f6 & KF_TCP_ACK) && (f6 & (KF_TCP_PSH | 0x20)));
	if (abnormal || (f6 & KF_TCP_RST)) {
		flags_clear(&st->side_ab, KF_SIDE_SRT | KF_SIDE_ART);
		flags_clear(&st->side_ba, KF_SIDE_SRT | KF_SIDE_ART);
		st->hs &= ~KF_HS_RTT_OK;
		return;
	}
	/* Out of time order (a receive stamp older than a packet another CPU
	 * already judged): no timing update (reference 5.3), but the packet
	 * still counts. */
	if (now < me->last_ts || now < peer->last_ts) {
		if (m->tcp_win == 0 && !(st->hs & KF_HS_ACTIVE))
			ev->zero_win = m->segs;
		if (pc == PC_SYN)
			ev->retrans = !!(me->flags & KF_SIDE_SYN);
		else if (pc == PC_SA)
			ev->retrans = payload == 0 && (me->flags & KF_SIDE_SYNACK);
		else if (payload > 1)
			seq_track(me, m, m->tcp_seq, payload, ev);
		return;
	}

	if (pc == PC_SYN) {
		if (me->flags & KF_SIDE_SYN)
			ev->retrans = 1;
		flags_set(me, KF_SIDE_SYN | KF_SIDE_ISN);
		me->isn_thr = m->tcp_seq + 1;
		st->syn_seq = m->tcp_seq;
		if (!st->syn_ts) {
			st->syn_ts = now;
			st->hs |= KF_HS_ACTIVE;
			if (!st->synack_ts)
				st->hs |= KF_HS_SYN_FIRST;
		}
	} else if (pc == PC_SA && payload == 0) {
		if (me->flags & KF_SIDE_SYNACK)
			ev->retrans = 1;
		if (!(peer->flags & KF_SIDE_ISN)) { /* no SYN seen: take it from the ack */
			peer->isn_thr = m->tcp_ack;
			flags_set(peer, KF_SIDE_ISN);
		}
		if ((st->hs & KF_HS_ACTIVE) && m->tcp_ack == peer->isn_thr)
			ev->rtt_server = us_sample(now, st->syn_ts, KF_RTT_CAP_NS);
		me->isn_thr = m->tcp_seq + 1;
		flags_set(me, KF_SIDE_SYNACK | KF_SIDE_ISN);
		st->syn_ack_seq = m->tcp_seq;
		/* Handshake delays count from a SYN-ACK inside the handshake
		 * phase, which starts at the first SYN. */
		if (!st->synack_ts && (st->hs & KF_HS_ACTIVE)) {
			st->synack_ts = now;
			st->hs |= KF_HS_RTT_OK;
		}
	} else if (st->hs & KF_HS_ACTIVE) {
		/* The first other packet ends the handshake; the client's pure
		 * ACK of the server's ISN gives the handshake delays. */
		if (pure_ack && d == st->client && st->synack_ts && (peer->flags & KF_SIDE_ISN) &&
		    m->tcp_ack == peer->isn_thr) {
			ev->rtt_client = us_sample(now, st->synack_ts, KF_RTT_CAP_NS);
			if ((st->hs & (KF_HS_SYN_FIRST | KF_HS_RTT_OK)) ==
			    (KF_HS_SYN_FIRST | KF_HS_RTT_OK))
				ev->rtt = us_sample(now, st->syn_ts, KF_RTT_CAP_NS);
			flags_set(me, KF_SIDE_HS_ACK);
		}
		st->hs &= ~KF_HS_ACTIVE;
	}

	/* Zero window after the handshake phase; a SYN or SYN-ACK outside a
	 * tracked handshake counts too. */
	if (m->tcp_win == 0 && !(st->hs & KF_HS_ACTIVE))
		ev->zero_win = m->segs;
	if (pc != PC_SYN && pc != PC_SA) {
		if (payload > 1)
			seq_track(me, m, m->tcp_seq, payload, ev);
		/* Keepalive probe: no data, seq one below what the peer acked. */
		if (payload <= 1 && !(f6 & (KF_TCP_SYN | KF_TCP_FIN | KF_TCP_RST)) &&
		    m->tcp_seq + 1 == peer->last_ack && (peer->flags & KF_SIDE_SEQ)) {
			st->ka_seq = m->tcp_seq;
			st->ka_ack = m->tcp_ack;
		}
	}

	tcp_delays(st, m, pc, payload, now, ev);
}

/* Lock-free, for a datagram whose direction had no usable hint: whether it
 * changes the flow's state, and the view to keep as the hint. The
 * generation is read before udp_pending, and udp_perf() stores them in the
 * other order, so a view never pairs the current generation with an older
 * udp_pending (see KF_KEEP_RACY_VIEWS); any later change moves the
 * generation and voids the hint. */
static __always_inline bool udp_fast(const struct l4_state *st, const struct pkt_meta *m,
				     __u32 payload, const __u32 *gen, __u32 slot,
				     struct l4_hint *h)
{
	__u8 pending;

	if (gen) {
		h->udp_gen = READ_ONCE(*gen);
		h->udp_slot = slot;
	}
	pending = READ_ONCE(st->udp_pending);
	if (payload && pending != 1 + (m->dir & 1))
		return false;
	h->udp_pending = pending;
	h->valid = gen && KF_KEEP_RACY_VIEWS;
	return true;
}

/* Judged from the direction's hint: a datagram that changes nothing, because it
 * has no payload or goes the way the flow's last one went. */
static __always_inline bool udp_fast_hint(const struct l4_hint *h, const struct pkt_meta *m,
					  __u32 payload)
{
	__u32 slot = h->udp_slot, *gen;

	if (!h->valid)
		return false;
	if (!payload)
		return true;
	if (h->udp_pending != 1 + (m->dir & 1))
		return false;
	gen = bpf_map_lookup_elem(&kf_udp_gen, &slot);
	return gen && READ_ONCE(*gen) == h->udp_gen;
}

/* gen: the flow's kf_udp_gen entry (NULL if the lookup failed). */
static __always_inline void udp_perf(struct l4_state *st, const struct pkt_meta *m, __u32 payload,
				     __u64 now, __u32 *gen, struct l4_events *ev)
{
	__u32 d = m->dir & 1;

	if (!payload)
		return;
	if (st->udp_pending == 1 + !d)
		ev->art = us_sample(now, st->udp_ts[!d], KF_RTT_CAP_NS);
	st->udp_ts[d] = now;
	if (st->udp_pending == 1 + d)
		return;
	WRITE_ONCE(st->udp_pending, 1 + d);
	/* After udp_pending (see udp_fast()): every hint of it is void. */
	if (gen)
		__sync_fetch_and_add(gen, 1);
}

static __always_inline void icmp_perf(struct l4_state *st, const struct pkt_meta *m, __u64 now,
				      struct l4_events *ev)
{
	__u32 d = m->dir & 1;

	if (m->icmp_echo == 1) { /* request */
		st->echo_ts = now;
		st->echo_seq = m->icmp_seq;
		st->echo_dir = d;
	} else if (m->icmp_echo == 2 && st->echo_ts && st->echo_dir != d &&
		   st->echo_seq == m->icmp_seq) {
		ev->srt = us_sample(now, st->echo_ts, KF_RTT_CAP_NS);
		st->echo_ts = 0;
	}
}

#endif /* KF_L4PERF_BPF_H */
