/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ipfix.h - IPFIX (RFC 7011) export of flow and usage records over UDP or TCP. */
#ifndef KF_IPFIX_H
#define KF_IPFIX_H

#include <stdbool.h>
#include <sys/socket.h>
#include "flowtable.h"
#include "ipfix_msg.h"
#include "ipfix_reach.h"
#include "ipfix_usage.h"
#include "record.h"

#define KF_IPFIX_BACKLOG (4 << 20) /* TCP: messages waiting for the collector */

/* The observation domains of one output: flows, and usage records apart so
 * that a collector summing the flow domain never counts a byte twice. */
enum kf_ipfix_dom {
	KF_DOM_FLOWS,
	KF_DOM_USAGE,
	KF_DOM_MAX,
};

struct kf_ipfix_cfg {
	__u32 domain; /* observation domain of the flow records */
	__u32 usage_domain; /* of the usage and global usage records */
	bool usage; /* send usage records at all */
	bool uniflow; /* one record per direction instead of biflows */
	unsigned int refresh_s; /* template refresh by time */
	unsigned int refresh_msgs; /* and by message count */
};

struct kf_ipfix {
	int fd; /* UDP socket, or TCP socket (-1 while disconnected) */
	bool tcp;
	bool connected; /* TCP: the connection is up; UDP: connect() succeeded */
	struct sockaddr_storage addr; /* where to (re)connect */
	unsigned int addrlen;
	struct kf_reach reach; /* the collector's state, as the log shows it */
	__u64 next_connect_s; /* TCP: backoff */
	unsigned int backoff_s;
	unsigned char *backlog; /* TCP: bytes not yet written */
	size_t blen;
	unsigned long long dropped_msgs; /* TCP: backlog full, counted and logged */
	char dest[128];
	struct kf_ipfix_cfg cfg;
	__u64 init_ms; /* systemInitTimeMilliseconds: when the agent started */
	__u64 last_templates_s;
	unsigned int msgs_since_templates;
	__u32 vrf; /* ingressVRFID: the network namespace counted in */
	struct kf_ipfix_msg msg[KF_DOM_MAX]; /* each domain's open message */
	unsigned long long send_errors;
	unsigned long long records; /* transaction records added since open */
	unsigned long long msgs_sent, msgs_lost; /* since open */
	unsigned long long records_lost; /* transaction records in lost messages */
	struct kf_usage_tab usage; /* this interval, by application */
	struct kf_usage_tab global; /* this interval, all applications */
	unsigned long long usage_dropped; /* no memory for the tables */
	__u64 win_start_ms, win_end_ms;
	char ifnames[64][16]; /* interfaces already described (options 263) */
	int ifindexes[64];
	int nifs;
	__u32 apps[256]; /* application ids already described (options 265) */
	__u8 app_proto[256];
	int napps;
	/* Records whose interface / application found its table full: exported,
	 * but with no options record to name it; counted and logged. */
	unsigned long long undescribed_ifs, undescribed_apps;
	__u8 exporter_addr[16]; /* the local address of the export socket */
	bool exporter_v6;
};

/* spec: "udp://HOST:PORT" or "tcp://HOST:PORT". Returns 0 or a negative
 * errno after a message. A collector that cannot be reached yet (TCP: not
 * up; UDP: no route) is no error: the agent connects when it can. */
int kf_ipfix_open(struct kf_ipfix *x, const char *spec, const struct kf_ipfix_cfg *cfg);
/* true when records were lost, at exit included (logged) */
bool kf_ipfix_close(struct kf_ipfix *x);

/* Adds f's transaction record (the same record the JSON output writes; in
 * uniflow mode one per direction that had packets) and its usage. */
void kf_ipfix_record(struct kf_ipfix *x, const struct kf_rec *r);

/* End of an interval: the usage and global usage records of the interval,
 * then sends what is pending. */
void kf_ipfix_flush(struct kf_ipfix *x, __u64 now_s);

#endif /* KF_IPFIX_H */
