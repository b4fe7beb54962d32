// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup_paths.c - container id, pod uid and runtime from cgroup paths of
 * every runtime and cgroup driver kflow knows (reference identity.md 3.3).
 */
#include <string.h>
#include "cgroups.h"
#include "test_progs.h"

#define CID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "1111aaaa-2222-3333-4444-555566667777"
#define UID_ "1111aaaa_2222_3333_4444_555566667777"

static const struct {
	const char *name, *path, *cid, *uid, *runtime;
} cases[] = {
	{ "containerd_systemd",
	  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-containerd-" CID ".scope",
	  CID, UID, "containerd" },
	{ "containerd_systemd_guaranteed",
	  "/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" CID ".scope", CID, UID,
	  "containerd" },
	{ "crio_systemd",
	  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/crio-" CID ".scope",
	  CID, UID, "cri-o" },
	{ "crio_conmon_is_no_container",
	  "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
	  ".slice/crio-conmon-" CID ".scope",
	  "", UID, NULL },
	{ "docker_systemd",
	  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/docker-" CID ".scope",
	  CID, UID, "docker" },
	{ "cgroupfs_besteffort", "/kubepods/besteffort/pod" UID "/" CID, CID, UID, NULL },
	{ "cgroupfs_guaranteed", "/kubepods/pod" UID "/" CID, CID, UID, NULL },
	{ "systemd_parent_cgroupfs_driver",
	  "/system.slice/containerd.service/kubepods-burstable-pod" UID_
	  ".slice:cri-containerd:" CID,
	  CID, UID, "containerd" },
	{ "podman", "/machine.slice/libpod-" CID ".scope", CID, "", "podman" },
	{ "nested_below_container", "/kubepods/besteffort/pod" UID "/" CID "/app/worker", CID,
	  UID, NULL },
	{ "under_a_test_root",
	  "/kflow-test-1/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
	  ".slice/cri-containerd-" CID ".scope",
	  CID, UID, "containerd" },
	{ "pod_level_process", "/kubepods/burstable/pod" UID, "", UID, NULL },
	{ "host_process", "/system.slice/sshd.service", "", "", NULL },
	{ "short_hex_is_no_container", "/docker/0123abcd", "", "", NULL },
};

void test_cgroup_paths(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kf_cg_info info;
		bool any;

		if (!test__start_subtest(cases[i].name))
			continue;
		any = kf_cg_parse(cases[i].path, &info);
		ASSERT_EQ(any, cases[i].cid[0] || cases[i].uid[0], "matched");
		ASSERT_STREQ(info.container_id, cases[i].cid, "container id");
		ASSERT_STREQ(info.pod_uid, cases[i].uid, "pod uid");
		ASSERT_STREQ(info.runtime ? info.runtime : "", cases[i].runtime ? cases[i].runtime : "",
			     "runtime");
	}
}
