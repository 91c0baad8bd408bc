#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make i386-test: the differential test of the toy's kmap window against
# real 32-bit HIGHMEM (tests/i386/). Builds, or takes from the cache, an
# i386 kernel with HIGHMEM4G from the same source; builds toy_alloc.ko and
# the test module for it; generates the seeded trace; boots the kernel
# under qemu-system-i386 -m 1536, where the module runs the trace through
# kmap() and through toy_kmap() and compares the records; then compares
# them again here; then runs the toy_highmem KUnit suite on that 32-bit
# kernel too. One "ok - ..." / "not ok - ..." line per check.
#
#   scripts/i386-test.sh        (TOY_I386_SEED=N picks another trace)
#
# Cold (kernel not cached): about 3 minutes more for the kernel build.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

WORK=$WORK_DIR/i386
TOY=$WORK/toy
DIFF=$WORK/diff
OUT=$WORK/out
SEED=${TOY_I386_SEED:-5}
TIMEOUT=${TOY_I386_TIMEOUT:-600}
SPLATS='Kernel panic|Oops|BUG:|WARNING:|general protection fault'

# --- building ------------------------------------------------------------------

# Copy the sources, keeping their mtimes, so kbuild redoes only what
# changed; objects built for i386 stay beside them between runs.
copy_sources() {
	mkdir -p "$TOY"
	tar -C "$TOP" --exclude=.git --exclude='*.o' --exclude='*.ko' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='.*.cmd' \
		--exclude='*.a' --exclude=Module.symvers --exclude=modules.order \
		-cf - . | tar -C "$TOY" -xf -
}

build_toy() {
	copy_sources
	make -C "$src" ARCH=i386 O="$kdir" M="$TOY" -j"$JOBS" modules \
		>"$OUT/toy-build.log" 2>&1 ||
		{ tail -30 "$OUT/toy-build.log"; return 1; }
}

build_diff() {
	mkdir -p "$DIFF"
	cp "$TOP/tests/i386/module/Kbuild" "$TOP/tests/i386/module/toy_i386_diff.c" \
		"$DIFF/"
	python3 "$TOP/tests/i386/gen-trace.py" --seed "$SEED" "$OUT" >"$OUT/trace.log" ||
		{ cat "$OUT/trace.log"; return 1; }
	cmp -s "$OUT/trace.h" "$DIFF/trace.h" || cp "$OUT/trace.h" "$DIFF/trace.h"
	make -C "$src" ARCH=i386 O="$kdir" M="$DIFF" TOY_SRC="$TOY" \
		KBUILD_EXTRA_SYMBOLS="$TOY/Module.symvers" modules \
		>"$OUT/diff-build.log" 2>&1 ||
		{ tail -30 "$OUT/diff-build.log"; return 1; }
}

# The address of a static of mm/highmem.c in System.map (its name may
# carry a ".N" suffix): the module reads the real state through it.
symbol() {
	awk -v s="$1" '$3 == s || index($3, s ".") == 1 { print "0x" $1; exit }' \
		"$kdir/System.map"
}

# --- the guest ---------------------------------------------------------------

make_initrd() {
	local stage=$WORK/stage bb
	rm -rf "$stage"
	bb=$(i386_busybox) || die "no i386 busybox"
	stage_busybox "$stage" "$bb"
	add_console "$stage"
	install -m 755 "$TOP/scripts/guest/i386" "$stage/init"
	cp "$TOY/toy_alloc.ko" "$DIFF/toy_i386_diff.ko" "$stage/"
	if [ -f "$TOY/kunit/toy_highmem_test.ko" ]; then
		cp "$TOY/kunit/toy_highmem_test.ko" "$stage/"
	fi
	{
		echo "SLOTS=1024"
		echo "LAST_PKMAP_NR=$(symbol last_pkmap_nr)"
		echo "PKMAP_COUNT=$(symbol pkmap_count)"
	} >"$stage/params"
	pack_initramfs "$stage" >"$OUT/initrd.gz"
}

boot() {
	qemu_cmd i386 1536 1 "$kdir/arch/x86/boot/bzImage" "$OUT/initrd.gz" \
		"console=ttyS0 quiet panic=-1"
	qemu_boot "$TIMEOUT" >"$OUT/console.log"
}

# --- reading the console -----------------------------------------------------

# between NAME: the lines between the guest's begin and end markers.
between() {
	sed -n "/^toy-i386: begin $1\$/,/^toy-i386: end $1\$/p" \
		"$OUT/console.log" | sed '1d;$d'
}

