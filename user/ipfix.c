// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ipfix.c - IPFIX transaction records (the seed's RPT_TRANSACTION_NF), one
 * per flow and interval, templates 256 (IPv4) and 257 (IPv6), both
 * directions in one record (RFC 5103 reverse elements, PEN 29305).
 *
 * Mechanics (RFC 7011, ../shared/reference/ipfix.md): one message per UDP
 * datagram below KF_IPFIX_MTU; the sequence number counts every data record
 * (options data included) sent before the message; templates and the
 * options template are sent first, then refreshed every refresh_s seconds
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
 *
 * Elements: the seed prints "3" for in_bytes; 3 is the flow count in IANA's
 * registry and NetFlow v9, so octets go in octetDeltaCount (1), as IANA
 * defines it. TCP health has no IANA elements: it is sent as enterprise
 * elements of PEN 32473 (RFC 5612's documentation number, until one is
 * assigned), reverse direction = id | 0x4000 (see README for the table).
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
#include <sys/stat.h>
#include <time.h>
#include "close.h"
#include "iface.h"
#include "ipfix.h"
#include "log.h"

#define PEN_REVERSE 29305 /* RFC 5103 */
#define PEN_KFLOW 32473 /* RFC 5612 documentation PEN */
#define PEN_NTOP 35632 /* nProbe's elements: Wireshark decodes them by name */
#define TID_V4 256
#define TID_V6 257
#define TID_USAGE 260
#define TID_GLOBAL 261
#define TID_EXPORTER 262
#define TID_IFACE 263
#define TID_SAMPLER 264
#define TID_APP 265
#define APP_STR 32 /* applicationName 96 and the category names, fixed length */
#define APP_DESC 64 /* applicationDescription 94 */
#define APP_ATTR 12 /* p2p/tunnel/encryptedTechnology 288-290 */
#define IFNAME_LEN 32 /* interfaceName (82), fixed length: nfdump reads only those */
#define IFDESC_LEN 64 /* interfaceDescription (83) */
#define E 0x8000 /* enterprise bit */

struct field {
	__u16 id;
	__u16 len;
	__u32 pen; /* 0: IANA */
};

/* Template 256/257 body after the addresses (shared). */
static const struct field common_tail[] = {
	{ 7, 2, 0 }, /* sourceTransportPort */
	{ 11, 2, 0 }, /* destinationTransportPort */
	{ 4, 1, 0 }, /* protocolIdentifier */
	{ 60, 1, 0 }, /* ipVersion */
	{ 6, 1, 0 }, /* tcpControlBits, reduced size (pmacct reads 2 octets as 0) */
	{ 6, 1, PEN_REVERSE },
	{ 1, 8, 0 }, /* octetDeltaCount */
	{ 2, 8, 0 }, /* packetDeltaCount */
	{ 1, 8, PEN_REVERSE },
	{ 2, 8, PEN_REVERSE },
	{ 10, 4, 0 }, /* ingressInterface */
	{ 14, 4, 0 }, /* egressInterface */
	{ 61, 1, 0 }, /* flowDirection */
	{ 239, 1, 0 }, /* biflowDirection */
	{ 136, 1, 0 }, /* flowEndReason */
	{ 95, 4, 0 }, /* applicationId: engine 3 (IANA L4 port) + port */
	{ 234, 4, 0 }, /* ingressVRFID */
	{ 148, 8, 0 }, /* flowId */
	{ 280, 8, 0 }, /* connectionTransactionId */
	{ 218, 4, 0 }, /* tcpSynTotalCount */
	{ 219, 4, 0 }, /* tcpFinTotalCount */
	{ 220, 4, 0 }, /* tcpRstTotalCount */
	{ 218, 4, PEN_REVERSE },
	{ 219, 4, PEN_REVERSE },
	{ 220, 4, PEN_REVERSE },
	{ 152, 8, 0 }, /* flowStartMilliseconds */
	{ 153, 8, 0 }, /* flowEndMilliseconds */
	{ 22, 4, 0 }, /* flowStartSysUpTime */
	{ 21, 4, 0 }, /* flowEndSysUpTime */
	/* TCP health, PEN 32473 */
	{ 1, 4, PEN_KFLOW }, /* rtt, us */
	{ 2, 4, PEN_KFLOW }, /* rtt_client */
	{ 3, 4, PEN_KFLOW }, /* rtt_server */
	{ 4, 4, PEN_KFLOW }, /* retransmissions (forward) */
	{ 4 | 0x4000, 4, PEN_KFLOW }, /* retransmissions (reverse) */
	{ 5, 4, PEN_KFLOW }, /* zero-window packets */
	{ 5 | 0x4000, 4, PEN_KFLOW },
	{ 6, 8, PEN_KFLOW }, /* srt sum, us */
	{ 7, 4, PEN_KFLOW }, /* srt count */
	{ 8, 8, PEN_KFLOW }, /* art sum, us */
	{ 9, 4, PEN_KFLOW }, /* art count */
	{ 10, 2, PEN_KFLOW }, /* close_type (l4_flow_log) */
	/* The same health as nProbe's elements, which collectors already know */
	{ 123, 4, PEN_NTOP }, /* CLIENT_NW_LATENCY_MS: rtt_client / 2 */
	{ 124, 4, PEN_NTOP }, /* SERVER_NW_LATENCY_MS: rtt_server / 2 */
	{ 125, 4, PEN_NTOP }, /* APPL_LATENCY_MS: art average */
	{ 109, 4, PEN_NTOP }, /* RETRANSMITTED_IN_PKTS: client to server */
	{ 110, 4, PEN_NTOP }, /* RETRANSMITTED_OUT_PKTS */
	{ 111, 4, PEN_NTOP }, /* OOORDER_IN_PKTS */
	{ 112, 4, PEN_NTOP }, /* OOORDER_OUT_PKTS */
};

