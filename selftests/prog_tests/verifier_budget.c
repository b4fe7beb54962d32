// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * verifier_budget.c - the datapath's programs stay cheap to verify. The
 * verifier walks every path of account_packet() for each program, and a
 * branch in the wrong place multiplies them: the bound on departure times,
 * written inside kf_time(), took the TC programs from 314 000 to 600 000
 * verified instructions and the agent's start from 1.3 to 2.6 s on this
 * guest (test-pinpath gives it 2 s). Reading the coarse clock once in the
 * hook, before account_packet(), instead of inside kf_time() took the TC
 * programs from 314 000 to 243 000. The budget is today's count plus a
 * quarter.
 */
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "test_progs.h"
#include "kflow.skel.h"

#define TC_BUDGET 305000 /* 243 000 today */
#define XDP_BUDGET 242000 /* 193 000 today */

static void check_prog(const struct bpf_program *prog, __u32 budget)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (!ASSERT_OK(bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len), "prog info"))
		return;
	if (!ASSERT_NEQ(info.verified_insns, 0, "the kernel reports verified instructions"))
		return;
	ASSERT_LE(info.verified_insns, budget, bpf_program__name(prog));
}

void test_verifier_budget(void)
{
	struct kflow *skel = kf_kflow_load(false);

	if (!skel)
		return;
	if (test__start_subtest("kf_tc_ingress"))
		check_prog(skel->progs.kf_tc_ingress, TC_BUDGET);
	if (test__start_subtest("kf_tc_egress"))
		check_prog(skel->progs.kf_tc_egress, TC_BUDGET);
	if (test__start_subtest("kf_xdp_ingress"))
		check_prog(skel->progs.kf_xdp_ingress, XDP_BUDGET);
	kflow__destroy(skel);
}
