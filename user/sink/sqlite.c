// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sqlite.c - the SQLite output (--output sqlite:PATH): one database file with
 * the tables of tools/sql, created when missing, in WAL mode so that
 * `sqlite3 PATH` reads while the agent writes. Each interval is one
 * transaction: its l4_flow_log, transaction, usage and metadata rows are
 * there together or not at all.
 *
 * A file that cannot be written (disk full, read-only, locked by another
 * writer past the busy timeout) costs the interval's rows: the transaction
 * is rolled back, its records counted as lost and one line logged, and the
 * agent goes on with its other outputs; the next interval tries again.
 * --retention HOURS deletes older flow and usage rows in each interval's
 * transaction.
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "log.h"
#include "sink.h"
#include "sqlrows.h"

#define LITE_BUSY_MS 500 /* another writer's lock: wait this long, then count */

struct kf_lite {
	const char *spec;
	sqlite3 *db;
	sqlite3_stmt *ins[KF_SQL_NTABLES];
	sqlite3_stmt *del[KF_SQL_NTABLES]; /* retention; NULL: kept */
	struct kf_sqlout so;
	unsigned int retention_h;
	bool in_tx; /* this interval's transaction is open */
	bool failed; /* ... and a statement of it failed: it is rolled back */
	char err[256]; /* the first failure of the interval */
	unsigned int iv_records; /* l4_flow_log rows of this interval */
	unsigned long long records, lost; /* since start */
};

/* The interval's first failure: SQLite's message, and the code's text when
 * it says more (an I/O error's kind). */
static void note_err(struct kf_lite *l, const char *msg, int rc)
{
	const char *code = sqlite3_errstr(rc);

	if (l->err[0])
		return;
	if (msg && strcmp(msg, code))
		snprintf(l->err, sizeof(l->err), "%s (%s)", msg, code);
	else
		snprintf(l->err, sizeof(l->err), "%s", code);
}

static int exec(struct kf_lite *l, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(l->db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK)
		note_err(l, msg, sqlite3_extended_errcode(l->db));
	sqlite3_free(msg);
	return rc;
}

static void fail(struct kf_lite *l)
{
	note_err(l, sqlite3_errmsg(l->db), sqlite3_extended_errcode(l->db));
	l->failed = true;
}

static void begin(struct kf_lite *l)
{
	if (l->in_tx)
		return;
	l->in_tx = true;
	l->failed = false;
	l->err[0] = '\0';
	if (exec(l, "BEGIN IMMEDIATE") != SQLITE_OK)
		l->failed = true;
}

static void lite_row(void *eng, const struct kf_sql_row *row)
{
	struct kf_lite *l = eng;
	sqlite3_stmt *st = l->ins[row->id];

	begin(l);
	if (l->failed)
		return;
	for (int i = 0; i < row->t->ncols; i++) {
		const struct kf_sql_val *v = &row->v[i];

		switch (row->t->cols[i].kind) {
		case KF_SQL_REAL:
			sqlite3_bind_double(st, i + 1, v->d);
			break;
		case KF_SQL_TEXT:
			sqlite3_bind_text(st, i + 1, v->p, v->len, SQLITE_STATIC);
			break;
		case KF_SQL_BLOB:
			sqlite3_bind_blob(st, i + 1, v->p, v->len, SQLITE_STATIC);
			break;
		default:
			sqlite3_bind_int64(st, i + 1, v->i);
			break;
		}
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		fail(l);
	sqlite3_reset(st);
}

static void lite_record(struct kf_sink *s, const struct kf_rec *r)
{
	struct kf_lite *l = s->priv;

	l->iv_records++;
	kf_sqlout_record(&l->so, r);
}

static void retention(struct kf_lite *l, __u64 now_s)
{
	for (int i = 0; i < KF_SQL_NTABLES && !l->failed; i++) {
		sqlite3_stmt *st = l->del[i];

		if (!st)
			continue;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)now_s - l->retention_h * 3600LL);
		if (sqlite3_step(st) != SQLITE_DONE)
			fail(l);
		sqlite3_reset(st);
	}
}

static void lite_interval_end(struct kf_sink *s, __u64 now_s)
{
	struct kf_lite *l = s->priv;

	kf_sqlout_interval_end(&l->so, now_s);
	if (l->retention_h) {
		begin(l);
		retention(l, now_s);
	}
	if (!l->in_tx)
		return;
	if (!l->failed && exec(l, "COMMIT") != SQLITE_OK)
		l->failed = true;
	if (l->failed) {
		if (sqlite3_get_autocommit(l->db) == 0)
			sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
		l->lost += l->iv_records;
		pr_warn("--output %s: %u records of this interval not written: %s; %llu since "
			"start\n",
			l->spec, l->iv_records, l->err, l->lost);
	}
	l->records += l->iv_records;
	l->iv_records = 0;
	l->in_tx = false;
}

static void lite_stats(const struct kf_sink *s, struct kf_sink_stats *st)
{
	const struct kf_lite *l = s->priv;

	st->failed = l->lost;
	st->records = l->records - l->lost;
}

