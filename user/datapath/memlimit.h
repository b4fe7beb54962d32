/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* memlimit.h - say why kernel memory ran out: the limits this process has. */
#ifndef KF_MEMLIMIT_H
#define KF_MEMLIMIT_H

#include <stddef.h>
#include <bpf/libbpf.h>

/* After a failed load: one line naming the map that could not be created,
 * the memory it asks for and the limits, if libbpf failed to create a map
 * (0 returned: reported); else -ENOENT and nothing is printed. */
int kf_report_map_failure(struct bpf_object *obj, const char *map_name, int ncpus, int err);

#endif /* KF_MEMLIMIT_H */
