// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * record.c - field names and units of DeepFlow's flow_log.l4_flow_log
 * (../shared/seeds, reference sections 2, 4 and 5): `_0`/`tx` is the client,
 * `_1`/`rx` the server; times in microseconds of wall clock; windows are the
 * agent's wall-clock-aligned intervals (the seed's "natural minute").
 *
 * The overflow record (flows that found no room in a full flow map) has
 * "overflow":1, no addresses, and splits by hook: tx = ingress, rx = egress.
 *
 * The fields are computed once, here, and handed to a writer (struct
 * kf_fields): the JSON line below, or a database row (sqlrows.c), which
 * therefore hold the same values under the same names.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include "close.h"
#include "iface.h"
#include "record.h"

static __u64 wall_us(const struct kf_window *win, __u64 mono_ns)
{
	return (__u64)((__s64)mono_ns + win->mono_to_wall_ns) / 1000;
}

static void counters(const struct kf_fields *F, void *w, const struct flow_dir *tx,
		     const struct flow_dir *rx)
{
	F->u64(w, "byte_tx", tx->bytes);
	F->u64(w, "byte_rx", rx->bytes);
	F->u64(w, "packet_tx", tx->packets);
	F->u64(w, "packet_rx", rx->packets);
	F->u64(w, "l3_byte_tx", tx->l3_bytes);
	F->u64(w, "l3_byte_rx", rx->l3_bytes);
	F->u64(w, "l4_byte_tx", tx->l4_bytes);
	F->u64(w, "l4_byte_rx", rx->l4_bytes);
}

static void overflow_record(const struct kf_fields *F, void *w, const struct kf_flow *f,
			    const struct kf_window *win)
{
	const struct flow_dir *in = &f->iv.dir[0], *out = &f->iv.dir[1];

	F->u64(w, "time", win->end_us / 1000000);
	F->u64(w, "start_time", win->start_us);
	F->u64(w, "end_time", win->end_us);
	F->u64(w, "overflow", 1);
	F->u64(w, "close_type", KF_CLOSE_FORCED_REPORT);
	counters(F, w, in, out);
	F->u64(w, "total_packet_tx", f->life.total_packets[0]);
	F->u64(w, "total_packet_rx", f->life.total_packets[1]);
	F->u64(w, "total_byte_tx", f->life.total_bytes[0]);
	F->u64(w, "total_byte_rx", f->life.total_bytes[1]);
}

void kf_record_times(const struct kf_flow *f, const struct kf_window *win, unsigned int close_type,
		     unsigned int timeout_s, __u64 *start_us, __u64 *end_us)
{
	const struct flow_life *l = &f->life;

	*start_us = !(l->flags & KF_LIFE_NEW_SENT) ? wall_us(win, l->first_ns) : win->start_us;
	*end_us = close_type == KF_CLOSE_FORCED_REPORT ?
			  win->end_us :
			  wall_us(win, l->last_ns) + (__u64)timeout_s * 1000000;
	/* A flow that ended before this window began (an adopting agent's
	 * first window) reports no time after its end. */
	if (*start_us > *end_us)
		*start_us = *end_us;
	/* A first packet stamped after the window's end (a sender's departure
	 * time ahead of the clock) starts inside the window: the next window's
	 * start_time is this flow's next record's, and (flow_id, start_time)
	 * names one record. */
	if (!(l->flags & KF_LIFE_NEW_SENT) && *start_us >= win->end_us && win->end_us > win->start_us)
		*start_us = win->end_us - 1;
}

static void identity_fields(const struct kf_fields *F, void *w, const struct kf_identity *id,
			    const struct kf_side_id *s, const char *n)
{
	const struct kf_pod *pod = kf_identity_pod(id, s);
	char name[32];

#define F(field) (snprintf(name, sizeof(name), "%s_%s", field, n), name)
	F->u64(w, F("process_id"), s->pid);
	F->str(w, F("process_kname"), s->comm);
	F->str(w, F("container_id"), s->container_id);
	F->str(w, F("container_runtime"), s->runtime ? s->runtime : "");
	F->str(w, F("pod_uid"), s->pod_uid);
	F->str(w, F("pod"), pod ? pod->name : "");
	F->str(w, F("pod_ns"), pod ? pod->ns : "");
	F->str(w, F("pod_node"), s->local ? id->node : "");
	F->str(w, F("pod_cluster"), s->local ? id->cluster : "");
#undef F
}

