// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * clickhouse.c - the ClickHouse output (--output clickhouse:http://HOST:PORT/DB):
 * the tables of tools/sql, filled over ClickHouse's HTTP interface with
 * libcurl, one INSERT ... FORMAT TabSeparated per table and interval.
 *
 * A ClickHouse that is down or slow never holds the agent up: the agent
 * thread only appends each interval's batches to a bounded backlog
 * (chbacklog.c); a sender thread of this output posts them, oldest first,
 * over one kept-alive connection with bounded timeouts (connect 3 s, a
 * request 30 s, at start 10 s). No curl multi interface: all the waiting
 * happens in that thread. A failed batch stays at the front and is retried
 * with exponential backoff (1 s to 30 s); when the backlog is full the
 * oldest batches are dropped, counted and logged. A batch the server refuses ten
 * times (bad data, not an outage) is dropped the same way, so that it
 * cannot block the ones after it.
 *
 * Delivery is at least once: a request that timed out after the server
 * stored it is sent again, and a row may then be there twice; every
 * l4_flow_log row carries (agent, interval_end, flow_id) to find them.
 *
 * The database and tables are created at start (and again after an outage,
 * in case the server lost them). Retention (--retention HOURS) drops the
 * hourly partitions whose rows are all older: ClickHouse 18.16 has no TTL.
 */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "chbacklog.h"
#include "log.h"
#include "sink.h"
#include "sqlrows.h"

#define CH_CONNECT_MS 3000
#define CH_REQUEST_S 30
#define CH_START_S 10 /* a request at start, in the agent's thread */
#define CH_BACKOFF_MAX_S 30
#define CH_MAX_REFUSALS 10 /* answers with an error before a batch is dropped */
#define CH_EXIT_WAIT_MS 5000 /* at exit, what the sender may still take */

struct ch_buf {
	char *p;
	size_t len, cap;
	unsigned int rows, records;
};

struct kf_ch {
	const char *spec;
	char url[256]; /* http://HOST:PORT/ */
	char db[64];
	char user[64];
	char password[256];
	unsigned int retention_h;
	struct kf_sqlout so;
	struct ch_buf tab[KF_SQL_NTABLES]; /* this interval's rows, TabSeparated */
	unsigned long long records, nomem; /* since start */
	/* shared with the sender, under mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct kf_ch_backlog q;
	bool stop;
	__u64 stop_by_ms;
	unsigned long long logged_drops; /* dropped batches already logged */
	/* the sender's own */
	pthread_t thr;
	CURL *curl;
	bool schema_ok;
	bool schema_db; /* the database exists: requests name it */
	bool down;
	unsigned int backoff_s;
	__u64 next_try_ms;
	__u64 next_retention_s;
};

