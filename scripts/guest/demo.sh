#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make run: narrate the toy buddy allocator with real output, inside
# Debian's kernel. Runs as the guest's PID 1 child; needs no input.
set -e

D=/sys/kernel/debug/toy_alloc
KO=/toy/toy_alloc.ko
# Parameters that turn the slab layer's per-CPU arrays off, if it has them.
SLAB_BARE="slab_cpu_cache=0"

say() {
	echo
	echo "==> $*"
}

# show CMD...: print the command, then its output.
show() {
	echo "# $*"
	"$@"
}

ctl() {
	echo "# echo '$1' > $D/ctl"
	echo "$1" >"$D/ctl"
	dmesg | grep 'toy_alloc: ' | tail -n 1 | sed 's/^\[[^]]*\] /  dmesg: /'
}

newest_handle() {
	grep -v '^#' "$D/handles" | tail -n 1 | awk '{ print $1 }'
}

toy_buddyinfo() {
	show cat "$D/buddyinfo"
}

intro() {
	say "The guest's real kernel: $(uname -r), $(nproc) CPUs." \
		"Its own free lists, free blocks per order 0..10:"
	show cat /proc/buddyinfo
}

load() {
	say "Load the toy: it takes 64 MiB from the kernel as 16 blocks of" \
		"order 10 (4 MiB) and runs its own buddy allocator on them;" \
		"the top 16 MiB form its HighMem zone. Its per-CPU page lists" \
		"are off for now (pcp_batch=0), so every page goes through the" \
		"buddy, and the slab layer takes no pages yet (slab_prefill=0)."
	show insmod "$KO" mem_mb=64 highmem_mb=16 pcp_batch=0 slab_prefill=0
	toy_buddyinfo
	say "The real kernel now has 16 fewer order-10 blocks (or split some" \
		"bigger ones to make them):"
	show cat /proc/buddyinfo
	show cat "$D/meminfo"
}

split() {
	say "Allocate one page (order 0) from Normal. No order-0 block is free," \
		"so one order-10 block is split in halves again and again: an" \
		"order-9 half stays free, then an order-8 quarter, ... down to two" \
		"order-0 pages, one handed out, its buddy left free."
	ctl "alloc 0 normal"
	H0=$(newest_handle)
	toy_buddyinfo
	say "Order 3 (8 pages) now comes from the free order-3 block the split" \
		"left, with no new split; order 5 from HighMem splits a HighMem block."
	ctl "alloc 3 normal"
	H3=$(newest_handle)
	ctl "alloc 5 highmem"
	H5=$(newest_handle)
	toy_buddyinfo
	show cat "$D/handles"
	say "How unusable the free memory is for each order (the kernel's" \
		"formula, as /sys/kernel/debug/extfrag/unusable_index):"
	show cat "$D/extfrag/unusable_index"
}

merge() {
	say "Free the order-3 block: its buddy is still busy, nothing merges yet."
	ctl "free $H3"
	toy_buddyinfo
	say "Free the page: it merges with its buddy, the pair with theirs, and" \
		"so on up to order 10. Normal is whole again."
	ctl "free $H0"
	toy_buddyinfo
	ctl "free $H5"
	say "Everything freed: back to whole order-10 blocks in both zones."
	toy_buddyinfo
	show cat "$D/stats"
}

pcp() {
	say "Now with per-CPU lists (the default pcp_batch), as the kernel" \
		"keeps them: the first order-0 allocation moves a whole batch of" \
		"pages off the free lists onto this CPU's list and hands out one."
	show rmmod toy_alloc
	show insmod "$KO"
	ctl "alloc 0 normal"
	H0=$(newest_handle)
	toy_buddyinfo
	say "Freed, the page goes back on a per-CPU list, not to the buddy:" \
		"buddyinfo does not change; the lists give pages back in batches."
	ctl "free $H0"
	toy_buddyinfo
	show grep -E '^normal_(pcp|allocs|frees)' "$D/stats"
}

# kmalloc SIZE: one object, its handle in $H.
kmalloc_quiet() {
	echo "kmalloc $1" >"$D/ctl"
}

