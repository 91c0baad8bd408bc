// SPDX-License-Identifier: GPL-2.0
/*
 * The slab layer's ctl verbs: kmalloc, kcalloc, kfree, krealloc and which
 * (the size class a size goes to); cache_create, cache_alloc, cache_free,
 * cache_shrink and cache_destroy on named caches; and poke, a test aid that
 * writes one byte anywhere in an object's slab, so that the checks of
 * toy_slab_debug.c have something to find. Objects are named by handles of
 * kind "kmalloc" and "cache_obj"; a line tells where each lives: cache,
 * slab pfn, object index and offset, or the large block.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include "toy_ctl.h"
#include "toy_slab.h"

/* Where @p lives, for a ctl line: cache, slab pfn and object, or block. */
static void describe(const void *p, char *buf, size_t len)
{
	struct toy_page *page;
	struct toy_kmem_cache *s;

	if (TOY_ZERO_OR_NULL_PTR(p)) {
		snprintf(buf, len, "ZERO_SIZE_PTR, no memory");
		return;
	}
	page = block_of(p);
	if (!page) {
		snprintf(buf, len, "no toy block");
		return;
	}
	if (test_bit(TOY_PG_LARGE, &page->flags)) {
		snprintf(buf, len, "large: order %u block at pfn %lu",
			 page->order, toy_page_to_pfn(page));
		return;
	}
	s = page->slab_cache;
	snprintf(buf, len, "%s slab pfn %lu object %u offset %#lx", s->name,
		 toy_page_to_pfn(page), object_index(s, page, (void *)p),
		 (unsigned long)(p - slab_address(page)));
}

static int verb_kmalloc(int argc, char **argv)
{
	toy_gfp_t gfp = TOY_GFP_KERNEL | __TOY_GFP_NOWARN;
	struct toy_handle *h;
	unsigned int size;
	char where[80];
	void *p;
	int err;

	err = toy_ctl_parse_uint(argv[0], "SIZE", argv[1], TOY_KMALLOC_MAX_SIZE,
				 &size);
	if (err)
		return err;
	if (argc > 2) {
		if (strcmp(argv[2], "zero")) {
			pr_info("%s: '%.16s' is not 'zero'\n", argv[0], argv[2]);
			return -EINVAL;
		}
		gfp |= __TOY_GFP_ZERO;
	}
	h = toy_handle_new(TOY_H_KMALLOC);
	if (!h)
		return -ENOMEM;
	p = toy_kmalloc(size, gfp);
	if (!p) {
		toy_handle_delete(h);
		pr_info("%s: out of toy memory for %u bytes\n", argv[0], size);
		return -ENOMEM;
	}
	h->ptr = p;
	h->size = size;
	describe(p, where, sizeof(where));
	pr_info("%s: handle %d: %u bytes%s from %s\n", argv[0], h->id, size,
		gfp & __TOY_GFP_ZERO ? " zeroed" : "", where);
	return 0;
}

/* An argument of kcalloc, all of unsigned long; one line if it is none. */
static int parse_ulong(const char *verb, const char *what, const char *s,
		       unsigned long *val)
{
	int err = kstrtoul(s, 0, val);

	if (err)
		pr_info("%s: %s '%.24s' is not a number from 0 to %lu\n", verb,
			what, s, ULONG_MAX);
	return err;
}

/*
 * kcalloc N SIZE: N and SIZE go to toy_kcalloc() as they are, so that its
 * own check is what refuses an N * SIZE that overflows.
 */
