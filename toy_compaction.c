// SPDX-License-Identifier: GPL-2.0
/*
 * Movable pages and compaction, as mm/migrate.c and mm/compaction.c of
 * 6.1 do them, at toy scale.
 *
 * A page can move only if whoever holds it can be told where it went.
 * The kernel finds a page's users through its mapping and rmap; the
 * toy's have a record instead (struct toy_page_ref): an owner that
 * allocates through toy_movable_page_add() or toy_cache_page_add() gets
 * the block's head in @ref->page, and compaction rewrites it when it
 * moves the page. Who needs the page to stay put for a while - a
 * mapping, a copy - pins it (toy_page_ref_pin()), as a raised page count
 * makes migrate_pages() give up on a page. Every record, and the owner
 * field and flags of the pages they own, change under the node's
 * lru_lock, which the page cache's LRU already has.
 *
 * Compaction runs two scanners over a zone (compact_zone()): the migrate
 * scanner from the zone's start, a pageblock at a time, isolates owned
 * order-0 pages (isolate_migratepages_block()); the free scanner from
 * the zone's end, down, takes free blocks of movable pageblocks and
 * splits them into order-0 targets (isolate_freepages_block()). Each
 * isolated page is copied to a target, its owner's record pointed at
 * the copy, the old page freed: the free pages gather at the start, the
 * used ones at the end. It stops when the scanners meet (COMPACT_COMPLETE)
 * or, for a request, when a pageblock boundary finds a block of the
 * order free (COMPACT_SUCCESS). As the kernel's compaction skips
 * compound pages, the toy moves order-0 pages only.
 *
 * Whether to try at all is compaction_suitable(): not if the order is
 * there already, not if order-0 pages are too few to copy into (the
 * min or low watermark plus twice the request: compact_gap()), and for
 * costly orders not if the fragmentation index says the failure is for
 * lack of memory rather than fragmentation (at most extfrag_threshold).
 * A zone where a sync compaction failed is skipped for the next 1, then
 * 3, 7 .. 63 tries (defer_compaction()).
 *
 * Three callers: the slow path of a high-order request that may reclaim
 * (direct compaction, async first, then sync-light after reclaim:
 * toy_try_to_compact_pages()); the node's kcompactd, which kswapd wakes
 * when it goes to sleep (toy_wakeup_kcompactd()); and debugfs
 * compact_memory, which compacts every zone whole. The toy has no
 * proactive compaction and keeps no cached scanner positions nor skip
 * bits: every run scans the zone from both ends.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/freezer.h>
#include <linux/highmem.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <kunit/visibility.h>

#include "toy_internal.h"

/* COMPACT_CLUSTER_MAX: pages isolated, then migrated, at a time. */
#define TOY_COMPACT_CLUSTER_MAX		32
/* COMPACT_MAX_DEFER_SHIFT: compaction is skipped at most 64 times. */
#define TOY_COMPACT_MAX_DEFER_SHIFT	6

/* ==== Owners' records ==== */

static int ref_add(struct toy_node *node, struct toy_page_ref *ref,
		   toy_gfp_t gfp, unsigned int order, bool lru)
{
	struct toy_page *page;
	unsigned long flags;

	page = toy_node_alloc(node, gfp | __TOY_GFP_MOVABLE, order);
	if (!page)
		return -ENOMEM;
	spin_lock_irqsave(&node->lru_lock, flags);
	ref->page = page;
	ref->order = order;
	ref->pins = 0;
	ref->lru = lru;
	page->owner = ref;
	__set_bit(TOY_PG_OWNED, &page->flags);
	if (lru)
		toy_lru_add(node, page);
	spin_unlock_irqrestore(&node->lru_lock, flags);
	return 0;
}

/**
 * toy_movable_page_add() - allocate a movable block that compaction may move
 * @node: the node.
 * @ref: the owner's record; gets the page, which compaction may move at
 *	any time after this returns, changing @ref->page.
 * @gfp: as for toy_node_alloc(); __TOY_GFP_MOVABLE is added.
 * @order: as for toy_node_alloc(); only order-0 pages are ever moved.
 *
 * Context: as toy_node_alloc() for @gfp.
 * Return: 0, or -ENOMEM.
 */
int toy_movable_page_add(struct toy_node *node, struct toy_page_ref *ref,
			 toy_gfp_t gfp, unsigned int order)
{
	return ref_add(node, ref, gfp, order, false);
}
EXPORT_SYMBOL_IF_KUNIT(toy_movable_page_add);

/**
 * toy_cache_page_add() - allocate a clean, droppable "page cache" block
 * @node: the node.
 * @ref: the owner's record; gets the page, which reclaim may take at any
 *	time after this returns, setting @ref->page to NULL, and compaction
 *	may move.
 * @gfp: as for toy_node_alloc(); __TOY_GFP_MOVABLE is added.
 * @order: as for toy_node_alloc().
 *
 * The block goes to the head of the node's LRU list.
 *
 * Context: as toy_node_alloc() for @gfp.
 * Return: 0, or -ENOMEM.
 */
int toy_cache_page_add(struct toy_node *node, struct toy_page_ref *ref,
		       toy_gfp_t gfp, unsigned int order)
{
	return ref_add(node, ref, gfp, order, true);
}
EXPORT_SYMBOL_IF_KUNIT(toy_cache_page_add);

/**
 * toy_page_ref_put() - the owner lets go of its block
 * @node: the node.
 * @ref: the owner's record, unpinned; free to reuse once this returns.
 *
 * A page compaction holds isolated at the time is freed by compaction
 * when it comes to it, as the last put_page() of a page being migrated.
 *
 * Context: Any context.
 * Return: true if the block was still there, false if reclaim had taken it.
 */
