// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ipfix_usage.c - the IPFIX usage table: thousands of applications in one
 * interval, each key found again, entries in insertion order, the table
 * emptied (and its memory given back) between intervals, and a table that
 * cannot grow fails its new keys, visibly, while keeping the ones it has.
 */
#include <stdlib.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "ipfix_usage.h"
#include "test_progs.h"

#define APP(port) ((3u << 24) | (port))

/* key i: 2 interfaces x 2 directions x 2 IP versions x many ports */
static struct kf_usage *get_key(struct kf_usage_tab *t, __u32 i)
{
	return kf_usage_get(t, 1 + (i & 1), (i >> 1) & 1, APP(i >> 3), (i >> 2) & 1 ? 6 : 4);
}

static void many_keys(void)
{
	struct kf_usage_tab t = {};
	const __u32 n = 40000;
	bool ok = true;

	for (__u32 i = 0; i < n && ok; i++) {
		struct kf_usage *u = get_key(&t, i);

		ok = ASSERT_TRUE(u, "new key");
		if (ok)
			u->octets += i;
	}
	ASSERT_EQ(t.n, n, "entries");
	for (__u32 i = 0; i < n && ok; i++) {
		struct kf_usage *u = get_key(&t, i);

		ok = ASSERT_TRUE(u == &t.ent[i], "found again, in insertion order") &&
		     ASSERT_EQ(u->octets, i, "its sum");
	}
	ASSERT_EQ(t.n, n, "no entry added by lookups");
	kf_usage_reset(&t);
	ASSERT_EQ(t.n, 0, "empty after reset");
	ASSERT_TRUE(t.cap >= n, "memory kept for an interval as busy");
	ASSERT_EQ(get_key(&t, 7)->octets, 0, "a key of the last interval starts at zero");
	kf_usage_reset(&t);
	ASSERT_EQ(t.cap, 0, "memory given back after a quiet interval");
	ASSERT_TRUE(get_key(&t, 1), "usable after giving memory back");
	kf_usage_free(&t);
}

/* In a child with little address space left: growth fails for want of
 * memory, as it would on a host out of it. */
static int child_out_of_memory(void)
{
	struct kf_usage_tab t = {};
	struct rlimit rl;
	long pages = 0;
	__u32 i, full;
	FILE *f;

	f = fopen("/proc/self/statm", "r");
	if (!f || fscanf(f, "%ld", &pages) != 1)
		return 2;
	fclose(f);
	rl.rlim_cur = rl.rlim_max = pages * sysconf(_SC_PAGESIZE) + (16 << 20);
	if (setrlimit(RLIMIT_AS, &rl))
		return 3;
	for (i = 0; i < (1u << 26); i++)
		if (!get_key(&t, i))
			break;
	if (i == 1u << 26 || !t.n)
		return 4; /* the limit never hit, or hit before any entry */
	full = t.n;
	if (full != t.cap)
		return 5; /* only growth may fail */
	if (get_key(&t, i + 1) || t.n != full)
		return 6; /* still no room for a new key */
	for (__u32 j = 0; j < full; j++)
		if (get_key(&t, j) != &t.ent[j])
			return 7; /* the keys it has are kept */
	kf_usage_free(&t);
	return 0;
}

static void out_of_memory(void)
{
	int status = -1;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (!ASSERT_TRUE(pid >= 0, "fork"))
		return;
	if (!pid)
		_exit(child_out_of_memory());
	waitpid(pid, &status, 0);
	ASSERT_TRUE(WIFEXITED(status), "child exited");
	ASSERT_EQ(WEXITSTATUS(status), 0, "child's failed step (0: none)");
}

void test_ipfix_usage(void)
{
	if (test__start_subtest("many_keys"))
		many_keys();
	if (test__start_subtest("out_of_memory"))
		out_of_memory();
}
