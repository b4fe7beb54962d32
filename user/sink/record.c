// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * record.c - field names and units of DeepFlow's flow_log.l4_flow_log
 * (../shared/seeds, reference sections 2, 4 and 5): `_0`/`tx` is the client,
 * `_1`/`rx` the server; times in microseconds of wall clock; windows are the
 * agent's wall-clock-aligned intervals (the seed's "natural minute").
 *
 * The overflow record (flows that found no room in a full flow map) has
 * "overflow":1, no addresses, and splits by hook: tx = ingress, rx = egress.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include "close.h"
#include "iface.h"
#include "record.h"

static void addr_text(const struct flow_key *k, int side, char *buf, size_t len)
{
	const __u8 *a = side ? k->addr_b : k->addr_a;

	if (!inet_ntop(k->family == 4 ? AF_INET : AF_INET6, a, buf, len))
		buf[0] = '\0';
}

static void mac_text(const __u8 *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static __u64 wall_us(const struct kf_window *win, __u64 mono_ns)
{
	return (__u64)((__s64)mono_ns + win->mono_to_wall_ns) / 1000;
}

static void counters(struct jsonw *w, const struct flow_dir *tx, const struct flow_dir *rx)
{
	jw_u64(w, "byte_tx", tx->bytes);
	jw_u64(w, "byte_rx", rx->bytes);
	jw_u64(w, "packet_tx", tx->packets);
	jw_u64(w, "packet_rx", rx->packets);
	jw_u64(w, "l3_byte_tx", tx->l3_bytes);
	jw_u64(w, "l3_byte_rx", rx->l3_bytes);
	jw_u64(w, "l4_byte_tx", tx->l4_bytes);
	jw_u64(w, "l4_byte_rx", rx->l4_bytes);
}

static void overflow_record(struct jsonw *w, const struct kf_flow *f,
			    const struct kf_window *win)
{
	const struct flow_dir *in = &f->iv.dir[0], *out = &f->iv.dir[1];

	jw_begin(w);
	jw_u64(w, "time", win->end_us / 1000000);
	jw_u64(w, "start_time", win->start_us);
	jw_u64(w, "end_time", win->end_us);
	jw_u64(w, "overflow", 1);
	jw_u64(w, "close_type", KF_CLOSE_FORCED_REPORT);
	counters(w, in, out);
	jw_u64(w, "total_packet_tx", f->life.total_packets[0]);
	jw_u64(w, "total_packet_rx", f->life.total_packets[1]);
	jw_u64(w, "total_byte_tx", f->life.total_bytes[0]);
	jw_u64(w, "total_byte_rx", f->life.total_bytes[1]);
	jw_end(w);
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
}

void kf_record_identity(struct jsonw *w, const struct kf_identity *id, const struct kf_side_id *s,
			const char *n)
{
	const struct kf_pod *pod = kf_identity_pod(id, s);
	char name[32];

#define F(field) (snprintf(name, sizeof(name), "%s_%s", field, n), name)
	jw_u64(w, F("process_id"), s->pid);
	jw_str(w, F("process_kname"), s->comm);
	jw_str(w, F("container_id"), s->container_id);
	jw_str(w, F("container_runtime"), s->runtime ? s->runtime : "");
	jw_str(w, F("pod_uid"), s->pod_uid);
	jw_str(w, F("pod"), pod ? pod->name : "");
	jw_str(w, F("pod_ns"), pod ? pod->ns : "");
	jw_str(w, F("pod_node"), s->local ? id->node : "");
	jw_str(w, F("pod_cluster"), s->local ? id->cluster : "");
#undef F
}

static void delay_fields(struct jsonw *w, const char *name, const struct kf_delay *dl)
{
	char key[32];

	snprintf(key, sizeof(key), "%s_sum", name);
	jw_u64(w, key, dl->sum);
	snprintf(key, sizeof(key), "%s_count", name);
	jw_u64(w, key, dl->count);
	snprintf(key, sizeof(key), "%s_max", name);
	jw_u64(w, key, dl->max);
	/* The average is a query-time metric in DeepFlow; given for convenience. */
	jw_f64(w, name, dl->count ? (double)dl->sum / dl->count : 0);
}

/* TCP health (reference 5.4 - 5.10), `_tx` by the client, `_rx` by the
 * server; delays are the server's buckets (srt: server ACKs client data;
 * art: server answers; UDP art and ICMP echo srt the same way). */
static void health_fields(struct jsonw *w, const struct kf_flow *f, int c, int s)
{
	const struct flow_dir *tx = &f->iv.dir[c], *rx = &f->iv.dir[s];
	__u32 syn = tx->syn + rx->syn, synack = tx->synack + rx->synack;
	const struct l4_state *l4 = f->has_l4 ? &f->l4 : NULL;

	jw_u64(w, "retrans_tx", tx->retrans);
	jw_u64(w, "retrans_rx", rx->retrans);
	jw_u64(w, "retrans", tx->retrans + rx->retrans);
	jw_u64(w, "retrans_syn", syn ? syn - 1 : 0);
	jw_u64(w, "retrans_synack", synack ? synack - 1 : 0);
	jw_u64(w, "ooo_tx", tx->ooo);
	jw_u64(w, "ooo_rx", rx->ooo);
	jw_u64(w, "zero_win_tx", tx->zero_win);
	jw_u64(w, "zero_win_rx", rx->zero_win);
	jw_u64(w, "zero_win", tx->zero_win + rx->zero_win);
	jw_u64(w, "rtt", f->iv.rtt);
	jw_u64(w, "rtt_client", f->iv.rtt_client);
	jw_u64(w, "rtt_server", f->iv.rtt_server);
	delay_fields(w, "srt", &f->iv.srt[s]);
	delay_fields(w, "art", &f->iv.art[s]);
	delay_fields(w, "cit", &f->iv.cit);
	jw_u64(w, "syn_seq", l4 ? l4->syn_seq : 0);
	jw_u64(w, "syn_ack_seq", l4 ? l4->syn_ack_seq : 0);
	jw_u64(w, "last_keepalive_seq", l4 ? l4->ka_seq : 0);
	jw_u64(w, "last_keepalive_ack", l4 ? l4->ka_ack : 0);
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

void kf_record_format(struct jsonw *w, const struct kf_rec *r)
{
	const struct kf_flow *f = r->f;
	const struct kf_window *win = r->win;
	const struct flow_key *k = &f->key;
	const struct flow_life *l = &f->life;
	int c = l->client & 1, s = !c;
	const struct flow_dir *tx = &f->iv.dir[c], *rx = &f->iv.dir[s];
	unsigned int close_type = r->close_type;
	__u64 start_us = r->start_us, end_us = r->end_us;
	char ip0[INET6_ADDRSTRLEN], ip1[INET6_ADDRSTRLEN], mac0[18], mac1[18];
	char ifname[IF_NAMESIZE];

	if (!k->family) {
		overflow_record(w, f, win);
		return;
	}
	addr_text(k, c, ip0, sizeof(ip0));
	addr_text(k, s, ip1, sizeof(ip1));
	mac_text(l->mac[c], mac0, sizeof(mac0));
	mac_text(l->mac[s], mac1, sizeof(mac1));

	jw_begin(w);
	jw_u64(w, "time", end_us / 1000000);
	jw_u64(w, "start_time", start_us);
	jw_u64(w, "end_time", end_us);
	jw_u64(w, "flow_id", l->flow_id);
	jw_u64(w, "signal_source", 0);
	jw_str(w, "ip_0", ip0);
	jw_str(w, "ip_1", ip1);
	jw_u64(w, "is_ipv4", k->family == 4);
	jw_str(w, "mac_0", mac0);
	jw_str(w, "mac_1", mac1);
	jw_u64(w, "eth_type", k->family == 4 ? 0x0800 : 0x86dd);
	jw_u64(w, "vlan", k->vlan);
	jw_u64(w, "protocol", k->proto);
	jw_u64(w, "client_port", c ? k->port_b : k->port_a);
	jw_u64(w, "server_port", c ? k->port_a : k->port_b);
	jw_u64(w, "capture_nic", k->ifindex);
	jw_str(w, "capture_nic_name", kf_ifname(k->ifindex, ifname));
	counters(w, tx, rx);
	jw_u64(w, "total_packet_tx", l->total_packets[c]);
	jw_u64(w, "total_packet_rx", l->total_packets[s]);
	jw_u64(w, "total_byte_tx", l->total_bytes[c]);
	jw_u64(w, "total_byte_rx", l->total_bytes[s]);
	/* DeepFlow masks to FIN..URG; ECE/CWR/NS never appear in the seed. */
	jw_u64(w, "tcp_flags_bit_0", tx->tcp_flags & 0x3f);
	jw_u64(w, "tcp_flags_bit_1", rx->tcp_flags & 0x3f);
	jw_u64(w, "syn_count", tx->syn + rx->syn);
	jw_u64(w, "synack_count", tx->synack + rx->synack);
	jw_u64(w, "fin_count", tx->fin + rx->fin);
	jw_u64(w, "init_ipid", k->family == 4 ? l->first_ipid : 0);
	jw_u64(w, "is_new_flow", r->is_new);
	jw_u64(w, "close_type", close_type);
	jw_u64(w, "status", kf_status(close_type, k->proto));
	jw_u64(w, "duration", (l->last_ns - l->first_ns) / 1000);
	jw_u64(w, "direction_score", l->direction_score);
	health_fields(w, f, c, s);
	if (win->id) {
		kf_record_identity(w, win->id, &f->id[c], "0");
		kf_record_identity(w, win->id, &f->id[s], "1");
		jw_str(w, "observation_point", f->obs_point ? f->obs_point : "");
	}
	jw_end(w);
}
