// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_progs.c - runner of kflow's unit tests, after the kernel's
 * tools/testing/selftests/bpf/test_progs.c: runs every test listed in the
 * generated tests.h, prints one PASS/FAIL line per subtest and ends with
 * "N passed, M failed". There is no skip: a case a hook cannot carry is not
 * generated, and anything the kernel lacks is a failure. Also the helpers the tests share: the packet builder,
 * the BPF_PROG_TEST_RUN wrapper and flow map access.
 *
 * Usage: test_progs [-v] [-t PATTERN]...
 *   -t  run only subtests whose "test/subtest" name contains PATTERN
 *   -v  show libbpf's informational and debug messages
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include "flowtable.h"
#include "test_progs.h"
#include "kflow.skel.h"

#define DEFINE_TEST(name) void test_##name(void);
#include "tests.h"
#undef DEFINE_TEST

struct prog_test_def {
	const char *name;
	void (*run)(void);
};

static const struct prog_test_def prog_tests[] = {
#define DEFINE_TEST(name) { #name, test_##name },
#include "tests.h"
#undef DEFINE_TEST
};

#define MAX_FILTERS 16

static struct {
	/* options */
	const char *filters[MAX_FILTERS];
	int nr_filters;
	bool verbose;

	/* the running test */
	const struct prog_test_def *test;
	int test_num;
	bool test_failed; /* an assertion outside any subtest failed */
	int subtest_num; /* subtests seen, run or filtered out */
	bool in_subtest;
	char subtest[256];
	bool sub_failed;

	/* totals, counting subtests */
	int passed, failed;
} env;

static bool name_selected(const char *full)
{
	if (!env.nr_filters)
		return true;
	for (int i = 0; i < env.nr_filters; i++)
		if (strstr(full, env.filters[i]))
			return true;
	return false;
}

static void report(const char *num, const char *name, bool failed)
{
	printf("#%-7s %s:%s\n", num, name, failed ? "FAIL" : "PASS");
	if (failed)
		env.failed++;
	else
		env.passed++;
	fflush(stdout);
}

static void end_subtest(void)
{
	char num[32], full[512];

	if (!env.in_subtest)
		return;
	env.in_subtest = false;
	snprintf(num, sizeof(num), "%d/%d", env.test_num, env.subtest_num);
	snprintf(full, sizeof(full), "%s/%s", env.test->name, env.subtest);
	report(num, full, env.sub_failed);
}

bool test__start_subtest(const char *name)
{
	char full[512];

	end_subtest();
	env.subtest_num++;
	snprintf(full, sizeof(full), "%s/%s", env.test->name, name);
	if (!name_selected(full))
		return false;
	snprintf(env.subtest, sizeof(env.subtest), "%s", name);
	env.in_subtest = true;
	env.sub_failed = false;
	return true;
}

void test__fail(void)
{
	if (env.in_subtest)
		env.sub_failed = true;
	else
		env.test_failed = true;
}

void test__fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (env.in_subtest)
		printf("%s:%d: %s/%s: ", file, line, env.test->name, env.subtest);
	else
		printf("%s:%d: %s: ", file, line, env.test ? env.test->name : "-");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	test__fail();
}

void test__hex(char *out, size_t outlen, const void *p, size_t len)
{
	const __u8 *b = p;
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < len && o + 3 < outlen; i++)
		o += snprintf(out + o, outlen - o, "%02x", b[i]);
}

static void run_test(const struct prog_test_def *t, int num)
{
	char snum[32];

	env.test = t;
	env.test_num = num;
	env.test_failed = false;
	env.subtest_num = 0;
	env.in_subtest = false;

	/* Entered even when filtered: one of its subtests may match. */
	t->run();
	end_subtest();

	snprintf(snum, sizeof(snum), "%d", num);
	if (!env.subtest_num) {
		/* A test without subtests counts as one. */
		if (name_selected(t->name))
			report(snum, t->name, env.test_failed);
	} else if (env.test_failed) {
		/* Setup or teardown outside the subtests failed. */
		report(snum, t->name, true);
	}
	env.test = NULL;
}

