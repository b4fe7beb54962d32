// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * btfconv.c - an upgraded agent reads the values of another ABI by field
 * name through the BTF the old maps carry (user/datapath/btfconv.c). The
 * "old" layout is built here by hand and differs as a real ABI change
 * would: members in another order, narrower and wider integers, a member
 * the new layout lacks, one the old lacks. Every counted field must arrive
 * with its value; the missing one stays zero and is counted; the old-only
 * one is ignored.
 */
#include <bpf/btf.h>
#include "test_progs.h"
#include "kflow.skel.h"
#include "btfconv.h"

/* The old layout, as the old agent compiled it (packed by hand). */
struct old_dir {
	__u32 packets; /* narrower than today's __u64 */
	__u8 mac[6];
	__u16 pad;
	__u64 bytes;
	__u64 old_only; /* gone in the new layout */
	__u64 last_ns;
};

struct old_stats {
	__u64 rtt; /* wider than today's __u32 */
	struct old_dir dir[2];
	__u8 first_dir;
	__u8 pad[7];
};

static int build_old_btf(struct btf *b)
{
	int u8 = btf__add_int(b, "__u8", 1, 0);
	int u16 = btf__add_int(b, "__u16", 2, 0);
	int u32 = btf__add_int(b, "__u32", 4, 0);
	int u64 = btf__add_int(b, "__u64", 8, 0);
	int mac = btf__add_array(b, u32, u8, 6);
	int pad7 = btf__add_array(b, u32, u8, 7);
	int dir, dirs, st;

	dir = btf__add_struct(b, "flow_dir", sizeof(struct old_dir));
	btf__add_field(b, "packets", u32, offsetof(struct old_dir, packets) * 8, 0);
	btf__add_field(b, "mac", mac, offsetof(struct old_dir, mac) * 8, 0);
	btf__add_field(b, "pad", u16, offsetof(struct old_dir, pad) * 8, 0);
	btf__add_field(b, "bytes", u64, offsetof(struct old_dir, bytes) * 8, 0);
	btf__add_field(b, "old_only", u64, offsetof(struct old_dir, old_only) * 8, 0);
	btf__add_field(b, "last_ns", u64, offsetof(struct old_dir, last_ns) * 8, 0);
	dirs = btf__add_array(b, u32, dir, 2);
	st = btf__add_struct(b, "flow_stats", sizeof(struct old_stats));
	btf__add_field(b, "rtt", u64, offsetof(struct old_stats, rtt) * 8, 0);
	btf__add_field(b, "dir", dirs, offsetof(struct old_stats, dir) * 8, 0);
	btf__add_field(b, "first_dir", u8, offsetof(struct old_stats, first_dir) * 8, 0);
	btf__add_field(b, "pad", pad7, offsetof(struct old_stats, pad) * 8, 0);
	return st;
}

void test_btfconv(void)
{
	struct old_stats old = {
		.rtt = 1234,
		.dir = { { .packets = 7, .mac = { 1, 2, 3, 4, 5, 6 }, .bytes = 700, .old_only = 99,
			   .last_ns = 5000 },
			 { .packets = 3, .bytes = 0x1ffffffffULL, .last_ns = 6000 } },
		.first_dir = 1,
	};
	struct flow_stats now;
	struct kf_btfconv c;
	struct kflow *skel = NULL;
	struct btf *ob;
	int st;

	if (!test__start_subtest("by_name"))
		return;
	ob = btf__new_empty();
	if (!ASSERT_OK_PTR(ob, "btf__new_empty"))
		return;
	st = build_old_btf(ob);
	if (!ASSERT_GT(st, 0, "old BTF"))
		goto out;
	skel = kflow__open();
	if (!ASSERT_OK_PTR(skel, "kflow__open"))
		goto out;
	if (!ASSERT_OK(kf_btfconv_init(&c, ob, st, bpf_object__btf(skel->obj), "flow_stats"),
		       "kf_btfconv_init"))
		goto out;
	ASSERT_EQ(c.old_size, sizeof(old), "old size from BTF");
	ASSERT_EQ(c.new_size, sizeof(now), "new size from BTF");
	memset(&now, 0xff, sizeof(now));
	kf_btfconv_run(&c, &old, &now);
	ASSERT_EQ(now.rtt, 1234, "rtt (u64 -> u32)");
	ASSERT_EQ(now.first_dir, 1, "first_dir");
	ASSERT_EQ(now.dir[0].packets, 7, "packets (u32 -> u64)");
	ASSERT_EQ(now.dir[0].bytes, 700, "bytes, moved");
	ASSERT_EQ(now.dir[0].last_ns, 5000, "last_ns");
	ASSERT_EQ(now.dir[0].mac[5], 6, "mac, byte array");
	ASSERT_EQ(now.dir[1].packets, 3, "dir[1] packets");
	ASSERT_EQ(now.dir[1].bytes, 0x1ffffffffULL, "dir[1] bytes, all 64 bits");
	ASSERT_EQ(now.dir[0].l4_bytes, 0, "a field the old layout lacks is zero");
	ASSERT_EQ(now.dir[1].syn, 0, "... every one");
	ASSERT_EQ(now.dir[0].hint.word, 0, "the hint (a cache) is zero");
	ASSERT_GT(c.unmatched, 0, "fields the old layout lacks are counted");
out:
	kflow__destroy(skel);
	btf__free(ob);
}