slab() {
	say "The slab layer, as the seed tells it. Reload with kmalloc_min=32" \
		"(the seed's and SLAB's smallest cache) and without per-CPU" \
		"lists, so every step shows on the three lists."
	show rmmod toy_alloc
	show insmod "$KO" kmalloc_min=32 pcp_batch=0 $SLAB_BARE
	say "Where does kmalloc(sizeof(int)) go? kmalloc_index(4) picks the" \
		"smallest cache, kmalloc-32:"
	ctl "which 4"
	say "At load the slab layer asked the buddy for one slab per cache." \
		"kmalloc-32's slab is one page of 128 objects, on the empty list:"
	show cat "$D/slabs/kmalloc-32"
	toy_buddyinfo
	say "128 ints later the slab is full: each came from the partial slab."
	FIRST=$(($(newest_handle_or_0) + 1))
	i=0
	while [ $i -lt 128 ]; do
		kmalloc_quiet 4
		i=$((i + 1))
	done
	show cat "$D/slabs/kmalloc-32"
	say "One more: no partial slab, no empty one, so the cache asks the" \
		"buddy for a new page (one more order-0 split in Normal):"
	ctl "kmalloc 4"
	show cat "$D/slabs/kmalloc-32"
	toy_buddyinfo
	say "Free them all: full -> partial -> empty. Up to SLUB's min_partial" \
		"(5 for kmalloc-32) empty slabs are kept for the next kmalloc," \
		"further ones go back to the buddy."
	# The whole list first: kfree changes the file being read.
	mine=$(awk -v f="$FIRST" '!/^#/ && $1 >= f { print $1 }' "$D/handles")
	for h in $mine; do
		echo "kfree $h" >"$D/ctl"
	done
	show cat "$D/slabs/kmalloc-32"
	say "Shrink gives kmalloc-32's empty slabs back to the buddy, the one" \
		"made at load included:"
	ctl "cache_shrink kmalloc-32"
	toy_buddyinfo
	say "The toy's slabinfo beside the kernel's own /proc/slabinfo, cache" \
		"by cache (tools/slabcmp; geometry from SLUB's calculate_order()):"
	show /toy/slabcmp
	show head -4 "$D/slabinfo"
}

highmem() {
	say "Highmem, the seed's second half. A 32-bit x86 kernel has 1 GB of" \
		"the 4 GB address space (user gets 3 GB) and maps only the first" \
		"~896 MB of RAM there for good; a HighMem page has no address until" \
		"it is mapped. The toy emulates that map; its Normal zone stands" \
		"for the low memory, its HighMem zone for what lies above. A" \
		"window of 4 pkmap slots (pkmap_slots=4; the kernel has 1024) makes" \
		"the flush easy to see."
	show rmmod toy_alloc
	show insmod "$KO" pkmap_slots=4
	show cat "$D/layout"
	say "A HighMem page: page_address() is NULL, as in the kernel."
	ctl "alloc 0 highmem"
	H=$(newest_handle)
	ctl "page_address $H"
	say "kmap() gives it a pkmap slot and so an address; data goes" \
		"through the real mapping behind it."
	ctl "kmap $H"
	ctl "page_address $H"
	ctl "write $H 0 hello-highmem"
	ctl "read $H 0 13"
	show cat "$D/pkmap"
	say "kunmap(): the slot's count drops to 1, free but not yet flushed," \
		"so the page keeps its address for now."
	ctl "kunmap $H"
	ctl "page_address $H"
	say "Map four other HighMem pages: the scan runs past the last slot," \
		"wraps, and flushes every count-1 slot at once (the real mapping" \
		"is torn down there, not at kunmap)."
	for i in 1 2 3 4; do
		echo "alloc 0 highmem" >"$D/ctl"
		o=$(newest_handle)
		ctl "kmap $o"
		echo "kunmap $o" >"$D/ctl"
	done
	say "The first page lost its slot in the flush: its address is NULL again."
	ctl "page_address $H"
	show cat "$D/pkmap"
}

# field N of row ROW in toy_bench's results CSV
bench_field() {
	awk -F, -v row="$1" -v n="$2" '$1 == row { print $n }' "$BENCH/results"
}

# ratio A B: A / B with one decimal
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }'
}

