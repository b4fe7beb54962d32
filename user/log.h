/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* log.h - leveled logging to stderr, one event per line; stdout is data. */
#ifndef KF_LOG_H
#define KF_LOG_H

#include <stdbool.h>

enum kf_log_level {
	KF_LOG_WARN = 0,
	KF_LOG_INFO = 1,
	KF_LOG_DEBUG = 2,
	KF_LOG_LIBBPF_DEBUG = 3,
};

void kf_log_set_level(int level);
int kf_log_level(void);
void kf_log_setup_libbpf(void);
/* Holds libbpf's warnings (until release) while an object loads. */
void kf_log_libbpf_hold(void);
/* Stops holding; prints what was held if print. */
void kf_log_libbpf_release(bool print);
/* A map libbpf failed to create since the last hold, or NULL. */
const char *kf_log_libbpf_failed_map(void);
void kf_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_warn(...) kf_log(KF_LOG_WARN, __VA_ARGS__)
#define pr_info(...) kf_log(KF_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) kf_log(KF_LOG_DEBUG, __VA_ARGS__)

#endif /* KF_LOG_H */
