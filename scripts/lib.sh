# SPDX-License-Identifier: GPL-2.0
# Shared by the scripts: where things live and how kernels are cached.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${TOY_CACHE:-$HOME/.cache/toy_alloc}
SRC_TAR=/usr/src/linux-source-6.1.tar.xz
JOBS=$(nproc)

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "$*"; exit 1; }

# The unpacked linux-source-6.1, keyed by the tarball's Debian version.
src_version() {
	dpkg-query -W -f='${Version}' linux-source-6.1
}

src_dir() {
	local dir
	dir="$CACHE/src-$(src_version)"
	if [ ! -f "$dir/.unpacked" ]; then
		log "unpacking $SRC_TAR into $dir"
		rm -rf "$dir"
		mkdir -p "$dir"
		tar -C "$dir" --strip-components=1 -xf "$SRC_TAR"
		touch "$dir/.unpacked"
	fi
	echo "$dir"
}

# build_kernel ARCH FRAGMENT BASECONFIG TARGET: prints the build directory,
# keyed by source version and the hash of the config fragment.
build_kernel() {
	local arch=$1 frag=$2 base=$3 target=$4 src hash out
	src=$(src_dir)
	hash=$(cat "$frag" | sha256sum | cut -c1-12)
	out="$CACHE/$arch-$(src_version)-$hash"
	if [ ! -f "$out/.built" ]; then
		log "building the $arch kernel in $out (cold: a few minutes)"
		rm -rf "$out"
		mkdir -p "$out"
		make -s -C "$src" ARCH="$arch" O="$out" "$base" >/dev/null
		(cd "$src" && ARCH=$arch scripts/kconfig/merge_config.sh -m \
			-O "$out" "$out/.config" "$frag") >/dev/null
		make -s -C "$src" ARCH="$arch" O="$out" olddefconfig >/dev/null
		local opt
		while read -r opt; do
			case "$opt" in
			*=n) grep -q "^${opt%=n}=" "$out/.config" &&
				die "$arch config: ${opt%=n} still set" ;;
			*=*) grep -qx "$opt" "$out/.config" ||
				die "$arch config: $opt did not stick" ;;
			esac
		done < <(grep '^CONFIG_' "$frag")
		make -s -C "$src" ARCH="$arch" O="$out" -j"$JOBS" $target \
			>"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2;
			die "$arch kernel build failed"; }
		touch "$out/.built"
	fi
	echo "$out"
}
