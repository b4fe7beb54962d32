// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ipfix.c - an IPFIX output: transaction records (ipfix_flow.c) in the flow
 * observation domain, usage and global usage records (the seed's
 * RPT_USAGE_NF / RPT_GLB_USAGE_NF) in a domain of their own, each domain
 * with its templates, options and sequence number, over UDP or TCP.
 *
 * Why two domains: a usage record's bytes are the sums of the flows'. A
 * collector that adds up the rows of one domain must not find both, or it
 * counts every byte twice; with the usage records apart, it reads the flow
 * domain for flows and the usage domain for usage (or none: --ipfix-usage
 * off).
 *
 * Mechanics (RFC 7011, ../shared/reference/ipfix.md): one message per UDP
 * datagram below KF_IPFIX_MTU; a message holds one domain's sets; the
 * sequence number counts every data record of its domain (options data
 * included) sent before the message; templates and the options templates
 * are sent first in each domain, then refreshed every refresh_s seconds
 * and every refresh_msgs messages, since a collector that starts late
 * decodes nothing until it has them. Over TCP (a byte stream, RFC 7011 10.4)
 * messages queue in a bounded backlog written without blocking, templates
 * go first on every (re)connection, and a collector that is down or slow
 * is retried with exponential backoff; a full backlog drops whole messages,
 * counted and logged (the sequence numbers show the gap to the collector).
 * Over UDP a collector without a route is retried with connect() at each
 * interval end. Either way the collector's reachability is logged by
 * ipfix_reach.c, and what it misses while down is counted there.
 * The exporter options record carries
 * systemInitTimeMilliseconds (160) for the seed's sysUpTime pair (22/21),
 * which is sent in addition to the absolute milliseconds (152/153) that
 * collectors decode reliably.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <net/if.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include "close.h"
#include "iface.h"
#include "ipfix.h"
#include "ipfix_flow.h"
#include "log.h"
#include "nfvalues.h"
#include "sink.h"

#define TID_USAGE 260
#define TID_GLOBAL 261
#define TID_EXPORTER 262
#define TID_IFACE 263
#define TID_SAMPLER 264
#define TID_APP 265
#define APP_STR KF_NF_APP_NAME /* applicationName 96 and the category names, fixed length */
#define APP_DESC KF_NF_APP_DESC /* applicationDescription 94 */
#define APP_ATTR 12 /* p2p/tunnel/encryptedTechnology 288-290 */
#define IFNAME_LEN 32 /* interfaceName (82), fixed length: nfdump reads only those */
#define IFDESC_LEN KF_NF_IF_DESC /* interfaceDescription (83) */

/* Usage (RPT_USAGE_NF) and global usage (RPT_GLB_USAGE_NF) records. */
static const struct kf_ipfix_field usage_fields[] = {
	{ 152, 8, 0 }, /* interval start */
	{ 153, 8, 0 }, /* interval end */
	{ 10, 4, 0 }, /* ingressInterface */
	{ 14, 4, 0 }, /* egressInterface */
	{ 61, 1, 0 }, /* flowDirection: 0 client to server, 1 server to client */
	{ 60, 1, 0 }, /* ipVersion */
	{ 234, 4, 0 }, /* ingressVRFID */
	{ 1, 8, 0 }, /* octetDeltaCount */
	{ 2, 8, 0 }, /* packetDeltaCount */
	{ 278, 4, 0 }, /* newConnectionDeltaCount */
	{ 279, 8, 0 }, /* connectionSumDurationSeconds */
	{ 95, 4, 0 }, /* applicationId: last, so the global template is a prefix */
};
#define N_USAGE KF_NFIELDS(usage_fields)

/* The rate limit of the reachability log is in real time, whatever clock
 * the intervals follow (replay runs on the capture's). */
