// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * parse_table.c - table-driven test of the datapath's parser and accounting.
 * Every case's packets run through kf_tc_ingress, kf_tc_egress and
 * kf_xdp_ingress (BPF_PROG_TEST_RUN); then the verdict, the flow entries of
 * the interval map (key, per-direction lengths, packets, TCP flags) and the
 * kf_counters deltas must match the table. Expected values are worked out
 * by hand from the rules in bpf/account.bpf.h and bpf/parse.bpf.h.
 * A case is not generated for a hook that cannot carry it: GSO segments on
 * XDP, and on TC an IPv4/IPv6 skb too short for its IP header (the kernel's
 * test run refuses both). A frame shorter than an Ethernet header cannot be
 * fed to either hook (the test run's minimum is ETH_HLEN), so the trunc_eth
 * counter is checked by review only.
 */
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include "test_progs.h"
#include "kflow.skel.h"
#include "counters.h"
#include "loader.h"

#define MAX_PKTS 6
#define MAX_FLOWS 2

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_ECE 0x40
#define TH_CWR 0x80
#define TH_NS 0x100

#define IP6_HOP 0
#define IP6_RT 43
#define IP6_FRAG 44
#define IP6_AH 51
#define IP6_DST 60

/* Test run ifindex: TC context ifindex 1, XDP default rxq: both lo. */
#define LO_IFINDEX 1

/* A flow entry the case must leave in the interval map. */
struct exp_flow {
	__u8 family; /* 0 ends the list */
	__u8 proto;
	__u8 host_a, host_b; /* 0 means 1 and 2 */
	__u16 port_a, port_b;
	__u16 vlan;
	__u8 vlans; /* eth_vlans: tags on the first packet */
	__u8 first_dir;
	__u32 first_ipid;
	struct exp_dir dir[2]; /* by enum kf_dir */
};

struct parse_case {
	const char *name;
	struct pkt_spec pkts[MAX_PKTS]; /* ends at .l3 == PKT_NONE */
	struct exp_flow flows[MAX_FLOWS]; /* the only entries besides the overflow key */
	__u64 cnt[KF_CNT_MAX]; /* kf_counters deltas; all others must stay */
	const char *tc_refuses; /* why the TC test run refuses this case */
};

#define NO_SHORT_IP_SKB "the kernel refuses a test-run skb with a short IP header"

#define V4_TCP(sp, dp, fl) .l3 = PKT_IPV4, .proto = IPPROTO_TCP, .sport = (sp), .dport = (dp), \
	.tcp_flags = (fl)
#define V6_TCP(sp, dp, fl) .l3 = PKT_IPV6, .proto = IPPROTO_TCP, .sport = (sp), .dport = (dp), \
	.tcp_flags = (fl)
#define V4_UDP(sp, dp) .l3 = PKT_IPV4, .proto = IPPROTO_UDP, .sport = (sp), .dport = (dp)
#define V6_UDP(sp, dp) .l3 = PKT_IPV6, .proto = IPPROTO_UDP, .sport = (sp), .dport = (dp)
#define B_TO_A .src = 2, .dst = 1

#define FLOW4(pr, pa, pb) .family = 4, .proto = (pr), .port_a = (pa), .port_b = (pb)
#define FLOW6(pr, pa, pb) .family = 6, .proto = (pr), .port_a = (pa), .port_b = (pb)
#define DIR(b, l3b, l4b, n, ...) { .bytes = (b), .l3 = (l3b), .l4 = (l4b), .packets = (n), \
	__VA_ARGS__ }

/* Eight extension headers the parser walks, then nine. */
#define EXT4 { .type = IP6_HOP }, { .type = IP6_DST }, { .type = IP6_RT }, { .type = IP6_DST }

