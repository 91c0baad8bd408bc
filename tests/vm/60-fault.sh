#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Fault injection sweeps (fail/, fail_init_nth; Documentation/toy_alloc.rst).
# Module load with fail_init_nth=N and every ctl verb that allocates with
# fail/fail_nth=N, for N = 1, 2, ... until the operation succeeds: each
# failure is a clean errno, one dmesg line, no splat, and leaves the toy's
# whole state (free lists, handles, slabs, pkmap, vmalloc areas) as it was;
# validate finds 0. Then the knobs probability, interval, times, space and
# verbose, each checked against lib/fault-inject.c's rules.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

MAX_N=200

# --- module load -----------------------------------------------------------

# init_failed_cleanly: the insmod just made failed cleanly; prints why not.
init_failed_cleanly() {
	_e=$(errno_name "${LOAD_ERR##*: }")
	if [ "$_e" != ENOMEM ]; then
		echo "errno $_e, want ENOMEM ($LOAD_ERR)"
	elif loaded; then
		echo "insmod failed but the module is listed"
	elif [ -e "$D" ]; then
		echo "insmod failed but $D exists"
	elif [ -n "$(new_splats)" ]; then
		echo "splat: $(new_splats | head -n 3)"
	elif ! new_dmesg | grep -q 'FAULT_INJECTION: forcing a failure'; then
		echo "no FAULT_INJECTION line: did the injected failure happen?"
	fi
}

init_sweep() {
	settle
	_base=$(free_total_kb)
	_n=1
	_bad=0
	_lines=
	_maxd=0
	while [ $_n -le $MAX_N ]; do
		mark
		load fail_init_nth=$_n && break
		_why=$(init_failed_cleanly)
		free_near "$_base" $SLACK_KB || [ -n "$_why" ] ||
			_why="free memory $_base -> $FREE_NOW kB"
		_worst=$((_base - FREE_NOW))
		[ "${_worst#-}" -le "${_maxd#-}" ] || _maxd=$_worst
		if [ -n "$_why" ]; then
			fail "insmod fail_init_nth=$_n: $_why"
			new_dmesg | head -n 20
			_bad=$((_bad + 1))
		fi
		# The messages of one failed load, for the log.
		_lines="$_lines $(new_dmesg | grep -c toy_alloc)"
		_n=$((_n + 1))
	done
	if ! loaded; then
		fail "insmod fail_init_nth=N: still failing at N=$MAX_N"
		return 1
	fi
	expect "fail_init_nth: the load at N=$_n succeeded after $((_n - 1)) clean failures" \
		test $_n -gt 1
	[ $_bad -eq 0 ] && ok "insmod fail_init_nth=1..$((_n - 1)): each ENOMEM, no splat, module gone, free memory back within $SLACK_KB kB (largest difference $_maxd of $_base kB; toy_alloc lines per failure:$_lines)"
	expect "after the sweep, validate finds 0" test "$(validate_total)" = 0
	unload || fail "rmmod after fail_init_nth=$_n"
	if free_near "$_base" $SLACK_KB; then
		ok "after the init sweep and rmmod, free memory within $SLACK_KB kB ($_base -> $FREE_NOW kB)"
	else
		fail "after the init sweep and rmmod, free memory $_base -> $FREE_NOW kB"
	fi
}

# --- ctl verbs ---------------------------------------------------------------

# sweep LINE: fail_nth = 1, 2, ... on ctl LINE until it succeeds.
# $SWEEP_N is the N that succeeded (0 if none did).
sweep() {
	_line=$1
	_n=1
	_bad=0
	SWEEP_N=0
	while [ $_n -le $MAX_N ]; do
		toy_snapshot >"$TMP/before"
		mark
		fault_set . fail_nth $_n
		if ctl "$_line"; then
			SWEEP_N=$_n
			break
		fi
		_nl=$(new_dmesg_lines)
		_sp=$(new_splats)
		toy_snapshot >"$TMP/after"
		_left=$(fault_get . fail_nth)
		_why=
		if [ "$CTL_ERRNO" != ENOMEM ]; then
			_why="errno $CTL_ERRNO, want ENOMEM"
		elif [ "$_nl" -ne 1 ]; then
			_why="$_nl dmesg lines, want 1: $(new_dmesg | head -n 4)"
		elif [ -n "$_sp" ]; then
			_why="splat: $_sp"
		elif [ "$_left" != 0 ]; then
			_why="fail_nth reads $_left after the command, want 0"
		elif ! cmp -s "$TMP/before" "$TMP/after"; then
			_why="state changed: $(diff "$TMP/before" "$TMP/after" | grep '^[-+][^-+]' | head -n 6)"
		elif [ "$(validate_total)" != 0 ]; then
			_why="validate finds $(validate_total)"
		fi
		if [ -n "$_why" ]; then
			fail "'$_line' with fail_nth=$_n: $_why"
			_bad=$((_bad + 1))
		fi
		_n=$((_n + 1))
	done
	if [ $SWEEP_N -eq 0 ]; then
		fail "'$_line': still failing at fail_nth=$MAX_N"
	elif [ $_bad -eq 0 ]; then
		ok "'$_line': fail_nth=1..$((SWEEP_N - 1)) each ENOMEM, one line, state unchanged, validate 0; fail_nth=$SWEEP_N succeeds"
	fi
	[ "$(validate_total)" = 0 ] || fail "'$_line': validate after the sweep"
}

