/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* agent.h - `kflow run`: attach, drain every interval, write records. */
#ifndef KF_AGENT_H
#define KF_AGENT_H

#include "opts.h"

/* Returns 0 after a clean shutdown (SIGINT/SIGTERM), else a negative errno. */
int kf_run(const struct kf_opts *o);

#endif /* KF_AGENT_H */
