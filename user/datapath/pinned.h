/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pinned.h - `kflow dump` and `kflow cleanup`: work on pinned state only. */
#ifndef KF_PINNED_H
#define KF_PINNED_H

#include "opts.h"

int kf_dump(const struct kf_opts *o);
int kf_cleanup(const struct kf_opts *o);

#endif /* KF_PINNED_H */
