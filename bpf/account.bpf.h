/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * account.bpf.h - adds one parsed packet to its flow in the active interval
 * map. The value is shared by every CPU (its memory does not grow with the
 * CPU count): counters move by atomic adds, first and last times and maxima
 * by plain stores (a lost race moves them by the other CPU's nanoseconds or
 * sample, never a count), and each direction writes lines of its own.
 */
#ifndef KF_ACCOUNT_BPF_H
#define KF_ACCOUNT_BPF_H

#include "parse.bpf.h"
#include "counters.bpf.h"
#include "l4perf.bpf.h"
#include "events.bpf.h"

/* Wire lengths of the segments this buffer stands for. A GSO/GRO aggregate
 * of n segments carries its headers once; on the wire each segment had them. */
static __always_inline void wire_lengths(const struct pkt_meta *m, __u64 *bytes, __u64 *l3,
					 __u64 *l4)
{
	__u32 hdrs = m->l2_len + m->l3_hdr_len + m->l4_hdr_len;

	if (m->segs > 1 && m->pkt_len > hdrs) {
		__u32 payload = m->pkt_len - hdrs;

		*bytes = m->pkt_len + (__u64)(m->segs - 1) * hdrs;
		*l3 = payload + (__u64)m->segs * m->l4_hdr_len;
		*l4 = m->l4_payload ? payload : 0;
		return;
	}
	*bytes = m->l2_len + m->ip_len;
	/* An aggregate with a stale IP length: trust the buffer (as DeepFlow).
	 * Frames up to the Ethernet minimum (64 with a tag) may be padded, so
	 * the rule only applies above it. */
	if (m->pkt_len > KF_ETH_MIN_TAGGED && m->pkt_len > *bytes + 16)
		*bytes = m->pkt_len;
	*l3 = m->ip_len - m->l3_hdr_len;
	*l4 = m->l4_payload ? *l3 - m->l4_hdr_len : 0;
}

static __always_inline void add_delay(struct kf_delay *dl, __u32 us)
{
	if (!us)
		return;
	__sync_fetch_and_add(&dl->sum, us);
	__sync_fetch_and_add(&dl->count, 1);
	if (us > READ_ONCE(dl->max))
		WRITE_ONCE(dl->max, us);
}

static __always_inline void raise_u32(__u32 *p, __u32 v)
{
	if (v > READ_ONCE(*p))
		WRITE_ONCE(*p, v);
}

static __always_inline void add_events(struct flow_stats *st, __u32 dir,
				       const struct l4_events *ev)
{
	struct flow_dir *d = &st->dir[dir & 1];

	if (ev->retrans)
		__sync_fetch_and_add(&d->retrans, ev->retrans);
	if (ev->ooo)
		__sync_fetch_and_add(&d->ooo, ev->ooo);
	if (ev->zero_win)
		__sync_fetch_and_add(&d->zero_win, ev->zero_win);
	add_delay(&st->srt[dir & 1], ev->srt);
	add_delay(&st->art[dir & 1], ev->art);
	add_delay(&st->cit, ev->cit);
	raise_u32(&st->rtt, ev->rtt);
	raise_u32(&st->rtt_client, ev->rtt_client);
	raise_u32(&st->rtt_server, ev->rtt_server);
}

static __always_inline void add_packet(struct flow_stats *st, __u32 dir, const struct pkt_meta *m,
				       __u64 now)
{
	struct flow_dir *d = &st->dir[dir & 1];
	__u64 bytes, l3, l4;
	__u16 f6 = m->tcp_flags & KF_TCP_FLAGS6;

	wire_lengths(m, &bytes, &l3, &l4);
	/* The one packet that takes the count from zero stamps the start.
	 * The flow's first packet is the earlier of the two directions'
	 * first ones, whichever CPU counts it first: this one names it
	 * unless the other direction's first packet is counted and stamped
	 * earlier. When the two are counted at once, each may see the
	 * other's count and not yet its stamp, so both may write, never
	 * neither: a direction reads the other's stamp before it stores its
	 * own. */
	if (!__sync_fetch_and_add(&d->packets, m->segs)) {
		const struct flow_dir *o = &st->dir[!(dir & 1)];
		__u64 o_first = READ_ONCE(o->first_ns);

		if (!READ_ONCE(o->packets) || !o_first || now < o_first) {
			st->first_ipid = m->ipid;
			st->first_dir = dir;
			st->eth_vlans = m->vlans;
		}
		__builtin_memcpy(d->mac, m->mac, 6);
		if (!READ_ONCE(d->first_ns) || now < READ_ONCE(d->first_ns))
			WRITE_ONCE(d->first_ns, now);
	} else if (now < READ_ONCE(d->first_ns)) {
		/* The coarse clock lags the fine one by up to a tick, and
		 * another CPU's earlier packet may be counted after this. */
		WRITE_ONCE(d->first_ns, now);
	}
	__sync_fetch_and_add(&d->bytes, bytes);
	__sync_fetch_and_add(&d->l3_bytes, l3);
	if (l4)
		__sync_fetch_and_add(&d->l4_bytes, l4);
	if (now > READ_ONCE(d->last_ns))
		WRITE_ONCE(d->last_ns, now);
	if (m->key.proto != IPPROTO_TCP || m->later_frag)
		return;
	if (m->tcp_flags & ~READ_ONCE(d->tcp_flags))
		__sync_fetch_and_or(&d->tcp_flags, m->tcp_flags);
	if (f6 == KF_TCP_SYN)
		__sync_fetch_and_add(&d->syn, 1);
	else if (f6 == (KF_TCP_SYN | KF_TCP_ACK) && l4 == 0)
		__sync_fetch_and_add(&d->synack, 1);
	if ((f6 & (KF_TCP_FIN | KF_TCP_ACK)) == (KF_TCP_FIN | KF_TCP_ACK))
		__sync_fetch_and_add(&d->fin, 1);
	if (f6 & KF_TCP_RST)
		__sync_fetch_and_add(&d->rst, 1);
}

