#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The highmem verbs of ctl on Debian's kernel: a HighMem page has no
# address until kmap gives it a pkmap slot, keeps it after kunmap until a
# wrap of the slot scan flushes it, and a full window refuses ctl's kmap
# (the real one would sleep). kmap_local nests 15 deep in strict LIFO
# order. vmalloc takes HighMem pages, shows in vmallocinfo's format and
# gives them back. Every bad input: an errno, one dmesg line, no change.
# Loaded with pkmap_slots=4 so that a few kmaps wrap and fill the window.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

SLOTS=4

# What a refused command must leave alone: slots, stacks, areas, handles,
# free lists (not the event counters).
hm_state() {
	grep -E '^ *[0-9]|^(in_use|unflushed|free|last_pkmap_nr|kmap_local_ctl) ' \
		"$D/pkmap"
	cat "$D/vmallocinfo" "$D/handles" "$D/buddyinfo"
}
REFUSED_STATE=hm_state

# did DESC LINE PATTERN: LINE succeeds and its one dmesg line matches the
# extended regular expression PATTERN.
did() {
	mark
	if ! ctl "$2"; then
		fail "$1: '$2' failed with $CTL_ERRNO: $(new_dmesg | tail -n 1)"
		return 1
	fi
	LAST=$(new_dmesg | sed 's/^\[[^]]*\] //')
	if [ "$(new_dmesg_lines)" -ne 1 ]; then
		fail "$1: '$2' printed $(new_dmesg_lines) lines"
	elif echo "$LAST" | grep -qE -e "$3"; then
		ok "$1 ($LAST)"
	else
		fail "$1: '$2' printed '$LAST', want /$3/"
	fi
}

# refused DESC ERRNO LINE: LINE fails with ERRNO, one dmesg line, no change.
refused() {
	expect_refused "$2" "$3" "" "$1"
}

# pkmap_value KEY: a summary value of the pkmap file.
pkmap_value() {
	awk -v k="$1" '$1 == k { print $2 }' "$D/pkmap"
}

# The CPUs the toy derives its layout for: nr_cpu_ids, the last possible
# CPU's number plus one.
nr_cpus() {
	echo $(($(sed 's/.*[-,]//' /sys/devices/system/cpu/possible) + 1))
}

# The layout of an i386 kernel with NR_CPUS=N: one CPU is the tinyconfig
# reference (no APIC: FIX_KMAP_BEGIN 3), more are SMP with a local and 64
# I/O APIC entries before the kmap slots (FIX_KMAP_BEGIN 68). Up to 7 CPUs
# PKMAP_BASE stays at 0xff400000; 8 and more move it, and every address
# below with it, so this file knows 1 to 7 only (KUnit's layout table
# checks the others). Sets LOCAL0 and LOCAL1, depth 0 and 1 of CPU 0.
layout() {
	_n=$(nr_cpus)
	if [ "$_n" -gt 7 ]; then
		fail "layout: $_n CPUs move PKMAP_BASE; this file knows 1 to 7"
	fi
	if [ "$_n" -eq 1 ]; then
		_cfg="NR_CPUS=1 (the CPUs here), no SMP, no X86_LOCAL_APIC, no X86_IO_APIC;"
		LOCAL0=0xffffc000
		LOCAL1=0xffffb000
		_kmap="0xfffed000  0xffffd000  *64 KiB  kmap_local: 16 slots x 1 CPUs, FIX_KMAP_BEGIN 3"
	else
		_cfg="NR_CPUS=$_n (the CPUs here), SMP, X86_LOCAL_APIC, X86_IO_APIC;"
		LOCAL0=0xfffbb000
		LOCAL1=0xfffba000
		_kmap=$(printf '0x%08x  0xfffbc000  *%u KiB  kmap_local: 16 slots x %u CPUs, FIX_KMAP_BEGIN 68' \
			$((0xfffbc000 - _n * 16 * 4096)) $((_n * 64)) "$_n")
	fi
	expect "layout: says the config, i386 with NR_CPUS=$_n" \
		grep -qF "# for the config: i386 tinyconfig + i386-highmem.config, $_cfg" "$D/layout"
	expect "layout: PAGE_OFFSET 0xc0000000, the 3 GiB user split" \
		grep -q '^lowmem  *0xc0000000  0xf73fe000' "$D/layout"
	expect "layout: pkmap window at PKMAP_BASE 0xff400000, 4 MiB" \
		grep -q '^pkmap  *0xff400000  0xff800000  *4 MiB' "$D/layout"
	expect "layout: the LDT remap above it, cpu_entry_area from 0xffc00000" \
		sh -c "grep -q '^ldt  *0xff800000  0xffc00000' '$D/layout' &&
			grep -q '^cpu_entry_area  *0xffc00000 ' '$D/layout'"
	expect "layout: vmalloc area 0xf7bfe000-0xff3fe000" \
		grep -q '^vmalloc  *0xf7bfe000  0xff3fe000' "$D/layout"
	expect "layout: kmap_local slots of $_n CPUs in the fixmap" \
		grep -q "^fixmap kmap  *$_kmap\$" "$D/layout"
	expect "layout: the picture shows the toy's slot count" \
		grep -q "pkmap:    $SLOTS slots" "$D/layout"
}

