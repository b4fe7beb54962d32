// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sqlschema.c - the tables of the SQL files in tools/sql, compiled in: what the SQLite
 * and ClickHouse outputs create and fill is what the repository's SQL files
 * say, by construction. */
#include <string.h>
/* The generated header holds the tables' data for this file only. */
#define KF_SQLSCHEMA_DATA
#include "sqlschema.h"

const struct kf_sql_table *const kf_sql_tables = kf_sql_tables_gen;

int kf_sql_col_find(const struct kf_sql_table *t, const char *name)
{
	for (int i = 0; i < t->ncols; i++)
		if (!strcmp(t->cols[i].name, name))
			return i;
	return -1;
}
