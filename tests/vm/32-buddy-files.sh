#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What buddyinfo's neighbours say, exactly: stats moves by the counts each
# command must cause (splits, merges, fallbacks, failures, per-CPU
# refills and drains) and by nothing else; pagemap draws a known layout
# page by page (and in groups of two pages); extfrag/unusable_index and
# extfrag/extfrag_index hold the values worked out by hand for a known
# layout, and for every layout met the values mm/vmstat.c's formulas give
# for buddyinfo - formulas written here in awk and checked first against
# the real kernel's own /proc/buddyinfo and extfrag files.
# Loaded small (16 and 32 MiB), with no prefilled slabs and no per-CPU
# object arrays, so the toy uses no page the test does not ask for.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

KDEBUG=/sys/kernel/debug

# --- expected files ----------------------------------------------------------

# frag_index unusable|extfrag: the file mm/vmstat.c prints for the free
# lists given as buddyinfo lines on stdin: fill_contig_page_info(), then
# unusable_free_index() or __fragmentation_index() with their integer
# divisions, in unusable_show_print()'s or extfrag_show_print()'s format.
# (busybox's awk has no ^: p[k] is 2^k.)
frag_index() {
	awk -v what="$1" 'BEGIN { p[0] = 1; for (k = 1; k < 11; k++) p[k] = 2 * p[k - 1] }
	{
		printf "%s %s %s %8s ", $1, $2, $3, $4
		for (o = 0; o < 11; o++) {
			pages = blocks = suitable = 0
			for (k = 0; k < 11; k++) {
				blocks += $(k + 5)
				pages += $(k + 5) * p[k]
				if (k >= o)
					suitable += $(k + 5) * p[k - o]
			}
			if (what == "unusable") {
				i = pages ? int((pages - suitable * p[o]) * 1000 / pages) : 1000
				printf "%d.%03d ", int(i / 1000), i % 1000
			} else if (!blocks) {
				printf " 0.000 "
			} else if (suitable) {
				printf "-1.000 "
			} else {
				i = 1000 - int((1000 + int(pages * 1000 / p[o])) / blocks)
				printf "%2d.%03d ", int(i / 1000), i % 1000
			}
		}
		printf "\n"
	}'
}

# want_pagemap PAGES HIGH: the pagemap of a region of PAGES pages, the
# top HIGH of them HighMem, holding the blocks on stdin as "PFN PAGES
# CHAR" lines (CHAR on the first page and "a" on the rest for A, S and L;
# CHAR on every page for p); every other page is free. By the rules of
# the pagemap entry in Documentation/toy_alloc.rst: one character per 2^k
# pages so that at most 4096 are printed, a group showing its most
# telling page (? S L A a p . in that order), rows of 64 characters that
# start with their first pfn, each zone on rows of its own, then the
# zone's pageblocks of $PB pages, U where the first pfn is in $UNMOVABLE,
# M elsewhere.
want_pagemap() {
	awk -v pages="$1" -v high="$2" -v pb="$PB" -v unmov="${UNMOVABLE:-}" '
	# The pageblocks of pfns start .. end - 1: U for those whose first
	# pfn is in the list unmov, M for the others.
	function blocks(start, end,   pfn, i, row, u) {
		split(unmov, list, " ")
		for (i in list)
			u[list[i]] = 1
		i = 0
		for (pfn = start; pfn < end; pfn += pb) {
			if (i % 64 == 0)
				row = sprintf("# pageblocks %7d ", pfn)
			row = row ((pfn in u) ? "U" : "M")
			i++
			if (i % 64 == 0 || pfn + pb >= end)
				print row
		}
	}
	function zone(name, start, end, per,   pfn, row, i, best, r, ch) {
		printf "# zone %s: pfns %d-%d\n", name, start, end - 1
		for (pfn = start; pfn < end; pfn += per) {
			if ((pfn - start) % (64 * per) == 0)
				row = sprintf("%7d ", pfn)
			best = 8
			for (i = 0; i < per; i++) {
				ch = (pfn + i) in c ? c[pfn + i] : "."
				r = index("?SLCAap.", ch)
				if (r < best)
					best = r
			}
			row = row substr("?SLCAap.", best, 1)
			if ((pfn + per - start) % (64 * per) == 0 || pfn + per >= end)
				print row
		}
	}
	{ for (i = 0; i < $2; i++) c[$1 + i] = (i == 0 || $3 == "p") ? $3 : "a" }
	END {
		per = 1
		while (pages / per > 4096 && per < 1024)
			per *= 2
		printf "# toy pfns 0-%d, one character per %d page%s\n", pages - 1,
			per, (per > 1 ? "s" : "")
		print "# . free  A allocated block head  a rest of an allocated block"
		print "# p free on a per-CPU list  S slab  L large kmalloc  C page cache"
		print "# (a group of pages shows its most telling one)"
		printf "# pageblocks: one letter per %d pages, U unmovable  M movable  R reclaimable  H high-atomic\n", pb
		zone("Normal", 0, pages - high, per)
		blocks(0, pages - high)
		if (high) {
			zone("HighMem", pages - high, pages, per)
			blocks(pages - high, pages)
		}
	}'
}

