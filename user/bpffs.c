// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* bpffs.c - BPF filesystem mount and the pin directory lock. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX], *p;

	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int kf_bpffs_prepare(const char *pin_path)
{
	char buf[PATH_MAX], *parent;
	struct statfs st;
	int err;

	if (strlen(pin_path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, pin_path);
	parent = dirname(buf);
	err = mkdir_p(parent);
	if (err) {
		pr_warn("error: cannot create %s: %s\n", parent, strerror(-err));
		return err;
	}
	if (statfs(parent, &st)) {
		err = -errno;
		pr_warn("error: cannot stat %s: %s\n", parent, strerror(errno));
		return err;
	}
	if (st.f_type != BPF_FS_MAGIC) {
		if (mount("bpf", parent, "bpf", 0, "mode=0700")) {
			err = -errno;
			pr_warn("error: %s is not a BPF filesystem and mounting one failed: %s\n",
				parent, strerror(errno));
			return err;
		}
		pr_info("mounted bpffs on %s\n", parent);
	}
	if (mkdir(pin_path, 0700) && errno != EEXIST) {
		err = -errno;
		pr_warn("error: cannot create pin directory %s: %s\n", pin_path, strerror(errno));
		return err;
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
