// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * agent.c - `kflow run`. One epoll loop over a signalfd (SIGINT/SIGTERM end
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
#include "close.h"
#include "counters.h"
#include "drain.h"
#include "iface.h"
#include "identity.h"
#include "lifemap.h"
#include "linkwatch.h"
#include "loader.h"
#include "log.h"
#include "orient.h"
#include "output.h"
#include "record.h"

struct kf_agent {
	const struct kf_opts *o;
	struct kf_bpf b;
	struct kf_maps maps;
	struct kf_table table;
	struct kf_outputs out;
	struct kf_listeners listeners;
	struct kf_iface *ifs;
	int nifs;
	__u64 seen[KF_CNT_MAX];
	__u64 window_start_us;
	struct kf_info info;
	struct kf_identity id;
	struct mnl_socket *links; /* rtnetlink link events */
};

struct tick {
	struct kf_agent *a;
	struct kf_window win;
	__u64 mono_ns;
	int life_fd;
	int l4_fd;
	struct jsonw w;
};

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void write_record(struct tick *t, struct kf_flow *f, unsigned int ct, unsigned int to)
{
	kf_record_format(&t->w, f, &t->win, ct, to);
	kf_outputs_write(&t->a->out, t->w.buf, t->w.len);
}

static bool tick_flow(struct kf_flow *f, void *arg)
{
	struct tick *t = arg;
	struct kf_agent *a = t->a;
	unsigned int to;

	if (!f->key.family) { /* overflow: per interval only */
		if (f->in_interval)
			write_record(t, f, KF_CLOSE_FORCED_REPORT, 0);
		return true;
	}
	if (!f->life.flow_id) {
		__u64 sec = (__u64)((__s64)f->life.first_ns + t->win.mono_to_wall_ns) / 1000000000ULL;

		f->life.flow_id = (sec & 0xffffffffULL) << 32 | (a->info.next_flow_seq++ & 0xffffffffULL);
	}
	/* One consistent read of the flow's L4 state per interval. */
	f->has_l4 = !bpf_map_lookup_elem_flags(t->l4_fd, &f->key, &f->l4, BPF_F_LOCK);
	if (f->in_interval) {
		kf_orient(f, a->o, &a->listeners);
		for (int side = 0; side < 2; side++) {
			if (!f->id[side].pid) /* once per flow and interval until found */
				f->id[side].tried = false;
			kf_identity_resolve(&a->id, &f->key, side, &f->id[side]);
		}
		if (a->id.enabled)
			f->obs_point = kf_identity_obs_point(&a->id, &f->key, &f->id[f->life.client & 1],
							     &f->id[!(f->life.client & 1)]);
	}
	to = kf_flow_timeout(f, a->o);
	if (t->mono_ns >= f->life.last_ns + (__u64)to * 1000000000ULL) {
		write_record(t, f, kf_close_type(f), to);
		bpf_map_delete_elem(t->life_fd, &f->key);
		bpf_map_delete_elem(t->l4_fd, &f->key);
		return true;
	}
	if (f->in_interval)
		write_record(t, f, KF_CLOSE_FORCED_REPORT, to);
	memset(&f->iv, 0, sizeof(f->iv));
	f->in_interval = false;
	return false;
}

static __u64 l4_last_activity(const struct l4_state *ls)
{
	__u64 t = ls->echo_ts;

	for (int d = 0; d < 2; d++) {
		if (ls->side[d].last_ts > t)
			t = ls->side[d].last_ts;
		if (ls->udp_ts[d] > t)
			t = ls->udp_ts[d];
	}
	return t;
}

/* L4 state of flows the agent never saw (their packets overflowed) leaves
 * once idle for two intervals; the agent's own flows leave when they end. */
static void sweep_l4(struct kf_agent *a, int fd, __u64 mono_ns)
{
	__u64 idle = 2ULL * a->o->interval_s * 1000000000ULL;
	struct flow_key key, next, *prev = NULL;
	struct l4_state ls;
	unsigned int n = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (kf_table_find(&a->table, &key) || bpf_map_lookup_elem(fd, &key, &ls))
			continue;
		if (l4_last_activity(&ls) + idle < mono_ns && !bpf_map_delete_elem(fd, &key))
			n++;
	}
	if (n)
		pr_debug("swept %u idle L4 states of flows without records\n", n);
}

static int interval_tick(struct kf_agent *a)
{
	struct tick t = { .a = a };
	__u64 wall_ns, zero = 0;
	int n, err;

	n = kf_drain(&a->maps, &a->table);
	if (n < 0)
		return n;
	wall_ns = clock_ns(CLOCK_REALTIME);
	t.mono_ns = clock_ns(CLOCK_MONOTONIC);
	t.win.mono_to_wall_ns = (__s64)(wall_ns - t.mono_ns);
	t.win.start_us = a->window_start_us;
	t.win.end_us = wall_ns / 1000;
	t.life_fd = bpf_map__fd(a->b.skel->maps.kf_life);
	t.l4_fd = bpf_map__fd(a->b.skel->maps.kf_l4);
	t.win.id = a->id.enabled ? &a->id : NULL;
	kf_listeners_load(&a->listeners);
	kf_identity_interval(&a->id);
	kf_table_walk(&a->table, tick_flow, &t);
	sweep_l4(a, t.l4_fd, t.mono_ns);
	kf_outputs_flush(&a->out);
	a->window_start_us = t.win.end_us;

	err = kf_life_store(t.life_fd, &a->table);
	bpf_map_update_elem(bpf_map__fd(a->b.skel->maps.kf_info), &zero, &a->info, BPF_ANY);
	kf_counters_log_delta(bpf_map__fd(a->b.skel->maps.kf_counters), a->b.ncpus, a->seen);
	kf_identity_log(&a->id);
	pr_debug("interval: %d entries drained, %zu flows live\n", n, a->table.count);
	return err == -ENOMEM ? err : 0;
}