# A HighMem page: NULL, kmap, kunmap (address kept), flush (NULL again).
address_lifecycle() {
	H=$(alloc 0 highmem) || { fail "alloc 0 highmem: $CTL_ERRNO"; return; }
	did "a fresh HighMem page has no address" "page_address $H" \
		"page_address: handle $H .* -> NULL"
	did "kmap gives it slot 1 at 0xff401000" "kmap $H" \
		"-> 0xff401000 \\(slot 1, count 2: 1 user\\)"
	did "page_address is the pkmap address" "page_address $H" \
		"-> 0xff401000: pkmap slot 1, count 2"
	expect "pkmap lists slot 1 with count 2" \
		grep -qE '^ +1 +2 0xff401000 [0-9]+$' "$D/pkmap"
	did "kmap again: same slot, count 3" "kmap $H" "slot 1, count 3: 2 users"
	did "write through the kmap" "write $H 100 hello,highmem" \
		"13 bytes to handle $H at offset 100 through kmap, 0xff401064"
	did "read back through the kmap" "read $H 100 13" '"hello,highmem"'
	did "kunmap: count 2" "kunmap $H" "count 2: 1 user left"
	did "kunmap: count 1, still mapped until the next flush" "kunmap $H" \
		"count 1: free, still mapped at 0xff401000"
	did "page_address stays set after kunmap" "page_address $H" \
		"-> 0xff401000: pkmap slot 1, count 1"
	refused "kunmap without a kmap user" EINVAL "kunmap $H"
	refused "read through a kunmapped page" EINVAL "read $H 0 4"

	# Slots 2, 3, then the scan wraps to 0 and flushes slot 1.
	for _i in 1 2 3; do
		_o=$(alloc 0 highmem) || { fail "alloc 0 highmem: $CTL_ERRNO"; return; }
		if ! ctl "kmap $_o" || ! ctl "kunmap $_o"; then
			fail "kmap/kunmap $_o: $CTL_ERRNO"
		fi
	done
	expect "the wrap flushed once" test "$(pkmap_value flushes)" -eq 1
	did "after the flush the page has no address again" "page_address $H" \
		"-> NULL"
	did "kmap after the flush: a new slot, the data still there" "kmap $H" \
		"-> 0xff40[0-9a-f]000 \\(slot [0-3], count 2"
	did "read after the flush" "read $H 100 5" '"hello"'
	ctl "kunmap $H" || fail "kunmap $H: $CTL_ERRNO"
}

# The window full: ctl's kmap is refused where kmap() would sleep.
full_window() {
	_hs=
	for _i in 1 2 3 4; do
		_h=$(alloc 0 highmem) || { fail "alloc: $CTL_ERRNO"; return; }
		ctl "kmap $_h" || fail "kmap $_h: $CTL_ERRNO"
		_hs="$_hs $_h"
	done
	expect "all $SLOTS slots in use" test "$(pkmap_value in_use)" -eq "$SLOTS"
	refused "kmap with every slot in use" EBUSY "kmap $H"
	# shellcheck disable=SC2086 # the handles, one word each
	set -- $_hs
	did "a kunmap frees a slot" "kunmap $1" "count 1: free"
	did "then kmap finds it" "kmap $H" "count 2: 1 user"
	ctl "kunmap $H" || fail "kunmap $H"
	shift
	for _h in "$@"; do
		ctl "kunmap $_h" || fail "kunmap $_h: $CTL_ERRNO"
	done
}

# handle_pfn HANDLE: the toy pfn of a live handle.
handle_pfn() {
	awk -v h="$1" '$1 == h { print $4 }' "$D/handles"
}

# still_mapped DESC: the refusal of free $_f just made said why.
still_mapped() {
	if new_dmesg | grep -q "free: handle $_f is still mapped; kunmap it first"; then
		ok "$1: says it is still mapped"
	else
		fail "$1: says '$(new_dmesg | tail -n 1)', not that it is still mapped"
	fi
}

