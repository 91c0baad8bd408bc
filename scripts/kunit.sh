#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make kunit: build (or reuse) the UML kernel with KUnit and the sanitizers,
# build the module and its KUnit suites against it, boot it on a hostfs
# root that loads them, and read the KTAP with the tree's kunit.py; then
# the guest unloads every module and kmemleak must find nothing allocated
# since the first insmod left unreferenced. A warning in the module build
# fails a check, as does any splat after the first insmod.
# Every check prints one "ok - ..." / "not ok - ..." line.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

MOD=$WORK_DIR/uml-mod
ROOT=$WORK_DIR/uml-root
OUT=$WORK_DIR/kunit
MARKER='toy-uml: loading modules'
DONE='toy-uml: done'
SPLATS='BUG:|KASAN|UBSAN:|WARNING:|possible circular locking|Oops|Kernel panic'
BOOT_TIMEOUT=${TOY_UML_TIMEOUT:-600}

# --- build -----------------------------------------------------------------

# Copy the sources: the UML objects must not clash with the checkout's
# objects built against Debian's headers. Excluded files are kept on the
# receiving side, so kbuild rebuilds only what changed.
sync_sources() {
	mkdir -p "$MOD"
	rsync -a --delete --exclude=.git --exclude='*.o' --exclude='*.ko' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='.*.cmd' \
		--exclude=Module.symvers --exclude=modules.order \
		--exclude='*.a' --exclude='.tmp_*' "$TOP/" "$MOD/"
}

# Its warnings are a check of their own (report_build).
build_modules() {
	sync_sources
	make -C "$src" ARCH=um O="$uml" M="$MOD" -j"$JOBS" modules \
		>"$OUT/modules.log" 2>&1 || { cat "$OUT/modules.log"; return 1; }
}

# What this build made (modules.order), not whatever .ko files lie around
# from an earlier one: relative paths of the .ko files, one a line (6.1
# lists the .ko files, 6.12 their .o files).
built_modules() {
	sed -e "s|^$MOD/||" -e 's/\.o$/.ko/' "$MOD/modules.order"
}

# toy_alloc.ko first, then kunit/toy_*_test.ko sorted, toy_sanity_test last.
module_order() {
	local built
	built=$(built_modules)
	grep -x 'toy_alloc.ko' <<<"$built" ||
		{ log "modules.order has no toy_alloc.ko"; return 1; }
	grep -E '^kunit/toy_[a-z0-9_]+_test\.ko$' <<<"$built" |
		grep -vx 'kunit/toy_sanity_test.ko' | sort || true
	grep -x 'kunit/toy_sanity_test.ko' <<<"$built" || true
}

# --- the hostfs root ---------------------------------------------------------

make_root() {
	local m
	if [ ! -x "$ROOT/bin/busybox" ] ||
		! cmp -s /bin/busybox "$ROOT/bin/busybox"; then
		rm -rf "$ROOT"
		stage_busybox "$ROOT"
	fi
	install -m 755 "$TOP/scripts/guest/uml" "$ROOT/init"
	rm -rf "$ROOT/mods"
	mkdir -p "$ROOT/mods"
	module_order >"$OUT/order" || return 1
	while read -r m; do
		mkdir -p "$(dirname "$ROOT/mods/$m")"
		cp "$MOD/$m" "$ROOT/mods/$m"
	done <"$OUT/order"
	cp "$OUT/order" "$ROOT/mods/order"
}

# UML 6.1 keeps a task's FPU state as FXSAVE or a fixed-size XSAVE area;
# on a host with AVX-512 or AMX it can keep only FXSAVE (the patch in
# scripts/patches/6.1), which has no AVX-512 registers, and glibc's EVEX
# string functions in the static busybox then lose them across a page
# fault (init died in __ctype_init after an EVEX memcpy). The guest's
# glibc is told not to use AVX: GLIBC_TUNABLES reaches init through the
# kernel command line, as every unknown NAME=VALUE does.
UML_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX2,-AVX

boot() {
	# stdin is /dev/null: CI has none, and UML must not touch a terminal.
	timeout -k 10 "$BOOT_TIMEOUT" "$uml/linux" mem=256M root=/dev/root \
		rootfstype=hostfs rootflags="$ROOT" rw init=/init \
		con=fd:0,fd:1 GLIBC_TUNABLES="$UML_TUNABLES" </dev/null 7>&- 2>&1 |
		tr -d '\r' >"$OUT/console.log"
}

