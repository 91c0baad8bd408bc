// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the toy's slab allocator and kmalloc.
 *
 * They run on the module's own node and kmalloc caches. Cases that count
 * slabs or compare buddyinfo use a named cache of their own, made and
 * destroyed in the case, so nothing else touches its lists. Cases about
 * the lists alone turn that cache's per-CPU arrays off (limit 0), as
 * slab_cpu_cache=0 does for every cache; cases about the arrays set the
 * tunables they count with, whatever the parameter says. Error counts
 * are global: each case compares them with the values at its start
 * (mm/slub_kunit.c counts findings the same way, per case).
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "toy_internal.h"
#include "toy_slab.h"
#include "toy_mt.h"

#define NOWARN	(TOY_GFP_KERNEL | __TOY_GFP_NOWARN)
#define NOWAIT	(TOY_GFP_NOWAIT | __TOY_GFP_NOWARN)

struct slab_test_state {
	unsigned long errors[TOY_NR_SLAB_ERRORS];
};

static int toy_slab_test_init(struct kunit *test)
{
	struct slab_test_state *st;
	int i;

	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	for (i = 0; i < TOY_NR_SLAB_ERRORS; i++)
		st->errors[i] = toy_slab_error_count(i);
	test->priv = st;
	return 0;
}

/* Findings of class @err since the case began. */
static unsigned long new_errors(struct kunit *test, enum toy_slab_error err)
{
	struct slab_test_state *st = test->priv;

	return toy_slab_error_count(err) - st->errors[err];
}

/* Expect exactly @n new findings of class @err and none of any other. */
static void expect_errors(struct kunit *test, enum toy_slab_error err,
			  unsigned long n)
{
	int i;

	for (i = 0; i < TOY_NR_SLAB_ERRORS; i++)
		KUNIT_EXPECT_EQ_MSG(test, new_errors(test, i),
				    i == err ? n : 0UL, "class: %s",
				    toy_slab_error_names[i]);
}

static void expect_no_errors(struct kunit *test)
{
	expect_errors(test, TOY_NR_SLAB_ERRORS, 0);
}

struct free_snapshot {
	unsigned long nr_free[TOY_MAX_ORDER];
};

/* buddyinfo of the Normal zone, with the pcp lists drained into it. */
static void snapshot(struct free_snapshot *s)
{
	toy_node_drain_pcp(&toy_node0);
	toy_zone_snapshot(&toy_node0.zones[TOY_ZONE_NORMAL], s->nr_free);
}

static void expect_snapshot_eq(struct kunit *test,
			       const struct free_snapshot *before)
{
	struct free_snapshot now;
	int o;

	snapshot(&now);
	for (o = 0; o < TOY_MAX_ORDER; o++)
		KUNIT_EXPECT_EQ_MSG(test, now.nr_free[o], before->nr_free[o],
				    "order %d", o);
}

/* The slab (head page) of an object. */
static struct toy_page *slab_of(const void *p)
{
	struct toy_page *page = toy_node_virt_to_page(&toy_node0, p);

	return page ? toy_node_block_head(&toy_node0, page) : NULL;
}

static void expect_lists(struct kunit *test, struct toy_kmem_cache *s,
			 unsigned long full, unsigned long partial,
			 unsigned long empty)
{
	KUNIT_EXPECT_EQ(test, toy_slab_nr(s, TOY_SLAB_FULL), full);
	KUNIT_EXPECT_EQ(test, toy_slab_nr(s, TOY_SLAB_PARTIAL), partial);
	KUNIT_EXPECT_EQ(test, toy_slab_nr(s, TOY_SLAB_EMPTY), empty);
}

static struct toy_kmem_cache *make_cache(struct kunit *test, const char *name,
					 unsigned int size,
					 toy_slab_flags_t flags,
					 void (*ctor)(void *))
{
	struct toy_kmem_cache *s;

	s = toy_kmem_cache_create(name, size, 0, flags, ctor);
	KUNIT_ASSERT_NOT_NULL(test, s);
	return s;
}

/* A cache with no per-CPU arrays: every allocation and free hits the lists. */
static struct toy_kmem_cache *make_bare_cache(struct kunit *test,
					      const char *name,
					      unsigned int size,
					      toy_slab_flags_t flags)
{
	struct toy_kmem_cache *s = make_cache(test, name, size, flags, NULL);

	KUNIT_ASSERT_EQ(test, toy_slab_tune(s, 0, 0), 0);
	return s;
}

/* A cache whose arrays hold @limit objects and move @batch at once. */
static struct toy_kmem_cache *make_array_cache(struct kunit *test,
					       const char *name,
					       unsigned int size,
					       toy_slab_flags_t flags,
					       unsigned int limit,
					       unsigned int batch)
{
	struct toy_kmem_cache *s = make_cache(test, name, size, flags, NULL);

	KUNIT_ASSERT_EQ(test, toy_slab_tune(s, limit, batch), 0);
	return s;
}

static void destroy_cache(struct kunit *test, struct toy_kmem_cache *s)
{
	KUNIT_EXPECT_EQ(test, toy_kmem_cache_destroy(s), 0);
}

/* Objects handed out: in use by the slabs, less those in the arrays. */
static unsigned long live(struct toy_kmem_cache *s)
{
	return s->nr_inuse - toy_slab_cached(s);
}

/* This CPU's array of @s: KUnit runs each case in one kthread, on one CPU. */
static struct toy_array_cache *this_array(struct toy_kmem_cache *s)
{
	return raw_cpu_ptr(s->cpu_cache);
}

/* === size -> cache ======================================================== */

struct index_case {
	unsigned int kmalloc_min;
	size_t size;
	unsigned int index;
};

/* Worked out by hand from __kmalloc_index() in include/linux/slab.h. */
static const struct index_case index_cases[] = {
	{ 8, 0, 0 },	{ 8, 1, 3 },	{ 8, 4, 3 },	{ 8, 8, 3 },
	{ 8, 9, 4 },	{ 8, 16, 4 },	{ 8, 17, 5 },	{ 8, 32, 5 },
	{ 8, 33, 6 },	{ 8, 64, 6 },	{ 8, 65, 1 },	{ 8, 95, 1 },
	{ 8, 96, 1 },	{ 8, 97, 7 },	{ 8, 128, 7 },	{ 8, 129, 2 },
	{ 8, 192, 2 },	{ 8, 193, 8 },	{ 8, 256, 8 },	{ 8, 257, 9 },
	{ 8, 512, 9 },	{ 8, 513, 10 },	{ 8, 1024, 10 }, { 8, 1025, 11 },
	{ 8, 2048, 11 }, { 8, 4096, 12 }, { 8, 4097, 13 }, { 8, 8192, 13 },
	{ 16, 1, 4 },	{ 16, 8, 4 },	{ 16, 16, 4 },	{ 16, 17, 5 },
	{ 16, 96, 1 },	{ 16, 192, 2 },
	{ 32, 1, 5 },	{ 32, 4, 5 },	{ 32, 8, 5 },	{ 32, 16, 5 },
	{ 32, 32, 5 },	{ 32, 33, 6 },	{ 32, 64, 6 },	{ 32, 65, 1 },
	{ 32, 95, 1 },	{ 32, 96, 1 },	{ 32, 97, 7 },	{ 32, 128, 7 },
	{ 32, 129, 2 },	{ 32, 192, 2 },	{ 32, 193, 8 },	{ 32, 8192, 13 },
};

static void index_desc(const struct index_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "kmalloc_min %u size %zu",
		 c->kmalloc_min, c->size);
}

KUNIT_ARRAY_PARAM(index_cases, index_cases, index_desc);

static void toy_slab_kmalloc_index(struct kunit *test)
{
	const struct index_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, toy_kmalloc_index(c->size, c->kmalloc_min),
			c->index);
}

/*
 * The compile-time index, raised to kmalloc_min, agrees with
 * kmalloc_index() at every size and every kmalloc_min.
 */
static void toy_slab_kmalloc_const_index(struct kunit *test)
{
	size_t size;

	unsigned int min, idx;

	/* The table the inline toy_kmalloc() reads, under this kmalloc_min. */
	for (size = 1; size <= TOY_KMALLOC_CONST_MAX; size++)
		if (toy_kmalloc_cache_table[toy_kmalloc_const_index(size)] !=
		    toy_kmalloc_cache(size))
			KUNIT_FAIL(test, "size %zu: the table's cache is not kmalloc's",
				   size);
	for (min = 8; min <= 32; min *= 2) {
		for (size = 1; size <= TOY_KMALLOC_CONST_MAX; size++) {
			idx = toy_kmalloc_raise_index(toy_kmalloc_const_index(size),
						      min);
			if (idx != toy_kmalloc_index(size, min))
				KUNIT_FAIL(test, "min %u size %zu: index %u, not %u",
					   min, size, idx,
					   toy_kmalloc_index(size, min));
		}
	}
}

/* The size table of toy_kmalloc_cache() gives kmalloc_index()'s cache. */
static void toy_slab_kmalloc_size_table(struct kunit *test)
{
	unsigned int idx, want;
	size_t size;

	for (size = 1; size <= 8192; size++) {
		idx = toy_kmalloc_index(size, toy_kmalloc_min());
		want = idx == 1 ? 96 : idx == 2 ? 192 : 1U << idx;
		if (toy_kmalloc_cache(size)->object_size != want)
			KUNIT_FAIL(test, "size %zu: cache of %u bytes, not %u",
				   size, toy_kmalloc_cache(size)->object_size,
				   want);
	}
}

/*
 * The free path's object-start check by alignment agrees with the full
 * one at every byte of a multi-page slab, with and without a left red
 * zone.
 */
static void toy_slab_object_start_fast(struct kunit *test)
{
	static const toy_slab_flags_t flags[] = { 0, TOY_SLAB_RED_ZONE };
	struct toy_kmem_cache *s;
	struct toy_page *slab;
	unsigned long off, bytes, agree;
	unsigned int f;
	u8 *obj, *base;

	for (f = 0; f < ARRAY_SIZE(flags); f++) {
		s = make_bare_cache(test, "toy_test_fast", 700, flags[f]);
		KUNIT_ASSERT_GT(test, s->order, 0U);
		obj = toy_kmem_cache_alloc(s, NOWARN);
		KUNIT_ASSERT_NOT_NULL(test, obj);
		slab = block_of(obj);
		base = slab_address(slab);
		bytes = PAGE_SIZE << s->order;
		for (off = 0, agree = 0; off < bytes; off++)
			agree += object_start_fast(s, base + off) ==
				 valid_object(s, slab, base + off);
		KUNIT_EXPECT_EQ_MSG(test, agree, bytes, "flags %#x",
				    (__force unsigned int)flags[f]);
		KUNIT_EXPECT_TRUE(test, object_start_fast(s, obj));
		KUNIT_EXPECT_FALSE(test, object_start_fast(s, obj + 1));
		toy_kmem_cache_free(s, obj);
		destroy_cache(test, s);
	}
	expect_no_errors(test);
}

/*
 * toy_kmalloc() with a literal size folds its cache at compile time and
 * gets the cache a run-time size gets, kmalloc_min included.
 */
#define EXPECT_CONST_CACHE(test, n)					\
	do {								\
		const size_t __n = (n);					\
		void *__p = toy_kmalloc(__n, NOWARN);			\
		KUNIT_EXPECT_PTR_EQ(test, slab_cache_of(block_of(__p)),	\
				    toy_kmalloc_cache(__n));		\
		toy_kfree(__p);						\
	} while (0)

static void toy_slab_kmalloc_const(struct kunit *test)
{
	EXPECT_CONST_CACHE(test, 1);
	EXPECT_CONST_CACHE(test, 8);
	EXPECT_CONST_CACHE(test, 9);
	EXPECT_CONST_CACHE(test, 16);
	EXPECT_CONST_CACHE(test, 17);
	EXPECT_CONST_CACHE(test, 32);
	EXPECT_CONST_CACHE(test, 33);
	EXPECT_CONST_CACHE(test, 64);
	EXPECT_CONST_CACHE(test, 65);
	EXPECT_CONST_CACHE(test, 96);
	EXPECT_CONST_CACHE(test, 97);
	EXPECT_CONST_CACHE(test, 128);
	EXPECT_CONST_CACHE(test, 129);
	EXPECT_CONST_CACHE(test, 192);
	EXPECT_CONST_CACHE(test, 193);
	EXPECT_CONST_CACHE(test, 256);
	EXPECT_CONST_CACHE(test, 4096);
	EXPECT_CONST_CACHE(test, 4097);
	EXPECT_CONST_CACHE(test, 8192);
	expect_no_errors(test);
}

