// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench_floor.bpf.c - the least a per-flow table can cost, run beside kflow
 * in `make bench` so that its figures can be read against this machine's
 * floor and not only against the empty program.
 *
 * The floors, for IPv4 TCP and UDP frames only (fixed offsets, no
 * parser, no TCP analysis):
 *  - floor_hash_*: kflow's 44-byte key in a preallocated per-CPU hash of kflow's
 *    value type, bytes, packets and last time added: the interval maps'
 *    layout until ABI 4 (per CPU, no atomics) with nothing else around it;
 *  - floor_line_*: one 64-byte line per flow in a flat array indexed by a hash of
 *    the addresses and ports, no key stored or compared: no flow table can
 *    touch less memory per packet;
 *  - floor_life_*: the layout issue 11 proposes in place of the interval
 *    maps and kf_l4: one shared (not per-CPU) preallocated hash
 *    entry per flow for its lifetime, each direction's counters and
 *    sequence state on lines of their own, bytes and packets added
 *    atomically (several CPUs may send one direction). Its memory does not
 *    grow with the CPU count; the bench shows what one shared lookup and
 *    two atomic adds cost beside the per-CPU hash, alone and on two CPUs;
 *  - floor_split_*: floor_life's entry (in a map of its own), and a second
 *    entry per flow for its TCP state, in another hash (kflow's l4_state, as
 *    kf_l4), where the sender's side takes the packet's time: what kflow's split (the interval
 *    maps beside kf_l4) costs at the least, two lookups a packet. Beside
 *    floor_life it shows what one entry in place of two would save, less
 *    the side's line, which one entry would still write;
 *  - floor_peer_in_tc / floor_peer_out_tc: a model of the per-packet work of
 *    the usual open-source TC flow agent, the one issue 11's targets are
 *    set against (0.8 of its cost), in its recent form: the fine clock
 *    read on every packet, a key per direction as seen (no canonical
 *    order), a shared hash allocated on insert (no preallocation), bytes
 *    and packets added atomically in place when the packet comes from the
 *    interface that first saw the flow, last time, TCP flags, DSCP and
 *    MACs stored plainly, a new entry by one insert (and a look-up again
 *    when another CPU inserted it first). Nothing of TCP health. Written
 *    from that agent's published behaviour, not from its code; the live
 *    bench prints kflow's cost as a ratio of it (KF_LIVE_FLOOR=peer).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "kflow.h"

/* Key: struct flow_key -> Value: struct flow_stats (per CPU), as the
 * interval maps. Written and read by the floor programs only. Sizing: set
 * by the bench to kf_flows_a's. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, KF_DEFAULT_MAX_FLOWS + 1);
	__type(key, struct flow_key);
	__type(value, struct flow_stats);
} kf_bench_flows SEC(".maps");

struct bf_line {
	__u64 bytes;
	__u64 packets;
	__u64 last_ns;
	__u64 pad[5];
};

/* One direction of a lifetime entry: counters, then its TCP side. */
struct bf_life_dir {
	__u64 bytes;
	__u64 packets;
	__u64 last_ns;
	__u64 counters[5]; /* l3/l4 bytes, first_ns, flags, health counts */
	struct tcp_side side;
	__u8 pad[64 - sizeof(struct tcp_side)];
} __attribute__((aligned(64)));

/* A lifetime entry: two directions of 128 bytes and the shared state
 * (lock, state machine, handshake, delays) on one more line. */
struct bf_life {
	struct bf_life_dir dir[2];
	__u64 shared[8];
};

_Static_assert(sizeof(struct bf_life) == 320, "five cache lines");

/* Key: struct flow_key -> Value: struct bf_life (shared by all CPUs).
 * Written and read by the floor programs only. Sizing: set by the bench to
 * kf_flows_a's. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KF_DEFAULT_MAX_FLOWS + 1);
	__type(key, struct flow_key);
	__type(value, struct bf_life);
} kf_bench_life SEC(".maps");

/* Key: struct flow_key -> Value: struct bf_life, as kf_bench_life:
 * floor_split's first entry. Written and read by the floor programs only.
 * Sizing: set by the bench to kf_bench_life's. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KF_DEFAULT_MAX_FLOWS + 1);
	__type(key, struct flow_key);
	__type(value, struct bf_life);
} kf_bench_cnt SEC(".maps");

/* Key: struct flow_key -> Value: struct l4_state, as kf_l4: floor_split's
 * second entry. Written and read by the floor programs only. Sizing: set by
 * the bench to kf_bench_life's. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KF_DEFAULT_MAX_FLOWS + 1);
	__type(key, struct flow_key);
	__type(value, struct l4_state);
} kf_bench_state SEC(".maps");

/* The peer model's key: one direction of a flow, as seen. */
struct bf_peer_key {
	__u8 src[16]; /* IPv4 in the first 4 bytes */
	__u8 dst[16];
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct bf_peer_val {
	__u64 bytes;
	__u64 first_ns;
	__u64 last_ns;
	__u32 packets;
	__u32 ifindex; /* the interface that first saw the flow */
	__u16 tcp_flags;
	__u8 dscp;
	__u8 hook; /* enum kf_hook of the first packet */
	__u8 mac[2][6];
};

/* Key: struct bf_peer_key -> Value: struct bf_peer_val, shared by all
 * CPUs, allocated on insert. Written and read by the peer model's programs
 * only. Sizing: kf_flows_a's. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, KF_DEFAULT_MAX_FLOWS + 1);
	__type(key, struct bf_peer_key);
	__type(value, struct bf_peer_val);
} kf_bench_peer SEC(".maps");

#define BF_LINES (1u << 17) /* a power of two above the bench's 100 000 flows */

/* Key: hash of the flow & (BF_LINES - 1) -> Value: struct bf_line.
 * Written and read by the floor programs only; sized for the bench. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BF_LINES);
	__type(key, __u32);
	__type(value, struct bf_line);
} kf_bench_lines SEC(".maps");

/* The bench's frames, and the live bench's (selftests/bench/live.sh):
 * Ethernet, a 20-byte IPv4 header, then TCP or UDP (whose ports sit where
 * TCP's do; the bounds check asks for TCP's 20 bytes, which the live UDP
 * load's 1200-byte datagrams have). The key is kflow's: the lower address
 * (then port) first, so both directions find one entry; *dir says which
 * side sent the packet. */
static __always_inline int bf_key(void *data, void *end, __u32 ifindex, struct flow_key *k,
				  __u32 *len, int *dir)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *th = (void *)(ip + 1);
	__u32 sa, da;
	__u16 sp, dp;

