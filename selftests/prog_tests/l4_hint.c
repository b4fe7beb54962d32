// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * l4_hint.c - the hint (one per direction in the interval entry) that lets
 * a packet which changes no shared L4 state skip the kf_l4 lookup.
 *  - TCP: the interval maps are swapped every interval, so a flow's entry in
 *    the new map starts without a hint; the first packet that is judged
 *    lock-free from kf_l4 itself must leave one there. Without that, every
 *    flow whose packets take no lock paid the second lookup for the rest of
 *    each interval after the first (about 15 ns per packet in TC).
 *  - UDP: a datagram in the direction the flow last went skips kf_l4, unless
 *    the flow's generation in kf_udp_gen moved: a hint must never hide a
 *    direction change made on another CPU, or the answers after it lose
 *    their art samples. Run for real on CPUs 0 and 1.
 */
#include <sched.h>
#include <unistd.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "test_progs.h"
#include "kflow.skel.h"
#include "tick.h"

#define LO_IFINDEX 1
#define CLIENT_PORT 40000
#define DNS_PORT 53
#define SERVER_PORT 80

struct hint_fixture {
	struct kflow *skel;
	int a_fd, b_fd, sel_fd, l4_fd, gen_fd;
};

static int select_map(int sel_fd, int map_fd)
{
	__u32 zero = 0;

	return bpf_map_update_elem(sel_fd, &zero, &map_fd, BPF_ANY) ? -errno : 0;
}

/* Empty flow maps and L4 state, kf_flows_a live. */
static bool reset_maps(const struct hint_fixture *fx)
{
	return ASSERT_GE(kf_map_clear(fx->a_fd), 0, "clear kf_flows_a") &&
	       ASSERT_GE(kf_map_clear(fx->b_fd), 0, "clear kf_flows_b") &&
	       ASSERT_GE(kf_map_clear(fx->l4_fd), 0, "clear kf_l4") &&
	       ASSERT_OK(select_map(fx->sel_fd, fx->a_fd), "select kf_flows_a");
}

/* The tests' two flows: TCP host 1:CLIENT_PORT -> host 2:SERVER_PORT, UDP
 * host 1:CLIENT_PORT -> host 2:DNS_PORT. */
static void flow_key_of(struct flow_key *k, bool udp)
{
	kf_key_init(k, 4, udp ? IPPROTO_UDP : IPPROTO_TCP, 1, CLIENT_PORT, 2,
		    udp ? DNS_PORT : SERVER_PORT, 0, LO_IFINDEX);
}

/* The flow's interval entry (one for all CPUs since ABI 4). */
static bool read_entry(int map_fd, bool udp, struct flow_stats *out)
{
	struct flow_key key;

	flow_key_of(&key, udp);
	return ASSERT_OK(bpf_map_lookup_elem(map_fd, &key, out), udp ? "UDP flow" : "TCP flow");
}

/* The client's SYN, host 1 -> host 2: repeated, it is a retransmission that
 * changes no state (OPENING1), the packet the fast path is for. */
static bool send_syn(int prog_fd, bool xdp, const char *what)
{
	struct pkt_spec s = {
		.l3 = PKT_IPV4,
		.proto = IPPROTO_TCP,
		.sport = CLIENT_PORT,
		.dport = SERVER_PORT,
		.tcp_flags = 0x02,
	};
	static __u8 pkt[PKT_MAX_LEN];
	struct kf_run_result res;
	size_t len = pkt_build(&s, pkt);

	return ASSERT_OK(kf_prog_run(prog_fd, xdp, pkt, len, &s, &res), what);
}

/* The client's direction of the flow, which counted packets, must hold a
 * valid hint of state OPENING1. */
static void check_hint(int map_fd, const char *what)
{
	struct flow_stats v;
	char name[96];

	if (!read_entry(map_fd, false, &v))
		return;
	snprintf(name, sizeof(name), "%s: client packets", what);
	ASSERT_GT(v.dir[0].packets, 0, name);
	snprintf(name, sizeof(name), "%s: hint valid", what);
	ASSERT_EQ(v.dir[0].hint.valid, 1, name);
	snprintf(name, sizeof(name), "%s: hint state", what);
	ASSERT_EQ(v.dir[0].hint.state, KF_TS_OPENING1, name);
	snprintf(name, sizeof(name), "%s: no hint for the silent server", what);
	ASSERT_EQ(v.dir[1].hint.valid, 0, name);
}

