// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * agent.c - `kflow run`. One epoll loop over a signalfd (SIGINT/SIGTERM/SIGHUP end
 * the run with a final drain) and a wall-clock timerfd that fires on each
 * interval boundary (60 s intervals end on the minute).
 *
 * Each tick: swap and drain the interval map, decide client/server, write
 * one record per flow that had packets, end flows whose timeout passed (a
 * final record with their close_type), mirror the table into kf_life.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <net/if_arp.h>
#include <bpf/bpf.h>
#include "agent.h"
#include "attach.h"
#include "caps.h"
#include "iface.h"
#include "lifemap.h"
#include "linkwatch.h"
#include "log.h"
#include "mapmem.h"
#include "metrics.h"
#include "stream.h"
#include "tick.h"
#include "wallclock.h"

struct kf_agent {
	struct kf_core c;
	struct kf_iface *ifs;
	int nifs;
	struct mnl_socket *links; /* rtnetlink link events */
	struct kf_sink *stream; /* --stream, or NULL */
};

static int interval_tick(struct kf_agent *a)
{
	__u64 mono, done;
	__s64 off = kf_wall_minus_mono(&mono);
	int err;

	err = kf_tick(&a->c, mono, off);
	done = kf_clock_ns(CLOCK_MONOTONIC);
	kf_metrics_interval(a->c.metrics, &a->c, (done - mono) / 1e9);
	return err;
}

static void on_link(void *arg, const struct kf_link_event *ev)
{
	struct kf_agent *a = arg;
	struct kf_attach att;
	struct kf_iface ifc = { .ifindex = ev->ifindex };
	__u32 key = ev->ifindex;
	bool attached;

	attached = !bpf_map_lookup_elem(bpf_map__fd(a->c.b.skel->maps.kf_attach), &key, &att);
	if (ev->removed) {
		if (attached) {
			pr_info("%s (ifindex %d) went away\n", att.name, ev->ifindex);
			kf_attach_forget(&a->c.b, ev->ifindex);
		}
		return;
	}
	if (attached || !(ev->flags & IFF_UP) || (ev->flags & IFF_LOOPBACK) ||
	    ev->type != ARPHRD_ETHER || !kf_iface_wanted(a->c.o->ifaces, a->c.o->exclude_ifaces, ev->name))
		return;
	snprintf(ifc.name, sizeof(ifc.name), "%s", ev->name);
	kf_ifname_remember(ifc.ifindex, ifc.name);
	if (kf_attach_one(&a->c.b, &ifc, a->c.o->xdp))
		pr_warn("%s came up but could not be attached; its traffic is not counted\n",
			ifc.name);
}

static int arm_timer(int tfd, unsigned int interval_s)
{
	struct itimerspec its = {};
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	its.it_value.tv_sec = (now.tv_sec / interval_s + 1) * interval_s;
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL))
		return -errno;
	return 0;
}

/* The signals that end a run with a final drain. Blocked from the start of
 * kf_run(), before the load, so that one sent while the agent starts (a
 * second or more) waits for the loop's signalfd instead of killing the agent
 * half made, its pins and hooks left behind. Blocked, they are also queued
 * when the shell that started the agent in the background ignores SIGINT.
 * SIGHUP: the terminal the agent ran in went away (unless nohup). */
static void stop_signals(sigset_t *mask)
{
	struct sigaction hup;

	sigemptyset(mask);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGTERM);
	/* Blocked, an ignored signal is queued all the same: an agent started
	 * under nohup must outlive its terminal, as asked. */
	if (sigaction(SIGHUP, NULL, &hup) || hup.sa_handler != SIG_IGN)
		sigaddset(mask, SIGHUP);
}

