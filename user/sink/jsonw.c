// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* jsonw.c - JSON lines writer; strings are escaped per RFC 8259. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include "jsonw.h"

static void put(struct jsonw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct jsonw *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->truncated)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->buf + w->len, sizeof(w->buf) - w->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(w->buf) - w->len)
		w->truncated = 1;
	else
		w->len += n;
}

void jw_begin(struct jsonw *w)
{
	w->len = 0;
	w->truncated = 0;
	put(w, "{");
}

static void key(struct jsonw *w, const char *name)
{
	put(w, "%s\"%s\":", w->len > 1 ? "," : "", name);
}

void jw_u64(struct jsonw *w, const char *name, __u64 v)
{
	key(w, name);
	put(w, "%llu", (unsigned long long)v);
}

void jw_f64(struct jsonw *w, const char *name, double v)
{
	key(w, name);
	put(w, "%.3f", v);
}

void jw_str(struct jsonw *w, const char *name, const char *s)
{
	key(w, name);
	put(w, "\"");
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			put(w, "\\%c", c);
		else if (c < 0x20)
			put(w, "\\u%04x", c);
		else
			put(w, "%c", c);
	}
	put(w, "\"");
}

int jw_end(struct jsonw *w)
{
	put(w, "}\n");
	return w->truncated ? -ENOBUFS : 0;
}
