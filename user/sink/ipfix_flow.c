// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ipfix_flow.c - transaction records (the seed's RPT_TRANSACTION_NF), one
 * per flow and interval in biflow mode, one per direction that saw packets
 * in uniflow mode.
 *
 * Biflow (templates 256/257): the client is the source, the server's
 * packets go in RFC 5103 reverse elements (PEN 29305). Collectors that
 * know RFC 5103 (nfdump, tshark, ipfixDump) see both directions; the
 * others (pmacct) see only the client's half.
 *
 * Uniflow (templates 268/269): IANA elements only. Each record's source is
 * the sender of its packets, biflowDirection (239) says whose they are (1
 * the initiator's, 2 the reverse initiator's) and both records of a flow
 * share flowId and connectionTransactionId. TCP health goes with
 * the direction it belongs to, so that a collector that sums records by
 * direction counts every value once: retransmissions, zero window and
 * out-of-order segments of that record's sender; rtt and rtt_client
 * (handshake, the client's leg) with the client's record; rtt_server and
 * srt/art (measured on the server's answers) with the server's; close_type
 * (a code, not a count) in both.
 *
 * Elements: the seed prints "3" for in_bytes; 3 is the flow count in IANA's
 * registry and NetFlow v9, so octets go in octetDeltaCount (1), as IANA
 * defines it. TCP health has no IANA elements: it is sent as enterprise
 * elements of PEN 32473 (RFC 5612's documentation number, until one is
 * assigned), reverse direction = id | 0x4000, and as nProbe's elements
 * (see README for the table).
 */
#include <string.h>
#include "ipfix_flow.h"

static const struct kf_ipfix_field addr_v4[] = { { 8, 4, 0 }, { 12, 4, 0 } },
				   addr_v6[] = { { 27, 16, 0 }, { 28, 16, 0 } };

/* Biflow body after the addresses. */
static const struct kf_ipfix_field bi_tail[] = {
	{ 7, 2, 0 }, /* sourceTransportPort */
	{ 11, 2, 0 }, /* destinationTransportPort */
	{ 4, 1, 0 }, /* protocolIdentifier */
	{ 60, 1, 0 }, /* ipVersion */
	{ 6, 1, 0 }, /* tcpControlBits, reduced size (pmacct reads 2 octets as 0) */
	{ 6, 1, KF_PEN_REVERSE },
	{ 1, 8, 0 }, /* octetDeltaCount */
	{ 2, 8, 0 }, /* packetDeltaCount */
	{ 1, 8, KF_PEN_REVERSE },
	{ 2, 8, KF_PEN_REVERSE },
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
	{ 218, 4, KF_PEN_REVERSE },
	{ 219, 4, KF_PEN_REVERSE },
	{ 220, 4, KF_PEN_REVERSE },
	{ 152, 8, 0 }, /* flowStartMilliseconds */
	{ 153, 8, 0 }, /* flowEndMilliseconds */
	{ 22, 4, 0 }, /* flowStartSysUpTime */
	{ 21, 4, 0 }, /* flowEndSysUpTime */
	/* TCP health, PEN 32473 */
	{ 1, 4, KF_PEN_KFLOW }, /* rtt, us */
	{ 2, 4, KF_PEN_KFLOW }, /* rtt_client */
	{ 3, 4, KF_PEN_KFLOW }, /* rtt_server */
	{ 4, 4, KF_PEN_KFLOW }, /* retransmissions (forward) */
	{ 4 | 0x4000, 4, KF_PEN_KFLOW }, /* retransmissions (reverse) */
	{ 5, 4, KF_PEN_KFLOW }, /* zero-window packets */
	{ 5 | 0x4000, 4, KF_PEN_KFLOW },
	{ 6, 8, KF_PEN_KFLOW }, /* srt sum, us */
	{ 7, 4, KF_PEN_KFLOW }, /* srt count */
	{ 8, 8, KF_PEN_KFLOW }, /* art sum, us */
	{ 9, 4, KF_PEN_KFLOW }, /* art count */
	{ 10, 2, KF_PEN_KFLOW }, /* close_type (l4_flow_log) */
	/* The same health as nProbe's elements, which collectors already know */
	{ 123, 4, KF_PEN_NTOP }, /* CLIENT_NW_LATENCY_MS: rtt_client / 2 */
	{ 124, 4, KF_PEN_NTOP }, /* SERVER_NW_LATENCY_MS: rtt_server / 2 */
	{ 125, 4, KF_PEN_NTOP }, /* APPL_LATENCY_MS: art average */
	{ 109, 4, KF_PEN_NTOP }, /* RETRANSMITTED_IN_PKTS: client to server */
	{ 110, 4, KF_PEN_NTOP }, /* RETRANSMITTED_OUT_PKTS */
	{ 111, 4, KF_PEN_NTOP }, /* OOORDER_IN_PKTS */
	{ 112, 4, KF_PEN_NTOP }, /* OOORDER_OUT_PKTS */
};

/* Uniflow body after the addresses: no reverse element; a value that
 * belongs to the other direction is 0 here and sent in its record. */
static const struct kf_ipfix_field uni_tail[] = {
	{ 7, 2, 0 }, /* sourceTransportPort: the sender's */
	{ 11, 2, 0 }, /* destinationTransportPort */
	{ 4, 1, 0 }, /* protocolIdentifier */
	{ 60, 1, 0 }, /* ipVersion */
	{ 6, 1, 0 }, /* tcpControlBits of the sender */
	{ 1, 8, 0 }, /* octetDeltaCount */
	{ 2, 8, 0 }, /* packetDeltaCount */
	{ 10, 4, 0 }, /* ingressInterface */
	{ 14, 4, 0 }, /* egressInterface */
	{ 61, 1, 0 }, /* flowDirection */
	{ 239, 1, 0 }, /* biflowDirection: 1 the client's, 2 the server's */
	{ 136, 1, 0 }, /* flowEndReason */
	{ 95, 4, 0 }, /* applicationId */
	{ 234, 4, 0 }, /* ingressVRFID */
	{ 148, 8, 0 }, /* flowId: the same in both records */
	{ 280, 8, 0 }, /* connectionTransactionId */
	{ 218, 4, 0 }, /* tcpSynTotalCount (the server's: SYN-ACK) */
	{ 219, 4, 0 }, /* tcpFinTotalCount */
	{ 220, 4, 0 }, /* tcpRstTotalCount */
	{ 152, 8, 0 }, /* flowStartMilliseconds */
	{ 153, 8, 0 }, /* flowEndMilliseconds */
	{ 22, 4, 0 }, /* flowStartSysUpTime */
	{ 21, 4, 0 }, /* flowEndSysUpTime */
	{ 1, 4, KF_PEN_KFLOW }, /* rtt: the client's record */
	{ 2, 4, KF_PEN_KFLOW }, /* rtt_client: the client's record */
	{ 3, 4, KF_PEN_KFLOW }, /* rtt_server: the server's record */
	{ 4, 4, KF_PEN_KFLOW }, /* retransmissions of the sender */
	{ 5, 4, KF_PEN_KFLOW }, /* zero-window packets of the sender */
	{ 6, 8, KF_PEN_KFLOW }, /* srt sum: the server's record */
	{ 7, 4, KF_PEN_KFLOW }, /* srt count */
	{ 8, 8, KF_PEN_KFLOW }, /* art sum: the server's record */
	{ 9, 4, KF_PEN_KFLOW }, /* art count */
	{ 10, 2, KF_PEN_KFLOW }, /* close_type: both records */
	{ 123, 4, KF_PEN_NTOP }, /* CLIENT_NW_LATENCY_MS: the client's record */
	{ 124, 4, KF_PEN_NTOP }, /* SERVER_NW_LATENCY_MS: the server's */
	{ 125, 4, KF_PEN_NTOP }, /* APPL_LATENCY_MS: the server's */
	{ 109, 4, KF_PEN_NTOP }, /* RETRANSMITTED_IN_PKTS: the client's record */
	{ 110, 4, KF_PEN_NTOP }, /* RETRANSMITTED_OUT_PKTS: the server's */
	{ 111, 4, KF_PEN_NTOP }, /* OOORDER_IN_PKTS: the client's */
	{ 112, 4, KF_PEN_NTOP }, /* OOORDER_OUT_PKTS: the server's */
};

__u16 kf_ipfix_flow_tid(bool uniflow, bool v6)
{
	if (uniflow)
		return v6 ? KF_TID_UNIFLOW_V6 : KF_TID_UNIFLOW_V4;
	return v6 ? KF_TID_BIFLOW_V6 : KF_TID_BIFLOW_V4;
}

size_t kf_ipfix_flow_len(bool uniflow, bool v6)
{
	size_t tail = uniflow ? kf_fields_len(uni_tail, KF_NFIELDS(uni_tail)) :
				kf_fields_len(bi_tail, KF_NFIELDS(bi_tail));

	return (v6 ? 32 : 8) + tail;
}

void kf_ipfix_flow_templates(struct kf_ipfix_msg *m, bool uniflow)
{
	const struct kf_ipfix_field *tail = uniflow ? uni_tail : bi_tail;
	size_t n = uniflow ? KF_NFIELDS(uni_tail) : KF_NFIELDS(bi_tail);

	kf_msg_put_template(m, kf_ipfix_flow_tid(uniflow, false), addr_v4, 2, tail, n);
	kf_msg_put_template(m, kf_ipfix_flow_tid(uniflow, true), addr_v6, 2, tail, n);
}

/* The elements from the addresses to ipVersion, for the packets sent by
 * side `from` (enum kf_dir) to side `to`. */
static void put_key(struct kf_ipfix_msg *m, const struct flow_key *k, int from, int to)
{
	int alen = k->family == 6 ? 16 : 4;

	kf_msg_put_bytes(m, from ? k->addr_b : k->addr_a, alen);
	kf_msg_put_bytes(m, to ? k->addr_b : k->addr_a, alen);
	kf_msg_put16(m, kf_nf_port(k, from));
	kf_msg_put16(m, kf_nf_port(k, to));
	kf_msg_put8(m, k->proto);
	kf_msg_put8(m, k->family == 6 ? 6 : 4);
}

static void put_times(struct kf_ipfix_msg *m, const struct kf_nf_flowctx *c)
{
	kf_msg_put64(m, c->start_ms);
	kf_msg_put64(m, c->end_ms);
	kf_msg_put32(m, kf_nf_sysuptime(c->start_ms, c->init_ms));
	kf_msg_put32(m, kf_nf_sysuptime(c->end_ms, c->init_ms));
}

void kf_ipfix_put_biflow(struct kf_ipfix_msg *m, const struct kf_flow *f,
			 const struct kf_nf_flowctx *c)
{
	const struct flow_key *k = &f->key;
	int cl = f->life.client & 1, s = !cl;
	const struct flow_dir *tx = &f->iv.dir[cl], *rx = &f->iv.dir[s];

	put_key(m, k, cl, s);
	kf_msg_put8(m, tx->tcp_flags & 0xff);
	kf_msg_put8(m, rx->tcp_flags & 0xff);
	kf_msg_put64(m, tx->bytes);
	kf_msg_put64(m, tx->packets);
	kf_msg_put64(m, rx->bytes);
	kf_msg_put64(m, rx->packets);
	kf_msg_put32(m, k->ifindex);
	kf_msg_put32(m, 0); /* egress interface: not known at a single capture point */
	kf_msg_put8(m, 0); /* flowDirection: ingress (the record is bidirectional) */
	kf_msg_put8(m, 1); /* biflowDirection: initiator = source */
	kf_msg_put8(m, c->end_reason);
	kf_msg_put32(m, kf_nf_app_id(f));
	kf_msg_put32(m, c->vrf);
	kf_msg_put64(m, f->life.flow_id);
	kf_msg_put64(m, f->life.flow_id);
	kf_msg_put32(m, tx->syn);
	kf_msg_put32(m, tx->fin);
	kf_msg_put32(m, tx->rst);
	kf_msg_put32(m, rx->syn + rx->synack);
	kf_msg_put32(m, rx->fin);
	kf_msg_put32(m, rx->rst);
	put_times(m, c);
	kf_msg_put32(m, f->iv.rtt);
	kf_msg_put32(m, f->iv.rtt_client);
	kf_msg_put32(m, f->iv.rtt_server);
	kf_msg_put32(m, tx->retrans);
	kf_msg_put32(m, rx->retrans);
	kf_msg_put32(m, tx->zero_win);
	kf_msg_put32(m, rx->zero_win);
	kf_msg_put64(m, f->iv.srt[s].sum);
	kf_msg_put32(m, f->iv.srt[s].count);
	kf_msg_put64(m, f->iv.art[s].sum);
	kf_msg_put32(m, f->iv.art[s].count);
	kf_msg_put16(m, c->close_type);
	kf_msg_put32(m, f->iv.rtt_client / 2000);
	kf_msg_put32(m, f->iv.rtt_server / 2000);
	kf_msg_put32(m, kf_nf_art_avg_ms(&f->iv.art[s]));
	kf_msg_put32(m, tx->retrans);
	kf_msg_put32(m, rx->retrans);
	kf_msg_put32(m, tx->ooo);
	kf_msg_put32(m, rx->ooo);
	m->records++;
	m->flows++;
}

/* The values are nfvalues.c's, as the RPT_TRANSACTION_NF rows carry them. */
void kf_ipfix_put_uniflow(struct kf_ipfix_msg *m, const struct kf_flow *f,
			  const struct kf_nf_flowctx *c, bool server)
{
	struct kf_nf_uni u;
	int alen = f->key.family == 6 ? 16 : 4;

	kf_nf_uniflow(&u, f, c, server);
	kf_msg_put_bytes(m, u.src, alen);
	kf_msg_put_bytes(m, u.dst, alen);
	kf_msg_put16(m, u.sport);
	kf_msg_put16(m, u.dport);
	kf_msg_put8(m, u.proto);
	kf_msg_put8(m, u.ipver);
	kf_msg_put8(m, u.tcp_flags);
	kf_msg_put64(m, u.octets);
	kf_msg_put64(m, u.packets);
	kf_msg_put32(m, u.ingress_if);
	kf_msg_put32(m, u.egress_if);
	kf_msg_put8(m, u.flow_dir);
	kf_msg_put8(m, u.biflow_dir);
	kf_msg_put8(m, u.end_reason);
	kf_msg_put32(m, u.app);
	kf_msg_put32(m, u.vrf);
	kf_msg_put64(m, u.flow_id);
	kf_msg_put64(m, u.flow_id);
	kf_msg_put32(m, u.syn);
	kf_msg_put32(m, u.fin);
	kf_msg_put32(m, u.rst);
	kf_msg_put64(m, u.start_ms);
	kf_msg_put64(m, u.end_ms);
	kf_msg_put32(m, u.start_uptime);
	kf_msg_put32(m, u.end_uptime);
	kf_msg_put32(m, u.rtt);
	kf_msg_put32(m, u.rtt_client);
	kf_msg_put32(m, u.rtt_server);
	kf_msg_put32(m, u.retrans);
	kf_msg_put32(m, u.zero_win);
	kf_msg_put64(m, u.srt_sum);
	kf_msg_put32(m, u.srt_count);
	kf_msg_put64(m, u.art_sum);
	kf_msg_put32(m, u.art_count);
	kf_msg_put16(m, u.close_type);
	kf_msg_put32(m, u.client_lat_ms);
	kf_msg_put32(m, u.server_lat_ms);
	kf_msg_put32(m, u.appl_lat_ms);
	kf_msg_put32(m, server ? 0 : u.retrans); /* RETRANSMITTED_IN_PKTS */
	kf_msg_put32(m, server ? u.retrans : 0); /* RETRANSMITTED_OUT_PKTS */
	kf_msg_put32(m, server ? 0 : u.ooo);
	kf_msg_put32(m, server ? u.ooo : 0);
	m->records++;
	m->flows++;
}
