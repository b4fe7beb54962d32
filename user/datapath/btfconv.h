/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* btfconv.h - copy a value from one BTF layout into another, field by name. */
#ifndef KF_BTFCONV_H
#define KF_BTFCONV_H

#include <stddef.h>
#include <linux/types.h>
#include <bpf/btf.h>

/* One conversion: the old layout (a pinned map's BTF and type id) into the
 * new one (this build's BTF and the type of the same name). */
struct kf_btfconv {
	const struct btf *old_btf;
	__u32 old_id;
	const struct btf *new_btf;
	__u32 new_id;
	size_t old_size, new_size;
	unsigned int unmatched; /* fields of the new layout the old lacks (zeroed) */
};

/* Sets up c for the struct named name in new_btf; old_id is the pinned
 * map's key or value type. 0, or -ENOENT / -EINVAL after a message. */
int kf_btfconv_init(struct kf_btfconv *c, const struct btf *old_btf, __u32 old_id,
		    const struct btf *new_btf, const char *name);

/* Writes dst (new_size bytes, zeroed first) from src (old_size bytes). */
void kf_btfconv_run(struct kf_btfconv *c, const void *src, void *dst);

#endif /* KF_BTFCONV_H */
