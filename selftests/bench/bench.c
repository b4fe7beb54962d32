// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench.c - `make bench`: what kflow costs per packet, measured with
 * BPF_PROG_TEST_RUN beside the empty programs of bench_empty.bpf.c on the
 * same hook, in the same run (kflow and empty alternate), so that the
 * figures are the datapath's cost above the hook's own. The floor programs
 * of bench_floor.bpf.c run in the same passes, so that the targets can be
 * read against what a bare flow table costs on the machine. Scenarios: one
 * packet repeated (after the first, a retransmission: the fast path), an
 * in-order TCP stream (every segment moves the flow's state), 100k distinct
 * flows in a new random order every pass, two CPUs on one flow, kernel
 * memory per flow and the time of one drain of 100k flows.
 *
 * The table goes to stdout, progress and problems to stderr. It is a
 * benchmark, not a test: a missed target is printed, not failed; the exit
 * status is non-zero only when something cannot be loaded or run.
 * Nothing is pinned: every map's pin path is cleared before the load.
 */
#include <endian.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kflow.h"
#include "kflow.skel.h"
#include "bench_empty.skel.h"
#include "bench_floor.skel.h"
#include "drain.h"
#include "flowtable.h"
#include "loader.h"
#include "log.h"

/* Repeated packet: one packet repeated in the kernel, median of HOT_RUNS. */
#define HOT_REPEAT 2000000
#define HOT_RUNS 5
#define HOT_WARMUP 10000 /* creates the flow and warms the caches */

/* In-order TCP stream: per pass STREAM_DATA full-size segments from client
 * to server, the sequence number advancing by the payload, and the server's
 * pure ACK after every STREAM_ACK_EVERY of them; each packet is one test run
 * (repeat 1). A handshake and a warm-up pass, then the median of
 * STREAM_PASSES timed passes; the stream goes on from pass to pass. */
#define STREAM_DATA 20000
#define STREAM_ACK_EVERY 2
#define STREAM_PASSES 3
#define STREAM_PKTS (STREAM_DATA + STREAM_DATA / STREAM_ACK_EVERY)

/* Many flows: each packet is one test run (repeat 1), a warm-up pass
 * creates the flows, then the median of MANY_PASSES timed passes, each in a
 * new random order. */
#define NFLOWS 100000
#define NEWFLOW_ROUNDS 3
#define NEWFLOW_RING (16U << 20) /* every event of a pass fits: no reserve fails */
#define MANY_PASSES 3

/* Two CPUs on one flow. */
#define PAIR_REPEAT 5000000
#define PAIR_ROUNDS 3
#define PAIR_CPUS 2

#define TARGET_HOT_NS 50.0 /* above empty, hot flow, TCP health on (issue 3; 40 before it) */
#define TARGET_MANY_NS 170.0 /* above empty, 100k flows */
#define TARGET_PAIR_RATIO 1.5 /* slowest CPU of two vs one CPU alone */

#define SYN_LEN 64
#define ACK_LEN 66 /* Ethernet + IPv4 + TCP with timestamps, no payload */
#define DATA_LEN 1514
#define DATA_PAYLOAD 1448
#define UDP6_LEN 126
#define MAX_PKT DATA_LEN

enum { PKT_SYN, PKT_DATA, PKT_UDP6, NPKTS };
enum { HOOK_XDP, HOOK_TC, NHOOKS };

struct prog {
	const char *name;
	int fd;
};

struct hook {
	const char *name;
	struct prog kf; /* kflow's program */
	struct prog empty; /* the baseline of the same program type */
	struct prog floor_hash; /* bench_floor.bpf.c: a bare per-CPU hash of flows */
	struct prog floor_line; /* ... one cache line per flow, no key */
	struct prog floor_life; /* ... a shared lifetime entry, atomic adds */
	struct prog floor_split; /* ... that entry and a second one for TCP state */
	__u32 retval; /* what both return for every packet */
};

struct packet {
	const char *name;
	__u32 len;
	__u8 data[MAX_PKT];
};

/* One hook's TCP stream: client 10.0.0.1:sport, server 192.0.2.1:443. */
struct stream {
	__u16 sport; /* one flow per hook */
	__u32 seq; /* the client's next sequence number */
	__u32 ack_seq; /* the server's (it sends no data) */
	__u8 syn[SYN_LEN];
	__u8 synack[SYN_LEN];
	__u8 hs_ack[ACK_LEN]; /* the handshake's last ACK */
	__u8 data[DATA_LEN]; /* client to server, seq set per packet */
	__u8 ack[ACK_LEN]; /* server to client, ack set per packet */
};

struct bench {
	struct kflow *skel;
	struct bench_empty *empty;
	struct bench_floor *floor;
	struct kf_maps maps;
	int ncpus; /* possible CPUs */
	struct hook hooks[NHOOKS];
	struct packet pkts[NPKTS];
	__u8 *flow_pkts; /* NFLOWS SYN frames of SYN_LEN bytes */
	__u32 *order; /* the random order they are visited in, new every pass */
	__u64 rng; /* xorshift64 state: fixed seed, the same orders every run */
	struct stream streams[NHOOKS];
	int checks; /* accounting checks done */
	int mismatches; /* ... that found a packet or flow missing */
	int overflowed; /* ... that found packets in the overflow record */
};

/* What one drain found; ms is the time kf_drain() took. */
struct drained {
	int entries; /* map entries, the overflow key included */
	size_t flows; /* flows holding packets, the overflow record excluded */
	__u64 packets; /* all packets, the overflow record's included */
	__u64 overflow; /* packets in the overflow record (family 0) */
	__u64 retrans_ooo; /* segments counted as retransmitted or out of order */
	double ms;
};

static const __u8 mac_src[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const __u8 mac_dst[ETH_ALEN] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

/* ---- packets ---- */

static void put_eth(__u8 *p, __u16 ethertype)
{
	struct ethhdr eth;

	memcpy(eth.h_dest, mac_dst, ETH_ALEN);
	memcpy(eth.h_source, mac_src, ETH_ALEN);
	eth.h_proto = htobe16(ethertype);
	memcpy(p, &eth, sizeof(eth));
}

static __u16 ip_csum(const void *hdr, size_t len)
{
	const __u8 *p = hdr;
	__u32 sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htobe16(~sum & 0xffff);
}

/* Ethernet + IPv4 + TCP: a tcp_len-byte header (opts fills what follows the
 * first 20 bytes) and payload zero bytes, zero-padded up to len. */
static void build_tcp4(__u8 *p, __u32 len, __u32 saddr, __u16 sport, __u32 daddr, __u16 dport,
		       __u8 flags, const __u8 *opts, __u32 tcp_len, __u32 payload)
{
	struct iphdr iph = {};
	struct tcphdr th = {};
	__u8 *l4 = p + ETH_HLEN + sizeof(iph);

	memset(p, 0, len);
	put_eth(p, ETH_P_IP);
	iph.version = 4;
	iph.ihl = sizeof(iph) / 4;
	iph.tot_len = htobe16(sizeof(iph) + tcp_len + payload);
	iph.id = htobe16(0x1234);
	iph.frag_off = htobe16(0x4000); /* DF */
	iph.ttl = 64;
	iph.protocol = IPPROTO_TCP;
	iph.saddr = htobe32(saddr);
	iph.daddr = htobe32(daddr);
	iph.check = ip_csum(&iph, sizeof(iph));
	memcpy(p + ETH_HLEN, &iph, sizeof(iph));

	th.source = htobe16(sport);
	th.dest = htobe16(dport);
	th.seq = htobe32(1000);
	th.ack_seq = htobe32(flags & 0x10 ? 2000 : 0);
	th.doff = tcp_len / 4;
	th.window = htobe16(64240);
	memcpy(l4, &th, sizeof(th));
	l4[13] = flags; /* FIN..CWR, the byte the datapath reads */
	memcpy(l4 + sizeof(th), opts, tcp_len - sizeof(th));
}

/* Ethernet + IPv6 + UDP with payload zero bytes. */
static void build_udp6(__u8 *p, __u32 len, __u32 payload)
{
	struct ipv6hdr ip6 = {};
	struct udphdr uh = {};

	memset(p, 0, len);
	put_eth(p, ETH_P_IPV6);
	ip6.version = 6;
	ip6.payload_len = htobe16(sizeof(uh) + payload);
	ip6.nexthdr = IPPROTO_UDP;
	ip6.hop_limit = 64;
	ip6.saddr.s6_addr[0] = 0x20; /* 2001:db8::1 */
	ip6.saddr.s6_addr[1] = 0x01;
	ip6.saddr.s6_addr[2] = 0x0d;
	ip6.saddr.s6_addr[3] = 0xb8;
	ip6.daddr = ip6.saddr; /* 2001:db8::2 */
	ip6.saddr.s6_addr[15] = 1;
	ip6.daddr.s6_addr[15] = 2;
	memcpy(p + ETH_HLEN, &ip6, sizeof(ip6));
	uh.source = htobe16(40000);
	uh.dest = htobe16(53);
	uh.len = htobe16(sizeof(uh) + payload);
	memcpy(p + ETH_HLEN + sizeof(ip6), &uh, sizeof(uh));
}

static const __u8 syn_opts[] = { 2, 4, 0x05, 0xb4 }; /* MSS 1460 */
static const __u8 data_opts[] = { 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2 }; /* NOP NOP TS */

/* Sets the sequence and acknowledgment numbers of a frame of build_tcp4()
 * (the IPv4 header has no options). */
static void set_seq(__u8 *p, __u32 seq, __u32 ack)
{
	__u32 s = htobe32(seq), a = htobe32(ack);
	__u8 *th = p + ETH_HLEN + sizeof(struct iphdr);

	memcpy(th + offsetof(struct tcphdr, seq), &s, sizeof(s));
	memcpy(th + offsetof(struct tcphdr, ack_seq), &a, sizeof(a));
}

static void build_stream(struct stream *s, __u16 sport)
{
	const __u32 cli = 0x0a000001, srv = 0xc0000201, isn_c = 1000, isn_s = 500000;
	const __u32 ts_len = sizeof(struct tcphdr) + sizeof(data_opts);
	const __u32 syn_len = sizeof(struct tcphdr) + sizeof(syn_opts);

	s->sport = sport;
	build_tcp4(s->syn, SYN_LEN, cli, sport, srv, 443, 0x02, syn_opts, syn_len, 0);
	set_seq(s->syn, isn_c, 0);
	build_tcp4(s->synack, SYN_LEN, srv, 443, cli, sport, 0x12, syn_opts, syn_len, 0);
	set_seq(s->synack, isn_s, isn_c + 1);
	build_tcp4(s->hs_ack, ACK_LEN, cli, sport, srv, 443, 0x10, data_opts, ts_len, 0);
	set_seq(s->hs_ack, isn_c + 1, isn_s + 1);
	build_tcp4(s->data, DATA_LEN, cli, sport, srv, 443, 0x18, data_opts, ts_len,
		   DATA_PAYLOAD);
	build_tcp4(s->ack, ACK_LEN, srv, 443, cli, sport, 0x10, data_opts, ts_len, 0);
	s->seq = isn_c + 1;
	s->ack_seq = isn_s + 1;
}

static __u64 xorshift(__u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Fisher-Yates: a new order of v's n elements. */
static void shuffle_ids(__u64 *rng, __u32 *v, __u32 n)
{
	for (__u32 i = n - 1; i > 0; i--) {
		__u32 j = xorshift(rng) % (i + 1), t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
}

/* A new order of the NFLOWS flows. */
static void shuffle(struct bench *b)
{
	shuffle_ids(&b->rng, b->order, NFLOWS);
}

static int build_packets(struct bench *b)
{
	struct packet *p = b->pkts;

	p[PKT_SYN].name = "IPv4 TCP SYN, 64 B";
	p[PKT_SYN].len = SYN_LEN;
	build_tcp4(p[PKT_SYN].data, SYN_LEN, 0x0a000001, 40000, 0xc0000201, 443, 0x02, syn_opts,
		   sizeof(struct tcphdr) + sizeof(syn_opts), 0);
	p[PKT_DATA].name = "IPv4 TCP data, 1514 B";
	p[PKT_DATA].len = DATA_LEN;
	build_tcp4(p[PKT_DATA].data, DATA_LEN, 0x0a000001, 40001, 0xc0000201, 443, 0x18,
		   data_opts, sizeof(struct tcphdr) + sizeof(data_opts), DATA_PAYLOAD);
	p[PKT_UDP6].name = "IPv6 UDP, 126 B";
	p[PKT_UDP6].len = UDP6_LEN;
	build_udp6(p[PKT_UDP6].data, UDP6_LEN,
		   UDP6_LEN - ETH_HLEN - sizeof(struct ipv6hdr) - sizeof(struct udphdr));

	b->flow_pkts = malloc((size_t)NFLOWS * SYN_LEN);
	b->order = malloc(NFLOWS * sizeof(*b->order));
	if (!b->flow_pkts || !b->order) {
		pr_warn("cannot allocate the %d benchmark flows: %s\n", NFLOWS, strerror(ENOMEM));
		return -ENOMEM;
	}
	/* Flow i: 10.0.0.0 + (i / 16) + 1, port 1024 + i % 16, to 192.0.2.1:80. */
	for (__u32 i = 0; i < NFLOWS; i++) {
		build_tcp4(b->flow_pkts + (size_t)i * SYN_LEN, SYN_LEN, 0x0a000000 + (i >> 4) + 1,
			   1024 + (i & 15), 0xc0000201, 80, 0x02, syn_opts,
			   sizeof(struct tcphdr) + sizeof(syn_opts), 0);
		b->order[i] = i;
	}
	b->rng = 0x6b666c6f77ULL;
	for (int h = 0; h < NHOOKS; h++)
		build_stream(&b->streams[h], 41000 + h);
	return 0;
}

/* ---- running programs ---- */

/* One BPF_PROG_TEST_RUN; *ns is the kernel's average per repetition. */
static int run_prog(const struct prog *pr, __u32 retval, const void *data, __u32 len, int repeat,
		    __u32 *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = len,
		    .repeat = repeat);
	int err;

	err = bpf_prog_test_run_opts(pr->fd, &opts);
	if (err) {
		pr_warn("test run of program %s failed: %s\n", pr->name, strerror(-err));
		return err;
	}
	if (opts.retval != retval) {
		pr_warn("program %s returned %d, expected %d\n", pr->name, (int)opts.retval,
			(int)retval);
		return -EPROTO;
	}
	*ns = opts.duration;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static bool sum_packets(struct kf_flow *f, void *arg)
{
	struct drained *d = arg;
	__u64 n = f->iv.dir[0].packets + f->iv.dir[1].packets;

	d->packets += n;
	for (int i = 0; i < 2; i++)
		d->retrans_ooo += f->iv.dir[i].retrans + f->iv.dir[i].ooo;
	if (f->key.family)
		d->flows++;
	else
		d->overflow += n;
	return false;
}

/* The agent's interval end without its records: swap the live map out,
 * read it, empty it. Entries read, or a negative errno. */
static int drain_steps(const struct kf_maps *m, struct kf_table *t)
{
	int idx = kf_active_index(m), n, err;

	if (idx < 0)
		return idx;
	err = kf_drain_retire(m, idx);
	if (err)
		return err;
	n = kf_drain_read(m, idx, t);
	if (n < 0)
		return n;
	err = kf_drain_clear(m, idx);
	return err < 0 ? err : n;
}

/* Drains the active interval map into a fresh table, which also empties the
 * map for the next scenario, and says what was in it. */
static int drain_flows(struct bench *b, struct drained *d)
{
	struct timespec t0, t1;
	struct kf_table t;
	int err;

	err = kf_table_init(&t);
	if (err) {
		pr_warn("cannot allocate the drain table: %s\n", strerror(-err));
		return err;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = drain_steps(&b->maps, &t);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (err < 0) {
		pr_warn("drain of the interval maps failed: %s\n", strerror(-err));
		goto out;
	}
	d->entries = err;
	d->flows = 0;
	d->packets = 0;
	d->overflow = 0;
	d->retrans_ooo = 0;
	kf_table_walk(&t, sum_packets, d);
	d->ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	err = 0;
out:
	kf_table_free(&t);
	return err;
}

/* Every packet run through kflow must be in the map, and in its own flow:
 * the maps are sized so that none is ever full. A datapath that lost
 * packets would be measured doing the wrong thing. */
static void check_counted(struct bench *b, const char *what, const struct drained *d,
			  size_t flows, __u64 packets)
{
	b->checks++;
	if (d->flows != flows || d->packets != packets) {
		b->mismatches++;
		pr_warn("accounting mismatch after %s: drained %zu flows, %llu packets; "
			"expected %zu, %llu\n",
			what, d->flows, (unsigned long long)d->packets, flows,
			(unsigned long long)packets);
	}
	if (d->overflow) {
		b->overflowed++;
		pr_warn("%s: %llu packets went to the overflow record although the flow map "
			"had room: their flow's insert failed (see flow_map_full)\n",
			what, (unsigned long long)d->overflow);
	}
}

static const char *verdict(bool pass)
{
	return pass ? "PASS" : "MISS";
}

/* ---- 1. repeated packet ---- */

/* The floor programs read IPv4 TCP and UDP only: no floor for the IPv6 datagram. */
static bool has_floor(int pkt)
{
	return pkt == PKT_SYN || pkt == PKT_DATA;
}

static int hot_flow(struct bench *b, const struct hook *h, int pkt)
{
	const struct packet *p = &b->pkts[pkt];
	double kf[HOT_RUNS], em[HOT_RUNS], fl[HOT_RUNS], kf_ns, em_ns;
	const bool floor = has_floor(pkt);
	char what[64], floor_col[16] = "-";
	struct drained d;
	__u32 ns;
	int err;

	err = run_prog(&h->kf, h->retval, p->data, p->len, HOT_WARMUP, &ns);
	if (!err)
		err = run_prog(&h->empty, h->retval, p->data, p->len, HOT_WARMUP, &ns);
	if (!err && floor)
		err = run_prog(&h->floor_hash, h->retval, p->data, p->len, HOT_WARMUP, &ns);
	for (int i = 0; !err && i < HOT_RUNS; i++) {
		err = run_prog(&h->kf, h->retval, p->data, p->len, HOT_REPEAT, &ns);
		kf[i] = ns;
		if (!err)
			err = run_prog(&h->empty, h->retval, p->data, p->len, HOT_REPEAT, &ns);
		em[i] = ns;
		if (!err && floor) {
			err = run_prog(&h->floor_hash, h->retval, p->data, p->len, HOT_REPEAT, &ns);
			fl[i] = ns;
		}
	}
	if (err)
		return err;
	err = drain_flows(b, &d);
	if (err)
		return err;
	snprintf(what, sizeof(what), "%s repeated %s", h->name, p->name);
	check_counted(b, what, &d, 1, HOT_WARMUP + (__u64)HOT_RUNS * HOT_REPEAT);

	kf_ns = median(kf, HOT_RUNS);
	em_ns = median(em, HOT_RUNS);
	if (floor)
		snprintf(floor_col, sizeof(floor_col), "%.0f", median(fl, HOT_RUNS) - em_ns);
	printf("  %-4s %-22s %7.0f %7.0f %12.0f %8s   <= %3.0f ns   %s\n", h->name, p->name,
	       kf_ns, em_ns, kf_ns - em_ns, floor_col, TARGET_HOT_NS,
	       verdict(kf_ns - em_ns <= TARGET_HOT_NS));
	fflush(stdout);
	return 0;
}

/* ---- 2. in-order TCP stream ---- */

struct stream_sums {
	__u64 data_ns, ack_ns; /* kernel-measured, summed over single runs */
};

/* One pass of the stream from client sequence number seq, server
 * acknowledgment ack_seq: STREAM_DATA segments, a pure ACK of everything so
 * far after every STREAM_ACK_EVERY of them. Every program of a round is fed
 * the same packets; only kflow's passes move the stream on. */
static int stream_pass(struct stream *s, const struct hook *h, const struct prog *pr,
		       __u32 seq, struct stream_sums *sum)
{
	__u32 ns;
	int err;

	memset(sum, 0, sizeof(*sum));
	for (__u32 i = 0; i < STREAM_DATA; i++) {
		set_seq(s->data, seq, s->ack_seq);
		err = run_prog(pr, h->retval, s->data, DATA_LEN, 1, &ns);
		if (err)
			return err;
		sum->data_ns += ns;
		seq += DATA_PAYLOAD;
		if ((i + 1) % STREAM_ACK_EVERY)
			continue;
		set_seq(s->ack, s->ack_seq, seq);
		err = run_prog(pr, h->retval, s->ack, ACK_LEN, 1, &ns);
		if (err)
			return err;
		sum->ack_ns += ns;
	}
	return 0;
}

struct stream_result {
	double kf[3], empty[3], floor[3]; /* ns per packet: data, ACK, all */
	__u64 retrans_ooo; /* what kflow counted as retransmitted or out of order */
};

static int tcp_stream(struct bench *b, const struct hook *h, struct stream_result *r)
{
	double kf[3][STREAM_PASSES], em[3][STREAM_PASSES], fl[3][STREAM_PASSES];
	const struct prog *progs[] = { &h->kf, &h->empty, &h->floor_hash };
	double(*out[])[STREAM_PASSES] = { kf, em, fl };
	const __u64 per_pass = STREAM_PKTS;
	struct stream *s = &b->streams[h - b->hooks];
	const __u8 *hs[] = { s->syn, s->synack, s->hs_ack };
	const __u32 hs_len[] = { SYN_LEN, SYN_LEN, ACK_LEN };
	struct stream_sums sum;
	struct drained d;
	char what[64];
	__u32 ns;
	int err = 0;

	/* The handshake and a warm-up pass, through every program. */
	for (int i = 0; !err && i < 3; i++)
		for (int p = 0; !err && p < 3; p++)
			err = run_prog(progs[p], h->retval, hs[i], hs_len[i], 1, &ns);
	for (int pass = -1; !err && pass < STREAM_PASSES; pass++) {
		for (int p = 0; !err && p < 3; p++) {
			err = stream_pass(s, h, progs[p], s->seq, &sum);
			if (err || pass < 0)
				continue;
			out[p][0][pass] = (double)sum.data_ns / STREAM_DATA;
			out[p][1][pass] = (double)sum.ack_ns / (per_pass - STREAM_DATA);
			out[p][2][pass] = (double)(sum.data_ns + sum.ack_ns) / per_pass;
		}
		s->seq += STREAM_DATA * DATA_PAYLOAD;
	}
	if (err)
		return err;
	for (int k = 0; k < 3; k++) {
		r->kf[k] = median(kf[k], STREAM_PASSES);
		r->empty[k] = median(em[k], STREAM_PASSES);
		r->floor[k] = median(fl[k], STREAM_PASSES);
	}
	err = drain_flows(b, &d);
	if (err)
		return err;
	snprintf(what, sizeof(what), "%s TCP stream", h->name);
	check_counted(b, what, &d, 1, 3 + (1 + STREAM_PASSES) * per_pass);
	/* Segments seen as retransmitted would have taken the fast path of
	 * scenario 1: the row would not measure a stream. */
	r->retrans_ooo = d.retrans_ooo;
	if (d.retrans_ooo) {
		pr_warn("%s: %llu segments counted as retransmitted or out of order in an "
			"in-order stream\n",
			what, (unsigned long long)d.retrans_ooo);
	}
	return 0;
}

/* ---- 3, 5, 6. many flows, memory, drain ---- */

/* One pass over every flow in a new random order, so that no pass walks
 * the map's preallocated elements in the order the warm-up made them; *ns_sum
 * adds up the kernel-measured time of each single run. */
static int flows_pass(struct bench *b, const struct hook *h, const struct prog *pr,
		      __u64 *ns_sum)
{
	__u32 ns;
	int err;

	shuffle(b);
	*ns_sum = 0;
	for (__u32 i = 0; i < NFLOWS; i++) {
		err = run_prog(pr, h->retval, b->flow_pkts + (size_t)b->order[i] * SYN_LEN,
			       SYN_LEN, 1, &ns);
		if (err)
			return err;
		*ns_sum += ns;
	}
	return 0;
}

/* The interval map kf_flow_sel points to now. */
static int active_map(const struct bench *b, int *fd, const char **name)
{
	int idx = kf_active_index(&b->maps);

	if (idx < 0) {
		pr_warn("cannot tell which interval map is live: %s\n", strerror(-idx));
		return idx;
	}
	*fd = idx ? b->maps.b_fd : b->maps.a_fd;
	*name = idx ? "kf_flows_b" : "kf_flows_a";
	return 0;
}

/* The kernel's memory figure of a map: "memlock:" of its fdinfo. */
static int read_memlock(int fd, const char *name, unsigned long long *bytes)
{
	char path[64], line[256];
	int err = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		pr_warn("cannot open %s (map %s): %s\n", path, name, strerror(errno));
		return err;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "memlock: %llu", bytes) == 1) {
			err = 0;
			break;
		}
	}
	fclose(f);
	if (err)
		pr_warn("%s (map %s) has no memlock line\n", path, name);
	return err;
}

struct many_result {
	double kf_ns, empty_ns; /* per packet, flows already in the map */
	double hash_ns, line_ns, life_ns; /* the floor programs, likewise */
	double new_kf_ns, new_empty_ns; /* per packet, the warm-up pass */
	unsigned long long memlock, life_memlock; /* kflow's interval map, the floor life's */
	const char *map_name;
	struct drained drain;
};

static int many_flows(struct bench *b, const struct hook *h, struct many_result *r)
{
	double kf[MANY_PASSES], em[MANY_PASSES], fh[MANY_PASSES], fl[MANY_PASSES];
	double lf[MANY_PASSES];
	char what[64];
	__u64 sum;
	int err, fd = -1;

	pr_info("%s: %d flows, a warm-up and %d timed passes each for %s and %s\n", h->name,
		NFLOWS, MANY_PASSES, h->kf.name, h->empty.name);
	err = flows_pass(b, h, &h->kf, &sum);
	r->new_kf_ns = (double)sum / NFLOWS;
	if (!err)
		err = flows_pass(b, h, &h->empty, &sum);
	r->new_empty_ns = (double)sum / NFLOWS;
	if (!err) /* the floors' warm-up: their flows are made */
		err = flows_pass(b, h, &h->floor_hash, &sum);
	if (!err)
		err = flows_pass(b, h, &h->floor_line, &sum);
	if (!err)
		err = flows_pass(b, h, &h->floor_life, &sum);
	for (int i = 0; !err && i < MANY_PASSES; i++) {
		err = flows_pass(b, h, &h->kf, &sum);
		kf[i] = (double)sum / NFLOWS;
		if (!err)
			err = flows_pass(b, h, &h->empty, &sum);
		em[i] = (double)sum / NFLOWS;
		if (!err)
			err = flows_pass(b, h, &h->floor_hash, &sum);
		fh[i] = (double)sum / NFLOWS;
		if (!err)
			err = flows_pass(b, h, &h->floor_line, &sum);
		fl[i] = (double)sum / NFLOWS;
		if (!err)
			err = flows_pass(b, h, &h->floor_life, &sum);
		lf[i] = (double)sum / NFLOWS;
	}
	if (err)
		return err;
	r->kf_ns = median(kf, MANY_PASSES);
	r->hash_ns = median(fh, MANY_PASSES);
	r->line_ns = median(fl, MANY_PASSES);
	r->life_ns = median(lf, MANY_PASSES);
	r->empty_ns = median(em, MANY_PASSES);

	err = active_map(b, &fd, &r->map_name);
	if (!err)
		err = read_memlock(fd, r->map_name, &r->memlock);
	if (!err)
		err = read_memlock(bpf_map__fd(b->floor->maps.kf_bench_life), "kf_bench_life",
				   &r->life_memlock);
	if (!err)
		err = drain_flows(b, &r->drain);
	if (err)
		return err;
	snprintf(what, sizeof(what), "%s %d flows", h->name, NFLOWS);
	check_counted(b, what, &r->drain, NFLOWS, (__u64)NFLOWS * (1 + MANY_PASSES));
	return 0;
}

/* ---- 4. two CPUs on one flow ---- */

/* What the threads of one measurement share. The gate holds them until
 * every thread exists, so that the barrier counts only threads that run. */
struct crew {
	pthread_mutex_t gate;
	pthread_barrier_t start; /* every round starts on all CPUs at once */
	bool abort; /* a thread could not be started: run nothing */
};

struct worker {
	pthread_t tid;
	int cpu;
	const struct hook *h;
	const struct prog *prog; /* kflow's, or a floor program */
	const struct packet *p;
	struct crew *crew;
	double ns[PAIR_ROUNDS];
	int err;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	cpu_set_t set;
	__u32 ns = 0;
	int err;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (err) {
		w->err = -err;
		pr_warn("cannot pin a benchmark thread to CPU %d: %s\n", w->cpu, strerror(err));
	}
	pthread_mutex_lock(&w->crew->gate);
	pthread_mutex_unlock(&w->crew->gate);
	if (w->crew->abort)
		return NULL;
	/* A failed thread still takes part in the barrier, so that the others
	 * are not left waiting. */
	for (int r = 0; r < PAIR_ROUNDS; r++) {
		pthread_barrier_wait(&w->crew->start);
		if (!w->err)
			w->err = run_prog(w->prog, w->h->retval, w->p->data, w->p->len,
					  PAIR_REPEAT, &ns);
		w->ns[r] = ns;
	}
	return NULL;
}

/* Runs n workers, worker i on CPU i, PAIR_ROUNDS rounds started together. */
static int run_workers(struct worker *w, int n, const struct hook *h, const struct prog *prog,
		       const struct packet *p)
{
	struct crew crew = { .gate = PTHREAD_MUTEX_INITIALIZER };
	int err = 0, started, i;

	pthread_mutex_lock(&crew.gate);
	for (started = 0; started < n; started++) {
		memset(&w[started], 0, sizeof(w[started]));
		w[started].cpu = started;
		w[started].h = h;
		w[started].prog = prog;
		w[started].p = p;
		w[started].crew = &crew;
		err = -pthread_create(&w[started].tid, NULL, worker_main, &w[started]);
		if (err) {
			pr_warn("cannot start benchmark thread %d: %s\n", started, strerror(-err));
			break;
		}
	}
	if (!err) {
		err = -pthread_barrier_init(&crew.start, NULL, n);
		if (err)
			pr_warn("cannot create the start barrier of %d threads: %s\n", n,
				strerror(-err));
	}
	crew.abort = err != 0;
	pthread_mutex_unlock(&crew.gate);

	for (i = 0; i < started; i++) {
		pthread_join(w[i].tid, NULL);
		if (w[i].err && !err)
			err = w[i].err;
	}
	if (!crew.abort)
		pthread_barrier_destroy(&crew.start);
	return err;
}

static int two_cpus(struct bench *b, const struct hook *h)
{
	const struct packet *p = &b->pkts[PKT_SYN];
	struct worker alone, pair[PAIR_CPUS], life_alone, life_pair[PAIR_CPUS];
	double a_ns, c_ns[PAIR_CPUS], worst = 0, life_a, life_worst = 0;
	struct drained d;
	char what[64];
	__u32 ns;
	int err;

	err = run_prog(&h->kf, h->retval, p->data, p->len, HOT_WARMUP, &ns);
	if (!err)
		err = run_workers(&alone, 1, h, &h->kf, p);
	if (!err)
		err = run_workers(pair, PAIR_CPUS, h, &h->kf, p);
	if (!err)
		err = run_prog(&h->floor_life, h->retval, p->data, p->len, HOT_WARMUP, &ns);
	if (!err)
		err = run_workers(&life_alone, 1, h, &h->floor_life, p);
	if (!err)
		err = run_workers(life_pair, PAIR_CPUS, h, &h->floor_life, p);
	if (!err)
		err = drain_flows(b, &d);
	if (err)
		return err;
	snprintf(what, sizeof(what), "%s on two CPUs", h->name);
	check_counted(b, what, &d, 1,
		      HOT_WARMUP + (__u64)(1 + PAIR_CPUS) * PAIR_ROUNDS * PAIR_REPEAT);

	a_ns = median(alone.ns, PAIR_ROUNDS);
	life_a = median(life_alone.ns, PAIR_ROUNDS);
	for (int i = 0; i < PAIR_CPUS; i++) {
		c_ns[i] = median(pair[i].ns, PAIR_ROUNDS);
		if (c_ns[i] > worst)
			worst = c_ns[i];
		if (median(life_pair[i].ns, PAIR_ROUNDS) > life_worst)
			life_worst = median(life_pair[i].ns, PAIR_ROUNDS);
	}
	printf("  %-4s %14.0f %10.0f %10.0f %9.2fx   <= %.1fx   %-6s %11.0f %9.2fx\n", h->name,
	       a_ns, c_ns[0], c_ns[1], worst / a_ns, TARGET_PAIR_RATIO,
	       verdict(worst / a_ns <= TARGET_PAIR_RATIO), life_a, life_worst / life_a);
	fflush(stdout);
	return 0;
}

/* Are CPUs 0..n-1 online and ours to run on? Asked before pinning. */
static bool have_cpus(int n)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return false;
	for (int i = 0; i < n; i++)
		if (!CPU_ISSET(i, &set))
			return false;
	return true;
}

/* ---- setup ---- */

static int load(struct bench *b)
{
	struct bpf_map *map;
	__u32 zero = 0;
	int err;

	b->skel = kflow__open();
	if (!b->skel) {
		err = -errno;
		pr_warn("cannot open the kflow BPF object: %s\n", strerror(errno));
		return err;
	}
	bpf_object__for_each_map(map, b->skel->obj) {
		err = bpf_map__set_pin_path(map, NULL);
		if (err) {
			pr_warn("cannot clear the pin path of map %s: %s\n", bpf_map__name(map),
				strerror(-err));
			return err;
		}
	}
	/* KF_BENCH_EVENTS=1: every row with the flow events of --stream on
	 * (a ring that holds every event of the run's new flows). */
	if (getenv("KF_BENCH_EVENTS") && strcmp(getenv("KF_BENCH_EVENTS"), "0")) {
		b->skel->rodata->cfg_events = 1;
		bpf_map__set_max_entries(b->skel->maps.kf_events, NEWFLOW_RING);
	}
	/* --max-flows 100000 sizing: the flows plus the overflow key. */
	err = bpf_map__set_max_entries(b->skel->maps.kf_flows_a, NFLOWS + 1);
	if (!err)
		err = bpf_map__set_max_entries(b->skel->maps.kf_flows_b, NFLOWS + 1);
	if (err) {
		pr_warn("cannot size maps kf_flows_a/kf_flows_b: %s\n", strerror(-err));
		return err;
	}
	err = kflow__load(b->skel);
	if (err) {
		pr_warn("cannot load the kflow BPF programs: %s\n", strerror(-err));
		return err;
	}
	b->empty = bench_empty__open_and_load();
	if (!b->empty) {
		err = -errno;
		pr_warn("cannot load the empty BPF programs: %s\n", strerror(errno));
		return err;
	}

	b->floor = bench_floor__open();
	err = b->floor ? 0 : -errno;
	if (!err)
		err = bpf_map__set_max_entries(b->floor->maps.kf_bench_flows, NFLOWS + 16);
	if (!err)
		err = bpf_map__set_max_entries(b->floor->maps.kf_bench_life, NFLOWS + 16);
	if (!err)
		err = bpf_map__set_max_entries(b->floor->maps.kf_bench_cnt, NFLOWS + 16);
	if (!err)
		err = bpf_map__set_max_entries(b->floor->maps.kf_bench_state, NFLOWS + 16);
	if (!err)
		err = bench_floor__load(b->floor);
	if (err) {
		pr_warn("cannot load the floor BPF programs: %s\n", strerror(-err));
		return err;
	}

	b->maps.sel_fd = bpf_map__fd(b->skel->maps.kf_flow_sel);
	b->maps.a_fd = bpf_map__fd(b->skel->maps.kf_flows_a);
	b->maps.b_fd = bpf_map__fd(b->skel->maps.kf_flows_b);
	b->ncpus = libbpf_num_possible_cpus();
	if (b->ncpus < 0) {
		pr_warn("cannot count possible CPUs: %s\n", strerror(-b->ncpus));
		return b->ncpus;
	}
	err = add_overflow_key(b->maps.a_fd);
	if (err)
		return err;
	if (bpf_map_update_elem(b->maps.sel_fd, &zero, &b->maps.a_fd, BPF_ANY)) {
		err = -errno;
		pr_warn("cannot install map kf_flows_a in kf_flow_sel: %s\n", strerror(errno));
		return err;
	}

	b->hooks[HOOK_XDP] = (struct hook){
		.name = "XDP",
		.kf = { "kf_xdp_ingress", bpf_program__fd(b->skel->progs.kf_xdp_ingress) },
		.empty = { "empty_xdp", bpf_program__fd(b->empty->progs.empty_xdp) },
		.floor_hash = { "floor_hash_xdp", bpf_program__fd(b->floor->progs.floor_hash_xdp) },
		.floor_line = { "floor_line_xdp", bpf_program__fd(b->floor->progs.floor_line_xdp) },
		.floor_life = { "floor_life_xdp", bpf_program__fd(b->floor->progs.floor_life_xdp) },
		.floor_split = { "floor_split_xdp",
				 bpf_program__fd(b->floor->progs.floor_split_xdp) },
		.retval = XDP_PASS,
	};
	b->hooks[HOOK_TC] = (struct hook){
		.name = "TC",
		.kf = { "kf_tc_ingress", bpf_program__fd(b->skel->progs.kf_tc_ingress) },
		.empty = { "empty_tc", bpf_program__fd(b->empty->progs.empty_tc) },
		.floor_hash = { "floor_hash_tc", bpf_program__fd(b->floor->progs.floor_hash_tc) },
		.floor_line = { "floor_line_tc", bpf_program__fd(b->floor->progs.floor_line_tc) },
		.floor_life = { "floor_life_tc", bpf_program__fd(b->floor->progs.floor_life_tc) },
		.floor_split = { "floor_split_tc", bpf_program__fd(b->floor->progs.floor_split_tc) },
		.retval = (__u32)TC_ACT_UNSPEC,
	};
	return 0;
}

/* ---- 7. a new flow's first packet, with and without flow events ---- */


/* One pass of NFLOWS new flows through a freshly loaded kflow (empty
 * maps: every packet is a flow the kernel has not seen), with the flow
 * events of `kflow run --stream` on or off. */
static int newflow_pass(struct bench *b, int hook, bool events, double *ns)
{
	struct kflow *sk = kflow__open();
	struct bpf_map *map;
	struct prog pr;
	__u32 zero = 0;
	__u64 sum = 0;
	int err, fd;

	if (!sk)
		return -errno;
	bpf_object__for_each_map(map, sk->obj)
		bpf_map__set_pin_path(map, NULL);
	bpf_map__set_max_entries(sk->maps.kf_flows_a, NFLOWS + 1);
	bpf_map__set_max_entries(sk->maps.kf_flows_b, NFLOWS + 1);
	bpf_map__set_max_entries(sk->maps.kf_events, events ? NEWFLOW_RING : 4096);
	sk->rodata->cfg_events = events;
	sk->rodata->cfg_ev_wake_bytes = 65536;
	err = kflow__load(sk);
	if (err) {
		pr_warn("cannot load the kflow BPF programs (events %s): %s\n",
			events ? "on" : "off", strerror(-err));
		goto out;
	}
	fd = bpf_map__fd(sk->maps.kf_flows_a);
	err = add_overflow_key(fd);
	if (!err && bpf_map_update_elem(bpf_map__fd(sk->maps.kf_flow_sel), &zero, &fd, BPF_ANY))
		err = -errno;
	if (err)
		goto out;
	pr.name = hook == HOOK_XDP ? "kf_xdp_ingress" : "kf_tc_ingress";
	pr.fd = bpf_program__fd(hook == HOOK_XDP ? sk->progs.kf_xdp_ingress :
						     sk->progs.kf_tc_ingress);
	err = flows_pass(b, &b->hooks[hook], &pr, &sum);
	*ns = (double)sum / NFLOWS;
out:
	kflow__destroy(sk);
	return err;
}

static int newflow_cost(struct bench *b, int hook, double *off_ns, double *on_ns)
{
	double off[NEWFLOW_ROUNDS], on[NEWFLOW_ROUNDS];
	int err = 0;

	for (int i = 0; !err && i < NEWFLOW_ROUNDS; i++) {
		err = newflow_pass(b, hook, false, &off[i]);
		if (!err)
			err = newflow_pass(b, hook, true, &on[i]);
	}
	if (err)
		return err;
	*off_ns = median(off, NEWFLOW_ROUNDS);
	*on_ns = median(on, NEWFLOW_ROUNDS);
	return 0;
}

/* ---- 8. short connections ---- */

/* One short connection as the live bench's load makes it: handshake, 100 B
 * each way, both FINs, the last ACK. Client 10.128.0.0 + its number, port
 * 40000, to 192.0.2.1:8080; "c" the client's packets, "s" the server's. */
enum {
	SC_SYN, SC_SYNACK, SC_HS_ACK, SC_REQ, SC_RESP, SC_ACK, SC_FIN_C, SC_FIN_S, SC_LAST_ACK,
	SC_STEPS
};

static const char *const sc_names[SC_STEPS] = {
	"SYN c", "SYN-ACK s", "ACK c", "100 B c", "100 B s", "ACK c", "FIN c", "FIN s", "ACK c",
};

#define SC_CONNS 10000
#define SC_PASSES 3
#define SC_PAYLOAD 100
#define SC_MAX_LEN (ETH_HLEN + 20 + 32 + SC_PAYLOAD)

/* Frame of step st of connection n; its length. */
static __u32 sc_frame(__u8 *p, __u32 n, int st)
{
	static const struct {
		bool server;
		__u8 flags;
		__u32 seq, ack, payload; /* offsets from each side's ISN */
	} sc[SC_STEPS] = {
		[SC_SYN] = { false, 0x02, 0, 0, 0 },
		[SC_SYNACK] = { true, 0x12, 0, 1, 0 },
		[SC_HS_ACK] = { false, 0x10, 1, 1, 0 },
		[SC_REQ] = { false, 0x18, 1, 1, SC_PAYLOAD },
		[SC_RESP] = { true, 0x18, 1, 1 + SC_PAYLOAD, SC_PAYLOAD },
		[SC_ACK] = { false, 0x10, 1 + SC_PAYLOAD, 1 + SC_PAYLOAD, 0 },
		[SC_FIN_C] = { false, 0x11, 1 + SC_PAYLOAD, 1 + SC_PAYLOAD, 0 },
		[SC_FIN_S] = { true, 0x11, 1 + SC_PAYLOAD, 2 + SC_PAYLOAD, 0 },
		[SC_LAST_ACK] = { false, 0x10, 2 + SC_PAYLOAD, 2 + SC_PAYLOAD, 0 },
	};
	const __u32 cli = 0x0a800000 + n, srv = 0xc0000201, isn_c = 1000, isn_s = 700000;
	const bool syn = st == SC_SYN || st == SC_SYNACK;
	const __u32 tcp_len = sizeof(struct tcphdr) + (syn ? sizeof(syn_opts) : sizeof(data_opts));
	const __u32 len = ETH_HLEN + sizeof(struct iphdr) + tcp_len + sc[st].payload;
	const __u8 *opts = syn ? syn_opts : data_opts;
	__u32 my_isn = sc[st].server ? isn_s : isn_c, peer_isn = sc[st].server ? isn_c : isn_s;

	if (sc[st].server)
		build_tcp4(p, len, srv, 8080, cli, 40000, sc[st].flags, opts, tcp_len,
			   sc[st].payload);
	else
		build_tcp4(p, len, cli, 40000, srv, 8080, sc[st].flags, opts, tcp_len,
			   sc[st].payload);
	set_seq(p, my_isn + sc[st].seq, st == SC_SYN ? 0 : peer_isn + sc[st].ack);
	return len;
}

/* ns per packet by program (kflow, empty, floor life, floor split) and mode
 * (one after another, interleaved): by step, and all steps. */
enum { SC_KF, SC_EMPTY, SC_LIFE, SC_SPLIT, SC_PROGS };

struct sc_result {
	double step[SC_PROGS][2][SC_STEPS];
	double all[SC_PROGS][2];
};

/* Empties a hash map from user space (kflow's TCP state, the floors'
 * entries): each mode of scenario 8 starts with empty maps, from which
 * kflow and the floors alike make new entries. */
static int clear_map(int fd, const char *name, size_t key_size)
{
	__u8 key[64];
	int err;

	if (key_size > sizeof(key))
		return -EINVAL;
	while (!bpf_map_get_next_key(fd, NULL, key)) {
		if (bpf_map_delete_elem(fd, key)) {
			err = -errno;
			pr_warn("cannot empty map %s: %s\n", name, strerror(errno));
			return err;
		}
	}
	return 0;
}

/* One pass of SC_CONNS connections of generation gen through one program:
 * mode 0 runs each connection's packets one after another (its entries stay
 * in the cache, as when connections follow one another); mode 1 runs step
 * by step, the connections in a new random order at each step (each packet
 * finds its flow's lines cold, as when many connections overlap). ns[st]
 * sums the kernel-measured time of each step. */
static int sc_pass(struct bench *b, const struct hook *h, const struct prog *pr, int mode,
		   __u32 gen, __u64 *ns)
{
	static __u32 order[SC_CONNS];
	__u8 frame[SC_MAX_LEN];
	__u32 t, len;
	int err;

	for (__u32 i = 0; i < SC_CONNS; i++)
		order[i] = i;
	memset(ns, 0, SC_STEPS * sizeof(*ns));
	for (int outer = 0; outer < (mode ? SC_STEPS : SC_CONNS); outer++) {
		if (mode)
			shuffle_ids(&b->rng, order, SC_CONNS);
		for (int inner = 0; inner < (mode ? SC_CONNS : SC_STEPS); inner++) {
			int st = mode ? outer : inner;
			__u32 n = gen * SC_CONNS + (mode ? order[inner] : (__u32)outer);

			len = sc_frame(frame, n, st);
			err = run_prog(pr, h->retval, frame, len, 1, &t);
			if (err)
				return err;
			ns[st] += t;
		}
	}
	return 0;
}

static int short_conns(struct bench *b, const struct hook *h, struct sc_result *r,
		       __u32 *gen)
{
	const struct prog *progs[SC_PROGS] = { &h->kf, &h->empty, &h->floor_life,
					       &h->floor_split };
	double v[SC_PROGS][SC_PASSES], step[SC_PROGS][SC_STEPS][SC_PASSES];
	int l4_fd = bpf_map__fd(b->skel->maps.kf_l4);
	int life_fd = bpf_map__fd(b->floor->maps.kf_bench_life);
	int cnt_fd = bpf_map__fd(b->floor->maps.kf_bench_cnt);
	int state_fd = bpf_map__fd(b->floor->maps.kf_bench_state);
	__u64 ns[SC_STEPS], sum;
	struct drained d;
	char what[64];
	int err = 0;

	pr_info("%s: %d short connections, a warm-up and %d timed passes per mode\n", h->name,
		SC_CONNS, SC_PASSES);
	for (int mode = 0; !err && mode < 2; mode++) {
		err = clear_map(l4_fd, "kf_l4", sizeof(struct flow_key));
		if (!err)
			err = clear_map(life_fd, "kf_bench_life", sizeof(struct flow_key));
		if (!err)
			err = clear_map(cnt_fd, "kf_bench_cnt", sizeof(struct flow_key));
		if (!err)
			err = clear_map(state_fd, "kf_bench_state", sizeof(struct flow_key));
		for (int pass = -1; !err && pass < SC_PASSES; pass++, (*gen)++) {
			for (int p = 0; !err && p < SC_PROGS; p++) {
				err = sc_pass(b, h, progs[p], mode, *gen, ns);
				if (err || pass < 0)
					continue;
				sum = 0;
				for (int st = 0; st < SC_STEPS; st++) {
					sum += ns[st];
					step[p][st][pass] = (double)ns[st] / SC_CONNS;
				}
				v[p][pass] = (double)sum / (SC_CONNS * SC_STEPS);
			}
		}
		if (err)
			break;
		err = drain_flows(b, &d);
		if (err)
			break;
		snprintf(what, sizeof(what), "%s short connections, mode %d", h->name, mode);
		check_counted(b, what, &d, (size_t)SC_CONNS * (1 + SC_PASSES),
			      (__u64)SC_CONNS * (1 + SC_PASSES) * SC_STEPS);
		if (d.retrans_ooo)
			pr_warn("%s: %llu segments counted as retransmitted or out of order\n",
				what, (unsigned long long)d.retrans_ooo);
		for (int p = 0; p < SC_PROGS; p++) {
			for (int st = 0; st < SC_STEPS; st++)
				r->step[p][mode][st] = median(step[p][st], SC_PASSES);
			r->all[p][mode] = median(v[p], SC_PASSES);
		}
	}
	if (!err)
		err = clear_map(l4_fd, "kf_l4", sizeof(struct flow_key));
	return err;
}

static void print_short_conns(const struct bench *b, const struct sc_result *r)
{
	static const char *const modes[2] = { "one after another", "interleaved" };

	printf("\n8. Short connections: %d connections (handshake, %d B each way, both FINs,\n"
	       "   last ACK: %d packets, both directions through the one program), each packet\n"
	       "   run once, median of %d passes after a warm-up, new connections every pass\n"
	       "   (ns/packet); no target set\n",
	       SC_CONNS, SC_PAYLOAD, SC_STEPS, SC_PASSES);
	printf("  %-4s %-18s %7s %7s %12s %11s %12s   %s\n", "hook", "connections", "kflow",
	       "empty", "above empty", "floor life*", "floor split*", "result");
	for (int h = 0; h < NHOOKS; h++) {
		for (int mode = 0; mode < 2; mode++) {
			double e = r[h].all[SC_EMPTY][mode];

			printf("  %-4s %-18s %7.1f %7.1f %12.1f %11.1f %12.1f   info\n",
			       b->hooks[h].name, modes[mode], r[h].all[SC_KF][mode], e,
			       r[h].all[SC_KF][mode] - e, r[h].all[SC_LIFE][mode] - e,
			       r[h].all[SC_SPLIT][mode] - e);
		}
	}
	printf("  by packet (ns above empty: kflow / floor life / floor split):\n  %-4s %-5s",
	       "hook", "mode");
	for (int st = 0; st < SC_STEPS; st++)
		printf(" %13s", sc_names[st]);
	printf("\n");
	for (int h = 0; h < NHOOKS; h++) {
		for (int mode = 0; mode < 2; mode++) {
			printf("  %-4s %-5s", b->hooks[h].name, mode ? "inter" : "one");
			for (int st = 0; st < SC_STEPS; st++) {
				double e = r[h].step[SC_EMPTY][mode][st];
				char cell[32];

				snprintf(cell, sizeof(cell), "%.0f/%.0f/%.0f",
					 r[h].step[SC_KF][mode][st] - e,
					 r[h].step[SC_LIFE][mode][st] - e,
					 r[h].step[SC_SPLIT][mode][st] - e);
				printf(" %13s", cell);
			}
			printf("\n");
		}
	}
	printf("  * above empty, from bench_floor.bpf.c: \"life\" is scenario 3's: one shared entry\n"
	       "    per flow, made on its first packet, two atomic adds, no TCP; \"split\" the same\n"
	       "    entry (in a map of its own) and a second one, in another hash, for the flow's TCP\n"
	       "    state (kflow's l4_state), where the sender's side takes the packet's time: the\n"
	       "    least kflow's interval maps beside kf_l4 can cost\n");
	fflush(stdout);
}

/* A sysctl that changes what the figures mean, or -1. */
static int read_sysctl(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int pin_self(int cpu)
{
	cpu_set_t set;
	int err;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (err)
		pr_warn("cannot pin the benchmark to CPU %d: %s\n", cpu, strerror(err));
	return -err;
}

int main(void)
{
	static const char *const stream_rows[] = { "data, 1514 B", "pure ACK, 66 B",
						   "all" };
	struct stream_result stream[NHOOKS];
	struct many_result many[NHOOKS];
	struct sc_result conns[NHOOKS];
	struct bench b = {};
	__u32 gen = 0;
	struct utsname un;
	size_t stride = (sizeof(struct flow_stats) + 7) & ~(size_t)7;
	bool pair_ok = have_cpus(PAIR_CPUS);
	const char *only;
	int err, h, p;

	kf_log_setup_libbpf();
	err = build_packets(&b);
	if (err)
		goto cleanup;
	err = load(&b);
	if (err)
		goto cleanup;
	/* One CPU for everything measured alone: no migration between runs,
	 * and "one CPU alone" below is this same CPU 0. */
	err = pin_self(0);
	if (err)
		goto cleanup;
	if (read_sysctl("/proc/sys/kernel/bpf_stats_enabled") > 0)
		pr_warn("kernel.bpf_stats_enabled is on: every run pays for its statistics\n");
	if (read_sysctl("/proc/sys/net/core/bpf_jit_enable") == 0)
		pr_warn("net.core.bpf_jit_enable is 0: programs run interpreted\n");

	uname(&un);
	printf("kflow bench: kernel %s, %d possible CPUs, BPF_PROG_TEST_RUN ns/packet "
	       "(kernel-measured), kflow and empty alternating in this run%s\n",
	       un.release, b.ncpus,
	       b.skel->rodata->cfg_events ? "; flow events (--stream) ON (KF_BENCH_EVENTS)" : "");

	/* KF_BENCH_ONLY=4: the two-CPU scenario alone, to iterate on sharing;
	 * =2: the in-order stream alone, to iterate on the path of in-order
	 * data and pure ACKs. */
	only = getenv("KF_BENCH_ONLY");
	if (only && !strcmp(only, "8"))
		goto short_only;
	if (only && !strcmp(only, "4"))
		goto two_cpus_only;
	if (only && !strcmp(only, "2"))
		goto stream_only;
	printf("\n1. Repeated packet: one packet run %d times in the kernel, median of %d\n"
	       "   (ns/packet). After the first, each is a retransmission of it (TCP) or a\n"
	       "   datagram in the direction last seen (UDP): the datapath's fast path\n",
	       HOT_REPEAT, HOT_RUNS);
	printf("  %-4s %-22s %7s %7s %12s %8s   %-9s   %s\n", "hook", "packet", "kflow", "empty",
	       "above empty", "floor*", "target", "result");
	fflush(stdout);
	for (h = 0; h < NHOOKS; h++) {
		for (p = 0; p < NPKTS; p++) {
			err = hot_flow(&b, &b.hooks[h], p);
			if (err)
				goto cleanup;
		}
	}

	printf("  * above empty: bench_floor.bpf.c's bare per-CPU hash of the same key and value (no atomics)\n"
	       "    (lookup, add bytes, packets, time; nothing else), IPv4 frames only\n");
	fflush(stdout);

stream_only:
	for (h = 0; h < NHOOKS; h++) {
		err = tcp_stream(&b, &b.hooks[h], &stream[h]);
		if (err)
			goto cleanup;
	}
	printf("\n2. In-order TCP stream: a handshake, then per pass %d segments (sequence\n"
	       "   number advancing by the payload) and the peer's pure ACK after every %d;\n"
	       "   each packet run once (repeat 1), summed; median of %d passes after a\n"
	       "   warm-up; no target set (ns/packet)\n",
	       STREAM_DATA, STREAM_ACK_EVERY, STREAM_PASSES);
	printf("  %-4s %-15s %7s %7s %12s %8s   %-9s   %s\n", "hook", "packets", "kflow", "empty",
	       "above empty", "floor*", "retr+ooo", "result");
	for (h = 0; h < NHOOKS; h++) {
		for (int k = 0; k < 3; k++) {
			char rt[24] = "";

			if (k == 2)
				snprintf(rt, sizeof(rt), "%llu",
					 (unsigned long long)stream[h].retrans_ooo);
			printf("  %-4s %-15s %7.1f %7.1f %12.1f %8.1f   %-9s   info\n",
			       b.hooks[h].name, stream_rows[k], stream[h].kf[k], stream[h].empty[k],
			       stream[h].kf[k] - stream[h].empty[k],
			       stream[h].floor[k] - stream[h].empty[k], rt);
		}
	}
	printf("  * above empty: the floor hash of scenario 1. retr+ooo: segments kflow counted as\n"
	       "    retransmitted or out of order (0 for this stream)\n");
	fflush(stdout);
	if (only && !strcmp(only, "2")) {
		err = 0;
		goto cleanup;
	}

	for (h = 0; h < NHOOKS; h++) {
		err = many_flows(&b, &b.hooks[h], &many[h]);
		if (err)
			goto cleanup;
	}
	printf("\n3. %d distinct flows (IPv4 TCP SYN, 64 B) in a new random order every pass,\n"
	       "   repeat 1 each, summed over a pass, median of %d passes after a warm-up\n"
	       "   (ns/packet)\n",
	       NFLOWS, MANY_PASSES);
	printf("  %-4s %7s %7s %12s %11s %11s %11s   %-10s   %s\n", "hook", "kflow", "empty",
	       "above empty", "floor hash*", "floor life*", "floor line*", "target", "result");
	for (h = 0; h < NHOOKS; h++)
		printf("  %-4s %7.1f %7.1f %12.1f %11.1f %11.1f %11.1f   <= %3.0f ns   %s\n",
		       b.hooks[h].name, many[h].kf_ns, many[h].empty_ns,
		       many[h].kf_ns - many[h].empty_ns, many[h].hash_ns - many[h].empty_ns,
		       many[h].life_ns - many[h].empty_ns, many[h].line_ns - many[h].empty_ns,
		       TARGET_MANY_NS, verdict(many[h].kf_ns - many[h].empty_ns <= TARGET_MANY_NS));
	printf("  * above empty, from bench_floor.bpf.c: \"hash\" is kflow's key and value in a bare\n"
	       "    per-CPU hash (lookup, add bytes, packets, time; nothing else); \"life\" the same in\n"
	       "    one shared 320-byte lifetime entry per flow (not per CPU; bytes and packets added\n"
	       "    atomically); \"line\" touches one 64-byte line per flow in a flat array, no key:\n"
	       "    the least any flow table can do.\n");
	printf("  the warm-up pass, where every packet creates its flow (no target set):\n");
	printf("  %-4s %7s %7s %12s   %-10s   %s\n", "hook", "kflow", "empty", "above empty",
	       "overflowed", "result");
	for (h = 0; h < NHOOKS; h++)
		printf("  %-4s %7.1f %7.1f %12.1f   %-10llu   info\n", b.hooks[h].name,
		       many[h].new_kf_ns, many[h].new_empty_ns,
		       many[h].new_kf_ns - many[h].new_empty_ns,
		       (unsigned long long)many[h].drain.overflow);
	fflush(stdout);

two_cpus_only:
	printf("\n4. Two CPUs on one flow: %s, repeat %d per thread, median of %d rounds\n"
	       "   (ns/packet; ratio = slower of the two CPUs / CPU 0 alone)\n",
	       b.pkts[PKT_SYN].name, PAIR_REPEAT, PAIR_ROUNDS);
	printf("  %-4s %14s %10s %10s %10s   %-7s   %-6s %11s %10s\n", "hook", "CPU 0 alone",
	       "CPU 0", "CPU 1", "ratio", "target", "result", "life alone*", "life ratio");
	fflush(stdout);
	if (!pair_ok) {
		printf("  skipped: needs CPUs 0 and 1\n");
	} else {
		for (h = 0; h < NHOOKS; h++) {
			err = two_cpus(&b, &b.hooks[h]);
			if (err)
				goto cleanup;
		}
		printf("  * the floor life program of scenario 3 on the same packet: one shared entry,\n"
		       "    whose bytes and packets both CPUs add atomically to the same line\n");
	}
	if (getenv("KF_BENCH_ONLY")) {
		err = 0;
		goto cleanup;
	}

	printf("\n5. Kernel memory per flow: memlock of the interval map after the %d-flow run\n"
	       "   / its entries (the overflow key included); no target set\n",
	       NFLOWS);
	printf("  %-4s %-10s %8s %12s %9s   %-26s   %s\n", "run", "map", "entries", "memlock (B)",
	       "B/entry", "key + value (B)", "result");
	for (h = 0; h < NHOOKS; h++)
		printf("  %-4s %-10s %8d %12llu %9.0f   %zu + %zu, any CPU count    info\n",
		       b.hooks[h].name, many[h].map_name, many[h].drain.entries,
		       many[h].memlock, (double)many[h].memlock / many[h].drain.entries,
		       sizeof(struct flow_key), stride);
	/* The floor life map holds NFLOWS flows, plus the scenario 1 and 4 one. */
	printf("  %-4s %-13s %5d %12llu %9.0f   %zu + 320, any CPU count   info\n", "life",
	       "kf_bench_life", NFLOWS + 16, many[NHOOKS - 1].life_memlock,
	       (double)many[NHOOKS - 1].life_memlock / (NFLOWS + 16), sizeof(struct flow_key));

	printf("\n6. Drain: the interval map holding the %d flows into an empty struct "
	       "kf_table\n   (swap with its RCU wait, batch lookup and merge, then batch "
	       "lookup-and-delete\n   once recorded, as the agent does); no target set\n",
	       NFLOWS);
	printf("  %-4s %8s %10s %12s   %s\n", "run", "entries", "time (ms)", "ns/entry", "result");
	for (h = 0; h < NHOOKS; h++)
		printf("  %-4s %8d %10.1f %12.0f   info\n", b.hooks[h].name, many[h].drain.entries,
		       many[h].drain.ms, many[h].drain.ms * 1e6 / many[h].drain.entries);

	printf("\n7. A new flow's first packet: %d new flows (IPv4 TCP SYN, 64 B) through freshly\n"
	       "   loaded programs, flow events (--stream) off and on, median of %d passes each\n"
	       "   (ns/packet; on: one kf_events reserve and submit per flow); no target set\n",
	       NFLOWS, NEWFLOW_ROUNDS);
	printf("  %-4s %10s %10s %10s   %s\n", "hook", "events off", "events on", "difference",
	       "result");
	for (h = 0; h < NHOOKS; h++) {
		double off_ns, on_ns;

		err = newflow_cost(&b, h, &off_ns, &on_ns);
		if (err)
			goto cleanup;
		printf("  %-4s %10.1f %10.1f %10.1f   info\n", b.hooks[h].name, off_ns, on_ns,
		       on_ns - off_ns);
		fflush(stdout);
	}

short_only:
	for (h = 0; h < NHOOKS; h++) {
		err = short_conns(&b, &b.hooks[h], &conns[h], &gen);
		if (err)
			goto cleanup;
	}
	print_short_conns(&b, conns);

	printf("\nAccounting: %d of %d scenarios drained every packet and flow they ran; "
	       "%d had packets in the\noverflow record although the map had room "
	       "(\"overflowed\"; details on stderr)\n",
	       b.checks - b.mismatches, b.checks, b.overflowed);
	fflush(stdout);
	err = 0;
cleanup:
	bench_floor__destroy(b.floor);
	bench_empty__destroy(b.empty);
	kflow__destroy(b.skel);
	free(b.flow_pkts);
	free(b.order);
	return err ? EXIT_FAILURE : EXIT_SUCCESS;
}