# same DESC GOT_FILE WANT_FILE: ok when the two files are equal.
same() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		fail "$1"
		diff "$3" "$2" | head -n 20
	fi
}

# --- the formulas against the real kernel --------------------------------------

# slurp FILE: FILE's lines on stdout, read by the shell itself: no
# process is forked, so the read moves none of the kernel's free pages.
slurp() {
	while IFS= read -r _l; do
		printf '%s\n' "$_l"
	done <"$1"
}

# The awk formulas read the real kernel's /proc/buddyinfo and must print
# its extfrag files. The kernel's free lists move meanwhile (a forked cat
# alone moves them), so the four reads fork nothing, and a read counts
# only when buddyinfo is the same before and after it.
formulas_match_kernel() {
	if [ ! -r "$KDEBUG/extfrag/unusable_index" ]; then
		fail "the kernel has $KDEBUG/extfrag (CONFIG_COMPACTION)"
		return
	fi
	_try=0
	while [ $_try -lt 100 ]; do
		slurp /proc/buddyinfo >"$TMP/kbi.1"
		slurp "$KDEBUG/extfrag/unusable_index" >"$TMP/ku"
		slurp "$KDEBUG/extfrag/extfrag_index" >"$TMP/ke"
		slurp /proc/buddyinfo >"$TMP/kbi.2"
		cmp -s "$TMP/kbi.1" "$TMP/kbi.2" && break
		_try=$((_try + 1))
	done
	echo "# buddyinfo stood still on try $((_try + 1))"
	if [ $_try -eq 100 ]; then
		fail "the kernel's buddyinfo stood still for one read of extfrag in 100 tries"
		return
	fi
	frag_index unusable <"$TMP/kbi.1" >"$TMP/ku.want"
	frag_index extfrag <"$TMP/kbi.1" >"$TMP/ke.want"
	same "the unusable_free_index() formula here gives the kernel's own unusable_index ($(wc -l <"$TMP/ku") zones)" \
		"$TMP/ku" "$TMP/ku.want"
	same "the __fragmentation_index() formula here gives the kernel's own extfrag_index" \
		"$TMP/ke" "$TMP/ke.want"
}

# toy_index_by_formula WHEN: both toy files are what the formulas give
# for the toy's buddyinfo.
toy_index_by_formula() {
	frag_index unusable <"$D/buddyinfo" >"$TMP/tu.want"
	frag_index extfrag <"$D/buddyinfo" >"$TMP/te.want"
	cat "$D/extfrag/unusable_index" >"$TMP/tu"
	cat "$D/extfrag/extfrag_index" >"$TMP/te"
	same "unusable_index $1 is the formula's for buddyinfo" "$TMP/tu" "$TMP/tu.want"
	same "extfrag_index $1 is the formula's for buddyinfo" "$TMP/te" "$TMP/te.want"
}

# --- stats ---------------------------------------------------------------------

