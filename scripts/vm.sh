#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's kernel (linux-image-amd64) under qemu-system-x86_64 -accel
# tcg with a busybox initramfs holding toy_alloc.ko (built in the checkout
# against Debian's headers) and the guest scripts.
#
#   scripts/vm.sh test    make vm-test: run tests/vm/NN-*.sh, count results
#   scripts/vm.sh run     make run: the narrated demo (scripts/guest/demo.sh)
#   scripts/vm.sh shell   make shell: module loaded, interactive shell
#
# The guest powers itself off; timeout is only a backstop.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

WORK=$WORK_DIR/vm
TIMEOUT_TEST=${TOY_VM_TIMEOUT:-1200}
TIMEOUT_RUN=300
DONE_TEST='toy-vm: all tests done'
DONE_RUN='toy-vm: demo done'
CRASH='Kernel panic|Oops|BUG:|general protection fault'
# Host programs the guest tests use, copied with the libraries they load.
GUEST_PROGRAMS=(/usr/bin/slabtop)

# --- the module --------------------------------------------------------------

build_module() {
	"$TOP/scripts/build.sh" >"$WORK/build.log" 2>&1 ||
		{ cat "$WORK/build.log"; return 1; }
	[ -f "$TOP/toy_alloc.ko" ]
}

# --- the initramfs -----------------------------------------------------------

# add_program STAGE PATH: PATH and every library ldd names, same paths.
add_program() {
	local stage=$1 prog=$2 lib
	install -D -m 755 "$prog" "$stage$prog"
	for lib in $(ldd "$prog" | grep -oE '/[^ ]+'); do
		install -D -m 755 "$(readlink -f "$lib")" "$stage$lib"
	done
}

