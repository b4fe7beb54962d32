/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* linkwatch.h - interface events from rtnetlink. */
#ifndef KF_LINKWATCH_H
#define KF_LINKWATCH_H

#include <stdbool.h>

struct mnl_socket;

struct kf_link_event {
	bool removed; /* RTM_DELLINK */
	int ifindex;
	const char *name;
	unsigned int flags; /* IFF_* */
	unsigned short type; /* ARPHRD_* */
};

typedef void (*kf_link_cb)(void *arg, const struct kf_link_event *ev);

/* Subscribes to RTNLGRP_LINK. Returns the socket or NULL (errno set). */
struct mnl_socket *kf_linkwatch_open(void);
int kf_linkwatch_fd(struct mnl_socket *nl);
/* Reads what is pending and calls cb for each link message. Returns 0, or a
 * negative errno; -ENOBUFS means events were lost (the caller rescans). */
int kf_linkwatch_read(struct mnl_socket *nl, kf_link_cb cb, void *arg);
void kf_linkwatch_close(struct mnl_socket *nl);

#endif /* KF_LINKWATCH_H */
