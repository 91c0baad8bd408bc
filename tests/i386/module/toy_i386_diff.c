// SPDX-License-Identifier: GPL-2.0
/*
 * The differential test of the toy's kmap window against the real one:
 * built for an i386 kernel with HIGHMEM4G and loaded after toy_alloc.ko
 * (built for the same kernel, pkmap_slots equal to LAST_PKMAP), it runs
 * one seeded trace of kmap/kunmap operations (trace.h, made by
 * tests/i386/gen-trace.py) twice:
 *
 *   real: kmap()/kunmap() on pages from alloc_page(GFP_HIGHUSER), through
 *         the kernel's own mm/highmem.c (kmap_high() and kunmap_high(),
 *         what kmap() and kunmap() call for a HighMem page);
 *   toy:  toy_kmap()/toy_kunmap() on HighMem pages of the toy, through
 *         toy_highmem.c as the module runs it.
 *
 * Each side writes one record line per operation: the operation, the
 * page, whether page_address() was set before and after, the slot
 * ((vaddr - PKMAP_BASE) >> PAGE_SHIFT, the toy's from its emulated
 * address), and the number of flushes so far. The toy's flushes come
 * from its own counter. The real kernel counts its flushes nowhere a
 * module can see, so they are inferred from what page_address() shows:
 * a slot has a count of 0 exactly when no page has its address, and a
 * kmap that needs a new slot wraps the scan, and flushes, when no slot
 * after the last one handed out (the previous new slot) has count 0
 * (map_new_virtual()). When the host passes the addresses of the
 * kernel's static last_pkmap_nr and pkmap_count[] (from System.map), each
 * record also carries last_pkmap_nr and a hash of all counts, and the
 * toy's side the same of its own. Every 64 operations, and after each
 * flush, a line counts the trace's pages that have no address.
 *
 * The two records must be identical byte for byte. The module compares
 * them, prints "ok - ..." / "not ok - ..." lines, and leaves both in
 * debugfs (toy_i386_diff/real, /toy) for the host to compare again.
 */

#define pr_fmt(fmt) "toy-i386: " fmt

#include <linux/debugfs.h>
#include <linux/highmem.h>
#include <linux/jhash.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "toy_internal.h"
#include "toy_highmem.h"
#include "trace.h"

static unsigned long real_last_pkmap_nr;
module_param(real_last_pkmap_nr, ulong, 0444);
MODULE_PARM_DESC(real_last_pkmap_nr, "address of mm/highmem.c's static last_pkmap_nr (System.map), or 0");

static unsigned long real_pkmap_count;
module_param(real_pkmap_count, ulong, 0444);
MODULE_PARM_DESC(real_pkmap_count, "address of mm/highmem.c's static pkmap_count[] (System.map), or 0");

#define RECORD_MAX	(64 * (TRACE_OPS + 64))
#define INIT_WORD	0xdeadbeefU

/* One side of the test: how to map, and what it wrote. */
struct side {
	const char *name;
	void *(*map)(struct side *s, unsigned int i);
	void (*unmap)(struct side *s, unsigned int i);
	bool (*mapped)(struct side *s, unsigned int i);
	int (*slot)(struct side *s, unsigned int i);
	unsigned long (*flushes)(struct side *s);
	bool (*state)(struct side *s, unsigned int *last, u32 *hash);

	char *rec;
	size_t len;
	bool overflow;
	u32 expect[TRACE_PAGES];	/* the word each page should hold */
	unsigned int data_bad;
	unsigned int first_kmaps;	/* kmaps of pages never mapped before */
	unsigned int first_bad;		/* ... with an address before or none after */
	unsigned int slot_bad;		/* slots out of the window */
	struct debugfs_blob_wrapper blob;
};

static __printf(2, 3) void emit(struct side *s, const char *fmt, ...)
{
	va_list args;
	int n;

	if (s->overflow)
		return;
	va_start(args, fmt);
	n = vsnprintf(s->rec + s->len, RECORD_MAX - s->len, fmt, args);
	va_end(args);
	if (n >= RECORD_MAX - s->len)
		s->overflow = true;
	else
		s->len += n;
}

/* ---- the real kernel ---- */

static struct page **real_pages;
static unsigned long real_flushes;
static int real_last_new;		/* last_pkmap_nr, as seen from here */
static int real_occupant[TRACE_SLOTS];	/* page given the slot last, or -1 */

static int real_slot_of(void *addr)
{
	return ((unsigned long)addr - PKMAP_BASE) >> PAGE_SHIFT;
}

