// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * coarse_tick.c - a packet that needs no fine time takes the coarse clock
 * from its CPU's kf_tick slot while jiffies has not moved, instead of the
 * clock's helper (about 25 ns per packet on this guest). The slot is
 * filled by such a packet, holds the coarse clock, and is what the next
 * one in the same tick uses: a value planted there with the current
 * jiffies becomes the flow's last time.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include "test_progs.h"
#include "kflow.skel.h"

#define LO_IFINDEX 1
#define PEER_PORT 5353
#define TICK_SLACK_NS (20 * 1000000LL) /* a few ticks at any HZ */

static __s64 coarse_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* plant: writes *t into every CPU's slot. Else reads into *t the slot a
 * CPU filled (the test thread may have run anywhere): the one with the
 * latest jiffies. */
static bool tick_slots(int fd, struct kf_tick *t, bool plant)
{
	int n = kf_ncpus();
	struct kf_tick *v = calloc(n, sizeof(*v));
	__u32 zero = 0;
	bool ok;

	if (!ASSERT_OK_PTR(v, "calloc"))
		return false;
	if (plant) {
		for (int i = 0; i < n; i++)
			v[i] = *t;
		ok = ASSERT_OK(bpf_map_update_elem(fd, &zero, v, BPF_ANY), "kf_tick plant");
	} else {
		ok = ASSERT_OK(bpf_map_lookup_elem(fd, &zero, v), "kf_tick lookup");
		*t = (struct kf_tick){};
		for (int i = 0; ok && i < n; i++)
			if (v[i].jiffies > t->jiffies)
				*t = v[i];
	}
	free(v);
	return ok;
}

static void coarse_from_slot(struct kflow *skel)
{
	int prog_fd = bpf_program__fd(skel->progs.kf_tc_ingress);
	int tick_fd = bpf_map__fd(skel->maps.kf_tick);
	const struct timespec gap = { 0, 20 * 1000000L };
	struct kf_tick got, now, planted;
	struct flow_stats st;
	struct flow_key key;
	__s64 before, after;
	int tries;

	/* A new flow's first datagram reads the fine clock; the second, in
	 * the same direction, needs no fine time. */
	if (!ASSERT_OK(kf_run_udp4(prog_fd, 40001, PEER_PORT, false, 1, 0), "first datagram"))
		return;
	nanosleep(&gap, NULL);
	before = coarse_now();
	if (!ASSERT_OK(kf_run_udp4(prog_fd, 40001, PEER_PORT, false, 2, 0), "second datagram"))
		return;
	after = coarse_now();
	if (!tick_slots(tick_fd, &got, false))
		return;
	ASSERT_NEQ(got.jiffies, 0, "the slot was filled");
	ASSERT_GE((__s64)got.ns, before - TICK_SLACK_NS, "the slot holds the coarse clock (low)");
	ASSERT_LE((__s64)got.ns, after + TICK_SLACK_NS, "the slot holds the coarse clock (high)");

	/* The next such datagram, in the same tick, takes the slot's time: a
	 * planted one a second ahead becomes the direction's last time. A
	 * tick between planting and sending refills the slot: try again. */
	kf_key_init(&key, 4, IPPROTO_UDP, 1, 40001, 2, PEER_PORT, 0, LO_IFINDEX);
	for (tries = 0; tries < 20; tries++) {
		if (!tick_slots(tick_fd, &now, false))
			return;
		planted = (struct kf_tick){ .jiffies = now.jiffies, .ns = now.ns + 1000000000ULL };
		if (!tick_slots(tick_fd, &planted, true) ||
		    !ASSERT_OK(kf_run_udp4(prog_fd, 40001, PEER_PORT, false, 3 + tries, 0),
			       "datagram in the same tick"))
			return;
		if (!tick_slots(tick_fd, &got, false))
			return;
		if (got.jiffies == planted.jiffies)
			break;
	}
	if (!ASSERT_LT(tries, 20, "a datagram within one tick"))
		return;
	if (!ASSERT_OK(kf_flow_read(bpf_map__fd(skel->maps.kf_flows_a), &key, &st), "flow"))
		return;
	ASSERT_EQ(st.dir[KF_DIR_AB].last_ns, planted.ns, "last_ns is the slot's time");
}

void test_coarse_tick(void)
{
	struct kflow *skel = kf_kflow_load(false);

	if (!skel)
		return;
	if (test__start_subtest("tc_ingress/udp_same_direction"))
		coarse_from_slot(skel);
	kflow__destroy(skel);
}
