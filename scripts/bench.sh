#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the toy's allocators against the kernel's, in one boot of
# Debian's kernel under QEMU (TCG, 4 CPUs).
#
#   scripts/bench.sh [--smoke] [--ops N] [--reps N] [--warmup N]
#                    [--init-on-alloc]
#
# Builds toy_alloc.ko and tools/bench/toy_bench.ko in a scratch copy of
# the tree ($WORK_DIR/bench), packs a busybox initramfs, boots, prints
# the table and writes it as CSV to build/bench.csv (memory figures to
# build/bench-memory.csv and build/bench-waste.csv, the table in Markdown
# with the machine and date to build/bench.md, the vmalloc/kmalloc line
# to build/bench-vmalloc.txt).
#
# --smoke   a few thousand operations per row; checks only that every row
#           the module was built with produced sane numbers (make check).
#           Writes build/bench-smoke*.csv; timings are never asserted.
# --init-on-alloc  keep Debian's init_on_alloc=1, under which the real
#           allocators zero every object and page they hand out and the
#           toy does not; by default the guest boots with init_on_alloc=0
#           so that both sides do the same work.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

WORK=$WORK_DIR/bench
SMOKE=0
OPS=1000000
REPS=15
WARMUP=100000
TOY_PARAMS="mem_mb=64 highmem_mb=16"
QEMU_MEM=1024
QEMU_CPUS=4
APPEND="console=ttyS0 quiet panic=-1"
INIT_ON_ALLOC=0

usage() {
	sed -n '4,22s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--smoke) SMOKE=1 ;;
		--ops) OPS=${2:?}; shift ;;
		--reps) REPS=${2:?}; shift ;;
		--warmup) WARMUP=${2:?}; shift ;;
		--init-on-alloc) INIT_ON_ALLOC=1 ;;
		*) usage ;;
		esac
		shift
	done
	[ "$INIT_ON_ALLOC" = 1 ] || APPEND="$APPEND init_on_alloc=0"
	if [ "$SMOKE" = 1 ]; then
		OPS=2000
		REPS=3
		WARMUP=200
	fi
}

# --- build -----------------------------------------------------------------

# A copy of the tree's sources (tracked and new files, not build output),
# so that building here never touches the checkout.
copy_tree() {
	local f
	rm -rf "$WORK/src"
	mkdir -p "$WORK/src"
	if ! git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		cp -r "$TOP/." "$WORK/src"
		rm -rf "$WORK/src/.git" "$WORK/src/build"
		return
	fi
	git -C "$TOP" ls-files -co --exclude-standard -z |
		while IFS= read -r -d '' f; do
			[ -e "$TOP/$f" ] || continue
			mkdir -p "$WORK/src/$(dirname "$f")"
			cp -p "$TOP/$f" "$WORK/src/$f"
		done
}

build_modules() {
	local kdir=$1 src=$WORK/src
	log "building toy_alloc.ko and toy_bench.ko against $kdir"
	copy_tree
	make -s -C "$kdir" M="$src" -j"$JOBS" modules >"$WORK/build.log" 2>&1 ||
		{ tail -30 "$WORK/build.log" >&2; die "toy_alloc build failed"; }
	make -s -C "$kdir" M="$src/tools/bench" W=1 \
		KBUILD_EXTRA_SYMBOLS="$src/Module.symvers" modules \
		>>"$WORK/build.log" 2>&1 ||
		{ tail -30 "$WORK/build.log" >&2; die "toy_bench build failed"; }
	if grep -q 'warning:' "$WORK/build.log"; then
		grep 'warning:' "$WORK/build.log" >&2
		log "the build above has warnings"
	fi
}