STAT_NAMES="allocs frees splits merges failures highmem_fallbacks pcp_refills
pcp_drains pcp_pages pcp_batch pcp_high"
MISUSE_NAMES="bad_order double_free tail_page_free wrong_order_free foreign_page"

# want_stats BATCH: the stats file of a fresh load with pcp_batch=BATCH.
want_stats() {
	for _z in normal highmem; do
		for _s in $STAT_NAMES; do
			case $_s in
			pcp_batch) echo "${_z}_$_s $1" ;;
			pcp_high) echo "${_z}_$_s $(($1 * 6))" ;;
			*) echo "${_z}_$_s 0" ;;
			esac
		done
	done
	for _s in $MISUSE_NAMES; do
		echo "misuse_$_s 0"
	done
	echo "kswapd_wakeups 0"
}

# stats_moved BEFORE: "name delta" of each stats line that moved since the
# copy BEFORE, in the file's order, comma-separated; kswapd_wakeups left
# out, as a failed request wakes kswapd whenever it sleeps
# (91-reclaim.sh checks it).
stats_moved() {
	awk 'NR == FNR { was[$1] = $2; next }
		$1 == "kswapd_wakeups" { next }
		$2 != was[$1] { printf "%s%s %d", sep, $1, $2 - was[$1]; sep = ", " }' \
		"$1" "$D/stats"
}

# step DESC LINE WANT [ERRNO]: ctl LINE succeeds (or fails with ERRNO)
# and moves the stats by exactly WANT ("name delta, ..."; "" for none).
step() {
	cp "$D/stats" "$TMP/stats.before"
	if ctl "$2"; then
		if [ -n "${4:-}" ]; then
			fail "$1: '$2' succeeded, want $4"
			return
		fi
	elif [ "$CTL_ERRNO" != "${4:-0}" ]; then
		fail "$1: '$2' failed with $CTL_ERRNO"
		return
	fi
	_moved=$(stats_moved "$TMP/stats.before")
	if [ "$_moved" = "$3" ]; then
		ok "$1: stats moved by '$3'"
	else
		fail "$1: stats moved by '$_moved', want '$3'"
	fi
}

# pageblocks_of PFN: the first pfns of the pageblocks of the order-10
# block at PFN, which an unmovable request's first steal turned unmovable
# whole (change_pageblock_range()).
pageblocks_of() {
	_p=$1
	while [ "$_p" -lt $(($1 + 1024)) ]; do
		printf '%s ' "$_p"
		_p=$((_p + PB))
	done
}

# pfn_of HANDLE: the toy pfn of a page handle.
pfn_of() {
	awk -v h="$1" '$1 == h { print $4 }' "$D/handles"
}

# said_pfn WHAT: the pfn in "WHAT pfn N" of the newest toy_alloc line.
said_pfn() {
	dmesg | grep ' toy_alloc: ' | tail -n 1 |
		sed -n "s/.*$1 pfn \\([0-9]*\\).*/\\1/p"
}

# --- 16 MiB, no per-CPU lists: the buddy counters, a page-by-page map ---------

# The Normal zone is pfns 0-3071 (three order-10 blocks), HighMem
# 3072-4095 (one). The free lists take the blocks in pfn order at the
# tail, as the kernel frees its boot memory (FPI_TO_TAIL), so the first
# to go is the first one, at 0; every split keeps the lower half.
P=0
H=3072

