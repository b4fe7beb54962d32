// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * attach.c - TC (clsact) and XDP attachment.
 *
 * TC filters use a fixed handle and priority so that kflow finds its own
 * filter again (after a restart, or from `kflow cleanup`) and never touches
 * anyone else's. The clsact qdisc is created only when missing, and removed
 * only when kflow created it and no filter of anyone is left on it (checked
 * with an RTM_GETTFILTER dump over libmnl). kflow refuses to replace an XDP
 * program not ours.
 *
 * --xdp counts ingress with XDP only in a driver's native hook: generic XDP
 * runs after the skb is built and gives up GRO, and a veth's own XDP takes
 * GSO away from its peer (veth_xdp_set clears its peer's GSO features), so
 * either would cost more than TC. Those interfaces are counted with TC, said
 * in the log. --xdp-force attaches XDP anyway (native, else generic).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include "attach.h"
#include "kflow.h"
#include "log.h"
#include "nldump.h"

#define KF_TC_HANDLE 0x6b66 /* "kf" */
#define KF_TC_PRIO 1

static int prog_name_by_id(__u32 id, char name[BPF_OBJ_NAME_LEN])
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd, err = 0;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		err = -errno;
	else
		memcpy(name, info.name, BPF_OBJ_NAME_LEN);
	close(fd);
	return err;
}

/* Whether the program uses the map (by id): kflow programs loaded on this
 * pin path share its pinned maps. A program gone meanwhile is in no one's
 * way: true as well. */
static bool prog_uses_map(__u32 prog_id, __u32 map_id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), ids[64];
	bool found = false;
	int fd;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return errno == ENOENT;
	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (__u64)(unsigned long)ids;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		for (__u32 i = 0; i < info.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]); i++)
			found |= ids[i] == map_id;
	close(fd);
	return found;
}

static bool is_ours(__u32 prog_id, const char *prefix)
{
	char name[BPF_OBJ_NAME_LEN] = "";

	return !prog_name_by_id(prog_id, name) && !strncmp(name, prefix, strlen(prefix));
}

static int filter_count_cb(const struct nlmsghdr *nlh, void *data)
{
	(*(int *)data)++;
	return MNL_CB_OK;
}

/* Number of TC filters of any kind on one clsact direction, or -errno. */
static int count_filters(int ifindex, __u32 parent)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl;
	struct tcmsg *tcm;
	int ret, count = 0;

	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto out;
	}
	tcm = mnl_nlmsg_put_extra_header(kf_nl_dump_request(buf, RTM_GETTFILTER), sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	ret = kf_nl_dump(nl, buf, filter_count_cb, &count);
	if (ret >= 0)
		ret = count;
out:
	mnl_socket_close(nl);
	return ret;
}

/* Another agent's kflow program at the hook (another --pin-path) is not
 * replaced: that agent would go on counting nothing, without a word. What
 * this pin path's earlier agent attached (a --persist or killed one) uses
 * its pinned maps; the hooks of another ABI's agent being migrated are in
 * kf_attach (migrate.c). Either is ours to replace. */
struct kf_owner {
	__u32 flags; /* the interface's kf_attach flags before this attach */
	__u32 sel_id; /* id of this pin path's kf_flow_sel */
};

/* The way out when no agent holds the hook any more (its pins removed by
 * hand, or it was killed between attaching and recording): the command
 * that removes exactly kflow's hook. */
static int refuse_other_agent(const char *ifname, const char *hook, __u32 prog_id,
			      const struct kf_owner *own, __u32 flag)
{
	char undo[96];

	if ((own->flags & flag) || prog_uses_map(prog_id, own->sel_id))
		return 0;
	if (flag == KF_ATT_XDP)
		snprintf(undo, sizeof(undo), "ip link set dev %s xdp off", ifname);
	else
		snprintf(undo, sizeof(undo), "tc filter del dev %s %s pref %d handle 0x%x bpf",
			 ifname, hook, KF_TC_PRIO, KF_TC_HANDLE);
	pr_warn("error: %s %s already has the program of another kflow agent (prog id %u), "
		"which this --pin-path did not attach: stop that agent ('kflow cleanup "
		"--pin-path' of its pin path if it persisted); if none is left, '%s'\n",
		ifname, hook, prog_id, undo);
	return -EEXIST;
}

/* Every kflow hook of the interface, checked before this agent attaches any:
 * a refusal leaves the interface as it was. */