# sweep_min MIN LINE: sweep, and the operation took at least MIN toy
# allocations (so the sweep could have failed: a verb that allocates
# nothing would pass at N=1).
sweep_min() {
	sweep "$2"
	[ $SWEEP_N -eq 0 ] || [ $((SWEEP_N - 1)) -ge "$1" ] ||
		fail "'$2': only $((SWEEP_N - 1)) injected failures, want at least $1"
}

ctl_sweeps() {
	# No per-CPU page lists: every page freed merges back where buddyinfo
	# shows it. No prefilled slabs: a first object needs a slab page.
	load slab_prefill=0 pcp_batch=0 ||
		{ fail "insmod slab_prefill=0 pcp_batch=0: $LOAD_ERR"; return; }
	fault_set failslab verbose 0
	fault_set fail_page_alloc verbose 0
	# buddy
	sweep_min 1 "alloc 0"
	sweep_min 1 "alloc 3 highmem"
	sweep_min 1 "alloc 10 normal"
	# slab: a new cache's first object needs the object and a slab page
	sweep_min 2 "kmalloc 8"
	sweep_min 2 "kmalloc 100 zero"
	sweep_min 2 "kmalloc 8192"
	sweep_min 1 "kmalloc 20000"
	sweep_min 2 "kcalloc 10 300"
	ctl "kmalloc 16" || fail "kmalloc 16 for krealloc: $CTL_ERRNO"
	_h=$(newest_handle)
	sweep_min 2 "krealloc $_h 1000"
	sweep "cache_create fault_c 200"
	sweep_min 2 "cache_alloc fault_c"
	sweep "cache_create fault_d 72 8 debug"
	sweep_min 2 "cache_alloc fault_d"
	# highmem
	sweep_min 10 "vmalloc 40000"
	sweep_min 1 "vmalloc 5000"
	_hp=$(alloc 0 highmem) || fail "alloc 0 highmem for kmap: $CTL_ERRNO"
	sweep "kmap $_hp"
	sweep "kmap_local $_hp"
	sweep "write $_hp 0 hello"
	ctl "kunmap_local $_hp" || fail "kunmap_local $_hp: $CTL_ERRNO"
	ctl "kunmap $_hp" || fail "kunmap $_hp: $CTL_ERRNO"
	expect "after the ctl sweeps, validate finds 0" test "$(validate_total)" = 0
	expect "no splat during the ctl sweeps" test -z "$(splats)"
	unload || fail "rmmod after the ctl sweeps"
}

# The defaults: per-CPU page lists and prefilled slabs. A failed attempt
# may leave a refilled per-CPU list behind (a cache, as the kernel's), so
# the free pages are compared as one sum.
pcp_sweeps() {
	load || { fail "insmod: $LOAD_ERR"; return; }
	fault_set failslab verbose 0
	fault_set fail_page_alloc verbose 0
	SNAP_PCP=1
	sweep_min 1 "alloc 0 highmem"
	sweep_min 1 "kmalloc 8"
	sweep_min 10 "vmalloc 40000"
	SNAP_PCP=0
	unload || fail "rmmod after the per-CPU sweeps"
}

# --- the knobs ---------------------------------------------------------------

# tries COUNT LINE: run ctl LINE COUNT times; prints the outcomes, F or s.
tries() {
	_i=0
	_out=
	while [ "$_i" -lt "$1" ]; do
		if ctl "$2"; then _out="${_out}s"; else _out="${_out}F"; fi
		_i=$((_i + 1))
	done
	echo "$_out"
}

