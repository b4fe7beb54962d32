// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ipfix_flow.c - IPFIX flow records read back through their own templates:
 * a uniflow record per direction with the sender as source, its own
 * counters, no reverse element, and each TCP-health value in the record of
 * the direction it belongs to; a biflow record with the server's counters
 * in reverse elements; and each observation domain's sequence number
 * counting only its own data records.
 */
#include <string.h>
#include "ipfix_flow.h"
#include "test_progs.h"

struct tmpl {
	int n;
	struct kf_ipfix_field f[96];
};

static __u64 be(const unsigned char *p, int len)
{
	__u64 v = 0;

	for (int i = 0; i < len; i++)
		v = v << 8 | p[i];
	return v;
}

/* The template records of the flow templates of a mode, as a collector
 * reads them: first IPv4, then IPv6. */
static void read_templates(bool uniflow, struct tmpl *v4)
{
	static struct kf_ipfix_msg m;
	size_t off = 16 + 4; /* message header, template set header */

	memset(&m, 0, sizeof(m));
	kf_msg_begin(&m, 0);
	kf_msg_open_set(&m, 2);
	kf_ipfix_flow_templates(&m, uniflow);
	kf_msg_end(&m);
	v4->n = be(m.buf + off + 2, 2);
	off += 4;
	for (int i = 0; i < v4->n; i++) {
		__u16 id = be(m.buf + off, 2);

		v4->f[i].id = id & 0x7fff;
		v4->f[i].len = be(m.buf + off + 2, 2);
		v4->f[i].pen = id & 0x8000 ? be(m.buf + off + 4, 4) : 0;
		off += id & 0x8000 ? 8 : 4;
	}
}

/* The value of the nth element (pen, id) of a record. */
static __u64 get(const struct tmpl *t, const unsigned char *rec, __u32 pen, __u16 id, int nth)
{
	size_t off = 0;

	for (int i = 0; i < t->n; i++) {
		if (t->f[i].pen == pen && t->f[i].id == id && !nth--)
			return be(rec + off, t->f[i].len);
		off += t->f[i].len;
	}
	return ~0ULL; /* no such element */
}

static const struct kf_nf_flowctx ctx = {
	.start_ms = 1000, .end_ms = 2000, .close_type = 5, .end_reason = 2,
};

static void uniflow_per_direction(void)
{
	static struct kf_ipfix_msg m;
	struct tmpl t;
	struct kf_flow f;
	size_t len = kf_ipfix_flow_len(true, false);
	const unsigned char *cr, *sr;

	read_templates(true, &t);
	for (int i = 0; i < t.n; i++)
		ASSERT_NEQ(t.f[i].pen, KF_PEN_REVERSE, "no reverse element");
	test__flow_fixture(&f);
	memset(&m, 0, sizeof(m));
	kf_msg_begin(&m, 0);
	kf_msg_open_set(&m, kf_ipfix_flow_tid(true, false));
	kf_ipfix_put_uniflow(&m, &f, &ctx, false);
	kf_ipfix_put_uniflow(&m, &f, &ctx, true);
	ASSERT_EQ(m.records, 2, "two records");
	ASSERT_EQ(m.len, 16 + 4 + 2 * len, "record length as the template says");
	cr = m.buf + 20;
	sr = cr + len;
	ASSERT_EQ(get(&t, cr, 0, 8, 0), 0x0a000001, "client's record: source is the client");
	ASSERT_EQ(get(&t, sr, 0, 8, 0), 0x0a000002, "server's record: source is the server");
	ASSERT_EQ(get(&t, cr, 0, 7, 0), 40000, "client's source port");
	ASSERT_EQ(get(&t, sr, 0, 7, 0), 80, "server's source port");
	ASSERT_EQ(get(&t, cr, 0, 1, 0), 1000, "client's octets");
	ASSERT_EQ(get(&t, sr, 0, 1, 0), 5000, "server's octets");
	ASSERT_EQ(get(&t, cr, 0, 2, 0), 10, "client's packets");
	ASSERT_EQ(get(&t, sr, 0, 2, 0), 7, "server's packets");
	ASSERT_EQ(get(&t, cr, 0, 239, 0), 1, "biflowDirection: initiator");
	ASSERT_EQ(get(&t, sr, 0, 239, 0), 2, "biflowDirection: reverse initiator");
	ASSERT_EQ(get(&t, cr, 0, 61, 0), 1, "c-nd: the client's packets are egress");
	ASSERT_EQ(get(&t, sr, 0, 61, 0), 0, "c-nd: the server's packets are ingress");
	ASSERT_EQ(get(&t, sr, 0, 218, 0), 1, "the server's SYN-ACK counts as its SYN");
	ASSERT_EQ(get(&t, cr, 0, 148, 0), 77, "flowId");
	ASSERT_EQ(get(&t, sr, 0, 148, 0), 77, "flowId shared");
	ASSERT_EQ(get(&t, cr, KF_PEN_KFLOW, 4, 0), 3, "client's retransmissions");
	ASSERT_EQ(get(&t, sr, KF_PEN_KFLOW, 4, 0), 4, "server's retransmissions");
	ASSERT_EQ(get(&t, cr, KF_PEN_KFLOW, 5, 0), 1, "client's zero window");
	ASSERT_EQ(get(&t, sr, KF_PEN_KFLOW, 5, 0), 5, "server's zero window");
	ASSERT_EQ(get(&t, cr, KF_PEN_KFLOW, 1, 0) + get(&t, sr, KF_PEN_KFLOW, 1, 0), 300,
		  "rtt in one record");
	ASSERT_EQ(get(&t, cr, KF_PEN_KFLOW, 2, 0), 100000, "rtt_client: client's record");
	ASSERT_EQ(get(&t, sr, KF_PEN_KFLOW, 2, 0), 0, "rtt_client: not in the server's");
	ASSERT_EQ(get(&t, sr, KF_PEN_KFLOW, 3, 0), 200000, "rtt_server: server's record");
	ASSERT_EQ(get(&t, cr, KF_PEN_KFLOW, 3, 0), 0, "rtt_server: not in the client's");
	ASSERT_EQ(get(&t, sr, KF_PEN_KFLOW, 6, 0), 900, "srt sum: server's record");
	ASSERT_EQ(get(&t, cr, KF_PEN_KFLOW, 7, 0), 0, "srt count: not in the client's");
	ASSERT_EQ(get(&t, sr, KF_PEN_KFLOW, 9, 0), 2, "art count: server's record");
	ASSERT_EQ(get(&t, cr, KF_PEN_KFLOW, 10, 0), 5, "close_type in both");
	ASSERT_EQ(get(&t, sr, KF_PEN_KFLOW, 10, 0), 5, "close_type in both");
	ASSERT_EQ(get(&t, cr, KF_PEN_NTOP, 109, 0), 3, "ntop retransmitted in: client's");
	ASSERT_EQ(get(&t, sr, KF_PEN_NTOP, 109, 0), 0, "ntop retransmitted in: client's only");
	ASSERT_EQ(get(&t, sr, KF_PEN_NTOP, 110, 0), 4, "ntop retransmitted out: server's");
	ASSERT_EQ(get(&t, cr, KF_PEN_NTOP, 111, 0), 2, "ntop out of order in: client's");
	ASSERT_EQ(get(&t, sr, KF_PEN_NTOP, 112, 0), 6, "ntop out of order out: server's");
	ASSERT_EQ(get(&t, sr, KF_PEN_NTOP, 125, 0), 2000, "ntop art average (ms): server's");
	ASSERT_EQ(get(&t, cr, KF_PEN_NTOP, 123, 0), 50, "ntop client latency: client's");
	ASSERT_EQ(get(&t, sr, KF_PEN_NTOP, 124, 0), 100, "ntop server latency: server's");
}