static int refuse_other_agents(const struct kf_iface *ifc, const struct kf_owner *own)
{
	static const struct {
		enum bpf_tc_attach_point point;
		const char *name;
		__u32 flag;
	} tc[] = { { BPF_TC_INGRESS, "ingress", KF_ATT_TC_INGRESS },
		   { BPF_TC_EGRESS, "egress", KF_ATT_TC_EGRESS } };
	__u32 cur = 0;

	for (int i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifc->ifindex,
			    .attach_point = tc[i].point);
		LIBBPF_OPTS(bpf_tc_opts, q, .handle = KF_TC_HANDLE, .priority = KF_TC_PRIO);

		if (!bpf_tc_query(&hook, &q) && is_ours(q.prog_id, "kf_tc_") &&
		    refuse_other_agent(ifc->name, tc[i].name, q.prog_id, own, tc[i].flag))
			return -EEXIST;
	}
	if (!bpf_xdp_query_id(ifc->ifindex, 0, &cur) && cur && is_ours(cur, "kf_xdp_") &&
	    refuse_other_agent(ifc->name, "XDP", cur, own, KF_ATT_XDP))
		return -EEXIST;
	return 0;
}

static int tc_attach_one(int ifindex, const char *ifname, enum bpf_tc_attach_point point,
			 int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = KF_TC_HANDLE, .priority = KF_TC_PRIO);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = KF_TC_HANDLE, .priority = KF_TC_PRIO,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	const char *dir = point == BPF_TC_INGRESS ? "ingress" : "egress";
	int err;

	if (!bpf_tc_query(&hook, &q) && !is_ours(q.prog_id, "kf_tc_")) {
		pr_warn("error: %s %s already has a TC filter at handle 0x%x prio %d that is not "
			"kflow's (prog id %u)\n",
			ifname, dir, KF_TC_HANDLE, KF_TC_PRIO, q.prog_id);
		return -EEXIST;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		pr_warn("error: cannot attach TC %s on %s: %s\n", dir, ifname, strerror(-err));
	return err;
}

static void tc_detach_one(int ifindex, enum bpf_tc_attach_point point)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = KF_TC_HANDLE, .priority = KF_TC_PRIO);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = KF_TC_HANDLE, .priority = KF_TC_PRIO);
	int err;

	if (bpf_tc_query(&hook, &q) || !is_ours(q.prog_id, "kf_tc_"))
		return;
	err = bpf_tc_detach(&hook, &opts);
	if (err && err != -ENOENT && err != -ENODEV)
		pr_warn("cannot detach TC filter from ifindex %d: %s\n", ifindex, strerror(-err));
}

static void qdisc_remove_if_empty(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int in = count_filters(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
	int out = count_filters(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));
	int err;

	if (in < 0 || out < 0 || in + out > 0) {
		if (in > 0 || out > 0)
			pr_info("leaving the clsact qdisc on ifindex %d: other filters use it\n",
				ifindex);
		return;
	}
	err = bpf_tc_hook_destroy(&hook);
	if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
		pr_warn("cannot remove clsact qdisc from ifindex %d: %s\n", ifindex,
			strerror(-err));
}

/* The device's driver name (ethtool's), or "" when it does not say. */
static void driver_name(const char *ifname, char *buf, size_t len)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { .ifr_data = (void *)&info };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	buf[0] = '\0';
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd >= 0 && !ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(buf, len, "%s", info.driver);
	if (fd >= 0)
		close(fd);
}

/* mode_flags: 0 lets the kernel fall back to generic XDP; XDP_FLAGS_DRV_MODE
 * fails with -EOPNOTSUPP where the driver has no XDP of its own. */
static int xdp_attach_one(const struct kf_iface *ifc, int prog_fd, __u32 mode_flags,
			  __u32 *prog_id)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	struct bpf_prog_info info = {};
	__u32 cur = 0, len = sizeof(info);
	__u32 flags = XDP_FLAGS_UPDATE_IF_NOEXIST | mode_flags;
	int old_fd = -1, err;

	if (bpf_xdp_query_id(ifc->ifindex, 0, &cur) == 0 && cur) {
		if (!is_ours(cur, "kf_xdp_")) {
			pr_warn("error: %s already has an XDP program (id %u) that is not kflow's\n",
				ifc->name, cur);
			return -EEXIST;
		}
		old_fd = bpf_prog_get_fd_by_id(cur);
		if (old_fd < 0)
			return -errno;
		opts.old_prog_fd = old_fd;
		flags = XDP_FLAGS_REPLACE | mode_flags;
	}
	err = bpf_xdp_attach(ifc->ifindex, prog_fd, flags, &opts);
	if (old_fd >= 0)
		close(old_fd);
	if (err == -EOPNOTSUPP && mode_flags)
		return err;
	if (err) {
		pr_warn("error: cannot attach XDP on %s: %s\n", ifc->name, strerror(-err));
		return err;
	}
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	*prog_id = info.id;
	return 0;
}