static const struct parse_case cases[] = {
	/* ---- TCP over IPv4: lengths, flags, direction ---- */
	{
		.name = "ipv4_tcp_syn",
		.pkts = { { V4_TCP(40000, 80, TH_SYN), .doff = 10, .ip_id = 0x1111 } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80), .first_ipid = 0x1111,
			     .dir[0] = DIR(74, 40, 0, 1, .flags = TH_SYN, .syn = 1) } },
	},
	{
		.name = "ipv4_tcp_synack_b_to_a",
		.pkts = { { V4_TCP(80, 40000, TH_SYN | TH_ACK), B_TO_A, .doff = 8 } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80), .first_dir = KF_DIR_BA,
			     .dir[1] = DIR(66, 32, 0, 1, .flags = 0x12, .synack = 1) } },
	},
	{
		.name = "ipv4_tcp_both_dirs",
		.pkts = {
			{ V4_TCP(40000, 80, TH_SYN), .ip_id = 1 },
			{ V4_TCP(80, 40000, TH_SYN | TH_ACK), B_TO_A, .ip_id = 2 },
			{ V4_TCP(40000, 80, TH_ACK), .ip_id = 3 },
			{ V4_TCP(40000, 80, TH_PSH | TH_ACK), .payload = 100, .ip_id = 4 },
			{ V4_TCP(80, 40000, TH_FIN | TH_ACK), B_TO_A, .ip_id = 5 },
			{ V4_TCP(40000, 80, TH_RST | TH_ACK), .ip_id = 6 },
		},
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80), .first_ipid = 1,
			     .dir[0] = DIR(316, 180, 100, 4, .flags = 0x1e, .syn = 1, .rst = 1),
			     .dir[1] = DIR(108, 40, 0, 2, .flags = 0x13, .synack = 1, .fin = 1) } },
	},
	{
		.name = "ipv4_tcp_syn_with_data",
		.pkts = { { V4_TCP(40000, 80, TH_SYN), .payload = 16 } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80),
			     .dir[0] = DIR(70, 36, 16, 1, .flags = TH_SYN, .syn = 1) } },
	},
	{
		/* A SYN-ACK with data is not a handshake SYN-ACK. */
		.name = "ipv4_tcp_synack_with_data",
		.pkts = { { V4_TCP(80, 40000, TH_SYN | TH_ACK), B_TO_A, .payload = 8 } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80), .first_dir = KF_DIR_BA,
			     .dir[1] = DIR(62, 28, 8, 1, .flags = 0x12) } },
	},
	{
		/* ECE and CWR are masked off before the SYN test. */
		.name = "ipv4_tcp_syn_ecn",
		.pkts = { { V4_TCP(40000, 80, TH_SYN | TH_ECE | TH_CWR) } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80),
			     .dir[0] = DIR(54, 20, 0, 1, .flags = 0xc2, .syn = 1) } },
	},
	{
		.name = "ipv4_tcp_ns_bit",
		.pkts = { { V4_TCP(40000, 80, TH_NS | TH_ACK) } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80),
			     .dir[0] = DIR(54, 20, 0, 1, .flags = 0x110) } },
	},
	{
		/* FIN without ACK is abnormal: in tcp_flags, not in fin. */
		.name = "ipv4_tcp_bare_fin",
		.pkts = { { V4_TCP(40000, 80, TH_FIN) } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80),
			     .dir[0] = DIR(54, 20, 0, 1, .flags = TH_FIN) } },
	},
	{
		.name = "ipv4_tcp_fin_psh_ack",
		.pkts = { { V4_TCP(40000, 80, TH_FIN | TH_PSH | TH_ACK), .payload = 10 } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80),
			     .dir[0] = DIR(64, 30, 10, 1, .flags = 0x19, .fin = 1) } },
	},
	{
		.name = "ipv4_tcp_bare_rst",
		.pkts = { { V4_TCP(80, 40000, TH_RST), B_TO_A } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80), .first_dir = KF_DIR_BA,
			     .dir[1] = DIR(54, 20, 0, 1, .flags = TH_RST, .rst = 1) } },
	},
	{
		.name = "ipv4_tcp_doff_15",
		.pkts = { { V4_TCP(40000, 80, TH_ACK), .doff = 15, .payload = 10 } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80),
			     .dir[0] = DIR(104, 70, 10, 1, .flags = TH_ACK) } },
	},
	{
		/* The data offset may reach the very end of the IP payload. */
		.name = "ipv4_tcp_doff_is_ip_payload",
		.pkts = { { V4_TCP(40000, 80, TH_ACK), .doff_field = 8, .payload = 12 } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80),
			     .dir[0] = DIR(66, 32, 0, 1, .flags = TH_ACK) } },
	},

	/* ---- UDP, ICMP, other protocols over IPv4 ---- */
	{
		.name = "ipv4_udp",
		.pkts = { { V4_UDP(5000, 53), .payload = 32 } },
		.flows = { { FLOW4(IPPROTO_UDP, 5000, 53), .dir[0] = DIR(74, 40, 32, 1) } },
	},
	{
		.name = "ipv4_options_udp",
		.pkts = { { V4_UDP(5000, 53), .ip_opt_len = 8, .payload = 20 } },
		.flows = { { FLOW4(IPPROTO_UDP, 5000, 53), .dir[0] = DIR(70, 28, 20, 1) } },
	},
	{
		/* Side b speaks first: dir[1], first_dir 1, key unchanged. */
		.name = "ipv4_udp_b_first",
		.pkts = {
			{ V4_UDP(53, 5000), B_TO_A, .payload = 100, .ip_id = 77 },
			{ V4_UDP(5000, 53), .payload = 30, .ip_id = 78 },
		},
		.flows = { { FLOW4(IPPROTO_UDP, 5000, 53), .first_dir = KF_DIR_BA,
			     .first_ipid = 77,
			     .dir[0] = DIR(72, 38, 30, 1), .dir[1] = DIR(142, 108, 100, 1) } },
	},
	{
		/* Same address on both sides: the lower port is side a. */
		.name = "ipv4_same_addr_port_order",
		.pkts = {
			{ V4_UDP(5000, 53), .src = 1, .dst = 1, .payload = 4 },
			{ V4_UDP(53, 5000), .src = 1, .dst = 1, .payload = 4 },
		},
		.flows = { { FLOW4(IPPROTO_UDP, 53, 5000), .host_a = 1, .host_b = 1,
			     .first_dir = KF_DIR_BA,
			     .dir[0] = DIR(46, 12, 4, 1), .dir[1] = DIR(46, 12, 4, 1) } },
	},
	{
		/* 10.0.1.1 > 10.0.0.2 in network order (not as little-endian words). */
		.name = "ipv4_addr_order_network_bytes",
		.pkts = { { V4_UDP(5000, 53), .src = 101, .dst = 2, .payload = 4 } },
		.flows = { { FLOW4(IPPROTO_UDP, 53, 5000), .host_a = 2, .host_b = 101,
			     .first_dir = KF_DIR_BA, .dir[1] = DIR(46, 12, 4, 1) } },
	},
	{
		/* 60-byte minimum frame around a 40-byte packet: padding excluded. */
		.name = "ipv4_padded_frame",
		.pkts = { { V4_TCP(40000, 80, TH_ACK), .pad_to = 60 } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80),
			     .dir[0] = DIR(54, 20, 0, 1, .flags = TH_ACK) } },
	},
	{
		/* 28-byte packet padded to 60: 18 bytes of padding. */
		.name = "ipv4_padded_small_packet",
		.pkts = { { .l3 = PKT_IPV4, .proto = IPPROTO_ICMP, .icmp_type = 8, .echo_id = 7,
			    .pad_to = 60 } },
		.flows = { { FLOW4(IPPROTO_ICMP, 7, 7), .dir[0] = DIR(42, 8, 0, 1) } },
	},
	{
		.name = "ipv4_icmp_echo",
		.pkts = {
			{ .l3 = PKT_IPV4, .proto = IPPROTO_ICMP, .icmp_type = 8, .echo_id = 0x1234,
			  .payload = 56 },
			{ .l3 = PKT_IPV4, .proto = IPPROTO_ICMP, .icmp_type = 0, .echo_id = 0x1234,
			  .payload = 56, B_TO_A },
		},
		.flows = { { FLOW4(IPPROTO_ICMP, 0x1234, 0x1234),
			     .dir[0] = DIR(98, 64, 0, 1), .dir[1] = DIR(98, 64, 0, 1) } },
	},
	{
		/* Bytes 4-5 are no echo id outside echo request/reply. */
		.name = "ipv4_icmp_unreachable",
		.pkts = { { .l3 = PKT_IPV4, .proto = IPPROTO_ICMP, .icmp_type = 3,
			    .echo_id = 0x5555, .payload = 28 } },
		.flows = { { FLOW4(IPPROTO_ICMP, 0, 0), .dir[0] = DIR(70, 36, 0, 1) } },
	},
	{
		.name = "ipv4_gre",
		.pkts = { { .l3 = PKT_IPV4, .proto = IPPROTO_GRE, .payload = 24 } },
		.flows = { { FLOW4(IPPROTO_GRE, 0, 0), .dir[0] = DIR(58, 24, 0, 1) } },
	},

	/* ---- VLAN tags ---- */
	{
		.name = "vlan_8021q",
		.pkts = { { V4_TCP(40000, 80, TH_ACK), .nvlans = 1, .vlan_tci = { 100 },
			    .payload = 10 } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80), .vlan = 100, .vlans = 1,
			     .dir[0] = DIR(68, 30, 10, 1, .flags = TH_ACK) } },
	},
	{
		/* The outer tag names the flow. */
		.name = "vlan_qinq",
		.pkts = { { V4_UDP(5000, 53), .nvlans = 2,
			    .vlan_tpid = { ETH_P_8021AD, ETH_P_8021Q },
			    .vlan_tci = { 200, 300 } } },
		.flows = { { FLOW4(IPPROTO_UDP, 5000, 53), .vlan = 200, .vlans = 2,
			     .dir[0] = DIR(50, 8, 0, 1) } },
	},
	{
		/* PCP 5 and DEI are not part of the VLAN id. */
		.name = "vlan_pcp_dei_ipv6",
		.pkts = { { V6_UDP(5000, 53), .nvlans = 1, .vlan_tci = { 0xb123 },
			    .payload = 10 } },
		.flows = { { FLOW6(IPPROTO_UDP, 5000, 53), .vlan = 0x123, .vlans = 1,
			     .dir[0] = DIR(76, 18, 10, 1) } },
	},

	/* ---- IPv4 fragments ---- */
	{
		.name = "ipv4_frag_udp",
		.pkts = {
			{ V4_UDP(5000, 53), .mf = true, .ip_id = 0x4242, .payload = 1472 },
			{ V4_UDP(5000, 53), .no_l4 = true, .frag_off = 1480, .ip_id = 0x4242,
			  .payload = 100 },
		},
		.flows = { { FLOW4(IPPROTO_UDP, 5000, 53), .first_ipid = 0x4242,
			     .dir[0] = DIR(1648, 1580, 1572, 2) } },
	},
	{
		/* Flags come from the first fragment only (the later one is 0xff). */
		.name = "ipv4_frag_tcp",
		.pkts = {
			{ V4_TCP(40000, 80, TH_PSH | TH_ACK), .mf = true, .ip_id = 7,
			  .payload = 1004 },
			{ V4_TCP(40000, 80, 0), .no_l4 = true, .frag_off = 1024, .ip_id = 7,
			  .payload = 200 },
		},
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80), .first_ipid = 7,
			     .dir[0] = DIR(1292, 1224, 1204, 2, .flags = 0x18) } },
	},
	{
		.name = "ipv4_frag_b_to_a",
		.pkts = {
			{ V4_UDP(53, 5000), B_TO_A, .mf = true, .ip_id = 9, .payload = 16 },
			{ V4_UDP(53, 5000), B_TO_A, .no_l4 = true, .frag_off = 24, .ip_id = 9,
			  .payload = 8 },
		},
		.flows = { { FLOW4(IPPROTO_UDP, 5000, 53), .first_dir = KF_DIR_BA, .first_ipid = 9,
			     .dir[1] = DIR(100, 32, 24, 2) } },
	},
	{
		/* ICMP has no L4 payload count, fragmented or not. */
		.name = "ipv4_frag_icmp",
		.pkts = {
			{ .l3 = PKT_IPV4, .proto = IPPROTO_ICMP, .icmp_type = 8, .echo_id = 0x99,
			  .mf = true, .ip_id = 5, .payload = 16 },
			{ .l3 = PKT_IPV4, .proto = IPPROTO_ICMP, .no_l4 = true, .frag_off = 24,
			  .ip_id = 5, .payload = 40 },
		},
		.flows = { { FLOW4(IPPROTO_ICMP, 0x99, 0x99), .first_ipid = 5,
			     .dir[0] = DIR(132, 64, 0, 2) } },
	},
	{
		.name = "ipv4_frag_no_first",
		.pkts = { { V4_UDP(5000, 53), .no_l4 = true, .frag_off = 1480, .ip_id = 99,
			    .payload = 100 } },
		.flows = { { FLOW4(IPPROTO_UDP, 0, 0), .first_ipid = 99,
			     .dir[0] = DIR(134, 100, 100, 1) } },
		.cnt = { [KF_CNT_FRAG_NO_FIRST] = 1 },
	},
	{
		/* The IP id is part of the train: id 2 did not see its first. */
		.name = "ipv4_frag_other_id",
		.pkts = {
			{ V4_UDP(5000, 53), .mf = true, .ip_id = 1, .payload = 16 },
			{ V4_UDP(5000, 53), .no_l4 = true, .frag_off = 24, .ip_id = 2,
			  .payload = 16 },
		},
		.flows = {
			{ FLOW4(IPPROTO_UDP, 5000, 53), .first_ipid = 1,
			  .dir[0] = DIR(58, 24, 16, 1) },
			{ FLOW4(IPPROTO_UDP, 0, 0), .first_ipid = 2, .dir[0] = DIR(50, 16, 16, 1) },
		},
		.cnt = { [KF_CNT_FRAG_NO_FIRST] = 1 },
	},

	/* ---- IPv6 ---- */
	{
		.name = "ipv6_tcp",
		.pkts = { { V6_TCP(40000, 443, TH_ACK), .payload = 100 } },
		.flows = { { FLOW6(IPPROTO_TCP, 40000, 443),
			     .dir[0] = DIR(174, 120, 100, 1, .flags = TH_ACK) } },
	},
	{
		.name = "ipv6_udp_both_dirs",
		.pkts = {
			{ V6_UDP(5000, 53), .payload = 20 },
			{ V6_UDP(53, 5000), B_TO_A, .payload = 60 },
		},
		.flows = { { FLOW6(IPPROTO_UDP, 5000, 53),
			     .dir[0] = DIR(82, 28, 20, 1), .dir[1] = DIR(122, 68, 60, 1) } },
	},
	{
		.name = "ipv6_addr_order_network_bytes",
		.pkts = { { V6_UDP(5000, 53), .src = 101, .dst = 2, .payload = 4 } },
		.flows = { { FLOW6(IPPROTO_UDP, 53, 5000), .host_a = 2, .host_b = 101,
			     .first_dir = KF_DIR_BA, .dir[1] = DIR(66, 12, 4, 1) } },
	},
	{
		.name = "ipv6_icmpv6_echo",
		.pkts = {
			{ .l3 = PKT_IPV6, .proto = IPPROTO_ICMPV6, .icmp_type = 128,
			  .echo_id = 0x77, .payload = 56 },
			{ .l3 = PKT_IPV6, .proto = IPPROTO_ICMPV6, .icmp_type = 129,
			  .echo_id = 0x77, .payload = 56, B_TO_A },
		},
		.flows = { { FLOW6(IPPROTO_ICMPV6, 0x77, 0x77),
			     .dir[0] = DIR(118, 64, 0, 1), .dir[1] = DIR(118, 64, 0, 1) } },
	},
	{
		.name = "ipv6_icmpv6_neighbor_solicit",
		.pkts = { { .l3 = PKT_IPV6, .proto = IPPROTO_ICMPV6, .icmp_type = 135,
			    .echo_id = 0x5555, .payload = 16 } },
		.flows = { { FLOW6(IPPROTO_ICMPV6, 0, 0), .dir[0] = DIR(78, 24, 0, 1) } },
	},
	{
		.name = "ipv6_no_next_header",
		.pkts = { { .l3 = PKT_IPV6, .proto = 59 } },
		.flows = { { FLOW6(59, 0, 0), .dir[0] = DIR(54, 0, 0, 1) } },
	},
	{
		/* Hop-by-hop 8 + routing 24 + destination 16 bytes before TCP. */
		.name = "ipv6_ext_chain_tcp",
		.pkts = { { V6_TCP(40000, 443, TH_ACK), .payload = 10, .n_ext = 3,
			    .ext = { { .type = IP6_HOP }, { .type = IP6_RT, .len = 2 },
				     { .type = IP6_DST, .len = 1 } } } },
		.flows = { { FLOW6(IPPROTO_TCP, 40000, 443),
			     .dir[0] = DIR(132, 30, 10, 1, .flags = TH_ACK) } },
	},
	{
		/* AH length is in 4-byte units: (4 + 2) * 4 = 24 bytes. */
		.name = "ipv6_ah_udp",
		.pkts = { { V6_UDP(5000, 53), .payload = 8, .n_ext = 1,
			    .ext = { { .type = IP6_AH, .len = 4 } } } },
		.flows = { { FLOW6(IPPROTO_UDP, 5000, 53), .dir[0] = DIR(94, 16, 8, 1) } },
	},
	{
		/* KF_MAX_IP6_EXT (4) headers are walked; the fifth is too many. */
		.name = "ipv6_4_ext_headers",
		.pkts = { { V6_UDP(5000, 53), .payload = 4, .n_ext = 4, .ext = { EXT4 } } },
		.flows = { { FLOW6(IPPROTO_UDP, 5000, 53), .dir[0] = DIR(98, 12, 4, 1) } },
	},
	{
		.name = "ipv6_frag_udp",
		.pkts = {
			{ V6_UDP(5000, 53), .payload = 1000, .n_ext = 1,
			  .ext = { { .type = IP6_FRAG, .more = true, .id = 0xdeadbeef } } },
			{ V6_UDP(5000, 53), .no_l4 = true, .payload = 200, .n_ext = 1,
			  .ext = { { .type = IP6_FRAG, .frag_off = 1008, .id = 0xdeadbeef } } },
		},
		.flows = { { FLOW6(IPPROTO_UDP, 5000, 53), .dir[0] = DIR(1332, 1208, 1200, 2) } },
	},
	{
		/* Hop-by-hop before the fragment header, in both fragments. */
		.name = "ipv6_hbh_frag_tcp",
		.pkts = {
			{ V6_TCP(40000, 443, TH_PSH | TH_ACK), .payload = 1004, .n_ext = 2,
			  .ext = { { .type = IP6_HOP },
				   { .type = IP6_FRAG, .more = true, .id = 3 } } },
			{ V6_TCP(40000, 443, 0), .no_l4 = true, .payload = 300, .n_ext = 2,
			  .ext = { { .type = IP6_HOP },
				   { .type = IP6_FRAG, .frag_off = 1024, .id = 3 } } },
		},
		.flows = { { FLOW6(IPPROTO_TCP, 40000, 443),
			     .dir[0] = DIR(1464, 1324, 1304, 2, .flags = 0x18) } },
	},
	{
		.name = "ipv6_frag_no_first",
		.pkts = { { V6_UDP(5000, 53), .no_l4 = true, .payload = 200, .n_ext = 1,
			    .ext = { { .type = IP6_FRAG, .frag_off = 1008, .id = 1 } } } },
		.flows = { { FLOW6(IPPROTO_UDP, 0, 0), .dir[0] = DIR(262, 200, 200, 1) } },
		.cnt = { [KF_CNT_FRAG_NO_FIRST] = 1 },
	},

	/* ---- GSO (TC only): n segments, headers once in the buffer ---- */
	{
		/* bytes = 3654 + 3 * (14 + 20 + 20), l3 = 3600 + 4 * 20. A test-run
		 * skb is linear and below a page: 3600 payload bytes, not 4000. */
		.name = "gso_ipv4_tcp",
		.pkts = { { V4_TCP(40000, 80, TH_PSH | TH_ACK), .payload = 3600,
			    .gso_segs = 4, .gso_size = 1000 } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80),
			     .dir[0] = DIR(3816, 3680, 3600, 4, .flags = 0x18) } },
	},
	{
		.name = "gso_ipv6_tcp",
		.pkts = { { V6_TCP(40000, 443, TH_ACK), .payload = 3000, .gso_segs = 3,
			    .gso_size = 1000 } },
		.flows = { { FLOW6(IPPROTO_TCP, 40000, 443),
			     .dir[0] = DIR(3222, 3060, 3000, 3, .flags = TH_ACK) } },
	},
	{
		.name = "gso_ipv4_udp",
		.pkts = { { V4_UDP(5000, 4789), .payload = 2000, .gso_segs = 2,
			    .gso_size = 1000 } },
		.flows = { { FLOW4(IPPROTO_UDP, 5000, 4789), .dir[0] = DIR(2084, 2016, 2000, 2) } },
	},
	{
		.name = "gso_vlan_tcp",
		.pkts = { { V4_TCP(40000, 80, TH_ACK), .nvlans = 1, .vlan_tci = { 5 },
			    .payload = 2000, .gso_segs = 2, .gso_size = 1000 } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80), .vlan = 5, .vlans = 1,
			     .dir[0] = DIR(2116, 2040, 2000, 2, .flags = TH_ACK) } },
	},
	{
		/* BIG TCP: a zero IPv4 total length, the skb length rules. */
		.name = "gso_big_tcp_ipv4",
		.pkts = { { V4_TCP(40000, 80, TH_ACK), .payload = 3000, .ip_len_zero = true,
			    .gso_segs = 3, .gso_size = 1000 } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80),
			     .dir[0] = DIR(3162, 3060, 3000, 3, .flags = TH_ACK) } },
	},
	{
		/* BIG TCP over IPv6: payload length 0, no jumbo option in the skb. */
		.name = "gso_big_tcp_ipv6",
		.pkts = { { V6_TCP(40000, 443, TH_ACK), .payload = 3000, .ip_len_zero = true,
			    .gso_segs = 3, .gso_size = 1000 } },
		.flows = { { FLOW6(IPPROTO_TCP, 40000, 443),
			     .dir[0] = DIR(3222, 3060, 3000, 3, .flags = TH_ACK) } },
	},
	{
		.name = "gso_one_segment",
		.pkts = { { V4_TCP(40000, 80, TH_ACK), .payload = 500, .gso_segs = 1,
			    .gso_size = 1000 } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80),
			     .dir[0] = DIR(554, 520, 500, 1, .flags = TH_ACK) } },
	},
	{
		.name = "gso_size_zero",
		.pkts = { { V4_TCP(40000, 80, TH_ACK), .payload = 500, .gso_segs = 4 } },
		.flows = { { FLOW4(IPPROTO_TCP, 40000, 80),
			     .dir[0] = DIR(554, 520, 500, 1, .flags = TH_ACK) } },
	},

	/* ---- malformed and non-IP: passed, one counter, no flow ---- */
	{
		.name = "trunc_vlan",
		.pkts = { { V4_UDP(5000, 53), .nvlans = 1, .vlan_tci = { 100 }, .cut_to = 16 } },
		.cnt = { [KF_CNT_TRUNC_VLAN] = 1 },
	},
	{
		.name = "vlan_depth_3",
		.pkts = { { V4_UDP(5000, 53), .nvlans = 3,
			    .vlan_tpid = { ETH_P_8021AD, ETH_P_8021Q, ETH_P_8021Q },
			    .vlan_tci = { 1, 2, 3 } } },
		.cnt = { [KF_CNT_VLAN_DEPTH] = 1 },
	},
	{
		.name = "trunc_ipv4",
		.pkts = { { V4_UDP(5000, 53), .cut_to = 14 + 19 } },
		.cnt = { [KF_CNT_TRUNC_IP] = 1 },
		.tc_refuses = NO_SHORT_IP_SKB,
	},
	{
		.name = "trunc_ipv6",
		.pkts = { { V6_UDP(5000, 53), .cut_to = 14 + 39 } },
		.cnt = { [KF_CNT_TRUNC_IP] = 1 },
		.tc_refuses = NO_SHORT_IP_SKB,
	},
	{
		/* Behind a tag the kernel does not look, so TC runs it too. */
		.name = "trunc_ipv4_vlan",
		.pkts = { { V4_UDP(5000, 53), .nvlans = 1, .vlan_tci = { 7 }, .cut_to = 18 + 19 } },
		.cnt = { [KF_CNT_TRUNC_IP] = 1 },
	},
	{
		.name = "trunc_ipv6_vlan",
		.pkts = { { V6_UDP(5000, 53), .nvlans = 1, .vlan_tci = { 7 }, .cut_to = 18 + 39 } },
		.cnt = { [KF_CNT_TRUNC_IP] = 1 },
	},
	{
		.name = "ipv4_version_6",
		.pkts = { { V4_UDP(5000, 53), .ip_version = 6 } },
		.cnt = { [KF_CNT_BAD_IP_VERSION] = 1 },
	},
	{
		.name = "ipv6_version_4",
		.pkts = { { V6_UDP(5000, 53), .ip_version = 4 } },
		.cnt = { [KF_CNT_BAD_IP_VERSION] = 1 },
	},
	{
		.name = "ipv4_ihl_4",
		.pkts = { { V4_UDP(5000, 53), .ihl = 4 } },
		.cnt = { [KF_CNT_BAD_IP_HDR] = 1 },
	},
	{
		.name = "ipv4_tot_len_below_ihl",
		.pkts = { { V4_TCP(40000, 80, TH_ACK), .ip_len = 19 } },
		.cnt = { [KF_CNT_BAD_IP_HDR] = 1 },
	},
	{
		/* IHL 15 (60 bytes) in a 40-byte packet. */
		.name = "ipv4_ihl_past_tot_len",
		.pkts = { { V4_TCP(40000, 80, TH_ACK), .ihl = 15 } },
		.cnt = { [KF_CNT_BAD_IP_HDR] = 1 },
	},
	{
		.name = "ipv4_len_past_frame",
		.pkts = { { V4_UDP(5000, 53), .payload = 10, .ip_len = 39 } },
		.cnt = { [KF_CNT_BAD_IP_LEN] = 1 },
	},
	{
		.name = "ipv4_len_past_frame_vlan",
		.pkts = { { V4_UDP(5000, 53), .nvlans = 1, .vlan_tci = { 9 }, .payload = 10,
			    .ip_len = 39 } },
		.cnt = { [KF_CNT_BAD_IP_LEN] = 1 },
	},
	{
		.name = "ipv6_len_past_frame",
		.pkts = { { V6_UDP(5000, 53), .payload = 10, .ip_len = 19 } },
		.cnt = { [KF_CNT_BAD_IP_LEN] = 1 },
	},
	{
		/* The frame ends 4 bytes into a hop-by-hop header. */
		.name = "ipv6_ext_trunc_header",
		.pkts = { { V6_UDP(5000, 53), .n_ext = 1, .ext = { { .type = IP6_HOP } },
			    .ip_len = 4, .cut_to = 14 + 40 + 4 } },
		.cnt = { [KF_CNT_TRUNC_IP6_EXT] = 1 },
	},
	{
		/* A 16-byte hop-by-hop header with only 8 bytes in the frame. */
		.name = "ipv6_ext_trunc_body",
		.pkts = { { V6_UDP(5000, 53), .n_ext = 1, .ext = { { .type = IP6_HOP, .len = 1 } },
			    .ip_len = 8, .cut_to = 14 + 40 + 8 } },
		.cnt = { [KF_CNT_TRUNC_IP6_EXT] = 1 },
	},
	{
		/* Extension headers longer than the payload length says. */
		.name = "ipv6_ext_past_payload_len",
		.pkts = { { V6_UDP(5000, 53), .n_ext = 1, .ext = { { .type = IP6_HOP, .len = 1 } },
			    .payload = 8, .ip_len = 10 } },
		.cnt = { [KF_CNT_BAD_IP_HDR] = 1 },
	},
	{
		.name = "ipv6_ext_depth_5",
		.pkts = { { V6_UDP(5000, 53), .n_ext = 5, .ext = { EXT4, { .type = IP6_DST } } } },
		.cnt = { [KF_CNT_IP6_EXT_DEPTH] = 1 },
	},
	{
		.name = "trunc_tcp",
		.pkts = { { V4_TCP(40000, 80, TH_ACK), .ip_len = 30, .cut_to = 14 + 30 } },
		.cnt = { [KF_CNT_TRUNC_L4] = 1 },
	},
	{
		.name = "trunc_udp",
		.pkts = { { V4_UDP(5000, 53), .ip_len = 24, .cut_to = 14 + 24 } },
		.cnt = { [KF_CNT_TRUNC_L4] = 1 },
	},
	{
		.name = "trunc_icmp",
		.pkts = { { .l3 = PKT_IPV4, .proto = IPPROTO_ICMP, .icmp_type = 8, .ip_len = 24,
			    .cut_to = 14 + 24 } },
		.cnt = { [KF_CNT_TRUNC_L4] = 1 },
	},
	{
		.name = "trunc_icmpv6",
		.pkts = { { .l3 = PKT_IPV6, .proto = IPPROTO_ICMPV6, .icmp_type = 128, .ip_len = 4,
			    .cut_to = 14 + 40 + 4 } },
		.cnt = { [KF_CNT_TRUNC_L4] = 1 },
	},
	{
		.name = "trunc_tcp_after_ipv6_ext",
		.pkts = { { V6_TCP(40000, 443, TH_ACK), .n_ext = 1, .ext = { { .type = IP6_DST } },
			    .ip_len = 18, .cut_to = 14 + 40 + 18 } },
		.cnt = { [KF_CNT_TRUNC_L4] = 1 },
	},
	{
		/* IP length 24 cuts the UDP header short; the frame (padding) does not. */
		.name = "ipv4_udp_hdr_past_ip_len",
		.pkts = { { V4_UDP(5000, 53), .ip_len = 24, .pad_to = 60 } },
		.cnt = { [KF_CNT_TRUNC_L4] = 1 },
	},
	{
		.name = "ipv6_udp_hdr_past_ip_len",
		.pkts = { { V6_UDP(5000, 53), .ip_len = 4, .payload = 8 } },
		.cnt = { [KF_CNT_TRUNC_L4] = 1 },
	},
	{
		.name = "ipv4_icmp_hdr_past_ip_len",
		.pkts = { { .l3 = PKT_IPV4, .proto = IPPROTO_ICMP, .icmp_type = 8, .echo_id = 3,
			    .ip_len = 24, .pad_to = 60 } },
		.cnt = { [KF_CNT_TRUNC_L4] = 1 },
	},
	{
		/* For TCP a header past the IP length is a bad data offset. */
		.name = "tcp_hdr_past_ip_len",
		.pkts = { { V4_TCP(40000, 80, TH_ACK), .ip_len = 30, .pad_to = 60 } },
		.cnt = { [KF_CNT_BAD_TCP_DOFF] = 1 },
	},
	{
		.name = "tcp_doff_4",
		.pkts = { { V4_TCP(40000, 80, TH_ACK), .doff_field = 4, .payload = 8 } },
		.cnt = { [KF_CNT_BAD_TCP_DOFF] = 1 },
	},
	{
		.name = "tcp_doff_past_ip_payload",
		.pkts = { { V4_TCP(40000, 80, TH_ACK), .doff_field = 15, .payload = 20 } },
		.cnt = { [KF_CNT_BAD_TCP_DOFF] = 1 },
	},
	{
		.name = "arp",
		.pkts = { { .l3 = PKT_ARP } },
		.cnt = { [KF_CNT_NON_IP] = 1 },
	},
	{
		.name = "vlan_arp",
		.pkts = { { .l3 = PKT_ARP, .nvlans = 1, .vlan_tci = { 100 } } },
		.cnt = { [KF_CNT_NON_IP] = 1 },
	},
};

