// SPDX-License-Identifier: GPL-2.0
/*
 * The toy's binary buddy page allocator.
 *
 * At load the module takes its region from the real page allocator in
 * blocks of the largest order it hands out (MAX_ORDER - 1, 4 MiB), and
 * numbers the pages of those blocks 0 .. N-1: the toy's pfns. Block b holds
 * toy pfns b * 1024 .. b * 1024 + 1023, in the order of its real pages, so
 * a toy pfn is turned into a real page by one array look-up and an offset.
 * The real blocks need not be adjacent in physical memory; since the toy's
 * largest order is also 10, no toy block spans two of them, and every
 * block the toy hands out is physically contiguous.
 *
 * The region is split into up to three zones: DMA from toy pfn 0 (the
 * bottom dma_mb, often none), Normal, and HighMem, the top highmem_mb. All
 * are made of whole 4 MiB blocks, so a buddy is always in the same zone as
 * its page.
 *
 * Each zone keeps a free list per order and migrate type, as struct zone
 * does. Allocation takes the first block of the smallest order that fits
 * from its own type's lists, stealing from another type's when they are
 * empty (see "Pageblocks and migrate types" below), and splits it,
 * putting the upper halves back on the lower lists (expand() in
 * mm/page_alloc.c). Freeing merges the block with its buddy for as long as
 * the buddy is free and of the same order (__free_one_page()). Before any
 * of that, the zone must keep its watermark and the lowmem_reserve of the
 * request (see "Watermarks and lowmem_reserve"); a request that finds no
 * zone that does wakes kswapd and may reclaim (toy_vmscan.c).
 *
 * The toy keeps its own descriptors (struct toy_page): the head of a free
 * block carries TOY_PG_BUDDY and its order, the head of an allocated block
 * TOY_PG_HEAD and its order; other pages carry neither. That is enough to
 * tell, on free, a block head from a page inside a block and a free block
 * from an allocated one, so misuse is caught before it corrupts a list.
 *
 * Locking: one spinlock per zone, taken irq-safe, guards the zone's free
 * lists and counters and the buddy state of its pages; each CPU's pcp
 * list is its own, used with preemption off and no lock (see "Per-CPU
 * lists" below), and enters the zone lock for a batch. No path holds two
 * zone locks or is in two pcp sections at once. The slab layer frees slabs
 * with its cache lock held; it allocates them, as every other layer calls
 * the buddy, with no lock of its own held, since a request that may
 * reclaim may sleep (toy_internal.h has the whole order). The buddy calls no
 * layer above it: page_address() of a HighMem page is highmem's
 * (toy_highmem.c), and the debugfs files are toy_vmstat.c's.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>

#include "toy_internal.h"

struct toy_node toy_node0;
EXPORT_SYMBOL_IF_KUNIT(toy_node0);

const char *const toy_zone_stat_names[] = {
	[TOY_ZS_ALLOC]		= "allocs",
	[TOY_ZS_FREE]		= "frees",
	[TOY_ZS_SPLIT]		= "splits",
	[TOY_ZS_MERGE]		= "merges",
	[TOY_ZS_FAIL]		= "failures",
	[TOY_ZS_FALLBACK]	= "highmem_fallbacks",
	[TOY_ZS_PCP_REFILL]	= "pcp_refills",
	[TOY_ZS_PCP_DRAIN]	= "pcp_drains",
	/* Pages, not requests, and stalls: vmstat's, by its names. */
	[TOY_ZS_PGALLOC]	= NULL,
	[TOY_ZS_PGFREE]		= NULL,
	[TOY_ZS_ALLOCSTALL]	= NULL,
	[TOY_ZS_EXTFRAG]	= NULL,
	[TOY_ZS_STEAL_BLOCK]	= NULL,
};

static_assert(ARRAY_SIZE(toy_zone_stat_names) == TOY_NR_ZONE_STATS);

const char *const toy_misuse_names[] = {
	[TOY_MISUSE_ORDER]	= "bad_order",
	[TOY_MISUSE_DOUBLE_FREE] = "double_free",
	[TOY_MISUSE_TAIL]	= "tail_page_free",
	[TOY_MISUSE_WRONG_ORDER] = "wrong_order_free",
	[TOY_MISUSE_FOREIGN]	= "foreign_page",
};
EXPORT_SYMBOL_IF_KUNIT(toy_misuse_names);

static_assert(ARRAY_SIZE(toy_misuse_names) == TOY_NR_MISUSE);

static const char *const toy_zone_names[TOY_NR_ZONES] = {
	[TOY_ZONE_DMA]		= "DMA",
	[TOY_ZONE_NORMAL]	= "Normal",
	[TOY_ZONE_HIGHMEM]	= "HighMem",
};

/* ==== Page state helpers ==== */

static inline void count_event(struct toy_zone *zone, enum toy_zone_stat item)
{
	this_cpu_inc(zone->events->ev[item]);
}

/**
 * toy_zone_stat() - read an event counter of a zone
 * @zone: the zone.
 * @item: the counter.
 *
 * Return: the sum over all CPUs.
 */
unsigned long toy_zone_stat(struct toy_zone *zone, enum toy_zone_stat item)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(zone->events, cpu)->ev[item];
	return sum;
}
EXPORT_SYMBOL_IF_KUNIT(toy_zone_stat);

/*
 * Report a misuse of the API. The first of each class prints a report with
 * a stack trace, like WARN_ONCE() but without tainting the kernel: the
 * caller did something wrong, the toy did not. Every one is counted.
 */
static void report_misuse(struct toy_node *node, enum toy_misuse what,
			  unsigned long pfn, unsigned int order)
{
	atomic_long_inc(&node->misuse[what]);
	if (test_and_set_bit(what, &node->misuse_reported))
		return;
	pr_err("node %d: %s: pfn %lu order %u; free lists left untouched\n",
	       node->nid, toy_misuse_names[what], pfn, order);
	dump_stack();
}

/* ==== Pageblocks and migrate types ==== */

/*
 * Anti-fragmentation, as 6.1 groups pages by mobility: the zone is cut
 * into pageblocks of TOY_PAGEBLOCK_PAGES, each of one migrate type, and
 * each order has a free list per type. A request takes from its own
 * type's lists (__rmqueue_smallest()); only when they are empty does it
 * steal from another type, the largest block it finds, along the
 * fallbacks[] table (__rmqueue_fallback()), and it takes the whole
 * pageblock over when that block is mostly free or of its kind
 * (steal_suitable_fallback()). Unmovable pages so stay together, and the
 * movable pageblocks around them stay movable, which compaction needs.
 * At init every pageblock is movable, as memmap_init() makes them.
 */

const char *const toy_migratetype_names[TOY_MIGRATE_TYPES] = {
	[TOY_MIGRATE_UNMOVABLE]		= "Unmovable",
	[TOY_MIGRATE_MOVABLE]		= "Movable",
	[TOY_MIGRATE_RECLAIMABLE]	= "Reclaimable",
	[TOY_MIGRATE_HIGHATOMIC]	= "HighAtomic",
#ifdef CONFIG_CMA
	[TOY_MIGRATE_CMA]		= "CMA",
#endif
#ifdef CONFIG_MEMORY_ISOLATION
	[TOY_MIGRATE_ISOLATE]		= "Isolate",
#endif
};
EXPORT_SYMBOL_IF_KUNIT(toy_migratetype_names);

/* fallbacks[] of 6.1: where each pcp type steals from, in turn. */
static const int fallbacks[TOY_MIGRATE_PCPTYPES][3] = {
	[TOY_MIGRATE_UNMOVABLE] = {
		TOY_MIGRATE_RECLAIMABLE, TOY_MIGRATE_MOVABLE, TOY_MIGRATE_TYPES
	},
	[TOY_MIGRATE_MOVABLE] = {
		TOY_MIGRATE_RECLAIMABLE, TOY_MIGRATE_UNMOVABLE, TOY_MIGRATE_TYPES
	},
	[TOY_MIGRATE_RECLAIMABLE] = {
		TOY_MIGRATE_UNMOVABLE, TOY_MIGRATE_MOVABLE, TOY_MIGRATE_TYPES
	},
};

/* watermark_boost_factor of 6.1: a fallback boosts by 150% of high. */
#define TOY_WATERMARK_BOOST_FACTOR	15000

static inline unsigned long zone_pfn(struct toy_zone *zone,
				     const struct toy_page *page)
{
	return toy_node_pfn(zone->node, page);
}

/**
 * toy_pageblock_migratetype() - get_pageblock_migratetype()
 * @node: the node.
 * @pfn: any toy pfn of the pageblock.
 *
 * Return: the pageblock's migrate type.
 */
int toy_pageblock_migratetype(struct toy_node *node, unsigned long pfn)
{
	return READ_ONCE(node->pageblock_mt[pfn >> TOY_PAGEBLOCK_ORDER]);
}
EXPORT_SYMBOL_IF_KUNIT(toy_pageblock_migratetype);

static void set_pageblock_migratetype(struct toy_zone *zone,
				      struct toy_page *page, int mt)
	__must_hold(&zone->lock)
{
	WRITE_ONCE(zone->node->pageblock_mt[zone_pfn(zone, page) >>
					    TOY_PAGEBLOCK_ORDER], mt);
}

/* toy_gfp_migratetype(): where a request's pages belong. */
static inline int toy_gfp_migratetype(toy_gfp_t gfp)
{
	if (gfp & __TOY_GFP_MOVABLE)
		return TOY_MIGRATE_MOVABLE;
	if (gfp & __TOY_GFP_RECLAIMABLE)
		return TOY_MIGRATE_RECLAIMABLE;
	return TOY_MIGRATE_UNMOVABLE;
}

/*
 * Put a free block of @order at @page on its free list of type @mt: at
 * the head, or with @tail where __rmqueue() looks last, for a block that
 * is likely to merge soon (buddy_merge_likely()).
 */
static void add_to_free_list(struct toy_zone *zone, struct toy_page *page,
			     unsigned int order, int mt, bool tail)
	__must_hold(&zone->lock)
{
	struct list_head *list = &zone->free_area[order].free_list[mt];

	lockdep_assert_held(&zone->lock);
	page->order = order;
	page->migratetype = mt;
	__set_bit(TOY_PG_BUDDY, &page->flags);
	if (tail)
		list_add_tail(&page->lru, list);
	else
		list_add(&page->lru, list);
	zone->free_area[order].nr_free++;
}

/* move_to_free_list(): the block to the tail of type @mt's list. */
static void move_to_free_list(struct toy_zone *zone, struct toy_page *page,
			      unsigned int order, int mt)
	__must_hold(&zone->lock)
{
	list_move_tail(&page->lru, &zone->free_area[order].free_list[mt]);
	page->migratetype = mt;
}

static void del_from_free_list(struct toy_zone *zone, struct toy_page *page,
			       unsigned int order)
	__must_hold(&zone->lock)
{
	lockdep_assert_held(&zone->lock);
	list_del(&page->lru);
	__clear_bit(TOY_PG_BUDDY, &page->flags);
	zone->free_area[order].nr_free--;
}

static inline bool toy_free_area_empty(struct toy_free_area *area, int mt)
{
	return list_empty(&area->free_list[mt]);
}

/* ==== Allocation ==== */

/*
 * Split a block of order @high at @page down to @low: each round keeps the
 * lower half and frees the upper one to type @mt's list, so the caller
 * gets the block at the lowest pfn, as expand() in mm/page_alloc.c does.
 */
static void expand(struct toy_zone *zone, struct toy_page *page,
		   unsigned int low, unsigned int high, int mt)
	__must_hold(&zone->lock)
{
	while (high > low) {
		high--;
		add_to_free_list(zone, page + (1UL << high), high, mt, false);
		count_event(zone, TOY_ZS_SPLIT);
	}
}

/* __rmqueue_smallest(): the smallest block of @order or more of type @mt. */
static struct toy_page *__rmqueue_smallest(struct toy_zone *zone,
					   unsigned int order, int mt)
	__must_hold(&zone->lock)
{
	unsigned int o;

	lockdep_assert_held(&zone->lock);
	for (o = order; o < TOY_MAX_ORDER; o++) {
		struct toy_page *page;

		page = list_first_entry_or_null(&zone->free_area[o].free_list[mt],
						struct toy_page, lru);
		if (!page)
			continue;
		del_from_free_list(zone, page, o);
		expand(zone, page, order, o, mt);
		page->order = order;
		page->migratetype = mt;
		zone->free_pages -= 1UL << order;
		return page;
	}
	return NULL;
}

/*
 * move_freepages_block(): every free block of @page's pageblock to type
 * @mt's lists; *@num_movable gets the allocated pages there that could
 * move (page cache, the toy's movable pages). Return the pages moved.
 */
