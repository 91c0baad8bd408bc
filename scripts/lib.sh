# SPDX-License-Identifier: GPL-2.0
# Shared by the scripts: where things live, how kernels are cached, which
# Debian kernel the module targets, and how checks are reported.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${TOY_CACHE:-${HOME:-/root}/.cache/toy_alloc}
JOBS=$(nproc)

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

# The unpacked linux-source of the kernel series (kernel_series: 6.1 on
# Debian 12, 6.12 on Debian 13), installed when absent and keyed by its
# Debian version.
src_package() {
	local series
	series=$(kernel_series) || return 1
	echo "linux-source-$series"
}

src_version() {
	dpkg-query -W -f='${Version}' "$(src_package)" 2>/dev/null
}

src_dir() {
	local pkg tar dir
	pkg=$(src_package) || exit 1
	tar=/usr/src/$pkg.tar.xz
	[ -r "$tar" ] || apt_install "$pkg" || die "cannot install $pkg"
	[ -r "$tar" ] || die "$tar missing: is $pkg installed?"
	dir="$CACHE/src-$(src_version)"
	mkdir -p "$CACHE"
	(
		flock 9
		if [ ! -f "$dir/.unpacked" ]; then
			log "unpacking $tar into $dir"
			rm -rf "$dir"
			mkdir -p "$dir"
			tar -C "$dir" --strip-components=1 -xf "$tar"
			touch "$dir/.unpacked"
		fi
		apply_patches "$dir"
	) 9>"$dir.lock" || exit 1
	echo "$dir"
}

# The patches of the series (scripts/patches/SERIES/*.patch), fixes the
# release lacks for the hosts we run on; each is applied once, and
# patches_hash keys the kernel builds by them.
patch_files() {
	local series
	series=$(kernel_series) || return 1
	compgen -G "$TOP/scripts/patches/$series/*.patch" | sort || true
}

patches_hash() {
	local p
	for p in $(patch_files); do
		cat "$p"
	done | sha256sum | cut -c1-12
}

apply_patches() {
	local dir=$1 p stamp
	for p in $(patch_files); do
		stamp="$dir/.patched-$(basename "$p" .patch)"
		[ -f "$stamp" ] && continue
		log "patching $dir: $(basename "$p")"
		patch -d "$dir" -p1 -N -s <"$p" || die "$p does not apply"
		touch "$stamp"
	done
}

# config_fragment NAME: the kernel config fragment NAME for the kernel
# series: scripts/configs/NAME.config, followed by what differs in this
# series, scripts/configs/NAME-SERIES.config, when that file exists
# (later lines win in merge_config.sh). Prints the merged file's path.
config_fragment() {
	local base=$TOP/scripts/configs/$1 series out
	series=$(kernel_series) || exit 1
	out=$WORK_DIR/configs/$1-$series.config
	mkdir -p "$WORK_DIR/configs"
	cat "$base.config" >"$out.tmp.$$"
	if [ -f "$base-$series.config" ]; then
		cat "$base-$series.config" >>"$out.tmp.$$"
	fi
	mv "$out.tmp.$$" "$out"
	echo "$out"
}

