// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pods.c - pod metadata without the Kubernetes API. The kubelet names each
 * pod's log directory `<namespace>_<pod>_<uid>` (namespaces and pod names
 * are DNS labels, so they hold no '_'). A pod's addresses are those of the
 * network namespace its processes run in (RTM_GETADDR after setns), and its
 * veth's IFLA_LINK is the ifindex of the host-side end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include "log.h"
#include "nldump.h"
#include "pods.h"

static void *grow(void *p, size_t n, size_t size)
{
	/* n is the count before adding one; capacity is 16, then doubles. */
	if (n && (n < 16 || (n & (n - 1))))
		return p;
	return realloc(p, (n ? n * 2 : 16) * size);
}

static void load_names(struct kf_pods *p, const char *root)
{
	struct dirent *de;
	DIR *d = opendir(root);

	if (!d)
		return;
	while ((de = readdir(d))) {
		const char *first = strchr(de->d_name, '_'), *last = strrchr(de->d_name, '_');
		struct kf_pod *t, *pod;
		size_t nslen, podlen;

		if (!first || last == first || strlen(last + 1) != KF_POD_UID_LEN)
			continue;
		nslen = first - de->d_name;
		podlen = last - first - 1;
		if (nslen >= sizeof(pod->ns) || podlen >= sizeof(pod->name))
			continue;
		t = grow(p->pods, p->npods, sizeof(*t));
		if (!t)
			break;
		p->pods = t;
		pod = &p->pods[p->npods++];
		memcpy(pod->ns, de->d_name, nslen);
		pod->ns[nslen] = '\0';
		memcpy(pod->name, first + 1, podlen);
		pod->name[podlen] = '\0';
		strcpy(pod->uid, last + 1);
	}
	closedir(d);
}

struct nl_ctx {
	struct kf_pods *p;
	const char *uid;
};

static int add_pod_ip(__u8 family, const __u8 *addr, __u8 scope, void *data)
{
	struct nl_ctx *c = data;
	struct kf_pod_ip *t, *ip;

	if (scope == RT_SCOPE_HOST)
		return 0;
	t = grow(c->p->ips, c->p->nips, sizeof(*t));
	if (!t)
		return -ENOMEM;
	c->p->ips = t;
	ip = &c->p->ips[c->p->nips++];
	memset(ip, 0, sizeof(*ip));
	ip->family = family;
	memcpy(ip->addr, addr, family == 4 ? 4 : 16);
	strcpy(ip->uid, c->uid);
	return 0;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_get_type(a) <= IFLA_MAX)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int info_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_get_type(a) <= IFLA_INFO_MAX)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ctx *c = data;
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = {};
	struct kf_pod_link *t;

	const struct nlattr *info[IFLA_INFO_MAX + 1] = {};

	mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, tb);
	/* A pod's veth names its peer's ifindex (in the node's namespace). */
	if (!tb[IFLA_LINK] || !tb[IFLA_LINKINFO])
		return MNL_CB_OK;
	mnl_attr_parse_nested(tb[IFLA_LINKINFO], info_attr_cb, info);
	if (!info[IFLA_INFO_KIND] || strcmp(mnl_attr_get_str(info[IFLA_INFO_KIND]), "veth"))
		return MNL_CB_OK;
	t = grow(c->p->links, c->p->nlinks, sizeof(*t));
	if (!t)
		return MNL_CB_ERROR;
	c->p->links = t;
	memset(&t[c->p->nlinks], 0, sizeof(*t)); /* realloc leaves `carried` unset */
	t[c->p->nlinks].host_ifindex = mnl_attr_get_u32(tb[IFLA_LINK]);
	strcpy(t[c->p->nlinks++].uid, c->uid);
	return MNL_CB_OK;
}

static void nl_dump(struct mnl_socket *nl, int type, __u8 family, mnl_cb_t cb, struct nl_ctx *c)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtgenmsg *g;

	g = mnl_nlmsg_put_extra_header(kf_nl_dump_request(buf, type), sizeof(*g));
	g->rtgen_family = family;
	kf_nl_dump(nl, buf, cb, c);
}

static void scan_pod_netns(struct kf_pods *p, const char *uid)
{
	struct nl_ctx c = { .p = p, .uid = uid };
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);

	if (!nl)
		return;
	if (!mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID))
		nl_dump(nl, RTM_GETLINK, AF_UNSPEC, link_cb, &c);
	mnl_socket_close(nl);
	kf_nl_dump_addrs(add_pod_ip, &c);
}

