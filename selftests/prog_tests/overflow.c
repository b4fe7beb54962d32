// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * overflow.c - what the datapath does when it cannot give a packet its own
 * flow entry: a full interval map sends it to the overflow key (all-zero
 * flow_key, dir index = hook) and bumps KF_CNT_FLOW_MAP_FULL, so nothing
 * leaves the totals; a missing overflow key or no active interval map is
 * counted (KF_CNT_OVERFLOW_LOST, KF_CNT_NO_ACTIVE_MAP). The interval maps
 * are loaded with 3 entries: 2 flows and the overflow key.
 */
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "test_progs.h"
#include "kflow.skel.h"
#include "counters.h"
#include "drain.h"
#include "flowtable.h"
#include "loader.h"

#define MAP_ENTRIES 3 /* two flows + the overflow key */
#define LO_IFINDEX 1

/* UDP host1:(1001 + n) -> host2:53, 10 bytes: IP 38, frame 52. */
#define PKT_BYTES 52
#define PKT_L3 18
#define PKT_L4 10

struct prog_def {
	const char *name;
	bool xdp;
	int verdict;
	__u32 hook; /* enum kf_hook: the overflow record's dir index */
};

static const struct prog_def progs[] = {
	{ "tc_ingress", false, TC_ACT_UNSPEC, KF_HOOK_INGRESS },
	{ "tc_egress", false, TC_ACT_UNSPEC, KF_HOOK_EGRESS },
	{ "xdp_ingress", true, XDP_PASS, KF_HOOK_INGRESS },
};

struct fixture {
	struct kflow *skel;
	int prog_fd[3]; /* by progs[] */
	int a_fd, b_fd, sel_fd, frags_fd, cnt_fd;
};

static int install_a(const struct fixture *fx)
{
	__u32 zero = 0;

	return bpf_map_update_elem(fx->sel_fd, &zero, &fx->a_fd, BPF_ANY) ? -errno : 0;
}

static int fixture_reset(const struct fixture *fx)
{
	int err = kf_map_clear(fx->a_fd);

	if (err < 0)
		return err;
	err = add_overflow_key(fx->a_fd);
	if (err)
		return err;
	err = kf_map_clear(fx->frags_fd);
	if (err < 0)
		return err;
	return install_a(fx);
}

/* Flow n (0-based) from host 1 to host 2, or back with reverse. */
static bool send_flow(const struct fixture *fx, int p, int n, bool reverse)
{
	struct pkt_spec s = {
		.l3 = PKT_IPV4,
		.proto = IPPROTO_UDP,
		.sport = 1001 + n,
		.dport = 53,
		.payload = PKT_L4,
	};
	static __u8 pkt[PKT_MAX_LEN];
	struct kf_run_result res;
	char name[64];
	size_t len;

	if (reverse) {
		s.src = 2;
		s.dst = 1;
		s.sport = 53;
		s.dport = 1001 + n;
	}
	len = pkt_build(&s, pkt);
	snprintf(name, sizeof(name), "flow %d%s test run", n, reverse ? " reversed" : "");
	if (!ASSERT_OK(kf_prog_run(fx->prog_fd[p], progs[p].xdp, pkt, len, &s, &res), name))
		return false;
	snprintf(name, sizeof(name), "flow %d verdict", n);
	return ASSERT_EQ((int)res.retval, progs[p].verdict, name);
}

static void flow_key_of(struct flow_key *k, int n)
{
	kf_key_init(k, 4, IPPROTO_UDP, 1, 1001 + n, 2, 53, 0, LO_IFINDEX);
}

/* Counter deltas since before: want[] for the listed ones, 0 elsewhere. */
static void check_counters(const struct fixture *fx, const __u64 *before, const __u64 *want)
{
	__u64 now[KF_CNT_MAX];
	char name[64];

	if (!ASSERT_OK(kf_counters_read(fx->cnt_fd, kf_ncpus(), now), "read counters"))
		return;
	for (int i = 0; i < KF_CNT_MAX; i++) {
		snprintf(name, sizeof(name), "counter %s delta", kf_counter_names[i]);
		ASSERT_EQ(now[i] - before[i], want[i], name);
	}
}

