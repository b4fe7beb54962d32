// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* output.c - every --output: jsonl files (or stdout) and IPFIX exporters.
 * A failed write is counted and logged per output, never fatal to counting. */
#include <string.h>
#include "output.h"

int kf_outputs_open(struct kf_outputs *out, const struct kf_opts *o, __u64 init_ms)
{
	const struct kf_ipfix_cfg cfg = {
		.domain = o->ipfix_domain,
		.usage_domain = o->ipfix_usage_domain,
		.usage = o->ipfix_usage,
		.uniflow = o->ipfix_uniflow,
		.refresh_s = o->ipfix_refresh_s,
		.refresh_msgs = o->ipfix_refresh_msgs,
	};
	int err;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < o->n_outputs; i++) {
		if (!strncmp(o->outputs[i], "ipfix:", 6)) {
			struct kf_ipfix *x = &out->ipfix[out->nipfix];

			err = kf_ipfix_open(x, o->outputs[i] + 6, &cfg);
			if (err)
				goto fail;
			x->init_ms = init_ms;
			out->nipfix++;
			continue;
		}
		err = kf_jsonl_open(&out->jsonl[out->n], o->outputs[i], o->output_mode);
		if (err)
			goto fail;
		out->n++;
	}
	return 0;
fail:
	kf_outputs_close(out);
	return err;
}

void kf_outputs_write(struct kf_outputs *out, const char *line, size_t len)
{
	for (int i = 0; i < out->n; i++)
		kf_jsonl_add(&out->jsonl[i], line, len);
}

void kf_outputs_flush(struct kf_outputs *out, __u64 now_s)
{
	for (int i = 0; i < out->nipfix; i++)
		kf_ipfix_flush(&out->ipfix[i], now_s);
	for (int i = 0; i < out->n; i++)
		kf_jsonl_flush(&out->jsonl[i]);
}

void kf_outputs_close(struct kf_outputs *out)
{
	for (int i = 0; i < out->nipfix; i++)
		kf_ipfix_close(&out->ipfix[i]);
	out->nipfix = 0;
	for (int i = 0; i < out->n; i++) {
		kf_jsonl_flush(&out->jsonl[i]);
		kf_jsonl_close(&out->jsonl[i]);
	}
	out->n = 0;
}
