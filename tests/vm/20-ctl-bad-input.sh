#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every malformed write to ctl fails with its own errno, prints exactly one
# dmesg line saying why and changes nothing (buddyinfo and handles stay as
# they were); so do sizes near ULONG_MAX for kmalloc, krealloc, vmalloc and
# kcalloc, products that wrap past it, and writes of a page or more. The
# debugfs files have their exact modes.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

# The state a refused write must leave alone: buddyinfo and handles
# (lib.sh), slabinfo and vmallocinfo.
all_state() {
	state
	cat "$D/slabinfo" "$D/vmallocinfo"
}
REFUSED_STATE=all_state

# bad_bytes ERRNO WHY DESC FORMAT: printf FORMAT written in one write(2).
# bad_line ERRNO WHY DESC LINE: LINE and a newline written in one write(2).
bad_bytes() {
	# shellcheck disable=SC2059 # the table gives printf formats
	printf "$4" >"$TMP/bad.in"
	refused_begin
	ctl_file "$TMP/bad.in"
	refused_check "ctl rejects $3" $? "$1" "$2"
}

bad_line() {
	expect_refused "$1" "$4" "$2" "ctl rejects $3"
}

# The reasons the module gives, as toy_main.c and the verbs print them.
NOT_NUMBER="is not a number from 0 to"
OVER_LIMIT="is over the limit of"
OVERFLOWS="bytes overflows: NULL"
USAGE="ctl: usage:"
NOT_HANDLE="is not a handle"
NO_HANDLE="no live handle"

# One write of 8192 bytes: a valid command padded with blanks.
over_one_page() {
	{ printf 'alloc 0'; head -c 8185 /dev/zero | tr '\0' ' '; } >"$TMP/big.in"
	if [ "$(wc -c <"$TMP/big.in")" -ne 8192 ]; then
		fail "ctl rejects a write over one page: test file is not 8192 bytes"
		return
	fi
	refused_begin
	ctl_file "$TMP/big.in"
	refused_check "ctl rejects a write of 8192 bytes (over one page)" $? \
		EINVAL "ctl: a write of 8192 bytes $OVER_LIMIT 4095"
}

embedded_nul() {
	printf 'alloc\0 1' >"$TMP/nul.in"
	if [ "$(wc -c <"$TMP/nul.in")" -ne 8 ]; then
		fail "ctl rejects an embedded NUL: printf did not write 8 bytes"
		return
	fi
	refused_begin
	ctl_file "$TMP/nul.in"
	refused_check "ctl rejects an embedded NUL ('alloc\\0 1')" $? \
		EINVAL "ctl: the command holds a NUL byte"
}

# Two writes on one open file: the second is at offset 8 and must fail.
# The first (a valid alloc) is freed afterwards.
second_write_at_offset() {
	printf 'alloc 0\n' >"$TMP/off.in"
	exec 3>"$D/ctl"
	if ! write_once "$TMP/off.in" >&3; then
		exec 3>&-
		fail "ctl rejects a write at offset > 0: the first write failed"
		return
	fi
	_h=$(newest_handle)
	refused_begin
	write_once "$TMP/off.in" >&3
	_st=$?
	exec 3>&-
	refused_check "ctl rejects a second write at offset 8 on the same open file" \
		"$_st" EINVAL "ctl: one command per write, at offset 0"
	ctl "free $_h" || fail "free $_h after the offset test: $CTL_ERRNO"
}

stale_handle() {
	_h=$(alloc 0) || { fail "alloc 0 for the stale-handle test"; return; }
	ctl "free $_h" || { fail "free $_h: $CTL_ERRNO"; return; }
	bad_line ENOENT "free: $NO_HANDLE $_h \\(freed already" \
		"free of handle $_h, freed already (handle freed twice)" "free $_h"
	bad_line ENOENT "free: $NO_HANDLE $((_h + 1000)) " \
		"free of handle $((_h + 1000)), never made (stale handle)" \
		"free $((_h + 1000))"
}

