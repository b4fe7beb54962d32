// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * collect.c - the /metrics page: every family with one # HELP and # TYPE,
 * names in Prometheus style (kflow_ prefix, _total for counters, base
 * units). Built by the main loop only (metrics.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "identity.skel.h"
#include "ipfix.h"
#include "mapmem.h"
#include "metrics.h"
#include "stream.h"
#include "tick.h"
#include "version.h"

static const char *const hook_names[KF_MH_MAX] = {
	[KF_MH_TC_INGRESS] = "tc_ingress",
	[KF_MH_TC_EGRESS] = "tc_egress",
	[KF_MH_XDP] = "xdp",
};

static void build_info(struct kf_mtext *t)
{
	char abi[16];

	snprintf(abi, sizeof(abi), "%u", KF_ABI_VERSION);
	kf_mt_family(t, "kflow_build_info", "gauge",
		     "Always 1; labels: kflow's version and the kernel/user ABI version of its maps.");
	kf_mt_u64(t, "kflow_build_info",
		  (struct kf_label[]){ { "version", kf_version }, { "abi", abi } }, 2, 1);
}

static void traffic(struct kf_metrics *m, struct kf_mtext *t, bool bytes)
{
	const char *name = bytes ? "kflow_bytes_total" : "kflow_packets_total";

	kf_mt_family(t, name, "counter",
		     bytes ? "Bytes (L2 header + IP length, as byte_tx + byte_rx) of the records "
			     "written, by capture interface and hook; labels as kflow_packets_total."
			   : "Packets in the records written: the sum of packet_tx + packet_rx over "
			     "every record since start, by capture interface and hook. A flow "
			     "direction whose source MAC is the interface's own is tc_egress, else "
			     "ingress (xdp where XDP counts ingress, else tc_ingress); the overflow "
			     "record's packets have interface=\"\".");
	for (int i = 0; i < m->nifs; i++) {
		const struct kf_mif *mi = &m->ifs[i];

		for (int h = 0; h < KF_MH_MAX; h++) {
			struct kf_label l[2] = { { "interface", mi->name }, { "hook", hook_names[h] } };
			unsigned long long v = bytes ? mi->bytes[h] : mi->packets[h];

			/* Egress and the hook that counts ingress now, and any
			 * hook that counted: no series for a hook never used. */
			if (v || h == KF_MH_TC_EGRESS || h == (mi->xdp ? KF_MH_XDP : KF_MH_TC_INGRESS))
				kf_mt_u64(t, name, l, 2, v);
		}
	}
}

static void sinks(const struct kf_core *c, struct kf_mtext *t)
{
	kf_mt_family(t, "kflow_records_total", "counter",
		     "Records each output accepted since start (one per flow and interval).");
	for (int i = 0; i < c->sinks.n; i++) {
		const struct kf_sink *s = &c->sinks.s[i];
		struct kf_sink_stats st = {};

		s->ops->stats(s, &st);
		kf_mt_u64(t, "kflow_records_total", &(struct kf_label){ "output", s->spec }, 1,
			  st.records);
	}
	kf_mt_family(t, "kflow_records_failed_total", "counter",
		     "Records each output lost since start: write errors, full backlogs.");
	for (int i = 0; i < c->sinks.n; i++) {
		const struct kf_sink *s = &c->sinks.s[i];
		struct kf_sink_stats st = {};

		s->ops->stats(s, &st);
		kf_mt_u64(t, "kflow_records_failed_total", &(struct kf_label){ "output", s->spec },
			  1, st.failed);
	}
	kf_mt_family(t, "kflow_ipfix_messages_total", "counter",
		     "IPFIX messages of each ipfix output since start: sent, or dropped (send "
		     "errors, TCP backlog full).");
	for (int i = 0; i < c->sinks.n; i++) {
		const struct kf_sink *s = &c->sinks.s[i];
		const struct kf_ipfix *x = s->priv;

		if (s->ops != &kf_sink_ipfix || !x)
			continue;
		kf_mt_u64(t, "kflow_ipfix_messages_total",
			  (struct kf_label[]){ { "output", s->spec }, { "result", "sent" } }, 2,
			  x->msgs_sent);
		kf_mt_u64(t, "kflow_ipfix_messages_total",
			  (struct kf_label[]){ { "output", s->spec }, { "result", "dropped" } }, 2,
			  x->msgs_lost);
	}
}

/* The --stream sink's subscribers and events; nothing without --stream. */
static void stream(const struct kf_core *c, struct kf_mtext *t)
{
	struct kf_stream_stats st = {};
	const struct kf_sink *s = NULL;

	for (int i = 0; i < c->sinks.n; i++)
		if (c->sinks.s[i].ops == &kf_sink_stream)
			s = &c->sinks.s[i];
	if (!s)
		return;
	kf_stream_stats(s, &st);
	kf_mt_family(t, "kflow_stream_subscribers", "gauge",
		     "Subscribers connected to the --stream socket now.");
	kf_mt_u64(t, "kflow_stream_subscribers", NULL, 0, st.subscribers);
	kf_mt_family(t, "kflow_stream_events_total", "counter",
		     "Events published on the stream since start (kernel events, records, flow "
		     "ends), before any subscriber's filter.");
	kf_mt_u64(t, "kflow_stream_events_total", NULL, 0, st.published);
	kf_mt_family(t, "kflow_stream_lost_total", "counter",
		     "Events lost since start: kernel (kf_events had no room) or subscriber (its "
		     "buffer was full; summed over subscribers).");
	kf_mt_u64(t, "kflow_stream_lost_total", &(struct kf_label){ "source", "kernel" }, 1,
		  st.lost_kernel);
	kf_mt_u64(t, "kflow_stream_lost_total", &(struct kf_label){ "source", "subscriber" }, 1,
		  st.lost_subscriber);
}

static void datapath(const struct kf_core *c, struct kf_mtext *t)
{
	kf_mt_family(t, "kflow_datapath_events_total", "counter",
		     "Packets the datapath did not count into a flow of their own, by reason "
		     "(kf_counters, summed over CPUs; cumulative over the life of the maps).");
	for (int i = 0; i < KF_CNT_MAX; i++)
		kf_mt_u64(t, "kflow_datapath_events_total",
			  &(struct kf_label){ "reason", kf_counter_names[i] }, 1, c->seen[i]);
}

/* Entries of a hash map, by walking its keys: one syscall per entry, once
 * per interval (a full 65536-entry map takes some tens of milliseconds). */
static long long map_entries(const struct bpf_map *map)
{
	char *key = calloc(1, bpf_map__key_size(map));
	int fd = bpf_map__fd(map);
	long long n = 0;

	if (!key)
		return -1;
	/* The kernel reads the previous key before it writes the next. */
	for (void *prev = NULL; !bpf_map_get_next_key(fd, prev, key); prev = key)
		n++;
	free(key);
	return n;
}

static bool is_hash(const struct bpf_map *map)
{
	enum bpf_map_type ty = bpf_map__type(map);

	return ty == BPF_MAP_TYPE_HASH || ty == BPF_MAP_TYPE_LRU_HASH ||
	       ty == BPF_MAP_TYPE_PERCPU_HASH || ty == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* One map's figures, read once per page: its keys are walked at most once. */
struct map_fig {
	const struct bpf_map *map;
	long long entries; /* -1: not a hash map, or unreadable */
	long long now; /* memlock, -1 if unreadable */
	long long full; /* with every entry used */
};

#define KF_MAX_MAPS 64

static int figs_of(struct bpf_object *obj, struct map_fig *f, int n)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		struct map_fig *g;

		if (n == KF_MAX_MAPS) /* kflow's and identity's objects hold about 30 */
			break;
		g = &f[n];
		g->map = map;
		g->entries = -1;
		/* Arrays are always full. */
		if (is_hash(map) && bpf_map__fd(map) >= 0 && bpf_map__max_entries(map))
			g->entries = map_entries(map);
		g->now = g->full = kf_map_memlock(map);
		/* Only a map that allocates entries on demand (kf_life) holds
		 * more when full: the entries it does not hold yet. */
		if (g->now >= 0 && kf_map_entry_bytes(map)) {
			if (g->entries < 0)
				g->full = -1;
			else if ((unsigned long long)g->entries < bpf_map__max_entries(map))
				g->full += (bpf_map__max_entries(map) - g->entries) *
					   kf_map_entry_bytes(map);
		}
		n++;
	}
	return n;
}

