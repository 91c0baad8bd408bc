// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the toy's buddy allocator.
 *
 * Each case gets a fresh node of its own (node 1: 8 MiB, one 4 MiB block
 * per zone), so counts and free lists start from a known state and the
 * module's own node is not disturbed.
 */

#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "toy_internal.h"
#include "toy_mt.h"

#define TEST_MEM_MB	8
#define TEST_HIGH_MB	4
#define ZONE_PAGES	(TOY_BLOCK_PAGES)	/* one block per zone */

/*
 * These cases take zones to their last page, which only a request that
 * ignores the watermarks may (__GFP_MEMALLOC, as reclaim itself does);
 * toy_wmark_test.c checks where the plain flags stop.
 */
#define GFP_K		(TOY_GFP_KERNEL | __TOY_GFP_MEMALLOC)
#define GFP_HU		(TOY_GFP_HIGHUSER | __TOY_GFP_MEMALLOC)

struct free_snapshot {
	unsigned long nr_free[TOY_NR_ZONES][TOY_MAX_ORDER];
};

static struct toy_node *test_node(struct kunit *test)
{
	return test->priv;
}

static void snapshot(struct toy_node *node, struct free_snapshot *s)
{
	int z;

	for (z = 0; z < TOY_NR_ZONES; z++)
		toy_zone_snapshot(&node->zones[z], s->nr_free[z]);
}

static void expect_snapshot_eq(struct kunit *test, struct toy_node *node,
			       const struct free_snapshot *before)
{
	struct free_snapshot now;

	snapshot(node, &now);
	KUNIT_EXPECT_EQ(test, memcmp(before, &now, sizeof(now)), 0);
}

static unsigned long zone_stat(struct toy_node *node, enum toy_zone_type z,
			       enum toy_zone_stat s)
{
	return toy_zone_stat(&node->zones[z], s);
}

static long misuse(struct toy_node *node, enum toy_misuse what)
{
	return atomic_long_read(&node->misuse[what]);
}

/* Every misuse is counted in its own class and leaves the lists alone. */
static void expect_only_misuse(struct kunit *test, struct toy_node *node,
			       enum toy_misuse what, long count)
{
	int i;

	for (i = 0; i < TOY_NR_MISUSE; i++)
		KUNIT_EXPECT_EQ_MSG(test, misuse(node, i), i == what ? count : 0,
				    "misuse %s", toy_misuse_names[i]);
}

static const unsigned int orders[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

static void order_desc(const unsigned int *order, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "order %u", *order);
}

KUNIT_ARRAY_PARAM(orders, orders, order_desc);

/* The orders below the largest but one: a block of o + 1 can be split. */
static const unsigned int inner_orders[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };

KUNIT_ARRAY_PARAM(inner_orders, inner_orders, order_desc);

/*
 * The pfn of the first block on a free list of @order of @zone, of the
 * first type that has one - unmovable, where the cases' requests look
 * first, then reclaimable and movable; -1 if every list is empty.
 */
static long first_free_pfn(struct toy_node *node, struct toy_zone *zone,
			   unsigned int order)
{
	static const int types[] = {
		TOY_MIGRATE_UNMOVABLE, TOY_MIGRATE_RECLAIMABLE, TOY_MIGRATE_MOVABLE,
	};
	struct toy_page *page;
	int i;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		page = list_first_entry_or_null(&zone->free_area[order].free_list[types[i]],
						struct toy_page, lru);
		if (page)
			return toy_node_pfn(node, page);
	}
	return -1;
}

/*
 * An allocation is aligned to its size, from the asked zone, and comes back.
 * From the zone's one order-10 block it is the block's lowest pages: each
 * split keeps the lower half, as expand() does.
 */
static void toy_buddy_round_trip(struct kunit *test)
{
	const unsigned int order = *(const unsigned int *)test->param_value;
	struct toy_node *node = test_node(test);
	struct toy_zone *normal = &node->zones[TOY_ZONE_NORMAL];
	struct free_snapshot start;
	struct toy_page *page;

	snapshot(node, &start);
	page = toy_node_alloc(node, GFP_K, order);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, toy_node_pfn(node, page) % (1UL << order), 0);
	KUNIT_EXPECT_EQ(test, toy_node_pfn(node, page), normal->start_pfn);
	KUNIT_EXPECT_EQ(test, page->zone, TOY_ZONE_NORMAL);
	KUNIT_EXPECT_EQ(test, normal->free_pages, ZONE_PAGES - (1UL << order));
	KUNIT_EXPECT_EQ(test, toy_node_allocated_pages(node), 1UL << order);

	toy_node_free(node, page, order);
	KUNIT_EXPECT_EQ(test, normal->free_pages, ZONE_PAGES);
	expect_snapshot_eq(test, node, &start);
}

/*
 * From one free order-10 block, an order-o allocation splits 10 - o times
 * and leaves one free block of each order o .. 9, the upper half of each
 * split: the block of order k at 2^k pages from the start. The free
 * merges as often.
 */
static void toy_buddy_splits(struct kunit *test)
{
	const unsigned int order = *(const unsigned int *)test->param_value;
	struct toy_node *node = test_node(test);
	struct toy_zone *normal = &node->zones[TOY_ZONE_NORMAL];
	struct toy_page *page;
	unsigned int o;

	page = toy_node_alloc(node, GFP_K, order);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, zone_stat(node, TOY_ZONE_NORMAL, TOY_ZS_SPLIT),
			(unsigned long)(TOY_MAX_ORDER - 1 - order));
	for (o = 0; o < TOY_MAX_ORDER; o++)
		KUNIT_EXPECT_EQ_MSG(test, normal->free_area[o].nr_free,
				    (unsigned long)(o >= order && o < TOY_MAX_ORDER - 1),
				    "order %u", o);
	for (o = order; o < TOY_MAX_ORDER - 1; o++)
		KUNIT_EXPECT_EQ_MSG(test, first_free_pfn(node, normal, o),
				    (long)(normal->start_pfn + (1UL << o)),
				    "order %u", o);

	toy_node_free(node, page, order);
	KUNIT_EXPECT_EQ(test, zone_stat(node, TOY_ZONE_NORMAL, TOY_ZS_MERGE),
			(unsigned long)(TOY_MAX_ORDER - 1 - order));
	KUNIT_EXPECT_EQ(test, normal->free_area[TOY_MAX_ORDER - 1].nr_free, 1UL);
}

