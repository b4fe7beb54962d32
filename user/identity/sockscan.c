// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * sockscan.c - the `ss -tunpe` join done once per interval at most, and only
 * when a flow's socket or its owner is missing from the BPF tables: for each
 * network namespace (found through /proc/<pid>/ns/net) a SOCK_DIAG_BY_FAMILY
 * dump over libmnl gives cookie, inode, state, addresses, ports and cgroup
 * id of every TCP and UDP socket, and RTM_GETADDR the namespace's own
 * addresses; /proc/<pid>/fd gives inode -> pid. UDP sockets that are open
 * at a drain are found here by their tuple: no BPF program runs per packet
 * to name them (bpf/identity.bpf.c names them when they bind or close).
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
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include "log.h"
#include "nldump.h"
#include "sockscan.h"

#define TCP_LISTEN 10

struct diag_sock {
	__u64 cookie;
	__u64 inode;
	__u64 cgroup_id;
	__u16 port;
	__u8 proto;
	__u8 listening; /* TCP LISTEN, or UDP with no peer */
	__u8 family; /* 4 or 6 */
	__u16 rport; /* the peer's port, 0 when not connected */
	__u32 ns; /* index of its network namespace in the scan */
	__u8 local[16]; /* IPv4 in the first 4 bytes; all zero: any address */
	__u8 remote[16];
};

/* An address of a network namespace (its interfaces'). */
struct ns_addr {
	__u32 ns;
	__u8 family;
	__u8 addr[16];
};

struct inode_pid {
	__u64 inode;
	__u32 pid;
};

struct kf_sockscan {
	struct diag_sock *socks;
	size_t nsocks, capsocks;
	struct inode_pid *inodes;
	size_t ninodes, capinodes;
	struct ns_addr *addrs;
	size_t naddrs, capaddrs;
	__u32 cur_ns; /* the namespace being dumped */
};

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	void *t;

	if (n < *cap)
		return 0;
	t = realloc(*p, (*cap ? *cap * 2 : 256) * size);
	if (!t)
		return -ENOMEM;
	*p = t;
	*cap = *cap ? *cap * 2 : 256;
	return 0;
}

struct dump_ctx {
	struct kf_sockscan *s;
	__u8 proto;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	__u64 *cg = data;

	if (mnl_attr_get_type(a) == INET_DIAG_CGROUP_ID &&
	    mnl_attr_get_payload_len(a) >= sizeof(__u64))
		*cg = *(__u64 *)mnl_attr_get_payload(a);
	return MNL_CB_OK;
}

static int diag_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct diag_sock *d;
	__u64 cg = 0;

	if (grow((void **)&c->s->socks, &c->s->capsocks, c->s->nsocks, sizeof(*d)))
		return MNL_CB_ERROR;
	mnl_attr_parse(nlh, sizeof(*m), attr_cb, &cg);
	d = &c->s->socks[c->s->nsocks++];
	memset(d, 0, sizeof(*d));
	d->cookie = m->id.idiag_cookie[0] | (__u64)m->id.idiag_cookie[1] << 32;
	d->inode = m->idiag_inode;
	d->cgroup_id = cg;
	d->port = ntohs(m->id.idiag_sport);
	d->proto = c->proto;
	d->listening = c->proto == IPPROTO_TCP ? m->idiag_state == TCP_LISTEN :
						 m->id.idiag_dport == 0;
	d->family = m->idiag_family == AF_INET ? 4 : 6;
	d->rport = ntohs(m->id.idiag_dport);
	d->ns = c->s->cur_ns;
	memcpy(d->local, m->id.idiag_src, d->family == 4 ? 4 : 16);
	memcpy(d->remote, m->id.idiag_dst, d->family == 4 ? 4 : 16);
	return MNL_CB_OK;
}

