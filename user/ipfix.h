/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ipfix.h - IPFIX (RFC 7011) export of flow records over UDP. */
#ifndef KF_IPFIX_H
#define KF_IPFIX_H

#include <stdbool.h>
#include <sys/socket.h>
#include "flowtable.h"
#include "ipfix_reach.h"
#include "ipfix_usage.h"
#include "record.h"

#define KF_IPFIX_MTU 1400 /* one message per datagram, below the path MTU */

#define KF_IPFIX_BACKLOG (4 << 20) /* TCP: messages waiting for the collector */

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
	__u32 domain; /* observation domain id */
	__u32 seq; /* data records sent before the current message */
	__u64 init_ms; /* systemInitTimeMilliseconds: when the agent started */
	unsigned int refresh_s; /* template refresh by time */
	unsigned int refresh_msgs; /* and by message count */
	__u64 last_templates_s;
	unsigned int msgs_since_templates;
	__u32 vrf; /* ingressVRFID: the network namespace counted in */
	unsigned char msg[KF_IPFIX_MTU];
	size_t len; /* bytes in msg, 0: no message open */
	size_t set_off; /* open data set's header offset, 0: none */
	__u16 set_id;
	unsigned int msg_records;
	unsigned long long send_errors;
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
	__u8 exporter_addr[16]; /* the local address of the export socket */
	bool exporter_v6;
};

/* spec: "udp://HOST:PORT" or "tcp://HOST:PORT". Returns 0 or a negative
 * errno after a message. A collector that cannot be reached yet (TCP: not
 * up; UDP: no route) is no error: the agent connects when it can. */
int kf_ipfix_open(struct kf_ipfix *x, const char *spec, __u32 domain, unsigned int refresh_s,
		  unsigned int refresh_msgs);
void kf_ipfix_close(struct kf_ipfix *x);

/* Adds f's transaction record (the same record the JSON output writes). */
void kf_ipfix_record(struct kf_ipfix *x, const struct kf_flow *f, const struct kf_window *win,
		     unsigned int close_type, unsigned int timeout_s, __u64 now_s);

/* End of an interval: the usage and global usage records of the interval,
 * then sends what is pending. */
void kf_ipfix_flush(struct kf_ipfix *x, __u64 now_s);

#endif /* KF_IPFIX_H */
