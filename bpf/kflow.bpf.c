// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kflow.bpf.c - the per-packet datapath: TC (clsact) ingress and egress and
 * XDP ingress programs that count every packet into its bidirectional flow.
 *
 * Logic: parse Ethernet/VLAN/IP/L4 into a canonical flow key (side a is the
 * lower address/port, so both directions share one entry), then add the
 * packet's wire lengths, segments and TCP flags to the flow's entry in the
 * interval map selected by kf_flow_sel. Packets that cannot be
 * parsed pass untouched and bump one kf_counters reason. Every program lets
 * the packet through: TC returns TC_ACT_UNSPEC so filters after ours still
 * run, XDP returns XDP_PASS.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"

/* Set by the agent before load (--precise-time). The coarse clock has jiffy
 * resolution (4 ms at HZ=250) but, read through kf_tick, costs a load or
 * two, where the fine one costs 20-45 ns on a KVM guest (and the coarse
 * clock's own helper about 25): on a hot flow that is much of the budget.
 * The branch is resolved at load time, so the unused read is not in the
 * program. */
const volatile __u8 cfg_precise_time = 0;
/* `kflow replay`: packet time is the capture time the agent put in
 * skb->tstamp through BPF_PROG_TEST_RUN. */
const volatile __u8 cfg_replay = 0;

/* How far a departure time may be ahead of the coarse clock and still be
 * taken: the coarse clock lags by up to a tick (10 ms at HZ=100). */
#define KF_STAMP_AHEAD_NS (20 * 1000000ULL)

/* The coarse clock, from this CPU's last read while jiffies stays the same
 * (bpf_jiffies64() is one inlined load; the clock's helper is a call and a
 * seqcount loop). The clock moves when jiffies does, in the same tick
 * handler; a read between the two keeps the older value one tick longer,
 * which is within the coarse clock's own lag behind the fine one. Per CPU,
 * and TC and XDP programs do not nest on a CPU. */
static __always_inline __u64 kf_coarse_ns(void)
{
	__u64 j = bpf_jiffies64(), ns;
	struct kf_tick *t;
	__u32 zero = 0;

	t = bpf_map_lookup_elem(&kf_tick, &zero);
	if (t && t->jiffies == j && t->ns)
		return t->ns;
	ns = bpf_ktime_get_coarse_ns();
	if (t) {
		t->jiffies = j;
		t->ns = ns;
	}
	return ns;
}

/* The packet's time, read once: the capture time in replay; for a packet
 * that needs a fine time, the stamp the kernel already gave it when it has
 * one (TC); else the fine or the coarse clock. That stamp is either a
 * receive stamp at ingress (rx_mono 0: wall clock, taken when the packet
 * was queued, which is where captures stamp it; moved to the monotonic
 * clock by the agent's kf_clock offset) or a monotonic departure time: at
 * ingress, for a packet from a local socket (veth, pods), its sender's,
 * which the kernel keeps instead (without it, the time a packet waited in
 * the receive backlog, hundreds of microseconds under load, would count
 * into its RTT); at egress, TCP's stamp of its own segment. The coarse
 * clock is the hook's one read of it (coarse, 0 when it made none), which TC
 * needs anyway to judge a departure time: no second look at kf_tick. */
static __always_inline __u64 kf_time(bool fine, __u64 replay_ts, __u64 rx_ts, __u32 rx_mono,
				     __u64 coarse)
{
	__u32 zero = 0;
	__s64 *off;

	if (cfg_replay)
		return replay_ts;
	if (fine && rx_ts && rx_mono)
		return rx_ts;
	if (fine && rx_ts) {
		off = bpf_map_lookup_elem(&kf_clock, &zero);
		if (off && *off && rx_ts > (__u64)*off)
			return rx_ts - *off;
	}
	return fine || cfg_precise_time ? bpf_ktime_get_ns() : coarse;
}

#include "account.bpf.h"

/* Headers cut short by the end of a non-linear skb's linear area are pulled
 * into it (up to this many bytes) and parsed again (TC only; XDP buffers are
 * linear). Pulling only then matters: most TSO/GRO buffers already hold
 * their headers in the linear area, and pulling a cloned one copies it. */
#define KF_PULL_LEN 256

static __always_inline bool cut_short(int err)
{
	return err == KF_CNT_TRUNC_ETH || err == KF_CNT_TRUNC_VLAN || err == KF_CNT_TRUNC_IP ||
	       err == KF_CNT_TRUNC_IP6_EXT || err == KF_CNT_TRUNC_L4;
}

/* One parse of the skb as it is now; a function of its own (verified per
 * call), so that the parse after a pull is not a second inlined copy. */
