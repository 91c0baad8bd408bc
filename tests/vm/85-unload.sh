#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Unload safety. rmmod with everything live - pages, kmalloc objects (one
# large), a named cache with objects, kmaps, a local mapping, vmalloc
# areas - and with a debugfs file held open by a reader and ctl by a
# writer: no splat, a leak report naming what was live, the held files fail
# cleanly afterwards, every page back (MemFree within 2 MiB). Then 100
# insmod/rmmod cycles with random work in between ($TOY_SEED, default the
# time; printed), some of it freed, some left live: MemFree within 2 MiB.
# shellcheck source=tests/vm/lib.sh
# shellcheck disable=SC3028 # busybox ash has $RANDOM; cycles() checks
. "${0%/*}/lib.sh"

CYCLES=100

# want_line DESC PATTERN: the dmesg lines since the mark hold PATTERN (ERE).
want_line() {
	if new_dmesg | grep -qE "$2"; then
		ok "leak report: $1 ($(new_dmesg | grep -E "$2" | head -n 1 | sed 's/^\[[^]]*\] //'))"
	else
		fail "leak report: $1: no line matching '$2'"
	fi
}

# do_ctl LINE: ctl LINE, a failed check if it fails.
do_ctl() {
	ctl "$1" || fail "ctl '$1': $CTL_ERRNO"
}

populate() {
	alloc 3 normal >/dev/null || fail "alloc 3 normal: $CTL_ERRNO"
	H_HIGH=$(alloc 0 highmem) || fail "alloc 0 highmem: $CTL_ERRNO"
	H_HIGH2=$(alloc 0 highmem) || fail "alloc 0 highmem: $CTL_ERRNO"
	do_ctl "kmalloc 100"
	do_ctl "kmalloc 100"
	do_ctl "kmalloc 100"
	do_ctl "kmalloc 20000"
	do_ctl "cache_create unl_cache 200"
	do_ctl "cache_alloc unl_cache"
	do_ctl "cache_alloc unl_cache"
	do_ctl "kmap $H_HIGH"
	do_ctl "kmap_local $H_HIGH2"
	do_ctl "vmalloc 40000"
	do_ctl "vmalloc 5000"
}

# Read the file held open on fd 3 (slabinfo) and write to the one on fd 4
# (ctl) after rmmod: each must fail, not oops.
held_files_after_rmmod() {
	if cat <&3 >"$TMP/held.out" 2>"$TMP/held.err"; then
		fail "read of slabinfo held open across rmmod succeeded ($(wc -c <"$TMP/held.out") bytes)"
	else
		ok "read of slabinfo held open across rmmod fails: $(cat "$TMP/held.err")"
	fi
	printf 'alloc 0\n' >"$TMP/held.in"
	if write_once "$TMP/held.in" >&4; then
		fail "write to ctl held open across rmmod succeeded"
	else
		ok "write to ctl held open across rmmod fails: $CTL_ERRNO"
	fi
}

live_unload() {
	settle
	_base=$(free_total_kb)
	load || { fail "insmod: $LOAD_ERR"; return; }
	populate
	expect "everything live: validate finds 0" test "$(validate_total)" = 0
	exec 3<"$D/slabinfo"
	exec 4>"$D/ctl"
	mark
	if rmmod toy_alloc 2>"$TMP/rmmod.err"; then
		ok "rmmod with live objects and debugfs files held open"
		held_files_after_rmmod
	else
		# The open files hold a reference on the module: a clean refusal.
		ok "rmmod refused while debugfs files are held open: $(cat "$TMP/rmmod.err")"
		expect "the refused rmmod left the module loaded and whole" \
			test "$(validate_total)" = 0
		expect "slabinfo held open still reads" grep -q '^unl_cache ' <&3
		exec 3<&- 4>&-
		mark
		unload || fail "rmmod after closing the held files"
	fi
	exec 3<&- 4>&-
	expect "module gone, debugfs directory gone" test ! -e "$D"
	want_line "11 live handles" 'unload with 11 live handles:$'
	want_line "3 pages" '^[^]]*\] toy_alloc:   3 pages$'
	want_line "4 kmalloc" '^[^]]*\] toy_alloc:   4 kmalloc$'
	want_line "2 cache_obj" '^[^]]*\] toy_alloc:   2 cache_obj$'
	want_line "2 vmalloc" '^[^]]*\] toy_alloc:   2 vmalloc$'
	want_line "kmalloc-128 with 3 objects" 'unload: kmalloc-128: 3 objects still allocated'
	want_line "unl_cache with 2 objects" 'unload: unl_cache: 2 objects still allocated'
	want_line "unl_cache never destroyed" 'unload: cache unl_cache was not destroyed'
	want_line "1 large kmalloc block" 'unload: 1 large kmalloc blocks still allocated'
	want_line "1 local mapping" '1 local mappings of the ctl file dropped'
	want_line "1 kmap user, 2 vmalloc areas of 12 pages" \
		'torn down with 1 kmap users on 1 slots, .* 2 vmalloc areas \(12 pages\) live'
	_sp=$(new_splats)
	expect "no WARNING/BUG/Oops at rmmod with everything live${_sp:+: $_sp}" \
		test -z "$_sp"
	if free_near "$_base" $SLACK_KB; then
		ok "every page back after rmmod with everything live ($_base -> $FREE_NOW kB)"
	else
		fail "free memory after rmmod with everything live: $_base -> $FREE_NOW kB"
	fi
}