static int verb_kcalloc(int argc, char **argv)
{
	unsigned long n, size, bytes;
	struct toy_handle *h;
	char where[80];
	void *p;
	int err;

	err = parse_ulong(argv[0], "N", argv[1], &n);
	if (!err)
		err = parse_ulong(argv[0], "SIZE", argv[2], &size);
	if (err)
		return err;
	h = toy_handle_new(TOY_H_KMALLOC);
	if (!h)
		return -ENOMEM;
	p = toy_kcalloc(n, size, TOY_GFP_KERNEL | __TOY_GFP_NOWARN);
	if (!p) {
		toy_handle_delete(h);
		if (check_mul_overflow(n, size, &bytes)) {
			pr_info("%s: %lu x %lu bytes overflows: NULL\n", argv[0], n,
				size);
			return -ERANGE;
		}
		if (bytes > TOY_KMALLOC_MAX_SIZE) {
			pr_info("%s: %lu x %lu = %lu bytes is over the limit of %lu\n", argv[0],
				n, size, bytes, TOY_KMALLOC_MAX_SIZE);
			return -ERANGE;
		}
		pr_info("%s: out of toy memory for %lu bytes\n", argv[0], bytes);
		return -ENOMEM;
	}
	h->ptr = p;
	h->size = n * size;
	describe(p, where, sizeof(where));
	pr_info("%s: handle %d: %lu x %lu = %zu bytes zeroed from %s\n", argv[0],
		h->id, n, size, h->size, where);
	return 0;
}

static int verb_kfree(int argc, char **argv)
{
	struct toy_handle *h = toy_ctl_handle(argv[0], argv[1], TOY_HK_KMALLOC);
	char where[80];

	if (IS_ERR(h))
		return PTR_ERR(h);
	describe(h->ptr, where, sizeof(where));
	toy_kfree(h->ptr);
	pr_info("%s: handle %d: %zu bytes back to %s\n", argv[0], h->id, h->size,
		where);
	toy_handle_delete(h);
	return 0;
}

static int verb_krealloc(int argc, char **argv)
{
	struct toy_handle *h = toy_ctl_handle(argv[0], argv[1], TOY_HK_KMALLOC);
	unsigned int size;
	char where[80];
	void *p;
	int err;

	if (IS_ERR(h))
		return PTR_ERR(h);
	err = toy_ctl_parse_uint(argv[0], "SIZE", argv[2], TOY_KMALLOC_MAX_SIZE,
				 &size);
	if (err)
		return err;
	p = toy_krealloc(h->ptr, size, TOY_GFP_KERNEL | __TOY_GFP_NOWARN);
	if (!p) {
		pr_info("%s: out of toy memory for %u bytes, handle %d keeps its %zu\n", argv[0],
			size, h->id, h->size);
		return -ENOMEM;
	}
	describe(p, where, sizeof(where));
	pr_info("%s: handle %d: %zu -> %u bytes, %s, now %s\n", argv[0], h->id,
		h->size, size, p == h->ptr ? "in place" : "moved", where);
	h->ptr = p;
	h->size = size;
	return 0;
}

static const char *which_reason(unsigned int size, unsigned int index)
{
	if (size <= toy_kmalloc_min())
		return "every size up to kmalloc_min shares the smallest cache";
	if (index == 1)
		return "65 to 96 bytes have a cache of their own";
	if (index == 2)
		return "129 to 192 bytes have a cache of their own";
	return "the next power of two";
}

static int verb_which(int argc, char **argv)
{
	struct toy_kmem_cache *s;
	unsigned int size;
	int err;

	err = toy_ctl_parse_uint(argv[0], "SIZE", argv[1], UINT_MAX, &size);
	if (err)
		return err;
	if (!size) {
		pr_info("%s: 0 bytes -> no cache: kmalloc returns ZERO_SIZE_PTR\n", argv[0]);
	} else if (size > TOY_KMALLOC_MAX_SIZE) {
		pr_info("%s: %u bytes -> nothing: over %lu, the largest block, kmalloc returns NULL\n",
			argv[0], size, TOY_KMALLOC_MAX_SIZE);
	} else if (size > TOY_KMALLOC_MAX_CACHE_SIZE) {
		pr_info("%s: %u bytes -> no cache: over %lu, straight to the buddy as an order-%d block\n",
			argv[0], size, TOY_KMALLOC_MAX_CACHE_SIZE, get_order(size));
	} else {
		s = toy_kmalloc_cache(size);
		pr_info("%s: %u bytes -> %s (%s, kmalloc_min=%u; objsize %u, %u per slab of %u pages)\n",
			argv[0], size, s->name,
			which_reason(size, toy_kmalloc_index(size, toy_kmalloc_min())),
			toy_kmalloc_min(), s->size, s->objects, 1U << s->order);
	}
	return 0;
}

