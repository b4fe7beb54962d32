// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sqlrows.c - the rows of the database tables (sqlrows.h). l4_flow_log's
 * values are the JSON line's, handed over field by field by
 * kf_record_fields() and put in the column of the same name; a JSON field
 * without a column (averages and sums DeepFlow computes at query time) is
 * left out. The NetFlow tables take nfvalues.c's values, as IPFIX does.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include "iface.h"
#include "nfvalues.h"
#include "sqlrows.h"

static const char zeros[64];

void kf_row_init(struct kf_sql_row *row, enum kf_sql_table_id id)
{
	const struct kf_sql_table *t = &kf_sql_tables[id];

	row->t = t;
	row->id = id;
	row->used = 0;
	row->hint = 0;
	for (int i = 0; i < t->ncols; i++) {
		struct kf_sql_val *v = &row->v[i];

		v->i = 0;
		v->d = 0;
		v->p = t->cols[i].kind == KF_SQL_BLOB ? zeros : "";
		v->len = t->cols[i].kind == KF_SQL_BLOB ? t->cols[i].len : 0;
	}
}

/* Both forms: a value goes in whatever the column holds (the JSON line
 * gives integers for DeepFlow's Float64 sums). */
void kf_row_int(struct kf_sql_row *row, int col, __s64 v)
{
	if (col < 0) /* a name the table lacks */
		return;
	row->v[col].i = v;
	row->v[col].d = row->t->cols[col].kind == KF_SQL_UINT ? (double)(__u64)v : (double)v;
}

void kf_row_real(struct kf_sql_row *row, int col, double v)
{
	if (col < 0)
		return;
	row->v[col].d = v;
	row->v[col].i = (__s64)v;
}

/* Copied: the caller's buffer may be gone when the engine writes. A string
 * the row has no room left for is cut (a row holds well under its arena). */
void kf_row_text(struct kf_sql_row *row, int col, const char *s)
{
	size_t room = sizeof(row->arena) - row->used, n = strlen(s);
	char *p = row->arena + row->used;

	if (!room || col < 0)
		return;
	if (n >= room)
		n = room - 1;
	memcpy(p, s, n);
	p[n] = '\0';
	row->v[col].p = p;
	row->v[col].len = n;
	row->used += n + 1;
}

void kf_row_blob(struct kf_sql_row *row, int col, const void *p, size_t len)
{
	size_t want;
	char *dst = row->arena + row->used;

	if (col < 0)
		return;
	want = row->t->cols[col].len;
	if (len > want)
		len = want;
	if (sizeof(row->arena) - row->used < want)
		return;
	memset(dst, 0, want);
	memcpy(dst, p, len);
	row->v[col].p = dst;
	row->v[col].len = want;
	row->used += want;
}

/* l4_flow_log: the field's column, the next one in the usual order first. */
static int l4_col(struct kf_sql_row *row, const char *name)
{
	const struct kf_sql_table *t = row->t;
	int c = row->hint < t->ncols && !strcmp(t->cols[row->hint].name, name) ?
			row->hint :
			kf_sql_col_find(t, name);

	if (c >= 0)
		row->hint = c + 1;
	return c;
}

static void l4_u64(void *ctx, const char *name, __u64 v)
{
	int c = l4_col(ctx, name);

	if (c >= 0)
		kf_row_int(ctx, c, (__s64)v);
}

static void l4_f64(void *ctx, const char *name, double v)
{
	int c = l4_col(ctx, name);

	if (c >= 0)
		kf_row_real(ctx, c, v);
}

static void l4_str(void *ctx, const char *name, const char *s)
{
	int c = l4_col(ctx, name);

	if (c >= 0)
		kf_row_text(ctx, c, s);
}