# build_kernel ARCH FRAGMENT BASECONFIG TARGET: prints the build directory,
# keyed by source version and the hash of the config fragment. A lock file
# beside it makes a second caller wait for the first build, not redo it.
build_kernel() {
	local arch=$1 frag=$2 base=$3 target=$4 src hash out
	src=$(src_dir)
	hash=$({ cat "$frag"; patches_hash; } | sha256sum | cut -c1-12)
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

# The UML kernel with KUnit and the sanitizers (config: uml-kunit).
uml_kernel() {
	local frag
	frag=$(config_fragment uml-kunit) || return 1
	build_kernel um "$frag" defconfig "linux modules"
}

# --- Debian's kernel: the one users run, booted under QEMU ---------------
#
# Default: the release linux-image-amd64 depends on (6.1). TOY_KVER picks
# another Debian kernel release for every script (build, vm, bench):
#   TOY_KVER=6.12.117+deb12-rt-amd64   that release exactly
#   TOY_KVER=6.12 / TOY_KVER=6.12-rt   the newest 6.12 release (plain or
#                                      PREEMPT_RT) with image and headers
#                                      in the archive (newest_kver)
# Its linux-image and linux-headers packages are installed when absent.

# apt_install PKG...: install the packages not yet installed. When apt-get
# fails (stale lists on a machine that never ran apt-get update), update
# the lists and try once more. Waits for another apt/dpkg run to end.
apt_install() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	log "installing ${missing[*]}"
	_apt_get() {
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 \
			install -y -q --no-install-recommends "$@" >&2
	}
	_apt_get "${missing[@]}" && return 0
	log "apt-get install failed: apt-get update, then once more"
	apt-get -o DPkg::Lock::Timeout=900 update -q >&2 ||
		log "apt-get update reported errors; trying anyway"
	_apt_get "${missing[@]}"
}

# kver_candidates SERIES FLAVOUR KIND: the releases of SERIES (6.12) in
# FLAVOUR (amd64, rt-amd64) for which the archive has linux-KIND-<release>
# (KIND image or headers) with a version apt can install, one a line.
# Releases look like 6.12.117+deb12-rt-amd64 or 6.1.0-56-amd64.
kver_candidates() {
	local series=${1//./\\.} flavour=$2 kind=$3 pkgs
	pkgs=$(apt-cache search --names-only "^linux-$kind-$series\\." |
		awk '{ print $1 }' |
		grep -E "^linux-$kind-$series\\.[0-9]+(\\+deb[0-9]+|-[0-9]+)-$flavour\$") ||
		return 0
	# shellcheck disable=SC2086 # one name a word
	LC_ALL=C apt-cache policy $pkgs | awk -v kind="linux-$kind-" '
		/^[^ ]/ { pkg = $1; sub(/:$/, "", pkg); next }
		$1 == "Candidate:" && $2 != "(none)" { sub(kind, "", pkg); print pkg }'
}

# newest_kver SERIES FLAVOUR: the newest release (sort -V) of Debian's
# SERIES kernels in FLAVOUR that the archive has both linux-image and
# linux-headers for, e.g. "newest_kver 6.12 rt-amd64" gives
# 6.12.117+deb12-rt-amd64. Runs apt-get update once if the lists know none.
newest_kver() {
	local series=$1 flavour=$2 try rel
	for try in 1 2; do
		rel=$(comm -12 <(kver_candidates "$series" "$flavour" image | sort) \
			<(kver_candidates "$series" "$flavour" headers | sort) |
			sort -V | tail -n 1)
		if [ -n "$rel" ]; then
			echo "$rel"
			return 0
		fi
		[ "$try" = 1 ] || break
		log "apt knows no $series $flavour kernel: apt-get update"
		apt-get -o DPkg::Lock::Timeout=900 update -q >&2 ||
			log "apt-get update reported errors; trying anyway"
	done
	log "the archive has no linux-image and linux-headers pair for $series $flavour"
	return 1
}

# TOY_KVER=SERIES or SERIES-rt names the newest such release: resolve it
# once, here, so that every later debian_kver agrees.
if [[ ${TOY_KVER:-} =~ ^[0-9]+\.[0-9]+$ ]]; then
	TOY_KVER=$(newest_kver "$TOY_KVER" amd64) || exit 1
	export TOY_KVER
elif [[ ${TOY_KVER:-} =~ ^[0-9]+\.[0-9]+-rt$ ]]; then
	TOY_KVER=$(newest_kver "${TOY_KVER%-rt}" rt-amd64) || exit 1
	export TOY_KVER
elif [ -n "${TOY_KVER:-}" ] &&
	! [[ $TOY_KVER =~ ^[0-9]+\.[0-9]+[0-9A-Za-z.+~-]*$ ]]; then
	die "TOY_KVER=$TOY_KVER is not a kernel release"
fi

# default_kver: the release linux-image-amd64, the distribution's own
# kernel, depends on (6.1.0-57-amd64 on Debian 12, 6.12.57+deb13-amd64 on
# Debian 13): the installed package's or, on a machine that has none yet,
# the one apt would install (after an apt-get update if apt knows none).
default_kver() {
	local dep try
	for try in 1 2; do
		dep=$(dpkg-query -W -f='${db:Status-Abbrev}${Depends}' \
			linux-image-amd64 2>/dev/null | sed -n 's/^ii *//p')
		[ -n "$dep" ] ||
			dep=$(apt-cache show --no-all-versions linux-image-amd64 \
				2>/dev/null | sed -n 's/^Depends: //p') || dep=
		[ -z "$dep" ] || break
		[ "$try" = 1 ] || break
		log "apt knows no linux-image-amd64: apt-get update"
		apt-get -o DPkg::Lock::Timeout=900 update -q >&2 ||
			log "apt-get update reported errors; trying anyway"
	done
	dep=${dep%% *}
	dep=${dep%,}
	case "$dep" in
	linux-image-*) echo "${dep#linux-image-}" ;;
	*) die "cannot read a kernel release from linux-image-amd64: '$dep'" ;;
	esac
}

