#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the toy's allocators against the kernel's, toy and real in
# the same boot of Debian's kernel under QEMU (TCG).
#
#   scripts/bench.sh [--smoke] [--ops N] [--reps N] [--warmup N]
#                    [--icount-ops N] [--no-icount] [--init-on-alloc]
#
# Builds toy_alloc.ko and tools/bench/toy_bench.ko in a scratch copy of
# the tree ($WORK_DIR/bench), then boots three times, one busybox
# initramfs each ($WORK_DIR/bench/<boot>/, console.log there):
#
#   single  the one-thread and calibration rows, on fewer guest CPUs than
#           the host has (min(nproc - 1, 1), at least 1: -smp 1), so that
#           QEMU's other threads and the host's load do not take the
#           CPU the guest runs on
#   smp     the scaling rows, on as many guest CPUs as the host has (at
#           most 4, the module's widest row): rows wider than the guest are
#           not run and show as "not measured here"
#   icount  the one-thread rows again, -smp 1 -icount shift=0,sleep=off:
#           the guest's clock counts instructions (1 ns each), so its
#           ratios do not move with the host's load; a tenth of the
#           operations (--icount-ops: TCG with icount is slower) and 5
#           repetitions, as the counts barely vary
#
# It prints the table (single and smp rows with the icount ratio beside
# the timed one, calibration rows in their own section, the 4-CPU rows
# the host cannot run, the vmalloc/kmalloc line, the scaling, the memory
# figures) and writes it as CSV to build/bench.csv (memory figures to
# build/bench-memory.csv and build/bench-waste.csv, the table in Markdown
# with the machine and date to build/bench.md, the vmalloc/kmalloc line
# to build/bench-vmalloc.txt). A full run also times kmap on the i386
# HIGHMEM kernel (scripts/i386-test.sh).
#
# build/bench.csv has one line per row measured, columns op, threads,
# toy_ns, real_ns, ratio (of the medians), toy_min, toy_max, real_min,
# real_max, reps, ops (per repetition and thread: kmalloc rows get --ops,
# others by their cost), ratio_median, ratio_min, ratio_max (of the
# per-repetition ratios: the table's toy/real), icount_ratio,
# icount_ratio_min, icount_ratio_max, icount_toy_ns, icount_real_ns,
# icount_ops (the same figures of the icount boot), kind (single, smp,
# calibration), guest_cpus; n/a where a row has no such figure.
#
# --smoke   a few thousand operations per row, a few hundred under icount;
#           checks only that every row each boot listed produced sane
#           numbers (make check). Writes build/bench-smoke*; timings are
#           never asserted.
# --no-icount  skip the icount boot (its columns are n/a).
# --init-on-alloc  keep Debian's init_on_alloc=1, under which the real
#           allocators zero every object and page they hand out and the
#           toy does not; by default the guest boots with init_on_alloc=0
#           so that both sides do the same work.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

WORK=$WORK_DIR/bench
SMOKE=0
OPS=200000
REPS=15
WARMUP=20000
ICOUNT=1
ICOUNT_OPS=
ICOUNT_REPS=5
TOY_PARAMS="mem_mb=64 highmem_mb=16"
QEMU_MEM=1024
APPEND="console=ttyS0 quiet panic=-1"
INIT_ON_ALLOC=0
HOST_CPUS=$(nproc)
# The widest smp row of toy_bench (BENCH_MAX_THREADS) and the CPU counts
# of its smp rows.
MAX_SMP=4
SMP_ROWS="1 2 4"

