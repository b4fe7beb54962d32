// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* lifemap.c - batch reads and writes of kf_life. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "lifemap.h"
#include "log.h"

#define KF_LIFE_BATCH 4096

int kf_life_load(int fd, struct kf_table *t)
{
	struct flow_key *keys = calloc(KF_LIFE_BATCH, sizeof(*keys));
	struct flow_life *vals = calloc(KF_LIFE_BATCH, sizeof(*vals));
	__u64 in_tok[8], out_tok[8];
	void *in = NULL;
	int err = 0, total = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
		__u32 n = KF_LIFE_BATCH;

		err = bpf_map_lookup_batch(fd, in, out_tok, keys, vals, &n, &opts);
		if (err && errno != ENOENT) {
			err = -errno;
			pr_warn("cannot read kf_life: %s\n", strerror(errno));
			goto out;
		}
		for (__u32 i = 0; i < n; i++) {
			bool added;
			struct kf_flow *f = kf_table_get(t, &keys[i], &added);

			if (!f) {
				err = -ENOMEM;
				goto out;
			}
			f->life = vals[i];
		}
		total += n;
		if (err)
			break;
		memcpy(in_tok, out_tok, sizeof(in_tok));
		in = in_tok;
	}
	err = total;
out:
	if (err == -ENOMEM)
		pr_warn("out of memory loading kf_life\n");
	free(keys);
	free(vals);
	return err;
}

struct collect {
	struct flow_key *keys;
	struct flow_life *vals;
	size_t n;
};

static bool collect_one(struct kf_flow *f, void *arg)
{
	struct collect *c = arg;

	if (f->key.family) {
		c->keys[c->n] = f->key;
		c->vals[c->n++] = f->life;
	}
	return false;
}

/* A full kf_life (more live flows than 4 x --max-flows) still takes the
 * updates of flows it holds: only new flows stay out, counted. Logged when
 * the count of flows left out changes. */
int kf_life_store(int fd, struct kf_table *t, size_t *left_out)
{
	struct collect c = {};
	size_t done = 0, missed = 0;
	int err = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	if (!t->count)
		goto out;
	c.keys = calloc(t->count, sizeof(*c.keys));
	c.vals = calloc(t->count, sizeof(*c.vals));
	if (!c.keys || !c.vals) {
		err = -ENOMEM;
		goto out;
	}
	kf_table_walk(t, collect_one, &c);
	while (done < c.n) {
		__u32 n = c.n - done > KF_LIFE_BATCH ? KF_LIFE_BATCH : c.n - done;

		if (!bpf_map_update_batch(fd, c.keys + done, c.vals + done, &n, &opts)) {
			done += n;
			continue;
		}
		if (errno != E2BIG && errno != ENOSPC) {
			err = -errno;
			pr_warn("kf_life: cannot store flows: %s\n", strerror(errno));
			break;
		}
		for (done += n; done < c.n; done++)
			if (bpf_map_update_elem(fd, &c.keys[done], &c.vals[done], BPF_EXIST))
				missed++;
	}
out:
	if (!err && missed != *left_out) {
		if (missed)
			pr_warn("kf_life is full: %zu of %zu live flows not stored (it holds 4 x "
				"--max-flows); after a --persist restart they would start as new "
				"flows\n",
				missed, c.n);
		else
			pr_info("kf_life holds every live flow again\n");
		*left_out = missed;
	}
	free(c.keys);
	free(c.vals);
	return err;
}
