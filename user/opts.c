// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* opts.c - command-line parsing; every bad value gets one line that names
 * the option and why, and a non-zero exit. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kflow.h"
#include "log.h"
#include "metrics.h"
#include "opts.h"
#include "version.h"

const char *const kf_timeout_names[KF_TO_MAX] = {
	[KF_TO_OPENING] = "opening",
	[KF_TO_ESTABLISHED] = "established",
	[KF_TO_CLOSING] = "closing",
	[KF_TO_ESTABLISHED_RST] = "established_rst",
	[KF_TO_EXCEPTION] = "exception",
	[KF_TO_CLOSED_FIN] = "closed_fin",
	[KF_TO_SINGLE_DIRECTION] = "single_direction",
	[KF_TO_UDP] = "udp",
	[KF_TO_OTHER] = "other",
	[KF_TO_OPENING_RST] = "opening_rst",
};

static const unsigned int default_timeouts[KF_TO_MAX] = {
	[KF_TO_OPENING] = 5,	     [KF_TO_ESTABLISHED] = 300, [KF_TO_CLOSING] = 5,
	[KF_TO_ESTABLISHED_RST] = 35, [KF_TO_EXCEPTION] = 5,	[KF_TO_CLOSED_FIN] = 2,
	[KF_TO_SINGLE_DIRECTION] = 5, [KF_TO_UDP] = 5,		[KF_TO_OTHER] = 35,
	[KF_TO_OPENING_RST] = 1,
};

