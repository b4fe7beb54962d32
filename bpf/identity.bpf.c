// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * identity.bpf.c - which process and cgroup own the local sockets.
 *
 * Logic: socket-address hooks run in the process that creates, binds,
 * connects or sends on a socket, so the pid, command and cgroup taken there
 * are right; they fill kf_sock_owner (by socket cookie) and kf_bind_owner
 * (by cgroup and port, for accepted sockets, which no process creates).
 * cgroup_skb sees every packet of a local socket, in every network
 * namespace, with skb->sk set; once per socket (a flag in socket storage) it
 * records the socket's own 5-tuple with its cookie and cgroup in
 * kf_sock_tuple. The agent joins a flow's addresses to these tables once per
 * flow and interval. A socket's cgroup names its container and pod, but a
 * short-lived container's cgroup is gone by the end of the interval, so
 * cgroup_mkdir records each cgroup v2 path in kf_cg_names as it is made.
 * All programs only observe: they always allow.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>
#include "kflow.h"

/* The kernel fields cgroup_mkdir reads, placed by CO-RE from the running
 * kernel's BTF: three fields do not warrant a whole vmlinux.h. */
struct kernfs_node {
	__u64 id; /* the cgroup id on the v2 hierarchy (its inode number) */
} __attribute__((preserve_access_index));

struct cgroup_root {
	int hierarchy_id; /* 0 is the v2 hierarchy, as in /proc/<pid>/cgroup */
} __attribute__((preserve_access_index));

struct cgroup {
	struct kernfs_node *kn;
	struct cgroup_root *root;
} __attribute__((preserve_access_index));

/* Socket cookie -> struct sock_owner. Written in process context (create,
 * bind, connect, sendmsg), read by the agent. LRU, so sockets of processes
 * long gone leave by themselves; never deleted on close, so a process that
 * lived a few milliseconds is still there at the next drain. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KF_SOCK_ENTRIES);
	__type(key, __u64);
	__type(value, struct sock_owner);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_sock_owner SEC(".maps");

/* struct bind_key -> struct sock_owner: who bound a port in a cgroup.
 * Written by bind4/6, read by the agent for accepted sockets. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KF_SOCK_ENTRIES / 4);
	__type(key, struct bind_key);
	__type(value, struct sock_owner);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_bind_owner SEC(".maps");

/* struct sock_tuple -> struct sock_ref. Written by cgroup_skb once per
 * socket, read by the agent. Sizing: live sockets of the node. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KF_SOCK_ENTRIES);
	__type(key, struct sock_tuple);
	__type(value, struct sock_ref);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_sock_tuple SEC(".maps");

/* Per-socket flag: its tuple was recorded. Lives and dies with the socket. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u8);
} kf_sk_seen SEC(".maps");

/* cgroup v2 id -> struct cg_path, its path when it was made. Written by
 * cgroup_mkdir, read by the agent for socket cgroups no longer in the tree;
 * never deleted on rmdir, so a container that lived a second is still named
 * at the next drain. Sizing: KF_CG_ENTRIES (kflow.h), LRU. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KF_CG_ENTRIES);
	__type(key, __u64);
	__type(value, struct cg_path);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_cg_names SEC(".maps");

/* enum kf_id_error -> count of identity failures, per CPU. Written by every
 * identity program, read by the agent (logged per interval). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KF_IDE_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_id_errors SEC(".maps");

static __always_inline void id_error(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&kf_id_errors, &idx);

	if (c)
		*c += 1;
}

static __always_inline void fill_owner(struct sock_owner *o)
{
	o->tgid = bpf_get_current_pid_tgid() >> 32;
	o->pad = 0;
	o->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(o->comm, sizeof(o->comm));
}

static __always_inline void note_owner(__u64 cookie)
{
	struct sock_owner o;

	fill_owner(&o);
	if (bpf_map_update_elem(&kf_sock_owner, &cookie, &o, BPF_ANY))
		id_error(KF_IDE_OWNER);
}

SEC("cgroup/sock_create")
int kf_sock_create(struct bpf_sock *sk)
{
	note_owner(bpf_get_socket_cookie(sk));
	return 1;
}

SEC("cgroup/connect4")
int kf_connect4(struct bpf_sock_addr *ctx)
{
	note_owner(bpf_get_socket_cookie(ctx));
	return 1;
}

SEC("cgroup/connect6")
int kf_connect6(struct bpf_sock_addr *ctx)
{
	note_owner(bpf_get_socket_cookie(ctx));
	return 1;
}

SEC("cgroup/sendmsg4")
int kf_sendmsg4(struct bpf_sock_addr *ctx)
{
	note_owner(bpf_get_socket_cookie(ctx));
	return 1;
}

SEC("cgroup/sendmsg6")
int kf_sendmsg6(struct bpf_sock_addr *ctx)
{
	note_owner(bpf_get_socket_cookie(ctx));
	return 1;
}

static __always_inline void note_bind(struct bpf_sock_addr *ctx)
{
	struct bind_key k = {};
	struct sock_owner o;

	note_owner(bpf_get_socket_cookie(ctx));
	k.port = bpf_ntohs(ctx->user_port);
	if (!k.port) /* ephemeral: the port is not known yet */
		return;
	fill_owner(&o);
	k.cgroup_id = o.cgroup_id;
	k.proto = ctx->protocol;
	if (bpf_map_update_elem(&kf_bind_owner, &k, &o, BPF_ANY))
		id_error(KF_IDE_OWNER);
}