static void biflow_reverse(void)
{
	static struct kf_ipfix_msg m;
	struct tmpl t;
	struct kf_flow f;
	const unsigned char *r;

	read_templates(false, &t);
	test__flow_fixture(&f);
	memset(&m, 0, sizeof(m));
	kf_msg_begin(&m, 0);
	kf_msg_open_set(&m, kf_ipfix_flow_tid(false, false));
	kf_ipfix_put_biflow(&m, &f, &ctx);
	ASSERT_EQ(m.len, 16 + 4 + kf_ipfix_flow_len(false, false), "one record");
	r = m.buf + 20;
	ASSERT_EQ(get(&t, r, 0, 8, 0), 0x0a000001, "source is the client");
	ASSERT_EQ(get(&t, r, 0, 1, 0), 1000, "client's octets");
	ASSERT_EQ(get(&t, r, KF_PEN_REVERSE, 1, 0), 5000, "server's octets, reverse");
	ASSERT_EQ(get(&t, r, KF_PEN_REVERSE, 2, 0), 7, "server's packets, reverse");
	ASSERT_EQ(get(&t, r, 0, 239, 0), 1, "biflowDirection");
	ASSERT_EQ(get(&t, r, KF_PEN_KFLOW, 4 | 0x4000, 0), 4, "server's retransmissions");
}

static void sequence_per_domain(void)
{
	static struct kf_ipfix_msg flows, usage;

	memset(&flows, 0, sizeof(flows));
	memset(&usage, 0, sizeof(usage));
	flows.domain = 1;
	usage.domain = 2;
	kf_msg_begin(&flows, 0);
	flows.records = 3;
	kf_msg_end(&flows);
	kf_msg_sent(&flows);
	kf_msg_begin(&usage, 0);
	usage.records = 1;
	kf_msg_end(&usage);
	kf_msg_sent(&usage);
	kf_msg_begin(&flows, 0);
	kf_msg_begin(&usage, 0);
	ASSERT_EQ(be(flows.buf + 8, 4), 3, "flow domain: its own 3 records before");
	ASSERT_EQ(be(flows.buf + 12, 4), 1, "flow domain id");
	ASSERT_EQ(be(usage.buf + 8, 4), 1, "usage domain: its own record before");
	ASSERT_EQ(be(usage.buf + 12, 4), 2, "usage domain id");
	ASSERT_TRUE(kf_msg_fits(&flows, 300, KF_IPFIX_MTU - 16 - 4), "a record that just fits");
	ASSERT_FALSE(kf_msg_fits(&flows, 300, KF_IPFIX_MTU - 16 - 3), "one byte too many");
}

void test_ipfix_flow(void)
{
	if (test__start_subtest("uniflow_per_direction"))
		uniflow_per_direction();
	if (test__start_subtest("biflow_reverse"))
		biflow_reverse();
	if (test__start_subtest("sequence_per_domain"))
		sequence_per_domain();
}
