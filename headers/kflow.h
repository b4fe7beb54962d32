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
#include <linux/bpf.h> /* struct bpf_spin_lock */

/* A test build may claim another number (make ABI_OVERRIDE=N, into its own
 * OUTPUT and BUILD) to exercise an upgrade across an ABI change. */
#ifndef KF_ABI_VERSION
#define KF_ABI_VERSION 5
#endif

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

/* One direction's last look at the flow's shared L4 state (kf_l4), kept in
 * the interval entry: lets a packet that changes nothing skip that second
 * map lookup (see bpf/l4perf.bpf.h). Any CPU may write it, so it is stored
 * and loaded as one 64-bit word: a reader gets one CPU's whole view, maybe
 * an older one, never halves of two. TCP flows use max_end, state, client
 * and side (of the direction's sender); UDP flows the udp_ fields. Only a
 * hint with valid set is used. */
struct l4_hint {
	union {
		__u64 word;
		struct {
			union {
				__u32 max_end; /* TCP */
				__u32 udp_gen; /* UDP: kf_udp_gen[udp_slot] when udp_pending was read */
			};
			union {
				struct {
					__u8 state; /* TCP: enum kf_tcp_state */
					__u8 client;
				};
				__u16 udp_slot; /* UDP: the flow's index in kf_udp_gen */
			};
			union {
				__u8 side; /* TCP: KF_SIDE_SYN, KF_SIDE_SEQ, KF_HINT_NOHOLE */
				__u8 udp_pending; /* UDP: the flow's udp_pending as read */
			};
			__u8 valid;
		};
	};
};

/* One direction of a flow within one interval. The value is shared by
 * every CPU: counters are added atomically. What every packet writes comes
 * first; what only first and flagged packets write fills the 64 bytes after
 * it, so that the two directions' per-packet writes never share a cache
 * line (whatever the entry's alignment), and the CPUs that carry the two
 * directions do not write the same lines. */
struct flow_dir {
	__u64 bytes; /* seed "byte": L2 header + IP total length, per segment */
	__u64 l3_bytes; /* after the IP header and parsed extension headers */
	__u64 l4_bytes; /* after the TCP/UDP header; 0 for ICMP and others */
	__u64 packets; /* wire segments: a GSO/GRO aggregate counts gso_segs */
	__u64 last_ns; /* CLOCK_MONOTONIC, or capture time in replay */
	struct l4_hint hint; /* of this direction's packets: a cache, never counted */
	__u32 tcp_flags; /* OR of the 9 TCP flag bits (32 bits: set atomically) */
	__u32 retrans; /* segments this side sent again (SYN phase included) */
	/* Written by a direction's first packet and flagged packets only. */
	__u64 first_ns;
	__u32 syn; /* flags exactly SYN (after masking to 6 bits) */
	__u32 synack; /* flags exactly SYN|ACK, no payload */
	__u32 fin; /* FIN with ACK (a bare FIN is abnormal, not counted) */
	__u32 rst; /* RST bit set */
	__u32 ooo; /* segments that filled a hole below the highest data seen */
	__u32 zero_win; /* analysed packets with window 0, after the handshake */
	/* With flow events: 1 + (time >> 27) when a CPU last looked at the
	 * side's retransmission stamp (134 ms buckets), so a retransmission
	 * storm looks at the shared state once a bucket, not once a packet.
	 * The agent ignores it. */
	__u32 retrans_seen;
	__u8 mac[6]; /* source MAC of the direction's first packet */
	__u8 pad[22]; /* the other direction's per-packet fields start 64 bytes on */
};

/* Sum, count and maximum of one delay metric, in microseconds. */
struct kf_delay {
	__u64 sum;
	__u32 count;
	__u32 max;
};

/* Entries of kf_udp_gen (a power of two), and a UDP flow's entry there:
 * the BPF programs and the agent must agree, and collisions only cost
 * speed. The addresses' first and last words (for IPv6 the last is half
 * the interface identifier) and the ports. */
#define KF_UDP_GEN_SLOTS 65536

