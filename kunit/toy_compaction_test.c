// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the toy's compaction: compaction_suitable()'s answers
 * for known free lists, the scanners over a known layout with every
 * moved page's data and owner checked, pins, direct compaction in the
 * slow path with the kernel's async-then-sync-light order, kcompactd, and
 * validate's checks of owned pages.
 *
 * Each case has a node of its own: 16 MiB of Normal, min_free_kbytes 512
 * (min 128, low 160), no pcp lists. The layout fills it with owned
 * order-0 pages down to min (3968 pages: the buddy hands out its blocks
 * from the bottom up, as the kernel's boot memory, so the 128 left are
 * pfns 3968..4095), then frees all but those whose pfn is a multiple of
 * four: 992 kept, 3104 free in 1984 blocks of order 0 and 1 and the
 * order-7 block at 3968. The pageblock size is the running kernel's (1024
 * pages in UML, 512 on x86_64), so each case counts from it.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/module.h>

#include "toy_internal.h"

#define NODE_PAGES	4096
#define FILLED		3968	/* NODE_PAGES - min */
#define KEPT		(FILLED / 4)

struct layout {
	struct toy_node *node;
	struct toy_page_ref refs[FILLED];
	long pfn[FILLED];	/* where each page was first */
	bool kept[FILLED];
};

static struct toy_node *new_node(struct kunit *test)
{
	static const struct toy_node_config cfg = { 16, 0, 0 };
	static const struct toy_wmark_config wmark = { 512, 10 };
	struct toy_node *node = kunit_kzalloc(test, sizeof(*node), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, node);
	KUNIT_ASSERT_EQ(test, toy_node_init_config(node, 5, &cfg), 0);
	test->priv = node;
	KUNIT_ASSERT_EQ(test, toy_node_set_watermarks(node, &wmark), 0);
	toy_node_set_pcp(node, 0);
	return node;
}

static void *ref_data(struct toy_node *node, struct toy_page_ref *ref)
{
	return toy_lowmem_page_address(node, ref->page);
}

/*
 * The layout above, movable pages only or, with @cache, page cache pages
 * every other four; each kept page holds its first pfn at its start and
 * its complement at its end.
 */
static struct layout *make_layout(struct kunit *test, bool cache)
{
	struct layout *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct toy_node *node = new_node(test);
	struct toy_page_ref extra;
	unsigned long i;

	KUNIT_ASSERT_NOT_NULL(test, l);
	l->node = node;
	for (i = 0; i < FILLED; i++) {
		int err = cache && i % 8 >= 4 ?
			  toy_cache_page_add(node, &l->refs[i], TOY_GFP_KERNEL, 0) :
			  toy_movable_page_add(node, &l->refs[i], TOY_GFP_KERNEL, 0);

		KUNIT_ASSERT_EQ(test, err, 0);
		l->pfn[i] = toy_page_ref_pfn(node, &l->refs[i]);
	}
	/* Full to min: one more fails (with cache pages, it would reclaim). */
	if (!cache)
		KUNIT_ASSERT_NE(test, toy_movable_page_add(node, &extra,
							   TOY_GFP_KERNEL |
							   __TOY_GFP_NOWARN, 0), 0);
	for (i = 0; i < FILLED; i++) {
		unsigned long *data;

		if (l->pfn[i] % 4) {
			KUNIT_ASSERT_TRUE(test, toy_page_ref_put(node, &l->refs[i]));
			continue;
		}
		l->kept[i] = true;
		data = ref_data(node, &l->refs[i]);
		data[0] = l->pfn[i];
		data[PAGE_SIZE / sizeof(long) - 1] = ~l->pfn[i];
	}
	KUNIT_ASSERT_EQ(test, node->zones[TOY_ZONE_NORMAL].free_pages,
			(unsigned long)(NODE_PAGES - KEPT));
	return l;
}

/* Kept pages that were in the first pageblock: what compaction moves first. */
static unsigned long kept_in_first_block(struct layout *l)
{
	unsigned long i, n = 0;

	for (i = 0; i < FILLED; i++)
		n += l->kept[i] && l->pfn[i] < TOY_PAGEBLOCK_PAGES;
	return n;
}

static void put_layout(struct layout *l)
{
	unsigned long i;

	for (i = 0; i < FILLED; i++)
		if (l->kept[i])
			toy_page_ref_put(l->node, &l->refs[i]);
}

/* Every kept page holds what was written, wherever it is now; how many moved. */
static unsigned long check_data(struct kunit *test, struct layout *l)
{
	unsigned long i, moved = 0;

	for (i = 0; i < FILLED; i++) {
		unsigned long *data;
		long pfn;

		if (!l->kept[i])
			continue;
		pfn = toy_page_ref_pfn(l->node, &l->refs[i]);
		KUNIT_ASSERT_GE(test, pfn, 0L);
		moved += pfn != l->pfn[i];
		data = ref_data(l->node, &l->refs[i]);
		KUNIT_EXPECT_EQ(test, data[0], (unsigned long)l->pfn[i]);
		KUNIT_EXPECT_EQ(test, data[PAGE_SIZE / sizeof(long) - 1],
				~(unsigned long)l->pfn[i]);
	}
	return moved;
}

