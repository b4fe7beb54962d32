/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * maps.bpf.h - every map of kflow, with who writes it, who reads it and how
 * it is sized. All maps are pinned by name under the agent's --pin-path.
 */
#ifndef KF_MAPS_BPF_H
#define KF_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "kflow.h"

/* Interval flow counters.
 * Key: struct flow_key -> Value: struct flow_stats, one for all CPUs.
 * Written by every packet: counters by atomic adds, each direction's on
 * lines of its own (see struct flow_dir). Read and emptied by the agent once
 * per interval, after it has swapped the other map into kf_flow_sel (see
 * drain.c for why that loses nothing).
 * Sizing: --max-flows + 1 (the reserved overflow key), preallocated, so an
 * insert is a free-list pop and never fails for memory under load: memory
 * is 2 maps x max_entries x (key + value + the hash's element header)
 * whatever the traffic, and does not grow with the CPU count. (Until ABI 3
 * the value was per CPU: no atomics, but 2.5 GB on a 64-CPU node.) */
#define KF_FLOW_MAP_DEF                                        \
	__uint(type, BPF_MAP_TYPE_HASH);                       \
	__uint(max_entries, KF_DEFAULT_MAX_FLOWS + 1);         \
	__type(key, struct flow_key);                          \
	__type(value, struct flow_stats)

struct kf_flow_map {
	KF_FLOW_MAP_DEF;
	__uint(pinning, LIBBPF_PIN_BY_NAME);
};

/* The inner-map template of kf_flow_sel: same shape, but libbpf refuses a
 * pinning attribute on a template. */
struct kf_flow_map_tmpl {
	KF_FLOW_MAP_DEF;
};

struct kf_flow_map kf_flows_a SEC(".maps");
struct kf_flow_map kf_flows_b SEC(".maps");

/* The interval map packets go to now.
 * Key: 0 -> Value: kf_flows_a or kf_flows_b.
 * Written by the agent only (one update per interval; the update waits for an
 * RCU grace period). Read by every packet. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct kf_flow_map_tmpl); /* must be last */
} kf_flow_sel SEC(".maps");

/* Ports of fragmented datagrams, so later fragments join their flow.
 * Key: struct frag_key -> Value: struct frag_ports.
 * Written by first fragments only, read by later fragments; LRU evicts trains
 * that never complete. Sizing: fragment trains in flight, not flows. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KF_FRAG_ENTRIES);
	__type(key, struct frag_key);
	__type(value, struct frag_ports);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_frags SEC(".maps");

/* Failure and drop counters.
 * Key: enum kf_counter -> Value: __u64 count (per CPU), cumulative.
 * Written by the datapath on every path that does not count a packet into a
 * flow; read by the agent (deltas logged each interval) and `kflow dump`. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KF_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_counters SEC(".maps");

/* Wall clock minus monotonic clock, ns.
 * Key: 0 -> Value: __s64. Written by the agent at start and each interval;
 * read by TC ingress packets that carry the kernel's receive timestamp (wall
 * clock) and need a fine time: that stamp, taken when the packet was queued,
 * is where a capture stamps it too. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_clock SEC(".maps");

/* The coarse clock as this CPU last read it (see kf_coarse_ns()).
 * Key: 0 -> Value: struct kf_tick, per CPU. Written and read by the
 * datapath only: a packet that needs no fine time reuses the value while
 * jiffies has not moved. Sizing: one slot per CPU (16 B). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kf_tick);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_tick SEC(".maps");

/* Lifetime flow state mirrored by the agent (never touched by BPF).
 * Key: struct flow_key -> Value: struct flow_life.
 * Written by the agent after each drain; read by an adopting agent and by
 * `kflow dump`. Sizing: 4 x --max-flows, since flows outlive intervals. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4 * KF_DEFAULT_MAX_FLOWS);
	__type(key, struct flow_key);
	__type(value, struct flow_life);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_life SEC(".maps");

/* What the agent attached where (never touched by BPF).
 * Key: ifindex -> Value: struct kf_attach.
 * Written by the agent on attach/detach; read by `kflow cleanup` and by an
 * adopting agent. Sizing: interfaces per network namespace. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KF_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct kf_attach);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_attach SEC(".maps");

/* Identity of the pinned state (never touched by BPF).
 * Key: 0 -> Value: struct kf_info. Written by the agent at start and exit. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kf_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_info SEC(".maps");

/* The interval the agent is recording (never touched by BPF).
 * Key: 0 -> Value: struct kf_commit. Written by the agent at each step of
 * an interval's end, read at start to finish what a killed agent began. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kf_commit);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_commit SEC(".maps");
/* Flow events for the agent's stream (bpf/events.bpf.h).
 * A ring buffer of struct kf_event, one per state change (flow start, TCP
 * closing state, zero window, retransmission after a quiet second), never
 * one per packet. Written only when the agent loaded the programs with
 * --stream; read by the agent alone (a ring buffer has one consumer:
 * sidecars subscribe to the agent's socket). Sizing: --ring-size bytes, a
 * power of two (default 8 MiB; a page without --stream). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, KF_DEFAULT_RING_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_events SEC(".maps");

/* Events that found no room in kf_events.
 * Key: enum kf_event_type -> Value: __u64 count (per CPU), cumulative.
 * Written by a failed reserve only; read by the agent each second. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KF_EV_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_ev_lost SEC(".maps");

#endif /* KF_MAPS_BPF_H */
