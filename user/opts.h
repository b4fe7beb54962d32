/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* opts.h - the command line of every kflow subcommand, parsed and checked. */
#ifndef KF_OPTS_H
#define KF_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define KF_MAX_OUTPUTS 8
#define KF_MAX_SERVER_PORTS 64
#define KF_REPLAY_MAX_FLOWS 16384
#define KF_DEFAULT_PIN_PATH "/sys/fs/bpf/kflow"
#define KF_IFACE_LIST_MAX 1023 /* characters of --iface / --exclude-iface */
#define KF_STREAM_HISTORY 4095
#define KF_STREAM_BUFFER (256U << 10)
#define KF_CH_BACKLOG_DEFAULT (64UL << 20)

enum kf_cmd {
	KF_CMD_RUN,
	KF_CMD_DUMP,
	KF_CMD_CLEANUP,
	KF_CMD_REPLAY,
	KF_CMD_STREAM, /* its own options: main() hands it to the client first */
};

/* How ingress is counted. */
enum kf_xdp_mode {
	KF_XDP_OFF, /* TC */
	KF_XDP_NATIVE, /* --xdp: XDP where the driver runs it natively, TC elsewhere */
	KF_XDP_FORCE, /* --xdp-force: XDP everywhere, generic or veth where that is all */
};

/* Flow timeouts in seconds (the reference's conntrack defaults). */
enum kf_timeout {
	KF_TO_OPENING,
	KF_TO_ESTABLISHED,
	KF_TO_CLOSING,
	KF_TO_ESTABLISHED_RST,
	KF_TO_EXCEPTION,
	KF_TO_CLOSED_FIN,
	KF_TO_SINGLE_DIRECTION,
	KF_TO_UDP,
	KF_TO_OTHER,
	KF_TO_OPENING_RST,
	KF_TO_MAX,
};

struct kf_opts {
	enum kf_cmd cmd;
	char *ifaces; /* comma-separated globs, NULL: every up non-loopback */
	char *exclude_ifaces; /* comma-separated globs */
	bool no_identity;
	const char *cgroup_root; /* NULL: the cgroup v2 mount */
	const char *pod_log_root;
	const char *pod_cluster;
	const char *replay_file;
	unsigned int ipfix_domain;
	unsigned int ipfix_usage_domain;
	bool ipfix_usage; /* usage records, in ipfix_usage_domain */
	bool ipfix_uniflow; /* --ipfix-flows uniflow */
	unsigned int ipfix_refresh_s;
	unsigned int ipfix_refresh_msgs;
	enum kf_xdp_mode xdp;
	bool persist;
	bool precise_time;
	unsigned int interval_s;
	unsigned int max_flows;
	const char *pin_path;
	const char *outputs[KF_MAX_OUTPUTS];
	int n_outputs;
	unsigned int output_mode; /* of jsonl and sqlite files kflow creates */
	unsigned int retention_h; /* sqlite/clickhouse: rows kept this long, 0 forever */
	const char *clickhouse_user; /* NULL: "default" */
	const char *clickhouse_password_file; /* NULL: $KFLOW_CLICKHOUSE_PASSWORD */
	size_t clickhouse_backlog; /* bytes of batches waiting for the server */
	unsigned int timeouts[KF_TO_MAX];
	__u16 server_ports[KF_MAX_SERVER_PORTS];
	int n_server_ports;
	const char *metrics; /* --metrics ADDR:PORT, NULL: no HTTP endpoint */
	const char *stream_path; /* --stream: the subscribers' unix socket, or NULL */
	const char *stream_group; /* group that may connect, or NULL (root only) */
	unsigned int stream_history; /* events kept for "last" */
	unsigned int stream_buffer; /* bytes queued per subscriber */
	unsigned int ring_size; /* bytes of kf_events with --stream */
};

extern const char *const kf_timeout_names[KF_TO_MAX];

/* Returns 0, or -EINVAL after printing one line naming the bad argument.
 * Returns 1 when --help was printed. */
int kf_opts_parse(struct kf_opts *o, int argc, char **argv);
void kf_usage(void);

#endif /* KF_OPTS_H */
