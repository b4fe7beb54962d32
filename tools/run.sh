#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# run.sh - kflow's main job on a fresh Debian 12 machine, as root: install
# what is missing, build, then count on every up, non-loopback interface of
# this network namespace and write JSON flow records to stdout each minute.
# Extra arguments go to `kflow run` (e.g. --iface eth1 --interval 10).
set -e
cd "$(dirname "$0")/.."
tools/install-deps.sh
make -s
exec ./build/kflow run "$@"