/*
 * buddy_merge_likely(): a freed block whose pair has a free buddy one
 * order up goes to the tail of its list, so the next allocation takes
 * another block. Pfns 0..7 are taken in order; 5 is freed (its pair 4..7
 * is busy: head), 0 and 1 merge into an order-1 block, and 2 is freed
 * with 3 busy: its pair 2..3 has the free buddy 0..1, so 2 goes behind 5.
 */
static void toy_buddy_merge_likely_to_tail(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	unsigned long base = node->zones[TOY_ZONE_NORMAL].start_pfn;
	struct toy_page *p[8], *page;
	int i;

	for (i = 0; i < 8; i++) {
		p[i] = toy_node_alloc(node, GFP_K, 0);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_ASSERT_EQ(test, toy_node_pfn(node, p[i]), base + i);
	}
	toy_node_free(node, p[5], 0);
	toy_node_free(node, p[0], 0);
	toy_node_free(node, p[1], 0);
	toy_node_free(node, p[2], 0);
	page = toy_node_alloc(node, GFP_K, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, toy_node_pfn(node, page), base + 5);
	page = toy_node_alloc(node, GFP_K, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, toy_node_pfn(node, page), base + 2);
	for (i = 2; i < 8; i++)
		toy_node_free(node, p[i], 0);
}

/*
 * Away from the zone's first pfn, where pfn + 2^o and pfn ^ 2^o differ.
 * With page 0 (of the zone) taken, one block of each order k is free at
 * 2^k. A first order-o allocation takes the one at 2^o as it is; a second
 * splits the order-(o + 1) block at 2^(o + 1), keeps its lower half and
 * frees the upper one, at 3 * 2^o, as expand() does. Freed, the second
 * merges with that half; page 0 merges up to an order-o block at 0; and
 * the first, at 2^o, must then find its buddy at 2^o ^ 2^o = 0 - not at
 * 2^o + 2^o, where a free block of order o + 1 lies - for the zone to
 * come back whole: 1 + o + (10 - o) merges for the 10 + 1 splits.
 */
static void toy_buddy_split_elsewhere(struct kunit *test)
{
	const unsigned int o = *(const unsigned int *)test->param_value;
	struct toy_node *node = test_node(test);
	struct toy_zone *normal = &node->zones[TOY_ZONE_NORMAL];
	const unsigned long base = normal->start_pfn, size = 1UL << o;
	struct toy_page *pin, *first, *second;
	unsigned int k;

	pin = toy_node_alloc(node, GFP_K, 0);
	KUNIT_ASSERT_NOT_NULL(test, pin);
	KUNIT_ASSERT_EQ(test, toy_node_pfn(node, pin), base);

	first = toy_node_alloc(node, GFP_K, o);
	KUNIT_ASSERT_NOT_NULL(test, first);
	KUNIT_EXPECT_EQ(test, toy_node_pfn(node, first), base + size);
	second = toy_node_alloc(node, GFP_K, o);
	KUNIT_ASSERT_NOT_NULL(test, second);
	KUNIT_EXPECT_EQ(test, toy_node_pfn(node, second), base + 2 * size);
	KUNIT_EXPECT_EQ(test, first_free_pfn(node, normal, o), (long)(base + 3 * size));
	KUNIT_EXPECT_EQ(test, normal->free_area[o].nr_free, 1UL);
	KUNIT_EXPECT_EQ(test, normal->free_area[o + 1].nr_free, 0UL);
	KUNIT_EXPECT_EQ(test, zone_stat(node, TOY_ZONE_NORMAL, TOY_ZS_SPLIT),
			TOY_MAX_ORDER - 1 + 1UL);

	toy_node_free(node, second, o);
	KUNIT_EXPECT_EQ(test, first_free_pfn(node, normal, o + 1),
			(long)(base + 2 * size));
	KUNIT_EXPECT_EQ(test, normal->free_area[o].nr_free, 0UL);
	toy_node_free(node, pin, 0);
	KUNIT_EXPECT_EQ(test, first_free_pfn(node, normal, o), (long)base);
	KUNIT_EXPECT_EQ(test, zone_stat(node, TOY_ZONE_NORMAL, TOY_ZS_MERGE),
			1UL + o);
	toy_node_free(node, first, o);
	for (k = 0; k < TOY_MAX_ORDER; k++)
		KUNIT_EXPECT_EQ_MSG(test, normal->free_area[k].nr_free,
				    (unsigned long)(k == TOY_MAX_ORDER - 1),
				    "order %u", k);
	KUNIT_EXPECT_EQ(test, zone_stat(node, TOY_ZONE_NORMAL, TOY_ZS_MERGE),
			TOY_MAX_ORDER - 1 + 1UL);
	KUNIT_EXPECT_EQ(test, normal->free_pages, ZONE_PAGES);
}

