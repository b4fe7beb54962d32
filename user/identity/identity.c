// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * identity.c - joins a flow's ends to local sockets and their owners.
 *
 * An end (address, port) of a TCP/UDP flow is looked up in kf_sock_tuple as
 * the socket would see itself: connected first, then bound to its address
 * with no peer, then bound to the wildcard address; IPv4 ends are also tried
 * as v4-mapped IPv6, for dual-stack sockets. The socket's cgroup gives the
 * container and pod; a TCP client's entry holds its process, else the
 * socket's cookie gives the process (kf_sock_owner), else the
 * process that bound the port in that cgroup (kf_bind_owner, for accepted
 * sockets), else a sock_diag + /proc scan (sockets older than the agent).
 * A UDP end missing from kf_sock_tuple is looked up in that scan by the same
 * forms: a UDP socket is named by BPF only when it binds or closes.
 * An end that is no socket here but a local pod's address gets the pod.
 * Nothing is guessed: what is not found stays empty and is counted.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netinet/in.h>
#include "identity.h"
#include "log.h"

/* Sums of kf_id_errors over the CPUs; zeros when it cannot be read. */
static void bpf_errors(struct kf_identity *id, __u64 sum[KF_IDE_MAX])
{
	int fd = bpf_map__fd(id->bpf.skel->maps.kf_id_errors), ncpus = libbpf_num_possible_cpus();
	__u64 *v = ncpus > 0 ? calloc(ncpus, sizeof(*v)) : NULL;

	memset(sum, 0, KF_IDE_MAX * sizeof(*sum));
	for (__u32 i = 0; v && i < KF_IDE_MAX; i++) {
		if (bpf_map_lookup_elem(fd, &i, v))
			continue;
		for (int c = 0; c < ncpus; c++)
			sum[i] += v[c];
	}
	free(v);
}

int kf_identity_start(struct kf_identity *id, const char *pin_path, const char *cg_root,
		      const char *log_root, const char *cluster, bool per_packet)
{
	const char *node = getenv("NODE_NAME");
	int err;

	id->log_root = log_root;
	id->cluster = cluster ? cluster : "";
	if (node && node[0])
		snprintf(id->node, sizeof(id->node), "%s", node);
	else if (gethostname(id->node, sizeof(id->node) - 1))
		id->node[0] = '\0';
	err = kf_idbpf_start(&id->bpf, pin_path, cg_root, per_packet);
	if (err)
		return err;
	/* cgroup_mkdir now names every new cgroup; the walk names those made
	 * before, while they exist. */
	kf_cg_set_names_map(bpf_map__fd(id->bpf.skel->maps.kf_cg_names));
	kf_cg_walk();
	bpf_errors(id, id->bpf_errors); /* a persisted agent's counts are not ours */
	id->enabled = true;
	return 0;
}

void kf_identity_stop(struct kf_identity *id, bool keep)
{
	kf_cg_set_names_map(-1);
	kf_idbpf_stop(&id->bpf, keep);
	kf_pods_free(&id->pods);
	kf_sockscan_free(id->scan);
	id->scan = NULL;
	id->enabled = false;
}

void kf_identity_interval(struct kf_identity *id)
{
	if (!id->enabled)
		return;
	kf_cg_refresh();
	kf_pods_refresh(&id->pods, id->log_root);
	pr_debug("identity: %zu named pods, %zu pod addresses, %zu pod veths\n", id->pods.npods,
		 id->pods.nips, id->pods.nlinks);
	kf_sockscan_free(id->scan);
	id->scan = NULL;
	id->scanned = false;
}

static void v4_mapped(__u8 out[16], const __u8 *v4)
{
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, v4, 4);
}

/* The socket scan of this interval, taken at its first need. */
static void scan_once(struct kf_identity *id)
{
	if (!id->scanned) {
		id->scan = kf_sockscan_run();
		id->scanned = true;
	}
}

/* The forms of a flow end as kf_sock_tuple holds sockets, most exact first;
 * from_scan: look in the socket scan instead (UDP sockets still open that
 * no hook named, since none runs per packet; TCP connections older than the
 * agent, whose hooks ran before it attached its own). */
static int find_socket_in(struct kf_identity *id, const struct flow_key *k, int side,
			  struct sock_ref *ref, bool from_scan)
{
	int fd = bpf_map__fd(id->bpf.skel->maps.kf_sock_tuple);
	const __u8 *local = side ? k->addr_b : k->addr_a, *remote = side ? k->addr_a : k->addr_b;
	struct sock_tuple t;

	for (int form = 0; form < 6; form++) {
		bool mapped = form & 1; /* odd forms: IPv4 end, dual-stack socket */
		int bound = form / 2; /* 0 connected, 1 bound address, 2 wildcard */

		if (mapped && k->family != 4)
			continue;
		memset(&t, 0, sizeof(t));
		t.proto = k->proto;
		t.family = mapped ? 6 : k->family;
		t.local_port = side ? k->port_b : k->port_a;
		if (bound == 0)
			t.remote_port = side ? k->port_a : k->port_b;
		if (mapped) {
			if (bound < 2)
				v4_mapped(t.local, local);
			if (bound == 0)
				v4_mapped(t.remote, remote);
		} else {
			if (bound < 2)
				memcpy(t.local, local, 16);
			if (bound == 0)
				memcpy(t.remote, remote, 16);
		}
		if (from_scan ? !kf_sockscan_by_tuple(id->scan, &t, k->family, local, ref) :
				!bpf_map_lookup_elem(fd, &t, ref))
			return 0;
	}
	return -1;
}

