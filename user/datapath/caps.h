/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* caps.h - the capabilities `kflow run` needs for what it was asked to do. */
#ifndef KF_CAPS_H
#define KF_CAPS_H

#include "opts.h"

/* Checks the effective capabilities against o before anything is loaded.
 * One that kflow cannot run without: -EPERM after one line
 * "error: missing capability CAP_X: needed to <operation> (<feature>)".
 * One that only part of a feature needs: 0, after one line saying what
 * runs without it. */
int kf_caps_check(const struct kf_opts *o);

#endif /* KF_CAPS_H */
