// SPDX-License-Identifier: GPL-2.0
/*
 * kmalloc on top of the slab layer: the size classes, kmalloc, kcalloc,
 * krealloc, ksize and kfree, and the large kmallocs that go straight to
 * the buddy (mm/slab_common.c's part).
 *
 * kmalloc picks its cache as kmalloc_index() does: kmalloc-<kmalloc_min> up
 * to that size, kmalloc-96 and kmalloc-192 between the powers of two, then
 * the next power of two up to 8192. Larger requests go straight to the
 * buddy as in kmalloc_large(); the head page of such a block carries
 * TOY_PG_LARGE, so kfree() and ksize() know what they hold.
 *
 * The kmalloc caches are made at load in the kernel's order
 * (create_kmalloc_caches()), kmalloc-<kmalloc_min> ... kmalloc-8k with
 * kmalloc-96 and kmalloc-192 after kmalloc-64 and kmalloc-128, each with
 * slab_prefill empty slabs, and live as long as the module: the slab layer
 * lists them with the other caches and gives their slabs back at unload.
 *
 * Locking: toy_large_lock (irq-safe) guards the list of large blocks and
 * takes no other lock inside; the buddy is called outside it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/log2.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "toy_internal.h"
#include "toy_slab.h"

static unsigned int kmalloc_min;	/* set once, at init */
/* size_index[] of mm/slab_common.c: (size - 1) / 8 -> cache, up to 192. */
static u8 size_index[24] __ro_after_init;

struct toy_kmem_cache *toy_kmalloc_cache_table[TOY_KMALLOC_CONST_INDEXES] __ro_after_init;
EXPORT_SYMBOL_GPL(toy_kmalloc_cache_table);

static struct toy_kmem_cache toy_kmalloc_caches[TOY_KMALLOC_SHIFT_HIGH + 1];

/* Large kmalloc blocks, linked through their head page's lru. */
static DEFINE_SPINLOCK(toy_large_lock);
static LIST_HEAD(toy_large_list);
static unsigned long toy_large_nr;	/* toy_large_lock */

/**
 * toy_kmalloc_index() - the kmalloc cache index for a size
 * @size: bytes asked for, 1 .. %TOY_KMALLOC_MAX_CACHE_SIZE.
 * @kmalloc_min: the smallest cache, 8, 16 or 32.
 *
 * __kmalloc_index() of include/linux/slab.h with KMALLOC_MIN_SIZE
 * @kmalloc_min: every size up to @kmalloc_min shares the smallest cache;
 * 65..96 and 129..192 have caches of their own where the smallest cache
 * leaves room for them; the rest go to the next power of two, whose
 * log2 is fls(size - 1).
 *
 * Return: the index: 1 for kmalloc-96, 2 for kmalloc-192, else log2 of the
 * object size; 0 for a size of 0.
 */
unsigned int toy_kmalloc_index(size_t size, unsigned int kmalloc_min)
{
	if (!size)
		return 0;
	if (size <= kmalloc_min)
		return ilog2(kmalloc_min);
	if (kmalloc_min <= 32 && size > 64 && size <= 96)
		return 1;
	if (kmalloc_min <= 64 && size > 128 && size <= 192)
		return 2;
	return fls(size - 1);
}
EXPORT_SYMBOL_IF_KUNIT(toy_kmalloc_index);

/**
 * toy_kmalloc_min() - the kmalloc_min the module runs with
 *
 * Return: 8, 16 or 32.
 */
unsigned int toy_kmalloc_min(void)
{
	return kmalloc_min;
}
EXPORT_SYMBOL_IF_KUNIT(toy_kmalloc_min);

/**
 * toy_kmalloc_cache() - the kmalloc cache that serves a size
 * @size: bytes asked for.
 *
 * Return: the cache, or NULL for 0 bytes and for sizes over
 * %TOY_KMALLOC_MAX_CACHE_SIZE, which have none.
 */
struct toy_kmem_cache *toy_kmalloc_cache(size_t size)
{
	unsigned int index;

	if (!size || size > TOY_KMALLOC_MAX_CACHE_SIZE)
		return NULL;
	/* kmalloc_slab(): a table up to 192 bytes, then a power of two. */
	if (size <= 192)
		index = size_index[(size - 1) / 8];
	else
		index = fls(size - 1);
	return &toy_kmalloc_caches[index];
}
EXPORT_SYMBOL_IF_KUNIT(toy_kmalloc_cache);

