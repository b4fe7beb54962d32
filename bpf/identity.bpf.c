// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * identity.bpf.c - which process and cgroup own the local sockets.
 *
 * Logic: socket-address hooks run in the process that binds, connects or
 * sends on a socket (creating one says nothing about its addresses, and a
 * socket that carries traffic binds, connects or sends), so the pid,
 * command and cgroup taken there are right; they fill kf_sock_owner (by
 * socket cookie) and kf_bind_owner (by cgroup and port, for accepted
 * sockets, which no process creates). A socket's own 5-tuple, with its
 * cookie and cgroup, goes to kf_sock_tuple once per socket: for TCP from
 * sock_ops when it connects or is accepted (a connecting socket's owner
 * with it: sock_ops runs in the connecting process then, so connect does
 * not store TCP owners, and a TCP client costs one map write, not two:
 * each is an LRU insert of about 0.6 us); for UDP from post_bind when it
 * binds, and from sock_release when it closes (by then it has its port
 * however it got one). By default no program runs per packet: a UDP socket
 * still open at a drain, not bound explicitly, is found by the agent's
 * socket scan (user/identity/sockscan.c). Flow events (--stream) need a
 * socket's name at its first packet: with them the agent also loads
 * cgroup_skb egress and sendmsg (per_packet_progs in idload.c), which
 * name a UDP socket at its first datagram. The agent joins a flow's
 * addresses to these tables once per flow and interval. A socket's cgroup
 * names its container and pod, but a short-lived container's cgroup is gone
 * by the end of the interval, so cgroup_mkdir records each cgroup v2 path
 * in kf_cg_names as it is made.
 * All programs only observe: they always allow.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kflow.h"
#include "net_consts.bpf.h"

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

/* A socket's cgroup (sock_ops has no helper for it). */
struct sock_cgroup_data {
	struct cgroup *cgroup;
} __attribute__((preserve_access_index));

/* A UDP socket's addresses as it closes (sock_release). */
struct sock_common {
	__u32 skc_daddr;
	__u32 skc_rcv_saddr;
	__u16 skc_dport; /* network byte order */
	__u16 skc_num; /* local port, host byte order */
	__u16 skc_family;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
	struct sock_cgroup_data sk_cgrp_data;
} __attribute__((preserve_access_index));

/* Socket cookie -> struct sock_owner. Written in process context (bind,
 * a UDP socket's connect; a TCP client's owner, and a UDP socket's as it
 * closes, are in its kf_sock_tuple entry), read by sock_release and the
 * agent.
 * LRU, so sockets of processes
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

/* struct sock_tuple -> struct sock_ref. Written once per socket (sock_ops,
 * post_bind, sock_release), read by the agent. Sizing: sockets of the node
 * between two drains. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, KF_SOCK_ENTRIES);
	__type(key, struct sock_tuple);
	__type(value, struct sock_ref);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kf_sock_tuple SEC(".maps");

/* Per-socket flags (KF_SEEN_*) of UDP sockets, for the per-packet hooks
 * below (with --stream only): their work is done once per socket. Lives and
 * dies with the socket; written and read by cgroup_skb and sendmsg. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u8);
} kf_sk_seen SEC(".maps");

#define KF_SEEN_TUPLE 1 /* its tuple is in kf_sock_tuple */
#define KF_SEEN_SENDER 2 /* sendmsg stored its owner */

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

static __always_inline void note_owner(__u64 cookie, __u64 flags)
{
	struct sock_owner o;
	long err;

	fill_owner(&o);
	err = bpf_map_update_elem(&kf_sock_owner, &cookie, &o, flags);
	if (err && err != -KF_EEXIST)
		id_error(KF_IDE_OWNER);
}

/* Stores a UDP socket's tuple as the socket sees itself, once (the
 * KF_SEEN_TUPLE flag). Unconnected sockets have no remote, a socket bound to
 * the wildcard address no local address. */
static __always_inline void note_tuple(struct bpf_sock *sk, __u8 *seen, __u64 cookie,
				       __u64 cgroup_id)
{
	struct sock_tuple t = {};
	struct sock_ref ref = { .cookie = cookie, .cgroup_id = cgroup_id };

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
	t.proto = IPPROTO_UDP;
	if (bpf_map_update_elem(&kf_sock_tuple, &t, &ref, BPF_ANY)) {
		id_error(KF_IDE_TUPLE);
		return;
	}
	if (seen)
		*seen |= KF_SEEN_TUPLE;
}

/* TCP sockets are named by sock_ops, owner included. */
SEC("cgroup/connect4")
int kf_connect4(struct bpf_sock_addr *ctx)
{
	if (ctx->protocol != IPPROTO_TCP)
		note_owner(bpf_get_socket_cookie(ctx), BPF_ANY);
	return 1;
}

SEC("cgroup/connect6")
int kf_connect6(struct bpf_sock_addr *ctx)
{
	if (ctx->protocol != IPPROTO_TCP)
		note_owner(bpf_get_socket_cookie(ctx), BPF_ANY);
	return 1;
}