static void delay_fields(const struct kf_fields *F, void *w, const char *name,
			 const struct kf_delay *dl)
{
	char key[32];

	snprintf(key, sizeof(key), "%s_sum", name);
	F->u64(w, key, dl->sum);
	snprintf(key, sizeof(key), "%s_count", name);
	F->u64(w, key, dl->count);
	snprintf(key, sizeof(key), "%s_max", name);
	F->u64(w, key, dl->max);
	/* The average is a query-time metric in DeepFlow; given for convenience. */
	F->f64(w, name, dl->count ? (double)dl->sum / dl->count : 0);
}

/* TCP health (reference 5.4 - 5.10), `_tx` by the client, `_rx` by the
 * server; delays are the server's buckets (srt: server ACKs client data;
 * art: server answers; UDP art and ICMP echo srt the same way). */
static void health_fields(const struct kf_fields *F, void *w, const struct kf_flow *f, int c, int s)
{
	const struct flow_dir *tx = &f->iv.dir[c], *rx = &f->iv.dir[s];
	__u32 syn = tx->syn + rx->syn, synack = tx->synack + rx->synack;
	const struct l4_state *l4 = f->has_l4 ? &f->l4 : NULL;

	F->u64(w, "retrans_tx", tx->retrans);
	F->u64(w, "retrans_rx", rx->retrans);
	F->u64(w, "retrans", tx->retrans + rx->retrans);
	F->u64(w, "retrans_syn", syn ? syn - 1 : 0);
	F->u64(w, "retrans_synack", synack ? synack - 1 : 0);
	F->u64(w, "ooo_tx", tx->ooo);
	F->u64(w, "ooo_rx", rx->ooo);
	F->u64(w, "zero_win_tx", tx->zero_win);
	F->u64(w, "zero_win_rx", rx->zero_win);
	F->u64(w, "zero_win", tx->zero_win + rx->zero_win);
	F->u64(w, "rtt", f->iv.rtt);
	F->u64(w, "rtt_client", f->iv.rtt_client);
	F->u64(w, "rtt_server", f->iv.rtt_server);
	delay_fields(F, w, "srt", &f->iv.srt[s]);
	delay_fields(F, w, "art", &f->iv.art[s]);
	delay_fields(F, w, "cit", &f->iv.cit);
	F->u64(w, "syn_seq", l4 ? l4->syn_seq : 0);
	F->u64(w, "syn_ack_seq", l4 ? l4->syn_ack_seq : 0);
	F->u64(w, "last_keepalive_seq", l4 ? l4->ka_seq : 0);
	F->u64(w, "last_keepalive_ack", l4 ? l4->ka_ack : 0);
}

void kf_rec_init(struct kf_rec *r, const struct kf_flow *f, const struct kf_window *win,
		 unsigned int close_type, unsigned int timeout_s)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	r->win = win;
	r->close_type = close_type;
	r->timeout_s = close_type == KF_CLOSE_FORCED_REPORT ? 0 : timeout_s;
	r->is_new = f->key.family && !(f->life.flags & KF_LIFE_NEW_SENT);
	r->last = close_type != KF_CLOSE_FORCED_REPORT;
	r->now_s = win->end_us / 1000000;
	if (f->key.family)
		kf_record_times(f, win, close_type, timeout_s, &r->start_us, &r->end_us);
	else {
		r->start_us = win->start_us;
		r->end_us = win->end_us;
	}
}

