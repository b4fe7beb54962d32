/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* jsonw.h - append-only writer for one flat JSON object per line. */
#ifndef KF_JSONW_H
#define KF_JSONW_H

#include <stddef.h>
#include <linux/types.h>

struct jsonw {
	char buf[8192];
	size_t len;
	int truncated;
};

void jw_begin(struct jsonw *w);
void jw_u64(struct jsonw *w, const char *name, __u64 v);
void jw_f64(struct jsonw *w, const char *name, double v);
void jw_str(struct jsonw *w, const char *name, const char *s);
/* Closes the object and the line; returns 0 or -ENOBUFS if it did not fit. */
int jw_end(struct jsonw *w);

#endif /* KF_JSONW_H */