static void curl_global_init_wrapper(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static __u64 mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct answer {
	char text[512];
	size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t room = sizeof(a->text) - 1 - a->len, got = size * n;

	if (got < room)
		room = got;
	memcpy(a->text + a->len, p, room);
	a->len += room;
	a->text[a->len] = '\0';
	return got;
}

/* A request still running when the exit wait is over is cut short. */
static int on_progress(void *arg, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
	struct kf_ch *c = arg;

	return __atomic_load_n(&c->stop, __ATOMIC_RELAXED) &&
	       mono_ms() >= __atomic_load_n(&c->stop_by_ms, __ATOMIC_RELAXED);
}

/* One request: query in the URL (or the body when query is NULL). Returns
 * 0, -1 when the server could not be reached (why in msg), or 1 when it
 * answered with an error (its message in msg). The answer's body goes to
 * out when given. */
static int ch_request(struct kf_ch *c, const char *query, const char *body, size_t len,
		      char *msg, size_t msglen, struct answer *out)
{
	char url[1024], *q = NULL;
	struct answer a = { .len = 0 };
	long status = 0;
	CURLcode rc;

	if (query) {
		q = curl_easy_escape(c->curl, query, 0);
		if (!q) {
			snprintf(msg, msglen, "no memory");
			return -1;
		}
	}
	/* Before the database exists, none is named (CREATE DATABASE): the
	 * user's default one may be out of its reach. */
	snprintf(url, sizeof(url), "%s?%s%s%s%s", c->url, c->schema_db ? "database=" : "",
		 c->schema_db ? c->db : "", q ? "&query=" : "", q ? q : "");
	curl_free(q);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, out ? out : &a);
	rc = curl_easy_perform(c->curl);
	if (rc != CURLE_OK) {
		snprintf(msg, msglen, "%s", curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status == 200)
		return 0;
	if (out)
		a = *out;
	a.text[strcspn(a.text, "\n")] = '\0';
	snprintf(msg, msglen, "HTTP %ld: %s", status, a.len ? a.text : "(no message)");
	return 1;
}

/* The database, then every table, created when missing. */
static int ch_setup(struct kf_ch *c, char *msg, size_t msglen)
{
	char sql[128];
	int ret;

	c->schema_db = false;
	snprintf(sql, sizeof(sql), "CREATE DATABASE IF NOT EXISTS %s", c->db);
	ret = ch_request(c, NULL, sql, strlen(sql), msg, msglen, NULL);
	if (ret) {
		size_t n = strlen(msg);

		snprintf(msg + n, msglen - n, " (CREATE DATABASE %s)", c->db);
		return ret;
	}
	c->schema_db = true;
	for (int i = 0; i < KF_SQL_NTABLES; i++) {
		const char *ddl = kf_sql_tables[i].ch_ddl;

		ret = ch_request(c, NULL, ddl, strlen(ddl), msg, msglen, NULL);
		if (ret) {
			size_t n = strlen(msg);

			snprintf(msg + n, msglen - n, " (CREATE TABLE %s)", kf_sql_tables[i].name);
			return ret;
		}
	}
	return 0;
}

/* Drops the hourly partitions of the flow and usage tables whose newest
 * row is older than the retention. */
static void ch_retention(struct kf_ch *c)
{
	time_t now = time(NULL);
	char q[512], msg[600];

	if (!c->retention_h || (__u64)now < c->next_retention_s)
		return;
	c->next_retention_s = now + 60;
	for (int i = 0; i < KF_SQL_NTABLES; i++) {
		const struct kf_sql_table *t = &kf_sql_tables[i];
		struct answer ids = { .len = 0 };
		char *save = NULL;

		if (!strstr(t->ch_ddl, "PARTITION BY"))
			continue;
		snprintf(q, sizeof(q),
			 "SELECT DISTINCT partition_id FROM system.parts WHERE database = '%s' AND "
			 "table = '%s' AND active AND max_time < toDateTime(%lld)",
			 c->db, t->name, (long long)now - c->retention_h * 3600LL);
		if (ch_request(c, q, "", 0, msg, sizeof(msg), &ids)) {
			pr_warn("clickhouse %s: retention of %s: %s\n", c->spec, t->name, msg);
			continue;
		}
		for (char *id = strtok_r(ids.text, "\n", &save); id; id = strtok_r(NULL, "\n", &save)) {
			snprintf(q, sizeof(q), "ALTER TABLE %s DROP PARTITION ID '%s'", t->name, id);
			if (ch_request(c, NULL, q, strlen(q), msg, sizeof(msg), NULL))
				pr_warn("clickhouse %s: retention: %s: %s\n", c->spec, q, msg);
			else
				pr_info("clickhouse %s: retention: dropped %s partition %s\n", c->spec,
					t->name, id);
		}
	}
}

/* Sends one batch. 0, -1 (unreachable) or 1 (refused), as ch_request. */
static int ch_send(struct kf_ch *c, const struct kf_ch_batch *b, char *msg, size_t msglen)
{
	char q[128];
	int ret;

	if (!c->schema_ok) {
		ret = ch_setup(c, msg, msglen);
		if (ret)
			return ret;
		c->schema_ok = true;
	}
	snprintf(q, sizeof(q), "INSERT INTO %s FORMAT TabSeparated", kf_sql_tables[b->table].name);
	ret = ch_request(c, q, b->data, b->len, msg, msglen, NULL);
	if (ret) {
		c->schema_ok = false; /* a lost table is created again */
		return ret;
	}
	ch_retention(c);
	return 0;
}

static void wait_until(struct kf_ch *c, __u64 ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };

	pthread_cond_timedwait(&c->cv, &c->mu, &ts);
}

