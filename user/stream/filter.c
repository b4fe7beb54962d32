// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* filter.c - subscribe lines (parsed with jansson) and event matching. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <jansson.h>
#include "filter.h"

void kf_filter_default(struct kf_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->events = KF_SEV_ALL;
	f->follow = true;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A string that must fit out (size n). */
static int str_val(json_t *v, const char *key, char *out, size_t n, char *err, size_t errlen)
{
	if (!json_is_string(v))
		return fail(err, errlen, "\"%s\" must be a string", key);
	if (json_string_length(v) >= n)
		return fail(err, errlen, "\"%s\" is longer than %zu characters", key, n - 1);
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int parse_ip(struct kf_fobj *o, json_t *v, char *err, size_t errlen)
{
	char text[INET6_ADDRSTRLEN];
	__u8 addr[16];

	if (str_val(v, "ip", text, sizeof(text), err, errlen))
		return -EINVAL;
	/* inet_ntop's form, the one events carry: "::1" matches "0::1". */
	if (inet_pton(AF_INET, text, addr) == 1)
		inet_ntop(AF_INET, addr, o->ip, sizeof(o->ip));
	else if (inet_pton(AF_INET6, text, addr) == 1)
		inet_ntop(AF_INET6, addr, o->ip, sizeof(o->ip));
	else
		return fail(err, errlen, "\"ip\": '%s' is not an IPv4 or IPv6 address", text);
	return 0;
}

static int parse_proto(struct kf_fobj *o, json_t *v, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		__u8 proto;
	} names[] = { { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "icmp", IPPROTO_ICMP } };

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0 || json_integer_value(v) > 255)
			return fail(err, errlen, "\"protocol\" must be 0..255");
		o->proto = json_integer_value(v);
		return 0;
	}
	for (size_t i = 0; json_is_string(v) && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcasecmp(json_string_value(v), names[i].name)) {
			o->proto = names[i].proto;
			o->icmp_any = o->proto == IPPROTO_ICMP;
			return 0;
		}
	}
	return fail(err, errlen, "\"protocol\" must be a number or tcp, udp, icmp");
}

static int parse_obj(struct kf_fobj *o, json_t *obj, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	int e = 0;

	if (!json_is_object(obj))
		return fail(err, errlen, "include/exclude entries must be objects");
	memset(o, 0, sizeof(*o));
	json_object_foreach(obj, key, v) {
		if (!strcmp(key, "event")) {
			o->event = json_is_string(v) ? kf_sev_type(json_string_value(v)) : -1;
			if (o->event < 0)
				return fail(err, errlen, "\"event\": unknown event name");
			o->keys |= KF_FK_EVENT;
		} else if (!strcmp(key, "ip")) {
			e = parse_ip(o, v, err, errlen);
			o->keys |= KF_FK_IP;
		} else if (!strcmp(key, "port")) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 65535)
				return fail(err, errlen, "\"port\" must be a number 0..65535");
			o->port = json_integer_value(v);
			o->keys |= KF_FK_PORT;
		} else if (!strcmp(key, "protocol")) {
			e = parse_proto(o, v, err, errlen);
			o->keys |= KF_FK_PROTO;
		} else if (!strcmp(key, "capture_nic_name")) {
			e = str_val(v, key, o->nic, sizeof(o->nic), err, errlen);
			o->keys |= KF_FK_NIC;
		} else if (!strcmp(key, "pod")) {
			e = str_val(v, key, o->pod, sizeof(o->pod), err, errlen);
			o->keys |= KF_FK_POD;
		} else if (!strcmp(key, "pod_ns")) {
			e = str_val(v, key, o->pod_ns, sizeof(o->pod_ns), err, errlen);
			o->keys |= KF_FK_POD_NS;
		} else {
			return fail(err, errlen,
				    "unknown filter key \"%s\" (event, ip, port, protocol, "
				    "capture_nic_name, pod, pod_ns)",
				    key);
		}
		if (e)
			return e;
	}
	return 0;
}

