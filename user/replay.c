// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * replay.c - `kflow replay`: every packet of a capture runs through the
 * same TC program as live traffic (BPF_PROG_TEST_RUN), with its capture
 * time in skb->tstamp as the packet's time, into maps that are not pinned.
 * Intervals end at multiples of --interval in capture time and timeouts run
 * in capture time, so the records are those live mode would have written;
 * after the last packet time goes on until every flow has ended. An
 * interval end where nothing can happen is skipped, so a gap of a year
 * costs what one of a minute does. Lengths come from the IP headers, so a
 * capture's snap length (or a frame cut to what the test run takes) changes
 * no count.
 */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "close.h"
#include "iface.h"
#include "log.h"
#include "pcap.h"
#include "replay.h"
#include "tick.h"

#define KF_REPLAY_IFINDEX 1 /* the test run needs an existing device: lo */

/* The test run takes a frame in one page at most. */
#define KF_TEST_RUN_MAX 3500

struct replay {
	struct kf_core c;
	__u64 iv; /* --interval in ns */
	__u64 next; /* the next interval end; 0 before the first packet */
	bool busy; /* frames came since the last interval end */
};

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

/* The end of the interval that ends at `at`, with the window start live
 * mode would have had: the previous interval's end, run or skipped. */
static int tick_at(struct replay *r, __u64 at)
{
	int err;

	r->c.window_start_us = (at - r->iv) / 1000;
	err = kf_tick(&r->c, at, 0);
	r->next = at + r->iv;
	r->busy = false;
	return err;
}

struct first_end {
	const struct kf_opts *o;
	__u64 ns;
};

static bool first_end_of(struct kf_flow *f, void *arg)
{
	struct first_end *e = arg;
	__u64 end;

	if (!f->key.family) /* overflow: leaves at every interval end */
		return false;
	end = f->life.last_ns + (__u64)kf_flow_timeout(f, e->o) * 1000000000ULL;
	if (end < e->ns)
		e->ns = end;
	return false;
}

/* The first interval end, from r->next on, where a flow times out. The
 * timeout is what kf_tick will find: from the L4 state it read last, which
 * no packet has changed since. */
static __u64 next_flow_end(struct replay *r)
{
	struct first_end e = { .o = r->c.o, .ns = ~0ULL };
	__u64 at;

	kf_table_walk(&r->c.table, first_end_of, &e);
	if (e.ns == ~0ULL)
		return e.ns;
	at = e.ns / r->iv * r->iv + (e.ns % r->iv ? r->iv : 0);
	return at > r->next ? at : r->next;
}

/*
 * Runs the interval ends up to `last` (an interval end): the first if frames
 * came since the last one, then those where a flow times out, and `last`.
 * Any other would write no record and change no flow. `last` runs anyway:
 * its sweep of idle L4 state (flows without records, see sweep_l4) must be
 * done before the next packet, as live mode's would.
 */
static int advance(struct replay *r, __u64 last)
{
	int err;

	while (r->next <= last) {
		__u64 at = r->busy ? r->next : next_flow_end(r);

		err = tick_at(r, at < last ? at : last);
		if (err)
			return err;
	}
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
	struct replay r = { .c = { .o = o }, .iv = (__u64)o->interval_s * 1000000000ULL };
	__u64 packets = 0, skipped = 0;
	char name[IF_NAMESIZE], path[4096];
	struct kf_pcap_pkt pkt;
	struct kf_pcap pcap;
	int prog_fd, n, err;

	err = kf_pcap_open(&pcap, o->replay_file);
	if (err)
		return err;
	err = setup(&r.c, o);
	if (err)
		goto out;
	snprintf(path, sizeof(path), "%s", o->replay_file);
	snprintf(name, sizeof(name), "%s", basename(path));
	kf_ifname_remember(KF_REPLAY_IFINDEX, name);
	prog_fd = bpf_program__fd(r.c.b.skel->progs.kf_tc_ingress);

	while ((n = kf_pcap_next(&pcap, &pkt)) > 0) {
		if (!r.next)
			r.next = (pkt.ts_ns / r.iv + 1) * r.iv;
		if (pkt.ts_ns >= r.next) {
			err = advance(&r, pkt.ts_ns / r.iv * r.iv);
			if (err)
				goto out;
		}
		r.busy = true;
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
	if (r.next) {
		err = tick_at(&r, r.next);
		while (!err && r.c.table.count)
			err = tick_at(&r, next_flow_end(&r));
		if (err)
			goto out;
	}
	pr_info("replayed %llu packets of %s (%llu frames shorter than Ethernet skipped)\n",
		(unsigned long long)packets, o->replay_file, (unsigned long long)skipped);
out:
	kf_bpf_close(&r.c.b);
	kf_outputs_close(&r.c.out);
	kf_table_free(&r.c.table);
	kf_pcap_close(&pcap);
	return err;
}
