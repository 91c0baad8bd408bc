// SPDX-License-Identifier: GPL-2.0
/*
 * toy_bench: the toy's allocators against the kernel's own, in one boot.
 *
 * Each row of the table times one operation pair - kmalloc+kfree of one
 * size, a thousand kmallocs then a thousand kfrees, a krealloc() growth
 * from 16 to 4096 bytes, kmem_cache alloc+free one at a time and in
 * batches of 16 and 64, alloc_pages+free_pages of one order, kmap+kunmap,
 * vmalloc+vfree - once through the toy's public API (toy_kmalloc.h) and
 * once through the real one. A row
 * runs on kthreads bound to CPUs 0 .. threads - 1: untimed warm-up for
 * each side first, then `reps` repetitions (15 by default) of `ops`
 * operations per thread. A repetition times both sides back to back, the
 * order alternating - toy then real in even repetitions, real then toy in
 * odd ones - so that neither side always runs on the caches and clock
 * drift the other left, and gives one ratio toy/real. The clock is read
 * around each side of a repetition, never per operation: ktime_get_ns()
 * under QEMU costs more than a kfree.
 *
 * For a repetition on several CPUs the threads meet at a spinning start
 * line and the time counted is from the first start to the last finish:
 * ns/op is that wall time over the operations of all threads together, so
 * it goes down as throughput goes up. The 1, 2 and 4 CPU rows of a loop
 * form a group that runs as one, its repetitions in turns too, so that
 * their ratio - the scaling - is not skewed by the host's load changing
 * between rows. A row reports the median and the extremes of its
 * per-repetition ratios - a burst of host load slows both sides of one
 * repetition and moves that ratio much less than either time - and, for
 * each side, the median and the extremes of its ns/op, all in hundredths.
 *
 * Calibration rows time, in the same loop, the kernel primitives the two
 * fast paths are made of: nothing (the loop's own cost, with a barrier()),
 * local_irq_save/restore, preempt_disable/enable, an uncontended
 * spin_lock/unlock pair, and the double-word cmpxchg SLUB does on this
 * CPU's pair per allocation and per free (see BENCH_CMPXCHG for why not
 * through this_cpu_cmpxchg_double() itself). They are one-sided:
 * only SIDE_REAL, the kernel's. So are the kmap rows the other way round
 * on a kernel without HighMem: only the toy's side. Cheap rows run more
 * operations per repetition and dear ones fewer (bench_row::cost), so
 * that every repetition takes about as long as a kmalloc row's.
 *
 * Both sides are called the same way and take no debug or zeroing flags.
 * In the kmalloc+kfree rows sizes are not compile-time constants, so the
 * real kmalloc() goes through __kmalloc(); the kmalloc-const rows pass
 * literal sizes, as most callers do, so that it takes the inlined
 * kmalloc_index() path (and toy_kmalloc() whatever its header inlines).
 * The kmem_cache batch rows have a real-only reference beside them, the
 * same batches through kmem_cache_alloc_bulk(), which the toy has not.
 * vmalloc+vfree of 4 KiB and 64 KiB sits beside kmalloc+kfree of the same
 * sizes, for the seed's "to save the overhead of vmalloc(), kmalloc() is
 * preferred": the toy's vmalloc maps its (HighMem first) pages with
 * vmap(), the kernel's is its own.
 * (Debian's kernel zeroes every allocation when booted with its default
 * init_on_alloc=1; scripts/bench.sh boots with init_on_alloc=0 unless told
 * otherwise, as the toy never zeroes unasked.)
 * debugfs (/sys/kernel/debug/toy_bench): "rows" lists the rows built
 * that run in this boot;
 * a row's name written to "run" runs it (and the rest of its group),
 * "all" runs every row; "results" is the CSV of the rows run so far. The
 * set parameter picks the rows of a boot: all, single (one thread and
 * calibration) or smp. scripts/bench.sh boots once per set, the single
 * one on fewer guest CPUs than the host has and the smp one on as many,
 * and the single set once more under QEMU's -icount, where the clock
 * counts instructions and no ratio moves with the host's load; an smp
 * row wider than the guest's CPUs is not run.
 * "memory" written to run takes the memory figures ("memory" and "waste"
 * files) and keeps a known population of toy objects live, so that the
 * toy's slabinfo can be read with it, until "release" is written. The
 * host (scripts/bench.sh) prints the table.
 *
 * Rows of a layer the toy does not export yet are not built at all (see
 * Kbuild), and a row that cannot run in this boot (row_absent()) is not
 * listed: no row ever shows a number that was not measured.
 *
 * Locking: bench_mutex serializes runs and guards the results and the
 * objects held for the memory figures.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "../../toy_kmalloc.h"

#define BENCH_MAX_REPS		51
#define BENCH_MAX_BATCH		100000
#define BENCH_MAX_THREADS	4
#define BENCH_RESCHED_MASK	1023	/* cond_resched() every 1024 ops */
#define BENCH_CACHE_SIZE	64
#define BENCH_KREALLOC_FROM	16
#define BENCH_KREALLOC_TO	4096

static unsigned long ops = 200000;
module_param(ops, ulong, 0444);
MODULE_PARM_DESC(ops, "operations per repetition and thread of a kmalloc row; others by their cost (default 200000)");

static unsigned int reps = 15;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "timed repetitions of each row, both sides each, 1 to 51 (default 15)");

static unsigned long warmup = 20000;
module_param(warmup, ulong, 0444);
MODULE_PARM_DESC(warmup, "untimed operations per side and thread before the repetitions, by cost as ops (default 20000)");

static unsigned int batch = 1000;
module_param(batch, uint, 0444);
MODULE_PARM_DESC(batch, "objects held at once in the kmalloc-batch rows (default 1000)");

static char *set = "all";
module_param(set, charp, 0444);
MODULE_PARM_DESC(set, "rows of this boot: all, single (one thread, calibration) or smp (default all)");

/* ==== The rows ==== */

enum bench_op {
	OP_KMALLOC,	/* kmalloc + kfree of one object, at once */
	OP_KMALLOC_CONST, /* the same, the size a literal at the call */
	OP_BATCH,	/* `batch` kmallocs, then their kfrees */
	OP_KREALLOC,	/* krealloc from 16 bytes doubling to 4096, kfree */
	OP_CACHE,	/* kmem_cache_alloc + kmem_cache_free, 64 B named cache */
	OP_CACHE_BATCH,	/* arg kmem_cache_allocs, then their frees */
	OP_CACHE_BULK,	/* kmem_cache_alloc_bulk + _free_bulk of arg (real) */
	OP_PAGES,	/* alloc_pages + free_pages */
	OP_KMAP,	/* kmap + kunmap of a HighMem page */
	OP_KMAP_LOCAL,	/* kmap_local_page + kunmap_local of one */
	OP_VMALLOC,	/* vmalloc + vfree of arg bytes */
	OP_CAL_LOOP,	/* calibration: the loop alone, a barrier() inside */
	OP_CAL_IRQ,	/* local_irq_save + local_irq_restore */
	OP_CAL_PREEMPT,	/* preempt_disable + preempt_enable */
	OP_CAL_SPIN,	/* spin_lock + spin_unlock, uncontended */
	OP_CAL_CMPXCHG,	/* a double-word cmpxchg on this CPU (BENCH_CMPXCHG) */
};

/* The sides a row times: the toy's API, the kernel's, or both. */
#define SIDE_TOY	BIT(0)
#define SIDE_REAL	BIT(1)
#define SIDES_BOTH	(SIDE_TOY | SIDE_REAL)

/* The CSV's kind column: how the host groups the rows in its table. */
enum bench_kind {
	KIND_SINGLE,		/* one thread */
	KIND_SMP,		/* a scaling group, 1 to 4 threads */
	KIND_CALIBRATION,	/* a kernel primitive alone */
};