static void xdp_detach_one(int ifindex, __u32 prog_id)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	__u32 cur = 0;
	int fd, err;

	if (bpf_xdp_query_id(ifindex, 0, &cur) || !cur || !is_ours(cur, "kf_xdp_"))
		return;
	(void)prog_id; /* an adopting agent may have replaced it: match by name */
	fd = bpf_prog_get_fd_by_id(cur);
	if (fd < 0)
		return;
	opts.old_prog_fd = fd;
	err = bpf_xdp_detach(ifindex, XDP_FLAGS_REPLACE, &opts);
	if (err && err != -ENODEV)
		pr_warn("cannot detach XDP from ifindex %d: %s\n", ifindex, strerror(-err));
	close(fd);
}

static void detach_entry(__u32 ifindex, const struct kf_attach *a)
{
	if (a->flags & KF_ATT_XDP)
		xdp_detach_one(ifindex, a->xdp_prog_id);
	if (a->flags & KF_ATT_TC_INGRESS)
		tc_detach_one(ifindex, BPF_TC_INGRESS);
	if (a->flags & KF_ATT_TC_EGRESS)
		tc_detach_one(ifindex, BPF_TC_EGRESS);
	if (a->flags & KF_ATT_QDISC_OURS)
		qdisc_remove_if_empty(ifindex);
}

void kf_detach_recorded(int attach_fd)
{
	__u32 key, next, *prev = NULL;
	struct kf_attach a;

	while (!bpf_map_get_next_key(attach_fd, prev, &next)) {
		if (!bpf_map_lookup_elem(attach_fd, &next, &a)) {
			pr_debug("detaching from %s (ifindex %u)\n", a.name, next);
			detach_entry(next, &a);
		}
		key = next;
		prev = &key;
	}
	/* Deleting while iterating restarts the walk; empty it afterwards. */
	while (!bpf_map_get_next_key(attach_fd, NULL, &next))
		bpf_map_delete_elem(attach_fd, &next);
}

static bool wanted(const struct kf_iface *ifs, int n, __u32 ifindex)
{
	for (int i = 0; i < n; i++)
		if ((__u32)ifs[i].ifindex == ifindex)
			return true;
	return false;
}

/* A persisted agent's attachments: same hooks where the interface is still
 * wanted (anything else would count packets twice or miss them while the
 * modes change), detached where it is not. */
static int reconcile_recorded(int attach_fd, const struct kf_iface *ifs, int n,
			      enum kf_xdp_mode xdp)
{
	__u32 key, next, *prev = NULL;
	struct kf_attach a;

	while (!bpf_map_get_next_key(attach_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(attach_fd, &key, &a))
			continue;
		if (!wanted(ifs, n, key)) {
			pr_info("detaching from %s: not in this run's interfaces\n", a.name);
			detach_entry(key, &a);
			bpf_map_delete_elem(attach_fd, &key);
			prev = NULL; /* restart the walk after a delete */
			continue;
		}
		/* --xdp keeps what the persisted agent chose by the same rule. */
		if ((a.flags & KF_ATT_XDP) && xdp == KF_XDP_OFF) {
			pr_warn("error: the persisted agent counted %s with XDP; run with --xdp "
				"or --xdp-force, or 'kflow cleanup' first\n",
				a.name);
			return -EINVAL;
		}
		if ((a.flags & KF_ATT_TC_INGRESS) && xdp == KF_XDP_FORCE) {
			pr_warn("error: the persisted agent counted %s with TC; run without "
				"--xdp-force, or 'kflow cleanup' first\n",
				a.name);
			return -EINVAL;
		}
	}
	return 0;
}

/* XDP ingress for this interface? Tried in the driver's own hook for
 * --xdp (after a --persist restart: what the persisted agent chose); on
 * success *done says it is attached. */
