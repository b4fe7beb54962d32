// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* log.c - stderr logging with levels raised by repeating -v; libbpf's own
 * messages are demoted one level so verifier logs appear only at -vv. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
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
 * told in one line of ours, the held lines only where they explain it. */
static struct {
	bool on;
	char buf[16384];
	size_t len;
	char failed_map[64];
} hold;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int ours = level == LIBBPF_WARN ? KF_LOG_INFO :
		   level == LIBBPF_INFO ? KF_LOG_DEBUG : KF_LOG_LIBBPF_DEBUG;
	char line[1024];
	int n;

	/* bpf_tc_query() on a hook with no filter of ours is how we look;
	 * the kernel's answer is not a problem worth a line. */
	if (strstr(fmt, "Kernel error message") && ours < KF_LOG_DEBUG)
		ours = KF_LOG_DEBUG;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return 0;
	if (hold.on) {
		char name[sizeof(hold.failed_map)];
		int end = 0;

		/* %n is reached only when the whole pattern matched. */
		if (sscanf(line, "libbpf: map '%63[^']': failed to create%n", name, &end) == 1 &&
		    end > 0)
			memcpy(hold.failed_map, name, sizeof(name));
	}
	if (hold.on && ours == KF_LOG_INFO && ours <= log_level) {
		n = snprintf(hold.buf + hold.len, sizeof(hold.buf) - hold.len, "kflow: %s", line);
		if (n > 0)
			hold.len += (size_t)n < sizeof(hold.buf) - hold.len ?
					    (size_t)n : sizeof(hold.buf) - hold.len - 1;
		return 0;
	}
	if (ours > log_level)
		return 0;
	/* libbpf's own messages start with "libbpf: ". */
	return fprintf(stderr, "kflow: %s", line);
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