struct cache_case {
	size_t size;
	const char *name[3];	/* kmalloc_min 8, 16, 32 */
};

static const struct cache_case cache_cases[] = {
	{ 1,	{ "kmalloc-8", "kmalloc-16", "kmalloc-32" } },
	{ 4,	{ "kmalloc-8", "kmalloc-16", "kmalloc-32" } },
	{ 8,	{ "kmalloc-8", "kmalloc-16", "kmalloc-32" } },
	{ 9,	{ "kmalloc-16", "kmalloc-16", "kmalloc-32" } },
	{ 24,	{ "kmalloc-32", "kmalloc-32", "kmalloc-32" } },
	{ 33,	{ "kmalloc-64", "kmalloc-64", "kmalloc-64" } },
	{ 95,	{ "kmalloc-96", "kmalloc-96", "kmalloc-96" } },
	{ 96,	{ "kmalloc-96", "kmalloc-96", "kmalloc-96" } },
	{ 97,	{ "kmalloc-128", "kmalloc-128", "kmalloc-128" } },
	{ 128,	{ "kmalloc-128", "kmalloc-128", "kmalloc-128" } },
	{ 129,	{ "kmalloc-192", "kmalloc-192", "kmalloc-192" } },
	{ 192,	{ "kmalloc-192", "kmalloc-192", "kmalloc-192" } },
	{ 193,	{ "kmalloc-256", "kmalloc-256", "kmalloc-256" } },
	{ 1000,	{ "kmalloc-1k", "kmalloc-1k", "kmalloc-1k" } },
	{ 2049,	{ "kmalloc-4k", "kmalloc-4k", "kmalloc-4k" } },
	{ 8192,	{ "kmalloc-8k", "kmalloc-8k", "kmalloc-8k" } },
};

static void cache_desc(const struct cache_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %zu", c->size);
}

KUNIT_ARRAY_PARAM(cache_cases, cache_cases, cache_desc);

/* toy_kmalloc() takes the object from the cache the table names. */
static void toy_slab_kmalloc_cache(struct kunit *test)
{
	const struct cache_case *c = test->param_value;
	int col = ilog2(toy_kmalloc_min()) - 3;
	struct toy_page *slab;
	void *p;

	p = toy_kmalloc(c->size, NOWARN);
	KUNIT_ASSERT_NOT_NULL(test, p);
	slab = slab_of(p);
	KUNIT_ASSERT_NOT_NULL(test, slab);
	KUNIT_EXPECT_TRUE(test, test_bit(TOY_PG_SLAB, &slab->flags));
	KUNIT_EXPECT_STREQ(test, slab->slab_cache->name, c->name[col]);
	KUNIT_EXPECT_STREQ(test, toy_kmalloc_cache(c->size)->name,
			   c->name[col]);
	toy_kfree(p);
	expect_no_errors(test);
}

/* === Geometry ============================================================= */

struct geo_case {
	unsigned int size;
	unsigned int cpus;
	unsigned int objects;
	unsigned int pages;
};

/*
 * /proc/slabinfo of Debian's 6.1.0-56-amd64 (SLUB) under QEMU with -smp 1,
 * 2, 4 and 8: objsize, objperslab, pagesperslab of kmalloc-8 ... 8k.
 */
static const struct geo_case geo_cases[] = {
	{ 8, 1, 512, 1 }, { 16, 1, 256, 1 }, { 32, 1, 128, 1 },
	{ 64, 1, 64, 1 }, { 96, 1, 42, 1 }, { 128, 1, 32, 1 },
	{ 192, 1, 21, 1 }, { 256, 1, 16, 1 }, { 512, 1, 8, 1 },
	{ 1024, 1, 8, 2 }, { 2048, 1, 8, 4 }, { 4096, 1, 8, 8 },
	{ 8192, 1, 4, 8 },
	{ 8, 2, 512, 1 }, { 16, 2, 256, 1 }, { 32, 2, 128, 1 },
	{ 64, 2, 64, 1 }, { 96, 2, 42, 1 }, { 128, 2, 32, 1 },
	{ 192, 2, 21, 1 }, { 256, 2, 16, 1 }, { 512, 2, 16, 2 },
	{ 1024, 2, 16, 4 }, { 2048, 2, 16, 8 }, { 4096, 2, 8, 8 },
	{ 8192, 2, 4, 8 },
	{ 8, 4, 512, 1 }, { 16, 4, 256, 1 }, { 32, 4, 128, 1 },
	{ 64, 4, 64, 1 }, { 96, 4, 42, 1 }, { 128, 4, 32, 1 },
	{ 192, 4, 21, 1 }, { 256, 4, 16, 1 }, { 512, 4, 16, 2 },
	{ 1024, 4, 16, 4 }, { 2048, 4, 16, 8 }, { 4096, 4, 8, 8 },
	{ 8192, 4, 4, 8 },
	{ 8, 8, 512, 1 }, { 16, 8, 256, 1 }, { 32, 8, 128, 1 },
	{ 64, 8, 64, 1 }, { 96, 8, 42, 1 }, { 128, 8, 32, 1 },
	{ 192, 8, 21, 1 }, { 256, 8, 32, 2 }, { 512, 8, 32, 4 },
	{ 1024, 8, 32, 8 }, { 2048, 8, 16, 8 }, { 4096, 8, 8, 8 },
	{ 8192, 8, 4, 8 },
};

static void geo_desc(const struct geo_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %u, %u cpus", c->size,
		 c->cpus);
}

KUNIT_ARRAY_PARAM(geo_cases, geo_cases, geo_desc);

static void toy_slab_calc_order_real(struct kunit *test)
{
	const struct geo_case *c = test->param_value;
	unsigned int objects = 0;
	int order;

	order = toy_slab_calc_order(c->size, c->cpus, &objects);
	KUNIT_ASSERT_GE(test, order, 0);
	KUNIT_EXPECT_EQ(test, 1U << order, c->pages);
	KUNIT_EXPECT_EQ(test, objects, c->objects);
}

/*
 * The same kernel booted with slub_debug=FZPU and -smp 2: red zones,
 * poison, tracks and the kmalloc size change objsize and the order.
 */
static const struct geo_case debug_geo_cases[] = {
	{ 8, 112, 36, 1 }, { 16, 128, 32, 1 }, { 32, 160, 25, 1 },
	{ 64, 256, 16, 1 }, { 96, 200, 20, 1 }, { 128, 384, 21, 2 },
	{ 192, 296, 13, 1 }, { 256, 768, 21, 4 }, { 512, 1536, 21, 8 },
	{ 1024, 3072, 10, 8 }, { 2048, 6144, 5, 8 }, { 4096, 12288, 2, 8 },
	{ 8192, 24576, 1, 8 },
};

static void debug_geo_desc(const struct geo_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "kmalloc-%u FZPU", c->size);
}

KUNIT_ARRAY_PARAM(debug_geo_cases, debug_geo_cases, debug_geo_desc);

/* Here geo_case.cpus holds the objsize slabinfo shows. */
static void toy_slab_layout_debug_real(struct kunit *test)
{
	const struct geo_case *c = test->param_value;
	struct toy_kmem_cache *s;

	if (!IS_ENABLED(CONFIG_STACKDEPOT))
		kunit_skip(test, "struct track has no stack handle here");
	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	s->object_size = c->size;
	s->align = is_power_of_2(c->size) ? c->size : 8;
	s->flags = TOY_SLAB_DEBUG;
	s->kmalloc = true;
	KUNIT_ASSERT_EQ(test, toy_slab_layout(s, 2), 0);
	KUNIT_EXPECT_EQ(test, s->size, c->cpus);
	KUNIT_EXPECT_EQ(test, s->objects, c->objects);
	KUNIT_EXPECT_EQ(test, 1U << s->order, c->pages);
}

/* The live kmalloc caches have the real geometry for this CPU count. */
static void toy_slab_kmalloc_geometry(struct kunit *test)
{
	unsigned int cpus = num_present_cpus() > 1 ? num_present_cpus() :
			    nr_cpu_ids;
	const struct geo_case *c;
	struct toy_kmem_cache *s;
	int checked = 0;

	if (toy_kmalloc_cache(8)->flags & TOY_SLAB_DEBUG)
		kunit_skip(test, "slab_debug changes the geometry");
	for (c = geo_cases; c < geo_cases + ARRAY_SIZE(geo_cases); c++) {
		if (c->cpus != cpus || c->size < toy_kmalloc_min())
			continue;
		s = toy_kmalloc_cache(c->size);
		KUNIT_EXPECT_EQ(test, s->object_size, c->size);
		KUNIT_EXPECT_EQ(test, s->size, c->size);
		KUNIT_EXPECT_EQ(test, s->objects, c->objects);
		KUNIT_EXPECT_EQ(test, 1U << s->order, c->pages);
		checked++;
	}
	if (!checked)
		kunit_skip(test, "no real values for %u cpus", cpus);
}

/* === kmalloc API ========================================================== */

static void toy_slab_zero_size(struct kunit *test)
{
	void *p = toy_kmalloc(0, NOWARN);

	KUNIT_EXPECT_PTR_EQ(test, p, TOY_ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, toy_ksize(p), (size_t)0);
	KUNIT_EXPECT_EQ(test, toy_ksize(NULL), (size_t)0);
	toy_kfree(p);
	toy_kfree(NULL);
	KUNIT_EXPECT_PTR_EQ(test, toy_kcalloc(0, 8, NOWARN), TOY_ZERO_SIZE_PTR);
	p = toy_krealloc(NULL, 10, NOWARN);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ(test, toy_krealloc(p, 0, NOWARN), TOY_ZERO_SIZE_PTR);
	expect_no_errors(test);
}

static const size_t sizes[] = {
	1, 7, 8, 9, 31, 63, 64, 65, 95, 96, 97, 127, 128, 129, 191, 192, 193,
	255, 256, 300, 512, 1000, 1024, 2000, 4096, 5000, 8191, 8192, 8193,
	16384, 100000, 1 << 20, TOY_KMALLOC_MAX_SIZE,
};

static void size_desc(const size_t *size, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%zu bytes", *size);
}

KUNIT_ARRAY_PARAM(sizes, sizes, size_desc);

/* ksize() covers the request, and large blocks are whole buddy blocks. */
static void toy_slab_ksize(struct kunit *test)
{
	size_t size = *(const size_t *)test->param_value;
	struct toy_page *page;
	u8 *p;

	p = toy_kmalloc(size, NOWARN);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_GE(test, toy_ksize(p), size);
	page = slab_of(p);
	KUNIT_ASSERT_NOT_NULL(test, page);
	if (size > TOY_KMALLOC_MAX_CACHE_SIZE) {
		KUNIT_EXPECT_TRUE(test, test_bit(TOY_PG_LARGE, &page->flags));
		KUNIT_EXPECT_EQ(test, toy_ksize(p), PAGE_SIZE << get_order(size));
		KUNIT_EXPECT_PTR_EQ(test, (void *)p, toy_page_address(page));
	} else {
		KUNIT_EXPECT_TRUE(test, test_bit(TOY_PG_SLAB, &page->flags));
		KUNIT_EXPECT_EQ(test, toy_ksize(p),
				(size_t)toy_kmalloc_cache(size)->object_size);
	}
	memset(p, 0x5c, toy_ksize(p));
	toy_kfree(p);
	KUNIT_EXPECT_FALSE(test, test_bit(TOY_PG_LARGE, &page->flags));
	expect_no_errors(test);
}

