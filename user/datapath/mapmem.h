/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* mapmem.h - the kernel memory of the agent's maps, now and when full. */
#ifndef KF_MAPMEM_H
#define KF_MAPMEM_H

#include <bpf/libbpf.h>

/* What a map holds now (its memlock in /proc/self/fdinfo, as `bpftool map
 * show` prints it), or -errno. */
long long kf_map_memlock(const struct bpf_map *map);

/* Bytes each entry adds to a map that allocates entries on demand (a hash
 * without preallocation: kf_life); 0 for a preallocated map, which holds
 * all its entries from the start. */
unsigned long long kf_map_entry_bytes(const struct bpf_map *map);

/* Sums over the maps of an object: memory now, and what the maps that
 * allocate on demand can take on top of it (an upper bound: entries they
 * already hold are counted twice). */
void kf_obj_memory(struct bpf_object *obj, unsigned long long *now, unsigned long long *more);

#endif /* KF_MAPMEM_H */