static void check_flow_packets(const struct fixture *fx, int n, __u64 packets)
{
	struct exp_dir one = {
		.bytes = PKT_BYTES * packets, .l3 = PKT_L3 * packets, .l4 = PKT_L4 * packets,
		.packets = packets,
	};
	struct exp_dir none = {};
	struct flow_key key;
	struct flow_stats st;
	char what[32];

	flow_key_of(&key, n);
	snprintf(what, sizeof(what), "flow %d", n);
	if (!ASSERT_OK(kf_flow_read(fx->a_fd, &key, &st), what))
		return;
	snprintf(what, sizeof(what), "flow %d dir 0", n);
	kf_check_dir(&st.dir[0], &one, what);
	snprintf(what, sizeof(what), "flow %d dir 1", n);
	kf_check_dir(&st.dir[1], &none, what);
}

static void check_overflow(const struct fixture *fx, __u32 hook, __u64 packets)
{
	struct exp_dir used = {
		.bytes = PKT_BYTES * packets, .l3 = PKT_L3 * packets, .l4 = PKT_L4 * packets,
		.packets = packets,
	};
	struct exp_dir none = {};
	struct flow_key okey = {};
	struct flow_stats st;

	if (!ASSERT_OK(kf_flow_read(fx->a_fd, &okey, &st), "overflow entry"))
		return;
	kf_check_dir(&st.dir[hook], &used, hook ? "overflow dir 1 (egress)" : "overflow dir 0");
	kf_check_dir(&st.dir[!hook], &none, hook ? "overflow dir 0" : "overflow dir 1");
}

static bool sum_packets(struct kf_flow *f, void *arg)
{
	__u64 *sum = arg;

	*sum += f->iv.dir[0].packets + f->iv.dir[1].packets;
	return false;
}

/* The agent's view (kf_peek) must hold every packet sent, overflow included. */
static void check_agent_view(const struct fixture *fx, __u32 hook, __u64 sent, __u64 overflowed)
{
	struct kf_maps maps = {
		.sel_fd = fx->sel_fd, .a_fd = fx->a_fd, .b_fd = fx->b_fd,
	};
	struct flow_key okey = {};
	struct kf_table t;
	struct kf_flow *f;
	__u64 sum = 0;

	if (!ASSERT_OK(kf_table_init(&t), "kf_table_init"))
		return;
	if (!ASSERT_EQ(kf_peek(&maps, &t), MAP_ENTRIES, "kf_peek entries"))
		goto out;
	kf_table_walk(&t, sum_packets, &sum);
	ASSERT_EQ(sum, sent, "packets in the agent's table");
	f = kf_table_find(&t, &okey);
	if (ASSERT_OK_PTR(f, "overflow record in the agent's table"))
		ASSERT_EQ(f->iv.dir[hook].packets, overflowed, "agent overflow packets");
out:
	kf_table_free(&t);
}

static void test_map_full(const struct fixture *fx, int p)
{
	__u32 hook = progs[p].hook;
	__u64 before[KF_CNT_MAX], want[KF_CNT_MAX] = {};
	struct flow_key key;
	struct flow_stats st;
	char name[32];

	if (!ASSERT_OK(fixture_reset(fx), "reset maps"))
		return;
	if (!ASSERT_OK(kf_counters_read(fx->cnt_fd, kf_ncpus(), before), "read counters"))
		return;

	/* Flows 0 and 1 fill the map; 2 and 3 find no room. */
	for (int n = 0; n < 4; n++)
		if (!send_flow(fx, p, n, false))
			return;
	ASSERT_EQ(kf_map_count(fx->a_fd), MAP_ENTRIES, "flow map entries");
	check_flow_packets(fx, 0, 1);
	check_flow_packets(fx, 1, 1);
	for (int n = 2; n < 4; n++) {
		flow_key_of(&key, n);
		snprintf(name, sizeof(name), "flow %d lookup", n);
		ASSERT_EQ(kf_flow_read(fx->a_fd, &key, &st), -ENOENT, name);
	}
	check_overflow(fx, hook, 2);
	want[KF_CNT_FLOW_MAP_FULL] = 2;
	check_counters(fx, before, want);

	/* A full map still counts flows it holds; the overflow record is split
	 * by hook, not by direction: the reply of flow 2 lands in dir[hook]. */
	if (!send_flow(fx, p, 0, false) || !send_flow(fx, p, 2, true))
		return;
	check_flow_packets(fx, 0, 2);
	check_flow_packets(fx, 1, 1);
	check_overflow(fx, hook, 3);
	want[KF_CNT_FLOW_MAP_FULL] = 3;
	check_counters(fx, before, want);

	check_agent_view(fx, hook, 6, 3);
}

