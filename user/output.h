/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* output.h - where records go (--output). */
#ifndef KF_OUTPUT_H
#define KF_OUTPUT_H

#include "ipfix.h"
#include "jsonlfile.h"
#include "opts.h"

struct kf_outputs {
	struct kf_jsonl jsonl[KF_MAX_OUTPUTS];
	int n;
	struct kf_ipfix ipfix[KF_MAX_OUTPUTS];
	int nipfix;
};

/* Opens every --output; returns 0 or a negative errno naming the path.
 * init_ms: the exporter's systemInitTimeMilliseconds for IPFIX. */
int kf_outputs_open(struct kf_outputs *out, const struct kf_opts *o, __u64 init_ms);
void kf_outputs_write(struct kf_outputs *out, const char *line, size_t len);
/* End of an interval (now_s: its end, wall clock). */
void kf_outputs_flush(struct kf_outputs *out, __u64 now_s);
void kf_outputs_close(struct kf_outputs *out);

#endif /* KF_OUTPUT_H */
