#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# alloc through ctl splits blocks exactly as a buddy must, the handle shows
# the block, and freeing everything merges buddyinfo back to where it was.
# Loaded with pcp_batch=0: per-CPU lists would hold freed order-0 pages
# back from merging, as the kernel's do (31-pcp.sh covers them).
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

# zone_counts ZONE: the 11 free-block counts of ZONE in buddyinfo.
zone_counts() {
	awk -v z="$1" '$4 == z { $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print }' \
		"$D/buddyinfo"
}

# split_counts ORDER COUNTS...: the 11 counts a buddy must show after one
# allocation of ORDER from a zone with free COUNTS: the smallest free block
# of order >= ORDER is taken and halved down to ORDER, leaving one free
# half at each order in between.
split_counts() {
	echo "$*" | awk '{
		k = $1
		for (i = 0; i <= 10; i++) c[i] = $(i + 2)
		for (j = k; j <= 10 && c[j] == 0; j++) ;
		if (j <= 10) { c[j]--; for (i = k; i < j; i++) c[i]++ }
		s = c[0]; for (i = 1; i <= 10; i++) s = s " " c[i]
		print s
	}'
}

# alloc_checked ORDER ZONE: alloc from fresh state, check split and handle.
alloc_checked() {
	_order=$1
	_zone=$2
	_before=$(zone_counts "$_zone")
	_h=$(alloc "$_order" "$(echo "$_zone" | tr '[:upper:]' '[:lower:]')") ||
		{ fail "alloc $_order $_zone: $CTL_ERRNO"; return; }
	_want=$(split_counts "$_order" "$_before")
	_got=$(zone_counts "$_zone")
	if [ "$_got" = "$_want" ]; then
		ok "alloc $_order $_zone splits: $_got"
	else
		fail "alloc $_order $_zone splits: got '$_got', want '$_want'"
	fi
	_line=$(grep "^$_h " "$D/handles")
	# shellcheck disable=SC2086 # split the handle line into fields
	set -- $_line
	if [ "$3" = "$_order" ] && [ "$5" = "$_zone" ] &&
		[ $(($4 % (1 << _order))) -eq 0 ]; then
		ok "handle $_h is order $_order in $_zone at aligned pfn $4"
	else
		fail "handle $_h: '$_line' is not order $_order, $_zone, aligned"
	fi
	expect "free $_h merges $_zone back" ctl "free $_h"
	expect "buddyinfo back to the start after free $_h" \
		cmp -s "$TMP/start" "$D/buddyinfo"
}

# Several blocks live at once, freed in another order than taken.
many_at_once() {
	_hs=
	for _spec in "0 normal" "3 normal" "5 highmem" "10 normal" "1 highmem" "9 normal"; do
		# shellcheck disable=SC2086 # order and zone as two words
		_h=$(alloc $_spec) || { fail "alloc $_spec: $CTL_ERRNO"; return; }
		_hs="$_h $_hs"
	done
	expect "6 live handles listed" test "$(grep -vc '^#' "$D/handles")" -eq 6
	if cmp -s "$TMP/start" "$D/buddyinfo"; then
		fail "buddyinfo changed while 6 blocks are allocated"
	else
		ok "buddyinfo changed while 6 blocks are allocated"
	fi
	for _h in $_hs; do
		ctl "free $_h" || fail "free $_h: $CTL_ERRNO"
	done
	expect "freeing 6 blocks in reverse merges buddyinfo back to the start" \
		cmp -s "$TMP/start" "$D/buddyinfo"
}

main() {
	# Per-CPU lists off: every order-0 page goes through the free lists.
	load pcp_batch=0 || { fail "insmod toy_alloc.ko: $LOAD_ERR"; exit 1; }
	buddyinfo >"$TMP/start"
	for o in 0 1 4 9 10; do
		alloc_checked $o Normal
	done
	for o in 0 3 10; do
		alloc_checked $o HighMem
	done
	many_at_once
	expect "ctl validate: free lists agree with the page descriptors" \
		ctl validate
	unload || fail "rmmod toy_alloc"
}

main
