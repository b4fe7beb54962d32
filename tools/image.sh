#!/bin/bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# image.sh BINARY CONTEXT-DIR NAME:TAG - the kflow OCI image, offline: FROM
# scratch with the agent, exactly the shared libraries ldd names for it and
# the dynamic loader, at the paths ldd names (nothing pulled from a
# registry, no shell, no package manager). The agent needs no /etc/passwd
# (it runs as uid 0 with capabilities, never looks a user up), no CA
# certificates (it dials nothing over TLS), no /tmp; /etc/services names
# IPFIX applications when it is there. Called by `make image`, which sets
# KF_VERSION, KF_ABI and PODMAN (podman with any global options).
set -e
bin=$1 ctx=$2 tag=$3
: "${KF_VERSION:?}" "${KF_ABI:?}" "${PODMAN:=podman}"
[ -x "$bin" ] || { echo "image.sh: no agent at $bin (make first)" >&2; exit 1; }
command -v "${PODMAN%% *}" >/dev/null || { echo "image.sh: missing podman (make deps)" >&2; exit 1; }

rm -rf "$ctx"
mkdir -p "$ctx/rootfs/usr/sbin" "$ctx/rootfs/etc" "$ctx/rootfs/run/kflow"
install -m 0755 "$bin" "$ctx/rootfs/usr/sbin/kflow"
# "libx.so.1 => /lib/.../libx.so.1 (0x...)" and the loader's "/lib64/ld-... (0x...)":
# copied to the path the binary asks for, contents of what it resolves to.
libs=$(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
[ -n "$libs" ] || { echo "image.sh: ldd named no libraries for $bin" >&2; exit 1; }
for l in $libs; do
	mkdir -p "$ctx/rootfs$(dirname "$l")"
	cp -L "$l" "$ctx/rootfs$l"
done
[ -f /etc/services ] && cp /etc/services "$ctx/rootfs/etc/services"
cat >"$ctx/Containerfile" <<EOC
FROM scratch
COPY rootfs /
LABEL org.opencontainers.image.title="kflow" \\
      org.opencontainers.image.description="in-kernel network flow accounting (eBPF), DeepFlow l4_flow_log records" \\
      org.opencontainers.image.version="$KF_VERSION" \\
      io.kflow.abi-version="$KF_ABI"
ENTRYPOINT ["/usr/sbin/kflow"]
CMD ["run"]
EOC
# shellcheck disable=SC2086
$PODMAN build -q --pull=never -t "$tag" "$ctx" >/dev/null
echo "built $tag: kflow $KF_VERSION, ABI $KF_ABI, $(echo $libs | wc -w) libraries"
