// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tick.c - the end of an interval: drain, decide, record, expire. Live mode
 * calls it from the wall-clock timer, replay at interval boundaries of the
 * capture's time.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "close.h"
#include "commit.h"
#include "lifemap.h"
#include "log.h"
#include "metrics.h"
#include "record.h"
#include "tick.h"
#include "wallclock.h"

struct tick {
	struct kf_core *a;
	struct kf_window win;
	__u64 mono_ns;
	int life_fd;
	int l4_fd;
	int gen_fd;
	bool emit; /* write records (not when they were written before a crash) */
	struct flow_key *ended; /* flows that ended: their kernel state goes at commit */
	size_t nended, capended;
	struct jsonw w;
};

/* The agent's step in kf_udp_gen: far from the +1 steps of the datapath, so
 * that it moves the generation even if a datagram moved it since we read. */
#define KF_UDP_GEN_AGENT_STEP 0x10000u

/* A UDP flow's datagrams may skip kf_l4 on the strength of a hint; moving
 * the flow's generation voids those hints, so the next datagram finds the
 * entry gone and makes a new one. */
int kf_l4_delete(int l4_fd, int gen_fd, const struct flow_key *key)
{
	__u32 slot, gen;

	if (bpf_map_delete_elem(l4_fd, key))
		return -errno;
	if (key->proto != IPPROTO_UDP)
		return 0;
	slot = kf_udp_slot(key);
	if (bpf_map_lookup_elem(gen_fd, &slot, &gen))
		return -errno;
	gen += KF_UDP_GEN_AGENT_STEP;
	return bpf_map_update_elem(gen_fd, &slot, &gen, BPF_ANY) ? -errno : 0;
}

/* One record of f to every sink; after it, the flow's first record is sent.
 * Repeating an interval a killed agent had recorded writes nothing. */
static void write_record(struct tick *t, struct kf_flow *f, unsigned int ct, unsigned int to)
{
	struct kf_rec r;

	if (t->emit) {
		kf_rec_init(&r, f, &t->win, ct, to);
		if (t->a->sinks.need_json) {
			kf_record_format(&t->w, &r);
			r.json = t->w.buf;
			r.json_len = t->w.len;
		}
		kf_sinks_record(&t->a->sinks, &r);
		kf_metrics_count(t->a->metrics, t->a, &r);
	}
	f->life.flags |= KF_LIFE_NEW_SENT;
}

static int note_ended(struct tick *t, const struct flow_key *key)
{
	if (t->nended == t->capended) {
		size_t cap = t->capended ? 2 * t->capended : 256;
		struct flow_key *k = realloc(t->ended, cap * sizeof(*k));

		if (!k)
			return -ENOMEM;
		t->ended = k;
		t->capended = cap;
	}
	t->ended[t->nended++] = *key;
	return 0;
}

static bool tick_flow(struct kf_flow *f, void *arg)
{
	struct tick *t = arg;
	struct kf_core *a = t->a;
	unsigned int to;

	f->life_has_iv = false;
	if (!f->key.family) { /* overflow: per interval only */
		if (f->in_interval)
			write_record(t, f, KF_CLOSE_FORCED_REPORT, 0);
		return true;
	}
	/* One consistent read of the flow's L4 state per interval. */
	f->has_l4 = !bpf_map_lookup_elem_flags(t->l4_fd, &f->key, &f->l4, BPF_F_LOCK);
	if (f->in_interval)
		kf_orient(f, a->o, &a->listeners);
	/* Once per flow and interval until found; and once for a flow adopted
	 * from a persisted agent that ends without another packet. */
	if (f->in_interval || !f->id[0].tried || !f->id[1].tried) {
		for (int side = 0; side < 2; side++) {
			if (f->in_interval && !f->id[side].pid)
				f->id[side].tried = false;
			kf_identity_resolve(&a->id, &f->key, side, &f->id[side]);
		}
		if (a->id.enabled)
			f->obs_point = kf_identity_obs_point(&a->id, &f->key, &f->id[f->life.client & 1],
							     &f->id[!(f->life.client & 1)]);
	}
	to = kf_flow_timeout(f, a->o);
	/* Its kernel state stays until the interval is committed: a repeat
	 * after a crash must see it as this attempt did. Without memory to
	 * remember it, the flow lives one more interval. */
	if (t->mono_ns >= f->life.last_ns + (__u64)to * 1000000000ULL && !note_ended(t, &f->key)) {
		write_record(t, f, kf_close_type(f), to);
		return true;
	}
	if (f->in_interval)
		write_record(t, f, KF_CLOSE_FORCED_REPORT, to);
	memset(&f->iv, 0, sizeof(f->iv));
	f->in_interval = false;
	return false;
}

/* Flows first seen this interval get ids in order of first packet (then
 * key), so that an interval repeated after a crash hands out the same ids. */
struct idless {
	struct kf_flow **v;
	size_t n;
};

