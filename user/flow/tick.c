// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tick.c - the end of an interval: drain, decide, record, expire. Live mode
 * calls it from the wall-clock timer, replay at interval boundaries of the
 * capture's time.
 */
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include "close.h"
#include "lifemap.h"
#include "log.h"
#include "metrics.h"
#include "record.h"
#include "tick.h"

struct tick {
	struct kf_core *a;
	struct kf_window win;
	__u64 mono_ns;
	int life_fd;
	int l4_fd;
	int gen_fd;
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

/* One record of f to every sink; after it, the flow's first record is sent. */
static void write_record(struct tick *t, struct kf_flow *f, unsigned int ct, unsigned int to)
{
	struct kf_rec r;

	kf_rec_init(&r, f, &t->win, ct, to);
	if (t->a->sinks.need_json) {
		kf_record_format(&t->w, &r);
		r.json = t->w.buf;
		r.json_len = t->w.len;
	}
	kf_sinks_record(&t->a->sinks, &r);
	kf_metrics_count(t->a->metrics, t->a, &r);
	f->life.flags |= KF_LIFE_NEW_SENT;
}

static bool tick_flow(struct kf_flow *f, void *arg)
{
	struct tick *t = arg;
	struct kf_core *a = t->a;
	unsigned int to;

	if (!f->key.family) { /* overflow: per interval only */
		if (f->in_interval)
			write_record(t, f, KF_CLOSE_FORCED_REPORT, 0);
		return true;
	}
	if (!f->life.flow_id) {
		__u64 sec = (__u64)((__s64)f->life.first_ns + t->win.mono_to_wall_ns) / 1000000000ULL;

		f->life.flow_id = (sec & 0xffffffffULL) << 32 | (a->info.next_flow_seq++ & 0xffffffffULL);
	}
	/* One consistent read of the flow's L4 state per interval. */
	f->has_l4 = !bpf_map_lookup_elem_flags(t->l4_fd, &f->key, &f->l4, BPF_F_LOCK);
	if (f->in_interval) {
		kf_orient(f, a->o, &a->listeners);
		for (int side = 0; side < 2; side++) {
			if (!f->id[side].pid) /* once per flow and interval until found */
				f->id[side].tried = false;
			kf_identity_resolve(&a->id, &f->key, side, &f->id[side]);
		}
		if (a->id.enabled)
			f->obs_point = kf_identity_obs_point(&a->id, &f->key, &f->id[f->life.client & 1],
							     &f->id[!(f->life.client & 1)]);
	}
	to = kf_flow_timeout(f, a->o);
	if (t->mono_ns >= f->life.last_ns + (__u64)to * 1000000000ULL) {
		write_record(t, f, kf_close_type(f), to);
		bpf_map_delete_elem(t->life_fd, &f->key);
		kf_l4_delete(t->l4_fd, t->gen_fd, &f->key);
		return true;
	}
	if (f->in_interval)
		write_record(t, f, KF_CLOSE_FORCED_REPORT, to);
	memset(&f->iv, 0, sizeof(f->iv));
	f->in_interval = false;
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

int kf_tick(struct kf_core *a, __u64 mono_ns, __s64 mono_to_wall_ns)
{
	struct tick t = { .a = a };
	__u64 wall_ns = (__u64)((__s64)mono_ns + mono_to_wall_ns), zero = 0;
	__u32 zero32 = 0;
	int n, err;

	n = kf_drain(&a->maps, &a->table);
	if (n < 0)
		return n;
	t.mono_ns = mono_ns;
	t.win.mono_to_wall_ns = mono_to_wall_ns;
	t.win.start_us = a->window_start_us;
	t.win.end_us = wall_ns / 1000;
	t.life_fd = bpf_map__fd(a->b.skel->maps.kf_life);
	t.l4_fd = bpf_map__fd(a->b.skel->maps.kf_l4);
	t.gen_fd = bpf_map__fd(a->b.skel->maps.kf_udp_gen);
	if (!a->offline) /* keeps the wall-to-monotonic offset of receive stamps fresh */
		bpf_map_update_elem(bpf_map__fd(a->b.skel->maps.kf_clock), &zero32, &mono_to_wall_ns,
				    BPF_ANY);
	t.win.id = a->id.enabled ? &a->id : NULL;
	if (!a->offline)
		kf_listeners_load(&a->listeners);
	kf_identity_interval(&a->id);
	kf_table_walk(&a->table, tick_flow, &t);
	sweep_l4(a, t.l4_fd, t.gen_fd, t.mono_ns);
	kf_sinks_interval_end(&a->sinks, t.win.end_us / 1000000);
	a->window_start_us = t.win.end_us;

	err = kf_life_store(t.life_fd, &a->table, &a->life_left_out);
	bpf_map_update_elem(bpf_map__fd(a->b.skel->maps.kf_info), &zero, &a->info, BPF_ANY);
	kf_counters_log_delta(bpf_map__fd(a->b.skel->maps.kf_counters), a->b.ncpus, a->seen);
	kf_identity_log(&a->id);
	pr_debug("interval: %d entries drained, %zu flows live\n", n, a->table.count);
	return err == -ENOMEM ? err : 0;
}

