// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sqlrows.c - the database rows say what the other outputs say: every
 * l4_flow_log column that the JSON line names holds the JSON line's value
 * (addresses and MACs in DeepFlow's numeric forms), every column but the
 * row's own is named by the JSON line (a column added to tools/sql without
 * a value would fail here), and the RPT_TRANSACTION_NF rows carry the IPFIX
 * uniflow values of their direction.
 */
#include <stdlib.h>
#include <string.h>
#include "sqlrows.h"
#include "nfvalues.h"
#include "test_progs.h"

/* The shared fixture, with what the JSON line and the row add: times,
 * MACs, an identity. */
static void make_flow(struct kf_flow *f)
{
	test__flow_fixture(f);
	f->life.flow_id = 0x6500000000000007ULL;
	f->life.first_ns = 1000000000ULL;
	f->life.last_ns = 3000000000ULL;
	memcpy(f->life.mac[1], "\x02\x00\x00\x00\x00\x0a", 6);
	memcpy(f->life.mac[0], "\x02\x00\x00\x00\x00\x0b", 6);
	f->iv.art[0].max = 3000000;
	f->id[1] = (struct kf_side_id){ .pid = 42, .comm = "curl", .runtime = "podman", .local = true };
	snprintf(f->id[1].container_id, sizeof(f->id[1].container_id), "c0ffee");
}

/* The columns JSON has no field of that name for, and why. */
static bool own_column(const char *name)
{
	static const char *const own[] = {
		"interval_end", "agent", "overflow", /* the row's own */
		"ip4_0", "ip4_1", "ip6_0", "ip6_1", /* ip_0, ip_1 */
	};

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (!strcmp(own[i], name))
			return true;
	return false;
}

