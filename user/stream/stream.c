// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stream.c - the stream sink: subscribers come and go on the socket, each
 * event goes to the history and to every subscriber whose filter passes it,
 * into that subscriber's bounded buffer; buffers are written when the
 * agent's loop comes round (after each ring read, tick and timer), never
 * waited on.
 *
 * A subscriber gets the hello line at once, then has a second to send its
 * subscribe line; events published meanwhile are replayed from the history
 * once it has (with its "last" before them), so none is missed.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <netinet/in.h>
#include "close.h"
#include "record.h"
#include "hub.h"
#include "iface.h"
#include "log.h"
#include "server.h"
#include "tick.h"

#define KF_HUB_TICK_NS 10000000 /* 10 ms */
/* Each subscriber holds a --stream-buffer of memory: a bound on how much
 * connections of the socket's group can make the agent hold. */
#define KF_HUB_MAX_SUBS 128

/* epoll tags of the hub's own fds; a subscriber is tagged by itself. */
static char tag_listen, tag_timer, tag_ring;

__u64 kf_hub_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

__u64 kf_hub_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

/* The ring is read every 10 ms while someone listens; with no subscriber
 * only once a second (events go to the history; a burst still wakes the
 * agent through the kernel's threshold), so an idle stream costs nothing. */
static void hub_timer(struct kf_hub *h)
{
	long ns = h->st.subscribers ? KF_HUB_TICK_NS : 999999999;
	struct itimerspec its = { .it_interval.tv_nsec = ns, .it_value.tv_nsec = ns };

	if (h->tfd >= 0 && timerfd_settime(h->tfd, 0, &its, NULL))
		pr_warn("stream: cannot set its timer: %s\n", strerror(errno));
}

static void sub_watch(struct kf_hub *h, struct kf_sub *s, int op, bool in)
{
	struct epoll_event ev = { .events = (in ? EPOLLIN : 0) | (s->want_out ? EPOLLOUT : 0),
				  .data.ptr = s };

	epoll_ctl(h->efd, op, s->fd, &ev);
}

static void sub_close(struct kf_hub *h, struct kf_sub *s, const char *why)
{
	struct kf_sub **pp = &h->subs;

	while (*pp && *pp != s)
		pp = &(*pp)->next;
	if (*pp)
		*pp = s->next;
	epoll_ctl(h->efd, EPOLL_CTL_DEL, s->fd, NULL);
	pr_info("stream: subscriber pid %d uid %u left (%s): %llu events delivered, %llu lost "
		"for its full buffer\n",
		(int)s->pid, (unsigned int)s->uid, why, (unsigned long long)s->delivered,
		(unsigned long long)s->dropped);
	h->st.subscribers--;
	if (!h->st.subscribers)
		hub_timer(h);
	kf_sub_free(s);
}

static void hello(struct kf_hub *h, struct kf_sub *s)
{
	char line[KF_SUB_CTL_ROOM];
	int n;

	n = snprintf(line, sizeof(line),
		     "{\"event\":\"hello\",\"version\":%d,\"time\":%llu,\"ring_size\":%u,"
		     "\"history_size\":%u,\"buffer_size\":%zu,\"subscribers\":%llu,"
		     "\"published\":%llu,\"lost_kernel\":%llu,\"lost_subscriber\":%llu}\n",
		     KF_STREAM_PROTOCOL, (unsigned long long)kf_hub_wall_us(), h->ring_size,
		     h->hist.cap, s->cap, h->st.subscribers, h->st.published, h->st.lost_kernel,
		     h->st.lost_subscriber);
	kf_sub_queue_ctl(s, line, n);
}

static void refuse(struct kf_hub *h, struct kf_sub *s, const char *why)
{
	char line[KF_SUB_CTL_ROOM];
	struct jsonw w;

	jw_begin(&w);
	jw_str(&w, "event", "error");
	jw_str(&w, "error", why);
	if (jw_end(&w) == 0 && w.len <= sizeof(line))
		kf_sub_queue_ctl(s, w.buf, w.len);
	pr_warn("stream: subscriber pid %d uid %u refused: %s\n", (int)s->pid,
		(unsigned int)s->uid, why);
	s->state = KF_SUB_DONE;
}

