#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# "Any context" means any context: tools/anyctx's toy_anyctx.ko calls the
# any-context API from a pinned hrtimer (hard interrupt) and a pinned
# timer (softirq) on every CPU, while this shell, for $TOY_ANYCTX_SECONDS
# (default 20), loops over what holds zones and caches still: validate,
# pagemap, slabinfo tuning, cache create and destroy, shrinks and pcp
# drains. Holding a lock an interrupt on the same CPU wants hangs the
# guest here; finishing with every pattern intact is the check.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

ANYCTX_KO=${ANYCTX_KO:-/toy/toy_anyctx.ko}
SECONDS_WANTED=${TOY_ANYCTX_SECONDS:-20}

# One round of process-context work that freezes zones and caches ($1: n).
round() {
	_v=$(validate_total)
	[ "$_v" = 0 ] || echo "round $1: validate found $_v" >>"$TMP/anyctx-bad"
	cat "$D/pagemap" >/dev/null
	echo "anyctx $((1 + $1 % 60)) $((1 + $1 % 30)) 0" >"$D/slabinfo" ||
		echo "round $1: tuning anyctx refused" >>"$TMP/anyctx-bad"
	echo "kmalloc-64 $((8 + $1 % 100)) 4 0" >"$D/slabinfo"
	ctl "cache_create anyctx_tmp 64" &&
		ctl "cache_alloc anyctx_tmp" &&
		ctl "cache_free $(newest_handle)" &&
		ctl "cache_destroy anyctx_tmp" ||
		echo "round $1: cache create/alloc/free/destroy failed" >>"$TMP/anyctx-bad"
	ctl "cache_shrink anyctx"
	ctl drain
}

main() {
	# With --possible-cpus 300 (make check's vm-300cpus stage) no path may
	# hold one lock per possible CPU: 256 of them overflow the preempt
	# count into the softirq bits.
	echo "# possible CPUs $(cat /sys/devices/system/cpu/possible), online $(cat /sys/devices/system/cpu/online)"
	load || { fail "insmod toy_alloc.ko: $LOAD_ERR"; exit 1; }
	rm -f "$TMP/anyctx-bad"
	mark
	# shellcheck disable=SC2002 # a pipe, as load() does
	if ! _err=$(cat "$ANYCTX_KO" | insmod /proc/self/fd/0 2>&1); then
		fail "insmod toy_anyctx.ko: $_err"
		unload
		return
	fi
	_end=$(($(date +%s) + SECONDS_WANTED))
	_n=0
	while [ "$(date +%s)" -lt "$_end" ]; do
		round "$_n"
		_n=$((_n + 1))
	done
	rmmod toy_anyctx || fail "rmmod toy_anyctx"
	expect "$_n rounds of validate, pagemap, tuning, create/destroy, shrink, drain under interrupts" \
		test "$_n" -ge 5 -a ! -s "$TMP/anyctx-bad"
	[ ! -s "$TMP/anyctx-bad" ] || head -n 5 "$TMP/anyctx-bad"
	# On PREEMPT_RT the hrtimer is a soft one (toy_anyctx.c).
	_hard=hardirq
	case "$(uname -v)" in *PREEMPT_RT*) _hard=hrtimer-softirq ;; esac
	for _k in "$_hard" softirq; do
		_l=$(new_dmesg | grep "toy_anyctx: $_k: " | tail -n 1)
		_runs=$(echo "$_l" | sed -n "s/.*toy_anyctx: $_k: \([0-9]*\) runs.*/\1/p")
		_bad=$(echo "$_l" | sed -n 's/.* \([0-9]*\) bad patterns$/\1/p')
		echo "# $_l"
		expect "$_k callers ran (${_runs:-no} runs) with every pattern intact" \
			test "${_runs:-0}" -gt 100 -a "${_bad:-x}" = 0
	done
	expect "toy_anyctx did not report FAILED" \
		sh -c "! dmesg | grep -q 'toy_anyctx: FAILED'"
	expect "validate finds 0 after the interrupts stopped" \
		test "$(validate_total)" = 0
	unload || fail "rmmod toy_alloc"
}

main
