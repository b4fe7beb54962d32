/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* loader.h - open, size, load and pin the datapath; adopt pinned state. */
#ifndef KF_LOADER_H
#define KF_LOADER_H

#include <stdbool.h>
#include <limits.h>
#include "kflow.skel.h"
#include "migrate.h"

struct kf_bpf {
	struct kflow *skel;
	int ncpus; /* possible CPUs: per-CPU values hold this many slots */
	bool loaded; /* programs loaded, maps created or reused and pinned */
	bool adopted; /* pinned state of an earlier --persist agent was reused */
	int lock_fd;
	unsigned int ring_size; /* bytes of kf_events */
	char pin_path[PATH_MAX];
	struct kf_migrate mig; /* another ABI's state, moved aside to be drained */
};

/* Loads the programs with maps sized for max_flows and pinned under
 * pin_path, reusing compatible pinned maps; with pin_path NULL (replay)
 * nothing is pinned and packet time comes from skb->tstamp. Returns 0 or a
 * negative errno after one message naming the map or path and the cause.
 * ring_size: bytes of kf_events (a power of two) with flow events on, 0 for
 * none (the ring is then one page, and the programs send nothing). */
int kf_bpf_load(struct kf_bpf *b, const char *pin_path, unsigned int max_flows,
		bool precise_time, unsigned int ring_size);

/* Loads obj (maps and programs). On failure one message: the map that
 * could not be created and why, or the cause and libbpf's held lines. */
int kf_load_object(struct bpf_object *obj, int ncpus, const char *what);

/* Unpins every map and program and removes the pin directory. */
void kf_bpf_unpin(struct kf_bpf *b);

/* Releases fds; pins stay. NULL-safe on a zeroed struct. */
void kf_bpf_close(struct kf_bpf *b);

/* 0 if map is not pinned yet or its pin is reusable; else -EEXIST after a
 * message naming the pinned map and what differs. */
int kf_check_pinned_map(struct bpf_map *map);

/* The datapath object opened, not loaded: its map definitions. NULL on
 * failure (errno). Free with kflow__destroy(). */
struct kflow *kf_datapath_open(void);

/* Puts the zeroed overflow entry (family 0 key) into an interval map. */
int add_overflow_key(int map_fd);

/* Pinned program path of one program ("<pin_path>/<prog name>"). */
int kf_prog_pin_path(const struct kf_bpf *b, const struct bpf_program *p, char *buf,
		     size_t len);

#endif /* KF_LOADER_H */