struct prog_def {
	const char *name;
	bool xdp;
	int verdict; /* kflow never changes one */
};

static const struct prog_def progs[] = {
	{ "tc_ingress", false, TC_ACT_UNSPEC },
	{ "tc_egress", false, TC_ACT_UNSPEC },
	{ "xdp_ingress", true, XDP_PASS },
};

struct fixture {
	struct kflow *skel;
	int prog_fd[3]; /* by progs[] */
	int flows_fd, sel_fd, frags_fd, cnt_fd;
};

/* An empty kf_flows_a with its overflow entry, active; no fragment trains. */
static int fixture_reset(const struct fixture *fx)
{
	int err;

	err = kf_map_clear(fx->flows_fd);
	if (err < 0)
		return err;
	err = add_overflow_key(fx->flows_fd);
	if (err)
		return err;
	err = kf_map_clear(fx->frags_fd);
	return err < 0 ? err : 0;
}

static void dump_flows(const struct fixture *fx)
{
	struct flow_key key, next;
	struct flow_stats st;
	void *prev = NULL;

	printf("  interval map holds:\n");
	while (!bpf_map_get_next_key(fx->flows_fd, prev, &next)) {
		char a[40], b[40];

		key = next;
		prev = &key;
		test__hex(a, sizeof(a), key.addr_a, key.family == 4 ? 4 : 16);
		test__hex(b, sizeof(b), key.addr_b, key.family == 4 ? 4 : 16);
		if (kf_flow_read(fx->flows_fd, &key, &st))
			memset(&st, 0, sizeof(st));
		printf("    family %u proto %u %s:%u %s:%u vlan %u ifindex %u\n",
		       key.family, key.proto, a, key.port_a, b, key.port_b, key.vlan, key.ifindex);
		for (int d = 0; d < 2; d++)
			printf("      dir %d: packets %llu bytes %llu l3 %llu l4 %llu flags %#x\n",
			       d, (unsigned long long)st.dir[d].packets,
			       (unsigned long long)st.dir[d].bytes,
			       (unsigned long long)st.dir[d].l3_bytes,
			       (unsigned long long)st.dir[d].l4_bytes, st.dir[d].tcp_flags);
	}
}

