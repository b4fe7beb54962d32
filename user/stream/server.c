// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* server.c - make, guard and accept on the stream's unix socket. Access is
 * the file system's: the socket is 0660 root:group in a 0750 root:group
 * directory, so only root and the group's members can connect. */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "log.h"
#include "server.h"

static int group_id(const char *group, gid_t *gid)
{
	struct group *g;

	*gid = 0;
	if (!group)
		return 0;
	errno = 0;
	g = getgrnam(group);
	if (!g) {
		pr_warn("error: --stream-group %s: no such group%s%s\n", group, errno ? ": " : "",
			errno ? strerror(errno) : "");
		return -ENOENT;
	}
	*gid = g->gr_gid;
	return 0;
}

/* The socket's directory: made 0750 root:group when missing; an existing
 * one is left as its owner set it. */
static int prepare_dir(const char *path, gid_t gid)
{
	char copy[PATH_MAX], *dir;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (!mkdir(dir, 0750)) {
		if (chown(dir, 0, gid) || chmod(dir, 0750)) {
			pr_warn("error: --stream: cannot give %s to root:%u mode 0750: %s\n", dir,
				gid, strerror(errno));
			return -errno;
		}
		pr_info("stream: made directory %s (0750 root:%u)\n", dir, gid);
		return 0;
	}
	if (errno != EEXIST) {
		pr_warn("error: --stream: cannot make directory %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	return 0;
}

/* An existing path: a dead agent's socket goes, anything else stays. */
static int clear_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, err;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		pr_warn("error: --stream %s: exists and is not a socket\n", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (!err) {
		pr_warn("error: --stream %s: another process listens there (another agent?)\n",
			path);
		return -EADDRINUSE;
	}
	pr_info("stream: removing the stale socket %s\n", path);
	return unlink(path) ? -errno : 0;
}

int kf_server_listen(const char *path, const char *group)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	gid_t gid;
	mode_t old;
	int fd, err;

	err = group_id(group, &gid);
	if (err)
		return err;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	err = prepare_dir(path, gid);
	if (!err)
		err = clear_stale(path, &sa);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* No moment with a socket anyone may connect to. */
	old = umask(0177);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (err || chown(path, 0, gid) || chmod(path, 0660) || listen(fd, 64)) {
		err = -errno;
		pr_warn("error: --stream %s: cannot listen: %s\n", path, strerror(errno));
		close(fd);
		return err;
	}
	pr_info("stream: listening on %s (0660 root:%s)\n", path, group ? group : "root");
	return fd;
}

int kf_server_accept(int lfd, pid_t *pid, uid_t *uid)
{
	struct ucred cred = {};
	socklen_t len = sizeof(cred);
	int fd;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		pr_warn("stream: cannot read a subscriber's credentials: %s\n", strerror(errno));
		cred.pid = 0;
		cred.uid = (uid_t)-1;
	}
	*pid = cred.pid;
	*uid = cred.uid;
	return fd;
}
