#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# toy-vm: own boot
# SMP stress (make stress, -smp 4): tools/stress's toy_stress.ko runs
# $TOY_STRESS_SECONDS (default 20) with $TOY_STRESS_THREADS kthreads
# (default one per CPU) of random page, kmalloc, krealloc, cache and
# vmalloc traffic, objects freed on other CPUs than took them, HighMem
# pages reached through kmap (some held across sleeps) and nested
# kmap_local stacks, patterns checked before every free. Its insmod is the
# verdict of its own checks; every kind of operation ran and none saw a
# pattern mismatch; then validate finds nothing, no slab error or buddy or
# highmem misuse was counted, no kmap, local map or vmalloc area is
# left, every page is free again (the toy's free pages, per-CPU lists
# included, equal those of the fresh load once the caches are shrunk),
# the slot scan of kmap wrapped at least once, and after rmmod
# the guest's free memory is within 2 MiB of before insmod (read after a
# 1 s warm-up run, see warm_up).
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

STRESS_KO=${STRESS_KO:-/toy/toy_stress.ko}
STRESS_SECONDS=${TOY_STRESS_SECONDS:-20}
STRESS_THREADS=${TOY_STRESS_THREADS:-}

# Nonzero lines of a "name: N" or "name N" file, empty when all are 0.
nonzero() {
	awk '$NF != 0' "$1"
}

# The stress's summary line since the mark, and one of its numbers.
summary() {
	new_dmesg | grep 'toy_stress: [0-9]* threads, ' | tail -n 1
}

summary_num() {
	summary | sed -n "s/.* \([0-9][0-9]*\) $1.*/\1/p"
}

# The kinds the stress counts, as on its "... by kind:" lines.
KINDS='pages highmem kmalloc krealloc cache kmap kmap_held kmap_local kmap_nested vmalloc movable compact'

# kind_num WHAT KIND: KIND's number on the stress's "WHAT by kind:" line
# since the mark ("kmap" is not "kmap_local": a comma or the end follows).
kind_num() {
	new_dmesg | grep "toy_stress: $1 by kind: " | tail -n 1 |
		sed -n "s/.* \([0-9][0-9]*\) $2\(,.*\)\{0,1\}\$/\1/p"
}

# by_kind: every kind of operation ran, none saw a damaged pattern.
by_kind() {
	for _k in $KINDS; do
		_n=$(kind_num operations "$_k")
		_b=$(kind_num 'pattern mismatches' "$_k")
		expect "toy_stress: ${_n:-no} $_k operations, ${_b:-no} pattern mismatches" \
			test "${_n:-0}" -gt 0 -a "${_b:-x}" = 0
	done
}

# insmod_stress ARGS...: toy_stress.ko through a pipe, as load() does: a
# failed init must run once only. Its error text in $STRESS_ERR.
insmod_stress() {
	# shellcheck disable=SC2002 # the pipe is the point
	STRESS_ERR=$(cat "$STRESS_KO" | insmod /proc/self/fd/0 "$@" 2>&1)
}

# warm_up: one second of stress, load to unload, before the guest's free
# memory is first read. The first run grows the kernel's own caches
# (task structs, kernel stacks, per-CPU chunks, unreclaimable slab) by up
# to 1.7 MiB on 6.12-rt -smp 4, none of it the toy's; a second run does
# not grow them again.
warm_up() {
	load || return 1
	insmod_stress seconds=1 || { unload; return 1; }
	rmmod toy_stress && unload
}

stress() {
	_args="seconds=$STRESS_SECONDS"
	[ -z "$STRESS_THREADS" ] || _args="$_args threads=$STRESS_THREADS"
	echo "# insmod toy_stress.ko $_args ($(nproc) CPUs)"
	_t0=$(date +%s)
	# shellcheck disable=SC2086 # $_args: one word a parameter
	if insmod_stress $_args; then
		ok "toy_stress ran $(($(date +%s) - _t0)) s and its checks held"
	else
		fail "toy_stress ran and its checks held: insmod: $STRESS_ERR"
		new_dmesg | grep 'toy_stress' | head -n 20
	fi
	_line=$(summary)
	echo "# ${_line#*\] }"
	for _w in operations 'pattern mismatches'; do
		_line=$(new_dmesg | grep "toy_stress: $_w by kind: " | tail -n 1)
		echo "# ${_line#*\] }"
	done
	_ops=$(summary_num operations)
	expect "toy_stress reported ${_ops:-no} operations" \
		test "${_ops:-0}" -gt 0
	expect "toy_stress: 0 damaged patterns or leaks" \
		test "$(summary_num 'damaged patterns')" = 0
	_bad=$(new_dmesg | grep -c 'toy_stress: thread [0-9]*.* damaged' || true)
	expect "no pattern mismatch reported ($_bad lines)" test "$_bad" = 0
	by_kind
	# Compaction isolated pages under their owners (it moves few: with
	# this mix the free pages lie in whole free pageblocks, which it
	# leaves whole, or in unmovable ones, suitable_migration_target()).
	echo "# $(grep -E '^(pgmigrate_success|compact_(isolated|migrate_scanned|free_scanned)) ' "$D/vmstat" | tr '\n' ' ')"
	expect "compaction isolated pages under the threads (compact_isolated $(vmstat_of compact_isolated))" \
		test "$(vmstat_of compact_isolated)" -gt 0
	if grep -q '^toy_stress ' /proc/modules; then
		expect "rmmod toy_stress" rmmod toy_stress
	fi
}