# Which rows toy_bench leaves out, because toy_alloc does not export their
# API yet (the same test as tools/bench/Kbuild).
missing_layers() {
	local symvers=$WORK/src/Module.symvers group syms s
	for group in "kmalloc rows:toy_kmalloc toy_kfree" \
		"waste figures:toy_ksize" \
		"kmem_cache rows:toy_kmem_cache_create toy_kmem_cache_alloc toy_kmem_cache_free toy_kmem_cache_destroy" \
		"krealloc row:toy_krealloc toy_kfree" \
		"vmalloc rows:toy_vmalloc toy_vfree" \
		"kmap row:toy_kmap toy_kunmap" \
		"kmap_local row:toy_kmap_local_page toy_kunmap_local"; do
		syms=${group#*:}
		for s in $syms; do
			if ! awk -v s="$s" '$2 == s { f = 1 } END { exit !f }' "$symvers"; then
				printf '%s (toy_alloc.ko exports no %s)\n' "${group%%:*}" "$s"
				break
			fi
		done
	done
}

# --- the guest -------------------------------------------------------------

make_initrd() {
	local stage=$WORK/stage
	rm -rf "$stage"
	stage_busybox "$stage"
	mkdir -p "$stage/bench"
	add_console "$stage"
	install -m 755 "$TOP/scripts/guest/bench" "$stage/init"
	cp "$WORK/src/toy_alloc.ko" "$WORK/src/tools/bench/toy_bench.ko" \
		"$stage/bench/"
	cat >"$stage/bench/bench.conf" <<-EOF
		TOY_PARAMS="$TOY_PARAMS"
		BENCH_PARAMS="ops=$OPS reps=$REPS warmup=$WARMUP"
	EOF
	pack_initramfs "$stage" >"$WORK/initrd.img"
}

# boot KVER LOG TIMEOUT: run the guest; its console goes to LOG, its
# progress lines to stderr.
boot() {
	local kver=$1 console=$2 tmo=$3 qpid st=0
	: >"$console"
	qemu_cmd x86_64 "$QEMU_MEM" "$QEMU_CPUS" "/boot/vmlinuz-$kver" \
		"$WORK/initrd.img" "$APPEND"
	qemu_boot "$tmo" >"$console" &
	qpid=$!
	tail -n +1 -f --pid="$qpid" "$console" 2>/dev/null |
		sed -u -n 's/\r$//; s/^.*\(toy-bench: \)/\1/p' >&2 &
	wait "$qpid" || st=$?
	wait
	[ "$st" != 124 ] ||
		run_failed "QEMU still running after $tmo: killed (log: $console)"
	[ "$st" = 0 ] || run_failed "QEMU exited with status $st (log: $console)"
}

# tagged TAG: the guest's lines with TAG, without it.
tagged() {
	tr -d '\r' <"$CONSOLE" | sed -n "s/^$1 //p"
}

# --- report ----------------------------------------------------------------

# print_table CSV text|md: the table, in text or in Markdown, in three
# sections by the kind column: one-thread rows, smp rows, calibration.
# toy/real is the median of the per-repetition ratios (ratio_median),
# min..max their extremes. A row of one side shows why the other is
# missing. The columns are found by their names in the header.
print_table() {
	awk -F, -v md="$([ "$2" = md ] && echo 1)" '
	function f(name) { return $c[name] }
	function na(x) { return x == "n/a" ? "-" : x }
	function range(lo, hi) { return lo == "n/a" ? "-" : lo ".." hi }
	function note() {
		if (f("real_ns") == "n/a" && $1 ~ /highmem/)
			return "real: n/a (x86_64 has no highmem; see i386)"
		if (f("real_ns") == "n/a")
			return "real: n/a"
		if (f("toy_ns") == "n/a")
			return "toy: n/a (the kernel'"'"'s own, for reference)"
		return ""
	}
	function head(title) {
		print ""
		if (md) {
			print "**" title "**"
			print ""
			print "| operation | toy ns/op | real ns/op | toy/real | min..max | toy min..max | real min..max | |"
			print "|---|--:|--:|--:|--:|--:|--:|---|"
		} else {
			print title
			printf fmt "\n", "operation", "toy ns/op", \
				"real ns/op", "toy/real", "min..max", \
				"toy min..max", "real min..max", ""
		}
	}
	function row(   s) {
		s = sprintf(md ? mdfmt : fmt, $1, na(f("toy_ns")), \
			na(f("real_ns")), na(f("ratio_median")), \
			range(f("ratio_min"), f("ratio_max")), \
			range(f("toy_min"), f("toy_max")), \
			range(f("real_min"), f("real_max")), note())
		sub(/ +$/, "", s)
		print s
	}
	function cal_head(title) {
		print ""
		if (md) {
			print "**" title "**"
			print ""
			print "| primitive | ns/op | min..max |"
			print "|---|--:|--:|"
		} else {
			print title
			printf cfmt, "primitive", "ns/op", "min..max"
		}
	}
	function cal_row() {
		printf (md ? cmdfmt : cfmt), $1, f("real_ns"), \
			range(f("real_min"), f("real_max"))
	}
	BEGIN {
		fmt = "%-34s %10s %10s %8s %-12s %-19s %-19s %s"
		mdfmt = "| %s | %s | %s | %s | %s | %s | %s | %s |"
		cfmt = "%-42s %10s  %s\n"
		cmdfmt = "| %s | %s | %s |\n"
	}
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{ line[f("kind"), ++n[f("kind")]] = $0 }
	END {
		if (n["single"])
			head("one thread")
		for (i = 1; i <= n["single"]; i++) {
			$0 = line["single", i]
			row()
		}
		if (n["smp"])
			head("smp rows: threads on CPUs 0..N-1 at once; ns/op is the wall time over all their operations")
		for (i = 1; i <= n["smp"]; i++) {
			$0 = line["smp", i]
			row()
		}
		if (n["calibration"])
			cal_head("calibration: kernel primitives, one thread; the empty loop is the loop of every row, its cost in theirs too")
		for (i = 1; i <= n["calibration"]; i++) {
			$0 = line["calibration", i]
			cal_row()
		}
	}' "$1"
}

