#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The debugfs files are root's only, and neither they nor our dmesg lines
# show a kernel pointer.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

NOBODY=65534
# 0xffff..., or a bare run of exactly 16 hex digits (%px, hashed %p).
POINTER='0x[fF]{4}[0-9a-fA-F]{12}|(^|[^[:alnum:]])[0-9a-f]{16}([^[:alnum:]]|$)'

debugfs_files() {
	find "$D" -type f | sort
}

# not_root_only FILE: prints FILE and why when anyone but root gets at it.
not_root_only() {
	_mode=$(stat -c %a "$1")
	if [ $((0$_mode & 077)) -ne 0 ]; then
		echo "${1#"$D"/} (mode $_mode)"
	elif setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups \
		cat "$1" >/dev/null 2>&1; then
		echo "${1#"$D"/} (uid $NOBODY read it)"
	fi
}

# pointers_in FILE: prints FILE and the first hit when it shows a pointer.
pointers_in() {
	[ $((0$(stat -c %a "$1") & 0400)) -ne 0 ] || return 0
	_hit=$(grep -E "$POINTER" "$1" | head -n 1)
	[ -z "$_hit" ] || echo "${1#"$D"/}: $_hit"
}

# each_file CHECK DESC: ok when CHECK prints nothing for every file.
each_file() {
	_bad=
	_n=0
	for _f in $(debugfs_files); do
		_n=$((_n + 1))
		_bad="$_bad$($1 "$_f")"
	done
	if [ "$_n" -eq 0 ]; then
		fail "$2: no files found"
	elif [ -n "$_bad" ]; then
		fail "$2: $_bad"
	else
		ok "$2 ($_n files)"
	fi
}

# Live data in the files: some blocks allocated in both zones.
populate() {
	for _spec in "0 normal" "2 normal" "7 highmem" "0 highmem"; do
		# shellcheck disable=SC2086 # order and zone as two words
		alloc $_spec >/dev/null || fail "alloc $_spec: $CTL_ERRNO"
	done
}

main() {
	load || { fail "insmod toy_alloc.ko: $LOAD_ERR"; exit 1; }
	populate
	each_file not_root_only "every debugfs file is root-only"
	each_file pointers_in "no kernel pointer in any debugfs file"
	_ours=$(dmesg | grep 'toy_alloc' | grep -E "$POINTER" | head -n 3)
	if [ -n "$_ours" ]; then
		fail "no kernel pointer in toy_alloc's dmesg lines: $_ours"
	else
		ok "no kernel pointer in toy_alloc's dmesg lines ($(dmesg | grep -c toy_alloc) lines)"
	fi
	unload || fail "rmmod toy_alloc (with live handles)"
	expect "rmmod with live handles leaves no debugfs directory" test ! -e "$D"
}

main