static __u64 mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The local address the collector sees, for the exporter options record. */
static void note_exporter_addr(struct kf_ipfix *x)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(x->fd, (struct sockaddr *)&ss, &sl))
		return;
	x->exporter_v6 = ss.ss_family == AF_INET6;
	if (x->exporter_v6)
		memcpy(x->exporter_addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	else
		memcpy(x->exporter_addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
}

/* Until connect() succeeds a datagram is lost without a try; a send that
 * finds no route takes the output down, and the next one that goes through
 * brings it up. Other errors (a port that refuses, a full buffer) say
 * nothing about the route: counted, the collector still up. */
static void udp_send(struct kf_ipfix *x, const struct kf_ipfix_msg *m)
{
	int err;

	if (!x->connected) {
		x->reach.lost++;
		return;
	}
	if (send(x->fd, m->buf, m->len, 0) >= 0) {
		if (x->reach.state == KF_REACH_DOWN) {
			kf_reach_set(&x->reach, KF_REACH_UP, "collector reachable", 0, mono_s());
			x->last_templates_s = 0; /* it may have forgotten them meanwhile */
		}
		return;
	}
	err = errno;
	if (x->reach.state != KF_REACH_DOWN && (err == ENETUNREACH || err == ENETDOWN))
		kf_reach_set(&x->reach, KF_REACH_DOWN, "collector unreachable", err, mono_s());
	if (x->reach.state == KF_REACH_DOWN)
		x->reach.lost++;
	else
		x->send_errors++;
}

static unsigned long long losses(const struct kf_ipfix *x)
{
	return x->reach.lost + x->dropped_msgs + x->send_errors;
}

static void send_msg(struct kf_ipfix *x, struct kf_ipfix_msg *m)
{
	unsigned long long lost_before = losses(x);

	if (!m->len)
		return;
	kf_msg_end(m);
	if (x->tcp) {
		if (x->blen + m->len <= KF_IPFIX_BACKLOG) {
			memcpy(x->backlog + x->blen, m->buf, m->len);
			x->blen += m->len;
		} else if (x->reach.state == KF_REACH_DOWN) {
			x->reach.lost++; /* in the line that says it is back */
		} else {
			x->dropped_msgs++;
		}
	} else {
		udp_send(x, m);
	}
	if (losses(x) != lost_before) {
		x->msgs_lost++;
		x->records_lost += m->flows;
	} else {
		x->msgs_sent++;
	}
	kf_msg_sent(m);
	x->msgs_since_templates++;
}

static int ndomains(const struct kf_ipfix *x)
{
	return x->cfg.usage ? KF_DOM_MAX : KF_DOM_USAGE;
}

static void send_all(struct kf_ipfix *x)
{
	for (int d = 0; d < ndomains(x); d++)
		send_msg(x, &x->msg[d]);
}

/* Room for one record of rec bytes in a set of tid: a new message when
 * the open one is full. */
static void open_set(struct kf_ipfix *x, struct kf_ipfix_msg *m, __u16 tid, size_t rec,
		     __u64 now_s)
{
	if (m->len && !kf_msg_fits(m, tid, rec))
		send_msg(x, m);
	if (!m->len)
		kf_msg_begin(m, now_s);
	kf_msg_open_set(m, tid);
}

static void put_iface_record(struct kf_ipfix *x, struct kf_ipfix_msg *m, int i)
{
	char desc[KF_NF_IF_DESC];

	kf_nf_iface_desc(x->ifnames[i], desc);
	kf_msg_put32(m, x->ifindexes[i]);
	kf_msg_put_str(m, x->ifnames[i], IFNAME_LEN);
	kf_msg_put_str(m, desc, IFDESC_LEN);
}

static const struct kf_ipfix_field app_fields[] = {
	{ 96, APP_STR, 0 }, /* applicationName */
	{ 94, APP_DESC, 0 }, /* applicationDescription */
	{ 372, APP_STR, 0 }, /* applicationCategoryName */
	{ 373, APP_STR, 0 }, /* applicationSubCategoryName */
	{ 374, APP_STR, 0 }, /* applicationGroupName */
	{ 288, APP_ATTR, 0 }, /* p2pTechnology */
	{ 289, APP_ATTR, 0 }, /* tunnelTechnology */
	{ 290, APP_ATTR, 0 }, /* encryptedTechnology */
};
#define N_APP KF_NFIELDS(app_fields)

/* An application id is the IANA L4 port engine (3) and the server port:
 * named after the port's service where the system knows one. */
static void put_app_record(struct kf_ipfix *x, struct kf_ipfix_msg *m, int i)
{
	char name[KF_NF_APP_NAME], desc[KF_NF_APP_DESC];

	kf_nf_app_names(x->apps[i], x->app_proto[i], name, desc);
	kf_msg_put32(m, x->apps[i]);
	kf_msg_put_str(m, name, APP_STR);
	kf_msg_put_str(m, desc, APP_DESC);
	kf_msg_put_str(m, "unassigned", APP_STR);
	kf_msg_put_str(m, "unassigned", APP_STR);
	kf_msg_put_str(m, "unassigned", APP_STR);
	kf_msg_put_str(m, "unassigned", APP_ATTR);
	kf_msg_put_str(m, "unassigned", APP_ATTR);
	kf_msg_put_str(m, "unassigned", APP_ATTR);
}

/* One domain's templates, options templates first (the metadata of
 * NF_INI_VALUES): exporter (scope observationDomainId 149), interfaces
 * (scope ingressInterface 10), sampling (scope selectorId 302: every
 * packet, no sampling) and applications (scope applicationId 95); then the
 * records' own: flows in the flow domain, usage in the usage domain. Then
 * the exporter and sampler records (interfaces and applications follow in
 * send_templates(), as they may take more messages). */
static void put_templates(struct kf_ipfix *x, struct kf_ipfix_msg *m, int dom)
{
	static const struct kf_ipfix_field iface[] = { { 82, IFNAME_LEN, 0 },
						       { 83, IFDESC_LEN, 0 } },
					   sampler[] = { { 304, 2, 0 }, { 305, 4, 0 }, { 306, 4, 0 } };
	const struct kf_ipfix_field exporter[] = {
		{ x->exporter_v6 ? 131 : 130, x->exporter_v6 ? 16 : 4, 0 }, /* exporter address */
		{ 144, 4, 0 }, /* exportingProcessId */
		{ 160, 8, 0 }, /* systemInitTimeMilliseconds */
	};

	kf_msg_put_options_template(m, TID_EXPORTER, 149, 4, exporter, KF_NFIELDS(exporter));
	kf_msg_put_options_template(m, TID_IFACE, 10, 4, iface, KF_NFIELDS(iface));
	kf_msg_put_options_template(m, TID_SAMPLER, 302, 8, sampler, KF_NFIELDS(sampler));
	kf_msg_put_options_template(m, TID_APP, 95, 4, app_fields, N_APP);
	kf_msg_open_set(m, 2);
	if (dom == KF_DOM_FLOWS) {
		kf_ipfix_flow_templates(m, x->cfg.uniflow);
	} else {
		kf_msg_put_template(m, TID_USAGE, NULL, 0, usage_fields, N_USAGE);
		kf_msg_put_template(m, TID_GLOBAL, NULL, 0, usage_fields, N_USAGE - 1);
	}

	kf_msg_open_set(m, TID_EXPORTER);
	kf_msg_put32(m, m->domain);
	kf_msg_put_bytes(m, x->exporter_addr, x->exporter_v6 ? 16 : 4);
	kf_msg_put32(m, getpid());
	kf_msg_put64(m, x->init_ms);
	kf_msg_open_set(m, TID_SAMPLER);
	kf_msg_put64(m, 1); /* selectorId */
	kf_msg_put16(m, 1); /* systematic count-based */
	kf_msg_put32(m, 1); /* select 1 packet ... */
	kf_msg_put32(m, 0); /* ... skip none: every packet is counted */
	m->records += 2;
}

/* In every domain: templates, the exporter record and the interface and
 * application tables, in a fresh message (and as many more as the tables
 * need). */
static void send_templates(struct kf_ipfix *x, __u64 now_s)
{
	for (int d = 0; d < ndomains(x); d++) {
		struct kf_ipfix_msg *m = &x->msg[d];

		send_msg(x, m);
		kf_msg_begin(m, now_s);
		put_templates(x, m, d);
		for (int i = 0; i < x->nifs; i++) {
			open_set(x, m, TID_IFACE, 4 + IFNAME_LEN + IFDESC_LEN, now_s);
			put_iface_record(x, m, i);
			m->records++;
		}
		for (int i = 0; i < x->napps; i++) {
			open_set(x, m, TID_APP, 4 + 4 * APP_STR + APP_DESC + 3 * APP_ATTR, now_s);
			put_app_record(x, m, i);
			m->records++;
		}
	}
	x->last_templates_s = now_s;
	x->msgs_since_templates = 0;
}

/* Room for one record of template tid in domain dom, templates first when
 * due. */
static struct kf_ipfix_msg *ensure_room(struct kf_ipfix *x, int dom, __u16 tid, size_t rec,
					__u64 now_s)
{
	/* Over UDP on a timer and a message count; over TCP once per
	 * connection, or when new metadata must be described. */
	if ((!x->tcp && (now_s >= x->last_templates_s + x->cfg.refresh_s ||
			 x->msgs_since_templates >= x->cfg.refresh_msgs)) ||
	    (x->tcp && !x->last_templates_s))
		send_templates(x, now_s);
	open_set(x, &x->msg[dom], tid, rec, now_s);
	return &x->msg[dom];
}

/* A new interface is described at once: the next message carries the
 * templates and the whole interface table again ("sent when it changes"). */
static void note_iface(struct kf_ipfix *x, __u32 ifindex)
{
	char name[IF_NAMESIZE];

	for (int i = 0; i < x->nifs; i++)
		if (x->ifindexes[i] == (int)ifindex)
			return;
	if (x->nifs == (int)(sizeof(x->ifindexes) / sizeof(x->ifindexes[0]))) {
		x->undescribed_ifs++;
		return;
	}
	x->ifindexes[x->nifs] = ifindex;
	memset(x->ifnames[x->nifs], 0, sizeof(x->ifnames[0]));
	snprintf(x->ifnames[x->nifs], sizeof(x->ifnames[0]), "%s", kf_ifname(ifindex, name));
	x->nifs++;
	x->last_templates_s = 0; /* due now */
}

static void note_app(struct kf_ipfix *x, __u32 app, __u8 proto)
{
	if (!app)
		return;
	for (int i = 0; i < x->napps; i++)
		if (x->apps[i] == app)
			return;
	if (x->napps == (int)(sizeof(x->apps) / sizeof(x->apps[0]))) {
		x->undescribed_apps++;
		return;
	}
	x->apps[x->napps] = app;
	x->app_proto[x->napps++] = proto;
	x->last_templates_s = 0; /* described at once */
}

void kf_ipfix_record(struct kf_ipfix *x, const struct kf_rec *r)
{
	const struct kf_flow *f = r->f;
	const struct kf_window *win = r->win;
	__u64 now_s = r->now_s;
	const struct flow_key *k = &f->key;
	bool v6 = k->family == 6, uni = x->cfg.uniflow;
	unsigned int dirs;
	__u16 tid = kf_ipfix_flow_tid(uni, v6);
	size_t len = kf_ipfix_flow_len(uni, v6);
	struct kf_nf_flowctx ctx;

	if (!k->family)
		return; /* the overflow record has no flow to describe */
	kf_nf_flowctx_init(&ctx, r, x->init_ms, x->vrf);
	note_iface(x, k->ifindex);
	note_app(x, kf_nf_app_id(f), k->proto);
	x->win_start_ms = win->start_us / 1000;
	x->win_end_ms = win->end_us / 1000;
	dirs = uni ? kf_nf_uni_dirs(f, &ctx) : 0;
	x->records += !uni + !!(dirs & KF_NF_UNI_CLIENT) + !!(dirs & KF_NF_UNI_SERVER);
	if (!uni) {
		kf_ipfix_put_biflow(ensure_room(x, KF_DOM_FLOWS, tid, len, now_s), f, &ctx);
	} else {
		if (dirs & KF_NF_UNI_CLIENT)
			kf_ipfix_put_uniflow(ensure_room(x, KF_DOM_FLOWS, tid, len, now_s), f, &ctx,
					     false);
		if (dirs & KF_NF_UNI_SERVER)
			kf_ipfix_put_uniflow(ensure_room(x, KF_DOM_FLOWS, tid, len, now_s), f, &ctx,
					     true);
	}
	if (x->cfg.usage)
		x->usage_dropped += kf_usage_add(&x->usage, &x->global, r);
}

static void put_usage(struct kf_ipfix *x, const struct kf_usage *u, bool global, __u64 now_s)
{
	size_t len = kf_fields_len(usage_fields, N_USAGE - global);
	struct kf_ipfix_msg *m = ensure_room(x, KF_DOM_USAGE, global ? TID_GLOBAL : TID_USAGE, len,
					     now_s);

	kf_msg_put64(m, x->win_start_ms);
	kf_msg_put64(m, x->win_end_ms);
	kf_msg_put32(m, u->ifindex);
	kf_msg_put32(m, 0);
	kf_msg_put8(m, u->dir);
	kf_msg_put8(m, u->ipver);
	kf_msg_put32(m, x->vrf);
	kf_msg_put64(m, u->octets);
	kf_msg_put64(m, u->packets);
	kf_msg_put32(m, u->new_conns);
	kf_msg_put64(m, u->duration_s);
	if (!global)
		kf_msg_put32(m, u->app);
	m->records++;
}

/* err: a positive errno, why the connection failed or ended. */
static void tcp_disconnect(struct kf_ipfix *x, __u64 now_s, int err)
{
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	kf_reach_set(&x->reach, KF_REACH_DOWN,
		     x->connected ? "connection lost" : "collector unreachable", err, mono_s());
	x->connected = false;
	x->backoff_s = x->backoff_s ? (x->backoff_s * 2 > 60 ? 60 : x->backoff_s * 2) : 1;
	x->next_connect_s = now_s + x->backoff_s;
}

/* 1: connected, 0: still in progress, or a negative errno. */
static int connect_result(int fd)
{
	struct sockaddr_storage peer;
	socklen_t el = sizeof(int), pl = sizeof(peer);
	int err = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el))
		return -errno;
	if (err)
		return -err;
	return !getpeername(fd, (struct sockaddr *)&peer, &pl);
}