knob_checks() {
	load || { fail "insmod for the knob checks: $LOAD_ERR"; return; }
	a=failslab
	for _x in $a fail_page_alloc; do
		expect_eq "$_x defaults as lib/fault-inject.c's: probability interval times space verbose" \
			"$(fault_get "$_x" probability) $(fault_get "$_x" interval) $(fault_get "$_x" times) $(fault_get "$_x" space) $(fault_get "$_x" verbose)" \
			"0 1 1 0 2"
	done
	fault_set $a verbose 0
	fault_set fail_page_alloc verbose 0
	# A partial kmalloc-64 slab, so kmalloc 64 asks failslab once per call.
	ctl "kmalloc 64" || fail "kmalloc 64: $CTL_ERRNO"

	fault_set $a times -1
	fault_set $a probability 100
	expect_eq "failslab probability 100, times -1: every kmalloc fails" \
		"$(tries 5 'kmalloc 64')" FFFFF
	fault_set $a probability 0
	expect_eq "failslab probability 0: none fails" "$(tries 3 'kmalloc 64')" sss
	# 200 tries: the failures are binomial, mean 100, standard deviation
	# sqrt(200 / 4) = 7.07; 65..135 is the mean +- 5 deviations, missed
	# by chance in fewer than 1 run in a million. It tells 50 from 0 or
	# 100 and the knob from no knob; the KUnit case
	# toy_buddy_fault_probability tells 50 from 49 or 51 (10,000 calls
	# each at 1, 50 and 99). Every try prints one dmesg line: 200 keep
	# the log small.
	fault_set $a probability 50
	_r=$(tries 200 'kmalloc 64')
	_f=$(printf %s "$_r" | tr -cd F | wc -c)
	if [ "$_f" -ge 65 ] && [ "$_f" -le 135 ]; then
		ok "failslab probability 50: $_f of 200 failed (100 +- 35, 5 sigma)"
	else
		fail "failslab probability 50: $_f of 200 failed, want 65..135 ($_r)"
	fi

	fault_set $a probability 100
	fault_set $a interval 3
	_r=$(tries 9 'kmalloc 64')
	case "$_r" in
	FssFssFss | sFssFssF | ssFssFssF | sFssFssFs) ok "failslab interval 3: every 3rd call fails ($_r)" ;;
	*) fail "failslab interval 3: $_r, want one F in every 3" ;;
	esac
	fault_set $a interval 1

	fault_set $a times 2
	expect_eq "failslab times 2: two failures, then none" \
		"$(tries 4 'kmalloc 64')" FFss
	expect_eq "failslab times counts down to 0" "$(fault_get $a times)" 0

	fault_set $a times -1
	fault_set $a space 100
	expect_eq "failslab space 100: one 64-byte kmalloc passes, then failures" \
		"$(tries 3 'kmalloc 64')" sFF
	expect_eq "failslab space is used up by the size that passed" \
		"$(fault_get $a space)" 36
	fault_set $a space 0

	fault_set $a times 1
	fault_set $a verbose 1
	mark
	ctl "kmalloc 64" && fail "failslab verbose 1: kmalloc 64 succeeded"
	_v1=$(new_dmesg | grep -c 'FAULT_INJECTION: forcing a failure')
	_sp=$(new_splats)
	if [ "$_v1" -eq 1 ] && [ -z "$_sp" ]; then
		ok "failslab verbose 1: one FAULT_INJECTION line, no stack trace"
	else
		fail "failslab verbose 1: $_v1 FAULT_INJECTION lines, splat '$_sp'"
	fi
	fault_set $a times 1
	fault_set $a verbose 0
	mark
	ctl "kmalloc 64" && fail "failslab verbose 0: kmalloc 64 succeeded"
	expect_eq "failslab verbose 0: no FAULT_INJECTION line" \
		"$(new_dmesg | grep -c 'FAULT_INJECTION')" 0
	fault_set $a probability 0

	b=fail_page_alloc
	fault_set $b times 1
	fault_set $b probability 100
	expect_eq "fail_page_alloc probability 100 times 1: alloc 0 fails once" \
		"$(tries 3 'alloc 0')" Fss
	fault_set $b probability 0

	fault_set . fail_nth 2
	expect_eq "fail_nth 2: a command with one allocation does not fail" \
		"$(tries 1 'alloc 0')" s
	expect_eq "fail_nth is 0 after the command" "$(fault_get . fail_nth)" 0
	expect "after the knob checks, validate finds 0" test "$(validate_total)" = 0
	unload || fail "rmmod after the knob checks"
}

main() {
	timed "init sweep" init_sweep
	timed "ctl sweeps" ctl_sweeps
	timed "pcp sweeps" pcp_sweeps
	knob_checks
	ensure_unloaded
}

main