static bool check_flow(const struct fixture *fx, const struct exp_flow *e, int idx)
{
	__u8 ha = e->host_a ?: 1, hb = e->host_b ?: 2, mac[6];
	struct flow_key key;
	struct flow_stats st;
	char what[32], name[64];
	bool ok = true;

	kf_key_init(&key, e->family, e->proto, ha, e->port_a, hb, e->port_b, e->vlan,
		    LO_IFINDEX);
	snprintf(name, sizeof(name), "flow %d (ports %u/%u) lookup", idx, e->port_a, e->port_b);
	if (!ASSERT_OK(kf_flow_read(fx->flows_fd, &key, &st), name))
		return false;
	snprintf(name, sizeof(name), "flow %d eth_vlans", idx);
	ok &= ASSERT_EQ(st.eth_vlans, e->vlans, name);
	snprintf(name, sizeof(name), "flow %d first_dir", idx);
	ok &= ASSERT_EQ(st.first_dir, e->first_dir, name);
	snprintf(name, sizeof(name), "flow %d first_ipid", idx);
	ok &= ASSERT_EQ(st.first_ipid, e->first_ipid, name);
	for (int d = 0; d < 2; d++) {
		snprintf(what, sizeof(what), "flow %d dir %d", idx, d);
		ok &= kf_check_dir(&st.dir[d], &e->dir[d], what);
		if (!e->dir[d].packets)
			continue;
		/* dir 0 is sent by side a, dir 1 by side b */
		pkt_host_mac(d ? hb : ha, mac);
		snprintf(name, sizeof(name), "%s mac", what);
		ok &= ASSERT_MEMEQ(st.dir[d].mac, mac, 6, name);
	}
	return ok;
}

