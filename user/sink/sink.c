// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sink.c - the set of sinks a run writes to. A sink that fails to write
 * counts and logs it itself; nothing here stops counting. */
#include <errno.h>
#include <string.h>
#include "log.h"
#include "sink.h"

static const struct kf_sink_ops *const kinds[] = {
	&kf_sink_jsonl,
	&kf_sink_ipfix,
	&kf_sink_sqlite,
	&kf_sink_clickhouse,
};

int kf_sinks_add(struct kf_sinks *ss, const struct kf_sink_ops *ops, const char *spec,
		 const char *arg, const struct kf_sink_env *env)
{
	struct kf_sink *s;
	int err;

	if (ss->n == KF_MAX_SINKS) {
		pr_warn("error: %s: at most %d outputs\n", spec, KF_MAX_SINKS);
		return -E2BIG;
	}
	s = &ss->s[ss->n];
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->spec = spec;
	err = ops->open(s, arg, env);
	if (err)
		return err;
	ss->need_json |= ops->wants_json;
	ss->n++;
	return 0;
}

int kf_sinks_open(struct kf_sinks *ss, const struct kf_opts *o, __u64 init_ms)
{
	const struct kf_sink_env env = { .o = o, .init_ms = init_ms };
	int err;

	memset(ss, 0, sizeof(*ss));
	for (int i = 0; i < o->n_outputs; i++) {
		const char *spec = o->outputs[i], *colon = strchr(spec, ':');
		const struct kf_sink_ops *ops = NULL;

		for (size_t k = 0; colon && k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (strlen(kinds[k]->scheme) == (size_t)(colon - spec) &&
			    !strncmp(spec, kinds[k]->scheme, colon - spec))
				ops = kinds[k];
		if (!ops) {
			pr_warn("error: --output %s: unknown kind (jsonl:PATH, ipfix:udp://HOST:PORT, "
				"ipfix:tcp://HOST:PORT, sqlite:PATH, clickhouse:http://HOST:PORT/DB)\n",
				spec);
			err = -EINVAL;
			goto fail;
		}
		err = kf_sinks_add(ss, ops, spec, colon + 1, &env);
		if (err)
			goto fail;
	}
	return 0;
fail:
	kf_sinks_close(ss);
	return err;
}

void kf_sinks_record(struct kf_sinks *ss, const struct kf_rec *r)
{
	for (int i = 0; i < ss->n; i++)
		ss->s[i].ops->record(&ss->s[i], r);
}

void kf_sinks_interval_end(struct kf_sinks *ss, __u64 now_s)
{
	for (int i = 0; i < ss->n; i++)
		ss->s[i].ops->interval_end(&ss->s[i], now_s);
}

int kf_sinks_close(struct kf_sinks *ss)
{
	int lost = 0;

	for (int i = ss->n - 1; i >= 0; i--)
		lost += ss->s[i].ops->close(&ss->s[i]);
	ss->n = 0;
	ss->need_json = false;
	return lost;
}