/* Count 0: no page has the slot's address (page_address_htable). */
static bool real_slot_free(int slot)
{
	int i = real_occupant[slot];

	return i < 0 || page_address(real_pages[i]) != (void *)PKMAP_ADDR(slot);
}

static void *real_map(struct side *s, unsigned int i)
{
	bool had = page_address(real_pages[i]), wraps = true;
	void *addr;
	int slot;

	if (!had) {
		/* The scan starts after last_pkmap_nr and wraps if it must. */
		for (slot = real_last_new + 1; slot < TRACE_SLOTS; slot++)
			if (real_slot_free(slot)) {
				wraps = false;
				break;
			}
	}
	addr = kmap_high(real_pages[i]);
	slot = real_slot_of(addr);
	if (!had) {
		real_flushes += wraps;
		real_last_new = slot;
		real_occupant[slot] = i;
	}
	return addr;
}

static void real_unmap(struct side *s, unsigned int i)
{
	kunmap_high(real_pages[i]);
}

static bool real_mapped(struct side *s, unsigned int i)
{
	return page_address(real_pages[i]);
}

static int real_slot(struct side *s, unsigned int i)
{
	void *addr = page_address(real_pages[i]);

	return addr ? real_slot_of(addr) : -1;
}

static unsigned long real_flush_count(struct side *s)
{
	return real_flushes;
}

static bool real_state(struct side *s, unsigned int *last, u32 *hash)
{
	if (!real_last_pkmap_nr || !real_pkmap_count)
		return false;
	*last = *(unsigned int *)real_last_pkmap_nr;
	*hash = jhash2((u32 *)real_pkmap_count, LAST_PKMAP, 0);
	return true;
}

/* ---- the toy ---- */

static struct toy_page **toy_pages;
static unsigned long toy_flush_base;

static void *toy_map(struct side *s, unsigned int i)
{
	return toy_kmap(toy_pages[i]);
}

static void toy_unmap(struct side *s, unsigned int i)
{
	toy_kunmap(toy_pages[i]);
}

static bool toy_mapped(struct side *s, unsigned int i)
{
	return toy_page_address(toy_pages[i]);
}

static int toy_slot(struct side *s, unsigned int i)
{
	u32 vaddr = toy_hm_pkmap_vaddr(&toy_highmem0, toy_pages[i]);
	u32 base = toy_highmem0.layout.pkmap_base;

	return vaddr ? (int)((vaddr - base) >> PAGE_SHIFT) : -1;
}

static unsigned long toy_flush_count(struct side *s)
{
	return toy_hm_stat(&toy_highmem0, TOY_HS_FLUSH) - toy_flush_base;
}

static bool toy_state(struct side *s, unsigned int *last, u32 *hash)
{
	if (!real_last_pkmap_nr || !real_pkmap_count)
		return false;
	spin_lock(&toy_highmem0.kmap_lock);
	*last = toy_highmem0.last_pkmap_nr;
	*hash = jhash2((u32 *)toy_highmem0.pkmap_count,
		       toy_highmem0.nr_slots, 0);
	spin_unlock(&toy_highmem0.kmap_lock);
	return true;
}

static struct side sides[2] = {
	{ .name = "real", .map = real_map, .unmap = real_unmap,
	  .mapped = real_mapped, .slot = real_slot,
	  .flushes = real_flush_count, .state = real_state },
	{ .name = "toy", .map = toy_map, .unmap = toy_unmap,
	  .mapped = toy_mapped, .slot = toy_slot,
	  .flushes = toy_flush_count, .state = toy_state },
};

/* ---- running the trace ---- */

static unsigned int addrless(struct side *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < TRACE_PAGES; i++)
		n += !s->mapped(s, i);
	return n;
}

static void one_op(struct side *s, unsigned int op_nr, u16 op,
		   bool *seen)
{
	unsigned int i = op & ~TRACE_UNMAP, last;
	bool unmap = op & TRACE_UNMAP, before, after;
	unsigned long flushes = s->flushes(s);
	u32 *word, hash;
	int slot;

	before = s->mapped(s, i);
	if (unmap) {
		slot = s->slot(s, i);
		s->unmap(s, i);
	} else {
		word = s->map(s, i);
		slot = s->slot(s, i);
		if (!word || *word != s->expect[i])
			s->data_bad++;
		if (word)
			*word = s->expect[i] = op_nr;
		if (!seen[i]) {
			seen[i] = true;
			s->first_kmaps++;
			s->first_bad += before || !s->mapped(s, i);
		}
	}
	after = s->mapped(s, i);
	if (slot < 0 || slot >= TRACE_SLOTS)
		s->slot_bad++;
	emit(s, "%u %c %u %d %d %d %lu", op_nr, unmap ? 'u' : 'm', i, before,
	     slot, after, s->flushes(s));
	if (s->state(s, &last, &hash))
		emit(s, " %u %08x", last, hash);
	emit(s, "\n");
	if (s->flushes(s) != flushes || !(op_nr % 64))
		emit(s, "addrless %u after op %u\n", addrless(s), op_nr);
}