bool toy_page_ref_put(struct toy_node *node, struct toy_page_ref *ref)
{
	struct toy_page *page, *to_free = NULL;
	unsigned long flags;

	spin_lock_irqsave(&node->lru_lock, flags);
	WARN_ON_ONCE(ref->pins);
	page = ref->page;
	if (page) {
		if (toy_page_test(page, TOY_PG_LRU))
			toy_lru_del(node, page);
		toy_page_disown(page);
		if (!toy_page_test(page, TOY_PG_ISOLATED))
			to_free = page;
	}
	spin_unlock_irqrestore(&node->lru_lock, flags);
	if (to_free)
		toy_node_free(node, to_free, ref->order);
	return page;
}
EXPORT_SYMBOL_IF_KUNIT(toy_page_ref_put);

/**
 * toy_page_ref_pfn() - where an owner's block is now
 * @node: the node.
 * @ref: the owner's record.
 *
 * Context: Any context; unless the block is pinned, the answer may
 * change as soon as it is given.
 * Return: the toy pfn of the block, or -1 if reclaim took it.
 */
long toy_page_ref_pfn(struct toy_node *node, struct toy_page_ref *ref)
{
	unsigned long flags;
	long pfn = -1;

	spin_lock_irqsave(&node->lru_lock, flags);
	if (ref->page)
		pfn = toy_node_pfn(node, ref->page);
	spin_unlock_irqrestore(&node->lru_lock, flags);
	return pfn;
}
EXPORT_SYMBOL_IF_KUNIT(toy_page_ref_pfn);

/**
 * toy_page_ref_pin() - keep an owner's block where it is, and get it
 * @node: the node.
 * @ref: the owner's record.
 *
 * Until toy_page_ref_unpin(), compaction does not move the block and
 * reclaim does not take it: the page returned stays the block's.
 *
 * Context: Any context.
 * Return: the block's head, or NULL (nothing pinned) if reclaim took it.
 */
struct toy_page *toy_page_ref_pin(struct toy_node *node,
				  struct toy_page_ref *ref)
{
	struct toy_page *page;
	unsigned long flags;

	spin_lock_irqsave(&node->lru_lock, flags);
	page = ref->page;
	if (page)
		ref->pins++;
	spin_unlock_irqrestore(&node->lru_lock, flags);
	return page;
}
EXPORT_SYMBOL_IF_KUNIT(toy_page_ref_pin);

/**
 * toy_page_ref_unpin() - undo a toy_page_ref_pin() that returned a page
 * @node: the node.
 * @ref: the owner's record.
 *
 * Context: Any context.
 */