static void *sender(void *arg)
{
	struct kf_ch *c = arg;
	char msg[600];

	pthread_mutex_lock(&c->mu);
	for (;;) {
		struct kf_ch_batch *b;
		__u64 now = mono_ms();
		int ret;

		if (c->stop && (!c->q.head || now >= c->stop_by_ms))
			break;
		if (!c->q.head) {
			pthread_cond_wait(&c->cv, &c->mu);
			continue;
		}
		if (now < c->next_try_ms) {
			wait_until(c, c->stop && c->stop_by_ms < c->next_try_ms ? c->stop_by_ms :
										     c->next_try_ms);
			continue;
		}
		b = kf_chb_take(&c->q);
		pthread_mutex_unlock(&c->mu);
		ret = ch_send(c, b, msg, sizeof(msg));
		pthread_mutex_lock(&c->mu);
		if (!ret) {
			kf_chb_done(&c->q, b);
			c->backoff_s = 0;
			c->next_try_ms = 0;
			if (c->down)
				pr_info("clickhouse %s: delivering again (%zu bytes waiting)\n", c->spec,
					c->q.bytes);
			c->down = false;
			continue;
		}
		b->attempts += ret > 0;
		if (b->attempts >= CH_MAX_REFUSALS) {
			pr_warn("clickhouse %s: %s batch of %u rows dropped: refused %u times: %s\n",
				c->spec, kf_sql_tables[b->table].name, b->rows, b->attempts, msg);
			kf_chb_drop(&c->q, b);
		} else {
			kf_chb_requeue(&c->q, b);
		}
		c->backoff_s = c->backoff_s ? c->backoff_s * 2 : 1;
		if (c->backoff_s > CH_BACKOFF_MAX_S)
			c->backoff_s = CH_BACKOFF_MAX_S;
		c->next_try_ms = mono_ms() + c->backoff_s * 1000ULL;
		if (!c->down)
			pr_warn("clickhouse %s: %s; batches wait in the backlog (at most %zu bytes), "
				"retried with backoff\n",
				c->spec, msg, c->q.limit);
		c->down = true;
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

static int grow(struct ch_buf *o, size_t more)
{
	size_t cap = o->cap ? o->cap : 65536;
	char *np;

	if (o->len + more <= o->cap)
		return 0;
	while (cap < o->len + more)
		cap *= 2;
	np = realloc(o->p, cap);
	if (!np)
		return -ENOMEM;
	o->p = np;
	o->cap = cap;
	return 0;
}

/* TabSeparated: \\, tab, newline, CR and NUL escaped; other bytes as they are. */
static int put_escaped(struct ch_buf *o, const char *p, size_t n)
{
	if (grow(o, 2 * n))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char e = p[i] == '\\' ? '\\' : p[i] == '\t' ? 't' : p[i] == '\n' ? 'n' :
			 p[i] == '\r' ? 'r' : p[i] == '\0' ? '0' : 0;

		if (e) {
			o->p[o->len++] = '\\';
			o->p[o->len++] = e;
		} else {
			o->p[o->len++] = p[i];
		}
	}
	return 0;
}

/* The row appended to its table's batch of this interval. */
static void ch_row(void *eng, const struct kf_sql_row *row)
{
	struct kf_ch *c = eng;
	struct ch_buf *o = &c->tab[row->id];
	size_t start = o->len;
	int err = 0;

	for (int i = 0; i < row->t->ncols && !err; i++) {
		const struct kf_sql_val *v = &row->v[i];
		char num[32];
		int n = 0;

		switch (row->t->cols[i].kind) {
		case KF_SQL_UINT:
			n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v->i);
			break;
		case KF_SQL_INT:
		case KF_SQL_TIME:
			n = snprintf(num, sizeof(num), "%lld", (long long)v->i);
			break;
		case KF_SQL_REAL:
			n = snprintf(num, sizeof(num), "%.17g", v->d);
			break;
		case KF_SQL_TEXT:
		case KF_SQL_BLOB:
			err = put_escaped(o, v->p, v->len);
			break;
		}
		if (!err && n)
			err = put_escaped(o, num, n);
		if (!err && !(err = grow(o, 1)))
			o->p[o->len++] = i + 1 < row->t->ncols ? '\t' : '\n';
	}
	if (err) {
		o->len = start;
		c->nomem += row->id == KFT_l4_flow_log;
		return;
	}
	o->rows++;
	o->records += row->id == KFT_l4_flow_log;
}

