#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The slab layer in Debian's kernel: slabinfo in /proc/slabinfo's format
# and with the kernel's geometry (slabcmp, slabtop), kmalloc_min and
# slab_prefill, the full/partial/empty lists through ctl, the per-CPU
# arrays and their tunables, poke-made corruption found and reported
# without an oops, and the bad-input table of the slab verbs. Loaded with
# pcp_batch=0 where buddyinfo must come back exactly: per-CPU lists would
# keep freed slab pages from merging; with slab_cpu_cache=0 where the
# lists must move object by object.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

SLABCMP=${SLABCMP:-/toy/slabcmp}
KMALLOC_NAMES="kmalloc-8k kmalloc-4k kmalloc-2k kmalloc-1k kmalloc-512
kmalloc-256 kmalloc-192 kmalloc-128 kmalloc-96 kmalloc-64 kmalloc-32
kmalloc-16 kmalloc-8"

# slab_state: what a rejected write must leave alone.
slab_state() {
	cat "$D/buddyinfo" "$D/handles" "$D/slabinfo" "$D/errors"
}
REFUSED_STATE=slab_state

# row NAME: the cache's slabinfo row, fields split by blanks.
row() {
	awk -v n="$1" '$1 == n' "$D/slabinfo"
}

# field NAME N: field N of the cache's row (2 active, 3 total, 4 objsize,
# 5 objperslab, 6 pagesperslab, 9 limit, 10 batchcount, 11 sharedfactor,
# 14 num_slabs).
field() {
	row "$1" | awk -v f="$2" '{ print $f }'
}

# lists NAME: "full F partial P empty E" from slabs/NAME.
lists() {
	sed -n 's/^# full \([0-9]*\) partial \([0-9]*\) empty \([0-9]*\)$/full \1 partial \2 empty \3/p' \
		"$D/slabs/$1"
}

# expect_lists NAME "full F partial P empty E" WHEN
expect_lists() {
	_got=$(lists "$1")
	if [ "$_got" = "$2" ]; then
		ok "$1 $3: $2"
	else
		fail "$1 $3: got '$_got', want '$2'"
		cat "$D/slabs/$1"
	fi
}

# expect_slabs NAME WHEN SLAB...: slabs/NAME lists exactly these slabs, in
# this order, each SLAB "LIST PFN INUSE OBJECTS", in slabs_show()'s
# format ("%-8s %7lu %6u/%u").
expect_slabs() {
	_name=$1
	_when=$2
	shift 2
	_want=$(printf '%s\n' "$@" | awk 'NF { printf "%-8s %7d %6d/%d\n", $1, $2, $3, $4 }')
	_got=$(grep -E '^(full|partial|empty) ' "$D/slabs/$_name")
	if [ "$_got" = "$_want" ]; then
		ok "slabs/$_name $_when: $(echo "$_got" | tr -s ' ' | tr '\n' ';')"
	else
		fail "slabs/$_name $_when: got '$_got', want '$_want'"
	fi
}

# slab_said: the slab pfn in the newest toy_alloc line ("... slab pfn N").
slab_said() {
	dmesg | grep ' toy_alloc: ' | tail -n 1 |
		sed -n 's/.* slab pfn \([0-9]*\) .*/\1/p'
}

# said PATTERN: a line since the last mark matches PATTERN (grep BRE).
said() {
	new_dmesg | grep -q -- "$1"
}

unsaid() {
	! said "$1"
}

# errors_of CLASS: the count of a class in errors.
errors_of() {
	awk -F': ' -v c="$1" '$1 == c { print $2 }' "$D/errors"
}

# --- slabinfo and geometry ----------------------------------------------------