static int libbpf_print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level != LIBBPF_WARN && !env.verbose)
		return 0;
	fputs("libbpf: ", stderr);
	return vfprintf(stderr, fmt, args);
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-v] [-t PATTERN]...\n", prog);
}

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "vt:h")) != -1) {
		switch (opt) {
		case 'v':
			env.verbose = true;
			break;
		case 't':
			if (env.nr_filters == MAX_FILTERS) {
				fprintf(stderr, "at most %d -t patterns\n", MAX_FILTERS);
				return 2;
			}
			env.filters[env.nr_filters++] = optarg;
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	libbpf_set_print(libbpf_print_fn);
	if (geteuid() != 0)
		fprintf(stderr, "test_progs: not root; loading BPF programs will likely fail\n");

	for (size_t i = 0; i < sizeof(prog_tests) / sizeof(prog_tests[0]); i++)
		run_test(&prog_tests[i], (int)i + 1);

	printf("%d passed, %d failed\n", env.passed, env.failed);
	return env.failed ? 1 : 0;
}

/* ---- packet builder ---- */

static __u8 *put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
	return p + 2;
}

static __u8 *put32(__u8 *p, __u32 v)
{
	put16(p, v >> 16);
	return put16(p + 2, v & 0xffff);
}

void pkt_host_addr(int family, __u8 host, __u8 addr[16])
{
	memset(addr, 0, 16);
	if (family == 4) {
		addr[0] = 10;
		addr[2] = host / 100;
		addr[3] = host % 100;
	} else {
		addr[0] = 0xfd;
		addr[14] = host / 100;
		addr[15] = host % 100;
	}
}

void pkt_host_mac(__u8 host, __u8 mac[6])
{
	memset(mac, 0, 6);
	mac[0] = 0x02;
	mac[5] = host;
}