static const char *const kind_names[] = {
	[KIND_SINGLE] = "single",
	[KIND_SMP] = "smp",
	[KIND_CALIBRATION] = "calibration",
};

/*
 * The cost of a row whose operation takes about as long as a kmalloc+kfree
 * pair. A repetition of a row runs ops * BENCH_COST / cost operations
 * (bench_row::cost), so that every row's repetition takes about as long.
 */
#define BENCH_COST	16

/**
 * struct bench_row - one line of the table
 * @name: what the run file takes and the CSV's op column shows.
 * @op: the operation pair timed.
 * @arg: bytes for kmalloc, batch and vmalloc, order for pages, objects
 *	per batch for the kmem_cache batch and bulk rows.
 * @threads: CPUs it runs on at once, 0 .. @threads - 1.
 * @sides: SIDE_TOY, SIDE_REAL or both: the toy's API and the kernel's
 *	that have the operation. Calibration rows time kernel primitives,
 *	which both sides use: they are real-only.
 * @kind: the CSV's kind column.
 * @cost: time per operation, BENCH_COST that of kmalloc+kfree.
 * @group: 0, or a number shared by adjacent rows that always run together,
 *	their repetitions taken in turns (the 1, 2 and 4 CPU rows).
 */
struct bench_row {
	const char *name;
	enum bench_op op;
	unsigned int arg;
	unsigned int threads;
	unsigned int sides;
	enum bench_kind kind;
	unsigned int cost;
	unsigned int group;
};

#define ROW(name, op, arg, cost) \
	{ name, op, arg, 1, SIDES_BOTH, KIND_SINGLE, cost }
#define REAL_ROW(name, op, arg, cost) \
	{ name, op, arg, 1, SIDE_REAL, KIND_SINGLE, cost }
#define KMALLOC_ROW(size) \
	ROW("kmalloc+kfree/" #size, OP_KMALLOC, size, BENCH_COST)
#define PAGES_ROW(order, cost) \
	ROW("alloc_pages+free/o" #order, OP_PAGES, order, cost)
/* The kernel's side only where it has HighMem: 32-bit, CONFIG_HIGHMEM. */
#define KMAP_ROW(name, op) \
	{ name, op, 0, 1, \
	  SIDE_TOY | (IS_ENABLED(CONFIG_HIGHMEM) ? SIDE_REAL : 0), \
	  KIND_SINGLE, BENCH_COST }
/* A few ns each: sixteen times the operations of a kmalloc row. */
#define CAL_ROW(name, op) \
	{ "calibration/" name, op, 0, 1, SIDE_REAL, KIND_CALIBRATION, 1 }
#define SMP_KMALLOC_ROW(cpus) \
	{ "smp-kmalloc+kfree/64/" #cpus "cpu", OP_KMALLOC, 64, cpus, \
	  SIDES_BOTH, KIND_SMP, BENCH_COST, 1 }
#define SMP_PAGES_ROW(cpus) \
	{ "smp-alloc_pages+free/o0/" #cpus "cpu", OP_PAGES, 0, cpus, \
	  SIDES_BOTH, KIND_SMP, BENCH_COST, 2 }

/*
 * The double-word cmpxchg SLUB's fast path does once per allocation and
 * once per free on this CPU's freelist and tid: this_cpu_cmpxchg_double()
 * in 6.1, this_cpu_cmpxchg128() since 6.5 removed the former. A module
 * cannot call either: their fallback for CPUs without cmpxchg16b,
 * this_cpu_cmpxchg16b_emu, is not exported (6.1 and 6.12). The row times
 * the same instruction, cmpxchg16b without the lock prefix, through the
 * local cmpxchg on this CPU's 16-byte pair - the thread is bound to its
 * CPU - and only where the CPU has it: cmpxchg_double_local() in 6.1
 * (cmpxchg8b on i386), cmpxchg128_local() since 6.5, on 64-bit; a 32-bit
 * 6.5+ kernel does not build the row. Tested by the macros themselves, not
 * by LINUX_VERSION_CODE: what is built is what the headers have.
 */
#if defined(arch_cmpxchg_double_local)
#define BENCH_CMPXCHG	"cmpxchg_double_local"
#elif defined(arch_cmpxchg128_local)
#define BENCH_CMPXCHG	"cmpxchg128_local"
#endif

static const struct bench_row bench_rows[] = {
#ifdef TOY_BENCH_KMALLOC
	KMALLOC_ROW(8), KMALLOC_ROW(16), KMALLOC_ROW(32), KMALLOC_ROW(64),
	KMALLOC_ROW(96), KMALLOC_ROW(128), KMALLOC_ROW(192), KMALLOC_ROW(256),
	KMALLOC_ROW(512), KMALLOC_ROW(1024), KMALLOC_ROW(2048),
	KMALLOC_ROW(4096), KMALLOC_ROW(8192),
	/* Past 8192 both go to the page allocator: an order-4 block. */
	ROW("kmalloc+kfree/65536", OP_KMALLOC, 65536, 4 * BENCH_COST),
	ROW("kmalloc-const/64", OP_KMALLOC_CONST, 64, BENCH_COST),
	ROW("kmalloc-const/256", OP_KMALLOC_CONST, 256, BENCH_COST),
	ROW("kmalloc-batch/64", OP_BATCH, 64, BENCH_COST),
	ROW("kmalloc-batch/1024", OP_BATCH, 1024, BENCH_COST),
#endif
#ifdef TOY_BENCH_KREALLOC
	ROW("krealloc-growth/16-4096", OP_KREALLOC, 0, 24 * BENCH_COST),
#endif
#ifdef TOY_BENCH_CACHE
	ROW("kmem_cache_alloc+free/64", OP_CACHE, BENCH_CACHE_SIZE, BENCH_COST),
	ROW("kmem_cache-batch16/64", OP_CACHE_BATCH, 16, BENCH_COST),
	ROW("kmem_cache-batch64/64", OP_CACHE_BATCH, 64, BENCH_COST),
	REAL_ROW("kmem_cache_alloc_bulk16/64", OP_CACHE_BULK, 16, BENCH_COST / 4),
	REAL_ROW("kmem_cache_alloc_bulk64/64", OP_CACHE_BULK, 64, BENCH_COST / 4),
#endif
	PAGES_ROW(0, BENCH_COST), PAGES_ROW(3, 2 * BENCH_COST),
	PAGES_ROW(9, 8 * BENCH_COST),
#ifdef TOY_BENCH_KMAP
	KMAP_ROW("kmap+kunmap/highmem", OP_KMAP),
#endif
#ifdef TOY_BENCH_KMAP_LOCAL
	KMAP_ROW("kmap_local+kunmap_local/highmem", OP_KMAP_LOCAL),
#endif
#ifdef TOY_BENCH_VMALLOC
	/* Beside kmalloc+kfree/4096 and /65536, for the seed's own claim. */
	ROW("vmalloc+vfree/4096", OP_VMALLOC, 4096, 16 * BENCH_COST),
	ROW("vmalloc+vfree/65536", OP_VMALLOC, 65536, 32 * BENCH_COST),
#endif
	CAL_ROW("empty-loop", OP_CAL_LOOP),
	CAL_ROW("local_irq_save+restore", OP_CAL_IRQ),
	CAL_ROW("preempt_disable+enable", OP_CAL_PREEMPT),
	CAL_ROW("spin_lock+unlock", OP_CAL_SPIN),
#ifdef BENCH_CMPXCHG
	CAL_ROW(BENCH_CMPXCHG, OP_CAL_CMPXCHG),
#endif
#ifdef TOY_BENCH_KMALLOC
	SMP_KMALLOC_ROW(1), SMP_KMALLOC_ROW(2), SMP_KMALLOC_ROW(4),
#endif
	SMP_PAGES_ROW(1), SMP_PAGES_ROW(2), SMP_PAGES_ROW(4),
};

#define NR_ROWS	ARRAY_SIZE(bench_rows)

/* Objects a batch row holds at once; 0 for the others. */
static unsigned int row_batch(const struct bench_row *row)
{
	switch (row->op) {
	case OP_BATCH:
		return batch;
	case OP_CACHE_BATCH:
	case OP_CACHE_BULK:
		return row->arg;
	default:
		return 0;
	}
}

/*
 * Median and extremes over the repetitions, in hundredths: of a side's ns
 * per operation, or of the ratio toy/real.
 */
struct bench_stat {
	u64 median;
	u64 min;
	u64 max;
};

/**
 * struct bench_result - what one row measured
 * @done: the row ran to the end; the rest is valid.
 * @reps: repetitions, each timing both sides.
 * @ops: operations per repetition and thread.
 * @toy: the toy's ns/op; unused without %SIDE_TOY.
 * @real: the kernel's ns/op; unused without %SIDE_REAL.
 * @ratio: the per-repetition ratios toy/real; unused without both.
 */
struct bench_result {
	bool done;
	unsigned int reps;
	unsigned long ops;
	struct bench_stat toy;
	struct bench_stat real;
	struct bench_stat ratio;
};

static DEFINE_MUTEX(bench_mutex);
static struct bench_result results[NR_ROWS];	/* under bench_mutex */
static struct dentry *bench_dir;

/* ==== The timed loops, one per operation, built for each side ==== */

/**
 * struct bench_ctx - what the threads of one row share
 * @row: the row.
 * @toy: time the toy (true) or the kernel (false).
 * @toy_cache: %OP_CACHE: the toy's cache.
 * @real_cache: %OP_CACHE: the kernel's cache.
 * @hpage: %OP_KMAP, %OP_KMAP_LOCAL: the toy HighMem page mapped and
 *	unmapped.
 * @real_hpage: the same, the kernel's page (CONFIG_HIGHMEM only).
 */
struct bench_ctx {
	const struct bench_row *row;
	bool toy;
	struct toy_kmem_cache *toy_cache;
	struct kmem_cache *real_cache;
	struct toy_page *hpage;
	struct page *real_hpage;
};

static inline void bench_yield(unsigned long i)
{
	if (!(i & BENCH_RESCHED_MASK))
		cond_resched();
}

/*
 * Each loop is written once, as an __always_inline bench_*_ops() taking
 * the side as @toy, and built twice, with @toy the literal true and
 * false: by run_ops(), or by the noinline toy_*_loop() and real_*_loop()
 * of the kmalloc rows. The small bench_*() helpers beside them each
 * pick one side's call by @toy: once inlined, each loop calls that side's
 * allocator directly, with no test of @toy and no indirect call per
 * operation. A handle (a cache, a page) passes through as void *, the
 * side's own type again at its call; run_ops() passes each side its own.
 */
#if defined(TOY_BENCH_KMALLOC) || defined(TOY_BENCH_KREALLOC)
static __always_inline void bench_kfree(bool toy, const void *p)
{
	if (toy)
		toy_kfree(p);
	else
		kfree(p);
}
#endif

#ifdef TOY_BENCH_KMALLOC
static __always_inline void *bench_kmalloc(bool toy, size_t size)
{
	return toy ? toy_kmalloc(size, TOY_GFP_KERNEL) :
		     kmalloc(size, GFP_KERNEL);
}

/*
 * One object at once, inlined into the loops below: with a literal @size
 * (the kmalloc-const rows) both kmalloc()s see a compile-time constant -
 * the kernel's then picks its cache by the inlined kmalloc_index(), as
 * most callers' calls do - and with a row's size, a variable, both go
 * through their out-of-line entry.
 */
static __always_inline int bench_kmalloc_ops(bool toy, size_t size,
					     unsigned long n)
{
	unsigned long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = bench_kmalloc(toy, size);
		if (unlikely(!p))
			return -ENOMEM;
		OPTIMIZER_HIDE_VAR(p);
		bench_kfree(toy, p);
		bench_yield(i);
	}
	return 0;
}

static noinline int toy_kmalloc_loop(size_t size, unsigned long n)
{
	return bench_kmalloc_ops(true, size, n);
}

static noinline int real_kmalloc_loop(size_t size, unsigned long n)
{
	return bench_kmalloc_ops(false, size, n);
}

/* The kmalloc-const rows: each size a literal, as most callers write it. */
static __always_inline int bench_kmalloc_const_ops(bool toy, unsigned int size,
						   unsigned long n)
{
	switch (size) {
	case 64:
		return bench_kmalloc_ops(toy, 64, n);
	case 256:
		return bench_kmalloc_ops(toy, 256, n);
	default:
		return -EINVAL;
	}
}

static noinline int toy_kmalloc_const_loop(unsigned int size, unsigned long n)
{
	return bench_kmalloc_const_ops(true, size, n);
}

static noinline int real_kmalloc_const_loop(unsigned int size,
					    unsigned long n)
{
	return bench_kmalloc_const_ops(false, size, n);
}

static __always_inline int bench_batch_ops(bool toy, size_t size, void **ptrs,
					   unsigned long rounds)
{
	unsigned long r;
	unsigned int i, j;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < batch; i++) {
			ptrs[i] = bench_kmalloc(toy, size);
			if (unlikely(!ptrs[i]))
				goto err;
		}
		for (i = 0; i < batch; i++)
			bench_kfree(toy, ptrs[i]);
		cond_resched();
	}
	return 0;
