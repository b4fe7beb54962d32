// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ipfix_reach.c - the log of a collector's reachability, line by line: the
 * first failure at once and not again while it lasts, each change up to the
 * rate limit, the changes beyond counted and shown when the window allows or
 * at exit, and the messages lost while down in the line that ends it.
 */
#include <stdlib.h>
#include <unistd.h>
#include "ipfix_reach.h"
#include "test_progs.h"

#define NAME "tcp://127.0.0.1:4741"

static char logbuf[4096];
static FILE *cap;
static int saved_fd = -1;

static void capture(void)
{
	fflush(stderr);
	cap = tmpfile();
	saved_fd = dup(2);
	dup2(fileno(cap), 2);
}

/* Everything logged since capture(), then captures again. */
static const char *logged(void)
{
	size_t n;

	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	rewind(cap);
	n = fread(logbuf, 1, sizeof(logbuf) - 1, cap);
	logbuf[n] = '\0';
	fclose(cap);
	capture();
	return logbuf;
}

static void stop_capture(void)
{
	logged();
	dup2(saved_fd, 2);
	close(saved_fd);
	fclose(cap);
}

static void first_failure_once(void)
{
	struct kf_reach r;

	kf_reach_init(&r, NAME, "retrying with backoff", KF_REACH_UNKNOWN);
	capture();
	kf_reach_set(&r, KF_REACH_DOWN, "collector unreachable", ECONNREFUSED, 100);
	ASSERT_STREQ(logged(),
		     "kflow: ipfix " NAME ": collector unreachable (Connection refused); "
		     "retrying with backoff\n",
		     "first failure");
	for (int t = 101; t < 400; t += 7) {
		kf_reach_set(&r, KF_REACH_DOWN, "collector unreachable", ETIMEDOUT, t);
		kf_reach_tick(&r, t);
	}
	ASSERT_STREQ(logged(), "", "retries that fail the same");
	kf_reach_final(&r);
	ASSERT_STREQ(logged(), "", "nothing held back at exit");
	stop_capture();
}

static void burst_then_count(void)
{
	struct kf_reach r;

	kf_reach_init(&r, NAME, "retrying with backoff", KF_REACH_UNKNOWN);
	capture();
	kf_reach_set(&r, KF_REACH_UP, "connected", 0, 1000);
	kf_reach_set(&r, KF_REACH_DOWN, "connection lost", EPIPE, 1001);
	kf_reach_set(&r, KF_REACH_UP, "connected", 0, 1002);
	ASSERT_STREQ(logged(),
		     "kflow: ipfix " NAME ": connected\n"
		     "kflow: ipfix " NAME ": connection lost (Broken pipe); retrying with backoff\n"
		     "kflow: ipfix " NAME ": connected\n",
		     "the burst");
	kf_reach_set(&r, KF_REACH_DOWN, "connection lost", EPIPE, 1003);
	kf_reach_set(&r, KF_REACH_UP, "connected", 0, 1004);
	kf_reach_tick(&r, 1000 + KF_REACH_WINDOW_S - 1);
	ASSERT_STREQ(logged(), "", "beyond the burst, within the window");
	kf_reach_tick(&r, 1000 + KF_REACH_WINDOW_S);
	ASSERT_STREQ(logged(),
		     "kflow: ipfix " NAME ": connected (state changes not logged since the "
		     "previous line: 2)\n",
		     "the next window");
	kf_reach_tick(&r, 2000);
	ASSERT_STREQ(logged(), "", "said once");
	stop_capture();
}

static void lost_while_down(void)
{
	struct kf_reach r;

	kf_reach_init(&r, "udp://192.0.2.1:4739", "retrying at each interval", KF_REACH_UP);
	capture();
	kf_reach_set(&r, KF_REACH_UP, "collector reachable", 0, 5);
	ASSERT_STREQ(logged(), "", "up from the start is no news");
	kf_reach_set(&r, KF_REACH_DOWN, "collector unreachable", ENETUNREACH, 6);
	r.lost += 5;
	kf_reach_set(&r, KF_REACH_UP, "collector reachable", 0, 7);
	kf_reach_set(&r, KF_REACH_DOWN, "collector unreachable", ENETUNREACH, 8);
	r.lost += 3;
	kf_reach_final(&r);
	ASSERT_STREQ(logged(),
		     "kflow: ipfix udp://192.0.2.1:4739: collector unreachable (Network is "
		     "unreachable); retrying at each interval\n"
		     "kflow: ipfix udp://192.0.2.1:4739: collector reachable; 5 messages lost "
		     "while it was away\n"
		     "kflow: ipfix udp://192.0.2.1:4739: collector unreachable (Network is "
		     "unreachable); retrying at each interval\n"
		     "kflow: ipfix udp://192.0.2.1:4739: collector unreachable (Network is "
		     "unreachable); still down at exit; 3 messages lost while it was away\n",
		     "lines");
	stop_capture();
}

void test_ipfix_reach(void)
{
	if (test__start_subtest("first_failure_once"))
		first_failure_once();
	if (test__start_subtest("burst_then_count"))
		burst_then_count();
	if (test__start_subtest("lost_while_down"))
		lost_while_down();
}
