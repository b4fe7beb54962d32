// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ipfix_msg.c - the bytes of one IPFIX message (RFC 7011 section 3): header,
 * sets, template and data records in network byte order. Callers check
 * room with kf_msg_fits() before writing a record: a message never grows
 * past KF_IPFIX_MTU.
 */
#include <string.h>
#include "ipfix_msg.h"

#define ENTERPRISE_BIT 0x8000

void kf_msg_put8(struct kf_ipfix_msg *m, __u8 v)
{
	m->buf[m->len++] = v;
}

void kf_msg_put16(struct kf_ipfix_msg *m, __u16 v)
{
	kf_msg_put8(m, v >> 8);
	kf_msg_put8(m, v);
}

void kf_msg_put32(struct kf_ipfix_msg *m, __u32 v)
{
	kf_msg_put16(m, v >> 16);
	kf_msg_put16(m, v);
}

void kf_msg_put64(struct kf_ipfix_msg *m, __u64 v)
{
	kf_msg_put32(m, v >> 32);
	kf_msg_put32(m, v);
}

void kf_msg_put_bytes(struct kf_ipfix_msg *m, const void *p, size_t n)
{
	memcpy(m->buf + m->len, p, n);
	m->len += n;
}

void kf_msg_put_str(struct kf_ipfix_msg *m, const char *s, size_t len)
{
	size_t n = strnlen(s, len);

	memcpy(m->buf + m->len, s, n);
	memset(m->buf + m->len + n, 0, len - n);
	m->len += len;
}

static void set16(struct kf_ipfix_msg *m, size_t off, __u16 v)
{
	m->buf[off] = v >> 8;
	m->buf[off + 1] = v;
}

size_t kf_fields_len(const struct kf_ipfix_field *f, size_t n)
{
	size_t data = 0;

	for (size_t i = 0; i < n; i++)
		data += f[i].len;
	return data;
}

void kf_msg_begin(struct kf_ipfix_msg *m, __u32 export_s)
{
	m->len = 0;
	m->set_off = 0;
	m->records = 0;
	m->flows = 0;
	kf_msg_put16(m, 10); /* version */
	kf_msg_put16(m, 0); /* length, set by kf_msg_end() */
	kf_msg_put32(m, export_s);
	kf_msg_put32(m, m->seq);
	kf_msg_put32(m, m->domain);
}

int kf_msg_fits(const struct kf_ipfix_msg *m, __u16 tid, size_t rec)
{
	size_t set_hdr = m->set_off && m->set_id == tid ? 0 : 4;

	return m->len + set_hdr + rec <= KF_IPFIX_MTU;
}

static void close_set(struct kf_ipfix_msg *m)
{
	if (m->set_off)
		set16(m, m->set_off + 2, m->len - m->set_off);
	m->set_off = 0;
}

void kf_msg_open_set(struct kf_ipfix_msg *m, __u16 tid)
{
	if (m->set_off && m->set_id == tid)
		return;
	close_set(m);
	m->set_off = m->len;
	m->set_id = tid;
	kf_msg_put16(m, tid);
	kf_msg_put16(m, 0);
}

void kf_msg_end(struct kf_ipfix_msg *m)
{
	close_set(m);
	set16(m, 2, m->len);
}

void kf_msg_sent(struct kf_ipfix_msg *m)
{
	m->seq += m->records;
	m->records = 0;
	m->flows = 0;
	m->len = 0;
	m->set_off = 0;
}

static void put_field(struct kf_ipfix_msg *m, const struct kf_ipfix_field *f)
{
	kf_msg_put16(m, f->id | (f->pen ? ENTERPRISE_BIT : 0));
	kf_msg_put16(m, f->len);
	if (f->pen)
		kf_msg_put32(m, f->pen);
}

void kf_msg_put_template(struct kf_ipfix_msg *m, __u16 tid, const struct kf_ipfix_field *head,
			 size_t nhead, const struct kf_ipfix_field *f, size_t n)
{
	kf_msg_put16(m, tid);
	kf_msg_put16(m, nhead + n);
	for (size_t i = 0; i < nhead; i++)
		put_field(m, &head[i]);
	for (size_t i = 0; i < n; i++)
		put_field(m, &f[i]);
}

void kf_msg_put_options_template(struct kf_ipfix_msg *m, __u16 tid, __u16 scope_id,
				 __u16 scope_len, const struct kf_ipfix_field *f, size_t n)
{
	close_set(m);
	kf_msg_open_set(m, 3);
	kf_msg_put16(m, tid);
	kf_msg_put16(m, 1 + n);
	kf_msg_put16(m, 1); /* scope field count */
	kf_msg_put16(m, scope_id);
	kf_msg_put16(m, scope_len);
	for (size_t i = 0; i < n; i++)
		put_field(m, &f[i]);
	close_set(m);
}
