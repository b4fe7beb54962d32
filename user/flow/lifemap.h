/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* lifemap.h - mirror of the agent's flow table in the pinned kf_life map. */
#ifndef KF_LIFEMAP_H
#define KF_LIFEMAP_H

#include "flowtable.h"

/* Loads every kf_life entry into t (adoption, dump). Returns the count. */
int kf_life_load(int fd, struct kf_table *t);

/* Writes every flow of t into kf_life. Returns 0 or a negative errno; a
 * full map is logged with how many flows would not survive a restart. */
int kf_life_store(int fd, struct kf_table *t, size_t *left_out);

#endif /* KF_LIFEMAP_H */
