// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* log.c - stderr logging with levels raised by repeating -v; libbpf's own
 * messages are demoted one level so verifier logs appear only at -vv. */
#include <stdarg.h>
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
	fputs("kflow: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	int ours = level == LIBBPF_WARN ? KF_LOG_INFO :
		   level == LIBBPF_INFO ? KF_LOG_DEBUG : KF_LOG_LIBBPF_DEBUG;

	/* bpf_tc_query() on a hook with no filter of ours is how we look;
	 * the kernel's answer is not a problem worth a line. */
	if (strstr(fmt, "Kernel error message") && ours < KF_LOG_DEBUG)
		ours = KF_LOG_DEBUG;
	if (ours > log_level)
		return 0;
	fputs("kflow: libbpf: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

void kf_log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