/* The flow's L4 state entry, made on its first packet. NULL when the map
 * has no room: the packet is still counted, without TCP health. *made: this
 * packet made it (the flow is new to the kernel), whatever the interval map
 * has room for. */
static __always_inline struct l4_state *l4_state_new(const struct pkt_meta *m, bool *made)
{
	static const struct l4_state zero_l4;
	struct l4_state *ls = NULL;
	int err;

	err = bpf_map_update_elem(&kf_l4, &m->key, &zero_l4, BPF_NOEXIST);
	*made = !err;
	if (!err || err == -KF_EEXIST)
		ls = bpf_map_lookup_elem(&kf_l4, &m->key);
	if (!ls)
		count_event(KF_CNT_L4_STATE_FAIL);
	return ls;
}

/* Counts the packet into the active interval map, with what it did to the
 * flow's L4 state. When the map has no room the packet goes to the reserved
 * overflow key (family 0), split by hook, so no packet ever leaves the
 * totals. kf_time() is read once, fine only for a packet whose timing
 * matters (a new flow, one that takes the lock, UDP and ICMP echo direction
 * changes). */
/* A global function: the verifier checks it once, on its own, instead of
 * once per path through the parser (which multiplied past its limit).
 * replay_ts: capture time in replay; rx_ts, rx_mono: a TC ingress stamp and
 * its clock (see kf_time()). */
