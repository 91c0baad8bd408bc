#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the build and the tests need, from Debian's archive only.
# Idempotent: does nothing when every package is already there.
set -eu

PKGS="build-essential bc bison flex libelf-dev libssl-dev cpio gzip xz-utils rsync
      python3 kmod procps sparse busybox-static qemu-system-x86
      linux-source-6.1 linux-image-amd64 linux-headers-amd64"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q || echo "deps: apt-get update reported an error, trying anyway"
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
