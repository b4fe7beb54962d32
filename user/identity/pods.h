/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* pods.h - the pods of this node: names from the kubelet's pod directories,
 * addresses and host-side veths from each pod's network namespace. */
#ifndef KF_PODS_H
#define KF_PODS_H

#include <stdbool.h>
#include <linux/types.h>
#include "cgroups.h"

struct kf_pod {
	char uid[KF_POD_UID_LEN + 1];
	char ns[64];
	char name[254];
};

struct kf_pod_ip {
	__u8 family; /* 4 or 6 */
	__u8 addr[16];
	char uid[KF_POD_UID_LEN + 1];
	bool carried; /* not seen in the last scan: kept one interval more */
};

struct kf_pod_link {
	int host_ifindex; /* the veth end in the agent's namespace */
	char uid[KF_POD_UID_LEN + 1];
	bool carried;
};

struct kf_pods {
	struct kf_pod *pods;
	size_t npods;
	struct kf_pod_ip *ips;
	size_t nips;
	struct kf_pod_link *links;
	size_t nlinks;
};

/* Rebuilds both tables: names from log_root (`<ns>_<pod>_<uid>`), addresses
 * and veths from the network namespaces of processes in pod cgroups. */
void kf_pods_refresh(struct kf_pods *p, const char *log_root);
void kf_pods_free(struct kf_pods *p);

const struct kf_pod *kf_pod_by_uid(const struct kf_pods *p, const char *uid);
const char *kf_pod_uid_by_ip(const struct kf_pods *p, __u8 family, const __u8 *addr);
const char *kf_pod_uid_by_link(const struct kf_pods *p, int host_ifindex);

#endif /* KF_PODS_H */
