/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* jsonlfile.h - one jsonl output (a file or stdout) that holds whole lines
 * only: a record is written whole or not at all. */
#ifndef KF_JSONLFILE_H
#define KF_JSONLFILE_H

#include <stdbool.h>
#include <stddef.h>

struct kf_jsonl {
	const char *spec; /* as given, "jsonl:PATH": names it in the log */
	int fd;
	bool seekable; /* a regular file: a short write is cut back to whole lines */
	char *buf; /* whole records not yet written */
	size_t len, cap;
	unsigned long long added; /* records queued since open */
	unsigned long long failed; /* records lost since the last report */
	unsigned long long failed_total;
	int err; /* errno of the last failure */
};

/* Opens spec ("jsonl:-" is stdout; a file is opened for append and created
 * with mode, exactly). A partial last line that a killed writer left in an
 * existing file is cut off. 0 or a negative errno after a message. */
int kf_jsonl_open(struct kf_jsonl *j, const char *spec, unsigned int mode);
/* Queues one record (ending in '\n'); written when enough has queued. */
void kf_jsonl_add(struct kf_jsonl *j, const char *line, size_t len);
/* Writes what is queued; logs (with the output's name) what was lost. */
void kf_jsonl_flush(struct kf_jsonl *j);
void kf_jsonl_close(struct kf_jsonl *j);

#endif /* KF_JSONLFILE_H */