static void maps(const struct kf_core *c, struct kf_mtext *t)
{
	struct map_fig f[KF_MAX_MAPS];
	int n = figs_of(c->b.skel->obj, f, 0);

	if (c->id.bpf.skel)
		n = figs_of(c->id.bpf.skel->obj, f, n);
	kf_mt_family(t, "kflow_map_fill_ratio", "gauge",
		     "Entries over max_entries of each hash map (0 to 1). kf_flows_a/b: the "
		     "interval maps, one filling while the other is drained; LRU maps evict "
		     "their oldest entries when full.");
	for (int i = 0; i < n; i++)
		if (f[i].entries >= 0)
			kf_mt_double(t, "kflow_map_fill_ratio",
				     &(struct kf_label){ "map", bpf_map__name(f[i].map) }, 1,
				     (double)f[i].entries / bpf_map__max_entries(f[i].map));
	for (int full = 0; full < 2; full++) {
		const char *name = full ? "kflow_map_memory_full_bytes" : "kflow_map_memory_bytes";

		kf_mt_family(t, name, "gauge",
			     full ? "Kernel memory of each map with all its entries used: as "
				    "kflow_map_memory_bytes for preallocated maps; kf_life "
				    "allocates its entries as it fills."
				  : "Kernel memory each map holds now (its memlock), charged to the "
				    "agent's memory cgroup.");
		for (int i = 0; i < n; i++) {
			long long v = full ? f[i].full : f[i].now;

			if (v >= 0)
				kf_mt_u64(t, name,
					  &(struct kf_label){ "map", bpf_map__name(f[i].map) }, 1, v);
		}
	}
}