static bool order_free(struct toy_zone *zone, unsigned int order)
{
	unsigned long nr_free[TOY_MAX_ORDER];

	toy_zone_snapshot(zone, nr_free);
	for (; order < TOY_MAX_ORDER; order++)
		if (nr_free[order])
			return true;
	return false;
}

/*
 * compaction_suitable() on the layout: order 9 is missing and 3104 free
 * pages are over low + compact_gap (160 + 1024), and the fragmentation
 * index is 1000 - (1000 + 3104 * 1000 / 512) / 1985 = 997: compact.
 * Orders up to 7 are free already. Order 8's index is 1000 - (1000 +
 * 3104 * 1000 / 256) / 1985 = 994. A costly order whose index is at most
 * extfrag_threshold is skipped. Order 10 needs 160 + 2048, there too.
 */
static void toy_compaction_suitable_table(struct kunit *test)
{
	struct layout *l = make_layout(test, false);
	struct toy_zone *zone = &l->node->zones[TOY_ZONE_NORMAL];
	static const struct {
		int order;
		int threshold;
		enum toy_compact_result want;
	} cases[] = {
		{ 9, 500, TOY_COMPACT_CONTINUE },
		{ 10, 500, TOY_COMPACT_CONTINUE },
		{ 1, 500, TOY_COMPACT_SUCCESS },
		{ 9, 997, TOY_COMPACT_SKIPPED },
		{ 9, 996, TOY_COMPACT_CONTINUE },
		{ 7, 1000, TOY_COMPACT_SUCCESS },
		{ 8, 993, TOY_COMPACT_CONTINUE },
		{ 8, 994, TOY_COMPACT_SKIPPED },
		{ TOY_COMPACT_ALL, 1000, TOY_COMPACT_CONTINUE },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		l->node->extfrag_threshold = cases[i].threshold;
		KUNIT_EXPECT_EQ_MSG(test, toy_compaction_suitable(zone, cases[i].order,
								  TOY_ALLOC_WMARK_MIN,
								  TOY_ZONE_NORMAL),
				    cases[i].want, "order %d threshold %d",
				    cases[i].order, cases[i].threshold);
	}
	put_layout(l);
}

/*
 * Three order-10 blocks gone, one free: order 9 is there (SUCCESS); order
 * 10 is not, and 1024 free pages are short of low + compact_gap(10), 160
 * + 2048: nothing to copy into (SKIPPED).
 */
static void toy_compaction_suitable_low(struct kunit *test)
{
	struct toy_node *node = new_node(test);
	struct toy_zone *zone = &node->zones[TOY_ZONE_NORMAL];
	struct toy_page *big[3];
	int i;

	for (i = 0; i < 3; i++) {
		big[i] = toy_node_alloc(node, TOY_GFP_KERNEL, 10);
		KUNIT_ASSERT_NOT_NULL(test, big[i]);
	}
	KUNIT_EXPECT_EQ(test, toy_compaction_suitable(zone, 9, TOY_ALLOC_WMARK_MIN,
						      TOY_ZONE_NORMAL),
			TOY_COMPACT_SUCCESS);
	KUNIT_EXPECT_EQ(test, toy_compaction_suitable(zone, 10, TOY_ALLOC_WMARK_MIN,
						      TOY_ZONE_NORMAL),
			TOY_COMPACT_SKIPPED);
	for (i = 0; i < 3; i++)
		toy_node_free(node, big[i], 10);
}

/*
 * Sync-light compaction for order 9 on the layout: the migrate scanner
 * empties the first pageblock (its PB / 4 kept pages go to the top
 * pageblock, where the free scanner starts), and at its end a block of
 * order 9 or more is free: success. Every page's data and owner follow;
 * page cache pages stay on the LRU.
 */
