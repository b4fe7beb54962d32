// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tc_stamps.c - at TC egress a packet that needs a fine time takes the
 * departure time the kernel already gave it (TCP stamps each segment with
 * it, on the monotonic clock) instead of reading the fine clock, which
 * cost about 65 ns per packet there live. Only a monotonic stamp is
 * taken: a wall one (a receive stamp of a forwarded packet) or a TAI one
 * (SO_TXTIME) at egress leaves the clock to be read, as does a monotonic
 * one far ahead of now (a paced segment's), and a TAI one is not
 * taken for a receive stamp at ingress either. The stamp's clock is set by
 * test_stamp.bpf.c, which then jumps to the kflow program.
 */
#include <stdbool.h>
#include <time.h>
#include <netinet/in.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "test_progs.h"
#include "kflow.skel.h"
#include "test_stamp.skel.h"

#define LO_IFINDEX 1
#define SERVER_PORT 443
#define CLOCK_NONE 0 /* the test run's own stamp: the wall clock's type */

static __u64 mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static __u64 wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A SYN from host 1:port at TC egress (or ingress), stamped on the given
 * clock; returns its first_ns as kflow counted it, or 0. */
static __u64 syn_first_ns(struct kflow *kf, bool ingress, __u8 clock, __u16 port, __u64 stamp)
{
	struct pkt_spec s = {
		.l3 = PKT_IPV4,
		.proto = IPPROTO_TCP,
		.tcp_flags = 0x02,
		.sport = port,
		.dport = SERVER_PORT,
		.src = 1,
		.dst = 2,
		.tstamp = stamp,
	};
	static __u8 pkt[PKT_MAX_LEN];
	struct test_stamp *ts = test_stamp__open();
	struct kf_run_result res;
	struct flow_stats st;
	struct flow_key key;
	__u32 zero = 0;
	__u64 first = 0;
	int kf_fd;

	if (!ASSERT_OK_PTR(ts, "test_stamp__open"))
		return 0;
	ts->rodata->cfg_stamp_clock = clock;
	kf_fd = bpf_program__fd(ingress ? kf->progs.kf_tc_ingress : kf->progs.kf_tc_egress);
	if (!ASSERT_OK(test_stamp__load(ts), "test_stamp__load") ||
	    !ASSERT_OK(bpf_map_update_elem(bpf_map__fd(ts->maps.kf_test_jump), &zero, &kf_fd,
					   BPF_ANY), "jump to kflow") ||
	    !ASSERT_OK(kf_prog_run(bpf_program__fd(ts->progs.stamp_then_kflow), false, pkt,
				   pkt_build(&s, pkt), &s, &res), "run") ||
	    !ASSERT_EQ((int)res.retval, TC_ACT_UNSPEC, "kflow's verdict (not the failed jump's)"))
		goto out;
	kf_key_init(&key, 4, IPPROTO_TCP, 1, port, 2, SERVER_PORT, 0, LO_IFINDEX);
	if (ASSERT_OK(kf_flow_read(bpf_map__fd(kf->maps.kf_flows_a), &key, &st), "flow"))
		first = st.dir[KF_DIR_AB].first_ns;
out:
	test_stamp__destroy(ts);
	return first;
}

void test_tc_stamps(void)
{
	struct kflow *kf = kf_kflow_load(false);
	__u64 stamp, before, got;

	if (!kf)
		return;
	if (test__start_subtest("tc_egress/mono_stamp_taken")) {
		stamp = mono_now() - 123000000ULL;
		got = syn_first_ns(kf, false, BPF_SKB_TSTAMP_DELIVERY_MONO, 40001, stamp);
		ASSERT_EQ(got, stamp, "first_ns is the segment's departure time");
	}
	/* A paced segment's departure time may lie ahead of now: one a
	 * second ahead is not the packet's time. */
	if (test__start_subtest("tc_egress/future_stamp_not_taken")) {
		before = mono_now();
		stamp = before + 1000000000ULL;
		got = syn_first_ns(kf, false, BPF_SKB_TSTAMP_DELIVERY_MONO, 40005, stamp);
		ASSERT_GE(got, before, "first_ns read from the clock");
		ASSERT_LE(got, mono_now(), "first_ns read from the clock (high)");
	}
	if (test__start_subtest("tc_egress/tai_stamp_not_taken")) {
		before = mono_now();
		stamp = before - 123000000ULL;
		got = syn_first_ns(kf, false, BPF_SKB_TSTAMP_DELIVERY_MONO + 1, 40002, stamp);
		ASSERT_GE(got, before, "first_ns read from the clock");
		ASSERT_LE(got, mono_now(), "first_ns read from the clock (high)");
	}
	if (test__start_subtest("tc_egress/wall_stamp_not_taken")) {
		before = mono_now();
		stamp = before - 123000000ULL;
		got = syn_first_ns(kf, false, CLOCK_NONE, 40003, stamp);
		ASSERT_GE(got, before, "first_ns read from the clock");
		ASSERT_LE(got, mono_now(), "first_ns read from the clock (high)");
	}
	/* At ingress a wall stamp is a receive stamp, moved to the monotonic
	 * clock by kf_clock's offset; a TAI one (37 s ahead of the wall clock
	 * today) must not be read as one. */
	if (test__start_subtest("tc_ingress/tai_stamp_not_taken")) {
		__s64 off = (__s64)(wall_now() - mono_now());
		__u32 zero = 0;

		if (ASSERT_OK(bpf_map_update_elem(bpf_map__fd(kf->maps.kf_clock), &zero, &off,
						  BPF_ANY), "kf_clock")) {
			before = mono_now();
			got = syn_first_ns(kf, true, BPF_SKB_TSTAMP_DELIVERY_MONO + 1, 40004,
					   wall_now() + 37000000000ULL);
			ASSERT_GE(got, before, "first_ns read from the clock");
			ASSERT_LE(got, mono_now(), "first_ns read from the clock (high)");
		}
	}
	kflow__destroy(kf);
}
