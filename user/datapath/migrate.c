// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * migrate.c - an upgrade across an ABI change loses nothing.
 *
 * Same ABI: the new agent reuses the pinned maps (loader.c). Another ABI:
 * the maps cannot be reused, and the old programs keep counting into them
 * until they are replaced. So:
 *  1. before the load, the old pin directory is renamed to <pin>-old (bpffs
 *     takes no '.' in names; the old programs hold their maps by reference,
 *     not by path: they go on counting) and the new agent starts on a fresh
 *     pin directory;
 *  2. the new agent takes the old kf_attach rows as its own and attaches
 *     as a --persist restart does: the same hook per interface, each TC
 *     filter or XDP program of the old agent replaced atomically by the new
 *     one (same handle), so from then on packets reach only the new maps,
 *     and old hooks where it does not count are detached;
 *  3. the old kf_flow_sel slot is emptied: for a map-in-map update the
 *     kernel waits for an RCU grace period, so when it returns no old
 *     program still holds an old interval map (as in drain.c), and an old
 *     program still attached anywhere counts nothing any more;
 *  4. both old interval maps and the old kf_life are read into the flow
 *     table, field by field through the BTF the old agent pinned them with
 *     (btfconv.c: no decoder kept per old ABI): the first interval's
 *     records carry the old counts, flows keep their flow_id and totals,
 *     and the flow id counter goes on;
 *  5. the old pins are removed (which also detaches the old identity
 *     hooks, held by pinned links).
 * Each packet was counted by exactly one program into exactly one map that
 * is read exactly once. The old TCP state (kf_l4) is not carried: a TCP
 * flow's health restarts, its counts do not. An agent that dies between 1
 * and 5 leaves <pin>-old, which the next start drains.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "bpffs.h"
#include "btfconv.h"
#include "kflow.h"
#include "loader.h"
#include "log.h"
#include "migrate.h"

/* One map of the old state, with its BTF. */
struct old_map {
	int fd;
	struct bpf_map_info info;
	struct btf *btf;
};

static int old_open(struct old_map *om, const char *dir, const char *name)
{
	__u32 len = sizeof(om->info);
	char path[PATH_MAX];

	memset(om, 0, sizeof(*om));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	om->fd = bpf_obj_get(path);
	if (om->fd < 0) {
		om->fd = -errno;
		return om->fd;
	}
	if (bpf_obj_get_info_by_fd(om->fd, &om->info, &len) || strcmp(om->info.name, name)) {
		close(om->fd);
		om->fd = -EBADF;
		return om->fd;
	}
	if (om->info.btf_id) {
		om->btf = btf__load_from_kernel_by_id(om->info.btf_id);
		if (!om->btf)
			pr_warn("cannot load the BTF of %s: %s\n", path, strerror(errno));
	}
	return om->fd;
}

static void old_close(struct old_map *om)
{
	if (om->fd >= 0)
		close(om->fd);
	btf__free(om->btf);
	om->fd = -1;
	om->btf = NULL;
}

/* kf_info's first word is the ABI version in every ABI: it says how to
 * read the rest. 0 when dir holds no kflow state. */
static __u32 pinned_abi(const char *dir)
{
	struct old_map om;
	__u32 zero = 0, abi = 0;
	char *v;

	if (old_open(&om, dir, "kf_info") < 0)
		return 0;
	v = calloc(1, om.info.value_size > 4 ? om.info.value_size : 4);
	if (v && om.info.type == BPF_MAP_TYPE_ARRAY && !bpf_map_lookup_elem(om.fd, &zero, v))
		memcpy(&abi, v, sizeof(abi));
	free(v);
	old_close(&om);
	return abi;
}