void kf_usage(void)
{
	fprintf(stderr,
		"usage: kflow run [options]     count flows, write records each interval\n"
		"       kflow --version        the version and the ABI of its pinned maps\n"
		"       kflow dump [--pin-path P]  print live flows as JSON lines (no drain)\n"
		"       kflow cleanup [--pin-path P] remove what a --persist agent left\n"
		"       kflow replay CAPTURE [--interval S] [--output SPEC] [--timeout NAME=S]\n"
		"                             records of a capture, as live mode would write them\n"
		"       kflow stream [--socket PATH] [--events LIST] [--filter K=V[,K=V]]...\n"
		"                    [--exclude K=V[,K=V]]... [--last N] [--no-follow]\n"
		"                             a running agent's flow events as JSON lines\n"
		"                             (default socket /run/kflow/kflow.sock)\n"
		"run options:\n"
		"  --iface LIST          comma-separated interfaces or globs (default: every\n"
		"                        up, non-loopback Ethernet interface of this network\n"
		"                        namespace);\n"
		"                        interfaces that appear later are attached too\n"
		"  --exclude-iface LIST  comma-separated interfaces or globs to leave alone\n"
		"  --cgroup-root DIR     identity: observe sockets below this cgroup v2\n"
		"                        directory (default: the cgroup v2 mount)\n"
		"  --pod-log-root DIR    identity: kubelet pod directories (default /var/log/pods)\n"
		"  --pod-cluster NAME    identity: the pod_cluster tag of local ends\n"
		"  --no-identity         no process/container/pod identity\n"
		"  --xdp                 count ingress with XDP where the driver runs it natively,\n"
		"                        with TC elsewhere (generic and veth XDP cost throughput);\n"
		"                        egress with TC\n"
		"  --xdp-force           count ingress with XDP on every interface (generic XDP\n"
		"                        where the driver has none)\n"
		"  --interval SECONDS    record interval, aligned to the wall clock (default 60)\n"
		"  --output SPEC         jsonl:PATH, jsonl:- (stdout, the default),\n"
		"                        ipfix:udp://HOST:PORT, ipfix:tcp://HOST:PORT,\n"
		"                        sqlite:PATH (a database file, created with its tables)\n"
		"                        or clickhouse:http://HOST:PORT/DATABASE; repeatable\n"
		"  --retention HOURS     sqlite, clickhouse: delete rows older than this\n"
		"                        (default: keep them)\n"
		"  --clickhouse-user NAME  ClickHouse user (default: default); the password\n"
		"                        comes from $KFLOW_CLICKHOUSE_PASSWORD or\n"
		"  --clickhouse-password-file FILE  (its first line), never the command line\n"
		"  --clickhouse-backlog BYTES  batches kept while ClickHouse is away (default\n"
		"                        64 MiB); when full, the oldest are dropped and counted\n"
		"  --output-mode MODE    file mode of jsonl and sqlite files kflow creates\n"
		"                        (default 0640: records name processes and pods)\n"
		"  --ipfix-domain N      IPFIX observation domain id of flows (default 1)\n"
		"  --ipfix-flows MODE    biflow (default): one IPFIX record per flow, with\n"
		"                        RFC 5103 reverse elements; uniflow: one per direction,\n"
		"                        IANA elements only (for collectors without RFC 5103)\n"
		"  --ipfix-usage on|off  IPFIX usage records (default on)\n"
		"  --ipfix-usage-domain N  their observation domain, apart from the flows'\n"
		"                        (default: the flow domain + 1)\n"
		"  --ipfix-template-refresh S  resend IPFIX templates every S seconds (UDP;\n"
		"                        default 30)\n"
		"  --ipfix-template-messages N  ... and every N messages (UDP; default 100)\n"
		"  --max-flows N         flows per interval map (default %d); at full use the\n"
		"                        maps take 2.4-3.6 KB of kernel memory per flow (174 MB\n"
		"                        at the default), charged to the agent's memory cgroup\n"
		"  --pin-path PATH       where maps are pinned (default %s)\n"
		"  --persist             on exit leave programs attached and maps pinned\n"
		"  --precise-time        ns packet timestamps (default: the kernel's coarse\n"
		"                        clock, one tick of resolution, ~20 ns cheaper)\n"
		"  --timeout NAME=SEC    flow timeout; NAME is one of opening, established,\n"
		"                        closing, established_rst, exception, closed_fin,\n"
		"                        single_direction, udp, other, opening_rst; repeatable\n"
		"  --server-ports LIST   ports that are always the server side\n"
		"  --metrics ADDR:PORT   serve /metrics (Prometheus), /healthz and /readyz over\n"
		"                        HTTP, as 0.0.0.0:9400 or [::1]:9400\n"
		"  --stream PATH         flow events for sidecars on this unix socket\n"
		"                        (newline-delimited JSON; see 'kflow stream')\n"
		"  --stream-group NAME   group that may connect to the socket (default: root)\n"
		"  --stream-history N    events kept for a subscriber's \"last\" (default %d)\n"
		"  --stream-buffer BYTES queued per subscriber before it loses events\n"
		"                        (default %u)\n"
		"  --ring-size BYTES     kernel event ring buffer, a power of two (default %u)\n"
		"  -v, --verbose         more logging (repeat for libbpf debug)\n",
		KF_DEFAULT_MAX_FLOWS, KF_DEFAULT_PIN_PATH, KF_STREAM_HISTORY, KF_STREAM_BUFFER,
		KF_DEFAULT_RING_SIZE);
}

static bool is_uint(const char *s, unsigned long min, unsigned long max, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max,
		      unsigned int *out)
{
	if (is_uint(s, min, max, out))
		return 0;
	pr_warn("error: %s '%s': expected a whole number from %lu to %lu\n", opt, s, min, max);
	return -EINVAL;
}

static int parse_timeout(struct kf_opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	unsigned int v;
	int i;

	if (!eq) {
		pr_warn("error: --timeout '%s': expected NAME=SECONDS\n", arg);
		return -EINVAL;
	}
	for (i = 0; i < KF_TO_MAX; i++) {
		if (strlen(kf_timeout_names[i]) == (size_t)(eq - arg) &&
		    !strncmp(arg, kf_timeout_names[i], eq - arg))
			break;
	}
	if (i == KF_TO_MAX) {
		pr_warn("error: --timeout '%s': unknown timeout name\n", arg);
		return -EINVAL;
	}
	/* The whole argument: the value alone does not say which timeout. */
	if (!is_uint(eq + 1, 1, 86400, &v)) {
		pr_warn("error: --timeout '%s': expected %.*s=SECONDS, a whole number from 1 to "
			"86400\n",
			arg, (int)(eq - arg), arg);
		return -EINVAL;
	}
	o->timeouts[i] = v;
	return 0;
}