# vmalloc_summary CSV: the seed's "to save the overhead of vmalloc(),
# kmalloc() is preferred", measured: for 4 KiB and 64 KiB, the median
# ns/op of vmalloc+vfree over that of kmalloc+kfree of the same size, on
# each side, in one line. Fails when a row of the four is missing.
vmalloc_summary() {
	awk -F, '
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{ toy[$1] = $c["toy_ns"]; real[$1] = $c["real_ns"] }
	function r(a, b) {
		if (a + 0 <= 0 || b + 0 <= 0)
			bad = 1
		return bad ? "?" : sprintf("%.1f", a / b)
	}
	END {
		v4 = "vmalloc+vfree/4096"; k4 = "kmalloc+kfree/4096"
		v64 = "vmalloc+vfree/65536"; k64 = "kmalloc+kfree/65536"
		s = sprintf("vmalloc/kmalloc: 4 KiB toy x%s real x%s; 64 KiB toy x%s real x%s", \
			r(toy[v4], toy[k4]), r(real[v4], real[k4]), \
			r(toy[v64], toy[k64]), r(real[v64], real[k64]))
		if (bad)
			exit 1
		print s
	}' "$1"
}

# Throughput of the smp rows against their 1-CPU row.
print_scaling() {
	echo "Scaling: throughput of N CPUs at once over 1 CPU (smp rows)"
	if [ "$(nproc)" -lt "$QEMU_CPUS" ]; then
		echo "  (the host has $(nproc) CPUs for $QEMU_CPUS guest CPUs: beyond $(nproc), QEMU time-shares them and these rows measure that, not the allocators)"
	fi
	awk -F, '
	$1 ~ /^smp-/ {
		base = $1
		sub(/\/[0-9]+cpu$/, "", base)
		if ($2 == 1) { t1[base] = $3; r1[base] = $4 }
		else if (base in t1 && $3 > 0 && $4 > 0)
			printf "  %-28s %d CPUs: toy x%.2f, real x%.2f\n", \
				base, $2, t1[base] / $3, r1[base] / $4
	}' "$1"
}