__attribute__((noinline)) int account_packet(const struct pkt_meta *m, __u32 hook, __u64 replay_ts,
					     __u64 rx_ts, __u32 rx_mono)
{
	static const struct flow_stats zero_stats;
	static const struct flow_key overflow_key; /* all zero: family 0 */
	struct l4_events ev = {};
	struct l4_state *ls = NULL;
	struct l4_hint hint = {}, seen = {};
	struct flow_stats *st;
	__u32 zero = 0, payload = 0, gen_slot = 0, *gen = NULL;
	bool fine = false, made = false, tcp, udp, l4;
	__u8 old_state = 0, new_state = 0;
	void *flows;
	int err = 0, pc = -1;
	__u64 now;

	if (!m) /* a global function's pointer may be NULL for the verifier */
		return 0;
	if (!m->later_frag && m->segs == 1)
		payload = m->ip_len - m->l3_hdr_len - m->l4_hdr_len;
	else if (!m->later_frag)
		payload = m->pkt_len - m->l2_len - m->l3_hdr_len - m->l4_hdr_len;
	tcp = m->key.proto == IPPROTO_TCP && !m->later_frag;
	udp = m->key.proto == IPPROTO_UDP && !m->later_frag;
	l4 = tcp || udp || (!m->later_frag && m->icmp_echo);
	if (tcp)
		pc = pkt_class(m->tcp_flags & KF_TCP_FLAGS6);

	flows = bpf_map_lookup_elem(&kf_flow_sel, &zero);
	if (!flows) {
		count_event(KF_CNT_NO_ACTIVE_MAP);
		return 0;
	}
	st = bpf_map_lookup_elem(flows, &m->key);
	/* One load: the whole view one CPU stored (see struct l4_hint). And
	 * one store of it, at once: the line of the direction's counters is
	 * often another CPU's, and a plain store asks for it without waiting,
	 * while the atomic adds at the end would each stall until it came.
	 * Writing back a view that another CPU replaced meanwhile only makes
	 * the hint older, which is safe (see view_state()). */
	if (st) {
		seen.word = READ_ONCE(st->dir[m->dir & 1].hint.word);
		WRITE_ONCE(st->dir[m->dir & 1].hint.word, seen.word);
	}
	/* The common case of a packet that changes nothing: one lookup. */
	if (st && tcp && tcp_fast_hint(&seen, m, pc, payload, &ev)) {
		l4 = false;
	} else if (st && udp && udp_fast_hint(&seen, m, payload)) {
		l4 = false;
	} else if (l4) {
		if (udp) { /* for udp_fast() and udp_perf() both */
			gen_slot = kf_udp_slot(&m->key);
			gen = bpf_map_lookup_elem(&kf_udp_gen, &gen_slot);
		}
		ls = bpf_map_lookup_elem(&kf_l4, &m->key);
		if (!ls) {
			fine = true; /* a new flow: its first packet's time matters */
		} else if (tcp) {
			fine = !tcp_fast(ls, m, pc, payload, &ev);
			/* The entry had no usable hint: keep this view. */
			if (!fine && KF_KEEP_RACY_VIEWS)
				view_state(ls, m->dir, &hint);
		} else if (udp) {
			fine = !udp_fast(ls, m, payload, gen, gen_slot, &hint);
		} else {
			fine = true;
		}
	}
	/* Read once, before a new flow's entries are made. */
	now = kf_time(fine, replay_ts, rx_ts, rx_mono, m->coarse_ns);
	if (fine && !ls)
		ls = l4_state_new(m, &made);
	/* Another CPU's insert of the same flow wins the event: one per flow. */
	if (made)
		ev_emit(KF_EV_FLOW_START, m, now, pc == PC_SA ? !(m->dir & 1) : m->dir & 1, 0, 0,
			0);
	if (ls && fine) {
		if (tcp && tcp_lockfree(ls, m, pc, payload, now, &ev)) {
			if (KF_KEEP_RACY_VIEWS)
				view_state(ls, m->dir, &hint);
		} else if (tcp) {
			bpf_spin_lock(&ls->lock);
			old_state = ls->state;
			tcp_locked(ls, m, pc, m->tcp_flags & KF_TCP_FLAGS6, payload, now, &ev);
			new_state = ls->state;
			view_state(ls, m->dir, &hint);
			bpf_spin_unlock(&ls->lock);
			/* Sent after the lock: no helper calls under it. */
			if (new_state != old_state && ev_closing(new_state))
				ev_emit(KF_EV_TCP_STATE, m, now, hint.client, 0, old_state,
					new_state);
		} else if (udp) {
			udp_perf(ls, m, payload, now, gen, &ev);
		} else {
			icmp_perf(ls, m, now, &ev);
		}
	}

	/* Flow events: only packets that read the flow's state look at its
	 * window; retransmissions (a hint may have judged them without the
	 * state) go through the direction's bucket in the entry first. */
	if (cfg_events && tcp && ls)
		ev_tcp_window(ls, m, pc, now);

	if (!st) {
		/* BPF_NOEXIST + re-lookup: another CPU may insert the same flow
		 * between our lookup and update; -EEXIST then is fine. */
		err = bpf_map_update_elem(flows, &m->key, &zero_stats, BPF_NOEXIST);
		if (!err || err == -KF_EEXIST)
			st = bpf_map_lookup_elem(flows, &m->key);
	}
	if (cfg_events && tcp && ev.retrans)
		ev_tcp_retrans(ls, m, now, st ? &st->dir[m->dir & 1].retrans_seen : NULL);
	if (st) {
		add_packet(st, m->dir, m, now);
		/* One test instead of a dozen read-modify-writes for the
		 * packets (most of them) that produced no event. */
		if (ev.retrans | ev.ooo | ev.zero_win | ev.srt | ev.art | ev.cit | ev.rtt |
		    ev.rtt_client | ev.rtt_server)
			add_events(st, m->dir, &ev);
		/* A view that changed replaces the one written back above. */
		if (hint.valid && hint.word != seen.word)
			WRITE_ONCE(st->dir[m->dir & 1].hint.word, hint.word);
		return 0;
	}
	st = bpf_map_lookup_elem(flows, &overflow_key);
	if (!st) {
		count_event(KF_CNT_OVERFLOW_LOST);
		return 0;
	}
	count_event(err == -KF_E2BIG ? KF_CNT_FLOW_MAP_FULL : KF_CNT_FLOW_INSERT_FAIL);
	add_packet(st, hook, m, now);
	return 0;
}

#endif /* KF_ACCOUNT_BPF_H */
