#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Compaction, from outside. An 8 MiB Normal zone (2048 pages, min 128)
# is filled with movable pages through ctl ("alloc 0 movable") down to
# its min, then every page whose pfn is not a multiple of four is freed:
# 1568 pages free, and no free block above order 1 but the order-7 one
# left above the fill. An order-9 request then compacts: direct
# compaction moves the first pageblock's pages into the zone's top
# pageblock, and the request gets the block it emptied. Each moved
# handle still reads what was written to it, at its new pfn; vmstat's
# compact_* and pgmigrate_* counted it. An atomic order-8 request, which
# may not compact, wakes kcompactd, which makes the block. debugfs
# compact_memory compacts the whole zone, and refuses anything but 1.
# It writes some 3,500 ctl commands: it runs after the others but 99.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

SMALL="mem_mb=8 highmem_mb=0 min_free_kbytes=512 pcp_batch=0 slab_prefill=0"

# order_free ORDER: free blocks of ORDER or more in Normal (buddyinfo).
order_free() {
	awk -v o="$1" '$4 == "Normal" { for (i = 5 + o; i <= NF; i++) n += $i }
		END { print n + 0 }' "$D/buddyinfo"
}

# wait_until CMD...: up to 20 s for CMD to succeed.
wait_until() {
	_t=0
	while ! "$@" && [ "$_t" -lt 200 ]; do
		sleep 0.1
		_t=$((_t + 1))
	done
}

kcompactd_woke() {
	[ "$(vmstat_of compact_daemon_wake)" != 0 ]
}

order_free_8() {
	[ "$(order_free 8)" != 0 ]
}

# movable_pfns: "id pfn" of each live movable handle.
movable_pfns() {
	awk '$2 == "movable" { print $1, $4 }' "$D/handles"
}

# shellcheck disable=SC2086 # word splitting of the parameters is wanted
start_loaded $SMALL
PB=$(awk '/^Pages per block:/ { print $4 }' "$D/pagetypeinfo")
expect "pagetypeinfo gives the pageblock size ($PB pages)" [ "${PB:-0}" -gt 0 ]

_n=0
while printf 'alloc 0 movable\n' >"$D/ctl" 2>/dev/null; do
	_n=$((_n + 1))
done
expect_eq "movable pages down to Normal's min: 2048 - 128" "$_n" 1920
movable_pfns | awk '$2 % 4 { print "free " $1 }' >"$TMP/frees"
while read -r _line; do
	printf '%s\n' "$_line" >"$D/ctl"
done <"$TMP/frees"
expect_eq "kept: the pages at multiples of four" \
	"$(movable_pfns | awk '$2 % 4 == 0' | wc -l)" 480
expect "no free block of order 2 to 6, none of 8 or more" \
	[ "$(order_free 2)" = 1 ] && [ "$(order_free 8)" = 0 ]
_ui=$(awk '$4 == "Normal" { print $14 }' "$D/extfrag/unusable_index")
expect "unusable_index for order 9 is 1.000 ($_ui)" [ "$_ui" = 1.000 ]

# Each kept page of the first pageblock gets its pfn written into it.
movable_pfns | awk -v pb="$PB" '$2 % 4 == 0 && $2 < pb' >"$TMP/first"
while read -r _h _pfn; do
	ctl "write $_h 100 pfn$_pfn"
done <"$TMP/first"
_moving=$(wc -l <"$TMP/first")
expect_eq "kept pages in the first pageblock" "$_moving" $((PB / 4))

_h=$(alloc 9 movable)
expect "alloc 9 movable succeeds (handle $_h)" [ -n "$_h" ]
expect_eq "compact_stall" "$(vmstat_of compact_stall)" 1
expect_eq "compact_success" "$(vmstat_of compact_success)" 1
expect_eq "compact_fail" "$(vmstat_of compact_fail)" 0
expect_eq "pgmigrate_success: the first pageblock's pages" \
	"$(vmstat_of pgmigrate_success)" "$_moving"
expect_eq "compact_migrate_scanned: the first pageblock" \
	"$(vmstat_of compact_migrate_scanned)" "$PB"
expect "compact_isolated counts both scanners ($(vmstat_of compact_isolated))" \
	[ "$(vmstat_of compact_isolated)" -ge $((2 * _moving)) ]
