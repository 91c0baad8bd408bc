#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# rmmod gives every page back: after 20 insmod/rmmod cycles (each with live
# blocks at unload) the guest's MemFree is within $SLACK_KB (2 MiB) of
# where it began, read again after one more settle before it counts as a
# loss (free_near). Pages on the per-cpu free lists are added in: MemFree
# alone moved by up to 1.1 MiB between batches of cycles that leaked
# nothing (measured), MemFree + per-cpu by about 0.3 MiB, once 1.1 MiB.
# 85-unload.sh does 100 cycles with random work; these stay plain, the
# baseline. settle and free_kb are lib.sh's.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

CYCLES=20

cycle() {
	load || return 1
	alloc 3 normal >/dev/null && alloc 0 highmem >/dev/null || return 1
	unload
}

main() {
	settle
	# shellcheck disable=SC2046 # three numbers
	set -- $(free_kb)
	_before=$1
	_raw_before="MemFree $2 + per-cpu $3"
	_i=0
	while [ $_i -lt $CYCLES ]; do
		if ! cycle; then
			fail "insmod/alloc/rmmod cycle $_i: ${LOAD_ERR:-ctl $CTL_ERRNO}"
			ensure_unloaded
			return
		fi
		_i=$((_i + 1))
	done
	ok "$CYCLES insmod/alloc/rmmod cycles"
	settle
	free_near "$_before" $SLACK_KB
	_st=$?
	# shellcheck disable=SC2046 # three numbers
	set -- $(free_kb)
	_diff=$((_before - FREE_NOW))
	_what="free memory after $CYCLES cycles within $SLACK_KB kB of before"
	_how="$_before -> $FREE_NOW kB ($_raw_before -> MemFree $2 + per-cpu $3)"
	if [ $_st -eq 0 ]; then
		ok "$_what: $_how"
	else
		fail "$_what: lost $_diff kB: $_how"
	fi
}

main