/* The cache named @name, or NULL after one line for verb @verb. */
static struct toy_kmem_cache *named_cache(const char *verb, const char *name)
	__must_hold(&toy_slab_mutex)
{
	struct toy_kmem_cache *s = toy_slab_find_cache(name);

	if (!s)
		pr_info("%s: no cache named '%.32s'\n", verb, name);
	return s;
}

/* Parse [ALIGN] [debug] of cache_create. */
static int parse_create_opts(int argc, char **argv, unsigned int *align,
			     toy_slab_flags_t *flags)
{
	*align = 0;
	*flags = 0;
	if (argc > 3 && !strcmp(argv[argc - 1], "debug")) {
		*flags = TOY_SLAB_DEBUG;
		argc--;
	}
	if (argc == 5) {
		pr_info("%s: '%.16s' is not 'debug'\n", argv[0], argv[4]);
		return -EINVAL;
	}
	if (argc == 4)
		return toy_ctl_parse_uint(argv[0], "ALIGN", argv[3], PAGE_SIZE,
					  align);
	return 0;
}

static int verb_cache_create(int argc, char **argv)
{
	struct toy_kmem_cache *s;
	toy_slab_flags_t flags;
	unsigned int size, align;
	int err;

	err = toy_ctl_parse_uint(argv[0], "SIZE", argv[2], TOY_KMALLOC_MAX_SIZE,
				 &size);
	if (!err)
		err = parse_create_opts(argc, argv, &align, &flags);
	if (err)
		return err;
	mutex_lock(&toy_slab_mutex);
	s = toy_slab_create_cache(argv[0], argv[1], size, align, flags, NULL);
	mutex_unlock(&toy_slab_mutex);
	if (IS_ERR(s))
		return PTR_ERR(s);
	pr_info("%s: %s: object_size %u objsize %u align %u objperslab %u pagesperslab %u%s\n",
		argv[0], s->name, s->object_size, s->size, s->align, s->objects,
		1U << s->order, s->flags & TOY_SLAB_DEBUG ? " debug" : "");
	return 0;
}

static int verb_cache_alloc(int argc, char **argv)
{
	struct toy_kmem_cache *s;
	struct toy_handle *h;
	char where[80];
	int err = 0;
	void *p;

	mutex_lock(&toy_slab_mutex);
	s = named_cache(argv[0], argv[1]);
	if (!s) {
		err = -ENOENT;
		goto out;
	}
	h = toy_handle_new(TOY_H_CACHE_OBJ);
	if (!h) {
		err = -ENOMEM;
		goto out;
	}
	p = toy_kmem_cache_alloc(s, TOY_GFP_KERNEL | __TOY_GFP_NOWARN);
	if (!p) {
		toy_handle_delete(h);
		pr_info("%s: %s: out of toy memory\n", argv[0], s->name);
		err = -ENOMEM;
		goto out;
	}
	h->ptr = p;
	h->size = s->object_size;
	h->cache = s;
	describe(p, where, sizeof(where));
	pr_info("%s: handle %d: %s\n", argv[0], h->id, where);
out:
	mutex_unlock(&toy_slab_mutex);
	return err;
}

static int verb_cache_free(int argc, char **argv)
{
	struct toy_handle *h = toy_ctl_handle(argv[0], argv[1],
					      TOY_HK_CACHE_OBJ);
	char where[80];

	if (IS_ERR(h))
		return PTR_ERR(h);
	describe(h->ptr, where, sizeof(where));
	toy_kmem_cache_free(h->cache, h->ptr);
	pr_info("%s: handle %d: back to %s\n", argv[0], h->id, where);
	toy_handle_delete(h);
	return 0;
}

