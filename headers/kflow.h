/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * kflow.h - the kernel/user ABI of kflow: map keys and values, counter
 * indices and limits shared by the BPF programs, the agent and the tests.
 *
 * Layout is ABI: pinned maps and sidecars depend on it; bump KF_ABI_VERSION
 * on any change. Fixed-width types only, so it compiles in both worlds.
 */
#ifndef KFLOW_H
#define KFLOW_H

#include <linux/types.h>

#define KF_ABI_VERSION 1

#define KF_DEFAULT_MAX_FLOWS 65536
#define KF_FRAG_ENTRIES 8192
#define KF_MAX_IFACES 256

/* Canonical sides of a flow: side a is the (address, port) that sorts lower.
 * Direction KF_DIR_AB is a packet sent by side a. Userspace decides which side
 * is the client; the kernel never re-orients. */
enum kf_dir {
	KF_DIR_AB = 0,
	KF_DIR_BA = 1,
};

/* Hook a packet was counted at; only used to split the overflow record. */
enum kf_hook {
	KF_HOOK_INGRESS = 0,
	KF_HOOK_EGRESS = 1,
};

/* Key of one bidirectional flow on one capture interface. IPv4 addresses
 * sit in the first 4 bytes of addr_*, the rest zero. For ICMP echo both
 * ports hold the echo identifier. family == 0 marks the overflow key. */
struct flow_key {
	__u8 addr_a[16];
	__u8 addr_b[16];
	__u16 port_a; /* host byte order */
	__u16 port_b;
	__u32 ifindex;
	__u16 vlan; /* outer 802.1Q/802.1ad id, 0 when untagged */
	__u8 proto; /* IP protocol number */
	__u8 family; /* 4, 6, or 0 for the overflow key */
};

/* One direction of a flow within one interval, one CPU's share. */
struct flow_dir {
	__u64 bytes; /* seed "byte": L2 header + IP total length, per segment */
	__u64 l3_bytes; /* after the IP header and parsed extension headers */
	__u64 l4_bytes; /* after the TCP/UDP header; 0 for ICMP and others */
	__u64 packets; /* wire segments: a GSO/GRO aggregate counts gso_segs */
	__u64 first_ns; /* CLOCK_MONOTONIC, or capture time in replay */
	__u64 last_ns;
	__u32 syn; /* flags exactly SYN (after masking to 6 bits) */
	__u32 synack; /* flags exactly SYN|ACK, no payload */
	__u32 fin; /* FIN with ACK (a bare FIN is abnormal, not counted) */
	__u32 rst; /* RST bit set */
	__u16 tcp_flags; /* OR of the 9 TCP flag bits */
	__u8 mac[6]; /* source MAC of the first packet on this CPU */
};

/* Per-CPU value of the interval flow maps (kf_flows_a/kf_flows_b). */
struct flow_stats {
	struct flow_dir dir[2]; /* indexed by enum kf_dir */
	__u32 first_ipid; /* IPv4 id of the first packet on this CPU */
	__u8 first_dir; /* direction of that packet */
	__u8 eth_vlans; /* VLAN tags seen on the first packet (0..2) */
	__u16 pad;
};

/* Lifetime state of a flow, owned by the agent and mirrored into the pinned
 * kf_life map after each drain so that a --persist restart and `kflow dump`
 * see it. The kernel never writes it. */
struct flow_life {
	__u64 flow_id;
	__u64 first_ns; /* first packet of the flow, monotonic */
	__u64 last_ns; /* last packet so far */
	__u64 total_bytes[2]; /* by enum kf_dir */
	__u64 total_packets[2];
	__u16 life_flags[2]; /* OR of TCP flags over the lifetime, by kf_dir */
	__u32 first_ipid;
	__u32 syn[2]; /* lifetime SYN / SYN-ACK counts, by kf_dir */
	__u32 synack[2];
	__u8 mac[2][6]; /* by kf_dir */
	__u8 client; /* enum kf_dir value of the client side */
	__u8 direction_score;
	__u8 first_dir;
	__u8 flags; /* enum kf_life_flags */
};

enum kf_life_flags {
	KF_LIFE_NEW_SENT = 1 << 0, /* the record with is_new_flow=1 was written */
	KF_LIFE_ORIENTED = 1 << 1, /* client/direction_score were decided */
};

/* One row per interface the agent attached to, pinned so that `kflow
 * cleanup` and an adopting agent know what a persisted agent left. */
