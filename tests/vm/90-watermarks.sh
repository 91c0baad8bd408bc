#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Watermarks, lowmem_reserve and the zonelist walk of 6.1, from outside.
# Loaded as issue 14 gives it (mem_mb=8 highmem_mb=4 min_free_kbytes=512
# pcp_batch=0 slab_prefill=0), HIGHUSER order-0 requests succeed 992 times
# from HighMem and 864 from Normal, then KERNEL ones 32 more times, then
# ATOMIC ones 80 more: the numbers kunit/toy_wmark_test.c works out from
# the kernel's formulas. zoneinfo has /proc/zoneinfo's lines in its order
# and format and vmstat /proc/vmstat's names in its order, each checked
# against the guest kernel's own file; zoneinfo shows the marks and the
# protection those formulas give, with and without a DMA zone. Bad sizes
# and watermark parameters are refused at load with one line saying why.
# It writes some 5,000 ctl commands, a kernel log line each, so it runs
# near the end: every later check that reads dmesg reads them all.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

SMALL="mem_mb=8 highmem_mb=4 min_free_kbytes=512 pcp_batch=0 slab_prefill=0"

# shape: each line of stdin with its numbers as N and a protection list
# as (N...), after checking the zone header's %8s: the form the lines
# share, whatever the values.
shape() {
	awk '/^Node [0-9]+, zone / {
		name = $0; sub(/^Node [0-9]+, zone /, "", name)
		if (length(name) < 8) { print "BAD-WIDTH " $0; next }
		print "Node N, zone Z"; next
	}
	{ gsub(/\([-0-9, ]*\)/, "(N...)"); gsub(/[0-9]+/, "N"); print }'
}

# blocks FILE POPULATED: the shapes of FILE's zone blocks that have a
# pagesets line (POPULATED=1) or have none (0), one block per line, the
# lines of a block joined by "|".
blocks() {
	shape <"$1" | awk -v want="$2" '
	function flush() { if (b != "" && (pop == want)) print b; b = ""; pop = 0 }
	/^Node N, zone Z$/ { flush() }
	/^  pagesets$/ { pop = 1 }
	{ b = b (b == "" ? "" : "|") $0 }
	END { flush() }'
}

# in_order TOY REAL: every "|"-separated item of TOY occurs in REAL, in
# the same order (REAL may have more). Prints the first item that does not.
in_order() {
	awk -v toy="$1" -v real="$2" 'BEGIN {
		n = split(toy, t, "|"); m = split(real, r, "|"); j = 1
		for (i = 1; i <= n; i++) {
			while (j <= m && r[j] != t[i]) j++
			if (j > m) { print t[i]; exit 1 }
			j++
		}
	}'
}

# expect_zoneinfo_like_kernel: each of the toy's zone blocks, populated or
# not, is a block of the guest kernel's /proc/zoneinfo of the same kind
# with some of its lines left out, in the same order and format.
expect_zoneinfo_like_kernel() {
	for _pop in 1 0; do
		_real=$(blocks /proc/zoneinfo $_pop | head -n 1)
		if [ -z "$_real" ]; then
			fail "zoneinfo: the guest's /proc/zoneinfo has a block of kind $_pop"
			continue
		fi
		blocks "$D/zoneinfo" $_pop >"$TMP/toy.blocks"
		_n=0
		while read -r _b; do
			_n=$((_n + 1))
			if ! _miss=$(in_order "$_b" "$_real"); then
				fail "zoneinfo: a ${_pop}-populated block's line '$_miss' is not /proc/zoneinfo's, in its order"
				return
			fi
		done <"$TMP/toy.blocks"
		if [ "$_n" -gt 0 ]; then
			ok "zoneinfo: $_n block(s) with pagesets=$_pop have /proc/zoneinfo's lines, order and format"
		fi
	done
}

# expect_vmstat_like_kernel: every name of the toy's vmstat is one of the
# guest's /proc/vmstat (or a HIGHMEM kernel's *_high), in its order.
expect_vmstat_like_kernel() {
	_names=$(awk '$1 !~ /_high$/ { print $1 }' "$D/vmstat" | tr '\n' '|')
	_real=$(awk '{ print $1 }' /proc/vmstat | tr '\n' '|')
	if _miss=$(in_order "${_names%|}" "${_real%|}"); then
		ok "vmstat: $(wc -l <"$D/vmstat") names, those /proc/vmstat has in its order"
	else
		fail "vmstat: '$_miss' is not in /proc/vmstat, or out of its order"
	fi
}

