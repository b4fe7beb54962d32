// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgparse.c - container id, runtime and pod uid from a cgroup path, by the
 * names runtimes and the kubelet give cgroups (reference identity.md 3.3):
 *
 *   <runtime>-<id>[.scope]     systemd driver, and the prefixed cgroupfs
 *                              forms (podman "libpod-<id>", CRI-O "crio-<id>")
 *   <slice>:<runtime>:<id>     systemd-style cgroupsPath, cgroupfs driver
 *   <id>                       cgroupfs: kubelet pods, docker's "/docker/<id>"
 *   [kubepods-<qos>-]pod<uid>  the pod above its containers
 *
 * where <id> is 64 hex digits. An unknown <runtime> still gives the id (an
 * empty runtime): a new runtime's containers are then named, not dropped.
 * The conmon monitors (crio-conmon-<id>, libpod-conmon-<id>) are no
 * containers.
 */
#include <string.h>
#include "cgparse.h"

static const struct {
	const char *prefix, *runtime;
} runtimes[] = {
	{ "cri-containerd", "containerd" },
	{ "crio", "cri-o" },
	{ "docker", "docker" },
	{ "libpod", "podman" },
};

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t sl = strlen(suffix);

	return len >= sl && !memcmp(s + len - sl, suffix, sl);
}

static const char *runtime_of(const char *prefix, size_t len)
{
	for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
		if (strlen(runtimes[i].prefix) == len && !memcmp(runtimes[i].prefix, prefix, len))
			return runtimes[i].runtime;
	return NULL;
}

/* One path component; parent is the component above it ("" at the top). */
static bool container_in(const char *comp, size_t len, const char *parent, size_t plen,
			 struct kf_cg_info *out)
{
	const char *id, *prefix;
	size_t n;

	if (ends_with(comp, len, ".scope"))
		len -= strlen(".scope");
	if (len < KF_CONTAINER_ID_LEN)
		return false;
	id = comp + len - KF_CONTAINER_ID_LEN;
	if (!all_hex(id, KF_CONTAINER_ID_LEN))
		return false;
	if (id == comp) {
		/* A bare id: only its parent can tell the runtime. */
		out->runtime = runtime_of(parent, plen);
	} else {
		if (id[-1] != '-' && id[-1] != ':')
			return false;
		/* The runtime word: after the last ':' of "<slice>:<runtime>:". */
		n = id - 1 - comp;
		prefix = comp;
		for (size_t i = 0; i < n; i++)
			if (comp[i] == ':')
				prefix = comp + i + 1;
		n = id - 1 - prefix;
		if (ends_with(prefix, n, "conmon"))
			return false;
		out->runtime = runtime_of(prefix, n);
	}
	memcpy(out->container_id, id, KF_CONTAINER_ID_LEN);
	out->container_id[KF_CONTAINER_ID_LEN] = '\0';
	return true;
}

static bool is_uid(const char *s)
{
	for (int i = 0; i < KF_POD_UID_LEN; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-' && c != '_')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return false;
		}
	}
	return true;
}

/* "pod<uid>" (cgroupfs) or "kubepods[-<qos>]-pod<uid_>.slice" (systemd). */
static bool pod_in(const char *comp, size_t len, struct kf_cg_info *out)
{
	const char *p = comp;

	while ((p = strstr(p, "pod")) && p < comp + len) {
		const char *uid = p + 3;

		if (uid + KF_POD_UID_LEN <= comp + len && is_uid(uid) &&
		    (p == comp || p[-1] == '-') &&
		    (uid + KF_POD_UID_LEN == comp + len ||
		     !strncmp(uid + KF_POD_UID_LEN, ".slice", 6))) {
			for (int i = 0; i < KF_POD_UID_LEN; i++)
				out->pod_uid[i] = uid[i] == '_' ? '-' : uid[i];
			out->pod_uid[KF_POD_UID_LEN] = '\0';
			return true;
		}
		p += 3;
	}
	return false;
}

/* The component ending at end (exclusive), set in *start; its length. */
static size_t comp_before(const char *path, const char *end, const char **start)
{
	const char *s = end;

	while (s > path && s[-1] != '/')
		s--;
	*start = s;
	return end - s;
}

bool kf_cg_parse(const char *path, struct kf_cg_info *out)
{
	const char *end = path + strlen(path);
	bool found_container = false;

	memset(out, 0, sizeof(*out));
	/* From the leaf up: a process may sit in a nested cgroup below its
	 * container, and the pod is above the container. */
	while (end > path) {
		const char *start, *parent;
		size_t len = comp_before(path, end, &start), plen;

		plen = start > path ? comp_before(path, start - 1, &parent) : 0;
		if (!plen)
			parent = "";
		if (len) {
			if (!found_container && container_in(start, len, parent, plen, out)) {
				found_container = true;
				/* "<pod slice>:cri-containerd:<id>" names both */
				if (pod_in(start, len, out))
					break;
			} else if (pod_in(start, len, out)) {
				break; /* the pod above the container, or a pod-level process */
			}
		}
		end = start > path ? start - 1 : path;
	}
	return found_container || out->pod_uid[0];
}