/* Taking every page of a zone one by one, then giving them back, coalesces. */
static void toy_buddy_exhaust_and_recover(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	struct toy_page **pages;
	struct free_snapshot start;
	unsigned long i, n = 0;

	pages = kunit_kcalloc(test, ZONE_PAGES + 1, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	snapshot(node, &start);

	while (n <= ZONE_PAGES &&
	       (pages[n] = toy_node_alloc(node, GFP_K | __TOY_GFP_NOWARN, 0)))
		n++;
	KUNIT_EXPECT_EQ(test, n, ZONE_PAGES);
	KUNIT_EXPECT_EQ(test, node->zones[TOY_ZONE_NORMAL].free_pages, 0UL);
	KUNIT_EXPECT_EQ(test, zone_stat(node, TOY_ZONE_NORMAL, TOY_ZS_FAIL), 1UL);
	KUNIT_EXPECT_NULL(test, toy_node_alloc(node, GFP_K | __TOY_GFP_NOWARN, 0));

	/* One page back makes one allocation possible again. */
	toy_node_free(node, pages[n / 2], 0);
	pages[n / 2] = toy_node_alloc(node, GFP_K, 0);
	KUNIT_EXPECT_NOT_NULL(test, pages[n / 2]);

	for (i = 0; i < n; i++)
		toy_node_free(node, pages[i], 0);
	expect_snapshot_eq(test, node, &start);
}

/*
 * HIGHUSER takes HighMem first, until an allocation would take it below
 * its low watermark: the next one comes from Normal, a fallback.
 */
static void toy_buddy_highmem_fallback(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	struct toy_zone *high = &node->zones[TOY_ZONE_HIGHMEM];
	unsigned long i, n = ZONE_PAGES - high->watermark[TOY_WMARK_LOW];
	struct toy_page *page;

	KUNIT_ASSERT_GT(test, high->watermark[TOY_WMARK_LOW], 0UL);
	for (i = 0; i < n; i++) {
		page = toy_node_alloc(node, GFP_HU, 0);
		KUNIT_ASSERT_NOT_NULL(test, page);
		KUNIT_ASSERT_TRUE(test, toy_page_is_highmem(page));
	}
	page = toy_node_alloc(node, GFP_HU, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, page->zone, TOY_ZONE_NORMAL);
	KUNIT_EXPECT_EQ(test, zone_stat(node, TOY_ZONE_NORMAL, TOY_ZS_FALLBACK), 1UL);
}

/* KERNEL never gets a HighMem page, even with HighMem all free. */
static void toy_buddy_kernel_never_highmem(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	struct toy_page *page;

	page = toy_node_alloc(node, GFP_K, TOY_MAX_ORDER - 1);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, page->zone, TOY_ZONE_NORMAL);
	KUNIT_EXPECT_NULL(test, toy_node_alloc(node, GFP_K | __TOY_GFP_NOWARN, 0));
	KUNIT_EXPECT_EQ(test, node->zones[TOY_ZONE_HIGHMEM].free_pages, ZONE_PAGES);
}

/* __TOY_GFP_ZERO clears a block that held data. */
static void toy_buddy_zero(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	struct toy_page *page;
	u8 *data;

	page = toy_node_alloc(node, GFP_K, 1);
	KUNIT_ASSERT_NOT_NULL(test, page);
	data = page_address(toy_node_real_page(node, page));
	memset(data, 0xaa, 2 * PAGE_SIZE);
	toy_node_free(node, page, 1);

	/* The free lists are LIFO: the same block comes back. */
	KUNIT_ASSERT_PTR_EQ(test, toy_node_alloc(node, GFP_K | __TOY_GFP_ZERO, 1),
			    page);
	KUNIT_EXPECT_NULL(test, memchr_inv(data, 0, 2 * PAGE_SIZE));
	toy_node_free(node, page, 1);
}

/* A page's address leads back to the page; other memory leads nowhere. */
static void toy_buddy_virt_to_page(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	struct toy_page *page;
	u8 *data, *other;

	page = toy_node_alloc(node, GFP_K, 2);
	KUNIT_ASSERT_NOT_NULL(test, page);
	data = page_address(toy_node_real_page(node, page));
	KUNIT_EXPECT_PTR_EQ(test, toy_node_virt_to_page(node, data), page);
	KUNIT_EXPECT_PTR_EQ(test, toy_node_virt_to_page(node, data + 3 * PAGE_SIZE + 5),
			    page + 3);
	KUNIT_EXPECT_PTR_EQ(test, toy_node_block_head(node, page + 3), page);

	other = kunit_kmalloc(test, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_EXPECT_NULL(test, toy_node_virt_to_page(node, other));
	toy_node_free(node, page, 2);
	KUNIT_EXPECT_NULL(test, toy_node_block_head(node, page + 3));
}

struct live_block {
	struct toy_page *page;
	unsigned int order;
};

#define RANDOM_OPS	10000
#define RANDOM_LIVE	128

static void claim_pages(struct kunit *test, struct toy_node *node,
			unsigned long *used, struct live_block *b)
{
	unsigned long pfn = toy_node_pfn(node, b->page), n = 1UL << b->order;

	KUNIT_ASSERT_EQ(test, pfn % n, 0);
	KUNIT_ASSERT_EQ_MSG(test, find_next_bit(used, pfn + n, pfn), pfn + n,
			    "block at pfn %lu order %u overlaps a live block",
			    pfn, b->order);
	bitmap_set(used, pfn, n);
}

static const unsigned int pcp_batches[] = { 0, 7 };

static void pcp_desc(const unsigned int *batch, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "pcp_batch %u", *batch);
}

KUNIT_ARRAY_PARAM(pcp_batches, pcp_batches, pcp_desc);

/*
 * A seeded random sequence of allocations and frees: one step allocates a
 * block of order 0 .. 6 from either zone, or picks a live block to free.
 * The single-threaded case and each thread of the threaded one run it.
 */
struct random_seq {
	struct toy_node *node;
	struct rnd_state rnd;
	struct live_block *live;	/* RANDOM_LIVE entries */
	int nr_live;
};

static void random_seq_init(struct random_seq *seq, struct toy_node *node,
			    struct live_block *live, u64 seed)
{
	seq->node = node;
	seq->live = live;
	seq->nr_live = 0;
	prandom_seed_state(&seq->rnd, seed);
}

/*
 * One step. Return: the block just allocated (*alloc true, now live), the
 * live block to free with random_free() (*alloc false), or NULL if the
 * allocation failed.
 */
static struct live_block *random_step(struct random_seq *seq, bool *alloc)
{
	u32 r = prandom_u32_state(&seq->rnd);
	struct live_block *b;

	*alloc = seq->nr_live < RANDOM_LIVE && (r & 1 || !seq->nr_live);
	if (!*alloc)
		return &seq->live[(r >> 1) % seq->nr_live];
	b = &seq->live[seq->nr_live];
	b->order = (r >> 1) % 7;
	b->page = toy_node_alloc(seq->node, ((r >> 8) & 1 ? GFP_HU :
					     GFP_K) | __TOY_GFP_NOWARN,
				 b->order);
	if (!b->page)
		return NULL;
	seq->nr_live++;
	return b;
}

