// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the toy's watermarks, lowmem_reserve and zonelists:
 * every expected number here is worked out by hand, in the comment beside
 * it, from the formulas of mm/page_alloc.c of 6.1.192
 * (calculate_min_free_kbytes(), __setup_per_zone_wmarks(),
 * setup_per_zone_lowmem_reserve(), __zone_watermark_ok(),
 * gfp_to_alloc_flags()), not from the toy's code.
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "toy_internal.h"

#define ZONE_PAGES_DMA	TOY_BLOCK_PAGES		/* a 4 MiB DMA zone */

/* calculate_min_free_kbytes(): int_sqrt(lowmem kB * 16), 128 .. 262144. */
struct mfk_case {
	unsigned long lowmem_mb;
	int kbytes;
};

static const struct mfk_case mfk_cases[] = {
	{ 1, 128 },		/* sqrt(16384) = 128 */
	{ 4, 256 },		/* sqrt(65536) = 256 */
	{ 16, 512 },		/* the kernel's own table from here on */
	{ 32, 724 },
	{ 48, 886 },		/* sqrt(786432) = 886.8: the module's default */
	{ 64, 1024 },
	{ 1024, 4096 },
	{ 16384, 16384 },
	{ 8UL << 20, 262144 },	/* 8 TiB: sqrt(2^37) = 370727, clamped */
};

static void mfk_desc(const struct mfk_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%lu MiB of lowmem", c->lowmem_mb);
}

KUNIT_ARRAY_PARAM(mfk, mfk_cases, mfk_desc);

static void toy_wmark_min_free_kbytes(struct kunit *test)
{
	const struct mfk_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, toy_calculate_min_free_kbytes(c->lowmem_mb <<
							    (20 - PAGE_SHIFT)),
			c->kbytes);
}

/*
 * A node's watermarks and protection, per zone DMA, Normal, HighMem:
 * {min, low, high} and lowmem_reserve[DMA, Normal, HighMem].
 */
struct wmark_case {
	const char *name;
	struct toy_node_config node;
	struct toy_wmark_config wmark;
	int min_free_kbytes;
	unsigned long marks[TOY_NR_ZONES][3];
	long reserve[TOY_NR_ZONES][TOY_NR_ZONES];
};

static const struct wmark_case wmark_cases[] = {
	/*
	 * The layout: 128 pages of min, all in Normal's 1024. Normal:
	 * min 128, step max(128 / 4, 1024 * 10 / 10000) = 32. HighMem: min
	 * clamp(1024 / 1024, 32, 128) = 32, step from its share 128: 32.
	 * Normal keeps 1024 / 32 = 32 pages from HighMem-capable requests.
	 */
	{ "8M, 4M high, 512k", { 8, 4, 0 }, { 512, 10 }, 512,
	  { { 0, 0, 0 }, { 128, 160, 192 }, { 32, 64, 96 } },
	  { { 0, 0, 0 }, { 0, 0, 32 }, { 0, 0, 0 } } },
	/* The same, min_free_kbytes computed: sqrt(4096 * 16) = 256k, 64 pages. */
	{ "8M, 4M high, computed", { 8, 4, 0 }, { -1, 10 }, 256,
	  { { 0, 0, 0 }, { 64, 80, 96 }, { 32, 48, 64 } },
	  { { 0, 0, 0 }, { 0, 0, 32 }, { 0, 0, 0 } } },
	/*
	 * Scale factor 1000: the step is 1024 * 1000 / 10000 = 102 in both
	 * zones, over min / 4 = 8.
	 */
	{ "8M, 4M high, 128k, scale 1000", { 8, 4, 0 }, { 128, 1000 }, 128,
	  { { 0, 0, 0 }, { 32, 134, 236 }, { 32, 134, 236 } },
	  { { 0, 0, 0 }, { 0, 0, 32 }, { 0, 0, 0 } } },
	/*
	 * The module's default sizes with an 8 MiB DMA zone: lowmem 48 MiB,
	 * sqrt(49152 * 16) = 886k, 221 pages of min. DMA (2048 pages):
	 * 221 * 2048 / 12288 = 36, step max(9, 2) = 9. Normal (10240):
	 * 184, step max(46, 10) = 46. HighMem (4096): min 32, step from
	 * 73: max(18, 4) = 18. DMA keeps 10240 / 256 = 40 from Normal
	 * requests and 14336 / 256 = 56 from HighMem ones; Normal keeps
	 * 4096 / 32 = 128.
	 */
	{ "64M, 16M high, 8M DMA, computed", { 64, 16, 8 }, { -1, 10 }, 886,
	  { { 36, 45, 54 }, { 184, 230, 276 }, { 32, 50, 68 } },
	  { { 0, 40, 56 }, { 0, 0, 128 }, { 0, 0, 0 } } },
	/*
	 * No HighMem: Normal's reserve for it is 0 / 32. The kernel sets the
	 * marks of every zone, empty ones too: HighMem's min is clamped up
	 * to 32 from 0 / 1024, its step is 0.
	 */
	{ "8M, no high, 512k", { 8, 0, 0 }, { 512, 10 }, 512,
	  { { 0, 0, 0 }, { 128, 160, 192 }, { 32, 32, 32 } },
	  { { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 } } },
};

