#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# test-accounting-tc.sh - end-to-end accounting with TC ingress and egress.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/accounting.inc.sh"
accounting_test