/* ip_N: DeepFlow's ip4_N (a.b.c.d = a<<24|...|d) or ip6_N and is_ipv4. */
static void l4_addr(void *ctx, const char *name, int family, const __u8 *a)
{
	struct kf_sql_row *row = ctx;
	bool one = name[strlen(name) - 1] == '1';
	__u32 v4;

	if (family == 4) {
		memcpy(&v4, a, 4);
		kf_row_int(row, one ? KFC_l4_flow_log_ip4_1 : KFC_l4_flow_log_ip4_0, ntohl(v4));
	} else {
		kf_row_blob(row, one ? KFC_l4_flow_log_ip6_1 : KFC_l4_flow_log_ip6_0, a, 16);
	}
}

/* mac_N: DeepFlow's UInt64, the 48 bits in order. */
static void l4_mac(void *ctx, const char *name, const __u8 *m)
{
	__u64 v = 0;

	for (int i = 0; i < 6; i++)
		v = v << 8 | m[i];
	l4_u64(ctx, name, v);
}

static const struct kf_fields l4_fields = {
	.u64 = l4_u64,
	.f64 = l4_f64,
	.str = l4_str,
	.addr = l4_addr,
	.mac = l4_mac,
};

void kf_row_l4(struct kf_sql_row *row, const struct kf_rec *r, const char *agent)
{
	kf_row_init(row, KFT_l4_flow_log);
	kf_record_fields(r, &l4_fields, row);
	kf_row_int(row, KFC_l4_flow_log_interval_end, r->now_s);
	kf_row_text(row, KFC_l4_flow_log_agent, agent);
	if (!r->f->key.family)
		kf_row_int(row, KFC_l4_flow_log_is_ipv4, 0);
}

/* RPT_TRANSACTION_NF: the IPFIX uniflow record of one direction. */
static void transaction_row(struct kf_sqlout *so, const struct kf_rec *r,
			    const struct kf_nf_flowctx *ctx, bool server)
{
	struct kf_sql_row *row = &so->row;
	struct kf_nf_uni u;
	__u32 a;

	kf_nf_uniflow(&u, r->f, ctx, server);
	kf_row_init(row, KFT_RPT_TRANSACTION_NF);
#define SET(col, v) kf_row_int(row, KFC_RPT_TRANSACTION_NF_##col, (v))
	SET(time_stamp, r->now_s);
	SET(head_time_stamp, (__s32)r->now_s);
	SET(head_src_id, (__s32)so->node_addr);
	SET(conn_tx_id, u.flow_id);
	SET(application_id, (__s32)u.app);
	SET(ingressInterface, u.ingress_if);
	SET(egressInterface, u.egress_if);
	SET(flowDirection, u.flow_dir);
	SET(flowStartSysUpTime, u.start_uptime);
	SET(flowEndSysUpTime, u.end_uptime);
	SET(packetDeltaCount, u.packets);
	SET(in_bytes, u.octets);
	SET(src_port, u.sport);
	SET(dst_port, u.dport);
	SET(protocol_id, u.proto);
	SET(flow_id, u.flow_id);
	SET(flow_end_reason, u.end_reason);
	SET(biflow_direction, u.biflow_dir);
	SET(ingressVRFID, u.vrf);
	SET(ipVersion, u.ipver);
	if (u.ipver == 4) {
		memcpy(&a, u.src, 4);
		SET(src_ipv4_addr, ntohl(a));
		memcpy(&a, u.dst, 4);
		SET(dst_ipv4_addr, ntohl(a));
	} else {
		kf_row_blob(row, KFC_RPT_TRANSACTION_NF_sourceIPv6Address, u.src, 16);
		kf_row_blob(row, KFC_RPT_TRANSACTION_NF_destinationIPv6Address, u.dst, 16);
	}
#undef SET
	so->row_fn(so->eng, row);
}