static int verb_cache_shrink(int argc, char **argv)
{
	struct toy_kmem_cache *s;
	int n;

	mutex_lock(&toy_slab_mutex);
	s = named_cache(argv[0], argv[1]);
	if (s) {
		n = toy_slab_shrink_cache(s);
		pr_info("%s: %s: %d empty slabs (%d pages) back to the buddy\n", argv[0],
			s->name, n, n << s->order);
	}
	mutex_unlock(&toy_slab_mutex);
	return s ? 0 : -ENOENT;
}

static int verb_cache_destroy(int argc, char **argv)
{
	struct toy_kmem_cache *s;
	int err = -ENOENT;

	mutex_lock(&toy_slab_mutex);
	s = named_cache(argv[0], argv[1]);
	if (s)
		err = toy_slab_destroy_cache(argv[0], s);
	if (!err)
		pr_info("%s: %s: destroyed\n", argv[0], argv[1]);
	mutex_unlock(&toy_slab_mutex);
	return err;
}

/* A live kmalloc or cache_obj handle with memory, for poke; or an ERR_PTR(). */
static struct toy_handle *poke_handle(const char *verb, const char *s)
{
	struct toy_handle *h = toy_ctl_handle(verb, s,
					      TOY_HK_KMALLOC | TOY_HK_CACHE_OBJ);

	if (!IS_ERR(h) && TOY_ZERO_OR_NULL_PTR(h->ptr)) {
		pr_info("%s: handle %d has no memory (0 bytes)\n", verb, h->id);
		return ERR_PTR(-EINVAL);
	}
	return h;
}

/*
 * poke H OFFSET BYTE: a test aid. Writes BYTE at OFFSET (signed) from the
 * start of H's object, anywhere in its slab (or large block): into its red
 * zones, its metadata, or a free neighbour, to show that the checks see it.
 */
static int verb_poke(int argc, char **argv)
{
	struct toy_handle *h = poke_handle(argv[0], argv[1]);
	unsigned int byte, order;
	struct toy_page *page;
	long lo, hi;
	u8 *p, old;
	int off, err;

	if (IS_ERR(h))
		return PTR_ERR(h);
	if (kstrtoint(argv[2], 0, &off)) {
		pr_info("%s: OFFSET '%.16s' is not a number\n", argv[0], argv[2]);
		return -EINVAL;
	}
	err = toy_ctl_parse_uint(argv[0], "BYTE", argv[3], 0xff, &byte);
	if (err)
		return err;
	p = h->ptr;
	page = block_of(p);
	order = test_bit(TOY_PG_LARGE, &page->flags) ? page->order :
		page->slab_cache->order;
	lo = (u8 *)toy_lowmem_page_address(&toy_node0, page) - p;
	hi = lo + (long)(PAGE_SIZE << order);
	if (off < lo || off >= hi) {
		pr_info("%s: offset %d is outside the object's slab: %ld to %ld\n", argv[0],
			off, lo, hi - 1);
		return -ERANGE;
	}
	old = p[off];
	p[off] = byte;
	pr_info("%s: handle %d: object%+d: %#04x -> %#04x\n", argv[0], h->id, off, old,
		byte);
	return 0;
}

const struct toy_ctl_verb toy_ctl_slab_verbs[] = {
	{ "kmalloc",	   "SIZE [zero]",		1, 2, verb_kmalloc },
	{ "kcalloc",	   "N SIZE",			2, 2, verb_kcalloc },
	{ "kfree",	   "H",				1, 1, verb_kfree },
	{ "krealloc",	   "H SIZE",			2, 2, verb_krealloc },
	{ "which",	   "SIZE",			1, 1, verb_which },
	{ "cache_create",  "NAME SIZE [ALIGN] [debug]",	2, 4, verb_cache_create },
	{ "cache_alloc",   "NAME",			1, 1, verb_cache_alloc },
	{ "cache_free",	   "H",				1, 1, verb_cache_free },
	{ "cache_shrink",  "NAME",			1, 1, verb_cache_shrink },
	{ "cache_destroy", "NAME",			1, 1, verb_cache_destroy },
	{ "poke",	   "H OFFSET BYTE",		3, 3, verb_poke },
	{ }
};