/* Free @b, a live block of @seq, and drop it from the live set. */
static void random_free(struct random_seq *seq, struct live_block *b)
{
	toy_node_free(seq->node, b->page, b->order);
	*b = seq->live[--seq->nr_live];
}

/* A seeded random mix never hands out a page twice and ends coalesced. */
static void toy_buddy_random_no_overlap(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	struct free_snapshot start;
	struct random_seq seq;
	struct live_block *live, *b;
	unsigned long *used;
	bool alloc;
	int i;

	live = kunit_kcalloc(test, RANDOM_LIVE, sizeof(*live), GFP_KERNEL);
	used = kunit_kcalloc(test, BITS_TO_LONGS(node->nr_pages),
			     sizeof(long), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, live);
	KUNIT_ASSERT_NOT_NULL(test, used);
	snapshot(node, &start);
	toy_node_set_pcp(node, *(const unsigned int *)test->param_value);
	random_seq_init(&seq, node, live, 3);

	for (i = 0; i < RANDOM_OPS; i++) {
		b = random_step(&seq, &alloc);
		if (!b)
			continue;
		if (alloc) {
			claim_pages(test, node, used, b);
		} else {
			bitmap_clear(used, toy_node_pfn(node, b->page), 1UL << b->order);
			random_free(&seq, b);
		}
		KUNIT_ASSERT_EQ(test, toy_node_allocated_pages(node),
				(unsigned long)bitmap_weight(used, node->nr_pages));
	}
	while (seq.nr_live)
		random_free(&seq, &live[seq.nr_live - 1]);
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 0UL);
	toy_node_drain_pcp(node);
	expect_snapshot_eq(test, node, &start);
	for (i = 0; i < TOY_NR_MISUSE; i++)
		KUNIT_EXPECT_EQ(test, misuse(node, i), 0);
}

/* ==== The random sequence from several threads at once ==== */

#define MT_THREADS	4
#define MT_OPS		10000

/**
 * struct seq_thread - one thread running a random sequence
 * @seq: its sequence, with a seed of its own.
 * @used: the pages any thread holds, one bit each, shared by all threads.
 * @tag: the byte the thread fills its pages with.
 * @overlaps: blocks it got with a page another block still held.
 * @bad_data: blocks whose pattern changed while the thread owned them.
 * @allocs: blocks it got.
 * @id: the thread's number.
 * @switches: steps at which another thread had run since its last.
 * @done: completed as the thread ends, everything freed.
 *
 * The counters are read only after @done: a KUnit assertion must not
 * be made from a thread the case does not run in.
 */
struct seq_thread {
	struct random_seq seq;
	unsigned long *used;
	u8 tag;
	unsigned long overlaps;
	unsigned long bad_data;
	unsigned long allocs;
	int id;
	unsigned long switches;
	struct completion done;
};

/* Each page of the block: the thread's tag, its own pfn in front. */
static void fill_block(struct toy_node *node, const struct live_block *b,
		       u8 tag)
{
	unsigned long pfn = toy_node_pfn(node, b->page), i;

	for (i = 0; i < (1UL << b->order); i++) {
		u8 *p = page_address(toy_node_real_page(node, b->page + i));

		memset(p, tag, PAGE_SIZE);
		*(unsigned long *)p = pfn + i;
	}
}

static bool block_intact(struct toy_node *node, const struct live_block *b,
			 u8 tag)
{
	unsigned long pfn = toy_node_pfn(node, b->page), i;

	for (i = 0; i < (1UL << b->order); i++) {
		u8 *p = page_address(toy_node_real_page(node, b->page + i));

		if (*(unsigned long *)p != pfn + i ||
		    memchr_inv(p + sizeof(long), tag, PAGE_SIZE - sizeof(long)))
			return false;
	}
	return true;
}

/* Mark the pages of a new block held; false if another block held one. */
static bool claim_shared(unsigned long *used, unsigned long pfn,
			 unsigned int order)
{
	unsigned long i;
	bool ok = true;

	for (i = 0; i < (1UL << order); i++)
		if (test_and_set_bit(pfn + i, used))
			ok = false;
	return ok;
}

/* Check the block's pattern, unmark its pages and free it. */
static void release_block(struct seq_thread *t, struct live_block *b)
{
	struct toy_node *node = t->seq.node;
	unsigned long pfn = toy_node_pfn(node, b->page), i;

	if (!block_intact(node, b, t->tag))
		t->bad_data++;
	for (i = 0; i < (1UL << b->order); i++)
		clear_bit(pfn + i, t->used);
	random_free(&t->seq, b);
}

/*
 * The steps of the single-threaded case, each new block filled with the
 * thread's pattern and checked before it is freed. Now and then the
 * thread drains the pcp lists, as another CPU's drain would.
 */
static int seq_thread_fn(void *data)
{
	struct seq_thread *t = data;
	struct random_seq *seq = &t->seq;
	struct live_block *b;
	bool alloc;
	int i;

	for (i = 0; i < MT_OPS; i++) {
		b = random_step(seq, &alloc);
		if (b && alloc) {
			t->allocs++;
			if (!claim_shared(t->used, toy_node_pfn(seq->node, b->page),
					  b->order))
				t->overlaps++;
			fill_block(seq->node, b, t->tag);
		} else if (b) {
			release_block(t, b);
		}
		if (i % 256 == 255)
			toy_node_drain_pcp(seq->node);
		interleave(i);
		note_switch(t->id, &t->switches);
	}
	while (seq->nr_live)
		release_block(t, &seq->live[seq->nr_live - 1]);
	complete(&t->done);
	return 0;
}

/* mt_join()'s validate: the node's. */
static unsigned long validate_node(void *node)
{
	return toy_node_validate(node);
}

/* The threads' state and the shared bitmap of a node of @nr_pages. */
static struct seq_thread *seq_threads_alloc(unsigned long nr_pages)
{
	struct seq_thread *t = kcalloc(MT_THREADS, sizeof(*t), GFP_KERNEL);
	unsigned long *used = bitmap_zalloc(nr_pages, GFP_KERNEL);
	bool ok = t && used;
	int i;

