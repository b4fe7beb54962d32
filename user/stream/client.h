/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* client.h - `kflow stream`: a running agent's flow events on stdout. */
#ifndef KF_STREAM_CLIENT_H
#define KF_STREAM_CLIENT_H

#define KF_STREAM_DEFAULT_SOCKET "/run/kflow/kflow.sock"

/* argv[1] is "stream". Returns the process exit status. */
int kf_stream_client(int argc, char **argv);

#endif /* KF_STREAM_CLIENT_H */