# The kernel release to build for and boot: $TOY_KVER, else default_kver,
# never the host's own `uname -r`.
debian_kver() {
	if [ -n "${TOY_KVER:-}" ]; then
		echo "$TOY_KVER"
	else
		default_kver
	fi
}

# kernel_series: "6.1", "6.12": the upstream series of debian_kver, whose
# linux-source builds the UML and i386 kernels, with that series' config
# fragments (config_fragment).
kernel_series() {
	local kver series
	kver=$(debian_kver) || return 1
	series=$(cut -d. -f1,2 <<<"$kver")
	[[ $series =~ ^[0-9]+\.[0-9]+$ ]] || die "no kernel series in '$kver'"
	echo "$series"
}

# debian_series: "6.1", "6.12-rt", ...: what the scripts call the kernel
# in their output.
debian_series() {
	local kver
	kver=$(debian_kver) || return 1
	case "$kver" in
	*-rt-*) echo "$(kernel_series)-rt" ;;
	*) kernel_series ;;
	esac
}

# The kernel image to boot, installed when TOY_KVER names one not here.
debian_vmlinuz() {
	local kver f
	kver=$(debian_kver) || return 1
	f=/boot/vmlinuz-$kver
	if [ ! -r "$f" ] && [ -n "${TOY_KVER:-}" ]; then
		apt_install "linux-image-$kver" ||
			die "cannot install linux-image-$kver"
	fi
	[ -r "$f" ] || die "$f missing: is linux-image-$kver installed?"
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
	kver=$(debian_kver) || return 1
	dir=/lib/modules/$kver/build
	if [ ! -f "$dir/Makefile" ]; then
		apt_install "linux-headers-$kver" ||
			die "cannot install linux-headers-$kver"
	fi
	[ -f "$dir/Makefile" ] || die "$dir/Makefile missing after installing linux-headers-$kver"
	echo "$dir"
}

# --- Checks: one line each, counted by scripts/check.sh ------------------

TOY_FAILS=0

# record ok|fail|skip NAME...: count a check (or a skipped one, which is
# neither passed nor failed) without printing it (for lines the guest
# printed already); appended to $TOY_RESULTS when that names a file.
record() {
	local verdict=$1
	shift
	case "$verdict" in
	ok | skip) ;;
	fail) TOY_FAILS=$((TOY_FAILS + 1)) ;;
	*) die "record: bad verdict $verdict" ;;
	esac
	if [ -n "${TOY_RESULTS:-}" ]; then
		printf '%s %s\n' "$verdict" "$*" >>"$TOY_RESULTS"
	fi
}

