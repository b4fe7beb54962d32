// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup_paths.c - container id, pod uid and runtime from cgroup paths of
 * every runtime and cgroup driver kflow knows (reference identity.md 3.3),
 * and the forms it does not know the runtime of.
 */
#include <string.h>
#include "cgparse.h"
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
	{ "podman_cgroupfs", "/libpod_parent/libpod-" CID, CID, "", "podman" },
	{ "podman_cgroupfs_parent_set", "/kflow-test-1/libpod_parent/libpod-" CID, CID, "",
	  "podman" },
	{ "podman_rootless",
	  "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" CID ".scope", CID,
	  "", "podman" },
	{ "podman_payload_below_scope", "/machine.slice/libpod-" CID ".scope/container", CID, "",
	  "podman" },
	{ "podman_conmon_is_no_container", "/machine.slice/libpod-conmon-" CID ".scope", "", "",
	  NULL },
	{ "docker_cgroupfs", "/docker/" CID, CID, "", "docker" },
	{ "docker_systemd_standalone", "/system.slice/docker-" CID ".scope", CID, "", "docker" },
	{ "crio_cgroupfs", "/kubepods/besteffort/pod" UID "/crio-" CID, CID, UID, "cri-o" },
	{ "crio_systemd_parent_cgroupfs_driver",
	  "/kubepods-besteffort-pod" UID_ ".slice:crio:" CID, CID, UID, "cri-o" },
	{ "unknown_runtime_prefix", "/system.slice/nerdctl-" CID ".scope", CID, "", NULL },
	{ "unknown_runtime_in_cgroups_path", "/system.slice/acme.slice:acme:" CID, CID, "", NULL },
	{ "bare_id_under_unknown_parent", "/lxc.payload/" CID, CID, "", NULL },
	{ "cut_path_keeps_its_end",
	  "/.../kubepods-burstable-pod" UID_ ".slice/cri-containerd-" CID ".scope", CID, UID,
	  "containerd" },
	{ "id_glued_to_a_word_is_none", "/system.slice/x" CID ".scope", "", "", NULL },
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
