// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bpffs.c - the pin directory: on a BPF filesystem, created by us, locked.
 *
 * bpffs is mounted only at /sys/fs/bpf and only when nothing is mounted
 * there (as inside `ip netns exec`, which remounts /sys): a mount anywhere
 * else would hide whatever that directory held (a typo such as /etc/x or
 * /proc/x). A pin path elsewhere must already be on bpffs.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include "bpffs.h"
#include "log.h"

#define KF_BPFFS_HOME "/sys/fs/bpf"

int kf_on_bpffs(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return -errno;
	return st.f_type == BPF_FS_MAGIC;
}

/* Nothing is mounted on dir when it shares its parent's device. */
static int is_mountpoint(const char *dir)
{
	char up[PATH_MAX];
	struct stat a, b;

	if (snprintf(up, sizeof(up), "%s/..", dir) >= (int)sizeof(up))
		return -ENAMETOOLONG;
	if (stat(dir, &a) || stat(up, &b))
		return -errno;
	return a.st_dev != b.st_dev || a.st_ino == b.st_ino;
}

static int mount_home(void)
{
	int r = is_mountpoint(KF_BPFFS_HOME);

	if (r < 0) {
		pr_warn("error: cannot inspect %s: %s\n", KF_BPFFS_HOME, strerror(-r));
		return r;
	}
	if (r) {
		pr_warn("error: %s holds a filesystem that is not bpffs; kflow mounts nothing over "
			"it\n",
			KF_BPFFS_HOME);
		return -ENOTDIR;
	}
	if (mount("bpf", KF_BPFFS_HOME, "bpf", 0, "mode=0700")) {
		r = -errno;
		pr_warn("error: nothing is mounted on %s and mounting bpffs there failed: %s\n",
			KF_BPFFS_HOME, strerror(errno));
		return r;
	}
	pr_info("mounted bpffs on %s\n", KF_BPFFS_HOME);
	return 0;
}

int kf_bpffs_prepare(const char *pin_path)
{
	char buf[PATH_MAX], *parent;
	int r;

	if (strlen(pin_path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, pin_path);
	parent = dirname(buf);
	r = kf_on_bpffs(parent);
	if (r < 0) {
		pr_warn("error: --pin-path %s: its directory %s: %s (kflow creates only the pin "
			"directory itself)\n",
			pin_path, parent, strerror(-r));
		return r;
	}
	if (!r && !strcmp(parent, KF_BPFFS_HOME)) {
		r = mount_home();
		if (r)
			return r;
	} else if (!r) {
		pr_warn("error: --pin-path %s: %s is not a BPF filesystem (pin under %s, or mount "
			"bpffs there first)\n",
			pin_path, parent, KF_BPFFS_HOME);
		return -ENOTDIR;
	}
	if (mkdir(pin_path, 0700) && errno != EEXIST) {
		r = -errno;
		pr_warn("error: cannot create pin directory %s: %s\n", pin_path, strerror(errno));
		return r;
	}
	return 0;
}

int kf_pin_lock(const char *pin_path)
{
	int fd = open(pin_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		pr_warn("error: cannot open pin directory %s: %s\n", pin_path, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = -errno;

		if (errno == EWOULDBLOCK)
			pr_warn("error: another kflow is running with pin path %s\n", pin_path);
		else
			pr_warn("error: cannot lock %s: %s\n", pin_path, strerror(errno));
		close(fd);
		return err == -EWOULDBLOCK ? -EBUSY : err;
	}
	return fd;
}
