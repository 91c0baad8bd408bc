#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Reclaim, from outside. Page cache blocks made through ctl ("alloc 0
# cache") sit on the LRU (vmstat nr_inactive_file, zoneinfo
# nr_zone_inactive_file, pagemap C); requests that take Normal below its
# low watermark wake toy_kswapd0, which reclaims cache until Normal is
# above high and sleeps again; a reclaimed block's handle reads
# "reclaimed", and freeing it frees nothing. Requests that may reclaim
# then take every cache page, by kswapd or by themselves, exactly as many
# as free + cache - min. Last, the real kernel's drop_caches (its
# shrinkers) gives the toy's empty slabs back to the toy's buddy.
# It writes about 1,500 ctl commands (a kernel log line each): it runs
# near the end, after the tests that read dmesg at every check.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

SMALL="mem_mb=8 highmem_mb=4 min_free_kbytes=512 pcp_batch=0 slab_prefill=0"

normal_free() {
	awk '/^Node / { z = $NF } z == "Normal" && $1 == "pages" { print $3; exit }' "$D/zoneinfo"
}

normal_field() {
	awk -v k="$1" '/^Node / { z = $NF } z == "Normal" && $1 == k { print $2; exit }' "$D/zoneinfo"
}

# ctl_n N LINE: write LINE N times; prints how many succeeded.
ctl_n() {
	_i=0
	_ok=0
	while [ "$_i" -lt "$1" ]; do
		printf '%s\n' "$2" >"$D/ctl" 2>/dev/null && _ok=$((_ok + 1))
		_i=$((_i + 1))
	done
	echo "$_ok"
}

# shellcheck disable=SC2086 # word splitting of the parameters is wanted
start_loaded $SMALL
expect "toy_kswapd0 runs" kswapd_pid

_n=$(ctl_n 600 "alloc 0 cache")
expect "600 page cache blocks made ($_n)" [ "$_n" = 600 ]
expect "vmstat nr_inactive_file is 600 ($(vmstat_of nr_inactive_file))" \
	[ "$(vmstat_of nr_inactive_file)" = 600 ]
expect "zoneinfo Normal nr_zone_inactive_file is 600 ($(normal_field nr_zone_inactive_file))" \
	[ "$(normal_field nr_zone_inactive_file)" = 600 ]
expect "pagemap shows page cache as C" grep -q 'C' "$D/pagemap"
expect "handles lists 600 cache blocks" \
	[ "$(grep -c ' cache 0 [0-9]* Normal ' "$D/handles")" = 600 ]
_first=$(awk '$2 == "cache" { print $1; exit }' "$D/handles")
sleep 1
_steal0=$(vmstat_of pgsteal_kswapd)
_runs0=$(vmstat_of pageoutrun)
expect "kswapd reclaimed nothing while Normal is above its watermarks" \
	[ "$_steal0" = 0 ]

# 424 free: 264 plain requests stay above low, the next ones wake kswapd.
_n=$(ctl_n 270 "alloc 0")
_t=0
while [ "$(normal_free)" -le 192 ] && [ "$_t" -lt 100 ]; do
	sleep 0.1
	_t=$((_t + 1))
done
_free=$(normal_free)
expect "kswapd brought Normal above its high watermark (192): $_free free" \
	[ "$_free" -gt 192 ]
_steal=$(vmstat_of pgsteal_kswapd)
expect "pgsteal_kswapd moved ($_steal), pgscan_kswapd with it" \
	[ "$_steal" -gt 0 ] && [ "$(vmstat_of pgscan_kswapd)" = "$_steal" ]
expect "pageoutrun moved ($_runs0 -> $(vmstat_of pageoutrun))" \
	[ "$(vmstat_of pageoutrun)" -gt "$_runs0" ]
expect "stats counts a kswapd wakeup" \
	[ "$(awk '$1 == "kswapd_wakeups" { print $2 }' "$D/stats")" -ge 1 ]
expect "nr_inactive_file fell by what kswapd took: $((600 - _steal))" \
	[ "$(vmstat_of nr_inactive_file)" = $((600 - _steal)) ]
sleep 0.5
expect "toy_kswapd0 sleeps again once balanced" kswapd_asleep
expect "the oldest cache block (handle $_first) reads reclaimed" \
	grep -q "^$_first cache 0 reclaimed -" "$D/handles"
mark
ctl "free $_first"
expect "free of a reclaimed cache block frees nothing, says so" \
	sh -c "dmesg | tail -n 3 | grep -q 'handle $_first, page cache reclaimed before, nothing to free'"

# Now requests that may reclaim: every cache page goes, by kswapd or by
# direct reclaim, and Normal ends at its min.
_free=$(normal_free)
_lru=$(vmstat_of nr_inactive_file)
_stall0=$(vmstat_of allocstall_normal)
_n=0
while printf 'alloc 0\n' >"$D/ctl" 2>/dev/null; do
	_n=$((_n + 1))
done
expect "plain requests got free + cache - min = $_free + $_lru - 128 pages ($_n)" \
	[ "$_n" = $((_free + _lru - 128)) ]
expect "no cache left ($(vmstat_of nr_inactive_file)); Normal at min ($(normal_free))" \
	[ "$(vmstat_of nr_inactive_file)" = 0 ] && [ "$(normal_free)" = 128 ]
expect "pgsteal_kswapd + pgsteal_direct = 600" \
	[ $(($(vmstat_of pgsteal_kswapd) + $(vmstat_of pgsteal_direct))) = 600 ]
expect "the last request stalled in direct reclaim (allocstall_normal $_stall0 -> $(vmstat_of allocstall_normal))" \
	[ "$(vmstat_of allocstall_normal)" -gt "$_stall0" ]
expect "validate finds nothing" [ "$(validate_total)" = 0 ]
mark
expect "rmmod with the handles live" unload

# --- the real kernel's reclaim shrinks the toy's empty slabs ---------------
if ! load; then
	fail "insmod with the defaults: $LOAD_ERR"
	exit 0
fi
_empty=$(cat "$D"/slabs/* | awk '$1 == "#" && $2 == "full" { n += $7 } END { print n + 0 }')
expect "at load the kmalloc caches hold empty slabs ($_empty)" [ "$_empty" -gt 0 ]
echo 2 >/proc/sys/vm/drop_caches
_left=$(cat "$D"/slabs/* | awk '$1 == "#" && $2 == "full" { n += $7 } END { print n + 0 }')
expect "drop_caches (the kernel's shrinkers) gave them back to the toy's buddy: $_empty -> $_left" \
	[ "$_left" = 0 ]
expect "validate finds nothing after drop_caches" [ "$(validate_total)" = 0 ]
unload_clean "$BEFORE_KB"