static void wmark_desc(const struct wmark_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(wmark, wmark_cases, wmark_desc);

static struct toy_node *new_node(struct kunit *test,
				 const struct toy_node_config *cfg,
				 const struct toy_wmark_config *wmark)
{
	struct toy_node *node = kunit_kzalloc(test, sizeof(*node), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, node);
	KUNIT_ASSERT_EQ(test, toy_node_init_config(node, 3, cfg), 0);
	test->priv = node;
	if (wmark)
		KUNIT_ASSERT_EQ(test, toy_node_set_watermarks(node, wmark), 0);
	return node;
}

static void toy_wmark_table(struct kunit *test)
{
	const struct wmark_case *c = test->param_value;
	struct toy_node *node = new_node(test, &c->node, &c->wmark);
	int z, j;

	KUNIT_EXPECT_EQ(test, node->min_free_kbytes, c->min_free_kbytes);
	for (z = 0; z < TOY_NR_ZONES; z++) {
		struct toy_zone *zone = &node->zones[z];

		KUNIT_EXPECT_EQ_MSG(test, zone->watermark[TOY_WMARK_MIN],
				    c->marks[z][0], "%s min", zone->name);
		KUNIT_EXPECT_EQ_MSG(test, zone->watermark[TOY_WMARK_LOW],
				    c->marks[z][1], "%s low", zone->name);
		KUNIT_EXPECT_EQ_MSG(test, zone->watermark[TOY_WMARK_HIGH],
				    c->marks[z][2], "%s high", zone->name);
		for (j = 0; j < TOY_NR_ZONES; j++)
			KUNIT_EXPECT_EQ_MSG(test, zone->lowmem_reserve[j],
					    c->reserve[z][j],
					    "%s lowmem_reserve[%d]", zone->name, j);
	}
}

/* Out of the sysctls' ranges: refused, nothing changed. */
static void toy_wmark_bad_config(struct kunit *test)
{
	static const struct toy_node_config cfg = { 8, 4, 0 };
	static const struct toy_wmark_config bad[] = {
		{ -2, 10 }, { 512, 0 }, { 512, 3001 },
	};
	struct toy_node *node = new_node(test, &cfg, NULL);
	unsigned long low = node->zones[TOY_ZONE_NORMAL].watermark[TOY_WMARK_LOW];
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ(test, toy_node_set_watermarks(node, &bad[i]), -EINVAL);
	KUNIT_EXPECT_EQ(test, node->zones[TOY_ZONE_NORMAL].watermark[TOY_WMARK_LOW], low);
	KUNIT_EXPECT_EQ(test, node->min_free_kbytes, 256);
}

/* gfp_to_alloc_flags() of 6.1.192 for the toy's flag sets. */
static void toy_wmark_alloc_flags(struct kunit *test)
{
	const unsigned int min = TOY_ALLOC_WMARK_MIN, kswapd = TOY_ALLOC_KSWAPD;
	const unsigned int reserve = TOY_ALLOC_MIN_RESERVE;
	const unsigned int nonblock = TOY_ALLOC_NON_BLOCK;

	KUNIT_EXPECT_EQ(test, toy_gfp_to_alloc_flags(TOY_GFP_KERNEL, 0), min | kswapd);
	KUNIT_EXPECT_EQ(test, toy_gfp_to_alloc_flags(TOY_GFP_HIGHUSER, 5), min | kswapd);
	KUNIT_EXPECT_EQ(test, toy_gfp_to_alloc_flags(TOY_GFP_ATOMIC, 0),
			min | kswapd | reserve | nonblock);
	KUNIT_EXPECT_EQ(test, toy_gfp_to_alloc_flags(TOY_GFP_ATOMIC, 1),
			min | kswapd | reserve | nonblock | TOY_ALLOC_HIGHATOMIC);
	KUNIT_EXPECT_EQ(test, toy_gfp_to_alloc_flags(TOY_GFP_NOWAIT, 3),
			min | kswapd | nonblock);
	KUNIT_EXPECT_EQ(test, toy_gfp_to_alloc_flags(TOY_GFP_KERNEL | __TOY_GFP_HIGH, 2),
			min | kswapd | reserve);
	KUNIT_EXPECT_EQ(test, toy_gfp_zone(TOY_GFP_KERNEL), TOY_ZONE_NORMAL);
	KUNIT_EXPECT_EQ(test, toy_gfp_zone(TOY_GFP_HIGHUSER), TOY_ZONE_HIGHMEM);
	KUNIT_EXPECT_EQ(test, toy_gfp_zone(TOY_GFP_KERNEL | TOY_GFP_DMA), TOY_ZONE_DMA);
}

/*
 * __zone_watermark_ok() on a zone set by hand: the first of each pair is
 * the last free count that passes, the second the first that fails.
 */
struct ok_case {
	const char *name;
	unsigned int order;
	unsigned long mark;
	unsigned int alloc_flags;
	long reserve;			/* lowmem_reserve[HighMem] */
	unsigned long highatomic;	/* nr_reserved_highatomic */
	unsigned int block_order;	/* the one free block's order */
	long pass, fail;
	int block_mt;			/* its migrate type (0: unmovable) */
};

static const struct ok_case ok_cases[] = {
	/* free > mark */
	{ "order 0", 0, 160, 0, 0, 0, 0, 161, 160 },
	/* __GFP_HIGH: 128 - 64 = 64 */
	{ "min reserve", 0, 128, TOY_ALLOC_MIN_RESERVE, 0, 0, 0, 65, 64 },
	/* atomic: 64 - 64 / 4 = 48 */
	{ "atomic", 0, 128, TOY_ALLOC_MIN_RESERVE | TOY_ALLOC_NON_BLOCK,
	  0, 0, 0, 49, 48 },
	/* NOWAIT cannot block but has no __GFP_HIGH: no cut */
	{ "nowait", 0, 128, TOY_ALLOC_NON_BLOCK, 0, 0, 0, 129, 128 },
	/* free > mark + lowmem_reserve[highest_zoneidx] */
	{ "reserve", 0, 128, 0, 32, 0, 0, 161, 160 },
	/* the high-atomic reserve is not free to plain requests ... */
	{ "highatomic", 0, 128, 0, 0, 10, 0, 139, 138 },
	/* ... but is to those with reserves: 128 / 2 */
	{ "highatomic, min reserve", 0, 128, TOY_ALLOC_MIN_RESERVE, 0, 10, 0, 65, 64 },
	/* order 3: 7 pages of the block do not count, and a block must be free */
	{ "order 3", 3, 128, 0, 0, 0, 3, 136, 135 },
	{ "order 3, block of 5", 3, 128, 0, 0, 0, 5, 136, 135 },
	/* no block of order 3 or more: fails at any count */
	{ "order 3, block of 2", 3, 128, 0, 0, 0, 2, -1, 1000 },
	/* the only block is high-atomic: for high-order atomic requests only */
	{ "order 3, high-atomic block", 3, 128, 0, 0, 0, 3, -1, 1000,
	  TOY_MIGRATE_HIGHATOMIC },
	{ "order 3, high-atomic block, atomic", 3, 128,
	  TOY_ALLOC_HIGHATOMIC | TOY_ALLOC_MIN_RESERVE | TOY_ALLOC_NON_BLOCK,
	  0, 0, 3, 56, 55, TOY_MIGRATE_HIGHATOMIC },
};

static void ok_desc(const struct ok_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(ok, ok_cases, ok_desc);

static void toy_wmark_ok_table(struct kunit *test)
{
	const struct ok_case *c = test->param_value;
	struct toy_zone *zone = kunit_kzalloc(test, sizeof(*zone), GFP_KERNEL);

	struct toy_page *block = kunit_kzalloc(test, sizeof(*block), GFP_KERNEL);
	unsigned int o;
	int mt;

	KUNIT_ASSERT_NOT_NULL(test, zone);
	KUNIT_ASSERT_NOT_NULL(test, block);
	for (o = 0; o < TOY_MAX_ORDER; o++)
		for (mt = 0; mt < TOY_MIGRATE_TYPES; mt++)
			INIT_LIST_HEAD(&zone->free_area[o].free_list[mt]);
	zone->lowmem_reserve[TOY_ZONE_HIGHMEM] = c->reserve;
	zone->nr_reserved_highatomic = c->highatomic;
	zone->free_area[c->block_order].nr_free = 1;
	list_add(&block->lru, &zone->free_area[c->block_order].free_list[c->block_mt]);
	if (c->pass >= 0)
		KUNIT_EXPECT_TRUE(test,
				  toy_zone_watermark_ok(zone, c->order, c->mark,
							TOY_ZONE_HIGHMEM,
							c->alloc_flags, c->pass));
	KUNIT_EXPECT_FALSE(test,
			   toy_zone_watermark_ok(zone, c->order, c->mark,
						 TOY_ZONE_HIGHMEM,
						 c->alloc_flags, c->fail));
}

/*
 * A sequence of order-0 requests, each step repeated until it fails: how
 * many pages each zone gave it. The pages stay allocated for the steps
 * after it.
 */
struct seq_step {
	toy_gfp_t gfp;
	unsigned long got[TOY_NR_ZONES];	/* DMA, Normal, HighMem */
};

#define MAX_STEPS	6

struct seq_case {
	const char *name;
	struct toy_node_config node;
	int min_free_kbytes;
	struct seq_step steps[MAX_STEPS];
};

static const struct seq_case seq_cases[] = {
	/*
	 * The numbers: mem 8, HighMem 4, min_free_kbytes 512, no
	 * pcp lists. HIGHUSER: HighMem down to its min, 1024 - 32 = 992,
	 * then Normal down to min + reserve, 1024 - (128 + 32) = 864;
	 * KERNEL down to Normal's min: 32 more; ATOMIC down to
	 * 128 - 64 - 16 = 48: 80 more. An atomic HIGHUSER request then
	 * takes HighMem from 32 to 32 - 16 - 4 = 12: 20.
	 */
	{ "8M, 4M high", { 8, 4, 0 }, 512, {
		{ TOY_GFP_HIGHUSER, { 0, 864, 992 } },
		{ TOY_GFP_KERNEL, { 0, 32, 0 } },
		{ TOY_GFP_ATOMIC, { 0, 80, 0 } },
		{ TOY_GFP_ATOMIC | __TOY_GFP_HIGHMEM, { 0, 0, 20 } },
		{ TOY_GFP_NOWAIT, { 0, 0, 0 } },
	} },
	/*
	 * 12 MiB, DMA 4, HighMem 4: 128 pages of min over 2048 of lowmem,
	 * 64 in DMA and 64 in Normal; HighMem 32. DMA keeps 1024 / 256 = 4
	 * from Normal requests and 2048 / 256 = 8 from HighMem ones;
	 * Normal keeps 1024 / 32 = 32. HIGHUSER: HighMem 1024 - 32 = 992,
	 * Normal 1024 - 96 = 928, DMA 1024 - 72 = 952; KERNEL: Normal 32,
	 * DMA 72 - 68 = 4; DMA: 4 more, down to 64; DMA atomic: down to
	 * 64 - 32 - 8 = 24, 40; ATOMIC: Normal down to 24, 40, and not
	 * DMA, 24 + 4 left.
	 */
	{ "12M, 4M high, 4M DMA", { 12, 4, 4 }, 512, {
		{ TOY_GFP_HIGHUSER, { 952, 928, 992 } },
		{ TOY_GFP_KERNEL, { 4, 32, 0 } },
		{ TOY_GFP_KERNEL | TOY_GFP_DMA, { 4, 0, 0 } },
		{ TOY_GFP_ATOMIC | TOY_GFP_DMA, { 40, 0, 0 } },
		{ TOY_GFP_ATOMIC, { 0, 40, 0 } },
	} },
	/* Without watermarks every page goes, HighMem first. */
	{ "8M, 4M high, memalloc", { 8, 4, 0 }, 512, {
		{ TOY_GFP_HIGHUSER | __TOY_GFP_MEMALLOC, { 0, 1024, 1024 } },
	} },
};

static void seq_desc(const struct seq_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(seq, seq_cases, seq_desc);

static void toy_wmark_sequence(struct kunit *test)
{
	const struct seq_case *c = test->param_value;
	const struct toy_wmark_config wmark = { c->min_free_kbytes, 10 };
	struct toy_node *node = new_node(test, &c->node, &wmark);
	unsigned long n = 0, i, got[TOY_NR_ZONES];
	struct toy_page **pages, *page;
	int s, z;

	pages = kunit_kcalloc(test, node->nr_pages, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	toy_node_set_pcp(node, 0);
	for (s = 0; s < MAX_STEPS && c->steps[s].gfp; s++) {
		memset(got, 0, sizeof(got));
		while (n < node->nr_pages &&
		       (page = toy_node_alloc(node, c->steps[s].gfp | __TOY_GFP_NOWARN, 0))) {
			pages[n++] = page;
			got[page->zone]++;
		}
		for (z = 0; z < TOY_NR_ZONES; z++)
			KUNIT_EXPECT_EQ_MSG(test, got[z], c->steps[s].got[z],
					    "step %d: pages from %s", s,
					    node->zones[z].name);
	}
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 0UL);
	for (i = 0; i < n; i++)
		toy_node_free(node, pages[i], 0);
	KUNIT_EXPECT_EQ(test, toy_node_allocated_pages(node), 0UL);
}

/* DMA requests never leave the DMA zone, whose pfns come first. */
static void toy_wmark_dma_zone(struct kunit *test)
{
	static const struct toy_node_config cfg = { 12, 4, 4 };
	struct toy_node *node = new_node(test, &cfg, NULL);
	struct toy_zone *dma = &node->zones[TOY_ZONE_DMA];
	struct toy_page *page;

	KUNIT_EXPECT_EQ(test, dma->start_pfn, 0UL);
	KUNIT_EXPECT_EQ(test, node->zones[TOY_ZONE_NORMAL].start_pfn, ZONE_PAGES_DMA);
	KUNIT_EXPECT_EQ(test, toy_node_lowmem_pages(node), 2 * ZONE_PAGES_DMA);
	page = toy_node_alloc(node, TOY_GFP_KERNEL | TOY_GFP_DMA, 3);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, page->zone, TOY_ZONE_DMA);
	KUNIT_EXPECT_LT(test, toy_node_pfn(node, page), ZONE_PAGES_DMA);
	/* An order-10 block would take DMA below its min: refused. */
	KUNIT_EXPECT_NULL(test, toy_node_alloc(node, TOY_GFP_DMA | __TOY_GFP_NOWARN,
					       TOY_MAX_ORDER - 1));
	toy_node_free(node, page, 3);
	KUNIT_EXPECT_EQ(test, dma->free_pages, ZONE_PAGES_DMA);
}

/* ==== Migrate types and pageblocks ==== */

/* Blocks free on @zone's list of type @mt at @order. */
static unsigned long nr_on_list(struct toy_zone *zone, unsigned int order,
				int mt)
{
	struct list_head *pos;
	unsigned long n = 0;

	list_for_each(pos, &zone->free_area[order].free_list[mt])
		n++;
	return n;
}

/* Pageblocks of @zone of type @mt. */
static unsigned long nr_blocks(struct toy_node *node, struct toy_zone *zone,
			       int mt)
{
	unsigned long pfn, n = 0;

	for (pfn = zone->start_pfn; pfn < zone->start_pfn + zone->nr_pages;
	     pfn += TOY_PAGEBLOCK_PAGES)
		n += toy_pageblock_migratetype(node, pfn) == mt;
	return n;
}

static struct toy_node *migrate_node(struct kunit *test)
{
	static const struct toy_node_config cfg = { 8, 4, 0 };
	static const struct toy_wmark_config wmark = { 128, 10 };
	struct toy_node *node = new_node(test, &cfg, &wmark);

	toy_node_set_pcp(node, 0);
	return node;
}

/*
 * Every pageblock starts movable. The first unmovable request finds its
 * lists empty and steals the largest block of a fallback type, Normal's
 * whole order-10 block: at pageblock order or more it changes owner
 * whole (change_pageblock_range()), so every pageblock of Normal turns
 * unmovable and the halves of the split go to the unmovable lists.
 */
static void toy_migrate_first_steal(struct kunit *test)
{
	struct toy_node *node = migrate_node(test);
	struct toy_zone *normal = &node->zones[TOY_ZONE_NORMAL];
	unsigned long blocks = normal->nr_pages / TOY_PAGEBLOCK_PAGES;
	struct toy_page *page;
	unsigned int o;

	KUNIT_EXPECT_EQ(test, nr_blocks(node, normal, TOY_MIGRATE_MOVABLE), blocks);
	page = toy_node_alloc(node, TOY_GFP_KERNEL, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, toy_node_pfn(node, page), normal->start_pfn);
	KUNIT_EXPECT_EQ(test, nr_blocks(node, normal, TOY_MIGRATE_UNMOVABLE), blocks);
	KUNIT_EXPECT_EQ(test, toy_zone_stat(normal, TOY_ZS_EXTFRAG), 1UL);
	KUNIT_EXPECT_EQ(test, toy_zone_stat(normal, TOY_ZS_STEAL_BLOCK), 1UL);
	for (o = 0; o < TOY_MAX_ORDER - 1; o++) {
		KUNIT_EXPECT_EQ_MSG(test, nr_on_list(normal, o, TOY_MIGRATE_UNMOVABLE),
				    1UL, "order %u", o);
		KUNIT_EXPECT_EQ_MSG(test, nr_on_list(normal, o, TOY_MIGRATE_MOVABLE),
				    0UL, "order %u", o);
	}
	/* Freed, it merges back whole, on the unmovable list now. */
	toy_node_free(node, page, 0);
	KUNIT_EXPECT_EQ(test, nr_on_list(normal, TOY_MAX_ORDER - 1,
					 TOY_MIGRATE_UNMOVABLE), 1UL);
	/* HighMem was never asked: still movable. */
	KUNIT_EXPECT_EQ(test, nr_blocks(node, &node->zones[TOY_ZONE_HIGHMEM],
					TOY_MIGRATE_MOVABLE),
			node->zones[TOY_ZONE_HIGHMEM].nr_pages / TOY_PAGEBLOCK_PAGES);
}

/* A movable request takes from the movable lists: no fallback. */
static void toy_migrate_movable(struct kunit *test)
{
	struct toy_node *node = migrate_node(test);
	struct toy_zone *normal = &node->zones[TOY_ZONE_NORMAL];
	struct list_head *list;
	struct toy_page *page;

	page = toy_node_alloc(node, TOY_GFP_KERNEL | __TOY_GFP_MOVABLE, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_TRUE(test, toy_page_test(page, TOY_PG_MOVABLE));
	KUNIT_EXPECT_EQ(test, toy_zone_stat(normal, TOY_ZS_EXTFRAG), 0UL);
	KUNIT_EXPECT_EQ(test, nr_blocks(node, normal, TOY_MIGRATE_MOVABLE),
			normal->nr_pages / TOY_PAGEBLOCK_PAGES);
	toy_node_free(node, page, 0);
	KUNIT_EXPECT_FALSE(test, toy_page_test(page, TOY_PG_MOVABLE));
	/* validate catches a free block whose type is not its list's. */
	list = &normal->free_area[TOY_MAX_ORDER - 1].free_list[TOY_MIGRATE_MOVABLE];
	page = list_first_entry(list, struct toy_page, lru);
	page->migratetype = TOY_MIGRATE_UNMOVABLE;
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 1UL);
	page->migratetype = TOY_MIGRATE_MOVABLE;
}

/*
 * One movable page at the zone's first pfn, then an unmovable request.
 * The largest movable block is the order-9 upper half. Where a pageblock
 * is 512 pages (x86_64) that block is a pageblock and changes owner
 * whole: the unmovable page is its first, pfn 512, and the lower
 * pageblock stays movable. Where it is 1024 (UML) the half is smaller
 * than a pageblock: steal_suitable_fallback() moves all of the
 * pageblock's free pages (1023 of 1024, over half) to the unmovable lists
 * and takes the pageblock, and the smallest of them, pfn 1, goes.
 */
static void toy_migrate_steal_half(struct kunit *test)
{
	struct toy_node *node = migrate_node(test);
	struct toy_zone *normal = &node->zones[TOY_ZONE_NORMAL];
	unsigned long base = normal->start_pfn;
	struct toy_page *movable, *page;

	movable = toy_node_alloc(node, TOY_GFP_KERNEL | __TOY_GFP_MOVABLE, 0);
	KUNIT_ASSERT_NOT_NULL(test, movable);
	page = toy_node_alloc(node, TOY_GFP_KERNEL, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, toy_zone_stat(normal, TOY_ZS_EXTFRAG), 1UL);
	KUNIT_EXPECT_EQ(test, toy_zone_stat(normal, TOY_ZS_STEAL_BLOCK), 1UL);
	if (TOY_PAGEBLOCK_ORDER <= 9) {
		KUNIT_EXPECT_EQ(test, toy_node_pfn(node, page), base + 512);
		KUNIT_EXPECT_EQ(test, toy_pageblock_migratetype(node, base),
				TOY_MIGRATE_MOVABLE);
		KUNIT_EXPECT_EQ(test, toy_pageblock_migratetype(node, base + 512),
				TOY_MIGRATE_UNMOVABLE);
	} else {
		KUNIT_EXPECT_EQ(test, toy_node_pfn(node, page), base + 1);
		KUNIT_EXPECT_EQ(test, toy_pageblock_migratetype(node, base),
				TOY_MIGRATE_UNMOVABLE);
		KUNIT_EXPECT_EQ(test, nr_on_list(normal, 0, TOY_MIGRATE_MOVABLE), 0UL);
	}
	toy_node_free(node, page, 0);
	toy_node_free(node, movable, 0);
}

/*
 * A high-order atomic request that needed the slow path reserves its
 * pageblock for its kind (reserve_highatomic_pageblock()): Normal (min 32,
 * low 40 with min_free_kbytes 128) is first taken to its low mark. Plain
 * requests then count the reserve as not free; one that may reclaim
 * gets it back before it fails (unreserve_highatomic_pageblock(), forced:
 * it is the last pageblock reserved).
 */
static void toy_migrate_highatomic(struct kunit *test)
{
	struct toy_node *node = migrate_node(test);
	struct toy_zone *normal = &node->zones[TOY_ZONE_NORMAL];
	unsigned long n = 0, i, low = normal->watermark[TOY_WMARK_LOW];
	struct toy_page **pages, *page, *plain;

	pages = kunit_kcalloc(test, normal->nr_pages, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	KUNIT_ASSERT_EQ(test, low, 40UL);
	while (normal->free_pages > low)
		pages[n++] = toy_node_alloc(node, TOY_GFP_KERNEL, 0);
	KUNIT_ASSERT_EQ(test, n, normal->nr_pages - low);
	page = toy_node_alloc(node, TOY_GFP_ATOMIC, 1);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, normal->nr_reserved_highatomic, TOY_PAGEBLOCK_PAGES);
	KUNIT_EXPECT_EQ(test, toy_pageblock_migratetype(node, toy_node_pfn(node, page)),
			TOY_MIGRATE_HIGHATOMIC);
	KUNIT_EXPECT_EQ(test, nr_blocks(node, normal, TOY_MIGRATE_HIGHATOMIC), 1UL);
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 0UL);
	plain = toy_node_alloc(node, TOY_GFP_KERNEL | __TOY_GFP_NOWARN, 0);
	KUNIT_EXPECT_NOT_NULL(test, plain);
	KUNIT_EXPECT_EQ(test, normal->nr_reserved_highatomic, 0UL);
	KUNIT_EXPECT_EQ(test, nr_blocks(node, normal, TOY_MIGRATE_HIGHATOMIC), 0UL);
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 0UL);
	toy_node_free(node, plain, 0);
	toy_node_free(node, page, 1);
	for (i = 0; i < n; i++)
		toy_node_free(node, pages[i], 0);
}