expect "the order-9 block is the first pageblock" \
	grep -q "^$_h movable 9 0 Normal " "$D/handles"

_bad=0
_top=0
while read -r _h2 _pfn; do
	_now=$(awk -v h="$_h2" '$1 == h { print $4 }' "$D/handles")
	[ "$_now" -ge $((2048 - PB)) ] && _top=$((_top + 1))
	ctl "read $_h2 100 8" || _bad=$((_bad + 1))
	dmesg | tail -n 1 | grep -q "\"pfn$_pfn" || _bad=$((_bad + 1))
done <"$TMP/first"
expect_eq "moved handles now in the top pageblock" "$_top" "$_moving"
expect_eq "moved handles that do not read what was written" "$_bad" 0
expect "validate finds nothing after direct compaction" [ "$(validate_total)" = 0 ]

# kswapd, which the order-9 request woke, found nothing to reclaim and
# gave up (kswapd_failures reached MAX_RECLAIM_RETRIES). A request that
# cannot compact by itself (atomic) and finds no block of order 8 then
# wakes kcompactd in kswapd's stead (wakeup_kswapd()), which comes only
# if compaction could help: room for it (low, boosted by the steal of a
# pageblock, + 2 << 8) and no block of the order free. Three of each
# four kept pages of the second and third pageblocks go first: 192 more
# free pages, none of order 9.
movable_pfns | awk -v pb="$PB" '$2 >= pb && $2 < 3 * pb && $2 % 16 { print "free " $1 }' \
	>"$TMP/frees"
while read -r _line; do
	printf '%s\n' "$_line" >"$D/ctl"
done <"$TMP/frees"
wait_until kswapd_asleep
expect "kswapd gave up and sleeps (pageoutrun $(vmstat_of pageoutrun))" kswapd_asleep
expect "no free block of order 8 or more" [ "$(order_free 8)" = 0 ]
if ctl "alloc 8 atomic"; then
	fail "alloc 8 atomic found a block without compaction"
else
	ok "alloc 8 atomic fails: no block, and it may not compact ($CTL_ERRNO)"
fi
wait_until kcompactd_woke
expect "the request woke kcompactd (compact_daemon_wake $(vmstat_of compact_daemon_wake))" \
	[ "$(vmstat_of compact_daemon_wake)" -ge 1 ]
wait_until order_free_8
expect "kcompactd made a block of order 8 or more ($(order_free 8))" \
	[ "$(order_free 8)" -ge 1 ]
expect_eq "kcompactd's scanned pages are in compact_daemon_migrate_scanned" \
	"$(($(vmstat_of compact_daemon_migrate_scanned) > 0))" 1

# compact_memory: the whole zone, sync; only 1 is taken.
ctl "free $_h"
_moved0=$(vmstat_of pgmigrate_success)
echo 1 >"$D/compact_memory"
expect "compact_memory moved pages ($_moved0 -> $(vmstat_of pgmigrate_success))" \
	[ "$(vmstat_of pgmigrate_success)" -gt "$_moved0" ]
expect "compact_memory says how many it moved" \
	sh -c "dmesg | tail -n 1 | grep -q 'compact_memory: [0-9]* pages moved'"
expect "after it, a free block of order 9 or more" [ "$(order_free 9)" -ge 1 ]
for _v in 0 2 x; do
	_before=$(cat "$D/buddyinfo" "$D/handles")
	if echo "$_v" >"$D/compact_memory" 2>/dev/null; then
		fail "compact_memory took '$_v'"
	else
		expect "compact_memory refuses '$_v' and changes nothing" \
			[ "$(cat "$D/buddyinfo" "$D/handles")" = "$_before" ]
	fi
done
expect "each refusal says why" \
	[ "$(dmesg | tail -n 3 | grep -c 'compact_memory: write 1 to compact every zone')" = 3 ]
expect "validate finds nothing after compact_memory" [ "$(validate_total)" = 0 ]
awk '$2 == "movable" || $2 == "pages" { print "free " $1 }' "$D/handles" >"$TMP/frees"
while read -r _line; do
	printf '%s\n' "$_line" >"$D/ctl"
done <"$TMP/frees"
unload_clean "$BEFORE_KB"