# busybox, its applet links, /dev/console and $GUEST_PROGRAMS: cached,
# keyed by the binaries and by this recipe.
base_cpio() {
	local key out stage a p
	key=$({ declare -f base_cpio add_program; echo "${GUEST_PROGRAMS[@]}";
		cat /bin/busybox "${GUEST_PROGRAMS[@]}"; } | sha256sum | cut -c1-12)
	out=$CACHE/initramfs/base-$key.cpio.gz
	if [ ! -f "$out" ]; then
		mkdir -p "${out%/*}"
		stage=$(mktemp -d)
		mkdir -p "$stage"/{bin,dev,proc,sys,tmp,root,toy}
		cp /bin/busybox "$stage/bin/busybox"
		for a in $(/bin/busybox --list); do
			[ "$a" = busybox ] || ln -s busybox "$stage/bin/$a"
		done
		for p in "${GUEST_PROGRAMS[@]}"; do
			add_program "$stage" "$p"
		done
		mknod -m 600 "$stage/dev/console" c 5 1 ||
			die "mknod /dev/console failed (this needs root)"
		(cd "$stage" && find . | sort |
			cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$out.tmp.$$"
		mv "$out.tmp.$$" "$out"
		rm -rf "$stage"
	fi
	echo "$out"
}

# Guest tools from tools/NAME/: an executable tools/NAME/NAME is copied
# as it is; a tools/NAME/Makefile is run (out of the tree, in $WORK/tools)
# to build a static NAME. Each lands in /toy/NAME.
guest_tools() {
	local dest=$1 d name out
	for d in "$TOP"/tools/*/; do
		name=$(basename "$d")
		if [ -f "$d/Makefile" ]; then
			out=$WORK/tools/$name
			mkdir -p "$out"
			make -s -C "$out" -f "$d/Makefile" VPATH="$d" "$name" ||
				{ log "building tools/$name failed"; return 1; }
			install -m 755 "$out/$name" "$dest/$name"
		elif [ -f "$d/$name" ] && [ -x "$d/$name" ]; then
			install -m 755 "$d/$name" "$dest/$name"
		fi
	done
}

# /init, the module and the guest scripts: rebuilt every time (cheap).
overlay_cpio() {
	local stage=$WORK/stage-$mode
	rm -rf "$stage"
	mkdir -p "$stage/toy/tests"
	install -m 755 "$TOP/scripts/guest/init" "$stage/init"
	install -m 755 "$TOP/scripts/guest/demo.sh" "$stage/toy/demo.sh"
	install -m 644 "$TOP/toy_alloc.ko" "$stage/toy/toy_alloc.ko"
	install -m 755 "$TOP"/tests/vm/*.sh "$stage/toy/tests/"
	guest_tools "$stage/toy" >&2 || return 1
	(cd "$stage" && find . | sort | cpio -o -H newc -R 0:0 --quiet) |
		gzip -1
}

make_initrd() {
	local img=$WORK/initrd-$mode.img
	cat "$(base_cpio)" >"$img.tmp"
	overlay_cpio >"$img.overlay" || return 1
	cat "$img.overlay" >>"$img.tmp"
	mv "$img.tmp" "$img"
	echo "$img"
}

# --- QEMU ----------------------------------------------------------------------

qemu_args() {
	QEMU=(qemu-system-x86_64 -accel tcg -smp 2 -m 512 -nographic -no-reboot
		-nic none -kernel "$vmlinuz" -initrd "$initrd"
		-append "console=ttyS0 quiet panic=-1 printk.devkmsg=on toy.mode=$mode")
}

# The console from the guest's first line on (no firmware banner).
from_guest() {
	sed -u -n -e 's/^.*\(toy-vm: mode \)/\1/' -e '/^toy-vm: mode /,$p'
}

# boot SECONDS: no stdin; the whole console is kept in
# $WORK/console-$mode.log, the guest's part is shown live.
boot() {
	local st=0
	# 7>&-: QEMU must not hold this checkout's lock if it outlives us.
	timeout -k 10 "$1" "${QEMU[@]}" </dev/null 7>&- 2>&1 | sed -u 's/\r$//' |
		tee "$WORK/console-$mode.log" | from_guest || st=$?
	[ "$st" -eq 0 ] || log "QEMU ended with status $st (124: timed out)"
}

# --- results -------------------------------------------------------------------

# Each "ok - ..." / "not ok - ..." the guest printed is one check.
count_guest() {
	local line
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) record ok "vm: ${line#ok - }" ;;
		"not ok - "*) record fail "vm: ${line#not ok - }" ;;
		esac
	done <"$WORK/console-$mode.log"
}

finished() {
	grep -qxF "$1" "$WORK/console-$mode.log"
}

# Kernel lines only (printk timestamps): the guest's own check names may
# mention Oops or BUG.
crash_lines() {
	grep -E "^\[ *[0-9]+\.[0-9]+\] .*($CRASH)" "$WORK/console-$mode.log" ||
		true
}

report_test() {
	local before=$TOY_FAILS n
	count_guest
	n=$(grep -cE '^(not )?ok - ' "$WORK/console-$mode.log" || true)
	log "guest: $n checks, $((TOY_FAILS - before)) failed"
	if finished "$DONE_TEST"; then
		result ok "vm: guest ran every test file to the end"
	else
		result fail "vm: guest ran every test file to the end (crash or timeout)"
	fi
	expect_empty "vm: console free of panic/Oops/BUG" "$(crash_lines)"
}

# --- modes -------------------------------------------------------------------

setup() {
	deps
	mkdir -p "$WORK"
	vmlinuz=$(debian_vmlinuz)
	if [ "$mode" = test ]; then
		check "vm: toy_alloc.ko builds against Debian's headers" \
			build_module || exit 1
	else
		build_module || die "building toy_alloc.ko failed"
	fi
	if ! initrd=$(make_initrd); then
		[ "$mode" = test ] && result fail "vm: initramfs with the module, tests and tools"
		exit 1
	fi
	qemu_args
	log "booting ${vmlinuz##*/} under TCG (-smp 2, 512 MiB), toy.mode=$mode"
}

main() {
	local t0
	mode=${1:-}
	case "$mode" in
	test | run | shell) ;;
	*) die "usage: $0 test|run|shell" ;;
	esac
	t0=$(now)
	lock_work "vm-$mode"
	setup
	case "$mode" in
	test)
		boot "$TIMEOUT_TEST"
		report_test
		log "console: $WORK/console-$mode.log ($(($(now) - t0)) s)"
		[ "$TOY_FAILS" -eq 0 ]
		;;
	run)
		boot "$TIMEOUT_RUN"
		finished "$DONE_RUN" || die "the demo did not run to its end"
		[ -z "$(crash_lines)" ] || die "the kernel crashed"
		;;
	shell)
		"${QEMU[@]}" -serial mon:stdio 7>&-
		;;
	esac
}

main "$@"