	for (i = 0; t && i < MT_THREADS; i++) {
		t[i].used = used;
		t[i].seq.live = kcalloc(RANDOM_LIVE, sizeof(*t[i].seq.live),
					GFP_KERNEL);
		ok &= !!t[i].seq.live;
	}
	if (ok)
		return t;
	for (i = 0; t && i < MT_THREADS; i++)
		kfree(t[i].seq.live);
	kfree(t);
	bitmap_free(used);
	return NULL;
}

static void seq_threads_free(struct seq_thread *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; i < MT_THREADS; i++)
		kfree(t[i].seq.live);
	bitmap_free(t[0].used);
	kfree(t);
}

/*
 * The random sequence from MT_THREADS threads on one node, each with its
 * own seed: no page is handed out twice, no thread's data is touched by
 * another, validate finds nothing while they run, and at the end every
 * page is back and the free lists are as before. The case uses a node
 * of its own, not the fixture's: should a thread hang, the node and the
 * threads' state are leaked rather than freed under it.
 */
static void toy_buddy_random_threads(struct kunit *test)
{
	unsigned long validate_errors = 0, allocs = 0, overlaps = 0, bad = 0;
	unsigned long switches = 0, validate_runs = 0, t0 = jiffies;
	struct free_snapshot start;
	struct seq_thread *t;
	struct toy_node *node;
	int i;

	node = kzalloc(sizeof(*node), GFP_KERNEL);
	t = seq_threads_alloc(TEST_MEM_MB << (20 - PAGE_SHIFT));
	if (!node || !t || toy_node_init(node, 2, TEST_MEM_MB, TEST_HIGH_MB)) {
		seq_threads_free(t);
		kfree(node);
		KUNIT_FAIL(test, "no memory for the node or the threads");
		return;
	}
	toy_node_set_pcp(node, *(const unsigned int *)test->param_value);
	snapshot(node, &start);

	for (i = 0; i < MT_THREADS; i++) {
		random_seq_init(&t[i].seq, node, t[i].seq.live, 100 + i);
		t[i].tag = 0x11 * (i + 1);
		t[i].id = i;
		mt_run(test, seq_thread_fn, &t[i], &t[i].done, "toy_buddy_mt", i);
	}
	if (!mt_join(&t[0].done, sizeof(*t), MT_THREADS, validate_node, node,
		     &validate_errors, &validate_runs)) {
		KUNIT_FAIL(test, "threads still running after %d s: node leaked",
			   MT_TIMEOUT / HZ);
		return;
	}

	for (i = 0; i < MT_THREADS; i++) {
		allocs += t[i].allocs;
		overlaps += t[i].overlaps;
		bad += t[i].bad_data;
		switches += t[i].switches;
	}
	kunit_info(test, "%d threads: %lu blocks, %lu thread switches, %lu validates meanwhile, %u ms\n",
		   MT_THREADS, allocs, switches, validate_runs,
		   jiffies_to_msecs(jiffies - t0));
	KUNIT_EXPECT_GT(test, allocs, (unsigned long)MT_THREADS * MT_OPS / 4);
	/* Each short sleep hands over to another thread at least. */
	KUNIT_EXPECT_GE(test, switches, (unsigned long)MT_OPS / 32);
	KUNIT_EXPECT_EQ(test, overlaps, 0UL);
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	KUNIT_EXPECT_EQ(test, validate_errors, 0UL);
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 0UL);
	KUNIT_EXPECT_EQ(test, toy_node_allocated_pages(node), 0UL);
	toy_node_drain_pcp(node);
	expect_snapshot_eq(test, node, &start);
	for (i = 0; i < TOY_NR_MISUSE; i++)
		KUNIT_EXPECT_EQ_MSG(test, misuse(node, i), 0L, "misuse %s",
				    toy_misuse_names[i]);
	toy_node_destroy(node);
	seq_threads_free(t);
	kfree(node);
}

/*
 * An order-0 allocation through an empty pcp list moves a batch from the
 * free lists; frees fill the list up to high, which gives a batch back;
 * a drain returns the rest, and everything coalesces.
 */
static void toy_buddy_pcp_refill_and_drain(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	struct toy_zone *normal = &node->zones[TOY_ZONE_NORMAL];
	struct toy_page *pages[42];
	int i;

	toy_node_set_pcp(node, 7);
	pages[0] = toy_node_alloc(node, GFP_K, 0);
	KUNIT_ASSERT_NOT_NULL(test, pages[0]);
	KUNIT_EXPECT_EQ(test, normal->free_pages, ZONE_PAGES - 7);
	KUNIT_EXPECT_EQ(test, toy_zone_pcp_pages(normal), 6UL);
	KUNIT_EXPECT_EQ(test, toy_node_allocated_pages(node), 1UL);

	for (i = 1; i < ARRAY_SIZE(pages); i++) {
		pages[i] = toy_node_alloc(node, GFP_K, 0);
		KUNIT_ASSERT_NOT_NULL(test, pages[i]);
	}
	/* 42 pages came in 6 batches of 7: the list is empty again. */
	KUNIT_EXPECT_EQ(test, toy_zone_pcp_pages(normal), 0UL);
	KUNIT_EXPECT_EQ(test, zone_stat(node, TOY_ZONE_NORMAL, TOY_ZS_PCP_REFILL), 42UL);

	/* The 42nd free reaches high (6 * 7) and gives the 7 coldest back. */
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		toy_node_free(node, pages[i], 0);
	KUNIT_EXPECT_EQ(test, toy_zone_pcp_pages(normal), 35UL);
	KUNIT_EXPECT_EQ(test, zone_stat(node, TOY_ZONE_NORMAL, TOY_ZS_PCP_DRAIN), 7UL);
	KUNIT_EXPECT_EQ(test, toy_node_allocated_pages(node), 0UL);
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 0UL);

	toy_node_drain_pcp(node);
	KUNIT_EXPECT_EQ(test, toy_zone_pcp_pages(normal), 0UL);
	KUNIT_EXPECT_EQ(test, normal->free_pages, ZONE_PAGES);
	KUNIT_EXPECT_EQ(test, normal->free_area[TOY_MAX_ORDER - 1].nr_free, 1UL);
}