static int parse_objs(struct kf_fobj *objs, int *n, json_t *arr, const char *name, char *err,
		      size_t errlen)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return fail(err, errlen, "\"%s\" must be an array of objects", name);
	if (json_array_size(arr) > KF_FILTER_MAX_OBJS)
		return fail(err, errlen, "\"%s\": at most %d objects", name, KF_FILTER_MAX_OBJS);
	json_array_foreach(arr, i, v) {
		if (parse_obj(&objs[i], v, err, errlen))
			return -EINVAL;
	}
	*n = json_array_size(arr);
	return 0;
}

static int parse_events(struct kf_filter *f, json_t *arr, char *err, size_t errlen)
{
	size_t i;
	json_t *v;
	int t;

	if (!json_is_array(arr))
		return fail(err, errlen, "\"events\" must be an array of event names");
	f->events = 0;
	json_array_foreach(arr, i, v) {
		t = json_is_string(v) ? kf_sev_type(json_string_value(v)) : -1;
		if (t < 0)
			return fail(err, errlen,
				    "\"events\": unknown event (flow_start, tcp_state, tcp_event, "
				    "record, flow_end)");
		f->events |= 1U << t;
	}
	return 0;
}

int kf_filter_parse(struct kf_filter *f, const char *line, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;
	const char *key;
	json_t *root, *v;
	int e = 0;

	kf_filter_default(f);
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return fail(err, errlen, "not JSON: %s (column %d)", jerr.text, jerr.column);
	if (!json_is_object(root)) {
		e = fail(err, errlen, "the subscribe line must be one JSON object");
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (!strcmp(key, "events")) {
			e = parse_events(f, v, err, errlen);
		} else if (!strcmp(key, "include")) {
			e = parse_objs(f->inc, &f->n_inc, v, key, err, errlen);
		} else if (!strcmp(key, "exclude")) {
			e = parse_objs(f->exc, &f->n_exc, v, key, err, errlen);
		} else if (!strcmp(key, "last")) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > (1 << 24))
				e = fail(err, errlen, "\"last\" must be a number 0..%d", 1 << 24);
			else
				f->last = json_integer_value(v);
		} else if (!strcmp(key, "follow")) {
			if (!json_is_boolean(v))
				e = fail(err, errlen, "\"follow\" must be true or false");
			else
				f->follow = json_is_true(v);
		} else {
			e = fail(err, errlen,
				 "unknown key \"%s\" (events, include, exclude, last, follow)", key);
		}
		if (e)
			break;
	}
out:
	json_decref(root);
	return e;
}

static bool obj_match(const struct kf_fobj *o, const struct kf_sev_attrs *a)
{
	if ((o->keys & KF_FK_EVENT) && a->type != o->event)
		return false;
	if ((o->keys & KF_FK_IP) && strcmp(a->ip[0], o->ip) && strcmp(a->ip[1], o->ip))
		return false;
	if ((o->keys & KF_FK_PORT) && a->port[0] != o->port && a->port[1] != o->port)
		return false;
	if ((o->keys & KF_FK_PROTO) && a->proto != o->proto &&
	    !(o->icmp_any && a->proto == IPPROTO_ICMPV6))
		return false;
	if ((o->keys & KF_FK_NIC) && strcmp(a->nic, o->nic))
		return false;
	if ((o->keys & KF_FK_POD) && strcmp(a->pod[0], o->pod) && strcmp(a->pod[1], o->pod))
		return false;
	if ((o->keys & KF_FK_POD_NS) && strcmp(a->pod_ns[0], o->pod_ns) &&
	    strcmp(a->pod_ns[1], o->pod_ns))
		return false;
	return true;
}

bool kf_filter_match(const struct kf_filter *f, const struct kf_sev_attrs *a)
{
	bool in = !f->n_inc;

	if (!(f->events & (1U << a->type)))
		return false;
	for (int i = 0; !in && i < f->n_inc; i++)
		in = obj_match(&f->inc[i], a);
	for (int i = 0; in && i < f->n_exc; i++)
		in = !obj_match(&f->exc[i], a);
	return in;
}
