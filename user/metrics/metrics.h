/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * metrics.h - `kflow run --metrics ADDR:PORT`: /metrics, /healthz, /readyz.
 *
 * The main loop owns every count. After setup and after each interval it
 * builds the whole /metrics page and swaps it in under a mutex; the HTTP
 * thread (libmicrohttpd's) only copies that page and reads three facts
 * (last loop time, attached, drained) under the same mutex.
 */
#ifndef KF_METRICS_H
#define KF_METRICS_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <linux/types.h>
#include "histogram.h"
#include "mtext.h"

struct kf_core;
struct kf_rec;

/* Hooks a packet is counted at, as the metrics label them. */
enum kf_mhook {
	KF_MH_TC_INGRESS,
	KF_MH_TC_EGRESS,
	KF_MH_XDP,
	KF_MH_MAX,
};

#define KF_METRICS_IFACES 256

/* Packets and bytes of records written, of one capture interface. */
struct kf_mif {
	__u32 ifindex; /* 0: the overflow record (no interface) */
	char name[16];
	__u8 mac[6]; /* the interface's own: a direction sent from it is egress */
	bool has_mac;
	bool xdp; /* XDP counts its ingress (kf_attach, read once an interval) */
	unsigned long long gen; /* the interval xdp and mac were read in */
	unsigned long long packets[KF_MH_MAX], bytes[KF_MH_MAX];
};

struct kf_metrics {
	/* The main loop's. */
	struct kf_mif ifs[KF_METRICS_IFACES + 1]; /* + the overflow record's */
	int nifs;
	unsigned long long gen; /* intervals published: one kf_attach read each */
	unsigned long long ifs_left_out; /* records of interfaces past the table */
	unsigned long long id_resolved, id_unresolved;
	struct kf_hist drain;
	struct kf_mtext next; /* the page being built */
	int mac_sock; /* for SIOCGIFHWADDR */
	/* Shared with the HTTP thread, under lock. */
	pthread_mutex_t lock;
	struct kf_mtext page;
	__u64 last_loop_ns; /* CLOCK_MONOTONIC of the last interval end (or start) */
	bool attached, drained;
	unsigned int interval_s;
	struct MHD_Daemon *httpd;
	int listen_fd;
};

/* Parses ADDR:PORT (IPv4 a.b.c.d:port or [IPv6]:port). 0, or -EINVAL
 * after one line naming --metrics and what is wrong. */
int kf_metrics_addr(const char *spec, struct sockaddr_storage *sa, socklen_t *len);

/* Listens on spec and serves from a thread. NULL after an error line. */
struct kf_metrics *kf_metrics_start(const char *spec, unsigned int interval_s);
void kf_metrics_stop(struct kf_metrics *m);

/* One record written to the sinks (tick.c): its packets, bytes, identity. */
void kf_metrics_count(struct kf_metrics *m, const struct kf_core *c, const struct kf_rec *r);

/* Programs are attached: the first page, /readyz waits only for a drain. */
void kf_metrics_attached(struct kf_metrics *m, const struct kf_core *c);
/* An interval ended after drain_s seconds of work: count it, publish. */
void kf_metrics_interval(struct kf_metrics *m, const struct kf_core *c, double drain_s);

/* Builds the /metrics page of c into t (collect.c). */
void kf_metrics_build(struct kf_metrics *m, const struct kf_core *c, struct kf_mtext *t);

#endif /* KF_METRICS_H */
