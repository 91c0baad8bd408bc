#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every malformed write to ctl fails with an errno, prints exactly one dmesg
# line and changes nothing (buddyinfo and handles stay as they were); so do
# sizes near ULONG_MAX for kmalloc, krealloc, vmalloc and kcalloc, and
# writes of a page or more. The debugfs files have their exact modes.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

# rejected DESC: the write just made (status in $1) was refused cleanly.
# Call as: mark; snapshot; <write>; rejected $? DESC
# The state: buddyinfo and handles (lib.sh), slabinfo and vmallocinfo.
all_state() {
	state
	cat "$D/slabinfo" "$D/vmallocinfo"
}

snapshot() {
	all_state >"$TMP/before"
}

rejected() {
	_st=$1
	_desc="ctl rejects $2"
	_n=$(new_dmesg_lines)
	all_state >"$TMP/after"
	if [ "$_st" -eq 0 ]; then
		fail "$_desc: the write succeeded"
	elif [ "$_n" -ne 1 ]; then
		fail "$_desc: $_n new dmesg lines, want 1"
		new_dmesg
	elif ! cmp -s "$TMP/before" "$TMP/after"; then
		fail "$_desc: buddyinfo, handles, slabinfo or vmallocinfo changed"
		diff "$TMP/before" "$TMP/after"
	else
		ok "$_desc ($CTL_ERRNO: $(new_dmesg | sed 's/^\[[^]]*\] //'))"
	fi
}

# bad_bytes DESC FORMAT: printf FORMAT written in one write(2).
# bad_line DESC LINE: LINE and a newline written in one write(2).
bad_bytes() {
	# shellcheck disable=SC2059 # the table gives printf formats
	printf "$2" >"$TMP/bad.in"
	mark
	snapshot
	ctl_file "$TMP/bad.in"
	rejected $? "$1"
}

bad_line() {
	mark
	snapshot
	ctl "$2"
	rejected $? "$1"
}

# One write of 8192 bytes: a valid command padded with blanks.
over_one_page() {
	{ printf 'alloc 0'; head -c 8185 /dev/zero | tr '\0' ' '; } >"$TMP/big.in"
	if [ "$(wc -c <"$TMP/big.in")" -ne 8192 ]; then
		fail "ctl rejects a write over one page: test file is not 8192 bytes"
		return
	fi
	mark
	snapshot
	ctl_file "$TMP/big.in"
	rejected $? "a write of 8192 bytes (over one page)"
}

embedded_nul() {
	printf 'alloc\0 1' >"$TMP/nul.in"
	if [ "$(wc -c <"$TMP/nul.in")" -ne 8 ]; then
		fail "ctl rejects an embedded NUL: printf did not write 8 bytes"
		return
	fi
	mark
	snapshot
	ctl_file "$TMP/nul.in"
	rejected $? "an embedded NUL ('alloc\\0 1')"
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
	mark
	snapshot
	write_once "$TMP/off.in" >&3
	_st=$?
	exec 3>&-
	rejected $_st "a second write at offset 8 on the same open file"
	ctl "free $_h" || fail "free $_h after the offset test: $CTL_ERRNO"
}

stale_handle() {
	_h=$(alloc 0) || { fail "alloc 0 for the stale-handle test"; return; }
	ctl "free $_h" || { fail "free $_h: $CTL_ERRNO"; return; }
	bad_line "free of handle $_h, freed already (handle freed twice)" "free $_h"
	bad_line "free of handle $((_h + 1000)), never made (stale handle)" \
		"free $((_h + 1000))"
}

# Writes of exactly one page (the limit is PAGE_SIZE - 1) and of one page
# less a byte: the first refused, the second carried out.
page_boundary() {
	{ printf 'alloc 0'; head -c 4089 /dev/zero | tr '\0' ' '; } >"$TMP/p4096.in"
	mark
	snapshot
	ctl_file "$TMP/p4096.in"
	rejected $? "a write of $(wc -c <"$TMP/p4096.in") bytes (one page)"
	head -c 4095 "$TMP/p4096.in" >"$TMP/p4095.in"
	if ctl_file "$TMP/p4095.in"; then
		ok "ctl accepts a command padded to 4095 bytes"
		ctl "free $(newest_handle)" || fail "free after the 4095-byte write"
	else
		fail "ctl accepts a command padded to 4095 bytes: $CTL_ERRNO"
	fi
}

# Sizes near ULONG_MAX and products past it: refused, one line, no change.
overflow() {
	_h=$(newest_handle)
	for _line in \
		"kmalloc 18446744073709551615" "kmalloc 18446744073709551616" \
		"kmalloc 4294967295" "kmalloc 4294967296" "kmalloc 4194305" \
		"krealloc $_h 18446744073709551615" "krealloc $_h 4294967296" \
		"krealloc $_h 4194305" \
		"vmalloc 18446744073709551615" "vmalloc 4294967295" \
		"vmalloc 4294963201" \
		"kcalloc 18446744073709551615 18446744073709551615" \
		"kcalloc 2 9223372036854775808" "kcalloc 9223372036854775808 2" \
		"kcalloc 4294967296 4294967296" "kcalloc 3 6148914691236517206" \
		"kcalloc 18446744073709551616 1" "kcalloc 1 4194305" \
		"kcalloc 1025 4096" "kcalloc -1 8"; do
		bad_line "'$_line'" "$_line"
	done
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
		sed "s|^$D/||" | grep -vE '^(ctl:200|fail/.*:600|slabinfo:600|.*:400)$' |
		tr '\n' ' ')
	if [ -z "$_bad" ]; then
		ok "debugfs modes: ctl 0200, fail/* and slabinfo 0600, the rest 0400"
	else
		fail "debugfs modes: $_bad"
	fi
}

main() {
	load || { fail "insmod toy_alloc.ko: $LOAD_ERR"; exit 1; }
	exact_modes
	page_boundary
	ctl "kmalloc 64" || fail "kmalloc 64 for the krealloc lines: $CTL_ERRNO"
	overflow
	ctl "kfree $(newest_handle)" || fail "kfree after the overflow lines"
	kcalloc_ok
	bad_bytes "an empty line" '\n'
	bad_bytes "whitespace only" ' \t  \n'
	bad_line "an unknown verb" "allocate 0"
	bad_line "a missing argument" "alloc"
	bad_line "a missing handle" "free"
	bad_line "an extra argument" "alloc 0 normal extra"
	bad_line "a non-numeric order" "alloc one"
	bad_line "a negative order" "alloc -1"
	bad_line "order 11" "alloc 11"
	bad_line "order 18446744073709551616 (2^64)" "alloc 18446744073709551616"
	bad_line "an unknown zone" "alloc 0 dma"
	bad_line "a non-numeric handle" "free abc"
	bad_line "handle 0" "free 0"
	over_one_page
	embedded_nul
	second_write_at_offset
	stale_handle

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