# Writes of exactly one page (the limit is PAGE_SIZE - 1) and of one page
# less a byte: the first refused, the second carried out.
page_boundary() {
	{ printf 'alloc 0'; head -c 4089 /dev/zero | tr '\0' ' '; } >"$TMP/p4096.in"
	refused_begin
	ctl_file "$TMP/p4096.in"
	refused_check "ctl rejects a write of $(wc -c <"$TMP/p4096.in") bytes (one page)" \
		$? EINVAL "ctl: a write of 4096 bytes $OVER_LIMIT 4095"
	head -c 4095 "$TMP/p4096.in" >"$TMP/p4095.in"
	if ctl_file "$TMP/p4095.in"; then
		ok "ctl accepts a command padded to 4095 bytes"
		ctl "free $(newest_handle)" || fail "free after the 4095-byte write"
	else
		fail "ctl accepts a command padded to 4095 bytes: $CTL_ERRNO"
	fi
}

# too_big ERRNO WHY LINE: a size line refused with ERRNO, saying WHY.
too_big() {
	bad_line "$1" "$2" "'$3'" "$3"
}

# Sizes near ULONG_MAX and products past it: refused, one line, no change.
# A size past UINT_MAX (ULONG_MAX for kcalloc) is no number kstrto*()
# takes (ERANGE); one that is a number but over 4 MiB is over the limit
# (ERANGE). The kcalloc products overflow; most wrap to sizes kmalloc
# serves (the comment says to what), so only toy_kcalloc()'s own check can
# refuse them.
overflow() {
	_h=$(newest_handle)
	too_big ERANGE "kmalloc: SIZE '18446744073709551615' $NOT_NUMBER 4194304" \
		"kmalloc 18446744073709551615"
	too_big ERANGE "kmalloc: SIZE '18446744073709551616' $NOT_NUMBER" \
		"kmalloc 18446744073709551616"
	too_big ERANGE "kmalloc: SIZE 4294967295 $OVER_LIMIT 4194304" \
		"kmalloc 4294967295"
	too_big ERANGE "kmalloc: SIZE '4294967296' $NOT_NUMBER" "kmalloc 4294967296"
	too_big ERANGE "kmalloc: SIZE 4194305 $OVER_LIMIT 4194304" "kmalloc 4194305"
	too_big ERANGE "krealloc: SIZE '18446744073709551615' $NOT_NUMBER" \
		"krealloc $_h 18446744073709551615"
	too_big ERANGE "krealloc: SIZE '4294967296' $NOT_NUMBER" \
		"krealloc $_h 4294967296"
	too_big ERANGE "krealloc: SIZE 4194305 $OVER_LIMIT 4194304" \
		"krealloc $_h 4194305"
	too_big ERANGE "vmalloc: SIZE '18446744073709551615' $NOT_NUMBER" \
		"vmalloc 18446744073709551615"
	too_big ERANGE "vmalloc: SIZE 4294967295 $OVER_LIMIT" "vmalloc 4294967295"
	too_big ERANGE "vmalloc: SIZE 4294963201 $OVER_LIMIT" "vmalloc 4294963201"
	# (2^64 - 1)^2 wraps to 1 byte.
	too_big ERANGE "kcalloc: 18446744073709551615 x 18446744073709551615 $OVERFLOWS" \
		"kcalloc 18446744073709551615 18446744073709551615"
	# 2 * 2^63 and 2^32 * 2^32 wrap to 0 (ZERO_SIZE_PTR).
	too_big ERANGE "kcalloc: 2 x 9223372036854775808 $OVERFLOWS" \
		"kcalloc 2 9223372036854775808"
	too_big ERANGE "kcalloc: 9223372036854775808 x 2 $OVERFLOWS" \
		"kcalloc 9223372036854775808 2"
	too_big ERANGE "kcalloc: 4294967296 x 4294967296 $OVERFLOWS" \
		"kcalloc 4294967296 4294967296"
	# 3 * (2^64 / 3 + 1) and (2^63 + 1) * 2 wrap to 2 bytes.
	too_big ERANGE "kcalloc: 3 x 6148914691236517206 $OVERFLOWS" \
		"kcalloc 3 6148914691236517206"
	too_big ERANGE "kcalloc: 9223372036854775809 x 2 $OVERFLOWS" \
		"kcalloc 9223372036854775809 2"
	# (2^62 + 1) * 4 wraps to 4 bytes; (2^63 + 1) * 2^k to 2^k: 4096
	# (kmalloc-4k), 8192 (kmalloc-8k), 16384 (a large block). (No number
	# here has 16 digits, which 35-files would take for a hashed pointer.)
	too_big ERANGE "kcalloc: 4611686018427387905 x 4 $OVERFLOWS" \
		"kcalloc 4611686018427387905 4"
	too_big ERANGE "kcalloc: 9223372036854775809 x 4096 $OVERFLOWS" \
		"kcalloc 9223372036854775809 4096"
	too_big ERANGE "kcalloc: 8192 x 9223372036854775809 $OVERFLOWS" \
		"kcalloc 8192 9223372036854775809"
	too_big ERANGE "kcalloc: 9223372036854775809 x 16384 $OVERFLOWS" \
		"kcalloc 9223372036854775809 16384"
	too_big ERANGE "kcalloc: N '18446744073709551616' $NOT_NUMBER 18446744073709551615" \
		"kcalloc 18446744073709551616 1"
	too_big ERANGE "kcalloc: 1 x 4194305 = 4194305 bytes $OVER_LIMIT 4194304" \
		"kcalloc 1 4194305"
	too_big ERANGE "kcalloc: 1025 x 4096 = 4198400 bytes $OVER_LIMIT 4194304" \
		"kcalloc 1025 4096"
	too_big EINVAL "kcalloc: N '-1' $NOT_NUMBER" "kcalloc -1 8"
	expect "after the overflow lines, validate finds 0" test "$(validate_total)" = 0
}

