// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* nldump.c - the request/receive loop shared by every netlink dump kflow
 * makes (TC filters, sock_diag, pod addresses and links). */
#include <errno.h>
#include <time.h>
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
