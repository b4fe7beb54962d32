#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# install-deps.sh - install the Debian 12 packages kflow's build and tests
# need, only those missing (no network when everything is there). Root only.
set -e

BUILD="make gcc libc6-dev pkg-config clang-19 llvm-19 libbpf-dev bpftool libelf-dev zlib1g-dev libmnl-dev libmicrohttpd-dev libjansson-dev"
# The database outputs: libsqlite3 and libcurl (ClickHouse over HTTP).
BUILD="$BUILD libsqlite3-dev libcurl4-openssl-dev"
TESTS="iproute2 tcpdump tshark nftables nfdump pmacct ethtool iputils-ping python3 util-linux procps iperf3"
# Real containers for the identity tests (podman.inc.sh): podman with runc,
# and busybox-static for an image built with no registry.
TESTS="$TESTS podman runc busybox-static"
# Metrics tests: curl asks the endpoints, prometheus scrapes them and its
# promtool checks the text format (test-caps uses util-linux's setpriv).
TESTS="$TESTS curl prometheus"
# The image (make image) and the deployment tests: buildah (podman build's
# engine, for users without podman), the manifest read by the tests
# (python3-yaml), node for the offline schema validation (its npm package
# goes to the build output at test time).
TESTS="$TESTS buildah python3-yaml nodejs"
# The database tests: sqlite3 to query, a ClickHouse server (18.16 in Debian 12)
# started by the test itself, and its client.
TESTS="$TESTS sqlite3 clickhouse-server clickhouse-client"

missing=""
for p in $BUILD $TESTS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
# Debian's nodejs comes without npm (a package of its own); other builds of
# nodejs (NodeSource's) carry it and conflict with Debian's npm.
command -v npm >/dev/null || missing="$missing npm"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "install-deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