/*
 * The pcp sizes of 6.1, zone_batchsize() and zone_highsize(): batch is
 * managed / 1024, at most 256, divided by 4, at least 1, as 2^n - 1 of
 * one and a half times that, at least 1; high is the low watermark over
 * the online CPUs, at least four batches. 64 MiB of Normal: 16384 / 1024
 * = 16, / 4 = 4, 2^2 - 1 = 3; 32 MiB: 8 / 4 = 2, 2^1 - 1 = 1; 8 MiB: 2 /
 * 4 = 0, so 1, 2^0 - 1 = 0, so 1. (A 1 GiB zone: 256 / 4 = 64, 2^6 - 1 =
 * 63.) An explicit batch keeps high at six times it; 0 turns them off.
 */
static const struct pcp_case {
	const char *name;
	struct toy_node_config cfg;
	int batch;
	unsigned int want_batch;
	unsigned int want_low;
} pcp_cases[] = {
	{ "64M, kernel's", { 64, 0, 0 }, -1, 3, 320 },
	{ "32M, kernel's", { 32, 0, 0 }, -1, 1, 320 },
	{ "8M, kernel's", { 8, 0, 0 }, -1, 1, 320 },
	{ "8M, batch 7", { 8, 0, 0 }, 7, 7, 320 },
	{ "8M, off", { 8, 0, 0 }, 0, 0, 320 },
};

