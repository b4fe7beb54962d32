/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* nfvalues.h - the values of the seed's NetFlow records (transaction, usage,
 * options), computed once for the IPFIX output and the database tables. */
#ifndef KF_NFVALUES_H
#define KF_NFVALUES_H

#include <stdbool.h>
#include "flowtable.h"
#include "record.h"

#define KF_NF_APP_NAME 32 /* applicationName and the category names */
#define KF_NF_APP_DESC 64 /* applicationDescription */
#define KF_NF_IF_DESC 64 /* interfaceDescription */

/* What a transaction record says beyond the flow itself. */
struct kf_nf_flowctx {
	__u64 start_ms, end_ms; /* the record's times, as the JSON record's */
	__u64 init_ms; /* systemInitTimeMilliseconds, for the sysUpTime pair */
	__u32 vrf; /* ingressVRFID */
	__u16 close_type;
	__u8 end_reason; /* flowEndReason */
};

/* One direction's transaction record (RPT_TRANSACTION_NF, IPFIX uniflow):
 * the packets one end sent. */
struct kf_nf_uni {
	const __u8 *src, *dst; /* addresses, 4 or 16 bytes */
	__u16 sport, dport;
	__u8 proto, ipver;
	__u8 tcp_flags;
	__u64 octets, packets;
	__u32 ingress_if, egress_if;
	__u8 flow_dir; /* flowDirection */
	__u8 biflow_dir; /* 1 the client's packets, 2 the server's */
	__u8 end_reason;
	__u32 app; /* applicationId */
	__u32 vrf;
	__u64 flow_id; /* flowId and connectionTransactionId */
	__u32 syn, fin, rst;
	__u64 start_ms, end_ms;
	__u32 start_uptime, end_uptime; /* flowStart/EndSysUpTime */
	/* TCP health that belongs to this direction, else 0 */
	__u32 rtt, rtt_client, rtt_server, retrans, zero_win, ooo;
	__u64 srt_sum, art_sum;
	__u32 srt_count, art_count;
	__u16 close_type;
	__u32 client_lat_ms, server_lat_ms, appl_lat_ms; /* nProbe's latencies */
};

bool kf_nf_has_ports(const struct flow_key *k);
/* The port of side (enum kf_dir) collectors read: 0 for ICMP. */
__u16 kf_nf_port(const struct flow_key *k, int side);
/* applicationId: engine 3 (IANA L4 port) and the server's port; 0 when the
 * protocol has no ports. */
__u32 kf_nf_app_id(const struct kf_flow *f);
/* The directions one-direction records (IPFIX uniflow, RPT_TRANSACTION_NF)
 * go out for, KF_NF_UNI_CLIENT | KF_NF_UNI_SERVER: each that sent packets
 * in the interval; at a flow's end with none, the client's (no packets),
 * so that the end (close_type, flowEndReason) reaches the collector. */
#define KF_NF_UNI_CLIENT 1
#define KF_NF_UNI_SERVER 2
unsigned int kf_nf_uni_dirs(const struct kf_flow *f, const struct kf_nf_flowctx *c);

/* flowEndReason (136) from close_type. */
__u8 kf_nf_end_reason(unsigned int close_type, __u8 proto);
__u32 kf_nf_sysuptime(__u64 ms, __u64 init_ms);
/* The context of r's transaction records. */
void kf_nf_flowctx_init(struct kf_nf_flowctx *c, const struct kf_rec *r, __u64 init_ms, __u32 vrf);
/* The record of the packets one end sent (server: the server's). */
void kf_nf_uniflow(struct kf_nf_uni *u, const struct kf_flow *f, const struct kf_nf_flowctx *c,
		   bool server);
/* art's average in ms, nProbe's APPL_LATENCY_MS. */
__u32 kf_nf_art_avg_ms(const struct kf_delay *d);
/* The network namespace counted in: ingressVRFID. */
__u32 kf_nf_vrf(void);
/* Application name (the port's service where the system knows one) and
 * description of an applicationId. */
void kf_nf_app_names(__u32 app, __u8 proto, char name[KF_NF_APP_NAME], char desc[KF_NF_APP_DESC]);
/* interfaceDescription of a capture interface. */
void kf_nf_iface_desc(const char *ifname, char desc[KF_NF_IF_DESC]);

#endif /* KF_NFVALUES_H */