static bool collect_idless(struct kf_flow *f, void *arg)
{
	struct idless *c = arg;

	if (f->key.family && !f->life.flow_id) {
		if (c->v)
			c->v[c->n] = f;
		c->n++;
	}
	return false;
}

static int by_first_packet(const void *x, const void *y)
{
	const struct kf_flow *a = *(struct kf_flow *const *)x, *b = *(struct kf_flow *const *)y;

	if (a->life.first_ns != b->life.first_ns)
		return a->life.first_ns < b->life.first_ns ? -1 : 1;
	return memcmp(&a->key, &b->key, sizeof(a->key));
}

static int assign_flow_ids(struct kf_core *a, const struct kf_window *win)
{
	struct idless c = {};

	kf_table_walk(&a->table, collect_idless, &c);
	if (!c.n)
		return 0;
	c.v = calloc(c.n, sizeof(*c.v));
	if (!c.v)
		return -ENOMEM;
	c.n = 0;
	kf_table_walk(&a->table, collect_idless, &c);
	qsort(c.v, c.n, sizeof(*c.v), by_first_packet);
	for (size_t i = 0; i < c.n; i++) {
		struct flow_life *l = &c.v[i]->life;
		__u64 sec = (__u64)((__s64)l->first_ns + win->mono_to_wall_ns) / 1000000000ULL;

		l->flow_id = (sec & 0xffffffffULL) << 32 | (a->info.next_flow_seq++ & 0xffffffffULL);
	}
	free(c.v);
	return 0;
}

static bool mark_epoch(struct kf_flow *f, void *arg)
{
	const struct kf_commit *c = arg;

	if (c->epoch & 1)
		f->life.flags |= KF_LIFE_EPOCH_ODD;
	else
		f->life.flags &= ~KF_LIFE_EPOCH_ODD;
	return false;
}

static __u64 l4_last_activity(const struct l4_state *ls)
{
	__u64 t = ls->echo_ts;

	for (int d = 0; d < 2; d++) {
		if (KF_L4_SIDE(ls, d)->last_ts > t)
			t = KF_L4_SIDE(ls, d)->last_ts;
		if (ls->udp_ts[d] > t)
			t = ls->udp_ts[d];
	}
	return t;
}

/* L4 state of flows the agent never saw (their packets overflowed) leaves
 * once idle for two intervals; the agent's own flows leave when they end. */
static void sweep_l4(struct kf_core *a, int fd, int gen_fd, __u64 mono_ns)
{
	__u64 idle = 2ULL * a->o->interval_s * 1000000000ULL;
	struct flow_key key, next, *prev = NULL;
	struct l4_state ls;
	unsigned int n = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (kf_table_find(&a->table, &key) || bpf_map_lookup_elem(fd, &key, &ls))
			continue;
		if (l4_last_activity(&ls) + idle < mono_ns && !kf_l4_delete(fd, gen_fd, &key))
			n++;
	}
	if (n)
		pr_debug("swept %u idle L4 states of flows without records\n", n);
}

