#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every malformed write to ctl fails with an errno, prints exactly one dmesg
# line and changes nothing (buddyinfo and handles stay as they were).
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

# rejected DESC: the write just made (status in $1) was refused cleanly.
# Call as: mark; snapshot; <write>; rejected $? DESC
snapshot() {
	state >"$TMP/before"
}

rejected() {
	_st=$1
	_desc="ctl rejects $2"
	_n=$(new_dmesg_lines)
	state >"$TMP/after"
	if [ "$_st" -eq 0 ]; then
		fail "$_desc: the write succeeded"
	elif [ "$_n" -ne 1 ]; then
		fail "$_desc: $_n new dmesg lines, want 1"
		new_dmesg
	elif ! cmp -s "$TMP/before" "$TMP/after"; then
		fail "$_desc: buddyinfo or handles changed"
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

main() {
	load || { fail "insmod toy_alloc.ko: $LOAD_ERR"; exit 1; }
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