/* The JSON value of key in line, as text, or NULL. */
static const char *json_value(const char *line, const char *key, char *out, size_t len)
{
	char pat[80];
	const char *p;
	size_t n;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(line, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	if (*p == '"') {
		p++;
		n = strcspn(p, "\"");
	} else {
		n = strcspn(p, ",}");
	}
	if (n >= len)
		n = len - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

static void l4_row_is_json_line(void)
{
	static struct kf_identity id = { .node = "node1", .cluster = "lab" };
	static struct jsonw w;
	static struct kf_sql_row row;
	struct kf_window win = { .start_us = 1000000, .end_us = 4000000, .id = &id };
	const struct kf_sql_table *t = &kf_sql_tables[KFT_l4_flow_log];
	struct kf_flow f;
	struct kf_rec r;
	char v[256];

	make_flow(&f);
	kf_rec_init(&r, &f, &win, 5, 0);
	kf_record_format(&w, &r);
	w.buf[w.len] = '\0';
	kf_row_l4(&row, &r, "node1");
	for (int i = 0; i < t->ncols; i++) {
		const char *name = t->cols[i].name;
		const struct kf_sql_val *sv = &row.v[i];

		if (own_column(name))
			continue;
		if (!ASSERT_TRUE(json_value(w.buf, name, v, sizeof(v)) != NULL, name))
			continue;
		if (t->cols[i].kind == KF_SQL_TEXT) {
			if (!ASSERT_STREQ(sv->p, v, name))
				continue;
		} else if (!strncmp(name, "mac_", 4)) {
			ASSERT_EQ(sv->i, 0x02000000000aULL + (name[4] == '1'), name);
		} else if (t->cols[i].kind == KF_SQL_REAL) {
			ASSERT_EQ((long long)sv->d, strtoll(v, NULL, 10), name);
		} else {
			ASSERT_EQ((unsigned long long)sv->i, strtoull(v, NULL, 10), name);
		}
	}
	ASSERT_EQ(row.v[KFC_l4_flow_log_ip4_0].i, 0x0a000001, "ip4_0: the client, as a number");
	ASSERT_EQ(row.v[KFC_l4_flow_log_ip4_1].i, 0x0a000002, "ip4_1: the server");
	ASSERT_EQ(row.v[KFC_l4_flow_log_is_ipv4].i, 1, "is_ipv4");
	ASSERT_EQ(row.v[KFC_l4_flow_log_interval_end].i, 4, "interval_end: the window's end, s");
	ASSERT_STREQ(row.v[KFC_l4_flow_log_agent].p, "node1", "agent");
	ASSERT_EQ(row.v[KFC_l4_flow_log_art_sum].d, 4000000, "art_sum: integer into Float64");
}

struct collect {
	int n;
	struct kf_sql_row rows[64];
};

static void collect_row(void *eng, const struct kf_sql_row *row)
{
	struct collect *c = eng;

	if (c->n < 64)
		c->rows[c->n++] = *row;
}

static const struct kf_sql_row *find(const struct collect *c, enum kf_sql_table_id id, int nth)
{
	for (int i = 0; i < c->n; i++)
		if (c->rows[i].id == id && !nth--)
			return &c->rows[i];
	return NULL;
}

static void transaction_rows_are_uniflows(void)
{
	static struct collect col;
	static struct kf_sqlout so;
	struct kf_opts o = {};
	struct kf_sink_env env = { .o = &o, .init_ms = 500 };
	struct kf_window win = { .start_us = 1000000, .end_us = 4000000 };
	const struct kf_sql_row *c, *s, *u;
	struct kf_nf_flowctx ctx;
	struct kf_nf_uni uni;
	struct kf_flow f;
	struct kf_rec r;

	memset(&col, 0, sizeof(col));
	make_flow(&f);
	kf_rec_init(&r, &f, &win, 5, 0);
	kf_sqlout_init(&so, &env, collect_row, &col);
	kf_sqlout_record(&so, &r);
	kf_sqlout_interval_end(&so, 4);
	c = find(&col, KFT_RPT_TRANSACTION_NF, 0);
	s = find(&col, KFT_RPT_TRANSACTION_NF, 1);
	if (!ASSERT_TRUE(c && s, "a transaction row per direction"))
		goto out;
	kf_nf_flowctx_init(&ctx, &r, 500, so.vrf);
	kf_nf_uniflow(&uni, &f, &ctx, true);
#define T(row, col) ((row)->v[KFC_RPT_TRANSACTION_NF_##col].i)
	ASSERT_EQ(T(c, src_ipv4_addr), 0x0a000001, "client's row: source is the client");
	ASSERT_EQ(T(c, in_bytes), 1000, "client's row: the client's octets");
	ASSERT_EQ(T(s, in_bytes), uni.octets, "server's row: nfvalues' octets");
	ASSERT_EQ(T(s, packetDeltaCount), uni.packets, "server's row: nfvalues' packets");
	ASSERT_EQ(T(s, biflow_direction), 2, "server's row: biflowDirection 2");
	ASSERT_EQ(T(s, flowDirection), uni.flow_dir, "flowDirection as IPFIX");
	ASSERT_EQ(T(s, application_id), (3u << 24) | 80, "applicationId: port engine + 80");
	ASSERT_EQ(T(s, flow_end_reason), 2, "active timeout");
	ASSERT_EQ(T(s, flowStartSysUpTime), 1000 - 500, "sysUpTime from the agent's start");
	ASSERT_EQ(T(s, flow_id), f.life.flow_id, "flow_id: the flowId");
#undef T
	u = find(&col, KFT_RPT_USAGE_NF, 0);
	if (ASSERT_TRUE(u != NULL, "usage row")) {
		ASSERT_EQ(u->v[KFC_RPT_USAGE_NF_in_bytes].i, 1000, "usage: the client's octets");
		ASSERT_EQ(u->v[KFC_RPT_USAGE_NF_packetDeltaCount].i, 10, "usage: its packets");
		ASSERT_EQ(u->v[KFC_RPT_USAGE_NF_head_time_stamp].i, 4, "usage: the interval's end");
		ASSERT_EQ(u->v[KFC_RPT_USAGE_NF_application_id].i, (3u << 24) | 80, "usage: app");
		ASSERT_EQ(u->v[KFC_RPT_USAGE_NF_ipVersion].i, 4, "usage: ipVersion");
		ASSERT_EQ(u->v[KFC_RPT_USAGE_NF_flowEndSysUpTime].i, 4000 - 500, "usage: end");
	}
	u = find(&col, KFT_RPT_GLB_USAGE_NF, 1);
	if (ASSERT_TRUE(u != NULL, "global usage row, server to client")) {
		ASSERT_EQ(u->v[KFC_RPT_GLB_USAGE_NF_in_bytes].i, 5000, "global: the server's octets");
		ASSERT_EQ(u->v[KFC_RPT_GLB_USAGE_NF_flowDirection].i, 1, "global: direction 1");
	}
	ASSERT_TRUE(find(&col, KFT_CONF_TZ_OFFSET_NF, 0) != NULL, "time zone row");
	ASSERT_TRUE(find(&col, KFT_NF_INI_VALUES, 0) != NULL, "NF_INI_VALUES rows");
out:
	kf_sqlout_free(&so);
}

void test_sqlrows(void)
{
	if (test__start_subtest("l4_row_is_json_line"))
		l4_row_is_json_line();
	if (test__start_subtest("transaction_rows_are_uniflows"))
		transaction_rows_are_uniflows();
}
