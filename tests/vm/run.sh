#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs tests/vm/NN-*.sh in order inside the guest. A test file that exits
# non-zero, reports no check, or leaves the module loaded gets a failed
# check of its own. The last line tells the host the run got to the end.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

PER_FILE_TIMEOUT=300

checks() {
	if [ -f "$RESULTS" ]; then wc -l <"$RESULTS"; else echo 0; fi
}

run_one() {
	_t=$1
	_name=${_t##*/}
	_before=$(checks)
	echo "# $_name"
	timeout "$PER_FILE_TIMEOUT" sh "$_t"
	_st=$?
	case "$_st" in
	0) ;;
	124 | 143) fail "$_name: killed after $PER_FILE_TIMEOUT s (status $_st)" ;;
	*) fail "$_name: exited with status $_st" ;;
	esac
	[ "$(checks)" -gt "$_before" ] || fail "$_name: reported no check"
	if loaded; then
		fail "$_name: left toy_alloc loaded"
		rmmod toy_alloc
	fi
}

main() {
	rm -f "$RESULTS"
	for t in "${0%/*}"/[0-9][0-9]-*.sh; do
		run_one "$t"
	done
	echo "toy-vm: all tests done"
}

main
