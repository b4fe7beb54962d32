/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* replay.h - `kflow replay FILE.pcap`: the live datapath over a capture. */
#ifndef KF_REPLAY_H
#define KF_REPLAY_H

#include "opts.h"

int kf_replay(const struct kf_opts *o);

#endif /* KF_REPLAY_H */