err:
	for (j = 0; j < i; j++)
		bench_kfree(toy, ptrs[j]);
	return -ENOMEM;
}
#endif /* TOY_BENCH_KMALLOC */

#ifdef TOY_BENCH_KREALLOC
static __always_inline void *bench_krealloc(bool toy, const void *p,
					    size_t size)
{
	return toy ? toy_krealloc(p, size, TOY_GFP_KERNEL) :
		     krealloc(p, size, GFP_KERNEL);
}

/*
 * A buffer grown the way callers grow one: krealloc() from NULL to 16
 * bytes, doubling up to 4096, each step copying what the one before
 * held; then kfree(). One operation is the whole chain.
 */
static __always_inline int bench_krealloc_ops(bool toy, unsigned long n)
{
	unsigned long i;
	size_t size;
	void *p, *q;

	for (i = 0; i < n; i++) {
		p = NULL;
		for (size = BENCH_KREALLOC_FROM; size <= BENCH_KREALLOC_TO;
		     size *= 2) {
			q = bench_krealloc(toy, p, size);
			if (unlikely(!q)) {
				bench_kfree(toy, p);
				return -ENOMEM;
			}
			p = q;
		}
		bench_kfree(toy, p);
		bench_yield(i);
	}
	return 0;
}
#endif /* TOY_BENCH_KREALLOC */

#ifdef TOY_BENCH_CACHE
/* @s: the side's cache, a struct toy_kmem_cache or struct kmem_cache. */
static __always_inline void *bench_cache_alloc(bool toy, void *s)
{
	return toy ? toy_kmem_cache_alloc(s, TOY_GFP_KERNEL) :
		     kmem_cache_alloc(s, GFP_KERNEL);
}

static __always_inline void bench_cache_free(bool toy, void *s, void *p)
{
	if (toy)
		toy_kmem_cache_free(s, p);
	else
		kmem_cache_free(s, p);
}

static __always_inline int bench_cache_ops(bool toy, void *s, unsigned long n)
{
	unsigned long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = bench_cache_alloc(toy, s);
		if (unlikely(!p))
			return -ENOMEM;
		OPTIMIZER_HIDE_VAR(p);
		bench_cache_free(toy, s, p);
		bench_yield(i);
	}
	return 0;
}