# pt_shape: pagetypeinfo's lines with numbers as N and zone names as Z,
# after checking the zone field's %8s.
pt_shape() {
	awk '/^Node / {
		z = $0; sub(/^Node +[0-9]+, zone /, "", z); z = substr(z, 1, 8)
		if (z ~ /^ *[A-Za-z0-9]+$/ && length(z) == 8) sub(/zone +[A-Za-z0-9]+/, "zone Z")
		else { print "BAD-WIDTH " $0; next }
	}
	{ gsub(/[0-9]+/, "N"); print }'
}

# expect_pagetypeinfo_like_kernel: the header lines are the guest kernel's
# own (pageblock order, pages per block, the orders, the migrate types in
# its order), and every other line has the shape of one of its lines.
expect_pagetypeinfo_like_kernel() {
	head -n 4 /proc/pagetypeinfo >"$TMP/pt.real"
	head -n 4 "$D/pagetypeinfo" >"$TMP/pt.toy"
	grep '^Number of blocks type' /proc/pagetypeinfo >>"$TMP/pt.real"
	grep '^Number of blocks type' "$D/pagetypeinfo" >>"$TMP/pt.toy"
	if cmp -s "$TMP/pt.real" "$TMP/pt.toy"; then
		ok "pagetypeinfo: the header lines are /proc/pagetypeinfo's ($(head -n 1 "$TMP/pt.toy"))"
	else
		fail "pagetypeinfo: header lines differ from /proc/pagetypeinfo's"
		diff "$TMP/pt.real" "$TMP/pt.toy"
	fi
	pt_shape </proc/pagetypeinfo >"$TMP/pt.shapes"
	_bad=$(pt_shape <"$D/pagetypeinfo" |
		awk 'NR == FNR { real[$0] = 1; next } !($0 in real)' "$TMP/pt.shapes" -)
	expect_none "pagetypeinfo: every line has the shape of one of /proc/pagetypeinfo's" "$_bad"
}

# blocks_of ZONE: the "Number of blocks" counts of ZONE, space-separated.
blocks_of() {
	awk -v z="$1" '/^Number of blocks/ { on = 1; next }
		on && $4 == z { $1 = $2 = $3 = $4 = ""; print; exit }' "$D/pagetypeinfo" |
		tr -s ' ' | sed 's/^ //; s/ $//'
}

# zone_field ZONE KEY: KEY's value in the toy zoneinfo's block of ZONE
# (KEY "pages free" is "free"; "protection:" gives the list).
zone_field() {
	awk -v z="$1" -v k="$2" '/^Node / { cur = $NF; next }
	cur == z && $1 == "pages" && k == "free" { print $3; exit }
	cur == z && $1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$D/zoneinfo"
}

expect_zone() {
	expect_eq "zoneinfo $1: min low high protection" \
		"$(zone_field "$1" min) $(zone_field "$1" low) $(zone_field "$1" high) $(zone_field "$1" protection:)" \
		"$2"
}

# allocs WORDS: order-0 ctl allocs with WORDS until one is refused; prints
# "N high H normal L dma D": how many, and how many from each zone.
allocs() {
	_h0=$(vmstat_of pgalloc_high)
	_l0=$(vmstat_of pgalloc_normal)
	_d0=$(vmstat_of pgalloc_dma)
	_n=0
	while printf 'alloc 0 %s\n' "$1" >"$D/ctl" 2>/dev/null; do
		_n=$((_n + 1))
	done
	echo "$_n high $(($(vmstat_of pgalloc_high) - _h0))" \
		"normal $(($(vmstat_of pgalloc_normal) - _l0))" \
		"dma $(($(vmstat_of pgalloc_dma) - _d0))"
}

expect_allocs() {
	expect_eq "$1" "$(allocs "$2")" "$3"
}

# --- the issue's layout -----------------------------------------------------
# shellcheck disable=SC2086 # word splitting of the parameters is wanted
start_loaded $SMALL
expect_zoneinfo_like_kernel
expect_vmstat_like_kernel
expect_pagetypeinfo_like_kernel
_pb=$(awk '/^Pages per block:/ { print $4 }' "$D/pagetypeinfo")
# The types after Movable (Reclaimable, HighAtomic, CMA and Isolate, as
# the kernel has them) all 0.
_rest=$(awk '/^Number of blocks type/ { for (i = 7; i <= NF; i++) printf " 0" }' "$D/pagetypeinfo")
expect "pagetypeinfo at load: Normal's $((1024 / _pb)) pageblocks all Movable ($(blocks_of Normal))" \
	[ "$(blocks_of Normal)" = "0 $((1024 / _pb))$_rest" ]
