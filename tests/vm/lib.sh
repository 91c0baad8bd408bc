# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# shellcheck disable=SC2034 # globals set here are read by the tests
#
# Guest-side helpers for the vm tests (busybox sh in Debian's kernel under
# QEMU). Each tests/vm/NN-name.sh sources this file; run.sh runs them in
# order. A check prints "ok - what" or "not ok - what: why"; the host
# counts those lines.

D=/sys/kernel/debug/toy_alloc
KO=${KO:-/toy/toy_alloc.ko}
RESULTS=${RESULTS:-/tmp/toy-results}
TMP=${TMP:-/tmp/toy-tmp}
mkdir -p "$TMP"

# --- reporting -------------------------------------------------------------

ok() {
	echo "ok - $*"
	echo ok >>"$RESULTS"
}

fail() {
	echo "not ok - $*"
	echo fail >>"$RESULTS"
}

# expect DESC CMD...: ok when CMD succeeds.
expect() {
	_desc=$1
	shift
	if "$@"; then ok "$_desc"; else fail "$_desc"; fi
}

# expect_eq DESC GOT WANT: ok when GOT is WANT.
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1: $2"; else fail "$1: got '$2', want '$3'"; fi
}

# --- the module --------------------------------------------------------------

loaded() {
	grep -q '^toy_alloc ' /proc/modules
}

# load [PARAM=VALUE...]: insmod, its error text in $LOAD_ERR.
# The module comes through a pipe: busybox insmod tries finit_module() first
# and, when that fails for any reason, init_module() again, so a module
# whose init fails would run (and print) twice. finit_module() on a pipe
# fails before the module is looked at, so its init runs exactly once.
load() {
	# shellcheck disable=SC2002 # the pipe is the point
	LOAD_ERR=$(cat "$KO" | insmod /proc/self/fd/0 "$@" 2>&1)
}

unload() {
	rmmod toy_alloc
}

# Make sure the module is not left loaded by a failed check.
ensure_unloaded() {
	if loaded; then rmmod toy_alloc; fi
}

# --- dmesg -------------------------------------------------------------------

MARK_N=0

# mark: put a unique line into the kernel log; new_dmesg prints what came
# after the last mark.
mark() {
	MARK_N=$((MARK_N + 1))
	MARK="toy-vm-mark-$$-$MARK_N"
	echo "$MARK" >/dev/kmsg
}

# new_dmesg: the kernel log after the last mark. When the log no longer
# holds the mark (it wrapped, or mark was never called), whatever the
# caller checks would pass on nothing: that is a failed check of its own,
# printed on the console (callers capture stdout), and status 1. awk says
# so itself: a reader that stops early (grep -q) may kill it with SIGPIPE,
# but only after the mark was found, since nothing is printed before.
new_dmesg() {
	dmesg | awk -v m=" ${MARK:-}" -v who="${0##*/}" -v results="$RESULTS" '
	found { print; next }
	m != " " && length($0) >= length(m) &&
		substr($0, length($0) - length(m) + 1) == m { found = 1 }
	END {
		if (found)
			exit 0
		if (m == " ")
			why = "new_dmesg before any mark"
		else
			why = "the kernel log lost mark" m " (it wrapped?): the checks reading it saw nothing"
		print "not ok - " who ": " why >"/dev/console"
		print "fail" >>results
		exit 1
	}'
}

# The module's own new lines: a kernel line that lands meanwhile (e.g.
# "random: crng init done") is not one the command printed.
new_dmesg_lines() {
	new_dmesg | grep -c ' toy_alloc: ' || true
}

# splat_lines: the splat lines of the log on stdin (warnings, BUGs and
# soft lockups, oopses, stack traces, RCU stalls, hung tasks, panics).
# The stack trace that
# fault injection prints on purpose (fail/*/verbose 2, the default, as in
# lib/fault-inject.c) is none: a "Call Trace:" at most 4 lines after a
# "FAULT_INJECTION: forcing a failure" line is left out.
SPLAT_RE='WARNING:|BUG:|Oops|Call Trace|Kernel panic|general protection|rcu: INFO:|self-detected stall|detected stalls|blocked for more than'
splat_lines() {
	awk -v re="$SPLAT_RE" '/FAULT_INJECTION: forcing a failure/ { fi = NR }
		/Call Trace/ && fi && NR - fi <= 4 { next }
		$0 ~ re'
}

# Kernel splats anywhere in the log.
splats() {
	dmesg | splat_lines
}

# --- ctl -----------------------------------------------------------------------