/* A page freed twice is caught when the first free left it on a pcp list. */
static void toy_buddy_pcp_double_free(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	struct toy_page *page;

	toy_node_set_pcp(node, 7);
	page = toy_node_alloc(node, GFP_K, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	toy_node_free(node, page, 0);
	toy_node_free(node, page, 0);
	expect_only_misuse(test, node, TOY_MISUSE_DOUBLE_FREE, 1);
	KUNIT_EXPECT_EQ(test, toy_zone_pcp_pages(&node->zones[TOY_ZONE_NORMAL]), 7UL);
}

/* Free pages stranded on a pcp list are drained when nothing else fits. */
static void toy_buddy_pcp_drain_on_failure(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	struct toy_page **pages, *pair;
	unsigned long n = 0, i;

	pages = kunit_kcalloc(test, ZONE_PAGES, sizeof(*pages), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, pages);
	toy_node_set_pcp(node, 7);
	while (n < ZONE_PAGES &&
	       (pages[n] = toy_node_alloc(node, GFP_K | __TOY_GFP_NOWARN, 0)))
		n++;
	KUNIT_ASSERT_EQ(test, n, ZONE_PAGES);
	for (i = 0; i < 10; i++)
		toy_node_free(node, pages[i], 0);
	KUNIT_ASSERT_EQ(test, node->zones[TOY_ZONE_NORMAL].free_pages, 0UL);

	/*
	 * The ten pages merge into five pairs once drained; the order-1 list
	 * refills with 7 >> 1 = 3 of them and hands one out: two stay.
	 */
	pair = toy_node_alloc(node, GFP_K, 1);
	KUNIT_EXPECT_NOT_NULL(test, pair);
	KUNIT_EXPECT_EQ(test, toy_zone_pcp_pages(&node->zones[TOY_ZONE_NORMAL]), 4UL);
	KUNIT_EXPECT_EQ(test, node->zones[TOY_ZONE_NORMAL].free_pages, 4UL);
	toy_node_free(node, pair, 1);
	for (i = 10; i < n; i++)
		toy_node_free(node, pages[i], 0);
}

/* Fragmentation indices of mm/vmstat.c, worked out by hand. */
struct index_case {
	const char *name;
	unsigned long nr_free[TOY_MAX_ORDER];
	unsigned int order;
	int unusable;
	int extfrag;
};

static const struct index_case index_cases[] = {
	/* No free memory: all of it unusable, no fragmentation. */
	{ "empty", { 0 }, 3, 1000, 0 },
	/* Four single pages: fine for order 0 ... */
	{ "4x0 @0", { 4 }, 0, 0, -1000 },
	/* ... useless for order 1: 1000 - (1000 + 4000 / 2) / 4 = 250. */
	{ "4x0 @1", { 4 }, 1, 1000, 250 },
	/* Two order-2 blocks: order 1 fits in both halves of each. */
	{ "2x2 @1", { 0, 0, 2 }, 1, 0, -1000 },
	/* ... order 3 does not: 1000 - (1000 + 8000 / 8) / 2 = 0. */
	{ "2x2 @3", { 0, 0, 2 }, 3, 1000, 0 },
	/* 2 + 2 + 8 = 12 pages; order 2 uses the 8: (12 - 8) * 1000 / 12. */
	{ "mixed @2", { 2, 1, 0, 1 }, 2, 333, -1000 },
	/* Order 4: 1000 - (1000 + 12000 / 16) / 4 = 1000 - 437. */
	{ "mixed @4", { 2, 1, 0, 1 }, 4, 1000, 563 },
	/* One order-10 block: it serves every order up to its own. */
	{ "1x10 @10", { [10] = 1 }, 10, 0, -1000 },
	/* 1024 + 4 pages; order 1 uses 512 * 2: 4000 / 1028 = 3. */
	{ "1x10 4x0 @1", { 4, [10] = 1 }, 1, 3, -1000 },
	/* Three order-9 blocks, none for 10: 1000 - (1000 + 1500) / 3. */
	{ "3x9 @10", { [9] = 3 }, 10, 1000, 167 },
	/*
	 * The toy's Normal zone (12 blocks) after one order-0 allocation:
	 * 11 order-10 blocks and one of each order 0 .. 9, 12287 pages.
	 * Order 10: 1023 pages in smaller blocks, 1023000 / 12287 = 83.
	 */
	{ "11x10 1x0..9 @10", { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 11 }, 10, 83, -1000 },
	/* Order 5: 1 + 2 + 4 + 8 + 16 = 31 pages too small, 31000 / 12287. */
	{ "11x10 1x0..9 @5", { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 11 }, 5, 2, -1000 },
};

static void index_desc(const struct index_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%s", c->name);
}

KUNIT_ARRAY_PARAM(index_cases, index_cases, index_desc);

static void toy_buddy_index_table(struct kunit *test)
{
	const struct index_case *c = test->param_value;
	struct toy_contig_info info;

	toy_fill_contig_info(c->nr_free, c->order, &info);
	KUNIT_EXPECT_EQ(test, toy_unusable_index(c->order, &info), c->unusable);
	KUNIT_EXPECT_EQ(test, toy_extfrag_index(c->order, &info), c->extfrag);
}

/*
 * A layout made by real allocations: after one order-0 allocation the
 * Normal zone holds one free block of each order 0 .. 9, 1023 pages.
 */
static void toy_buddy_index_live_layout(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	unsigned long nr_free[TOY_MAX_ORDER];
	struct toy_contig_info info;

	KUNIT_ASSERT_NOT_NULL(test, toy_node_alloc(node, GFP_K, 0));
	toy_zone_snapshot(&node->zones[TOY_ZONE_NORMAL], nr_free);

	/* Order 5: 31 blocks of 32 pages usable, 31 of 1023 pages not. */
	toy_fill_contig_info(nr_free, 5, &info);
	KUNIT_EXPECT_EQ(test, info.free_pages, 1023UL);
	KUNIT_EXPECT_EQ(test, toy_unusable_index(5, &info), 31000 / 1023);
	KUNIT_EXPECT_EQ(test, toy_extfrag_index(5, &info), -1000);

	/* Order 10: none fits; 1000 - (1000 + 1023000 / 1024) / 10 = 801. */
	toy_fill_contig_info(nr_free, 10, &info);
	KUNIT_EXPECT_EQ(test, toy_unusable_index(10, &info), 1000);
	KUNIT_EXPECT_EQ(test, toy_extfrag_index(10, &info), 801);
}

static void toy_buddy_misuse_order(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	struct free_snapshot start;
	struct toy_page *page;

	snapshot(node, &start);
	KUNIT_EXPECT_NULL(test, toy_node_alloc(node, GFP_K, TOY_MAX_ORDER));
	page = toy_node_alloc(node, GFP_K, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	toy_node_free(node, page, TOY_MAX_ORDER);
	expect_only_misuse(test, node, TOY_MISUSE_ORDER, 2);
	toy_node_free(node, page, 0);
	expect_snapshot_eq(test, node, &start);
}

static void toy_buddy_misuse_double_free(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	struct free_snapshot freed;
	struct toy_page *page;

	page = toy_node_alloc(node, GFP_K, 2);
	KUNIT_ASSERT_NOT_NULL(test, page);
	toy_node_free(node, page, 2);
	snapshot(node, &freed);
	toy_node_free(node, page, 2);		/* the head, free already */
	toy_node_free(node, page + 1, 0);	/* inside a free block */
	expect_only_misuse(test, node, TOY_MISUSE_DOUBLE_FREE, 2);
	expect_snapshot_eq(test, node, &freed);
}

static void toy_buddy_misuse_tail(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	struct free_snapshot held;
	struct toy_page *page;

	page = toy_node_alloc(node, GFP_K, 3);
	KUNIT_ASSERT_NOT_NULL(test, page);
	snapshot(node, &held);
	toy_node_free(node, page + 1, 0);
	toy_node_free(node, page + 4, 2);
	expect_only_misuse(test, node, TOY_MISUSE_TAIL, 2);
	expect_snapshot_eq(test, node, &held);
	toy_node_free(node, page, 3);
	KUNIT_EXPECT_EQ(test, toy_node_allocated_pages(node), 0UL);
}

static void toy_buddy_misuse_wrong_order(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	struct free_snapshot held;
	struct toy_page *page;

	page = toy_node_alloc(node, GFP_K, 2);
	KUNIT_ASSERT_NOT_NULL(test, page);
	snapshot(node, &held);
	toy_node_free(node, page, 3);
	toy_node_free(node, page, 0);
	expect_only_misuse(test, node, TOY_MISUSE_WRONG_ORDER, 2);
	expect_snapshot_eq(test, node, &held);
	toy_node_free(node, page, 2);
	KUNIT_EXPECT_EQ(test, toy_node_allocated_pages(node), 0UL);
}

static void toy_buddy_misuse_foreign(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	struct toy_page *bogus = kunit_kzalloc(test, sizeof(*bogus), GFP_KERNEL);
	struct free_snapshot start;

	KUNIT_ASSERT_NOT_NULL(test, bogus);
	snapshot(node, &start);
	toy_node_free(node, bogus, 0);
	expect_only_misuse(test, node, TOY_MISUSE_FOREIGN, 1);
	expect_snapshot_eq(test, node, &start);
}

/* validate finds a corrupted page flag and a corrupted count, once each. */
static void toy_buddy_validate_finds_corruption(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	struct toy_zone *normal = &node->zones[TOY_ZONE_NORMAL];
	struct toy_page *page;

	page = toy_node_alloc(node, GFP_K, 2);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 0UL);

	__set_bit(TOY_PG_BUDDY, &page[1].flags);
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 1UL);
	__clear_bit(TOY_PG_BUDDY, &page[1].flags);

	normal->free_area[3].nr_free++;
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 1UL);
	normal->free_area[3].nr_free--;

	normal->free_pages--;
	KUNIT_EXPECT_EQ(test, toy_node_validate(node), 1UL);
	normal->free_pages++;
	toy_node_free(node, page, 2);
}

