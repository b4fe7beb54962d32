// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bench_empty.bpf.c - programs that do nothing, run beside kflow's in `make
 * bench` so that the figures are the datapath's cost above the hook's own.
 * The cgroup ones stand beside identity.bpf.c's in the live bench
 * (selftests/bench/live.sh), one for each of its hooks; like them, they
 * allow everything.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int empty_tc(struct __sk_buff *skb)
{
	return TC_ACT_UNSPEC;
}

SEC("xdp")
int empty_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("cgroup/connect4")
int empty_connect4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/connect6")
int empty_connect6(struct bpf_sock_addr *ctx)
{
	return 1;
}

/* Beside the identity programs kflow runs only with --stream. */
SEC("cgroup_skb/egress")
int empty_skb_out(struct __sk_buff *skb)
{
	return 1;
}

SEC("cgroup/sendmsg4")
int empty_sendmsg4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/sendmsg6")
int empty_sendmsg6(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/sock_release")
int empty_sock_release(struct bpf_sock *sk)
{
	return 1;
}

SEC("cgroup/bind4")
int empty_bind4(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/bind6")
int empty_bind6(struct bpf_sock_addr *ctx)
{
	return 1;
}

SEC("cgroup/post_bind4")
int empty_post_bind4(struct bpf_sock *sk)
{
	return 1;
}

SEC("cgroup/post_bind6")
int empty_post_bind6(struct bpf_sock *sk)
{
	return 1;
}

SEC("sockops")
int empty_sockops(struct bpf_sock_ops *ctx)
{
	return 1;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
