// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* version.c - the build's version. Only this file sees -DKF_VERSION, so a
 * new VERSION rebuilds one object (the Makefile makes it depend on the
 * file). */
#include <stdio.h>
#include "kflow.h"
#include "version.h"

#ifndef KF_VERSION
#error "KF_VERSION is set by the Makefile from the VERSION file"
#endif

const char kf_version[] = KF_VERSION;

void kf_print_version(void)
{
	printf("kflow %s (ABI %d)\n", kf_version, KF_ABI_VERSION);
}