# errno_name TEXT: the errno whose strerror() ends TEXT.
errno_name() {
	case "$1" in
	*"Invalid argument") echo EINVAL ;;
	*"No such file or directory") echo ENOENT ;;
	*"result out of range") echo ERANGE ;;
	*"Cannot allocate memory" | *"Out of memory") echo ENOMEM ;;
	*"Argument list too long") echo E2BIG ;;
	*"No space left on device") echo ENOSPC ;;
	*"Bad address") echo EFAULT ;;
	*"Device or resource busy") echo EBUSY ;;
	*"Operation not permitted") echo EPERM ;;
	*"Permission denied") echo EACCES ;;
	*"File too large") echo EFBIG ;;
	*"Illegal seek") echo ESPIPE ;;
	*"File exists") echo EEXIST ;;
	*"Resource busy" | *"Try again") echo EAGAIN ;;
	"") echo 0 ;;
	*) echo "?($1)" ;;
	esac
}

# write_once FILE: copy FILE's bytes to stdout in one write(2).
# Status 0 or 1; $CTL_ERRNO is the errno name (0 on success).
write_once() {
	_size=$(wc -c <"$1")
	if [ "$_size" -eq 0 ]; then
		echo "write_once: $1 is empty" >&2
		return 2
	fi
	if dd if="$1" bs="$_size" count=1 2>"$TMP/dd.err"; then
		CTL_ERRNO=0
		return 0
	fi
	CTL_ERRNO=$(errno_name "$(grep 'error writing' "$TMP/dd.err")")
	return 1
}

# ctl_file FILE: write FILE's bytes to a fresh open of ctl in one write(2).
ctl_file() {
	write_once "$1" >"$D/ctl"
}

# ctl LINE: write LINE and a newline to ctl in one write(2).
ctl() {
	printf '%s\n' "$1" >"$TMP/ctl.in"
	ctl_file "$TMP/ctl.in"
}

# The newest live handle (last line of handles), empty when none.
newest_handle() {
	grep -v '^#' "$D/handles" | tail -n 1 | awk '{ print $1 }'
}

# alloc ORDER [ZONE]: prints the new handle; fails if ctl failed.
alloc() {
	ctl "alloc $*" || return 1
	newest_handle
}

buddyinfo() {
	cat "$D/buddyinfo"
}

# The state a rejected write must leave alone.
state() {
	cat "$D/buddyinfo" "$D/handles"
}

# --- refused writes ----------------------------------------------------------

# What a refused write must leave alone: the output of the function named
# in REFUSED_STATE (state, above, unless a test file names its own).
REFUSED_STATE=state

# refused_begin: mark dmesg and keep the state, before a write that must
# be refused.
refused_begin() {
	"$REFUSED_STATE" >"$TMP/refused.before"
	mark
}

# refused_check DESC STATUS ERRNO [WHY]: the write just made, with exit
# status STATUS, failed with ERRNO, printed exactly one dmesg line - which
# matches the extended regular expression WHY, if given - and left the
# state as refused_begin found it.
refused_check() {
	_rc_n=$(new_dmesg_lines)
	_rc_said=$(new_dmesg | grep ' toy_alloc: ' | sed 's/^\[[^]]*\] //')
	"$REFUSED_STATE" >"$TMP/refused.after"
	if [ "$2" -eq 0 ]; then
		fail "$1: the write succeeded"
	elif [ "$CTL_ERRNO" != "$3" ]; then
		fail "$1: $CTL_ERRNO, want $3 ($_rc_said)"
	elif [ "$_rc_n" -ne 1 ]; then
		fail "$1: $_rc_n new dmesg lines, want 1"
		new_dmesg
	elif [ -n "${4:-}" ] && ! printf '%s\n' "$_rc_said" | grep -qE -e "$4"; then
		fail "$1: says '$_rc_said', want /$4/"
	elif ! cmp -s "$TMP/refused.before" "$TMP/refused.after"; then
		fail "$1: the state changed"
		diff "$TMP/refused.before" "$TMP/refused.after"
	else
		ok "$1 ($CTL_ERRNO: $_rc_said)"
	fi
}

# expect_refused ERRNO LINE [WHY [DESC]]: LINE written to ctl is refused
# with ERRNO, one dmesg line (matching WHY), nothing changed.
expect_refused() {
	_er_desc="ctl refuses '$2'"
	refused_begin
	ctl "$2"
	refused_check "${4:-$_er_desc}" $? "$1" "${3:-}"
}

# --- memory ------------------------------------------------------------------

