/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* close.h - when a flow ends and how (l4_flow_log close_type and status). */
#ifndef KF_CLOSE_H
#define KF_CLOSE_H

#include "flowtable.h"
#include "opts.h"

#define KF_CLOSE_FORCED_REPORT 5

/* Seconds of silence after which the flow is over, from its lifetime flags. */
unsigned int kf_flow_timeout(const struct kf_flow *f, const struct kf_opts *o);

/* close_type of a flow that timed out. */
unsigned int kf_close_type(const struct kf_flow *f);

/* The `status` tag derived from close_type and protocol (reference 3.2). */
unsigned int kf_status(unsigned int close_type, __u8 proto);

#endif /* KF_CLOSE_H */