/* krealloc() keeps the contents across caches, into a large block and back. */
static void toy_slab_krealloc(struct kunit *test)
{
	static const size_t steps[] = { 10, 100, 1000, 10000, 20, 200000, 5 };
	size_t i, n, ks, kept = 0;
	u8 *p = NULL, *q;

	for (n = 0; n < ARRAY_SIZE(steps); n++) {
		ks = toy_ksize(p);
		q = toy_krealloc(p, steps[n], NOWARN);
		KUNIT_ASSERT_NOT_NULL(test, q);
		if (steps[n] <= ks)
			KUNIT_EXPECT_PTR_EQ(test, q, p);	/* in place */
		else
			KUNIT_EXPECT_PTR_NE(test, q, p);
		for (i = 0; i < kept; i++)
			KUNIT_ASSERT_EQ(test, q[i], (u8)(i * 7));
		for (i = 0; i < steps[n]; i++)
			q[i] = i * 7;
		kept = steps[n];
		p = q;
	}
	toy_kfree(p);
	expect_no_errors(test);
}

/*
 * krealloc() with __TOY_GFP_ZERO that moves: the new object holds the old
 * one's toy_ksize() bytes, as __do_krealloc() copies ks bytes, and zeroes
 * after them, up to the new object's size. The new object is made dirty
 * first: kmalloc-1k's per-CPU array (or free list) hands the same object
 * out again. A krealloc that fits in place zeroes nothing, as 6.1's,
 * whose kernel-doc says __GFP_ZERO is "effectively ignored".
 */
static void toy_slab_krealloc_zero(struct kunit *test)
{
	size_t old_ks, new_ks;
	u8 *dirty, *p, *q;

	dirty = toy_kmalloc(1000, NOWARN);
	KUNIT_ASSERT_NOT_NULL(test, dirty);
	memset(dirty, 0xff, toy_ksize(dirty));
	toy_kfree(dirty);

	p = toy_kmalloc(100, NOWARN);
	KUNIT_ASSERT_NOT_NULL(test, p);
	old_ks = toy_ksize(p);
	KUNIT_ASSERT_LT(test, old_ks, (size_t)1000);
	memset(p, 0xaa, old_ks);
	q = toy_krealloc(p, 1000, NOWARN | __TOY_GFP_ZERO);
	KUNIT_ASSERT_PTR_EQ(test, q, dirty);
	new_ks = toy_ksize(q);
	KUNIT_EXPECT_GE(test, new_ks, (size_t)1000);
	KUNIT_EXPECT_NULL(test, memchr_inv(q, 0xaa, old_ks));
	KUNIT_EXPECT_NULL(test, memchr_inv(q + old_ks, 0, new_ks - old_ks));

	/* In place: the bytes past 1000 stay as they were. */
	memset(q + 1000, 0x55, new_ks - 1000);
	KUNIT_EXPECT_PTR_EQ(test, toy_krealloc(q, new_ks, NOWARN | __TOY_GFP_ZERO),
			    (void *)q);
	KUNIT_EXPECT_NULL(test, memchr_inv(q + 1000, 0x55, new_ks - 1000));
	toy_kfree(q);
	expect_no_errors(test);
}

/* kzalloc() and kcalloc() zero what kmalloc() may leave dirty. */
static void toy_slab_kzalloc(struct kunit *test)
{
	size_t size = *(const size_t *)test->param_value;
	u8 *p;

	p = toy_kmalloc(size, NOWARN);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0xff, size);
	toy_kfree(p);
	p = toy_kzalloc(size, NOWARN);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, size));
	memset(p, 0xff, size);
	toy_kfree(p);
	p = toy_kcalloc(1, size, NOWARN);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0, size));
	toy_kfree(p);
	expect_no_errors(test);
}

/*
 * Products past SIZE_MAX that wrap to sizes kmalloc serves, so that only
 * the overflow check can refuse them: without it each would succeed.
 */
static const struct kcalloc_case {
	size_t n, size;
} kcalloc_wraps[] = {
	{ SIZE_MAX, SIZE_MAX },			/* wraps to 1 byte */
	{ SIZE_MAX / 2 + 2, 2 },		/* 2 */
	{ 2, SIZE_MAX / 2 + 2 },		/* 2 */
	{ SIZE_MAX / 3 + 1, 3 },		/* 2 */
	{ SIZE_MAX / 4096 + 2, 4096 },		/* 4096: kmalloc-4k */
	{ 4096, SIZE_MAX / 4096 + 2 },		/* 4096 */
	{ SIZE_MAX / 16384 + 2, 16384 },	/* 16384: a large block */
	{ SIZE_MAX / 2 + 1, 2 },		/* 0: ZERO_SIZE_PTR */
};

static void kcalloc_desc(const struct kcalloc_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%zu x %zu wraps to %zu", c->n,
		 c->size, c->n * c->size);
}

KUNIT_ARRAY_PARAM(kcalloc_wraps, kcalloc_wraps, kcalloc_desc);

static void toy_slab_kcalloc_overflow(struct kunit *test)
{
	const struct kcalloc_case *c = test->param_value;
	size_t bytes;
	void *p;

	/* The row is what it claims: it overflows, to a size kmalloc serves. */
	KUNIT_ASSERT_TRUE(test, check_mul_overflow(c->n, c->size, &bytes));
	KUNIT_ASSERT_LE(test, bytes, (size_t)TOY_KMALLOC_MAX_SIZE);

	p = toy_kcalloc(c->n, c->size, NOWARN);
	KUNIT_EXPECT_NULL(test, p);
	if (!TOY_ZERO_OR_NULL_PTR(p))
		toy_kfree(p);
	expect_no_errors(test);
}

/* Products that wrap to more than the largest block, and that block + 1. */
static void toy_slab_kcalloc_too_big(struct kunit *test)
{
	KUNIT_EXPECT_NULL(test, toy_kcalloc(SIZE_MAX / 2, 3, NOWARN));
	KUNIT_EXPECT_NULL(test, toy_kcalloc(3, SIZE_MAX / 2, NOWARN));
	KUNIT_EXPECT_NULL(test, toy_kcalloc(1, TOY_KMALLOC_MAX_SIZE + 1, NOWARN));
	KUNIT_EXPECT_NULL(test, toy_kmalloc(TOY_KMALLOC_MAX_SIZE + 1, NOWARN));
	expect_no_errors(test);
}

/* === Lists ================================================================ */

/*
 * Every list move of the seed, with a fresh cache and no arrays: a new
 * slab from the buddy, partial -> full, a second slab, full -> partial,
 * all freed -> empty (one kept, the other back to the buddy), shrink ->
 * buddyinfo as at the start.
 */
static void toy_slab_list_transitions(struct kunit *test)
{
	struct toy_kmem_cache *s;
	struct free_snapshot start;
	unsigned int n, i;
	void **objs;

	snapshot(&start);
	s = make_bare_cache(test, "toy_test_lists", 256, 0);
	n = s->objects;
	objs = kunit_kcalloc(test, n + 1, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	expect_lists(test, s, 0, 0, 0);

	objs[0] = toy_kmem_cache_alloc(s, NOWARN);
	KUNIT_ASSERT_NOT_NULL(test, objs[0]);
	expect_lists(test, s, 0, 1, 0);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_SLAB_NEW], 1UL);
	for (i = 1; i < n; i++) {
		objs[i] = toy_kmem_cache_alloc(s, NOWARN);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_PTR_EQ(test, slab_of(objs[i]), slab_of(objs[0]));
	}
	expect_lists(test, s, 1, 0, 0);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_ALLOC_PARTIAL], (unsigned long)n - 1);

	objs[n] = toy_kmem_cache_alloc(s, NOWARN);
	KUNIT_ASSERT_NOT_NULL(test, objs[n]);
	KUNIT_EXPECT_PTR_NE(test, slab_of(objs[n]), slab_of(objs[0]));
	expect_lists(test, s, 1, 1, 0);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_SLAB_NEW], 2UL);

	toy_kmem_cache_free(s, objs[0]);
	expect_lists(test, s, 0, 2, 0);
	toy_kmem_cache_free(s, objs[n]);
	expect_lists(test, s, 0, 1, 1);
	for (i = 1; i < n; i++)
		toy_kmem_cache_free(s, objs[i]);
	/* min_partial of a 256-byte cache is 5: both empty slabs are kept. */
	KUNIT_EXPECT_EQ(test, s->max_empty, 5U);
	expect_lists(test, s, 0, 0, 2);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_SLAB_RELEASE], 0UL);
	KUNIT_EXPECT_EQ(test, s->nr_inuse, 0UL);

	KUNIT_EXPECT_EQ(test, toy_kmem_cache_shrink(s), 2);
	expect_lists(test, s, 0, 0, 0);
	expect_snapshot_eq(test, &start);
	destroy_cache(test, s);
	expect_snapshot_eq(test, &start);
	expect_no_errors(test);
}

/* A partial slab is used before an empty one, an empty one before a new. */
static void toy_slab_alloc_order(struct kunit *test)
{
	struct toy_kmem_cache *s = make_bare_cache(test, "toy_test_order", 512,
						   0);
	void *a, *b, *c;
	unsigned int i;
	void **objs;

	objs = kunit_kcalloc(test, s->objects, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < s->objects; i++)
		objs[i] = toy_kmem_cache_alloc(s, NOWARN);
	b = toy_kmem_cache_alloc(s, NOWARN);	/* second slab */
	KUNIT_ASSERT_NOT_NULL(test, b);
	toy_kmem_cache_free(s, b);		/* ... now empty, kept */
	toy_kmem_cache_free(s, objs[1]);	/* first slab partial */
	expect_lists(test, s, 0, 1, 1);

	a = toy_kmem_cache_alloc(s, NOWARN);
	KUNIT_EXPECT_PTR_EQ(test, a, objs[1]);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_ALLOC_PARTIAL],
			(unsigned long)s->objects);
	c = toy_kmem_cache_alloc(s, NOWARN);
	KUNIT_EXPECT_PTR_EQ(test, slab_of(c), slab_of(b));
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_ALLOC_EMPTY], 1UL);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_ALLOC_NEW], 2UL);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_SLAB_NEW], 2UL);
	toy_kmem_cache_free(s, c);
	for (i = 0; i < s->objects; i++)
		toy_kmem_cache_free(s, objs[i]);
	toy_kmem_cache_shrink(s);
	destroy_cache(test, s);
	expect_no_errors(test);
}

/*
 * Every object of a multi-page slab finds its slab by the inline lookup
 * (block_of()), as the block-head walk finds it; the tails point back
 * while the slab lives and not once it is given back; a tail that points
 * wrong is a validate finding, and a repair sets it.
 */
static void toy_slab_tail_pages(struct kunit *test)
{
	struct toy_kmem_cache *s = make_bare_cache(test, "toy_test_tails",
						   2048, 0);
	struct toy_page *slab;
	unsigned int i, n = s->objects;
	void **objs;

	KUNIT_ASSERT_GT(test, s->order, 0U);
	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < n; i++) {
		objs[i] = toy_kmem_cache_alloc(s, NOWARN);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	slab = slab_of(objs[0]);
	KUNIT_ASSERT_NOT_NULL(test, slab);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_PTR_EQ(test, block_of(objs[i]), slab);
		KUNIT_EXPECT_PTR_EQ(test, block_of(objs[i] + s->object_size - 1),
				    slab);
	}
	for (i = 1; i < 1U << s->order; i++)
		KUNIT_EXPECT_EQ(test, (unsigned int)slab[i].head_off, i);

	slab[1].head_off = 0;
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 1UL);
	expect_errors(test, TOY_SE_FREELIST, 1);
	KUNIT_EXPECT_EQ(test, toy_slab_repair(s), 1UL);
	KUNIT_EXPECT_EQ(test, (unsigned int)slab[1].head_off, 1U);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 0UL);

	for (i = 0; i < n; i++)
		toy_kmem_cache_free(s, objs[i]);
	KUNIT_EXPECT_EQ(test, toy_kmem_cache_shrink(s), 1);	/* the slab */
	expect_lists(test, s, 0, 0, 0);
	for (i = 0; i < 1U << s->order; i++)
		KUNIT_EXPECT_EQ(test, (unsigned int)slab[i].head_off, 0U);
	KUNIT_EXPECT_NULL(test, slab_cache_of(block_of(objs[n - 1])));
	KUNIT_EXPECT_EQ(test, toy_node_validate(&toy_node0), 0UL);
	destroy_cache(test, s);
	expect_errors(test, TOY_SE_FREELIST, 2);
}