# kcalloc that fits: zeroed, and freed with kfree.
kcalloc_ok() {
	if ctl "kcalloc 3 100"; then
		_h=$(newest_handle)
		expect "kcalloc 3 100 makes a kmalloc handle of 300 bytes" \
			grep -qE "^$_h kmalloc .* 300\$" "$D/handles"
		ctl "kfree $_h" || fail "kfree $_h (kcalloc): $CTL_ERRNO"
	else
		fail "kcalloc 3 100: $CTL_ERRNO"
	fi
}

# The exact modes: ctl 0200, the tunables under fail/ and slabinfo 0600
# (writable, as /proc/slabinfo is), everything else 0400.
exact_modes() {
	_bad=$(find "$D" -type f -exec stat -c '%n:%a' {} + |
		sed "s|^$D/||" | grep -vE '^((ctl|compact_memory):200|fail/.*:600|slabinfo:600|.*:400)$' |
		tr '\n' ' ')
	if [ -z "$_bad" ]; then
		ok "debugfs modes: ctl and compact_memory 0200, fail/* and slabinfo 0600, the rest 0400"
	else
		fail "debugfs modes: $_bad"
	fi
}

# A handle of one kind given to a verb of another: EINVAL, naming both
# kinds, for one verb of each kind set toy_ctl_handle() is called with.
wrong_kind() {
	ctl "alloc 0" && _p=$(newest_handle)
	ctl "kmalloc 64" && _k=$(newest_handle)
	ctl "vmalloc 100" && _v=$(newest_handle)
	ctl "cache_create kinds 32" && ctl "cache_alloc kinds" &&
		_c=$(newest_handle)
	if [ -z "${_p:-}" ] || [ -z "${_k:-}" ] || [ -z "${_v:-}" ] ||
		[ -z "${_c:-}" ]; then
		fail "wrong-kind handles: one of alloc, kmalloc, vmalloc or cache_alloc failed"
		return
	fi
	_is="handle [0-9]+ is"
	bad_line EINVAL "free: $_is kmalloc, not pages or cache or movable\$" \
		"free of a kmalloc handle" "free $_k"
	bad_line EINVAL "kfree: $_is pages, not kmalloc\$" \
		"kfree of a pages handle" "kfree $_p"
	bad_line EINVAL "krealloc: $_is cache_obj, not kmalloc\$" \
		"krealloc of a cache_obj handle" "krealloc $_c 128"
	bad_line EINVAL "cache_free: $_is kmalloc, not cache_obj\$" \
		"cache_free of a kmalloc handle" "cache_free $_k"
	bad_line EINVAL "poke: $_is pages, not kmalloc or cache_obj\$" \
		"poke of a pages handle" "poke $_p 0 1"
	bad_line EINVAL "kmap: $_is vmalloc, not pages or cache or movable\$" \
		"kmap of a vmalloc handle" "kmap $_v"
	bad_line EINVAL "kmap_local: $_is kmalloc, not pages or cache or movable\$" \
		"kmap_local of a kmalloc handle" "kmap_local $_k"
	bad_line EINVAL "page_address: $_is cache_obj, not pages or cache or movable\$" \
		"page_address of a cache_obj handle" "page_address $_c"
	bad_line EINVAL "vfree: $_is pages, not vmalloc\$" \
		"vfree of a pages handle" "vfree $_p"
	bad_line EINVAL "write: $_is kmalloc, not pages or vmalloc or cache or movable\$" \
		"write to a kmalloc handle" "write $_k 0 x"
	bad_line EINVAL "read: $_is cache_obj, not pages or vmalloc or cache or movable\$" \
		"read of a cache_obj handle" "read $_c 0 1"
	for _line in "free $_p" "kfree $_k" "vfree $_v" "cache_free $_c" \
		"cache_destroy kinds"; do
		ctl "$_line" || fail "$_line, after the wrong-kind lines: $CTL_ERRNO"
	done
}