# The unusable and extfrag indices of the known layout (see known_layout),
# by hand. Normal: 3054 free pages, 2048 of them in order-10 blocks; the
# pages in blocks below order k are 0 0 2 6 14 14 46 110 238 494 1006 for
# k = 0 .. 10, each times 1000 / 3054, rounded down. No order lacks a
# block, so every extfrag index is -1. HighMem: one free block of each
# order 0 .. 9, 1023 pages: (2^k - 1) * 1000 / 1023; no order-10 block,
# so at order 10: 1000 - (1000 + 1023 * 1000 / 1024) / 10 = 801.
KNOWN_UNUSABLE="Node 0, zone   Normal 0.000 0.000 0.000 0.001 0.004 0.004 0.015 0.036 0.077 0.161 0.329 
Node 0, zone  HighMem 0.000 0.000 0.002 0.006 0.014 0.030 0.061 0.124 0.249 0.499 1.000 "
KNOWN_EXTFRAG="Node 0, zone   Normal -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 
Node 0, zone  HighMem -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000  0.801 "
# Every block whole: no order lacks memory, none is fragmented.
WHOLE_UNUSABLE="Node 0, zone   Normal 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 
Node 0, zone  HighMem 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 0.000 "
WHOLE_EXTFRAG="Node 0, zone   Normal -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 
Node 0, zone  HighMem -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 "

# expect_file DESC FILE TEXT: FILE holds exactly TEXT and a newline.
expect_file() {
	printf '%s\n' "$3" >"$TMP/want"
	same "$1" "$2" "$TMP/want"
}

# A page-by-page layout: an order-3 block, a page, a large kmalloc, a
# slab, a HighMem page.
known_layout() {
	step "alloc 3 normal splits an order-10 block 7 times" "alloc 3 normal" \
		"normal_allocs 1, normal_splits 7"
	H1=$(newest_handle)
	expect "the order-3 block is the zone's first order-10 block's start: pfn $P" \
		test "$(pfn_of "$H1")" = $P
	step "alloc 0 splits the free order-3 upper half 3 times" "alloc 0 normal" \
		"normal_allocs 1, normal_splits 3"
	H2=$(newest_handle)
	expect "the page is that half's first page: pfn $((P + 8))" \
		test "$(pfn_of "$H2")" = $((P + 8))
	# 20000 bytes: order 3, split off the order-4 block at P + 16.
	step "kmalloc 20000: an order-3 large block, one split" "kmalloc 20000" \
		"normal_allocs 1, normal_splits 1"
	L=$(newest_handle)
	expect "the large block is at pfn $((P + 16))" \
		test "$(said_pfn 'block at')" = $((P + 16))
	step "kmalloc 100: a new kmalloc-128 slab takes the free page at $((P + 9))" \
		"kmalloc 100" "normal_allocs 1"
	K=$(newest_handle)
	expect "the slab is at pfn $((P + 9))" test "$(said_pfn 'slab')" = $((P + 9))
	step "alloc 0 highmem splits the HighMem block 10 times" "alloc 0 highmem" \
		"highmem_allocs 1, highmem_splits 10"
	H3=$(newest_handle)
	expect "the HighMem page is the zone's first: pfn $H" test "$(pfn_of "$H3")" = $H

	printf '%s\n' "$P 8 A" "$((P + 8)) 1 A" "$((P + 9)) 1 S" "$((P + 16)) 8 L" \
		"$H 1 A" | UNMOVABLE="$(pageblocks_of $P) $(pageblocks_of $H)" \
		want_pagemap 4096 1024 >"$TMP/pm.want"
	cat "$D/pagemap" >"$TMP/pm"
	same "pagemap draws the layout page by page: A at $P, $((P + 8)) and $H, S at $((P + 9)), L at $((P + 16))" \
		"$TMP/pm" "$TMP/pm.want"
	expect_file "unusable_index of the layout: the values worked out by hand" \
		"$D/extfrag/unusable_index" "$KNOWN_UNUSABLE"
	expect_file "extfrag_index of the layout: the values worked out by hand" \
		"$D/extfrag/extfrag_index" "$KNOWN_EXTFRAG"
	toy_index_by_formula "of the layout"
}

