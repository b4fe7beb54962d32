// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * jsonlfile.c - jsonl outputs that never hold a partial line. Records queue
 * in memory as whole lines and go out in large writes; when a write comes
 * up short (disk full, quota), a regular file is cut back to the last whole
 * line it got and every record not written whole is counted as lost, so the
 * next record starts a line of its own. A line cut by a killed writer is
 * removed when the file is opened again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "jsonlfile.h"
#include "log.h"
#include "sink.h"

#define KF_JSONL_CHUNK (1 << 20) /* queued bytes that trigger a write */

static unsigned long long count_lines(const char *p, size_t n)
{
	unsigned long long c = 0;

	for (const char *e = p + n; (p = memchr(p, '\n', e - p)); p++)
		c++;
	return c;
}

/* Cuts a partial last line (no '\n' at the end) off a regular file. */
static int cut_partial_line(struct kf_jsonl *j)
{
	char tail[4096];
	off_t end = lseek(j->fd, 0, SEEK_END), pos = end;

	while (pos > 0) {
		size_t n = pos < (off_t)sizeof(tail) ? (size_t)pos : sizeof(tail);
		ssize_t got = pread(j->fd, tail, n, pos - n);
		char *nl;

		if (got != (ssize_t)n)
			return -EIO;
		if (pos == end && tail[n - 1] == '\n')
			return 0;
		nl = memrchr(tail, '\n', n);
		if (nl) {
			pos -= n - (nl - tail) - 1;
			break;
		}
		pos -= n;
	}
	if (pos == end)
		return 0;
	if (ftruncate(j->fd, pos))
		return -errno;
	pr_warn("%s: cut %lld bytes of a partial record at its end (a writer was killed)\n",
		j->spec, (long long)(end - pos));
	return 0;
}

int kf_jsonl_open(struct kf_jsonl *j, const char *spec, unsigned int mode)
{
	const char *path = spec + strlen("jsonl:");
	struct stat st;
	int err;

	memset(j, 0, sizeof(*j));
	j->spec = spec;
	if (!strcmp(path, "-")) {
		j->fd = STDOUT_FILENO;
	} else {
		/* Created here: exactly mode, whatever the umask. */
		j->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, mode);
		if (j->fd >= 0 && fchmod(j->fd, mode))
			pr_warn("%s: cannot set mode %04o: %s\n", spec, mode, strerror(errno));
		else if (j->fd < 0 && errno == EEXIST)
			j->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
		if (j->fd < 0) {
			err = -errno;
			pr_warn("error: --output %s: cannot open %s: %s\n", spec, path,
				strerror(errno));
			return err;
		}
	}
	j->seekable = !fstat(j->fd, &st) && S_ISREG(st.st_mode);
	/* Only a file of ours: stdout's file is the caller's. */
	if (j->seekable && j->fd != STDOUT_FILENO && (err = cut_partial_line(j))) {
		pr_warn("error: --output %s: cannot repair its partial last line: %s\n", spec,
			strerror(-err));
		kf_jsonl_close(j);
		return err;
	}
	return 0;
}

static void write_queued(struct kf_jsonl *j)
{
	off_t start = j->seekable ? lseek(j->fd, 0, j->fd == STDOUT_FILENO ? SEEK_CUR : SEEK_END) : 0;
	size_t done = 0;

	while (done < j->len) {
		ssize_t n = write(j->fd, j->buf + done, j->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			j->err = n < 0 ? errno : ENOSPC;
			break;
		}
		done += n;
	}
	if (done < j->len) {
		const char *nl = done ? memrchr(j->buf, '\n', done) : NULL;
		size_t whole = nl ? (size_t)(nl - j->buf) + 1 : 0;

		/* Without O_APPEND (stdout) the offset must come back too. */
		if (j->seekable && whole < done &&
		    (ftruncate(j->fd, start + whole) || lseek(j->fd, start + whole, SEEK_SET) < 0))
			pr_warn("%s: cannot cut a partial record: %s\n", j->spec, strerror(errno));
		j->failed += count_lines(j->buf + whole, j->len - whole);
	}
	j->len = 0;
}

void kf_jsonl_add(struct kf_jsonl *j, const char *line, size_t len)
{
	j->added++;
	if (j->len + len > j->cap) {
		size_t cap = j->cap ? j->cap : KF_JSONL_CHUNK;
		char *b;

		while (cap < j->len + len)
			cap *= 2;
		b = realloc(j->buf, cap);
		if (!b) {
			j->failed++;
			j->err = ENOMEM;
			return;
		}
		j->buf = b;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, line, len);
	j->len += len;
	if (j->len >= KF_JSONL_CHUNK)
		write_queued(j);
}

void kf_jsonl_flush(struct kf_jsonl *j)
{
	write_queued(j);
	if (!j->failed)
		return;
	j->failed_total += j->failed;
	pr_warn("--output %s: %llu records not written (%s); %llu since start\n", j->spec,
		j->failed, strerror(j->err), j->failed_total);
	j->failed = 0;
}

void kf_jsonl_close(struct kf_jsonl *j)
{
	if (j->fd > STDOUT_FILENO)
		close(j->fd);
	free(j->buf);
	j->buf = NULL;
	j->fd = -1;
}

/* The jsonl sink: the record's JSON line, as the reference names its fields. */
static int sink_open(struct kf_sink *s, const char *arg, const struct kf_sink_env *env)
{
	struct kf_jsonl *j = calloc(1, sizeof(*j));
	int err;

	if (!j)
		return -ENOMEM;
	err = kf_jsonl_open(j, s->spec, env->o->output_mode);
	if (err) {
		free(j);
		return err;
	}
	s->priv = j;
	return 0;
}

static void sink_record(struct kf_sink *s, const struct kf_rec *r)
{
	kf_jsonl_add(s->priv, r->json, r->json_len);
}

static void sink_interval_end(struct kf_sink *s, __u64 now_s)
{
	kf_jsonl_flush(s->priv);
}

static bool sink_close(struct kf_sink *s)
{
	struct kf_jsonl *j = s->priv;
	bool lost;

	kf_jsonl_flush(j);
	kf_jsonl_close(j);
	lost = j->failed_total + j->failed > 0;
	free(j);
	s->priv = NULL;
	return lost;
}

static void sink_stats(const struct kf_sink *s, struct kf_sink_stats *st)
{
	const struct kf_jsonl *j = s->priv;

	st->failed = j->failed_total + j->failed;
	st->records = j->added - st->failed;
}

const struct kf_sink_ops kf_sink_jsonl = {
	.scheme = "jsonl",
	.wants_json = true,
	.open = sink_open,
	.record = sink_record,
	.interval_end = sink_interval_end,
	.close = sink_close,
	.stats = sink_stats,
};
