// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * client.c - `kflow stream`: sends one subscribe line built from the
 * options, prints every event line on stdout, and when the agent goes away
 * reconnects with backoff (0.1 s doubling to 5 s), printing a `lost` line
 * for the gap (its count is unknown: null). The hello line goes to stderr
 * with -v; an error line ends the run.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <jansson.h>
#include "client.h"
#include "event.h"
#include "log.h"

struct copts {
	const char *socket;
	json_t *sub; /* the subscribe object */
	bool follow;
	int verbose;
};

static __u64 wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

/* KEY=VALUE[,KEY=VALUE]: one filter object; numbers stay numbers. */
static json_t *filter_obj(const char *opt, const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	json_t *o = json_object();

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '='), *end;
		long v;

		if (!eq || eq == tok) {
			pr_warn("error: %s '%s': expected KEY=VALUE[,KEY=VALUE]\n", opt, arg);
			json_decref(o);
			o = NULL;
			break;
		}
		*eq = '\0';
		errno = 0;
		v = strtol(eq + 1, &end, 10);
		if ((!strcmp(tok, "port") || !strcmp(tok, "protocol")) && eq[1] && !*end && !errno)
			json_object_set_new(o, tok, json_integer(v));
		else
			json_object_set_new(o, tok, json_string(eq + 1));
	}
	free(copy);
	return o;
}

static int parse(struct copts *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "events", required_argument, NULL, 'e' },
		{ "filter", required_argument, NULL, 'f' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "last", required_argument, NULL, 'l' },
		{ "no-follow", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	json_t *inc = json_array(), *exc = json_array(), *o;
	int ch;

	c->socket = KF_STREAM_DEFAULT_SOCKET;
	c->follow = true;
	c->sub = json_object();
	opterr = 0;
	optind = 2;
	while ((ch = getopt_long(argc, argv, ":vh", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (!*optarg) {
				pr_warn("error: --socket '': expected the agent's socket path\n");
				return -EINVAL;
			}
			c->socket = optarg;
			break;
		case 'e': {
			json_t *ev = json_array();
			char *copy = strdup(optarg), *tok, *save = NULL;

			for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (kf_sev_type(tok) < 0) {
					pr_warn("error: --events '%s': unknown event (flow_start, "
						"tcp_state, tcp_event, record, flow_end)\n",
						tok);
					free(copy);
					return -EINVAL;
				}
				json_array_append_new(ev, json_string(tok));
			}
			free(copy);
			/* An empty list would subscribe to nothing, silently. */
			if (!json_array_size(ev)) {
				pr_warn("error: --events '%s': no event in it\n", optarg);
				json_decref(ev);
				return -EINVAL;
			}
			json_object_set_new(c->sub, "events", ev);
			break;
		}
		case 'f':
		case 'x':
			o = filter_obj(ch == 'f' ? "--filter" : "--exclude", optarg);
			if (!o)
				return -EINVAL;
			json_array_append_new(ch == 'f' ? inc : exc, o);
			break;
		case 'l': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (!*optarg || *end || v < 0 || v > (1 << 24)) {
				pr_warn("error: --last '%s': expected a number 0..%d\n", optarg,
					1 << 24);
				return -EINVAL;
			}
			json_object_set_new(c->sub, "last", json_integer(v));
			break;
		}
		case 'n':
			c->follow = false;
			json_object_set_new(c->sub, "follow", json_false());
			break;
		case 'v':
			c->verbose++;
			break;
		case 'h':
			fprintf(stderr, "usage: kflow stream [--socket PATH] [--events LIST] "
					"[--filter K=V[,K=V]]... [--exclude K=V[,K=V]]... "
					"[--last N] [--no-follow]\n");
			return 1;
		case ':':
			pr_warn("error: option '%s' needs a value\n", argv[optind - 1]);
			return -EINVAL;
		default:
			pr_warn("error: unknown option '%s' for kflow stream\n", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		pr_warn("error: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (json_array_size(inc))
		json_object_set(c->sub, "include", inc);
	if (json_array_size(exc))
		json_object_set(c->sub, "exclude", exc);
	json_decref(inc);
	json_decref(exc);
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* One connection: 1 when the agent went away (reconnect), 0 when done
 * (no-follow), a negative errno on an error line or a failed write. */
static int session(const struct copts *c, int fd)
{
	char *sub = json_dumps(c->sub, JSON_COMPACT), buf[65536], *line = NULL;
	size_t cap = 0, len = 0;
	int ret = 1;

	if (!sub || dprintf(fd, "%s\n", sub) < 0) {
		free(sub);
		return 1;
	}
	free(sub);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		char *p, *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len + n > cap) {
			cap = (len + n) * 2;
			line = realloc(line, cap);
			if (!line)
				return -ENOMEM;
		}
		memcpy(line + len, buf, n);
		len += n;
		for (p = line; (nl = memchr(p, '\n', line + len - p)); p = nl + 1) {
			size_t l = nl - p + 1;

			if (l > 16 && !strncmp(p, "{\"event\":\"hello\"", 16)) {
				if (c->verbose)
					fwrite(p, 1, l, stderr);
				continue;
			}
			if (l > 16 && !strncmp(p, "{\"event\":\"error\"", 16)) {
				fwrite(p, 1, l, stderr);
				ret = -EINVAL;
				goto out;
			}
			if (fwrite(p, 1, l, stdout) != l || fflush(stdout)) {
				ret = -EPIPE;
				goto out;
			}
		}
		memmove(line, p, line + len - p);
		len = line + len - p;
	}
	if (!c->follow)
		ret = 0;
out:
	free(line);
	return ret;
}

int kf_stream_client(int argc, char **argv)
{
	struct copts c = {};
	unsigned int backoff_ms = 100;
	__u64 gap_from = 0;
	bool connected_once = false;
	int err, fd;

	signal(SIGPIPE, SIG_IGN);
	err = parse(&c, argc, argv);
	if (err)
		return err > 0 ? 0 : 2;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	for (;;) {
		fd = connect_to(c.socket);
		if (fd < 0 && !connected_once) {
			pr_warn("error: kflow stream: cannot connect to %s: %s\n", c.socket,
				strerror(-fd));
			err = fd;
			break;
		}
		if (fd >= 0) {
			if (gap_from) {
				printf("{\"event\":\"lost\",\"source\":\"client\",\"count\":null,"
				       "\"from_time\":%llu,\"to_time\":%llu}\n",
				       (unsigned long long)gap_from, (unsigned long long)wall_us());
				fflush(stdout);
				gap_from = 0;
			}
			connected_once = true;
			backoff_ms = 100;
			err = session(&c, fd);
			close(fd);
			if (err <= 0)
				break;
			pr_warn("kflow stream: the agent at %s went away; reconnecting\n", c.socket);
			gap_from = wall_us();
		}
		usleep(backoff_ms * 1000);
		backoff_ms = backoff_ms * 2 > 5000 ? 5000 : backoff_ms * 2;
	}
	json_decref(c.sub);
	return err ? 1 : 0;
}
