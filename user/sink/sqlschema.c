// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sqlschema.c - the tables of the SQL files in tools/sql, compiled in: what the SQLite
 * and ClickHouse outputs create and fill is what the repository's SQL files
 * say, by construction. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
/* The generated header holds the tables' data for this file only. */
#define KF_SQLSCHEMA_DATA
#include "sqlschema.h"

const struct kf_sql_table *const kf_sql_tables = kf_sql_tables_gen;

/* Column positions sorted by name, per table, for a binary search: a row
 * of l4_flow_log looks up every field the JSON line has. Built on first
 * use, by the one thread that builds rows. */
_Static_assert(KF_SQL_MAX_COLS <= 256, "column positions are unsigned char");
static unsigned char sorted[KF_SQL_NTABLES][KF_SQL_MAX_COLS];
static bool sorted_ready[KF_SQL_NTABLES];
static const struct kf_sql_table *sort_table;

static int by_name(const void *a, const void *b)
{
	return strcmp(sort_table->cols[*(const unsigned char *)a].name,
		      sort_table->cols[*(const unsigned char *)b].name);
}

int kf_sql_col_find(const struct kf_sql_table *t, const char *name)
{
	int id = t - kf_sql_tables, lo = 0, hi = t->ncols - 1;
	unsigned char *idx = sorted[id];

	if (!sorted_ready[id]) {
		for (int i = 0; i < t->ncols; i++)
			idx[i] = i;
		sort_table = t;
		qsort(idx, t->ncols, 1, by_name);
		sorted_ready[id] = true;
	}
	while (lo <= hi) {
		int mid = (lo + hi) / 2, cmp = strcmp(name, t->cols[idx[mid]].name);

		if (!cmp)
			return idx[mid];
		if (cmp < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}