# ctl's free refuses a HighMem page a kmap or the ctl file's kmap_local
# holds (toy_highmem_page_busy(): EBUSY), and frees it once neither does;
# its slot then keeps count 1, mapped until the next flush, as the
# kernel's pkmap entry does. A Normal page's kmap takes no slot and
# holds nothing, so the page frees.
free_while_mapped() {
	_f=$(alloc 0 highmem) || { fail "alloc 0 highmem: $CTL_ERRNO"; return; }
	_pfn=$(handle_pfn "$_f")
	ctl "kmap $_f" || fail "kmap $_f: $CTL_ERRNO"
	refused "free of a kmapped page" EBUSY "free $_f"
	still_mapped "free of a kmapped page"
	if ! ctl "kmap $_f" || ! ctl "kunmap $_f"; then
		fail "kmap/kunmap $_f: $CTL_ERRNO"
	fi
	refused "free of a page with one kmap user left of two" EBUSY "free $_f"
	ctl "kmap_local $_f" || fail "kmap_local $_f: $CTL_ERRNO"
	ctl "kunmap $_f" || fail "kunmap $_f: $CTL_ERRNO"
	refused "free of a page on the kmap_local stack, no kmap user" EBUSY "free $_f"
	still_mapped "free of a page on the kmap_local stack"
	ctl "kunmap_local $_f" || fail "kunmap_local $_f: $CTL_ERRNO"
	did "free once no kmap or local mapping holds the page" "free $_f" \
		"free: handle $_f, pfn $_pfn, order 0"
	expect "the freed page's slot keeps count 1 until the next flush" \
		grep -qE "^ +[0-9]+ +1 0xff4[0-9a-f]{5} $_pfn\$" "$D/pkmap"
	expect "validate finds 0 after the free of a once-kmapped page" \
		test "$(validate_total)" = 0

	_f=$(alloc 0 normal) || { fail "alloc 0 normal: $CTL_ERRNO"; return; }
	did "kmap of a Normal page takes no slot" "kmap $_f" "is Normal: .* no slot used"
	did "free of a kmapped Normal page: nothing holds it" "free $_f" \
		"free: handle $_f, pfn [0-9]+, order 0"
}

# kmap_local: a stack, 15 deep, undone in reverse order only. 6.1's
# kmap_local_idx_push() BUG()s on the 16th: ctl refuses it and counts it.
local_stack() {
	_hs=
	for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		_h=$(alloc 0 highmem) || { fail "alloc: $CTL_ERRNO"; return; }
		_hs="$_hs $_h"
	done
	# shellcheck disable=SC2086 # the handles, one word each
	set -- $_hs
	did "kmap_local: depth 0 at the top fixmap slot" "kmap_local $1" \
		"-> $LOCAL0 \\(depth 0"
	did "write through kmap_local" "write $1 0 local" "through kmap_local, $LOCAL0"
	did "kmap_local: depth 1, one page lower" "kmap_local $2" \
		"-> $LOCAL1 \\(depth 1"
	refused "kunmap_local out of order" EINVAL "kunmap_local $1"
	did "kunmap_local of the newest" "kunmap_local $2" "depth 1"
	for _h in $(echo "$@" | cut -d' ' -f2-15); do
		ctl "kmap_local $_h" || fail "kmap_local $_h: $CTL_ERRNO"
	done
	expect "15 local mappings held" test "$(pkmap_value kmap_local_ctl)" -eq 15
	expect "no kmap_local refused yet" \
		test "$(pkmap_value misuse_kmap_local_too_deep)" -eq 0
	refused "a 16th kmap_local" ENOSPC "kmap_local ${16}"
	if new_dmesg | grep -q 'kmap_local: 15 local mappings are held already; a 16th is refused'; then
		ok "the refusal says why"
	else
		fail "the refusal says why: $(new_dmesg | tail -n 1)"
	fi
	expect "the refusal is counted: misuse_kmap_local_too_deep 1" \
		test "$(pkmap_value misuse_kmap_local_too_deep)" -eq 1
	expect "still 15 local mappings held" \
		test "$(pkmap_value kmap_local_ctl)" -eq 15
	for _h in $(echo "$@" | cut -d' ' -f2-15 | tr ' ' '\n' | sed '1!G;h;$!d'); do
		ctl "kunmap_local $_h" || fail "kunmap_local $_h: $CTL_ERRNO"
	done
	did "read through the first local mapping" "read $1 0 5" '"local"'
	did "the last kunmap_local" "kunmap_local $1" "depth 0"
	refused "kunmap_local with nothing mapped" ENOENT "kunmap_local $1"
	for _h in "$@"; do
		ctl "free $_h" || fail "free $_h: $CTL_ERRNO"
	done
}