static unsigned long move_freepages_block(struct toy_zone *zone,
					  struct toy_page *page, int mt,
					  unsigned long *num_movable)
	__must_hold(&zone->lock)
{
	struct toy_node *node = zone->node;
	unsigned long start = round_down(zone_pfn(zone, page), TOY_PAGEBLOCK_PAGES);
	unsigned long pfn, moved = 0, movable = 0;

	for (pfn = start; pfn < start + TOY_PAGEBLOCK_PAGES;) {
		struct toy_page *p = &node->pages[pfn];

		if (!toy_page_test(p, TOY_PG_BUDDY)) {
			if (toy_page_test(p, TOY_PG_HEAD) &&
			    (toy_page_test(p, TOY_PG_LRU) ||
			     toy_page_test(p, TOY_PG_MOVABLE)))
				movable += 1UL << p->order;
			pfn += toy_page_test(p, TOY_PG_HEAD) ? 1UL << p->order : 1;
			continue;
		}
		move_to_free_list(zone, p, p->order, mt);
		moved += 1UL << p->order;
		pfn += 1UL << p->order;
	}
	if (num_movable)
		*num_movable = movable;
	return moved;
}

/*
 * can_steal_fallback(): take the rest of the pageblock too? Always for a
 * block of half a pageblock or more, and for unmovable and reclaimable
 * requests, whose pages in a movable block are worse than the reverse.
 */
static bool can_steal_fallback(unsigned int order, int start_mt)
{
	return order >= TOY_PAGEBLOCK_ORDER / 2 ||
	       start_mt == TOY_MIGRATE_RECLAIMABLE ||
	       start_mt == TOY_MIGRATE_UNMOVABLE;
}

/*
 * boost_watermark(): a fragmenting fallback raises every watermark of the
 * zone by a pageblock, up to 150% of high, so that kswapd reclaims and
 * fewer fallbacks follow; not in zones under four pageblocks.
 */
static bool boost_watermark(struct toy_zone *zone)
	__must_hold(&zone->lock)
{
	unsigned long max_boost;

	if (TOY_PAGEBLOCK_PAGES * 4 > zone->nr_pages)
		return false;
	max_boost = mult_frac(zone->watermark[TOY_WMARK_HIGH],
			      TOY_WATERMARK_BOOST_FACTOR, 10000);
	if (!max_boost)
		return false;
	max_boost = max(TOY_PAGEBLOCK_PAGES, max_boost);
	WRITE_ONCE(zone->watermark_boost,
		   min(zone->watermark_boost + TOY_PAGEBLOCK_PAGES, max_boost));
	return true;
}

/*
 * steal_suitable_fallback(): a block of order >= pageblock_order changes
 * owner whole; a smaller one boosts the watermarks and, if it may, moves
 * its pageblock's free pages to @start_type, and takes the pageblock over
 * when at least half of it is free or alike.
 */
static void steal_suitable_fallback(struct toy_zone *zone,
				    struct toy_page *page,
				    unsigned int alloc_flags, int start_type,
				    bool whole_block)
	__must_hold(&zone->lock)
{
	unsigned int current_order = page->order;
	unsigned long free_pages, movable_pages, alike_pages;
	int old_block_type = toy_pageblock_migratetype(zone->node,
						       zone_pfn(zone, page));
	unsigned long i;

	if (old_block_type == TOY_MIGRATE_HIGHATOMIC)
		goto single_page;
	if (current_order >= TOY_PAGEBLOCK_ORDER) {
		for (i = 0; i < 1UL << (current_order - TOY_PAGEBLOCK_ORDER); i++)
			set_pageblock_migratetype(zone, page + i * TOY_PAGEBLOCK_PAGES,
						  start_type);
		count_event(zone, TOY_ZS_STEAL_BLOCK);
		goto single_page;
	}
	if (boost_watermark(zone) && (alloc_flags & TOY_ALLOC_KSWAPD))
		WRITE_ONCE(zone->boosted, true);
	if (!whole_block)
		goto single_page;
	free_pages = move_freepages_block(zone, page, start_type, &movable_pages);
	if (start_type == TOY_MIGRATE_MOVABLE)
		alike_pages = movable_pages;
	else if (old_block_type == TOY_MIGRATE_MOVABLE)
		alike_pages = TOY_PAGEBLOCK_PAGES - (free_pages + movable_pages);
	else
		alike_pages = 0;
	if (!free_pages)
		goto single_page;
	if (free_pages + alike_pages >= TOY_PAGEBLOCK_PAGES / 2) {
		set_pageblock_migratetype(zone, page, start_type);
		count_event(zone, TOY_ZS_STEAL_BLOCK);
	}
	return;

single_page:
	move_to_free_list(zone, page, current_order, start_type);
}

/*
 * find_suitable_fallback(): the first type @mt may steal from at @order;
 * with @only_stealable, only if it may take the whole pageblock.
 */
static int find_suitable_fallback(struct toy_free_area *area,
				  unsigned int order, int mt,
				  bool only_stealable, bool *can_steal)
{
	int i, fallback_mt;

	if (!area->nr_free)
		return -1;
	*can_steal = false;
	for (i = 0; (fallback_mt = fallbacks[mt][i]) != TOY_MIGRATE_TYPES; i++) {
		if (toy_free_area_empty(area, fallback_mt))
			continue;
		if (can_steal_fallback(order, mt))
			*can_steal = true;
		if (!only_stealable || *can_steal)
			return fallback_mt;
	}
	return -1;
}

/*
 * __rmqueue_fallback(): no block of type @start_mt is free. Steal the
 * largest free block of a fallback type - or, for a movable request that
 * may not take its pageblock, the smallest that fits, which fragments
 * less - and move it to @start_mt's list, for __rmqueue_smallest() to
 * take. Return whether one was found.
 */
static bool __rmqueue_fallback(struct toy_zone *zone, unsigned int order,
			       int start_mt, unsigned int alloc_flags)
	__must_hold(&zone->lock)
{
	struct toy_free_area *area;
	int current_order, fallback_mt;
	struct toy_page *page;
	bool can_steal;

	for (current_order = TOY_MAX_ORDER - 1; current_order >= (int)order;
	     current_order--) {
		area = &zone->free_area[current_order];
		fallback_mt = find_suitable_fallback(area, current_order,
						     start_mt, false, &can_steal);
		if (fallback_mt == -1)
			continue;
		if (!can_steal && start_mt == TOY_MIGRATE_MOVABLE &&
		    current_order > order)
			goto find_smallest;
		goto do_steal;
	}
	return false;

find_smallest:
	for (current_order = order; current_order < TOY_MAX_ORDER; current_order++) {
		area = &zone->free_area[current_order];
		fallback_mt = find_suitable_fallback(area, current_order,
						     start_mt, false, &can_steal);
		if (fallback_mt != -1)
			break;
	}
	if (WARN_ON_ONCE(current_order == TOY_MAX_ORDER))
		return false;

do_steal:
	page = list_first_entry(&area->free_list[fallback_mt], struct toy_page, lru);
	steal_suitable_fallback(zone, page, alloc_flags, start_mt, can_steal);
	count_event(zone, TOY_ZS_EXTFRAG);
	return true;
}

/* __rmqueue(): from @mt's lists, else after a fallback steal. */
static struct toy_page *__rmqueue(struct toy_zone *zone, unsigned int order,
				  int mt, unsigned int alloc_flags)
	__must_hold(&zone->lock)
{
	struct toy_page *page;

	do {
		page = __rmqueue_smallest(zone, order, mt);
	} while (!page && __rmqueue_fallback(zone, order, mt, alloc_flags));
	return page;
}

/*
 * rmqueue_buddy(): high-order atomic requests try the high-atomic reserve
 * first; any request that cannot block may use it rather than fail.
 */
static struct toy_page *rmqueue(struct toy_zone *zone, unsigned int order,
				int mt, unsigned int alloc_flags)
{
	struct toy_page *page = NULL;
	unsigned long flags;

	spin_lock_irqsave(&zone->lock, flags);
	if (alloc_flags & TOY_ALLOC_HIGHATOMIC)
		page = __rmqueue_smallest(zone, order, TOY_MIGRATE_HIGHATOMIC);
	if (!page)
		page = __rmqueue(zone, order, mt, alloc_flags);
	if (!page && (alloc_flags & TOY_ALLOC_NON_BLOCK))
		page = __rmqueue_smallest(zone, order, TOY_MIGRATE_HIGHATOMIC);
	if (page)
		__set_bit(TOY_PG_HEAD, &page->flags);
	spin_unlock_irqrestore(&zone->lock, flags);
	return page;
}

/*
 * reserve_highatomic_pageblock(): a high-order atomic request succeeded;
 * keep its pageblock for such requests, up to about 1% of the zone plus
 * one pageblock.
 */
static void reserve_highatomic_pageblock(struct toy_zone *zone,
					 struct toy_page *page)
{
	unsigned long max_managed = zone->nr_pages / 100 + TOY_PAGEBLOCK_PAGES;
	unsigned long flags;
	int mt;

	if (READ_ONCE(zone->nr_reserved_highatomic) >= max_managed)
		return;
	spin_lock_irqsave(&zone->lock, flags);
	if (zone->nr_reserved_highatomic >= max_managed)
		goto out;
	mt = toy_pageblock_migratetype(zone->node, zone_pfn(zone, page));
	if (mt < TOY_MIGRATE_PCPTYPES) {
		WRITE_ONCE(zone->nr_reserved_highatomic,
			   zone->nr_reserved_highatomic + TOY_PAGEBLOCK_PAGES);
		set_pageblock_migratetype(zone, page, TOY_MIGRATE_HIGHATOMIC);
		move_freepages_block(zone, page, TOY_MIGRATE_HIGHATOMIC, NULL);
	}
out:
	spin_unlock_irqrestore(&zone->lock, flags);
}

/*
 * unreserve_highatomic_pageblock(): a request is about to fail for lack
 * of memory: give a high-atomic pageblock back to @mt (all but the last
 * unless @force). Return whether one was.
 */
static bool unreserve_highatomic_pageblock(struct toy_node *node,
					   int highest_zoneidx, int mt,
					   bool force)
{
	unsigned long flags;
	unsigned int o;
	int z;

	for (z = highest_zoneidx; z >= 0; z--) {
		struct toy_zone *zone = &node->zones[z];

		if (!force && READ_ONCE(zone->nr_reserved_highatomic) <=
		    TOY_PAGEBLOCK_PAGES)
			continue;
		spin_lock_irqsave(&zone->lock, flags);
		for (o = 0; o < TOY_MAX_ORDER; o++) {
			struct list_head *list =
				&zone->free_area[o].free_list[TOY_MIGRATE_HIGHATOMIC];
			struct toy_page *page;

			page = list_first_entry_or_null(list, struct toy_page, lru);
			if (!page)
				continue;
			if (toy_pageblock_migratetype(node, zone_pfn(zone, page)) ==
			    TOY_MIGRATE_HIGHATOMIC)
				WRITE_ONCE(zone->nr_reserved_highatomic,
					   zone->nr_reserved_highatomic -
					   min(TOY_PAGEBLOCK_PAGES,
					       zone->nr_reserved_highatomic));
			set_pageblock_migratetype(zone, page, mt);
			if (move_freepages_block(zone, page, mt, NULL)) {
				spin_unlock_irqrestore(&zone->lock, flags);
				return true;
			}
		}
		spin_unlock_irqrestore(&zone->lock, flags);
	}
	return false;
}

/* ==== For compaction (toy_compaction.c) ==== */

/**
 * toy_zone_suitable_page_free() - __compact_finished()'s question
 * @zone: the zone.
 * @order: the order compaction works for.
 * @mt: the migrate type of the request.
 *
 * Context: Any context; takes the zone lock.
 * Return: true if a block of @order or more is free on @mt's lists, or on
 * a list @mt may steal a whole pageblock from.
 */
bool toy_zone_suitable_page_free(struct toy_zone *zone, unsigned int order,
				 int mt)
{
	unsigned long flags;
	bool can_steal, found = false;

	spin_lock_irqsave(&zone->lock, flags);
	for (; order < TOY_MAX_ORDER && !found; order++) {
		struct toy_free_area *area = &zone->free_area[order];

		found = !toy_free_area_empty(area, mt) ||
			find_suitable_fallback(area, order, mt, true,
					       &can_steal) != -1;
	}
	spin_unlock_irqrestore(&zone->lock, flags);
	return found;
}

static struct toy_page *enclosing_block(struct toy_node *node,
					unsigned long pfn, unsigned int *order);

