/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * parse.bpf.h - cursor parser from the Ethernet header to the L4 header.
 * Fills a struct pkt_meta (canonical flow key, direction, lengths, flags) or
 * returns the enum kf_counter reason the packet cannot be counted.
 *
 * Lengths come from the IP header fields, not from the frame size, so that
 * Ethernet padding is not counted (the seed's `byte` is L2 header + IP total
 * length) and results match a capture of the same wire.
 */
#ifndef KF_PARSE_BPF_H
#define KF_PARSE_BPF_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "kflow.h"
#include "net_consts.bpf.h"
#include "maps.bpf.h"

#define KF_PARSE_OK (-1)

/* ICMP and ICMPv6 share this layout for echo request/reply (RFC 792, 4443);
 * linux/icmp.h is not used because it drags in libc's socket headers. */
struct kf_icmp_echo {
	__u8 type;
	__u8 code;
	__u16 csum;
	__u16 id;
	__u16 seq;
};

struct pkt_meta {
	struct flow_key key;
	__u32 pkt_len; /* bytes the hook was handed (skb->len or frame) */
	__u32 segs; /* wire segments this buffer stands for (GSO/GRO) */
	__u32 gso_size; /* payload of each but the last of them (segs > 1) */
	__u32 l2_len; /* Ethernet header + VLAN tags on the wire */
	__u32 l3_off; /* offset of the IP header in the buffer */
	__u32 ip_len; /* IPv4 total length / IPv6 40 + payload length */
	__u32 l3_hdr_len; /* IP header with options / extension headers */
	__u32 l4_hdr_len; /* TCP/UDP header; 0 when none was parsed */
	__u32 ipid;
	__u16 tcp_flags;
	__u8 dir; /* enum kf_dir */
	__u8 vlans;
	__u8 l4_payload; /* 1 when L4 payload bytes are meaningful (TCP/UDP) */
	__u8 later_frag;
	__u8 mac[6];
	__u8 icmp_echo; /* 1 echo request, 2 echo reply */
	__u16 tcp_win; /* raw window field */
	__u16 icmp_seq;
	__u32 tcp_seq;
	__u32 tcp_ack;
	__u8 trust_ip_len; /* replay: a capture's snap length is no malformation */
	__u64 coarse_ns; /* the coarse clock when the hook already read it, else 0 */
};

