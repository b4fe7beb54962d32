// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * nfvalues.c - the values of the seed's NetFlow records, one computation for
 * the IPFIX records (ipfix_flow.c, ipfix.c) and the RPT_*_NF and
 * NF_INI_VALUES rows (sqlrows.c), so that a collector and a database see the
 * same numbers.
 */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include "close.h"
#include "nfvalues.h"

bool kf_nf_has_ports(const struct flow_key *k)
{
	return k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP;
}

__u16 kf_nf_port(const struct flow_key *k, int side)
{
	/* ICMP: collectors read the destination port as type.code, which a
	 * flow keyed by echo identifier does not have: 0. */
	if (!kf_nf_has_ports(k))
		return 0;
	return side ? k->port_b : k->port_a;
}

__u32 kf_nf_app_id(const struct kf_flow *f)
{
	int s = !(f->life.client & 1);

	return kf_nf_has_ports(&f->key) ? (3u << 24) | kf_nf_port(&f->key, s) : 0;
}

/* Still alive = active timeout; a TCP end seen in the packets = end of
 * flow; silence = idle timeout. */
__u8 kf_nf_end_reason(unsigned int ct, __u8 proto)
{
	if (ct == KF_CLOSE_FORCED_REPORT)
		return 2; /* activeTimeout */
	if (proto != IPPROTO_TCP || ct == 3 || ct == 7 || ct == 10)
		return 1; /* idleTimeout */
	return 3; /* endOfFlowDetected */
}

__u32 kf_nf_sysuptime(__u64 ms, __u64 init_ms)
{
	return ms > init_ms ? ms - init_ms : 0;
}

void kf_nf_flowctx_init(struct kf_nf_flowctx *c, const struct kf_rec *r, __u64 init_ms, __u32 vrf)
{
	memset(c, 0, sizeof(*c));
	c->start_ms = r->start_us / 1000;
	c->end_ms = r->end_us / 1000;
	c->init_ms = init_ms;
	c->vrf = vrf;
	c->close_type = r->close_type;
	c->end_reason = kf_nf_end_reason(r->close_type, r->f->key.proto);
}

unsigned int kf_nf_uni_dirs(const struct kf_flow *f, const struct kf_nf_flowctx *c)
{
	int cl = f->life.client & 1;
	unsigned int dirs = (f->iv.dir[cl].packets ? KF_NF_UNI_CLIENT : 0) |
			    (f->iv.dir[!cl].packets ? KF_NF_UNI_SERVER : 0);

	return dirs || c->close_type == KF_CLOSE_FORCED_REPORT ? dirs : KF_NF_UNI_CLIENT;
}

__u32 kf_nf_art_avg_ms(const struct kf_delay *d)
{
	return d->count ? d->sum / d->count / 1000 : 0;
}

/* flowDirection (61) of the packets one end sent, at the capture
 * interface. They leave a node interface when their sender is on this
 * node (c-nd for the client) and leave a pod's veth towards that pod (s:
 * the client's packets to the server's pod); otherwise (s-nd, c, and when
 * kflow cannot tell) the client's arrive, as a server sees them. */
static __u8 flow_direction(const struct kf_flow *f, bool server)
{
	const char *op = f->obs_point ? f->obs_point : "";
	bool client_egress = !strcmp(op, "c-nd") || !strcmp(op, "s");

	return server ? !client_egress : client_egress;
}

/* TCP health goes with the direction it belongs to, so that summing
 * records by direction counts every value once: retransmissions, zero
 * window and out-of-order segments of the sender; rtt and rtt_client
 * (handshake, the client's leg) with the client's record; rtt_server and
 * srt/art (measured on the server's answers) with the server's; close_type
 * (a code, not a count) in both. */
void kf_nf_uniflow(struct kf_nf_uni *u, const struct kf_flow *f, const struct kf_nf_flowctx *c,
		   bool server)
{
	const struct flow_key *k = &f->key;
	int cl = f->life.client & 1, s = !cl, from = server ? s : cl;
	const struct flow_dir *d = &f->iv.dir[from];

	memset(u, 0, sizeof(*u));
	u->src = from ? k->addr_b : k->addr_a;
	u->dst = from ? k->addr_a : k->addr_b;
	u->sport = kf_nf_port(k, from);
	u->dport = kf_nf_port(k, !from);
	u->proto = k->proto;
	u->ipver = k->family == 6 ? 6 : 4;
	u->tcp_flags = d->tcp_flags & 0xff;
	u->octets = d->bytes;
	u->packets = d->packets;
	u->ingress_if = k->ifindex;
	u->egress_if = 0; /* not known at a single capture point */
	u->flow_dir = flow_direction(f, server);
	u->biflow_dir = server ? 2 : 1;
	u->end_reason = c->end_reason;
	u->app = kf_nf_app_id(f);
	u->vrf = c->vrf;
	u->flow_id = f->life.flow_id;
	u->syn = d->syn + (server ? d->synack : 0);
	u->fin = d->fin;
	u->rst = d->rst;
	u->start_ms = c->start_ms;
	u->end_ms = c->end_ms;
	u->start_uptime = kf_nf_sysuptime(c->start_ms, c->init_ms);
	u->end_uptime = kf_nf_sysuptime(c->end_ms, c->init_ms);
	u->rtt = server ? 0 : f->iv.rtt;
	u->rtt_client = server ? 0 : f->iv.rtt_client;
	u->rtt_server = server ? f->iv.rtt_server : 0;
	u->retrans = d->retrans;
	u->zero_win = d->zero_win;
	u->ooo = d->ooo;
	if (server) {
		u->srt_sum = f->iv.srt[s].sum;
		u->srt_count = f->iv.srt[s].count;
		u->art_sum = f->iv.art[s].sum;
		u->art_count = f->iv.art[s].count;
		u->server_lat_ms = f->iv.rtt_server / 2000;
		u->appl_lat_ms = kf_nf_art_avg_ms(&f->iv.art[s]);
	} else {
		u->client_lat_ms = f->iv.rtt_client / 2000;
	}
	u->close_type = c->close_type;
}

__u32 kf_nf_vrf(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (__u32)st.st_ino;
}

void kf_nf_app_names(__u32 app, __u8 proto, char name[KF_NF_APP_NAME], char desc[KF_NF_APP_DESC])
{
	__u16 port = app & 0xffffff;
	const char *p = proto == IPPROTO_UDP ? "udp" : "tcp";
	struct servent *se = getservbyport(htons(port), p);

	memset(name, 0, KF_NF_APP_NAME);
	memset(desc, 0, KF_NF_APP_DESC);
	if (se)
		snprintf(name, KF_NF_APP_NAME, "%s", se->s_name);
	else
		snprintf(name, KF_NF_APP_NAME, "%s/%u", p, port);
	snprintf(desc, KF_NF_APP_DESC, "IANA L4 port %u/%s", port, p);
}

void kf_nf_iface_desc(const char *ifname, char desc[KF_NF_IF_DESC])
{
	memset(desc, 0, KF_NF_IF_DESC);
	snprintf(desc, KF_NF_IF_DESC, "kflow capture interface %s", ifname);
}
