#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tools/slabcmp on recorded files: the toy's slabinfo and the real one from
# Debian's 6.1 kernel under QEMU -smp 2, and the toy's from UML (1 CPU,
# whose kmalloc-512/1k/2k have other geometry). Run with the host's awk and
# with busybox's, as in the guest. Exit 0 when every case holds.

top=$(cd "$(dirname "$0")/../.." && pwd)
slabcmp=$top/tools/slabcmp/slabcmp
data=$top/tools/slabcmp/testdata
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

check() {
	if [ "$1" = ok ]; then
		echo "ok - $2"
	else
		echo "not ok - $2"
		failed=1
	fi
}

# run NAME WANT_STATUS ARGS...: slabcmp's output in $tmp/NAME.out.
run() {
	_name=$1
	_want=$2
	shift 2
	sh "$slabcmp" "$@" >"$tmp/$_name.out" 2>&1
	_st=$?
	if [ "$_st" -eq "$_want" ]; then
		check ok "$flavour: $_name exits $_want"
	else
		check fail "$flavour: $_name exits $_st, want $_want"
		cat "$tmp/$_name.out"
	fi
}

# has NAME REGEX DESC: a line of $tmp/NAME.out matches.
has() {
	if grep -qE -- "$2" "$tmp/$1.out"; then
		check ok "$flavour: $1: $3"
	else
		check fail "$flavour: $1: $3"
		cat "$tmp/$1.out"
	fi
}

cases() {
	run equal 0 "$data/toy-6.1-smp2.slabinfo" "$data/real-6.1-smp2.slabinfo"
	has equal '^slabcmp: 13 caches in both, 13 with the same geometry, 0 differ$' \
		"13 kmalloc caches compared"
	has equal '^kmalloc-4k +4096 +4096 +8 +8 +8 +8 +1 +24 +8 +24$' \
		"a row holds toy and real side by side"
	has equal '^only in the toy: ball$' "a cache only the toy has is named"
	if grep -q 'differs' "$tmp/equal.out"; then
		check fail "$flavour: equal: no row marked differs"
	else
		check ok "$flavour: equal: no row marked differs"
	fi

	run uml 1 "$data/toy-uml-1cpu.slabinfo" "$data/real-6.1-smp2.slabinfo"
	has uml '^slabcmp: 13 caches in both, 10 with the same geometry, 3 differ$' \
		"3 of 13 differ"
	if [ "$(grep -c 'differs$' "$tmp/uml.out")" -eq 3 ] &&
		grep -qE '^kmalloc-512 +512 +512 +8 +16 +1 +2 .*differs$' "$tmp/uml.out"; then
		check ok "$flavour: uml: kmalloc-512, 1k and 2k marked differs"
	else
		check fail "$flavour: uml: kmalloc-512, 1k and 2k marked differs"
		cat "$tmp/uml.out"
	fi

	printf 'hello\n' >"$tmp/garbage"
	run not-slabinfo 2 "$tmp/garbage" "$data/real-6.1-smp2.slabinfo"
	has not-slabinfo 'is not slabinfo version 2.1' "says why"
	run real-not-slabinfo 2 "$data/toy-6.1-smp2.slabinfo" "$tmp/garbage"
	: >"$tmp/empty"
	run empty 2 "$tmp/empty" "$data/real-6.1-smp2.slabinfo"
	run missing 2 "$tmp/nonexistent" "$data/real-6.1-smp2.slabinfo"
	has missing 'cannot read' "says why"
	sed -n '1,2p; /^ball /p' "$data/toy-6.1-smp2.slabinfo" >"$tmp/only-ball"
	run nothing-common 2 "$tmp/only-ball" "$data/real-6.1-smp2.slabinfo"
	has nothing-common 'no cache is in both' "says why"
	run too-many-args 2 a b c
}

flavour="host awk"
cases

# busybox's sh, awk and cat, as the guest has them.
if command -v busybox >/dev/null; then
	mkdir -p "$tmp/bin"
	for a in sh awk cat grep sed; do
		ln -s "$(command -v busybox)" "$tmp/bin/$a"
	done
	flavour="busybox awk"
	PATH=$tmp/bin:$PATH
	cases
else
	check fail "busybox is installed (busybox-static)"
fi

exit "$failed"