/* fail_nth fails exactly the Nth allocation; times limits probability. */
static void toy_buddy_fault_injection(struct kunit *test)
{
	struct toy_node *node = test_node(test);
	struct toy_fault_attr *attr = &toy_fail_page_alloc;
	const toy_gfp_t gfp = GFP_K | __TOY_GFP_NOWARN;
	struct toy_page *p[4];

	toy_fault_begin(2);
	p[0] = toy_node_alloc(node, gfp, 0);
	p[1] = toy_node_alloc(node, gfp, 0);
	p[2] = toy_node_alloc(node, gfp, 0);
	toy_fault_end();
	KUNIT_EXPECT_NOT_NULL(test, p[0]);
	KUNIT_EXPECT_NULL(test, p[1]);
	KUNIT_EXPECT_NOT_NULL(test, p[2]);
	toy_node_free(node, p[0], 0);
	toy_node_free(node, p[2], 0);

	/* probability 100, times 2: two failures, then none. */
	attr->verbose = 0;
	atomic_set(&attr->times, 2);
	toy_fault_set_probability(attr, 100);
	p[0] = toy_node_alloc(node, gfp, 0);
	p[1] = toy_node_alloc(node, gfp, 0);
	p[2] = toy_node_alloc(node, gfp, 0);
	toy_fault_set_probability(attr, 0);
	atomic_set(&attr->times, 1);
	attr->verbose = 2;
	KUNIT_EXPECT_NULL(test, p[0]);
	KUNIT_EXPECT_NULL(test, p[1]);
	KUNIT_EXPECT_NOT_NULL(test, p[2]);
	toy_node_free(node, p[2], 0);
	KUNIT_EXPECT_EQ(test, toy_node_allocated_pages(node), 0UL);
}

/*
 * probability: a share of the calls fails, each with chance P / 100
 * (lib/fault-inject.c: fail if P > get_random_u32() % 100). Over N calls
 * the failures are binomial, mean N * P / 100 and standard deviation
 * sqrt(N * P * (100 - P)) / 100. The case accepts the mean +- 5 of those
 * deviations (P = 50: 5000 +- 250 of 10000 calls), which a correct
 * injector misses by chance in 0.5 (P = 50) to 1.7 (P = 1, 99) runs in a
 * million. The rows at 1 and 99 tell P from P + 1 (mean 100 against 200,
 * 9900 against 10000) and a comparison the wrong way round.
 */