static int lock_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB)) {
		int err = -errno;

		pr_warn("error: cannot lock %s: %s\n", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

/* What an old state needs to be drained: its interval maps, with BTF.
 * NULL when it has them, else the name of what is missing. */
static const char *undrainable(const char *dir)
{
	static const char *const names[] = { "kf_flow_sel", "kf_flows_a", "kf_flows_b" };
	struct old_map om;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		bool ok = old_open(&om, dir, names[i]) >= 0 &&
			  (i == 0 || (om.btf && om.info.btf_value_type_id));

		old_close(&om);
		if (!ok)
			return names[i];
	}
	return NULL;
}

int kf_migrate_prepare(struct kf_migrate *m, const char *pin_path, int *lock_fd)
{
	const char *missing;
	__u32 abi = pinned_abi(pin_path);
	int n, fd;

	memset(m, 0, sizeof(*m));
	m->lock_fd = -1;
	n = snprintf(m->dir, sizeof(m->dir), "%s-old", pin_path);
	if (n < 0 || (size_t)n >= sizeof(m->dir))
		return -ENAMETOOLONG;
	if (!access(m->dir, F_OK)) {
		/* An upgrade that died half way: its old state waits there. */
		m->abi = pinned_abi(m->dir);
		missing = m->abi ? undrainable(m->dir) : "kf_info";
		if (missing) {
			pr_warn("error: %s exists but holds no kflow state this kflow can drain (no "
				"readable %s); run 'kflow cleanup --pin-path %s'\n",
				m->dir, missing, m->dir);
			return -EEXIST;
		}
		if (abi && abi != KF_ABI_VERSION) {
			pr_warn("error: both %s (ABI v%u) and %s (ABI v%u) hold old state; run "
				"'kflow cleanup --pin-path' on one\n",
				pin_path, abi, m->dir, m->abi);
			return -EEXIST;
		}
		m->lock_fd = lock_dir(m->dir);
		if (m->lock_fd < 0)
			return m->lock_fd;
		m->active = true;
		pr_info("an interrupted upgrade left ABI v%u state at %s: draining it\n", m->abi,
			m->dir);
		return 0;
	}
	if (!abi || abi == KF_ABI_VERSION)
		return 0;
	/* Checked before anything moves: a state we cannot read stays as it is. */
	missing = undrainable(pin_path);
	if (missing) {
		pr_warn("error: pin path %s holds kflow ABI v%u state, this kflow uses v%u, and "
			"cannot drain it (no readable %s with BTF); run 'kflow cleanup --pin-path "
			"%s'\n",
			pin_path, abi, KF_ABI_VERSION, missing, pin_path);
		return -EEXIST;
	}
	if (rename(pin_path, m->dir)) {
		pr_warn("error: cannot move ABI v%u state %s aside to %s: %s\n", abi, pin_path,
			m->dir, strerror(errno));
		return -errno;
	}
	/* The lock follows the directory: it now guards the old state. */
	m->lock_fd = *lock_fd;
	m->abi = abi;
	m->active = true;
	*lock_fd = -1;
	if (mkdir(pin_path, 0700)) {
		pr_warn("error: cannot create pin directory %s: %s\n", pin_path, strerror(errno));
		return -errno;
	}
	fd = kf_pin_lock(pin_path);
	if (fd < 0)
		return fd;
	*lock_fd = fd;
	pr_info("upgrade from kflow ABI v%u to v%u: old state moved to %s until it is drained\n",
		abi, KF_ABI_VERSION, m->dir);
	return 0;
}

/* Reads every entry of an old map: key and value converted into this
 * build's types (a NULL kname: a __u32 key, taken as is), one value per
 * CPU for a per-CPU map. fn gets each converted entry. */
typedef int (*entry_fn)(void *ctx, const void *key, const void *val);

static int read_old(struct old_map *om, const struct btf *nb, const char *kname,
		    const char *vname, int ncpus, bool percpu, entry_fn fn, void *ctx)
{
	size_t stride = (om->info.value_size + 7) & ~7UL, nslots = percpu ? ncpus : 1;
	struct kf_btfconv kc, vc;
	char *k = NULL, *v = NULL, *nk = NULL, *nv = NULL, *prev = NULL;
	int err, count = 0;

	if (!om->btf || !om->info.btf_key_type_id || !om->info.btf_value_type_id) {
		pr_warn("error: old map %s carries no BTF: its layout cannot be read\n",
			om->info.name);
		return -ENOENT;
	}
	memset(&kc, 0, sizeof(kc));
	if (!kname && om->info.key_size != sizeof(__u32))
		return -EINVAL;
	err = kname ? kf_btfconv_init(&kc, om->btf, om->info.btf_key_type_id, nb, kname) : 0;
	err = err ?: kf_btfconv_init(&vc, om->btf, om->info.btf_value_type_id, nb, vname);
	if (err)
		return err;
	k = calloc(1, om->info.key_size);
	prev = calloc(1, om->info.key_size);
	v = calloc(nslots, percpu ? stride : om->info.value_size);
	nk = calloc(1, kname ? kc.new_size : sizeof(__u32));
	nv = calloc(nslots, vc.new_size);
	if (!k || !prev || !v || !nk || !nv) {
		err = -ENOMEM;
		goto out;
	}
	/* get_next_key: no deletes, the map is quiescent and read once. */
	for (bool first = true; !bpf_map_get_next_key(om->fd, first ? NULL : prev, k);
	     first = false) {
		memcpy(prev, k, om->info.key_size);
		if (bpf_map_lookup_elem(om->fd, k, v))
			continue;
		if (kname)
			kf_btfconv_run(&kc, k, nk);
		else
			memcpy(nk, k, sizeof(__u32));
		for (size_t s = 0; s < nslots; s++)
			kf_btfconv_run(&vc, v + s * (percpu ? stride : 0), nv + s * vc.new_size);
		err = fn(ctx, nk, nv);
		if (err)
			goto out;
		count++;
	}
	/* Counted per entry: one entry's worth says which layout lacks fields. */
	if (count && (kc.unmatched || vc.unmatched))
		pr_warn("%s: %u fields of this kflow's %s are not in the old layout: left zero\n",
			om->info.name, (unsigned int)(kc.unmatched / count + vc.unmatched / (count * nslots)),
			vname);
	err = count;
out:
	free(k);
	free(prev);
	free(v);
	free(nk);
	free(nv);
	return err;
}

struct flows_ctx {
	struct kf_table *t;
	int ncpus;
	__u64 packets;
};

static int add_flow(void *arg, const void *key, const void *vals)
{
	struct flows_ctx *c = arg;
	struct flow_stats sum;
	struct kf_flow *f;
	bool added;

	kf_stats_sum_cpus(vals, c->ncpus, sizeof(struct flow_stats), &sum);
	if (!sum.dir[0].packets && !sum.dir[1].packets)
		return 0; /* the overflow key when nothing overflowed */
	f = kf_table_get(c->t, key, &added);
	if (!f)
		return -ENOMEM;
	kf_flow_add(f, &sum);
	c->packets += sum.dir[0].packets + sum.dir[1].packets;
	return 0;
}

static int add_life(void *arg, const void *key, const void *val)
{
	struct flows_ctx *c = arg;
	struct kf_flow *f;
	bool added;

	f = kf_table_get(c->t, key, &added);
	if (!f)
		return -ENOMEM;
	/* A flow this agent already adopted from its own pins is newer. */
	if (added)
		f->life = *(const struct flow_life *)val;
	return 0;
}

/* The old agent's attachment rows become this agent's before it attaches:
 * it then keeps the ingress hook each interface had (an XDP ingress
 * replaced by TC would count each packet twice until the XDP program went),
 * detaches where it is not wanted, and knows which clsact qdiscs kflow
 * made (attach.c, as for a same-ABI --persist restart). */
static int copy_attach(void *arg, const void *key, const void *val)
{
	int *new_fd = arg;

	if (bpf_map_update_elem(*new_fd, key, val, BPF_ANY)) {
		pr_warn("cannot carry the attachment of %s over: %s\n",
			((const struct kf_attach *)val)->name, strerror(errno));
		return -errno;
	}
	return 0;
}

int kf_migrate_hooks(struct kf_migrate *m, struct kf_bpf *b)
{
	int new_fd = bpf_map__fd(b->skel->maps.kf_attach), n;
	struct old_map att;

	if (!m->active)
		return 0;
	if (old_open(&att, m->dir, "kf_attach") < 0)
		return 0; /* nothing recorded: nothing attached */
	n = read_old(&att, bpf_object__btf(b->skel->obj), NULL, "kf_attach", 1, false,
		     copy_attach, &new_fd);
	old_close(&att);
	return n < 0 ? n : 0;
}

static int key_copy(void *arg, const void *key, const void *val)
{
	(void)key;
	memcpy(arg, val, sizeof(struct kf_info));
	return 0;
}

static void unpin_old(struct kf_migrate *m)
{
	DIR *d = opendir(m->dir);
	struct dirent *de;

	if (!d) {
		pr_warn("cannot read %s: %s\n", m->dir, strerror(errno));
		return;
	}
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "kf_", 3) && unlinkat(dirfd(d), de->d_name, 0))
			pr_warn("cannot unpin %s/%s: %s\n", m->dir, de->d_name, strerror(errno));
	closedir(d);
	if (rmdir(m->dir))
		pr_warn("cannot remove %s: %s (left for 'kflow cleanup')\n", m->dir,
			strerror(errno));
}

