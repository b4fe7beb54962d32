// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libbpf_log.c - a program the kernel refuses is told with the verifier's
 * reason. libbpf hands the whole verifier log over as one message, the
 * reason in its last lines; the agent holds libbpf's warnings while an
 * object loads and prints them when the load fails. Before, each message
 * was cut to its first 1024 bytes, so a real log lost its reason.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "test_progs.h"
#include "log.h"

#define REASON "R3 invalid mem access 'scalar'\n"

static int call_print(libbpf_print_fn_t fn, enum libbpf_print_level level, const char *fmt,
		      ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = fn(level, fmt, ap);
	va_end(ap);
	return ret;
}

/* A verifier log of about n bytes ending in its reason, as libbpf sends it. */
static char *verifier_log(size_t n)
{
	static const char insn[] = "42: (79) r3 = *(u64 *)(r10 -56)       ; R3=scalar()\n";
	char *log = malloc(n + 256), *p = log;

	if (!log)
		return NULL;
	p += sprintf(p, "-- BEGIN PROG LOAD LOG --\n");
	while ((size_t)(p - log) + sizeof(insn) < n)
		p += sprintf(p, "%s", insn);
	sprintf(p, "43: (61) r4 = *(u32 *)(r3 +0)\n" REASON
		   "processed 43 insns (limit 1000000)\n-- END PROG LOAD LOG --\n");
	return log;
}

/* What the held messages print on release, read back from stderr. */
static char *held_output(libbpf_print_fn_t fn, const char *log)
{
	char path[] = "/tmp/kflow-libbpf-log.XXXXXX", *out = NULL;
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	long size;
	FILE *f;

	if (!ASSERT_GE(fd, 0, "temp file") || !ASSERT_GE(saved, 0, "dup stderr"))
		goto out;
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	kf_log_libbpf_hold();
	call_print(fn, LIBBPF_WARN, "libbpf: prog '%s': BPF program load failed: %s\n",
		   "kf_tc_ingress", "Invalid argument");
	call_print(fn, LIBBPF_WARN, "libbpf: prog '%s': %s", "kf_tc_ingress", log);
	kf_log_libbpf_release(true);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	f = fopen(path, "r");
	if (!ASSERT_OK_PTR(f, "read back"))
		goto out;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	out = calloc(1, size + 1);
	if (out && fread(out, 1, size, f) != (size_t)size) {
		free(out);
		out = NULL;
	}
	fclose(f);
out:
	if (saved >= 0)
		close(saved);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	return out;
}

static void check(libbpf_print_fn_t fn, size_t log_size, bool cut)
{
	char *log = verifier_log(log_size), *out = NULL;

	if (!ASSERT_OK_PTR(log, "build a verifier log"))
		return;
	out = held_output(fn, log);
	if (!ASSERT_OK_PTR(out, "held output"))
		goto out;
	ASSERT_OK_PTR(strstr(out, "kflow: libbpf: prog 'kf_tc_ingress': BPF program load failed"),
		      "the failure's line");
	ASSERT_OK_PTR(strstr(out, REASON), "the verifier's reason");
	ASSERT_OK_PTR(strstr(out, "-- END PROG LOAD LOG --\n"), "the log's end");
	ASSERT_EQ(!!strstr(out, "bytes of libbpf's message cut"), cut, "a cut is said");
	ASSERT_EQ(!!strstr(out, "BEGIN PROG LOAD LOG"), !cut, "a short log is whole");
	ASSERT_LT(strlen(out), 16384, "output bounded");
out:
	free(out);
	free(log);
}

void test_libbpf_log(void)
{
	libbpf_print_fn_t prev = libbpf_set_print(NULL), ours;
	int level = kf_log_level();

	kf_log_set_level(KF_LOG_INFO);
	kf_log_setup_libbpf();
	ours = libbpf_set_print(NULL);
	if (ASSERT_OK_PTR(ours, "the agent's libbpf print function")) {
		if (test__start_subtest("short_log_whole"))
			check(ours, 800, false);
		if (test__start_subtest("long_log_keeps_reason"))
			check(ours, 200000, true);
	}
	libbpf_set_print(prev);
	kf_log_set_level(level);
}