static void test_swap(const struct hint_fixture *fx, int prog_fd, bool xdp)
{
	struct flow_stats sum;
	struct flow_key key;

	if (!reset_maps(fx))
		return;

	/* First SYN: kf_l4 entry made under the lock, hint taken there. */
	if (!send_syn(prog_fd, xdp, "first SYN"))
		return;
	check_hint(fx->a_fd, "interval 1");

	/* The interval ends: the agent selects the other map. */
	if (!ASSERT_OK(select_map(fx->sel_fd, fx->b_fd), "select kf_flows_b"))
		return;
	if (!send_syn(prog_fd, xdp, "SYN again in interval 2") ||
	    !send_syn(prog_fd, xdp, "SYN a third time"))
		return;
	check_hint(fx->b_fd, "interval 2");

	flow_key_of(&key, false);
	if (ASSERT_OK(kf_flow_read(fx->b_fd, &key, &sum), "interval 2 flow")) {
		ASSERT_EQ(sum.dir[0].packets, 2, "interval 2 packets");
		ASSERT_EQ(sum.dir[0].retrans, 2, "interval 2 SYN retransmissions");
	}
}

/* One UDP datagram of host 1:CLIENT_PORT <-> host 2:DNS_PORT, 10 bytes of
 * payload; reply goes from the server. */
static bool send_udp_at(int prog_fd, bool reply, __u64 tstamp, const char *what)
{
	return ASSERT_OK(kf_run_udp4(prog_fd, CLIENT_PORT, DNS_PORT, reply, 0, tstamp), what);
}

static bool send_udp(int prog_fd, bool reply, const char *what)
{
	return send_udp_at(prog_fd, reply, 0, what);
}

static bool on_cpu(int cpu)
{
	cpu_set_t set;
	char name[48];

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	snprintf(name, sizeof(name), "move this test to CPU %d", cpu);
	return ASSERT_OK(sched_setaffinity(0, sizeof(set), &set), name);
}

/* The subtests that move between CPUs restore what the process had. */
static bool save_cpus(cpu_set_t *saved, bool need_two)
{
	if (!ASSERT_OK(sched_getaffinity(0, sizeof(*saved), saved), "read CPU affinity"))
		return false;
	if (need_two)
		return ASSERT_TRUE(CPU_ISSET(0, saved) && CPU_ISSET(1, saved),
				   "CPUs 0 and 1 allowed to this process (the test needs both)");
	return ASSERT_TRUE(CPU_ISSET(0, saved), "CPU 0 allowed to this process");
}

static void restore_cpus(const cpu_set_t *saved)
{
	ASSERT_OK(sched_setaffinity(0, sizeof(*saved), saved), "restore CPU affinity");
}

/* Request on CPU 0, answer on CPU 1, twice: each answer is an art sample.
 * CPU 0's second request comes with the client direction's hint saying "the
 * flow's last datagram went this way", made stale by CPU 1's answer; only
 * the generation tells. */
static void test_udp_cross_cpu(const struct hint_fixture *fx)
{
	int prog_fd = bpf_program__fd(fx->skel->progs.kf_tc_ingress);
	struct flow_stats slot, sum;
	struct flow_key key;
	__u32 gen_before, gen_after;
	__u32 gen_slot;
	cpu_set_t saved;

	if (!save_cpus(&saved, true))
		return;
	if (!reset_maps(fx))
		return;

	/* CPU 0: the first request makes the flow, the second leaves a hint. */
	if (!on_cpu(0) || !send_udp(prog_fd, false, "request 1") ||
	    !send_udp(prog_fd, false, "request 1 again"))
		goto out;
	if (!read_entry(fx->a_fd, true, &slot))
		goto out;
	ASSERT_EQ(slot.dir[0].hint.valid, 1, "hint after a same-direction datagram");
	ASSERT_EQ(slot.dir[0].hint.udp_pending, 1, "hint: last datagram from the client");
	gen_slot = slot.dir[0].hint.udp_slot;
	if (!ASSERT_OK(bpf_map_lookup_elem(fx->gen_fd, &gen_slot, &gen_before), "read generation"))
		goto out;
	ASSERT_EQ(slot.dir[0].hint.udp_gen, gen_before, "hint holds the flow's generation");

	/* CPU 1: the answer changes direction and the generation. */
	usleep(2000);
	if (!on_cpu(1) || !send_udp(prog_fd, true, "answer 1"))
		goto out;
	if (!ASSERT_OK(bpf_map_lookup_elem(fx->gen_fd, &gen_slot, &gen_after), "read generation"))
		goto out;
	ASSERT_NEQ(gen_after, gen_before, "generation after a direction change");

	/* CPU 0 again: its hint is stale, the request must reach kf_l4. */
	usleep(2000);
	if (!on_cpu(0) || !send_udp(prog_fd, false, "request 2"))
		goto out;
	usleep(2000);
	if (!on_cpu(1) || !send_udp(prog_fd, true, "answer 2"))
		goto out;

	flow_key_of(&key, true);
	if (ASSERT_OK(kf_flow_read(fx->a_fd, &key, &sum), "UDP flow")) {
		ASSERT_EQ(sum.dir[0].packets, 3, "requests");
		ASSERT_EQ(sum.dir[1].packets, 2, "answers");
		ASSERT_EQ(sum.art[1].count, 2, "art samples (one per answer)");
	}
out:
	restore_cpus(&saved);
}

