// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * shared_counts.c - one interval value for all CPUs (ABI 4): two CPUs that
 * count the same flow at once lose no packet and no byte. CPUs 0 and 1,
 * started together, each run the same datagram through the program
 * REPEAT times; the flow must then hold exactly what the runs carried.
 * Plain read-modify-writes in place of the atomic adds lose counts here.
 */
#include <pthread.h>
#include <sched.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include "test_progs.h"
#include "kflow.skel.h"

#define REPEAT 1000000
#define LO_IFINDEX 1
#define SPORT 40001
#define DPORT 53

struct worker {
	int prog_fd;
	bool xdp;
	int cpu;
	const __u8 *pkt;
	__u32 len;
	pthread_barrier_t *start;
	int err;
};

static void *run_on_cpu(void *arg)
{
	struct worker *w = arg;
	struct __sk_buff skb = { .ifindex = LO_IFINDEX };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = w->pkt, .data_size_in = w->len,
		    .repeat = REPEAT);
	cpu_set_t set;

	if (!w->xdp) {
		opts.ctx_in = &skb;
		opts.ctx_size_in = sizeof(skb);
	}
	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	w->err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	pthread_barrier_wait(w->start);
	if (!w->err && bpf_prog_test_run_opts(w->prog_fd, &opts))
		w->err = errno;
	return NULL;
}

static void two_cpus(struct kflow *skel, int prog_fd, bool xdp)
{
	struct pkt_spec s = {
		.l3 = PKT_IPV4,
		.proto = IPPROTO_UDP,
		.sport = SPORT,
		.dport = DPORT,
		.payload = 100,
	};
	static __u8 pkt[PKT_MAX_LEN];
	int a_fd = bpf_map__fd(skel->maps.kf_flows_a);
	struct worker w[2];
	pthread_barrier_t start;
	pthread_t th[2];
	struct flow_stats one, all;
	struct kf_run_result res;
	struct flow_key key;
	__u32 len = pkt_build(&s, pkt);
	__u64 n = 1 + 2ULL * REPEAT;

	if (!ASSERT_GE(kf_map_clear(a_fd), 0, "clear kf_flows_a"))
		return;
	kf_key_init(&key, 4, IPPROTO_UDP, 1, SPORT, 2, DPORT, 0, LO_IFINDEX);
	/* One packet first: what one adds. */
	if (!ASSERT_OK(kf_prog_run(prog_fd, xdp, pkt, len, &s, &res), "first datagram") ||
	    !ASSERT_OK(kf_flow_read(a_fd, &key, &one), "flow after one datagram") ||
	    !ASSERT_EQ(one.dir[0].packets, 1, "one datagram"))
		return;

	pthread_barrier_init(&start, NULL, 2);
	for (int i = 0; i < 2; i++) {
		w[i] = (struct worker){ .prog_fd = prog_fd, .xdp = xdp, .cpu = i, .pkt = pkt,
					.len = len, .start = &start };
		if (!ASSERT_OK(pthread_create(&th[i], NULL, run_on_cpu, &w[i]), "thread")) {
			/* The other thread waits at the barrier: release it. */
			if (i == 1)
				pthread_barrier_wait(&start);
			for (int j = 0; j < i; j++)
				pthread_join(th[j], NULL);
			pthread_barrier_destroy(&start);
			return;
		}
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&start);
	if (!ASSERT_EQ(w[0].err, 0, "runs on CPU 0") || !ASSERT_EQ(w[1].err, 0, "runs on CPU 1"))
		return;

	if (!ASSERT_OK(kf_flow_read(a_fd, &key, &all), "flow after both CPUs"))
		return;
	ASSERT_EQ(all.dir[0].packets, n, "packets: none lost between the CPUs");
	ASSERT_EQ(all.dir[0].bytes, n * one.dir[0].bytes, "bytes");
	ASSERT_EQ(all.dir[0].l3_bytes, n * one.dir[0].l3_bytes, "l3_bytes");
	ASSERT_EQ(all.dir[0].l4_bytes, n * one.dir[0].l4_bytes, "l4_bytes");
	ASSERT_EQ(all.dir[1].packets, 0, "nothing the other way");
}

void test_shared_counts(void)
{
	cpu_set_t allowed;
	struct kflow *skel;

	if (!ASSERT_OK(sched_getaffinity(0, sizeof(allowed), &allowed), "read CPU affinity") ||
	    !ASSERT_TRUE(CPU_ISSET(0, &allowed) && CPU_ISSET(1, &allowed),
			 "CPUs 0 and 1 allowed to this process (the test needs both)"))
		return;
	skel = kf_kflow_load(false);
	if (!skel)
		return;
	if (test__start_subtest("tc_ingress/two_cpus_one_flow"))
		two_cpus(skel, bpf_program__fd(skel->progs.kf_tc_ingress), false);
	if (test__start_subtest("xdp_ingress/two_cpus_one_flow"))
		two_cpus(skel, bpf_program__fd(skel->progs.kf_xdp_ingress), true);
	kflow__destroy(skel);
}