/* The socket of one end, trying the ways a socket may see itself. */
static int find_socket(struct kf_identity *id, const struct flow_key *k, int side,
		       struct sock_ref *ref)
{
	if (!find_socket_in(id, k, side, ref, false))
		return 0;
	if (k->proto != IPPROTO_UDP && k->proto != IPPROTO_TCP)
		return -1;
	scan_once(id);
	return find_socket_in(id, k, side, ref, true);
}

static int find_owner(struct kf_identity *id, const struct sock_ref *ref, __u16 port, __u8 proto,
		      struct sock_owner *o)
{
	struct bind_key bk = { .cgroup_id = ref->cgroup_id, .port = port, .proto = proto };

	if (ref->tgid) {
		memset(o, 0, sizeof(*o));
		o->tgid = ref->tgid;
		o->cgroup_id = ref->cgroup_id;
		memcpy(o->comm, ref->comm, sizeof(o->comm));
		return 0;
	}
	if (!bpf_map_lookup_elem(bpf_map__fd(id->bpf.skel->maps.kf_sock_owner), &ref->cookie, o))
		return 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(id->bpf.skel->maps.kf_bind_owner), &bk, o))
		return 0;
	scan_once(id); /* sockets older than the agent, UDP sockets still open */
	if (!kf_sockscan_by_cookie(id->scan, ref->cookie, o))
		return 0;
	return kf_sockscan_by_bind(id->scan, &bk, o);
}

void kf_identity_resolve(struct kf_identity *id, const struct flow_key *k, int side,
			 struct kf_side_id *out)
{
	struct kf_cg_info info;
	struct sock_owner o;
	struct sock_ref ref;
	const char *path, *uid;

	if (!id->enabled || out->tried)
		return;
	memset(out, 0, sizeof(*out));
	out->tried = true;
	if ((k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP) && !find_socket(id, k, side, &ref)) {
		out->local = true;
		if (!find_owner(id, &ref, side ? k->port_b : k->port_a, k->proto, &o)) {
			out->pid = o.tgid;
			memcpy(out->comm, o.comm, sizeof(out->comm));
			out->comm[sizeof(out->comm) - 1] = '\0';
		} else {
			id->stats[KF_ID_NO_OWNER]++;
		}
		path = ref.cgroup_id ? kf_cg_path(ref.cgroup_id) : NULL;
		if (!path) {
			id->stats[KF_ID_NO_CGROUP]++;
		} else if (kf_cg_parse(path, &info)) {
			strcpy(out->container_id, info.container_id);
			strcpy(out->pod_uid, info.pod_uid);
			out->runtime = info.runtime;
		}
		return;
	}
	uid = kf_pod_uid_by_ip(&id->pods, k->family, side ? k->addr_b : k->addr_a);
	if (uid) {
		out->local = true;
		strcpy(out->pod_uid, uid);
	}
}

const char *kf_identity_obs_point(const struct kf_identity *id, const struct flow_key *k,
				  const struct kf_side_id *c, const struct kf_side_id *s)
{
	const char *pod = kf_pod_uid_by_link(&id->pods, k->ifindex);

	if (pod && c->pod_uid[0] && !strcmp(pod, c->pod_uid))
		return "c";
	if (pod && s->pod_uid[0] && !strcmp(pod, s->pod_uid))
		return "s";
	if (c->local && s->local)
		return "local";
	if (c->local)
		return "c-nd";
	if (s->local)
		return "s-nd";
	return "";
}

const struct kf_pod *kf_identity_pod(const struct kf_identity *id, const struct kf_side_id *s)
{
	return s->pod_uid[0] ? kf_pod_by_uid(&id->pods, s->pod_uid) : NULL;
}

void kf_identity_log(struct kf_identity *id)
{
	__u64 now[KF_IDE_MAX];

	if (id->stats[KF_ID_NO_OWNER] || id->stats[KF_ID_NO_CGROUP])
		pr_info("identity this interval: %llu local sockets without a process, %llu "
			"without a cgroup path (left empty)\n",
			(unsigned long long)id->stats[KF_ID_NO_OWNER],
			(unsigned long long)id->stats[KF_ID_NO_CGROUP]);
	memset(id->stats, 0, sizeof(id->stats));
	if (!id->enabled)
		return;
	bpf_errors(id, now);
	for (int i = 0; i < KF_IDE_MAX; i++) {
		static const char *const what[KF_IDE_MAX] = {
			[KF_IDE_OWNER] = "socket owners not stored (kf_sock_owner/kf_bind_owner)",
			[KF_IDE_TUPLE] = "socket tuples not stored (kf_sock_tuple)",
			[KF_IDE_CG_READ] = "new cgroups whose path could not be read",
			[KF_IDE_CG_STORE] = "new cgroup paths not stored (kf_cg_names)",
		};

		if (now[i] > id->bpf_errors[i])
			pr_info("identity this interval: %llu %s\n",
				(unsigned long long)(now[i] - id->bpf_errors[i]), what[i]);
		id->bpf_errors[i] = now[i];
	}
}