static void lite_free(struct kf_lite *l)
{
	for (int i = 0; i < KF_SQL_NTABLES; i++) {
		sqlite3_finalize(l->ins[i]);
		sqlite3_finalize(l->del[i]);
	}
	sqlite3_close(l->db);
	kf_sqlout_free(&l->so);
	free(l);
}

static bool lite_close(struct kf_sink *s)
{
	struct kf_sink_stats st = {};

	lite_interval_end(s, time(NULL));
	lite_stats(s, &st);
	lite_free(s->priv);
	s->priv = NULL;
	return st.failed > 0;
}

/* The tables, an index on each one's time column, and the statements. */
static int prepare(struct kf_lite *l)
{
	char sql[4096];

	for (int i = 0; i < KF_SQL_NTABLES; i++) {
		const struct kf_sql_table *t = &kf_sql_tables[i];
		size_t n;

		if (exec(l, t->lite_ddl) != SQLITE_OK)
			return -1;
		snprintf(sql, sizeof(sql), "CREATE INDEX IF NOT EXISTS %s_%s ON %s (%s)", t->name,
			 t->time_col, t->name, t->time_col);
		if (exec(l, sql) != SQLITE_OK)
			return -1;
		n = snprintf(sql, sizeof(sql), "INSERT INTO %s VALUES (?", t->name);
		for (int c = 1; c < t->ncols && n < sizeof(sql) - 4; c++)
			n += snprintf(sql + n, sizeof(sql) - n, ", ?");
		snprintf(sql + n, sizeof(sql) - n, ")");
		if (sqlite3_prepare_v2(l->db, sql, -1, &l->ins[i], NULL) != SQLITE_OK)
			goto prep_fail;
		/* Metadata (time zone, NF_INI_VALUES) is kept: written once. */
		if (!l->retention_h || !strstr(t->ch_ddl, "PARTITION BY"))
			continue;
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE %s < ?", t->name, t->time_col);
		if (sqlite3_prepare_v2(l->db, sql, -1, &l->del[i], NULL) != SQLITE_OK)
			goto prep_fail;
	}
	return 0;
prep_fail:
	snprintf(l->err, sizeof(l->err), "%s", sqlite3_errmsg(l->db));
	return -1;
}

/* Records name processes and pods: a database kflow creates gets exactly
 * --output-mode, as a jsonl file does, whatever the umask. SQLite would
 * create it with 0644 & ~umask; it gives the -wal and -shm files the mode
 * of the database, so creating the (empty) database first is enough. An
 * existing file keeps its mode. */
static int create_db(const char *spec, const char *path, unsigned int mode)
{
	int fd, err;

	if (!*path || !strcmp(path, ":memory:")) /* no file (refused below: no WAL) */
		return 0;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0 && errno == EEXIST)
		return 0;
	if (fd < 0) {
		err = -errno;
		pr_warn("error: --output %s: cannot open %s: %s\n", spec, path, strerror(errno));
		return err;
	}
	if (fchmod(fd, mode))
		pr_warn("%s: cannot set mode %04o: %s\n", spec, mode, strerror(errno));
	close(fd);
	return 0;
}

static int lite_open(struct kf_sink *s, const char *arg, const struct kf_sink_env *env)
{
	struct kf_lite *l = calloc(1, sizeof(*l));
	sqlite3_stmt *st = NULL;
	const char *mode = NULL;
	int rc, err;

	if (!l)
		return -ENOMEM;
	l->spec = s->spec;
	l->retention_h = env->o->retention_h;
	kf_sqlout_init(&l->so, env, lite_row, l);
	err = create_db(s->spec, arg, env->o->output_mode);
	if (err) {
		lite_free(l);
		return err;
	}
	rc = sqlite3_open_v2(arg, &l->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		pr_warn("error: --output %s: cannot open %s: %s\n", s->spec, arg,
			l->db ? sqlite3_errmsg(l->db) : sqlite3_errstr(rc));
		goto fail;
	}
	/* SQLite falls back to reading a file it may not write: refused here,
	 * or every interval would fail. */
	if (sqlite3_db_readonly(l->db, "main") == 1) {
		pr_warn("error: --output %s: %s is read-only\n", s->spec, arg);
		goto fail;
	}
	sqlite3_busy_timeout(l->db, LITE_BUSY_MS);
	/* WAL: readers (sqlite3 in a shell) never block the agent's writes. */
	if (sqlite3_prepare_v2(l->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		mode = (const char *)sqlite3_column_text(st, 0);
	if (!mode || strcmp(mode, "wal")) {
		pr_warn("error: --output %s: cannot switch %s to WAL mode: %s\n", s->spec, arg,
			mode ? mode : sqlite3_errmsg(l->db));
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	exec(l, "PRAGMA synchronous=NORMAL");
	l->err[0] = '\0';
	if (prepare(l)) {
		pr_warn("error: --output %s: cannot create the tables in %s: %s\n", s->spec, arg,
			l->err);
		goto fail;
	}
	s->priv = l;
	return 0;
fail:
	lite_free(l);
	return -EIO;
}

const struct kf_sink_ops kf_sink_sqlite = {
	.scheme = "sqlite",
	.open = lite_open,
	.record = lite_record,
	.interval_end = lite_interval_end,
	.close = lite_close,
	.stats = lite_stats,
};