static void ini_row(struct kf_sqlout *so, __u64 now_s, int type, const char *key, __s32 value)
{
	struct kf_sql_row *row = &so->row;

	kf_row_init(row, KFT_NF_INI_VALUES);
	kf_row_int(row, KFC_NF_INI_VALUES_time_stamp, now_s);
	kf_row_text(row, KFC_NF_INI_VALUES_nf_ip, so->node_ip);
	kf_row_int(row, KFC_NF_INI_VALUES_value_type, type);
	kf_row_text(row, KFC_NF_INI_VALUES_value_key, key);
	kf_row_int(row, KFC_NF_INI_VALUES_value, value);
	so->row_fn(so->eng, row);
}

static int tz_offset_min(__u64 now_s)
{
	time_t t = now_s;
	struct tm tm;

	return localtime_r(&t, &tm) ? (int)(tm.tm_gmtoff / 60) : 0;
}

/* The start's rows: the node's address (5), the sampler (131, every
 * packet: the IPFIX sampler options record), the time zone. */
static void start_rows(struct kf_sqlout *so, __u64 now_s)
{
	if (so->started)
		return;
	so->started = true;
	ini_row(so, now_s, 5, so->node_ip, (__s32)so->node_addr);
	ini_row(so, now_s, 131, "systematic count-based, 1 of 1 packets (no sampling)", 1);
	so->tz_min = tz_offset_min(now_s) + 1; /* differs: written below */
}

static void tz_row(struct kf_sqlout *so, __u64 now_s)
{
	int tz = tz_offset_min(now_s);

	if (tz == so->tz_min)
		return;
	so->tz_min = tz;
	kf_row_init(&so->row, KFT_CONF_TZ_OFFSET_NF);
	kf_row_int(&so->row, KFC_CONF_TZ_OFFSET_NF_time_stamp, now_s);
	kf_row_int(&so->row, KFC_CONF_TZ_OFFSET_NF_offset_min, tz);
	so->row_fn(so->eng, &so->row);
}

/* Interfaces (101, 102) and applications (111-119) when first seen, as the
 * IPFIX interface and application options records describe them. */
static void meta_rows(struct kf_sqlout *so, const struct kf_rec *r)
{
	const struct flow_key *k = &r->f->key;
	__u32 app = kf_nf_app_id(r->f);
	char name[KF_NF_APP_NAME], desc[KF_NF_APP_DESC], buf[IF_NAMESIZE];
	const char *ifname;
	static const int unassigned[] = { 114, 115, 116, 117, 118, 119 };
	int i;

	for (i = 0; i < so->nifs && so->ifs[i] != k->ifindex; i++)
		;
	if (i == so->nifs && so->nifs < (int)(sizeof(so->ifs) / sizeof(so->ifs[0]))) {
		so->ifs[so->nifs++] = k->ifindex;
		ifname = kf_ifname(k->ifindex, buf);
		kf_nf_iface_desc(ifname, desc);
		ini_row(so, r->now_s, 101, ifname, k->ifindex);
		ini_row(so, r->now_s, 102, desc, k->ifindex);
	}
	if (!app)
		return;
	for (i = 0; i < so->napps && so->apps[i] != app; i++)
		;
	if (i < so->napps || so->napps == (int)(sizeof(so->apps) / sizeof(so->apps[0])))
		return;
	so->apps[so->napps++] = app;
	kf_nf_app_names(app, k->proto, name, desc);
	ini_row(so, r->now_s, 111, name, app);
	ini_row(so, r->now_s, 112, desc, app);
	for (i = 0; i < (int)(sizeof(unassigned) / sizeof(unassigned[0])); i++)
		ini_row(so, r->now_s, unassigned[i], "unassigned", app);
}

