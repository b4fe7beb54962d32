// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * caps.c - `kflow run` checks its effective capabilities before it loads
 * anything, so that a container short of one exits with a line naming it
 * instead of a verifier log or an EPERM from deep inside libbpf. What needs
 * what, measured with setpriv on this kernel (README, "Capabilities"):
 *
 *   CAP_BPF        create maps, load programs
 *   CAP_PERFMON    the flow programs' verifier needs it (without it the TC
 *                  program is rejected), and identity's tp_btf program
 *   CAP_NET_ADMIN  load TC and XDP programs, attach them (rtnetlink), and
 *                  identity's cgroup socket programs
 *   CAP_SYS_ADMIN  look attached programs up by id (BPF_PROG_GET_FD_BY_ID is
 *                  CAP_SYS_ADMIN only), so that kflow detaches its own and
 *                  refuses others'; setns into pods' network namespaces
 *                  (identity); mounting bpffs when /sys/fs/bpf has none
 *   CAP_SYS_PTRACE read other processes' /proc/PID/fd and ns/net (identity;
 *                  without it only the socket hooks name processes)
 *
 * The kernel lets CAP_SYS_ADMIN stand in for CAP_BPF and CAP_PERFMON; kflow
 * asks for them by name all the same, so that a manifest says what each is
 * for and keeps working once CAP_SYS_ADMIN is no longer needed. No
 * RLIMIT_MEMLOCK: maps are charged to the memory cgroup on this kernel, so
 * CAP_SYS_RESOURCE and CAP_IPC_LOCK are not needed.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include "bpffs.h"
#include "caps.h"
#include "log.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static unsigned long long effective(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return ~0ULL; /* cannot tell: let the operations themselves fail */
	return (unsigned long long)data[1].effective << 32 | data[0].effective;
}

static bool has(unsigned long long eff, int cap)
{
	return eff & (1ULL << cap);
}

static int missing(const char *cap, const char *op, const char *feature)
{
	pr_warn("error: missing capability %s: needed to %s (%s)\n", cap, op, feature);
	return -EPERM;
}

/* bpffs is mounted by kflow only at /sys/fs/bpf, when nothing is there. */
static bool needs_bpffs_mount(const char *pin_path)
{
	char parent[4096];

	snprintf(parent, sizeof(parent), "%s", pin_path);
	return kf_on_bpffs(dirname(parent)) == 0 && kf_on_bpffs("/sys/fs/bpf") == 0;
}

int kf_caps_check(const struct kf_opts *o)
{
	unsigned long long eff = effective();

	if (!has(eff, CAP_BPF))
		return missing("CAP_BPF", "create BPF maps and load the flow programs", "kflow run");
	if (!has(eff, CAP_PERFMON))
		return missing("CAP_PERFMON", "pass the verifier with the flow programs", "kflow run");
	if (!has(eff, CAP_NET_ADMIN))
		return missing("CAP_NET_ADMIN", "load TC/XDP programs and attach them to interfaces",
			       "kflow run");
	if (!has(eff, CAP_SYS_ADMIN))
		return missing("CAP_SYS_ADMIN",
			       needs_bpffs_mount(o->pin_path)
				       ? "look attached programs up by id, to detach only kflow's "
					 "own, and to mount bpffs on /sys/fs/bpf"
				       : "look attached programs up by id, to detach only kflow's own",
			       "kflow run");
	if (!o->no_identity && !has(eff, CAP_SYS_PTRACE))
		pr_warn("missing capability CAP_SYS_PTRACE: identity runs without reading other "
			"processes' /proc/PID/fd and ns/net: only sockets the hooks see name a "
			"process, no pod addresses\n");
	return 0;
}