print_memory() {
	local mem=$1 waste=$2 slab=$3
	echo
	echo "Memory (toy_bench memory file; the last column says what each figure is):"
	awk -F, 'NR > 1 { printf "  %-18s %10s  %s\n", $1, $2, $3 }' "$mem"
	[ -s "$waste" ] || return 0
	echo
	echo "kmalloc internal waste, per size class: 32 request sizes spread over"
	echo "(previous class, class], one object each, all live at once;"
	echo "waste = sum of ksize() - bytes requested, and its share of sum of ksize()"
	awk -F, 'NR == 1 { next }
	{
		printf "  %-12s %3d objs %7d B asked  toy waste %6d B (%4.1f%%)  real waste %6d B (%4.1f%%)\n", \
			$1, $2, $3, $4 - $3, 100 * ($4 - $3) / $4, \
			$5 - $3, 100 * ($5 - $3) / $5
	}' "$waste"
	[ -s "$slab" ] || return 0
	echo
	echo "Per toy kmalloc cache, that population live (toy_alloc slabinfo): waste ="
	echo "objsize*num_objs - requested (object rounding plus every free slot of"
	echo "the cache's slabs); slab bytes = num_slabs*pagesperslab*4096"
	awk 'FNR == NR { if (FNR > 1) req[$1] = $3; next }
	$1 in req {
		printf "  %-12s objsize %5d num_objs %5d  waste %7d B  slab bytes %7d\n", \
			$1, $4, $3, $4 * $3 - req[$1], $(NF - 1) * $6 * 4096
	}' FS=, "$waste" FS=' ' "$slab"
}

# header KVER: what the figures were taken on, and how.
header() {
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), Debian $1 under $(qemu-system-x86_64 --version | head -n 1) (TCG, -smp $QEMU_CPUS, -m $QEMU_MEM)"
	echo "host: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo "guest command line: $APPEND; toy_alloc $TOY_PARAMS"
	echo "ns/op: median of $REPS repetitions of $OPS operations per thread, after $WARMUP untimed; smp rows: wall time over all threads' operations"
	echo "toy/real: median of the $REPS per-repetition ratios (a repetition times both sides back to back, toy first in even ones, real first in odd ones), min..max their extremes"
}

# kmap+kunmap against the kernel's own: only an i386 HIGHMEM kernel has
# one, so scripts/i386-test.sh times both sides in its boot (its
# toy_i386_diff module, after the differential run). Prints the row.
i386_kmap_row() {
	local line
	log "kmap against real HIGHMEM: scripts/i386-test.sh (qemu-system-i386)"
	TOY_RESULTS='' "$TOP/scripts/i386-test.sh" >"$WORK/i386.log" 2>&1 ||
		log "i386-test.sh failed (log: $WORK/i386.log)"
	line=$(sed -n 's/^toy-i386: bench: //p' \
		"$WORK_DIR/i386/out/console.log" 2>/dev/null | tr -d '\r')
	if [ -n "$line" ]; then
		echo "i386 HIGHMEM kernel, one boot: $line"
	else
		echo "i386 HIGHMEM kernel: no kmap timing (log: $WORK/i386.log)"
	fi
}

# --- smoke checks ----------------------------------------------------------

# run_failed WHY: the run is no good; under --smoke that is a failed check.
run_failed() {
	[ "$SMOKE" = 0 ] || record fail "bench smoke: $1"
	die "$1"
}

# bad_rows CSV: for each line of toy_bench's results that is not sane, its
# name and what is wrong. Sane: each side a number above zero with
# min <= median <= max, or n/a with its extremes (not both sides n/a);
# with both sides, ratio and the per-repetition ratios numbers above
# zero with ratio_min <= ratio_median <= ratio_max; reps and ops above
# zero. The columns are found by their names in the header.
bad_rows() {
	awk -F, '
	function pos(x) { return x ~ /^[0-9]+(\.[0-9]+)?$/ && x + 0 > 0 }
	# three figures: "" if sane, else what is wrong
	function trio(what, med, lo, hi) {
		if (med == "n/a")
			return lo == "n/a" && hi == "n/a" ? "" : what " n/a but not its extremes"
		if (!pos(med) || !pos(lo) || !pos(hi))
			return what " not numbers above 0"
		if (lo + 0 > med + 0 || med + 0 > hi + 0)
			return what " not min <= median <= max"
		return ""
	}
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{
		why = trio("toy", $c["toy_ns"], $c["toy_min"], $c["toy_max"])
		if (why == "")
			why = trio("real", $c["real_ns"], $c["real_min"], $c["real_max"])
		both = $c["toy_ns"] != "n/a" && $c["real_ns"] != "n/a"
		if (why == "" && $c["toy_ns"] == "n/a" && $c["real_ns"] == "n/a")
			why = "no side measured"
		if (why == "" && both && !pos($c["ratio"]))
			why = "ratio not a number above 0"
		if (why == "" && both)
			why = trio("ratio", $c["ratio_median"], $c["ratio_min"], $c["ratio_max"])
		if (why == "" && !both && $c["ratio_median"] != "n/a")
			why = "a ratio with one side"
		if (why == "" && (!pos($c["reps"]) || !pos($c["ops"])))
			why = "reps or ops not above 0"
		if (why != "")
			print $1 ": " why ": " $0
	}' "$1"
}