/* Which side sorts lower: compare addresses word by word, then ports. */
static __always_inline int side_cmp(const __u32 *a, const __u32 *b, __u16 pa, __u16 pb,
				    int words)
{
	for (int i = 0; i < words; i++) {
		__u32 x = bpf_ntohl(a[i]), y = bpf_ntohl(b[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return 0;
}

/* Orders (src, dst) into the canonical key and records the direction. */
static __always_inline void fill_key(struct pkt_meta *m, const void *src, const void *dst,
				     __u16 sport, __u16 dport, int alen)
{
	int words = alen / 4;
	int c = side_cmp(src, dst, sport, dport, words);
	const __u32 *lo = c <= 0 ? src : dst, *hi = c <= 0 ? dst : src;
	/* Word copies: __builtin_memcpy() from a packet pointer (alignment 1)
	 * becomes a load and a store per byte, 64 of them for IPv6 (about
	 * 6 ns per packet in `make bench`). */
	__u32 *ka = (__u32 *)m->key.addr_a, *kb = (__u32 *)m->key.addr_b;

	m->dir = c <= 0 ? KF_DIR_AB : KF_DIR_BA;
	for (int i = 0; i < words; i++) {
		ka[i] = lo[i];
		kb[i] = hi[i];
	}
	m->key.port_a = c <= 0 ? sport : dport;
	m->key.port_b = c <= 0 ? dport : sport;
}

/* Parses the L4 header at cur (first fragment or unfragmented packet).
 * Sets ports and the TCP flags. */
static __always_inline int parse_l4(struct pkt_meta *m, void *cur, void *end, __u8 proto,
				    __u16 *sport, __u16 *dport)
{
	__u32 l3_payload = m->ip_len - m->l3_hdr_len;

	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = cur;
		__u8 *raw = cur;
		__u32 doff;

		if ((void *)(th + 1) > end)
			return KF_CNT_TRUNC_L4;
		doff = th->doff * 4;
		if (doff < sizeof(*th) || doff > l3_payload)
			return KF_CNT_BAD_TCP_DOFF;
		*sport = bpf_ntohs(th->source);
		*dport = bpf_ntohs(th->dest);
		m->tcp_flags = raw[13] | ((raw[12] & 1) << 8);
		m->tcp_seq = bpf_ntohl(th->seq);
		m->tcp_ack = bpf_ntohl(th->ack_seq);
		m->tcp_win = bpf_ntohs(th->window);
		m->l4_hdr_len = doff;
		m->l4_payload = 1;
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *uh = cur;

		/* Against the IP length too: padding is not a header. */
		if ((void *)(uh + 1) > end || l3_payload < sizeof(*uh))
			return KF_CNT_TRUNC_L4;
		*sport = bpf_ntohs(uh->source);
		*dport = bpf_ntohs(uh->dest);
		m->l4_hdr_len = sizeof(*uh);
		m->l4_payload = 1;
	} else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		struct kf_icmp_echo *ih = cur;
		__u8 echo_req = proto == IPPROTO_ICMP ? KF_ICMP_ECHO : KF_ICMP6_ECHO;
		__u8 echo_rep = proto == IPPROTO_ICMP ? KF_ICMP_ECHOREPLY : KF_ICMP6_ECHOREPLY;

		if ((void *)(ih + 1) > end || l3_payload < sizeof(*ih))
			return KF_CNT_TRUNC_L4;
		if (ih->type == echo_req || ih->type == echo_rep) {
			*sport = bpf_ntohs(ih->id);
			*dport = *sport;
			m->icmp_echo = ih->type == echo_req ? 1 : 2;
			m->icmp_seq = bpf_ntohs(ih->seq);
		}
	}
	return KF_PARSE_OK;
}

/* Ports of a fragment train: remembered from the first fragment, looked up by
 * the later ones. Only first fragments write, so the common path is untouched.
 * A later fragment whose first was not seen still joins its address pair's
 * flow (ports 0): the failure goes to soft_err, the bytes stay counted. */
static __always_inline void frag_ports(struct frag_key *fk, int first, __u16 *sport,
				       __u16 *dport, __u32 *soft_err)
{
	struct frag_ports *fp, val;

	if (first) {
		val.sport = *sport;
		val.dport = *dport;
		if (bpf_map_update_elem(&kf_frags, fk, &val, BPF_ANY))
			*soft_err = KF_CNT_FRAG_TRACK_FAIL;
		return;
	}
	fp = bpf_map_lookup_elem(&kf_frags, fk);
	if (!fp) {
		*soft_err = KF_CNT_FRAG_NO_FIRST;
		return;
	}
	*sport = fp->sport;
	*dport = fp->dport;
}

static __always_inline int parse_ipv4(struct pkt_meta *m, void *data, void *end,
				      __u32 *soft_err)
{
	struct iphdr *iph = data + m->l3_off;
	__u16 sport = 0, dport = 0, frag_off;
	__u32 ihl;
	int err, frag, first;

	if ((void *)(iph + 1) > end)
		return KF_CNT_TRUNC_IP;
	if (iph->version != 4)
		return KF_CNT_BAD_IP_VERSION;
	ihl = iph->ihl * 4;
	if (ihl < sizeof(*iph))
		return KF_CNT_BAD_IP_HDR;
	m->ip_len = bpf_ntohs(iph->tot_len);
	if (m->ip_len == 0 && m->segs > 1) /* BIG TCP: length only in the skb */
		m->ip_len = m->pkt_len - m->l2_len;
	if (m->ip_len < ihl)
		return KF_CNT_BAD_IP_HDR;
	if (m->l2_len + m->ip_len > m->pkt_len && !m->trust_ip_len)
		return KF_CNT_BAD_IP_LEN;
	if ((void *)iph + ihl > end)
		return KF_CNT_TRUNC_IP;
	m->l3_hdr_len = ihl;
	m->ipid = bpf_ntohs(iph->id);
	m->key.family = 4;
	m->key.proto = iph->protocol;

	frag_off = bpf_ntohs(iph->frag_off);
	frag = frag_off & (KF_IP_MF | KF_IP_OFFMASK);
	first = !(frag_off & KF_IP_OFFMASK);
	if (first) {
		err = parse_l4(m, (void *)iph + ihl, end, iph->protocol, &sport, &dport);
		if (err != KF_PARSE_OK)
			return err;
	} else {
		m->later_frag = 1;
		m->l4_payload = iph->protocol == IPPROTO_TCP || iph->protocol == IPPROTO_UDP;
	}
	if (frag) {
		struct frag_key fk = {};

		__builtin_memcpy(fk.src, &iph->saddr, 4);
		__builtin_memcpy(fk.dst, &iph->daddr, 4);
		fk.id = m->ipid;
		fk.proto = iph->protocol;
		fk.family = 4;
		frag_ports(&fk, first, &sport, &dport, soft_err);
	}
	fill_key(m, &iph->saddr, &iph->daddr, sport, dport, 4);
	return KF_PARSE_OK;
}

static __always_inline int is_ip6_ext(__u8 h)
{
	return h == KF_IP6_HOPOPTS || h == KF_IP6_ROUTING || h == KF_IP6_FRAGMENT ||
	       h == KF_IP6_AH || h == KF_IP6_DSTOPTS || h == KF_IP6_MH;
}

static __always_inline int parse_ipv6(struct pkt_meta *m, void *data, void *end,
				      __u32 *soft_err)
{
	struct ipv6hdr *ip6h = data + m->l3_off;
	__u32 frag_id = 0;
	void *cur = ip6h + 1;
	__u16 sport = 0, dport = 0;
	__u8 nexthdr;
	int err, frag = 0, first = 1, i;

	if ((void *)(ip6h + 1) > end)
		return KF_CNT_TRUNC_IP;
	if (ip6h->version != 6)
		return KF_CNT_BAD_IP_VERSION;
	m->ip_len = sizeof(*ip6h) + bpf_ntohs(ip6h->payload_len);
	if (m->ip_len == sizeof(*ip6h) && m->segs > 1) /* BIG TCP jumbogram */
		m->ip_len = m->pkt_len - m->l2_len;
	if (m->l2_len + m->ip_len > m->pkt_len && !m->trust_ip_len)
		return KF_CNT_BAD_IP_LEN;
	m->key.family = 6;
	nexthdr = ip6h->nexthdr;

	for (i = 0; i < KF_MAX_IP6_EXT && first && is_ip6_ext(nexthdr); i++) {
		__u8 *ext = cur;
		__u32 len;

		if ((void *)(ext + 8) > end)
			return KF_CNT_TRUNC_IP6_EXT;
		if (nexthdr == KF_IP6_FRAGMENT) {
			__u16 off = bpf_ntohs(*(__u16 *)(ext + 2));

			frag = 1;
			first = !(off & KF_IP6_OFFMASK);
			frag_id = bpf_ntohl(*(__u32 *)(ext + 4));
			len = 8;
		} else if (nexthdr == KF_IP6_AH) {
			len = (ext[1] + 2) * 4;
		} else {
			len = (ext[1] + 1) * 8;
		}
		nexthdr = ext[0];
		cur += len;
		if (cur > end)
			return KF_CNT_TRUNC_IP6_EXT;
	}
	/* A later fragment's payload starts after the fragment header. */
	if (first && is_ip6_ext(nexthdr))
		return KF_CNT_IP6_EXT_DEPTH;
	m->l3_hdr_len = cur - (void *)ip6h;
	if (m->l3_hdr_len > m->ip_len)
		return KF_CNT_BAD_IP_HDR;
	m->key.proto = nexthdr;

	if (first) {
		err = parse_l4(m, cur, end, nexthdr, &sport, &dport);
		if (err != KF_PARSE_OK)
			return err;
	} else {
		m->later_frag = 1;
		m->l4_payload = nexthdr == IPPROTO_TCP || nexthdr == IPPROTO_UDP;
	}
	if (frag) {
		struct frag_key fk = {};

		__builtin_memcpy(fk.src, &ip6h->saddr, 16);
		__builtin_memcpy(fk.dst, &ip6h->daddr, 16);
		fk.id = frag_id;
		fk.proto = nexthdr;
		fk.family = 6;
		frag_ports(&fk, first, &sport, &dport, soft_err);
	}
	fill_key(m, &ip6h->saddr, &ip6h->daddr, sport, dport, 16);
	return KF_PARSE_OK;
}

/* hw_vlan: VLAN id + 1 of a tag the driver moved out of the frame (TC only),
 * 0 otherwise. soft_err receives a counter to bump for a packet that is still
 * counted (a later fragment whose ports are unknown). */
static __always_inline int parse_packet(struct pkt_meta *m, void *data, void *end,
					__u32 hw_vlan, __u32 *soft_err)
{
	struct ethhdr *eth = data;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > end)
		return KF_CNT_TRUNC_ETH;
	__builtin_memcpy(m->mac, eth->h_source, 6);
	proto = eth->h_proto;
	m->l3_off = sizeof(*eth);
	if (hw_vlan) {
		m->key.vlan = (hw_vlan - 1) & 0x0fff;
		m->vlans = 1;
		m->pkt_len += 4; /* the tag was on the wire, not in the buffer */
	}

	for (i = 0; i < KF_MAX_VLANS; i++) {
		__u16 *tag = data + m->l3_off; /* TCI, then the inner ethertype */

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(tag + 2) > end)
			return KF_CNT_TRUNC_VLAN;
		if (!m->vlans)
			m->key.vlan = bpf_ntohs(tag[0]) & 0x0fff;
		m->vlans++;
		proto = tag[1];
		m->l3_off += 4;
	}
	/* A tag the driver moved out counts toward the limit, so that TC (which
	 * sees the outer tag moved out on receive) and XDP agree. */
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD) ||
	    m->vlans > KF_MAX_VLANS)
		return KF_CNT_VLAN_DEPTH;
	m->l2_len = m->l3_off + (hw_vlan ? 4 : 0);

	if (proto == bpf_htons(ETH_P_IP))
		return parse_ipv4(m, data, end, soft_err);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_ipv6(m, data, end, soft_err);
	return KF_CNT_NON_IP;
}

#endif /* KF_PARSE_BPF_H */
