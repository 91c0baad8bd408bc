// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the toy's reclaim: direct reclaim of page cache blocks
 * and shrinker objects with the kernel's priorities and do_shrink_slab()
 * arithmetic, kswapd waking below low and stopping once a zone is above
 * high, and validate's checks of the LRU. Each case has a node of its own
 * (8 MiB, 4 of them HighMem, min_free_kbytes 512, no pcp lists: Normal
 * min 128, low 160, high 192), so every count is known.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "toy_internal.h"

#define NODE_PAGES	2048

static struct toy_node *new_node(struct kunit *test)
{
	static const struct toy_node_config cfg = { 8, 4, 0 };
	static const struct toy_wmark_config wmark = { 512, 10 };
	struct toy_node *node = kunit_kzalloc(test, sizeof(*node), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, node);
	KUNIT_ASSERT_EQ(test, toy_node_init_config(node, 4, &cfg), 0);
	test->priv = node;
	KUNIT_ASSERT_EQ(test, toy_node_set_watermarks(node, &wmark), 0);
	toy_node_set_pcp(node, 0);
	return node;
}

static struct toy_page_ref *add_cache(struct kunit *test,
				      struct toy_node *node, unsigned int n)
{
	struct toy_page_ref *refs = kunit_kcalloc(test, n, sizeof(*refs),
						  GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, refs);
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, toy_cache_page_add(node, &refs[i],
							 TOY_GFP_KERNEL, 0), 0);
	KUNIT_EXPECT_EQ(test, node->nr_lru_pages, (unsigned long)n);
	KUNIT_EXPECT_EQ(test, node->zones[TOY_ZONE_NORMAL].nr_inactive_file,
			(unsigned long)n);
	return refs;
}

/*
 * 500 cache pages in Normal: KERNEL requests take it to its low mark
 * (364), then to min (32 more), then reclaim the cache from its oldest
 * end, until all 500 are gone and Normal is at min again: 896 in all,
 * every page reclaimed by direct reclaim, every owner told.
 */
static void toy_vmscan_direct_reclaim(struct kunit *test)
{
	struct toy_node *node = new_node(test);
	struct toy_page **pages;
	struct toy_page_ref *refs;
	unsigned long n = 0, i, gone = 0;

	refs = add_cache(test, node, 500);
	pages = kunit_kcalloc(test, NODE_PAGES, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	while (n < NODE_PAGES &&
	       (pages[n] = toy_node_alloc(node, TOY_GFP_KERNEL | __TOY_GFP_NOWARN, 0)))
		n++;
	KUNIT_EXPECT_EQ(test, n, 896UL);
	KUNIT_EXPECT_EQ(test, node->zones[TOY_ZONE_NORMAL].free_pages, 128UL);
	for (i = 0; i < 500; i++)
		gone += toy_page_ref_pfn(node, &refs[i]) < 0;
	KUNIT_EXPECT_EQ(test, gone, 500UL);
	KUNIT_EXPECT_EQ(test, node->nr_lru_pages, 0UL);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_PGSTEAL_DIRECT), 500UL);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_PGSCAN_DIRECT), 500UL);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_PGSTEAL_KSWAPD), 0UL);
	KUNIT_EXPECT_GT(test, toy_zone_stat(&node->zones[TOY_ZONE_NORMAL],
					    TOY_ZS_ALLOCSTALL), 0UL);
	/* A reclaimed block's owner frees nothing. */
	KUNIT_EXPECT_FALSE(test, toy_page_ref_put(node, &refs[0]));
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 0UL);
	for (i = 0; i < n; i++)
		toy_node_free(node, pages[i], 0);
	KUNIT_EXPECT_EQ(test, toy_node_allocated_pages(node), 0UL);
}

/* ATOMIC and NOWAIT requests never reclaim: the cache stays. */
static void toy_vmscan_atomic_no_reclaim(struct kunit *test)
{
	struct toy_node *node = new_node(test);
	struct toy_page *page;
	unsigned long n = 0;

	add_cache(test, node, 500);
	while ((page = toy_node_alloc(node, TOY_GFP_NOWAIT | __TOY_GFP_NOWARN, 0)))
		n++;
	/* 524 free: down to the low mark in the fast path, then min. */
	KUNIT_EXPECT_EQ(test, n, 524UL - 128);
	KUNIT_EXPECT_EQ(test, node->nr_lru_pages, 500UL);
	KUNIT_EXPECT_EQ(test, toy_zone_stat(&node->zones[TOY_ZONE_NORMAL],
					    TOY_ZS_ALLOCSTALL), 0UL);
}

/* A shrinker with a fixed count: each object freed is one page. */
struct fake_shrinker {
	struct toy_shrinker sh;
	unsigned long objects, scanned, calls;
};

static unsigned long fake_count(struct toy_shrinker *sh)
{
	return container_of(sh, struct fake_shrinker, sh)->objects;
}

static unsigned long fake_scan(struct toy_shrinker *sh,
			       struct toy_shrink_control *sc)
{
	struct fake_shrinker *f = container_of(sh, struct fake_shrinker, sh);
	unsigned long n = min(sc->nr_to_scan, f->objects);

	f->objects -= n;
	f->scanned += sc->nr_to_scan;
	f->calls++;
	sc->nr_reclaimed_pages += n;
	return n;
}

/*
 * do_shrink_slab()'s share of 1000 objects, (1000 >> priority) * 4 / 2,
 * from priority 12 down: 0, 0, 0, 2 (at 9), 6, 14, 30 - 52 in all by
 * priority 6, which brings direct reclaim past SWAP_CLUSTER_MAX (32).
 */