/* The interval's batches go to the backlog; the sender takes it from there. */
static void ch_interval_end(struct kf_sink *s, __u64 now_s)
{
	struct kf_ch *c = s->priv;
	unsigned long long dropped, rows, records;

	kf_sqlout_interval_end(&c->so, now_s);
	pthread_mutex_lock(&c->mu);
	for (int i = 0; i < KF_SQL_NTABLES; i++) {
		struct ch_buf *o = &c->tab[i];
		struct kf_ch_batch *b;

		if (!o->rows)
			continue;
		b = kf_chb_new(i, o->len);
		if (!b) {
			c->nomem += o->records;
		} else {
			memcpy(b->data, o->p, o->len);
			b->rows = o->rows;
			b->records = o->records;
			kf_chb_push(&c->q, b);
		}
		o->len = 0;
		o->rows = 0;
		o->records = 0;
	}
	dropped = c->q.dropped_batches - c->logged_drops;
	c->logged_drops = c->q.dropped_batches;
	rows = c->q.dropped_rows;
	records = c->q.dropped_records;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (dropped)
		pr_warn("clickhouse %s: %llu batches dropped, oldest first (backlog of %zu bytes "
			"full or batches refused); since start %llu rows, %llu of them l4_flow_log\n",
			c->spec, dropped, c->q.limit, rows, records);
}

static void ch_record(struct kf_sink *s, const struct kf_rec *r)
{
	struct kf_ch *c = s->priv;

	c->records++;
	kf_sqlout_record(&c->so, r);
}

static void ch_stats(const struct kf_sink *s, struct kf_sink_stats *st)
{
	struct kf_ch *c = s->priv;

	pthread_mutex_lock(&c->mu);
	st->failed = c->q.dropped_records + c->nomem;
	pthread_mutex_unlock(&c->mu);
	st->records = c->records - st->failed;
}

static void ch_free(struct kf_ch *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	kf_chb_free(&c->q);
	for (int i = 0; i < KF_SQL_NTABLES; i++)
		free(c->tab[i].p);
	kf_sqlout_free(&c->so);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	memset(c->password, 0, sizeof(c->password));
	free(c);
}

/* The sender gets CH_EXIT_WAIT_MS to deliver what waits; the rest is
 * counted and logged as lost. */
static bool ch_close(struct kf_sink *s)
{
	struct kf_ch *c = s->priv;
	struct kf_sink_stats st = {};
	bool lost;

	ch_interval_end(s, time(NULL));
	pthread_mutex_lock(&c->mu);
	__atomic_store_n(&c->stop_by_ms, mono_ms() + CH_EXIT_WAIT_MS, __ATOMIC_RELAXED);
	__atomic_store_n(&c->stop, true, __ATOMIC_RELAXED);
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thr, NULL);
	if (c->q.head) {
		unsigned long long rows = 0, records = 0;

		for (struct kf_ch_batch *b = c->q.head; b; b = b->next) {
			rows += b->rows;
			records += b->records;
		}
		pr_warn("clickhouse %s: %llu rows (%llu l4_flow_log) not delivered at exit: the "
			"server is away\n",
			c->spec, rows, records);
	}
	ch_stats(s, &st);
	lost = c->q.head || st.failed;
	ch_free(c);
	s->priv = NULL;
	return lost;
}

