// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * metrics.c - what the main loop counts for /metrics, and the publishing of
 * each page. Packets and bytes come from the records written, so that
 * kflow_packets_total is exactly the sum of their packet_tx + packet_rx.
 *
 * A flow key names its interface but not the hook: a direction of a flow is
 * egress when its source MAC is the interface's own (the host sent or routed
 * it out), else ingress, counted by XDP where kf_attach says XDP is attached.
 * Frames bridged out of a port keep their sender's MAC and show as ingress.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <bpf/bpf.h>
#include "iface.h"
#include "metrics.h"
#include "record.h"
#include "tick.h"

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void iface_mac(struct kf_metrics *m, struct kf_mif *mi)
{
	struct ifreq ifr = {};

	if (m->mac_sock < 0 || !mi->name[0])
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", mi->name);
	if (ioctl(m->mac_sock, SIOCGIFHWADDR, &ifr))
		return;
	memcpy(mi->mac, ifr.ifr_hwaddr.sa_data, 6);
	mi->has_mac = true;
}

static struct kf_mif *mif(struct kf_metrics *m, __u32 ifindex)
{
	struct kf_mif *mi;
	char name[IF_NAMESIZE];

	for (int i = 0; i < m->nifs; i++)
		if (m->ifs[i].ifindex == ifindex)
			return &m->ifs[i];
	if (m->nifs == KF_METRICS_IFACES + (ifindex ? 0 : 1))
		return NULL;
	mi = &m->ifs[m->nifs++];
	mi->ifindex = ifindex;
	mi->gen = ~0ULL;
	if (ifindex)
		snprintf(mi->name, sizeof(mi->name), "%s", kf_ifname(ifindex, name));
	return mi;
}

static bool xdp_ingress(const struct kf_core *c, __u32 ifindex)
{
	struct kf_attach att;

	if (!ifindex) /* the overflow record: as --xdp asks */
		return c->o->xdp != KF_XDP_OFF;
	return !bpf_map_lookup_elem(bpf_map__fd(c->b.skel->maps.kf_attach), &ifindex, &att) &&
	       (att.flags & KF_ATT_XDP);
}

static bool zero_mac(const __u8 *mac)
{
	static const __u8 z[6];

	return !memcmp(mac, z, 6);
}

void kf_metrics_count(struct kf_metrics *m, const struct kf_core *c, const struct kf_rec *r)
{
	const struct kf_flow *f = r->f;
	struct kf_mif *mi;
	bool xdp;

	if (!m)
		return;
	mi = mif(m, f->key.ifindex);
	if (!mi) {
		m->ifs_left_out++;
		return;
	}
	/* Hook and MAC once per interface and interval, not per record:
	 * a re-attached interface may have moved between TC and XDP. */
	if (mi->gen != m->gen) {
		mi->xdp = xdp_ingress(c, f->key.ifindex);
		if (f->key.ifindex)
			iface_mac(m, mi);
		mi->gen = m->gen;
	}
	xdp = mi->xdp;
	for (int d = 0; d < 2; d++) {
		const struct flow_dir *fd = &f->iv.dir[d];
		const __u8 *src = zero_mac(fd->mac) ? f->life.mac[d] : fd->mac;
		bool egress;
		int h;

		if (!fd->packets)
			continue;
		if (f->key.family) /* a flow: by its source MAC */
			egress = mi->has_mac && !memcmp(src, mi->mac, 6);
		else /* the overflow record: dir[0] is ingress, dir[1] egress */
			egress = d == KF_HOOK_EGRESS;
		h = egress ? KF_MH_TC_EGRESS : xdp ? KF_MH_XDP : KF_MH_TC_INGRESS;
		mi->packets[h] += fd->packets;
		mi->bytes[h] += fd->bytes;
	}
	if (!r->win->id || !f->key.family)
		return;
	for (int side = 0; side < 2; side++) {
		if (!f->id[side].local)
			continue;
		if (f->id[side].pid)
			m->id_resolved++;
		else
			m->id_unresolved++;
	}
}

/* Builds the page, then swaps it in: the HTTP thread never sees one half
 * written, and holds the lock only for a pointer swap or a copy. */
static void publish(struct kf_metrics *m, const struct kf_core *c, bool drained)
{
	struct kf_mtext t;

	kf_mt_reset(&m->next);
	kf_metrics_build(m, c, &m->next);
	m->gen++;
	pthread_mutex_lock(&m->lock);
	if (!m->next.oom) {
		t = m->page;
		m->page = m->next;
		m->next = t;
	}
	m->last_loop_ns = mono_ns();
	m->drained |= drained;
	m->attached = true;
	pthread_mutex_unlock(&m->lock);
}

void kf_metrics_attached(struct kf_metrics *m, const struct kf_core *c)
{
	if (m)
		publish(m, c, false);
}

void kf_metrics_interval(struct kf_metrics *m, const struct kf_core *c, double drain_s)
{
	if (!m)
		return;
	kf_hist_observe(&m->drain, drain_s);
	publish(m, c, true);
}