static int add_addr(__u8 family, const __u8 *addr, __u8 scope, void *data)
{
	struct kf_sockscan *s = data;
	struct ns_addr *na;

	(void)scope;
	if (grow((void **)&s->addrs, &s->capaddrs, s->naddrs, sizeof(*na)))
		return -ENOMEM;
	na = &s->addrs[s->naddrs++];
	memset(na, 0, sizeof(*na));
	na->ns = s->cur_ns;
	na->family = family;
	memcpy(na->addr, addr, family == 4 ? 4 : 16);
	return 0;
}

static void diag_dump(struct mnl_socket *nl, struct kf_sockscan *s, __u8 family, __u8 proto)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct inet_diag_req_v2 *req;
	struct dump_ctx c = { .s = s, .proto = proto };

	req = mnl_nlmsg_put_extra_header(kf_nl_dump_request(buf, SOCK_DIAG_BY_FAMILY), sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = proto;
	req->idiag_states = ~0U;
	kf_nl_dump(nl, buf, diag_cb, &c);
}

static void scan_netns(struct kf_sockscan *s)
{
	static const __u8 fams[] = { AF_INET, AF_INET6 }, protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct mnl_socket *nl = mnl_socket_open(NETLINK_SOCK_DIAG);

	if (!nl)
		return;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0)
		for (int f = 0; f < 2; f++)
			for (int p = 0; p < 2; p++)
				diag_dump(nl, s, fams[f], protos[p]);
	mnl_socket_close(nl);
	kf_nl_dump_addrs(add_addr, s);
}

static int by_port(const void *a, const void *b)
{
	const struct diag_sock *x = a, *y = b;

	return (int)x->port - (int)y->port;
}

static bool seen_ns(const __u64 *seen, size_t n, __u64 ino)
{
	for (size_t i = 0; i < n; i++)
		if (seen[i] == ino)
			return true;
	return false;
}

/* One pass over /proc: socket inodes of every fd, and each distinct netns
 * entered once for its sock_diag dump. */
struct kf_sockscan *kf_sockscan_run(void)
{
	struct kf_sockscan *s = calloc(1, sizeof(*s));
	__u64 *netns = NULL;
	size_t nnetns = 0, capnetns = 0;
	int self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	struct dirent *p, *fd;
	char path[300], link[64];
	DIR *proc;

	if (!s || self_ns < 0)
		goto fail;
	proc = opendir("/proc");
	if (!proc)
		goto fail;
	while ((p = readdir(proc))) {
		unsigned long pid = strtoul(p->d_name, NULL, 10);
		struct stat st;
		DIR *fds;

		if (!pid)
			continue;
		snprintf(path, sizeof(path), "/proc/%lu/ns/net", pid);
		if (!stat(path, &st) && !seen_ns(netns, nnetns, st.st_ino) &&
		    !grow((void **)&netns, &capnetns, nnetns, sizeof(*netns))) {
			int nsfd = open(path, O_RDONLY | O_CLOEXEC);

			s->cur_ns = nnetns;
			netns[nnetns++] = st.st_ino;
			if (nsfd >= 0 && !setns(nsfd, CLONE_NEWNET))
				scan_netns(s);
			if (nsfd >= 0)
				close(nsfd);
		}
		snprintf(path, sizeof(path), "/proc/%lu/fd", pid);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((fd = readdir(fds))) {
			char fdpath[600];
			ssize_t n;
			__u64 ino;

			snprintf(fdpath, sizeof(fdpath), "%s/%s", path, fd->d_name);
			n = readlink(fdpath, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (sscanf(link, "socket:[%llu]", (unsigned long long *)&ino) != 1)
				continue;
			if (grow((void **)&s->inodes, &s->capinodes, s->ninodes, sizeof(*s->inodes)))
				break;
			s->inodes[s->ninodes].inode = ino;
			s->inodes[s->ninodes++].pid = pid;
		}
		closedir(fds);
	}
	closedir(proc);
	if (s->nsocks)
		qsort(s->socks, s->nsocks, sizeof(*s->socks), by_port);
	if (setns(self_ns, CLONE_NEWNET))
		pr_warn("cannot return to the agent's network namespace: %s\n", strerror(errno));
	close(self_ns);
	free(netns);
	return s;
fail:
	if (self_ns >= 0)
		close(self_ns);
	kf_sockscan_free(s);
	pr_warn("socket scan failed: %s\n", strerror(errno));
	return NULL;
}

void kf_sockscan_free(struct kf_sockscan *s)
{
	if (!s)
		return;
	free(s->socks);
	free(s->inodes);
	free(s->addrs);
	free(s);
}

static int owner_of_inode(const struct kf_sockscan *s, __u64 inode, __u64 cgroup,
			  struct sock_owner *o)
{
	char path[64];
	FILE *f;

