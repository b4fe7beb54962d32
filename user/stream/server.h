/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* server.h - the stream's listening unix socket: its directory (0750) and
 * the socket (0660), owned by root and the --stream-group. */
#ifndef KF_STREAM_SERVER_H
#define KF_STREAM_SERVER_H

#include <sys/types.h>

/* Listens on path (non-blocking). A path that exists must be a socket no
 * one listens on (a dead agent's): anything else is an error. group may be
 * NULL. Returns the fd or a negative errno after a message. */
int kf_server_listen(const char *path, const char *group);

/* Accepts one subscriber (non-blocking, close-on-exec) and reads its
 * credentials. Returns the fd, -EAGAIN when none waits, or a negative errno. */
int kf_server_accept(int lfd, pid_t *pid, uid_t *uid);

#endif /* KF_STREAM_SERVER_H */
