#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# toy-vm: own boot
# The ctl fuzzer (make fuzz; the guest runs with panic_on_warn=1):
# tools/ctlfuzz writes $TOY_FUZZ_LINES (default 10000) grammar-aware,
# mutated and raw lines, seed $TOY_FUZZ_SEED (default 1), and prints how
# many writes ended in each errno. Its pokes stay outside every slab (see
# ctlfuzz.c), so afterwards: validate finds nothing, no slab error or
# buddy misuse was counted, every handle and fuzz cache can be freed,
# every page is then free again, rmmod reports nothing live, the guest's
# free memory is back within 2 MiB, and no WARNING/BUG was printed.
# shellcheck source=tests/vm/lib.sh
. "${0%/*}/lib.sh"

CTLFUZZ=${CTLFUZZ:-/toy/ctlfuzz}
FUZZ_LINES=${TOY_FUZZ_LINES:-10000}
FUZZ_SEED=${TOY_FUZZ_SEED:-1}

# handles_of KINDS [ZONE]: the live handles of those kinds ("a|b"),
# newest first.
handles_of() {
	awk -v k="^($1)\$" -v z="${2:-}" '$2 ~ k && (z == "" || $5 == z) { print $1 }' \
		"$D/handles" | sort -rn
}

# Undo what the fuzzer left: local mappings newest first, kmaps, then
# every handle by its kind, then every cache it made (mutated names too). (kunmap and
# kunmap_local of a Normal page succeed and do nothing: HighMem only.)
clean_up() {
	_pass=0
	while [ $_pass -lt 20 ]; do
		_any=
		for _h in $(handles_of 'pages|movable|cache' HighMem); do
			ctl "kunmap_local $_h" 2>/dev/null && _any=1
		done
		[ -n "$_any" ] || break
		_pass=$((_pass + 1))
	done
	for _h in $(handles_of 'pages|movable|cache' HighMem); do
		_n=0
		while [ $_n -lt 1100 ] && ctl "kunmap $_h" 2>/dev/null; do
			_n=$((_n + 1))
		done
	done
	_left=0
	for _k in pages:free cache:free movable:free kmalloc:kfree cache_obj:cache_free vmalloc:vfree; do
		for _h in $(handles_of "${_k%:*}"); do
			ctl "${_k#*:} $_h" 2>/dev/null || {
				_left=$((_left + 1))
				echo "# ${_k#*:} $_h: $CTL_ERRNO"
			}
		done
	done
	expect "every handle the fuzzer left could be freed ($_left refused)" \
		test "$_left" = 0
	_names=$(awk 'NR > 2 && $1 !~ /^kmalloc-/ { print $1 }' "$D/slabinfo")
	for _c in $_names; do
		expect "cache_destroy $_c" ctl "cache_destroy $_c"
	done
	expect "no handle left" test -z "$(newest_handle)"
}

fuzz() {
	echo "# ctlfuzz -n $FUZZ_LINES -s $FUZZ_SEED"
	_t0=$(date +%s)
	# Compaction moves the fuzzer's movable pages under it meanwhile.
	rm -f "$TMP/fuzz.done"
	(
		while [ ! -e "$TMP/fuzz.done" ]; do
			echo 1 >"$D/compact_memory"
			sleep 0.5
		done
	) &
	_compactor=$!
	"$CTLFUZZ" -n "$FUZZ_LINES" -s "$FUZZ_SEED" >"$TMP/fuzz.out" 2>&1
	_st=$?
	touch "$TMP/fuzz.done"
	wait "$_compactor"
	_t=$(($(date +%s) - _t0))
	sed 's/^/# /' "$TMP/fuzz.out"
	expect "ctlfuzz exited 0 after $_t s (status $_st)" test "$_st" = 0
	expect "ctlfuzz wrote all $FUZZ_LINES lines" \
		grep -q "^ctlfuzz: $FUZZ_LINES lines " "$TMP/fuzz.out"
	expect "ctlfuzz printed its errno table to the end" \
		grep -qx 'ctlfuzz: done' "$TMP/fuzz.out"
	# The table adds up to the writes made.
	_writes=$(sed -n 's/^ctlfuzz: .* \([0-9]*\) writes, .*/\1/p' "$TMP/fuzz.out")
	_sum=$(awk '/^  / { n += $2 } END { print n + 0 }' "$TMP/fuzz.out")
	expect "errno table counts every write: $_sum of ${_writes:-?}" \
		test "$_sum" = "${_writes:-x}"
	# validate lines in the fuzz never found an inconsistency.
	expect "no fuzzed validate found an inconsistency (EUCLEAN)" \
		sh -c "! grep -q '^  EUCLEAN ' '$TMP/fuzz.out'"
	expect "guest alive: ctl still answers" ctl "which 4"
}

main() {
	[ -x "$CTLFUZZ" ] || { fail "$CTLFUZZ missing"; return; }
	shrink_kernel_slabs
	settle
	_before=$(free_total_kb)
	cat /proc/meminfo >"$TMP/meminfo.before"
	if ! load; then
		fail "insmod toy_alloc.ko: $LOAD_ERR"
		return
	fi
	shrink_all
	_fresh=$(toy_free)
	echo "# fresh load, caches shrunk: free pages $_fresh"
	mark
	fuzz
	_v=$(cat "$D/validate")
	expect "validate after the fuzz: total 0 ($(echo "$_v" | tr '\n' ' '))" \
		test "$(validate_total)" = 0
	_e=$(awk '$NF != 0' "$D/errors")
	expect "slab errors all 0${_e:+: $_e}" test -z "$_e"
	_m=$(grep '^misuse_' "$D/stats" | awk '$2 != 0')
	expect "buddy misuse counters all 0${_m:+: $_m}" test -z "$_m"
	clean_up
	expect "ctl validate after clean-up" ctl validate
	shrink_all
	_after=$(toy_free)
	if [ "$_after" = "$_fresh" ]; then
		ok "every page back: free pages $_after, as at the fresh load"
	else
		fail "every page back: free pages $_after, at the fresh load $_fresh"
		cat "$D/meminfo" "$D/buddyinfo" "$D/slabinfo" "$D/handles"
	fi
	# A log that wrapped lost the mark, and with it what the checks below read.
	expect "kernel log kept every line since the fuzz began" \
		sh -c "dmesg | grep -q ' $MARK\$'"
	expect_none "no WARNING, BUG or Oops in the fuzz and clean-up" "$(new_splats)"
	unload_clean "$_before"
	echo "# kernel log: $(dmesg | wc -l) lines, $(dmesg | wc -c) bytes"
}

main