enum kf_attach_flags {
	KF_ATT_TC_INGRESS = 1 << 0,
	KF_ATT_TC_EGRESS = 1 << 1,
	KF_ATT_XDP = 1 << 2,
	KF_ATT_QDISC_OURS = 1 << 3, /* the clsact qdisc was created by kflow */
};

struct kf_attach {
	__u32 flags; /* enum kf_attach_flags */
	__u32 xdp_prog_id; /* to detach only our own XDP program */
	char name[16]; /* IFNAMSIZ */
};

/* Agent identity of the pinned state: ABI version and sizing. */
struct kf_info {
	__u32 abi_version;
	__u32 max_flows;
	__u64 next_flow_seq; /* flow id counter, continued across restarts */
};

/* Index of the per-CPU failure/drop counters (kf_counters). Every path that
 * does not count a packet into a flow increments exactly one of these. */
enum kf_counter {
	KF_CNT_NON_IP, /* not IPv4/IPv6 (ARP, LLDP...): passed, not a flow */
	KF_CNT_TRUNC_ETH, /* shorter than an Ethernet header */
	KF_CNT_TRUNC_VLAN, /* VLAN tag cut short */
	KF_CNT_VLAN_DEPTH, /* more than 2 VLAN tags */
	KF_CNT_TRUNC_IP, /* IP header cut short */
	KF_CNT_BAD_IP_VERSION, /* version nibble disagrees with ethertype */
	KF_CNT_BAD_IP_HDR, /* IHL < 5 or total length < header length */
	KF_CNT_BAD_IP_LEN, /* IP length runs past the end of the frame */
	KF_CNT_TRUNC_IP6_EXT, /* IPv6 extension header cut short */
	KF_CNT_IP6_EXT_DEPTH, /* more extension headers than we walk */
	KF_CNT_TRUNC_L4, /* TCP/UDP/ICMP header cut short */
	KF_CNT_BAD_TCP_DOFF, /* TCP data offset < 5 or past the IP payload */
	KF_CNT_FRAG_NO_FIRST, /* later fragment whose first one was not seen: ports 0 */
	KF_CNT_FRAG_TRACK_FAIL, /* could not remember a first fragment's ports */
	KF_CNT_NO_ACTIVE_MAP, /* no interval map installed: packet not counted */
	KF_CNT_FLOW_MAP_FULL, /* flow map full: counted in the overflow record */
	KF_CNT_FLOW_INSERT_FAIL, /* insert failed otherwise: in the overflow record */
	KF_CNT_OVERFLOW_LOST, /* overflow record missing: packet not counted */
	KF_CNT_MAX,
};

#define KF_COUNTER_NAMES                                                      \
	"non_ip", "trunc_eth", "trunc_vlan", "vlan_depth", "trunc_ip",        \
		"bad_ip_version", "bad_ip_hdr", "bad_ip_len", "trunc_ip6_ext", \
		"ip6_ext_depth", "trunc_l4", "bad_tcp_doff", "frag_no_first", \
		"frag_track_fail", "no_active_map", "flow_map_full",          \
		"flow_insert_fail", "overflow_lost"

/* Key of kf_frags: the fragment train of one datagram. */
struct frag_key {
	__u8 src[16];
	__u8 dst[16];
	__u32 id; /* IPv4 id (16 bits) or IPv6 fragment id */
	__u8 proto;
	__u8 family;
	__u16 pad;
};

struct frag_ports {
	__u16 sport; /* host byte order */
	__u16 dport;
};

/* Identity (bpf/identity.bpf.c). */
#define KF_SOCK_ENTRIES 65536
#define KF_COMM_LEN 16

/* Who last used a socket in process context. */
struct sock_owner {
	__u32 tgid;
	__u32 pad;
	__u64 cgroup_id; /* cgroup v2 id of the task */
	char comm[KF_COMM_LEN];
};

/* A local socket as the socket sees itself. Unconnected sockets have a zero
 * remote; a socket bound to the wildcard address has a zero local address. */
struct sock_tuple {
	__u8 local[16]; /* IPv4 in the first 4 bytes */
	__u8 remote[16];
	__u16 local_port; /* host byte order */
	__u16 remote_port;
	__u8 proto;
	__u8 family; /* 4 or 6 */
	__u16 pad;
};

struct sock_ref {
	__u64 cookie;
	__u64 cgroup_id; /* the socket's cgroup v2 id */
};

/* The process that bound a port in a cgroup: owner of accepted sockets,
 * which are never created in process context. */
struct bind_key {
	__u64 cgroup_id;
	__u16 port; /* host byte order */
	__u8 proto;
	__u8 pad[5];
};

#endif /* KFLOW_H */
