#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Per-CPU lists (default pcp_batch): the first order-0 allocation moves a
# whole batch off the free lists, and a freed page waits on a per-CPU list
# instead of merging, as in the kernel. stats counts are summed over CPUs,
# so it does not matter which CPU the shell ran on.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

# free_pages ZONE: pages on ZONE's free lists, from buddyinfo.
free_pages() {
	awk -v z="$1" '$4 == z {
		n = 0
		for (i = 0, p = 1; i <= 10; i++, p *= 2) n += $(i + 5) * p
		print n
	}' "$D/buddyinfo"
}

stat_of() {
	awk -v k="$1" '$1 == k { print $2 }' "$D/stats"
}

# avail: pages free in Normal, on the free lists plus on the per-CPU lists.
avail() {
	echo $(($(free_pages Normal) + $(stat_of normal_pcp_pages)))
}

main() {
	load || { fail "insmod toy_alloc.ko: $LOAD_ERR"; exit 1; }
	_batch=$(stat_of normal_pcp_batch)
	if [ -z "$_batch" ] || [ "$_batch" -eq 0 ]; then
		fail "stats shows a non-zero normal_pcp_batch by default: '$_batch'"
		unload
		return
	fi
	# Other layers (slab prefill) may have used the lists already, so the
	# CPU the shell runs on may or may not find pages on its own list.
	_free0=$(free_pages Normal)
	_avail0=$(avail)
	_h=$(alloc 0 normal) || { fail "alloc 0 normal: $CTL_ERRNO"; unload; return; }
	_free1=$(free_pages Normal)
	_took=$((_free0 - _free1))
	if [ "$_took" -eq 0 ] || [ "$_took" -eq "$_batch" ]; then
		ok "alloc 0 moves 0 or one batch of $_batch pages off the free lists: $_took"
	else
		fail "alloc 0 moves 0 or one batch of $_batch pages off the free lists: $_took"
	fi
	expect "alloc 0: free lists + per-CPU lists hold one page less" \
		test "$(avail)" -eq $((_avail0 - 1))
	buddyinfo >"$TMP/pcp-before-free"
	expect "free $_h" ctl "free $_h"
	expect "the freed page waits on a per-CPU list: buddyinfo unchanged" \
		cmp -s "$TMP/pcp-before-free" "$D/buddyinfo"
	expect "free: free lists + per-CPU lists hold what they held before" \
		test "$(avail)" -eq "$_avail0"
	expect "ctl validate with pages on the per-CPU lists" ctl validate
	unload || fail "rmmod toy_alloc"
}

main