/**
 * toy_free_block_end() - where the free block holding a page ends
 * @node: the node.
 * @pfn: a toy pfn, the head of a free block or inside one.
 *
 * A racy look with no lock, as buddy_order_unsafe() is: the answer is a
 * hint for a scanner, which checks what it acts on under the lock.
 *
 * Context: Any context.
 * Return: the first pfn after the free block, or 0 if @pfn is in none.
 */
unsigned long toy_free_block_end(struct toy_node *node, unsigned long pfn)
{
	struct toy_page *head = &node->pages[pfn];
	unsigned int order = READ_ONCE(head->order);

	if (!toy_page_test(head, TOY_PG_BUDDY)) {
		head = enclosing_block(node, pfn, &order);
		if (!head || !toy_page_test(head, TOY_PG_BUDDY))
			return 0;
	}
	if (order >= TOY_MAX_ORDER)
		return 0;
	return round_down(pfn, 1UL << order) + (1UL << order);
}

/**
 * toy_isolate_freepages_block() - isolate_freepages_block()
 * @node: the node.
 * @zone: the zone being compacted.
 * @start_pfn: where to start; set to where the scan stopped.
 * @end_pfn: the end of the pageblock.
 * @freelist: gets the free pages taken, split into order-0 pages, each
 *	an allocated head from now on (split_map_pages()).
 * @want: stop once this many are taken.
 * @nr_scanned: gets the pfns passed added.
 *
 * The free blocks of a pageblock become compaction's targets. As
 * __isolate_free_page() does, no block is taken that would leave the zone
 * below its min watermark, and taking a block of half a pageblock or more
 * makes its pageblocks movable.
 *
 * Context: Any context; takes the zone lock.
 * Return: the pages taken.
 */
unsigned long toy_isolate_freepages_block(struct toy_node *node,
					  struct toy_zone *zone,
					  unsigned long *start_pfn,
					  unsigned long end_pfn,
					  struct list_head *freelist,
					  unsigned long want,
					  unsigned long *nr_scanned)
{
	unsigned long pfn = *start_pfn, isolated = 0, flags, i, n;

	spin_lock_irqsave(&zone->lock, flags);
	while (pfn < end_pfn && isolated < want) {
		struct toy_page *page = &node->pages[pfn];
		unsigned int order = page->order;

		if (!toy_page_test(page, TOY_PG_BUDDY)) {
			(*nr_scanned)++;
			pfn++;
			continue;
		}
		n = 1UL << order;
		if (!toy_zone_watermark_ok(zone, 0, zone->watermark[TOY_WMARK_MIN] + n,
					   0, 0, zone->free_pages))
			break;
		del_from_free_list(zone, page, order);
		zone->free_pages -= n;
		if (order >= TOY_PAGEBLOCK_ORDER - 1) {
			int mt = toy_pageblock_migratetype(node, pfn);

			if (!toy_is_migrate_isolate(mt) &&
			    mt != TOY_MIGRATE_HIGHATOMIC)
				for (i = 0; i < n; i += TOY_PAGEBLOCK_PAGES)
					set_pageblock_migratetype(zone, page + i,
								  TOY_MIGRATE_MOVABLE);
		}
		for (i = 0; i < n; i++) {
			page[i].order = 0;
			__set_bit(TOY_PG_HEAD, &page[i].flags);
			list_add_tail(&page[i].lru, freelist);
		}
		isolated += n;
		*nr_scanned += n;
		pfn += n;
	}
	spin_unlock_irqrestore(&zone->lock, flags);
	*start_pfn = min(pfn, end_pfn);
	return isolated;
}
EXPORT_SYMBOL_IF_KUNIT(toy_isolate_freepages_block);

/* ==== Per-CPU lists ==== */

/*
 * Most allocations are of one page, and most pages freed are soon wanted
 * again on the same CPU. As the kernel's per_cpu_pages do, each CPU keeps
 * short lists of free blocks per zone, one per migrate type for each
 * order up to PAGE_ALLOC_COSTLY_ORDER (3), and one for pageblock_order
 * where the kernel has transparent huge pages: an allocation takes the
 * hottest, a free puts the block back on top, and only when a list runs
 * empty, or all of them together grow to pcp_high pages, do blocks move
 * to or from the free lists under the zone lock - pcp_batch pages' worth
 * for order 0, fewer blocks for higher orders (batch >> order, at least
 * 2), as rmqueue_pcplist() scales it. Pages on a pcp list are free but
 * not on the free lists: buddyinfo and MemFree leave them out, as the
 * kernel's do, and they cannot merge until drained.
 *
 * A CPU's lists are used in a pcp section, the same as the slab's per-CPU
 * arrays (toy_slab.c, array_enter()): preemption off and the lists' busy
 * flag set, no lock and no interrupt toggled. An interrupt on this CPU
 * that allocates or frees a page meanwhile finds the flag set and goes to
 * the zone lock, as pcp_spin_trylock() failing sends the kernel's
 * rmqueue_pcplist() to rmqueue_buddy(). Only the zone lock, taken for a
 * batch, turns interrupts off. With PREEMPT_RT the section is
 * migrate_disable() and the lists' spinlock_t instead.
 *
 * No CPU touches another's lists while they are in use: whoever must
 * (drain, validate, pagemap) freezes the zone first (toy_zone_freeze()).
 */

/* pcp_allowed_order(): the orders the pcp lists keep. */
static inline bool pcp_allowed_order(unsigned int order)
{
	return order <= PAGE_ALLOC_COSTLY_ORDER ||
	       (TOY_NR_PCP_THP && order == TOY_PAGEBLOCK_ORDER);
}

/* order_to_pindex(): the list of @order and @mt (one list for pageblocks). */
static inline unsigned int order_to_pindex(int mt, unsigned int order)
{
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		return TOY_NR_LOWORDER_PCP_LISTS;
	return TOY_MIGRATE_PCPTYPES * order + mt;
}

/* pindex_to_order(): the order of the blocks on list @pindex. */
static inline unsigned int pindex_to_order(unsigned int pindex)
{
	if (pindex >= TOY_NR_LOWORDER_PCP_LISTS)
		return TOY_PAGEBLOCK_ORDER;
	return pindex / TOY_MIGRATE_PCPTYPES;
}

/*
 * Enter this CPU's pcp section of @zone; NULL when this context
 * interrupted the section, which then goes to the zone lock
 * (toy_section_enter() in toy_internal.h).
 */
static __always_inline struct toy_pcp *pcp_enter(struct toy_zone *zone)
{
	return toy_section_enter(zone->pcp);
}

static __always_inline void pcp_exit(struct toy_pcp *pcp)
{
	toy_section_exit(pcp);
}

/*
 * May the holder of a pcp section of @zone use the lists? Not while a
 * freezer holds the zone, nor once the lists are off.
 */
static __always_inline bool pcp_usable(struct toy_zone *zone)
{
	/* Pairs with the release in toy_zone_thaw(). */
	return !smp_load_acquire(&zone->frozen) && READ_ONCE(zone->pcp_batch);
}

/*
 * rmqueue_bulk(): up to @count blocks of @order and type @mt from the free
 * lists to @pcp's list @pindex.
 */
static noinline void pcp_refill(struct toy_zone *zone, struct toy_pcp *pcp,
				unsigned int order, int mt, unsigned int pindex,
				unsigned int alloc_flags, int count)
{
	struct toy_page *page;
	unsigned long flags;

	spin_lock_irqsave(&zone->lock, flags);
	while (count-- && (page = __rmqueue(zone, order, mt, alloc_flags))) {
		__set_bit(TOY_PG_PCP, &page->flags);
		page->migratetype = mt;
		list_add_tail(&page->lru, &pcp->lists[pindex]);
		pcp->count += 1 << order;
		count_event(zone, TOY_ZS_PCP_REFILL);
	}
	spin_unlock_irqrestore(&zone->lock, flags);
}

static void merge_and_free(struct toy_node *node, struct toy_zone *zone,
			   unsigned long pfn, unsigned int order, int mt);

/*
 * free_pcppages_bulk(): give at least @count pages of @pcp back to the
 * free lists, the coldest first, list @pindex first, then the others in
 * turn, each list until it is empty or enough is given; each block goes
 * to the lists of the type it was kept as. The caller holds the zone lock
 * and the lists (its section, or the frozen zone).
 */
static void __pcp_drain(struct toy_node *node, struct toy_zone *zone,
			struct toy_pcp *pcp, int count, unsigned int pindex)
	__must_hold(&zone->lock)
{
	struct toy_page *page;
	unsigned int order;

	lockdep_assert_held(&zone->lock);
	count = min(count, pcp->count);
	pindex = (pindex + TOY_NR_PCP_LISTS - 1) % TOY_NR_PCP_LISTS;
	while (count > 0) {
		do {
			pindex = (pindex + 1) % TOY_NR_PCP_LISTS;
		} while (list_empty(&pcp->lists[pindex]));
		order = pindex_to_order(pindex);
		do {
			page = list_last_entry(&pcp->lists[pindex],
					       struct toy_page, lru);
			list_del(&page->lru);
			__clear_bit(TOY_PG_PCP, &page->flags);
			count -= 1 << order;
			pcp->count -= 1 << order;
			zone->free_pages += 1UL << order;
			count_event(zone, TOY_ZS_PCP_DRAIN);
			merge_and_free(node, zone, toy_node_pfn(node, page), order,
				       page->migratetype);
		} while (count > 0 && !list_empty(&pcp->lists[pindex]));
	}
}

static noinline void pcp_drain(struct toy_node *node, struct toy_zone *zone,
			       struct toy_pcp *pcp, int count,
			       unsigned int pindex)
{
	unsigned long flags;

	spin_lock_irqsave(&zone->lock, flags);
	__pcp_drain(node, zone, pcp, count, pindex);
	spin_unlock_irqrestore(&zone->lock, flags);
}

/*
 * A block of @order and type @mt from this CPU's lists, or the zone when
 * they are busy (__rmqueue_pcplist()).
 */
static struct toy_page *pcp_alloc(struct toy_zone *zone, unsigned int order,
				  int mt, unsigned int alloc_flags)
{
	struct toy_pcp *pcp = pcp_enter(zone);
	unsigned int pindex = order_to_pindex(mt, order);
	struct list_head *list;
	struct toy_page *page;

	if (unlikely(!pcp))
		return rmqueue(zone, order, mt, alloc_flags);
	if (unlikely(!pcp_usable(zone))) {
		pcp_exit(pcp);
		return rmqueue(zone, order, mt, alloc_flags);
	}
	list = &pcp->lists[pindex];
	if (unlikely(list_empty(list))) {
		int batch = READ_ONCE(zone->pcp_batch);

		/* Fewer blocks for higher orders, unless a batch is 1. */
		if (batch > 1)
			batch = max(batch >> order, 2);
		pcp_refill(zone, pcp, order, mt, pindex, alloc_flags, batch);
	}
	page = list_first_entry_or_null(list, struct toy_page, lru);
	if (likely(page)) {
		list_del(&page->lru);
		pcp->count -= 1 << order;
		__clear_bit(TOY_PG_PCP, &page->flags);
		__set_bit(TOY_PG_HEAD, &page->flags);
	}
	pcp_exit(pcp);
	return page;
}

/*
 * Put an allocated head of an order the lists keep on the list of its
 * pageblock's type (high-atomic blocks on the movable one, as 6.1 does);
 * false if @page is not such a head, its pageblock is isolated, or the
 * lists are busy or frozen, for the slow path to free it under the zone
 * lock or tell what it is. The page stops being a head and becomes a pcp
 * page in the section, so a freezer, which waits out every section, never
 * sees it between the two; and of two racing frees of the page only one
 * can clear its head bit. Lists that reach pcp_high pages give a batch
 * back (free_unref_page_commit()).
 */
static bool pcp_free(struct toy_node *node, struct toy_zone *zone,
		     struct toy_page *page, unsigned int order)
{
	struct toy_pcp *pcp;
	unsigned int pindex;
	int mt;

	if (page->order != order || !pcp_allowed_order(order))
		return false;
	mt = toy_pageblock_migratetype(node, toy_node_pfn(node, page));
	if (unlikely(mt >= TOY_MIGRATE_PCPTYPES)) {
		if (toy_is_migrate_isolate(mt))
			return false;
		mt = TOY_MIGRATE_MOVABLE;
	}
	pcp = pcp_enter(zone);
	if (unlikely(!pcp))
		return false;
	if (unlikely(!pcp_usable(zone)) ||
	    !test_and_clear_bit(TOY_PG_HEAD, &page->flags)) {
		pcp_exit(pcp);
		return false;
	}
	__set_bit(TOY_PG_PCP, &page->flags);
	page->migratetype = mt;
	pindex = order_to_pindex(mt, order);
	list_add(&page->lru, &pcp->lists[pindex]);
	pcp->count += 1 << order;
	if (unlikely(pcp->count >= READ_ONCE(zone->pcp_high)))
		pcp_drain(node, zone, pcp, READ_ONCE(zone->pcp_batch), pindex);
	pcp_exit(pcp);
	return true;
}

