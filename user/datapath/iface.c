// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* iface.c - interface lookup. Only Ethernet-framed devices are counted: the
 * parser starts at an Ethernet header, and an L3 device (tun, wireguard)
 * hands TC a bare IP packet. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "iface.h"
#include "log.h"
#include "opts.h"

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

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static bool matches_any(const char *list, const char *name, bool *literal_hit)
{
	char copy[KF_IFACE_LIST_MAX + 1], *tok, *save = NULL;

	snprintf(copy, sizeof(copy), "%s", list);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!fnmatch(tok, name, 0)) {
			if (literal_hit && !has_glob(tok))
				*literal_hit = true;
			return true;
		}
	}
	return false;
}

bool kf_iface_wanted(const char *list, const char *exclude, const char *name)
{
	if (exclude && matches_any(exclude, name, NULL))
		return false;
	return !list || matches_any(list, name, NULL);
}

/* Every plain name in the list must name an interface of this namespace
 * that --exclude-iface leaves in; a list of no name (",") names none: either
 * would wait for an interface that can never be counted. */
static int check_literals(int sock, const char *list, const char *exclude)
{
	char copy[KF_IFACE_LIST_MAX + 1], *tok, *save = NULL;
	short flags;
	int hwtype, names = 0;

	snprintf(copy, sizeof(copy), "%s", list);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		names++;
		if (has_glob(tok))
			continue;
		if (exclude && matches_any(exclude, tok, NULL)) {
			pr_warn("error: --iface: '%s' is also excluded by --exclude-iface\n", tok);
			return -EINVAL;
		}
		if (strlen(tok) >= IF_NAMESIZE || !if_nametoindex(tok)) {
			pr_warn("error: --iface: no interface named '%s' in this network namespace\n",
				tok);
			return -ENODEV;
		}
		if (iface_query(sock, tok, &flags, &hwtype) == 0 && hwtype != ARPHRD_ETHER) {
			pr_warn("error: --iface: '%s' is not an Ethernet device (type %d)\n", tok,
				hwtype);
			return -EOPNOTSUPP;
		}
	}
	if (!names) {
		pr_warn("error: --iface '%s': no interface name in it\n", list);
		return -EINVAL;
	}
	return 0;
}

int kf_ifaces_resolve(const char *list, const char *exclude, struct kf_iface **out)
{
	struct if_nameindex *all = NULL, *it;
	struct kf_iface *ifs = NULL;
	int sock, n = 0, cap = 0, err = 0;
	short flags;
	int hwtype;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		pr_warn("error: cannot open a socket for interface queries: %s\n",
			strerror(errno));
		return -errno;
	}
	if (list) {
		err = check_literals(sock, list, exclude);
		if (err)
			goto out;
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
	for (it = all; it->if_index; it++) {
		bool literal = false;

		if (list && !matches_any(list, it->if_name, &literal))
			continue;
		if (exclude && matches_any(exclude, it->if_name, NULL))
			continue;
		if (iface_query(sock, it->if_name, &flags, &hwtype))
			continue;
		if (!literal && (!(flags & IFF_UP) || (flags & IFF_LOOPBACK)))
			continue;
		if (hwtype != ARPHRD_ETHER) {
			pr_info("skipping %s: not an Ethernet device (type %d)\n", it->if_name,
				hwtype);
			continue;
		}
		ifs[n].ifindex = it->if_index;
		snprintf(ifs[n].name, IF_NAMESIZE, "%s", it->if_name);
		kf_ifname_remember(ifs[n].ifindex, ifs[n].name);
		n++;
	}
	if (!n)
		pr_info("no interface to count on yet: waiting for one to come up\n");
out:
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

#define KF_NAME_CACHE 1024
static struct {
	int ifindex;
	char name[IF_NAMESIZE];
} name_cache[KF_NAME_CACHE];

void kf_ifname_remember(int ifindex, const char *name)
{
	int slot = ifindex % KF_NAME_CACHE;

	name_cache[slot].ifindex = ifindex;
	snprintf(name_cache[slot].name, IF_NAMESIZE, "%s", name);
}

const char *kf_ifname(int ifindex, char buf[IF_NAMESIZE])
{
	if (ifindex > 0 && name_cache[ifindex % KF_NAME_CACHE].ifindex == ifindex)
		return name_cache[ifindex % KF_NAME_CACHE].name;
	if (!if_indextoname(ifindex, buf))
		buf[0] = '\0';
	return buf;
}