# The module's own verdicts, counted here as they are.
module_results() {
	local line any=0
	while read -r line; do
		any=1
		case "$line" in
		"ok - "*) result ok "${line#ok - }" ;;
		*) result fail "${line#not ok - }" ;;
		esac
	done < <(sed -n 's/^toy-i386: \(\(not \)\{0,1\}ok - .*\)$/\1/p' \
		"$OUT/console.log")
	[ "$any" = 1 ] || result fail "i386 diff: the module printed no result"
}

compare_records() {
	local ops
	between real >"$OUT/real.txt"
	between toy >"$OUT/toy.txt"
	ops=$(grep -c '^[0-9]' "$OUT/real.txt" || true)
	if [ "$ops" -ge 5000 ] && cmp "$OUT/real.txt" "$OUT/toy.txt"; then
		result ok "i386 diff: host cmp of the records ($ops ops, $(wc -c <"$OUT/real.txt") bytes)"
	else
		diff "$OUT/real.txt" "$OUT/toy.txt" | head -10 || true
		result fail "i386 diff: host cmp of the records ($ops ops)"
	fi
}

# The toy_highmem KUnit suite as the 32-bit kernel ran it, case by case;
# a case that says "# SKIP" is a skip, neither passed nor failed.
kunit_results() {
	local verdict name any=0
	while read -r verdict name; do
		any=1
		result "$verdict" "i386 kunit $name"
	done < <(between kunit | awk '
		/^ +(not )?ok [0-9]+ toy_highmem_/ {
			line = $0
			sub(/^ +/, "", line)
			verdict = (line ~ /^not ok/) ? "fail" : "ok"
			sub(/^(not )?ok [0-9]+ (- )?/, "", line)
			if (line ~ /# SKIP/)
				verdict = "skip"
			sub(/ *#.*$/, "", line)
			print verdict, "toy_highmem." line
		}')
	if [ "$any" = 0 ] && [ -f "$TOY/kunit/toy_highmem_test.ko" ]; then
		result fail "i386 kunit: toy_highmem ran no case"
	fi
}

report_console() {
	if grep -qx 'toy-i386: done' "$OUT/console.log"; then
		result ok "i386 diff: guest ran to the end"
	else
		tail -30 "$OUT/console.log"
		result fail "i386 diff: guest ran to the end (crash or timeout)"
	fi
	expect_empty "i386 diff: no Oops/BUG/WARNING on the i386 console" \
		"$(grep -E "$SPLATS" "$OUT/console.log" || true)"
	# The KUnit suite provokes misuse reports, each with a stack trace;
	# the differential run before it must print none.
	expect_empty "i386 diff: no stack trace during the differential run" \
		"$(sed '/^toy-i386: end layout$/q' "$OUT/console.log" |
			grep -E 'Call Trace|toy_alloc: highmem:' || true)"
}

# --- main ----------------------------------------------------------------------

main() {
	local t0 t1
	t0=$(now)
	lock_work i386
	deps
	mkdir -p "$OUT"
	rm -f "$OUT"/{console.log,real.txt,toy.txt}
	src=$(src_dir)
	if ! kdir=$(i386_kernel); then
		result fail "i386 diff: i386 HIGHMEM kernel"
		exit 1
	fi
	result ok "i386 diff: i386 HIGHMEM kernel ${kdir##*/}"
	check "i386 diff: toy_alloc.ko builds for i386" build_toy || exit 1
	expect_empty "i386 diff: the i386 build of toy_alloc.ko has no warning" \
		"$(build_warnings "$OUT/toy-build.log")"
	check "i386 diff: test module and trace build" build_diff || exit 1
	expect_empty "i386 diff: the i386 build of the test module has no warning" \
		"$(build_warnings "$OUT/diff-build.log")"
	log "$(cat "$OUT/trace.log")"
	make_initrd
	t1=$(now)
	log "booting qemu-system-i386 -m 1536 ($((t1 - t0)) s of building)"
	boot || log "QEMU exited with status $?"
	module_results
	compare_records
	kunit_results
	report_console
	# Timing only (make bench quotes it): nothing is judged.
	sed -n 's/^toy-i386: \(bench: .*\)$/\1/p' "$OUT/console.log" |
		while IFS= read -r line; do log "$line"; done
	log "console: $OUT/console.log; records: $OUT/real.txt, $OUT/toy.txt" \
		"(boot and test $(($(now) - t1)) s, total $(($(now) - t0)) s)"
	[ "$TOY_FAILS" -eq 0 ]
}

main "$@"