int kf_migrate_drain(struct kf_migrate *m, struct kf_bpf *b, struct kf_table *t,
		     __u64 *next_flow_seq)
{
	const struct btf *nb = bpf_object__btf(b->skel->obj);
	struct old_map sel, iv[2], life, info;
	struct flows_ctx fc = { .t = t, .ncpus = b->ncpus };
	struct kf_info oi = {};
	__u32 zero = 0;
	int n, err = 0;

	if (!m->active)
		return 0;
	old_open(&sel, m->dir, "kf_flow_sel");
	old_open(&iv[0], m->dir, "kf_flows_a");
	old_open(&iv[1], m->dir, "kf_flows_b");
	old_open(&life, m->dir, "kf_life");
	old_open(&info, m->dir, "kf_info");
	if (sel.fd < 0 || iv[0].fd < 0 || iv[1].fd < 0) {
		pr_warn("error: %s lacks its interval maps; nothing to drain (remove it)\n", m->dir);
		err = -ENOENT;
		goto out;
	}
	/* Step 3: no old program writes an old interval map after this. */
	if (bpf_map_delete_elem(sel.fd, &zero) && errno != ENOENT) {
		err = -errno;
		pr_warn("error: cannot stop the old datapath (%s/kf_flow_sel): %s\n", m->dir,
			strerror(errno));
		goto out;
	}
	if (info.fd >= 0 && read_old(&info, nb, NULL, "kf_info", 1, false, key_copy,
				     &oi) > 0 && oi.next_flow_seq > *next_flow_seq)
		*next_flow_seq = oi.next_flow_seq;
	/* Lifetime first: the interval counts then add to the flows' totals. */
	if (life.fd >= 0) {
		n = read_old(&life, nb, "flow_key", "flow_life", 1, false, add_life, &fc);
		if (n < 0) {
			err = n;
			goto out;
		}
	}
	for (int i = 0; i < 2; i++) {
		/* Per-CPU until ABI 3, shared since. */
		bool percpu = iv[i].info.type == BPF_MAP_TYPE_PERCPU_HASH;

		fc.ncpus = percpu ? b->ncpus : 1;
		n = read_old(&iv[i], nb, "flow_key", "flow_stats", b->ncpus, percpu, add_flow,
			     &fc);
		if (n < 0) {
			err = n;
			goto out;
		}
	}
	pr_info("drained ABI v%u state: %llu packets of %d flows go into the first records\n",
		m->abi, (unsigned long long)fc.packets, (int)t->count);
out:
	old_close(&sel);
	old_close(&iv[0]);
	old_close(&iv[1]);
	old_close(&life);
	old_close(&info);
	if (!err) {
		unpin_old(m);
		m->active = false;
	}
	return err;
}

void kf_migrate_close(struct kf_migrate *m)
{
	if (m->lock_fd >= 0)
		close(m->lock_fd);
	m->lock_fd = -1;
}