# --- reading the log ---------------------------------------------------------

# The console after the marker, without printk timestamps.
after_marker() {
	sed -n "/$MARKER/,\$p" "$OUT/console.log" |
		sed -E 's/^\[ *[0-9]+\.[0-9]+\] //'
}

# What kunit.py parses right (PLATFORM.md): a fresh header, the number of
# suites, then everything from the first indented header on. 6.12 starts
# each module's suites with a top-level header of their own ("KTAP version
# 1", "1..1") and numbers its suites from 1 again: one header for all, the
# suites numbered in order.
make_ktap() {
	local nr
	nr=$(after_marker | grep -c '^    # Subtest: ' || true)
	{
		echo 'KTAP version 1'
		echo "1..$nr"
		after_marker | sed -n '/^    KTAP version 1$/,$p' | awk '
			/^KTAP version 1$/ || /^1\.\.[0-9]+$/ { next }
			/^(not )?ok [0-9]+ / {
				sub(/ok [0-9]+ /, "ok " ++n " ")
			}
			{ print }'
	} >"$OUT/ktap.txt"
	echo "$nr"
}

# One line per case: "ok - suite.case" / "not ok - suite.case".
case_results() {
	awk '
	/^    # Subtest: / { suite = $3; open = 1; next }
	/^(not )?ok [0-9]+ / { open = 0; next }
	/^    (not )?ok [0-9]+ / {
		line = $0
		sub(/^    /, "", line)
		verdict = (line ~ /^not ok/) ? "fail" : "ok"
		sub(/^(not )?ok [0-9]+ (- )?/, "", line)
		skip = (line ~ /# SKIP/)
		sub(/ *#.*$/, "", line)
		print (skip ? "skip" : verdict), suite "." line
	}
	END { if (open) print "fail", suite " (suite did not finish)" }
	' "$OUT/ktap.txt"
}

# kunit.py's own verdict: exit 0, "Ran N tests" with N > 0, and no failed,
# crashed or errors (it exits 0 on CRASHED).
kunit_py_ok() {
	local text ran
	python3 "$src/tools/testing/kunit/kunit.py" parse "$OUT/ktap.txt" \
		>"$OUT/kunit_py.txt" 2>&1 || return 1
	text=$(sed -E 's/^\[[0-9:]+\] //' "$OUT/kunit_py.txt")
	ran=$(grep -oE 'Ran [0-9]+ tests' <<<"$text" | tail -1 |
		grep -oE '[0-9]+' || echo 0)
	log "kunit.py: $(grep -E 'Ran [0-9]+ tests' <<<"$text" | tail -1)"
	[ "$ran" -gt 0 ] || return 1
	! grep -qiE 'failed|crashed|errors' <<<"$text"
}

splats() {
	after_marker | grep -E "$SPLATS" || true
}

# What scripts/guest/uml printed of kmemleak's listing, after its two scans
# once every module was unloaded.
kmemleak_listing() {
	sed -n '/^toy-uml: kmemleak begin, /,/^toy-uml: kmemleak end$/p' \
		"$OUT/console.log"
}

# kmemleak_objects ours|kernel: the unreferenced objects allocated from the
# first insmod on (jiffies at or after the guest's mark), or before it.
# A backtrace cannot say whose an object is: once a module is unloaded,
# its return addresses resolve to no name. When it was allocated can: the
# kernel's own boot-time objects are older than the first insmod, and an
# object allocated later that nothing references after every module is
# gone is a leak of the modules (or of the kernel on their behalf, which
# deserves a look as much). Each object: its header, comm line and the
# first frames of its backtrace.
kmemleak_objects() {
	kmemleak_listing | awk -v want="$1" '
	function flush() {
		if (obj != "" && ((j >= j0) == (want == "ours")))
			printf "%s", obj
		obj = ""
	}
	/^toy-uml: kmemleak begin, modules from jiffies / { j0 = $NF + 0; next }
	/^toy-uml: kmemleak end$/ { flush(); next }
	/^unreferenced object / { flush(); obj = $0 "\n"; frames = 0; next }
	obj == "" { next }
	/^  comm ".*", pid [0-9]+, jiffies [0-9]+/ {
		j = $0
		sub(/.*jiffies /, "", j)
		j = j + 0
		obj = obj $0 "\n"
		next
	}
	/^    \[<[0-9a-f]+>\] / && frames++ < 8 { obj = obj $0 "\n" }
	END { flush() }'
}

report_kmemleak() {
	local m name n_kernel
	for m in $(tac "$OUT/order"); do
		name=${m##*/}
		name=${name%.ko}
		if grep -qxF "toy-uml: unloaded $name" "$OUT/console.log"; then
			result ok "kunit: rmmod $name"
		else
			result fail "kunit: rmmod $name"
		fi
	done
	# grep reads all of it: -q would stop at the first line and, with
	# pipefail, fail the pipe on sed's SIGPIPE when the listing is long
	# (192 boot-time objects of the kernel's on a Debian 13 host).
	if ! kmemleak_listing |
		grep -E '^toy-uml: kmemleak begin, modules from jiffies [0-9]+$' \
			>/dev/null; then
		grep -E 'toy-uml: kmemleak|kmemleak:' "$OUT/console.log" || true
		result fail "kunit: kmemleak scanned after rmmod"
		return
	fi
	n_kernel=$(kmemleak_objects kernel | grep -c '^unreferenced object' || true)
	[ "$n_kernel" -eq 0 ] ||
		log "kmemleak: $n_kernel unreferenced objects from before the first insmod (the kernel's own; not counted)"
	expect_empty "kunit: kmemleak: nothing unreferenced from the first insmod on, after rmmod" \
		"$(kmemleak_objects ours | head -n 60)"
}

report_cases() {
	local verdict name any=0
	while read -r verdict name; do
		any=1
		result "$verdict" "kunit $name"
	done < <(case_results)
	[ "$any" = 1 ] || result fail "kunit: no test case ran"
}

report_log() {
	local nr=$1
	local m
	while read -r m; do
		if grep -qxF "toy-uml: loaded $m" "$OUT/console.log"; then
			result ok "kunit: insmod $m"
		else
			result fail "kunit: insmod $m"
		fi
	done <"$OUT/order"
	if grep -qx "$DONE" "$OUT/console.log"; then
		result ok "kunit: UML ran to the end"
	else
		tail -40 "$OUT/console.log"
		result fail "kunit: UML ran to the end (crash or timeout)"
	fi
	if [ "$nr" -gt 0 ] && kunit_py_ok; then
		result ok "kunit: kunit.py parse ($nr suites)"
	else
		grep -vE '\[PASSED\]|^\[[0-9:]+\] =+$' "$OUT/kunit_py.txt" \
			2>/dev/null || true
		result fail "kunit: kunit.py parse ($nr suites)"
	fi
	expect_empty "kunit: no BUG/KASAN/UBSAN/WARNING/lockdep/Oops/panic" \
		"$(splats)"
	report_kmemleak
}

# --- main ----------------------------------------------------------------------

main() {
	local t0 nr
	t0=$(now)
	lock_work kunit
	deps
	mkdir -p "$OUT"
	rm -f "$OUT"/{console.log,ktap.txt,kunit_py.txt}
	src=$(src_dir)
	if ! uml=$(uml_kernel); then
		result fail "kunit: UML kernel"
		exit 1
	fi
	result ok "kunit: UML kernel ${uml##*/}"
	check "kunit: module and suites build for UML" build_modules || exit 1
	expect_empty "kunit: the UML build of the module and suites has no warning" \
		"$(build_warnings "$OUT/modules.log")"
	make_root || { result fail "kunit: hostfs root with the modules"; exit 1; }
	if [ "$(tail -n 1 "$OUT/order")" = kunit/toy_sanity_test.ko ]; then
		result ok "kunit: toy_sanity_test.ko built, loaded last"
	else
		result fail "kunit: toy_sanity_test.ko built, loaded last"
	fi
	log "booting UML: $(tr '\n' ' ' <"$OUT/order")"
	boot || log "UML exited with status $?"
	nr=$(make_ktap)
	report_cases
	report_log "$nr"
	log "console: $OUT/console.log, KTAP: $OUT/ktap.txt ($(($(now) - t0)) s)"
	[ "$TOY_FAILS" -eq 0 ]
}

main "$@"