static void toy_compaction_layout(struct kunit *test)
{
	struct layout *l = make_layout(test, true);
	struct toy_node *node = l->node;
	struct toy_zone *zone = &node->zones[TOY_ZONE_NORMAL];
	unsigned long pb = TOY_PAGEBLOCK_PAGES, first = kept_in_first_block(l), i;
	unsigned long lru = node->nr_lru_pages;

	KUNIT_EXPECT_FALSE(test, order_free(zone, 9));
	KUNIT_EXPECT_EQ(test, toy_compact_zone(zone, 9, TOY_ZONE_NORMAL,
					       TOY_ALLOC_WMARK_MIN,
					       TOY_COMPACT_PRIO_SYNC_LIGHT, true,
					       TOY_MIGRATE_MOVABLE),
			TOY_COMPACT_SUCCESS);
	KUNIT_EXPECT_TRUE(test, order_free(zone, 9));
	KUNIT_EXPECT_EQ(test, check_data(test, l), first);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_PGMIGRATE_SUCCESS), first);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_PGMIGRATE_FAIL), 0UL);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_COMPACT_MIGRATE_SCANNED), pb);
	KUNIT_EXPECT_GE(test, toy_vm_event(node, TOY_VM_COMPACT_ISOLATED), 2 * first);
	/* The moved pages are now in the top pageblock, the first one free. */
	for (i = 0; i < FILLED; i++)
		if (l->kept[i] && l->pfn[i] < pb)
			KUNIT_EXPECT_GE(test, toy_page_ref_pfn(node, &l->refs[i]),
					(long)(NODE_PAGES - pb));
	KUNIT_EXPECT_EQ(test, node->nr_lru_pages, lru);
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 0UL);
	put_layout(l);
}

/*
 * compact_memory compacts the whole zone: every kept page of the first
 * pageblock moves, but a pinned one, which stays where it is.
 */
static void toy_compaction_pinned(struct kunit *test)
{
	struct layout *l = make_layout(test, true);
	struct toy_node *node = l->node;
	struct toy_page *pinned;
	unsigned long i, p;

	/* The first kept page of the first pageblock */
	for (p = 0; !l->kept[p] || l->pfn[p] >= TOY_PAGEBLOCK_PAGES; p++)
		;
	pinned = toy_page_ref_pin(node, &l->refs[p]);
	KUNIT_ASSERT_NOT_NULL(test, pinned);
	toy_compact_node(node);
	KUNIT_EXPECT_PTR_EQ(test, l->refs[p].page, pinned);
	for (i = 0; i < FILLED; i++)
		if (l->kept[i] && l->pfn[i] < TOY_PAGEBLOCK_PAGES && i != p)
			KUNIT_EXPECT_NE(test, toy_page_ref_pfn(node, &l->refs[i]),
					l->pfn[i]);
	KUNIT_EXPECT_GE(test, check_data(test, l), kept_in_first_block(l) - 1);
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 0UL);
	toy_page_ref_unpin(node, &l->refs[p]);
	put_layout(l);
}

/*
 * An unmovable order-9 request in the slow path: async compaction first
 * (costly), which moves pages only out of unmovable pageblocks - there
 * are none - and fails; reclaim finds nothing; sync-light compaction
 * moves from any pageblock and the request succeeds. Two stalls, one
 * fail, one success, as __alloc_pages_slowpath() counts them.
 */
static void toy_compaction_direct_unmovable(struct kunit *test)
{
	struct layout *l = make_layout(test, false);
	struct toy_node *node = l->node;
	struct toy_page *page;

	page = toy_node_alloc(node, TOY_GFP_KERNEL, 9);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_COMPACT_STALL), 2UL);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_COMPACT_FAIL), 1UL);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_COMPACT_SUCCESS), 1UL);
	KUNIT_EXPECT_EQ(test, check_data(test, l), kept_in_first_block(l));
	toy_node_free(node, page, 9);
	put_layout(l);
}

/* A movable one: the async try moves from the movable pageblocks and wins. */
static void toy_compaction_direct_movable(struct kunit *test)
{
	struct layout *l = make_layout(test, false);
	struct toy_node *node = l->node;
	struct toy_page *page;

	page = toy_node_alloc(node, TOY_GFP_HIGHUSER_MOVABLE, 9);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_COMPACT_STALL), 1UL);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_COMPACT_FAIL), 0UL);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_COMPACT_SUCCESS), 1UL);
	KUNIT_EXPECT_EQ(test, check_data(test, l), kept_in_first_block(l));
	toy_node_free(node, page, 9);
	put_layout(l);
}

/*
 * A sync compaction that scans the zone whole in vain defers the next
 * tries at its order: 1, then 2, then 4 are skipped (compaction_deferred()).
 * Nothing can move here: the layout's pattern, made of unmovable pages.
 */
