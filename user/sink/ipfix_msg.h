/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ipfix_msg.h - one IPFIX message being built, in one observation domain,
 * with that domain's sequence number (RFC 7011: the sequence is kept per
 * transport session and observation domain, so each domain has its own). */
#ifndef KF_IPFIX_MSG_H
#define KF_IPFIX_MSG_H

#include <stddef.h>
#include <linux/types.h>

#define KF_IPFIX_MTU 1400 /* one message per datagram, below the path MTU */

#define KF_PEN_REVERSE 29305 /* RFC 5103 */
#define KF_PEN_KFLOW 32473 /* RFC 5612 documentation PEN */
#define KF_PEN_NTOP 35632 /* nProbe's elements: Wireshark decodes them by name */

struct kf_ipfix_field {
	__u16 id;
	__u16 len;
	__u32 pen; /* 0: IANA */
};

#define KF_NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

struct kf_ipfix_msg {
	__u32 domain; /* observation domain id */
	__u32 seq; /* data records of this domain sent before the open message */
	unsigned char buf[KF_IPFIX_MTU];
	size_t len; /* bytes in buf, 0: no message open */
	size_t set_off; /* open set's header offset, 0: none */
	__u16 set_id;
	unsigned int records; /* data records in the open message */
	unsigned int flows; /* of them, flow records: what a loss counts */
};

void kf_msg_put8(struct kf_ipfix_msg *m, __u8 v);
void kf_msg_put16(struct kf_ipfix_msg *m, __u16 v);
void kf_msg_put32(struct kf_ipfix_msg *m, __u32 v);
void kf_msg_put64(struct kf_ipfix_msg *m, __u64 v);
void kf_msg_put_bytes(struct kf_ipfix_msg *m, const void *p, size_t n);
/* A fixed-length string: cut to len, or padded with zeros. */
void kf_msg_put_str(struct kf_ipfix_msg *m, const char *s, size_t len);

/* Data bytes of one record of these fields. */
size_t kf_fields_len(const struct kf_ipfix_field *f, size_t n);

/* Opens a message: the header, its length set by kf_msg_end(). */
void kf_msg_begin(struct kf_ipfix_msg *m, __u32 export_s);
/* Whether a record of rec bytes in a set of tid still fits. */
int kf_msg_fits(const struct kf_ipfix_msg *m, __u16 tid, size_t rec);
/* Makes tid the open set (closing the one before); a message must be open. */
void kf_msg_open_set(struct kf_ipfix_msg *m, __u16 tid);
/* Closes the open set, writes the message length; the bytes are
 * buf[0..len). The caller sends them, then calls kf_msg_sent(). */
void kf_msg_end(struct kf_ipfix_msg *m);
/* The message is gone: its records count into the sequence. */
void kf_msg_sent(struct kf_ipfix_msg *m);

/* A Template Record (inside a template set the caller opened). */
void kf_msg_put_template(struct kf_ipfix_msg *m, __u16 tid, const struct kf_ipfix_field *head,
			 size_t nhead, const struct kf_ipfix_field *f, size_t n);
/* An Options Template Set with one record (pmacct misreads a second one in
 * a set) and one scope field. */
void kf_msg_put_options_template(struct kf_ipfix_msg *m, __u16 tid, __u16 scope_id,
				 __u16 scope_len, const struct kf_ipfix_field *f, size_t n);

#endif /* KF_IPFIX_MSG_H */