usage() {
	sed -n '4,/^set -e/{/^set -e/d; s/^# \{0,1\}//p}' "$0" >&2
	exit 2
}

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--smoke) SMOKE=1 ;;
		--ops) OPS=${2:?}; shift ;;
		--reps) REPS=${2:?}; shift ;;
		--warmup) WARMUP=${2:?}; shift ;;
		--icount-ops) ICOUNT_OPS=${2:?}; shift ;;
		--no-icount) ICOUNT=0 ;;
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
		ICOUNT_OPS=${ICOUNT_OPS:-500}
		ICOUNT_REPS=3
	fi
	ICOUNT_OPS=${ICOUNT_OPS:-$((OPS / 10 > 0 ? OPS / 10 : 1))}
	ICOUNT_WARMUP=$((WARMUP / 10))
	# One thread: min(nproc - 1, 1) guest CPUs, at least 1, which is 1
	# whatever the host; fewer than the host's unless it has only one.
	SINGLE_CPUS=1
	# Scaling: up to the host's CPUs, and no wider than the widest row.
	SMP_CPUS=$((HOST_CPUS < MAX_SMP ? HOST_CPUS : MAX_SMP))
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
	for group in "kmalloc rows:__toy_kmalloc toy_kfree" \
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

# --- the guests ------------------------------------------------------------

# make_initrd DIR PARAMS: DIR/initrd.img, the benchmark's guest with
# toy_bench loaded with PARAMS.
make_initrd() {
	local dir=$1 params=$2 stage=$1/stage
	rm -rf "$stage"
	stage_busybox "$stage"
	mkdir -p "$stage/bench"
	add_console "$stage"
	install -m 755 "$TOP/scripts/guest/bench" "$stage/init"
	cp "$WORK/src/toy_alloc.ko" "$WORK/src/tools/bench/toy_bench.ko" \
		"$stage/bench/"
	cat >"$stage/bench/bench.conf" <<-EOF2
		TOY_PARAMS="$TOY_PARAMS"
		BENCH_PARAMS="$params"
	EOF2
	pack_initramfs "$stage" >"$dir/initrd.img"
	rm -rf "$stage"
}