# Freed in an order that merges at every step there is to merge.
free_layout() {
	# P + 8's buddy P + 9 is the slab: no merge.
	step "free of the page: its buddy is the slab, no merge" "free $H2" \
		"normal_frees 1"
	step "kfree of the slab's only object: the slab stays, empty" "kfree $K" ""
	# P + 9 merges with P + 8, P + 10 (order 1), P + 12 (order 2).
	step "cache_shrink kmalloc-128: the slab's page merges 3 times" \
		"cache_shrink kmalloc-128" "normal_frees 1, normal_merges 3"
	step "kfree of the large block: one merge, with P + 24" "kfree $L" \
		"normal_frees 1, normal_merges 1"
	toy_index_by_formula "with the order-3 block left"
	step "free of the order-3 block: 7 merges, the zone whole" "free $H1" \
		"normal_frees 1, normal_merges 7"
	step "free of the HighMem page: 10 merges" "free $H3" \
		"highmem_frees 1, highmem_merges 10"
	expect_file "unusable_index with every block whole" \
		"$D/extfrag/unusable_index" "$WHOLE_UNUSABLE"
	expect_file "extfrag_index with every block whole" \
		"$D/extfrag/extfrag_index" "$WHOLE_EXTFRAG"
	UNMOVABLE="$(pageblocks_of $P) $(pageblocks_of $H)" \
		want_pagemap 4096 1024 </dev/null >"$TMP/pm.want"
	cat "$D/pagemap" >"$TMP/pm"
	same "pagemap: every page free again" "$TMP/pm" "$TMP/pm.want"
}

# HighMem falls back to Normal, counted where it is served; failures are
# counted on Normal, the last zone tried. The watermarks decide where
# (16 MiB: min_free_kbytes 443, so Normal's min is 110 and its low 137,
# HighMem's 32 and 41; Normal keeps 1024 / 32 = 32 pages from HighMem
# requests): HighMem's one order-10 block would leave it below its mark.
fallback_and_failure() {
	step "alloc 10 highmem: HighMem's only block would take it below low; Normal gives one, a fallback" \
		"alloc 10 highmem" "normal_allocs 1, normal_highmem_fallbacks 1"
	_hs=$(newest_handle)
	step "alloc 1 highmem: HighMem has room for a pair (9 splits)" \
		"alloc 1 highmem" "highmem_allocs 1, highmem_splits 9"
	_hs="$_hs $(newest_handle)"
	step "alloc 10 normal: one of the two blocks left, whole" "alloc 10 normal" \
		"normal_allocs 1"
	_hs="$_hs $(newest_handle)"
	step "alloc 10 normal: the last block would take Normal below min; fails, counted" \
		"alloc 10 normal" "normal_failures 1" ENOMEM
	step "alloc 10 highmem with no zone able fails once" \
		"alloc 10 highmem" "normal_failures 1" ENOMEM
	toy_index_by_formula "with one order-10 block free"
	for _h in $_hs; do
		ctl "free $_h" || fail "free $_h: $CTL_ERRNO"
	done
}

buddy_counters() {
	load mem_mb=16 highmem_mb=4 slab_prefill=0 pcp_batch=0 slab_cpu_cache=0 ||
		{ fail "insmod mem_mb=16 highmem_mb=4 ...: $LOAD_ERR"; return; }
	PB=$(awk '/^Pages per block:/ { print $4 }' "$D/pagetypeinfo")
	want_stats 0 >"$TMP/stats.want"
	same "stats at load: every counter 0, pcp_batch 0, every line by name" \
		"$D/stats" "$TMP/stats.want"
	expect_file "unusable_index at load" "$D/extfrag/unusable_index" "$WHOLE_UNUSABLE"
	expect_file "extfrag_index at load" "$D/extfrag/extfrag_index" "$WHOLE_EXTFRAG"
	known_layout
	free_layout
	fallback_and_failure
	expect "ctl validate after the buddy counters" ctl validate
	unload || fail "rmmod toy_alloc"
}

# --- 32 MiB, pcp_batch=1: per-CPU counters, a map of groups of two pages ---------

# Normal is pfns 0-6143, HighMem 6144-8191; the first block of each to
# go is its first: 0 and 6144. The shell is pinned to CPU 0, so every
# command finds the per-CPU list the one before it left. pcp_batch 1
# makes pcp_high 6.
B=0
BH=6144