void toy_page_ref_unpin(struct toy_node *node, struct toy_page_ref *ref)
{
	unsigned long flags;

	spin_lock_irqsave(&node->lru_lock, flags);
	if (!WARN_ON_ONCE(!ref->pins))
		ref->pins--;
	spin_unlock_irqrestore(&node->lru_lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(toy_page_ref_unpin);

/* ==== Migration (mm/migrate.c) ==== */

/* enum migrate_mode: how hard compaction tries. */
enum toy_migrate_mode {
	TOY_MODE_ASYNC,		/* direct compaction's first try */
	TOY_MODE_SYNC_LIGHT,	/* after reclaim, and kcompactd */
	TOY_MODE_SYNC,		/* compact_memory */
};

/* struct compact_control: one run over one zone. */
struct toy_compact_control {
	struct toy_node *node;
	struct toy_zone *zone;
	struct list_head freepages;	/* isolated targets, order 0 */
	struct list_head migratepages;	/* isolated pages to move */
	unsigned long nr_freepages;
	unsigned long nr_migratepages;
	unsigned long migrate_pfn;	/* the migrate scanner's next pfn */
	unsigned long free_pfn;		/* the free scanner's */
	unsigned long total_migrate_scanned;
	unsigned long total_free_scanned;
	int order;			/* TOY_COMPACT_ALL: compact_memory */
	int migratetype;		/* of the request */
	int highest_zoneidx;
	unsigned int alloc_flags;
	enum toy_migrate_mode mode;
	bool direct_compaction;		/* for a request, not a daemon */
	bool ignore_block_suitable;	/* any pageblock may give targets */
};

/*
 * isolate_lru_page() and isolate_movable_page(): take an owned, unpinned
 * order-0 page for migration, off the LRU if it is on it.
 */
static bool isolate_owned_page(struct toy_node *node, struct toy_page *page)
	__must_hold(&node->lru_lock)
{
	if (!toy_page_test(page, TOY_PG_OWNED) ||
	    toy_page_test(page, TOY_PG_ISOLATED) || page->order ||
	    page->owner->pins)
		return false;
	if (toy_page_test(page, TOY_PG_LRU))
		toy_lru_del(node, page);
	__set_bit(TOY_PG_ISOLATED, &page->flags);
	return true;
}

/*
 * End an isolation that did not move the page: back to the LRU if it
 * was a cache page; return whether its owner let go meanwhile, for the
 * caller to free it.
 */
static bool putback_page(struct toy_node *node, struct toy_page *page)
	__must_hold(&node->lru_lock)
{
	__clear_bit(TOY_PG_ISOLATED, &page->flags);
	if (!toy_page_test(page, TOY_PG_OWNED))
		return true;
	if (page->owner->lru)
		toy_lru_add(node, page);
	return false;
}

/* putback_movable_pages(): every page still on cc->migratepages. */
static void putback_movable_pages(struct toy_compact_control *cc)
{
	struct toy_node *node = cc->node;
	struct toy_page *page, *next;
	unsigned long flags;
	LIST_HEAD(orphans);

	spin_lock_irqsave(&node->lru_lock, flags);
	list_for_each_entry_safe(page, next, &cc->migratepages, lru) {
		list_del(&page->lru);
		if (putback_page(node, page))
			list_add(&page->lru, &orphans);
	}
	spin_unlock_irqrestore(&node->lru_lock, flags);
	cc->nr_migratepages = 0;
	list_for_each_entry_safe(page, next, &orphans, lru) {
		list_del(&page->lru);
		toy_node_free(node, page, 0);
	}
}

static void isolate_freepages(struct toy_compact_control *cc);

/* compaction_alloc(): a target page, isolating more when none is left. */
static struct toy_page *compaction_alloc(struct toy_compact_control *cc)
{
	struct toy_page *page;

	if (list_empty(&cc->freepages))
		isolate_freepages(cc);
	page = list_first_entry_or_null(&cc->freepages, struct toy_page, lru);
	if (page) {
		list_del(&page->lru);
		cc->nr_freepages--;
	}
	return page;
}

/* compaction_free(): a target not used goes back to the list. */
static void compaction_free(struct toy_compact_control *cc,
			    struct toy_page *page)
{
	list_add(&page->lru, &cc->freepages);
	cc->nr_freepages++;
}

/*
 * Move one isolated page to @dst: copy the data, point the owner's record
 * at the copy, and hand the copy the old page's place on the LRU. Under
 * the LRU lock, so no owner reads the record nor pins the page halfway;
 * a page pinned since it was isolated stays (-EAGAIN). A page whose
 * owner let go meanwhile needs no copy. Return 0 when @src is done with
 * (moved or orphaned: the caller frees it), -EAGAIN when it stays.
 */
static int migrate_page(struct toy_node *node, struct toy_page *src,
			struct toy_page *dst, bool *dst_used)
{
	struct toy_page_ref *ref;
	unsigned long flags;
	int ret = 0;

	*dst_used = false;
	spin_lock_irqsave(&node->lru_lock, flags);
	if (!toy_page_test(src, TOY_PG_OWNED)) {
		__clear_bit(TOY_PG_ISOLATED, &src->flags);
		goto out;
	}
	ref = src->owner;
	if (ref->pins) {
		putback_page(node, src);
		ret = -EAGAIN;
		goto out;
	}
	copy_highpage(toy_node_real_page(node, dst), toy_node_real_page(node, src));
	set_bit(TOY_PG_MOVABLE, &dst->flags);
	dst->owner = ref;
	__set_bit(TOY_PG_OWNED, &dst->flags);
	ref->page = dst;
	if (ref->lru)
		toy_lru_add(node, dst);
	__clear_bit(TOY_PG_OWNED, &src->flags);
	__clear_bit(TOY_PG_ISOLATED, &src->flags);
	src->owner = NULL;
	*dst_used = true;
out:
	spin_unlock_irqrestore(&node->lru_lock, flags);
	return ret;
}

/*
 * migrate_pages() with compaction_alloc(): each isolated page to a
 * target. Return 0, the pages that stayed (pinned), or -ENOMEM when the
 * targets ran out; what is left on cc->migratepages is for the caller
 * to put back.
 */
static int migrate_pages(struct toy_compact_control *cc)
{
	struct toy_node *node = cc->node;
	unsigned long moved = 0, failed = 0;
	struct toy_page *src, *dst;
	bool dst_used;
	int ret = 0;

	while ((src = list_first_entry_or_null(&cc->migratepages,
					       struct toy_page, lru))) {
		dst = compaction_alloc(cc);
		if (!dst) {
			ret = -ENOMEM;
			break;
		}
		list_del(&src->lru);
		cc->nr_migratepages--;
		if (migrate_page(node, src, dst, &dst_used)) {
			failed++;
		} else {
			moved++;
			toy_node_free(node, src, 0);
		}
		if (!dst_used)
			compaction_free(cc, dst);
	}
	toy_node_count_event(node, TOY_VM_PGMIGRATE_SUCCESS, moved);
	toy_node_count_event(node, TOY_VM_PGMIGRATE_FAIL, failed);
	return ret ? ret : failed;
}

/* ==== The scanners (mm/compaction.c) ==== */

static inline unsigned long pageblock_start(unsigned long pfn)
{
	return round_down(pfn, TOY_PAGEBLOCK_PAGES);
}

/* block_start_pfn() and block_end_pfn(): the aligned 2^order around @pfn. */
static inline unsigned long order_block_start(unsigned long pfn, int order)
{
	return round_down(pfn, 1UL << order);
}

static inline unsigned long order_block_end(unsigned long pfn, int order)
{
	return ALIGN(pfn + 1, 1UL << order);
}

static inline unsigned long zone_end(const struct toy_zone *zone)
{
	return zone->start_pfn + zone->nr_pages;
}

/* is_migrate_movable(): movable, or CMA where the kernel has it. */
static inline bool toy_is_migrate_movable(int mt)
{
#ifdef CONFIG_CMA
	if (mt == TOY_MIGRATE_CMA)
		return true;
#endif
	return mt == TOY_MIGRATE_MOVABLE;
}

/*
 * suitable_migration_source(): async direct compaction moves pages only
 * out of pageblocks of the request's kind; every other run, any.
 */
static bool suitable_migration_source(struct toy_compact_control *cc,
				      unsigned long pfn)
{
	int block_mt;

	if (cc->mode != TOY_MODE_ASYNC || !cc->direct_compaction)
		return true;
	block_mt = toy_pageblock_migratetype(cc->node, pfn);
	if (cc->migratetype == TOY_MIGRATE_MOVABLE)
		return toy_is_migrate_movable(block_mt);
	return block_mt == cc->migratetype;
}

/*
 * suitable_migration_target(): targets come from movable pageblocks, and
 * never from one that is free whole already.
 */
static bool suitable_migration_target(struct toy_compact_control *cc,
				      unsigned long pfn)
{
	struct toy_page *page = &cc->node->pages[pfn];

	if (toy_page_test(page, TOY_PG_BUDDY) &&
	    READ_ONCE(page->order) >= TOY_PAGEBLOCK_ORDER)
		return false;
	if (cc->ignore_block_suitable)
		return true;
	return toy_is_migrate_movable(toy_pageblock_migratetype(cc->node, pfn));
}

/*
 * isolate_migratepages_block(): isolate owned pages of [@low_pfn, @end_pfn)
 * until COMPACT_CLUSTER_MAX are; cc->migrate_pfn gets where it stopped.
 * Async direct compaction gives up on an order-aligned piece with a page
 * it cannot isolate - that piece cannot become free - and puts back what
 * it took from it.
 */
static void isolate_migratepages_block(struct toy_compact_control *cc,
				       unsigned long low_pfn,
				       unsigned long end_pfn)
{
	bool skip_on_failure = cc->direct_compaction && cc->mode == TOY_MODE_ASYNC;
	unsigned long nr_scanned = 0, nr_isolated = 0, next_skip_pfn = 0;
	struct toy_node *node = cc->node;
	unsigned long flags;

	if (skip_on_failure)
		next_skip_pfn = order_block_end(low_pfn, cc->order);
	for (; low_pfn < end_pfn; low_pfn++) {
		struct toy_page *page = &node->pages[low_pfn];
		bool taken;

		if (skip_on_failure && low_pfn >= next_skip_pfn) {
			if (nr_isolated)
				break;
			next_skip_pfn = order_block_end(low_pfn, cc->order);
		}
		nr_scanned++;
		/*
		 * Free: step over the block. Pages moved out are freed straight
		 * to the free lists where the pcp lists are off, and merge with
		 * the free pages after them, so the scanner may resume inside
		 * a free block, not only at its head.
		 */
		if (!toy_page_test(page, TOY_PG_HEAD)) {
			unsigned long free_end = toy_free_block_end(node, low_pfn);

			if (free_end > low_pfn) {
				nr_scanned += free_end - low_pfn - 1;
				low_pfn = free_end - 1;
				continue;
			}
		}
		spin_lock_irqsave(&node->lru_lock, flags);
		taken = isolate_owned_page(node, page);
		spin_unlock_irqrestore(&node->lru_lock, flags);
		if (taken) {
			list_add_tail(&page->lru, &cc->migratepages);
			cc->nr_migratepages++;
			nr_isolated++;
			if (cc->nr_migratepages >= TOY_COMPACT_CLUSTER_MAX) {
				++low_pfn;
				break;
			}
			continue;
		}
		if (!skip_on_failure)
			continue;
		if (nr_isolated) {
			putback_movable_pages(cc);
			nr_isolated = 0;
		}
		if (low_pfn < next_skip_pfn) {
			low_pfn = next_skip_pfn - 1;
			next_skip_pfn += 1UL << cc->order;
		}
	}
	cc->migrate_pfn = min(low_pfn, end_pfn);
	cc->total_migrate_scanned += nr_scanned;
	toy_node_count_event(node, TOY_VM_COMPACT_ISOLATED, nr_isolated);
	cond_resched();
}

/* isolate_migratepages(): the next pageblock with pages to move. */
static bool isolate_migratepages(struct toy_compact_control *cc)
{
	unsigned long block_start = max(pageblock_start(cc->migrate_pfn),
					cc->zone->start_pfn);
	unsigned long block_end = block_start + TOY_PAGEBLOCK_PAGES;

	for (; block_end <= cc->free_pfn; block_start = block_end,
	     block_end += TOY_PAGEBLOCK_PAGES, cc->migrate_pfn = block_start) {
		if (!suitable_migration_source(cc, block_start))
			continue;
		isolate_migratepages_block(cc, cc->migrate_pfn, block_end);
		break;
	}
	return cc->nr_migratepages;
}

/*
 * isolate_freepages(): targets from the pageblocks below cc->free_pfn,
 * going down, as many as there are pages to move, never into the migrate
 * scanner's pageblock.
 */
static void isolate_freepages(struct toy_compact_control *cc)
{
	unsigned long isolate_start = cc->free_pfn, isolated;
	unsigned long block_start = pageblock_start(cc->free_pfn);
	unsigned long block_end = min(block_start + TOY_PAGEBLOCK_PAGES,
				      zone_end(cc->zone));
	unsigned long low_pfn = ALIGN(cc->migrate_pfn + 1, TOY_PAGEBLOCK_PAGES);

	for (; block_start >= low_pfn;
	     block_end = block_start, block_start -= TOY_PAGEBLOCK_PAGES,
	     isolate_start = block_start) {
		if (!suitable_migration_target(cc, block_start))
			continue;
		isolated = toy_isolate_freepages_block(cc->node, cc->zone,
						       &isolate_start, block_end,
						       &cc->freepages,
						       cc->nr_migratepages -
						       min(cc->nr_migratepages,
							   cc->nr_freepages),
						       &cc->total_free_scanned);
		cc->nr_freepages += isolated;
		toy_node_count_event(cc->node, TOY_VM_COMPACT_ISOLATED, isolated);
		if (cc->nr_freepages >= cc->nr_migratepages) {
			/* Start at the next pageblock down if this one is done. */
			if (isolate_start >= block_end)
				isolate_start = block_start - TOY_PAGEBLOCK_PAGES;
			break;
		} else if (isolate_start < block_end) {
			/* It stopped early: the zone is at its min watermark. */
			break;
		}
	}
	cc->free_pfn = isolate_start;
}

/* Give the targets not used back (release_freepages()). */
static void release_freepages(struct toy_compact_control *cc)
{
	struct toy_page *page, *next;

	list_for_each_entry_safe(page, next, &cc->freepages, lru) {
		list_del(&page->lru);
		toy_node_free(cc->node, page, 0);
	}
	cc->nr_freepages = 0;
}

/* ==== One zone ==== */

static bool compact_scanners_met(struct toy_compact_control *cc)
{
	return (cc->free_pfn >> TOY_PAGEBLOCK_ORDER) <=
	       (cc->migrate_pfn >> TOY_PAGEBLOCK_ORDER);
}

/*
 * compact_finished(): the scanners met, or - for a request, at a pageblock
 * boundary, so that the pageblock is left as free as it gets - a block of
 * the order is free where the request may take it.
 */
static enum toy_compact_result compact_finished(struct toy_compact_control *cc)
{
	if (compact_scanners_met(cc))
		return TOY_COMPACT_COMPLETE;
	if (cc->order == TOY_COMPACT_ALL)
		return TOY_COMPACT_CONTINUE;
	if (!IS_ALIGNED(cc->migrate_pfn, TOY_PAGEBLOCK_PAGES))
		return TOY_COMPACT_CONTINUE;
	if (toy_zone_suitable_page_free(cc->zone, cc->order, cc->migratetype))
		return TOY_COMPACT_SUCCESS;
	if (fatal_signal_pending(current))
		return TOY_COMPACT_CONTENDED;
	return TOY_COMPACT_CONTINUE;
}

/* fragmentation_index() of a zone for @order. */
static int zone_fragmentation_index(struct toy_zone *zone, unsigned int order)
{
	unsigned long nr_free[TOY_MAX_ORDER];
	struct toy_contig_info info;

	toy_zone_snapshot(zone, nr_free);
	toy_fill_contig_info(nr_free, order, &info);
	return toy_extfrag_index(order, &info);
}

/**
 * toy_compaction_suitable() - compaction_suitable() of 6.1
 * @zone: the zone.
 * @order: the order wanted; %TOY_COMPACT_ALL for compact_memory.
 * @alloc_flags: the request's, whose watermark counts.
 * @highest_zoneidx: the request's highest zone.
 *
 * Context: Any context.
 * Return: %TOY_COMPACT_SUCCESS if the order is there already,
 * %TOY_COMPACT_SKIPPED if compaction cannot help (too few free pages to
 * copy into, or for a costly order a fragmentation index at most the
 * node's extfrag_threshold), %TOY_COMPACT_CONTINUE to compact.
 */
enum toy_compact_result toy_compaction_suitable(struct toy_zone *zone,
						int order,
						unsigned int alloc_flags,
						int highest_zoneidx)
{
	long free = READ_ONCE(zone->free_pages);
	unsigned long mark;
	int fragindex;

	if (order == TOY_COMPACT_ALL)
		return TOY_COMPACT_CONTINUE;
	mark = toy_wmark_pages(zone, alloc_flags & TOY_ALLOC_WMARK_MASK);
	if (toy_zone_watermark_ok(zone, order, mark, highest_zoneidx,
				  alloc_flags, free))
		return TOY_COMPACT_SUCCESS;
	/* Room to copy into: compact_gap(), twice the request. */
	mark = toy_wmark_pages(zone, order > PAGE_ALLOC_COSTLY_ORDER ?
			       TOY_WMARK_LOW : TOY_WMARK_MIN);
	mark += 2UL << order;
	if (!toy_zone_watermark_ok(zone, 0, mark, highest_zoneidx, 0, free))
		return TOY_COMPACT_SKIPPED;
	if (order > PAGE_ALLOC_COSTLY_ORDER) {
		fragindex = zone_fragmentation_index(zone, order);
		if (fragindex >= 0 &&
		    fragindex <= READ_ONCE(zone->node->extfrag_threshold))
			return TOY_COMPACT_SKIPPED;	/* NOT_SUITABLE_ZONE */
	}
	return TOY_COMPACT_CONTINUE;
}
EXPORT_SYMBOL_IF_KUNIT(toy_compaction_suitable);

/* compact_zone(): the scanners over one zone until compact_finished(). */
static enum toy_compact_result compact_zone(struct toy_compact_control *cc)
{
	struct toy_zone *zone = cc->zone;
	unsigned long last_migrated_pfn = 0;
	enum toy_compact_result ret;
	int err;

	INIT_LIST_HEAD(&cc->freepages);
	INIT_LIST_HEAD(&cc->migratepages);
	ret = toy_compaction_suitable(zone, cc->order, cc->alloc_flags,
				      cc->highest_zoneidx);
	if (ret == TOY_COMPACT_SUCCESS || ret == TOY_COMPACT_SKIPPED)
		return ret;
	cc->migrate_pfn = zone->start_pfn;
	cc->free_pfn = pageblock_start(zone_end(zone) - 1);

	while ((ret = compact_finished(cc)) == TOY_COMPACT_CONTINUE) {
		unsigned long iteration_start = cc->migrate_pfn;

		if (!isolate_migratepages(cc))
			goto check_drain;
		last_migrated_pfn = iteration_start;
		err = migrate_pages(cc);
		if (err) {
			putback_movable_pages(cc);
			if (err == -ENOMEM && !compact_scanners_met(cc)) {
				ret = TOY_COMPACT_CONTENDED;
				break;
			}
			/* Async: a piece that kept a page cannot become free. */
			if (cc->direct_compaction && cc->mode == TOY_MODE_ASYNC) {
				cc->migrate_pfn = order_block_end(cc->migrate_pfn - 1,
								  cc->order);
				last_migrated_pfn = 0;
			}
		}
check_drain:
		/*
		 * The pages moved out are on this CPU's pcp list: once the
		 * scanner is past their block, drain it, so they merge
		 * (lru_add_drain_cpu_zone()).
		 */
		if (cc->order > 0 && last_migrated_pfn &&
		    last_migrated_pfn < order_block_start(cc->migrate_pfn,
							  cc->order)) {
			toy_zone_drain_local(cc->node, zone);
			last_migrated_pfn = 0;
		}
	}
	release_freepages(cc);
	toy_node_count_event(cc->node, TOY_VM_COMPACT_MIGRATE_SCANNED,
			     cc->total_migrate_scanned);
	toy_node_count_event(cc->node, TOY_VM_COMPACT_FREE_SCANNED,
			     cc->total_free_scanned);
	return ret;
}

static enum toy_migrate_mode prio_mode(enum toy_compact_priority prio)
{
	return prio == TOY_COMPACT_PRIO_ASYNC ? TOY_MODE_ASYNC : TOY_MODE_SYNC_LIGHT;
}

/**
 * toy_compact_zone() - compact one zone for a request (compact_zone_order())
 * @zone: the zone.
 * @order: the order wanted, or %TOY_COMPACT_ALL.
 * @highest_zoneidx: the request's highest zone.
 * @alloc_flags: the request's.
 * @prio: %TOY_COMPACT_PRIO_ASYNC, or a sync one.
 * @direct: for a request (direct compaction) rather than a daemon.
 * @migratetype: the request's migrate type.
 *
 * Context: Process context; may sleep.
 * Return: how it ended (enum toy_compact_result).
 */
enum toy_compact_result toy_compact_zone(struct toy_zone *zone, int order,
					 int highest_zoneidx,
					 unsigned int alloc_flags,
					 enum toy_compact_priority prio,
					 bool direct, int migratetype)
{
	struct toy_compact_control cc = {
		.node = zone->node,
		.zone = zone,
		.order = order,
		.migratetype = migratetype,
		.highest_zoneidx = highest_zoneidx,
		.alloc_flags = alloc_flags,
		.mode = prio_mode(prio),
		.direct_compaction = direct,
		.ignore_block_suitable = prio == TOY_COMPACT_PRIO_SYNC_FULL,
	};

	might_sleep();
	return compact_zone(&cc);
}
EXPORT_SYMBOL_IF_KUNIT(toy_compact_zone);

/* ==== Deferring ==== */

/* defer_compaction(): skip the next 2^shift tries at this order and up. */
static void defer_compaction(struct toy_zone *zone, int order)
{
	zone->compact_considered = 0;
	zone->compact_defer_shift = min(zone->compact_defer_shift + 1,
					(unsigned int)TOY_COMPACT_MAX_DEFER_SHIFT);
	if (order < zone->compact_order_failed)
		zone->compact_order_failed = order;
}

/* compaction_deferred(): is this try one to skip? */
static bool compaction_deferred(struct toy_zone *zone, int order)
{
	unsigned int limit = 1U << zone->compact_defer_shift;

	if (order < zone->compact_order_failed)
		return false;
	if (++zone->compact_considered >= limit) {
		zone->compact_considered = limit;
		return false;
	}
	return true;
}

/**
 * toy_compaction_defer_reset() - compaction_defer_reset()
 * @zone: the zone compaction succeeded in.
 * @order: the order it succeeded for.
 * @alloc_success: the request got its pages: stop deferring altogether.
 */
void toy_compaction_defer_reset(struct toy_zone *zone, int order,
				bool alloc_success)
{
	if (alloc_success) {
		zone->compact_considered = 0;
		zone->compact_defer_shift = 0;
	}
	if (order >= zone->compact_order_failed)
		zone->compact_order_failed = order + 1;
}
EXPORT_SYMBOL_IF_KUNIT(toy_compaction_defer_reset);

/**
 * toy_try_to_compact_pages() - direct compaction, try_to_compact_pages()
 * @node: the node.
 * @order: the order of the request.
 * @alloc_flags: its alloc_flags.
 * @highest_zoneidx: its highest zone; the zones are tried from there down.
 * @prio: %TOY_COMPACT_PRIO_ASYNC first, %TOY_COMPACT_PRIO_SYNC_LIGHT after
 *	reclaim.
 * @migratetype: its migrate type.
 *
 * Each zone not deferred is compacted until one succeeds; a sync run that
 * scanned a zone whole in vain defers it.
 *
 * Context: Process context; may sleep.
 * Return: the best result of the zones (%TOY_COMPACT_SKIPPED if none was
 * tried).
 */
enum toy_compact_result toy_try_to_compact_pages(struct toy_node *node,
						 unsigned int order,
						 unsigned int alloc_flags,
						 int highest_zoneidx,
						 enum toy_compact_priority prio,
						 int migratetype)
{
	enum toy_compact_result rc = TOY_COMPACT_SKIPPED, status;
	int z;

	for (z = highest_zoneidx; z >= 0; z--) {
		struct toy_zone *zone = &node->zones[z];

		if (!zone->nr_pages)
			continue;
		if (prio > TOY_COMPACT_PRIO_SYNC_FULL &&
		    compaction_deferred(zone, order)) {
			rc = max(rc, TOY_COMPACT_DEFERRED);
			continue;
		}
		status = toy_compact_zone(zone, order, highest_zoneidx,
					  alloc_flags, prio, true, migratetype);
		rc = max(rc, status);
		if (status == TOY_COMPACT_SUCCESS) {
			toy_compaction_defer_reset(zone, order, false);
			break;
		}
		if (prio != TOY_COMPACT_PRIO_ASYNC &&
		    status == TOY_COMPACT_COMPLETE)
			defer_compaction(zone, order);
		if (fatal_signal_pending(current))
			break;
	}
	return rc;
}
EXPORT_SYMBOL_IF_KUNIT(toy_try_to_compact_pages);

/**
 * toy_compact_node() - compact every zone whole (vm.compact_memory)
 * @node: the node.
 *
 * Context: Process context; may sleep.
 */
void toy_compact_node(struct toy_node *node)
{
	int z;

	for (z = 0; z < TOY_NR_ZONES; z++) {
		struct toy_zone *zone = &node->zones[z];
		struct toy_compact_control cc = {
			.node = node,
			.zone = zone,
			.order = TOY_COMPACT_ALL,
			.mode = TOY_MODE_SYNC,
		};

		if (zone->nr_pages)
			compact_zone(&cc);
	}
}
EXPORT_SYMBOL_IF_KUNIT(toy_compact_node);

/*
 * debugfs compact_memory: writing 1 compacts every zone of the module's
 * node, as writing 1 to /proc/sys/vm/compact_memory does the kernel's.
 */
static ssize_t compact_memory_write(struct file *file, const char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	struct toy_node *node = &toy_node0;
	unsigned long before;
	unsigned int val;
	int err;

	err = kstrtouint_from_user(ubuf, len, 0, &val);
	if (err || val != 1) {
		pr_info("compact_memory: write 1 to compact every zone\n");
		return -EINVAL;
	}
	before = toy_vm_event(node, TOY_VM_PGMIGRATE_SUCCESS);
	toy_compact_node(node);
	pr_info("compact_memory: %lu pages moved\n",
		toy_vm_event(node, TOY_VM_PGMIGRATE_SUCCESS) - before);
	return len;
}

static const struct file_operations compact_memory_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = compact_memory_write,
	.llseek = noop_llseek,
};

/**
 * toy_compaction_debugfs_init() - create compact_memory
 * @root: the module's debugfs directory.
 */
void toy_compaction_debugfs_init(struct dentry *root)
{
	debugfs_create_file("compact_memory", 0200, root, NULL,
			    &compact_memory_fops);
}

/* ==== The public API, on the module's node ==== */

/**
 * toy_alloc_movable() - allocate a block that compaction may move
 * @ref: the caller's record of it, which must stay where it is until
 *	toy_free_movable(); gets the block in @ref->page.
 * @gfp: as for toy_alloc_pages(); __TOY_GFP_MOVABLE is added.
 * @order: as for toy_alloc_pages(); only order-0 blocks are moved.
 *
 * The block is the caller's, but where it lies is compaction's: read
 * @ref->page, or reach the data, only with the block pinned
 * (toy_movable_pin()).
 *
 * Context: as toy_alloc_pages() for @gfp.
 * Return: 0, or -ENOMEM.
 */
int toy_alloc_movable(struct toy_page_ref *ref, toy_gfp_t gfp,
		      unsigned int order)
{
	return toy_movable_page_add(&toy_node0, ref, gfp, order);
}
EXPORT_SYMBOL_GPL(toy_alloc_movable);

/**
 * toy_free_movable() - free a block from toy_alloc_movable()
 * @ref: its record, unpinned.
 *
 * Context: Any context.
 */
void toy_free_movable(struct toy_page_ref *ref)
{
	toy_page_ref_put(&toy_node0, ref);
}
EXPORT_SYMBOL_GPL(toy_free_movable);

/**
 * toy_movable_pin() - keep a movable block where it is, and get it
 * @ref: its record.
 *
 * Context: Any context.
 * Return: the block's head, valid until toy_movable_unpin().
 */
struct toy_page *toy_movable_pin(struct toy_page_ref *ref)
{
	return toy_page_ref_pin(&toy_node0, ref);
}
EXPORT_SYMBOL_GPL(toy_movable_pin);

/**
 * toy_movable_unpin() - let compaction move a block again
 * @ref: its record, pinned by toy_movable_pin().
 *
 * Context: Any context.
 */
void toy_movable_unpin(struct toy_page_ref *ref)
{
	toy_page_ref_unpin(&toy_node0, ref);
}
EXPORT_SYMBOL_GPL(toy_movable_unpin);

/**
 * toy_compact_memory() - compact every zone, as vm.compact_memory
 *
 * Context: Process context; may sleep.
 */
void toy_compact_memory(void)
{
	toy_compact_node(&toy_node0);
}
EXPORT_SYMBOL_GPL(toy_compact_memory);

/* ==== kcompactd ==== */

/* kcompactd_node_suitable(): a zone it was woken for that compaction helps. */
static bool kcompactd_node_suitable(struct toy_node *node)
{
	int highest = READ_ONCE(node->kcompactd_highest_zoneidx);
	int order = READ_ONCE(node->kcompactd_max_order);
	int z;

	for (z = 0; z <= highest; z++)
		if (node->zones[z].nr_pages &&
		    toy_compaction_suitable(&node->zones[z], order, 0, highest) ==
		    TOY_COMPACT_CONTINUE)
			return true;
	return false;
}

/*
 * kcompactd_do_work(): sync-light compaction of each zone up to the one
 * asked for, lowest first, skipping the deferred and the unsuitable.
 */
static void kcompactd_do_work(struct toy_node *node)
{
	int highest = READ_ONCE(node->kcompactd_highest_zoneidx);
	int order = READ_ONCE(node->kcompactd_max_order);
	int z;

	toy_node_count_event(node, TOY_VM_COMPACT_DAEMON_WAKE, 1);
	for (z = 0; z <= highest; z++) {
		struct toy_zone *zone = &node->zones[z];
		struct toy_compact_control cc = {
			.node = node,
			.zone = zone,
			.order = order,
			.highest_zoneidx = highest,
			.mode = TOY_MODE_SYNC_LIGHT,
		};
		enum toy_compact_result status;

		if (!zone->nr_pages || compaction_deferred(zone, order) ||
		    toy_compaction_suitable(zone, order, 0, z) !=
		    TOY_COMPACT_CONTINUE)
			continue;
		if (kthread_should_stop())
			return;
		status = compact_zone(&cc);
		if (status == TOY_COMPACT_SUCCESS) {
			toy_compaction_defer_reset(zone, order, false);
		} else if (status == TOY_COMPACT_COMPLETE) {
			toy_node_drain_pcp(node);
			defer_compaction(zone, order);
		}
		toy_node_count_event(node, TOY_VM_COMPACT_DAEMON_MIGRATE_SCANNED,
				     cc.total_migrate_scanned);
		toy_node_count_event(node, TOY_VM_COMPACT_DAEMON_FREE_SCANNED,
				     cc.total_free_scanned);
	}
	/* Done with what was asked, unless more was asked meanwhile. */
	if (READ_ONCE(node->kcompactd_max_order) <= order)
		WRITE_ONCE(node->kcompactd_max_order, 0);
	if (READ_ONCE(node->kcompactd_highest_zoneidx) >= highest)
		WRITE_ONCE(node->kcompactd_highest_zoneidx, TOY_NR_ZONES - 1);
}

static int toy_kcompactd(void *data)
{
	struct toy_node *node = data;

	set_freezable();
	while (!kthread_should_stop()) {
		wait_event_freezable(node->kcompactd_wait,
				     READ_ONCE(node->kcompactd_max_order) > 0 ||
				     kthread_should_stop());
		if (!kthread_should_stop())
			kcompactd_do_work(node);
	}
	return 0;
}

/**
 * toy_wakeup_kcompactd() - wakeup_kcompactd(): compact for @order soon
 * @node: the node.
 * @order: the order kswapd reclaimed for; 0 does nothing.
 * @highest_zoneidx: the highest zone of the request.
 *
 * Context: Any context.
 */
void toy_wakeup_kcompactd(struct toy_node *node, int order,
			  int highest_zoneidx)
{
	if (!order || !node->kcompactd)
		return;
	if (READ_ONCE(node->kcompactd_max_order) < order)
		WRITE_ONCE(node->kcompactd_max_order, order);
	if (READ_ONCE(node->kcompactd_highest_zoneidx) > highest_zoneidx)
		WRITE_ONCE(node->kcompactd_highest_zoneidx, highest_zoneidx);
	if (!wq_has_sleeper(&node->kcompactd_wait))
		return;
	if (!kcompactd_node_suitable(node))
		return;
	wake_up_interruptible(&node->kcompactd_wait);
}
EXPORT_SYMBOL_IF_KUNIT(toy_wakeup_kcompactd);

/**
 * toy_kcompactd_run() - start a node's kcompactd, "toy_kcompactd<nid>"
 * @node: the node.
 *
 * Context: Process context.
 * Return: 0, or the kthread's error.
 */
int toy_kcompactd_run(struct toy_node *node)
{
	struct task_struct *t;

	t = kthread_run(toy_kcompactd, node, "toy_kcompactd%d", node->nid);
	if (IS_ERR(t)) {
		pr_err("node %d: kcompactd did not start: %ld\n", node->nid,
		       PTR_ERR(t));
		return PTR_ERR(t);
	}
	node->kcompactd = t;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(toy_kcompactd_run);

/**
 * toy_kcompactd_stop() - stop a node's kcompactd, if it runs
 * @node: the node.
 *
 * Context: Process context.
 */
void toy_kcompactd_stop(struct toy_node *node)
{
	if (!node->kcompactd)
		return;
	kthread_stop(node->kcompactd);
	node->kcompactd = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(toy_kcompactd_stop);

/**
 * toy_node_compaction_init() - a node's compaction state, at setup
 * @node: the node.
 */
void toy_node_compaction_init(struct toy_node *node)
{
	init_waitqueue_head(&node->kcompactd_wait);
	node->kcompactd_highest_zoneidx = TOY_NR_ZONES - 1;
	node->extfrag_threshold = TOY_EXTFRAG_THRESHOLD;
}
