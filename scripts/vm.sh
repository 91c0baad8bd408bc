#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's kernel under qemu-system-x86_64 -accel tcg with a busybox
# initramfs holding toy_alloc.ko and the guest scripts and tools.
#
#   scripts/vm.sh [--smp N] [--possible-cpus N] MODE [TEST...]
#
#   test [TEST...]  make vm-test: tests/vm/NN-*.sh in order, or only the
#                   TESTs named (e.g. "40-slab 99"); files marked
#                   "# toy-vm: own boot" run only when named or by their
#                   own mode below
#   stress          make stress: -smp 4 (unless --smp), tests/vm/75-stress.sh:
#                   toy_stress.ko for $STRESS_SECONDS (default 20) with
#                   $STRESS_THREADS kthreads (default one per CPU)
#   fuzz            make fuzz: the guest boots with panic_on_warn=1 and
#                   tests/vm/70-fuzz.sh writes $FUZZ_LINES (default 10000)
#                   lines of tools/ctlfuzz, seed $FUZZ_SEED (default 1)
#   compare         make compare: tools/slabcmp's table; its exit status
#   run             make run: the narrated demo (scripts/guest/demo.sh)
#   shell           make shell: module loaded, interactive shell
#
# --smp N (or TOY_SMP=N): guest CPUs, default 2 (4 for stress).
# --possible-cpus N: boot with possible_cpus=N, so the kernel and the toy
# size their per-CPU data for N CPUs while -smp of them are online; its
# checks go by the label "<mode>-Ncpus".
# TOY_KVER picks the kernel (see scripts/lib.sh; TOY_KVER=6.12-rt is the
# newest 6.12 PREEMPT_RT), installing its image and headers when absent.
# Each kernel release has its own work directory: module build, initramfs
# and console logs ($WORK_DIR/vm/<release>/), so runs of two kernels can
# go on at once. The guest powers itself off; timeout is only a backstop.
# Every mode but shell checks, on the host, that the console shows no
# WARNING, BUG, Oops, stack trace, soft lockup, RCU stall or panic (the
# guest boots with loglevel=5, so warnings reach the console, and a
# kernel log of 16 MiB or more, which tests/vm/run.sh checks kept it all).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

TIMEOUT_TEST=${TOY_VM_TIMEOUT:-1200}
TIMEOUT_RUN=300
DONE_TEST='toy-vm: all tests done'
DONE_RUN='toy-vm: demo done'
# What the host looks for on the console: warnings, BUGs (soft lockups
# and sleeping-in-atomic too), oopses, stack traces, RCU stalls, hung
# tasks, panics.
SPLAT='WARNING:|BUG:|Oops|Call Trace|Kernel panic|general protection fault|soft lockup|rcu: INFO:|self-detected stall|detected stalls|blocked for more than'
# The guest's kernel log holds the whole run (tests/vm/run.sh checks that
# it did not wrap): 16 MiB, far more than a vm-test writes.
LOG_MB=16
# Host programs the guest tests use, copied with the libraries they load.
GUEST_PROGRAMS=(/usr/bin/slabtop)
# Modules in tools/ the guest tests load (/toy/NAME.ko), built against
# toy_alloc's Module.symvers.
GUEST_MODULES=(toy_stress:tools/stress toy_anyctx:tools/anyctx toy_bench:tools/bench)

# --- the module --------------------------------------------------------------

# The tree's sources, not its build output, in $MOD: objects built
# against another kernel's headers never meet. Excluded files are kept on
# the receiving side, so kbuild rebuilds only what changed.
sync_tree() {
	mkdir -p "$MOD"
	rsync -a --delete --exclude=.git --exclude=/build --exclude='*.o' \
		--exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
		--exclude='.*.cmd' --exclude=Module.symvers \
		--exclude=modules.order --exclude='*.a' --exclude='.tmp_*' \
		--exclude='*.o.d' --exclude='*.dwo' "$TOP/" "$MOD/"
}