static void toy_vmscan_shrinker_priorities(struct kunit *test)
{
	struct toy_node *node = new_node(test);
	struct fake_shrinker f = {
		.sh = { .count_objects = fake_count, .scan_objects = fake_scan },
		.objects = 1000,
	};

	toy_register_shrinker(node, &f.sh);
	KUNIT_EXPECT_EQ(test, toy_try_to_free_pages(node, TOY_ZONE_NORMAL), 52UL);
	KUNIT_EXPECT_EQ(test, f.objects, 948UL);
	KUNIT_EXPECT_EQ(test, f.calls, 4UL);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_SLABS_SCANNED), 52UL);
	KUNIT_EXPECT_EQ(test, toy_zone_stat(&node->zones[TOY_ZONE_NORMAL],
					    TOY_ZS_ALLOCSTALL), 1UL);
	/*
	 * 20 left: nothing until priority 4, then 2, 4 (18 >> 3 = 2), 6 and 8:
	 * all 20 by priority 1, short of 32, so priority 0 is tried too.
	 */
	f.objects = 20;
	KUNIT_EXPECT_EQ(test, toy_try_to_free_pages(node, TOY_ZONE_HIGHMEM), 20UL);
	KUNIT_EXPECT_EQ(test, f.objects, 0UL);
	toy_unregister_shrinker(node, &f.sh);
}

/* kswapd wakes below low and reclaims until Normal is above high. */
static void toy_vmscan_kswapd(struct kunit *test)
{
	struct toy_node *node = new_node(test);
	struct toy_zone *normal = &node->zones[TOY_ZONE_NORMAL];
	unsigned long n, i, deadline;
	struct toy_page **pages;

	add_cache(test, node, 600);
	KUNIT_ASSERT_EQ(test, toy_kswapd_run(node), 0);
	/* Let it go to sleep: nothing to do yet. */
	msleep(300);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_PAGEOUTRUN), 0UL);
	pages = kunit_kcalloc(test, 300, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	/* 424 free: 264 in the fast path, the rest below low. */
	for (n = 0; n < 280; n++) {
		pages[n] = toy_node_alloc(node, TOY_GFP_NOWAIT, 0);
		KUNIT_ASSERT_NOT_NULL(test, pages[n]);
	}
	deadline = jiffies + 10 * HZ;
	while (READ_ONCE(normal->free_pages) <= normal->watermark[TOY_WMARK_HIGH] &&
	       time_before(jiffies, deadline))
		msleep(20);
	KUNIT_EXPECT_GT(test, READ_ONCE(normal->free_pages),
			normal->watermark[TOY_WMARK_HIGH]);
	KUNIT_EXPECT_GE(test, atomic_long_read(&node->kswapd_wakeups), 1L);
	KUNIT_EXPECT_GE(test, toy_vm_event(node, TOY_VM_PAGEOUTRUN), 1UL);
	KUNIT_EXPECT_GT(test, toy_vm_event(node, TOY_VM_PGSTEAL_KSWAPD), 0UL);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_PGSTEAL_DIRECT), 0UL);
	/* Only what balance needed: some of the cache is still there. */
	KUNIT_EXPECT_GT(test, READ_ONCE(node->nr_lru_pages), 0UL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(node->nr_lru_pages) +
			toy_vm_event(node, TOY_VM_PGSTEAL_KSWAPD), 600UL);
	toy_kswapd_stop(node);
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 0UL);
	for (i = 0; i < n; i++)
		toy_node_free(node, pages[i], 0);
}

/* validate finds a page on the LRU that lost its flag, and the counts. */
static void toy_vmscan_validate_lru(struct kunit *test)
{
	struct toy_node *node = new_node(test);
	struct toy_page_ref *refs = add_cache(test, node, 3);
	struct toy_page *page = refs[1].page;

	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 0UL);
	/* Not flagged, an owned cache page off the LRU, the counts. */
	__clear_bit(TOY_PG_LRU, &page->flags);
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 3UL);
	__set_bit(TOY_PG_LRU, &page->flags);
	node->zones[TOY_ZONE_NORMAL].nr_inactive_file++;
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 1UL);
	node->zones[TOY_ZONE_NORMAL].nr_inactive_file--;
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 0UL);
	KUNIT_EXPECT_TRUE(test, toy_page_ref_put(node, &refs[1]));
	KUNIT_EXPECT_EQ(test, node->nr_lru_pages, 2UL);
}

static void toy_vmscan_test_exit(struct kunit *test)
{
	if (!test->priv)
		return;
	toy_kswapd_stop(test->priv);
	KUNIT_EXPECT_EQ(test, toy_node_validate(test->priv), 0UL);
	toy_node_destroy(test->priv);
}

static struct kunit_case toy_vmscan_test_cases[] = {
	KUNIT_CASE(toy_vmscan_direct_reclaim),
	KUNIT_CASE(toy_vmscan_atomic_no_reclaim),
	KUNIT_CASE(toy_vmscan_shrinker_priorities),
	KUNIT_CASE(toy_vmscan_kswapd),
	KUNIT_CASE(toy_vmscan_validate_lru),
	{}
};

static struct kunit_suite toy_vmscan_test_suite = {
	.name = "toy_vmscan",
	.exit = toy_vmscan_test_exit,
	.test_cases = toy_vmscan_test_cases,
};

kunit_test_suite(toy_vmscan_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
