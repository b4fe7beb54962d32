#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test.sh - every kflow test on a fresh Debian 12 machine, as root: install
# what is missing, build, run the unit tests (BPF_PROG_TEST_RUN packet
# tables) and the network tests (namespaces and veth; never the host's own
# interfaces). Exits non-zero if anything fails.
set -e
cd "$(dirname "$0")/.."
tools/install-deps.sh
make -s
make -s test
