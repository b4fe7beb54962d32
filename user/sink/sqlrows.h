/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sqlrows.h - the rows of the database tables, built once for either engine:
 * l4_flow_log from the record's fields (the JSON line's), RPT_TRANSACTION_NF
 * and the usage tables from nfvalues.c (the IPFIX records'), NF_INI_VALUES
 * and CONF_TZ_OFFSET_NF from what the IPFIX options carry. An engine
 * (sqlite.c, clickhouse.c) is handed each row and writes it its way.
 */
#ifndef KF_SQLROWS_H
#define KF_SQLROWS_H

#include <stdbool.h>
#include "ipfix_usage.h"
#include "record.h"
#include "sink.h"
#include "sqlschema.h"

struct kf_sql_val {
	__s64 i; /* INT, UINT (two's complement), TIME */
	double d; /* REAL */
	const char *p; /* TEXT, BLOB */
	size_t len;
};

struct kf_sql_row {
	const struct kf_sql_table *t;
	enum kf_sql_table_id id;
	struct kf_sql_val v[KF_SQL_MAX_COLS];
	char arena[4096]; /* the row's strings */
	size_t used;
	int hint; /* the column the next l4_flow_log field likely names */
};

typedef void (*kf_sql_row_fn)(void *eng, const struct kf_sql_row *row);

/* The rows of one output, interval by interval. */
struct kf_sqlout {
	kf_sql_row_fn row_fn;
	void *eng;
	__u64 init_ms; /* the agent's start: the sysUpTime pair */
	__u32 vrf; /* ingressVRFID */
	__u32 node_addr; /* head_source_id: the node's IPv4 address */
	char node_ip[16]; /* nf_ip: the same, dotted */
	char agent[64]; /* l4_flow_log.agent: the host name */
	int tz_min; /* the offset last written to CONF_TZ_OFFSET_NF */
	bool started; /* the start rows (NF_INI_VALUES 5 and 131, time zone) went out */
	struct kf_usage_tab usage, global;
	unsigned long long usage_dropped; /* aggregates without memory, this interval */
	__u64 win_start_ms, win_end_ms;
	__u32 ifs[256]; /* interfaces described in NF_INI_VALUES */
	int nifs;
	__u32 apps[1024]; /* applications described */
	int napps;
	struct kf_sql_row row; /* scratch */
};

int kf_sqlout_init(struct kf_sqlout *so, const struct kf_sink_env *env, kf_sql_row_fn fn,
		   void *eng);
/* r's l4_flow_log row, its transaction rows, new NF_INI_VALUES rows; its
 * usage is added to the interval's aggregates. */
void kf_sqlout_record(struct kf_sqlout *so, const struct kf_rec *r);
/* The interval's usage and global usage rows, the time zone when it moved. */
void kf_sqlout_interval_end(struct kf_sqlout *so, __u64 now_s);
void kf_sqlout_free(struct kf_sqlout *so);

/* Row building, for the above and the unit test. */
void kf_row_init(struct kf_sql_row *row, enum kf_sql_table_id id);
void kf_row_int(struct kf_sql_row *row, int col, __s64 v);
void kf_row_real(struct kf_sql_row *row, int col, double v);
void kf_row_text(struct kf_sql_row *row, int col, const char *s);
void kf_row_blob(struct kf_sql_row *row, int col, const void *p, size_t len);
/* l4_flow_log row of r. */
void kf_row_l4(struct kf_sql_row *row, const struct kf_rec *r, const char *agent);

#endif /* KF_SQLROWS_H */
