# SPDX-License-Identifier: GPL-2.0
# Shared by the scripts: where things live, how kernels are cached, which
# Debian kernel the module targets, and how checks are reported.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${TOY_CACHE:-${HOME:-/root}/.cache/toy_alloc}
SRC_TAR=/usr/src/linux-source-6.1.tar.xz
JOBS=$(nproc)
UML_FRAG=$TOP/scripts/configs/uml-kunit.config

# Work files of this checkout (copies, roots, logs): runs from two
# checkouts never share them; lock_work serializes runs within one.
WORK_DIR=$CACHE/work/$(basename "$TOP")-$(printf %s "$TOP" | sha256sum | cut -c1-8)

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "$*"; exit 1; }

# lock_work NAME: hold this checkout's lock NAME (fd 7) until the script
# exits; a second run of the same kind waits for the first.
lock_work() {
	mkdir -p "$WORK_DIR"
	exec 7>"$WORK_DIR/$1.lock"
	if ! flock -n 7; then
		log "waiting for another '$1' run in this checkout"
		flock 7
	fi
}

# Install what is missing (apt-get only when something is).
deps() {
	"$TOP/scripts/deps.sh" >&2 || die "scripts/deps.sh failed"
}

# The unpacked linux-source-6.1, keyed by the tarball's Debian version.
src_version() {
	dpkg-query -W -f='${Version}' linux-source-6.1
}

src_dir() {
	local dir
	dir="$CACHE/src-$(src_version)"
	mkdir -p "$CACHE"
	(
		flock 9
		if [ ! -f "$dir/.unpacked" ]; then
			log "unpacking $SRC_TAR into $dir"
			rm -rf "$dir"
			mkdir -p "$dir"
			tar -C "$dir" --strip-components=1 -xf "$SRC_TAR"
			touch "$dir/.unpacked"
		fi
	) 9>"$dir.lock"
	echo "$dir"
}

# build_kernel ARCH FRAGMENT BASECONFIG TARGET: prints the build directory,
# keyed by source version and the hash of the config fragment. A lock file
# beside it makes a second caller wait for the first build, not redo it.
build_kernel() {
	local arch=$1 frag=$2 base=$3 target=$4 src hash out
	src=$(src_dir)
	hash=$(sha256sum <"$frag" | cut -c1-12)
	out="$CACHE/$arch-$(src_version)-$hash"
	exec 8>"$out.lock"
	flock 8
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
		# shellcheck disable=SC2086 # TARGET may name several targets
		make -s -C "$src" ARCH="$arch" O="$out" -j"$JOBS" $target \
			>"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2;
			die "$arch kernel build failed"; }
		touch "$out/.built"
	fi
	exec 8>&-
	echo "$out"
}

# The UML kernel with KUnit and the sanitizers (config: $UML_FRAG).
uml_kernel() {
	build_kernel um "$UML_FRAG" defconfig "linux modules"
}

# --- Debian's kernel: the one users run, booted under QEMU ---------------

# The kernel release linux-image-amd64 points at (e.g. 6.1.0-56-amd64),
# never the host's own `uname -r`.
debian_kver() {
	local dep
	dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64) ||
		die "linux-image-amd64 is not installed (run scripts/deps.sh)"
	dep=${dep%% *}
	dep=${dep%,}
	case "$dep" in
	linux-image-*) echo "${dep#linux-image-}" ;;
	*) die "cannot read a kernel release from linux-image-amd64: $dep" ;;
	esac
}

debian_vmlinuz() {
	local f
	f=/boot/vmlinuz-$(debian_kver)
	[ -r "$f" ] || die "$f missing: is linux-image-amd64 installed?"
	echo "$f"
}

# The headers to build against: $KDIR if set, else Debian's for
# debian_kver, installed when absent.
debian_kdir() {
	local kver dir
	if [ -n "${KDIR:-}" ]; then
		[ -f "$KDIR/Makefile" ] || die "KDIR=$KDIR has no Makefile"
		echo "$KDIR"
		return
	fi
	kver=$(debian_kver)
	dir=/lib/modules/$kver/build
	if [ ! -f "$dir/Makefile" ]; then
		log "installing linux-headers-$kver"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "linux-headers-$kver" >&2 ||
			die "cannot install linux-headers-$kver"
	fi
	echo "$dir"
}

