/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* iface.h - which interfaces to count on. */
#ifndef KF_IFACE_H
#define KF_IFACE_H

#include <net/if.h>

struct kf_iface {
	int ifindex;
	char name[IF_NAMESIZE];
};

/* Resolves a comma-separated list, or with list NULL every up, non-loopback
 * Ethernet interface of the current network namespace. Returns the count
 * (>= 1) with *out malloc'ed, or a negative errno after a message. */
int kf_ifaces_resolve(const char *list, struct kf_iface **out);

/* Name of an ifindex for records; "" when it is gone. */
const char *kf_ifname(int ifindex, char buf[IF_NAMESIZE]);

#endif /* KF_IFACE_H */
