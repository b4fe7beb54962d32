// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* nldump.c - the request/receive loop shared by every netlink dump kflow
 * makes (TC filters, sock_diag, pod addresses and links). */
#include <errno.h>
#include <time.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include "nldump.h"

struct nlmsghdr *kf_nl_dump_request(char *buf, __u16 type)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = time(NULL);
	return nlh;
}

int kf_nl_dump(struct mnl_socket *nl, char *buf, mnl_cb_t cb, void *data)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	unsigned int seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(nl);
	int ret;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while ((ret = mnl_socket_recvfrom(nl, buf, MNL_SOCKET_BUFFER_SIZE)) > 0) {
		ret = mnl_cb_run(buf, ret, seq, portid, cb, data);
		if (ret <= 0)
			break;
	}
	return ret < 0 ? -errno : ret;
}

struct addr_ctx {
	kf_nl_addr_cb cb;
	void *data;
};

static int addr_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_get_type(a) <= IFA_MAX)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int addr_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_ctx *c = data;
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = {};
	const struct nlattr *a;

	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	/* IFA_LOCAL is the address itself on point-to-point links. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) ||
	    mnl_attr_get_payload_len(a) < (ifa->ifa_family == AF_INET ? 4u : 16u))
		return MNL_CB_OK;
	return c->cb(ifa->ifa_family == AF_INET ? 4 : 6, mnl_attr_get_payload(a), ifa->ifa_scope,
		     c->data) ?
		       MNL_CB_ERROR :
		       MNL_CB_OK;
}

int kf_nl_dump_addrs(kf_nl_addr_cb cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct addr_ctx c = { .cb = cb, .data = data };
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	struct rtgenmsg *g;
	int ret;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID)) {
		ret = -errno;
		mnl_socket_close(nl);
		return ret;
	}
	g = mnl_nlmsg_put_extra_header(kf_nl_dump_request(buf, RTM_GETADDR), sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	ret = kf_nl_dump(nl, buf, addr_msg_cb, &c);
	mnl_socket_close(nl);
	return ret;
}