void kf_metrics_build(struct kf_metrics *m, const struct kf_core *c, struct kf_mtext *t)
{
	build_info(t);
	traffic(m, t, false);
	traffic(m, t, true);
	kf_mt_family(t, "kflow_flows_live", "gauge",
		     "Flows the agent tracks (live, not yet ended by their timeout).");
	kf_mt_u64(t, "kflow_flows_live", NULL, 0, c->table.count);
	sinks(c, t);
	stream(c, t);
	datapath(c, t);
	maps(c, t);
	kf_hist_write(t, "kflow_drain_duration_seconds",
		      "Time each interval's end took: swap and drain the interval map, decide, "
		      "write every record, expire flows, mirror kf_life.", &m->drain);
	kf_mt_family(t, "kflow_identity_resolved_total", "counter",
		     "Local flow ends in records written whose process was found.");
	kf_mt_u64(t, "kflow_identity_resolved_total", NULL, 0, m->id_resolved);
	kf_mt_family(t, "kflow_identity_unresolved_total", "counter",
		     "Local flow ends in records written whose process was not found.");
	kf_mt_u64(t, "kflow_identity_unresolved_total", NULL, 0, m->id_unresolved);
	kf_mt_family(t, "kflow_metrics_interfaces_left_out_total", "counter",
		     "Records not in kflow_packets_total/kflow_bytes_total because more "
		     "interfaces than the metrics table holds were seen.");
	kf_mt_u64(t, "kflow_metrics_interfaces_left_out_total", NULL, 0, m->ifs_left_out);
	kf_mt_family(t, "kflow_last_interval_timestamp_seconds", "gauge",
		     "Wall-clock end of the last interval drained (Unix time, seconds).");
	kf_mt_u64(t, "kflow_last_interval_timestamp_seconds", NULL, 0,
		  c->window_start_us / 1000000); /* intervals end on whole seconds */
}