static int event_loop(struct kf_agent *a)
{
	struct epoll_event ev = { .events = EPOLLIN }, got;
	int sfd = -1, tfd = -1, efd = -1, err = 0;
	sigset_t mask;

	stop_signals(&mask);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC);
	efd = epoll_create1(EPOLL_CLOEXEC);
	if (sfd < 0 || tfd < 0 || efd < 0) {
		err = -errno;
		pr_warn("error: cannot set up the event loop: %s\n", strerror(errno));
		goto out;
	}
	ev.data.fd = sfd;
	epoll_ctl(efd, EPOLL_CTL_ADD, sfd, &ev);
	ev.data.fd = tfd;
	epoll_ctl(efd, EPOLL_CTL_ADD, tfd, &ev);
	ev.data.fd = kf_linkwatch_fd(a->links);
	epoll_ctl(efd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	if (a->stream) {
		ev.data.fd = kf_stream_fd(a->stream);
		epoll_ctl(efd, EPOLL_CTL_ADD, ev.data.fd, &ev);
	}
	err = arm_timer(tfd, a->c.o->interval_s);
	if (err)
		goto out;
	pr_info("running: records every %u s\n", a->c.o->interval_s);
	for (;;) {
		int n = epoll_wait(efd, &got, 1, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (got.data.fd == sfd) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				pr_info("got signal %u: final drain\n", si.ssi_signo);
			break;
		}
		if (a->stream && got.data.fd == kf_stream_fd(a->stream)) {
			kf_stream_dispatch(a->stream);
			continue;
		}
		if (got.data.fd != tfd) {
			if (kf_linkwatch_read(a->links, on_link, a) == -ENOBUFS)
				pr_warn("missed interface events (rtnetlink overrun)\n");
			continue;
		}
		__u64 expirations;

		if (read(tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
			pr_debug("timerfd read: %s\n", strerror(errno));
		err = interval_tick(a);
		if (err)
			break;
		err = arm_timer(tfd, a->c.o->interval_s);
		if (err)
			break;
	}
out:
	if (efd >= 0)
		close(efd);
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	return err;
}

/* What the maps take, to size the memory limit of the agent's cgroup,
 * which they are charged to. */
static void log_map_memory(const struct kf_agent *a)
{
	unsigned long long now = 0, more = 0;

	kf_obj_memory(a->c.b.skel->obj, &now, &more);
	if (a->c.id.bpf.skel)
		kf_obj_memory(a->c.id.bpf.skel->obj, &now, &more);
	pr_info("maps: %.1f MiB of kernel memory, up to %.1f MiB more as kf_life fills "
		"(--max-flows %u)\n",
		now / 1048576.0, more / 1048576.0, a->c.o->max_flows);
}

static int setup(struct kf_agent *a)
{
	__u32 zero = 0;
	int n, err;

	/* Cheap checks first: a bad interface or output leaves nothing behind. */
	err = kf_caps_check(a->c.o);
	if (err)
		return err;
	n = kf_ifaces_resolve(a->c.o->ifaces, a->c.o->exclude_ifaces, &a->ifs);
	if (n < 0)
		return n;
	a->nifs = n;
	err = kf_sinks_open(&a->c.sinks, a->c.o, kf_clock_ns(CLOCK_REALTIME) / 1000000);
	if (err)
		return err;
	if (a->c.o->metrics) {
		a->c.metrics = kf_metrics_start(a->c.o->metrics, a->c.o->interval_s);
		if (!a->c.metrics)
			return -EINVAL;
	}
	if (a->c.o->stream_path) {
		const struct kf_sink_env env = { .o = a->c.o };

		err = kf_sinks_add(&a->c.sinks, &kf_sink_stream, "--stream", a->c.o->stream_path,
				   &env);
		if (err)
			return err;
		a->stream = kf_stream_find(&a->c.sinks);
	}
	err = kf_table_init(&a->c.table);
	if (err)
		return err;
	err = kf_bpf_load(&a->c.b, a->c.o->pin_path, a->c.o->max_flows, a->c.o->precise_time,
			  a->c.o->stream_path ? a->c.o->ring_size : 0);
	if (err)
		return err;
	a->c.maps.sel_fd = bpf_map__fd(a->c.b.skel->maps.kf_flow_sel);
	a->c.maps.a_fd = bpf_map__fd(a->c.b.skel->maps.kf_flows_a);
	a->c.maps.b_fd = bpf_map__fd(a->c.b.skel->maps.kf_flows_b);
	if (bpf_map_lookup_elem(bpf_map__fd(a->c.b.skel->maps.kf_info), &zero, &a->c.info))
		return -errno;
	if (a->c.b.adopted) {
		n = kf_life_load(bpf_map__fd(a->c.b.skel->maps.kf_life), &a->c.table);
		if (n < 0)
			return n;
		pr_info("adopted %d flows from the persisted agent\n", n);
	}
	kf_counters_read(bpf_map__fd(a->c.b.skel->maps.kf_counters), a->c.b.ncpus, a->c.seen);
	a->c.window_start_us = kf_clock_ns(CLOCK_REALTIME) / 1000;
	{
		__s64 off = kf_wall_minus_mono(NULL);

		bpf_map_update_elem(bpf_map__fd(a->c.b.skel->maps.kf_clock), &zero, &off, BPF_ANY);
	}
	if (!a->c.o->no_identity) {
		const char *cg = a->c.o->cgroup_root ? a->c.o->cgroup_root : kf_cgroup2_mount();

		/* No cgroup v2 (a v1-only host, or `ip netns exec`, which mounts
		 * a sysfs of its own over /sys): count, without identity. */
		if (!cg) {
			pr_warn("no cgroup v2 mount: counting without process/pod identity "
				"(--no-identity silences this)\n");
		} else {
			err = kf_identity_start(&a->c.id, a->c.o->pin_path, cg,
						a->c.o->pod_log_root, a->c.o->pod_cluster,
						a->stream != NULL);
			if (err)
				return err;
		}
	}
	if (a->stream) {
		err = kf_stream_start(a->stream, &a->c);
		if (err)
			return err;
	}
	log_map_memory(a);
	/* Before counting starts anew: what a killed agent left half done. */
	err = kf_recover(&a->c);
	if (err)
		return err;
	/* Subscribe before the first attach: an interface that comes up in
	 * between is seen either in the list or as an event. */
	a->links = kf_linkwatch_open();
	if (!a->links) {
		pr_warn("error: cannot subscribe to interface events: %s\n", strerror(errno));
		return -errno;
	}
	/* Another ABI's agent's hooks are taken over as ours (migrate.c). */
	err = kf_migrate_hooks(&a->c.b.mig, &a->c.b);
	if (err)
		return err;
	err = kf_attach_all(&a->c.b, a->ifs, a->nifs, a->c.o->xdp);
	if (err)
		return err;
	/* After the attach replaced the old programs (migrate.c). */
	err = kf_migrate_drain(&a->c.b.mig, &a->c.b, &a->c.table, &a->c.info.next_flow_seq);
	if (err)
		return err;
	kf_metrics_attached(a->c.metrics, &a->c);
	return 0;
}

int kf_run(const struct kf_opts *o)
{
	struct kf_agent a = { .c.o = o };
	bool running, keep;
	sigset_t mask;
	int err, e;

	stop_signals(&mask);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	err = setup(&a);
	running = !err;
	if (running)
		err = event_loop(&a);
	/* A run that failed to start leaves an adopted (persisted) agent's
	 * hooks and pins as they were: it never took them over. */
	keep = running ? o->persist : a.c.b.adopted;
	if (a.c.b.loaded && !keep)
		kf_detach_recorded(bpf_map__fd(a.c.b.skel->maps.kf_attach));
	if (a.c.b.loaded && (running || !a.c.b.adopted)) {
		/* After detaching (or not, with --persist): one last swap reads
		 * everything counted so far, even packets that raced the detach. */
		e = interval_tick(&a);
		if (!err)
			err = e;
	}
	kf_linkwatch_close(a.links);
	if (a.c.id.bpf.skel)
		kf_identity_stop(&a.c.id, keep);
	if (a.c.b.loaded && !keep)
		kf_bpf_unpin(&a.c.b);
	else if (a.c.b.loaded && running)
		pr_info("persisting: programs stay attached, maps stay pinned under %s\n",
			o->pin_path);
	kf_bpf_close(&a.c.b);
	kf_metrics_stop(a.c.metrics);
	kf_sinks_close(&a.c.sinks);
	kf_table_free(&a.c.table);
	free(a.ifs);
	return err;
}