/* http://HOST:PORT/DATABASE; the database a plain name: it goes into SQL. */
static int parse_url(struct kf_ch *c, const char *arg)
{
	const char *p = arg, *slash;
	size_t n;

	if (strncmp(p, "http://", 7) && strncmp(p, "https://", 8))
		goto bad;
	p += p[4] == 's' ? 8 : 7;
	slash = strchr(p, '/');
	if (!slash || slash == p || !slash[1] || memchr(p, '@', slash - p))
		goto bad;
	n = slash - arg + 1;
	if (n >= sizeof(c->url) || strlen(slash + 1) >= sizeof(c->db))
		goto bad;
	memcpy(c->url, arg, n);
	c->url[n] = '\0';
	strcpy(c->db, slash + 1);
	if (strspn(c->db, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
	    strlen(c->db))
		goto bad;
	return 0;
bad:
	pr_warn("error: --output clickhouse:%s: expected clickhouse:http://HOST:PORT/DATABASE "
		"(a database of letters, digits and '_'; no user or password in the URL)\n",
		arg);
	return -EINVAL;
}

/* The password: the file's first line, else $KFLOW_CLICKHOUSE_PASSWORD,
 * else none. Never the command line (everyone can read it). */
static int read_password(struct kf_ch *c, const struct kf_opts *o)
{
	const char *env = getenv("KFLOW_CLICKHOUSE_PASSWORD");
	FILE *f;

	if (!o->clickhouse_password_file) {
		snprintf(c->password, sizeof(c->password), "%s", env ? env : "");
		return 0;
	}
	f = fopen(o->clickhouse_password_file, "re");
	if (!f) {
		int err = -errno;

		pr_warn("error: --clickhouse-password-file %s: %s\n", o->clickhouse_password_file,
			strerror(errno));
		return err;
	}
	if (!fgets(c->password, sizeof(c->password), f))
		c->password[0] = '\0';
	fclose(f);
	c->password[strcspn(c->password, "\r\n")] = '\0';
	return 0;
}

static int ch_open(struct kf_sink *s, const char *arg, const struct kf_sink_env *env)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct kf_ch *c = calloc(1, sizeof(*c));
	pthread_condattr_t ca;
	sigset_t all, old;
	char msg[600];
	int err, ret;

	if (!c)
		return -ENOMEM;
	pthread_once(&once, curl_global_init_wrapper);
	pthread_mutex_init(&c->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	c->spec = s->spec;
	c->q.limit = env->o->clickhouse_backlog;
	c->retention_h = env->o->retention_h;
	snprintf(c->user, sizeof(c->user), "%s",
		 env->o->clickhouse_user ? env->o->clickhouse_user : "default");
	err = parse_url(c, arg);
	if (!err)
		err = read_password(c, env->o);
	if (!err)
		err = kf_sqlout_init(&c->so, env, ch_row, c);
	if (err)
		goto fail;
	c->curl = curl_easy_init();
	if (!c->curl) {
		err = -ENOMEM;
		goto fail;
	}
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, (long)CH_CONNECT_MS);
	curl_easy_setopt(c->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(c->curl, CURLOPT_USERNAME, c->user);
	curl_easy_setopt(c->curl, CURLOPT_PASSWORD, c->password);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, c);
	curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
	/* Start waits for a silent server at most this long per request. */
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, (long)CH_START_S);
	/* At start, in the agent's thread: a server that answers with an error
	 * (password, rights) is a configuration error; one that cannot be
	 * reached may come up later. */
	ret = ch_setup(c, msg, sizeof(msg));
	if (ret > 0) {
		pr_warn("error: --output %s: %s\n", s->spec, msg);
		err = -EACCES;
		goto fail;
	}
	c->schema_ok = !ret;
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, (long)CH_REQUEST_S);
	if (ret) {
		pr_warn("clickhouse %s: %s; batches wait in the backlog (at most %zu bytes), "
			"retried with backoff\n",
			s->spec, msg, c->q.limit);
		c->down = true;
	}
	/* Signals stay with the agent's thread (its signalfd): the sender
	 * starts with every signal blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&c->thr, NULL, sender, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pr_warn("error: --output %s: cannot start the sender thread: %s\n", s->spec,
			strerror(-err));
		goto fail;
	}
	s->priv = c;
	return 0;
fail:
	ch_free(c);
	return err;
}

const struct kf_sink_ops kf_sink_clickhouse = {
	.scheme = "clickhouse",
	.open = ch_open,
	.record = ch_record,
	.interval_end = ch_interval_end,
	.close = ch_close,
	.stats = ch_stats,
};