	for (size_t i = 0; inode && i < s->ninodes; i++) {
		if (s->inodes[i].inode != inode)
			continue;
		memset(o, 0, sizeof(*o));
		o->tgid = s->inodes[i].pid;
		o->cgroup_id = cgroup;
		snprintf(path, sizeof(path), "/proc/%u/comm", o->tgid);
		f = fopen(path, "r");
		if (f) {
			if (fgets(o->comm, sizeof(o->comm), f))
				o->comm[strcspn(o->comm, "\n")] = '\0';
			fclose(f);
		}
		return 0;
	}
	return -ENOENT;
}

int kf_sockscan_by_cookie(const struct kf_sockscan *s, __u64 cookie, struct sock_owner *o)
{
	for (size_t i = 0; s && i < s->nsocks; i++)
		if (s->socks[i].cookie == cookie)
			return owner_of_inode(s, s->socks[i].inode, s->socks[i].cgroup_id, o);
	return -ENOENT;
}

int kf_sockscan_by_bind(const struct kf_sockscan *s, const struct bind_key *k,
			struct sock_owner *o)
{
	for (size_t i = 0; s && i < s->nsocks; i++) {
		const struct diag_sock *d = &s->socks[i];

		if (d->listening && d->port == k->port && d->proto == k->proto &&
		    d->cgroup_id == k->cgroup_id && !owner_of_inode(s, d->inode, d->cgroup_id, o))
			return 0;
	}
	return -ENOENT;
}

static bool ns_has(const struct kf_sockscan *s, __u32 ns, __u8 family, const __u8 *addr)
{
	for (size_t i = 0; i < s->naddrs; i++)
		if (s->addrs[i].ns == ns && s->addrs[i].family == family &&
		    !memcmp(s->addrs[i].addr, addr, family == 4 ? 4 : 16))
			return true;
	return false;
}

int kf_sockscan_by_tuple(const struct kf_sockscan *s, const struct sock_tuple *t, __u8 end_family,
			 const __u8 *end_addr, struct sock_ref *ref)
{
	struct diag_sock probe = { .port = t->local_port };
	const struct diag_sock *d;
	size_t lo = 0, hi, mid;

	if (!s || !s->nsocks)
		return -ENOENT;
	/* The first socket of the port: the array is sorted by port. */
	hi = s->nsocks;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (by_port(&s->socks[mid], &probe) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (d = &s->socks[lo]; d < s->socks + s->nsocks && d->port == t->local_port; d++) {
		if (d->proto != t->proto || d->family != t->family || d->rport != t->remote_port ||
		    memcmp(d->local, t->local, 16) || memcmp(d->remote, t->remote, 16))
			continue;
		/* Namespaces may share addresses and ports: the socket's own
		 * namespace must hold the flow end's address. */
		if (!ns_has(s, d->ns, end_family, end_addr))
			continue;
		memset(ref, 0, sizeof(*ref)); /* no owner: find_owner() looks it up */
		ref->cookie = d->cookie;
		ref->cgroup_id = d->cgroup_id;
		return 0;
	}
	return -ENOENT;
}