static void toy_compaction_deferred(struct kunit *test)
{
	struct toy_node *node = new_node(test);
	struct toy_zone *zone = &node->zones[TOY_ZONE_NORMAL];
	struct toy_page **pages = kunit_kcalloc(test, FILLED, sizeof(*pages),
						GFP_KERNEL);
	enum toy_compact_result r;
	int i, skipped = 0;

	KUNIT_ASSERT_NOT_NULL(test, pages);
	for (i = 0; i < FILLED; i++) {
		pages[i] = toy_node_alloc(node, TOY_GFP_KERNEL, 0);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
	}
	for (i = 0; i < FILLED; i++)
		if (toy_node_pfn(node, pages[i]) % 4)
			toy_node_free(node, pages[i], 0);
	for (i = 0; i < 8; i++) {
		r = toy_try_to_compact_pages(node, 9, TOY_ALLOC_WMARK_MIN,
					     TOY_ZONE_NORMAL,
					     TOY_COMPACT_PRIO_SYNC_LIGHT,
					     TOY_MIGRATE_UNMOVABLE);
		skipped += r == TOY_COMPACT_DEFERRED;
		KUNIT_EXPECT_NE(test, r, TOY_COMPACT_SUCCESS);
	}
	/* Tries 1, 3 and 7 compact (the shift then 1, 2, 3); 5 are deferred. */
	KUNIT_EXPECT_EQ(test, skipped, 5);
	KUNIT_EXPECT_EQ(test, zone->compact_defer_shift, 3U);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_PGMIGRATE_SUCCESS), 0UL);
	for (i = 0; i < FILLED; i++)
		if (!(toy_node_pfn(node, pages[i]) % 4))
			toy_node_free(node, pages[i], 0);
}

/* kcompactd, woken for order 9, compacts the layout until it is there. */
static void toy_compaction_kcompactd(struct kunit *test)
{
	struct layout *l = make_layout(test, true);
	struct toy_node *node = l->node;
	struct toy_zone *zone = &node->zones[TOY_ZONE_NORMAL];
	unsigned long deadline;

	KUNIT_ASSERT_EQ(test, toy_kcompactd_run(node), 0);
	/* Let it reach its wait queue, where a wakeup finds it. */
	deadline = jiffies + 10 * HZ;
	while (!wq_has_sleeper(&node->kcompactd_wait) &&
	       time_before(jiffies, deadline))
		msleep(20);
	toy_wakeup_kcompactd(node, 9, TOY_ZONE_NORMAL);
	while (!order_free(zone, 9) && time_before(jiffies, deadline))
		msleep(20);
	toy_kcompactd_stop(node);
	KUNIT_EXPECT_TRUE(test, order_free(zone, 9));
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_COMPACT_DAEMON_WAKE), 1UL);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_COMPACT_DAEMON_MIGRATE_SCANNED),
			toy_vm_event(node, TOY_VM_COMPACT_MIGRATE_SCANNED));
	KUNIT_EXPECT_EQ(test, check_data(test, l), kept_in_first_block(l));
	put_layout(l);
}

/* With pcp lists on, compact_memory moves the layout's pages all the same. */
static void toy_compaction_with_pcp(struct kunit *test)
{
	struct layout *l = make_layout(test, false);
	struct toy_node *node = l->node;

	toy_node_set_pcp(node, -1);
	toy_compact_node(node);
	KUNIT_EXPECT_GT(test, check_data(test, l), 0UL);
	KUNIT_EXPECT_EQ(test, toy_vm_event(node, TOY_VM_PGMIGRATE_FAIL), 0UL);
	put_layout(l);
}

/* validate finds an owner's record that names another page. */
static void toy_compaction_validate_owner(struct kunit *test)
{
	struct toy_node *node = new_node(test);
	struct toy_page_ref ref[2];
	struct toy_page *page;

	KUNIT_ASSERT_EQ(test, toy_movable_page_add(node, &ref[0], TOY_GFP_KERNEL, 0), 0);
	KUNIT_ASSERT_EQ(test, toy_movable_page_add(node, &ref[1], TOY_GFP_KERNEL, 0), 0);
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 0UL);
	page = ref[0].page;
	ref[0].page = ref[1].page;
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 1UL);
	ref[0].page = page;
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 0UL);
	toy_page_ref_put(node, &ref[0]);
	toy_page_ref_put(node, &ref[1]);
}

static void toy_compaction_test_exit(struct kunit *test)
{
	if (!test->priv)
		return;
	KUNIT_EXPECT_EQ(test, toy_node_validate(test->priv), 0UL);
	toy_node_destroy(test->priv);
}

static struct kunit_case toy_compaction_test_cases[] = {
	KUNIT_CASE(toy_compaction_suitable_table),
	KUNIT_CASE(toy_compaction_suitable_low),
	KUNIT_CASE(toy_compaction_layout),
	KUNIT_CASE(toy_compaction_pinned),
	KUNIT_CASE(toy_compaction_direct_unmovable),
	KUNIT_CASE(toy_compaction_direct_movable),
	KUNIT_CASE(toy_compaction_deferred),
	KUNIT_CASE(toy_compaction_kcompactd),
	KUNIT_CASE(toy_compaction_with_pcp),
	KUNIT_CASE(toy_compaction_validate_owner),
	{}
};

static struct kunit_suite toy_compaction_test_suite = {
	.name = "toy_compaction",
	.exit = toy_compaction_test_exit,
	.test_cases = toy_compaction_test_cases,
};

kunit_test_suite(toy_compaction_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
