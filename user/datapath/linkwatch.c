// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* linkwatch.c - RTM_NEWLINK / RTM_DELLINK notifications over libmnl, so
 * that a pod's veth is counted within a second of coming up. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include "linkwatch.h"

struct mnl_socket *kf_linkwatch_open(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;

		mnl_socket_close(nl);
		errno = err;
		return NULL;
	}
	return nl;
}

int kf_linkwatch_fd(struct mnl_socket *nl)
{
	return mnl_socket_get_fd(nl);
}

struct cb_ctx {
	kf_link_cb cb;
	void *arg;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_get_type(a) <= IFLA_MAX)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cb_ctx *c = data;
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = {};
	struct kf_link_event ev;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, tb);
	ev.removed = nlh->nlmsg_type == RTM_DELLINK;
	ev.ifindex = ifi->ifi_index;
	ev.name = tb[IFLA_IFNAME] ? mnl_attr_get_str(tb[IFLA_IFNAME]) : "";
	ev.flags = ifi->ifi_flags;
	ev.type = ifi->ifi_type;
	c->cb(c->arg, &ev);
	return MNL_CB_OK;
}

int kf_linkwatch_read(struct mnl_socket *nl, kf_link_cb cb, void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct cb_ctx c = { .cb = cb, .arg = arg };
	int ret;

	while ((ret = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
		mnl_cb_run(buf, ret, 0, 0, msg_cb, &c);
	if (ret < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		return -errno;
	return 0;
}

void kf_linkwatch_close(struct mnl_socket *nl)
{
	if (nl)
		mnl_socket_close(nl);
}