/*
 * @nr objects from the cache, then their frees, @rounds times: the
 * batches kmem_cache_alloc_bulk() users take, one object at a time.
 * @nr is a power of two, so bench_yield() still comes every 1024 objects.
 */
static __always_inline int bench_cache_batch_ops(bool toy, void *s,
						 void **ptrs, unsigned int nr,
						 unsigned long rounds)
{
	unsigned long r;
	unsigned int i, j;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < nr; i++) {
			ptrs[i] = bench_cache_alloc(toy, s);
			if (unlikely(!ptrs[i]))
				goto err;
		}
		for (i = 0; i < nr; i++)
			bench_cache_free(toy, s, ptrs[i]);
		bench_yield(r * nr);
	}
	return 0;
err:
	for (j = 0; j < i; j++)
		bench_cache_free(toy, s, ptrs[j]);
	return -ENOMEM;
}

/*
 * The same batches through the kernel's bulk API, which the toy does not
 * have: the reference the batch rows are read against.
 */
static int real_cache_bulk_loop(struct kmem_cache *s, void **ptrs,
				unsigned int nr, unsigned long rounds)
{
	unsigned long r;

	for (r = 0; r < rounds; r++) {
		if (unlikely(kmem_cache_alloc_bulk(s, GFP_KERNEL, nr, ptrs) !=
			     (int)nr))
			return -ENOMEM;
		kmem_cache_free_bulk(s, nr, ptrs);
		bench_yield(r * nr);
	}
	return 0;
}
#endif /* TOY_BENCH_CACHE */

/* The side's first page: a struct toy_page or struct page. */
static __always_inline void *bench_alloc_pages(bool toy, unsigned int order)
{
	if (toy)
		return toy_alloc_pages(TOY_GFP_KERNEL, order);
	return alloc_pages(GFP_KERNEL, order);
}

static __always_inline void bench_free_pages(bool toy, void *page,
					     unsigned int order)
{
	if (toy)
		toy_free_pages(page, order);
	else
		__free_pages(page, order);
}

static __always_inline int bench_pages_ops(bool toy, unsigned int order,
					   unsigned long n)
{
	unsigned long i;
	void *page;

	for (i = 0; i < n; i++) {
		page = bench_alloc_pages(toy, order);
		if (unlikely(!page))
			return -ENOMEM;
		bench_free_pages(toy, page, order);
		bench_yield(i);
	}
	return 0;
}

/*
 * The kmap loops take the side's HighMem page, a struct toy_page or struct
 * page, as @page. The kernel's kmap()s cannot fail, so only the toy's
 * result is tested.
 */
#ifdef TOY_BENCH_KMAP
/*
 * The kernel's kmap() is timed only with HighMem; else it is page_address().
 * It is deprecated for new code, and measuring it is the point here: the
 * alias keeps checkpatch from asking for kmap_local_page() instead.
 */
#define real_kmap	kmap

static __always_inline void *bench_kmap(bool toy, void *page)
{
	return toy ? toy_kmap(page) : real_kmap(page);
}

static __always_inline void bench_kunmap(bool toy, void *page)
{
	if (toy)
		toy_kunmap(page);
	else
		kunmap(page);
}

static __always_inline int bench_kmap_ops(bool toy, void *page,
					  unsigned long n)
{
	unsigned long i;
	void *v;

	for (i = 0; i < n; i++) {
		v = bench_kmap(toy, page);
		if (toy && unlikely(!v))
			return -ENOMEM;
		OPTIMIZER_HIDE_VAR(v);
		bench_kunmap(toy, page);
		bench_yield(i);
	}
	return 0;
}
#endif /* TOY_BENCH_KMAP */

#ifdef TOY_BENCH_KMAP_LOCAL
static __always_inline void *bench_kmap_local(bool toy, void *page)
{
	return toy ? toy_kmap_local_page(page) : kmap_local_page(page);
}

static __always_inline void bench_kunmap_local(bool toy, void *v)
{
	if (toy)
		toy_kunmap_local(v);
	else
		kunmap_local(v);
}

static __always_inline int bench_kmap_local_ops(bool toy, void *page,
						unsigned long n)
{
	unsigned long i;
	void *v;

	for (i = 0; i < n; i++) {
		v = bench_kmap_local(toy, page);
		if (toy && unlikely(!v))
			return -ENOMEM;
		OPTIMIZER_HIDE_VAR(v);
		bench_kunmap_local(toy, v);
		bench_yield(i);
	}
	return 0;
}
#endif /* TOY_BENCH_KMAP_LOCAL */

#ifdef TOY_BENCH_VMALLOC
static __always_inline void *bench_vmalloc(bool toy, unsigned long size)
{
	return toy ? toy_vmalloc(size) : vmalloc(size);
}

static __always_inline void bench_vfree(bool toy, const void *p)
{
	if (toy)
		toy_vfree(p);
	else
		vfree(p);
}

/* vmalloc + vfree of @size bytes: the toy's maps its pages with vmap(). */
static __always_inline int bench_vmalloc_ops(bool toy, unsigned long size,
					     unsigned long n)
{
	unsigned long i;
	void *p;

	for (i = 0; i < n; i++) {
		p = bench_vmalloc(toy, size);
		if (unlikely(!p))
			return -ENOMEM;
		OPTIMIZER_HIDE_VAR(p);
		bench_vfree(toy, p);
		bench_yield(i);
	}
	return 0;
}
#endif /* TOY_BENCH_VMALLOC */

/*
 * Calibration: the kernel primitives the two allocators' fast paths are
 * made of, one per loop, in the loop form of the rows above. The empty
 * loop is that form's own cost (bench_yield() included), to be taken off
 * the others. Each is noinline, so that none is folded into another.
 */
static noinline int cal_loop(unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		barrier();
		bench_yield(i);
	}
	return 0;
}

static noinline int cal_irq_loop(unsigned long n)
{
	unsigned long i, flags;

	for (i = 0; i < n; i++) {
		local_irq_save(flags);
		barrier();
		local_irq_restore(flags);
		bench_yield(i);
	}
	return 0;
}

static noinline int cal_preempt_loop(unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		preempt_disable();
		barrier();
		preempt_enable();
		bench_yield(i);
	}
	return 0;
}

static DEFINE_SPINLOCK(cal_lock);	/* taken by cal_spin_loop() alone */

static noinline int cal_spin_loop(unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		spin_lock(&cal_lock);
		barrier();
		spin_unlock(&cal_lock);
		bench_yield(i);
	}
	return 0;
}

/*
 * One cmpxchg per operation on this CPU's pair, each expecting what the one
 * before wrote, as SLUB's fast path expects the freelist and tid it read.
 * The thread is bound to its CPU and nothing else writes there, so every
 * one succeeds; a failure is a bug and stops the row.
 */
#if defined(arch_cmpxchg_double_local)

/* Two adjacent longs, aligned to their double size as the macro needs. */
struct cal_pair {
	unsigned long first;
	unsigned long second;
} __aligned(2 * sizeof(unsigned long));

static DEFINE_PER_CPU_ALIGNED(struct cal_pair, cal_pair);

static bool cal_has_cmpxchg(void)
{
	return system_has_cmpxchg_double();
}

static noinline int cal_cmpxchg_loop(unsigned long n)
{
	struct cal_pair *p = this_cpu_ptr(&cal_pair);
	unsigned long i, a = p->first, b = p->second;

	for (i = 0; i < n; i++) {
		if (unlikely(!cmpxchg_double_local(&p->first, &p->second, a, b,
						   a + 1, b - 1)))
			return -EIO;
		a++;
		b--;
		bench_yield(i);
	}
	return 0;
}

#elif defined(arch_cmpxchg128_local)

static DEFINE_PER_CPU_ALIGNED(u128, cal_word);

static bool cal_has_cmpxchg(void)
{
	return system_has_cmpxchg128();
}

