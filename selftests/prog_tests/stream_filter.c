// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* stream_filter.c - subscribe lines the stream accepts or refuses, and the
 * events a filter passes. */
#include <string.h>
#include <netinet/in.h>
#include "filter.h"
#include "test_progs.h"

static const struct {
	const char *name, *line, *err; /* err: a part of the refusal, NULL: accepted */
} lines[] = {
	{ "empty_object", "{}", NULL },
	{ "full", "{\"events\":[\"flow_start\",\"flow_end\"],\"include\":[{\"ip\":\"10.0.0.1\","
		  "\"port\":80,\"protocol\":\"tcp\"}],\"exclude\":[{\"pod_ns\":\"kube-system\"}],"
		  "\"last\":10,\"follow\":false}", NULL },
	{ "garbage", "hello", "not JSON" },
	{ "array", "[]", "one JSON object" },
	{ "unknown_key", "{\"colour\":1}", "unknown key \"colour\"" },
	{ "unknown_filter_key", "{\"include\":[{\"colour\":1}]}", "unknown filter key" },
	{ "bad_event", "{\"events\":[\"flow_middle\"]}", "unknown event" },
	{ "bad_port", "{\"include\":[{\"port\":70000}]}", "\"port\" must be" },
	{ "port_string", "{\"include\":[{\"port\":\"80\"}]}", "\"port\" must be" },
	{ "bad_ip", "{\"include\":[{\"ip\":\"10.0.0\"}]}", "not an IPv4 or IPv6" },
	{ "bad_proto", "{\"include\":[{\"protocol\":\"sctp-ish\"}]}", "\"protocol\" must be" },
	{ "bad_last", "{\"last\":-1}", "\"last\" must be" },
	{ "include_not_array", "{\"include\":{}}", "must be an array" },
	{ "duplicate_key", "{\"last\":1,\"last\":2}", "not JSON" },
	{ "long_pod", "{\"include\":[{\"pod\":\"" /* 300 x */
		      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		      "\"}]}", "longer than" },
};

static struct kf_sev_attrs ev(int type, const char *ip0, int port0, const char *ip1, int port1,
			      int proto, const char *pod_ns1)
{
	struct kf_sev_attrs a = { .type = type, .proto = proto };

	strcpy(a.ip[0], ip0);
	strcpy(a.ip[1], ip1);
	a.port[0] = port0;
	a.port[1] = port1;
	strcpy(a.nic, "eth0");
	strcpy(a.pod_ns[1], pod_ns1);
	return a;
}

static const struct {
	const char *name, *line;
	bool pass[4]; /* of the four events below */
} matches[] = {
	{ "everything", "{}", { true, true, true, true } },
	{ "events", "{\"events\":[\"record\"]}", { false, true, false, false } },
	{ "ip_either_end", "{\"include\":[{\"ip\":\"10.0.0.2\"}]}", { true, true, false, false } },
	{ "ip_v6_form", "{\"include\":[{\"ip\":\"fd00:0::1\"}]}", { false, false, false, true } },
	{ "port_and_proto", "{\"include\":[{\"port\":53,\"protocol\":\"udp\"}]}",
	  { false, false, true, false } },
	{ "proto_number", "{\"include\":[{\"protocol\":6}]}", { true, true, false, false } },
	{ "icmp_any", "{\"include\":[{\"protocol\":\"icmp\"}]}", { false, false, false, true } },
	{ "or", "{\"include\":[{\"port\":53},{\"event\":\"record\"}]}", { false, true, true, false } },
	{ "exclude", "{\"exclude\":[{\"pod_ns\":\"kube-system\"}]}", { true, true, false, true } },
	{ "include_and_exclude",
	  "{\"include\":[{\"protocol\":\"tcp\"}],\"exclude\":[{\"event\":\"flow_start\"}]}",
	  { false, true, false, false } },
	{ "nic", "{\"include\":[{\"capture_nic_name\":\"eth1\"}]}", { false, false, false, false } },
};

void test_stream_filter(void)
{
	struct kf_sev_attrs evs[4] = {
		ev(KF_SEV_FLOW_START, "10.0.0.1", 40000, "10.0.0.2", 80, IPPROTO_TCP, ""),
		ev(KF_SEV_RECORD, "10.0.0.1", 40000, "10.0.0.2", 80, IPPROTO_TCP, ""),
		ev(KF_SEV_FLOW_END, "10.0.0.3", 5353, "10.0.0.4", 53, IPPROTO_UDP, "kube-system"),
		ev(KF_SEV_TCP_EVENT, "fd00::1", 7, "fd00::2", 7, IPPROTO_ICMPV6, ""),
	};
	static struct kf_filter f;
	char err[256];

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		int r;

		if (!test__start_subtest(lines[i].name))
			continue;
		err[0] = '\0';
		r = kf_filter_parse(&f, lines[i].line, strlen(lines[i].line), err, sizeof(err));
		if (!lines[i].err) {
			ASSERT_EQ(r, 0, err);
			continue;
		}
		ASSERT_EQ(r, -EINVAL, "refused");
		ASSERT_TRUE(strstr(err, lines[i].err) != NULL, lines[i].err);
	}
	for (size_t i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
		if (!test__start_subtest(matches[i].name))
			continue;
		if (!ASSERT_EQ(kf_filter_parse(&f, matches[i].line, strlen(matches[i].line), err,
					       sizeof(err)),
			       0, "parse"))
			continue;
		for (int e = 0; e < 4; e++)
			ASSERT_EQ(kf_filter_match(&f, &evs[e]), matches[i].pass[e], "match");
	}
	if (test__start_subtest("full_values")) {
		const char *l = lines[1].line;

		ASSERT_EQ(kf_filter_parse(&f, l, strlen(l), err, sizeof(err)), 0, "parse");
		ASSERT_EQ(f.last, 10, "last");
		ASSERT_FALSE(f.follow, "follow");
		ASSERT_EQ(f.n_inc, 1, "include objects");
		ASSERT_EQ(f.n_exc, 1, "exclude objects");
	}
}
