// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * replay.c - `kflow replay`: every packet of a capture (pcap, or the
 * Ethernet interfaces of a pcapng) runs through the same TC program as live
 * traffic (BPF_PROG_TEST_RUN), with its capture time in skb->tstamp as the
 * packet's time, into maps that are not pinned. Intervals end at multiples
 * of --interval in capture time and timeouts run in capture time, so the
 * records are those live mode would have written; after the last packet
 * time goes on until every flow has ended. An interval end where nothing
 * can happen is skipped, so a gap of a year costs what one of a minute does.
 * Lengths come from the IP headers, so a frame the capture's snap length
 * (or the test run) cut after its headers counts in full; one cut inside
 * them counts as truncated, as the datapath counts such a packet.
 */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_ether.h>
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
	__u64 unsent[KF_CNT_MAX]; /* counted here, not yet in kf_counters */
	__u64 replayed; /* packets the test run took */
	__u64 truncated; /* frames cut inside the headers the test run needs */
	__u64 failed; /* test runs that failed otherwise */
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

/*
 * The test run refuses a frame shorter than an Ethernet header, and an IPv4
 * or IPv6 one shorter than its fixed IP header (bpf_prog_test_run_skb pulls
 * them). Such a frame, from a short snap length, has no flow to count it
 * in; the program would have counted it as cut short, and these lengths are
 * the first it checks, so the counter is the one it would have bumped.
 * Returns that counter, or KF_CNT_MAX for a frame the test run takes.
 */
static enum kf_counter refused_as(const struct kf_pcap_pkt *pkt)
{
	__u16 proto;

	if (pkt->caplen < ETH_HLEN)
		return KF_CNT_TRUNC_ETH;
	proto = pkt->data[12] << 8 | pkt->data[13];
	if ((proto == ETH_P_IP && pkt->caplen < ETH_HLEN + 20) ||
	    (proto == ETH_P_IPV6 && pkt->caplen < ETH_HLEN + 40))
		return KF_CNT_TRUNC_IP;
	return KF_CNT_MAX;
}

/* The end of the interval that ends at `at`, with the window start live
 * mode would have had: the previous interval's end, run or skipped. What
 * was counted here goes into kf_counters first, so that the tick logs it. */
static int tick_at(struct replay *r, __u64 at)
{
	int fd = bpf_map__fd(r->c.b.skel->maps.kf_counters), err;

	for (__u32 i = 0; i < KF_CNT_MAX; i++) {
		if (!r->unsent[i])
			continue;
		err = kf_counters_add(fd, r->c.b.ncpus, i, r->unsent[i]);
		if (err) {
			pr_warn("error: cannot add to kf_counters: %s\n", strerror(-err));
			return err;
		}
		r->unsent[i] = 0;
	}
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
	err = kf_sinks_open(&c->sinks, o, 0);
	if (err)
		return err;
	err = kf_table_init(&c->table);
	if (err)
		return err;
	err = kf_bpf_load(&c->b, NULL, o->max_flows, false, 0);
	if (err)
		return err;
	c->maps.sel_fd = bpf_map__fd(c->b.skel->maps.kf_flow_sel);
	c->maps.a_fd = bpf_map__fd(c->b.skel->maps.kf_flows_a);
	c->maps.b_fd = bpf_map__fd(c->b.skel->maps.kf_flows_b);
	c->maps.quiescent = true;
	return 0;
}

static void summary(const struct replay *r, const struct kf_pcap *pcap, const char *file)
{
	char more[256] = "";
	size_t len = 0;

	if (r->truncated)
		len += snprintf(more + len, sizeof(more) - len,
				"; %llu frames cut inside their headers, counted as truncated",
				(unsigned long long)r->truncated);
	if (r->failed && len < sizeof(more))
		len += snprintf(more + len, sizeof(more) - len, "; %llu failed test runs skipped",
				(unsigned long long)r->failed);
	if (pcap->other_link && len < sizeof(more))
		len += snprintf(more + len, sizeof(more) - len,
				"; %llu packets of non-Ethernet interfaces skipped",
				(unsigned long long)pcap->other_link);
	if (pcap->long_frac && len < sizeof(more))
		snprintf(more + len, sizeof(more) - len,
			 "; %llu with a time fraction past a second",
			 (unsigned long long)pcap->long_frac);
	pr_info("replayed %llu of %llu packets of %s%s\n", (unsigned long long)r->replayed,
		(unsigned long long)pcap->records, file, more);
}

int kf_replay(const struct kf_opts *o)
{
	struct replay r = { .c = { .o = o }, .iv = (__u64)o->interval_s * 1000000000ULL };
	char name[IF_NAMESIZE], path[4096];
	struct kf_pcap_pkt pkt;
	struct kf_pcap pcap;
	enum kf_counter cut;
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
		cut = refused_as(&pkt);
		if (cut != KF_CNT_MAX) {
			r.unsent[cut]++;
			r.truncated++;
			continue;
		}
		err = run_packet(prog_fd, &pkt);
		if (err) {
			/* One bad frame costs its own count, not the others'. */
			if (!r.failed++)
				pr_warn("warning: test run of packet %llu failed: %s; such packets "
					"are skipped and counted\n",
					(unsigned long long)pcap.records, strerror(-err));
			continue;
		}
		r.replayed++;
	}
	/* A cut or damaged file: what came before stands (a warning said so). */
	if (n == -EBADMSG && !pcap.records)
		pr_warn("error: %s: not one whole packet could be read\n", o->replay_file);
	if (n < 0 && (n != -EBADMSG || !pcap.records)) {
		err = n;
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
	summary(&r, &pcap, o->replay_file);
	/* A one-shot run whose records did not all arrive, by an interval's
	 * end or at exit, failed, whatever its log said in passing. */
	if (kf_sinks_close(&r.c.sinks))
		err = -EIO;
out:
	kf_bpf_close(&r.c.b);
	kf_sinks_close(&r.c.sinks);
	kf_table_free(&r.c.table);
	kf_pcap_close(&pcap);
	return err;
}