static void run_case(const struct fixture *fx, int p, const struct parse_case *c)
{
	static __u8 pkt[PKT_MAX_LEN];
	const struct prog_def *pd = &progs[p];
	__u64 before[KF_CNT_MAX], after[KF_CNT_MAX];
	struct flow_key okey = {};
	struct flow_stats ost;
	struct kf_run_result res;
	int i, nflows = 0, err;
	bool ok = true;
	char name[64];

	if (!ASSERT_OK(fixture_reset(fx), "reset maps"))
		return;
	if (!ASSERT_OK(kf_counters_read(fx->cnt_fd, kf_ncpus(), before), "read counters"))
		return;

	for (i = 0; i < MAX_PKTS && c->pkts[i].l3; i++) {
		size_t len = pkt_build(&c->pkts[i], pkt);

		err = kf_prog_run(fx->prog_fd[p], pd->xdp, pkt, len, &c->pkts[i], &res);
		snprintf(name, sizeof(name), "packet %d test run", i);
		if (!ASSERT_OK(err, name))
			return;
		snprintf(name, sizeof(name), "packet %d verdict", i);
		ASSERT_EQ((int)res.retval, pd->verdict, name);
		snprintf(name, sizeof(name), "packet %d modified", i);
		ASSERT_FALSE(res.pkt_changed, name);
	}

	if (!ASSERT_OK(kf_counters_read(fx->cnt_fd, kf_ncpus(), after), "read counters"))
		return;
	for (i = 0; i < KF_CNT_MAX; i++) {
		snprintf(name, sizeof(name), "counter %s delta", kf_counter_names[i]);
		ASSERT_EQ(after[i] - before[i], c->cnt[i], name);
	}

	while (nflows < MAX_FLOWS && c->flows[nflows].family)
		nflows++;
	/* the overflow key is always there */
	ok &= ASSERT_EQ(kf_map_count(fx->flows_fd), nflows + 1, "flow map entries");
	if (ASSERT_OK(kf_flow_read(fx->flows_fd, &okey, &ost), "overflow entry")) {
		ok &= ASSERT_EQ(ost.dir[0].packets, 0, "overflow dir 0 packets");
		ok &= ASSERT_EQ(ost.dir[1].packets, 0, "overflow dir 1 packets");
	}
	for (i = 0; i < nflows; i++)
		ok &= check_flow(fx, &c->flows[i], i);
	if (!ok)
		dump_flows(fx);
}

