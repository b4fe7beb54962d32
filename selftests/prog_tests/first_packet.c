// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * first_packet.c - the interval entry's first_dir and first_ipid name the
 * flow's first packet by its time, whichever direction is counted first.
 * Live, two CPUs may count a flow's first request and its first answer in
 * either order (the answer's CPU may even get there first); before, the
 * direction counted first always won, and two first packets counted at once
 * could leave both fields unset. Here the order is forced with a
 * replay-mode skeleton, whose packets carry their own time.
 */
#include <netinet/in.h>
#include <linux/bpf.h>
#include "test_progs.h"
#include "kflow.skel.h"

#define LO_IFINDEX 1
#define DNS_PORT 53

/* One UDP datagram between host 1:port and host 2:DNS_PORT; answer goes
 * from host 2. */
static bool send_at(int prog_fd, __u16 port, bool answer, __u16 ipid, __u64 tstamp,
		    const char *what)
{
	return ASSERT_OK(kf_run_udp4(prog_fd, port, DNS_PORT, answer, ipid, tstamp), what);
}

/* The request (ipid 11) at 1 s and its answer (ipid 22) 1 ms later,
 * counted in the order given; the flow's first packet is the request. */
static void first_of(struct kflow *skel, __u16 port, bool answer_counted_first)
{
	int prog_fd = bpf_program__fd(skel->progs.kf_tc_ingress);
	const __u64 t = 1000000000ULL;
	struct flow_stats st;
	struct flow_key key;

	if (answer_counted_first) {
		if (!send_at(prog_fd, port, true, 22, t + 1000000, "answer, counted first") ||
		    !send_at(prog_fd, port, false, 11, t, "request, counted second"))
			return;
	} else {
		if (!send_at(prog_fd, port, false, 11, t, "request, counted first") ||
		    !send_at(prog_fd, port, true, 22, t + 1000000, "answer, counted second"))
			return;
	}
	kf_key_init(&key, 4, IPPROTO_UDP, 1, port, 2, DNS_PORT, 0, LO_IFINDEX);
	if (!ASSERT_OK(kf_flow_read(bpf_map__fd(skel->maps.kf_flows_a), &key, &st), "flow"))
		return;
	ASSERT_EQ(st.dir[KF_DIR_AB].first_ns, t, "request's first_ns");
	ASSERT_EQ(st.dir[KF_DIR_BA].first_ns, t + 1000000, "answer's first_ns");
	ASSERT_EQ(st.first_dir, KF_DIR_AB, "first_dir: the request's");
	ASSERT_EQ(st.first_ipid, 11, "first_ipid: the request's");
}

/* A direction's later packet stamped before its first one (another CPU's,
 * or the coarse clock behind a fine stamp) moves first_ns back; one in
 * between the first and the last does not. */
static void earlier_counted_later(struct kflow *skel, __u16 port)
{
	int prog_fd = bpf_program__fd(skel->progs.kf_tc_ingress);
	const __u64 t = 2000000000ULL;
	struct flow_stats st;
	struct flow_key key;

	if (!send_at(prog_fd, port, false, 1, t, "first") ||
	    !send_at(prog_fd, port, false, 2, t + 3000000, "last") ||
	    !send_at(prog_fd, port, false, 3, t + 1000000, "between, counted third") ||
	    !send_at(prog_fd, port, false, 4, t - 1000000, "earliest, counted fourth"))
		return;
	kf_key_init(&key, 4, IPPROTO_UDP, 1, port, 2, DNS_PORT, 0, LO_IFINDEX);
	if (!ASSERT_OK(kf_flow_read(bpf_map__fd(skel->maps.kf_flows_a), &key, &st), "flow"))
		return;
	ASSERT_EQ(st.dir[KF_DIR_AB].first_ns, t - 1000000, "first_ns: the earliest packet's");
	ASSERT_EQ(st.dir[KF_DIR_AB].last_ns, t + 3000000, "last_ns: the latest packet's");
	ASSERT_EQ(st.dir[KF_DIR_AB].packets, 4, "packets");
}

void test_first_packet(void)
{
	struct kflow *skel = kf_kflow_load(true);

	if (!skel)
		return;
	if (test__start_subtest("tc_ingress/request_counted_first"))
		first_of(skel, 40001, false);
	if (test__start_subtest("tc_ingress/answer_counted_first"))
		first_of(skel, 40002, true);
	if (test__start_subtest("tc_ingress/earlier_counted_later"))
		earlier_counted_later(skel, 40003);
	kflow__destroy(skel);
}