slabinfo_format() {
	_h1=$(sed -n 1p "$D/slabinfo")
	_h2=$(sed -n 2p "$D/slabinfo")
	_r1=$(sed -n 1p /proc/slabinfo)
	_r2=$(sed -n 2p /proc/slabinfo)
	expect "slabinfo header lines are /proc/slabinfo's" \
		test "$_h1" = "$_r1" -a "$_h2" = "$_r2"
	_names=$(awk 'NR > 2 { print $1 }' "$D/slabinfo" | tr '\n' ' ')
	_want=$(echo "$KMALLOC_NAMES" | tr '\n' ' ')
	expect "slabinfo rows are the 13 kmalloc caches, newest first: $_names" \
		test "$_names" = "$_want"
	# Column by column as cache_show() prints: the same widths as the
	# kernel's kmalloc-64 row once the numbers are made equal (the
	# tunables are SLAB's, SLUB shows 0 0 0).
	_toy=$(row kmalloc-64 | awk '{ $2 = $3 = $9 = $10 = $14 = $15 = 0; print }')
	_real=$(awk '$1 == "kmalloc-64"' /proc/slabinfo |
		awk '{ $2 = $3 = $9 = $10 = $14 = $15 = 0; print }')
	expect "kmalloc-64 row reads as the kernel's: $_toy" \
		test "$_toy" = "$_real"
	_w=$(row kmalloc-8 | awk '{ print length($0) }')
	_rw=$(awk '$1 == "kmalloc-8" { print length($0) }' /proc/slabinfo)
	expect "kmalloc-8 row is as wide as the kernel's ($_w)" test "$_w" = "$_rw"
}

slabcmp_equal() {
	if "$SLABCMP" >"$TMP/slabcmp.out" 2>&1; then
		ok "slabcmp: $(tail -n 1 "$TMP/slabcmp.out")"
	else
		fail "slabcmp exits 0 (status $?)"
		cat "$TMP/slabcmp.out"
	fi
	expect "slabcmp compared all 13 kmalloc caches" \
		grep -q '^slabcmp: 13 caches in both, 13 with the same geometry, 0 differ$' \
		"$TMP/slabcmp.out"
	cat "$TMP/slabcmp.out"
}