highfree() {
	awk '/^HighFree:/ { print $2 }' "$D/meminfo"
}

vmalloc_area() {
	_free=$(highfree)
	did "vmalloc 1 MiB" "vmalloc 1048576" \
		"1048576 bytes -> handle [0-9]+ at 0xf7bfe000, 256 pages \\(256 HighMem\\)"
	V=$(newest_handle)
	expect "vmallocinfo in /proc/vmallocinfo's format" \
		grep -qE '^0xf7bfe000-0xf7cff000 1052672 [a-z_]+\+0x[0-9a-f]+/0x[0-9a-f]+ \[toy_alloc\] pages=256 vmalloc$' \
		"$D/vmallocinfo"
	expect "HighFree went down by 1 MiB" test "$(highfree)" -eq $((_free - 1024))
	did "write at the end of the area" "write $V 1048570 tail!" \
		"through vmalloc, 0xf7cfdffa"
	did "read it back" "read $V 1048570 5" '"tail!"'
	refused "write past the end of the area" EINVAL "write $V 1048572 tail!"
	refused "read past the end of the area" EINVAL "read $V 1048570 7"
	did "vfree" "vfree $V" "256 pages back to the buddy"
	expect "vmallocinfo empty again" test ! -s "$D/vmallocinfo"
	expect "HighFree back where it was" test "$(highfree)" -eq "$_free"
}

bad_input() {
	refused "kmap without a handle" EINVAL "kmap"
	refused "kmap of text" EINVAL "kmap foo"
	refused "kmap of a handle never made" ENOENT "kmap 99999"
	refused "vmalloc of size 0" EINVAL "vmalloc 0"
	refused "vmalloc of text" EINVAL "vmalloc lots"
	refused "vmalloc over the emulated vmalloc area" ERANGE "vmalloc 200000000"
	refused "vfree of a page handle" EINVAL "vfree $H"
	ctl "vmalloc 4096" || { fail "vmalloc 4096: $CTL_ERRNO"; return; }
	V=$(newest_handle)
	refused "kmap_local of a vmalloc handle" EINVAL "kmap_local $V"
	refused "write at an offset past the page" ERANGE "write $H 4096 x"
	refused "write running past the page" EINVAL "write $H 4090 0123456789"
	refused "read of 0 bytes" EINVAL "read $V 0 0"
	refused "read of more than 128 bytes" ERANGE "read $V 0 129"
	refused "read with too many arguments" EINVAL "read $V 0 1 2"
	refused "page_address of a vmalloc handle" EINVAL "page_address $V"
	ctl "vfree $V" || fail "vfree $V: $CTL_ERRNO"
	refused "vfree of a freed handle" ENOENT "vfree $V"
}

# No kernel pointer in what the highmem files and verbs print.
no_pointers() {
	expect_none() {
		if grep -qE 'ffff[0-9a-f]{12}' "$2"; then
			fail "$1: $(grep -E 'ffff[0-9a-f]{12}' "$2" | head -n 1)"
		else
			ok "$1"
		fi
	}
	dmesg | grep 'toy_alloc:' >"$TMP/hm.dmesg"
	cat "$D/layout" "$D/pkmap" "$D/vmallocinfo" >"$TMP/hm.files"
	expect_none "no kernel pointer in the dmesg lines" "$TMP/hm.dmesg"
	expect_none "no kernel pointer in layout, pkmap, vmallocinfo" \
		"$TMP/hm.files"
}

# Unloading with a kmap and an area live: counted, torn down, no splat.
unload_live() {
	if ! ctl "kmap $H" || ! ctl "vmalloc 8192"; then
		fail "kmap/vmalloc before unload: $CTL_ERRNO"
		return
	fi
	mark
	unload || { fail "rmmod toy_alloc"; return; }
	expect "unload reports the live kmap and vmalloc area" \
		sh -c "dmesg | grep -q 'torn down with 1 kmap users on 1 slots, 0 local mappings, 1 vmalloc areas (2 pages) live'"
	expect_empty_splats
}

expect_empty_splats() {
	_s=$(splats)
	if [ -z "$_s" ]; then ok "no kernel splat"; else fail "kernel splat: $_s"; fi
}

main() {
	# Per-CPU lists off, so that HighFree shows every page vfree gives back.
	load pkmap_slots=$SLOTS pcp_batch=0 || { fail "insmod toy_alloc.ko: $LOAD_ERR"; exit 1; }
	layout
	address_lifecycle
	full_window
	free_while_mapped
	local_stack
	vmalloc_area
	bad_input
	no_pointers
	unload_live
}

main