/* Events it missed while subscribing (seq > connect_seq), after up to
 * `last` matching events from before. */
static void start(struct kf_hub *h, struct kf_sub *s)
{
	unsigned int first = h->hist.n, want = s->f.last;
	__u64 oldest;

	for (unsigned int i = h->hist.n; i > 0; i--) {
		struct kf_sev *e = kf_history_at(&h->hist, i - 1);

		if (e->seq > s->connect_seq) {
			first = i - 1;
		} else if (want && kf_filter_match(&s->f, &e->a)) {
			first = i - 1;
			want--;
		} else if (!want) {
			break;
		}
	}
	/* The history no longer holds some events of its wait: lost. */
	oldest = h->hist.n ? kf_history_at(&h->hist, 0)->seq : h->seq + 1;
	if (oldest > s->connect_seq + 1) {
		s->lost_sub += oldest - s->connect_seq - 1;
		s->dropped += oldest - s->connect_seq - 1;
		h->st.lost_subscriber += oldest - s->connect_seq - 1;
	}
	for (unsigned int i = first; i < h->hist.n; i++) {
		struct kf_sev *e = kf_history_at(&h->hist, i);

		if (kf_filter_match(&s->f, &e->a) && !kf_sub_queue(s, e->line, e->len))
			h->st.lost_subscriber++;
	}
	s->state = s->f.follow ? KF_SUB_FOLLOW : KF_SUB_DONE;
}

/* Its subscribe line; once read, anything more it sends is ignored. */
static void sub_read(struct kf_hub *h, struct kf_sub *s)
{
	char err[256], drop[4096], *nl;
	ssize_t n;

	if (s->state != KF_SUB_WAIT) {
		n = recv(s->fd, drop, sizeof(drop), MSG_DONTWAIT);
		if (n == 0) /* it shut its sending side: stop watching that */
			sub_watch(h, s, EPOLL_CTL_MOD, false);
		return;
	}
	n = recv(s->fd, s->in + s->in_len, sizeof(s->in) - s->in_len, MSG_DONTWAIT);
	if (n < 0)
		return;
	if (n == 0) { /* nothing to say: everything */
		if (s->in_len) {
			refuse(h, s, "the subscribe line has no newline");
			return;
		}
		sub_watch(h, s, EPOLL_CTL_MOD, false);
		start(h, s);
		return;
	}
	s->in_len += n;
	nl = memchr(s->in, '\n', s->in_len);
	if (!nl) {
		if (s->in_len == sizeof(s->in))
			refuse(h, s, "the subscribe line is longer than 4096 bytes");
		return;
	}
	if (kf_filter_parse(&s->f, s->in, nl - s->in, err, sizeof(err))) {
		refuse(h, s, err);
		return;
	}
	start(h, s);
}

