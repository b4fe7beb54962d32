// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kevent.c - kernel events to JSON. `_0` is the client as the kernel's state
 * machine saw it at that packet (a flow's first packet: its sender, unless
 * it is a SYN-ACK), `_1` the server, as in the records. tcp_state carries
 * the close_type the flow would end with in that state (close.c), from the
 * lifetime flags the agent has of it so far plus this packet's RST.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include "close.h"
#include "iface.h"
#include "kevent.h"
#include "record.h"

static const char *const state_names[KF_TS_MAX] = {
	"raw",		   "opening1",	     "opening2",     "established",
	"closing_tx1",	   "closing_tx2",    "closing_rx1",  "closing_rx2",
	"closed",	   "reset",	     "syn1",	     "synack1",
	"client_port_reuse", "server_reset", "establish_reset", "server_queue_lack",
	"opening_rst",	   "exception",
};

static const char *const what_names[KF_TE_MAX] = { "zero_window", "window_open", "retrans" };

static const char *state_name(__u8 s)
{
	return s < KF_TS_MAX ? state_names[s] : "unknown";
}

static unsigned int close_type(const struct kf_event *e, const struct kf_kevent_ctx *ctx)
{
	const struct kf_flow *known = ctx->table ? kf_table_find(ctx->table, &e->key) : NULL;
	static struct kf_flow f; /* large: not on the stack */

	memset(&f, 0, sizeof(f));
	if (known)
		f.life = known->life;
	f.key = e->key;
	f.has_l4 = true;
	f.l4.state = e->new_state;
	f.l4.client = e->client & 1;
	f.life.life_flags[e->dir & 1] |= e->tcp_flags;
	f.life.total_packets[e->dir & 1]++;
	return kf_close_type(&f);
}

static void addr_text(const struct flow_key *k, int side, char *buf, size_t len)
{
	if (!inet_ntop(k->family == 4 ? AF_INET : AF_INET6, side ? k->addr_b : k->addr_a, buf,
		       len))
		buf[0] = '\0';
}

/* The ends of recent flows: a flow's later events (closing, windows) reuse
 * what its flow_start resolved, instead of the map lookups again. A new
 * flow_start of the key (a reused port) resolves afresh. */
#define KF_IDCACHE 1024

static struct {
	struct flow_key key;
	bool used;
	struct kf_side_id side[2]; /* by canonical side */
} idcache[KF_IDCACHE];

static unsigned int idcache_slot(const struct flow_key *k)
{
	const __u32 *w = (const __u32 *)k;
	__u32 h = 0;

	for (size_t i = 0; i < sizeof(*k) / 4; i++)
		h = (h ^ w[i]) * 0x9e3779b1u;
	return h % KF_IDCACHE;
}

/* Identity of both ends (client first); the interval's unresolved counts
 * are the records', so an event's lookups leave them as they were. */
static void identity(const struct kf_event *e, struct kf_identity *id, int c, struct jsonw *w,
		     struct kf_sev_attrs *a)
{
	unsigned int slot = idcache_slot(&e->key);
	__u64 stats[KF_ID_STAT_MAX];
	struct kf_side_id *side = idcache[slot].side;

	if (e->type == KF_EV_FLOW_START || !idcache[slot].used ||
	    memcmp(&idcache[slot].key, &e->key, sizeof(e->key))) {
		memcpy(stats, id->stats, sizeof(stats));
		memset(side, 0, sizeof(idcache[slot].side));
		kf_identity_resolve(id, &e->key, 0, &side[0]);
		kf_identity_resolve(id, &e->key, 1, &side[1]);
		memcpy(id->stats, stats, sizeof(stats));
		idcache[slot].key = e->key;
		idcache[slot].used = true;
	}
	for (int i = 0; i < 2; i++) {
		const struct kf_pod *pod = kf_identity_pod(id, &side[i ? !c : c]);

		if (pod) {
			snprintf(a->pod[i], sizeof(a->pod[i]), "%s", pod->name);
			snprintf(a->pod_ns[i], sizeof(a->pod_ns[i]), "%s", pod->ns);
		}
	}
	kf_record_identity(w, id, &side[c], "0");
	kf_record_identity(w, id, &side[!c], "1");
}

int kf_kevent_format(const struct kf_event *e, const struct kf_kevent_ctx *ctx, struct jsonw *w,
		     struct kf_sev_attrs *a)
{
	const struct flow_key *k = &e->key;
	int c = e->client & 1, type;
	char nic[IF_NAMESIZE];
	__u64 us = (__u64)((__s64)e->ts_ns + ctx->mono_to_wall_ns) / 1000;

	switch (e->type) {
	case KF_EV_FLOW_START:
		type = KF_SEV_FLOW_START;
		break;
	case KF_EV_TCP_STATE:
		type = KF_SEV_TCP_STATE;
		break;
	case KF_EV_TCP_EVENT:
		if (e->what >= KF_TE_MAX)
			return -EINVAL;
		type = KF_SEV_TCP_EVENT;
		break;
	default:
		return -EINVAL;
	}
	if (k->family != 4 && k->family != 6)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->type = type;
	a->proto = k->proto;
	a->port[0] = c ? k->port_b : k->port_a;
	a->port[1] = c ? k->port_a : k->port_b;
	addr_text(k, c, a->ip[0], sizeof(a->ip[0]));
	addr_text(k, !c, a->ip[1], sizeof(a->ip[1]));
	snprintf(a->nic, sizeof(a->nic), "%s", kf_ifname(k->ifindex, nic));

	jw_begin(w);
	jw_str(w, "event", kf_sev_names[type]);
	jw_u64(w, "time", us / 1000000);
	jw_u64(w, "event_time", us);
	jw_u64(w, "kernel_ns", e->ts_ns); /* CLOCK_MONOTONIC, as the datapath took it */
	jw_str(w, "ip_0", a->ip[0]);
	jw_str(w, "ip_1", a->ip[1]);
	jw_u64(w, "is_ipv4", k->family == 4);
	jw_u64(w, "vlan", k->vlan);
	jw_u64(w, "protocol", k->proto);
	jw_u64(w, "client_port", a->port[0]);
	jw_u64(w, "server_port", a->port[1]);
	jw_u64(w, "capture_nic", k->ifindex);
	jw_str(w, "capture_nic_name", a->nic);
	/* The packet that made the event: from the client (c2s) or not. */
	jw_str(w, "direction", (e->dir & 1) == c ? "c2s" : "s2c");
	if (k->proto == IPPROTO_TCP)
		jw_u64(w, "tcp_flags", e->tcp_flags & 0x3f);
	if (type == KF_SEV_TCP_STATE) {
		jw_str(w, "state", state_name(e->new_state));
		jw_str(w, "prev_state", state_name(e->old_state));
		jw_u64(w, "close_type", close_type(e, ctx));
	} else if (type == KF_SEV_TCP_EVENT) {
		jw_str(w, "tcp_event", what_names[e->what]);
		/* The end it is about: the sender of the packet (0 = client). */
		jw_u64(w, "side", (e->dir & 1) == c ? 0 : 1);
	}
	if (ctx->id && ctx->id->enabled)
		identity(e, ctx->id, c, w, a);
	return jw_end(w) ? -ENOBUFS : type;
}