	if ((void *)(th + 1) > end ||
	    (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP))
		return -1;
	sa = bpf_ntohl(ip->saddr);
	da = bpf_ntohl(ip->daddr);
	sp = bpf_ntohs(th->source);
	dp = bpf_ntohs(th->dest);
	*dir = sa > da || (sa == da && sp > dp);
	if (*dir) {
		__builtin_memcpy(k->addr_a, &ip->daddr, 4);
		__builtin_memcpy(k->addr_b, &ip->saddr, 4);
		k->port_a = dp;
		k->port_b = sp;
	} else {
		__builtin_memcpy(k->addr_a, &ip->saddr, 4);
		__builtin_memcpy(k->addr_b, &ip->daddr, 4);
		k->port_a = sp;
		k->port_b = dp;
	}
	k->ifindex = ifindex;
	k->proto = ip->protocol;
	k->family = 4;
	*len = ETH_HLEN + bpf_ntohs(ip->tot_len);
	return 0;
}

/* The flow's entry in map, made from zero when it has none; NULL when the
 * map is full. Another CPU's insert of the same flow makes the update fail
 * with -EEXIST, and the look-up again finds that entry. */
static __always_inline void *bf_entry(void *map, const struct flow_key *k, const void *zero)
{
	void *e = bpf_map_lookup_elem(map, k);

	if (e)
		return e;
	bpf_map_update_elem(map, k, zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, k);
}

static __always_inline void bf_hash(void *data, void *end, __u32 ifindex)
{
	static const struct flow_stats zero;
	struct flow_key k = {};
	struct flow_stats *st;
	__u32 len;
	int dir;

	if (bf_key(data, end, ifindex, &k, &len, &dir))
		return;

	st = bf_entry(&kf_bench_flows, &k, &zero);
	if (!st)
		return;
	st->dir[dir].bytes += len;
	st->dir[dir].packets++;
	st->dir[dir].last_ns = bpf_ktime_get_coarse_ns();
}

/* Adds the packet to its flow's lifetime entry in map (kf_bench_life or
 * kf_bench_cnt): the time it stored, or 0 when the map had no room. */
static __always_inline __u64 bf_life_add(void *map, const struct flow_key *k, int dir,
					 __u32 len)
{
	static const struct bf_life zero;
	struct bf_life_dir *d;
	struct bf_life *e;

	e = bf_entry(map, k, &zero);
	if (!e)
		return 0;
	d = &e->dir[dir];
	__sync_fetch_and_add(&d->bytes, len);
	__sync_fetch_and_add(&d->packets, 1);
	d->last_ns = bpf_ktime_get_coarse_ns();
	return d->last_ns;
}

static __always_inline void bf_life(void *data, void *end, __u32 ifindex)
{
	struct flow_key k = {};
	__u32 len;
	int dir;

	if (!bf_key(data, end, ifindex, &k, &len, &dir))
		bf_life_add(&kf_bench_life, &k, dir, len);
}

static __always_inline void bf_split(void *data, void *end, __u32 ifindex)
{
	static const struct l4_state zero_l4;
	struct flow_key k = {};
	struct l4_state *ls;
	__u32 len;
	__u64 now;
	int dir;

	if (bf_key(data, end, ifindex, &k, &len, &dir))
		return;
	now = bf_life_add(&kf_bench_cnt, &k, dir, len);
	if (!now)
		return;
	ls = bf_entry(&kf_bench_state, &k, &zero_l4);
	if (ls)
		KF_L4_SIDE(ls, dir)->last_ts = now;
}