static void accept_all(struct kf_hub *h)
{
	pid_t pid;
	uid_t uid;
	int fd;

	while ((fd = kf_server_accept(h->lfd, &pid, &uid)) >= 0) {
		static const char full[] = "{\"event\":\"error\",\"error\":\"too many subscribers\"}\n";
		struct kf_sub *s;

		if (h->st.subscribers >= KF_HUB_MAX_SUBS) {
			pr_warn("stream: subscriber pid %d uid %u refused: already %d subscribers\n",
				(int)pid, (unsigned int)uid, KF_HUB_MAX_SUBS);
			if (send(fd, full, sizeof(full) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				pr_debug("stream: %s\n", strerror(errno));
			close(fd);
			continue;
		}
		s = kf_sub_new(fd, h->o->stream_buffer, kf_hub_mono_ns(), h->seq);
		if (!s) {
			pr_warn("stream: no memory for a subscriber (pid %d)\n", (int)pid);
			close(fd);
			continue;
		}
		s->pid = pid;
		s->uid = uid;
		s->next = h->subs;
		h->subs = s;
		if (!h->st.subscribers++)
			hub_timer(h);
		h->st.connections++;
		pr_info("stream: subscriber pid %d uid %u connected\n", (int)pid,
			(unsigned int)uid);
		hello(h, s);
		sub_watch(h, s, EPOLL_CTL_ADD, true);
	}
	if (fd != -EAGAIN)
		pr_warn("stream: accept: %s\n", strerror(-fd));
}

void kf_hub_publish(struct kf_hub *h, const struct kf_sev_attrs *a, const char *line, size_t len)
{
	struct kf_sev *e = kf_sev_new(a, line, len);

	h->seq++;
	h->st.published++;
	for (struct kf_sub *s = h->subs; s; s = s->next) {
		if (s->state != KF_SUB_FOLLOW || !kf_filter_match(&s->f, a))
			continue;
		if (!kf_sub_queue(s, line, len))
			h->st.lost_subscriber++;
	}
	if (e) {
		e->seq = h->seq;
		kf_history_add(&h->hist, e);
	}
}

/* Writes every buffer; tells losses to subscribers that read. */
static void flush_all(struct kf_hub *h)
{
	__u64 now = kf_hub_mono_ns(), wall = kf_hub_wall_us();
	struct kf_sub *s, *next;

	for (s = h->subs; s; s = next) {
		int r;

		next = s->next;
		if (s->state == KF_SUB_WAIT && now - s->connect_ns >= 1000000000ULL) {
			if (s->in_len)
				refuse(h, s, "no whole subscribe line within 1 s");
			else
				start(h, s);
		}
		if (s->len - s->off < s->cap / 2)
			kf_sub_tell_lost(s, now, wall);
		r = kf_sub_flush(s);
		if (r < 0) {
			sub_close(h, s, strerror(-r));
			continue;
		}
		if (!r && s->state == KF_SUB_DONE) {
			sub_close(h, s, "done");
			continue;
		}
		if ((r == 1) != s->want_out) {
			s->want_out = r == 1;
			sub_watch(h, s, EPOLL_CTL_MOD, s->state == KF_SUB_WAIT);
		}
	}
}

void kf_stream_dispatch(struct kf_sink *sk)
{
	struct kf_hub *h = sk->priv;
	struct epoll_event evs[32];
	int n;

	n = epoll_wait(h->efd, evs, 32, 0);
	for (int i = 0; i < n; i++) {
		void *p = evs[i].data.ptr;

		if (p == &tag_listen) {
			accept_all(h);
		} else if (p == &tag_ring) {
			kf_kring_read(h);
		} else if (p == &tag_timer) {
			__u64 exp, now = kf_hub_mono_ns();

			if (read(h->tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
				pr_debug("stream timer: %s\n", strerror(errno));
			kf_kring_read(h);
			if (now - h->last_second_ns >= 1000000000ULL) {
				h->last_second_ns = now;
				kf_kring_losses(h);
			}
		} else if (evs[i].events & (EPOLLHUP | EPOLLERR)) {
			sub_close(h, p, "hung up");
		} else if (evs[i].events & EPOLLIN) {
			sub_read(h, p);
		}
	}
	flush_all(h);
}

/* The record's attributes: _0 the client, as in its JSON. */
static void rec_attrs(const struct kf_rec *r, int type, struct kf_sev_attrs *a)
{
	const struct kf_flow *f = r->f;
	const struct flow_key *k = &f->key;
	int c = f->life.client & 1;
	char nic[IF_NAMESIZE];

	memset(a, 0, sizeof(*a));
	a->type = type;
	a->proto = k->proto;
	if (!k->family)
		return;
	a->port[0] = c ? k->port_b : k->port_a;
	a->port[1] = c ? k->port_a : k->port_b;
	inet_ntop(k->family == 4 ? AF_INET : AF_INET6, c ? k->addr_b : k->addr_a, a->ip[0],
		  sizeof(a->ip[0]));
	inet_ntop(k->family == 4 ? AF_INET : AF_INET6, c ? k->addr_a : k->addr_b, a->ip[1],
		  sizeof(a->ip[1]));
	snprintf(a->nic, sizeof(a->nic), "%s", kf_ifname(k->ifindex, nic));
	for (int i = 0; r->win->id && i < 2; i++) {
		const struct kf_pod *pod = kf_identity_pod(r->win->id, &f->id[i ? !c : c]);

		if (pod) {
			snprintf(a->pod[i], sizeof(a->pod[i]), "%s", pod->name);
			snprintf(a->pod_ns[i], sizeof(a->pod_ns[i]), "%s", pod->ns);
		}
	}
}

/* The jsonl object with "event" first. */
static void publish_rec(struct kf_hub *h, const struct kf_rec *r, int type)
{
	struct kf_sev_attrs a;
	int n;

	if (!r->json || r->json_len < 2 || r->json[0] != '{')
		return;
	n = snprintf(h->line, sizeof(h->line), "{\"event\":\"%s\",", kf_sev_names[type]);
	if (n + r->json_len - 1 > sizeof(h->line))
		return;
	memcpy(h->line + n, r->json + 1, r->json_len - 1);
	rec_attrs(r, type, &a);
	kf_hub_publish(h, &a, h->line, n + r->json_len - 1);
}

/* A handshake that timed out reaches no closing state in the kernel (no
 * packet says so): the agent tells it when it ends the flow, as a
 * tcp_state event with "handshake":"timeout". */
static void handshake_timeout(struct kf_hub *h, const struct kf_rec *r)
{
	const struct kf_flow *f = r->f;
	struct kf_sev_attrs a;
	struct jsonw *w = &h->w;

	rec_attrs(r, KF_SEV_TCP_STATE, &a);
	jw_begin(w);
	jw_str(w, "event", "tcp_state");
	jw_u64(w, "time", r->end_us / 1000000);
	jw_u64(w, "event_time", r->end_us);
	jw_str(w, "ip_0", a.ip[0]);
	jw_str(w, "ip_1", a.ip[1]);
	jw_u64(w, "is_ipv4", f->key.family == 4);
	jw_u64(w, "vlan", f->key.vlan);
	jw_u64(w, "protocol", f->key.proto);
	jw_u64(w, "client_port", a.port[0]);
	jw_u64(w, "server_port", a.port[1]);
	jw_u64(w, "capture_nic", f->key.ifindex);
	jw_str(w, "capture_nic_name", a.nic);
	jw_str(w, "state", f->has_l4 && f->l4.state == KF_TS_OPENING2 ? "opening2" : "opening1");
	jw_str(w, "handshake", "timeout");
	jw_u64(w, "close_type", r->close_type);
	if (r->win->id) {
		int c = f->life.client & 1;

		kf_record_identity(w, r->win->id, &f->id[c], "0");
		kf_record_identity(w, r->win->id, &f->id[!c], "1");
	}
	if (!jw_end(w))
		kf_hub_publish(h, &a, w->buf, w->len);
}

static void stream_record(struct kf_sink *sk, const struct kf_rec *r)
{
	struct kf_hub *h = sk->priv;

	/* close_type 7 and 10: the server, or the client, never answered. */
	if (r->last && r->f->key.proto == IPPROTO_TCP && (r->close_type == 7 || r->close_type == 10))
		handshake_timeout(h, r);
	publish_rec(h, r, KF_SEV_RECORD);
	if (r->last)
		publish_rec(h, r, KF_SEV_FLOW_END);
}

static void stream_interval_end(struct kf_sink *sk, __u64 now_s)
{
	flush_all(sk->priv);
}

static bool stream_close(struct kf_sink *sk);

static int stream_open(struct kf_sink *sk, const char *path, const struct kf_sink_env *env)
{
	struct kf_hub *h = calloc(1, sizeof(*h));
	struct epoll_event ev = { .events = EPOLLIN };
	int err;

	if (!h)
		return -ENOMEM;
	sk->priv = h;
	h->o = env->o;
	h->lfd = h->efd = h->tfd = h->lost_fd = -1;
	err = kf_history_init(&h->hist, env->o->stream_history);
	if (err)
		goto fail;
	h->lfd = kf_server_listen(path, env->o->stream_group);
	if (h->lfd < 0) {
		err = h->lfd;
		goto fail;
	}
	h->efd = epoll_create1(EPOLL_CLOEXEC);
	h->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (h->efd < 0 || h->tfd < 0) {
		err = -errno;
		pr_warn("error: --stream: cannot set up its event loop: %s\n", strerror(errno));
		goto fail;
	}
	ev.data.ptr = &tag_listen;
	epoll_ctl(h->efd, EPOLL_CTL_ADD, h->lfd, &ev);
	ev.data.ptr = &tag_timer;
	epoll_ctl(h->efd, EPOLL_CTL_ADD, h->tfd, &ev);
	hub_timer(h);
	return 0;
fail:
	stream_close(sk); /* kf_sinks_add() does not close a sink that failed to open */
	return err;
}

/* The last records and losses get up to a second to reach subscribers
 * that read. */
static void final_flush(struct kf_hub *h)
{
	__u64 end = kf_hub_mono_ns() + 1000000000ULL;

	for (struct kf_sub *s = h->subs; s; s = s->next) {
		if (s->state == KF_SUB_WAIT)
			start(h, s);
		for (int i = 0; i < 2; i++) {
			s->last_lost_ns = 0;
			kf_sub_tell_lost(s, kf_hub_mono_ns(), kf_hub_wall_us());
		}
	}
	while (kf_hub_mono_ns() < end) {
		struct pollfd pfd[64];
		int n = 0;

		for (struct kf_sub *s = h->subs; s && n < 64; s = s->next)
			if (s->off < s->len && kf_sub_flush(s) == 1)
				pfd[n++] = (struct pollfd){ .fd = s->fd, .events = POLLOUT };
		if (!n || poll(pfd, n, 100) < 0)
			break;
	}
}

/* Events are not records: a subscriber's loss is told to it, not counted
 * as the run's. */
static bool stream_close(struct kf_sink *sk)
{
	struct kf_hub *h = sk->priv;

	if (!h)
		return false;
	kf_kring_close(h);
	final_flush(h);
	while (h->subs)
		sub_close(h, h->subs, "agent stopping");
	/* A stream that never started has nothing to sum up beside its error. */
	if (h->lfd >= 0) {
		pr_info("stream: %llu events published, %llu lost in the kernel, %llu lost for "
			"full subscriber buffers, %llu connections\n",
			h->st.published, h->st.lost_kernel, h->st.lost_subscriber,
			h->st.connections);
		close(h->lfd);
		unlink(h->o->stream_path);
	}
	if (h->tfd >= 0)
		close(h->tfd);
	if (h->efd >= 0)
		close(h->efd);
	kf_history_free(&h->hist);
	free(h);
	sk->priv = NULL;
	return false;
}

static void stream_sink_stats(const struct kf_sink *sk, struct kf_sink_stats *st)
{
	const struct kf_hub *h = sk->priv;

	st->records = h ? h->st.published : 0;
	st->failed = h ? h->st.lost_subscriber : 0;
}

const struct kf_sink_ops kf_sink_stream = {
	.scheme = "stream",
	.wants_json = true,
	.open = stream_open,
	.record = stream_record,
	.interval_end = stream_interval_end,
	.close = stream_close,
	.stats = stream_sink_stats,
};

struct kf_sink *kf_stream_find(struct kf_sinks *ss)
{
	for (int i = 0; i < ss->n; i++)
		if (ss->s[i].ops == &kf_sink_stream)
			return &ss->s[i];
	return NULL;
}

int kf_stream_start(struct kf_sink *sk, struct kf_core *c)
{
	struct kf_hub *h = sk->priv;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &tag_ring };
	int err;

	err = kf_kring_open(h, c);
	if (err)
		return err;
	epoll_ctl(h->efd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(h->rb), &ev);
	h->last_second_ns = kf_hub_mono_ns();
	return 0;
}

int kf_stream_fd(const struct kf_sink *sk)
{
	const struct kf_hub *h = sk->priv;

	return h->efd;
}

void kf_stream_stats(const struct kf_sink *sk, struct kf_stream_stats *st)
{
	const struct kf_hub *h = sk->priv;

	memset(st, 0, sizeof(*st));
	if (h)
		*st = h->st;
}