static atomic_t ctor_calls;

static void count_ctor(void *object)
{
	atomic_inc(&ctor_calls);
	memset(object, 0x3c, 48);
}

/* The constructor runs once per object when its slab is made, no more. */
static void toy_slab_ctor(struct kunit *test)
{
	struct toy_kmem_cache *s;
	unsigned int i;
	void **objs;
	u8 *p;

	atomic_set(&ctor_calls, 0);
	s = make_cache(test, "toy_test_ctor", 48, 0, count_ctor);
	objs = kunit_kcalloc(test, s->objects + 1, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	p = toy_kmem_cache_alloc(s, NOWARN);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctor_calls), (int)s->objects);
	KUNIT_EXPECT_NULL(test, memchr_inv(p, 0x3c, 48));
	toy_kmem_cache_free(s, p);
	for (i = 0; i < s->objects; i++)
		objs[i] = toy_kmem_cache_alloc(s, NOWARN);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctor_calls), (int)s->objects);
	objs[s->objects] = toy_kmem_cache_alloc(s, NOWARN);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctor_calls), 2 * (int)s->objects);
	for (i = 0; i <= s->objects; i++)
		toy_kmem_cache_free(s, objs[i]);
	toy_kmem_cache_shrink(s);
	destroy_cache(test, s);
	expect_no_errors(test);
}

struct align_case {
	unsigned int size;
	unsigned int align;
	toy_slab_flags_t flags;
	unsigned int want;	/* alignment every object must have */
};

static const struct align_case align_cases[] = {
	{ 1, 0, 0, 8 },		{ 13, 0, 0, 8 },	{ 24, 16, 0, 16 },
	{ 100, 64, 0, 64 },	{ 200, 256, 0, 256 },	{ 3000, 4096, 0, 4096 },
	{ 40, 0, TOY_SLAB_HWCACHE_ALIGN, 64 },
	{ 20, 0, TOY_SLAB_HWCACHE_ALIGN, 32 },
	{ 100, 128, TOY_SLAB_DEBUG, 128 },
	{ 72, 0, TOY_SLAB_DEBUG, 8 },
};

static void align_desc(const struct align_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "size %u align %u flags %#x",
		 c->size, c->align, (__force unsigned int)c->flags);
}

KUNIT_ARRAY_PARAM(align_cases, align_cases, align_desc);

/* Every object of a whole slab is aligned as asked. */
static void toy_slab_alignment(struct kunit *test)
{
	const struct align_case *c = test->param_value;
	struct toy_kmem_cache *s;
	unsigned int i, want = c->want;
	void **objs;

	if ((c->flags & TOY_SLAB_HWCACHE_ALIGN) && cache_line_size() != 64)
		want = min(want, (unsigned int)cache_line_size());
	s = toy_kmem_cache_create("toy_test_align", c->size, c->align,
				  c->flags, NULL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	objs = kunit_kcalloc(test, s->objects, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < s->objects; i++) {
		objs[i] = toy_kmem_cache_alloc(s, NOWARN);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED((unsigned long)objs[i], want),
				      "object %u", i);
	}
	for (i = 0; i < s->objects; i++)
		toy_kmem_cache_free(s, objs[i]);
	toy_kmem_cache_shrink(s);
	destroy_cache(test, s);
	expect_no_errors(test);
}

/* kmalloc of a power of two is aligned to it, as create_boot_cache() says. */
static void toy_slab_kmalloc_alignment(struct kunit *test)
{
	size_t size;
	void *p, *q;

	for (size = toy_kmalloc_min(); size <= TOY_KMALLOC_MAX_CACHE_SIZE;
	     size <<= 1) {
		p = toy_kmalloc(size, NOWARN);
		q = toy_kmalloc(size, NOWARN);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_ASSERT_NOT_NULL(test, q);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, size));
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)q, size));
		toy_kfree(p);
		toy_kfree(q);
	}
	expect_no_errors(test);
}

/*
 * Out of memory gives NULL, and once memory is back, allocations work.
 * The requests cannot reclaim (TOY_GFP_NOWAIT): reclaim would take the
 * other caches' empty slabs, which toy_slab_reclaimed_by_pressure checks.
 */
static void toy_slab_exhaustion(struct kunit *test)
{
	const unsigned int max = 256;	/* more MiB than the region has */
	struct toy_kmem_cache *s;
	struct free_snapshot start;
	unsigned int n = 0, i;
	void **objs;

	objs = kunit_kcalloc(test, max, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	snapshot(&start);
	s = make_cache(test, "toy_test_oom", SZ_1M, 0, NULL);
	while (n < max && (objs[n] = toy_kmem_cache_alloc(s, NOWAIT)))
		n++;
	KUNIT_ASSERT_LT(test, n, max);
	KUNIT_EXPECT_GT(test, n, 0U);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_ALLOC_FAIL], 1UL);
	KUNIT_EXPECT_NULL(test, toy_kmalloc(TOY_KMALLOC_MAX_SIZE, NOWAIT));
	for (i = 0; i < n; i++)
		toy_kmem_cache_free(s, objs[i]);
	toy_kmem_cache_shrink(s);
	expect_snapshot_eq(test, &start);

	objs[0] = toy_kmem_cache_alloc(s, NOWAIT);
	KUNIT_EXPECT_NOT_NULL(test, objs[0]);
	toy_kmem_cache_free(s, objs[0]);
	toy_kmem_cache_shrink(s);
	destroy_cache(test, s);
	expect_snapshot_eq(test, &start);
	expect_no_errors(test);
}

/*
 * A request that may reclaim, with the region full: direct reclaim takes
 * the empty slabs of every cache (the shrinker the slab layer registers)
 * before the request fails.
 */
static void toy_slab_reclaimed_by_pressure(struct kunit *test)
{
	const unsigned int max = 256;	/* more MiB than the region has */
	struct toy_kmem_cache *s, *other;
	unsigned int n = 0, i;
	void **objs, *o;

	objs = kunit_kcalloc(test, max, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	other = make_bare_cache(test, "toy_test_empty", 256, 0);
	o = toy_kmem_cache_alloc(other, NOWARN);
	KUNIT_ASSERT_NOT_NULL(test, o);
	toy_kmem_cache_free(other, o);
	KUNIT_ASSERT_EQ(test, other->nr_slabs[TOY_SLAB_EMPTY], 1UL);
	s = make_cache(test, "toy_test_oom", SZ_1M, 0, NULL);
	while (n < max && (objs[n] = toy_kmem_cache_alloc(s, NOWARN)))
		n++;
	KUNIT_ASSERT_LT(test, n, max);
	KUNIT_EXPECT_EQ(test, other->nr_slabs[TOY_SLAB_EMPTY], 0UL);
	for (i = 0; i < n; i++)
		toy_kmem_cache_free(s, objs[i]);
	toy_kmem_cache_shrink(s);
	destroy_cache(test, s);
	destroy_cache(test, other);
	expect_no_errors(test);
}

/* === Caches =============================================================== */

static void toy_slab_destroy_busy(struct kunit *test)
{
	struct toy_kmem_cache *s = make_cache(test, "toy_test_busy", 64, 0,
					      NULL);
	void *a = toy_kmem_cache_alloc(s, NOWARN);
	void *b = toy_kmem_cache_alloc(s, NOWARN);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, toy_kmem_cache_destroy(s), -EBUSY);
	KUNIT_EXPECT_EQ(test, live(s), 2UL);
	toy_kmem_cache_free(s, a);
	KUNIT_EXPECT_EQ(test, toy_kmem_cache_destroy(s), -EBUSY);
	toy_kmem_cache_free(s, b);
	KUNIT_EXPECT_EQ(test, toy_kmem_cache_destroy(s), 0);
	KUNIT_EXPECT_EQ(test, toy_kmem_cache_destroy(NULL), 0);
	KUNIT_EXPECT_EQ(test, toy_kmem_cache_destroy(toy_kmalloc_cache(64)),
			-EPERM);
	expect_no_errors(test);
}

struct create_case {
	const char *desc;
	const char *name;
	unsigned int size;
	unsigned int align;
};

static const struct create_case bad_create_cases[] = {
	{ "empty name", "", 64, 0 },
	{ "32-character name", "abcdefghijklmnopqrstuvwxyz012345", 64, 0 },
	{ "space in name", "a b", 64, 0 },
	{ "slash in name", "a/b", 64, 0 },
	{ "kmalloc- prefix", "kmalloc-64", 64, 0 },
	{ "duplicate name", "toy_test_dup", 64, 0 },
	{ "size 0", "toy_test_bad", 0, 0 },
	{ "size over 4 MiB", "toy_test_bad", TOY_KMALLOC_MAX_SIZE + 1, 0 },
	{ "align 3", "toy_test_bad", 64, 3 },
	{ "align over a page", "toy_test_bad", 64, 2 * PAGE_SIZE },
};

static void create_desc(const struct create_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(bad_create_cases, bad_create_cases, create_desc);

static void toy_slab_create_bad(struct kunit *test)
{
	const struct create_case *c = test->param_value;
	struct toy_kmem_cache *dup = make_cache(test, "toy_test_dup", 32, 0,
						NULL);

	KUNIT_EXPECT_NULL(test, toy_kmem_cache_create(c->name, c->size,
						      c->align, 0, NULL));
	destroy_cache(test, dup);
	expect_no_errors(test);
}

/* === Per-CPU arrays ======================================================= */

struct tunables_case {
	unsigned int size;
	bool debug_all;
	unsigned int limit;
	unsigned int batch;
};

/*
 * enable_cpucache() of mm/slab.c worked by hand, 4 KiB pages; debug_all
 * is SLAB built with DEBUG, whose cap of 32 no per-cache flag brings.
 */
static const struct tunables_case tunables_cases[] = {
	{ 8, false, 120, 60 },		{ 256, false, 120, 60 },
	{ 257, false, 54, 27 },		{ 1024, false, 54, 27 },
	{ 1025, false, 24, 12 },	{ 4096, false, 24, 12 },
	{ 4097, false, 8, 4 },		{ 131072, false, 8, 4 },
	{ 131073, false, 1, 1 },	{ SZ_1M, false, 1, 1 },
	{ 64, true, 32, 16 },		{ 768, true, 32, 16 },
	{ 3072, true, 24, 12 },		{ 24576, true, 8, 4 },
};

static void tunables_desc(const struct tunables_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "objsize %u%s", c->size,
		 c->debug_all ? " debug_all" : "");
}

KUNIT_ARRAY_PARAM(tunables_cases, tunables_cases, tunables_desc);

static void toy_slab_default_tunables_table(struct kunit *test)
{
	const struct tunables_case *c = test->param_value;
	unsigned int limit = 0, batch = 0;

	if (PAGE_SIZE != SZ_4K)
		kunit_skip(test, "the table is for 4 KiB pages");
	toy_slab_default_tunables(c->size, c->debug_all, &limit, &batch);
	KUNIT_EXPECT_EQ(test, limit, c->limit);
	KUNIT_EXPECT_EQ(test, batch, c->batch);
}

/*
 * The empty slabs each kmalloc cache keeps: SLUB's min_partial, worked by
 * hand from set_min_partial(s, ilog2(s->size) / 2) held to 5..10.
 */
static void toy_slab_kmalloc_min_partial(struct kunit *test)
{
	static const struct { unsigned int size, keep; } want[] = {
		{ 8, 5 }, { 64, 5 }, { 192, 5 }, { 1024, 5 }, { 2048, 5 },
		{ 4096, 6 }, { 8192, 6 },
	};
	struct toy_kmem_cache *s;
	int i;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		s = toy_kmalloc_cache(want[i].size);
		KUNIT_ASSERT_NOT_NULL(test, s);
		if (s->size != want[i].size)
			continue;	/* slab_debug: a larger objsize */
		KUNIT_EXPECT_EQ_MSG(test, s->max_empty, want[i].keep,
				    "kmalloc-%u", want[i].size);
	}
}