static bool case_applies(const struct prog_def *pd, const struct parse_case *c)
{
	if (!pd->xdp)
		return !c->tc_refuses;
	for (int i = 0; i < MAX_PKTS && c->pkts[i].l3; i++)
		if (c->pkts[i].gso_segs)
			return false; /* XDP buffers carry no GSO segments */
	return true;
}

void test_parse_table(void)
{
	struct fixture fx = {};
	struct kflow *skel;
	__u32 zero = 0;
	char name[96];
	int err;

	skel = kflow__open();
	if (!ASSERT_OK_PTR(skel, "kflow__open"))
		return;
	fx.skel = skel;
	if (!ASSERT_OK(kf_obj_unpin_maps(skel->obj), "unpin maps"))
		goto out;
	err = kflow__load(skel);
	if (!ASSERT_OK(err, "kflow__load"))
		goto out;

	fx.prog_fd[0] = bpf_program__fd(skel->progs.kf_tc_ingress);
	fx.prog_fd[1] = bpf_program__fd(skel->progs.kf_tc_egress);
	fx.prog_fd[2] = bpf_program__fd(skel->progs.kf_xdp_ingress);
	fx.flows_fd = bpf_map__fd(skel->maps.kf_flows_a);
	fx.sel_fd = bpf_map__fd(skel->maps.kf_flow_sel);
	fx.frags_fd = bpf_map__fd(skel->maps.kf_frags);
	fx.cnt_fd = bpf_map__fd(skel->maps.kf_counters);
	if (!ASSERT_OK(add_overflow_key(fx.flows_fd), "add_overflow_key"))
		goto out;
	if (!ASSERT_OK(bpf_map_update_elem(fx.sel_fd, &zero, &fx.flows_fd, BPF_ANY),
		       "install kf_flows_a"))
		goto out;

	for (size_t p = 0; p < sizeof(progs) / sizeof(progs[0]); p++) {
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			snprintf(name, sizeof(name), "%s/%s", progs[p].name, cases[i].name);
			if (!case_applies(&progs[p], &cases[i]) || !test__start_subtest(name))
				continue;
			run_case(&fx, p, &cases[i]);
		}
	}
out:
	kflow__destroy(skel);
}
