// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* metrics_text.c - --metrics ADDR:PORT parsing, the text format's escaping,
 * and the histogram's cumulative buckets. */
#include <arpa/inet.h>
#include <string.h>
#include "histogram.h"
#include "metrics.h"
#include "mtext.h"
#include "test_progs.h"

static const struct {
	const char *name, *spec;
	int family; /* 0: refused */
	unsigned int port;
} addrs[] = {
	{ "v4_any", "0.0.0.0:9400", AF_INET, 9400 },
	{ "v4", "10.1.2.3:1", AF_INET, 1 },
	{ "v6_loop", "[::1]:9400", AF_INET6, 9400 },
	{ "v6_any", "[::]:65535", AF_INET6, 65535 },
	{ "no_port", "10.1.2.3", 0, 0 },
	{ "empty_port", "10.1.2.3:", 0, 0 },
	{ "port_0", "10.1.2.3:0", 0, 0 },
	{ "port_big", "10.1.2.3:65536", 0, 0 },
	{ "port_sign", "10.1.2.3:+80", 0, 0 },
	{ "port_junk", "10.1.2.3:80x", 0, 0 },
	{ "v6_bare", "::1:9400", 0, 0 },
	{ "v6_no_colon", "[::1]9400", 0, 0 },
	{ "v6_unclosed", "[::1:9400", 0, 0 },
	{ "v4_in_brackets", "[10.1.2.3]:80", 0, 0 },
	{ "name", "localhost:9400", 0, 0 },
	{ "empty_host", ":9400", 0, 0 },
};

static void test_addrs(void)
{
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct sockaddr_storage sa;
		socklen_t len;
		int err;

		if (!test__start_subtest(addrs[i].name))
			continue;
		err = kf_metrics_addr(addrs[i].spec, &sa, &len);
		if (!addrs[i].family) {
			ASSERT_EQ(err, -EINVAL, "refused");
			continue;
		}
		if (!ASSERT_OK(err, "parsed"))
			continue;
		ASSERT_EQ(sa.ss_family, addrs[i].family, "family");
		ASSERT_EQ(ntohs(((struct sockaddr_in *)&sa)->sin_port), addrs[i].port, "port");
	}
}

static void test_escaping(void)
{
	struct kf_mtext t = {};

	if (!test__start_subtest("escaping"))
		return;
	kf_mt_family(&t, "kflow_x_total", "counter", "a \\ b\nc \"q\"");
	kf_mt_u64(&t, "kflow_x_total",
		  (struct kf_label[]){ { "output", "jsonl:/a\"b\\c\nd" }, { "e", NULL } }, 2, 7);
	kf_mt_u64(&t, "kflow_y", NULL, 0, 18446744073709551615ULL);
	ASSERT_STREQ(t.buf,
		     "# HELP kflow_x_total a \\\\ b\\nc \"q\"\n"
		     "# TYPE kflow_x_total counter\n"
		     "kflow_x_total{output=\"jsonl:/a\\\"b\\\\c\\nd\",e=\"\"} 7\n"
		     "kflow_y 18446744073709551615\n",
		     "text");
	ASSERT_FALSE(t.oom, "oom");
	kf_mt_free(&t);
}

static void test_histogram(void)
{
	struct kf_hist h = {};
	struct kf_mtext t = {};

	if (!test__start_subtest("histogram"))
		return;
	kf_hist_observe(&h, 0.0001);
	kf_hist_observe(&h, 0.003);
	kf_hist_observe(&h, 0.003);
	kf_hist_observe(&h, 99);
	kf_hist_write(&t, "kflow_d_seconds", "d", &h);
	ASSERT_OK_PTR(strstr(t.buf, "kflow_d_seconds_bucket{le=\"0.0005\"} 1\n"), "first");
	ASSERT_OK_PTR(strstr(t.buf, "kflow_d_seconds_bucket{le=\"0.0025\"} 1\n"), "below");
	ASSERT_OK_PTR(strstr(t.buf, "kflow_d_seconds_bucket{le=\"0.005\"} 3\n"), "cumulative");
	ASSERT_OK_PTR(strstr(t.buf, "kflow_d_seconds_bucket{le=\"10\"} 3\n"), "last");
	ASSERT_OK_PTR(strstr(t.buf, "kflow_d_seconds_bucket{le=\"+Inf\"} 4\n"), "inf");
	ASSERT_OK_PTR(strstr(t.buf, "kflow_d_seconds_count 4\n"), "count");
	ASSERT_OK_PTR(strstr(t.buf, "kflow_d_seconds_sum 99.0061\n"), "sum");
	kf_mt_free(&t);
}

void test_metrics_text(void)
{
	test_addrs(); /* the refusals print their error lines */
	test_escaping();
	test_histogram();
}