static void pcp_desc(const struct pcp_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(pcp, pcp_cases, pcp_desc);

/* min_free_kbytes 1024: min 256, low 256 + max(64, managed / 1000) = 320. */
static void toy_wmark_pcp_sizes(struct kunit *test)
{
	static const struct toy_wmark_config wmark = { 1024, 10 };
	const struct pcp_case *c = test->param_value;
	struct toy_node *node = new_node(test, &c->cfg, &wmark);
	struct toy_zone *zone = &node->zones[TOY_ZONE_NORMAL];
	unsigned int high;

	KUNIT_ASSERT_EQ(test, zone->watermark[TOY_WMARK_LOW], (unsigned long)c->want_low);
	toy_node_set_pcp(node, c->batch);
	if (c->batch < 0)
		high = max(c->want_low / num_online_cpus(), c->want_batch * 4);
	else
		high = 6 * c->want_batch;
	KUNIT_EXPECT_EQ(test, zone->pcp_batch, c->want_batch);
	KUNIT_EXPECT_EQ(test, zone->pcp_high, high);
}

/*
 * Blocks of orders 1..3 and pageblock order go through the pcp lists
 * too: an order-2 allocation refills its list with batch >> 2 = 3 blocks
 * (batch 15), a free puts it back on top, and a drain gives every block
 * back whole.
 */
static void toy_wmark_pcp_orders(struct kunit *test)
{
	static const struct toy_node_config cfg = { 8, 0, 0 };
	struct toy_node *node = new_node(test, &cfg, NULL);
	struct toy_zone *zone = &node->zones[TOY_ZONE_NORMAL];
	unsigned long free0 = zone->free_pages;
	struct toy_page *page, *again;

	toy_node_set_pcp(node, 15);
	page = toy_node_alloc(node, TOY_GFP_KERNEL, 2);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, toy_zone_pcp_pages(zone), 2UL * 4);
	KUNIT_EXPECT_EQ(test, zone->free_pages, free0 - 3 * 4);
	toy_node_free(node, page, 2);
	KUNIT_EXPECT_EQ(test, toy_zone_pcp_pages(zone), 3UL * 4);
	again = toy_node_alloc(node, TOY_GFP_KERNEL, 2);
	KUNIT_EXPECT_PTR_EQ(test, again, page);
	toy_node_free(node, again, 2);
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 0UL);
	toy_node_drain_pcp(node);
	KUNIT_EXPECT_EQ(test, toy_zone_pcp_pages(zone), 0UL);
	KUNIT_EXPECT_EQ(test, zone->free_pages, free0);
	KUNIT_EXPECT_EQ(test, zone->free_area[TOY_BLOCK_ORDER].nr_free, 2UL);
}