# Real procps slabtop reads the toy's slabinfo, bind-mounted over
# /proc/slabinfo, and shows one row per cache with the file's numbers.
slabtop_reads() {
	if ! command -v slabtop >/dev/null; then
		fail "slabtop is in the guest (procps; scripts/vm.sh must add it)"
		return
	fi
	cp "$D/slabinfo" "$TMP/toy.slabinfo"
	mount --bind "$TMP/toy.slabinfo" /proc/slabinfo ||
		{ fail "bind-mount the toy's slabinfo over /proc/slabinfo"; return; }
	slabtop --once -s c </dev/null >"$TMP/slabtop.out" 2>&1
	_st=$?
	umount /proc/slabinfo
	expect "slabtop --once reads the toy's slabinfo" test "$_st" -eq 0
	# slabtop: OBJS ACTIVE USE OBJ_SIZE SLABS OBJ/SLAB CACHE_SIZE NAME
	_bad=$(awk 'NR == FNR { if (FNR > 2) want[$1] = $3 " " $2 " " $15 " " $5; next }
		$1 ~ /^[0-9]+$/ && NF == 8 {
			seen++
			got = $1 " " $2 " " $5 " " $6
			if (want[$8] != got) print $8 ": " got " != " want[$8]
			delete want[$8]
		}
		END { for (n in want) print n ": missing"; if (!seen) print "no rows" }' \
		"$TMP/toy.slabinfo" "$TMP/slabtop.out")
	if [ -z "$_bad" ]; then
		ok "slabtop shows every toy cache with its objs, active, slabs, obj/slab"
	else
		fail "slabtop rows differ from the toy's slabinfo: $_bad"
		cat "$TMP/slabtop.out"
	fi
}

prefill() {
	load pcp_batch=0 || { fail "load: $LOAD_ERR"; return; }
	_bad=
	for _n in $KMALLOC_NAMES; do
		# SLAB's slabdata: an empty slab is no active slab.
		[ "$(field "$_n" 15)" = 1 ] && [ "$(field "$_n" 14)" = 0 ] &&
			[ "$(field "$_n" 2)" = 0 ] || _bad="$_bad $_n"
	done
	expect "each kmalloc cache starts with slab_prefill=1 empty slab, 0 active${_bad:+ (not:$_bad)}" \
		test -z "$_bad"
	slabinfo_format
	slabcmp_equal
	slabtop_reads
	unload
	load slab_prefill=3 pcp_batch=0 || { fail "load slab_prefill=3: $LOAD_ERR"; return; }
	expect "slab_prefill=3: kmalloc-1k has 3 slabs of 4 pages" \
		test "$(field kmalloc-1k 15)" = 3
	unload
	load slab_prefill=0 pcp_batch=0 || { fail "load slab_prefill=0: $LOAD_ERR"; return; }
	expect "slab_prefill=0: kmalloc-8 has no slab" \
		test "$(field kmalloc-8 15)" = 0
	unload
}

debug_geometry() {
	load slab_debug=1 || { fail "load slab_debug=1: $LOAD_ERR"; return; }
	expect "slab_debug=1: kmalloc-8 is 112 bytes, 36 per slab (slub_debug=FZPU's)" \
		test "$(field kmalloc-8 4) $(field kmalloc-8 5)" = "112 36"
	"$SLABCMP" >"$TMP/slabcmp.out" 2>&1
	_st=$?
	expect "slabcmp exits 1 on geometry that differs (slab_debug=1 against plain SLUB)" \
		test "$_st" -eq 1
	expect "slabcmp marks kmalloc-64 as differing" \
		grep -q '^kmalloc-64 .*differs$' "$TMP/slabcmp.out"
	unload
}

# --- kmalloc_min and which ------------------------------------------------------

kmalloc_min() {
	load || { fail "load: $LOAD_ERR"; return; }
	mark
	ctl "which 4"
	expect "which 4 -> kmalloc-8 with kmalloc_min=8" \
		said 'which: 4 bytes -> kmalloc-8 '
	unload
	load kmalloc_min=32 || { fail "load kmalloc_min=32: $LOAD_ERR"; return; }
	mark
	ctl "which 4"
	expect "which 4 -> kmalloc-32 with kmalloc_min=32, as in the seed" \
		said 'which: 4 bytes -> kmalloc-32 (every size up to kmalloc_min'
	mark
	ctl "which 80"
	expect "which 80 -> kmalloc-96" \
		said 'which: 80 bytes -> kmalloc-96 '
	mark
	ctl "which 10000"
	expect "which 10000 -> straight to the buddy, order 2" \
		said 'which: 10000 bytes -> no cache: .*order-2 block'
	expect "kmalloc_min=32: no kmalloc-8 or kmalloc-16" \
		test -z "$(row kmalloc-8)$(row kmalloc-16)"
	expect "kmalloc_min=32: kmalloc-32 is the last row" \
		test "$(tail -n 1 "$D/slabinfo" | awk '{ print $1 }')" = kmalloc-32
	unload
	for _v in 12 64 0; do
		mark
		load kmalloc_min=$_v
		_st=$?
		_n=$(new_dmesg_lines)
		if [ "$_st" -ne 0 ] && ! loaded && [ "$_n" -eq 1 ] &&
			new_dmesg | grep -q "kmalloc_min=$_v: must be 8, 16 or 32"; then
			ok "kmalloc_min=$_v refused with one line: $LOAD_ERR"
		else
			fail "kmalloc_min=$_v: status $_st, $_n lines: $(new_dmesg)"
			ensure_unloaded
		fi
	done
}

# --- lists through ctl -----------------------------------------------------------

lists_through_ctl() {
	load pcp_batch=0 slab_cpu_cache=0 || { fail "load: $LOAD_ERR"; return; }
	expect "slab_cpu_cache=0: tunables 0 0 0" \
		test "$(field kmalloc-64 9) $(field kmalloc-64 10)" = "0 0"
	buddyinfo >"$TMP/start"
	expect "cache_create ball 256" ctl "cache_create ball 256"
	_per=$(field ball 5)
	expect_lists ball "full 0 partial 0 empty 0" "when made"
	expect_slabs ball "when made" ""
	_hs=
	_i=0
	while [ "$_i" -lt "$_per" ]; do
		ctl "cache_alloc ball" || fail "cache_alloc ball: $CTL_ERRNO"
		_hs="$_hs $(newest_handle)"
		_i=$((_i + 1))
		if [ "$_i" -eq 1 ]; then
			_s1=$(slab_said)
			expect_lists ball "full 0 partial 1 empty 0" "after 1 alloc"
			expect_slabs ball "after 1 alloc" "partial $_s1 1 $_per"
		fi
	done
	expect_lists ball "full 1 partial 0 empty 0" "after $_per allocs (one slab filled)"
	expect_slabs ball "after $_per allocs" "full $_s1 $_per $_per"
	buddyinfo >"$TMP/one"
	ctl "cache_alloc ball" || fail "cache_alloc ball: $CTL_ERRNO"
	_extra=$(newest_handle)
	_s2=$(slab_said)
	expect_lists ball "full 1 partial 1 empty 0" "after one more (a new slab)"
	expect "the new slab has a pfn of its own: $_s1, $_s2" \
		test -n "$_s2" -a "$_s2" != "$_s1"
	expect_slabs ball "after one more" "full $_s1 $_per $_per" "partial $_s2 1 $_per"
	if cmp -s "$TMP/one" "$D/buddyinfo"; then
		fail "the new slab came from the buddy: buddyinfo unchanged"
	else
		ok "the new slab came from the buddy: buddyinfo changed"
	fi
	# shellcheck disable=SC2086 # one handle per word
	set -- $_hs
	ctl "cache_free $1"
	expect_lists ball "full 0 partial 2 empty 0" "after a free from the full slab"
	# A slab that moves goes to the head of its new list.
	expect_slabs ball "after a free from the full slab" \
		"partial $_s1 $((_per - 1)) $_per" "partial $_s2 1 $_per"
	ctl "cache_free $_extra"
	expect_lists ball "full 0 partial 1 empty 1" "after freeing the second slab's object"
	expect_slabs ball "after freeing the second slab's object" \
		"partial $_s1 $((_per - 1)) $_per" "empty $_s2 0 $_per"
	shift
	for _h in "$@"; do ctl "cache_free $_h"; done
	# SLUB's min_partial for ball is 5: both empty slabs are kept, the
	# one that emptied last at the head of the list.
	expect_lists ball "full 0 partial 0 empty 2" "after freeing all (min_partial 5 keeps both)"
	expect_slabs ball "after freeing all: both slabs kept, newest empty first" \
		"empty $_s1 0 $_per" "empty $_s2 0 $_per"
	expect "ball: 2 slabs from the buddy, 0 back" \
		grep -q 'slab_from_buddy 2 slab_to_buddy 0$' "$D/slabs/ball"
	expect "no arrays, SLUB's slabdata: both empty slabs count as active" \
		test "$(field ball 14) $(field ball 15)" = "2 2"
	expect "cache_shrink ball" ctl "cache_shrink ball"
	expect_lists ball "full 0 partial 0 empty 0" "after cache_shrink"
	expect_slabs ball "after cache_shrink" ""
	expect "buddyinfo back to the start after free all and shrink" \
		cmp -s "$TMP/start" "$D/buddyinfo"
	expect "cache_destroy ball" ctl "cache_destroy ball"
	expect "ball is gone from slabinfo and slabs/" \
		test -z "$(row ball)" -a ! -e "$D/slabs/ball"

	# kmalloc over 8 KiB goes to the buddy and comes back.
	expect "kmalloc 10000" ctl "kmalloc 10000"
	_h=$(newest_handle)
	expect "kfree of a large kmalloc" ctl "kfree $_h"
	expect "buddyinfo back to the start after a large kmalloc" \
		cmp -s "$TMP/start" "$D/buddyinfo"
	# Every kmalloc-N serves its size, zeroed when asked.
	_hs=
	for _s in 1 8 9 96 97 192 193 4096 8192; do
		ctl "kmalloc $_s zero" || fail "kmalloc $_s zero: $CTL_ERRNO"
		_hs="$_hs $(newest_handle)"
	done
	expect "kmalloc-96 counts 1 active object" test "$(field kmalloc-96 2)" = 1
	for _h in $_hs; do ctl "kfree $_h"; done
	expect "kmalloc-96 counts 0 active objects after kfree" \
		test "$(field kmalloc-96 2)" = 0
	unload
}

# --- per-CPU arrays ----------------------------------------------------------------

# in_arrays NAME: objects in the per-CPU arrays of a cache, from slabs/NAME.
in_arrays() {
	sed -n 's|^# cpu [0-9]* array \([0-9]*\)/.*|\1|p' "$D/slabs/$1" |
		awk '{ n += $1 } END { print n + 0 }'
}

# tunables NAME: "LIMIT BATCHCOUNT SHAREDFACTOR" from slabinfo.
tunables() {
	echo "$(field "$1" 9) $(field "$1" 10) $(field "$1" 11)"
}

# bad_tune LINE: a write of LINE to slabinfo is refused with one line and
# leaves slabinfo as it was.
bad_tune() {
	mark
	cp "$D/slabinfo" "$TMP/before"
	if echo "$1" >"$D/slabinfo" 2>/dev/null; then
		fail "slabinfo rejects '$1': the write succeeded"
	elif [ "$(new_dmesg_lines)" -ne 1 ]; then
		fail "slabinfo rejects '$1': $(new_dmesg_lines) dmesg lines, want 1"
	elif ! cmp -s "$TMP/before" "$D/slabinfo"; then
		fail "slabinfo rejects '$1': slabinfo changed"
	else
		ok "slabinfo rejects '$1' ($(new_dmesg | sed 's/^\[[^]]*\] //'))"
	fi
}

arrays() {
	load || { fail "load: $LOAD_ERR"; return; }
	expect "kmalloc-64 shows SLAB's tunables: 120 60 0" \
		test "$(tunables kmalloc-64)" = "120 60 0"
	expect "kmalloc-1k: 54 27 0" test "$(tunables kmalloc-1k)" = "54 27 0"
	expect "kmalloc-4k: 24 12 0" test "$(tunables kmalloc-4k)" = "24 12 0"
	expect "kmalloc-8k: 8 4 0" test "$(tunables kmalloc-8k)" = "8 4 0"
	ctl "kmalloc 96"
	_h=$(newest_handle)
	expect "the first kmalloc refills its CPU's array with 16: kmalloc-96 has 16 active" \
		test "$(field kmalloc-96 2)" = 16
	ctl "kfree $_h"
	expect "kfree leaves the object in an array, active as in SLAB: still 16" \
		test "$(field kmalloc-96 2)" = 16
	expect "slabs/kmalloc-96 shows the 16 in the per-CPU arrays" \
		test "$(in_arrays kmalloc-96)" = 16
	expect "validate accounts for the arrays" ctl validate
	expect "cache_shrink kmalloc-96" ctl "cache_shrink kmalloc-96"
	expect "cache_shrink drains the arrays: 0 active, 0 in arrays" \
		test "$(field kmalloc-96 2) $(in_arrays kmalloc-96)" = "0 0"

	expect "slabinfo takes 'kmalloc-96 0 0 0', as /proc/slabinfo takes tunables" \
		sh -c "echo 'kmalloc-96 0 0 0' >$D/slabinfo"
	expect "kmalloc-96 tunables now 0 0 0" test "$(tunables kmalloc-96)" = "0 0 0"
	ctl "kmalloc 96"
	_h=$(newest_handle)
	expect "with no arrays a kmalloc takes one object" \
		test "$(field kmalloc-96 2)" = 1
	ctl "kfree $_h"
	expect "... and its kfree gives it back to the slab" \
		test "$(field kmalloc-96 2)" = 0
	expect "slabinfo takes 'kmalloc-96 10 3 0'" \
		sh -c "echo 'kmalloc-96 10 3 0' >$D/slabinfo"
	expect "kmalloc-96 tunables now 10 3 0" test "$(tunables kmalloc-96)" = "10 3 0"

	bad_tune "kmalloc-96 121 1 0"
	bad_tune "kmalloc-96 4 5 0"
	bad_tune "kmalloc-96 4 0 0"
	bad_tune "kmalloc-96 4 2 8"
	bad_tune "kmalloc-96 4 2"
	bad_tune "kmalloc-96 4 2 0 1"
	bad_tune "kmalloc-96 x 2 0"
	bad_tune "nosuch 4 2 0"
	unload
}

# --- corruption through poke -----------------------------------------------------

corruption() {
	load || { fail "load: $LOAD_ERR"; return; }
	ctl "cache_create dbg 64 debug" || { fail "cache_create dbg 64 debug"; unload; return; }
	# No per-CPU arrays for dbg: with them, the CPU each ctl write runs
	# on would decide which objects the handles get, not their order.
	echo "dbg 0 0 0" >"$D/slabinfo"
	_stride=$(field dbg 4)
	ctl "cache_alloc dbg"
	_h=$(newest_handle)
	ctl "cache_alloc dbg"
	_h2=$(newest_handle)

	mark
	expect "poke past the end of a live object" ctl "poke $_h 64 0x12"
	ctl validate
	expect "validate reports the red zone, cache and offsets" \
		said 'slab error: dbg: red zone overwritten: object 0 at pfn [0-9]* offset 0x8: right red zone: bytes +64..+64'
	expect "the report names the allocating caller" \
		said '  allocated by [a-z_]*+0x'
	expect "errors counts 1 red zone overwritten" test "$(errors_of 'red zone overwritten')" = 1
	mark
	ctl validate
	expect "reading validate changed nothing: a second one reports the byte again" \
		said 'right red zone: bytes +64..+64 from the object start, first 0x12, want 0xcc$'
	mark
	if ctl "validate repair"; then
		fail "validate repair reports what it found (EUCLEAN)"
	else
		ok "validate repair reports what it found (EUCLEAN)"
	fi
	expect "its report says what it changed" \
		said 'right red zone: bytes +64..+64 .* want 0xcc; restored'
	expect "the summary says the slab findings were repaired" \
		said 'validate repair: 1 inconsistencies .*; the slab findings were repaired'
	mark
	expect "after the repair, validate finds nothing" ctl validate
	expect "errors counts 3 red zones overwritten" test "$(errors_of 'red zone overwritten')" = 3

	mark
	ctl "poke $_h -1 0"
	ctl "cache_free $_h"
	expect "a clobbered left red zone is found when the object is freed" \
		said 'left red zone: bytes -1..-1'
	expect "errors counts 4 red zones overwritten" test "$(errors_of 'red zone overwritten')" = 4

	# Object 0 is free now: write into it through its neighbour, object 1.
	mark
	expect "poke into the free neighbour" ctl "poke $_h2 -$((_stride - 10)) 0x9a"
	ctl validate
	expect "validate reports the write after free" \
		said 'slab error: dbg: write after free: object 0 .*poison: bytes +10..+10 from the object start, first 0x9a, want 0x6b'
	expect "the report names the freeing caller" \
		said '  freed by [a-z_]*+0x'
	expect "errors counts 1 write after free" test "$(errors_of 'write after free')" = 1
	mark
	ctl "validate repair"
	expect "validate repair restores the poison" \
		said 'poison: bytes +10..+10 .* want 0x6b; restored'
	mark
	ctl validate
	expect "a validate after the repair finds nothing: the bytes were restored" \
		unsaid 'slab error'
	ctl "cache_free $_h2"
	expect "cache_destroy dbg after the findings" ctl "cache_destroy dbg"
	expect "no report printed a raw pointer" \
		sh -c "! dmesg | grep 'slab error' | grep -qE '0x[0-9a-f]{12,}'"
	unload
	expect "no Oops, BUG or WARNING after the corruption" test -z "$(splats)"
}

# --- bad input -------------------------------------------------------------------

# bad ERRNO LINE: LINE is refused with ERRNO, one dmesg line, nothing changed.
bad() {
	_want=$1
	shift
	expect_refused "$_want" "$*" "" "ctl rejects '$*'"
}

bad_input() {
	load || { fail "load: $LOAD_ERR"; return; }
	ctl "kmalloc 100"
	_k=$(newest_handle)
	ctl "kmalloc 0"
	_z=$(newest_handle)
	ctl "alloc 0"
	_p=$(newest_handle)
	ctl "cache_create busy 32"
	ctl "cache_alloc busy"
	_c=$(newest_handle)
	ctl "kmalloc 8"
	_gone=$(newest_handle)
	ctl "kfree $_gone"

	bad EINVAL "kmalloc"
	bad EINVAL "kmalloc 1 zero 3"
	bad EINVAL "kmalloc abc"
	bad EINVAL "kmalloc -1"
	bad ERANGE "kmalloc 4194305"
	bad ERANGE "kmalloc 18446744073709551616"
	bad EINVAL "kmalloc 64 zeros"
	bad EINVAL "kfree"
	bad EINVAL "kfree x"
	bad EINVAL "kfree 0"
	bad ENOENT "kfree 99999"
	bad ENOENT "kfree $_gone"
	bad EINVAL "kfree $_p"
	bad EINVAL "kfree $_c"
	bad EINVAL "krealloc $_k"
	bad ERANGE "krealloc $_k 5000000"
	bad ENOENT "krealloc 99999 10"
	bad EINVAL "krealloc $_c 10"
	bad EINVAL "which"
	bad EINVAL "which -5"
	bad ERANGE "which 4294967296"
	bad EINVAL "cache_create"
	bad EINVAL "cache_create x"
	bad EINVAL "cache_create abcdefghijklmnopqrstuvwxyz012345 64"
	bad EINVAL "cache_create a/b 64"
	bad EINVAL "$(printf 'cache_create a\001b 64')"
	bad EINVAL "cache_create kmalloc-64 64"
	bad EEXIST "cache_create busy 32"
	bad EINVAL "cache_create x 0"
	bad ERANGE "cache_create x 4194305"
	bad EINVAL "cache_create x 64 3"
	bad ERANGE "cache_create x 64 8192"
	bad EINVAL "cache_create x 64 foo"
	bad EINVAL "cache_create x 64 8 verbose"
	bad EINVAL "cache_create x 64 8 debug 1"
	bad EINVAL "cache_alloc"
	bad ENOENT "cache_alloc nosuch"
	bad EINVAL "cache_free $_k"
	bad ENOENT "cache_free 99999"
	bad ENOENT "cache_shrink nosuch"
	bad ENOENT "cache_destroy nosuch"
	bad EPERM "cache_destroy kmalloc-64"
	bad EBUSY "cache_destroy busy"
	bad EINVAL "poke $_k 0"
	bad EINVAL "poke $_k x 1"
	bad ERANGE "poke $_k 0 256"
	bad ERANGE "poke $_k 100000 1"
	bad ERANGE "poke $_k -100000 1"
	bad EINVAL "poke $_p 0 1"
	bad EINVAL "poke $_z 0 1"
	bad ENOENT "poke 99999 0 1"

	# The 65th named cache is one too many.
	_i=1
	while [ "$_i" -lt 64 ]; do
		ctl "cache_create many$_i 16" || fail "cache_create many$_i: $CTL_ERRNO"
		_i=$((_i + 1))
	done
	bad ENOSPC "cache_create many64 16"
	_i=1
	while [ "$_i" -lt 64 ]; do
		ctl "cache_destroy many$_i"
		_i=$((_i + 1))
	done

	ctl "cache_free $_c"
	ctl "cache_destroy busy"
	ctl "kfree $_k"
	ctl "kfree $_z"
	ctl "free $_p"
	mark
	unload
	expect "unload reports nothing left behind" \
		unsaid 'unload:'
}

# Objects left allocated are reported by cache and count at unload.
leak_report() {
	load || { fail "load: $LOAD_ERR"; return; }
	ctl "kmalloc 50"
	ctl "kmalloc 60"
	ctl "cache_create left 40"
	ctl "cache_alloc left"
	ctl "kmalloc 20000"
	mark
	unload
	expect "unload names kmalloc-64 with 2 objects" \
		said 'unload: kmalloc-64: 2 objects still allocated'
	expect "unload names the cache never destroyed" \
		said 'unload: cache left was not destroyed'
	expect "unload counts the large block" \
		said 'unload: 1 large kmalloc blocks still allocated'
}

prefill
debug_geometry
kmalloc_min
lists_through_ctl
arrays
corruption
bad_input
leak_report
