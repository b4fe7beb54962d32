// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* record_times.c - a record's start_time and end_time: a flow's first record
 * starts at its first packet, later ones at their window's start, and no
 * first record starts at or after its window's end, where the flow's next
 * record starts ((flow_id, start_time) names one record). */
#include "close.h"
#include "record.h"
#include "test_progs.h"

#define WIN_START_US 1000000ULL
#define WIN_END_US 2000000ULL

static void times(__u64 first_us, bool new_sent, unsigned int close_type, __u64 *start,
		  __u64 *end)
{
	struct kf_window win = { .mono_to_wall_ns = 0, .start_us = WIN_START_US,
				 .end_us = WIN_END_US };
	struct kf_flow f;

	test__flow_fixture(&f);
	f.life.first_ns = first_us * 1000;
	f.life.last_ns = WIN_END_US * 1000 - 1000;
	f.life.flags = new_sent ? KF_LIFE_NEW_SENT : 0;
	kf_record_times(&f, &win, close_type, 0, start, end);
}

void test_record_times(void)
{
	__u64 start, end;

	if (test__start_subtest("first_record")) {
		times(1500000, false, KF_CLOSE_FORCED_REPORT, &start, &end);
		ASSERT_EQ(start, 1500000, "starts at its first packet");
		ASSERT_EQ(end, WIN_END_US, "a forced report ends with its window");
	}
	if (test__start_subtest("later_record")) {
		times(500000, true, KF_CLOSE_FORCED_REPORT, &start, &end);
		ASSERT_EQ(start, WIN_START_US, "starts with its window");
	}
	if (test__start_subtest("first_packet_after_window")) {
		/* Stamped after the window's end (a departure time ahead of the
		 * clock): still inside the window, not at the next one's start. */
		times(WIN_END_US + 300, false, KF_CLOSE_FORCED_REPORT, &start, &end);
		ASSERT_EQ(start, WIN_END_US - 1, "starts inside its window");
		ASSERT_TRUE(start < end, "before its end");
	}
}