static void on_link(void *arg, const struct kf_link_event *ev)
{
	struct kf_agent *a = arg;
	struct kf_attach att;
	struct kf_iface ifc = { .ifindex = ev->ifindex };
	__u32 key = ev->ifindex;
	bool attached;

	attached = !bpf_map_lookup_elem(bpf_map__fd(a->b.skel->maps.kf_attach), &key, &att);
	if (ev->removed) {
		if (attached) {
			pr_info("%s (ifindex %d) went away\n", att.name, ev->ifindex);
			kf_attach_forget(&a->b, ev->ifindex);
		}
		return;
	}
	if (attached || !(ev->flags & IFF_UP) || (ev->flags & IFF_LOOPBACK) ||
	    ev->type != ARPHRD_ETHER || !kf_iface_wanted(a->o->ifaces, a->o->exclude_ifaces, ev->name))
		return;
	snprintf(ifc.name, sizeof(ifc.name), "%s", ev->name);
	kf_ifname_remember(ifc.ifindex, ifc.name);
	if (kf_attach_one(&a->b, &ifc, a->o->xdp))
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

static int event_loop(struct kf_agent *a)
{
	struct epoll_event ev = { .events = EPOLLIN }, got;
	int sfd = -1, tfd = -1, efd = -1, err = 0;
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
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
	err = arm_timer(tfd, a->o->interval_s);
	if (err)
		goto out;
	pr_info("running: records every %u s\n", a->o->interval_s);
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
		err = arm_timer(tfd, a->o->interval_s);
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

static int setup(struct kf_agent *a)
{
	__u32 zero = 0;
	int n, err;

	/* Cheap checks first: a bad interface or output leaves nothing behind. */
	n = kf_ifaces_resolve(a->o->ifaces, a->o->exclude_ifaces, &a->ifs);
	if (n < 0)
		return n;
	a->nifs = n;
	err = kf_outputs_open(&a->out, a->o);
	if (err)
		return err;
	err = kf_table_init(&a->table);
	if (err)
		return err;
	err = kf_bpf_load(&a->b, a->o->pin_path, a->o->max_flows, a->o->precise_time);
	if (err)
		return err;
	a->maps.sel_fd = bpf_map__fd(a->b.skel->maps.kf_flow_sel);
	a->maps.a_fd = bpf_map__fd(a->b.skel->maps.kf_flows_a);
	a->maps.b_fd = bpf_map__fd(a->b.skel->maps.kf_flows_b);
	a->maps.ncpus = a->b.ncpus;
	if (bpf_map_lookup_elem(bpf_map__fd(a->b.skel->maps.kf_info), &zero, &a->info))
		return -errno;
	if (a->b.adopted) {
		n = kf_life_load(bpf_map__fd(a->b.skel->maps.kf_life), &a->table);
		if (n < 0)
			return n;
		pr_info("adopted %d flows from the persisted agent\n", n);
	}
	kf_counters_read(bpf_map__fd(a->b.skel->maps.kf_counters), a->b.ncpus, a->seen);
	a->window_start_us = clock_ns(CLOCK_REALTIME) / 1000;
	if (!a->o->no_identity) {
		const char *cg = a->o->cgroup_root ? a->o->cgroup_root : kf_cgroup2_mount();

		if (!cg) {
			pr_warn("error: no cgroup v2 mount for process identity (use --no-identity)\n");
			return -ENOENT;
		}
		err = kf_identity_start(&a->id, a->o->pin_path, cg, a->o->pod_log_root,
					a->o->pod_cluster);
		if (err)
			return err;
	}
	/* Subscribe before the first attach: an interface that comes up in
	 * between is seen either in the list or as an event. */
	a->links = kf_linkwatch_open();
	if (!a->links) {
		pr_warn("error: cannot subscribe to interface events: %s\n", strerror(errno));
		return -errno;
	}
	return kf_attach_all(&a->b, a->ifs, a->nifs, a->o->xdp);
}

int kf_run(const struct kf_opts *o)
{
	struct kf_agent a = { .o = o };
	bool running, keep;
	int err, e;

	err = setup(&a);
	running = !err;
	if (running)
		err = event_loop(&a);
	/* A run that failed to start leaves an adopted (persisted) agent's
	 * hooks and pins as they were: it never took them over. */
	keep = running ? o->persist : a.b.adopted;
	if (a.b.loaded && !keep)
		kf_detach_recorded(bpf_map__fd(a.b.skel->maps.kf_attach));
	if (a.b.loaded && (running || !a.b.adopted)) {
		/* After detaching (or not, with --persist): one last swap reads
		 * everything counted so far, even packets that raced the detach. */
		e = interval_tick(&a);
		if (!err)
			err = e;
	}
	kf_linkwatch_close(a.links);
	if (a.id.bpf.skel)
		kf_identity_stop(&a.id, keep);
	if (a.b.loaded && !keep)
		kf_bpf_unpin(&a.b);
	else if (a.b.loaded && running)
		pr_info("persisting: programs stay attached, maps stay pinned under %s\n",
			o->pin_path);
	kf_bpf_close(&a.b);
	kf_outputs_close(&a.out);
	kf_table_free(&a.table);
	free(a.ifs);
	return err;
}
