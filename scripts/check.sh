#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every stage in order, whatever the one before did:
#   deps     scripts/deps.sh (apt-get only when something is missing)
#   build    toy_alloc.ko against Debian's headers with W=1, no warning
#   kunit    scripts/kunit.sh (UML + KUnit + sanitizers)
#   vm-test  scripts/vm.sh test (Debian's kernel under QEMU)
#   vm-300cpus  the same kernel booted with possible_cpus=300 (-smp 2):
#            31-pcp, 40-slab and 76-anyctx, where a path holding a lock per
#            possible CPU would overflow the preempt count
#   tools    each executable in tests/tools/ (none yet is fine)
#   i386     scripts/i386-test.sh: the kmap window against real HIGHMEM
#   bench    scripts/bench.sh --smoke: every row produced, no timing judged
#   stress   scripts/vm.sh stress: -smp 4, toy_stress for 20 s
#   fuzz     scripts/vm.sh fuzz: 10,000 ctlfuzz lines, seed 1, panic_on_warn
# With --all (make check-all) also, each installing its kernel if absent:
#   kunit-6.12, vm-6.12, i386-6.12  TOY_KVER=6.12 scripts/kunit.sh, vm.sh
#               test and i386-test.sh: Debian's newest 6.12 and UML and
#               i386 kernels from linux-source-6.12 (where 6.12 is not the
#               default series already, as on Debian 12)
#   vm-6.12-rt  TOY_KVER=6.12-rt scripts/vm.sh test: its PREEMPT_RT flavour
# (tools/slabcmp is not a stage: vm-test's 40-slab runs it in the guest and
# asserts exit 0; tests/tools/slabcmp.sh runs it on recorded files.)
# A check is one "ok - ..." / "not ok - ..." line: one thing asserted (a
# KUnit case, one expectation of a guest test file, a build without
# warnings, a console without splats). Each stage appends "ok NAME" /
# "fail NAME" (and "skip NAME" for a KUnit case that skipped itself) lines
# to a results file; a stage that fails without a failed check, or reports
# nothing, counts as one failed check. The summary gives each stage's
# counts; the last line is "N passed, N failed", followed by ", N skipped"
# when some case skipped.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

RESULTS_DIR=$WORK_DIR/check
SUMMARY=()

deps_stage() {
	check "deps: every package scripts/deps.sh wants is installed" \
		"$TOP/scripts/deps.sh"
}

build_stage() {
	check "build: toy_alloc.ko with W=1 and no warning" \
		"$TOP/scripts/build.sh" --clean --strict W=1
}

kunit_stage() {
	"$TOP/scripts/kunit.sh"
}

vm_stage() {
	"$TOP/scripts/vm.sh" test
}

vm_300cpus_stage() {
	"$TOP/scripts/vm.sh" --possible-cpus 300 test 31-pcp 40-slab 76-anyctx 99-dmesg
}

# Every executable file in tests/tools/ is one check, by its exit status.
tools_stage() {
	local t found=0 st=0
	for t in "$TOP"/tests/tools/*; do
		if [ ! -f "$t" ] || [ ! -x "$t" ]; then
			continue
		fi
		found=1
		check "tools: ${t#"$TOP"/}" "$t" || st=1
	done
	[ "$found" = 1 ] || log "tools: no tests in tests/tools/ yet"
	return "$st"
}

i386_stage() {
	"$TOP/scripts/i386-test.sh"
}

bench_stage() {
	"$TOP/scripts/bench.sh" --smoke
}

# The knobs are set here, not taken from the caller's environment: make
# check always runs the same short stress and fuzz.
stress_stage() {
	env -u STRESS_THREADS STRESS_SECONDS=20 \
		"$TOP/scripts/vm.sh" --smp 4 stress
}

fuzz_stage() {
	FUZZ_LINES=10000 FUZZ_SEED=1 "$TOP/scripts/vm.sh" fuzz
}

kunit_612_stage() {
	TOY_KVER=6.12 "$TOP/scripts/kunit.sh"
}

vm_612_stage() {
	TOY_KVER=6.12 "$TOP/scripts/vm.sh" test
}

i386_612_stage() {
	TOY_KVER=6.12 "$TOP/scripts/i386-test.sh"
}

vm_612_rt_stage() {
	TOY_KVER=6.12-rt "$TOP/scripts/vm.sh" test
}

# stage NAME FUNCTION [may-be-empty]: run it with its own results file,
# then fold a crash or silence into the count.
stage() {
	local name=$1 fn=$2 may_be_empty=${3:-} file st=0 t0 pass fail skip
	file=$RESULTS_DIR/$name
	: >"$file"
	t0=$(now)
	echo "=== $name"
	TOY_RESULTS=$file "$fn" || st=$?
	pass=$(grep -c '^ok ' "$file" || true)
	fail=$(grep -c '^fail ' "$file" || true)
	if [ "$st" -ne 0 ] && [ "$fail" -eq 0 ]; then
		TOY_RESULTS=$file result fail "$name: stage exited with status $st and no failed check"
	elif [ "$((pass + fail))" -eq 0 ] && [ -z "$may_be_empty" ]; then
		TOY_RESULTS=$file result fail "$name: stage reported no check"
	fi
	pass=$(grep -c '^ok ' "$file" || true)
	fail=$(grep -c '^fail ' "$file" || true)
	skip=$(grep -c '^skip ' "$file" || true)
	SUMMARY+=("$(printf '%-10s %4d passed, %3d failed, %4d s%s' \
		"$name" "$pass" "$fail" "$(($(now) - t0))" \
		"$([ "$skip" -eq 0 ] || echo ", $skip skipped")")")
}

main() {
	local total_pass total_fail total_skip s all=
	case "${1:-}" in
	"") ;;
	--all) all=1 ;;
	*) die "usage: check.sh [--all]" ;;
	esac
	lock_work check
	rm -rf "$RESULTS_DIR"
	mkdir -p "$RESULTS_DIR"
	stage deps deps_stage
	stage build build_stage
	stage kunit kunit_stage
	stage vm-test vm_stage
	stage vm-300cpus vm_300cpus_stage
	stage tools tools_stage may-be-empty
	stage i386 i386_stage
	stage bench bench_stage
	stage stress stress_stage
	stage fuzz fuzz_stage
	if [ -n "$all" ]; then
		if [ "$(kernel_series)" != 6.12 ]; then
			stage kunit-6.12 kunit_612_stage
			stage vm-6.12 vm_612_stage
			stage i386-6.12 i386_612_stage
		fi
		stage vm-6.12-rt vm_612_rt_stage
	fi
	echo "=== summary"
	echo 'A check is one "ok - ..." or "not ok - ..." line above: one thing asserted (a KUnit case, one expectation of a guest test file, a build without warnings, a console free of splats); KUnit cases that skip themselves are counted apart.'
	for s in "${SUMMARY[@]}"; do
		echo "$s"
	done
	grep -h '^fail ' "$RESULTS_DIR"/* | sed 's/^fail /not ok - /' || true
	total_pass=$(cat "$RESULTS_DIR"/* | grep -c '^ok ' || true)
	total_fail=$(cat "$RESULTS_DIR"/* | grep -c '^fail ' || true)
	total_skip=$(cat "$RESULTS_DIR"/* | grep -c '^skip ' || true)
	if [ "$total_skip" -eq 0 ]; then
		echo "$total_pass passed, $total_fail failed"
	else
		echo "$total_pass passed, $total_fail failed, $total_skip skipped"
	fi
	[ "$total_fail" -eq 0 ]
}

main "$@"