/* Without the overflow key a packet that finds no room is lost, counted. */
static void test_overflow_key_missing(const struct fixture *fx)
{
	__u64 before[KF_CNT_MAX], want[KF_CNT_MAX] = {};
	struct flow_key okey = {};

	if (!ASSERT_OK(fixture_reset(fx), "reset maps"))
		return;
	if (!ASSERT_OK(bpf_map_delete_elem(fx->a_fd, &okey), "delete overflow key"))
		return;
	if (!ASSERT_OK(kf_counters_read(fx->cnt_fd, kf_ncpus(), before), "read counters"))
		return;
	for (int n = 0; n < 4; n++)
		if (!send_flow(fx, 0, n, false))
			return;
	ASSERT_EQ(kf_map_count(fx->a_fd), MAP_ENTRIES, "flow map entries");
	for (int n = 0; n < 3; n++)
		check_flow_packets(fx, n, 1);
	want[KF_CNT_OVERFLOW_LOST] = 1;
	check_counters(fx, before, want);
}

/* No interval map in kf_flow_sel: nothing is written, the loss is counted. */
static void test_no_active_map(const struct fixture *fx)
{
	__u64 before[KF_CNT_MAX], want[KF_CNT_MAX] = {};
	__u32 zero = 0;

	if (!ASSERT_OK(fixture_reset(fx), "reset maps"))
		return;
	if (!ASSERT_OK(bpf_map_delete_elem(fx->sel_fd, &zero), "empty kf_flow_sel"))
		goto out;
	if (!ASSERT_OK(kf_counters_read(fx->cnt_fd, kf_ncpus(), before), "read counters"))
		goto out;
	for (int p = 0; p < 3; p++)
		if (!send_flow(fx, p, 0, false))
			goto out;
	ASSERT_EQ(kf_map_count(fx->a_fd), 1, "flow map entries (overflow key only)");
	check_overflow(fx, KF_HOOK_INGRESS, 0);
	want[KF_CNT_NO_ACTIVE_MAP] = 3;
	check_counters(fx, before, want);
out:
	ASSERT_OK(install_a(fx), "reinstall kf_flows_a");
}

void test_overflow(void)
{
	struct fixture fx = {};
	struct kflow *skel;
	char name[64];

	skel = kflow__open();
	if (!ASSERT_OK_PTR(skel, "kflow__open"))
		return;
	fx.skel = skel;
	if (!ASSERT_OK(kf_obj_unpin_maps(skel->obj), "unpin maps"))
		goto out;
	if (!ASSERT_OK(bpf_map__set_max_entries(skel->maps.kf_flows_a, MAP_ENTRIES),
		       "size kf_flows_a") ||
	    !ASSERT_OK(bpf_map__set_max_entries(skel->maps.kf_flows_b, MAP_ENTRIES),
		       "size kf_flows_b"))
		goto out;
	if (!ASSERT_OK(kflow__load(skel), "kflow__load"))
		goto out;

	fx.prog_fd[0] = bpf_program__fd(skel->progs.kf_tc_ingress);
	fx.prog_fd[1] = bpf_program__fd(skel->progs.kf_tc_egress);
	fx.prog_fd[2] = bpf_program__fd(skel->progs.kf_xdp_ingress);
	fx.a_fd = bpf_map__fd(skel->maps.kf_flows_a);
	fx.b_fd = bpf_map__fd(skel->maps.kf_flows_b);
	fx.sel_fd = bpf_map__fd(skel->maps.kf_flow_sel);
	fx.frags_fd = bpf_map__fd(skel->maps.kf_frags);
	fx.cnt_fd = bpf_map__fd(skel->maps.kf_counters);

	for (int p = 0; p < 3; p++) {
		snprintf(name, sizeof(name), "%s/map_full", progs[p].name);
		if (test__start_subtest(name))
			test_map_full(&fx, p);
	}
	if (test__start_subtest("overflow_key_missing"))
		test_overflow_key_missing(&fx);
	if (test__start_subtest("no_active_map"))
		test_no_active_map(&fx);
out:
	kflow__destroy(skel);
}
