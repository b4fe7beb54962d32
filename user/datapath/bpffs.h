/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* bpffs.h - the pin directory on a BPF filesystem, and its lock. */
#ifndef KF_BPFFS_H
#define KF_BPFFS_H

/* Creates the pin directory (0700) in its parent, which must exist and be
 * bpffs; bpffs is mounted only at /sys/fs/bpf, only when nothing is mounted
 * there. Returns 0 or a negative errno, after a message naming the path. */
int kf_bpffs_prepare(const char *pin_path);

/* 1 if path is on a BPF filesystem, 0 if not, negative errno. */
int kf_on_bpffs(const char *path);

/* Exclusive lock on the pin directory, so two agents never share state.
 * Returns the fd holding the lock or a negative errno. */
int kf_pin_lock(const char *pin_path);

#endif /* KF_BPFFS_H */