void kf_sqlout_record(struct kf_sqlout *so, const struct kf_rec *r)
{
	const struct kf_flow *f = r->f;
	struct kf_nf_flowctx ctx;
	unsigned int dirs;

	start_rows(so, r->now_s);
	kf_row_l4(&so->row, r, so->agent);
	so->row_fn(so->eng, &so->row);
	if (!f->key.family)
		return; /* the overflow record: no flow for the NetFlow tables */
	meta_rows(so, r);
	so->win_start_ms = r->win->start_us / 1000;
	so->win_end_ms = r->win->end_us / 1000;
	kf_nf_flowctx_init(&ctx, r, so->init_ms, so->vrf);
	/* The directions IPFIX uniflow sends too. */
	dirs = kf_nf_uni_dirs(f, &ctx);
	if (dirs & KF_NF_UNI_CLIENT)
		transaction_row(so, r, &ctx, false);
	if (dirs & KF_NF_UNI_SERVER)
		transaction_row(so, r, &ctx, true);
	so->usage_dropped += kf_usage_add(&so->usage, &so->global, r);
}

static void usage_row(struct kf_sqlout *so, const struct kf_usage *u, bool global, __u64 now_s)
{
	struct kf_sql_row *row = &so->row;

#define SET(col, v)                                                                        \
	kf_row_int(row, kf_sql_col_find(row->t, #col), (v))
	kf_row_init(row, global ? KFT_RPT_GLB_USAGE_NF : KFT_RPT_USAGE_NF);
	SET(time_stamp, now_s);
	SET(head_time_stamp, (__s32)now_s);
	SET(head_source_id, (__s32)so->node_addr);
	SET(ingressInterface, u->ifindex);
	SET(flowDirection, u->dir);
	SET(flowStartSysUpTime, kf_nf_sysuptime(so->win_start_ms, so->init_ms));
	SET(flowEndSysUpTime, kf_nf_sysuptime(so->win_end_ms, so->init_ms));
	SET(packetDeltaCount, u->packets);
	SET(in_bytes, u->octets);
	SET(connectionCountNew, u->new_conns);
	SET(connectionSumDuration, u->duration_s);
	SET(ingressVRFID, so->vrf);
	SET(ipVersion, u->ipver);
	if (!global)
		SET(application_id, (__s32)u->app);
#undef SET
	so->row_fn(so->eng, row);
}

void kf_sqlout_interval_end(struct kf_sqlout *so, __u64 now_s)
{
	start_rows(so, now_s);
	tz_row(so, now_s);
	for (__u32 i = 0; i < so->usage.n; i++)
		usage_row(so, &so->usage.ent[i], false, now_s);
	for (__u32 i = 0; i < so->global.n; i++)
		usage_row(so, &so->global.ent[i], true, now_s);
	kf_usage_reset(&so->usage);
	kf_usage_reset(&so->global);
}

/* The node's first IPv4 address on an up, non-loopback interface: the
 * seed's head_source_id (the IPFIX exporter's address). 0 without one. */
static __u32 node_addr(void)
{
	struct ifaddrs *ifa, *i;
	__u32 a = 0;

	if (getifaddrs(&ifa))
		return 0;
	for (i = ifa; i && !a; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET && (i->ifa_flags & IFF_UP) &&
		    !(i->ifa_flags & IFF_LOOPBACK))
			a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
	freeifaddrs(ifa);
	return a;
}

int kf_sqlout_init(struct kf_sqlout *so, const struct kf_sink_env *env, kf_sql_row_fn fn,
		   void *eng)
{
	struct in_addr in;

	memset(so, 0, sizeof(*so));
	so->row_fn = fn;
	so->eng = eng;
	so->init_ms = env->init_ms;
	so->vrf = kf_nf_vrf();
	so->node_addr = node_addr();
	in.s_addr = htonl(so->node_addr);
	inet_ntop(AF_INET, &in, so->node_ip, sizeof(so->node_ip));
	if (gethostname(so->agent, sizeof(so->agent) - 1))
		snprintf(so->agent, sizeof(so->agent), "unknown");
	return 0;
}

void kf_sqlout_free(struct kf_sqlout *so)
{
	kf_usage_free(&so->usage);
	kf_usage_free(&so->global);
}