static noinline int cal_cmpxchg_loop(unsigned long n)
{
	u128 *p = this_cpu_ptr(&cal_word), old = *p;
	unsigned long i;

	for (i = 0; i < n; i++) {
		if (unlikely(cmpxchg128_local(p, old, old + 1) != old))
			return -EIO;
		old++;
		bench_yield(i);
	}
	return 0;
}

#endif /* arch_cmpxchg_double_local, arch_cmpxchg128_local */

/*
 * Run @n operations of one side of a row (@n batches for a batch row).
 * A row whose layer is not built never gets here: its case is compiled
 * out with its entry in bench_rows[].
 */
static int run_ops(const struct bench_ctx *c, void **ptrs, unsigned long n)
{
	unsigned int arg = c->row->arg;

	switch (c->row->op) {
#ifdef TOY_BENCH_KMALLOC
	case OP_KMALLOC:
		return c->toy ? toy_kmalloc_loop(arg, n) :
				real_kmalloc_loop(arg, n);
	case OP_KMALLOC_CONST:
		return c->toy ? toy_kmalloc_const_loop(arg, n) :
				real_kmalloc_const_loop(arg, n);
	case OP_BATCH:
		return c->toy ? bench_batch_ops(true, arg, ptrs, n) :
				bench_batch_ops(false, arg, ptrs, n);
#endif
#ifdef TOY_BENCH_KREALLOC
	case OP_KREALLOC:
		return c->toy ? bench_krealloc_ops(true, n) :
				bench_krealloc_ops(false, n);
#endif
#ifdef TOY_BENCH_CACHE
	case OP_CACHE:
		return c->toy ? bench_cache_ops(true, c->toy_cache, n) :
				bench_cache_ops(false, c->real_cache, n);
	case OP_CACHE_BATCH:
		return c->toy ? bench_cache_batch_ops(true, c->toy_cache, ptrs,
						      arg, n) :
				bench_cache_batch_ops(false, c->real_cache, ptrs,
						      arg, n);
	case OP_CACHE_BULK:
		return c->toy ? -EOPNOTSUPP :
				real_cache_bulk_loop(c->real_cache, ptrs, arg, n);
#endif
	case OP_PAGES:
		return c->toy ? bench_pages_ops(true, arg, n) :
				bench_pages_ops(false, arg, n);
#ifdef TOY_BENCH_KMAP
	case OP_KMAP:
		return c->toy ? bench_kmap_ops(true, c->hpage, n) :
				bench_kmap_ops(false, c->real_hpage, n);
#endif
#ifdef TOY_BENCH_KMAP_LOCAL
	case OP_KMAP_LOCAL:
		return c->toy ? bench_kmap_local_ops(true, c->hpage, n) :
				bench_kmap_local_ops(false, c->real_hpage, n);
#endif
#ifdef TOY_BENCH_VMALLOC
	case OP_VMALLOC:
		return c->toy ? bench_vmalloc_ops(true, arg, n) :
				bench_vmalloc_ops(false, arg, n);
#endif
	case OP_CAL_LOOP:
		return cal_loop(n);
	case OP_CAL_IRQ:
		return cal_irq_loop(n);
	case OP_CAL_PREEMPT:
		return cal_preempt_loop(n);
	case OP_CAL_SPIN:
		return cal_spin_loop(n);
#ifdef BENCH_CMPXCHG
	case OP_CAL_CMPXCHG:
		return cal_cmpxchg_loop(n);
#endif
	default:
		return -EOPNOTSUPP;
	}
}

/* ==== Threads: one pass of one side on the row's CPUs ==== */

/**
 * struct bench_worker - one bound kthread of a pass
 * @ctx: the row and side.
 * @ready: threads at the start line, shared by the pass.
 * @nr: threads in the pass.
 * @n: operations (batches for a batch row) to run.
 * @ptrs: a batch row's room for row_batch() pointers.
 * @start: ktime_get_ns() at the start line.
 * @end: ktime_get_ns() after the last operation.
 * @err: 0, or why the loop stopped.
 * @done: completed as the thread exits.
 */
struct bench_worker {
	const struct bench_ctx *ctx;
	atomic_t *ready;
	unsigned int nr;
	unsigned long n;
	void **ptrs;
	u64 start;
	u64 end;
	int err;
	struct completion done;
};

static int bench_thread(void *arg)
{
	struct bench_worker *w = arg;

	/*
	 * Start together: spin until every thread of the pass is here,
	 * letting the thread that wakes them run if it shares this CPU.
	 */
	atomic_inc(w->ready);
	while (atomic_read(w->ready) < w->nr) {
		cond_resched();
		cpu_relax();
	}
	w->start = ktime_get_ns();
	w->err = run_ops(w->ctx, w->ptrs, w->n);
	w->end = ktime_get_ns();
	kthread_complete_and_exit(&w->done, 0);
}

/* Wait without tripping the hung task detector on a long pass. */
static void wait_worker(struct bench_worker *w)
{
	while (!wait_for_completion_timeout(&w->done, HZ))
		;
}

static void free_workers(struct bench_worker *w, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		kfree(w[i].ptrs);
	kfree(w);
}

static struct bench_worker *alloc_workers(const struct bench_ctx *c,
					  atomic_t *ready, unsigned long n)
{
	unsigned int i, nr = c->row->threads;
	struct bench_worker *w;

	w = kcalloc(nr, sizeof(*w), GFP_KERNEL);
	if (!w)
		return NULL;
	for (i = 0; i < nr; i++) {
		w[i].ctx = c;
		w[i].ready = ready;
		w[i].nr = nr;
		w[i].n = n;
		init_completion(&w[i].done);
		if (!row_batch(c->row))
			continue;
		w[i].ptrs = kcalloc(row_batch(c->row), sizeof(void *),
				    GFP_KERNEL);
		if (!w[i].ptrs) {
			free_workers(w, i);
			return NULL;
		}
	}
	return w;
}

/*
 * One pass: @n operations per thread on CPUs 0 .. threads - 1. @wall gets
 * the ns from the first thread's start to the last one's end.
 */
static int run_pass(const struct bench_ctx *c, unsigned long n, u64 *wall)
{
	unsigned int i, nr = c->row->threads;
	struct task_struct *task[BENCH_MAX_THREADS];
	struct bench_worker *w;
	atomic_t ready = ATOMIC_INIT(0);
	u64 first = U64_MAX, last = 0;
	int err = 0;

	w = alloc_workers(c, &ready, n);
	if (!w)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		task[i] = kthread_create_on_cpu(bench_thread, &w[i], i,
						"toy_bench/%u");
		if (IS_ERR(task[i])) {
			err = PTR_ERR(task[i]);
			pr_err("%s: cannot start a thread on CPU %u (%d)\n",
			       c->row->name, i, err);
			goto stop;
		}
	}
	for (i = 0; i < nr; i++)
		wake_up_process(task[i]);
	for (i = 0; i < nr; i++) {
		wait_worker(&w[i]);
		if (w[i].err && !err)
			err = w[i].err;
		first = min(first, w[i].start);
		last = max(last, w[i].end);
	}
	*wall = last - first;
	free_workers(w, nr);
	return err;
stop:
	/* None was woken: kthread_stop() makes them exit unrun. */
	while (i--)
		kthread_stop(task[i]);
	free_workers(w, nr);
	return err;
}