static int parse_ports(struct kf_opts *o, const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	unsigned int port;
	int err = 0, given = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (o->n_server_ports == KF_MAX_SERVER_PORTS) {
			pr_warn("error: --server-ports: more than %d ports\n", KF_MAX_SERVER_PORTS);
			err = -EINVAL;
			break;
		}
		err = parse_uint("--server-ports", tok, 1, 65535, &port);
		if (err)
			break;
		o->server_ports[o->n_server_ports++] = port;
		given++;
	}
	if (!err && !given) {
		pr_warn("error: --server-ports '%s': no port in it\n", arg);
		err = -EINVAL;
	}
	free(copy);
	return err;
}

/* HOST:PORT with a port from 1 to 65535: a larger one would wrap. */
static int check_ipfix_port(const char *spec)
{
	const char *colon = strrchr(spec + 12, ':');
	unsigned int port;

	if (!colon || colon == spec + 12 || colon[-1] == '[' ||
	    (spec[12] == '[' && colon[-1] != ']')) {
		pr_warn("error: --output '%s': expected HOST:PORT after the scheme\n", spec);
		return -EINVAL;
	}
	return parse_uint("--output port", colon + 1, 1, 65535, &port);
}

/* clickhouse:http://HOST:PORT/DATABASE (the sink checks the rest). */
static int check_clickhouse(const char *spec)
{
	const char *p = spec + 11, *slash;

	p += !strncmp(p, "https://", 8) ? 8 : 7;
	slash = strchr(p, '/');
	if (!slash || slash == p || !slash[1]) {
		pr_warn("error: --output '%s': expected clickhouse:http://HOST:PORT/DATABASE\n", spec);
		return -EINVAL;
	}
	return 0;
}

static int check_output(const char *spec)
{
	if (!strncmp(spec, "jsonl:", 6) && spec[6])
		return 0;
	if (!strncmp(spec, "sqlite:", 7) && spec[7])
		return 0;
	if (!strncmp(spec, "clickhouse:http://", 18) || !strncmp(spec, "clickhouse:https://", 19))
		return check_clickhouse(spec);
	if ((!strncmp(spec, "ipfix:udp://", 12) || !strncmp(spec, "ipfix:tcp://", 12)) && spec[12])
		return check_ipfix_port(spec);
	pr_warn("error: --output '%s': expected jsonl:PATH, jsonl:-, ipfix:udp://HOST:PORT, "
		"ipfix:tcp://HOST:PORT, sqlite:PATH or clickhouse:http://HOST:PORT/DATABASE\n",
		spec);
	return -EINVAL;
}

/* An option of some outputs without one of them would be ignored. */
static bool has_output(const struct kf_opts *o, const char *opt, const char *scheme,
		       const char *scheme2)
{
	for (int i = 0; i < o->n_outputs; i++)
		if (!strncmp(o->outputs[i], scheme, strlen(scheme)) ||
		    (scheme2 && !strncmp(o->outputs[i], scheme2, strlen(scheme2))))
			return true;
	pr_warn("error: %s is an option of --output %s%s%s, which was not given\n", opt, scheme,
		scheme2 ? " or " : "", scheme2 ? scheme2 : "");
	return false;
}

/* --xdp and --xdp-force say two things: one of them. */
static int one_xdp_mode(const char **given, const char *opt)
{
	if (*given && strcmp(*given, opt)) {
		pr_warn("error: %s and %s: give one of them\n", *given, opt);
		return -EINVAL;
	}
	*given = opt;
	return 0;
}