static void run_side(struct side *s)
{
	bool *seen = kcalloc(TRACE_PAGES, sizeof(*seen), GFP_KERNEL);
	unsigned int n;

	if (!seen)
		return;
	emit(s, "# trace seed %u: %u ops on %u pages, %u slots\n", TRACE_SEED,
	     TRACE_OPS, TRACE_PAGES, TRACE_SLOTS);
	emit(s, "addrless %u at start\n", addrless(s));
	for (n = 0; n < TRACE_OPS; n++)
		one_op(s, n, trace_ops[n], seen);
	emit(s, "addrless %u at end, %lu flushes\n", addrless(s), s->flushes(s));
	kfree(seen);
}

/* Every page starts with INIT_WORD, written through a local mapping. */
static void init_words(void)
{
	unsigned int i;
	u32 *w;

	for (i = 0; i < TRACE_PAGES; i++) {
		w = kmap_local_page(real_pages[i]);
		*w = INIT_WORD;
		kunmap_local(w);
		w = toy_kmap_local_page(toy_pages[i]);
		if (w) {
			*w = INIT_WORD;
			toy_kunmap_local(w);
		}
		sides[0].expect[i] = INIT_WORD;
		sides[1].expect[i] = INIT_WORD;
	}
}

/* ---- results ---- */

static unsigned int nr_ok, nr_fail;

static __printf(2, 3) void result(bool ok, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_info("%sok - i386 diff: %pV\n", ok ? "" : "not ", &vaf);
	va_end(args);
	if (ok)
		nr_ok++;
	else
		nr_fail++;
}

/*
 * The emulated layout against the real one, value by value: the config
 * the toy chose for the CPUs here against this kernel's own, then each
 * number the toy derived from it against the kernel's macro.
 */
static void check_layout(void)
{
	const struct toy_hm_layout *l = &toy_highmem0.layout;
	const struct {
		const char *name;
		unsigned long toy, real;
	} v[] = {
		{ "NR_CPUS", l->cfg.nr_cpus, CONFIG_NR_CPUS },
		{ "X86_LOCAL_APIC", l->cfg.local_apic,
		  IS_ENABLED(CONFIG_X86_LOCAL_APIC) },
		{ "X86_IO_APIC", l->cfg.io_apic, IS_ENABLED(CONFIG_X86_IO_APIC) },
		{ "PAGE_OFFSET", TOY_PAGE_OFFSET, PAGE_OFFSET },
		{ "high_memory", l->high_memory, (unsigned long)high_memory },
		{ "VMALLOC_START", l->vmalloc_start, VMALLOC_START },
		{ "VMALLOC_END", l->vmalloc_end, VMALLOC_END },
		{ "PKMAP_BASE", l->pkmap_base, PKMAP_BASE },
		{ "LAST_PKMAP", TOY_LAST_PKMAP, LAST_PKMAP },
		{ "LDT_BASE_ADDR", l->ldt_base, LDT_BASE_ADDR },
		{ "CPU_ENTRY_AREA_BASE", l->cea_base, CPU_ENTRY_AREA_BASE },
		{ "CPU_ENTRY_AREA_PAGES", l->cea_pages, CPU_ENTRY_AREA_PAGES },
		{ "FIXADDR_TOT_START", l->fixaddr_tot_start, FIXADDR_TOT_START },
		{ "FIXADDR_START", l->fixaddr_start, FIXADDR_START },
		{ "FIXADDR_TOP", TOY_FIXADDR_TOP, FIXADDR_TOP },
		{ "FIX_KMAP_BEGIN", l->fix_kmap_begin, FIX_KMAP_BEGIN },
		{ "FIX_KMAP_END", l->fix_kmap_end, FIX_KMAP_END },
		{ "fix_to_virt(FIX_KMAP_BEGIN)", TOY_FIX_TO_VIRT(l->fix_kmap_begin),
		  __fix_to_virt(FIX_KMAP_BEGIN) },
		{ "__end_of_permanent_fixed_addresses", l->fix_permanent,
		  __end_of_permanent_fixed_addresses },
		{ "FIX_BTMAP_END", l->fix_btmap_end, FIX_BTMAP_END },
		{ "__end_of_fixed_addresses", l->fix_end, __end_of_fixed_addresses },
		{ "KM_MAX_IDX", TOY_KM_MAX_IDX, KM_MAX_IDX },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(v); i++)
		result(v[i].toy == v[i].real, "layout %s: real 0x%lx, toy 0x%lx",
		       v[i].name, v[i].real, v[i].toy);
}

