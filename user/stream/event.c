// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* event.c - the stream's event names and event copies. */
#include <stdlib.h>
#include <string.h>
#include "event.h"

const char *const kf_sev_names[KF_SEV_MAX] = {
	[KF_SEV_FLOW_START] = "flow_start", [KF_SEV_TCP_STATE] = "tcp_state",
	[KF_SEV_TCP_EVENT] = "tcp_event",   [KF_SEV_RECORD] = "record",
	[KF_SEV_FLOW_END] = "flow_end",
};

int kf_sev_type(const char *name)
{
	for (int i = 0; i < KF_SEV_MAX; i++)
		if (!strcmp(name, kf_sev_names[i]))
			return i;
	return -1;
}

struct kf_sev *kf_sev_new(const struct kf_sev_attrs *a, const char *line, size_t len)
{
	struct kf_sev *e = malloc(sizeof(*e) + len);

	if (!e)
		return NULL;
	e->a = *a;
	e->seq = 0;
	e->len = len;
	memcpy(e->line, line, len);
	return e;
}