/* The same output twice would get every record twice. */
static int check_output_once(const struct kf_opts *o, const char *spec)
{
	for (int i = 0; i < o->n_outputs; i++) {
		if (!strcmp(o->outputs[i], spec)) {
			pr_warn("error: --output '%s' given twice: it would get every record "
				"twice\n",
				spec);
			return -EINVAL;
		}
	}
	return 0;
}

/* An absolute path without ".", ".." or empty components, so that its
 * parent is what it looks like (the directory bpffs must be on). */
static int check_pin_path(const char *p)
{
	const char *c = p;

	if (p[0] != '/' || !p[1]) {
		pr_warn("error: --pin-path '%s': must be an absolute path below /\n", p);
		return -EINVAL;
	}
	while (*c == '/') {
		const char *next = strchrnul(c + 1, '/');
		size_t n = next - c - 1;

		if (!n || (n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.')) {
			pr_warn("error: --pin-path '%s': no empty, '.' or '..' components\n", p);
			return -EINVAL;
		}
		c = next;
	}
	if (strlen(p) >= PATH_MAX - 32) {
		pr_warn("error: --pin-path: longer than %d characters\n", PATH_MAX - 33);
		return -EINVAL;
	}
	return 0;
}

static int check_iface_list(const char *opt, const char *list)
{
	if (!list[0]) {
		pr_warn("error: %s: empty interface list\n", opt);
		return -EINVAL;
	}
	if (strlen(list) > KF_IFACE_LIST_MAX) {
		pr_warn("error: %s: the list is %zu characters long, at most %d are read\n", opt,
			strlen(list), KF_IFACE_LIST_MAX);
		return -EINVAL;
	}
	return 0;
}

/* One of two words: *out = 1 for the first (a), 0 for the second (b). */
static int parse_choice(const char *opt, const char *s, const char *a, const char *b, bool *out)
{
	if (strcmp(s, a) && strcmp(s, b)) {
		pr_warn("error: %s '%s': expected %s or %s\n", opt, s, a, b);
		return -EINVAL;
	}
	*out = !strcmp(s, a);
	return 0;
}

/* The usage domain defaults to the flow domain + 1 and must differ from it:
 * sharing one, a collector summing the domain counts usage bytes twice. */
static int check_usage_domain(struct kf_opts *o, bool given)
{
	if (!o->ipfix_usage)
		return 0;
	if (!given) {
		if (o->ipfix_domain == 0xffffffffU) {
			pr_warn("error: --ipfix-domain %u: the usage records' default domain (+1) "
				"would wrap; give --ipfix-usage-domain\n",
				o->ipfix_domain);
			return -EINVAL;
		}
		o->ipfix_usage_domain = o->ipfix_domain + 1;
	}
	if (o->ipfix_usage_domain == o->ipfix_domain) {
		pr_warn("error: --ipfix-usage-domain %u: the flow records' domain; usage records "
			"need one of their own (or --ipfix-usage off)\n",
			o->ipfix_usage_domain);
		return -EINVAL;
	}
	return 0;
}

static int parse_mode(const char *s, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || end == s || *end || v > 0777) {
		pr_warn("error: --output-mode '%s': expected an octal file mode such as 0640\n", s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* A unix socket path: absolute, and short enough for sun_path. */
static int check_stream_path(const char *p)
{
	if (p[0] != '/' || strlen(p) >= 108 || p[strlen(p) - 1] == '/') {
		pr_warn("error: --stream '%s': expected an absolute socket path shorter than 108 "
			"characters\n",
			p);
		return -EINVAL;
	}
	return 0;
}

/* The kernel wants a ring buffer of a power of two pages. */
static int parse_ring_size(const char *s, unsigned int *out)
{
	unsigned long page = sysconf(_SC_PAGESIZE);
	unsigned int v;

	if (parse_uint("--ring-size", s, page, 1UL << 30, &v))
		return -EINVAL;
	if (v & (v - 1)) {
		pr_warn("error: --ring-size %u: must be a power of two (4096, 8192, ... 1073741824)\n",
			v);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

enum {
	OPT_IFACE = 256,
	OPT_XDP,
	OPT_INTERVAL,
	OPT_OUTPUT,
	OPT_MAX_FLOWS,
	OPT_PIN_PATH,
	OPT_PERSIST,
	OPT_TIMEOUT,
	OPT_SERVER_PORTS,
	OPT_PRECISE_TIME,
	OPT_EXCLUDE_IFACE,
	OPT_CGROUP_ROOT,
	OPT_POD_LOG_ROOT,
	OPT_POD_CLUSTER,
	OPT_NO_IDENTITY,
	OPT_IPFIX_DOMAIN,
	OPT_IPFIX_REFRESH,
	OPT_IPFIX_MSGS,
	OPT_OUTPUT_MODE,
	OPT_XDP_FORCE,
	OPT_IPFIX_FLOWS,
	OPT_IPFIX_USAGE,
	OPT_IPFIX_USAGE_DOMAIN,
	OPT_METRICS,
	OPT_STREAM,
	OPT_STREAM_GROUP,
	OPT_STREAM_HISTORY,
	OPT_STREAM_BUFFER,
	OPT_RING_SIZE,
	OPT_RETENTION,
	OPT_CH_USER,
	OPT_CH_PASSWORD_FILE,
	OPT_CH_BACKLOG,
	OPT_CH_PASSWORD,
};

static const struct option long_opts[] = {
	{ "iface", required_argument, NULL, OPT_IFACE },
	{ "xdp", no_argument, NULL, OPT_XDP },
	{ "interval", required_argument, NULL, OPT_INTERVAL },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "pin-path", required_argument, NULL, OPT_PIN_PATH },
	{ "persist", no_argument, NULL, OPT_PERSIST },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "server-ports", required_argument, NULL, OPT_SERVER_PORTS },
	{ "precise-time", no_argument, NULL, OPT_PRECISE_TIME },
	{ "exclude-iface", required_argument, NULL, OPT_EXCLUDE_IFACE },
	{ "cgroup-root", required_argument, NULL, OPT_CGROUP_ROOT },
	{ "pod-log-root", required_argument, NULL, OPT_POD_LOG_ROOT },
	{ "pod-cluster", required_argument, NULL, OPT_POD_CLUSTER },
	{ "no-identity", no_argument, NULL, OPT_NO_IDENTITY },
	{ "ipfix-domain", required_argument, NULL, OPT_IPFIX_DOMAIN },
	{ "ipfix-template-refresh", required_argument, NULL, OPT_IPFIX_REFRESH },
	{ "ipfix-template-messages", required_argument, NULL, OPT_IPFIX_MSGS },
	{ "output-mode", required_argument, NULL, OPT_OUTPUT_MODE },
	{ "xdp-force", no_argument, NULL, OPT_XDP_FORCE },
	{ "ipfix-flows", required_argument, NULL, OPT_IPFIX_FLOWS },
	{ "ipfix-usage", required_argument, NULL, OPT_IPFIX_USAGE },
	{ "ipfix-usage-domain", required_argument, NULL, OPT_IPFIX_USAGE_DOMAIN },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "stream", required_argument, NULL, OPT_STREAM },
	{ "stream-group", required_argument, NULL, OPT_STREAM_GROUP },
	{ "stream-history", required_argument, NULL, OPT_STREAM_HISTORY },
	{ "stream-buffer", required_argument, NULL, OPT_STREAM_BUFFER },
	{ "ring-size", required_argument, NULL, OPT_RING_SIZE },
	{ "retention", required_argument, NULL, OPT_RETENTION },
	{ "clickhouse-user", required_argument, NULL, OPT_CH_USER },
	{ "clickhouse-password-file", required_argument, NULL, OPT_CH_PASSWORD_FILE },
	{ "clickhouse-backlog", required_argument, NULL, OPT_CH_BACKLOG },
	{ "clickhouse-password", required_argument, NULL, OPT_CH_PASSWORD },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Every command: the one list the parser and its error messages use. */
static const struct {
	const char *name;
	enum kf_cmd cmd;
} commands[] = {
	{ "run", KF_CMD_RUN },
	{ "dump", KF_CMD_DUMP },
	{ "cleanup", KF_CMD_CLEANUP },
	{ "replay", KF_CMD_REPLAY },
	{ "stream", KF_CMD_STREAM },
};

/* "run, dump, cleanup, replay, help" */
static const char *command_list(void)
{
	static char buf[128];
	size_t len = 0;

	for (size_t i = 0; i < ARRAY_SIZE(commands) && len < sizeof(buf); i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s, ", commands[i].name);
	if (len < sizeof(buf))
		snprintf(buf + len, sizeof(buf) - len, "help");
	return buf;
}

/* Which options a command takes. */
static bool takes(enum kf_cmd cmd, int c)
{
	if (c == 'v' || c == 'h' || cmd == KF_CMD_RUN)
		return true;
	if (cmd == KF_CMD_REPLAY)
		return c == OPT_INTERVAL || c == OPT_OUTPUT || c == OPT_TIMEOUT ||
		       c == OPT_MAX_FLOWS || c == OPT_SERVER_PORTS || c == OPT_IPFIX_DOMAIN ||
		       c == OPT_IPFIX_REFRESH || c == OPT_IPFIX_MSGS || c == OPT_OUTPUT_MODE ||
		       c == OPT_IPFIX_FLOWS || c == OPT_IPFIX_USAGE || c == OPT_IPFIX_USAGE_DOMAIN ||
		       c == OPT_RETENTION || c == OPT_CH_USER || c == OPT_CH_PASSWORD_FILE ||
		       c == OPT_CH_BACKLOG || c == OPT_CH_PASSWORD;
	return c == OPT_PIN_PATH;
}

int kf_opts_parse(struct kf_opts *o, int argc, char **argv)
{
	int c, idx, err, verbose = KF_LOG_INFO;
	unsigned int backlog;
	bool max_flows_given = false, usage_domain_given = false;
	const char *stream_opt = NULL, *ipfix_opt = NULL, *ch_opt = NULL, *db_opt = NULL;
	const char *xdp_opt = NULL;

	memset(o, 0, sizeof(*o));
	o->interval_s = 60;
	o->max_flows = KF_DEFAULT_MAX_FLOWS;
	o->pin_path = KF_DEFAULT_PIN_PATH;
	o->pod_log_root = "/var/log/pods";
	o->ipfix_domain = 1;
	o->ipfix_usage = true;
	o->ipfix_refresh_s = 30;
	o->ipfix_refresh_msgs = 100;
	o->output_mode = 0640;
	o->stream_history = KF_STREAM_HISTORY;
	o->stream_buffer = KF_STREAM_BUFFER;
	o->ring_size = KF_DEFAULT_RING_SIZE;
	o->clickhouse_backlog = KF_CH_BACKLOG_DEFAULT;
	memcpy(o->timeouts, default_timeouts, sizeof(o->timeouts));

	if (argc < 2) {
		kf_usage();
		pr_warn("error: missing command: one of %s\n", command_list());
		return -EINVAL;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		kf_print_version();
		return 1;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		kf_usage();
		return 1;
	}
	for (c = 0; c < (int)ARRAY_SIZE(commands); c++)
		if (!strcmp(argv[1], commands[c].name))
			break;
	if (c == (int)ARRAY_SIZE(commands)) {
		pr_warn("error: unknown command '%s': the commands are %s\n", argv[1],
			command_list());
		return -EINVAL;
	}
	o->cmd = commands[c].cmd;

	opterr = 0;
	optind = 2;
	while ((c = getopt_long(argc, argv, ":vh", long_opts, &idx)) != -1) {
		/* Only long options can be refused; argv[optind - 1] may be the value. */
		if (c != '?' && c != ':' && !takes(o->cmd, c)) {
			pr_warn("error: option '--%s' is not one 'kflow %s' takes\n",
				long_opts[idx].name, argv[1]);
			return -EINVAL;
		}
		err = 0;
		switch (c) {
		case OPT_IFACE:
			err = check_iface_list("--iface", optarg);
			o->ifaces = optarg;
			break;
		case OPT_XDP:
			err = one_xdp_mode(&xdp_opt, "--xdp");
			o->xdp = KF_XDP_NATIVE;
			break;
		case OPT_INTERVAL:
			err = parse_uint("--interval", optarg, 1, 3600, &o->interval_s);
			break;
		case OPT_OUTPUT:
			if (o->n_outputs == KF_MAX_OUTPUTS) {
				pr_warn("error: --output: at most %d outputs\n", KF_MAX_OUTPUTS);
				return -EINVAL;
			}
			err = check_output(optarg);
			if (!err)
				err = check_output_once(o, optarg);
			o->outputs[o->n_outputs++] = optarg;
			break;
		case OPT_MAX_FLOWS:
			err = parse_uint("--max-flows", optarg, 1, 1 << 24, &o->max_flows);
			max_flows_given = true;
			break;
		case OPT_PIN_PATH:
			err = check_pin_path(optarg);
			o->pin_path = optarg;
			break;
		case OPT_PERSIST:
			o->persist = true;
			break;
		case OPT_XDP_FORCE:
			err = one_xdp_mode(&xdp_opt, "--xdp-force");
			o->xdp = KF_XDP_FORCE;
			break;
		case OPT_PRECISE_TIME:
			o->precise_time = true;
			break;
		case OPT_EXCLUDE_IFACE:
			err = check_iface_list("--exclude-iface", optarg);
			o->exclude_ifaces = optarg;
			break;
		case OPT_CGROUP_ROOT:
			o->cgroup_root = optarg;
			break;
		case OPT_POD_LOG_ROOT:
			o->pod_log_root = optarg;
			break;
		case OPT_POD_CLUSTER:
			o->pod_cluster = optarg;
			break;
		case OPT_NO_IDENTITY:
			o->no_identity = true;
			break;
		case OPT_IPFIX_DOMAIN:
			ipfix_opt = "--ipfix-domain";
			err = parse_uint("--ipfix-domain", optarg, 0, 0xffffffffUL, &o->ipfix_domain);
			break;
		case OPT_IPFIX_REFRESH:
			ipfix_opt = "--ipfix-template-refresh";
			err = parse_uint("--ipfix-template-refresh", optarg, 1, 86400,
					 &o->ipfix_refresh_s);
			break;
		case OPT_IPFIX_MSGS:
			ipfix_opt = "--ipfix-template-messages";
			err = parse_uint("--ipfix-template-messages", optarg, 1, 1000000,
					 &o->ipfix_refresh_msgs);
			break;
		case OPT_IPFIX_FLOWS:
			ipfix_opt = "--ipfix-flows";
			err = parse_choice("--ipfix-flows", optarg, "uniflow", "biflow",
					   &o->ipfix_uniflow);
			break;
		case OPT_IPFIX_USAGE:
			ipfix_opt = "--ipfix-usage";
			err = parse_choice("--ipfix-usage", optarg, "on", "off", &o->ipfix_usage);
			break;
		case OPT_IPFIX_USAGE_DOMAIN:
			ipfix_opt = "--ipfix-usage-domain";
			err = parse_uint("--ipfix-usage-domain", optarg, 0, 0xffffffffUL,
					 &o->ipfix_usage_domain);
			usage_domain_given = true;
			break;
		case OPT_OUTPUT_MODE:
			err = parse_mode(optarg, &o->output_mode);
			break;
		case OPT_METRICS: {
			struct sockaddr_storage sa;
			socklen_t len;

			err = kf_metrics_addr(optarg, &sa, &len);
			o->metrics = optarg;
			break;
		}
		case OPT_RETENTION:
			db_opt = "--retention";
			err = parse_uint("--retention", optarg, 1, 24 * 3650, &o->retention_h);
			break;
		case OPT_CH_USER:
			ch_opt = "--clickhouse-user";
			o->clickhouse_user = optarg;
			break;
		case OPT_CH_PASSWORD_FILE:
			ch_opt = "--clickhouse-password-file";
			o->clickhouse_password_file = optarg;
			break;
		case OPT_CH_BACKLOG:
			ch_opt = "--clickhouse-backlog";
			err = parse_uint("--clickhouse-backlog", optarg, 65536, 0xffffffffUL, &backlog);
			o->clickhouse_backlog = backlog;
			break;
		case OPT_CH_PASSWORD:
			/* Every user of the host reads a command line (/proc/PID/cmdline). */
			pr_warn("error: --clickhouse-password: not taken, a command line is visible "
				"to every user; use $KFLOW_CLICKHOUSE_PASSWORD or "
				"--clickhouse-password-file\n");
			return -EINVAL;
		case OPT_TIMEOUT:
			err = parse_timeout(o, optarg);
			break;
		case OPT_SERVER_PORTS:
			err = parse_ports(o, optarg);
			break;
		case OPT_STREAM:
			err = check_stream_path(optarg);
			o->stream_path = optarg;
			break;
		case OPT_STREAM_GROUP:
			o->stream_group = optarg;
			stream_opt = "--stream-group";
			break;
		case OPT_STREAM_HISTORY:
			err = parse_uint("--stream-history", optarg, 0, 1 << 20, &o->stream_history);
			stream_opt = "--stream-history";
			break;
		case OPT_STREAM_BUFFER:
			err = parse_uint("--stream-buffer", optarg, 16384, 1U << 30,
					 &o->stream_buffer);
			stream_opt = "--stream-buffer";
			break;
		case OPT_RING_SIZE:
			err = parse_ring_size(optarg, &o->ring_size);
			stream_opt = "--ring-size";
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			kf_usage();
			return 1;
		case ':':
			pr_warn("error: option '%s' needs a value\n", argv[optind - 1]);
			return -EINVAL;
		default:
			pr_warn("error: unknown option '%s' (see kflow --help)\n", argv[optind - 1]);
			return -EINVAL;
		}
		if (err)
			return err;
	}
	if (o->cmd == KF_CMD_REPLAY && optind < argc)
		o->replay_file = argv[optind++];
	/* A capture rarely holds the flows of a node: smaller maps load faster. */
	if (o->cmd == KF_CMD_REPLAY && !max_flows_given)
		o->max_flows = KF_REPLAY_MAX_FLOWS;
	if (o->cmd == KF_CMD_REPLAY && !o->replay_file) {
		pr_warn("error: kflow replay needs a capture file (pcap or pcapng)\n");
		return -EINVAL;
	}
	if (optind < argc) {
		pr_warn("error: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (check_usage_domain(o, usage_domain_given))
		return -EINVAL;
	if (stream_opt && !o->stream_path) {
		pr_warn("error: %s is an option of --stream, which was not given\n", stream_opt);
		return -EINVAL;
	}
	if ((ipfix_opt && !has_output(o, ipfix_opt, "ipfix:", NULL)) ||
	    (ch_opt && !has_output(o, ch_opt, "clickhouse:", NULL)) ||
	    (db_opt && !has_output(o, db_opt, "sqlite:", "clickhouse:")))
		return -EINVAL;
	if (!o->n_outputs)
		o->outputs[o->n_outputs++] = "jsonl:-";
	kf_log_set_level(verbose);
	return 0;
}