static __u16 ip_csum(const __u8 *p, size_t len)
{
	__u32 sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static __u8 *put_tcp(__u8 *p, const struct pkt_spec *s)
{
	int words = s->doff > 5 ? s->doff : 5;
	int doff = s->doff_field ?: words;

	put16(p, s->sport);
	put16(p + 2, s->dport);
	put32(p + 4, 1000); /* seq */
	put32(p + 8, s->tcp_flags & 0x10 ? 2000 : 0); /* ack */
	p[12] = (doff << 4) | ((s->tcp_flags >> 8) & 1);
	p[13] = s->tcp_flags & 0xff;
	put16(p + 14, 65535); /* window */
	memset(p + 20, 1, words * 4 - 20); /* NOP options */
	return p + words * 4;
}

static __u8 *put_udp(__u8 *p, const struct pkt_spec *s)
{
	put16(p, s->sport);
	put16(p + 2, s->dport);
	put16(p + 4, 8 + s->payload);
	return p + 8;
}

static __u8 *put_icmp_echo(__u8 *p, const struct pkt_spec *s)
{
	p[0] = s->icmp_type;
	put16(p + 4, s->echo_id);
	put16(p + 6, 1); /* sequence */
	return p + 8;
}

/* The L4 header (unless a later fragment) and the payload. */
static __u8 *put_l4(__u8 *p, const struct pkt_spec *s)
{
	if (!s->no_l4) {
		if (s->proto == IPPROTO_TCP)
			p = put_tcp(p, s);
		else if (s->proto == IPPROTO_UDP)
			p = put_udp(p, s);
		else if (s->proto == IPPROTO_ICMP || s->proto == IPPROTO_ICMPV6)
			p = put_icmp_echo(p, s);
	}
	memset(p, 0xff, s->payload);
	return p + s->payload;
}

static __u8 *put_ipv4(__u8 *p, const struct pkt_spec *s, __u8 src, __u8 dst)
{
	int hl = 20 + s->ip_opt_len;
	__u8 *iph = p, addr[16];
	__u16 len;

	memset(iph + 20, 1, s->ip_opt_len); /* NOP options */
	p = put_l4(iph + hl, s);
	len = s->ip_len_zero ? 0 : s->ip_len ?: p - iph;
	iph[0] = ((s->ip_version ?: 4) << 4) | ((s->ihl ?: hl / 4) & 0xf);
	put16(iph + 2, len);
	put16(iph + 4, s->ip_id);
	put16(iph + 6, (s->mf ? 0x2000 : 0) | ((s->frag_off / 8) & 0x1fff));
	iph[8] = 64; /* TTL */
	iph[9] = s->proto;
	pkt_host_addr(4, src, addr);
	memcpy(iph + 12, addr, 4);
	pkt_host_addr(4, dst, addr);
	memcpy(iph + 16, addr, 4);
	put16(iph + 10, ip_csum(iph, hl));
	return p;
}

static __u8 *put_ip6_ext(__u8 *p, const struct pkt_ext *e, __u8 next)
{
	int len;

	p[0] = next;
	if (e->type == 44) { /* fragment */
		put16(p + 2, (e->frag_off & 0xfff8) | (e->more ? 1 : 0));
		put32(p + 4, e->id);
		return p + 8;
	}
	p[1] = e->len;
	if (e->type == 51) /* AH: SPI, sequence and ICV stay zero */
		return p + (e->len + 2) * 4;
	len = (e->len + 1) * 8;
	if (e->type == 0 || e->type == 60) { /* options: one PadN */
		p[2] = 1;
		p[3] = len - 4;
	}
	return p + len; /* routing: type 0, no segments left */
}

static __u8 *put_ipv6(__u8 *p, const struct pkt_spec *s, __u8 src, __u8 dst)
{
	__u8 *ip6h = p, addr[16];
	__u16 len;

	p += 40;
	for (int i = 0; i < s->n_ext && i < PKT_MAX_EXT; i++)
		p = put_ip6_ext(p, &s->ext[i], i + 1 < s->n_ext ? s->ext[i + 1].type : s->proto);
	p = put_l4(p, s);
	len = s->ip_len_zero ? 0 : s->ip_len ?: p - ip6h - 40;
	ip6h[0] = (s->ip_version ?: 6) << 4;
	put16(ip6h + 4, len);
	ip6h[6] = s->n_ext ? s->ext[0].type : s->proto;
	ip6h[7] = 64; /* hop limit */
	pkt_host_addr(6, src, addr);
	memcpy(ip6h + 8, addr, 16);
	pkt_host_addr(6, dst, addr);
	memcpy(ip6h + 24, addr, 16);
	return p;
}

static __u8 *put_arp(__u8 *p, __u8 src, __u8 dst)
{
	__u8 addr[16];

	put16(p, 1); /* Ethernet */
	put16(p + 2, ETH_P_IP);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, 1); /* request */
	pkt_host_mac(src, p + 8);
	pkt_host_addr(4, src, addr);
	memcpy(p + 14, addr, 4);
	pkt_host_addr(4, dst, addr);
	memcpy(p + 24, addr, 4);
	return p + 28;
}

size_t pkt_build(const struct pkt_spec *s, __u8 *buf)
{
	__u8 src = s->src ?: 1, dst = s->dst ?: 2, *p = buf;
	__u16 type = s->l3 == PKT_IPV4 ? ETH_P_IP : s->l3 == PKT_IPV6 ? ETH_P_IPV6 : ETH_P_ARP;
	size_t len;

	memset(buf, 0, PKT_MAX_LEN);
	pkt_host_mac(dst, p);
	pkt_host_mac(src, p + 6);
	p += 12;
	for (int i = 0; i < s->nvlans && i < PKT_MAX_VLANS; i++) {
		p = put16(p, s->vlan_tpid[i] ?: ETH_P_8021Q);
		p = put16(p, s->vlan_tci[i]);
	}
	p = put16(p, type);
	if (s->l3 == PKT_IPV4)
		p = put_ipv4(p, s, src, dst);
	else if (s->l3 == PKT_IPV6)
		p = put_ipv6(p, s, src, dst);
	else
		p = put_arp(p, src, dst);
	len = p - buf;
	if (s->pad_to > len)
		len = s->pad_to;
	if (s->cut_to)
		len = s->cut_to;
	return len;
}

