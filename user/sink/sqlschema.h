/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* sqlschema.h - the database tables as the SQL files in tools/sql define them: the DDL
 * of both engines and the columns, generated at build time. */
#ifndef KF_SQLSCHEMA_H
#define KF_SQLSCHEMA_H

/* How a column's value is held and written. */
enum kf_sql_kind {
	KF_SQL_INT, /* Int*: signed */
	KF_SQL_UINT, /* UInt*: unsigned (SQLite stores 64 bits signed) */
	KF_SQL_REAL, /* Float64 */
	KF_SQL_TEXT, /* String */
	KF_SQL_BLOB, /* FixedString(len) */
	KF_SQL_TIME, /* DateTime: Unix seconds (SQLite: INTEGER) */
};

struct kf_sql_col {
	const char *name;
	const char *type; /* as in the SQL file (ClickHouse) */
	enum kf_sql_kind kind;
	unsigned int len; /* FixedString's */
};

struct kf_sql_table {
	const char *name;
	const char *time_col; /* the first ORDER BY column: retention and index */
	const char *ch_ddl; /* CREATE TABLE IF NOT EXISTS ..., ClickHouse */
	const char *lite_ddl; /* the same table for SQLite */
	const struct kf_sql_col *cols;
	int ncols;
};

#include "sqlschema_gen.h"

extern const struct kf_sql_table *const kf_sql_tables;

/* The column called name, or -1. */
int kf_sql_col_find(const struct kf_sql_table *t, const char *name);

#endif /* KF_SQLSCHEMA_H */