vmalloc() {
	BENCH=/sys/kernel/debug/toy_bench
	[ -f /toy/toy_bench.ko ] || return 0
	say "The seed: \"to save the overhead of vmalloc(), kmalloc() is" \
		"preferred\". Measured here, in this boot: vmalloc+vfree against" \
		"kmalloc+kfree of the same size, the toy's (HighMem pages mapped" \
		"into its vmalloc window) and the real kernel's, median of 5" \
		"repetitions (tools/bench, as make bench; fewer operations)."
	show insmod /toy/toy_bench.ko ops=20000 reps=5 warmup=2000 set=single
	for r in kmalloc+kfree/4096 vmalloc+vfree/4096 kmalloc+kfree/65536 \
		vmalloc+vfree/65536; do
		echo "$r" >"$BENCH/run"
	done
	echo "# op                    toy ns/op   real ns/op"
	for r in kmalloc+kfree/4096 vmalloc+vfree/4096 kmalloc+kfree/65536 \
		vmalloc+vfree/65536; do
		printf '  %-22s %10s %12s\n' "$r" "$(bench_field "$r" 3)" \
			"$(bench_field "$r" 4)"
	done
	for sz in 4096 65536; do
		echo "  $sz bytes: vmalloc costs x$(ratio "$(bench_field vmalloc+vfree/$sz 3)" "$(bench_field kmalloc+kfree/$sz 3)") of kmalloc in the toy, x$(ratio "$(bench_field vmalloc+vfree/$sz 4)" "$(bench_field kmalloc+kfree/$sz 4)") in the real kernel"
	done
	case "$(dmesg | grep -o 'heap alloc:o[nf]*' | head -n 1)" in
	*:on) echo "  (this kernel zeroes what it hands out, init_on_alloc=1 as" \
		"Debian boots it, and the toy does not; make bench boots with" \
		"init_on_alloc=0)" ;;
	esac
	say "vmalloc() takes pages one by one and maps them (and vfree unmaps" \
		"and flushes), where kmalloc() hands out memory that is mapped" \
		"already: the seed's advice holds, in the toy and in the kernel."
	show rmmod toy_bench
}

# allocs WORDS: order-0 allocations with WORDS until one is refused;
# prints how many succeeded.
allocs() {
	n=0
	while echo "alloc 0 $1" 2>/dev/null >"$D/ctl"; do
		n=$((n + 1))
	done
	echo "$n"
}

# zone_lines ZONE: the first lines of ZONE's block of the toy's zoneinfo,
# down to its protection line.
zone_lines() {
	awk -v z="$1" '/^Node / { on = ($NF == z) } on { print } on && /protection:/ { exit }' \
		"$D/zoneinfo"
}

# free_pages: "pages free" of each populated zone of the toy's zoneinfo.
free_pages() {
	awk '/^Node / { z = $NF } $1 == "spanned" && $2 > 0 { printf "  %s: %s free", z, f; sep = 1 }
		$1 == "pages" && $2 == "free" { f = $3 } END { print "" }' "$D/zoneinfo"
}

watermarks() {
	say "Watermarks and lowmem_reserve, as 6.1 sets them. Reload small:" \
		"8 MiB, 4 of them HighMem, min_free_kbytes=512, so Normal keeps" \
		"128 pages as its min, 160 as low, 192 as high, and protects 32" \
		"pages (1024 / 32) from requests that could have used HighMem."
	show rmmod toy_alloc
	show insmod "$KO" mem_mb=8 highmem_mb=4 min_free_kbytes=512 pcp_batch=0 slab_prefill=0
	echo "# the toy's zoneinfo, in /proc/zoneinfo's format:"
	zone_lines Normal
	say "HighMem-capable (HIGHUSER) pages, one at a time, until refused:"
	echo "# while echo 'alloc 0 highmem' > $D/ctl; do n=\$((n + 1)); done"
	echo "  $(allocs highmem) succeeded; pages free now:"
	free_pages
	say "HighMem stopped at its min (32), Normal at min + protection" \
		"(128 + 32 = 160). A KERNEL request, which cannot use HighMem," \
		"may go on down to Normal's min, and an ATOMIC one 5/8 of min" \
		"lower (__GFP_HIGH takes half of it, not blocking a quarter more):"
	echo "  KERNEL: $(allocs normal) more; ATOMIC: $(allocs atomic) more"
	free_pages
	show grep -E '^(nr_free_pages|pgalloc_normal|pgalloc_high) ' "$D/vmstat"
}