/* ---- BPF_PROG_TEST_RUN ---- */

int kf_prog_run(int prog_fd, bool xdp, const __u8 *pkt, __u32 len, const struct pkt_spec *s,
		struct kf_run_result *res)
{
	static __u8 out[PKT_MAX_LEN];
	struct __sk_buff skb = {
		.ifindex = 1, /* lo: the kernel runs TC programs on it */
		.gso_segs = s ? s->gso_segs : 0,
		.gso_size = s ? s->gso_size : 0,
		.tstamp = s ? s->tstamp : 0,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = pkt,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = sizeof(out),
		.repeat = 1,
	);
	int err;

	if (!xdp) {
		opts.ctx_in = &skb;
		opts.ctx_size_in = sizeof(skb);
	}
	err = bpf_prog_test_run_opts(prog_fd, &opts);
	if (err)
		return -errno;
	res->retval = opts.retval;
	res->pkt_changed = opts.data_size_out != len || memcmp(out, pkt, len);
	return 0;
}

int kf_run_udp4(int prog_fd, __u16 port_1, __u16 port_2, bool back, __u16 ipid, __u64 tstamp)
{
	struct pkt_spec s = {
		.l3 = PKT_IPV4,
		.proto = IPPROTO_UDP,
		.sport = back ? port_2 : port_1,
		.dport = back ? port_1 : port_2,
		.src = back ? 2 : 1,
		.dst = back ? 1 : 2,
		.ip_id = ipid,
		.payload = 10,
		.tstamp = tstamp,
	};
	static __u8 pkt[PKT_MAX_LEN];
	struct kf_run_result res;

	return kf_prog_run(prog_fd, false, pkt, pkt_build(&s, pkt), &s, &res);
}

/* ---- maps ---- */

int kf_obj_unpin_maps(struct bpf_object *obj)
{
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, obj) {
		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			return err;
	}
	return 0;
}

struct kflow *kf_kflow_load(bool replay)
{
	struct kflow *skel = kflow__open();
	__u32 zero = 0;
	int a_fd;

	if (!ASSERT_OK_PTR(skel, "kflow__open"))
		return NULL;
	skel->rodata->cfg_replay = replay;
	if (!ASSERT_OK(kf_obj_unpin_maps(skel->obj), "unpin maps") ||
	    !ASSERT_OK(kflow__load(skel), replay ? "kflow__load (replay)" : "kflow__load"))
		goto fail;
	a_fd = bpf_map__fd(skel->maps.kf_flows_a);
	if (!ASSERT_OK(bpf_map_update_elem(bpf_map__fd(skel->maps.kf_flow_sel), &zero, &a_fd,
					   BPF_ANY), "select kf_flows_a"))
		goto fail;
	return skel;
fail:
	kflow__destroy(skel);
	return NULL;
}

int kf_ncpus(void)
{
	static int ncpus;

	if (!ncpus)
		ncpus = libbpf_num_possible_cpus();
	return ncpus;
}

int kf_map_clear(int fd)
{
	__u8 key[256];
	int n = 0;

	/* Always restart from the first key: deleting invalidates the walk. */
	while (!bpf_map_get_next_key(fd, NULL, key)) {
		if (bpf_map_delete_elem(fd, key))
			return -errno;
		n++;
	}
	return errno == ENOENT ? n : -errno;
}

int kf_map_count(int fd)
{
	__u8 key[256], next[256];
	void *prev = NULL;
	int n = 0;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return errno == ENOENT ? n : -errno;
}