static void toy_wmark_test_exit(struct kunit *test)
{
	if (!test->priv)
		return;
	KUNIT_EXPECT_EQ(test, toy_node_validate(test->priv), 0UL);
	toy_node_destroy(test->priv);
}

static struct kunit_case toy_wmark_test_cases[] = {
	KUNIT_CASE_PARAM(toy_wmark_min_free_kbytes, mfk_gen_params),
	KUNIT_CASE_PARAM(toy_wmark_table, wmark_gen_params),
	KUNIT_CASE(toy_wmark_bad_config),
	KUNIT_CASE(toy_wmark_alloc_flags),
	KUNIT_CASE_PARAM(toy_wmark_ok_table, ok_gen_params),
	KUNIT_CASE_PARAM(toy_wmark_sequence, seq_gen_params),
	KUNIT_CASE(toy_wmark_dma_zone),
	KUNIT_CASE(toy_migrate_first_steal),
	KUNIT_CASE(toy_migrate_movable),
	KUNIT_CASE(toy_migrate_steal_half),
	KUNIT_CASE(toy_migrate_highatomic),
	KUNIT_CASE_PARAM(toy_wmark_pcp_sizes, pcp_gen_params),
	KUNIT_CASE(toy_wmark_pcp_orders),
	{}
};

static struct kunit_suite toy_wmark_test_suite = {
	.name = "toy_wmark",
	.exit = toy_wmark_test_exit,
	.test_cases = toy_wmark_test_cases,
};

kunit_test_suite(toy_wmark_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