/* The first line where the records part, for the log. */
static void show_difference(void)
{
	const char *a = sides[0].rec, *b = sides[1].rec, *la = a, *lb = b;
	size_t i, n = min(sides[0].len, sides[1].len);

	for (i = 0; i < n && a[i] == b[i]; i++)
		if (a[i] == '\n') {
			la = a + i + 1;
			lb = b + i + 1;
		}
	pr_info("first difference: real \"%.*s\", toy \"%.*s\"\n",
		(int)strcspn(la, "\n"), la, (int)strcspn(lb, "\n"), lb);
}

static void report(void)
{
	struct side *r = &sides[0], *t = &sides[1];
	bool same = r->len == t->len && !memcmp(r->rec, t->rec, r->len);

	result(!r->overflow && !t->overflow, "records fit (%zu, %zu bytes)",
	       r->len, t->len);
	result(same, "records identical byte for byte (%zu bytes, %u ops, seed %u)",
	       r->len, TRACE_OPS, TRACE_SEED);
	if (!same)
		show_difference();
	result(r->flushes(r) == t->flushes(t) && r->flushes(r) > 0,
	       "flushes: real %lu, toy %lu", r->flushes(r), t->flushes(t));
	result(!r->first_bad && !t->first_bad &&
	       r->first_kmaps == TRACE_PAGES && t->first_kmaps == TRACE_PAGES,
	       "page_address NULL before the first kmap and set after, both sides (%u and %u pages, %u and %u wrong)",
	       r->first_kmaps, t->first_kmaps, r->first_bad, t->first_bad);
	result(!r->slot_bad && !t->slot_bad, "every slot inside the window");
	result(!r->data_bad && !t->data_bad,
	       "data written through each kmap read back through the next (bad: real %u, toy %u)",
	       r->data_bad, t->data_bad);
	result(real_last_pkmap_nr && real_pkmap_count,
	       "last_pkmap_nr and pkmap_count[] compared too");
}

/* ==== kmap+kunmap timed, real and toy, in this boot ==== */

#define BENCH_OPS	1000000
#define BENCH_REPS	5

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* One repetition: BENCH_OPS kmap+kunmap of one page; its ns in all. */
static u64 time_kmap_once(bool toy)
{
	u64 t0 = ktime_get_ns();
	unsigned int i;

	for (i = 0; i < BENCH_OPS; i++) {
		if (toy) {
			OPTIMIZER_HIDE_VAR(toy_pages[0]);
			toy_kmap(toy_pages[0]);
			toy_kunmap(toy_pages[0]);
		} else {
			OPTIMIZER_HIDE_VAR(real_pages[0]);
			kmap_high(real_pages[0]);
			kunmap_high(real_pages[0]);
		}
	}
	return ktime_get_ns() - t0;
}

/*
 * What make bench cannot measure on x86_64, which has no HighMem: kmap()
 * and kunmap() of a HighMem page through mm/highmem.c (kmap_high() and
 * kunmap_high(), all they do for such a page), against the toy's,
 * on the same CPU in the same boot, repetitions interleaved. The page
 * keeps its slot between the operations (its count goes 1 -> 2 -> 1), as
 * in make bench's toy row: the lookup, not the flush. Prints hundredths
 * of ns/op, the median of BENCH_REPS. Timing only: nothing is asserted.
 */