/* kmalloc_large(): a block from the buddy, marked and listed. */
static void *large_alloc(size_t size, toy_gfp_t gfp)
{
	struct toy_page *page;
	unsigned long flags;

	if (size > TOY_KMALLOC_MAX_SIZE)
		return NULL;
	page = toy_alloc_pages(gfp & (TOY_GFP_SLAB_MASK | __TOY_GFP_ZERO),
			       get_order(size));
	if (!page)
		return NULL;
	spin_lock_irqsave(&toy_large_lock, flags);
	__set_bit(TOY_PG_LARGE, &page->flags);
	list_add(&page->lru, &toy_large_list);
	toy_large_nr++;
	spin_unlock_irqrestore(&toy_large_lock, flags);
	return toy_lowmem_page_address(&toy_node0, page);
}

/* Free a large block; false if @page is not one (freed already, say). */
static bool large_free(struct toy_page *page)
{
	unsigned long flags;
	bool large;

	spin_lock_irqsave(&toy_large_lock, flags);
	large = test_bit(TOY_PG_LARGE, &page->flags);
	if (large) {
		__clear_bit(TOY_PG_LARGE, &page->flags);
		list_del(&page->lru);
		toy_large_nr--;
	}
	spin_unlock_irqrestore(&toy_large_lock, flags);
	if (large)
		toy_free_pages(page, page->order);
	return large;
}

static void *do_kmalloc(size_t size, toy_gfp_t gfp, unsigned long caller)
{
	if (!size)
		return TOY_ZERO_SIZE_PTR;
	if (size > TOY_KMALLOC_MAX_CACHE_SIZE)
		return large_alloc(size, gfp);
	return toy_slab_alloc(toy_kmalloc_cache(size), gfp, caller, size);
}

void *__toy_kmalloc(size_t size, toy_gfp_t gfp)
{
	return do_kmalloc(size, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(__toy_kmalloc);

void *toy_kcalloc(size_t n, size_t size, toy_gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes)))
		return NULL;
	return do_kmalloc(bytes, gfp | __TOY_GFP_ZERO, _RET_IP_);
}
EXPORT_SYMBOL_GPL(toy_kcalloc);

/* What ksize() reports for an object of @s: slab_ksize() of mm/slub.c. */
static size_t slab_ksize(const struct toy_kmem_cache *s)
{
	if (s->flags & (TOY_SLAB_RED_ZONE | TOY_SLAB_POISON))
		return s->object_size;
	if (s->flags & TOY_SLAB_STORE_USER)
		return s->meta_offset;
	return s->size;
}

/*
 * The usable size of @p, or 0 after a report if @p is no live toy
 * allocation start. A slab object is not checked for being allocated.
 */
static size_t do_ksize(const void *p, const char *api, unsigned long caller)
{
	struct toy_page *page;
	struct toy_kmem_cache *s;

	if (TOY_ZERO_OR_NULL_PTR(p))
		return 0;
	page = block_of(p);
	if (page && test_bit(TOY_PG_LARGE, &page->flags)) {
		if (p == toy_lowmem_page_address(&toy_node0, page))
			return PAGE_SIZE << page->order;
		toy_slab_bad_pointer(TOY_SE_NOT_OBJECT, api, p, caller);
		return 0;
	}
	s = slab_cache_of(page);
	if (!s) {
		toy_slab_bad_pointer(TOY_SE_NOT_SLAB, api, p, caller);
		return 0;
	}
	if (!valid_object(s, page, p)) {
		toy_slab_bad_pointer(TOY_SE_NOT_OBJECT, api, p, caller);
		return 0;
	}
	return slab_ksize(s);
}

size_t toy_ksize(const void *p)
{
	return do_ksize(p, "ksize", _RET_IP_);
}
EXPORT_SYMBOL_GPL(toy_ksize);

static void do_kfree(const void *p, unsigned long caller)
{
	struct toy_kmem_cache *s;
	struct toy_page *page;
	void *object = (void *)p;

	if (TOY_ZERO_OR_NULL_PTR(p))
		return;
	page = block_of(p);
	if (page && test_bit(TOY_PG_LARGE, &page->flags)) {
		if (p != toy_lowmem_page_address(&toy_node0, page))
			toy_slab_bad_pointer(TOY_SE_NOT_OBJECT, "kfree", p, caller);
		else if (!large_free(page))
			toy_slab_bad_pointer(TOY_SE_NOT_SLAB, "kfree", p, caller);
		return;
	}
	/* One read: the slab may go back to the buddy under a double free. */
	s = slab_cache_of(page);
	if (!s) {
		toy_slab_bad_pointer(TOY_SE_NOT_SLAB, "kfree", p, caller);
		return;
	}
	toy_slab_free(s, page, object, caller);
}