/**
 * toy_zone_drain_local() - drain_local_pages() for one zone
 * @node: the node.
 * @zone: the zone whose list of this CPU goes back to the free lists.
 *
 * Compaction frees the pages it moved out on the CPU it runs on; this
 * lets them merge. A list that is busy (an interrupted section) or
 * frozen is left alone.
 *
 * Context: Any context.
 */
void toy_zone_drain_local(struct toy_node *node, struct toy_zone *zone)
{
	struct toy_pcp *pcp;

	if (!READ_ONCE(zone->pcp_batch))
		return;
	pcp = pcp_enter(zone);
	if (!pcp)
		return;
	if (pcp_usable(zone) && pcp->count)
		pcp_drain(node, zone, pcp, pcp->count, 0);
	pcp_exit(pcp);
}

/**
 * toy_zone_pcp_pages() - pages on the pcp lists of a zone
 * @zone: the zone.
 *
 * Context: Any context; a snapshot, exact only while the zone is still.
 * Return: the sum of the lists' counts.
 */
unsigned long toy_zone_pcp_pages(struct toy_zone *zone)
{
	unsigned long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(zone->pcp, cpu)->count);
	return sum;
}
EXPORT_SYMBOL_IF_KUNIT(toy_zone_pcp_pages);

/* Drain every CPU's list of a zone the caller froze. */
static void drain_frozen_zone(struct toy_node *node, struct toy_zone *zone)
	__must_hold(&zone->lock)
{
	int cpu;

	for_each_possible_cpu(cpu)
		__pcp_drain(node, zone, per_cpu_ptr(zone->pcp, cpu), INT_MAX, 0);
}

/* Drain every CPU's list of @zone, freezing it meanwhile. */
static void drain_zone(struct toy_node *node, struct toy_zone *zone)
{
	toy_zone_freeze(node, zone);
	drain_frozen_zone(node, zone);
	toy_zone_thaw(node, zone);
}

/**
 * toy_node_drain_pcp() - give every page on a pcp list back to the free lists
 * @node: the node.
 *
 * Context: Process context.
 */
void toy_node_drain_pcp(struct toy_node *node)
{
	int z;

	might_sleep();
	for (z = 0; z < TOY_NR_ZONES; z++) {
		struct toy_zone *zone = &node->zones[z];

		if (zone->pcp)
			drain_zone(node, zone);
	}
}
EXPORT_SYMBOL_IF_KUNIT(toy_node_drain_pcp);

/*
 * zone_batchsize() of 6.1: about a quarter of 0.1% of the zone, at most a
 * quarter of 1 MiB, as 2^n - 1; at least 1 (zone_set_pageset_high_and_batch()).
 */
static unsigned int zone_batchsize(const struct toy_zone *zone)
{
	unsigned long batch = min(zone->nr_pages >> 10, SZ_1M / PAGE_SIZE) / 4;

	batch = max(batch, 1UL);
	return max(rounddown_pow_of_two(batch + batch / 2) - 1, 1UL);
}

/*
 * zone_highsize() of 6.1: the zone's low watermark split over the CPUs,
 * so that full pcp lists do not wake kswapd before their time; at least
 * four batches.
 */
static unsigned int zone_highsize(const struct toy_zone *zone,
				  unsigned int batch)
{
	unsigned int high = zone->watermark[TOY_WMARK_LOW] / num_online_cpus();

	return max(high, batch << 2);
}

/**
 * toy_node_set_pcp() - size the per-CPU lists of a node
 * @node: the node.
 * @batch: -1: each zone's batch and high as the kernel's
 *	zone_batchsize() and zone_highsize() give them; 0: no pcp lists;
 *	N: batch N, and high six times that, the old pagesets' ratio (for
 *	lists small enough to watch).
 *
 * Context: Process context; each zone is frozen, its lists drained.
 */
void toy_node_set_pcp(struct toy_node *node, int batch)
{
	int z;

	for (z = 0; z < TOY_NR_ZONES; z++) {
		struct toy_zone *zone = &node->zones[z];
		unsigned int b = batch < 0 ? zone_batchsize(zone) : batch;

		toy_zone_freeze(node, zone);
		WRITE_ONCE(zone->pcp_batch, b);
		WRITE_ONCE(zone->pcp_high, batch < 0 ? zone_highsize(zone, b) :
						       6 * b);
		drain_frozen_zone(node, zone);
		toy_zone_thaw(node, zone);
	}
}
EXPORT_SYMBOL_IF_KUNIT(toy_node_set_pcp);

/* ==== Watermarks and lowmem_reserve ==== */

/*
 * Each zone keeps some pages free, so that what must not fail (atomic
 * requests, reclaim itself) finds one, and so that kswapd wakes before
 * the zone runs dry. The marks are in pages, set from min_free_kbytes
 * and watermark_scale_factor as __setup_per_zone_wmarks() sets them:
 *
 *	min   min_free_kbytes' pages, shared among the lowmem zones by size
 *	      (HighMem: 1/1024 of the zone, clamped to 32 .. 128)
 *	low   min + max(min / 4, managed * scale / 10000)
 *	high  low + the same step
 *
 * An allocation first tries every zone it may use against low; one that
 * finds none wakes kswapd and tries again against min (the slow path),
 * __GFP_HIGH and atomic callers a little below it. Each zone also keeps
 * lowmem_reserve[] pages from requests that could have used a higher
 * zone (setup_per_zone_lowmem_reserve()): HighMem-capable requests stop
 * at Normal's protection, so the direct map the seed talks about stays
 * for those that need it.
 */

/* sysctl_lowmem_reserve_ratio of 6.1: DMA 256, Normal 32, HighMem 0. */
static const int toy_lowmem_reserve_ratio[TOY_NR_ZONES] = {
	[TOY_ZONE_DMA]		= 256,
	[TOY_ZONE_NORMAL]	= 32,
	[TOY_ZONE_HIGHMEM]	= 0,
};

/**
 * toy_calculate_min_free_kbytes() - calculate_min_free_kbytes() of 6.1
 * @lowmem_pages: pages of the directly mapped zones (nr_free_buffer_pages()
 *	at boot, before any watermark is set).
 *
 * Return: int_sqrt(lowmem kB * 16), clamped to 128 .. 262144.
 */
int toy_calculate_min_free_kbytes(unsigned long lowmem_pages)
{
	unsigned long lowmem_kbytes = lowmem_pages * (PAGE_SIZE >> 10);

	return clamp_t(unsigned long, int_sqrt(lowmem_kbytes * 16), 128, 262144);
}
EXPORT_SYMBOL_IF_KUNIT(toy_calculate_min_free_kbytes);

/* __setup_per_zone_wmarks() of 6.1, for one node. */
static void setup_zone_wmarks(struct toy_node *node)
{
	unsigned long pages_min = node->min_free_kbytes >> (PAGE_SHIFT - 10);
	unsigned long lowmem_pages = toy_node_lowmem_pages(node);
	int z;

	for (z = 0; z < TOY_NR_ZONES; z++) {
		struct toy_zone *zone = &node->zones[z];
		unsigned long managed = zone->nr_pages, flags;
		u64 tmp;

		spin_lock_irqsave(&zone->lock, flags);
		tmp = (u64)pages_min * managed;
		do_div(tmp, lowmem_pages);
		if (z == TOY_ZONE_HIGHMEM)
			/*
			 * __GFP_HIGH and PF_MEMALLOC seldom need HighMem:
			 * its min stays small, the deltas above it do not.
			 */
			zone->watermark[TOY_WMARK_MIN] =
				clamp(managed / 1024, SWAP_CLUSTER_MAX, 128UL);
		else
			zone->watermark[TOY_WMARK_MIN] = tmp;
		tmp = max_t(u64, tmp >> 2,
			    mult_frac(managed, node->wmark.watermark_scale_factor,
				      10000));
		zone->watermark_boost = 0;
		zone->watermark[TOY_WMARK_LOW] = zone->watermark[TOY_WMARK_MIN] + tmp;
		zone->watermark[TOY_WMARK_HIGH] = zone->watermark[TOY_WMARK_LOW] + tmp;
		zone->watermark[TOY_WMARK_PROMO] = zone->watermark[TOY_WMARK_HIGH] + tmp;
		spin_unlock_irqrestore(&zone->lock, flags);
	}
}

/*
 * setup_per_zone_lowmem_reserve() of 6.1: zone i keeps, from a request
 * whose highest zone is j > i, the pages of the zones i+1 .. j divided
 * by zone i's ratio; nothing if the ratio is 0 or the zone is empty.
 */
static void setup_zone_lowmem_reserve(struct toy_node *node)
{
	int i, j;

	for (i = 0; i < TOY_NR_ZONES - 1; i++) {
		struct toy_zone *zone = &node->zones[i];
		int ratio = toy_lowmem_reserve_ratio[i];
		bool clear = !ratio || !zone->nr_pages;
		unsigned long managed = 0;

		for (j = i + 1; j < TOY_NR_ZONES; j++) {
			managed += node->zones[j].nr_pages;
			WRITE_ONCE(zone->lowmem_reserve[j],
				   clear ? 0 : managed / ratio);
		}
	}
}

/**
 * toy_node_set_watermarks() - set every zone's watermarks and lowmem_reserve
 * @node: the node.
 * @cfg: min_free_kbytes (-1: calculate_min_free_kbytes() over the node's
 *	lowmem) and watermark_scale_factor (1 .. 3000).
 *
 * What writing vm.min_free_kbytes or vm.watermark_scale_factor does, for
 * one node; it also runs at init with the module's parameters.
 *
 * Context: Any context; takes each zone lock in turn.
 * Return: 0, or -EINVAL (and a line in the log) for a value out of the
 * range the kernel's sysctls take; nothing is changed then.
 */
