// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* iface.c - interface lookup. Only Ethernet-framed devices are counted: the
 * parser starts at an Ethernet header, and an L3 device (tun, wireguard)
 * hands TC a bare IP packet. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "iface.h"
#include "log.h"

static int iface_query(int sock, const char *name, short *flags, int *hwtype)
{
	struct ifreq ifr = {};

	strncpy(ifr.ifr_name, name, IF_NAMESIZE - 1);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr))
		return -errno;
	*flags = ifr.ifr_flags;
	if (ioctl(sock, SIOCGIFHWADDR, &ifr))
		return -errno;
	*hwtype = ifr.ifr_hwaddr.sa_family;
	return 0;
}

static int add_named(int sock, char *name, struct kf_iface *out, int n)
{
	short flags;
	int hwtype, idx, i;

	idx = if_nametoindex(name);
	if (!idx || strlen(name) >= IF_NAMESIZE) {
		pr_warn("error: --iface: no interface named '%s' in this network namespace\n",
			name);
		return -ENODEV;
	}
	if (iface_query(sock, name, &flags, &hwtype) == 0 && hwtype != ARPHRD_ETHER) {
		pr_warn("error: --iface: '%s' is not an Ethernet device (type %d)\n", name,
			hwtype);
		return -EOPNOTSUPP;
	}
	for (i = 0; i < n; i++) {
		if (out[i].ifindex == idx) {
			pr_warn("error: --iface: '%s' is listed twice\n", name);
			return -EINVAL;
		}
	}
	out[n].ifindex = idx;
	strcpy(out[n].name, name);
	return 0;
}

int kf_ifaces_resolve(const char *list, struct kf_iface **out)
{
	struct if_nameindex *all = NULL, *it;
	struct kf_iface *ifs = NULL;
	char *copy = NULL, *tok, *save = NULL;
	int sock, n = 0, cap = 0, err = 0;
	short flags;
	int hwtype;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		pr_warn("error: cannot open a socket for interface queries: %s\n",
			strerror(errno));
		return -errno;
	}
	all = if_nameindex();
	if (!all) {
		err = -errno;
		pr_warn("error: cannot list interfaces: %s\n", strerror(errno));
		goto out;
	}
	for (it = all; it->if_index; it++)
		cap++;
	ifs = calloc(cap + 1, sizeof(*ifs));
	if (!ifs) {
		err = -ENOMEM;
		goto out;
	}
	if (list) {
		copy = strdup(list);
		if (!copy) {
			err = -ENOMEM;
			goto out;
		}
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (n == cap) {
				err = -EINVAL;
				pr_warn("error: --iface: more names than interfaces\n");
				goto out;
			}
			err = add_named(sock, tok, ifs, n);
			if (err)
				goto out;
			n++;
		}
	} else {
		for (it = all; it->if_index; it++) {
			if (iface_query(sock, it->if_name, &flags, &hwtype))
				continue;
			if (!(flags & IFF_UP) || (flags & IFF_LOOPBACK))
				continue;
			if (hwtype != ARPHRD_ETHER) {
				pr_info("skipping %s: not an Ethernet device (type %d)\n",
					it->if_name, hwtype);
				continue;
			}
			ifs[n].ifindex = it->if_index;
			strncpy(ifs[n].name, it->if_name, IF_NAMESIZE - 1);
			n++;
		}
	}
	if (!n) {
		err = -ENODEV;
		pr_warn("error: no interface to count on (none up besides loopback)\n");
	}
out:
	free(copy);
	if (all)
		if_freenameindex(all);
	close(sock);
	if (err) {
		free(ifs);
		return err;
	}
	*out = ifs;
	return n;
}

const char *kf_ifname(int ifindex, char buf[IF_NAMESIZE])
{
	if (!if_indextoname(ifindex, buf))
		buf[0] = '\0';
	return buf;
}
