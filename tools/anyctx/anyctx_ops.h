/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an interrupt does to toy_alloc, shared by the KUnit suite
 * toy_context and the guest module toy_anyctx: every API documented
 * "Any context", called from a hard interrupt (an hrtimer) and from a
 * softirq (a timer) while process context validates, tunes, creates and
 * destroys caches and drains the per-CPU lists under them.
 *
 * Each callback owns one ring: it frees what its last run left there and
 * takes new memory, so frees always meet memory from an earlier run,
 * checked by a pattern first. A NULL from an allocation is allowed (the
 * region may be short) and counted; a pattern that does not hold is a
 * failure.
 */
#ifndef TOY_ANYCTX_OPS_H
#define TOY_ANYCTX_OPS_H

#include <linux/atomic.h>
#include <linux/string.h>

#include "../../toy_kmalloc.h"

/* What a hardirq or softirq may ask for, as in the kernel: no sleeping. */
#define ANYCTX_GFP	(TOY_GFP_ATOMIC | __TOY_GFP_NOWARN)

/* What one callback keeps from one run to the next. */
struct anyctx_ring {
	u8 *kmalloc;		/* kmalloc'ed, krealloc'ed larger */
	size_t kmalloc_size;
	u8 *object;		/* from the shared cache */
	u8 *array;		/* kcalloc'ed, 4 x 16 bytes */
	struct toy_page *page;	/* order 0, Normal */
	struct toy_page *high;	/* order @high_order, HighMem first */
	unsigned int high_order;
	u8 tag;			/* the pattern byte of the last run */
	u32 seed;
};

/* Counted by context kind (hardirq, softirq). */
struct anyctx_stats {
	atomic_long_t runs;
	atomic_long_t calls;
	atomic_long_t nulls;	/* allocations that found no memory */
	atomic_long_t bad;	/* patterns that did not hold */
};

static inline void anyctx_fill(struct anyctx_stats *st, u8 *p, size_t n,
			       u8 tag)
{
	if (p)
		memset(p, tag, n);
	else
		atomic_long_inc(&st->nulls);
	atomic_long_inc(&st->calls);
}

static inline void anyctx_check(struct anyctx_stats *st, const u8 *p,
				size_t n, u8 tag)
{
	if (p && memchr_inv(p, tag, n))
		atomic_long_inc(&st->bad);
}

/* The pages of the ring, written and read through kmap_local/atomic. */
static inline void anyctx_page_fill(struct anyctx_stats *st,
				    struct toy_page *page, u8 tag, bool local)
{
	u8 *p;

	atomic_long_inc(&st->calls);
	if (!page) {
		atomic_long_inc(&st->nulls);
		return;
	}
	p = local ? toy_kmap_local_page(page) : toy_kmap_atomic(page);
	memset(p, tag, 64);
	if (local)
		toy_kunmap_local(p);
	else
		toy_kunmap_atomic(p);
}

static inline void anyctx_page_check(struct anyctx_stats *st,
				     struct toy_page *page, u8 tag, bool local)
{
	u8 *p;

	if (!page)
		return;
	p = local ? toy_kmap_local_page(page) : toy_kmap_atomic(page);
	if (memchr_inv(p, tag, 64))
		atomic_long_inc(&st->bad);
	if (local)
		toy_kunmap_local(p);
	else
		toy_kunmap_atomic(p);
}

/* Check and give back what the last run left. */
static inline void anyctx_release(struct anyctx_stats *st,
				  struct anyctx_ring *r,
				  struct toy_kmem_cache *cache)
{
	anyctx_check(st, r->kmalloc, r->kmalloc_size, r->tag);
	if (r->kmalloc && toy_ksize(r->kmalloc) < r->kmalloc_size)
		atomic_long_inc(&st->bad);
	anyctx_check(st, r->object, 32, r->tag);
	anyctx_check(st, r->array, 64, r->tag);
	anyctx_page_check(st, r->page, r->tag, false);
	anyctx_page_check(st, r->high, r->tag, true);
	toy_kfree(r->kmalloc);
	toy_kmem_cache_free(cache, r->object);
	toy_kfree(r->array);
	toy_free_pages(r->page, 0);
	toy_free_pages(r->high, r->high_order);
	r->kmalloc = NULL;
	r->object = NULL;
	r->array = NULL;
	r->page = NULL;
	r->high = NULL;
}

/* One run of a callback: release the last run's memory, take new. */
static inline void anyctx_run(struct anyctx_stats *st, struct anyctx_ring *r,
			      struct toy_kmem_cache *cache)
{
	size_t size;
	u8 *bigger;

	anyctx_release(st, r, cache);
	r->seed = r->seed * 1103515245 + 12345;
	r->tag++;
	size = 1 + (r->seed >> 8) % 3000;
	r->kmalloc = toy_kmalloc(size, ANYCTX_GFP);
	r->kmalloc_size = size;
	anyctx_fill(st, r->kmalloc, size, r->tag);
	if (r->kmalloc) {
		bigger = toy_krealloc(r->kmalloc, 2 * size, ANYCTX_GFP);
		atomic_long_inc(&st->calls);
		if (bigger) {
			anyctx_check(st, bigger, size, r->tag);
			r->kmalloc = bigger;
		}
	}
	r->object = toy_kmem_cache_alloc(cache, ANYCTX_GFP);
	anyctx_fill(st, r->object, 32, r->tag);
	r->array = toy_kcalloc(4, 16, ANYCTX_GFP);
	anyctx_fill(st, r->array, 64, r->tag);
	r->page = toy_alloc_pages(TOY_GFP_KERNEL | ANYCTX_GFP, 0);
	if (r->page && !toy_page_address(r->page))
		atomic_long_inc(&st->bad);	/* a Normal page has one */
	anyctx_page_fill(st, r->page, r->tag, false);
	r->high_order = (r->seed >> 4) & 1;
	r->high = toy_alloc_pages(TOY_GFP_HIGHUSER | ANYCTX_GFP,
				  r->high_order);
	anyctx_page_fill(st, r->high, r->tag, true);
	atomic_long_inc(&st->runs);
}

#endif /* TOY_ANYCTX_OPS_H */