/*
 * The kmalloc caches carry SLAB's tunables, as /proc/slabinfo of a SLAB
 * kernel shows them for kmalloc-8 ... kmalloc-8k.
 */
static void toy_slab_kmalloc_tunables(struct kunit *test)
{
	static const struct { unsigned int size, limit, batch; } want[] = {
		{ 8, 120, 60 }, { 16, 120, 60 }, { 32, 120, 60 },
		{ 64, 120, 60 }, { 96, 120, 60 }, { 128, 120, 60 },
		{ 192, 120, 60 }, { 256, 120, 60 }, { 512, 54, 27 },
		{ 1024, 54, 27 }, { 2048, 24, 12 }, { 4096, 24, 12 },
		{ 8192, 8, 4 },
	};
	struct toy_kmem_cache *s;
	int i;

	if (PAGE_SIZE != SZ_4K)
		kunit_skip(test, "the table is for 4 KiB pages");
	if (toy_kmalloc_cache(8)->flags & TOY_SLAB_DEBUG)
		kunit_skip(test, "slab_debug caps the limit at 32");
	if (!toy_kmalloc_cache(8)->limit)
		kunit_skip(test, "slab_cpu_cache=0: no arrays");
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		if (want[i].size < toy_kmalloc_min())
			continue;
		s = toy_kmalloc_cache(want[i].size);
		KUNIT_EXPECT_EQ_MSG(test, s->limit, want[i].limit, "%s", s->name);
		KUNIT_EXPECT_EQ_MSG(test, s->batchcount, want[i].batch, "%s",
				    s->name);
	}
}

/*
 * Refill and flush with limit 4, batchcount 2: each empty array takes 2
 * objects from the lists in address order, as alloc_block() pushes them,
 * so the higher of each pair is handed out first; the fifth free into a
 * full array sends the 2 oldest back to their slab, the rest stay.
 */
static void toy_slab_array_refill_flush(struct kunit *test)
{
	struct toy_kmem_cache *s = make_array_cache(test, "toy_test_arrays",
						    64, 0, 4, 2);
	struct toy_page *slab;
	void *objs[6];
	int i;

	for (i = 0; i < 6; i++) {
		objs[i] = toy_kmem_cache_alloc(s, NOWARN);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	slab = slab_of(objs[0]);
	for (i = 0; i < 6; i++)
		KUNIT_EXPECT_PTR_EQ(test, objs[i],
				    toy_page_address(slab) + s->red_left_pad +
				    (i ^ 1) * s->size);
	KUNIT_EXPECT_EQ(test, toy_slab_cpu_stat(s, TOY_CS_ALLOC_MISS), 3UL);
	KUNIT_EXPECT_EQ(test, toy_slab_cpu_stat(s, TOY_CS_ALLOC_HIT), 3UL);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_TO_ARRAY], 6UL);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_SLAB_NEW], 1UL);
	KUNIT_EXPECT_EQ(test, toy_slab_cached(s), 0UL);
	KUNIT_EXPECT_EQ(test, s->nr_inuse, 6UL);

	for (i = 0; i < 4; i++)
		toy_kmem_cache_free(s, objs[i]);
	KUNIT_EXPECT_EQ(test, toy_slab_cpu_stat(s, TOY_CS_FREE_HIT), 4UL);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_FROM_ARRAY], 0UL);
	KUNIT_EXPECT_EQ(test, s->nr_inuse, 6UL);	/* all still active */
	toy_kmem_cache_free(s, objs[4]);		/* full: flush 2 */
	KUNIT_EXPECT_EQ(test, toy_slab_cpu_stat(s, TOY_CS_FREE_MISS), 1UL);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_FROM_ARRAY], 2UL);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_FREE], 2UL);
	KUNIT_EXPECT_EQ(test, toy_slab_cached(s), 3UL);
	KUNIT_EXPECT_EQ(test, s->nr_inuse, 4UL);
	/* The oldest two, objs[0] then objs[1], went back in that order. */
	KUNIT_EXPECT_PTR_EQ(test, slab->freelist, objs[1]);
	KUNIT_EXPECT_PTR_EQ(test, *(void **)(objs[1] + s->offset), objs[0]);
	toy_kmem_cache_free(s, objs[5]);
	KUNIT_EXPECT_EQ(test, toy_slab_cached(s), 4UL);
	KUNIT_EXPECT_EQ(test, live(s), 0UL);

	/* Last in, first out. */
	KUNIT_EXPECT_PTR_EQ(test, toy_kmem_cache_alloc(s, NOWARN), objs[5]);
	toy_kmem_cache_free(s, objs[5]);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 0UL);

	KUNIT_EXPECT_EQ(test, toy_kmem_cache_shrink(s), 1);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_FROM_ARRAY], 6UL);
	KUNIT_EXPECT_EQ(test, toy_slab_cached(s), 0UL);
	KUNIT_EXPECT_EQ(test, s->nr_inuse, 0UL);
	expect_lists(test, s, 0, 0, 0);
	destroy_cache(test, s);
	expect_no_errors(test);
}

/*
 * SLAB's BATCHREFILL_LIMIT: an array that served nothing since its last
 * drain takes 16 objects, a busy one a whole batch, partial slabs first;
 * a refill that finds objects on the lists asks the buddy for nothing.
 */
static void toy_slab_array_batchrefill(struct kunit *test)
{
	struct toy_kmem_cache *s = make_array_cache(test, "toy_test_arrays",
						    64, 0, 120, 60);
	unsigned int n = s->objects, second = min(60U, n - 16), i;
	void **objs;

	KUNIT_ASSERT_GT(test, n, 17U);
	objs = kunit_kcalloc(test, 17, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	objs[0] = toy_kmem_cache_alloc(s, NOWARN);
	KUNIT_ASSERT_NOT_NULL(test, objs[0]);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_TO_ARRAY], 16UL);
	KUNIT_EXPECT_EQ(test, toy_slab_cached(s), 15UL);
	for (i = 1; i < 17; i++)
		objs[i] = toy_kmem_cache_alloc(s, NOWARN);
	KUNIT_EXPECT_EQ(test, toy_slab_cpu_stat(s, TOY_CS_ALLOC_MISS), 2UL);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_TO_ARRAY], 16UL + second);
	/* The new slab went empty -> partial with the first object. */
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_ALLOC_EMPTY], 1UL);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_ALLOC_PARTIAL], 15UL + second);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_SLAB_NEW], 1UL);
	KUNIT_EXPECT_EQ(test, toy_slab_cached(s), second - 1UL);
	KUNIT_EXPECT_EQ(test, s->nr_inuse, 16UL + second);

	/* A drain makes the array untouched again. */
	toy_kmem_cache_shrink(s);
	KUNIT_EXPECT_EQ(test, s->nr_inuse, 17UL);
	for (i = 0; i < 17; i++)
		toy_kmem_cache_free(s, objs[i]);
	KUNIT_EXPECT_EQ(test, toy_kmem_cache_shrink(s), 1);
	objs[0] = toy_kmem_cache_alloc(s, NOWARN);
	KUNIT_ASSERT_NOT_NULL(test, objs[0]);
	KUNIT_EXPECT_EQ(test, s->stat[TOY_SS_TO_ARRAY], 32UL + second);
	KUNIT_EXPECT_EQ(test, toy_slab_cached(s), 15UL);
	toy_kmem_cache_free(s, objs[0]);
	destroy_cache(test, s);
	expect_no_errors(test);
}

/*
 * Objects in the arrays are active for the slab (slabinfo's active_objs)
 * but not live: shrink drains them and gives every slab back, destroy
 * succeeds with them, and buddyinfo is as at the start.
 */
static void toy_slab_array_shrink_destroy(struct kunit *test)
{
	struct toy_kmem_cache *s;
	struct free_snapshot start;
	unsigned int i, n, slabs;
	void **objs;

	snapshot(&start);
	s = make_array_cache(test, "toy_test_arrays", 256, 0, 120, 60);
	n = 2 * s->objects + s->objects / 2;
	slabs = 3;
	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < n; i++) {
		objs[i] = toy_kmem_cache_alloc(s, NOWARN);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	for (i = 0; i < n; i++)
		toy_kmem_cache_free(s, objs[i]);
	KUNIT_EXPECT_EQ(test, live(s), 0UL);
	KUNIT_EXPECT_EQ(test, s->nr_inuse, (unsigned long)slabs * s->objects);
	expect_lists(test, s, slabs, 0, 0);
	KUNIT_EXPECT_EQ(test, toy_kmem_cache_shrink(s), (int)slabs);
	expect_lists(test, s, 0, 0, 0);
	expect_snapshot_eq(test, &start);

	for (i = 0; i < n; i++)
		objs[i] = toy_kmem_cache_alloc(s, NOWARN);
	for (i = 0; i < n; i++)
		toy_kmem_cache_free(s, objs[i]);
	KUNIT_EXPECT_GT(test, toy_slab_cached(s), 0UL);
	destroy_cache(test, s);
	expect_snapshot_eq(test, &start);
	expect_no_errors(test);
}