static bool ingress_xdp(const struct kf_iface *ifc, enum kf_xdp_mode xdp,
			const struct kf_owner *own, int xdp_fd, __u32 *prog_id, int *err, bool *done)
{
	char drv[32];

	*done = false;
	if (xdp != KF_XDP_NATIVE)
		return xdp == KF_XDP_FORCE;
	if (own->flags & (KF_ATT_XDP | KF_ATT_TC_INGRESS))
		return own->flags & KF_ATT_XDP;
	driver_name(ifc->name, drv, sizeof(drv));
	if (!strcmp(drv, "veth")) {
		pr_info("%s: veth XDP would take GSO from its peer; counting ingress with TC\n",
			ifc->name);
		return false;
	}
	*err = xdp_attach_one(ifc, xdp_fd, XDP_FLAGS_DRV_MODE, prog_id);
	if (*err == -EOPNOTSUPP) {
		pr_info("%s: driver %s has no native XDP; counting ingress with TC\n", ifc->name,
			drv[0] ? drv : "(unknown)");
		*err = 0;
		return false;
	}
	*done = !*err;
	return true;
}

int kf_attach_one(struct kf_bpf *b, const struct kf_iface *ifc, enum kf_xdp_mode xdp)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifc->ifindex, .attach_point = BPF_TC_INGRESS);
	int attach_fd = bpf_map__fd(b->skel->maps.kf_attach);
	int in_fd = bpf_program__fd(b->skel->progs.kf_tc_ingress);
	int out_fd = bpf_program__fd(b->skel->progs.kf_tc_egress);
	int xdp_fd = bpf_program__fd(b->skel->progs.kf_xdp_ingress);
	__u32 key = ifc->ifindex;
	struct kf_attach a = {};
	struct kf_owner own = {};
	struct bpf_map_info sel = {};
	__u32 sel_len = sizeof(sel);
	bool use_xdp, attached;
	int err;

	bpf_map_lookup_elem(attach_fd, &key, &a); /* keeps QDISC_OURS */
	if (bpf_obj_get_info_by_fd(bpf_map__fd(b->skel->maps.kf_flow_sel), &sel, &sel_len))
		return -errno;
	own.flags = a.flags;
	own.sel_id = sel.id;
	err = refuse_other_agents(ifc, &own);
	if (err)
		return err;
	snprintf(a.name, sizeof(a.name), "%s", ifc->name);
	err = bpf_tc_hook_create(&hook);
	if (!err)
		a.flags |= KF_ATT_QDISC_OURS;
	else if (err != -EEXIST) {
		pr_warn("error: cannot create clsact qdisc on %s: %s\n", ifc->name, strerror(-err));
		return err;
	}
	/* Record before attaching, so a failure half-way is still undone. */
	if (bpf_map_update_elem(attach_fd, &key, &a, BPF_ANY))
		return -errno;
	err = 0;
	use_xdp = ingress_xdp(ifc, xdp, &own, xdp_fd, &a.xdp_prog_id, &err, &attached);
	if (use_xdp && !err && !attached)
		err = xdp_attach_one(ifc, xdp_fd, 0, &a.xdp_prog_id);
	if (use_xdp) {
		if (!err)
			a.flags |= KF_ATT_XDP;
	} else {
		err = tc_attach_one(ifc->ifindex, ifc->name, BPF_TC_INGRESS, in_fd);
		if (!err)
			a.flags |= KF_ATT_TC_INGRESS;
	}
	if (!err) {
		err = tc_attach_one(ifc->ifindex, ifc->name, BPF_TC_EGRESS, out_fd);
		if (!err)
			a.flags |= KF_ATT_TC_EGRESS;
	}
	if (bpf_map_update_elem(attach_fd, &key, &a, BPF_ANY) && !err)
		err = -errno;
	if (!err)
		pr_info("counting on %s (ifindex %d): %s ingress, TC egress\n", ifc->name,
			ifc->ifindex, use_xdp ? "XDP" : "TC");
	return err;
}

void kf_attach_forget(struct kf_bpf *b, int ifindex)
{
	__u32 key = ifindex;

	bpf_map_delete_elem(bpf_map__fd(b->skel->maps.kf_attach), &key);
}

int kf_attach_all(struct kf_bpf *b, const struct kf_iface *ifs, int n, enum kf_xdp_mode xdp)
{
	int err;

	err = reconcile_recorded(bpf_map__fd(b->skel->maps.kf_attach), ifs, n, xdp);
	for (int i = 0; !err && i < n; i++)
		err = kf_attach_one(b, &ifs[i], xdp);
	return err;
}
