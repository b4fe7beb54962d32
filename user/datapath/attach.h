/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* attach.h - put the datapath on interfaces and take it off again, touching
 * only what kflow itself created. */
#ifndef KF_ATTACH_H
#define KF_ATTACH_H

#include <stdbool.h>
#include "iface.h"
#include "loader.h"
#include "opts.h"

/* Attaches TC ingress+egress (or XDP ingress + TC egress) on each interface,
 * replacing kflow's own programs left by a --persist agent, and records every
 * attachment in the pinned kf_attach map. Interfaces a persisted agent had
 * but this run does not want are detached. Returns 0 or a negative errno
 * after a message naming the interface. */
int kf_attach_all(struct kf_bpf *b, const struct kf_iface *ifs, int n, enum kf_xdp_mode xdp);

/* Attaches to one more interface (it came up after the start). */
int kf_attach_one(struct kf_bpf *b, const struct kf_iface *ifc, enum kf_xdp_mode xdp);

/* Forgets an interface that went away (its hooks went with it). */
void kf_attach_forget(struct kf_bpf *b, int ifindex);

/* Detaches everything recorded in the kf_attach map at attach_fd (our
 * filters, our XDP program, and a clsact qdisc we created once it is empty)
 * and empties the map. Missing interfaces are not errors. */
void kf_detach_recorded(int attach_fd);

#endif /* KF_ATTACH_H */
