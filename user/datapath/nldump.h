/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* nldump.h - one netlink dump over libmnl: request, then every reply. */
#ifndef KF_NLDUMP_H
#define KF_NLDUMP_H

#include <libmnl/libmnl.h>

/* Starts a dump request of type in buf (MNL_SOCKET_BUFFER_SIZE bytes) and
 * returns its header, for the caller to add its family header. */
struct nlmsghdr *kf_nl_dump_request(char *buf, __u16 type);

/* Sends the request and runs cb on every reply until the dump is done.
 * Returns >= 0 (the last mnl_cb_run result) or a negative errno. */
int kf_nl_dump(struct mnl_socket *nl, char *buf, mnl_cb_t cb, void *data);

/* Dumps every interface address of the current network namespace
 * (RTM_GETADDR, all families) and calls cb with each one that has an IPv4
 * or IPv6 address: family 4 or 6, the address (4 or 16 bytes) and its
 * scope (RT_SCOPE_*). Returns as kf_nl_dump(). */
typedef int (*kf_nl_addr_cb)(__u8 family, const __u8 *addr, __u8 scope, void *data);
int kf_nl_dump_addrs(kf_nl_addr_cb cb, void *data);

#endif /* KF_NLDUMP_H */