/* Steps 2 to 4 of commit.c for the interval c describes. */
int kf_finish_interval(struct kf_core *a, struct kf_commit *c)
{
	struct tick t = { .a = a, .emit = c->phase == KF_COMMIT_PENDING };
	int commit_fd = bpf_map__fd(a->b.skel->maps.kf_commit), n, err;
	__u64 zero = 0;
	__u32 zero32 = 0;

	kf_swap_delay();
	err = kf_drain_retire(&a->maps, c->retired);
	if (err)
		return err;
	if (!c->end_us) {
		/* The window ends once the map is retired: a packet that came
		 * between the timer and the swap is in this interval, and a
		 * new flow's first record must not start after its window
		 * (at the next window's start_time, which consumers key on). */
		c->mono_to_wall_ns = kf_wall_minus_mono(&c->mono_ns);
		c->end_us = (__u64)((__s64)c->mono_ns + c->mono_to_wall_ns) / 1000;
		kf_commit_store(commit_fd, c);
	}
	n = kf_drain_read(&a->maps, c->retired, &a->table);
	if (n < 0)
		return n;
	kf_crash_point("drained");
	t.mono_ns = c->mono_ns;
	t.win.mono_to_wall_ns = c->mono_to_wall_ns;
	t.win.start_us = c->start_us;
	t.win.end_us = c->end_us;
	t.life_fd = bpf_map__fd(a->b.skel->maps.kf_life);
	t.l4_fd = bpf_map__fd(a->b.skel->maps.kf_l4);
	t.gen_fd = bpf_map__fd(a->b.skel->maps.kf_udp_gen);
	if (!a->offline) /* keeps the wall-to-monotonic offset of receive stamps fresh */
		bpf_map_update_elem(bpf_map__fd(a->b.skel->maps.kf_clock), &zero32,
				    &c->mono_to_wall_ns, BPF_ANY);
	t.win.id = a->id.enabled ? &a->id : NULL;
	if (!a->offline)
		kf_listeners_load(&a->listeners);
	kf_identity_interval(&a->id);
	a->info.next_flow_seq = c->next_flow_seq;
	err = assign_flow_ids(a, &t.win);
	if (err)
		return err;
	kf_table_walk(&a->table, tick_flow, &t);
	sweep_l4(a, t.l4_fd, t.gen_fd, t.mono_ns);
	if (t.emit)
		kf_sinks_interval_end(&a->sinks, t.win.end_us / 1000000);
	kf_crash_point("recorded");

	c->phase = KF_COMMIT_RECORDED;
	/* From here on the ids handed out are stored with the flows: a repeat
	 * must go on after them, not hand them out again. */
	c->next_flow_seq = a->info.next_flow_seq;
	kf_commit_store(commit_fd, c);
	kf_table_walk(&a->table, mark_epoch, c);
	err = kf_life_store(t.life_fd, &a->table, &a->life_left_out);
	kf_crash_point("life");
	for (size_t i = 0; i < t.nended; i++) {
		bpf_map_delete_elem(t.life_fd, &t.ended[i]);
		kf_l4_delete(t.l4_fd, t.gen_fd, &t.ended[i]);
	}
	free(t.ended);
	bpf_map_update_elem(bpf_map__fd(a->b.skel->maps.kf_info), &zero, &a->info, BPF_ANY);
	c->phase = KF_COMMIT_IDLE;
	kf_commit_store(commit_fd, c);
	a->window_start_us = c->end_us;
	kf_crash_point("committed");
	n = kf_drain_clear(&a->maps, c->retired);
	if (n < 0)
		pr_warn("cannot clear the retired interval map: %s\n", strerror(-n));

	kf_counters_log_delta(bpf_map__fd(a->b.skel->maps.kf_counters), a->b.ncpus, a->seen);
	kf_identity_log(&a->id);
	pr_debug("interval: %zu flows live\n", a->table.count);
	return err == -ENOMEM ? err : 0;
}

int kf_tick(struct kf_core *a, __u64 mono_ns, __s64 mono_to_wall_ns)
{
	struct kf_commit *c = &a->commit;
	__u64 wall_ns = (__u64)((__s64)mono_ns + mono_to_wall_ns);
	int live = kf_active_index(&a->maps);

	if (live < 0) {
		pr_warn("cannot read the active interval map: %s\n", strerror(-live));
		return live;
	}
	c->epoch++;
	c->phase = KF_COMMIT_PENDING;
	c->retired = live;
	c->start_us = a->window_start_us;
	/* Live, the end is stamped after the swap (kf_finish_interval); a
	 * replayed capture's map is never swapped. */
	c->end_us = a->offline ? wall_ns / 1000 : 0;
	c->mono_ns = mono_ns;
	c->mono_to_wall_ns = mono_to_wall_ns;
	c->next_flow_seq = a->info.next_flow_seq;
	kf_commit_store(bpf_map__fd(a->b.skel->maps.kf_commit), c);
	kf_crash_point("pending");
	return kf_finish_interval(a, c);
}

/* Flows whose kf_life entry the killed agent already stored this epoch
 * (its parity) hold the retired map's counts already. */
static bool mark_stored(struct kf_flow *f, void *arg)
{
	const struct kf_commit *c = arg;

	f->life_has_iv = !!(f->life.flags & KF_LIFE_EPOCH_ODD) == !!(c->epoch & 1);
	return false;
}

int kf_recover(struct kf_core *a)
{
	struct kf_commit *c = &a->commit;
	int n;

	n = kf_commit_load(bpf_map__fd(a->b.skel->maps.kf_commit), c);
	if (n)
		return n;
	if (!c->epoch) {
		/* Pins of a version without kf_commit: what it left in the
		 * standby map was never recorded, so it joins the first interval. */
		int live = kf_active_index(&a->maps);

		if (live < 0)
			return live;
		n = kf_drain_read(&a->maps, !live, &a->table);
		if (n > 0)
			pr_info("read %d flow entries an earlier agent left unrecorded\n", n);
		return n < 0 ? n : kf_drain_clear(&a->maps, !live);
	}
	if (c->phase == KF_COMMIT_IDLE) /* killed while clearing: all recorded */
		return kf_drain_clear(&a->maps, c->retired);
	pr_warn("finishing the interval a killed agent left %s (epoch %llu, %llu-%llu us)%s\n",
		kf_commit_phase_name(c->phase), (unsigned long long)c->epoch,
		(unsigned long long)c->start_us, (unsigned long long)c->end_us,
		c->phase == KF_COMMIT_PENDING ? ": its records are written again" : "");
	if (c->phase == KF_COMMIT_RECORDED)
		kf_table_walk(&a->table, mark_stored, c);
	else if (c->phase != KF_COMMIT_PENDING)
		return -EINVAL;
	return kf_finish_interval(a, c);
}
