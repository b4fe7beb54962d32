// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* output.c - JSON lines sinks: stdout or a file opened for append. A failed
 * write is counted and logged once per flush, never fatal to counting. */
#include <errno.h>
#include <string.h>
#include "log.h"
#include "output.h"

int kf_outputs_open(struct kf_outputs *out, const struct kf_opts *o, __u64 init_ms)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < o->n_outputs; i++) {
		const char *path = o->outputs[i] + strlen("jsonl:");
		FILE *f;

		if (!strncmp(o->outputs[i], "ipfix:", 6)) {
			struct kf_ipfix *x = &out->ipfix[out->nipfix];
			int err = kf_ipfix_open(x, o->outputs[i] + 6, o->ipfix_domain,
						o->ipfix_refresh_s, o->ipfix_refresh_msgs);

			if (err) {
				kf_outputs_close(out);
				return err;
			}
			x->init_ms = init_ms;
			out->nipfix++;
			continue;
		}
		f = !strcmp(path, "-") ? stdout : fopen(path, "a");

		if (!f) {
			int err = -errno;

			pr_warn("error: --output %s: cannot open %s: %s\n", o->outputs[i], path,
				strerror(errno));
			kf_outputs_close(out);
			return err;
		}
		out->files[out->n] = f;
		out->names[out->n++] = o->outputs[i];
	}
	return 0;
}

void kf_outputs_write(struct kf_outputs *out, const char *line, size_t len)
{
	for (int i = 0; i < out->n; i++)
		if (fwrite(line, 1, len, out->files[i]) != len)
			out->write_errors++;
}

void kf_outputs_flush(struct kf_outputs *out, __u64 now_s)
{
	for (int i = 0; i < out->nipfix; i++)
		kf_ipfix_flush(&out->ipfix[i], now_s);
	for (int i = 0; i < out->n; i++) {
		if (fflush(out->files[i]))
			out->write_errors++;
	}
	if (out->write_errors) {
		pr_warn("%llu record writes failed (disk full or reader gone?)\n",
			out->write_errors);
		out->write_errors = 0;
	}
}

void kf_outputs_close(struct kf_outputs *out)
{
	for (int i = 0; i < out->nipfix; i++)
		kf_ipfix_close(&out->ipfix[i]);
	out->nipfix = 0;
	for (int i = 0; i < out->n; i++) {
		if (out->files[i] && out->files[i] != stdout)
			fclose(out->files[i]);
		else if (out->files[i])
			fflush(stdout);
	}
	out->n = 0;
}