/* Usage (RPT_USAGE_NF) and global usage (RPT_GLB_USAGE_NF) records. */
static const struct field usage_fields[] = {
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
#define N_USAGE (sizeof(usage_fields) / sizeof(usage_fields[0]))

static void put8(struct kf_ipfix *x, __u8 v)
{
	x->msg[x->len++] = v;
}

static void put16(struct kf_ipfix *x, __u16 v)
{
	put8(x, v >> 8);
	put8(x, v);
}

static void put32(struct kf_ipfix *x, __u32 v)
{
	put16(x, v >> 16);
	put16(x, v);
}

static void put64(struct kf_ipfix *x, __u64 v)
{
	put32(x, v >> 32);
	put32(x, v);
}

static void put_bytes(struct kf_ipfix *x, const void *p, size_t n)
{
	memcpy(x->msg + x->len, p, n);
	x->len += n;
}

static void set16(struct kf_ipfix *x, size_t off, __u16 v)
{
	x->msg[off] = v >> 8;
	x->msg[off + 1] = v;
}

static size_t fields_len(const struct field *f, size_t n, size_t *spec)
{
	size_t data = 0;

	*spec = 0;
	for (size_t i = 0; i < n; i++) {
		data += f[i].len;
		*spec += f[i].pen ? 8 : 4;
	}
	return data;
}

static void put_field(struct kf_ipfix *x, const struct field *f)
{
	put16(x, f->id | (f->pen ? E : 0));
	put16(x, f->len);
	if (f->pen)
		put32(x, f->pen);
}

static size_t record_len(int v6)
{
	size_t spec;

	return (v6 ? 32 : 8) + fields_len(common_tail, sizeof(common_tail) / sizeof(common_tail[0]),
					   &spec);
}

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
static void udp_send(struct kf_ipfix *x)
{
	int err;

	if (!x->connected) {
		x->reach.lost++;
		return;
	}
	if (send(x->fd, x->msg, x->len, 0) >= 0) {
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

static void send_msg(struct kf_ipfix *x)
{
	if (!x->len)
		return;
	if (x->set_off)
		set16(x, x->set_off + 2, x->len - x->set_off);
	set16(x, 2, x->len);
	if (x->tcp) {
		if (x->blen + x->len <= KF_IPFIX_BACKLOG) {
			memcpy(x->backlog + x->blen, x->msg, x->len);
			x->blen += x->len;
		} else if (x->reach.state == KF_REACH_DOWN) {
			x->reach.lost++; /* in the line that says it is back */
		} else {
			x->dropped_msgs++;
		}
	} else {
		udp_send(x);
	}
	x->seq += x->msg_records;
	x->msgs_since_templates++;
	x->len = 0;
	x->set_off = 0;
	x->msg_records = 0;
}

static void begin_msg(struct kf_ipfix *x, __u64 now_s)
{
	x->len = 0;
	put16(x, 10); /* version */
	put16(x, 0); /* length, set at send */
	put32(x, now_s); /* export time */
	put32(x, x->seq);
	put32(x, x->domain);
}

static void put_options_template(struct kf_ipfix *x, __u16 tid, __u16 scope_id, __u16 scope_len,
				 const struct field *f, int n)
{
	size_t start = x->len;

	/* One Options Template Record per Set (pmacct misreads a second). */
	put16(x, 3);
	put16(x, 0);
	put16(x, tid);
	put16(x, 1 + n);
	put16(x, 1); /* scope field count */
	put16(x, scope_id);
	put16(x, scope_len);
	for (int i = 0; i < n; i++)
		put_field(x, &f[i]);
	set16(x, start + 2, x->len - start);
}

static void put_iface_record(struct kf_ipfix *x, int i)
{
	char desc[IFDESC_LEN] = "kflow capture interface ";

	put32(x, x->ifindexes[i]);
	put_bytes(x, x->ifnames[i], 16);
	memset(x->msg + x->len, 0, IFNAME_LEN - 16);
	x->len += IFNAME_LEN - 16;
	strncat(desc, x->ifnames[i], sizeof(desc) - strlen(desc) - 1);
	put_bytes(x, desc, IFDESC_LEN);
}

static const struct field app_fields[] = {
	{ 96, APP_STR, 0 }, /* applicationName */
	{ 94, APP_DESC, 0 }, /* applicationDescription */
	{ 372, APP_STR, 0 }, /* applicationCategoryName */
	{ 373, APP_STR, 0 }, /* applicationSubCategoryName */
	{ 374, APP_STR, 0 }, /* applicationGroupName */
	{ 288, APP_ATTR, 0 }, /* p2pTechnology */
	{ 289, APP_ATTR, 0 }, /* tunnelTechnology */
	{ 290, APP_ATTR, 0 }, /* encryptedTechnology */
};
#define N_APP (sizeof(app_fields) / sizeof(app_fields[0]))

static void put_str(struct kf_ipfix *x, const char *str, size_t len)
{
	size_t n = strlen(str);

	if (n > len)
		n = len;
	memcpy(x->msg + x->len, str, n);
	memset(x->msg + x->len + n, 0, len - n);
	x->len += len;
}

/* An application id is the IANA L4 port engine (3) and the server port:
 * named after the port's service where the system knows one. */
static void put_app_record(struct kf_ipfix *x, int i)
{
	__u16 port = x->apps[i] & 0xffffff;
	const char *proto = x->app_proto[i] == IPPROTO_UDP ? "udp" : "tcp";
	struct servent *se = getservbyport(htons(port), proto);
	char name[APP_STR], desc[APP_DESC];

	snprintf(name, sizeof(name), "%s", se ? se->s_name : "");
	if (!se)
		snprintf(name, sizeof(name), "%s/%u", proto, port);
	snprintf(desc, sizeof(desc), "IANA L4 port %u/%s", port, proto);
	put32(x, x->apps[i]);
	put_str(x, name, APP_STR);
	put_str(x, desc, APP_DESC);
	put_str(x, "unassigned", APP_STR);
	put_str(x, "unassigned", APP_STR);
	put_str(x, "unassigned", APP_STR);
	put_str(x, "unassigned", APP_ATTR);
	put_str(x, "unassigned", APP_ATTR);
	put_str(x, "unassigned", APP_ATTR);
}

static void put_templates(struct kf_ipfix *x)
{
	size_t n = sizeof(common_tail) / sizeof(common_tail[0]), start;
	static const struct field v4[] = { { 8, 4, 0 }, { 12, 4, 0 } },
				  v6[] = { { 27, 16, 0 }, { 28, 16, 0 } },
				  iface[] = { { 82, IFNAME_LEN, 0 }, { 83, IFDESC_LEN, 0 } },
				  sampler[] = { { 304, 2, 0 }, { 305, 4, 0 }, { 306, 4, 0 } };
	const struct field exporter[] = {
		{ x->exporter_v6 ? 131 : 130, x->exporter_v6 ? 16 : 4, 0 }, /* exporter address */
		{ 144, 4, 0 }, /* exportingProcessId */
		{ 160, 8, 0 }, /* systemInitTimeMilliseconds */
	};

	/* Options templates first (the metadata of NF_INI_VALUES): exporter
	 * (scope observationDomainId 149), interfaces (scope ingressInterface
	 * 10), sampling (scope selectorId 302: every packet, no sampling) and
	 * applications (scope applicationId 95). */
	put_options_template(x, TID_EXPORTER, 149, 4, exporter, 3);
	put_options_template(x, TID_IFACE, 10, 4, iface, 2);
	put_options_template(x, TID_SAMPLER, 302, 8, sampler, 3);
	put_options_template(x, TID_APP, 95, 4, app_fields, N_APP);

	start = x->len;
	put16(x, 2); /* template set: transaction, usage, global usage */
	put16(x, 0);
	for (int t = 0; t < 2; t++) {
		put16(x, t ? TID_V6 : TID_V4);
		put16(x, 2 + n);
		for (int i = 0; i < 2; i++)
			put_field(x, t ? &v6[i] : &v4[i]);
		for (size_t i = 0; i < n; i++)
			put_field(x, &common_tail[i]);
	}
	for (int t = 0; t < 2; t++) {
		put16(x, t ? TID_GLOBAL : TID_USAGE);
		put16(x, t ? N_USAGE - 1 : N_USAGE);
		for (size_t i = 0; i < N_USAGE - t; i++)
			put_field(x, &usage_fields[i]);
	}
	set16(x, start + 2, x->len - start);

	/* Its data: the exporter and the sampler (interfaces and applications
	 * follow in send_templates(), as they may take more messages). */
	start = x->len;
	put16(x, TID_EXPORTER);
	put16(x, 0);
	put32(x, x->domain);
	put_bytes(x, x->exporter_addr, x->exporter_v6 ? 16 : 4);
	put32(x, getpid());
	put64(x, x->init_ms);
	set16(x, start + 2, x->len - start);
	start = x->len;
	put16(x, TID_SAMPLER);
	put16(x, 0);
	put64(x, 1); /* selectorId */
	put16(x, 1); /* systematic count-based */
	put32(x, 1); /* select 1 packet ... */
	put32(x, 0); /* ... skip none: every packet is counted */
	set16(x, start + 2, x->len - start);
	x->msg_records += 2;
}

static void open_set(struct kf_ipfix *x, __u16 tid, size_t rec, __u64 now_s)
{
	if (x->len && x->len + rec + (x->set_id != tid || !x->set_off ? 4 : 0) > KF_IPFIX_MTU)
		send_msg(x);
	if (!x->len)
		begin_msg(x, now_s);
	if (!x->set_off || x->set_id != tid) {
		if (x->set_off)
			set16(x, x->set_off + 2, x->len - x->set_off);
		x->set_off = x->len;
		x->set_id = tid;
		put16(x, tid);
		put16(x, 0);
	}
}

/* Templates, the exporter record and the interface table, in a fresh
 * message (and as many more as the table needs). */
static void send_templates(struct kf_ipfix *x, __u64 now_s)
{
	send_msg(x);
	begin_msg(x, now_s);
	put_templates(x);
	for (int i = 0; i < x->nifs; i++) {
		open_set(x, TID_IFACE, 4 + IFNAME_LEN + IFDESC_LEN, now_s);
		put_iface_record(x, i);
		x->msg_records++;
	}
	for (int i = 0; i < x->napps; i++) {
		open_set(x, TID_APP, 4 + 4 * APP_STR + APP_DESC + 3 * APP_ATTR, now_s);
		put_app_record(x, i);
		x->msg_records++;
	}
	x->last_templates_s = now_s;
	x->msgs_since_templates = 0;
}

/* Room for one record of template tid, templates first when due. */
static void ensure_room(struct kf_ipfix *x, __u16 tid, size_t rec, __u64 now_s)
{
	/* Over UDP on a timer and a message count; over TCP once per
	 * connection, or when new metadata must be described. */
	if ((!x->tcp && (now_s >= x->last_templates_s + x->refresh_s ||
			 x->msgs_since_templates >= x->refresh_msgs)) ||
	    (x->tcp && !x->last_templates_s))
		send_templates(x, now_s);
	open_set(x, tid, rec, now_s);
}

/* flowEndReason (136) from close_type: still alive = active timeout; a
 * TCP end seen in the packets = end of flow; silence = idle timeout. */
static __u8 end_reason(unsigned int ct, __u8 proto)
{
	if (ct == KF_CLOSE_FORCED_REPORT)
		return 2; /* activeTimeout */
	if (proto != IPPROTO_TCP || ct == 3 || ct == 7 || ct == 10)
		return 1; /* idleTimeout */
	return 3; /* endOfFlowDetected */
}

/* A new interface is described at once: the next message carries the
 * templates and the whole interface table again ("sent when it changes"). */
static void note_iface(struct kf_ipfix *x, __u32 ifindex)
{
	char name[IF_NAMESIZE];

	for (int i = 0; i < x->nifs; i++)
		if (x->ifindexes[i] == (int)ifindex)
			return;
	if (x->nifs == (int)(sizeof(x->ifindexes) / sizeof(x->ifindexes[0])))
		return;
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
	if (x->napps == (int)(sizeof(x->apps) / sizeof(x->apps[0])))
		return;
	x->apps[x->napps] = app;
	x->app_proto[x->napps++] = proto;
	x->last_templates_s = 0; /* described at once */
}

/* Usage aggregates are the sums of the interval's transaction records. */
static void add_usage(struct kf_ipfix *x, const struct flow_key *k, __u32 app, int dir,
		      const struct flow_dir *d, bool is_new, __u64 duration_s)
{
	struct kf_usage *u[2] = {
		kf_usage_get(&x->usage, k->ifindex, dir, app, k->family),
		kf_usage_get(&x->global, k->ifindex, dir, 0, k->family),
	};

	for (int i = 0; i < 2; i++) {
		if (!u[i]) {
			x->usage_dropped++;
			continue;
		}
		u[i]->octets += d->bytes;
		u[i]->packets += d->packets;
		if (!dir) { /* connections are the client's */
			u[i]->new_conns += is_new;
			u[i]->duration_s += duration_s;
		}
	}
}

void kf_ipfix_record(struct kf_ipfix *x, const struct kf_flow *f, const struct kf_window *win,
		     unsigned int close_type, unsigned int timeout_s, __u64 now_s)
{
	const struct flow_key *k = &f->key;
	const struct flow_life *l = &f->life;
	int c = l->client & 1, s = !c, v6 = k->family == 6;
	const struct flow_dir *tx = &f->iv.dir[c], *rx = &f->iv.dir[s];
	__u16 cport = c ? k->port_b : k->port_a, sport = c ? k->port_a : k->port_b;
	__u64 start_us, end_us, dur;
	__u32 app;

	if (!k->family)
		return; /* the overflow record has no flow to describe */
	note_iface(x, k->ifindex);
	note_app(x, (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP) ? (3u << 24) | sport : 0,
		 k->proto);
	kf_record_times(f, win, close_type, timeout_s, &start_us, &end_us);
	x->win_start_ms = win->start_us / 1000;
	x->win_end_ms = win->end_us / 1000;
	ensure_room(x, v6 ? TID_V6 : TID_V4, record_len(v6), now_s);
	put_bytes(x, c ? k->addr_b : k->addr_a, v6 ? 16 : 4);
	put_bytes(x, c ? k->addr_a : k->addr_b, v6 ? 16 : 4);
	/* ICMP: collectors read the destination port as type.code, which a
	 * flow keyed by echo identifier does not have: 0. */
	put16(x, (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP) ? cport : 0);
	put16(x, (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP) ? sport : 0);
	put8(x, k->proto);
	put8(x, v6 ? 6 : 4);
	put8(x, tx->tcp_flags & 0xff);
	put8(x, rx->tcp_flags & 0xff);
	put64(x, tx->bytes);
	put64(x, tx->packets);
	put64(x, rx->bytes);
	put64(x, rx->packets);
	put32(x, k->ifindex);
	put32(x, 0); /* egress interface: not known at a single capture point */
	put8(x, 0); /* flowDirection: ingress (the record is bidirectional) */
	put8(x, 1); /* biflowDirection: initiator = source */
	put8(x, end_reason(close_type, k->proto));
	put32(x, (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP) ? (3u << 24) | sport : 0);
	put32(x, x->vrf);
	put64(x, l->flow_id);
	put64(x, l->flow_id);
	put32(x, tx->syn);
	put32(x, tx->fin);
	put32(x, tx->rst);
	put32(x, rx->syn + rx->synack);
	put32(x, rx->fin);
	put32(x, rx->rst);
	put64(x, start_us / 1000);
	put64(x, end_us / 1000);
	put32(x, start_us / 1000 > x->init_ms ? start_us / 1000 - x->init_ms : 0);
	put32(x, end_us / 1000 > x->init_ms ? end_us / 1000 - x->init_ms : 0);
	put32(x, f->iv.rtt);
	put32(x, f->iv.rtt_client);
	put32(x, f->iv.rtt_server);
	put32(x, tx->retrans);
	put32(x, rx->retrans);
	put32(x, tx->zero_win);
	put32(x, rx->zero_win);
	put64(x, f->iv.srt[s].sum);
	put32(x, f->iv.srt[s].count);
	put64(x, f->iv.art[s].sum);
	put32(x, f->iv.art[s].count);
	put16(x, close_type);
	put32(x, f->iv.rtt_client / 2000);
	put32(x, f->iv.rtt_server / 2000);
	put32(x, f->iv.art[s].count ? f->iv.art[s].sum / f->iv.art[s].count / 1000 : 0);
	put32(x, tx->retrans);
	put32(x, rx->retrans);
	put32(x, tx->ooo);
	put32(x, rx->ooo);
	x->msg_records++;
	app = (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP) ? (3u << 24) | sport : 0;
	dur = (l->last_ns - l->first_ns) / 1000000000ULL;
	add_usage(x, k, app, 0, tx, !(l->flags & KF_LIFE_NEW_SENT), dur);
	add_usage(x, k, app, 1, rx, false, 0);
}

static void put_usage(struct kf_ipfix *x, const struct kf_usage *u, bool global, __u64 now_s)
{
	size_t spec, len = fields_len(usage_fields, N_USAGE - global, &spec);

	ensure_room(x, global ? TID_GLOBAL : TID_USAGE, len, now_s);
	put64(x, x->win_start_ms);
	put64(x, x->win_end_ms);
	put32(x, u->ifindex);
	put32(x, 0);
	put8(x, u->dir);
	put8(x, u->ipver);
	put32(x, x->vrf);
	put64(x, u->octets);
	put64(x, u->packets);
	put32(x, u->new_conns);
	put64(x, u->duration_s);
	if (!global)
		put32(x, u->app);
	x->msg_records++;
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
		send_msg(x);
		if (x->blen + oldlen <= KF_IPFIX_BACKLOG) {
			memcpy(x->backlog + x->blen, old, oldlen);
			x->blen += oldlen;
		} else {
			x->dropped_msgs++;
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
	send_msg(x);
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
	if (x->send_errors) {
		pr_warn("ipfix %s: %llu messages could not be sent (collector down or "
			"unreachable); their records are lost for it\n",
			x->dest, x->send_errors);
		x->send_errors = 0;
	}
}

int kf_ipfix_open(struct kf_ipfix *x, const char *spec, __u32 domain, unsigned int refresh_s,
		  unsigned int refresh_msgs)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai = NULL;
	char host[128], *colon;
	struct stat st;
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
	x->domain = domain;
	x->refresh_s = refresh_s;
	x->refresh_msgs = refresh_msgs;
	memcpy(&x->addr, ai->ai_addr, ai->ai_addrlen);
	x->addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	if (!stat("/proc/self/ns/net", &st))
		x->vrf = (__u32)st.st_ino;
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

void kf_ipfix_close(struct kf_ipfix *x)
{
	kf_ipfix_flush(x, 0);
	kf_reach_final(&x->reach);
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
}