expect_zone Normal "128 160 192 (0, 0, 32)"
expect_zone HighMem "32 64 96 (0, 0, 0)"
expect_zone DMA "0 0 0 (0, 0, 0)"
expect_eq "zoneinfo: pages free in Normal and HighMem before any request" \
	"$(zone_field Normal free) $(zone_field HighMem free)" "1024 1024"
expect_allocs "HIGHUSER requests stop at HighMem's min, then at Normal's min + protection" \
	highmem "1856 high 992 normal 864 dma 0"
expect_allocs "KERNEL requests then go on down to Normal's min" \
	normal "32 high 0 normal 32 dma 0"
expect_allocs "ATOMIC requests then go 5/8 of min lower" \
	atomic "80 high 0 normal 80 dma 0"
expect_allocs "atomic HIGHUSER requests take HighMem to 12" \
	"highmem atomic" "20 high 20 normal 0 dma 0"
expect_eq "zoneinfo: pages free in Normal and HighMem at the end" \
	"$(zone_field Normal free) $(zone_field HighMem free)" "48 12"
expect "validate finds nothing after the sequence" [ "$(validate_total)" = 0 ]
expect "pagetypeinfo after it: HIGHUSER's unmovable pages took every pageblock ($(blocks_of Normal), $(blocks_of HighMem))" \
	[ "$(blocks_of Normal)" = "$((1024 / _pb)) 0$_rest" ] &&
	[ "$(blocks_of HighMem)" = "$((1024 / _pb)) 0$_rest" ]
mark
expect "rmmod toy_alloc with 1988 pages on ctl handles" unload

# --- a DMA zone ------------------------------------------------------------
if ! load mem_mb=12 highmem_mb=4 dma_mb=4 min_free_kbytes=512 pcp_batch=0 slab_prefill=0; then
	fail "insmod with dma_mb=4: $LOAD_ERR"
	exit 0
fi
expect_zoneinfo_like_kernel
expect_zone DMA "64 80 96 (0, 4, 8)"
expect_zone Normal "64 80 96 (0, 0, 32)"
expect_zone HighMem "32 48 64 (0, 0, 0)"
_start="$(zone_field DMA start_pfn:) $(zone_field Normal start_pfn:) $(zone_field HighMem start_pfn:)"
expect "zoneinfo start_pfn: DMA 0, Normal 1024, HighMem 2048 ($_start)" [ "$_start" = "0 1024 2048" ]
mark
ctl "alloc 3 dma"
_line=$(new_dmesg | grep ' toy_alloc: alloc: ' | sed 's/.*toy_alloc: //')
case "$_line" in
"alloc: order 3 -> handle "*", pfn "*", zone DMA")
	_pfn=${_line#*pfn }
	_pfn=${_pfn%%,*}
	expect "alloc 3 dma: a DMA block below pfn 1024 ($_line)" [ "$_pfn" -lt 1024 ]
	;;
*) fail "alloc 3 dma: '$_line'" ;;
esac
expect_allocs "HIGHUSER requests walk HighMem, Normal, DMA, each to its min + protection" \
	highmem "2864 high 992 normal 928 dma 944"
expect_allocs "DMA requests go on to DMA's min" dma "8 high 0 normal 0 dma 8"
mark
expect "rmmod toy_alloc with a DMA zone" unload

# --- refused at load ---------------------------------------------------------
for _p in "dma_mb=3" "dma_mb=60 highmem_mb=4" "min_free_kbytes=-2" \
	"watermark_scale_factor=0" "watermark_scale_factor=3001"; do
	mark
	# shellcheck disable=SC2086
	if load $_p; then
		fail "insmod $_p: loaded"
		unload
		continue
	fi
	_said=$(new_dmesg | grep -c ' toy_alloc: ')
	if [ "$_said" -eq 1 ]; then
		ok "insmod $_p refused, one line: $(new_dmesg | grep ' toy_alloc: ' | sed 's/.*toy_alloc: //')"
	else
		fail "insmod $_p refused with $_said lines in dmesg, want 1"
	fi
done
if load; then
	unload_clean "$BEFORE_KB"
else
	fail "insmod with the defaults after the refusals: $LOAD_ERR"
fi