# --- Checks: one line each, counted by scripts/check.sh ------------------

TOY_FAILS=0

# record ok|fail NAME...: count a check without printing it (for lines the
# guest printed already); appended to $TOY_RESULTS when that names a file.
record() {
	local verdict=$1
	shift
	case "$verdict" in
	ok) ;;
	fail) TOY_FAILS=$((TOY_FAILS + 1)) ;;
	*) die "record: bad verdict $verdict" ;;
	esac
	if [ -n "${TOY_RESULTS:-}" ]; then
		printf '%s %s\n' "$verdict" "$*" >>"$TOY_RESULTS"
	fi
}

# result ok|fail NAME...: print a TAP-ish line and record it.
result() {
	case "$1" in
	ok) printf 'ok - %s\n' "${*:2}" ;;
	fail) printf 'not ok - %s\n' "${*:2}" ;;
	esac
	record "$@"
}

# check NAME CMD...: run CMD, record ok/fail under NAME, return its status.
check() {
	local name=$1
	shift
	if "$@"; then
		result ok "$name"
	else
		result fail "$name"
		return 1
	fi
}

# expect_empty NAME TEXT: ok when TEXT is empty, else print it and fail.
expect_empty() {
	if [ -z "$2" ]; then
		result ok "$1"
	else
		printf '%s\n' "$2"
		result fail "$1"
	fi
}

# Seconds since the epoch, for the timings printed by the stages.
now() { date +%s; }

# --- i386 with HIGHMEM: the reference of the highmem emulation -------------

I386_FRAG=$TOP/scripts/configs/i386-highmem.config

# The i386 kernel of tests/i386 (tinyconfig + $I386_FRAG), with the
# Module.symvers that out-of-tree modules are built against.
i386_kernel() {
	local out
	out=$(build_kernel i386 "$I386_FRAG" tinyconfig "bzImage modules") ||
		return 1
	if [ ! -f "$out/Module.symvers" ]; then
		(flock 8 && make -s -C "$(src_dir)" ARCH=i386 O="$out" \
			-j"$JOBS" modules >>"$out/build.log" 2>&1) 8>"$out.lock" ||
			die "i386 kernel: make modules failed"
	fi
	echo "$out"
}

# A static i386 busybox from Debian's archive (busybox-static:i386),
# unpacked once into the cache. Adds the i386 architecture to dpkg if it
# is missing; apt-get update may complain about some i386 list and still
# have fetched what is needed, so the .deb decides, not its exit code.
i386_busybox() {
	local dir=$CACHE/i386-busybox tmp debs
	mkdir -p "$CACHE"
	(
		flock 9
		[ -x "$dir/bin/busybox" ] && exit 0
		if ! dpkg --print-foreign-architectures | grep -qx i386; then
			log "adding the i386 architecture to dpkg"
			dpkg --add-architecture i386 ||
				die "dpkg --add-architecture i386 failed"
		fi
		tmp=$(mktemp -d)
		if ! (cd "$tmp" && apt-get download -q busybox-static:i386) \
			>&2 2>&1; then
			log "apt-get update for the i386 lists"
			apt-get update -q >&2 ||
				log "apt-get update reported errors; trying the download anyway"
			(cd "$tmp" && apt-get download -q busybox-static:i386) >&2 ||
				log "apt-get download busybox-static:i386 failed"
		fi
		debs=("$tmp"/busybox-static_*_i386.deb)
		[ -f "${debs[0]}" ] || die "no busybox-static i386 package"
		rm -rf "$dir.new"
		dpkg-deb -x "${debs[0]}" "$dir.new"
		rm -rf "$tmp"
		[ -x "$dir.new/bin/busybox" ] ||
			die "busybox-static:i386 holds no bin/busybox"
		rm -rf "$dir"
		mv "$dir.new" "$dir"
	) 9>"$dir.lock" || exit 1
	echo "$dir/bin/busybox"
}