/* With --stream only (loaded by the agent then): a flow event wants the
 * socket's name at its first packet, not at the next drain. Unconnected
 * sends run this hook each time: the sender and the socket's tuple (its
 * port is bound by now) are stored once per socket. */
static __always_inline void note_sender(struct bpf_sock_addr *ctx)
{
	struct bpf_sock *sk = ctx->sk;
	__u8 *seen;

	if (!sk)
		return;
	seen = bpf_sk_storage_get(&kf_sk_seen, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (seen && (*seen & KF_SEEN_SENDER))
		return;
	note_owner(bpf_get_socket_cookie(ctx), BPF_ANY);
	if (seen)
		*seen |= KF_SEEN_SENDER;
	if (sk->protocol == IPPROTO_UDP && !(seen && (*seen & KF_SEEN_TUPLE)))
		note_tuple(sk, seen, bpf_get_socket_cookie(ctx), bpf_get_current_cgroup_id());
}

SEC("cgroup/sendmsg4")
int kf_sendmsg4(struct bpf_sock_addr *ctx)
{
	note_sender(ctx);
	return 1;
}

SEC("cgroup/sendmsg6")
int kf_sendmsg6(struct bpf_sock_addr *ctx)
{
	note_sender(ctx);
	return 1;
}

static __always_inline void note_bind(struct bpf_sock_addr *ctx)
{
	struct bind_key k = {};
	struct sock_owner o;

	note_owner(bpf_get_socket_cookie(ctx), BPF_ANY);
	k.port = bpf_ntohs(ctx->user_port);
	if (!k.port) /* ephemeral: the port is not known yet */
		return;
	fill_owner(&o);
	k.cgroup_id = o.cgroup_id;
	k.proto = ctx->protocol;
	if (bpf_map_update_elem(&kf_bind_owner, &k, &o, BPF_ANY))
		id_error(KF_IDE_OWNER);
}

/* A bound UDP socket's tuple (no remote): a socket that only receives says
 * no more. post_bind may read only its own family's source fields. */
static __always_inline void store_bound(struct bpf_sock *sk, struct sock_tuple *t)
{
	struct sock_ref ref = { .cookie = bpf_get_socket_cookie(sk),
				.cgroup_id = bpf_get_current_cgroup_id() };

	t->local_port = sk->src_port;
	t->proto = IPPROTO_UDP;
	if (bpf_map_update_elem(&kf_sock_tuple, t, &ref, BPF_ANY))
		id_error(KF_IDE_TUPLE);
}

SEC("cgroup/post_bind4")
int kf_post_bind4(struct bpf_sock *sk)
{
	struct sock_tuple t = { .family = 4 };

	if (sk->protocol != IPPROTO_UDP)
		return 1;
	__builtin_memcpy(t.local, &sk->src_ip4, 4);
	store_bound(sk, &t);
	return 1;
}

SEC("cgroup/post_bind6")
int kf_post_bind6(struct bpf_sock *sk)
{
	struct sock_tuple t = { .family = 6 };

	if (sk->protocol != IPPROTO_UDP)
		return 1;
	__builtin_memcpy(t.local, sk->src_ip6, 16);
	store_bound(sk, &t);
	return 1;
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

/* The packet's own header says TCP (the skb starts at the IP header). An
 * IPv6 extension header hides it: such a packet takes the long way. */
static __always_inline int tcp_packet(struct __sk_buff *skb)
{
	__u8 *data = (__u8 *)(long)skb->data, *end = (__u8 *)(long)skb->data_end;

	if (data + 10 > end)
		return 0;
	if (skb->protocol == bpf_htons(0x0800 /* ETH_P_IP */))
		return data[9] == IPPROTO_TCP;
	return data[6] == IPPROTO_TCP;
}

/* With --stream only, like sendmsg: a connected UDP socket's tuple, on the
 * first datagram it sends (connect runs before the kernel picks its port). Unconnected sockets are named by
 * bind and sendmsg, TCP sockets by sock_ops: their packets leave at once,
 * TCP's by the header alone. Only egress is watched: a socket that only
 * receives was bound, or connected and sent. */
SEC("cgroup_skb/egress")
int kf_skb_egress(struct __sk_buff *skb)
{
	struct bpf_sock *sk;
	__u8 *seen;

	if (tcp_packet(skb))
		return 1;
	sk = skb->sk;
	if (!sk)
		return 1;
	sk = bpf_sk_fullsock(sk);
	if (!sk || sk->protocol != IPPROTO_UDP || !sk->dst_port)
		return 1;
	seen = bpf_sk_storage_get(&kf_sk_seen, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!seen || (*seen & KF_SEEN_TUPLE))
		return 1;
	note_tuple(sk, seen, bpf_get_socket_cookie(skb), bpf_skb_cgroup_id(skb));
	return 1;
}

/* A UDP socket's tuple as it sees itself when it closes: by then it has
 * its port, whether it bound, connected or only sent (the kernel picks a
 * port at the first send), and a socket that lived between two drains is
 * still named at the next one. Its owner goes with the tuple: the one bind
 * or connect named, else the process closing it (a lookup and one write;
 * storing the closer in kf_sock_owner unless it held one cost an LRU
 * insert attempt, which takes a free element before it finds the key).
 * sock_release may not read the address fields of struct bpf_sock, so
 * they come from the kernel's struct sock (CO-RE). */
SEC("cgroup/sock_release")
int kf_sock_release(struct bpf_sock *bs)
{
	struct sock *sk = (struct sock *)bs;
	struct sock_tuple t = {};
	struct sock_ref ref = {};
	struct sock_owner *o;
	__u16 family;

	if (bs->protocol != IPPROTO_UDP)
		return 1;
	t.local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (!t.local_port) /* never bound, never sent */
		return 1;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == 2 /* AF_INET */) {
		__u32 l = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 r = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		__builtin_memcpy(t.local, &l, 4);
		__builtin_memcpy(t.remote, &r, 4);
		t.family = 4;
	} else if (family == 10 /* AF_INET6 */) {
		bpf_core_read(t.local, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(t.remote, 16, &sk->__sk_common.skc_v6_daddr);
		t.family = 6;
	} else {
		return 1;
	}
	t.remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	t.proto = IPPROTO_UDP;
	ref.cookie = bpf_get_socket_cookie(bs);
	/* The socket's own cgroup: the closing process may be another's. */
	ref.cgroup_id = BPF_CORE_READ(sk, sk_cgrp_data.cgroup, kn, id);
	o = bpf_map_lookup_elem(&kf_sock_owner, &ref.cookie);
	if (o) {
		ref.tgid = o->tgid;
		__builtin_memcpy(ref.comm, o->comm, sizeof(ref.comm));
	} else {
		ref.tgid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(ref.comm, sizeof(ref.comm));
	}
	if (bpf_map_update_elem(&kf_sock_tuple, &t, &ref, BPF_ANY))
		id_error(KF_IDE_TUPLE);
	return 1;
}

/* The cgroup v2 id of a TCP socket, 0 if it cannot be read. */
static __always_inline __u64 sock_cgroup_id(struct bpf_sock *bs)
{
	struct sock *sk = (struct sock *)bpf_skc_to_tcp_sock(bs);
	struct cgroup *cg;

	if (!sk)
		return 0;
	cg = sk->sk_cgrp_data.cgroup;
	return cg ? cg->kn->id : 0;
}

/* A TCP socket's tuple, once: when it sends its SYN, with its owner (so a
 * refused or unanswered connection has one too: tcp_connect() runs this in
 * the connecting process, from connect() or a Fast Open send), or when the
 * handshake of an accepted socket completes (in softirq: its owner is the
 * process that bound the port, kf_bind_owner). sock_ops runs only for a
 * few events of each connection unless a program asks for more, and kflow
 * sets no callback flags. */
SEC("sockops")
int kf_sockops(struct bpf_sock_ops *ctx)
{
	struct sock_tuple t = {};
	struct sock_ref ref = {};
	struct bpf_sock *sk;

	if (ctx->op != BPF_SOCK_OPS_TCP_CONNECT_CB && ctx->op != BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
		return 1;
	sk = ctx->sk;
	if (!sk)
		return 1;
	if (ctx->family == 2 /* AF_INET */) {
		__u32 l = ctx->local_ip4, r = ctx->remote_ip4;

		__builtin_memcpy(t.local, &l, 4);
		__builtin_memcpy(t.remote, &r, 4);
		t.family = 4;
	} else if (ctx->family == 10 /* AF_INET6 */) {
		__u32 l[4], r[4];

		/* One 32-bit load per word: the context allows no wider. */
		for (int i = 0; i < 4; i++) {
			l[i] = *(volatile __u32 *)&ctx->local_ip6[i];
			r[i] = *(volatile __u32 *)&ctx->remote_ip6[i];
		}
		__builtin_memcpy(t.local, l, 16);
		__builtin_memcpy(t.remote, r, 16);
		t.family = 6;
	} else {
		return 1;
	}
	t.local_port = ctx->local_port;
	t.remote_port = bpf_ntohl(ctx->remote_port);
	t.proto = IPPROTO_TCP;
	ref.cookie = bpf_get_socket_cookie(ctx);
	ref.cgroup_id = sock_cgroup_id(sk);
	if (ctx->op == BPF_SOCK_OPS_TCP_CONNECT_CB) {
		ref.tgid = bpf_get_current_pid_tgid() >> 32;
		bpf_get_current_comm(ref.comm, sizeof(ref.comm));
	}
	if (bpf_map_update_elem(&kf_sock_tuple, &t, &ref, BPF_ANY))
		id_error(KF_IDE_TUPLE);
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