main() {
	load || { fail "insmod toy_alloc.ko: $LOAD_ERR"; exit 1; }
	exact_modes
	page_boundary
	ctl "kmalloc 64" || fail "kmalloc 64 for the krealloc lines: $CTL_ERRNO"
	overflow
	ctl "kfree $(newest_handle)" || fail "kfree after the overflow lines"
	kcalloc_ok
	bad_bytes EINVAL "ctl: empty command" "an empty line" '\n'
	bad_bytes EINVAL "ctl: empty command" "whitespace only" ' \t  \n'
	bad_line EINVAL "ctl: unknown verb 'allocate'" "an unknown verb" "allocate 0"
	bad_line EINVAL "$USAGE alloc ORDER \\[normal\\|highmem\\|dma\\] \\[movable\\|reclaimable\\|cache\\] \\[atomic\\]" \
		"a missing argument" "alloc"
	bad_line EINVAL "$USAGE free HANDLE" "a missing handle" "free"
	bad_line EINVAL "$USAGE alloc ORDER" "an extra argument" "alloc 0 normal cache extra"
	bad_line EINVAL "ctl: more than 4 arguments" "seven words" "alloc 0 1 2 3 4 5"
	bad_line EINVAL "alloc: ORDER 'one' $NOT_NUMBER 10" "a non-numeric order" "alloc one"
	bad_line EINVAL "alloc: ORDER '-1' $NOT_NUMBER 10" "a negative order" "alloc -1"
	bad_line ERANGE "alloc: ORDER 11 $OVER_LIMIT 10" "order 11" "alloc 11"
	bad_line ERANGE "alloc: ORDER '18446744073709551616' $NOT_NUMBER 10" \
		"order 18446744073709551616 (2^64)" "alloc 18446744073709551616"
	bad_line EINVAL "alloc: 'dma32' is none of normal, highmem, dma, atomic, cache, movable, reclaimable" \
		"an unknown zone" "alloc 0 dma32"
	bad_line EINVAL "alloc: 'dma' after another word of its kind" \
		"two zones" "alloc 0 highmem dma"
	bad_line EINVAL "alloc: 'atomic' after another word of its kind" \
		"atomic twice" "alloc 0 atomic atomic"
	bad_line EINVAL "alloc: 'reclaimable' after another word of its kind" \
		"movable and reclaimable" "alloc 0 movable reclaimable"
	bad_line EINVAL "free: 'abc' $NOT_HANDLE" "a non-numeric handle" "free abc"
	bad_line EINVAL "free: '0' $NOT_HANDLE" "handle 0" "free 0"
	bad_line EINVAL "validate: 'fix': the only word validate takes is 'repair'" \
		"validate with a word other than repair" "validate fix"
	bad_line EINVAL "$USAGE drain" "drain with an argument" "drain 1"
	over_one_page
	embedded_nul
	second_write_at_offset
	stale_handle
	wrong_kind

	# A missing trailing newline is fine.
	printf 'alloc 0' >"$TMP/nonl.in"
	if ctl_file "$TMP/nonl.in"; then
		ok "ctl accepts 'alloc 0' without a trailing newline"
		ctl "free $(newest_handle)" || fail "free after the newline test"
	else
		fail "ctl accepts 'alloc 0' without a trailing newline: $CTL_ERRNO"
	fi
	expect "no live handle left" test -z "$(newest_handle)"
	expect "ctl validate: free lists agree with the page descriptors" \
		ctl validate
	unload || fail "rmmod toy_alloc"
}

main
