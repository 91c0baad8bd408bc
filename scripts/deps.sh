#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what the build and the tests need, from Debian's archive only.
# Idempotent: does nothing when every package is already there. The
# kernel source is the series of the kernel the scripts boot (lib.sh's
# kernel_series): linux-source-6.1 on Debian 12, linux-source-6.12 on
# Debian 13.
set -eu
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

src=$(src_package) || exit 1
PKGS="build-essential bc bison flex libelf-dev libssl-dev cpio gzip xz-utils rsync
      patch python3 kmod procps sparse busybox-static qemu-system-x86
      $src linux-image-amd64 linux-headers-amd64"

# shellcheck disable=SC2086 # one package a word
apt_install $PKGS
