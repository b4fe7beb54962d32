// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * server.c - the HTTP side of --metrics, on libmicrohttpd's own thread.
 * kflow makes the listening socket itself so that a bad address or a port
 * in use fails `kflow run` at once with the errno; the thread reads only
 * what the main loop published under m->lock (metrics.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include "log.h"
#include "metrics.h"

#define KF_PROM_TYPE "text/plain; version=0.0.4; charset=utf-8"

int kf_metrics_addr(const char *spec, struct sockaddr_storage *sa, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = spec;
	unsigned long port;
	size_t hlen;
	char *end;

	memset(sa, 0, sizeof(*sa));
	if (spec[0] == '[') {
		const char *rb = strchr(spec, ']');

		if (!rb || rb[1] != ':')
			goto bad;
		h = spec + 1;
		hlen = rb - h;
		colon = rb + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			goto bad;
		hlen = colon - spec;
		if (memchr(spec, ':', hlen)) {
			pr_warn("error: --metrics '%s': an IPv6 address goes in brackets, as "
				"[::1]:9400\n", spec);
			return -EINVAL;
		}
	}
	if (!hlen || hlen >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || colon[1] == '-' || colon[1] == '+' || !port ||
	    port > 65535) {
		pr_warn("error: --metrics '%s': the port must be a number from 1 to 65535\n", spec);
		return -EINVAL;
	}
	if (spec[0] == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			goto bad_addr;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			goto bad_addr;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
	}
	return 0;
bad_addr:
	pr_warn("error: --metrics '%s': '%s' is not a numeric IPv4 address or a bracketed IPv6 "
		"address\n", spec, host);
	return -EINVAL;
bad:
	pr_warn("error: --metrics '%s': expected ADDR:PORT, as 0.0.0.0:9400 or [::1]:9400\n", spec);
	return -EINVAL;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *type,
			     const char *body, size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* /healthz: the main loop ended an interval (or started) within two
 * intervals; a loop stuck in a drain or a sink misses that. */
static unsigned int health(struct kf_metrics *m, char *why, size_t len)
{
	__u64 age = mono_ns() - m->last_loop_ns, limit = 2ULL * m->interval_s * 1000000000ULL;

	if (age <= limit) {
		snprintf(why, len, "ok\n");
		return MHD_HTTP_OK;
	}
	snprintf(why, len, "main loop last ran %.1f s ago, more than two intervals (%u s)\n",
		 age / 1e9, 2 * m->interval_s);
	return MHD_HTTP_SERVICE_UNAVAILABLE;
}

static unsigned int ready(struct kf_metrics *m, char *why, size_t len)
{
	if (!m->attached)
		snprintf(why, len, "programs not attached yet\n");
	else if (!m->drained)
		snprintf(why, len, "first drain not done yet\n");
	else
		snprintf(why, len, "ok\n");
	return m->attached && m->drained ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **req)
{
	struct kf_metrics *m = cls;
	enum MHD_Result ret;
	unsigned int status;
	char text[160];

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n", 9);
	pthread_mutex_lock(&m->lock);
	if (!strcmp(url, "/metrics")) {
		ret = reply(conn, MHD_HTTP_OK, KF_PROM_TYPE, m->page.buf ? m->page.buf : "",
			    m->page.len);
		pthread_mutex_unlock(&m->lock);
		return ret;
	}
	if (!strcmp(url, "/healthz"))
		status = health(m, text, sizeof(text));
	else if (!strcmp(url, "/readyz"))
		status = ready(m, text, sizeof(text));
	else
		status = MHD_HTTP_NOT_FOUND, snprintf(text, sizeof(text), "not found: %s\n", url);
	pthread_mutex_unlock(&m->lock);
	return reply(conn, status, "text/plain; charset=utf-8", text, strlen(text));
}

static int listen_on(const char *spec, const struct sockaddr_storage *sa, socklen_t len)
{
	int fd, one = 1, err;

	fd = socket(sa->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)sa, len) || listen(fd, 16))
		goto fail;
	return fd;
fail:
	err = -errno;
	pr_warn("error: --metrics %s: cannot listen: %s\n", spec, strerror(errno));
	if (fd >= 0)
		close(fd);
	return err;
}

struct kf_metrics *kf_metrics_start(const char *spec, unsigned int interval_s)
{
	struct sockaddr_storage sa;
	struct kf_metrics *m;
	sigset_t all, old;
	socklen_t len;

	if (kf_metrics_addr(spec, &sa, &len))
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m) {
		pr_warn("error: --metrics: out of memory\n");
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	m->interval_s = interval_s;
	m->last_loop_ns = mono_ns();
	m->mac_sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	m->listen_fd = listen_on(spec, &sa, len);
	if (m->listen_fd < 0)
		goto fail;
	/* SIGINT/SIGTERM belong to the main loop's signalfd: the server's
	 * thread must not take them, so it starts with every signal blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	m->httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL,
				    NULL, answer, m, MHD_OPTION_LISTEN_SOCKET, m->listen_fd,
				    MHD_OPTION_CONNECTION_LIMIT, 32U,
				    MHD_OPTION_CONNECTION_TIMEOUT, 10U, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!m->httpd) {
		pr_warn("error: --metrics %s: libmicrohttpd did not start\n", spec);
		goto fail;
	}
	m->listen_fd = -1; /* the daemon's now: MHD_stop_daemon closes it */
	pr_info("metrics: serving /metrics, /healthz, /readyz on %s\n", spec);
	return m;
fail:
	kf_metrics_stop(m);
	return NULL;
}

void kf_metrics_stop(struct kf_metrics *m)
{
	if (!m)
		return;
	if (m->httpd)
		MHD_stop_daemon(m->httpd);
	if (m->listen_fd >= 0)
		close(m->listen_fd);
	if (m->mac_sock >= 0)
		close(m->mac_sock);
	kf_mt_free(&m->page);
	kf_mt_free(&m->next);
	pthread_mutex_destroy(&m->lock);
	free(m);
}