/* Tuning drains the arrays; tunables out of range are refused. */
static void toy_slab_array_tune(struct kunit *test)
{
	struct toy_kmem_cache *s = make_array_cache(test, "toy_test_arrays",
						    64, 0, 8, 4);
	void *p = toy_kmem_cache_alloc(s, NOWARN);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, toy_slab_cached(s), 3UL);
	KUNIT_EXPECT_EQ(test, toy_slab_tune(s, TOY_AC_LIMIT_MAX + 1, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, toy_slab_tune(s, 4, 5), -EINVAL);
	KUNIT_EXPECT_EQ(test, toy_slab_tune(s, 4, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, toy_slab_tune(s, 0, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, s->limit, 8U);
	KUNIT_EXPECT_EQ(test, s->batchcount, 4U);
	KUNIT_EXPECT_EQ(test, toy_slab_cached(s), 3UL);

	KUNIT_EXPECT_EQ(test, toy_slab_tune(s, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, toy_slab_cached(s), 0UL);
	KUNIT_EXPECT_EQ(test, s->nr_inuse, 1UL);
	toy_kmem_cache_free(s, p);		/* straight to the list */
	KUNIT_EXPECT_EQ(test, s->nr_inuse, 0UL);
	KUNIT_EXPECT_EQ(test, toy_slab_cpu_stat(s, TOY_CS_FREE_HIT), 0UL);

	KUNIT_EXPECT_EQ(test, toy_slab_tune(s, TOY_AC_LIMIT_MAX,
					    TOY_AC_LIMIT_MAX), 0);
	p = toy_kmem_cache_alloc(s, NOWARN);	/* untouched: 16 */
	KUNIT_EXPECT_EQ(test, toy_slab_cached(s), 15UL);
	toy_kmem_cache_free(s, p);
	destroy_cache(test, s);
	expect_no_errors(test);
}

/*
 * A double free whose first free went to an array. On top of this CPU's
 * array it is refused always; deeper in an array only with F, which
 * searches every array. Without F, the flush that gives the object back
 * finds it at the head of its slab's free list; SLAB without DEBUG checks
 * nothing and hands the object out twice.
 */
static void toy_slab_double_free_array(struct kunit *test)
{
	struct toy_kmem_cache *d = make_array_cache(test, "toy_test_debug", 64,
						    TOY_SLAB_DEBUG, 4, 2);
	struct toy_kmem_cache *s = make_array_cache(test, "toy_test_plain", 64,
						    0, 4, 2);
	void *a = toy_kmem_cache_alloc(s, NOWARN);
	void *x = toy_kmem_cache_alloc(d, NOWARN);
	void *y = toy_kmem_cache_alloc(d, NOWARN);
	void *z = toy_kmem_cache_alloc(d, NOWARN);

	KUNIT_ASSERT_TRUE(test, a && x && y && z);
	toy_kmem_cache_free(s, a);
	toy_kmem_cache_free(s, a);		/* on top: no F needed */
	expect_errors(test, TOY_SE_DOUBLE_FREE, 1);
	KUNIT_EXPECT_EQ(test, toy_slab_cached(s), 2UL);

	toy_kmem_cache_free(d, x);
	toy_kmem_cache_free(d, y);
	toy_kmem_cache_free(d, x);		/* under y: F searches */
	expect_errors(test, TOY_SE_DOUBLE_FREE, 2);
	KUNIT_EXPECT_EQ(test, live(d), 1UL);
	toy_kmem_cache_free(d, z);
	toy_kmem_cache_free(d, z);
	expect_errors(test, TOY_SE_DOUBLE_FREE, 3);
	KUNIT_EXPECT_EQ(test, live(d), 0UL);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(d) + toy_slab_validate(s), 0UL);
	destroy_cache(test, d);
	destroy_cache(test, s);
	expect_errors(test, TOY_SE_DOUBLE_FREE, 3);
}

/*
 * Without F, the double free is caught when the array flushes it (with
 * slab_debug=1, F finds it on the slab's free list at the free).
 */
static void toy_slab_double_free_flush(struct kunit *test)
{
	struct toy_kmem_cache *s = make_array_cache(test, "toy_test_plain", 64,
						    0, 1, 1);
	bool checks = s->flags & TOY_SLAB_CONSISTENCY_CHECKS;
	unsigned int i, n = s->objects;
	void **objs;

	objs = kunit_kcalloc(test, n + 1, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i <= n; i++) {
		objs[i] = toy_kmem_cache_alloc(s, NOWARN);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
	}
	KUNIT_ASSERT_PTR_NE(test, slab_of(objs[0]), slab_of(objs[n]));
	toy_kmem_cache_free(s, objs[0]);	/* array: 0 */
	toy_kmem_cache_free(s, objs[n]);	/* 0 to its slab; array: n */
	KUNIT_EXPECT_PTR_EQ(test, slab_of(objs[0])->freelist, objs[0]);
	toy_kmem_cache_free(s, objs[0]);	/* n to its slab; array: 0 */
	expect_errors(test, TOY_SE_DOUBLE_FREE, checks);
	toy_kmem_cache_free(s, objs[1]);	/* 0 flushed: head of its slab */
	expect_errors(test, TOY_SE_DOUBLE_FREE, 1);
	KUNIT_EXPECT_EQ(test, live(s), (unsigned long)n - 2);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 0UL);
	for (i = 2; i < n; i++)
		toy_kmem_cache_free(s, objs[i]);
	KUNIT_EXPECT_EQ(test, live(s), 0UL);
	destroy_cache(test, s);
	expect_errors(test, TOY_SE_DOUBLE_FREE, 1);
}

/*
 * validate holds every array still and finds an object in the arrays
 * twice, one also on its slab's free list, and pointers that are no
 * object of the cache. It changes nothing; a repair drops each, and a
 * run after it finds nothing.
 */
static void toy_slab_validate_arrays(struct kunit *test)
{
	struct toy_kmem_cache *s = make_array_cache(test, "toy_test_plain", 64,
						    0, 8, 4);
	void *real = kunit_kmalloc(test, 64, GFP_KERNEL);
	struct toy_array_cache *ac;
	u8 *a = toy_kmem_cache_alloc(s, NOWARN);
	u8 *b = toy_kmem_cache_alloc(s, NOWARN);

	KUNIT_ASSERT_TRUE(test, a && b && real);
	KUNIT_ASSERT_EQ(test, toy_slab_cached(s), 2UL);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 0UL);
	ac = this_array(s);
	ac->entry[ac->avail++] = ac->entry[0];		/* twice */
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 1UL);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 1UL);
	expect_errors(test, TOY_SE_DOUBLE_FREE, 2);
	KUNIT_EXPECT_EQ(test, toy_slab_cached(s), 3UL);	/* nothing dropped */
	KUNIT_EXPECT_EQ(test, toy_slab_repair(s), 1UL);
	expect_errors(test, TOY_SE_DOUBLE_FREE, 3);
	KUNIT_EXPECT_EQ(test, toy_slab_cached(s), 2UL);
	ac->entry[ac->avail++] = a + 5 * s->size;	/* on the free list */
	KUNIT_EXPECT_EQ(test, toy_slab_repair(s), 1UL);
	expect_errors(test, TOY_SE_DOUBLE_FREE, 4);
	ac->entry[ac->avail++] = a + 1;			/* inside an object */
	ac->entry[ac->avail++] = real;			/* not toy memory */
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 2UL);
	KUNIT_EXPECT_EQ(test, toy_slab_cached(s), 4UL);
	KUNIT_EXPECT_EQ(test, toy_slab_repair(s), 2UL);
	KUNIT_EXPECT_EQ(test, new_errors(test, TOY_SE_FREELIST), 4UL);
	KUNIT_EXPECT_EQ(test, toy_slab_cached(s), 2UL);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 0UL);
	KUNIT_EXPECT_EQ(test, live(s), 2UL);
	toy_kmem_cache_free(s, a);
	toy_kmem_cache_free(s, b);
	destroy_cache(test, s);
	KUNIT_EXPECT_EQ(test, new_errors(test, TOY_SE_DOUBLE_FREE), 4UL);
}

/*
 * In a debug cache an object in an array is free: with its red zones
 * active (handed out, yet in an array) validate reports it.
 */
static void toy_slab_validate_array_debug(struct kunit *test)
{
	struct toy_kmem_cache *s = make_array_cache(test, "toy_test_debug", 64,
						    TOY_SLAB_DEBUG, 8, 4);
	struct toy_array_cache *ac;
	u8 *p = toy_kmem_cache_alloc(s, NOWARN);

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0, 64);
	ac = this_array(s);
	ac->entry[ac->avail++] = p;
	/* Both red zones active, the object not poisoned (body and end). */
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 4UL);
	KUNIT_EXPECT_EQ(test, new_errors(test, TOY_SE_REDZONE), 2UL);
	KUNIT_EXPECT_EQ(test, new_errors(test, TOY_SE_POISON), 2UL);
	KUNIT_EXPECT_EQ(test, p[-1], SLUB_RED_ACTIVE);	/* a read restores nothing */
	KUNIT_EXPECT_EQ(test, toy_slab_repair(s), 4UL);
	KUNIT_EXPECT_EQ(test, new_errors(test, TOY_SE_REDZONE), 4UL);
	ac->avail--;			/* give p back to its user ... */
	toy_kmem_cache_free(s, p);	/* ... whose free finds it inactive */
	KUNIT_EXPECT_EQ(test, new_errors(test, TOY_SE_REDZONE), 6UL);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 0UL);
	destroy_cache(test, s);
	KUNIT_EXPECT_EQ(test, new_errors(test, TOY_SE_DOUBLE_FREE), 0UL);
}

/*
 * A double free racing the release of its slab: one thread frees each
 * object twice while another thread and an hrtimer (a hard interrupt,
 * which can land between any two instructions of a free) shrink the
 * cache. The second free finds no slab, or a slab that is no longer the
 * cache's, or an empty one: each is reported once, none crashes.
 */
#define RACE_ROUNDS	2000
#define RACE_PERIOD_NS	(50 * NSEC_PER_USEC)

struct race_state {
	struct toy_kmem_cache *s;
	struct hrtimer hrtimer;
	struct completion done[2];
	bool stop;
	unsigned long nulls;
};

static enum hrtimer_restart race_hrtimer(struct hrtimer *t)
{
	struct race_state *rs = container_of(t, struct race_state, hrtimer);

	if (READ_ONCE(rs->stop))
		return HRTIMER_NORESTART;
	toy_kmem_cache_shrink(rs->s);
	hrtimer_forward_now(t, ns_to_ktime(RACE_PERIOD_NS));
	return HRTIMER_RESTART;
}

static int race_double_free_fn(void *data)
{
	struct race_state *rs = data;
	int i;

	for (i = 0; i < RACE_ROUNDS; i++) {
		void *p = toy_kmem_cache_alloc(rs->s, NOWARN);

		if (!p) {
			rs->nulls++;
			continue;
		}
		toy_kfree(p);
		toy_kfree(p);
		interleave(i);
	}
	WRITE_ONCE(rs->stop, true);
	complete(&rs->done[0]);
	return 0;
}

static int race_shrink_fn(void *data)
{
	struct race_state *rs = data;
	int i;

	for (i = 0; !READ_ONCE(rs->stop); i++) {
		toy_kmem_cache_shrink(rs->s);
		interleave(i);
	}
	complete(&rs->done[1]);
	return 0;
}

static unsigned long race_validate(void *arg)
{
	return 0;
}

/*
 * The state is kmalloc'ed, not kunit_kzalloc'ed: should a thread still
 * run at the deadline, it is leaked rather than freed under the thread.
 */
static void toy_slab_double_free_vs_shrink(struct kunit *test)
{
	struct race_state *rs = kzalloc(sizeof(*rs), GFP_KERNEL);
	unsigned long errors = 0, runs = 0, reported;

	KUNIT_ASSERT_NOT_NULL(test, rs);
	rs->s = make_bare_cache(test, "toy_test_race", 512, 0);
	hrtimer_init(&rs->hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	rs->hrtimer.function = race_hrtimer;
	hrtimer_start(&rs->hrtimer, ns_to_ktime(RACE_PERIOD_NS),
		      HRTIMER_MODE_REL_HARD);
	mt_run(test, race_double_free_fn, rs, &rs->done[0], "toy_race_free", 0);
	mt_run(test, race_shrink_fn, rs, &rs->done[1], "toy_race_shrink", 0);
	if (!mt_join(&rs->done[0], sizeof(rs->done[0]), 2, race_validate,
		     NULL, &errors, &runs)) {
		WRITE_ONCE(rs->stop, true);
		hrtimer_cancel(&rs->hrtimer);
		KUNIT_FAIL(test, "threads still running after %d s: state leaked",
			   MT_TIMEOUT / HZ);
		return;
	}
	hrtimer_cancel(&rs->hrtimer);
	reported = new_errors(test, TOY_SE_NOT_SLAB) +
		   new_errors(test, TOY_SE_DOUBLE_FREE);
	kunit_info(test, "%lu double frees: %lu found no slab, %lu an empty one\n",
		   RACE_ROUNDS - rs->nulls, new_errors(test, TOY_SE_NOT_SLAB),
		   new_errors(test, TOY_SE_DOUBLE_FREE));
	KUNIT_EXPECT_EQ(test, rs->nulls, 0UL);
	KUNIT_EXPECT_EQ(test, reported, RACE_ROUNDS - rs->nulls);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(rs->s), 0UL);
	KUNIT_EXPECT_EQ(test, live(rs->s), 0UL);
	destroy_cache(test, rs->s);
	kfree(rs);
}

/* === Debugging (mm/slub_kunit.c) ========================================== */

static struct toy_kmem_cache *debug_cache(struct kunit *test)
{
	return make_cache(test, "toy_test_debug", 64, TOY_SLAB_DEBUG, NULL);
}

/*
 * A byte past the end of a live object: found by validate, left as it is,
 * then restored by a repair.
 */
static void toy_slab_clobber_redzone(struct kunit *test)
{
	struct toy_kmem_cache *s = debug_cache(test);
	u8 *p = toy_kmem_cache_alloc(s, NOWARN);

	KUNIT_ASSERT_NOT_NULL(test, p);
	p[64] = 0x12;
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 1UL);
	KUNIT_EXPECT_EQ(test, p[64], 0x12);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 1UL);
	expect_errors(test, TOY_SE_REDZONE, 2);
	KUNIT_EXPECT_EQ(test, toy_slab_repair(s), 1UL);
	KUNIT_EXPECT_EQ(test, p[64], SLUB_RED_ACTIVE);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 0UL);
	p[-1] = 0x34;
	KUNIT_EXPECT_EQ(test, toy_slab_repair(s), 1UL);
	expect_errors(test, TOY_SE_REDZONE, 4);
	toy_kmem_cache_free(s, p);
	destroy_cache(test, s);
	expect_errors(test, TOY_SE_REDZONE, 4);
}