# toy_alloc.ko with W=1, then $GUEST_MODULES. Warnings are printed and
# counted as a check of their own in test mode.
build_modules() {
	local m name dir
	sync_tree
	(
		make -C "$kdir" M="$MOD" W=1 -j"$JOBS" modules &&
			for m in "${GUEST_MODULES[@]}"; do
				dir=${m#*:}
				[ -f "$MOD/$dir/Kbuild" ] || continue
				# Built afresh: kbuild does not relink a module
				# whose imports' CRCs alone changed (a struct of
				# toy_alloc's headers), and insmod refuses it.
				rm -f "$MOD/$dir"/*.o "$MOD/$dir"/*.ko "$MOD/$dir"/*.mod*
				make -C "$kdir" M="$MOD/$dir" -j"$JOBS" \
					KBUILD_EXTRA_SYMBOLS="$MOD/Module.symvers" \
					modules || exit 1
			done
	) >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; return 1; }
	[ -f "$MOD/toy_alloc.ko" ] || return 1
	for m in "${GUEST_MODULES[@]}"; do
		name=${m%%:*}
		dir=${m#*:}
		[ ! -f "$MOD/$dir/Kbuild" ] || [ -f "$MOD/$dir/$name.ko" ] ||
			{ log "$dir/Kbuild built no $name.ko"; return 1; }
	done
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
	local key out stage p
	key=$({ declare -f base_cpio add_program stage_busybox add_console pack_initramfs; echo "${GUEST_PROGRAMS[@]}";
		cat /bin/busybox "${GUEST_PROGRAMS[@]}"; } | sha256sum | cut -c1-12)
	out=$CACHE/initramfs/base-$key.cpio.gz
	if [ ! -f "$out" ]; then
		mkdir -p "${out%/*}"
		stage=$(mktemp -d)
		stage_busybox "$stage"
		mkdir -p "$stage"/{root,toy}
		for p in "${GUEST_PROGRAMS[@]}"; do
			add_program "$stage" "$p"
		done
		add_console "$stage"
		pack_initramfs "$stage" >"$out.tmp.$$"
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

# /init, the modules and the guest scripts: rebuilt every time (cheap).
overlay_cpio() {
	local stage=$WORK/stage-$mode m
	rm -rf "$stage"
	mkdir -p "$stage/toy/tests"
	install -m 755 "$TOP/scripts/guest/vm" "$stage/init"
	install -m 755 "$TOP/scripts/guest/demo.sh" "$stage/toy/demo.sh"
	install -m 644 "$MOD/toy_alloc.ko" "$stage/toy/toy_alloc.ko"
	for m in "${GUEST_MODULES[@]}"; do
		if [ -f "$MOD/${m#*:}/${m%%:*}.ko" ]; then
			install -m 644 "$MOD/${m#*:}/${m%%:*}.ko" "$stage/toy/"
		fi
	done
	install -m 755 "$TOP"/tests/vm/*.sh "$stage/toy/tests/"
	guest_tools "$stage/toy" >&2 || return 1
	pack_initramfs "$stage"
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

# GUEST_ENV: NAME=VALUE words the guest's init exports as TOY_NAME=VALUE
# (passed as toy.NAME=VALUE on the kernel command line; no spaces).
qemu_args() {
	# loglevel=5, not quiet: KERN_WARNING lines (WARN_ON's "WARNING:",
	# stack traces) reach the console, where the host scans for them.
	local append="console=ttyS0 loglevel=5 panic=-1 printk.devkmsg=on" e
	append+=" ${KERNEL_ARGS[*]} toy.mode=$mode"
	for e in "${GUEST_ENV[@]}"; do
		append+=" toy.$e"
	done
	qemu_cmd x86_64 512 "$smp" "$vmlinuz" "$initrd" "$append"
}

# The console from the guest's first line on (no firmware banner).
from_guest() {
	sed -u -n -e 's/^.*\(toy-vm: mode \)/\1/' -e '/^toy-vm: mode /,$p'
}

# boot SECONDS: no stdin; the whole console is kept in $CONSOLE, the
# guest's part is shown live.
boot() {
	local st=0
	qemu_boot "$1" | tee "$CONSOLE" | from_guest || st=${PIPESTATUS[0]}
	[ "$st" -eq 0 ] || log "QEMU ended with status $st (124: timed out)"
}

# --- results -------------------------------------------------------------------

# Each "ok - ..." / "not ok - ..." the guest printed is one check.
count_guest() {
	local line
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) record ok "$label: ${line#ok - }" ;;
		"not ok - "*) record fail "$label: ${line#not ok - }" ;;
		esac
	done <"$CONSOLE"
}

finished() {
	grep -qxF "$1" "$CONSOLE"
}

# The splats on the console: kernel lines only (a printk timestamp, which
# may come after guest output on the same line), since the guest's own
# check names may mention Oops or BUG. A plain dump_stack() (its "Call
# Trace:" comes right after the "Hardware name:" or "Workqueue:" line) is
# no splat here: fault injection prints one on purpose, and its
# "FAULT_INJECTION" line (KERN_NOTICE) stays off the console. A WARN's
# or an oops's trace follows its registers and a header line of its own;
# the guest's per-file scans (tests/vm/run.sh) count every stack trace.
console_splats() {
	awk -v re="$SPLAT" '
	{ sub(/\r$/, "") }
	!match($0, /\[ *[0-9]+\.[0-9]+\] /) { prev = ""; next }
	{ text = substr($0, RSTART + RLENGTH) }
	text ~ /^Call Trace:/ && prev ~ /^(Hardware name|Workqueue):/ {
		prev = text; next
	}
	text ~ re { print }
	{ prev = text }' "$CONSOLE"
}

# expect_quiet_console: one check, the console free of splats.
expect_quiet_console() {
	expect_empty "$label: console free of WARNING/BUG/Oops/Call Trace/lockup/RCU stall/panic" \
		"$(console_splats | head -n 40)"
}

report_test() {
	local before=$TOY_FAILS n
	count_guest
	n=$(grep -cE '^(not )?ok - ' "$CONSOLE" || true)
	log "guest: $n checks, $((TOY_FAILS - before)) failed"
	if finished "$DONE_TEST"; then
		result ok "$label: guest ran every test file to the end"
	else
		result fail "$label: guest ran every test file to the end (crash or timeout)"
	fi
	expect_quiet_console
}

# --- modes -------------------------------------------------------------------

usage() {
	sed -n '4,27s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

parse_args() {
	smp=${TOY_SMP:-}
	possible=
	while [ $# -gt 0 ]; do
		case "$1" in
		--smp) smp=${2:?--smp needs a number}; shift ;;
		--smp=*) smp=${1#--smp=} ;;
		--possible-cpus) possible=${2:?--possible-cpus needs a number}; shift ;;
		--possible-cpus=*) possible=${1#--possible-cpus=} ;;
		-*) usage ;;
		*) break ;;
		esac
		shift
	done
	mode=${1:-}
	[ $# -eq 0 ] || shift
	TESTS=("$@")
	case "$mode" in
	test) ;;
	stress | fuzz | compare | run | shell)
		[ ${#TESTS[@]} -eq 0 ] || usage ;;
	*) usage ;;
	esac
	[[ ${smp:-2} =~ ^[1-9][0-9]*$ ]] || die "--smp: not a CPU count: $smp"
	[[ -z $possible || $possible =~ ^[1-9][0-9]*$ ]] ||
		die "--possible-cpus: not a CPU count: $possible"
}

# Per mode: the guest's CPUs, kernel arguments, environment and tests,
# the host's timeout and the name its checks go by.
configure() {
	local t tests series
	KERNEL_ARGS=()
	GUEST_ENV=()
	log_mb=$LOG_MB
	timeout_s=$TIMEOUT_TEST
	series=$(debian_series)
	case "$mode" in
	test)
		label=vm
		[ -z "${TOY_KVER:-}" ] || label=vm-$series
		if [ ${#TESTS[@]} -gt 0 ]; then
			for t in "${TESTS[@]}"; do
				[[ $t =~ ^[0-9A-Za-z._-]+$ ]] || die "bad test name: $t"
			done
			tests=$(IFS=,; echo "${TESTS[*]}")
			GUEST_ENV+=("tests=$tests")
		fi
		;;
	stress)
		label=stress
		[ -z "${TOY_KVER:-}" ] || label=stress-$series
		smp=${smp:-4}
		t=${STRESS_SECONDS:-20}
		[[ $t =~ ^[1-9][0-9]*$ ]] || die "STRESS_SECONDS=$t: not a number of seconds"
		GUEST_ENV+=("tests=75-stress,99-dmesg" "stress_seconds=$t"
			"file_timeout=$((t + 300))")
		if [ -n "${STRESS_THREADS:-}" ]; then
			[[ $STRESS_THREADS =~ ^[1-9][0-9]*$ ]] ||
				die "STRESS_THREADS=$STRESS_THREADS: not a number"
			GUEST_ENV+=("stress_threads=$STRESS_THREADS")
		fi
		timeout_s=$((t + 600))
		;;
	fuzz)
		label=fuzz
		[ -z "${TOY_KVER:-}" ] || label=fuzz-$series
		t=${FUZZ_LINES:-10000}
		[[ $t =~ ^[1-9][0-9]*$ ]] || die "FUZZ_LINES=$t: not a number"
		[[ ${FUZZ_SEED:-1} =~ ^[0-9]+$ ]] || die "FUZZ_SEED=$FUZZ_SEED: not a number"
		# Every ctl line is logged (~100 bytes, more for some verbs):
		# a log of 256 bytes a line, a power of two from $LOG_MB MiB
		# to 64 MiB, keeps the whole run for the dmesg checks.
		while [ "$log_mb" -lt 64 ] && [ $((log_mb << 12)) -lt "$t" ]; do
			log_mb=$((log_mb * 2))
		done
		KERNEL_ARGS+=(panic_on_warn=1)
		# About 1 ms of TCG time a line (measured); lots of room.
		GUEST_ENV+=("tests=70-fuzz,99-dmesg" "fuzz_lines=$t"
			"fuzz_seed=${FUZZ_SEED:-1}" "file_timeout=$((t / 100 + 300))")
		timeout_s=$((t / 100 + 600))
		;;
	compare | run | shell) label=$mode ;;
	esac
	KERNEL_ARGS+=("log_buf_len=${log_mb}M")
	smp=${smp:-2}
	if [ -n "$possible" ]; then
		KERNEL_ARGS+=("possible_cpus=$possible")
		label=$label-${possible}cpus
	fi
}

setup() {
	deps
	vmlinuz=$(debian_vmlinuz) || exit 1
	kdir=$(debian_kdir) || exit 1
	mkdir -p "$WORK"
	if [ "$mode" = test ]; then
		check "$label: toy_alloc.ko builds against linux-headers-$kver" \
			build_modules || exit 1
		expect_empty "$label: the W=1 build against $kver has no warning" \
			"$(build_warnings "$WORK/build.log")"
	else
		build_modules || die "building toy_alloc.ko against $kver failed"
	fi
	if ! initrd=$(make_initrd); then
		[ "$mode" = test ] &&
			result fail "$label: initramfs with the module, tests and tools"
		exit 1
	fi
	qemu_args
	log "booting ${vmlinuz##*/} under TCG (-smp $smp, 512 MiB), toy.mode=$mode${KERNEL_ARGS[*]:+ ${KERNEL_ARGS[*]}}"
}

# compare: slabcmp's exit status, 2 when the guest did not get to print it
# or the console shows a splat.
compare_status() {
	local st
	st=$(sed -n 's/^toy-vm: slabcmp exit \([0-9]*\)$/\1/p' "$CONSOLE")
	if [ -z "$st" ]; then
		log "the guest did not run slabcmp to its end (console: $CONSOLE)"
		return 2
	fi
	if [ "$TOY_FAILS" -ne 0 ]; then
		log "the kernel warned or crashed (console: $CONSOLE)"
		return 2
	fi
	return "$st"
}

main() {
	local t0
	parse_args "$@"
	t0=$(now)
	kver=$(debian_kver) || exit 1
	configure
	WORK=$WORK_DIR/vm/$kver
	MOD=$WORK/mod
	CONSOLE=$WORK/console-$mode.log
	# One run per mode and kernel at a time; the module build is shared by
	# the modes of one kernel, so it has a lock of its own.
	lock_work "vm-$mode-$kver"
	mkdir -p "$WORK"
	exec 6>"$WORK/build.lock"
	flock 6
	setup
	exec 6>&-
	case "$mode" in
	test | stress | fuzz)
		boot "$timeout_s"
		report_test
		log "console: $CONSOLE ($(($(now) - t0)) s)"
		[ "$TOY_FAILS" -eq 0 ]
		;;
	compare)
		boot "$TIMEOUT_RUN"
		expect_quiet_console
		compare_status
		;;
	run)
		boot "$TIMEOUT_RUN"
		expect_quiet_console
		finished "$DONE_RUN" || die "the demo did not run to its end"
		[ "$TOY_FAILS" -eq 0 ] ||
			die "the kernel warned or crashed (console: $CONSOLE)"
		;;
	shell)
		"${QEMU[@]}" -serial mon:stdio 7>&-
		;;
	esac
}

main "$@"
