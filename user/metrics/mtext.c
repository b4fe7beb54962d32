// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * mtext.c - the Prometheus text format (0.0.4): '# HELP' and '# TYPE' once
 * per family, then one 'name{label="value"} number' line per sample. Label
 * values escape backslash, double quote and newline; HELP text escapes
 * backslash and newline.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "mtext.h"

static bool reserve(struct kf_mtext *t, size_t more)
{
	size_t cap = t->cap ? t->cap : 4096;
	char *nb;

	if (t->oom)
		return false;
	while (cap - t->len < more + 1)
		cap *= 2;
	if (cap == t->cap)
		return true;
	nb = realloc(t->buf, cap);
	if (!nb) {
		t->oom = true;
		return false;
	}
	t->buf = nb;
	t->cap = cap;
	return true;
}

void kf_mt_reset(struct kf_mtext *t)
{
	t->len = 0;
	t->oom = false;
	if (t->buf)
		t->buf[0] = '\0';
}

void kf_mt_free(struct kf_mtext *t)
{
	free(t->buf);
	t->buf = NULL;
	t->len = t->cap = 0;
}

void kf_mt_printf(struct kf_mtext *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(t, n))
		return;
	va_start(ap, fmt);
	vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += n;
}

/* in_label: also escape '"' (label values; HELP text leaves it). */
static void escaped(struct kf_mtext *t, const char *s, bool in_label)
{
	for (; *s; s++) {
		if (*s == '\\')
			kf_mt_printf(t, "\\\\");
		else if (*s == '\n')
			kf_mt_printf(t, "\\n");
		else if (*s == '"' && in_label)
			kf_mt_printf(t, "\\\"");
		else
			kf_mt_printf(t, "%c", *s);
	}
}

void kf_mt_family(struct kf_mtext *t, const char *name, const char *type, const char *help)
{
	kf_mt_printf(t, "# HELP %s ", name);
	escaped(t, help, false);
	kf_mt_printf(t, "\n# TYPE %s %s\n", name, type);
}

static void labels(struct kf_mtext *t, const char *name, const struct kf_label *l, int nl)
{
	kf_mt_printf(t, "%s", name);
	for (int i = 0; i < nl; i++) {
		kf_mt_printf(t, "%s%s=\"", i ? "," : "{", l[i].name);
		escaped(t, l[i].value ? l[i].value : "", true);
		kf_mt_printf(t, "\"");
	}
	if (nl)
		kf_mt_printf(t, "}");
}

void kf_mt_u64(struct kf_mtext *t, const char *name, const struct kf_label *l, int nl,
	       unsigned long long v)
{
	labels(t, name, l, nl);
	kf_mt_printf(t, " %llu\n", v);
}

void kf_mt_double(struct kf_mtext *t, const char *name, const struct kf_label *l, int nl,
		  double v)
{
	labels(t, name, l, nl);
	kf_mt_printf(t, " %.12g\n", v);
}