# pkmap_num NAME: a "NAME N" line of the pkmap file.
pkmap_num() {
	awk -v n="$1" '$1 == n { print $2 }' "$D/pkmap"
}

# highmem_after: no kmap, local map or vmalloc area left, no misuse; how
# often the slot scan wrapped (flushes) and kmap() had to wait.
highmem_after() {
	echo "# pkmap: $(awk '$1 ~ /^(kmap|kunmap|kmap_new_slot|flushes|flushed_slots|kmap_waits|kmap_local|vmalloc|vmalloc_fail|vfree)$/ {
		printf "%s %s ", $1, $2 }' "$D/pkmap")"
	expect "pkmap: no slot in use after the stress ($(pkmap_num in_use))" \
		test "$(pkmap_num in_use)" = 0
	expect "pkmap: the slot scan wrapped and flushed ($(pkmap_num flushes) times)" \
		test "$(pkmap_num flushes)" -gt 0
	expect "pkmap: every kmap unmapped ($(pkmap_num kmap) kmap, $(pkmap_num kunmap) kunmap)" \
		test "$(pkmap_num kmap)" = "$(pkmap_num kunmap)"
	_l=$(awk '$1 ~ /^kmap_local_/ && $2 != 0' "$D/pkmap")
	expect "no local mapping left${_l:+: $_l}" test -z "$_l"
	_m=$(grep '^misuse_' "$D/pkmap" | awk '$2 != 0')
	expect "highmem misuse counters all 0${_m:+: $_m}" test -z "$_m"
	_a=$(cat "$D/vmallocinfo")
	expect "no vmalloc area left${_a:+: $_a}" test -z "$_a"
}

# After the stress: everything consistent and everything back.
after() {
	_v=$(cat "$D/validate")
	expect "validate: total 0 ($(echo "$_v" | tr '\n' ' '))" \
		test "$(validate_total)" = 0
	expect "ctl validate succeeds" ctl validate
	_e=$(nonzero "$D/errors")
	expect "slab errors all 0${_e:+: $_e}" test -z "$_e"
	_m=$(grep '^misuse_' "$D/stats" | awk '$2 != 0')
	expect "buddy misuse counters all 0${_m:+: $_m}" test -z "$_m"
	expect "no handle left" test -z "$(newest_handle)"
	highmem_after
	shrink_all
	_after=$(toy_free)
	if [ "$_after" = "$TOY_FRESH" ]; then
		ok "every page back: free pages $_after, as at the fresh load"
	else
		fail "every page back: free pages $_after, at the fresh load $TOY_FRESH"
		cat "$D/meminfo" "$D/buddyinfo" "$D/slabinfo"
	fi
}

main() {
	[ -r "$STRESS_KO" ] || { fail "$STRESS_KO missing"; return; }
	expect "warm-up: 1 s of toy_stress, load to unload" warm_up
	shrink_kernel_slabs
	settle
	_before=$(free_total_kb)
	cat /proc/meminfo >"$TMP/meminfo.before"
	mark
	LOAD_MARK=$MARK
	if ! load; then
		fail "insmod toy_alloc.ko: $LOAD_ERR"
		return
	fi
	shrink_all
	TOY_FRESH=$(toy_free)
	echo "# fresh load, caches shrunk: free pages $TOY_FRESH"
	stress
	after
	unload_clean "$_before"
	_s=$(dmesg | sed -n "/ $LOAD_MARK\$/,\$p" |
		grep -E 'WARNING:|BUG:|Oops|Call Trace|Kernel panic|general protection|INFO: task|rcu.*stall')
	expect_none "no WARNING, BUG, hung task or RCU stall from insmod on" "$_s"
}

main