int toy_node_set_watermarks(struct toy_node *node,
			    const struct toy_wmark_config *cfg)
{
	if (cfg->min_free_kbytes < -1 || cfg->watermark_scale_factor < 1 ||
	    cfg->watermark_scale_factor > 3000) {
		pr_err("node %d: min_free_kbytes=%d watermark_scale_factor=%u: min_free_kbytes is -1 (computed) or more, the scale factor 1 to 3000\n",
		       node->nid, cfg->min_free_kbytes,
		       cfg->watermark_scale_factor);
		return -EINVAL;
	}
	node->wmark = *cfg;
	node->min_free_kbytes = cfg->min_free_kbytes >= 0 ? cfg->min_free_kbytes :
		toy_calculate_min_free_kbytes(toy_node_lowmem_pages(node));
	setup_zone_wmarks(node);
	setup_zone_lowmem_reserve(node);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(toy_node_set_watermarks);

/*
 * __zone_watermark_unusable_free(): pages that count as free but that
 * this request may not have - the rest of a block too small for @order,
 * and the high-atomic reserve unless it may dip into reserves.
 */
static inline long zone_unusable_free(struct toy_zone *zone,
				      unsigned int order,
				      unsigned int alloc_flags)
{
	long unusable_free = (1 << order) - 1;

	if (likely(!(alloc_flags & TOY_ALLOC_RESERVES)))
		unusable_free += READ_ONCE(zone->nr_reserved_highatomic);
	return unusable_free;
}

/**
 * toy_zone_watermark_ok() - __zone_watermark_ok() of 6.1.192
 * @zone: the zone.
 * @order: the order requested.
 * @mark: the watermark to keep, in pages.
 * @highest_zoneidx: the highest zone the request may use: its
 *	lowmem_reserve[] entry is kept too.
 * @alloc_flags: %TOY_ALLOC_* of the attempt.
 * @free_pages: the zone's free pages.
 *
 * __GFP_HIGH (%TOY_ALLOC_MIN_RESERVE) may take half of @mark, and a
 * caller that cannot block (%TOY_ALLOC_NON_BLOCK) a quarter of the rest
 * on top. An order-0 request then needs only more free pages than the
 * mark and the reserve; a higher one also a free block of @order or more
 * on a list it may take from: an unmovable, movable or reclaimable one,
 * or the high-atomic one for a high-order atomic request.
 *
 * Context: Any context; reads without the zone lock, as the kernel does.
 * Return: true if the zone may serve the request.
 */
bool toy_zone_watermark_ok(struct toy_zone *zone, unsigned int order,
			   unsigned long mark, int highest_zoneidx,
			   unsigned int alloc_flags, long free_pages)
{
	long min = mark;
	unsigned int o;

	/* free_pages may go negative - that's OK */
	free_pages -= zone_unusable_free(zone, order, alloc_flags);
	if (unlikely(alloc_flags & TOY_ALLOC_RESERVES)) {
		if (alloc_flags & TOY_ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & TOY_ALLOC_NON_BLOCK)
				min -= min / 4;
		}
	}
	if (free_pages <= min + READ_ONCE(zone->lowmem_reserve[highest_zoneidx]))
		return false;
	if (!order)
		return true;
	for (o = order; o < TOY_MAX_ORDER; o++) {
		struct toy_free_area *area = &zone->free_area[o];
		int mt;

		if (!READ_ONCE(area->nr_free))
			continue;
		for (mt = 0; mt < TOY_MIGRATE_PCPTYPES; mt++)
			if (!toy_free_area_empty(area, mt))
				return true;
		if ((alloc_flags & TOY_ALLOC_HIGHATOMIC) &&
		    !toy_free_area_empty(area, TOY_MIGRATE_HIGHATOMIC))
			return true;
	}
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(toy_zone_watermark_ok);

/* zone_watermark_fast(): the order-0 check without the loop first. */
static __always_inline bool zone_watermark_fast(struct toy_zone *zone,
						unsigned int order,
						unsigned long mark,
						int highest_zoneidx,
						unsigned int alloc_flags)
{
	long free_pages = READ_ONCE(zone->free_pages);

	if (!order) {
		long usable_free = free_pages;
		long reserved = zone_unusable_free(zone, 0, alloc_flags);

		usable_free -= min(usable_free, reserved);
		if (usable_free > (long)mark +
		    READ_ONCE(zone->lowmem_reserve[highest_zoneidx]))
			return true;
	}
	if (toy_zone_watermark_ok(zone, order, mark, highest_zoneidx,
				  alloc_flags, free_pages))
		return true;
	/*
	 * An atomic order-0 request checking min ignores the boost, which is
	 * there to wake kswapd, not to fail it.
	 */
	if (unlikely(!order && (alloc_flags & TOY_ALLOC_MIN_RESERVE) &&
		     READ_ONCE(zone->watermark_boost) &&
		     (alloc_flags & TOY_ALLOC_WMARK_MASK) == TOY_WMARK_MIN))
		return toy_zone_watermark_ok(zone, order,
					     READ_ONCE(zone->watermark[TOY_WMARK_MIN]),
					     highest_zoneidx, alloc_flags,
					     free_pages);
	return false;
}

/**
 * toy_gfp_zone() - gfp_zone(): the highest zone a request may use
 * @gfp: its flags.
 *
 * Return: %TOY_ZONE_DMA, %TOY_ZONE_HIGHMEM or %TOY_ZONE_NORMAL.
 */
int toy_gfp_zone(toy_gfp_t gfp)
{
	if (gfp & __TOY_GFP_DMA)
		return TOY_ZONE_DMA;
	if (gfp & __TOY_GFP_HIGHMEM)
		return TOY_ZONE_HIGHMEM;
	return TOY_ZONE_NORMAL;
}
EXPORT_SYMBOL_IF_KUNIT(toy_gfp_zone);

/**
 * toy_gfp_to_alloc_flags() - gfp_to_alloc_flags() of 6.1.192
 * @gfp: the request's flags.
 * @order: its order.
 *
 * The slow path's flags: the min watermark; __GFP_HIGH's share of it;
 * more for a caller that cannot reclaim directly (GFP_ATOMIC has both),
 * and the high-atomic reserve for such a caller's high orders.
 *
 * Return: %TOY_ALLOC_* flags.
 */
unsigned int toy_gfp_to_alloc_flags(toy_gfp_t gfp, unsigned int order)
{
	unsigned int alloc_flags = TOY_ALLOC_WMARK_MIN;

	if (gfp & __TOY_GFP_HIGH)
		alloc_flags |= TOY_ALLOC_MIN_RESERVE;
	if (gfp & __TOY_GFP_KSWAPD_RECLAIM)
		alloc_flags |= TOY_ALLOC_KSWAPD;
	if (!(gfp & __TOY_GFP_DIRECT_RECLAIM)) {
		alloc_flags |= TOY_ALLOC_NON_BLOCK;
		if (order > 0 && (alloc_flags & TOY_ALLOC_MIN_RESERVE))
			alloc_flags |= TOY_ALLOC_HIGHATOMIC;
	}
	return alloc_flags;
}
EXPORT_SYMBOL_IF_KUNIT(toy_gfp_to_alloc_flags);

/* ==== The allocation entry point ==== */

/*
 * One zone's part of rmqueue(): its pcp lists for the orders they keep,
 * else the buddy.
 */
static struct toy_page *zone_rmqueue(struct toy_zone *zone, unsigned int order,
				     int mt, unsigned int alloc_flags)
{
	if (pcp_allowed_order(order) && READ_ONCE(zone->pcp_batch))
		return pcp_alloc(zone, order, mt, alloc_flags);
	return rmqueue(zone, order, mt, alloc_flags);
}

/*
 * get_page_from_freelist(): walk the zonelist from the highest zone the
 * request may use down to DMA, and take a block from the first zone that
 * keeps its watermark (and the lowmem_reserve of @highest_zoneidx) with
 * the block gone. A zone whose watermarks a fallback boosted wakes kswapd
 * (ZONE_BOOSTED_WATERMARK); a high-order atomic request reserves its
 * pageblock for more of its kind.
 */
static struct toy_page *get_page_from_freelist(struct toy_node *node,
					       unsigned int order,
					       unsigned int alloc_flags,
					       int highest_zoneidx, int mt)
{
	int z;

	for (z = highest_zoneidx; z >= 0; z--) {
		struct toy_zone *zone = &node->zones[z];
		struct toy_page *page;

		if (!zone->nr_pages)
			continue;
		if (!(alloc_flags & TOY_ALLOC_NO_WATERMARKS) &&
		    !zone_watermark_fast(zone, order,
					 toy_wmark_pages(zone, alloc_flags &
							 TOY_ALLOC_WMARK_MASK),
					 highest_zoneidx, alloc_flags))
			continue;
		page = zone_rmqueue(zone, order, mt, alloc_flags);
		if (!page)
			continue;
		if (unlikely(READ_ONCE(zone->boosted))) {
			WRITE_ONCE(zone->boosted, false);
			toy_wakeup_kswapd(node, 0, 0, z);
		}
		count_event(zone, TOY_ZS_ALLOC);
		this_cpu_add(zone->events->ev[TOY_ZS_PGALLOC], 1UL << order);
		if (highest_zoneidx == TOY_ZONE_HIGHMEM && z != TOY_ZONE_HIGHMEM &&
		    node->zones[TOY_ZONE_HIGHMEM].nr_pages)
			count_event(zone, TOY_ZS_FALLBACK);
		if (unlikely(alloc_flags & TOY_ALLOC_HIGHATOMIC))
			reserve_highatomic_pageblock(zone, page);
		return page;
	}
	return NULL;
}

/*
 * gfpflags_allow_blocking(): may this request reclaim by itself, and so
 * sleep? The caller says so with __GFP_DIRECT_RECLAIM, which
 * toy_node_alloc() checks against the context (might_sleep_if()).
 */
static bool can_direct_reclaim(toy_gfp_t gfp)
{
	return gfp & __TOY_GFP_DIRECT_RECLAIM;
}

/*
 * Bring back the pages sitting on the pcp lists of the zones a request
 * may use, every CPU's (drain_all_pages() of the direct reclaim path).
 * Return whether any were there.
 */
static bool drain_for_request(struct toy_node *node, int highest_zoneidx)
{
	bool any = false;
	int z;

	for (z = highest_zoneidx; z >= 0; z--) {
		struct toy_zone *zone = &node->zones[z];

		if (!zone->nr_pages || !toy_zone_pcp_pages(zone))
			continue;
		drain_zone(node, zone);
		any = true;
	}
	return any;
}

/*
 * __alloc_pages_direct_compact(): compact, then try the free lists again.
 * A try that compacted any zone counts as a compaction stall, and ends in
 * compact_success or compact_fail.
 */
static struct toy_page *alloc_direct_compact(struct toy_node *node,
					     unsigned int order,
					     unsigned int alloc_flags,
					     int highest_zoneidx, int mt,
					     enum toy_compact_priority prio)
{
	struct toy_page *page;

	if (toy_try_to_compact_pages(node, order, alloc_flags, highest_zoneidx,
				     prio, mt) == TOY_COMPACT_SKIPPED)
		return NULL;
	toy_node_count_event(node, TOY_VM_COMPACT_STALL, 1);
	page = get_page_from_freelist(node, order, alloc_flags, highest_zoneidx,
				      mt);
	if (page) {
		toy_compaction_defer_reset(toy_page_zone(node, page), order, true);
		toy_node_count_event(node, TOY_VM_COMPACT_SUCCESS, 1);
		return page;
	}
	toy_node_count_event(node, TOY_VM_COMPACT_FAIL, 1);
	cond_resched();
	return NULL;
}

/*
 * __alloc_pages_slowpath(), at toy scale: the zones all failed their low
 * watermark. Wake kswapd, and try again against min, with what the flags
 * allow below it; __GFP_MEMALLOC without any mark. A caller that may
 * reclaim then reclaims itself (toy_try_to_free_pages()), drains the
 * pcp lists once if that was not enough, and tries again for as long as
 * reclaim makes progress - what should_reclaim_retry() answers when
 * nothing reclaimable is left - at most TOY_MAX_RECLAIM_RETRIES times, and
 * once only for a costly order (above PAGE_ALLOC_COSTLY_ORDER). A
 * high-order request compacts too (toy_compaction.c): before reclaim,
 * async, if it is costly or unmovable, and after each reclaim, sync-light.
 * The toy has no OOM killer nor should_compact_retry()'s escalation to
 * full sync compaction: where the kernel would go on, the request fails.
 */
static noinline struct toy_page *alloc_slowpath(struct toy_node *node,
						toy_gfp_t gfp,
						unsigned int order,
						int highest_zoneidx, int mt)
{
	unsigned int alloc_flags = toy_gfp_to_alloc_flags(gfp, order);
	bool drained = false, costly = order > PAGE_ALLOC_COSTLY_ORDER;
	unsigned long progress;
	struct toy_page *page;
	int retries;

	if (alloc_flags & TOY_ALLOC_KSWAPD)
		toy_wakeup_kswapd(node, gfp, order, highest_zoneidx);
	page = get_page_from_freelist(node, order, alloc_flags, highest_zoneidx, mt);
	if (page)
		return page;
	if (gfp & __TOY_GFP_MEMALLOC) {
		alloc_flags = TOY_ALLOC_NO_WATERMARKS;
		page = get_page_from_freelist(node, order, alloc_flags,
					      highest_zoneidx, mt);
		if (page)
			return page;
	}
	if (!can_direct_reclaim(gfp))
		return NULL;
	/*
	 * A costly order, or an unmovable high one, compacts first: the
	 * pages may all be there, only scattered.
	 */
	if (order && (costly || mt != TOY_MIGRATE_MOVABLE) &&
	    !(gfp & __TOY_GFP_MEMALLOC)) {
		page = alloc_direct_compact(node, order, alloc_flags,
					    highest_zoneidx, mt,
					    TOY_COMPACT_PRIO_ASYNC);
		if (page)
			return page;
	}
	for (retries = 0; retries < TOY_MAX_RECLAIM_RETRIES; retries++) {
		progress = toy_try_to_free_pages(node, highest_zoneidx);
		page = get_page_from_freelist(node, order, alloc_flags,
					      highest_zoneidx, mt);
		if (!page && !drained) {
			/* __alloc_pages_direct_reclaim()'s second try */
			drained = true;
			if (unreserve_highatomic_pageblock(node, highest_zoneidx,
							   mt, false) |
			    drain_for_request(node, highest_zoneidx))
				page = get_page_from_freelist(node, order,
							      alloc_flags,
							      highest_zoneidx, mt);
		}
		if (!page && order)
			page = alloc_direct_compact(node, order, alloc_flags,
						    highest_zoneidx, mt,
						    TOY_COMPACT_PRIO_SYNC_LIGHT);
		if (page || costly)
			break;
		/* should_reclaim_retry(): the last reserve before giving up */
		if (!progress && !unreserve_highatomic_pageblock(node,
								 highest_zoneidx,
								 mt, true))
			break;
	}
	return page;
}

static void clear_block(struct toy_node *node, struct toy_page *page,
			unsigned int order)
{
	struct page *real = toy_node_real_page(node, page);
	unsigned long i;

	for (i = 0; i < (1UL << order); i++)
		clear_highpage(real + i);
}

/**
 * toy_node_alloc() - allocate a block of pages from a node
 * @node: the node.
 * @gfp: the zones (%TOY_GFP_KERNEL: Normal, then DMA; %TOY_GFP_HIGHUSER:
 *	HighMem, Normal, DMA; %TOY_GFP_DMA: DMA only), how far below the
 *	watermarks it may go (%TOY_GFP_ATOMIC, %__TOY_GFP_MEMALLOC), and
 *	%__TOY_GFP_ZERO, %__TOY_GFP_NOWARN.
 * @order: log2 of the number of pages, 0 .. %TOY_MAX_ORDER - 1.
 *
 * __alloc_pages(): the fast path tries each zone against its low
 * watermark, the slow path (alloc_slowpath()) against min.
 *
 * Context: Any context without %__TOY_GFP_DIRECT_RECLAIM (%TOY_GFP_ATOMIC,
 * %TOY_GFP_NOWAIT); may sleep with it (%TOY_GFP_KERNEL, %TOY_GFP_HIGHUSER),
 * as the kernel's. Takes and releases zone locks.
 * Return: the head page of the block, or NULL if no zone may give one or
 * @order is out of range.
 */
struct toy_page *toy_node_alloc(struct toy_node *node, toy_gfp_t gfp,
				unsigned int order)
{
	int highest_zoneidx = toy_gfp_zone(gfp), mt = toy_gfp_migratetype(gfp);
	unsigned int alloc_flags = TOY_ALLOC_WMARK_LOW;
	struct toy_page *page;

	might_sleep_if(can_direct_reclaim(gfp));
	if (order >= TOY_MAX_ORDER) {
		report_misuse(node, TOY_MISUSE_ORDER, 0, order);
		return NULL;
	}
	if (toy_should_fail(&toy_fail_page_alloc, PAGE_SIZE << order))
		goto fail;
	if (gfp & __TOY_GFP_KSWAPD_RECLAIM)
		alloc_flags |= TOY_ALLOC_KSWAPD;
	page = get_page_from_freelist(node, order, alloc_flags,
				      highest_zoneidx, mt);
	if (unlikely(!page))
		page = alloc_slowpath(node, gfp, order, highest_zoneidx, mt);
	if (!page) {
		count_event(&node->zones[TOY_ZONE_NORMAL], TOY_ZS_FAIL);
		goto fail;
	}
	if (mt == TOY_MIGRATE_MOVABLE)
		set_bit(TOY_PG_MOVABLE, &page->flags);
	if (gfp & __TOY_GFP_ZERO)
		clear_block(node, page, order);
	return page;

fail:
	if (!(gfp & __TOY_GFP_NOWARN))
		pr_warn_ratelimited("node %d: page allocation failure: order:%u, mode:%#x\n",
				    node->nid, order, (__force unsigned int)gfp);
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(toy_node_alloc);

/* ==== Freeing ==== */

/*
 * Find the block that contains the page at @pfn, which is not a block head:
 * the head of an enclosing block of order o sits at pfn rounded down to a
 * multiple of 2^o. Return its order in @order and the head, or NULL.
 */
static struct toy_page *enclosing_block(struct toy_node *node,
					unsigned long pfn, unsigned int *order)
{
	unsigned int o;

	for (o = 1; o < TOY_MAX_ORDER; o++) {
		struct toy_page *head = &node->pages[pfn & ~((1UL << o) - 1)];

		if ((toy_page_test(head, TOY_PG_HEAD) ||
		     toy_page_test(head, TOY_PG_BUDDY)) && head->order >= o) {
			*order = head->order;
			return head;
		}
	}
	return NULL;
}

/*
 * Classify a free that cannot be right, before anything is touched: the
 * misuse found, or TOY_NR_MISUSE for a good free. Called with the zone lock
 * held, so the flags it reads are stable.
 */
static enum toy_misuse check_free(struct toy_node *node, struct toy_page *page,
				  unsigned int order)
	__must_hold(&toy_page_zone(node, page)->lock)
{
	struct toy_page *head;
	unsigned int head_order;

	if (toy_page_test(page, TOY_PG_HEAD))
		return page->order == order ? TOY_NR_MISUSE : TOY_MISUSE_WRONG_ORDER;
	if (toy_page_test(page, TOY_PG_BUDDY) || toy_page_test(page, TOY_PG_PCP))
		return TOY_MISUSE_DOUBLE_FREE;
	head = enclosing_block(node, toy_node_pfn(node, page), &head_order);
	if (head && toy_page_test(head, TOY_PG_HEAD))
		return TOY_MISUSE_TAIL;
	return TOY_MISUSE_DOUBLE_FREE;
}

/*
 * buddy_merge_likely(): the block of @order at @pfn could not merge, but
 * the pair it belongs to has a free buddy one order up. When its own buddy
 * is freed, the pair merges twice at once: keep the block at the tail of
 * its list, so that allocations take other blocks first and the larger
 * block has a chance to form.
 */
static bool buddy_merge_likely(struct toy_node *node, unsigned long pfn,
			       unsigned int order)
{
	unsigned long higher_pfn = pfn & ~(1UL << order);
	struct toy_page *higher_buddy;

	if (order >= TOY_MAX_ORDER - 2)
		return false;
	higher_buddy = &node->pages[higher_pfn ^ (1UL << (order + 1))];
	return toy_page_test(higher_buddy, TOY_PG_BUDDY) &&
	       higher_buddy->order == order + 1;
}

/*
 * Merge the block of @order at @pfn with its buddies and put the result on
 * a free list (__free_one_page() in mm/page_alloc.c).
 *
 * Blocks of order o start at multiples of 2^o, so a block and its buddy
 * differ only in bit o of their pfn: the pair of order o+1 that holds both
 * starts at the pfn with bit o clear, and the other half has it set.
 * Flipping that bit gives the buddy:
 *
 *	buddy_pfn    = pfn ^ (1 << o)
 *	combined_pfn = pfn & ~(1 << o)	(== buddy_pfn & pfn)
 *
 * The buddy can be merged only if it is itself a free block of order o;
 * a free block of another order at that pfn, or an allocated one, stops
 * the merge. Zones are made of whole blocks of the largest order, so the
 * buddy of a page of a zone is always in that zone.
 */
static void merge_and_free(struct toy_node *node, struct toy_zone *zone,
			   unsigned long pfn, unsigned int order, int mt)
	__must_hold(&zone->lock)
{
	lockdep_assert_held(&zone->lock);
	while (order < TOY_MAX_ORDER - 1) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		struct toy_page *buddy = &node->pages[buddy_pfn];

		if (!toy_page_test(buddy, TOY_PG_BUDDY) || buddy->order != order)
			break;
		/*
		 * Pageblocks of a type that does not fall back (high-atomic,
		 * isolated) do not merge with the others'.
		 */
		if (order >= TOY_PAGEBLOCK_ORDER) {
			int buddy_mt = toy_pageblock_migratetype(node, buddy_pfn);

			if (mt != buddy_mt && (mt >= TOY_MIGRATE_PCPTYPES ||
					       buddy_mt >= TOY_MIGRATE_PCPTYPES))
				break;
		}
		del_from_free_list(zone, buddy, order);
		count_event(zone, TOY_ZS_MERGE);
		pfn &= buddy_pfn;
		order++;
	}
	add_to_free_list(zone, &node->pages[pfn], order, mt,
			 buddy_merge_likely(node, pfn, order));
}

/**
 * toy_node_free() - free a block of pages to a node
 * @node: the node the block came from.
 * @page: the head page of the block, as returned by toy_node_alloc().
 * @order: the order it was allocated with.
 *
 * A block already free, a page inside a block, a wrong order or an order
 * out of range is reported once per kind, counted in the node's misuse
 * counters, and ignored: the free lists stay as they were.
 *
 * Context: Any context; takes and releases a zone lock.
 */
void toy_node_free(struct toy_node *node, struct toy_page *page,
		   unsigned int order)
{
	struct toy_zone *zone;
	enum toy_misuse bad;
	unsigned long flags;
	unsigned long pfn;

	if (!page)
		return;
	if (page < node->pages || page >= node->pages + node->nr_pages) {
		report_misuse(node, TOY_MISUSE_FOREIGN, 0, order);
		return;
	}
	pfn = toy_node_pfn(node, page);
	if (order >= TOY_MAX_ORDER) {
		report_misuse(node, TOY_MISUSE_ORDER, pfn, order);
		return;
	}
	zone = toy_page_zone(node, page);
	if (toy_page_test(page, TOY_PG_MOVABLE))
		clear_bit(TOY_PG_MOVABLE, &page->flags);

	if (READ_ONCE(zone->pcp_batch) && pcp_free(node, zone, page, order)) {
		count_event(zone, TOY_ZS_FREE);
		this_cpu_add(zone->events->ev[TOY_ZS_PGFREE], 1UL << order);
		return;
	}

	spin_lock_irqsave(&zone->lock, flags);
	bad = check_free(node, page, order);
	if (bad == TOY_NR_MISUSE) {
		__clear_bit(TOY_PG_HEAD, &page->flags);
		zone->free_pages += 1UL << order;
		count_event(zone, TOY_ZS_FREE);
		this_cpu_add(zone->events->ev[TOY_ZS_PGFREE], 1UL << order);
		merge_and_free(node, zone, pfn, order,
			       toy_pageblock_migratetype(node, pfn));
	}
	spin_unlock_irqrestore(&zone->lock, flags);
	if (bad != TOY_NR_MISUSE)
		report_misuse(node, bad, pfn, order);
}
EXPORT_SYMBOL_IF_KUNIT(toy_node_free);

/* ==== Addresses ==== */

/**
 * toy_node_real_page() - the real page behind a toy page
 * @node: the node.
 * @page: a page of @node.
 *
 * Return: the real struct page that holds the toy page's data.
 */
struct page *toy_node_real_page(struct toy_node *node,
				const struct toy_page *page)
{
	unsigned long pfn = toy_node_pfn(node, page);

	return node->blocks[pfn >> TOY_BLOCK_ORDER] + (pfn & (TOY_BLOCK_PAGES - 1));
}
EXPORT_SYMBOL_IF_KUNIT(toy_node_real_page);

/**
 * toy_node_block_head() - the head of the allocated block holding a page
 * @node: the node.
 * @page: any page of an allocated block.
 *
 * Context: The caller owns the block, so its head cannot change under it.
 * Return: the head page, or NULL if @page is not in an allocated block.
 */
struct toy_page *toy_node_block_head(struct toy_node *node,
				     struct toy_page *page)
{
	unsigned int order;
	struct toy_page *head;

	if (toy_page_test(page, TOY_PG_HEAD))
		return page;
	head = enclosing_block(node, toy_node_pfn(node, page), &order);
	return head && toy_page_test(head, TOY_PG_HEAD) ? head : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(toy_node_block_head);

/* ==== The node: taking the region and giving it back ==== */

static void free_blocks(struct toy_node *node)
{
	unsigned int i;

	for (i = 0; i < node->nr_blocks; i++)
		__free_pages(node->blocks[i], TOY_BLOCK_ORDER);
	node->nr_blocks = 0;
}

/*
 * The block map: real pfn >> TOY_BLOCK_ORDER, less @block_base, indexes
 * @block_map, whose entry is 1 + the block's index in @blocks, 0 where
 * the real frames are not the toy's. It spans the real blocks from the
 * lowest to the highest, a u32 per 4 MiB of physical address space
 * between them (1 KiB for a 1 GiB guest), and never changes until the
 * node goes: toy_node_virt_to_page() reads it with no lock.
 */
static int map_blocks(struct toy_node *node)
{
	unsigned long lo = ULONG_MAX, hi = 0, idx;
	unsigned int i;

	for (i = 0; i < node->nr_blocks; i++) {
		idx = page_to_pfn(node->blocks[i]) >> TOY_BLOCK_ORDER;
		lo = min(lo, idx);
		hi = max(hi, idx);
	}
	node->block_base = lo;
	node->block_span = hi - lo + 1;
	node->block_map = kvcalloc(node->block_span, sizeof(*node->block_map),
				   GFP_KERNEL);
	if (!node->block_map) {
		node->block_span = 0;
		return -ENOMEM;
	}
	for (i = 0; i < node->nr_blocks; i++) {
		idx = page_to_pfn(node->blocks[i]) >> TOY_BLOCK_ORDER;
		node->block_map[idx - lo] = i + 1;
	}
	return 0;
}

static int take_blocks(struct toy_node *node, unsigned int nr)
{
	const gfp_t gfp = GFP_KERNEL | __GFP_NOWARN | __GFP_NORETRY;

	for (node->nr_blocks = 0; node->nr_blocks < nr; node->nr_blocks++) {
		struct page *block = NULL;

		if (!toy_should_fail(&toy_fail_page_alloc, PAGE_SIZE << TOY_BLOCK_ORDER))
			block = alloc_pages(gfp, TOY_BLOCK_ORDER);

		if (!block) {
			pr_err("node %d: the kernel gave only %u of %u blocks of %lu MiB\n",
			       node->nid, node->nr_blocks, nr, TOY_BLOCK_MB);
			return -ENOMEM;
		}
		node->blocks[node->nr_blocks] = block;
		/*
		 * A toy block's pages have the real block's alignment, so a
		 * block of the toy (a slab) is aligned to its size in the
		 * direct map as long as the real block is: object_start_fast()
		 * relies on it. True where the direct map starts on a 4 MiB
		 * boundary (x86, UML); refuse to run anywhere it does not.
		 */
		if (!IS_ALIGNED((unsigned long)page_address(block),
				PAGE_SIZE << TOY_BLOCK_ORDER)) {
			pr_err("node %d: a real block's address is not aligned to its %lu MiB\n",
			       node->nid, TOY_BLOCK_MB);
			node->nr_blocks++;
			return -EINVAL;
		}
	}
	return map_blocks(node);
}

static void init_zone(struct toy_node *node, enum toy_zone_type type,
		      unsigned long start_pfn, unsigned long nr_pages)
{
	struct toy_zone *zone = &node->zones[type];
	unsigned long pfn;
	unsigned int o, i;
	int cpu, mt;

	spin_lock_init(&zone->lock);
	for_each_possible_cpu(cpu) {
		struct toy_pcp *pcp = per_cpu_ptr(zone->pcp, cpu);

		spin_lock_init(&pcp->lock);
		for (i = 0; i < TOY_NR_PCP_LISTS; i++)
			INIT_LIST_HEAD(&pcp->lists[i]);
	}
	zone->node = node;
	zone->name = toy_zone_names[type];
	zone->start_pfn = start_pfn;
	zone->nr_pages = nr_pages;
	zone->free_pages = nr_pages;
	for (o = 0; o < TOY_MAX_ORDER; o++)
		for (mt = 0; mt < TOY_MIGRATE_TYPES; mt++)
			INIT_LIST_HEAD(&zone->free_area[o].free_list[mt]);
	for (pfn = start_pfn; pfn < start_pfn + nr_pages; pfn++)
		node->pages[pfn].zone = type;

	spin_lock_irq(&zone->lock);
	for (pfn = start_pfn; pfn < start_pfn + nr_pages; pfn += TOY_PAGEBLOCK_PAGES)
		set_pageblock_migratetype(zone, &node->pages[pfn],
					  TOY_MIGRATE_MOVABLE);
	/*
	 * At the tail, in pfn order, as memblock_free_all() frees boot memory
	 * (__free_pages_core() with FPI_TO_TAIL): the lowest pfns go first.
	 */
	for (pfn = start_pfn; pfn < start_pfn + nr_pages; pfn += TOY_BLOCK_PAGES)
		add_to_free_list(zone, &node->pages[pfn], TOY_BLOCK_ORDER,
				 TOY_MIGRATE_MOVABLE, true);
	spin_unlock_irq(&zone->lock);
}

/* Descriptors, block table and per-CPU parts: all or nothing. */
static int alloc_meta(struct toy_node *node)
{
	int z;

	node->blocks = kcalloc(node->nr_pages >> TOY_BLOCK_ORDER,
			       sizeof(*node->blocks), GFP_KERNEL);
	node->pages = vzalloc(array_size(node->nr_pages, sizeof(*node->pages)));
	node->pageblock_mt = kcalloc(node->nr_pages >> TOY_PAGEBLOCK_ORDER,
				     sizeof(*node->pageblock_mt), GFP_KERNEL);
	if (!node->blocks || !node->pages || !node->pageblock_mt)
		return -ENOMEM;
	for (z = 0; z < TOY_NR_ZONES; z++) {
		node->zones[z].pcp = alloc_percpu(struct toy_pcp);
		node->zones[z].events = alloc_percpu(struct toy_zone_events);
		if (!node->zones[z].pcp || !node->zones[z].events)
			return -ENOMEM;
	}
	return 0;
}

/* Undo alloc_meta(), however far it got. */
static void free_meta(struct toy_node *node)
{
	int z;

	for (z = 0; z < TOY_NR_ZONES; z++) {
		free_percpu(node->zones[z].pcp);
		free_percpu(node->zones[z].events);
		node->zones[z].pcp = NULL;
		node->zones[z].events = NULL;
	}
	kvfree(node->block_map);
	node->block_map = NULL;
	node->block_span = 0;
	vfree(node->pages);
	kfree(node->pageblock_mt);
	node->pageblock_mt = NULL;
	kfree(node->blocks);
	node->pages = NULL;
	node->blocks = NULL;
}

static int check_sizes(int nid, const struct toy_node_config *cfg)
{
	unsigned long mem_mb = cfg->mem_mb, highmem_mb = cfg->highmem_mb;
	unsigned long dma_mb = cfg->dma_mb;

	if (!mem_mb || mem_mb % TOY_BLOCK_MB || highmem_mb % TOY_BLOCK_MB ||
	    dma_mb % TOY_BLOCK_MB) {
		pr_err("node %d: mem_mb=%lu highmem_mb=%lu dma_mb=%lu: sizes must be multiples of %lu, mem_mb non-zero\n",
		       nid, mem_mb, highmem_mb, dma_mb, TOY_BLOCK_MB);
		return -EINVAL;
	}
	if (highmem_mb >= mem_mb || dma_mb >= mem_mb - highmem_mb) {
		pr_err("node %d: highmem_mb=%lu plus dma_mb=%lu must be below mem_mb=%lu: the Normal zone cannot be empty\n",
		       nid, highmem_mb, dma_mb, mem_mb);
		return -EINVAL;
	}
	if (mem_mb > (totalram_pages() >> (20 - PAGE_SHIFT))) {
		pr_err("node %d: mem_mb=%lu is more than the kernel's %lu MiB of RAM\n",
		       nid, mem_mb, totalram_pages() >> (20 - PAGE_SHIFT));
		return -ENOMEM;
	}
	return 0;
}

/**
 * toy_node_init_config() - take a region from the kernel and make a node of it
 * @node: the node to set up.
 * @nid: its id, as printed in buddyinfo.
 * @cfg: the sizes: the region, its HighMem top and DMA bottom, in MiB,
 *	each a multiple of 4, with room for a Normal zone between.
 *
 * The watermarks are set from the kernel's defaults (min_free_kbytes
 * computed over the node's lowmem, watermark_scale_factor 10); change
 * them with toy_node_set_watermarks().
 *
 * Context: Process context, may sleep.
 * Return: 0, -EINVAL for bad sizes, or -ENOMEM if the kernel cannot give
 * the region; a line in the log says why.
 */
int toy_node_init_config(struct toy_node *node, int nid,
			 const struct toy_node_config *cfg)
{
	static const struct toy_wmark_config defaults = {
		.min_free_kbytes = -1,
		.watermark_scale_factor = 10,
	};
	unsigned long dma_pages, high_pages;
	int err;

	memset(node, 0, sizeof(*node));
	node->nid = nid;
	toy_node_reclaim_init(node);
	toy_node_compaction_init(node);
	err = check_sizes(nid, cfg);
	if (err)
		return err;

	node->nr_pages = cfg->mem_mb << (20 - PAGE_SHIFT);
	mutex_init(&node->all_pcp_lock);
	err = alloc_meta(node);
	if (err)
		goto err_free_meta;
	err = take_blocks(node, node->nr_pages >> TOY_BLOCK_ORDER);
	if (err)
		goto err_free_blocks;

	dma_pages = cfg->dma_mb << (20 - PAGE_SHIFT);
	high_pages = cfg->highmem_mb << (20 - PAGE_SHIFT);
	init_zone(node, TOY_ZONE_DMA, 0, dma_pages);
	init_zone(node, TOY_ZONE_NORMAL, dma_pages,
		  node->nr_pages - dma_pages - high_pages);
	init_zone(node, TOY_ZONE_HIGHMEM, node->nr_pages - high_pages,
		  high_pages);
	toy_node_set_watermarks(node, &defaults);
	return 0;

err_free_blocks:
	free_blocks(node);
err_free_meta:
	free_meta(node);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(toy_node_init_config);

/**
 * toy_node_init() - toy_node_init_config() with no DMA zone
 * @node: the node to set up.
 * @nid: its id.
 * @mem_mb: size of the region in MiB, a multiple of 4.
 * @highmem_mb: how much of it forms the HighMem zone, a multiple of 4
 *	below @mem_mb; 0 for none.
 *
 * Context: Process context, may sleep.
 * Return: as toy_node_init_config().
 */
int toy_node_init(struct toy_node *node, int nid, unsigned long mem_mb,
		  unsigned long highmem_mb)
{
	const struct toy_node_config cfg = {
		.mem_mb = mem_mb,
		.highmem_mb = highmem_mb,
	};

	return toy_node_init_config(node, nid, &cfg);
}
EXPORT_SYMBOL_IF_KUNIT(toy_node_init);

/**
 * toy_node_allocated_pages() - pages of a node in use
 * @node: the node.
 *
 * Return: the number of pages allocated from @node right now; pages on
 * the pcp lists count as free.
 */
unsigned long toy_node_allocated_pages(struct toy_node *node)
{
	unsigned long free = 0;
	int z;

	for (z = 0; z < TOY_NR_ZONES; z++)
		free += READ_ONCE(node->zones[z].free_pages) +
			toy_zone_pcp_pages(&node->zones[z]);
	return node->nr_pages - free;
}
EXPORT_SYMBOL_IF_KUNIT(toy_node_allocated_pages);

/**
 * toy_node_destroy() - give a node's region back to the kernel
 * @node: the node; nothing may use it any more.
 *
 * Stops its kswapd first. Pages still allocated are reported, then freed
 * with the rest: the real kernel gets every page back whatever the toy's
 * users left behind.
 *
 * Context: Process context.
 */
void toy_node_destroy(struct toy_node *node)
{
	unsigned long live, cached;

	if (!node->pages)
		return;
	toy_kswapd_stop(node);
	cached = toy_node_reclaim_exit(node);
	if (cached)
		pr_warn("node %d: %lu page cache pages still on the LRU at teardown, dropped\n",
			node->nid, cached);
	toy_node_drain_pcp(node);
	live = toy_node_allocated_pages(node);
	if (live)
		pr_warn("node %d: %lu pages still allocated at teardown; returning the whole region anyway\n",
			node->nid, live);
	free_blocks(node);
	free_meta(node);
}
EXPORT_SYMBOL_IF_KUNIT(toy_node_destroy);

/* ==== Validation ==== */

/* Report one inconsistency; the caller counts it. */
#define validate_err(node, zone, fmt, ...)				\
	pr_err("validate: node %d zone %s: " fmt "\n", (node)->nid,	\
	       (zone)->name, ##__VA_ARGS__)

/*
 * Walk the zone block by block, as pagemap does: each step must land on
 * the head of a free or an allocated block, aligned to its order, whose
 * other pages carry neither flag. Count the free blocks per order.
 */
static unsigned long validate_blocks(struct toy_node *node,
				     struct toy_zone *zone,
				     unsigned long counted[TOY_MAX_ORDER],
				     unsigned long *free_pages,
				     unsigned long *pcp_pages)
	__must_hold(&zone->lock)
{
	unsigned long pfn = zone->start_pfn, end = pfn + zone->nr_pages;
	unsigned long errors = 0, i;

	while (pfn < end) {
		struct toy_page *page = &node->pages[pfn];
		bool free = toy_page_test(page, TOY_PG_BUDDY);
		bool pcp = toy_page_test(page, TOY_PG_PCP);
		unsigned long n;

		if (free + pcp + toy_page_test(page, TOY_PG_HEAD) != 1 ||
		    (pcp && !pcp_allowed_order(page->order)) ||
		    page->order >= TOY_MAX_ORDER ||
		    pfn % (1UL << page->order) ||
		    pfn + (1UL << page->order) > end) {
			validate_err(node, zone, "pfn %lu heads no valid block", pfn);
			errors++;
			pfn++;
			continue;
		}
		n = 1UL << page->order;
		for (i = 1; i < n; i++)
			if (toy_page_test(page + i, TOY_PG_BUDDY) ||
			    toy_page_test(page + i, TOY_PG_HEAD) ||
			    toy_page_test(page + i, TOY_PG_PCP)) {
				validate_err(node, zone, "pfn %lu inside the block at pfn %lu is marked as a head",
					     pfn + i, pfn);
				errors++;
			}
		for (i = 0; (free || pcp) && i < n; i++)
			if (page[i].head_off) {
				validate_err(node, zone, "pfn %lu of the free block at pfn %lu still points %u pages back to a slab",
					     pfn + i, pfn, page[i].head_off);
				errors++;
			}
		if (free) {
			counted[page->order]++;
			*free_pages += n;
		}
		*pcp_pages += pcp ? n : 0;
		pfn += n;
	}
	return errors;
}

/* Every page on a free list is a free head of the list's order. */
static unsigned long validate_lists(struct toy_node *node,
				    struct toy_zone *zone,
				    const unsigned long counted[TOY_MAX_ORDER])
	__must_hold(&zone->lock)
{
	unsigned long errors = 0, on_list, pfn, highatomic = 0;
	struct toy_page *page;
	unsigned int o;
	int mt;

	for (o = 0; o < TOY_MAX_ORDER; o++) {
		on_list = 0;
		for (mt = 0; mt < TOY_MIGRATE_TYPES; mt++)
			list_for_each_entry(page, &zone->free_area[o].free_list[mt], lru) {
				pfn = toy_node_pfn(node, page);
				on_list++;
				if (!toy_page_test(page, TOY_PG_BUDDY) ||
				    page->order != o || page->migratetype != mt ||
				    page->zone != zone - node->zones) {
					validate_err(node, zone, "pfn %lu on free list %u of %s is not a free block of that order and type",
						     pfn, o, toy_migratetype_names[mt]);
					errors++;
				}
			}
		if (on_list != zone->free_area[o].nr_free ||
		    on_list != counted[o]) {
			validate_err(node, zone, "order %u: %lu on the list, nr_free %lu, %lu free blocks found",
				     o, on_list, zone->free_area[o].nr_free,
				     counted[o]);
			errors++;
		}
	}
	/* Every pageblock has a type; the high-atomic ones are counted. */
	for (pfn = zone->start_pfn; pfn < zone->start_pfn + zone->nr_pages;
	     pfn += TOY_PAGEBLOCK_PAGES) {
		mt = toy_pageblock_migratetype(node, pfn);
		if (mt >= TOY_MIGRATE_TYPES) {
			validate_err(node, zone, "pageblock at pfn %lu has no migrate type (%d)",
				     pfn, mt);
			errors++;
		}
		highatomic += mt == TOY_MIGRATE_HIGHATOMIC ? TOY_PAGEBLOCK_PAGES : 0;
	}
	if (highatomic != zone->nr_reserved_highatomic) {
		validate_err(node, zone, "%lu pages in high-atomic pageblocks, nr_reserved_highatomic says %lu",
			     highatomic, zone->nr_reserved_highatomic);
		errors++;
	}
	return errors;
}

/*
 * Hold a zone still, pcp lists included, for drain, validate and pagemap.
 *
 * The zone is marked frozen: a pcp section that sees the mark (pcp_usable())
 * goes to the zone lock instead of its list, and synchronize_rcu() waits
 * for the sections that began before: a section runs with preemption off
 * (PREEMPT_RT: under a spinlock_t, which holds the RCU read lock), so none
 * that missed the mark is still running once it returns. From then on
 * every change to a pcp list is made under the zone lock, which the
 * freezer takes last and holds. No lock per CPU is taken, so the cost does
 * not grow with the CPUs (Debian's NR_CPUS is 8192), and any context may
 * keep allocating meanwhile. toy_slab.c freezes a cache's arrays the same
 * way.
 *
 * all_pcp_lock makes the freezer the only one; it is a mutex and the wait
 * is a grace period, so freezing is for process context.
 */
void toy_zone_freeze(struct toy_node *node, struct toy_zone *zone)
	__acquires(&zone->lock)
{
	mutex_lock(&node->all_pcp_lock);
	WRITE_ONCE(zone->frozen, true);
	/* No section ever enters an empty zone's lists: nothing to wait for. */
	if (zone->nr_pages)
		synchronize_rcu();
	spin_lock_irq(&zone->lock);
}

/* Undo toy_zone_freeze(). */
void toy_zone_thaw(struct toy_node *node, struct toy_zone *zone)
	__releases(&zone->lock)
{
	spin_unlock_irq(&zone->lock);
	/* Pairs with the acquire in pcp_usable(). */
	smp_store_release(&zone->frozen, false);
	mutex_unlock(&node->all_pcp_lock);
}

/*
 * Every block on a pcp list is a pcp block of the zone, of the list's
 * order and type (any type on the pageblock list); the counts agree.
 */
static unsigned long validate_pcp(struct toy_node *node, struct toy_zone *zone,
				  unsigned long pcp_pages)
	__must_hold(&zone->lock)
{
	unsigned long errors = 0, on_lists = 0;
	unsigned int pindex;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct toy_pcp *pcp = per_cpu_ptr(zone->pcp, cpu);
		struct toy_page *page;
		int n = 0;

		for (pindex = 0; pindex < TOY_NR_PCP_LISTS; pindex++)
			list_for_each_entry(page, &pcp->lists[pindex], lru) {
				n += 1 << page->order;
				if (!toy_page_test(page, TOY_PG_PCP) ||
				    page->order != pindex_to_order(pindex) ||
				    (pindex < TOY_NR_LOWORDER_PCP_LISTS &&
				     page->migratetype != pindex % TOY_MIGRATE_PCPTYPES) ||
				    page->zone != zone - node->zones) {
					validate_err(node, zone, "pfn %lu on pcp list %u of cpu %d is no pcp block of the zone, order and type",
						     toy_node_pfn(node, page),
						     pindex, cpu);
					errors++;
				}
			}
		if (n != pcp->count) {
			validate_err(node, zone, "cpu %d: %d pages on the pcp lists, count says %d",
				     cpu, n, pcp->count);
			errors++;
		}
		on_lists += n;
	}
	if (on_lists != pcp_pages) {
		validate_err(node, zone, "%lu pages on pcp lists, %lu flagged as such",
			     on_lists, pcp_pages);
		errors++;
	}
	return errors;
}

/*
 * Owned pages and the LRU: every owned page is the head of an allocated
 * block its owner's record points back at; the LRU holds exactly the
 * pages flagged as on it, each an owned page cache block not isolated,
 * and every page cache block not isolated is on it; the counts agree,
 * per zone and in all. The flags change only under the LRU lock, which
 * this holds throughout.
 */
static unsigned long validate_lru(struct toy_node *node)
{
	unsigned long on_list = 0, flagged = 0, per_zone[TOY_NR_ZONES] = { };
	unsigned long errors = 0, flags, pfn;
	struct toy_page *page;
	int z;

	spin_lock_irqsave(&node->lru_lock, flags);
	list_for_each_entry(page, &node->lru, lru) {
		if (!toy_page_test(page, TOY_PG_LRU) ||
		    !toy_page_test(page, TOY_PG_OWNED) ||
		    toy_page_test(page, TOY_PG_ISOLATED) || !page->owner->lru) {
			pr_err("validate: node %d: pfn %lu on the LRU is no page cache block of its owner\n",
			       node->nid, toy_node_pfn(node, page));
			errors++;
		}
		on_list += 1UL << page->order;
		per_zone[page->zone] += 1UL << page->order;
	}
	for (pfn = 0; pfn < node->nr_pages; pfn++) {
		page = &node->pages[pfn];
		if (toy_page_test(page, TOY_PG_LRU))
			flagged += 1UL << page->order;
		if (!toy_page_test(page, TOY_PG_OWNED))
			continue;
		if (!toy_page_test(page, TOY_PG_HEAD) || page->owner->page != page ||
		    page->owner->order != page->order ||
		    (page->owner->lru && !toy_page_test(page, TOY_PG_LRU) &&
		     !toy_page_test(page, TOY_PG_ISOLATED))) {
			pr_err("validate: node %d: owned pfn %lu is not the block its owner's record names, or a page cache block off the LRU\n",
			       node->nid, pfn);
			errors++;
		}
	}
	if (on_list != node->nr_lru_pages || flagged != on_list) {
		pr_err("validate: node %d: %lu pages on the LRU, %lu counted, %lu flagged\n",
		       node->nid, on_list, node->nr_lru_pages, flagged);
		errors++;
	}
	for (z = 0; z < TOY_NR_ZONES; z++)
		if (per_zone[z] != node->zones[z].nr_inactive_file) {
			pr_err("validate: node %d zone %s: %lu LRU pages, nr_zone_inactive_file says %lu\n",
			       node->nid, node->zones[z].name, per_zone[z],
			       node->zones[z].nr_inactive_file);
			errors++;
		}
	spin_unlock_irqrestore(&node->lru_lock, flags);
	return errors;
}

static unsigned long validate_zone(struct toy_node *node, struct toy_zone *zone)
	__must_hold(&zone->lock)
{
	unsigned long counted[TOY_MAX_ORDER] = { };
	unsigned long free_pages = 0, pcp_pages = 0, errors;

	errors = validate_blocks(node, zone, counted, &free_pages, &pcp_pages);
	errors += validate_lists(node, zone, counted);
	errors += validate_pcp(node, zone, pcp_pages);
	if (free_pages != zone->free_pages) {
		validate_err(node, zone, "%lu pages in free blocks, free_pages says %lu",
			     free_pages, zone->free_pages);
		errors++;
	}
	return errors;
}

/**
 * toy_node_validate() - check a node's free lists against its pages
 * @node: the node.
 *
 * Checks that each zone's pages are partitioned into aligned free blocks,
 * allocated blocks and pcp pages, that the free lists hold exactly the
 * free blocks with their orders, that the pcp lists hold exactly the pcp
 * pages, and that every count agrees. Each inconsistency is printed once.
 *
 * Context: Process context; freezes one zone at a time.
 * Return: the number of inconsistencies found.
 */
unsigned long toy_node_validate(struct toy_node *node)
{
	unsigned long errors = 0;
	int z;

	for (z = 0; z < TOY_NR_ZONES; z++) {
		struct toy_zone *zone = &node->zones[z];

		toy_zone_freeze(node, zone);
		errors += validate_zone(node, zone);
		toy_zone_thaw(node, zone);
	}
	return errors + validate_lru(node);
}
EXPORT_SYMBOL_IF_KUNIT(toy_node_validate);

/* ==== The public API, on the module's node ==== */

/**
 * toy_alloc_pages() - allocate 2^@order contiguous pages from the toy
 * @gfp: the zones: %TOY_GFP_KERNEL Normal, then DMA; %TOY_GFP_HIGHUSER
 *	HighMem, Normal, DMA; %TOY_GFP_DMA DMA only. How far below the
 *	watermarks: %TOY_GFP_ATOMIC further than the others. %__TOY_GFP_ZERO,
 *	%__TOY_GFP_NOWARN may be or-ed.
 * @order: 0 .. %TOY_MAX_ORDER - 1.
 *
 * Context: Any context with %TOY_GFP_ATOMIC or %TOY_GFP_NOWAIT; process
 * context with %TOY_GFP_KERNEL or %TOY_GFP_HIGHUSER, which may sleep.
 * Return: the head page of the block, or NULL.
 */
struct toy_page *toy_alloc_pages(toy_gfp_t gfp, unsigned int order)
{
	return toy_node_alloc(&toy_node0, gfp, order);
}
EXPORT_SYMBOL_GPL(toy_alloc_pages);

/**
 * toy_free_pages() - free pages from toy_alloc_pages()
 * @page: the head page; NULL is ignored.
 * @order: the order it was allocated with.
 *
 * Context: Any context.
 */
void toy_free_pages(struct toy_page *page, unsigned int order)
{
	toy_node_free(&toy_node0, page, order);
}
EXPORT_SYMBOL_GPL(toy_free_pages);

/**
 * toy_page_to_pfn() - the toy pfn of a page
 * @page: a page of the toy.
 *
 * Return: its pfn, 0 .. region pages - 1.
 */
unsigned long toy_page_to_pfn(const struct toy_page *page)
{
	return toy_node_pfn(&toy_node0, page);
}
EXPORT_SYMBOL_GPL(toy_page_to_pfn);

/**
 * toy_pfn_to_page() - the page of a toy pfn
 * @pfn: a toy pfn.
 *
 * Return: the page, or NULL if @pfn is outside the region.
 */
struct toy_page *toy_pfn_to_page(unsigned long pfn)
{
	if (pfn >= toy_node0.nr_pages)
		return NULL;
	return &toy_node0.pages[pfn];
}
EXPORT_SYMBOL_GPL(toy_pfn_to_page);

/**
 * toy_page_is_highmem() - is a toy page in the HighMem zone
 * @page: a page of the toy.
 *
 * As PageHighMem(): whether the page is mapped right now does not matter.
 *
 * Return: true for a HighMem page.
 */
bool toy_page_is_highmem(const struct toy_page *page)
{
	return page->zone == TOY_ZONE_HIGHMEM;
}
EXPORT_SYMBOL_GPL(toy_page_is_highmem);