# boot DIR CPUS TIMEOUT [QEMU ARG...]: run the guest of DIR/initrd.img;
# its console goes to DIR/console.log, its progress lines to stderr.
boot() {
	local dir=$1 cpus=$2 tmo=$3 console=$1/console.log qpid st=0
	shift 3
	: >"$console"
	qemu_cmd x86_64 "$QEMU_MEM" "$cpus" "/boot/vmlinuz-$KVER" \
		"$dir/initrd.img" "$APPEND"
	QEMU+=("$@")
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

# tagged DIR TAG: the lines of DIR's guest with TAG, without it.
tagged() {
	tr -d '\r' <"$1/console.log" | sed -n "s/^$2 //p"
}

# guest NAME CPUS TIMEOUT PARAMS [QEMU ARG...]: one boot, in
# $WORK/NAME: its rows (rows), its results (results.csv), its memory
# figures (memory.csv, waste.csv, slabinfo, toyfile). The guest's errors,
# or a guest that did not finish, fail the run.
guest() {
	local name=$1 cpus=$2 tmo=$3 params=$4 dir=$WORK/$1 errs t
	shift 4
	rm -rf "$dir"
	mkdir -p "$dir"
	make_initrd "$dir" "$params"
	log "boot $name: -smp $cpus${*:+ $*}, $params"
	t=$(now)
	boot "$dir" "$cpus" "$tmo" "$@"
	errs=$(tagged "$dir" @error)
	if [ -n "$errs" ]; then
		printf '%s\n' "$errs" >&2
		run_failed "the $name guest reported errors (log: $dir/console.log)"
	fi
	grep -aq '^toy-bench: done' "$dir/console.log" ||
		run_failed "the $name guest did not finish (log: $dir/console.log)"
	tagged "$dir" @rows >"$dir/rows"
	tagged "$dir" @results >"$dir/results.csv"
	tagged "$dir" @memory >"$dir/memory.csv"
	tagged "$dir" @waste >"$dir/waste.csv"
	tagged "$dir" @slabinfo >"$dir/slabinfo"
	tagged "$dir" @toyfile >"$dir/toyfile"
	BOOT_TIMES+=("$name $(($(now) - t)) s")
}

# merge_results: the run's CSV, on stdout: the single and smp boots'
# results, each line with the icount boot's figures of its row (n/a
# where it has none) and the guest's CPUs.
merge_results() {
	local ic=$WORK/icount/results.csv
	[ -f "$ic" ] || ic=/dev/null
	awk -F, -v OFS=, '
	BEGIN {
		nb = split("op,threads,toy_ns,real_ns,ratio,toy_min,toy_max," \
			"real_min,real_max,reps,ops,ratio_median,ratio_min," \
			"ratio_max", base, ",")
		print "op,threads,toy_ns,real_ns,ratio,toy_min,toy_max," \
			"real_min,real_max,reps,ops,ratio_median,ratio_min," \
			"ratio_max,icount_ratio,icount_ratio_min," \
			"icount_ratio_max,icount_toy_ns,icount_real_ns," \
			"icount_ops,kind,guest_cpus"
	}
	FNR == 1 { split("", c); for (i = 1; i <= NF; i++) c[$i] = i; next }
	icount {
		ic[$1] = $c["ratio_median"] "," $c["ratio_min"] "," \
			$c["ratio_max"] "," $c["toy_ns"] "," $c["real_ns"] "," \
			$c["ops"]
		next
	}
	{
		s = ""
		for (i = 1; i <= nb; i++)
			s = s $c[base[i]] ","
		print s ($1 in ic ? ic[$1] : "n/a,n/a,n/a,n/a,n/a,n/a"), \
			$c["kind"], cpus
	}' icount=1 "$ic" icount=0 cpus="$SINGLE_CPUS" \
		"$WORK/single/results.csv" cpus="$SMP_CPUS" \
		"$WORK/smp/results.csv"
}

# --- report ----------------------------------------------------------------

# print_table CSV text|md: the table, in text or in Markdown, in three
# sections by the kind column: one-thread rows, smp rows (then the ones
# wider than this host can run), calibration. toy/real is the median of
# the per-repetition ratios (ratio_median), min..max their extremes,
# icount the median ratio of the icount boot. A row of one side shows why
# the other is missing. The columns are found by their names in the
# header.
print_table() {
	awk -F, -v md="$([ "$2" = md ] && echo 1)" -v smp_cpus="$SMP_CPUS" \
		-v host_cpus="$HOST_CPUS" -v smp_rows="$SMP_ROWS" '
	function f(name) { return $c[name] }
	function na(x) { return x == "n/a" || x == "" ? "-" : x }
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
	function out(s) {
		sub(/ +$/, "", s)
		print s
	}
	function head(title) {
		print ""
		if (md) {
			print "**" title "**"
			print ""
			print "| operation | toy ns/op | real ns/op | toy/real | min..max | icount toy/real | toy min..max | real min..max | |"
			print "|---|--:|--:|--:|--:|--:|--:|--:|---|"
		} else {
			print title
			out(sprintf(fmt, "operation", "toy ns/op", "real ns/op", \
				"toy/real", "min..max", "icount ratio", \
				"toy min..max", "real min..max", ""))
		}
	}
	function row() {
		out(sprintf(md ? mdfmt : fmt, $1, na(f("toy_ns")), \
			na(f("real_ns")), na(f("ratio_median")), \
			range(f("ratio_min"), f("ratio_max")), \
			na(f("icount_ratio")), \
			range(f("toy_min"), f("toy_max")), \
			range(f("real_min"), f("real_max")), note()))
	}
	function base_of(name) {
		sub(/\/[0-9]+cpu$/, "", name)
		return name
	}
	# The smp rows of group BASE that are wider than this host can run.
	function unmeasured(base,   k, m, cpus, what) {
		m = split(smp_rows, cpus, " ")
		what = "not measured here (host has " host_cpus " CPUs)"
		for (k = 1; k <= m; k++) {
			if (cpus[k] + 0 <= smp_cpus + 0)
				continue
			if (md)
				printf "| %s/%scpu | %s | | | | | | | |\n", base, cpus[k], what
			else
				printf "%-34s %s\n", base "/" cpus[k] "cpu", what
		}
	}
	function cal_head(title) {
		print ""
		if (md) {
			print "**" title "**"
			print ""
			print "| primitive | ns/op | min..max | icount ns/op |"
			print "|---|--:|--:|--:|"
		} else {
			print title
			printf cfmt, "primitive", "ns/op", "min..max", "icount ns/op"
		}
	}
	function cal_row() {
		printf (md ? cmdfmt : cfmt), $1, f("real_ns"), \
			range(f("real_min"), f("real_max")), na(f("icount_real_ns"))
	}
	BEGIN {
		fmt = "%-34s %10s %10s %8s %-12s %12s  %-19s %-19s %s"
		mdfmt = "| %s | %s | %s | %s | %s | %s | %s | %s | %s |"
		cfmt = "%-42s %10s  %-14s %12s\n"
		cmdfmt = "| %s | %s | %s | %s |\n"
	}
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	{ line[f("kind"), ++n[f("kind")]] = $0 }
	END {
		if (n["single"])
			head("one thread (-smp " cpus_of("single") ")")
		for (i = 1; i <= n["single"]; i++) {
			$0 = line["single", i]
			row()
		}
		if (n["smp"])
			head("smp rows (-smp " cpus_of("smp") "): threads on CPUs 0..N-1 at once; ns/op is the wall time over all their operations")
		for (i = 1; i <= n["smp"]; i++) {
			$0 = line["smp", i]
			row()
			b = base_of($1)
			split(line["smp", i + 1], next_row, ",")
			if (i == n["smp"] || base_of(next_row[1]) != b)
				unmeasured(b)
		}
		if (n["calibration"])
			cal_head("calibration (-smp " cpus_of("calibration") "): kernel primitives, one thread; the empty loop is the loop of every row, its cost in theirs too")
		for (i = 1; i <= n["calibration"]; i++) {
			$0 = line["calibration", i]
			cal_row()
		}
	}
	function cpus_of(kind,   save, v) {
		save = $0
		$0 = line[kind, 1]
		v = f("guest_cpus")
		$0 = save
		return v
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
	echo "Scaling: throughput of N CPUs at once over 1 CPU (smp rows, -smp $SMP_CPUS)"
	awk -F, '
	NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	$c["kind"] == "smp" {
		base = $1
		sub(/\/[0-9]+cpu$/, "", base)
		t = $c["toy_ns"]; r = $c["real_ns"]
		if ($c["threads"] == 1) { t1[base] = t; r1[base] = r }
		else if (base in t1 && t + 0 > 0 && r + 0 > 0)
			printf "  %-28s %d CPUs: toy x%.2f, real x%.2f\n", \
				base, $c["threads"], t1[base] / t, r1[base] / r
	}' "$1"
	if [ "$SMP_CPUS" -lt "$MAX_SMP" ]; then
		echo "  (wider rows not measured: the host has $HOST_CPUS CPUs, and more guest CPUs than that would measure QEMU time-sharing them, not the allocators)"
	fi
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

# header: what the figures were taken on, and how.
header() {
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), Debian $KVER under $(qemu-system-x86_64 --version | head -n 1) (TCG, -m $QEMU_MEM)"
	echo "host: $HOST_CPUS CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo "guest command line: $APPEND; toy_alloc $TOY_PARAMS"
	echo "boots: one-thread and calibration rows -smp $SINGLE_CPUS$([ "$SINGLE_CPUS" -lt "$HOST_CPUS" ] || echo " (not fewer than the host's $HOST_CPUS CPUs)"); smp rows -smp $SMP_CPUS (the host's CPUs, at most $MAX_SMP)$([ "$ICOUNT" = 0 ] || echo "; icount -smp 1 -icount shift=0,sleep=off")"
	echo "ns/op: median of $REPS repetitions of $OPS operations per thread for a kmalloc row (others by their cost: the ops column of the CSV), after $WARMUP untimed; smp rows: wall time over all threads' operations"
	echo "toy/real: median of the $REPS per-repetition ratios (a repetition times both sides back to back, toy first in even ones, real first in odd ones), min..max their extremes"
	if [ "$ICOUNT" = 1 ]; then
		echo "icount ratio: median toy/real of the one-thread rows in a boot whose clock counts instructions (1 ns each), so that it does not move with the host's load; $ICOUNT_OPS operations per kmalloc row and $ICOUNT_REPS repetitions, fewer than timed: TCG with icount runs slower, and the counts barely vary (icount_ratio_min..max in the CSV)"
	else
		echo "icount: not run (--no-icount)"
	fi
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
# with both sides, ratio and the per-repetition ratios numbers (0.00 is
# a ratio under 0.005) with ratio_min <= ratio_median <= ratio_max; reps
# and ops above zero. The columns are found by their names in the header.
bad_rows() {
	awk -F, '
	function num(x) { return x ~ /^[0-9]+(\.[0-9]+)?$/ }
	function pos(x) { return num(x) && x + 0 > 0 }
	# three figures: "" if sane, else what is wrong; ratios may be 0.00
	function trio(what, med, lo, hi) {
		if (med == "n/a")
			return lo == "n/a" && hi == "n/a" ? "" : what " n/a but not its extremes"
		if (what == "ratio" && (!num(med) || !num(lo) || !num(hi)))
			return what " not numbers"
		if (what != "ratio" && (!pos(med) || !pos(lo) || !pos(hi)))
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
		if (why == "" && both && !num($c["ratio"]))
			why = "ratio not a number"
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

# smoke_boot NAME: every row the NAME boot listed has a line in its
# results, and every line is sane; one check.
smoke_boot() {
	local name=$1 dir=$WORK/$1 row bad=0 line
	if [ ! -s "$dir/rows" ]; then
		result fail "bench smoke: the $name boot listed no row"
		return 1
	fi
	while read -r row; do
		if ! awk -F, -v r="$row" '$1 == r { f = 1 } END { exit !f }' \
			"$dir/results.csv"; then
			echo "$row: no result"
			bad=1
		fi
	done <"$dir/rows"
	while IFS= read -r line; do
		echo "$line"
		bad=1
	done < <(bad_rows "$dir/results.csv")
	if [ "$bad" = 0 ]; then
		result ok "bench smoke: $name boot: $(wc -l <"$dir/rows") rows, all with sane figures"
	else
		result fail "bench smoke: $name boot: rows without sane figures (above)"
	fi
	return "$bad"
}

# smoke_merged CSV: the run's CSV has every row of the single and smp
# boots, an icount ratio for every two-sided one-thread row (when icount
# ran), and the vmalloc/kmalloc line where the vmalloc rows were built.
smoke_merged() {
	local csv=$1 want got missing bad=0
	want=$(cat "$WORK/single/rows" "$WORK/smp/rows" | wc -l)
	got=$(($(wc -l <"$csv") - 1))
	if [ "$want" != "$got" ]; then
		echo "$csv: $got rows for the $want the boots listed"
		bad=1
	fi
	if [ "$ICOUNT" = 1 ]; then
		missing=$(awk -F, '
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["kind"] == "single" && $c["toy_ns"] != "n/a" &&
		    $c["real_ns"] != "n/a" &&
		    !($c["icount_ratio"] ~ /^[0-9]+(\.[0-9]+)?$/ &&
		      $c["icount_ratio"] + 0 > 0) { print $1 }' "$csv")
		if [ -n "$missing" ]; then
			echo "no icount ratio for: $(tr '\n' ' ' <<<"$missing")"
			bad=1
		fi
	fi
	if grep -qx 'vmalloc+vfree/4096' "$WORK/single/rows" &&
		! vmalloc_summary "$csv" >/dev/null; then
		echo "no vmalloc/kmalloc line"
		bad=1
	fi
	if [ "$bad" = 0 ]; then
		result ok "bench smoke: $got rows in $csv, icount ratios and the vmalloc/kmalloc line"
	else
		result fail "bench smoke: $csv incomplete (above)"
	fi
	return "$bad"
}

# --- main ------------------------------------------------------------------

main() {
	local kdir prefix out t0 vm bad=0 icount_tmo=30m tmo=40m
	parse_args "$@"
	lock_work bench
	deps
	KVER=$(debian_kver)
	kdir=$(debian_kdir)
	mkdir -p "$WORK" "$TOP/build"
	t0=$(now)
	BOOT_TIMES=()
	build_modules "$kdir"
	BOOT_TIMES+=("build $(($(now) - t0)) s")
	if [ "$SMOKE" = 1 ]; then
		tmo=3m
		icount_tmo=4m
	fi
	guest single "$SINGLE_CPUS" "$tmo" \
		"set=single ops=$OPS reps=$REPS warmup=$WARMUP"
	guest smp "$SMP_CPUS" "$tmo" \
		"set=smp ops=$OPS reps=$REPS warmup=$WARMUP"
	rm -rf "$WORK/icount"
	if [ "$ICOUNT" = 1 ]; then
		guest icount 1 "$icount_tmo" \
			"set=single ops=$ICOUNT_OPS reps=$ICOUNT_REPS warmup=$ICOUNT_WARMUP" \
			-icount shift=0,sleep=off
	fi

	if [ "$SMOKE" = 1 ]; then
		prefix=$TOP/build/bench-smoke
	else
		prefix=$TOP/build/bench
	fi
	out=$prefix.csv
	merge_results >"$out"
	cp "$WORK/single/memory.csv" "$prefix-memory.csv"
	cp "$WORK/single/waste.csv" "$prefix-waste.csv"
	header | sed 's/^/# /'
	print_table "$out" text
	vm=$(vmalloc_summary "$out") || vm=
	[ -z "$vm" ] || printf '\n%s\n' "$vm"
	{
		header | sed 's/$/  /'
		print_table "$out" md
		[ -z "$vm" ] || printf '\n%s\n' "$vm"
	} >"$prefix.md"
	if [ -n "$vm" ]; then
		{
			echo "$vm"
			echo "(make bench, $(date -u '+%Y-%m-%d %H:%M UTC'): median ns/op of vmalloc+vfree over kmalloc+kfree of the same size, toy and real in one boot of Debian $KVER under QEMU TCG, -smp $SINGLE_CPUS)"
		} >"$prefix-vmalloc.txt"
	else
		rm -f "$prefix-vmalloc.txt"
		log "no vmalloc/kmalloc line: a vmalloc or kmalloc row is missing"
	fi
	echo
	print_scaling "$out"
	print_memory "$prefix-memory.csv" "$prefix-waste.csv" \
		"$WORK/single/slabinfo"
	sed 's/^/  toy_alloc: /' "$WORK/single/toyfile"
	if [ "$SMOKE" = 0 ]; then
		# A paragraph of its own in the Markdown too.
		{
			echo
			i386_kmap_row
		} | tee -a "$prefix.md"
	fi
	missing_layers | sed 's/^/not built: /'
	log "CSV: $out; $(printf '%s, ' "${BOOT_TIMES[@]}")whole run $(($(now) - t0)) s"
	if [ "$SMOKE" = 1 ]; then
		smoke_boot single || bad=1
		smoke_boot smp || bad=1
		if [ "$ICOUNT" = 1 ]; then
			smoke_boot icount || bad=1
		fi
		smoke_merged "$out" || bad=1
	fi
	return "$bad"
}

main "$@"