/* The red zone checked on free: reported, repaired, and the free done. */
static void toy_slab_clobber_redzone_at_free(struct kunit *test)
{
	struct toy_kmem_cache *s = debug_cache(test);
	u8 *p = toy_kmem_cache_alloc(s, NOWARN);

	KUNIT_ASSERT_NOT_NULL(test, p);
	p[s->meta_offset - 1] = 0;
	toy_kmem_cache_free(s, p);
	expect_errors(test, TOY_SE_REDZONE, 1);
	KUNIT_EXPECT_EQ(test, live(s), 0UL);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 0UL);
	destroy_cache(test, s);
}

/* A write to a free object: poison broken, found by validate. */
static void toy_slab_write_after_free(struct kunit *test)
{
	struct toy_kmem_cache *s = debug_cache(test);
	u8 *p = toy_kmem_cache_alloc(s, NOWARN);

	KUNIT_ASSERT_NOT_NULL(test, p);
	toy_kmem_cache_free(s, p);
	p[50] = 0x9a;
	KUNIT_EXPECT_EQ(test, toy_slab_repair(s), 1UL);
	expect_errors(test, TOY_SE_POISON, 1);
	p[63] = 0x6b;			/* the last byte must be 0xa5 */
	KUNIT_EXPECT_EQ(test, toy_slab_repair(s), 1UL);
	expect_errors(test, TOY_SE_POISON, 2);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 0UL);
	destroy_cache(test, s);
}

/* ... and found when the object is handed out again. */
static void toy_slab_write_after_free_alloc(struct kunit *test)
{
	struct toy_kmem_cache *s = debug_cache(test);
	u8 *p = toy_kmem_cache_alloc(s, NOWARN);
	u8 *q;

	KUNIT_ASSERT_NOT_NULL(test, p);
	toy_kmem_cache_free(s, p);
	p[0] = 0x78;
	q = toy_kmem_cache_alloc(s, NOWARN);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	expect_errors(test, TOY_SE_POISON, 1);
	toy_kmem_cache_free(s, q);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 0UL);
	destroy_cache(test, s);
}

/*
 * init_object() poisons an object as it is handed out too, as SLUB's
 * does: with P but no consistency checks, nothing looks at a write after
 * free, and the next user still sees 0x6b ... 0xa5, not the stray byte.
 */
static void toy_slab_poisoned_at_alloc(struct kunit *test)
{
	struct toy_kmem_cache *s = make_cache(test, "toy_test_poison", 64,
					      TOY_SLAB_POISON, NULL);
	u8 *p = toy_kmem_cache_alloc(s, NOWARN);
	u8 *q;

	KUNIT_ASSERT_NOT_NULL(test, p);
	toy_kmem_cache_free(s, p);
	p[10] = 0x42;			/* after the free, unchecked without F */
	q = toy_kmem_cache_alloc(s, NOWARN);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	KUNIT_EXPECT_FALSE(test, memchr_inv(q, POISON_FREE, 63));
	KUNIT_EXPECT_EQ(test, q[63], POISON_END);
	toy_kmem_cache_free(s, q);
	destroy_cache(test, s);
	expect_no_errors(test);
}

/*
 * P without Z: check_object() checks the alignment padding after the
 * object for 0x5a, as there is no red zone to hold it.
 */
static void toy_slab_alignment_padding(struct kunit *test)
{
	struct toy_kmem_cache *s = make_cache(test, "toy_test_pad", 60,
					      TOY_SLAB_POISON, NULL);
	u8 *p;

	KUNIT_ASSERT_EQ(test, s->meta_offset, 64U);
	p = toy_kmem_cache_alloc(s, NOWARN);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, p[60], POISON_INUSE);
	p[61] = 0;
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 1UL);
	expect_errors(test, TOY_SE_PADDING, 1);
	KUNIT_EXPECT_EQ(test, toy_slab_repair(s), 1UL);
	KUNIT_EXPECT_EQ(test, p[61], POISON_INUSE);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 0UL);
	toy_kmem_cache_free(s, p);
	destroy_cache(test, s);
	expect_errors(test, TOY_SE_PADDING, 2);
}

/* The last byte of the slot is padding (0x5a) behind the metadata. */
static void toy_slab_clobber_padding(struct kunit *test)
{
	struct toy_kmem_cache *s = debug_cache(test);
	u8 *p = toy_kmem_cache_alloc(s, NOWARN);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, p[s->size - s->red_left_pad - 1], POISON_INUSE);
	p[s->size - s->red_left_pad - 1] = 0;
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 1UL);
	expect_errors(test, TOY_SE_PADDING, 1);
	toy_kmem_cache_free(s, p);
	destroy_cache(test, s);
}

/*
 * With no arrays, a free of a free object is refused: the last one freed
 * always, any other with consistency checks (F). A live object keeps each
 * slab from going empty, where a free would be caught by the in-use count
 * instead.
 */
static void toy_slab_double_free(struct kunit *test)
{
	struct toy_kmem_cache *d = make_bare_cache(test, "toy_test_debug", 64,
						   TOY_SLAB_DEBUG);
	struct toy_kmem_cache *s = make_bare_cache(test, "toy_test_plain", 64,
						   0);
	void *a = toy_kmem_cache_alloc(d, NOWARN);
	void *b = toy_kmem_cache_alloc(d, NOWARN);
	void *x = toy_kmem_cache_alloc(d, NOWARN);
	void *c = toy_kmem_cache_alloc(s, NOWARN);
	void *y = toy_kmem_cache_alloc(s, NOWARN);

	KUNIT_ASSERT_TRUE(test, a && b && x && c && y);
	toy_kmem_cache_free(d, a);
	toy_kmem_cache_free(d, b);
	toy_kmem_cache_free(d, a);	/* behind b on the free list: F */
	expect_errors(test, TOY_SE_DOUBLE_FREE, 1);
	toy_kmem_cache_free(d, b);	/* the head of the free list */
	toy_kmem_cache_free(s, c);
	toy_kmem_cache_free(s, c);	/* the head, no debug flags */
	expect_errors(test, TOY_SE_DOUBLE_FREE, 3);
	KUNIT_EXPECT_EQ(test, d->nr_inuse, 1UL);
	KUNIT_EXPECT_EQ(test, s->nr_inuse, 1UL);
	toy_kmem_cache_free(d, x);
	toy_kmem_cache_free(s, y);
	toy_kmem_cache_free(s, y);	/* the slab is empty */
	expect_errors(test, TOY_SE_DOUBLE_FREE, 4);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(d) + toy_slab_validate(s), 0UL);
	destroy_cache(test, d);
	destroy_cache(test, s);
}

/* An object freed to another cache stays allocated in its own. */
static void toy_slab_wrong_cache(struct kunit *test)
{
	struct toy_kmem_cache *a = debug_cache(test);
	struct toy_kmem_cache *b = make_cache(test, "toy_test_plain", 64, 0,
					      NULL);
	void *p = toy_kmem_cache_alloc(a, NOWARN);
	void *q = toy_kmem_cache_alloc(b, NOWARN);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	toy_kmem_cache_free(b, p);
	toy_kmem_cache_free(a, q);
	expect_errors(test, TOY_SE_WRONG_CACHE, 2);
	KUNIT_EXPECT_EQ(test, live(a), 1UL);
	KUNIT_EXPECT_EQ(test, live(b), 1UL);
	toy_kmem_cache_free(a, p);
	toy_kmem_cache_free(b, q);
	destroy_cache(test, a);
	destroy_cache(test, b);
	expect_errors(test, TOY_SE_WRONG_CACHE, 2);
}

/* A pointer inside an object, or inside a large block, is not freed. */
static void toy_slab_not_object_start(struct kunit *test)
{
	struct toy_kmem_cache *s = debug_cache(test);
	u8 *p = toy_kmem_cache_alloc(s, NOWARN);
	u8 *k = toy_kmalloc(100, NOWARN);
	u8 *l = toy_kmalloc(3 * PAGE_SIZE, NOWARN);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_ASSERT_NOT_NULL(test, l);
	toy_kmem_cache_free(s, p + 8);
	toy_kfree(k + 1);
	toy_kfree(l + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, toy_ksize(k + 1), (size_t)0);
	expect_errors(test, TOY_SE_NOT_OBJECT, 4);
	KUNIT_EXPECT_EQ(test, live(s), 1UL);
	toy_kmem_cache_free(s, p);
	toy_kfree(k);
	toy_kfree(l);
	destroy_cache(test, s);
	expect_errors(test, TOY_SE_NOT_OBJECT, 4);
}

/* Memory that is not the toy's, or a large block freed twice. */
static void toy_slab_not_slab(struct kunit *test)
{
	void *real = kunit_kmalloc(test, 64, GFP_KERNEL);
	void *l = toy_kmalloc(5 * PAGE_SIZE, NOWARN);

	KUNIT_ASSERT_NOT_NULL(test, real);
	KUNIT_ASSERT_NOT_NULL(test, l);
	toy_kfree(real);
	KUNIT_EXPECT_EQ(test, toy_ksize(real), (size_t)0);
	toy_kfree(l);
	toy_kfree(l);
	expect_errors(test, TOY_SE_NOT_SLAB, 3);
}

/*
 * A free pointer clobbered in a free object: found when it would be
 * followed, by validate and by allocation, and the list cut there. No
 * arrays, so that the frees go to the free list.
 */
static void toy_slab_freelist_corrupt(struct kunit *test)
{
	struct toy_kmem_cache *s = make_bare_cache(test, "toy_test_plain", 64,
						   0);
	unsigned int i, n = s->objects;
	void **objs;

	objs = kunit_kcalloc(test, n, sizeof(*objs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, objs);
	for (i = 0; i < n; i++)
		objs[i] = toy_kmem_cache_alloc(s, NOWARN);
	expect_lists(test, s, 1, 0, 0);
	toy_kmem_cache_free(s, objs[3]);	/* alone on the list */
	*(unsigned long *)(objs[3] + s->offset) ^= 0x11;
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 1UL);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 1UL);
	expect_errors(test, TOY_SE_FREELIST, 2);
	KUNIT_EXPECT_EQ(test, toy_slab_repair(s), 1UL);
	expect_errors(test, TOY_SE_FREELIST, 3);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 0UL);

	toy_kmem_cache_free(s, objs[5]);
	toy_kmem_cache_free(s, objs[7]);	/* list: 7 -> 5 -> 3 */
	*(unsigned long *)(objs[7] + s->offset) = 0x10;
	objs[7] = toy_kmem_cache_alloc(s, NOWARN);
	expect_errors(test, TOY_SE_FREELIST, 4);
	KUNIT_EXPECT_EQ(test, s->nr_inuse, (unsigned long)n);	/* 5, 3 lost */
	KUNIT_EXPECT_EQ(test, toy_slab_validate(s), 0UL);
	expect_errors(test, TOY_SE_FREELIST, 4);
	/* The lost objects are freed by hand so the cache can go. */
	for (i = 0; i < n; i++)
		toy_kmem_cache_free(s, objs[i]);
	destroy_cache(test, s);
	expect_errors(test, TOY_SE_FREELIST, 4);
}

/* Tracks name the callers; a free after a clean run finds nothing. */
static void toy_slab_validate_clean(struct kunit *test)
{
	void *p[ARRAY_SIZE(sizes)];
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		p[i] = toy_kmalloc(sizes[i], NOWARN);
	for (i = 0; i < ARRAY_SIZE(sizes); i += 2)
		toy_kfree(p[i]);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(NULL), 0UL);
	for (i = 1; i < ARRAY_SIZE(sizes); i += 2)
		toy_kfree(p[i]);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(NULL), 0UL);
	expect_no_errors(test);
}

/* === Random sequences from several threads ================================ */

#define MT_THREADS	4
#define MT_OPS		20000
#define MT_LIVE		64
#define MT_CACHE_SIZE	200

/* An object a thread holds: all @size bytes hold @tag. */
struct mt_object {
	u8 *p;
	size_t size;
	u8 tag;
	bool from_cache;
};