/* Non-blocking: an attempt that is still in progress completes later. */
static void tcp_connect(struct kf_ipfix *x, __u64 now_s)
{
	int ret;

	if (x->connected)
		return;
	if (x->fd < 0) {
		if (now_s < x->next_connect_s)
			return;
		x->fd = socket(x->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (x->fd < 0) {
			tcp_disconnect(x, now_s, errno);
			return;
		}
		if (connect(x->fd, (struct sockaddr *)&x->addr, x->addrlen) && errno != EINPROGRESS) {
			tcp_disconnect(x, now_s, errno);
			return;
		}
	}
	/* Also right after connect(): a collector on this host has answered
	 * by now, so a refusal at start is logged at start. */
	ret = connect_result(x->fd);
	if (ret < 0) {
		tcp_disconnect(x, now_s, -ret);
		return;
	}
	if (!ret)
		return;
	x->connected = true;
	x->backoff_s = 0;
	kf_reach_set(&x->reach, KF_REACH_UP, "connected", 0, mono_s());
	/* Templates first on a new connection: whatever is queued after. */
	{
		unsigned char *old = x->backlog;
		size_t oldlen = x->blen;

		x->backlog = malloc(KF_IPFIX_BACKLOG);
		if (!x->backlog) {
			x->backlog = old;
			return;
		}
		x->blen = 0;
		send_templates(x, now_s);
		send_all(x);
		if (x->blen + oldlen <= KF_IPFIX_BACKLOG) {
			memcpy(x->backlog + x->blen, old, oldlen);
			x->blen += oldlen;
		} else {
			x->dropped_msgs++;
			x->msgs_lost++;
		}
		free(old);
	}
}

static void tcp_write(struct kf_ipfix *x, __u64 now_s)
{
	size_t off = 0;

	tcp_connect(x, now_s);
	if (!x->connected)
		return;
	while (off < x->blen) {
		ssize_t n = send(x->fd, x->backlog + off, x->blen - off, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break; /* slow collector: the rest waits */
		if (n < 0) {
			tcp_disconnect(x, now_s, errno);
			break;
		}
		off += n;
	}
	memmove(x->backlog, x->backlog + off, x->blen - off);
	x->blen -= off;
}

/* No route yet: connect() again. At the end of an interval, so that the
 * collector's first interval is a whole one, templates first. */
static void udp_connect(struct kf_ipfix *x)
{
	if (connect(x->fd, (struct sockaddr *)&x->addr, x->addrlen)) {
		kf_reach_set(&x->reach, KF_REACH_DOWN, "collector unreachable", errno, mono_s());
		return;
	}
	x->connected = true;
	note_exporter_addr(x);
	if (x->reach.state == KF_REACH_DOWN) {
		kf_reach_set(&x->reach, KF_REACH_UP, "collector reachable", 0, mono_s());
		x->last_templates_s = 0;
	}
}

void kf_ipfix_flush(struct kf_ipfix *x, __u64 now_s)
{
	for (__u32 i = 0; i < x->usage.n; i++)
		put_usage(x, &x->usage.ent[i], false, now_s);
	for (__u32 i = 0; i < x->global.n; i++)
		put_usage(x, &x->global.ent[i], true, now_s);
	kf_usage_reset(&x->usage);
	kf_usage_reset(&x->global);
	send_all(x);
	if (x->tcp)
		tcp_write(x, now_s);
	else if (!x->connected)
		udp_connect(x);
	kf_reach_tick(&x->reach, mono_s());
	if (x->dropped_msgs) {
		pr_warn("ipfix %s: %llu messages dropped: the collector is away and the %d-byte "
			"backlog is full\n",
			x->dest, x->dropped_msgs, KF_IPFIX_BACKLOG);
		x->dropped_msgs = 0;
	}
	if (x->usage_dropped) {
		pr_warn("ipfix %s: %llu usage aggregates of this interval were not sent: no memory "
			"to grow the usage tables\n",
			x->dest, x->usage_dropped);
		x->usage_dropped = 0;
	}
	if (x->undescribed_ifs || x->undescribed_apps) {
		pr_warn("ipfix %s: %llu records of interfaces and %llu of applications beyond the "
			"%zu interfaces / %zu applications the options tables describe: exported "
			"without their names\n",
			x->dest, x->undescribed_ifs, x->undescribed_apps,
			sizeof(x->ifindexes) / sizeof(x->ifindexes[0]),
			sizeof(x->apps) / sizeof(x->apps[0]));
		x->undescribed_ifs = 0;
		x->undescribed_apps = 0;
	}
	if (x->send_errors) {
		pr_warn("ipfix %s: %llu messages could not be sent (collector down or "
			"unreachable); their records are lost for it\n",
			x->dest, x->send_errors);
		x->send_errors = 0;
	}
}

int kf_ipfix_open(struct kf_ipfix *x, const char *spec, const struct kf_ipfix_cfg *cfg)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai = NULL;
	char host[128], *colon;
	int err;

	memset(x, 0, sizeof(*x));
	x->fd = -1;
	if ((strncmp(spec, "udp://", 6) && strncmp(spec, "tcp://", 6)) ||
	    strlen(spec + 6) >= sizeof(host)) {
		pr_warn("error: --output ipfix:%s: expected ipfix:udp://HOST:PORT or "
			"ipfix:tcp://HOST:PORT\n",
			spec);
		return -EINVAL;
	}
	x->tcp = !strncmp(spec, "tcp://", 6);
	hints.ai_socktype = x->tcp ? SOCK_STREAM : SOCK_DGRAM;
	strcpy(host, spec + 6);
	colon = strrchr(host, ':');
	if (!colon || !colon[1]) {
		pr_warn("error: --output ipfix:%s: no port\n", spec);
		return -EINVAL;
	}
	*colon = '\0';
	if (host[0] == '[' && colon[-1] == ']') { /* [IPv6]:port */
		colon[-1] = '\0';
		memmove(host, host + 1, strlen(host));
	}
	err = getaddrinfo(host, colon + 1, &hints, &ai);
	if (err) {
		pr_warn("error: --output ipfix:%s: %s\n", spec, gai_strerror(err));
		return -EINVAL;
	}
	snprintf(x->dest, sizeof(x->dest), "%s", spec);
	x->cfg = *cfg;
	x->msg[KF_DOM_FLOWS].domain = cfg->domain;
	x->msg[KF_DOM_USAGE].domain = cfg->usage_domain;
	memcpy(&x->addr, ai->ai_addr, ai->ai_addrlen);
	x->addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	x->vrf = kf_nf_vrf();
	if (x->tcp) {
		kf_reach_init(&x->reach, x->dest, "retrying with backoff", KF_REACH_UNKNOWN);
		x->backlog = malloc(KF_IPFIX_BACKLOG);
		if (!x->backlog) {
			pr_warn("error: --output ipfix:%s: no memory for the %d-byte backlog\n", spec,
				KF_IPFIX_BACKLOG);
			return -ENOMEM;
		}
		tcp_connect(x, 0);
		return 0;
	}
	/* Up until shown otherwise: a collector reached at start is no news. */
	kf_reach_init(&x->reach, x->dest, "retrying at each interval", KF_REACH_UP);
	x->fd = socket(x->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (x->fd < 0) {
		err = -errno;
		pr_warn("error: --output ipfix:%s: cannot create a UDP socket: %s\n", spec,
			strerror(errno));
		return err;
	}
	udp_connect(x);
	return 0;
}

bool kf_ipfix_close(struct kf_ipfix *x)
{
	bool lost;

	kf_ipfix_flush(x, 0);
	kf_reach_final(&x->reach);
	lost = x->records_lost || (x->tcp && x->blen);
	if (x->tcp && x->blen)
		pr_warn("ipfix %s: %zu bytes not delivered at exit (collector away or slow)\n",
			x->dest, x->blen);
	kf_usage_free(&x->usage);
	kf_usage_free(&x->global);
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	free(x->backlog);
	x->backlog = NULL;
	return lost;
}

/* The IPFIX sink: records counts transaction records; failed, those in
 * messages that were lost (usage records are aggregates, not counted). */
static int sink_open(struct kf_sink *s, const char *arg, const struct kf_sink_env *env)
{
	const struct kf_opts *o = env->o;
	const struct kf_ipfix_cfg cfg = {
		.domain = o->ipfix_domain,
		.usage_domain = o->ipfix_usage_domain,
		.usage = o->ipfix_usage,
		.uniflow = o->ipfix_uniflow,
		.refresh_s = o->ipfix_refresh_s,
		.refresh_msgs = o->ipfix_refresh_msgs,
	};
	struct kf_ipfix *x = calloc(1, sizeof(*x));
	int err;

	if (!x)
		return -ENOMEM;
	err = kf_ipfix_open(x, arg, &cfg);
	if (err) { /* nothing was sent: only memory to give back */
		if (x->fd >= 0)
			close(x->fd);
		free(x->backlog);
		free(x);
		return err;
	}
	x->init_ms = env->init_ms;
	s->priv = x;
	return 0;
}

static void sink_record(struct kf_sink *s, const struct kf_rec *r)
{
	kf_ipfix_record(s->priv, r);
}

static void sink_interval_end(struct kf_sink *s, __u64 now_s)
{
	kf_ipfix_flush(s->priv, now_s);
}

static bool sink_close(struct kf_sink *s)
{
	bool lost = kf_ipfix_close(s->priv);

	free(s->priv);
	s->priv = NULL;
	return lost;
}

static void sink_stats(const struct kf_sink *s, struct kf_sink_stats *st)
{
	const struct kf_ipfix *x = s->priv;

	st->records = x->records;
	st->failed = x->records_lost;
}

const struct kf_sink_ops kf_sink_ipfix = {
	.scheme = "ipfix",
	.open = sink_open,
	.record = sink_record,
	.interval_end = sink_interval_end,
	.close = sink_close,
	.stats = sink_stats,
};
