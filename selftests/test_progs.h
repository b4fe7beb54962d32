/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * test_progs.h - harness of kflow's unit tests, after the kernel's
 * tools/testing/selftests/bpf/test_progs.h: ASSERT_* macros, subtests, and
 * the helpers the tests share (packet builder, BPF_PROG_TEST_RUN wrapper,
 * flow map access). Each prog_tests/NAME.c defines void test_NAME(void).
 */
#ifndef KF_TEST_PROGS_H
#define KF_TEST_PROGS_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kflow.h"
#include "flowtable.h"

/* Harness. A subtest ends when the next one starts or the test returns. */
bool test__start_subtest(const char *name); /* false: filtered out by -t */
void test__fail(void);
void test__fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define _ASSERT_FAIL(fmt, ...) test__fail_at(__FILE__, __LINE__, fmt, ##__VA_ARGS__)

/* Every ASSERT_* evaluates to true when the check held, so that callers can
 * write `if (!ASSERT_OK(err, "load")) goto out;`. Integer operands are
 * compared as 64-bit values, whatever their types. */
#define ASSERT_TRUE(actual, name) ({					\
	bool ___ok = (actual);						\
	if (!___ok)							\
		_ASSERT_FAIL("unexpected %s: got FALSE\n", (name));	\
	___ok;								\
})

#define ASSERT_FALSE(actual, name) ({					\
	bool ___ok = !(actual);						\
	if (!___ok)							\
		_ASSERT_FAIL("unexpected %s: got TRUE\n", (name));	\
	___ok;								\
})

#define _ASSERT_CMP(actual, op, expected, name, cast) ({		\
	typeof(actual) ___act = (actual);				\
	typeof(expected) ___exp = (expected);				\
	bool ___ok = (cast)___act op (cast)___exp;			\
	if (!___ok)							\
		_ASSERT_FAIL("unexpected %s: actual %lld " #op " expected %lld is false\n", \
			     (name), (long long)___act, (long long)___exp); \
	___ok;								\
})

#define ASSERT_EQ(actual, expected, name) ({				\
	typeof(actual) ___act = (actual);				\
	typeof(expected) ___exp = (expected);				\
	bool ___ok = (unsigned long long)___act == (unsigned long long)___exp; \
	if (!___ok)							\
		_ASSERT_FAIL("unexpected %s: actual %lld != expected %lld\n", \
			     (name), (long long)___act, (long long)___exp); \
	___ok;								\
})

#define ASSERT_STREQ(actual, expected, name) ({			\
	const char *___act = (actual);					\
	const char *___exp = (expected);				\
	bool ___ok = !strcmp(___act, ___exp);				\
	if (!___ok)							\
		_ASSERT_FAIL("unexpected %s: actual '%s' != expected '%s'\n", \
			     (name), ___act, ___exp);			\
	___ok;								\
})

#define ASSERT_NEQ(actual, expected, name) ({				\
	typeof(actual) ___act = (actual);				\
	typeof(expected) ___exp = (expected);				\
	bool ___ok = (unsigned long long)___act != (unsigned long long)___exp; \
	if (!___ok)							\
		_ASSERT_FAIL("unexpected %s: actual %lld == expected %lld\n", \
			     (name), (long long)___act, (long long)___exp); \
	___ok;								\
})

#define ASSERT_LT(actual, expected, name) _ASSERT_CMP(actual, <, expected, name, long long)
#define ASSERT_LE(actual, expected, name) _ASSERT_CMP(actual, <=, expected, name, long long)
#define ASSERT_GT(actual, expected, name) _ASSERT_CMP(actual, >, expected, name, long long)
#define ASSERT_GE(actual, expected, name) _ASSERT_CMP(actual, >=, expected, name, long long)

/* 0 is success; anything else is printed with errno. */
#define ASSERT_OK(res, name) ({						\
	long long ___res = (res);					\
	bool ___ok = ___res == 0;					\
	if (!___ok)							\
		_ASSERT_FAIL("unexpected error: %s: %lld (errno %d: %s)\n", \
			     (name), ___res, errno, strerror(errno));	\
	___ok;								\
})

#define ASSERT_ERR(res, name) ({					\
	long long ___res = (res);					\
	bool ___ok = ___res < 0;					\
	if (!___ok)							\
		_ASSERT_FAIL("unexpected success: %s: %lld\n", (name), ___res); \
	___ok;								\
})

#define ASSERT_OK_PTR(ptr, name) ({					\
	const void *___ptr = (ptr);					\
	bool ___ok = ___ptr != NULL;					\
	if (!___ok)							\
		_ASSERT_FAIL("unexpected NULL: %s (errno %d: %s)\n",	\
			     (name), errno, strerror(errno));		\
	___ok;								\
})

#define ASSERT_MEMEQ(actual, expected, len, name) ({			\
	const void *___act = (actual), *___exp = (expected);		\
	size_t ___len = (len);						\
	bool ___ok = !memcmp(___act, ___exp, ___len);			\
	if (!___ok) {							\
		char ___a[128], ___e[128];				\
		test__hex(___a, sizeof(___a), ___act, ___len);		\
		test__hex(___e, sizeof(___e), ___exp, ___len);		\
		_ASSERT_FAIL("unexpected %s: actual %s != expected %s\n", \
			     (name), ___a, ___e);			\
	}								\
	___ok;								\
})

void test__hex(char *out, size_t outlen, const void *p, size_t len);

/*
 * Packet builder. Hosts are numbered: host N is 10.0.(N / 100).(N % 100) and
 * fd00::(N / 100):(N % 100) with MAC 02:00:00:00:00:N; so host 1 sorts below
 * host 2, and host 101 (10.0.1.1) sorts above host 2 in network byte order
 * but below it in little-endian words. Zeroed fields mean "the natural
 * value", so a table entry names only what it changes.
 */