# --- random cycles ---------------------------------------------------------

rnd() {
	echo $((RANDOM % $1))
}

# free_one: free the newest handle, whatever its kind.
free_one() {
	_l=$(grep -v '^#' "$D/handles" | tail -n 1)
	[ -n "$_l" ] || return 0
	# shellcheck disable=SC2086 # id and kind
	set -- $_l
	case "$2" in
	pages) ctl "kunmap $1" >/dev/null 2>&1; ctl "free $1" ;;
	kmalloc) ctl "kfree $1" ;;
	cache_obj) ctl "cache_free $1" ;;
	vmalloc) ctl "vfree $1" ;;
	esac
}

# random_op: one random operation; status of its ctl write.
random_op() {
	case $(rnd 9) in
	0) ctl "kmalloc $(rnd 8193)" ;;
	1) ctl "kmalloc $(($(rnd 24000) + 8193))" ;;
	2) ctl "alloc $(rnd 6) normal" ;;
	3) ctl "alloc $(rnd 6) highmem" ;;
	4) ctl "vmalloc $(($(rnd 60000) + 1))" ;;
	5) _h=$(alloc 0 highmem) && ctl "kmap $_h" ;;
	6) ctl "cache_create rc$RANDOM $(($(rnd 1000) + 8))" ;;
	7) ctl "kcalloc $(($(rnd 20) + 1)) $(($(rnd 200) + 1))" ;;
	*) free_one ;;
	esac
}

cycles() {
	SEED=${TOY_SEED:-$(date +%s)}
	RANDOM=$SEED
	if [ -z "$RANDOM" ]; then
		fail "this shell has no \$RANDOM"
		return
	fi
	settle
	_base=$(free_total_kb)
	_i=0
	_ops=0
	while [ $_i -lt $CYCLES ]; do
		load || { fail "cycle $_i: insmod: $LOAD_ERR"; return; }
		_n=$(($(rnd 6) + 1))
		while [ "$_n" -gt 0 ]; do
			random_op || { fail "cycle $_i (seed $SEED): a random op failed: ctl $CTL_ERRNO"; break; }
			_ops=$((_ops + 1))
			_n=$((_n - 1))
		done
		[ $((_i % 10)) -ne 0 ] || [ "$(validate_total)" = 0 ] ||
			fail "cycle $_i (seed $SEED): validate finds $(validate_total)"
		unload || { fail "cycle $_i: rmmod"; return; }
		_i=$((_i + 1))
	done
	ok "$CYCLES insmod/random work/rmmod cycles, $_ops operations (seed $SEED)"
	if free_near "$_base" $SLACK_KB; then
		ok "free memory after $CYCLES cycles within $SLACK_KB kB ($_base -> $FREE_NOW kB)"
	else
		fail "free memory after $CYCLES cycles: $_base -> $FREE_NOW kB (seed $SEED)"
	fi
	_sp=$(splats)
	expect "no WARNING/BUG/Oops after the cycles${_sp:+: $_sp}" test -z "$_sp"
}

main() {
	timed "live unload" live_unload
	timed cycles cycles
	ensure_unloaded
}

main