void kf_record_fields(const struct kf_rec *r, const struct kf_fields *F, void *w)
{
	const struct kf_flow *f = r->f;
	const struct kf_window *win = r->win;
	const struct flow_key *k = &f->key;
	const struct flow_life *l = &f->life;
	int c = l->client & 1, s = !c;
	const struct flow_dir *tx = &f->iv.dir[c], *rx = &f->iv.dir[s];
	unsigned int close_type = r->close_type;
	__u64 start_us = r->start_us, end_us = r->end_us;
	char ifname[IF_NAMESIZE];

	if (!k->family) {
		overflow_record(F, w, f, win);
		return;
	}
	F->u64(w, "time", end_us / 1000000);
	F->u64(w, "start_time", start_us);
	F->u64(w, "end_time", end_us);
	F->u64(w, "flow_id", l->flow_id);
	F->u64(w, "signal_source", 0);
	F->addr(w, "ip_0", k->family, c ? k->addr_b : k->addr_a);
	F->addr(w, "ip_1", k->family, s ? k->addr_b : k->addr_a);
	F->u64(w, "is_ipv4", k->family == 4);
	F->mac(w, "mac_0", l->mac[c]);
	F->mac(w, "mac_1", l->mac[s]);
	F->u64(w, "eth_type", k->family == 4 ? 0x0800 : 0x86dd);
	F->u64(w, "vlan", k->vlan);
	F->u64(w, "protocol", k->proto);
	F->u64(w, "client_port", c ? k->port_b : k->port_a);
	F->u64(w, "server_port", c ? k->port_a : k->port_b);
	F->u64(w, "capture_nic", k->ifindex);
	F->str(w, "capture_nic_name", kf_ifname(k->ifindex, ifname));
	counters(F, w, tx, rx);
	F->u64(w, "total_packet_tx", l->total_packets[c]);
	F->u64(w, "total_packet_rx", l->total_packets[s]);
	F->u64(w, "total_byte_tx", l->total_bytes[c]);
	F->u64(w, "total_byte_rx", l->total_bytes[s]);
	/* DeepFlow masks to FIN..URG; ECE/CWR/NS never appear in the seed. */
	F->u64(w, "tcp_flags_bit_0", tx->tcp_flags & 0x3f);
	F->u64(w, "tcp_flags_bit_1", rx->tcp_flags & 0x3f);
	F->u64(w, "syn_count", tx->syn + rx->syn);
	F->u64(w, "synack_count", tx->synack + rx->synack);
	F->u64(w, "fin_count", tx->fin + rx->fin);
	F->u64(w, "init_ipid", k->family == 4 ? l->first_ipid : 0);
	F->u64(w, "is_new_flow", r->is_new);
	F->u64(w, "close_type", close_type);
	F->u64(w, "status", kf_status(close_type, k->proto));
	F->u64(w, "duration", (l->last_ns - l->first_ns) / 1000);
	F->u64(w, "direction_score", l->direction_score);
	health_fields(F, w, f, c, s);
	if (win->id) {
		identity_fields(F, w, win->id, &f->id[c], "0");
		identity_fields(F, w, win->id, &f->id[s], "1");
		F->str(w, "observation_point", f->obs_point ? f->obs_point : "");
	}
}

/* The JSON line: addresses and MACs as text. */
static void json_addr(void *w, const char *name, int family, const __u8 *a)
{
	char buf[INET6_ADDRSTRLEN];

	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, a, buf, sizeof(buf)))
		buf[0] = '\0';
	jw_str(w, name, buf);
}

static void json_mac(void *w, const char *name, const __u8 *m)
{
	char buf[18];

	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
	jw_str(w, name, buf);
}

static void json_u64(void *w, const char *name, __u64 v)
{
	jw_u64(w, name, v);
}

static void json_f64(void *w, const char *name, double v)
{
	jw_f64(w, name, v);
}

static void json_str(void *w, const char *name, const char *s)
{
	jw_str(w, name, s);
}

static const struct kf_fields json_fields = {
	.u64 = json_u64,
	.f64 = json_f64,
	.str = json_str,
	.addr = json_addr,
	.mac = json_mac,
};

void kf_record_identity(struct jsonw *w, const struct kf_identity *id, const struct kf_side_id *s,
			const char *n)
{
	identity_fields(&json_fields, w, id, s, n);
}

void kf_record_format(struct jsonw *w, const struct kf_rec *r)
{
	jw_begin(w);
	kf_record_fields(r, &json_fields, w);
	jw_end(w);
}