/* One value for all CPUs (ABI 4): what the tests check is what the agent
 * reads. */
int kf_flow_read(int fd, const struct flow_key *key, struct flow_stats *sum)
{
	memset(sum, 0, sizeof(*sum));
	return bpf_map_lookup_elem(fd, key, sum) ? -errno : 0;
}

void kf_key_init(struct flow_key *k, __u8 family, __u8 proto, __u8 host_a, __u16 port_a,
		 __u8 host_b, __u16 port_b, __u16 vlan, __u32 ifindex)
{
	__u8 addr[16];

	memset(k, 0, sizeof(*k));
	pkt_host_addr(family, host_a, addr);
	memcpy(k->addr_a, addr, family == 4 ? 4 : 16);
	pkt_host_addr(family, host_b, addr);
	memcpy(k->addr_b, addr, family == 4 ? 4 : 16);
	k->port_a = port_a;
	k->port_b = port_b;
	k->ifindex = ifindex;
	k->vlan = vlan;
	k->proto = proto;
	k->family = family;
}

bool kf_check_dir(const struct flow_dir *got, const struct exp_dir *exp, const char *what)
{
	char name[128];
	bool ok = true;

#define CHECK_FIELD(field, want)						\
	do {									\
		snprintf(name, sizeof(name), "%s " #field, what);		\
		ok &= ASSERT_EQ(got->field, want, name);			\
	} while (0)
	CHECK_FIELD(bytes, exp->bytes);
	CHECK_FIELD(l3_bytes, exp->l3);
	CHECK_FIELD(l4_bytes, exp->l4);
	CHECK_FIELD(packets, exp->packets);
	CHECK_FIELD(tcp_flags, exp->flags);
	CHECK_FIELD(syn, exp->syn);
	CHECK_FIELD(synack, exp->synack);
	CHECK_FIELD(fin, exp->fin);
	CHECK_FIELD(rst, exp->rst);
#undef CHECK_FIELD
	if (exp->packets) {
		snprintf(name, sizeof(name), "%s first_ns set", what);
		ok &= ASSERT_GT(got->first_ns, 0, name);
		snprintf(name, sizeof(name), "%s last_ns >= first_ns", what);
		ok &= ASSERT_GE(got->last_ns, got->first_ns, name);
	}
	return ok;
}

/* A TCP flow of one interval with every counter set, side b the client so
 * that records must swap the canonical sides (ipfix_flow, sqlrows). */
void test__flow_fixture(struct kf_flow *f)
{
	struct flow_dir *c, *s;

	memset(f, 0, sizeof(*f));
	f->key.family = 4;
	f->key.proto = 6;
	f->key.ifindex = 3;
	memcpy(f->key.addr_a, "\x0a\x00\x00\x02", 4); /* server 10.0.0.2:80 */
	memcpy(f->key.addr_b, "\x0a\x00\x00\x01", 4); /* client 10.0.0.1:40000 */
	f->key.port_a = 80;
	f->key.port_b = 40000;
	f->life.client = 1;
	f->life.flow_id = 77;
	f->obs_point = "c-nd"; /* the client is on this node: its packets leave */
	c = &f->iv.dir[1];
	s = &f->iv.dir[0];
	*c = (struct flow_dir){ .bytes = 1000, .packets = 10, .syn = 1, .fin = 1, .retrans = 3,
				.ooo = 2, .zero_win = 1, .tcp_flags = 0x1b };
	*s = (struct flow_dir){ .bytes = 5000, .packets = 7, .synack = 1, .fin = 1, .retrans = 4,
				.ooo = 6, .zero_win = 5, .tcp_flags = 0x12 };
	f->iv.rtt = 300;
	f->iv.rtt_client = 100000;
	f->iv.rtt_server = 200000;
	f->iv.srt[0] = (struct kf_delay){ .sum = 900, .count = 3 };
	f->iv.art[0] = (struct kf_delay){ .sum = 4000000, .count = 2 };
}
