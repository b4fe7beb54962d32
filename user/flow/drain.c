// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * drain.c - the interval swap.
 *
 * Why nothing is lost or counted twice: packets only ever write the map that
 * kf_flow_sel slot 0 points to. The agent points the slot at the empty
 * standby map with one bpf_map_update_elem() on the ARRAY_OF_MAPS; for
 * map-in-map updates the kernel waits for an RCU grace period before the
 * syscall returns (maybe_wait_bpf_programs() in kernel/bpf/syscall.c), and
 * XDP and TC programs run inside RCU read sections. So when the update
 * returns, every program that could still have held the old map has
 * finished: the old map is quiescent. It is read without deleting, and
 * cleared only once its records are written and committed (commit.c), so
 * that an agent killed in between loses nothing. A packet that arrives
 * during the drain lands in the new map and is read at the next interval.
 *
 * The overflow key (family 0) is put into
 * the standby map before it goes live, so that a full map still has a place
 * to count what found no room.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "drain.h"
#include "loader.h"
#include "log.h"

#define KF_BATCH_BYTES (1 << 20)

static size_t value_stride(void)
{
	return (sizeof(struct flow_stats) + 7) & ~(size_t)7;
}

static int merge_batch(struct kf_table *t, const struct flow_key *keys, const char *vals,
		       __u32 n)
{
	const struct flow_stats *s;
	struct kf_flow *f;
	bool added;

	if (!t) /* clearing a map already recorded */
		return 0;
	for (__u32 i = 0; i < n; i++) {
		s = (const void *)(vals + (size_t)i * value_stride());
		if (!s->dir[0].packets && !s->dir[1].packets)
			continue; /* the overflow key when nothing overflowed */
		f = kf_table_get(t, &keys[i], &added);
		if (!f) {
			pr_warn("out of memory merging %u drained flows\n", n - i);
			return -ENOMEM;
		}
		kf_flow_add(f, s);
	}
	return 0;
}

/* Reads (and with del, deletes) every entry of a quiescent map. */
static int read_map(int fd, struct kf_table *t, bool del)
{
	size_t per_entry = value_stride();
	__u32 batch = KF_BATCH_BYTES / per_entry, n;
	__u64 in_tok[8], out_tok[8];
	struct flow_key *keys;
	void *vals, *in = NULL;
	int err = 0, total = 0;
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	if (batch < 64)
		batch = 64;
	keys = calloc(batch, sizeof(*keys));
	vals = calloc(batch, per_entry);
	if (!keys || !vals) {
		err = -ENOMEM;
		pr_warn("out of memory reading an interval map\n");
		goto out;
	}
	for (;;) {
		n = batch;
		if (del)
			err = bpf_map_lookup_and_delete_batch(fd, in, out_tok, keys, vals, &n,
							      &opts);
		else
			err = bpf_map_lookup_batch(fd, in, out_tok, keys, vals, &n, &opts);
		if (err && errno != ENOENT) {
			err = -errno;
			pr_warn("batch %s of an interval map failed: %s\n",
				del ? "lookup-and-delete" : "lookup", strerror(errno));
			goto out;
		}
		if (n) {
			int e = merge_batch(t, keys, vals, n);

			if (e) {
				err = e;
				goto out;
			}
			total += n;
		}
		if (err) /* ENOENT: that was the last batch */
			break;
		memcpy(in_tok, out_tok, sizeof(in_tok));
		in = in_tok;
	}
	err = total;
out:
	free(keys);
	free(vals);
	return err;
}

static int map_id(int fd, __u32 *id)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*id = info.id;
	return 0;
}

int kf_active_index(const struct kf_maps *m)
{
	__u32 zero = 0, cur = 0, a_id = 0;
	int err;

	if (bpf_map_lookup_elem(m->sel_fd, &zero, &cur))
		return -errno;
	err = map_id(m->a_fd, &a_id);
	if (err)
		return err;
	return cur == a_id ? 0 : 1;
}

static int map_fd(const struct kf_maps *m, int idx)
{
	return idx ? m->b_fd : m->a_fd;
}

int kf_drain_retire(const struct kf_maps *m, int idx)
{
	int live = kf_active_index(m), standby, err;
	__u32 zero = 0;

	if (live < 0) {
		pr_warn("cannot read the active interval map: %s\n", strerror(-live));
		return live;
	}
	if (m->quiescent || live != idx)
		return 0;
	standby = map_fd(m, !idx);
	err = add_overflow_key(standby);
	if (err)
		return err;
	if (bpf_map_update_elem(m->sel_fd, &zero, &standby, BPF_ANY)) {
		err = -errno;
		pr_warn("cannot swap interval maps: %s\n", strerror(errno));
		return err;
	}
	return 0;
}

int kf_drain_read(const struct kf_maps *m, int idx, struct kf_table *t)
{
	return read_map(map_fd(m, idx), t, false);
}

int kf_drain_clear(const struct kf_maps *m, int idx)
{
	int n = read_map(map_fd(m, idx), NULL, true);

	if (n < 0)
		return n;
	/* Replay drains the live map in place: its overflow key stays. */
	return add_overflow_key(map_fd(m, idx));
}

int kf_peek(const struct kf_maps *m, struct kf_table *t)
{
	int idx = kf_active_index(m);

	if (idx < 0)
		return idx;
	return read_map(idx ? m->b_fd : m->a_fd, t, false);
}
