// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * btfconv.c - reads a value in the layout of another kflow ABI. Every
 * pinned map carries the BTF its maker compiled in, so an upgraded agent
 * needs no decoder kept per old ABI: it walks its own struct and, for each
 * named member, takes the old struct's member of the same name, wherever
 * it sits and whatever its width (integers are widened or narrowed as
 * numbers, arrays element by element, structs member by member). A member
 * the old layout lacks stays zero and is counted, but for padding and the
 * datapath's hints (only caches), which stay zero uncounted, as anonymous
 * unions do. Renaming a counted field is therefore an ABI change that
 * loses it: keep names.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "btfconv.h"
#include "log.h"

/* Integers of 1, 2, 4 or 8 bytes, in host order (the old agent's host). */
static __u64 get_uint(const void *p, size_t size)
{
	__u8 v1;
	__u16 v2;
	__u32 v4;
	__u64 v8;

	switch (size) {
	case 1:
		memcpy(&v1, p, 1);
		return v1;
	case 2:
		memcpy(&v2, p, 2);
		return v2;
	case 4:
		memcpy(&v4, p, 4);
		return v4;
	case 8:
		memcpy(&v8, p, 8);
		return v8;
	}
	return 0;
}

/* A wider value is cut to the new width, as a C conversion would. */
static void put_uint(void *p, size_t size, __u64 v)
{
	__u8 v1 = v;
	__u16 v2 = v;
	__u32 v4 = v;

	switch (size) {
	case 1:
		memcpy(p, &v1, 1);
		break;
	case 2:
		memcpy(p, &v2, 2);
		break;
	case 4:
		memcpy(p, &v4, 4);
		break;
	case 8:
		memcpy(p, &v, 8);
		break;
	}
}

static bool is_scalar(const struct btf_type *t)
{
	return btf_is_int(t) || btf_is_enum(t) || btf_is_enum64(t);
}

static const struct btf_member *find_member(const struct btf *b, const struct btf_type *t,
					    const char *name)
{
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (!strcmp(btf__name_by_offset(b, m->name_off), name))
			return m;
	return NULL;
}

/* Members nothing is lost without: padding, and the datapath's hints (a
 * view of kf_l4 that the next packet takes again). */
static bool not_counted(const char *name)
{
	return !strncmp(name, "pad", 3) || !strcmp(name, "hint");
}

static void conv(struct kf_btfconv *c, __u32 oid, const char *src, __u32 nid, char *dst)
{
	const struct btf_type *ot, *nt;

	oid = btf__resolve_type(c->old_btf, oid);
	nid = btf__resolve_type(c->new_btf, nid);
	ot = btf__type_by_id(c->old_btf, oid);
	nt = btf__type_by_id(c->new_btf, nid);
	if (!ot || !nt) {
		c->unmatched++;
		return;
	}
	if (is_scalar(nt) && is_scalar(ot)) {
		put_uint(dst, nt->size, get_uint(src, ot->size));
	} else if (btf_is_array(nt) && btf_is_array(ot)) {
		const struct btf_array *oa = btf_array(ot), *na = btf_array(nt);
		__s64 osz = btf__resolve_size(c->old_btf, oa->type);
		__s64 nsz = btf__resolve_size(c->new_btf, na->type);
		__u32 n = oa->nelems < na->nelems ? oa->nelems : na->nelems;

		if (osz <= 0 || nsz <= 0) {
			c->unmatched++;
			return;
		}
		for (__u32 i = 0; i < n; i++)
			conv(c, oa->type, src + i * osz, na->type, dst + i * nsz);
	} else if (btf_is_struct(nt) && btf_is_struct(ot)) {
		const struct btf_member *nm = btf_members(nt);

		for (int i = 0; i < btf_vlen(nt); i++, nm++) {
			const char *name = btf__name_by_offset(c->new_btf, nm->name_off);
			const struct btf_member *om;

			if (!name || !*name || btf_member_bitfield_size(nt, i))
				continue; /* anonymous unions, bitfields: caches only */
			om = find_member(c->old_btf, ot, name);
			if (!om || btf_member_bitfield_size(ot, om - btf_members(ot))) {
				if (!not_counted(name))
					c->unmatched++;
				continue;
			}
			conv(c, om->type, src + om->offset / 8, nm->type,
			     dst + btf_member_bit_offset(nt, i) / 8);
		}
	} else if (!btf_is_union(nt)) {
		c->unmatched++;
	}
}

int kf_btfconv_init(struct kf_btfconv *c, const struct btf *old_btf, __u32 old_id,
		    const struct btf *new_btf, const char *name)
{
	__s64 osz, nsz;
	__s32 nid;

	memset(c, 0, sizeof(*c));
	nid = btf__find_by_name_kind(new_btf, name, BTF_KIND_STRUCT);
	osz = btf__resolve_size(old_btf, old_id);
	if (nid < 0 || osz <= 0) {
		pr_warn("error: no struct %s in %s BTF\n", name, nid < 0 ? "this build's" :
			"the pinned map's");
		return -ENOENT;
	}
	nsz = btf__resolve_size(new_btf, nid);
	if (nsz <= 0)
		return -EINVAL;
	c->old_btf = old_btf;
	c->old_id = old_id;
	c->new_btf = new_btf;
	c->new_id = nid;
	c->old_size = osz;
	c->new_size = nsz;
	return 0;
}

void kf_btfconv_run(struct kf_btfconv *c, const void *src, void *dst)
{
	memset(dst, 0, c->new_size);
	conv(c, c->old_id, src, c->new_id, dst);
}