static inline __attribute__((always_inline)) __u32 kf_udp_slot(const struct flow_key *k)
{
	const __u32 *w = (const __u32 *)k;
	__u32 h = w[0] ^ w[3] ^ ((w[4] ^ w[7]) * 0x85ebca6bu) ^ w[8];

	_Static_assert(KF_UDP_GEN_SLOTS == 1 << 16, "the slot is the hash's top 16 bits");
	return (h * 0x9e3779b1u) >> 16;
}

#define KF_HINT_NOHOLE 0x80

/* Value of the interval flow maps (kf_flows_a/kf_flows_b), shared by every
 * CPU: its size does not grow with the CPU count. */
struct flow_stats {
	struct flow_dir dir[2]; /* indexed by enum kf_dir */
	/* Delays by the side whose packet ended the sample (enum kf_dir): srt
	 * by the side that acknowledged, art by the side that answered (UDP
	 * art too), ICMP echo srt by the side that replied. The agent reports
	 * the server's. Sums and counts are added atomically, maxima are
	 * racy (a lost race keeps the other CPU's sample). */
	struct kf_delay srt[2];
	struct kf_delay art[2];
	struct kf_delay cit; /* the client's think time (reference 5.8) */
	__u32 rtt; /* max of the interval, us: SYN to handshake ACK */
	__u32 rtt_client; /* SYN-ACK to handshake ACK */
	__u32 rtt_server; /* SYN to SYN-ACK */
	__u32 first_ipid; /* IPv4 id of the flow's first packet in the interval (by time) */
	__u8 first_dir; /* direction of that packet */
	__u8 eth_vlans; /* VLAN tags seen on the first packet (0..2) */
	__u16 pad;
	__u32 pad2;
};

/* TCP states of the reference's state machine (section 3). */
enum kf_tcp_state {
	KF_TS_RAW,
	KF_TS_OPENING1,
	KF_TS_OPENING2,
	KF_TS_ESTABLISHED,
	KF_TS_CLOSING_TX1,
	KF_TS_CLOSING_TX2,
	KF_TS_CLOSING_RX1,
	KF_TS_CLOSING_RX2,
	KF_TS_CLOSED,
	KF_TS_RESET,
	KF_TS_SYN1,
	KF_TS_SYNACK1,
	KF_TS_CLIENT_PORT_REUSE,
	KF_TS_SERVER_RESET,
	KF_TS_ESTABLISH_RESET,
	KF_TS_SERVER_QUEUE_LACK, /* ServerCandidateQueueLack */
	KF_TS_OPENING_RST,
	KF_TS_EXCEPTION,
	KF_TS_MAX,
};

/* Which timeout the last transition armed (the agent holds the values). */
enum kf_tcp_timeout {
	KF_TT_OPENING,
	KF_TT_ESTABLISHED,
	KF_TT_CLOSING,
	KF_TT_ESTABLISHED_RST,
	KF_TT_EXCEPTION,
	KF_TT_CLOSED_FIN,
	KF_TT_OPENING_RST,
};

/* Sequence and timing state of one side of a TCP flow. */
struct tcp_side {
	__u64 last_ts; /* last analysed packet */
	__u32 isn_thr; /* ISN + 1, valid with KF_SIDE_ISN */
	__u32 max_end; /* highest seq + payload of its data, valid with KF_SIDE_SEQ */
	__u32 hole_lo; /* one unfilled range below max_end, empty when lo == hi */
	__u32 hole_hi;
	__u32 last_seq; /* of the last analysed packet */
	__u32 last_len; /* its payload (1 for SYN / SYN-ACK) */
	__u32 last_ack;
	__u32 flags; /* enum kf_side_flags; changed with atomics only */
};

enum kf_side_flags {
	KF_SIDE_ISN = 1 << 0,
	KF_SIDE_SEQ = 1 << 1,
	KF_SIDE_SRT = 1 << 2, /* may take an srt sample on its next pure ACK */
	KF_SIDE_ART = 1 << 3, /* may take an art sample on its next new data */
	KF_SIDE_BIG = 1 << 4, /* its last analysed packet had payload > 1 */
	KF_SIDE_HS_ACK = 1 << 5, /* its last packet was the handshake ACK */
	KF_SIDE_SYN = 1 << 6, /* it sent a SYN */
	KF_SIDE_SYNACK = 1 << 7, /* it sent a SYN-ACK */
	KF_SIDE_ZWIN = 1 << 8, /* its last analysed window was zero (kf_events) */
};