#define FAULT_TRIALS	10000

static const unsigned int fault_probabilities[] = { 1, 50, 99 };

static void probability_desc(const unsigned int *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "probability %u", *p);
}

KUNIT_ARRAY_PARAM(fault_probabilities, fault_probabilities, probability_desc);

static void toy_buddy_fault_probability(struct kunit *test)
{
	const unsigned int p = *(const unsigned int *)test->param_value;
	const unsigned long mean = FAULT_TRIALS * p / 100;
	const unsigned long bound = 5 * int_sqrt(FAULT_TRIALS * p * (100 - p)) / 100;
	struct toy_fault_attr *attr = &toy_fail_page_alloc;
	unsigned long failed = 0;
	int i;

	attr->verbose = 0;
	atomic_set(&attr->times, -1);
	toy_fault_set_probability(attr, p);
	for (i = 0; i < FAULT_TRIALS; i++)
		failed += toy_should_fail(attr, PAGE_SIZE);
	toy_fault_set_probability(attr, 0);
	atomic_set(&attr->times, 1);
	attr->verbose = 2;
	kunit_info(test, "%lu of %d failed, want %lu +- %lu\n", failed,
		   FAULT_TRIALS, mean, bound);
	KUNIT_EXPECT_GE(test, failed, mean - bound);
	KUNIT_EXPECT_LE(test, failed, mean + bound);
}

/* The public API works on the module's node 0. */
static void toy_buddy_public_api(struct kunit *test)
{
	struct toy_page *low, *high;

	low = toy_alloc_pages(TOY_GFP_KERNEL, 0);
	KUNIT_ASSERT_NOT_NULL(test, low);
	high = toy_alloc_pages(TOY_GFP_HIGHUSER, 0);
	KUNIT_ASSERT_NOT_NULL(test, high);

	KUNIT_EXPECT_PTR_EQ(test, toy_pfn_to_page(toy_page_to_pfn(low)), low);
	KUNIT_EXPECT_PTR_EQ(test, toy_page_address(low),
			    page_address(toy_node_real_page(&toy_node0, low)));
	if (toy_node0.zones[TOY_ZONE_HIGHMEM].nr_pages) {
		KUNIT_EXPECT_TRUE(test, toy_page_is_highmem(high));
		KUNIT_EXPECT_NULL(test, toy_page_address(high));
	}
	KUNIT_EXPECT_NULL(test, toy_pfn_to_page(toy_node0.nr_pages));

	toy_free_pages(high, 0);
	toy_free_pages(low, 0);
}

/* Bad sizes are refused before anything is taken from the kernel. */
static void toy_buddy_bad_sizes(struct kunit *test)
{
	struct toy_node *node = kunit_kzalloc(test, sizeof(*node), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, node);
	KUNIT_EXPECT_EQ(test, toy_node_init(node, 2, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, toy_node_init(node, 2, 6, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, toy_node_init(node, 2, 8, 8), -EINVAL);
	KUNIT_EXPECT_EQ(test, toy_node_init(node, 2, 8, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, toy_node_init(node, 2, 1UL << 30, 0), -ENOMEM);
	KUNIT_EXPECT_NULL(test, node->pages);
}

static int toy_buddy_test_init(struct kunit *test)
{
	struct toy_node *node = kunit_kzalloc(test, sizeof(*node), GFP_KERNEL);

	if (!node)
		return -ENOMEM;
	test->priv = node;
	return toy_node_init(node, 1, TEST_MEM_MB, TEST_HIGH_MB);
}

/* Every case leaves its node consistent, whatever it did to it. */
static void toy_buddy_test_exit(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, toy_node_validate(test->priv), 0UL);
	toy_node_destroy(test->priv);
}

static struct kunit_case toy_buddy_test_cases[] = {
	KUNIT_CASE_PARAM(toy_buddy_round_trip, orders_gen_params),
	KUNIT_CASE_PARAM(toy_buddy_splits, orders_gen_params),
	KUNIT_CASE(toy_buddy_merge_likely_to_tail),
	KUNIT_CASE_PARAM(toy_buddy_split_elsewhere, inner_orders_gen_params),
	KUNIT_CASE(toy_buddy_exhaust_and_recover),
	KUNIT_CASE(toy_buddy_highmem_fallback),
	KUNIT_CASE(toy_buddy_kernel_never_highmem),
	KUNIT_CASE(toy_buddy_zero),
	KUNIT_CASE(toy_buddy_virt_to_page),
	KUNIT_CASE_PARAM(toy_buddy_random_no_overlap, pcp_batches_gen_params),
	KUNIT_CASE_PARAM(toy_buddy_random_threads, pcp_batches_gen_params),
	KUNIT_CASE(toy_buddy_pcp_refill_and_drain),
	KUNIT_CASE(toy_buddy_pcp_double_free),
	KUNIT_CASE(toy_buddy_pcp_drain_on_failure),
	KUNIT_CASE_PARAM(toy_buddy_index_table, index_cases_gen_params),
	KUNIT_CASE(toy_buddy_index_live_layout),
	KUNIT_CASE(toy_buddy_misuse_order),
	KUNIT_CASE(toy_buddy_misuse_double_free),
	KUNIT_CASE(toy_buddy_misuse_tail),
	KUNIT_CASE(toy_buddy_misuse_wrong_order),
	KUNIT_CASE(toy_buddy_misuse_foreign),
	KUNIT_CASE(toy_buddy_validate_finds_corruption),
	KUNIT_CASE(toy_buddy_fault_injection),
	KUNIT_CASE_PARAM(toy_buddy_fault_probability,
			 fault_probabilities_gen_params),
	KUNIT_CASE(toy_buddy_public_api),
	KUNIT_CASE(toy_buddy_bad_sizes),
	{}
};

static struct kunit_suite toy_buddy_test_suite = {
	.name = "toy_buddy",
	.init = toy_buddy_test_init,
	.exit = toy_buddy_test_exit,
	.test_cases = toy_buddy_test_cases,
};

kunit_test_suite(toy_buddy_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