# result ok|fail|skip NAME...: print a TAP-ish line and record it.
result() {
	case "$1" in
	ok) printf 'ok - %s\n' "${*:2}" ;;
	fail) printf 'not ok - %s\n' "${*:2}" ;;
	skip) printf 'skip - %s\n' "${*:2}" ;;
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

# build_warnings LOG...: the compiler's and modpost's warnings and errors
# in kbuild logs (empty when there are none).
build_warnings() {
	grep -hE '(^|: )(warning|error):|^WARNING: ' "$@" || true
}

# Seconds since the epoch, for the timings printed by the stages.
now() { date +%s; }

# --- i386 with HIGHMEM: the reference of the highmem emulation -------------

# The i386 kernel of tests/i386 (tinyconfig + the i386-highmem fragment),
# with the Module.symvers that out-of-tree modules are built against.
i386_kernel() {
	local frag out
	frag=$(config_fragment i386-highmem) || return 1
	out=$(build_kernel i386 "$frag" tinyconfig "bzImage modules") ||
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
		rm -rf "$dir.new" "$dir.deb"
		dpkg-deb -x "${debs[0]}" "$dir.deb"
		rm -rf "$tmp"
		# bin/busybox up to Debian 12, usr/bin/busybox (merged /usr) since.
		mkdir -p "$dir.new/bin"
		for b in "$dir.deb/usr/bin/busybox" "$dir.deb/bin/busybox"; do
			if [ -f "$b" ] && [ ! -L "$b" ]; then
				cp "$b" "$dir.new/bin/busybox"
				break
			fi
		done
		rm -rf "$dir.deb"
		[ -x "$dir.new/bin/busybox" ] ||
			die "busybox-static:i386 holds no bin/busybox or usr/bin/busybox"
		rm -rf "$dir"
		mv "$dir.new" "$dir"
	) 9>"$dir.lock" || exit 1
	echo "$dir/bin/busybox"
}

# --- guests: every QEMU boot and initramfs is made here ------------------------

# stage_busybox DIR [BUSYBOX]: a guest's root in DIR: BUSYBOX (the host's
# /bin/busybox by default) as bin/busybox, a link for each applet of the
# host's busybox, and the directories the guest inits mount on.
stage_busybox() {
	local dir=$1 bb=${2:-/bin/busybox} a
	mkdir -p "$dir"/{bin,dev,proc,sys,tmp}
	cp "$bb" "$dir/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -sf busybox "$dir/bin/$a"
	done
}

# add_console DIR: DIR/dev/console, which the kernel opens for PID 1
# before devtmpfs is mounted.
add_console() {
	mknod -m 600 "$1/dev/console" c 5 1 ||
		die "mknod /dev/console failed (this needs root)"
}

# pack_initramfs DIR: DIR as a gzipped newc cpio, owned by root, in a
# stable order, on stdout.
pack_initramfs() {
	(cd "$1" && find . | sort | cpio -o -H newc -R 0:0 --quiet) | gzip -1
}

# qemu_cmd ARCH MEM SMP KERNEL INITRD APPEND: the command line of every
# guest, in QEMU=(...): qemu-system-ARCH under software emulation (KVM
# does not work here), MEM MiB, SMP CPUs, no disk, no network, no
# reboot, the console on the serial port.
qemu_cmd() {
	QEMU=("qemu-system-$1" -accel tcg -m "$2" -smp "$3" -nographic
		-no-reboot -nic none -kernel "$4" -initrd "$5" -append "$6")
}

# qemu_boot TIMEOUT: run $QEMU with no stdin until it powers off or
# TIMEOUT (seconds) runs out; the console, CRs removed, on stdout. The
# status is QEMU's, 124 if it timed out.
qemu_boot() {
	# 7>&-: QEMU must not hold a checkout's lock if it outlives us.
	timeout -k 10 "$1" "${QEMU[@]}" </dev/null 7>&- 2>&1 | sed -u 's/\r$//'
	return "${PIPESTATUS[0]}"
}
