#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-accounting-xdp.sh - end-to-end accounting with XDP ingress and TC
# egress (the shared test checks XDP is attached while counting). A veth's
# XDP is not worth its cost, so this needs --xdp-force (test-xdp-mode.sh).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/accounting.inc.sh"
accounting_test --xdp-force
