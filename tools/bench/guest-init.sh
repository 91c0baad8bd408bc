#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of the benchmark's QEMU guest (Debian's kernel, busybox initramfs
# packed by scripts/bench.sh). Loads toy_alloc and toy_bench with the
# settings in /bench/bench.conf, runs every row the module was built with,
# one write each, then prints the results and the memory figures on the
# console, each line prefixed with a tag the host looks for:
#
#   toy-bench: ...        progress, for the person waiting
#   @rows NAME            a row toy_bench was built with
#   @results LINE         toy_bench's results file (CSV)
#   @memory LINE          toy_bench's memory file (CSV)
#   @waste LINE           toy_bench's waste file (CSV), if built
#   @slabinfo LINE        toy_alloc's slabinfo with the waste population live
#   @toyfile NAME LINE    toy_alloc debugfs lines that mention metadata
#   @error TEXT           something went wrong; the host fails the run
#
# Then powers off, which ends QEMU.
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp

# TOY_PARAMS, BENCH_PARAMS
# shellcheck source=/dev/null
. /bench/bench.conf

B=/sys/kernel/debug/toy_bench
T=/sys/kernel/debug/toy_alloc

say() { echo "toy-bench: $*"; }
error() { echo "@error $*"; }

# tag TAG FILE: print FILE's lines with TAG in front.
tag() {
	sed "s/^/$1 /" "$2"
}

# Only emergencies on the console from here: the kernel's lines must not
# cut into ours. What it logs is read from dmesg at the end.
dmesg -n 1
echo "toy-bench-mark" >/dev/kmsg

run_rows() {
	while read -r row; do
		# A row of a group ran with the first row of that group.
		if awk -F, -v r="$row" '$1 == r { f = 1 } END { exit !f }' \
			"$B/results"; then
			continue
		fi
		row_t0=$(date +%s)
		if echo "$row" >"$B/run"; then
			say "$row: $(($(date +%s) - row_t0)) s"
		else
			error "row $row failed"
		fi
	done <"$B/rows"
}

memory_figures() {
	if ! echo memory >"$B/run"; then
		error "memory figures failed"
		return
	fi
	tag @memory "$B/memory"
	if [ -f "$B/waste" ]; then
		tag @waste "$B/waste"
		[ -f "$T/slabinfo" ] && tag @slabinfo "$T/slabinfo"
	fi
	echo release >"$B/run" || error "release failed"
	# Metadata figures, wherever toy_alloc shows some.
	grep -ri metadata "$T" 2>/dev/null | sed 's/^/@toyfile /'
}

main() {
	say "kernel $(uname -r), $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
	# shellcheck disable=SC2086 # the parameters are words
	if ! insmod /bench/toy_alloc.ko $TOY_PARAMS; then
		error "insmod toy_alloc failed"
		return
	fi
	# shellcheck disable=SC2086
	if ! insmod /bench/toy_bench.ko $BENCH_PARAMS; then
		error "insmod toy_bench failed"
		rmmod toy_alloc
		return
	fi
	tag @rows "$B/rows"
	say "rows: $(wc -l <"$B/rows"), $BENCH_PARAMS"
	t0=$(date +%s)
	run_rows
	say "all rows: $(($(date +%s) - t0)) s"
	# The toy must come out of the run consistent.
	if [ -f "$T/validate" ] && ! echo validate >"$T/ctl"; then
		error "toy_alloc validate found inconsistencies after the run"
	fi
	tag @results "$B/results"
	memory_figures
	rmmod toy_bench || error "rmmod toy_bench failed"
	rmmod toy_alloc || error "rmmod toy_alloc failed"
	dmesg | sed -n '/toy-bench-mark/,$p' |
		grep -E 'WARNING:|BUG:|Oops|Call Trace|Kernel panic|general protection|toy_bench: .*fail|soft lockup|rcu.*stall' |
		sed 's/^/@error kernel: /'
	say "done"
}

main
poweroff -f
