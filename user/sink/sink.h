/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * sink.h - where records go. Every output (jsonl, IPFIX, the stream, the
 * databases) is a sink: opened once, handed each interval's records as one
 * kf_rec that no sink changes, told when the interval ends, closed at exit,
 * and asked for its counters (log, metrics).
 */
#ifndef KF_SINK_H
#define KF_SINK_H

#include <stdbool.h>
#include <linux/types.h>
#include "opts.h"
#include "record.h"

#define KF_MAX_SINKS (KF_MAX_OUTPUTS + 2) /* every --output, the stream, spare */

/* A sink's running totals since it opened. */
struct kf_sink_stats {
	unsigned long long records; /* records accepted */
	unsigned long long failed; /* records lost: write errors, full backlogs */
};

/* What a sink may need when it opens. */
struct kf_sink_env {
	const struct kf_opts *o;
	__u64 init_ms; /* when the agent started (wall clock); IPFIX's systemInitTime */
};

struct kf_sink;

struct kf_sink_ops {
	const char *scheme; /* the --output prefix before ':' ("jsonl", "ipfix") */
	bool wants_json; /* reads kf_rec.json: the record's JSON line */
	/* arg: the spec after "scheme:". 0 or a negative errno after a message
	 * naming the output. */
	int (*open)(struct kf_sink *s, const char *arg, const struct kf_sink_env *env);
	void (*record)(struct kf_sink *s, const struct kf_rec *r);
	/* The interval ended at now_s: write or send what it queued. */
	void (*interval_end)(struct kf_sink *s, __u64 now_s);
	/* Writes or sends what is left; true when some records never arrived
	 * (then or before: each logged it). */
	bool (*close)(struct kf_sink *s);
	void (*stats)(const struct kf_sink *s, struct kf_sink_stats *st);
};

struct kf_sink {
	const struct kf_sink_ops *ops;
	const char *spec; /* as given: names the output in the log and metrics */
	void *priv; /* the sink's own state, owned by it */
};

struct kf_sinks {
	struct kf_sink s[KF_MAX_SINKS];
	int n;
	bool need_json; /* some sink reads kf_rec.json */
};

extern const struct kf_sink_ops kf_sink_jsonl;
extern const struct kf_sink_ops kf_sink_ipfix;
extern const struct kf_sink_ops kf_sink_sqlite;
extern const struct kf_sink_ops kf_sink_clickhouse;

/* Opens every --output by its scheme. 0 or a negative errno; on failure
 * nothing stays open. */
int kf_sinks_open(struct kf_sinks *ss, const struct kf_opts *o, __u64 init_ms);
/* Opens one more sink (outputs that are not --output, like the stream). */
int kf_sinks_add(struct kf_sinks *ss, const struct kf_sink_ops *ops, const char *spec,
		 const char *arg, const struct kf_sink_env *env);
void kf_sinks_record(struct kf_sinks *ss, const struct kf_rec *r);
void kf_sinks_interval_end(struct kf_sinks *ss, __u64 now_s);
/* Closes every output; returns how many lost records since they opened,
 * at exit included (each logged its own). */
int kf_sinks_close(struct kf_sinks *ss);

#endif /* KF_SINK_H */