/**
 * struct slab_thread - one thread running a random sequence
 * @cache: the named cache all threads share.
 * @rnd: its random state, with a seed of its own.
 * @live: the objects it holds.
 * @nr_live: entries of @live in use.
 * @allocs: objects it got, kmalloc, krealloc and cache together.
 * @bad_data: objects whose bytes changed while the thread owned them.
 * @id: the thread's number.
 * @switches: steps at which another thread had run since its last.
 * @done: completed as the thread ends, everything freed.
 *
 * The counters are read only after @done: a KUnit assertion must not
 * be made from a thread the case does not run in.
 */
struct slab_thread {
	struct toy_kmem_cache *cache;
	struct rnd_state rnd;
	struct mt_object live[MT_LIVE];
	int nr_live;
	unsigned long allocs;
	unsigned long bad_data;
	int id;
	unsigned long switches;
	struct completion done;
};

/* Mostly small, some up to kmalloc-8k, one in 16 up to 32 KiB (large). */
static size_t random_size(struct rnd_state *rnd)
{
	u32 r = prandom_u32_state(rnd);

	if (!(r & 15))
		return 1 + (r >> 4) % (4 * TOY_KMALLOC_MAX_CACHE_SIZE);
	if ((r & 15) < 4)
		return 1 + (r >> 4) % TOY_KMALLOC_MAX_CACHE_SIZE;
	return 1 + (r >> 4) % 256;
}

static void fill_object(struct slab_thread *t, u8 *p, size_t size,
			bool from_cache)
{
	struct mt_object *o = &t->live[t->nr_live++];

	o->p = p;
	o->size = size;
	o->tag = prandom_u32_state(&t->rnd) | 1;
	o->from_cache = from_cache;
	memset(p, o->tag, size);
	t->allocs++;
}

/* Check @o's bytes, free it and drop it from the live set. */
static void free_object(struct slab_thread *t, struct mt_object *o)
{
	if (memchr_inv(o->p, o->tag, o->size))
		t->bad_data++;
	if (o->from_cache)
		toy_kmem_cache_free(t->cache, o->p);
	else
		toy_kfree(o->p);
	*o = t->live[--t->nr_live];
}

/*
 * Grow or shrink a kmalloc object: what it held must still be there, up
 * to the smaller size. A failed krealloc leaves it as it was.
 */
static void realloc_object(struct slab_thread *t, struct mt_object *o)
{
	size_t size = random_size(&t->rnd);
	u8 *q;

	if (memchr_inv(o->p, o->tag, o->size))
		t->bad_data++;
	q = toy_krealloc(o->p, size, NOWARN);
	if (!q)
		return;
	if (memchr_inv(q, o->tag, min(size, o->size)))
		t->bad_data++;
	memset(q, o->tag, size);
	o->p = q;
	o->size = size;
	t->allocs++;
}

/*
 * One step: kmalloc a random size, krealloc a live object, allocate from
 * the named cache, or free a live object; now and then shrink the cache,
 * which drains every CPU's array of it, as another CPU might.
 */
static void slab_step(struct slab_thread *t, int step)
{
	u32 r = prandom_u32_state(&t->rnd);
	struct mt_object *o;
	size_t size;
	u8 *p;

	if (step % 256 == 255)
		toy_kmem_cache_shrink(t->cache);
	if (t->nr_live == MT_LIVE || (t->nr_live && (r & 7) >= 6)) {
		free_object(t, &t->live[(r >> 3) % t->nr_live]);
	} else if ((r & 7) < 3) {
		size = random_size(&t->rnd);
		p = toy_kmalloc(size, NOWARN);
		if (p)
			fill_object(t, p, size, false);
	} else if ((r & 7) == 3 && t->nr_live) {
		o = &t->live[(r >> 3) % t->nr_live];
		if (!o->from_cache)
			realloc_object(t, o);
	} else {
		p = toy_kmem_cache_alloc(t->cache, NOWARN);
		if (p)
			fill_object(t, p, t->cache->object_size, true);
	}
}

static int slab_thread_fn(void *data)
{
	struct slab_thread *t = data;
	int i;

	for (i = 0; i < MT_OPS; i++) {
		slab_step(t, i);
		interleave(i);
		note_switch(t->id, &t->switches);
	}
	while (t->nr_live)
		free_object(t, &t->live[t->nr_live - 1]);
	complete(&t->done);
	return 0;
}

/* Empty every kmalloc cache's arrays and give its empty slabs back. */
static void shrink_kmalloc_caches(void)
{
	size_t size;

	for (size = 8; size <= TOY_KMALLOC_MAX_CACHE_SIZE; size *= 2)
		toy_kmem_cache_shrink(toy_kmalloc_cache(size));
	toy_kmem_cache_shrink(toy_kmalloc_cache(96));
	toy_kmem_cache_shrink(toy_kmalloc_cache(192));
}

/* mt_join()'s validate: every cache's. */
static unsigned long validate_caches(void *unused)
{
	return toy_slab_validate(NULL);
}

static const toy_slab_flags_t mt_flags[] = { 0, TOY_SLAB_DEBUG };

static void mt_flags_desc(const toy_slab_flags_t *flags, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "named cache %s",
		 *flags ? "with FZPU" : "plain");
}

KUNIT_ARRAY_PARAM(mt_flags, mt_flags, mt_flags_desc);

/*
 * Random kmalloc, krealloc, kfree and named-cache traffic from
 * MT_THREADS threads, each with its own seed: no thread's bytes are
 * touched by another, validate finds nothing while they run, no check
 * finds anything, and once the caches are shrunk every page is back in
 * the buddy as before. Should a thread hang, its state and the cache
 * are leaked rather than freed under it.
 */
static void toy_slab_random_threads(struct kunit *test)
{
	toy_slab_flags_t flags = *(const toy_slab_flags_t *)test->param_value;
	unsigned long validate_errors = 0, allocs = 0, bad = 0, switches = 0;
	unsigned long validate_runs = 0, t0 = jiffies;
	struct free_snapshot start;
	struct toy_kmem_cache *s;
	struct slab_thread *t;
	int i;

	t = kcalloc(MT_THREADS, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	s = toy_kmem_cache_create("toy_test_mt", MT_CACHE_SIZE, 0, flags, NULL);
	if (!s) {
		kfree(t);
		KUNIT_FAIL(test, "no cache");
		return;
	}
	shrink_kmalloc_caches();
	snapshot(&start);

	for (i = 0; i < MT_THREADS; i++) {
		t[i].cache = s;
		t[i].id = i;
		prandom_seed_state(&t[i].rnd, 200 + i);
		mt_run(test, slab_thread_fn, &t[i], &t[i].done, "toy_slab_mt", i);
	}
	if (!mt_join(&t[0].done, sizeof(*t), MT_THREADS, validate_caches, NULL,
		     &validate_errors, &validate_runs)) {
		KUNIT_FAIL(test, "threads still running after %d s: cache leaked",
			   MT_TIMEOUT / HZ);
		return;
	}

	for (i = 0; i < MT_THREADS; i++) {
		allocs += t[i].allocs;
		bad += t[i].bad_data;
		switches += t[i].switches;
	}
	kunit_info(test, "%d threads: %lu objects, %lu thread switches, %lu validates meanwhile, %u ms\n",
		   MT_THREADS, allocs, switches, validate_runs,
		   jiffies_to_msecs(jiffies - t0));
	KUNIT_EXPECT_GT(test, allocs, (unsigned long)MT_THREADS * MT_OPS / 4);
	/* Each short sleep hands over to another thread at least. */
	KUNIT_EXPECT_GE(test, switches, (unsigned long)MT_OPS / 32);
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	KUNIT_EXPECT_EQ(test, validate_errors, 0UL);
	KUNIT_EXPECT_EQ(test, toy_slab_validate(NULL), 0UL);
	KUNIT_EXPECT_EQ(test, live(s), 0UL);
	destroy_cache(test, s);
	shrink_kmalloc_caches();
	expect_snapshot_eq(test, &start);
	expect_no_errors(test);
	kfree(t);
}

static struct kunit_case toy_slab_test_cases[] = {
	KUNIT_CASE_PARAM(toy_slab_kmalloc_index, index_cases_gen_params),
	KUNIT_CASE(toy_slab_kmalloc_const_index),
	KUNIT_CASE(toy_slab_kmalloc_const),
	KUNIT_CASE(toy_slab_kmalloc_size_table),
	KUNIT_CASE(toy_slab_object_start_fast),
	KUNIT_CASE_PARAM(toy_slab_kmalloc_cache, cache_cases_gen_params),
	KUNIT_CASE_PARAM(toy_slab_calc_order_real, geo_cases_gen_params),
	KUNIT_CASE_PARAM(toy_slab_layout_debug_real,
			 debug_geo_cases_gen_params),
	KUNIT_CASE(toy_slab_kmalloc_geometry),
	KUNIT_CASE(toy_slab_zero_size),
	KUNIT_CASE_PARAM(toy_slab_ksize, sizes_gen_params),
	KUNIT_CASE(toy_slab_krealloc),
	KUNIT_CASE(toy_slab_krealloc_zero),
	KUNIT_CASE_PARAM(toy_slab_kzalloc, sizes_gen_params),
	KUNIT_CASE_PARAM(toy_slab_kcalloc_overflow, kcalloc_wraps_gen_params),
	KUNIT_CASE(toy_slab_kcalloc_too_big),
	KUNIT_CASE(toy_slab_list_transitions),
	KUNIT_CASE(toy_slab_alloc_order),
	KUNIT_CASE(toy_slab_tail_pages),
	KUNIT_CASE(toy_slab_ctor),
	KUNIT_CASE_PARAM(toy_slab_alignment, align_cases_gen_params),
	KUNIT_CASE(toy_slab_kmalloc_alignment),
	KUNIT_CASE(toy_slab_exhaustion),
	KUNIT_CASE(toy_slab_reclaimed_by_pressure),
	KUNIT_CASE_PARAM(toy_slab_default_tunables_table,
			 tunables_cases_gen_params),
	KUNIT_CASE(toy_slab_kmalloc_tunables),
	KUNIT_CASE(toy_slab_kmalloc_min_partial),
	KUNIT_CASE(toy_slab_array_refill_flush),
	KUNIT_CASE(toy_slab_array_batchrefill),
	KUNIT_CASE(toy_slab_array_shrink_destroy),
	KUNIT_CASE(toy_slab_array_tune),
	KUNIT_CASE(toy_slab_destroy_busy),
	KUNIT_CASE_PARAM(toy_slab_create_bad, bad_create_cases_gen_params),
	KUNIT_CASE(toy_slab_clobber_redzone),
	KUNIT_CASE(toy_slab_clobber_redzone_at_free),
	KUNIT_CASE(toy_slab_write_after_free),
	KUNIT_CASE(toy_slab_write_after_free_alloc),
	KUNIT_CASE(toy_slab_clobber_padding),
	KUNIT_CASE(toy_slab_poisoned_at_alloc),
	KUNIT_CASE(toy_slab_alignment_padding),
	KUNIT_CASE(toy_slab_double_free),
	KUNIT_CASE(toy_slab_double_free_array),
	KUNIT_CASE(toy_slab_double_free_flush),
	KUNIT_CASE(toy_slab_double_free_vs_shrink),
	KUNIT_CASE(toy_slab_wrong_cache),
	KUNIT_CASE(toy_slab_not_object_start),
	KUNIT_CASE(toy_slab_not_slab),
	KUNIT_CASE(toy_slab_freelist_corrupt),
	KUNIT_CASE(toy_slab_validate_arrays),
	KUNIT_CASE(toy_slab_validate_array_debug),
	KUNIT_CASE(toy_slab_validate_clean),
	KUNIT_CASE_PARAM(toy_slab_random_threads, mt_flags_gen_params),
	{}
};

static struct kunit_suite toy_slab_test_suite = {
	.name = "toy_slab",
	.init = toy_slab_test_init,
	.test_cases = toy_slab_test_cases,
};

kunit_test_suite(toy_slab_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit tests of toy_alloc's slab allocator and kmalloc");
MODULE_LICENSE("GPL");