# smoke_check CSV ROWS: every row toy_bench listed (ROWS, one a line) has
# a line in CSV, and every line is sane.
smoke_check() {
	local csv=$1 rows=$2 row bad=0 line
	while read -r row; do
		if ! awk -F, -v r="$row" '$1 == r { f = 1 } END { exit !f }' "$csv"; then
			result fail "bench smoke: $row produced no result"
			bad=1
		fi
	done <"$rows"
	while IFS= read -r line; do
		result fail "bench smoke: not a sane figure: $line"
		bad=1
	done < <(bad_rows "$csv")
	[ "$bad" = 0 ] && result ok "bench smoke: $(wc -l <"$rows") rows, all with figures"
	return "$bad"
}

main() {
	local kver kdir prefix out t0 errs vm
	parse_args "$@"
	lock_work bench
	deps
	kver=$(debian_kver)
	kdir=$(debian_kdir)
	mkdir -p "$WORK" "$TOP/build"
	t0=$(now)
	build_modules "$kdir"
	make_initrd
	CONSOLE=$WORK/console.log
	log "booting $kver under QEMU (TCG, $QEMU_CPUS CPUs): ops=$OPS reps=$REPS warmup=$WARMUP"
	if [ "$SMOKE" = 1 ]; then
		boot "$kver" "$CONSOLE" 5m
	else
		boot "$kver" "$CONSOLE" 40m
	fi
	errs=$(tagged @error)
	if [ -n "$errs" ]; then
		printf '%s\n' "$errs" >&2
		run_failed "the guest reported errors (log: $CONSOLE)"
	fi
	grep -aq '^toy-bench: done' "$CONSOLE" ||
		run_failed "the guest did not finish (log: $CONSOLE)"

	if [ "$SMOKE" = 1 ]; then
		prefix=$TOP/build/bench-smoke
	else
		prefix=$TOP/build/bench
	fi
	out=$prefix.csv
	tagged @results >"$out"
	tagged @memory >"$prefix-memory.csv"
	tagged @waste >"$prefix-waste.csv"
	tagged @slabinfo >"$WORK/slabinfo"
	header "$kver" | sed 's/^/# /'
	print_table "$out" text
	vm=$(vmalloc_summary "$out") || vm=
	[ -z "$vm" ] || printf '\n%s\n' "$vm"
	{
		header "$kver" | sed 's/$/  /'
		print_table "$out" md
		[ -z "$vm" ] || printf '\n%s\n' "$vm"
	} >"$prefix.md"
	if [ -n "$vm" ]; then
		{
			echo "$vm"
			echo "(make bench, $(date -u '+%Y-%m-%d %H:%M UTC'): median ns/op of vmalloc+vfree over kmalloc+kfree of the same size, toy and real in one boot of Debian $kver under QEMU TCG)"
		} >"$prefix-vmalloc.txt"
	else
		rm -f "$prefix-vmalloc.txt"
		log "no vmalloc/kmalloc summary: a vmalloc or kmalloc row is missing"
	fi
	echo
	print_scaling "$out"
	print_memory "$prefix-memory.csv" "$prefix-waste.csv" "$WORK/slabinfo"
	tagged @toyfile | sed 's/^/  toy_alloc: /'
	if [ "$SMOKE" = 0 ]; then
		echo
		i386_kmap_row | tee -a "$prefix.md"
	fi
	missing_layers | sed 's/^/not built: /'
	log "CSV: $out; whole run $(($(now) - t0)) s"
	if [ "$SMOKE" = 1 ]; then
		tagged @rows >"$WORK/rows"
		smoke_check "$out" "$WORK/rows"
	fi
}

main "$@"