static __noinline int parse_skb(struct __sk_buff *skb, struct pkt_meta *m, __u32 *soft_err)
{
	if (!m || !soft_err)
		return KF_CNT_TRUNC_ETH;
	__builtin_memset(m, 0, sizeof(*m));
	*soft_err = KF_CNT_MAX;
	m->pkt_len = skb->len;
	if (cfg_replay) {
		/* The frame may be cut to what the test run takes; its wire
		 * length, and the IP header's, are what count. */
		if (skb->wire_len > m->pkt_len)
			m->pkt_len = skb->wire_len;
		m->trust_ip_len = 1;
	}
	m->segs = skb->gso_size && skb->gso_segs > 1 ? skb->gso_segs : 1;
	m->gso_size = skb->gso_size;
	m->key.ifindex = skb->ifindex;
	return parse_packet(m, (void *)(long)skb->data, (void *)(long)skb->data_end,
			    skb->vlan_present ? (skb->vlan_tci & 0x0fff) + 1 : 0, soft_err);
}

static __always_inline void handle_skb(struct __sk_buff *skb, __u32 hook)
{
	struct pkt_meta m;
	__u32 soft_err, linear;
	int err;

	err = parse_skb(skb, &m, &soft_err);
	linear = skb->data_end - skb->data;
	if (cut_short(err) && skb->len > linear && linear < KF_PULL_LEN) {
		bpf_skb_pull_data(skb, skb->len < KF_PULL_LEN ? skb->len : KF_PULL_LEN);
		err = parse_skb(skb, &m, &soft_err);
	}
	if (err != KF_PARSE_OK) {
		count_event(err);
		return;
	}
	if (soft_err != KF_CNT_MAX)
		count_event(soft_err);
	if (cfg_replay) {
		account_packet(&m, hook, skb->tstamp, 0, 0);
		return;
	}
	/* Reading tstamp_type, the program gets the stamp as it is, with its
	 * clock. A departure time (mono) is used at both hooks: at egress it
	 * is TCP's own stamp of the segment (its earliest departure time,
	 * which a qdisc that paces holds it to, so nearer where a capture
	 * stamps it than the clock read here). A wall stamp is a receive
	 * stamp at ingress only; a TAI one (SO_TXTIME) is never used.
	 * A departure time may lie ahead: TCP stamps a paced segment with
	 * when it may leave, and a veth delivers it at once; one more than a
	 * tick or two ahead of the coarse clock is not the packet's time.
	 * Judged here, not in account_packet(): there, the branches of the
	 * clock's slot multiplied the paths the verifier walks (loading took
	 * a second longer). */
	/* For every packet, not only departure-stamped ones: most packets
	 * take the coarse time anyway, and one read here keeps its branches
	 * out of account_packet() (verified per path). A packet that needs
	 * the fine clock pays this per-CPU slot as well (a new flow, a lock
	 * taker), and a second clock read once per tick and CPU. */
	m.coarse_ns = kf_coarse_ns();
	if (skb->tstamp_type == BPF_SKB_TSTAMP_DELIVERY_MONO)
		account_packet(&m, hook, 0,
			       skb->tstamp > m.coarse_ns + KF_STAMP_AHEAD_NS ? 0 : skb->tstamp, 1);
	else if (hook == KF_HOOK_INGRESS && skb->tstamp_type == BPF_SKB_TSTAMP_UNSPEC)
		account_packet(&m, hook, 0, skb->tstamp, 0);
	else
		account_packet(&m, hook, 0, 0, 0);
}

SEC("tc")
int kf_tc_ingress(struct __sk_buff *skb)
{
	handle_skb(skb, KF_HOOK_INGRESS);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int kf_tc_egress(struct __sk_buff *skb)
{
	handle_skb(skb, KF_HOOK_EGRESS);
	return TC_ACT_UNSPEC;
}

SEC("xdp")
int kf_xdp_ingress(struct xdp_md *ctx)
{
	struct pkt_meta m = {};
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 soft_err = KF_CNT_MAX;
	int err;

	m.pkt_len = end - data;
	m.segs = 1;
	m.key.ifindex = ctx->ingress_ifindex;
	err = parse_packet(&m, data, end, 0, &soft_err);
	if (err != KF_PARSE_OK) {
		count_event(err);
		return XDP_PASS;
	}
	if (soft_err != KF_CNT_MAX)
		count_event(soft_err);
	if (!cfg_precise_time)
		m.coarse_ns = kf_coarse_ns();
	account_packet(&m, KF_HOOK_INGRESS, 0, 0, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
