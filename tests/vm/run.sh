#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs tests/vm/NN-*.sh in order inside the guest: every one, except files
# with a line "# toy-vm: own boot" (they need a guest booted for them:
# make stress, make fuzz), or only those $TOY_TESTS names (commas between;
# "40-slab", "40-slab.sh" and "40" all name 40-slab.sh). A test file that
# exits non-zero, runs past $TOY_FILE_TIMEOUT seconds (default 300), reports
# no check, or leaves a module loaded gets a failed check of its own; every
# file gets one check that the kernel log shows no splat from its start to
# its end (lib.sh's splat_lines), and the run one that the log did not
# wrap. The last line tells the host the run got to the end.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

PER_FILE_TIMEOUT=${TOY_FILE_TIMEOUT:-300}

checks() {
	if [ -f "$RESULTS" ]; then wc -l <"$RESULTS"; else echo 0; fi
}

# selected FILE: whether this run runs FILE.
selected() {
	_n=${1##*/}
	if [ -z "${TOY_TESTS:-}" ]; then
		! grep -q '^# toy-vm: own boot' "$1"
		return
	fi
	for _want in $(echo "$TOY_TESTS" | tr , ' '); do
		case "$_n" in
		"$_want" | "$_want".sh | "$_want"-*) return 0 ;;
		esac
	done
	return 1
}

run_one() {
	_t=$1
	_name=${_t##*/}
	_before=$(checks)
	_t0=$(date +%s)
	echo "# $_name"
	mark
	timeout "$PER_FILE_TIMEOUT" sh "$_t"
	_st=$?
	echo "# $_name: $(($(date +%s) - _t0)) s"
	case "$_st" in
	0) ;;
	124 | 143) fail "$_name: killed after $PER_FILE_TIMEOUT s (status $_st)" ;;
	*) fail "$_name: exited with status $_st" ;;
	esac
	[ "$(checks)" -gt "$_before" ] || fail "$_name: reported no check"
	for _m in toy_stress toy_alloc; do
		if grep -q "^$_m " /proc/modules; then
			fail "$_name: left $_m loaded"
			rmmod "$_m"
		fi
	done
	# Whatever the file checked itself: the kernel said nothing alarming
	# while it ran (or while its modules went away).
	if [ -z "$(new_splats)" ]; then
		ok "${_name%.sh}: no kernel splat"
	else
		fail "${_name%.sh}: no kernel splat"
		new_dmesg | grep -E -B 3 -A 25 "$SPLAT_RE" | head -n 60
	fi
}

# The kernel log still starts at the kernel's first line: nothing the
# files read with dmesg was lost to a wrap (the host boots the guest with
# log_buf_len big enough for the whole run).
log_kept() {
	_first=$(dmesg | head -n 1)
	case "$_first" in
	*"] Linux version "*)
		_size=$(sed -n 's/.*log_buf_len=\([^ ]*\).*/\1/p' /proc/cmdline)
		ok "the kernel log kept the whole run ($(dmesg | wc -c) bytes, log_buf_len=${_size:-default})" ;;
	*)
		fail "the kernel log kept the whole run: it wrapped, first line now: $_first" ;;
	esac
}

main() {
	_ran=0
	rm -f "$RESULTS"
	for t in "${0%/*}"/[0-9][0-9]-*.sh; do
		selected "$t" || continue
		run_one "$t"
		_ran=$((_ran + 1))
	done
	[ "$_ran" -gt 0 ] || fail "run.sh: no test file matches '$TOY_TESTS'"
	log_kept
	echo "toy-vm: all tests done"
}

main