static __always_inline void bf_line(void *data, void *end, __u32 ifindex)
{
	struct flow_key k = {};
	const __u32 *w = (const void *)&k;
	__u32 h = 0x9e3779b9, idx, len;
	struct bf_line *l;
	int dir;

	if (bf_key(data, end, ifindex, &k, &len, &dir))
		return;

	/* The IPv4 addresses and the ports: words 0, 4 and 8. */
	h = (h ^ w[0]) * 0x85ebca6b;
	h = (h ^ w[4]) * 0xc2b2ae35;
	h = (h ^ w[8]) * 0x85ebca6b;
	idx = (h ^ (h >> 16)) & (BF_LINES - 1);
	l = bpf_map_lookup_elem(&kf_bench_lines, &idx);
	if (!l)
		return;
	l->bytes += len;
	l->packets++;
	l->last_ns = bpf_ktime_get_coarse_ns();
}

static __always_inline void bf_peer_add(struct bf_peer_val *v, __u32 ifindex, __u64 len,
					__u64 now, __u16 flags, __u8 dscp)
{
	if (v->ifindex == ifindex) {
		__sync_fetch_and_add(&v->packets, 1);
		__sync_fetch_and_add(&v->bytes, len);
		v->dscp = dscp;
	}
	v->last_ns = now;
	v->tcp_flags |= flags;
}

static __always_inline void bf_peer(struct __sk_buff *skb, __u8 hook)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *th = (void *)(ip + 1);
	__u64 now = bpf_ktime_get_ns();
	struct bf_peer_key k = {};
	struct bf_peer_val *v, nv = {};
	__u16 flags = 0;
	__u8 dscp;

	if ((void *)(th + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP))
		return;
	__builtin_memcpy(k.src, &ip->saddr, 4);
	__builtin_memcpy(k.dst, &ip->daddr, 4);
	k.sport = bpf_ntohs(th->source);
	k.dport = bpf_ntohs(th->dest);
	k.proto = ip->protocol;
	dscp = ip->tos >> 2;
	if (ip->protocol == IPPROTO_TCP)
		flags = ((__u8 *)th)[13];

	v = bpf_map_lookup_elem(&kf_bench_peer, &k);
	if (v) {
		bf_peer_add(v, skb->ifindex, skb->len, now, flags, dscp);
		return;
	}
	nv.packets = 1;
	nv.bytes = skb->len;
	nv.first_ns = now;
	nv.last_ns = now;
	nv.ifindex = skb->ifindex;
	nv.tcp_flags = flags;
	nv.dscp = dscp;
	nv.hook = hook;
	__builtin_memcpy(nv.mac[0], eth->h_source, 6);
	__builtin_memcpy(nv.mac[1], eth->h_dest, 6);
	if (bpf_map_update_elem(&kf_bench_peer, &k, &nv, BPF_NOEXIST) == 0)
		return;
	v = bpf_map_lookup_elem(&kf_bench_peer, &k);
	if (v)
		bf_peer_add(v, skb->ifindex, skb->len, now, flags, dscp);
}

SEC("tc")
int floor_peer_in_tc(struct __sk_buff *skb)
{
	bf_peer(skb, KF_HOOK_INGRESS);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int floor_peer_out_tc(struct __sk_buff *skb)
{
	bf_peer(skb, KF_HOOK_EGRESS);
	return TC_ACT_UNSPEC;
}

SEC("xdp")
int floor_hash_xdp(struct xdp_md *ctx)
{
	bf_hash((void *)(long)ctx->data, (void *)(long)ctx->data_end, ctx->ingress_ifindex);
	return XDP_PASS;
}

SEC("tc")
int floor_hash_tc(struct __sk_buff *skb)
{
	bf_hash((void *)(long)skb->data, (void *)(long)skb->data_end, skb->ifindex);
	return TC_ACT_UNSPEC;
}

SEC("xdp")
int floor_life_xdp(struct xdp_md *ctx)
{
	bf_life((void *)(long)ctx->data, (void *)(long)ctx->data_end, ctx->ingress_ifindex);
	return XDP_PASS;
}

SEC("tc")
int floor_life_tc(struct __sk_buff *skb)
{
	bf_life((void *)(long)skb->data, (void *)(long)skb->data_end, skb->ifindex);
	return TC_ACT_UNSPEC;
}

SEC("xdp")
int floor_split_xdp(struct xdp_md *ctx)
{
	bf_split((void *)(long)ctx->data, (void *)(long)ctx->data_end, ctx->ingress_ifindex);
	return XDP_PASS;
}

SEC("tc")
int floor_split_tc(struct __sk_buff *skb)
{
	bf_split((void *)(long)skb->data, (void *)(long)skb->data_end, skb->ifindex);
	return TC_ACT_UNSPEC;
}

SEC("xdp")
int floor_line_xdp(struct xdp_md *ctx)
{
	bf_line((void *)(long)ctx->data, (void *)(long)ctx->data_end, ctx->ingress_ifindex);
	return XDP_PASS;
}

SEC("tc")
int floor_line_tc(struct __sk_buff *skb)
{
	bf_line((void *)(long)skb->data, (void *)(long)skb->data_end, skb->ifindex);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
