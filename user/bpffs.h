/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* bpffs.h - make sure the pin path lives on a BPF filesystem. */
#ifndef KF_BPFFS_H
#define KF_BPFFS_H

/* Mounts bpffs on the pin path's parent when that is not bpffs (as inside
 * `ip netns exec`, which remounts /sys), then creates the pin directory.
 * Returns 0 or a negative errno, after a message naming the path. */
int kf_bpffs_prepare(const char *pin_path);

/* Exclusive lock on the pin directory, so two agents never share state.
 * Returns the fd holding the lock or a negative errno. */
int kf_pin_lock(const char *pin_path);

#endif /* KF_BPFFS_H */