memfree_kb() {
	awk '/^MemFree:/ { print $2 }' /proc/meminfo
}

# Free pages parked on the per-cpu lists (the "count:" lines of
# /proc/zoneinfo), in kB. MemFree leaves them out, and with -smp 2 they
# swing by a MiB between two reads of an idle guest.
pcp_kb() {
	awk '$1 == "count:" { n += $2 } END { print n * 4 }' /proc/zoneinfo
}

# settle: let the guest's own free memory come to rest before reading it.
settle() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	sleep 1
}

# free_kb: prints "FREE MEMFREE PERCPU" in kB, FREE = MEMFREE + PERCPU.
free_kb() {
	_m=$(memfree_kb)
	_p=$(pcp_kb)
	echo "$((_m + _p)) $_m $_p"
}

# free_total_kb: MemFree plus the per-cpu pages, in kB.
free_total_kb() {
	free_kb | awk '{ print $1 }'
}

# free_near BEFORE_KB SLACK_KB: whether free memory is within SLACK_KB of
# BEFORE_KB. The first read is quick; one more after settle() is taken
# before calling it a loss. $FREE_NOW is the last read.
free_near() {
	FREE_NOW=$(free_total_kb)
	_d=$(($1 - FREE_NOW))
	[ "${_d#-}" -le "$2" ] && return 0
	settle
	FREE_NOW=$(free_total_kb)
	_d=$(($1 - FREE_NOW))
	[ "${_d#-}" -le "$2" ]
}

# start_loaded [PARAM=VALUE...]: the module unloaded, the guest's memory
# noted for unload_clean ($TMP/meminfo.before, $BEFORE_KB), then insmod
# with the parameters; a failed insmod is a failed check and ends the test.
start_loaded() {
	ensure_unloaded
	cat /proc/meminfo >"$TMP/meminfo.before"
	BEFORE_KB=$(free_total_kb)
	if ! load "$@"; then
		fail "insmod $*: $LOAD_ERR"
		exit 0
	fi
}

