/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ipfix_flow.h - the templates and data records of flows: biflow (both
 * directions in one record, RFC 5103 reverse elements) or uniflow (one
 * record per direction, IANA elements only, for collectors without RFC
 * 5103 such as pmacct). */
#ifndef KF_IPFIX_FLOW_H
#define KF_IPFIX_FLOW_H

#include <stdbool.h>
#include "flowtable.h"
#include "ipfix_msg.h"
#include "nfvalues.h"

#define KF_TID_BIFLOW_V4 256
#define KF_TID_BIFLOW_V6 257
/* New ids, not 256/257 again: a collector that keeps templates across an
 * agent restart must not decode one layout with the other. */
#define KF_TID_UNIFLOW_V4 268
#define KF_TID_UNIFLOW_V6 269

__u16 kf_ipfix_flow_tid(bool uniflow, bool v6);
size_t kf_ipfix_flow_len(bool uniflow, bool v6);
/* The IPv4 and IPv6 template records of the mode, in an open template set. */
void kf_ipfix_flow_templates(struct kf_ipfix_msg *m, bool uniflow);
/* A biflow record of f; the source is the client. */
void kf_ipfix_put_biflow(struct kf_ipfix_msg *m, const struct kf_flow *f,
			 const struct kf_nf_flowctx *c);
/* The uniflow record of the packets one end sent (server: the server's,
 * else the client's); the source is that end. */
void kf_ipfix_put_uniflow(struct kf_ipfix_msg *m, const struct kf_flow *f,
			  const struct kf_nf_flowctx *c, bool server);

#endif /* KF_IPFIX_FLOW_H */