/* ==== A row: set up, warm up, interleaved repetitions, figures ==== */

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void summarize(u64 *v, unsigned int n, struct bench_stat *st)
{
	sort(v, n, sizeof(*v), cmp_u64, NULL);
	st->min = v[0];
	st->max = v[n - 1];
	st->median = n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Operations per thread of a repetition (@n is ops) or of the warm-up
 * (@n is warmup) of @row: more for a cheap row, fewer for a dear one.
 */
static unsigned long row_n(const struct bench_row *row, unsigned long n)
{
	return n ? max(1UL, n * BENCH_COST / row->cost) : 0;
}

/* What one thread runs for @n operations: whole batches for a batch row. */
static unsigned long row_units(const struct bench_row *row, unsigned long n)
{
	unsigned int nr = row_batch(row);

	return nr ? DIV_ROUND_UP(n, nr) : n;
}

/* The operations those units are: @n rounded up to whole batches. */
static unsigned long row_ops(const struct bench_row *row, unsigned long n)
{
	unsigned int nr = row_batch(row);

	return nr ? row_units(row, n) * nr : n;
}

#if defined(TOY_BENCH_KMAP) || defined(TOY_BENCH_KMAP_LOCAL)
/* A HighMem page of the toy and, where there is HighMem, of the kernel. */
static int highmem_setup(struct bench_ctx *c)
{
	c->hpage = toy_alloc_pages(TOY_GFP_HIGHUSER, 0);
	if (!c->hpage)
		return -ENOMEM;
	if (!toy_page_is_highmem(c->hpage)) {
		pr_err("%s: the toy gave no HighMem page (highmem_mb=0?)\n",
		       c->row->name);
		return -ENODEV;
	}
	if (!(c->row->sides & SIDE_REAL))
		return 0;
	c->real_hpage = alloc_page(GFP_HIGHUSER);
	if (!c->real_hpage)
		return -ENOMEM;
	if (!PageHighMem(c->real_hpage)) {
		pr_err("%s: the kernel gave no HighMem page\n", c->row->name);
		return -ENODEV;
	}
	return 0;
}
#endif

#ifdef TOY_BENCH_CACHE
/* The 64-byte named cache of each side the row times. */
static int cache_setup(struct bench_ctx *c)
{
	if (c->row->sides & SIDE_TOY) {
		c->toy_cache = toy_kmem_cache_create("toy_bench_64",
						     BENCH_CACHE_SIZE, 0, 0,
						     NULL);
		if (!c->toy_cache)
			return -ENOMEM;
	}
	if (c->row->sides & SIDE_REAL) {
		c->real_cache = kmem_cache_create("toy_bench_64",
						  BENCH_CACHE_SIZE, 0, 0, NULL);
		if (!c->real_cache)
			return -ENOMEM;
	}
	return 0;
}
#endif

/* Objects a row works on; row_teardown() undoes what was done on error. */
static int row_setup(struct bench_ctx *c)
{
	switch (c->row->op) {
#ifdef TOY_BENCH_CACHE
	case OP_CACHE:
	case OP_CACHE_BATCH:
	case OP_CACHE_BULK:
		return cache_setup(c);
#endif
#if defined(TOY_BENCH_KMAP) || defined(TOY_BENCH_KMAP_LOCAL)
	case OP_KMAP:
	case OP_KMAP_LOCAL:
		return highmem_setup(c);
#endif
	default:
		return 0;
	}
}

static void row_teardown(struct bench_ctx *c)
{
#ifdef TOY_BENCH_CACHE
	if (c->toy_cache && toy_kmem_cache_destroy(c->toy_cache))
		pr_err("%s: the toy's cache would not go\n", c->row->name);
	kmem_cache_destroy(c->real_cache);
#endif
	if (c->hpage)
		toy_free_pages(c->hpage, 0);
	if (c->real_hpage)
		__free_page(c->real_hpage);
}

/* ns per op, in hundredths, of a pass of @wall ns over @n ops per thread. */
static u64 centi_ns_per_op(const struct bench_row *row, u64 wall,
			   unsigned long n)
{
	return div64_u64(wall * 100, (u64)row_ops(row, n) * row->threads);
}

/* Untimed operations of one side, so that both start from a warm state. */
static int warm_up(struct bench_ctx *c, bool toy)
{
	unsigned long wn = row_units(c->row, row_n(c->row, warmup));
	u64 wall;

	c->toy = toy;
	return wn ? run_pass(c, wn, &wall) : 0;
}

/**
 * struct bench_job - one row of a run and its figures per repetition
 * @c: the row and the objects it works on.
 * @res: where its figures go.
 * @toy_v: the toy's ns/op in each repetition, in hundredths.
 * @real_v: the kernel's, the same.
 * @ratio_v: toy_v / real_v of each repetition, in hundredths.
 */
struct bench_job {
	struct bench_ctx c;
	struct bench_result *res;
	u64 toy_v[BENCH_MAX_REPS];
	u64 real_v[BENCH_MAX_REPS];
	u64 ratio_v[BENCH_MAX_REPS];
};

/* Repetition @r of one side of @job. */
static int time_pass(struct bench_job *job, bool toy, unsigned int r)
{
	const struct bench_row *row = job->c.row;
	unsigned long n = row_n(row, ops);
	u64 wall;
	int err;

	job->c.toy = toy;
	err = run_pass(&job->c, row_units(row, n), &wall);
	if (err)
		return err;
	if (toy)
		job->toy_v[r] = centi_ns_per_op(row, wall, n);
	else
		job->real_v[r] = centi_ns_per_op(row, wall, n);
	return 0;
}

/*
 * Repetition @r of @job: both sides back to back, toy first when @r is
 * even and real first when it is odd, and the ratio of the two.
 */
static int time_rep(struct bench_job *job, unsigned int r)
{
	unsigned int sides = job->c.row->sides;
	bool toy_first = !(r & 1);
	int err = 0;

	if ((sides & SIDE_TOY) && toy_first)
		err = time_pass(job, true, r);
	if (!err && (sides & SIDE_REAL))
		err = time_pass(job, false, r);
	if (!err && (sides & SIDE_TOY) && !toy_first)
		err = time_pass(job, true, r);
	if (!err && sides == SIDES_BOTH)
		job->ratio_v[r] = DIV64_U64_ROUND_CLOSEST(job->toy_v[r] * 100,
							  max(job->real_v[r], 1ULL));
	return err;
}

/*
 * Warm every side of every job up, then take the repetitions in turns:
 * repetition 1 of each job, repetition 2 of each job, and so on. The rows
 * of a group (1, 2 and 4 CPUs) so see the same drift of the host as each
 * other, not only toy as real.
 */
static int measure(struct bench_job *jobs, unsigned int nr)
{
	unsigned int j, r;
	int err = 0;

	for (j = 0; j < nr && !err; j++) {
		unsigned int sides = jobs[j].c.row->sides;

		if (sides & SIDE_TOY)
			err = warm_up(&jobs[j].c, true);
		if (!err && (sides & SIDE_REAL))
			err = warm_up(&jobs[j].c, false);
	}
	for (r = 0; r < reps && !err; r++)
		for (j = 0; j < nr && !err; j++)
			err = time_rep(&jobs[j], r);
	return err;
}

static int check_cpus(const struct bench_row *row)
{
	unsigned int cpu;

	if (WARN_ON_ONCE(!row->threads || row->threads > BENCH_MAX_THREADS))
		return -EINVAL;
	for (cpu = 0; cpu < row->threads; cpu++) {
		if (!cpu_online(cpu)) {
			pr_err("%s: needs CPUs 0-%u online\n", row->name,
			       row->threads - 1);
			return -ENODEV;
		}
	}
	return 0;
}

static void record(struct bench_job *job)
{
	struct bench_result *res = job->res;

	unsigned int sides = job->c.row->sides;

	if (sides & SIDE_TOY)
		summarize(job->toy_v, reps, &res->toy);
	if (sides & SIDE_REAL)
		summarize(job->real_v, reps, &res->real);
	if (sides == SIDES_BOTH)
		summarize(job->ratio_v, reps, &res->ratio);
	res->reps = reps;
	res->ops = row_ops(job->c.row, row_n(job->c.row, ops));
	res->done = true;
}

/*
 * Why @row cannot run in this boot, or NULL when it can. A row that cannot
 * is left out of the rows file and refused by the run file: it shows no
 * figure at all rather than one that measures something else.
 */
static const char *row_absent(const struct bench_row *row)
{
	unsigned int cpu;

	for (cpu = 0; cpu < row->threads; cpu++)
		if (!cpu_online(cpu))
			return "more threads than CPUs online";
#ifdef BENCH_CMPXCHG
	if (row->op == OP_CAL_CMPXCHG && !cal_has_cmpxchg())
		return "the CPU has no double-word cmpxchg (the kernel would emulate it)";
#endif
	return NULL;
}

/* Whether @row is of the set this boot runs (the set parameter). */
static bool row_in_set(const struct bench_row *row)
{
	if (!strcmp(set, "all"))
		return true;
	if (row->kind == KIND_SMP)
		return !strcmp(set, "smp");
	return !strcmp(set, "single");
}

static bool row_here[NR_ROWS];	/* set at load: in the set, !row_absent() */

/*
 * The rows that run with row @idx: the rows of its group that run in this
 * boot, adjacent in bench_rows[], or it alone.
 */
static void group_of(unsigned int idx, unsigned int *first, unsigned int *nr)
{
	unsigned int g = bench_rows[idx].group, i = idx, end = idx + 1;

	if (g) {
		while (i > 0 && bench_rows[i - 1].group == g && row_here[i - 1])
			i--;
		while (end < NR_ROWS && bench_rows[end].group == g &&
		       row_here[end])
			end++;
	}
	*first = i;
	*nr = end - i;
}

static int run_row(unsigned int idx)
{
	unsigned int first, nr, j, set_up = 0;
	struct bench_job *jobs;
	int err = 0;

	lockdep_assert_held(&bench_mutex);
	group_of(idx, &first, &nr);
	jobs = kcalloc(nr, sizeof(*jobs), GFP_KERNEL);
	if (!jobs)
		return -ENOMEM;
	for (j = 0; j < nr && !err; j++) {
		jobs[j].c.row = &bench_rows[first + j];
		jobs[j].res = &results[first + j];
		jobs[j].res->done = false;
		err = check_cpus(jobs[j].c.row);
	}
	for (; set_up < nr && !err; set_up++)
		err = row_setup(&jobs[set_up].c);
	if (!err)
		err = measure(jobs, nr);
	while (set_up--)
		row_teardown(&jobs[set_up].c);
	for (j = 0; j < nr && !err; j++)
		record(&jobs[j]);
	if (err)
		pr_err("%s: failed (%d)\n", bench_rows[idx].name, err);
	kfree(jobs);
	return err;
}

/* ==== Memory figures ==== */

/*
 * The region's size and the toy's page-descriptor array, read through the
 * public API: toy_pfn_to_page() answers NULL past the last pfn, and the
 * descriptors are one array indexed by pfn, so the distance between the
 * descriptors of pfns 0 and 1 is sizeof(struct toy_page).
 */
static unsigned long region_pages(void)
{
	unsigned long lo = 0, hi = ULONG_MAX;	/* first pfn without a page */

	if (!toy_pfn_to_page(0))
		return 0;
	while (hi - lo > 1) {
		unsigned long mid = lo + (hi - lo) / 2;

		if (toy_pfn_to_page(mid))
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

struct bench_memory {
	unsigned long pages;
	unsigned long desc_size;
};

static struct bench_memory memory;	/* under bench_mutex */

#if defined(TOY_BENCH_KMALLOC) && defined(TOY_BENCH_KSIZE)

/*
 * Internal waste of kmalloc: for each size class, WASTE_SAMPLES request
 * sizes spread evenly over the sizes that class serves, (previous class,
 * class], one object each, all live at once. The toy's objects stay live
 * after the figures are taken (until "release"), so that its slabinfo can
 * be read with a known population in it.
 */
#define WASTE_SAMPLES	32

static const unsigned int waste_classes[] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};

#define NR_WASTE_CLASSES	ARRAY_SIZE(waste_classes)

/**
 * struct bench_waste - the kmalloc population of one size class
 * @objects: requests made, on each side.
 * @requested: bytes asked for.
 * @toy_bytes: sum of toy_ksize() of the toy's objects.
 * @real_bytes: sum of ksize() of the kernel's objects.
 * @held: the toy's objects, live until released.
 */
struct bench_waste {
	unsigned int objects;
	unsigned long requested;
	unsigned long toy_bytes;
	unsigned long real_bytes;
	void *held[WASTE_SAMPLES];
};

static struct bench_waste waste[NR_WASTE_CLASSES];	/* under bench_mutex */
static bool waste_valid;				/* under bench_mutex */

static void waste_release(void)
{
	unsigned int c, i;

	for (c = 0; c < NR_WASTE_CLASSES; c++) {
		for (i = 0; i < waste[c].objects; i++)
			toy_kfree(waste[c].held[i]);
		waste[c].objects = 0;
	}
	waste_valid = false;
}

static int waste_class(unsigned int c)
{
	unsigned int lo = c ? waste_classes[c - 1] : 0, hi = waste_classes[c];
	unsigned int step = max(1U, (hi - lo) / WASTE_SAMPLES);
	void *real[WASTE_SAMPLES];
	struct bench_waste *w = &waste[c];
	unsigned int size, i;
	int err = 0;

	memset(w, 0, sizeof(*w));
	for (size = hi; size > lo && w->objects < WASTE_SAMPLES; size -= step) {
		i = w->objects;
		w->held[i] = toy_kmalloc(size, TOY_GFP_KERNEL);
		real[i] = kmalloc(size, GFP_KERNEL);
		if (!w->held[i] || !real[i]) {
			toy_kfree(w->held[i]);
			kfree(real[i]);
			err = -ENOMEM;
			break;
		}
		w->objects++;
		w->requested += size;
		w->toy_bytes += toy_ksize(w->held[i]);
		w->real_bytes += ksize(real[i]);
	}
	for (i = 0; i < w->objects; i++)
		kfree(real[i]);
	return err;
}

static int waste_measure(void)
{
	unsigned int c;
	int err;

	lockdep_assert_held(&bench_mutex);
	waste_release();
	for (c = 0; c < NR_WASTE_CLASSES; c++) {
		err = waste_class(c);
		if (err) {
			waste_release();
			return err;
		}
	}
	waste_valid = true;
	return 0;
}

/* The name the kernel gives the kmalloc cache of @size bytes. */
static void waste_cache_name(struct seq_file *m, unsigned int size)
{
	if (size >= 1024)
		seq_printf(m, "kmalloc-%uk", size / 1024);
	else
		seq_printf(m, "kmalloc-%u", size);
}

static int waste_show(struct seq_file *m, void *v)
{
	unsigned int c;

	seq_puts(m, "cache,objects,requested,toy_ksize_bytes,real_ksize_bytes\n");
	mutex_lock(&bench_mutex);
	for (c = 0; waste_valid && c < NR_WASTE_CLASSES; c++) {
		waste_cache_name(m, waste_classes[c]);
		seq_printf(m, ",%u,%lu,%lu,%lu\n", waste[c].objects,
			   waste[c].requested, waste[c].toy_bytes,
			   waste[c].real_bytes);
	}
	mutex_unlock(&bench_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(waste);

static void waste_debugfs_init(void)
{
	debugfs_create_file("waste", 0400, bench_dir, NULL, &waste_fops);
}

#else /* !(TOY_BENCH_KMALLOC && TOY_BENCH_KSIZE) */

static void waste_release(void)
{
}

static int waste_measure(void)
{
	return 0;
}

static void waste_debugfs_init(void)
{
}

#endif /* TOY_BENCH_KMALLOC && TOY_BENCH_KSIZE */

static int memory_measure(void)
{
	struct toy_page *p0, *p1;

	lockdep_assert_held(&bench_mutex);
	memory.pages = region_pages();
	p0 = toy_pfn_to_page(0);
	p1 = toy_pfn_to_page(1);
	memory.desc_size = p0 && p1 ? (char *)p1 - (char *)p0 : 0;
	return waste_measure();
}

static int memory_show(struct seq_file *m, void *v)
{
	unsigned long region, desc, desc_size;
	u64 milli_pct, whole;
	u32 rem;

	seq_puts(m, "figure,value,what\n");
	mutex_lock(&bench_mutex);
	region = memory.pages * PAGE_SIZE;
	desc_size = memory.desc_size;
	mutex_unlock(&bench_mutex);
	if (!region)
		return 0;
	desc = (region >> PAGE_SHIFT) * desc_size;
	milli_pct = div64_u64((u64)desc * 100000, region);
	whole = div_u64_rem(milli_pct, 1000, &rem);
	seq_printf(m, "region_bytes,%lu,toy pfns answered by toy_pfn_to_page() x PAGE_SIZE\n",
		   region);
	seq_printf(m, "descriptor_size,%lu,bytes from toy_pfn_to_page(0) to toy_pfn_to_page(1): sizeof(struct toy_page)\n",
		   desc_size);
	seq_printf(m, "descriptor_bytes,%lu,page descriptors: pages x descriptor_size\n",
		   desc);
	seq_printf(m, "descriptor_pct,%llu.%03u,descriptor_bytes / region_bytes x 100\n",
		   whole, rem);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(memory);

/* ==== debugfs: rows, run, results ==== */

static int rows_show(struct seq_file *m, void *v)
{
	unsigned int i;

	for (i = 0; i < NR_ROWS; i++)
		if (row_here[i])
			seq_printf(m, "%s\n", bench_rows[i].name);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rows);

static void show_centi(struct seq_file *m, u64 v)
{
	u32 rem;
	u64 whole = div_u64_rem(v, 100, &rem);

	seq_printf(m, "%llu.%02u", whole, rem);
}

/* ",figure" in hundredths, or ",n/a" when the row has no such figure. */
static void show_field(struct seq_file *m, bool valid, u64 v)
{
	seq_putc(m, ',');
	if (valid)
		show_centi(m, v);
	else
		seq_puts(m, "n/a");
}

/*
 * One CSV line; the columns are those of the header in results_show().
 * ratio is the ratio of the two sides' medians; ratio_median and its
 * extremes are those of the per-repetition ratios.
 */
static void show_result(struct seq_file *m, const struct bench_row *row,
			const struct bench_result *res)
{
	bool toy = row->sides & SIDE_TOY, real = row->sides & SIDE_REAL;

	seq_printf(m, "%s,%u", row->name, row->threads);
	show_field(m, toy, res->toy.median);
	show_field(m, real, res->real.median);
	show_field(m, toy && real, div64_u64(res->toy.median * 100,
					     max(res->real.median, 1ULL)));
	show_field(m, toy, res->toy.min);
	show_field(m, toy, res->toy.max);
	show_field(m, real, res->real.min);
	show_field(m, real, res->real.max);
	seq_printf(m, ",%u,%lu", res->reps, res->ops);
	show_field(m, toy && real, res->ratio.median);
	show_field(m, toy && real, res->ratio.min);
	show_field(m, toy && real, res->ratio.max);
	seq_printf(m, ",%s\n", kind_names[row->kind]);
}

static int results_show(struct seq_file *m, void *v)
{
	unsigned int i;
	int err;

	seq_puts(m, "op,threads,toy_ns,real_ns,ratio,toy_min,toy_max,real_min,real_max,reps,ops,ratio_median,ratio_min,ratio_max,kind\n");
	err = mutex_lock_killable(&bench_mutex);
	if (err)
		return err;
	for (i = 0; i < NR_ROWS; i++)
		if (results[i].done)
			show_result(m, &bench_rows[i], &results[i]);
	mutex_unlock(&bench_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(results);

static int check_params(void)
{
	if (!ops || reps < 1 || reps > BENCH_MAX_REPS ||
	    !batch || batch > BENCH_MAX_BATCH ||
	    (strcmp(set, "all") && strcmp(set, "single") &&
	     strcmp(set, "smp"))) {
		pr_err("need ops >= 1, reps 1-%u, batch 1-%u, set all, single or smp\n",
		       BENCH_MAX_REPS, BENCH_MAX_BATCH);
		return -EINVAL;
	}
	return 0;
}

/* Every row of this boot, each group once. */
static int run_all(void)
{
	unsigned int i, first, nr;
	int err, ret = 0;

	for (i = 0; i < NR_ROWS; i++) {
		if (!row_here[i])
			continue;
		group_of(i, &first, &nr);
		if (first != i)
			continue;
		err = run_row(i);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

/* What the run file takes: a row name, "all", "memory" or "release". */
static int run_command(const char *cmd)
{
	unsigned int i;

	if (!strcmp(cmd, "all"))
		return run_all();
	if (!strcmp(cmd, "memory"))
		return memory_measure();
	if (!strcmp(cmd, "release")) {
		waste_release();
		return 0;
	}
	for (i = 0; i < NR_ROWS; i++) {
		if (strcmp(cmd, bench_rows[i].name))
			continue;
		if (row_here[i])
			return run_row(i);
		pr_info("run: %s: not run here: %s\n", cmd,
			row_absent(&bench_rows[i]) ?: "not in this boot's set");
		return -ENODEV;
	}
	pr_info("run: unknown row '%.64s' (see rows)\n", cmd);
	return -EINVAL;
}

static ssize_t run_write(struct file *file, const char __user *ubuf,
			 size_t len, loff_t *ppos)
{
	char buf[64];
	int err;

	if (*ppos || !len || len >= sizeof(buf)) {
		pr_info("run: write a row name, all, memory or release, in one write\n");
		return -EINVAL;
	}
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	/* Killable: a second writer may wait for minutes, unreported. */
	err = mutex_lock_killable(&bench_mutex);
	if (err)
		return err;
	err = run_command(strim(buf));
	mutex_unlock(&bench_mutex);
	if (err)
		return err;
	*ppos += len;
	return len;
}

static const struct file_operations run_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= run_write,
	/* No .llseek: lseek() fails with ESPIPE (6.1's no_llseek, gone in 6.12). */
};

/* ==== Load and unload ==== */

/* Which rows run in this boot; the others are named in the log. */
static unsigned int find_rows(void)
{
	unsigned int i, nr = 0;
	const char *why;

	for (i = 0; i < NR_ROWS; i++) {
		if (!row_in_set(&bench_rows[i]))
			continue;
		why = row_absent(&bench_rows[i]);
		row_here[i] = !why;
		if (why)
			pr_info("%s: not run here: %s\n", bench_rows[i].name, why);
		else
			nr++;
	}
	return nr;
}

static int __init toy_bench_init(void)
{
	unsigned int nr;
	int err = check_params();

	if (err)
		return err;
	nr = find_rows();
	bench_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("rows", 0400, bench_dir, NULL, &rows_fops);
	debugfs_create_file("run", 0200, bench_dir, NULL, &run_fops);
	debugfs_create_file("results", 0400, bench_dir, NULL, &results_fops);
	debugfs_create_file("memory", 0400, bench_dir, NULL, &memory_fops);
	waste_debugfs_init();
	pr_info("%u of %zu rows here; write one, or all, to %s/run\n", nr,
		NR_ROWS, "/sys/kernel/debug/" KBUILD_MODNAME);
	return 0;
}

static void __exit toy_bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
	mutex_lock(&bench_mutex);
	waste_release();
	mutex_unlock(&bench_mutex);
}

module_init(toy_bench_init);
module_exit(toy_bench_exit);

MODULE_DESCRIPTION("toy_alloc against the kernel's allocators, in the same boot");
MODULE_LICENSE("GPL");
