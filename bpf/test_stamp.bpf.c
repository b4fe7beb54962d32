// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_stamp.bpf.c - for the unit tests only: gives a packet a stamp of a
 * chosen clock, then jumps to a kflow program. BPF_PROG_TEST_RUN takes a
 * stamp but not its clock (tstamp_type must be 0 in its context), while
 * the kernel hands TC programs TCP's own departure time (monotonic) on
 * egress and SO_TXTIME's (TAI) on some packets: the test needs both.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

/* The clock to give the stamp, set by the test before load:
 * 0 leave it (wall), 1 monotonic, 2 TAI. */
const volatile __u8 cfg_stamp_clock = 0;

/* Key: 0 -> Value: the kflow program to run. Written by the test only.
 * Sizing: one program. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} kf_test_jump SEC(".maps");

SEC("tc")
int stamp_then_kflow(struct __sk_buff *skb)
{
	if (cfg_stamp_clock && bpf_skb_set_tstamp(skb, skb->tstamp, cfg_stamp_clock))
		return TC_ACT_SHOT;
	bpf_tail_call(skb, &kf_test_jump, 0);
	return TC_ACT_SHOT; /* the jump failed */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