/* The v2 line of /proc/<pid>/cgroup: "0::<path>". */
static bool pid_cgroup(unsigned long pid, char *buf, size_t len)
{
	char path[64], line[4096];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%lu/cgroup", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(buf, len, "%s", line + 3);
		found = true;
	}
	fclose(f);
	return found;
}

static void load_netns(struct kf_pods *p)
{
	int self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	struct stat self_st;
	__u64 *seen = NULL;
	size_t nseen = 0;
	struct dirent *de;
	char cg[4096];
	DIR *proc;

	if (self_ns < 0 || fstat(self_ns, &self_st))
		goto out;
	proc = opendir("/proc");
	if (!proc)
		goto out;
	while ((de = readdir(proc))) {
		unsigned long pid = strtoul(de->d_name, NULL, 10);
		struct kf_cg_info info;
		char path[64];
		struct stat st;
		bool dup = false;
		__u64 *t;
		int fd;

		if (!pid || !pid_cgroup(pid, cg, sizeof(cg)) || !kf_cg_parse(cg, &info) ||
		    !info.pod_uid[0])
			continue;
		snprintf(path, sizeof(path), "/proc/%lu/ns/net", pid);
		if (stat(path, &st) || st.st_ino == self_st.st_ino)
			continue; /* hostNetwork pods share the node's addresses */
		for (size_t i = 0; i < nseen; i++)
			dup |= seen[i] == st.st_ino;
		if (dup)
			continue;
		t = grow(seen, nseen, sizeof(*t));
		if (!t)
			break;
		seen = t;
		seen[nseen++] = st.st_ino;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0 && !setns(fd, CLONE_NEWNET))
			scan_pod_netns(p, info.pod_uid);
		if (fd >= 0)
			close(fd);
	}
	closedir(proc);
	if (setns(self_ns, CLONE_NEWNET))
		pr_warn("cannot return to the agent's network namespace: %s\n", strerror(errno));
out:
	free(seen);
	if (self_ns >= 0)
		close(self_ns);
}

void kf_pods_free(struct kf_pods *p)
{
	free(p->pods);
	free(p->ips);
	free(p->links);
	memset(p, 0, sizeof(*p));
}

/* Entries of the previous scan that this one lacks are kept once more: a
 * pod that went away during the interval still names the flows it had. */
static void carry_over(struct kf_pods *p, const struct kf_pods *old)
{
	for (size_t i = 0; i < old->nips; i++) {
		const struct kf_pod_ip *ip = &old->ips[i];
		struct kf_pod_ip *t;

		if (ip->carried || kf_pod_uid_by_ip(p, ip->family, ip->addr))
			continue;
		t = grow(p->ips, p->nips, sizeof(*t));
		if (!t)
			return;
		p->ips = t;
		p->ips[p->nips] = *ip;
		p->ips[p->nips++].carried = true;
	}
	for (size_t i = 0; i < old->nlinks; i++) {
		const struct kf_pod_link *l = &old->links[i];
		struct kf_pod_link *t;

		if (l->carried || kf_pod_uid_by_link(p, l->host_ifindex))
			continue;
		t = grow(p->links, p->nlinks, sizeof(*t));
		if (!t)
			return;
		p->links = t;
		p->links[p->nlinks] = *l;
		p->links[p->nlinks++].carried = true;
	}
}

void kf_pods_refresh(struct kf_pods *p, const char *log_root)
{
	struct kf_pods old = *p;

	memset(p, 0, sizeof(*p));
	load_names(p, log_root);
	load_netns(p);
	carry_over(p, &old);
	kf_pods_free(&old);
}

const struct kf_pod *kf_pod_by_uid(const struct kf_pods *p, const char *uid)
{
	for (size_t i = 0; i < p->npods; i++)
		if (!strcmp(p->pods[i].uid, uid))
			return &p->pods[i];
	return NULL;
}

const char *kf_pod_uid_by_ip(const struct kf_pods *p, __u8 family, const __u8 *addr)
{
	for (size_t i = 0; i < p->nips; i++)
		if (p->ips[i].family == family &&
		    !memcmp(p->ips[i].addr, addr, family == 4 ? 4 : 16))
			return p->ips[i].uid;
	return NULL;
}

const char *kf_pod_uid_by_link(const struct kf_pods *p, int host_ifindex)
{
	for (size_t i = 0; i < p->nlinks; i++)
		if (p->links[i].host_ifindex == host_ifindex)
			return p->links[i].uid;
	return NULL;
}
