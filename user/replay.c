// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * replay.c - `kflow replay`: every packet of a capture runs through the
 * same TC program as live traffic (BPF_PROG_TEST_RUN), with its capture
 * time in skb->tstamp as the packet's time, into maps that are not pinned.
 * Intervals end at multiples of --interval in capture time and timeouts run
 * in capture time, so the records are those live mode would have written;
 * after the last packet time goes on, interval by interval, until every flow
 * has ended. Lengths come from the IP headers, so a capture's snap length
 * (or a frame cut to what the test run takes) changes no count.
 */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "iface.h"
#include "log.h"
#include "pcap.h"
#include "replay.h"
#include "tick.h"

#define KF_REPLAY_IFINDEX 1 /* the test run needs an existing device: lo */

/* The test run takes a frame in one page at most. */
#define KF_TEST_RUN_MAX 3500

static int run_packet(int prog_fd, const struct kf_pcap_pkt *pkt)
{
	__u32 len = pkt->caplen < KF_TEST_RUN_MAX ? pkt->caplen : KF_TEST_RUN_MAX;
	struct __sk_buff ctx = {
		.tstamp = pkt->ts_ns,
		.ifindex = KF_REPLAY_IFINDEX,
		.wire_len = pkt->origlen > len ? pkt->origlen : len,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt->data, .data_size_in = len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = 1);

	if (ctx.wire_len > 65535)
		ctx.wire_len = 65535;
	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	return 0;
}

static int setup(struct kf_core *c, const struct kf_opts *o)
{
	int err;

	c->offline = true;
	err = kf_outputs_open(&c->out, o, 0);
	if (err)
		return err;
	err = kf_table_init(&c->table);
	if (err)
		return err;
	err = kf_bpf_load(&c->b, NULL, o->max_flows, false);
	if (err)
		return err;
	c->maps.sel_fd = bpf_map__fd(c->b.skel->maps.kf_flow_sel);
	c->maps.a_fd = bpf_map__fd(c->b.skel->maps.kf_flows_a);
	c->maps.b_fd = bpf_map__fd(c->b.skel->maps.kf_flows_b);
	c->maps.ncpus = c->b.ncpus;
	c->maps.quiescent = true;
	return 0;
}

int kf_replay(const struct kf_opts *o)
{
	struct kf_core c = { .o = o };
	__u64 iv = (__u64)o->interval_s * 1000000000ULL, next = 0, packets = 0, skipped = 0;
	char name[IF_NAMESIZE], path[4096];
	struct kf_pcap_pkt pkt;
	struct kf_pcap pcap;
	int prog_fd, n, err;

	err = kf_pcap_open(&pcap, o->replay_file);
	if (err)
		return err;
	err = setup(&c, o);
	if (err)
		goto out;
	snprintf(path, sizeof(path), "%s", o->replay_file);
	snprintf(name, sizeof(name), "%s", basename(path));
	kf_ifname_remember(KF_REPLAY_IFINDEX, name);
	prog_fd = bpf_program__fd(c.b.skel->progs.kf_tc_ingress);

	while ((n = kf_pcap_next(&pcap, &pkt)) > 0) {
		if (!next) {
			next = (pkt.ts_ns / iv + 1) * iv;
			c.window_start_us = pkt.ts_ns / iv * iv / 1000;
		}
		while (pkt.ts_ns >= next) {
			err = kf_tick(&c, next, 0);
			if (err)
				goto out;
			next += iv;
		}
		if (pkt.caplen < 14) { /* the test run takes no shorter frame */
			skipped++;
			continue;
		}
		err = run_packet(prog_fd, &pkt);
		if (err) {
			pr_warn("error: test run of packet %llu failed: %s\n",
				(unsigned long long)packets + 1, strerror(-err));
			goto out;
		}
		packets++;
	}
	if (n < 0) {
		err = n;
		pr_warn("error: %s: damaged record after packet %llu\n", o->replay_file,
			(unsigned long long)packets);
		goto out;
	}
	/* Time goes on after the capture until every flow has ended. */
	for (int i = 0; next && i < 100000 && (i == 0 || c.table.count); i++) {
		err = kf_tick(&c, next, 0);
		if (err)
			goto out;
		next += iv;
	}
	pr_info("replayed %llu packets of %s (%llu frames shorter than Ethernet skipped)\n",
		(unsigned long long)packets, o->replay_file, (unsigned long long)skipped);
out:
	kf_bpf_close(&c.b);
	kf_outputs_close(&c.out);
	kf_table_free(&c.table);
	kf_pcap_close(&pcap);
	return err;
}