pcp_counters() {
	load mem_mb=32 highmem_mb=8 slab_prefill=0 pcp_batch=1 slab_cpu_cache=0 ||
		{ fail "insmod mem_mb=32 highmem_mb=8 pcp_batch=1 ...: $LOAD_ERR"; return; }
	PB=$(awk '/^Pages per block:/ { print $4 }' "$D/pagetypeinfo")
	if ! taskset -p 1 $$ >/dev/null; then
		fail "taskset -p 1 $$: pin the test to CPU 0"
		unload
		return
	fi
	want_stats 1 >"$TMP/stats.want"
	same "stats at load with pcp_batch=1: pcp_batch 1, pcp_high 6" \
		"$D/stats" "$TMP/stats.want"
	step "alloc 0: an empty per-CPU list takes one page (10 splits), hands it out" \
		"alloc 0 normal" "normal_allocs 1, normal_splits 10, normal_pcp_refills 1"
	_a=$(newest_handle)
	expect "that page is pfn $B" test "$(pfn_of "$_a")" = $B
	step "free: the page waits on the per-CPU list" "free $_a" \
		"normal_frees 1, normal_pcp_pages 1"
	step "alloc 0 highmem: HighMem's list takes one (10 splits)" "alloc 0 highmem" \
		"highmem_allocs 1, highmem_splits 10, highmem_pcp_refills 1"
	_b=$(newest_handle)
	expect "that page is pfn $BH" test "$(pfn_of "$_b")" = $BH
	step "alloc 1 highmem: order 1 has a list of its own, which takes one block" \
		"alloc 1 highmem" "highmem_allocs 1, highmem_pcp_refills 1"
	_c=$(newest_handle)
	expect "the order-1 block is the free pair at pfn $((BH + 2))" \
		test "$(pfn_of "$_c")" = $((BH + 2))
	# 8192 pages, one character per two: the pair of $B shows p over .,
	# the pairs of $BH and $((BH + 2)) show A.
	printf '%s\n' "$B 1 p" "$BH 1 A" "$((BH + 2)) 2 A" |
		UNMOVABLE="$(pageblocks_of $B) $(pageblocks_of $BH)" \
		want_pagemap 8192 2048 >"$TMP/pm.want"
	cat "$D/pagemap" >"$TMP/pm"
	same "pagemap in pairs of pages: p at $B, A at $BH and $((BH + 2))" \
		"$TMP/pm" "$TMP/pm.want"

	# Six pages: the one on the list, then five refills of one page each;
	# pages $((B + 2)) and $((B + 4)) cost 1 and 2 splits.
	cp "$D/stats" "$TMP/stats.before"
	_hs=
	for _i in 1 2 3 4 5 6; do
		ctl "alloc 0 normal" || fail "alloc 0 normal ($_i): $CTL_ERRNO"
		_hs="$_hs $(newest_handle)"
	done
	_moved=$(stats_moved "$TMP/stats.before")
	expect "six allocs: one page off the list, 5 refills, 3 splits ($_moved)" \
		test "$_moved" = "normal_allocs 6, normal_splits 3, normal_pcp_refills 5, normal_pcp_pages -1"
	# The sixth free brings the list to pcp_high: its coldest page, the
	# first freed ($B), goes back; its buddy $((B + 1)) is on the list, so
	# it does not merge.
	cp "$D/stats" "$TMP/stats.before"
	for _h in $_hs; do
		ctl "free $_h" || fail "free $_h: $CTL_ERRNO"
	done
	_moved=$(stats_moved "$TMP/stats.before")
	expect "six frees: one drain at pcp_high, no merge, 5 left on the list ($_moved)" \
		test "$_moved" = "normal_frees 6, normal_pcp_drains 1, normal_pcp_pages 5"
	toy_index_by_formula "with pages on the per-CPU lists"
	for _h in $_b $_c; do
		ctl "free $_h" || fail "free $_h: $CTL_ERRNO"
	done
	expect "ctl validate after the per-CPU counters" ctl validate
	unload || fail "rmmod toy_alloc"
	taskset -p 3 $$ >/dev/null || true
}

main() {
	formulas_match_kernel
	buddy_counters
	pcp_counters
}

main
