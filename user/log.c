// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* log.c - stderr logging with levels raised by repeating -v; libbpf's own
 * messages are demoted one level so verifier logs appear only at -vv. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "log.h"

static int log_level = KF_LOG_INFO;

void kf_log_set_level(int level)
{
	log_level = level;
}

int kf_log_level(void)
{
	return log_level;
}

void kf_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	/* One line whole, whatever thread logs (the ClickHouse sender). */
	flockfile(stderr);
	fputs("kflow: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	funlockfile(stderr);
}

/* While an object loads, libbpf's warnings are held: a failure is then
 * told in one line of ours, the held lines only where they explain it. A
 * verifier log comes as one message of any size with its reason at the
 * end, so one that does not fit keeps its end. */
static struct {
	bool on;
	char buf[16384];
	size_t len;
	char failed_map[64];
} hold;

static void hold_append(const char *s, size_t n)
{
	memcpy(hold.buf + hold.len, s, n);
	hold.len += n;
	hold.buf[hold.len] = '\0';
}

static void hold_add(const char *msg)
{
	size_t room = sizeof(hold.buf) - 1 - hold.len, n = strlen(msg), keep;
	const char *tail, *nl;
	char mark[96];
	int m;

	if (n + 7 <= room) {
		hold_append("kflow: ", 7);
		hold_append(msg, n);
		return;
	}
	if (room <= sizeof(mark))
		return;
	/* The message's last lines (a screenful), from a line start, after
	 * a marker. */
	keep = room - sizeof(mark) < 4096 ? room - sizeof(mark) : 4096;
	tail = msg + n - keep;
	nl = strchr(tail, '\n');
	if (nl && nl[1])
		tail = nl + 1;
	m = snprintf(mark, sizeof(mark),
		     "kflow: [... %zu bytes of libbpf's message cut; -vv prints them]\n",
		     (size_t)(tail - msg));
	if (m <= 0 || (size_t)m >= sizeof(mark))
		return;
	hold_append(mark, (size_t)m);
	hold_append(tail, strlen(tail));
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int ours = level == LIBBPF_WARN ? KF_LOG_INFO :
		   level == LIBBPF_INFO ? KF_LOG_DEBUG : KF_LOG_LIBBPF_DEBUG;
	char *line;

	/* bpf_tc_query() on a hook with no filter of ours is how we look;
	 * the kernel's answer is not a problem worth a line. */
	if (strstr(fmt, "Kernel error message") && ours < KF_LOG_DEBUG)
		ours = KF_LOG_DEBUG;
	if (ours > log_level && !hold.on)
		return 0;
	/* Whole, whatever its size: a verifier log is one message. */
	if (vasprintf(&line, fmt, ap) < 0)
		return 0;
	if (hold.on) {
		char name[sizeof(hold.failed_map)];
		int end = 0;

		/* %n is reached only when the whole pattern matched. */
		if (sscanf(line, "libbpf: map '%63[^']': failed to create%n", name, &end) == 1 &&
		    end > 0)
			memcpy(hold.failed_map, name, sizeof(name));
	}
	if (hold.on && ours == KF_LOG_INFO && ours <= log_level)
		hold_add(line);
	else if (ours <= log_level)
		fprintf(stderr, "kflow: %s", line);
	free(line);
	return 0;
}

void kf_log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}

void kf_log_libbpf_hold(void)
{
	hold.on = true;
	hold.len = 0;
	hold.buf[0] = '\0';
	hold.failed_map[0] = '\0';
}

void kf_log_libbpf_release(bool print)
{
	if (print)
		fputs(hold.buf, stderr);
	hold.on = false;
}

const char *kf_log_libbpf_failed_map(void)
{
	return hold.failed_map[0] ? hold.failed_map : NULL;
}