/* Lifetime L4 state of one flow, shared by both directions and all CPUs
 * (kf_l4). The state machine changes under the lock; an established
 * flow's in-order data and pure ACKs change only their sender's side
 * without it (max_end by compare-and-exchange, flags by atomic and/or, the
 * rest plain stores: a race costs a delay sample, never a count). The two
 * sides are 64 bytes apart, so no cache line holds both: the CPUs of the
 * two directions do not write the same lines. UDP/ICMP fields are plain
 * stores. */
struct l4_state {
	struct tcp_side side_ab; /* the side that sends KF_DIR_AB */
	struct bpf_spin_lock lock;
	__u8 state; /* enum kf_tcp_state */
	__u8 timeout; /* enum kf_tcp_timeout */
	__u8 client; /* enum kf_dir of the client (first packet, or SYN/SYN-ACK) */
	__u8 hs; /* enum kf_hs_flags */
	__u64 syn_ts; /* first SYN */
	__u64 synack_ts; /* first SYN-ACK */
	__u32 syn_seq; /* latest pure SYN's seq */
	__u32 syn_ack_seq; /* latest payload-less SYN-ACK's seq */
	__u32 ka_seq; /* latest keepalive probe's seq and ack */
	__u32 ka_ack;
	/* retrans_ts shares udp_ts's place (unused by TCP flows): the ABI 3
	 * layout is unchanged, so no version bump. */
	union {
		__u64 udp_ts[2]; /* UDP: last packet with payload, by direction */
		__u64 retrans_ts[2]; /* TCP: last retransmission seen (flow events), by kf_dir */
	};
	__u64 echo_ts; /* ICMP: time of the outstanding echo request */
	struct tcp_side side_ba; /* the side that sends KF_DIR_BA */
	__u16 echo_seq;
	__u8 echo_dir; /* direction of that request */
	__u8 udp_pending; /* UDP: 1 + direction of the last packet with payload */
	__u32 pad;
};

/* The side that sends in direction d (enum kf_dir). */
#define KF_L4_SIDE(st, d) ((d) ? &(st)->side_ba : &(st)->side_ab)