static void bench_kmap(void)
{
	u64 t[2][BENCH_REPS], med[2], ratio;
	u32 rem[3];
	unsigned int r, side;

	kmap_high(real_pages[0]);	/* a slot for each page first */
	kunmap_high(real_pages[0]);
	toy_kmap(toy_pages[0]);
	toy_kunmap(toy_pages[0]);
	for (r = 0; r < BENCH_REPS; r++) {
		for (side = 0; side < 2; side++)
			t[side][r] = time_kmap_once(side);
		cond_resched();
	}
	for (side = 0; side < 2; side++) {
		sort(t[side], BENCH_REPS, sizeof(u64), cmp_u64, NULL);
		med[side] = div_u64(t[side][BENCH_REPS / 2] * 100, BENCH_OPS);
	}
	ratio = div64_u64(med[1] * 100, max_t(u64, med[0], 1));
	/* Each quotient before its remainder is read. */
	for (side = 0; side < 2; side++)
		med[side] = div_u64_rem(med[side], 100, &rem[side]);
	ratio = div_u64_rem(ratio, 100, &rem[2]);
	pr_info("bench: kmap+kunmap/highmem toy %llu.%02u ns/op, real %llu.%02u ns/op, toy/real %llu.%02u (median of %u x %u)\n",
		med[1], rem[1], med[0], rem[0], ratio, rem[2], BENCH_REPS,
		BENCH_OPS);
}

static struct dentry *dir;

static void free_pages_all(void)
{
	unsigned int i;

	for (i = 0; i < TRACE_PAGES; i++) {
		if (real_pages && real_pages[i])
			__free_page(real_pages[i]);
		if (toy_pages && toy_pages[i])
			toy_free_pages(toy_pages[i], 0);
	}
	kfree(real_pages);
	kfree(toy_pages);
}

static int alloc_pages_all(void)
{
	unsigned int i;

	real_pages = kcalloc(TRACE_PAGES, sizeof(*real_pages), GFP_KERNEL);
	toy_pages = kcalloc(TRACE_PAGES, sizeof(*toy_pages), GFP_KERNEL);
	if (!real_pages || !toy_pages)
		return -ENOMEM;
	for (i = 0; i < TRACE_PAGES; i++) {
		real_pages[i] = alloc_page(GFP_HIGHUSER);
		toy_pages[i] = toy_alloc_pages(TOY_GFP_HIGHUSER, 0);
		if (!real_pages[i] || !toy_pages[i])
			return -ENOMEM;
		if (!PageHighMem(real_pages[i]) ||
		    !toy_page_is_highmem(toy_pages[i])) {
			pr_info("page %u is not HighMem\n", i);
			return -EINVAL;
		}
	}
	return 0;
}

static int __init toy_i386_diff_init(void)
{
	int err, i;

	check_layout();
	result(toy_highmem0.nr_slots == TRACE_SLOTS && LAST_PKMAP == TRACE_SLOTS,
	       "slots: real %d, toy %u, trace %d", LAST_PKMAP,
	       toy_highmem0.nr_slots, TRACE_SLOTS);
	err = alloc_pages_all();
	result(!err, "%d HighMem pages on each side", TRACE_PAGES);
	for (i = 0; i < TRACE_SLOTS; i++)
		real_occupant[i] = -1;
	if (real_last_pkmap_nr && real_pkmap_count)
		result(!*(unsigned int *)real_last_pkmap_nr &&
		       !memchr_inv((void *)real_pkmap_count, 0,
				   LAST_PKMAP * sizeof(int)),
		       "the real window is untouched before the test");
	for (i = 0; !err && i < 2; i++) {
		sides[i].rec = vmalloc(RECORD_MAX);
		if (!sides[i].rec)
			err = -ENOMEM;
	}
	if (err)
		goto out;
	init_words();
	toy_flush_base = toy_hm_stat(&toy_highmem0, TOY_HS_FLUSH);
	run_side(&sides[0]);
	run_side(&sides[1]);
	report();
	bench_kmap();

	dir = debugfs_create_dir("toy_i386_diff", NULL);
	for (i = 0; i < 2; i++) {
		sides[i].blob.data = sides[i].rec;
		sides[i].blob.size = sides[i].len;
		debugfs_create_blob(sides[i].name, 0400, dir, &sides[i].blob);
	}
out:
	free_pages_all();
	pr_info("%u passed, %u failed\n", nr_ok, nr_fail);
	if (err) {
		vfree(sides[0].rec);
		vfree(sides[1].rec);
	}
	return err;
}

static void __exit toy_i386_diff_exit(void)
{
	debugfs_remove_recursive(dir);
	vfree(sides[0].rec);
	vfree(sides[1].rec);
}

module_init(toy_i386_diff_init);
module_exit(toy_i386_diff_exit);

MODULE_DESCRIPTION("toy_alloc: differential test of the kmap window against real i386 HIGHMEM");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