SEC("cgroup/bind4")
int kf_bind4(struct bpf_sock_addr *ctx)
{
	note_bind(ctx);
	return 1;
}

SEC("cgroup/bind6")
int kf_bind6(struct bpf_sock_addr *ctx)
{
	note_bind(ctx);
	return 1;
}

/* Records the socket's tuple once. Request sockets (a SYN-ACK's sender) are
 * not full sockets and are skipped: the accepted child follows at once. */
static __always_inline void note_tuple(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;
	struct sock_tuple t = {};
	struct sock_ref ref;
	__u8 *seen;

	if (!sk)
		return;
	sk = bpf_sk_fullsock(sk);
	if (!sk)
		return;
	seen = bpf_sk_storage_get(&kf_sk_seen, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!seen || *seen)
		return;
	if (sk->family == 2 /* AF_INET */) {
		__builtin_memcpy(t.local, &sk->src_ip4, 4);
		__builtin_memcpy(t.remote, &sk->dst_ip4, 4);
		t.family = 4;
	} else if (sk->family == 10 /* AF_INET6 */) {
		__builtin_memcpy(t.local, sk->src_ip6, 16);
		__builtin_memcpy(t.remote, sk->dst_ip6, 16);
		t.family = 6;
	} else {
		return;
	}
	t.local_port = sk->src_port;
	t.remote_port = bpf_ntohs(sk->dst_port);
	t.proto = sk->protocol;
	/* Not connected yet (a TCP socket before its handshake completes):
	 * try again on its next packet. */
	if (t.proto == IPPROTO_TCP && !t.remote_port)
		return;
	ref.cookie = bpf_get_socket_cookie(skb);
	ref.cgroup_id = bpf_skb_cgroup_id(skb);
	if (bpf_map_update_elem(&kf_sock_tuple, &t, &ref, BPF_ANY)) {
		id_error(KF_IDE_TUPLE);
		return;
	}
	*seen = 1;
}

SEC("cgroup_skb/egress")
int kf_skb_egress(struct __sk_buff *skb)
{
	note_tuple(skb);
	return 1;
}

SEC("cgroup_skb/ingress")
int kf_skb_ingress(struct __sk_buff *skb)
{
	note_tuple(skb);
	return 1;
}

/* Copies the path, or its end when longer than the buffer: reads from where
 * the last one stopped find the end (the tracepoint's path has at most 1023
 * bytes), then the last bytes are copied. */
static __always_inline int read_path(struct cg_path *v, const char *path)
{
	long n = bpf_probe_read_kernel_str(v->path, sizeof(v->path), path);
	__u32 len;

	if (n <= 0)
		return -1;
	len = n - 1;
	v->len = len;
	if (n < sizeof(v->path))
		return 0;
	for (int i = 0; i < 4 && n == sizeof(v->path); i++) {
		n = bpf_probe_read_kernel_str(v->path, sizeof(v->path), path + len);
		if (n <= 0)
			return -1;
		len += n - 1;
	}
	v->len = len;
	v->path[sizeof(v->path) - 1] = '\0';
	return bpf_probe_read_kernel(v->path, sizeof(v->path) - 1,
				     path + len - (sizeof(v->path) - 1)) ? -1 : 0;
}

/* Once per cgroup made on the node, never per socket or packet. */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(kf_cg_mkdir, struct cgroup *cgrp, const char *path)
{
	struct cg_path v = {};
	__u64 id;

	/* Hybrid hosts make v1 cgroups too: their ids are numbered apart and
	 * never a socket's. */
	if (cgrp->root->hierarchy_id != 0)
		return 0;
	id = cgrp->kn->id;
	if (read_path(&v, path)) {
		id_error(KF_IDE_CG_READ);
		return 0;
	}
	if (bpf_map_update_elem(&kf_cg_names, &id, &v, BPF_ANY))
		id_error(KF_IDE_CG_STORE);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