void toy_kfree(const void *p)
{
	do_kfree(p, _RET_IP_);
}
EXPORT_SYMBOL_GPL(toy_kfree);

void *toy_krealloc(const void *p, size_t new_size, toy_gfp_t gfp)
{
	size_t ks = 0;
	void *ret;

	if (!new_size) {
		do_kfree(p, _RET_IP_);
		return TOY_ZERO_SIZE_PTR;
	}
	if (!TOY_ZERO_OR_NULL_PTR(p)) {
		ks = do_ksize(p, "krealloc", _RET_IP_);
		if (!ks)
			return NULL;
	}
	if (ks >= new_size)
		return (void *)p;
	ret = do_kmalloc(new_size, gfp, _RET_IP_);
	if (ret && ks) {
		memcpy(ret, p, ks);
		do_kfree(p, _RET_IP_);
	}
	return ret;
}
EXPORT_SYMBOL_GPL(toy_krealloc);

/* === The kmalloc caches ==================================================== */

/* kmalloc_info[] of mm/slab_common.c: the object size of cache @index. */
static unsigned int kmalloc_size(unsigned int index)
{
	if (index == 1)
		return 96;
	if (index == 2)
		return 192;
	return 1U << index;
}

static int create_kmalloc_cache(unsigned int index, unsigned int prefill)
{
	struct toy_kmem_cache *s = &toy_kmalloc_caches[index];
	unsigned int size = kmalloc_size(index);
	unsigned int align = ARCH_KMALLOC_MINALIGN;
	char name[TOY_SLAB_NAME_MAX];

	if (size >= 1024)
		snprintf(name, sizeof(name), "kmalloc-%uk", size >> 10);
	else
		snprintf(name, sizeof(name), "kmalloc-%u", size);
	/* create_boot_cache(): powers of two are naturally aligned. */
	if (is_power_of_2(size))
		align = max(align, size);
	return toy_slab_boot_cache(s, name, size, align, prefill);
}

/**
 * toy_kmalloc_init() - create the kmalloc caches
 * @min: kmalloc_min: the smallest cache, 8, 16 or 32.
 * @prefill: empty slabs each cache takes from the buddy at once.
 *
 * Checks @min, then creates kmalloc-<@min> ... kmalloc-8k with kmalloc-96
 * and kmalloc-192 in the kernel's order (create_kmalloc_caches()).
 *
 * Context: Module load, after toy_slab_init(). On failure the caller
 * gives back what was made with toy_slab_exit().
 * Return: 0, -EINVAL for a bad @min, -ENOMEM if the prefill does not fit;
 * one line says why.
 */
int toy_kmalloc_init(unsigned int min, unsigned int prefill)
{
	unsigned int i;
	int err = 0;

	if (min != 8 && min != 16 && min != 32) {
		pr_err("kmalloc_min=%u: must be 8, 16 or 32\n", min);
		return -EINVAL;
	}
	kmalloc_min = min;
	for (i = 0; i < ARRAY_SIZE(size_index); i++)
		size_index[i] = toy_kmalloc_index(8 * i + 8, min);
	for (i = 1; i < TOY_KMALLOC_CONST_INDEXES; i++)
		toy_kmalloc_cache_table[i] =
			&toy_kmalloc_caches[toy_kmalloc_raise_index(i, min)];
	for (i = ilog2(min); i <= TOY_KMALLOC_SHIFT_HIGH && !err; i++) {
		err = create_kmalloc_cache(i, prefill);
		if (!err && min <= 32 && i == 6)
			err = create_kmalloc_cache(1, prefill);
		if (!err && min <= 64 && i == 7)
			err = create_kmalloc_cache(2, prefill);
	}
	return err;
}

/**
 * toy_kmalloc_exit() - give every large kmalloc block back to the buddy
 *
 * Reports how many were never freed. The kmalloc caches go with the
 * others, in toy_slab_exit().
 *
 * Context: Module unload, before the buddy's node is destroyed.
 */
void toy_kmalloc_exit(void)
{
	struct toy_page *page, *tmp;
	unsigned long nr;
	LIST_HEAD(large);

	spin_lock_irq(&toy_large_lock);
	list_splice_init(&toy_large_list, &large);
	nr = toy_large_nr;
	toy_large_nr = 0;
	spin_unlock_irq(&toy_large_lock);
	if (nr)
		pr_warn("unload: %lu large kmalloc blocks still allocated, back to the buddy\n",
			nr);
	list_for_each_entry_safe(page, tmp, &large, lru) {
		__clear_bit(TOY_PG_LARGE, &page->flags);
		list_del(&page->lru);
		toy_free_pages(page, page->order);
	}
}