/* Replay (packet times from the capture, often equal at microsecond
 * resolution), one CPU: the answer changes the direction at the same
 * timestamp as the request before it. A generation made from the time
 * would repeat the one the hint holds, the next request would be
 * taken for more of the same, and the answer after it would lose its art. */
static void test_udp_same_time(void)
{
	const __u64 t = 1000000000ULL; /* 1 s */
	struct flow_stats sum;
	struct flow_key key;
	struct kflow *skel;
	cpu_set_t saved;
	int prog_fd;

	if (!save_cpus(&saved, false))
		return;
	skel = kf_kflow_load(true);
	if (!skel)
		goto out;
	prog_fd = bpf_program__fd(skel->progs.kf_tc_ingress);
	if (!on_cpu(0) || !send_udp_at(prog_fd, false, t, "request at t") ||
	    !send_udp_at(prog_fd, false, t, "request again at t") ||
	    !send_udp_at(prog_fd, true, t, "answer at t") ||
	    !send_udp_at(prog_fd, false, t + 1000000, "request at t + 1 ms") ||
	    !send_udp_at(prog_fd, true, t + 3000000, "answer at t + 3 ms"))
		goto out;

	flow_key_of(&key, true);
	if (ASSERT_OK(kf_flow_read(bpf_map__fd(skel->maps.kf_flows_a), &key, &sum), "UDP flow")) {
		/* The first answer's art is 0 us, which is no sample. */
		ASSERT_EQ(sum.art[1].count, 1, "art samples");
		ASSERT_EQ(sum.art[1].sum, 2000, "art (us): request at 1 ms, answer at 3 ms");
	}
out:
	kflow__destroy(skel);
	restore_cpus(&saved);
}

/* The agent ends a UDP flow (kflow deletes its kf_l4 entry) while the
 * flow's entry in the live interval map still holds a hint: the next
 * datagram must not skip the missing entry, or the flow loses its state
 * (no art for its next answer) until the other side speaks. */
static void test_udp_agent_delete(const struct hint_fixture *fx)
{
	int prog_fd = bpf_program__fd(fx->skel->progs.kf_tc_ingress);
	struct l4_state ls;
	struct flow_stats slot;
	struct flow_key key;
	cpu_set_t saved;

	if (!save_cpus(&saved, false))
		return;
	if (!reset_maps(fx))
		goto out;
	if (!on_cpu(0) || !send_udp(prog_fd, false, "request") ||
	    !send_udp(prog_fd, false, "request again"))
		goto out;
	if (!read_entry(fx->a_fd, true, &slot) ||
	    !ASSERT_EQ(slot.dir[0].hint.valid, 1, "hint before delete"))
		goto out;

	flow_key_of(&key, true);
	if (!ASSERT_OK(kf_l4_delete(fx->l4_fd, fx->gen_fd, &key), "kf_l4_delete"))
		goto out;
	if (!send_udp(prog_fd, false, "request after delete"))
		goto out;
	if (ASSERT_OK(bpf_map_lookup_elem(fx->l4_fd, &key, &ls), "kf_l4 entry made again"))
		ASSERT_EQ(ls.udp_pending, 1, "udp_pending after delete and request");
out:
	restore_cpus(&saved);
}



void test_l4_hint(void)
{
	struct hint_fixture fx = {};

	fx.skel = kflow__open();
	if (!ASSERT_OK_PTR(fx.skel, "kflow__open"))
		return;
	if (!ASSERT_OK(kf_obj_unpin_maps(fx.skel->obj), "unpin maps") ||
	    !ASSERT_OK(kflow__load(fx.skel), "kflow__load"))
		goto out;
	fx.a_fd = bpf_map__fd(fx.skel->maps.kf_flows_a);
	fx.b_fd = bpf_map__fd(fx.skel->maps.kf_flows_b);
	fx.sel_fd = bpf_map__fd(fx.skel->maps.kf_flow_sel);
	fx.l4_fd = bpf_map__fd(fx.skel->maps.kf_l4);
	fx.gen_fd = bpf_map__fd(fx.skel->maps.kf_udp_gen);

	if (test__start_subtest("tc_ingress/tcp_hint_after_swap"))
		test_swap(&fx, bpf_program__fd(fx.skel->progs.kf_tc_ingress), false);
	if (test__start_subtest("xdp_ingress/tcp_hint_after_swap"))
		test_swap(&fx, bpf_program__fd(fx.skel->progs.kf_xdp_ingress), true);
	if (test__start_subtest("tc_ingress/udp_direction_across_cpus"))
		test_udp_cross_cpu(&fx);
	if (test__start_subtest("tc_ingress/udp_direction_same_time"))
		test_udp_same_time();
	if (test__start_subtest("tc_ingress/udp_after_agent_delete"))
		test_udp_agent_delete(&fx);
out:
	kflow__destroy(fx.skel);
}