enum kf_hs_flags {
	KF_HS_ACTIVE = 1 << 0, /* handshake phase: from the first SYN */
	KF_HS_SYN_FIRST = 1 << 1, /* the SYN came before any SYN-ACK */
	KF_HS_RTT_OK = 1 << 2, /* no abnormal packet since the SYN-ACK */
	KF_HS_SEEN = 1 << 3, /* the client was decided by a SYN or SYN-ACK */
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
	KF_LIFE_EPOCH_ODD = 1 << 2, /* stored by an odd kf_commit epoch */
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

/* The interval in progress (kf_commit), so that an agent killed at any
 * instant loses nothing: its successor on the same pins finishes it.
 * PENDING: the retired map is (being) swapped out, read and recorded; its
 * records may be partly written, kf_life is untouched. RECORDED: every
 * record was written, kf_life may be partly stored (entries stored carry
 * this epoch's parity). IDLE: committed; the retired map may still hold
 * entries being cleared, all recorded. */
enum kf_commit_phase {
	KF_COMMIT_IDLE,
	KF_COMMIT_PENDING,
	KF_COMMIT_RECORDED,
};

struct kf_commit {
	__u64 epoch; /* intervals begun on these pins; 0: never */
	__u32 phase; /* enum kf_commit_phase */
	__u32 retired; /* the interval map being retired: 0 kf_flows_a, 1 kf_flows_b */
	__u64 start_us; /* the interval, wall clock */
	__u64 end_us; /* 0 until stamped after the swap (live) */
	__u64 mono_ns; /* its end, monotonic: flow timeouts are judged here */
	__s64 mono_to_wall_ns;
	__u64 next_flow_seq; /* flow ids are handed out from here */
};

/* One CPU's last read of the coarse clock (kf_tick): the clock only moves
 * at a tick, and reading jiffies is one load where the clock's helper costs
 * about 25 ns here. */
struct kf_tick {
	__u64 jiffies; /* jiffies when ns was read */
	__u64 ns; /* the coarse monotonic clock then */
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
	KF_CNT_L4_STATE_FAIL, /* no L4 state entry: counted, but no TCP health */
	KF_CNT_MAX,
};

#define KF_COUNTER_NAMES                                                      \
	"non_ip", "trunc_eth", "trunc_vlan", "vlan_depth", "trunc_ip",        \
		"bad_ip_version", "bad_ip_hdr", "bad_ip_len", "trunc_ip6_ext", \
		"ip6_ext_depth", "trunc_l4", "bad_tcp_doff", "frag_no_first", \
		"frag_track_fail", "no_active_map", "flow_map_full",          \
		"flow_insert_fail", "overflow_lost", "l4_state_fail"

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

/* The socket of a tuple, and its owner where the hook that stores the
 * tuple knows it: a TCP client's (sock_ops at its SYN, in the connecting
 * process) and a UDP socket's as it closes. One map write per socket
 * instead of two. tgid 0: the owner is looked up by cookie (kf_sock_owner,
 * then kf_bind_owner). Since ABI 5. */
struct sock_ref {
	__u64 cookie;
	__u64 cgroup_id; /* the socket's cgroup v2 id */
	__u32 tgid; /* the owner's process, or 0 */
	__u32 pad;
	char comm[KF_COMM_LEN];
};

/* The process that bound a port in a cgroup: owner of accepted sockets,
 * which are never created in process context. */
struct bind_key {
	__u64 cgroup_id;
	__u16 port; /* host byte order */
	__u8 proto;
	__u8 pad[5];
};

/* Slots of kf_id_errors (per-CPU counts of identity failures in BPF). */
enum kf_id_error {
	KF_IDE_OWNER, /* kf_sock_owner or kf_bind_owner update failed */
	KF_IDE_TUPLE, /* kf_sock_tuple update failed */
	KF_IDE_CG_READ, /* cgroup_mkdir: the path could not be read */
	KF_IDE_CG_STORE, /* kf_cg_names update failed */
	KF_IDE_MAX,
};

/* Cgroups named at creation (cgroup_mkdir), so that a container that is
 * gone by the end of the interval still has its path. Sizing: cgroups made
 * within a few intervals on one node; an LRU evicts the oldest, which are
 * either gone and of no flow any more, or still in the tree. */
#define KF_CG_ENTRIES 4096
#define KF_CG_PATH_LEN 256

/* A cgroup v2 path relative to the hierarchy's root, as at its creation.
 * A path longer than KF_CG_PATH_LEN - 1 keeps its end (len says so): the
 * container and pod are named there. */
struct cg_path {
	__u32 len; /* length of the whole path */
	__u32 pad;
	char path[KF_CG_PATH_LEN];
};

/* Flow events (kf_events ring buffer, bpf/events.bpf.h): state changes,
 * never one per packet. */
#define KF_DEFAULT_RING_SIZE (8U << 20)

enum kf_event_type {
	KF_EV_FLOW_START, /* first packet of a flow the kernel had not seen */
	KF_EV_TCP_STATE, /* a TCP flow reached a closing state */
	KF_EV_TCP_EVENT, /* a side's window hit zero or reopened; a retransmission */
	KF_EV_MAX,
};

/* What a KF_EV_TCP_EVENT says. */
enum kf_tcp_what {
	KF_TE_ZERO_WIN, /* the sender's receive window dropped to zero */
	KF_TE_WIN_OPEN, /* ... and reopened */
	KF_TE_RETRANS, /* first retransmission after >= 1 s without one */
	KF_TE_MAX,
};

struct kf_event {
	__u64 ts_ns; /* CLOCK_MONOTONIC of the packet that caused it */
	struct flow_key key;
	__u8 type; /* enum kf_event_type */
	__u8 dir; /* enum kf_dir of that packet */
	__u8 client; /* enum kf_dir of the client as the kernel saw it */
	__u8 what; /* tcp_event: enum kf_tcp_what */
	__u8 old_state; /* tcp_state: enum kf_tcp_state before and after */
	__u8 new_state;
	__u16 tcp_flags; /* of that packet */
	__u32 pad;
};

#endif /* KFLOW_H */
