/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* mtext.h - Prometheus text exposition format 0.0.4, written into memory. */
#ifndef KF_MTEXT_H
#define KF_MTEXT_H

#include <stdbool.h>
#include <stddef.h>

/* A growing buffer; after an allocation failure it stops growing and says
 * so (oom), so that a half-written page is never published. */
struct kf_mtext {
	char *buf;
	size_t len, cap;
	bool oom;
};

/* One label of a sample: name="value" (the value gets escaped). */
struct kf_label {
	const char *name;
	const char *value;
};

void kf_mt_reset(struct kf_mtext *t);
void kf_mt_free(struct kf_mtext *t);
void kf_mt_printf(struct kf_mtext *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The # HELP and # TYPE lines of a metric family. */
void kf_mt_family(struct kf_mtext *t, const char *name, const char *type, const char *help);
/* One sample: name{labels} value. */
void kf_mt_u64(struct kf_mtext *t, const char *name, const struct kf_label *l, int nl,
	       unsigned long long v);
void kf_mt_double(struct kf_mtext *t, const char *name, const struct kf_label *l, int nl,
		  double v);

#endif /* KF_MTEXT_H */
