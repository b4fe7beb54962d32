/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* iface.h - which interfaces to count on. */
#ifndef KF_IFACE_H
#define KF_IFACE_H

#include <stdbool.h>
#include <net/if.h>

struct kf_iface {
	int ifindex;
	char name[IF_NAMESIZE];
};

/* The interfaces of the current network namespace to count on: every up,
 * non-loopback Ethernet one matching list (comma-separated names or globs;
 * NULL: all) and no glob of exclude. A plain name in list must exist.
 * Returns the count (may be 0) with *out malloc'ed, or a negative errno
 * after a message. */
int kf_ifaces_resolve(const char *list, const char *exclude, struct kf_iface **out);

/* Whether an interface name passes the --iface / --exclude-iface filter. */
bool kf_iface_wanted(const char *list, const char *exclude, const char *name);

/* Name of an ifindex for records: the name it had when kflow attached to
 * it (so records of a removed interface keep it), else the current name. */
const char *kf_ifname(int ifindex, char buf[IF_NAMESIZE]);
void kf_ifname_remember(int ifindex, const char *name);

#endif /* KF_IFACE_H */