# kswapd_pid: the pid of toy_kswapd0, if it runs.
kswapd_pid() {
	for _c in /proc/[0-9]*/comm; do
		if [ "$(cat "$_c" 2>/dev/null)" = toy_kswapd0 ]; then
			_p=${_c#/proc/}
			echo "${_p%/comm}"
			return 0
		fi
	done
	return 1
}

# kswapd_asleep: toy_kswapd0 is sleeping (state S).
kswapd_asleep() {
	_pid=$(kswapd_pid) || return 1
	[ "$(awk '{ print $3 }' "/proc/$_pid/stat")" = S ]
}

# vmstat_of NAME: NAME's value in the toy's vmstat.
vmstat_of() {
	awk -v k="$1" '$1 == k { print $2 }' "$D/vmstat"
}

# --- whole-state snapshots and fault injection --------------------------------

# new_splats: WARNING/BUG/Oops and stack traces since the last mark.
new_splats() {
	new_dmesg | splat_lines
}

# The event counters of pkmap: a failed attempt counts itself.
HM_EVENTS='kmap|kmap_lowmem|kmap_new_slot|kunmap|flushes|flushed_slots|kmap_waits|kmap_busy|kmap_nomem|kmap_local|kunmap_local|vmalloc|vmalloc_fail|vfree'

# toy_snapshot: everything a failed command must leave as it was: free
# lists, region picture, handles, every cache and its slab lists, pkmap
# slots, vmalloc areas, misuse counts. Event counters are left out. With
# SNAP_PCP=1 (per-CPU page lists on, which a failed attempt may refill) the
# free lists and region picture give way to one number: free pages on
# the free lists plus on the per-CPU lists.
toy_snapshot() {
	if [ "${SNAP_PCP:-0}" = 1 ]; then
		awk '$1 == "MemFree:" { n += $2 / 4 }
			$1 ~ /_pcp_pages$/ { n += $2 }
			END { print "free pages", n }' "$D/meminfo" "$D/stats"
		cat "$D/handles" "$D/slabinfo" "$D/vmallocinfo"
	else
		cat "$D/buddyinfo" "$D/meminfo" "$D/pagemap" "$D/handles" \
			"$D/slabinfo" "$D/vmallocinfo"
		grep -E '_pcp_pages |^misuse_' "$D/stats"
	fi
	grep -vE "^($HM_EVENTS) [0-9]+\$" "$D/pkmap"
	grep -E '^# (full|partial|empty) |^(full|partial|empty) ' "$D"/slabs/*
}

# validate_total: the inconsistencies validate finds (empty if unreadable).
validate_total() {
	awk '$1 == "total" { print $2 }' "$D/validate"
}

# fault_set ATTR KNOB VALUE: write a knob of fail/ATTR (ATTR failslab or
# fail_page_alloc; "." for fail/ itself, as in fault_set . fail_nth 3).
fault_set() {
	echo "$3" >"$D/fail/$1/$2"
}

fault_get() {
	cat "$D/fail/$1/$2"
}

# How far the guest's free memory may drift over a test: 2 MiB. MemFree
# plus the per-cpu pages moved by 1168 kB over 20 cycles that leaked
# nothing (2026-12-03: the per-cpu pages fell 2220 -> 732 kB); what the
# tests look for is far above it: one block of the region is 4 MiB, the
# page descriptors of a 64 MiB region 0.9 MiB per load.
SLACK_KB=2048
# What unload prints about anything still live (toy_main, toy_slab,
# toy_highmem).
LEAKS='unload|torn down|still allocated|live handles'

# toy_free: "normal N highmem M": each zone's free pages, those on the
# per-CPU lists included (meminfo leaves them out).
toy_free() {
	awk '
	FILENAME ~ /meminfo$/ && $1 == "LowFree:" { low += $2 / 4 }
	FILENAME ~ /meminfo$/ && $1 == "HighFree:" { high += $2 / 4 }
	FILENAME ~ /stats$/ && $1 == "normal_pcp_pages" { low += $2 }
	FILENAME ~ /stats$/ && $1 == "highmem_pcp_pages" { high += $2 }
	END { printf "normal %d highmem %d\n", low, high }' "$D/meminfo" "$D/stats"
}

# shrink_all: every cache gives back its arrays' objects and empty slabs.
shrink_all() {
	_names=$(awk 'NR > 2 { print $1 }' "$D/slabinfo")
	for _c in $_names; do
		ctl "cache_shrink $_c" || fail "cache_shrink $_c: $CTL_ERRNO"
	done
}

# shrink_kernel_slabs: the real kernel's SLUB caches give back their
# empty and per-CPU partial slabs, which the work in between grew (its
# ctl buffers, handles, dentries) and drop_caches leaves alone: about
# 0.7 MiB of Slab after a 10,000-line fuzz, none of it the toy's.
shrink_kernel_slabs() {
	for _f in /sys/kernel/slab/*/shrink; do
		[ -w "$_f" ] && echo 1 >"$_f"
	done
}

# meminfo_moved FILE: the /proc/meminfo lines that moved by 64 kB or
# more since FILE was taken, to tell a leak from the kernel's own caches.
meminfo_moved() {
	awk 'NR == FNR { was[$1] = $2; next }
	($1 in was) && ($2 - was[$1] >= 64 || was[$1] - $2 >= 64) {
		printf "#   %-16s %9d -> %9d kB\n", $1, was[$1], $2
	}' "$1" /proc/meminfo
}

# expect_none DESC TEXT: ok when TEXT is empty, else print it and fail.
expect_none() {
	if [ -z "$2" ]; then
		ok "$1"
	else
		fail "$1"
		printf '%s\n' "$2" | head -n 40
	fi
}

# unload_clean BEFORE_KB: rmmod toy_alloc, which reports nothing live and
# no splat; then the guest's free memory (MemFree + per-CPU pages, as
# 80-load-cycles.sh: MemFree alone swings by a MiB), with the kernel's own
# slabs shrunk, is within $SLACK_KB of BEFORE_KB. Prints the meminfo
# lines that moved since $TMP/meminfo.before.
unload_clean() {
	mark
	expect "rmmod toy_alloc" unload
	expect_none "rmmod reports nothing left live" "$(new_dmesg | grep -E "$LEAKS")"
	expect_none "no WARNING, BUG or Oops at rmmod" "$(new_splats)"
	shrink_kernel_slabs
	if free_near "$1" $SLACK_KB; then
		ok "guest free memory within $SLACK_KB kB of before insmod: $1 -> $FREE_NOW kB"
	else
		fail "guest free memory within $SLACK_KB kB of before insmod: $1 -> $FREE_NOW kB"
	fi
	echo "# /proc/meminfo lines that moved since before insmod:"
	meminfo_moved "$TMP/meminfo.before"
}

# timed WHAT CMD...: run CMD, then say how long it took as "# WHAT: N s".
timed() {
	_timed_what=$1
	_timed_t0=$(date +%s)
	shift
	"$@"
	echo "# $_timed_what: $(($(date +%s) - _timed_t0)) s"
}
