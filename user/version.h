/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* version.h - what this build is: the release (VERSION file) and the
 * kernel/user ABI it pins maps in (KF_ABI_VERSION). */
#ifndef KF_VERSION_H
#define KF_VERSION_H

extern const char kf_version[];

/* `kflow --version`: one line, "kflow VERSION (ABI N)". */
void kf_print_version(void);

#endif /* KF_VERSION_H */