enum pkt_l3 {
	PKT_NONE = 0, /* ends a list of packets */
	PKT_IPV4,
	PKT_IPV6,
	PKT_ARP,
};

#define PKT_MAX_VLANS 3
#define PKT_MAX_EXT 10
#define PKT_MAX_LEN 4096

/* One IPv6 extension header. */
struct pkt_ext {
	__u8 type; /* 0 hop-by-hop, 43 routing, 44 fragment, 51 AH, 60 destination */
	__u8 len; /* Hdr Ext Len field: (len + 1) * 8 bytes, AH (len + 2) * 4 */
	__u16 frag_off; /* fragment: offset in bytes, a multiple of 8 */
	bool more; /* fragment: M flag */
	__u32 id; /* fragment: identification */
};

struct pkt_spec {
	__u8 src, dst; /* host numbers; 0 means 1 and 2 */
	__u8 nvlans;
	__u16 vlan_tpid[PKT_MAX_VLANS]; /* outermost first; 0 means 802.1Q */
	__u16 vlan_tci[PKT_MAX_VLANS];
	__u8 l3; /* enum pkt_l3 */

	/* IP */
	__u8 ip_version; /* version nibble override */
	__u16 ip_len; /* IPv4 total / IPv6 payload length override */
	bool ip_len_zero; /* a zero length field (BIG TCP) */
	__u8 ihl; /* IPv4 IHL override */
	__u8 ip_opt_len; /* IPv4 option bytes (NOPs), a multiple of 4 */
	__u16 ip_id;
	__u16 frag_off; /* IPv4 fragment offset in bytes, a multiple of 8 */
	bool mf; /* IPv4 more fragments */
	__u8 n_ext; /* IPv6 extension headers, in order */
	struct pkt_ext ext[PKT_MAX_EXT];

	/* L4 */
	__u8 proto; /* IPPROTO_*; TCP, UDP, ICMP and ICMPv6 get a header */
	bool no_l4; /* a later fragment: payload only */
	__u16 sport, dport;
	__u16 tcp_flags; /* 9 bits: byte 13, NS is 0x100 */
	__u8 doff; /* TCP header words written (NOP options past 5); 0 means 5 */
	__u8 doff_field; /* data offset field override */
	__u8 icmp_type;
	__u16 echo_id;
	__u16 payload; /* bytes after the L4 header, filled with 0xff */

	/* frame */
	__u16 pad_to; /* Ethernet padding (zeros) up to this frame length */
	__u16 cut_to; /* truncate the frame to this length */

	/* skb context (TC only) */
	__u16 gso_segs, gso_size;
	__u64 tstamp; /* the packet's time for a replay-mode skeleton */
};

/* Writes the frame into buf (PKT_MAX_LEN bytes) and returns its length. */
size_t pkt_build(const struct pkt_spec *s, __u8 *buf);
void pkt_host_addr(int family, __u8 host, __u8 addr[16]);
void pkt_host_mac(__u8 host, __u8 mac[6]);

/* BPF_PROG_TEST_RUN of one frame. TC runs get an __sk_buff context with
 * ifindex 1 (lo) and the spec's GSO fields. */
struct kf_run_result {
	__u32 retval;
	bool pkt_changed; /* data_out differs from data_in */
};

int kf_prog_run(int prog_fd, bool xdp, const __u8 *pkt, __u32 len, const struct pkt_spec *s,
		struct kf_run_result *res);
/* One IPv4 UDP datagram with 10 bytes of payload from host 1:port_1 to host
 * 2:port_2, or back, with that IP id and replay-mode time, through the TC
 * program prog_fd. */
int kf_run_udp4(int prog_fd, __u16 port_1, __u16 port_2, bool back, __u16 ipid, __u64 tstamp);

/* Map helpers. */
int kf_obj_unpin_maps(struct bpf_object *obj); /* set every pin path to NULL */
/* kflow's skeleton opened, unpinned, loaded (replay: cfg_replay, packets
 * carry their time) and counting into kf_flows_a; NULL after a failed
 * assertion. kflow__destroy() it. */
struct kflow;
struct kflow *kf_kflow_load(bool replay);
int kf_map_clear(int fd); /* delete every key; returns how many or -errno */
int kf_map_count(int fd);
int kf_ncpus(void);

/* Reads one flow's interval value (one for all CPUs since ABI 4).
 * Returns 0, -ENOENT or another -errno. */
int kf_flow_read(int fd, const struct flow_key *key, struct flow_stats *sum);

/* Canonical key (host_a/port_a must be the lower side). */
void kf_key_init(struct flow_key *k, __u8 family, __u8 proto, __u8 host_a, __u16 port_a,
		 __u8 host_b, __u16 port_b, __u16 vlan, __u32 ifindex);

/* Expected contents of one direction of a flow. */
struct exp_dir {
	__u64 bytes, l3, l4, packets;
	__u16 flags;
	__u32 syn, synack, fin, rst;
};

/* Checks every field of got against exp; what prefixes the messages. */
bool kf_check_dir(const struct flow_dir *got, const struct exp_dir *exp, const char *what);

/* A TCP flow 10.0.0.1:40000 (client, side b) -> 10.0.0.2:80 of one
 * interval: client 1000 bytes/10 packets, server 5000/7, retransmissions,
 * out-of-order, zero window, rtt, srt and art all set. */
void test__flow_fixture(struct kf_flow *f);

#endif /* KF_TEST_PROGS_H */