# ctl_times N LINE: write LINE to ctl N times, quietly.
ctl_times() {
	i=0
	while [ "$i" -lt "$1" ]; do
		echo "$2" >"$D/ctl"
		i=$((i + 1))
	done
}

reclaim() {
	say "Reclaim. Reload small and make 600 page cache pages ('alloc 0" \
		"cache': clean, droppable, on the toy's LRU list). Then take" \
		"Normal below its low watermark (160) with 270 plain pages: the" \
		"allocation wakes toy_kswapd0, which drops the oldest cache pages" \
		"until Normal is above high (192), and goes back to sleep."
	show rmmod toy_alloc
	show insmod "$KO" mem_mb=8 highmem_mb=4 min_free_kbytes=512 pcp_batch=0 slab_prefill=0
	ctl_times 600 "alloc 0 cache"
	echo "# 600 x 'alloc 0 cache', then 270 x 'alloc 0'"
	free_pages
	ctl_times 270 "alloc 0"
	sleep 1
	free_pages
	show grep -E '^(nr_inactive_file|pgscan_kswapd|pgsteal_kswapd|pageoutrun) ' "$D/vmstat"
	say "The oldest cache pages' handles now read 'reclaimed':"
	grep ' cache ' "$D/handles" | head -n 3
}

# pfn_of HANDLE: the toy pfn the handles file gives HANDLE now.
pfn_of() {
	awk -v h="$1" '$1 == h { print $4 }' "$D/handles"
}

compaction() {
	say "Compaction. Reload with 8 MiB of Normal only (2048 pages, four" \
		"pageblocks of 512) and fill it with movable pages ('alloc 0" \
		"movable': their owner's record lets compaction move them) down" \
		"to its min; then free every page whose pfn is not a multiple" \
		"of four. Three quarters of the zone is free, in blocks of one" \
		"and two pages: no order-9 request can be met."
	show rmmod toy_alloc
	show insmod "$KO" mem_mb=8 highmem_mb=0 min_free_kbytes=512 pcp_batch=0 slab_prefill=0
	echo "# while echo 'alloc 0 movable' > $D/ctl; do n=\$((n + 1)); done"
	echo "  $(allocs movable) movable pages"
	awk '$2 == "movable" && $4 % 4 { print "free " $1 }' "$D/handles" >/tmp/frees
	echo "# 'free HANDLE' for the $(wc -l </tmp/frees) whose pfn is not a multiple of 4"
	while read -r line; do
		echo "$line" >"$D/ctl"
	done </tmp/frees
	toy_buddyinfo
	show grep Normal "$D/extfrag/unusable_index"
	echo "# pagemap's first line (a letter per page) and its pageblocks:"
	grep -m 1 -E '^ +0 ' "$D/pagemap" || true
	grep -m 1 -E '^# pageblocks +[0-9]' "$D/pagemap" || true
	h=$(awk '$2 == "movable" && $4 == 8 { print $1 }' "$D/handles")
	say "Handle $h is the page at pfn 8, in the first pageblock. Write into" \
		"it, then ask for 512 contiguous pages:"
	ctl "write $h 0 still-here"
	ctl "alloc 9 movable"
	say "The request compacted the zone: the migrate scanner took the" \
		"first pageblock's pages, the free scanner free pages at the" \
		"zone's top, each page was copied and its owner's record moved" \
		"with it; the emptied pageblock became the order-9 block."
	show grep -E '^(compact_|pgmigrate_success)' "$D/vmstat"
	echo "# pagemap's first line: the order-9 block, A and its a's"
	grep -m 1 -E '^ +0 ' "$D/pagemap" || true
	echo "# handle $h is at pfn $(pfn_of "$h") now:"
	ctl "read $h 0 10"
}

newest_handle_or_0() {
	h=$(newest_handle)
	echo "${h:-0}"
}

unload() {
	say "Unload: the handles still live (the last chapters' pages)" \
		"are reported and freed, the lists drained, and every block goes" \
		"back to the real kernel."
	show rmmod toy_alloc
	show cat /proc/buddyinfo
}

intro
load
split
merge
pcp
slab
highmem
vmalloc
watermarks
reclaim
compaction
unload
echo
echo "toy-vm: demo done"
