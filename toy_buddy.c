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
 * The region is split into two zones: Normal from toy pfn 0, and HighMem,
 * the top highmem_mb of the region. Both are made of whole 4 MiB blocks, so
 * a buddy is always in the same zone as its page.
 *
 * Each zone keeps a free list per order, as struct zone does. Allocation
 * takes the first block of the smallest order that fits and splits it,
 * putting the upper halves back on the lower lists (expand() in
 * mm/page_alloc.c). Freeing merges the block with its buddy for as long as
 * the buddy is free and of the same order (__free_one_page()).
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
 * zone locks or is in two pcp sections at once. The slab layer calls in with its
 * cache lock held; no other layer holds a lock of its own when it calls
 * the buddy (toy_internal.h has the whole order). The buddy calls no
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

/*
 * Put a free block of @order at @page on its free list: at the head, or
 * with @tail where __rmqueue() looks last, for a block that is likely to
 * merge soon (buddy_merge_likely()).
 */
static void add_to_free_list(struct toy_zone *zone, struct toy_page *page,
			     unsigned int order, bool tail)
	__must_hold(&zone->lock)
{
	struct list_head *list = &zone->free_area[order].free_list;

	lockdep_assert_held(&zone->lock);
	page->order = order;
	__set_bit(TOY_PG_BUDDY, &page->flags);
	if (tail)
		list_add_tail(&page->lru, list);
	else
		list_add(&page->lru, list);
	zone->free_area[order].nr_free++;
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

/* ==== Allocation ==== */

/*
 * Split a block of order @high at @page down to @low: each round keeps the
 * lower half and frees the upper one, so the caller gets the block at the
 * lowest pfn, as expand() in mm/page_alloc.c does.
 */
static void expand(struct toy_zone *zone, struct toy_page *page,
		   unsigned int low, unsigned int high)
	__must_hold(&zone->lock)
{
	while (high > low) {
		high--;
		add_to_free_list(zone, page + (1UL << high), high, false);
		count_event(zone, TOY_ZS_SPLIT);
	}
}

/* Take a block of @order off the free lists (__rmqueue_smallest()). */
static struct toy_page *__rmqueue(struct toy_zone *zone, unsigned int order)
	__must_hold(&zone->lock)
{
	unsigned int o;

	lockdep_assert_held(&zone->lock);
	for (o = order; o < TOY_MAX_ORDER; o++) {
		struct toy_free_area *area = &zone->free_area[o];
		struct toy_page *page;

		page = list_first_entry_or_null(&area->free_list,
						struct toy_page, lru);
		if (!page)
			continue;
		del_from_free_list(zone, page, o);
		expand(zone, page, order, o);
		page->order = order;
		zone->free_pages -= 1UL << order;
		return page;
	}
	return NULL;
}

static struct toy_page *rmqueue(struct toy_zone *zone, unsigned int order)
{
	struct toy_page *page;
	unsigned long flags;

	spin_lock_irqsave(&zone->lock, flags);
	page = __rmqueue(zone, order);
	if (page)
		__set_bit(TOY_PG_HEAD, &page->flags);
	spin_unlock_irqrestore(&zone->lock, flags);
	return page;
}

/* ==== Per-CPU lists of order-0 pages ==== */

/*
 * Most allocations are of one page, and most pages freed are soon wanted
 * again on the same CPU. As the kernel's per_cpu_pages do, each CPU keeps
 * a short list of free order-0 pages per zone: an allocation takes the
 * hottest, a free puts the page back on top, and only when the list runs
 * empty or grows past pcp_high does a batch of pcp_batch pages move to or
 * from the free lists under the zone lock. Pages on a pcp list are free
 * but not on the free lists: buddyinfo and MemFree leave them out, as the
 * kernel's do, and they cannot merge until drained.
 *
 * A CPU's list is used in a pcp section, the same as the slab's per-CPU
 * arrays (toy_slab.c, array_enter()): preemption off and the list's busy
 * flag set, no lock and no interrupt toggled. An interrupt on this CPU
 * that allocates or frees a page meanwhile finds the flag set and goes to
 * the zone lock, as pcp_spin_trylock() failing sends the kernel's
 * rmqueue_pcplist() to rmqueue_buddy(). Only the zone lock, taken for a
 * batch, turns interrupts off. With PREEMPT_RT the section is
 * migrate_disable() and the list's spinlock_t instead.
 *
 * No CPU touches another's list while the lists are in use: whoever must
 * (drain, validate, pagemap) freezes the zone first (toy_zone_freeze()).
 */

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
 * May the holder of a pcp section of @zone use the list? Not while a
 * freezer holds the zone, nor once the lists are off.
 */
static __always_inline bool pcp_usable(struct toy_zone *zone)
{
	/* Pairs with the release in toy_zone_thaw(). */
	return !smp_load_acquire(&zone->frozen) && READ_ONCE(zone->pcp_batch);
}

/* Move up to @count pages from the free lists to @pcp. */
static noinline void pcp_refill(struct toy_zone *zone, struct toy_pcp *pcp,
				int count)
{
	struct toy_page *page;
	unsigned long flags;

	spin_lock_irqsave(&zone->lock, flags);
	while (count-- && (page = __rmqueue(zone, 0))) {
		__set_bit(TOY_PG_PCP, &page->flags);
		list_add_tail(&page->lru, &pcp->list);
		pcp->count++;
		count_event(zone, TOY_ZS_PCP_REFILL);
	}
	spin_unlock_irqrestore(&zone->lock, flags);
}

static void merge_and_free(struct toy_node *node, struct toy_zone *zone,
			   unsigned long pfn, unsigned int order);

/*
 * Give the @count coldest pages of @pcp back to the free lists; the
 * caller holds the zone lock and the list (its section, or the frozen
 * zone).
 */
static void __pcp_drain(struct toy_node *node, struct toy_zone *zone,
			struct toy_pcp *pcp, int count)
	__must_hold(&zone->lock)
{
	struct toy_page *page;

	lockdep_assert_held(&zone->lock);
	while (count-- && pcp->count) {
		page = list_last_entry(&pcp->list, struct toy_page, lru);
		list_del(&page->lru);
		__clear_bit(TOY_PG_PCP, &page->flags);
		pcp->count--;
		zone->free_pages++;
		count_event(zone, TOY_ZS_PCP_DRAIN);
		merge_and_free(node, zone, toy_node_pfn(node, page), 0);
	}
}

static noinline void pcp_drain(struct toy_node *node, struct toy_zone *zone,
			       struct toy_pcp *pcp, int count)
{
	unsigned long flags;

	spin_lock_irqsave(&zone->lock, flags);
	__pcp_drain(node, zone, pcp, count);
	spin_unlock_irqrestore(&zone->lock, flags);
}

/* An order-0 page from this CPU's list, or from the zone when busy. */
static struct toy_page *pcp_alloc(struct toy_zone *zone)
{
	struct toy_pcp *pcp = pcp_enter(zone);
	struct toy_page *page;

	if (unlikely(!pcp))
		return rmqueue(zone, 0);
	if (unlikely(!pcp_usable(zone))) {
		pcp_exit(pcp);
		return rmqueue(zone, 0);
	}
	if (unlikely(!pcp->count))
		pcp_refill(zone, pcp, READ_ONCE(zone->pcp_batch));
	page = list_first_entry_or_null(&pcp->list, struct toy_page, lru);
	if (likely(page)) {
		list_del(&page->lru);
		pcp->count--;
		__clear_bit(TOY_PG_PCP, &page->flags);
		__set_bit(TOY_PG_HEAD, &page->flags);
	}
	pcp_exit(pcp);
	return page;
}

/*
 * Put an allocated order-0 head on a pcp list; false if @page is not one,
 * or the list is busy or frozen, for the slow path to free it under the
 * zone lock or tell what it is. The page stops being a head and becomes a
 * pcp page in the section, so a freezer, which waits out every section,
 * never sees it between the two; and of two racing frees of the page only
 * one can clear its head bit.
 */
static bool pcp_free(struct toy_node *node, struct toy_zone *zone,
		     struct toy_page *page)
{
	struct toy_pcp *pcp;

	if (page->order)
		return false;
	pcp = pcp_enter(zone);
	if (unlikely(!pcp))
		return false;
	if (unlikely(!pcp_usable(zone)) ||
	    !test_and_clear_bit(TOY_PG_HEAD, &page->flags)) {
		pcp_exit(pcp);
		return false;
	}
	__set_bit(TOY_PG_PCP, &page->flags);
	list_add(&page->lru, &pcp->list);
	if (unlikely(++pcp->count >= READ_ONCE(zone->pcp_high)))
		pcp_drain(node, zone, pcp, READ_ONCE(zone->pcp_batch));
	pcp_exit(pcp);
	return true;
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
		__pcp_drain(node, zone, per_cpu_ptr(zone->pcp, cpu), INT_MAX);
}

/* Drain this CPU's list of @zone, from any context. */
static void drain_local(struct toy_node *node, struct toy_zone *zone)
{
	struct toy_pcp *pcp = pcp_enter(zone);

	if (!pcp)
		return;
	if (pcp_usable(zone))
		pcp_drain(node, zone, pcp, INT_MAX);
	pcp_exit(pcp);
}

/* Drain every CPU's list of @zone, freezing it meanwhile. */
static void drain_zone(struct toy_node *node, struct toy_zone *zone)
{
	toy_zone_freeze(node, zone);
	drain_frozen_zone(node, zone);
	toy_zone_thaw(node, zone);
}

/*
 * May this context wait for a grace period, as a freeze does? Not with
 * preemption, softirqs or interrupts off, nor in an RCU read-side section
 * (which PREEMPT_RCU leaves preemptible).
 */
static bool may_freeze(void)
{
	return preemptible() && !rcu_preempt_depth();
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

/**
 * toy_node_set_pcp() - size the per-CPU lists of a node
 * @node: the node.
 * @batch: pages moved at once; the lists give back when they reach six
 *	times that, as the kernel's pagesets long did. 0 turns them off.
 *
 * Context: Process context; each zone is frozen, its lists drained.
 */
void toy_node_set_pcp(struct toy_node *node, unsigned int batch)
{
	int z;

	for (z = 0; z < TOY_NR_ZONES; z++) {
		struct toy_zone *zone = &node->zones[z];

		toy_zone_freeze(node, zone);
		WRITE_ONCE(zone->pcp_batch, batch);
		WRITE_ONCE(zone->pcp_high, 6 * batch);
		drain_frozen_zone(node, zone);
		toy_zone_thaw(node, zone);
	}
}
EXPORT_SYMBOL_IF_KUNIT(toy_node_set_pcp);

/* ==== The allocation entry point ==== */

/* @fallback: HighMem was asked for and had nothing; count it if we serve. */
static struct toy_page *zone_alloc(struct toy_node *node, struct toy_zone *zone,
				   unsigned int order, bool fallback)
{
	struct toy_page *page;

	if (!zone->nr_pages)
		return NULL;
	if (!order && READ_ONCE(zone->pcp_batch))
		page = pcp_alloc(zone);
	else
		page = rmqueue(zone, order);
	if (unlikely(!page) && toy_zone_pcp_pages(zone)) {
		/*
		 * Free pages may sit on the zone's pcp lists: bring them
		 * back, all CPUs' where this context may wait for it, as the
		 * kernel's slow path does with drain_all_pages(); else this
		 * CPU's.
		 */
		if (may_freeze())
			drain_zone(node, zone);
		else
			drain_local(node, zone);
		page = rmqueue(zone, order);
	}
	if (!page)
		return NULL;
	count_event(zone, TOY_ZS_ALLOC);
	if (fallback)
		count_event(zone, TOY_ZS_FALLBACK);
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
 * @gfp: %TOY_GFP_KERNEL (Normal zone only) or %TOY_GFP_HIGHUSER (HighMem
 *	first, then Normal), optionally with %__TOY_GFP_ZERO, %__TOY_GFP_NOWARN.
 * @order: log2 of the number of pages, 0 .. %TOY_MAX_ORDER - 1.
 *
 * Context: Any context; takes and releases a zone lock.
 * Return: the head page of the block, or NULL if no block is free or
 * @order is out of range.
 */
struct toy_page *toy_node_alloc(struct toy_node *node, toy_gfp_t gfp,
				unsigned int order)
{
	struct toy_zone *highmem = &node->zones[TOY_ZONE_HIGHMEM];
	struct toy_page *page = NULL;

	if (order >= TOY_MAX_ORDER) {
		report_misuse(node, TOY_MISUSE_ORDER, 0, order);
		return NULL;
	}
	if (toy_should_fail(&toy_fail_page_alloc, PAGE_SIZE << order))
		goto fail;
	if (gfp & __TOY_GFP_HIGHMEM)
		page = zone_alloc(node, highmem, order, false);
	if (!page)
		page = zone_alloc(node, &node->zones[TOY_ZONE_NORMAL], order,
				  (gfp & __TOY_GFP_HIGHMEM) && highmem->nr_pages);
	if (!page) {
		count_event(&node->zones[TOY_ZONE_NORMAL], TOY_ZS_FAIL);
		goto fail;
	}
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
			   unsigned long pfn, unsigned int order)
	__must_hold(&zone->lock)
{
	lockdep_assert_held(&zone->lock);
	while (order < TOY_MAX_ORDER - 1) {
		unsigned long buddy_pfn = pfn ^ (1UL << order);
		struct toy_page *buddy = &node->pages[buddy_pfn];

		if (!toy_page_test(buddy, TOY_PG_BUDDY) || buddy->order != order)
			break;
		del_from_free_list(zone, buddy, order);
		count_event(zone, TOY_ZS_MERGE);
		pfn &= buddy_pfn;
		order++;
	}
	add_to_free_list(zone, &node->pages[pfn], order,
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

	if (!order && READ_ONCE(zone->pcp_batch) && pcp_free(node, zone, page)) {
		count_event(zone, TOY_ZS_FREE);
		return;
	}

	spin_lock_irqsave(&zone->lock, flags);
	bad = check_free(node, page, order);
	if (bad == TOY_NR_MISUSE) {
		__clear_bit(TOY_PG_HEAD, &page->flags);
		zone->free_pages += 1UL << order;
		count_event(zone, TOY_ZS_FREE);
		merge_and_free(node, zone, pfn, order);
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
	unsigned int o;

	int cpu;

	spin_lock_init(&zone->lock);
	for_each_possible_cpu(cpu) {
		struct toy_pcp *pcp = per_cpu_ptr(zone->pcp, cpu);

		spin_lock_init(&pcp->lock);
		INIT_LIST_HEAD(&pcp->list);
	}
	zone->name = toy_zone_names[type];
	zone->start_pfn = start_pfn;
	zone->nr_pages = nr_pages;
	zone->free_pages = nr_pages;
	for (o = 0; o < TOY_MAX_ORDER; o++)
		INIT_LIST_HEAD(&zone->free_area[o].free_list);
	for (pfn = start_pfn; pfn < start_pfn + nr_pages; pfn++)
		node->pages[pfn].zone = type;

	spin_lock_irq(&zone->lock);
	for (pfn = start_pfn; pfn < start_pfn + nr_pages; pfn += TOY_BLOCK_PAGES)
		add_to_free_list(zone, &node->pages[pfn], TOY_BLOCK_ORDER, false);
	spin_unlock_irq(&zone->lock);
}

/* Descriptors, block table and per-CPU parts: all or nothing. */
static int alloc_meta(struct toy_node *node)
{
	int z;

	node->blocks = kcalloc(node->nr_pages >> TOY_BLOCK_ORDER,
			       sizeof(*node->blocks), GFP_KERNEL);
	node->pages = vzalloc(array_size(node->nr_pages, sizeof(*node->pages)));
	if (!node->blocks || !node->pages)
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
	kfree(node->blocks);
	node->pages = NULL;
	node->blocks = NULL;
}

static int check_sizes(int nid, unsigned long mem_mb, unsigned long highmem_mb)
{
	if (!mem_mb || mem_mb % TOY_BLOCK_MB || highmem_mb % TOY_BLOCK_MB) {
		pr_err("node %d: mem_mb=%lu highmem_mb=%lu: sizes must be non-zero multiples of %lu\n",
		       nid, mem_mb, highmem_mb, TOY_BLOCK_MB);
		return -EINVAL;
	}
	if (highmem_mb >= mem_mb) {
		pr_err("node %d: highmem_mb=%lu must be below mem_mb=%lu: the Normal zone cannot be empty\n",
		       nid, highmem_mb, mem_mb);
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
 * toy_node_init() - take a region from the kernel and make a node of it
 * @node: the node to set up.
 * @nid: its id, as printed in buddyinfo.
 * @mem_mb: size of the region in MiB, a multiple of 4.
 * @highmem_mb: how much of it forms the HighMem zone, a multiple of 4
 *	below @mem_mb; 0 for none.
 *
 * Context: Process context, may sleep.
 * Return: 0, -EINVAL for bad sizes, or -ENOMEM if the kernel cannot give
 * the region; a line in the log says why.
 */
int toy_node_init(struct toy_node *node, int nid, unsigned long mem_mb,
		  unsigned long highmem_mb)
{
	unsigned long normal_pages;
	int err;

	memset(node, 0, sizeof(*node));
	node->nid = nid;
	err = check_sizes(nid, mem_mb, highmem_mb);
	if (err)
		return err;

	node->nr_pages = mem_mb << (20 - PAGE_SHIFT);
	mutex_init(&node->all_pcp_lock);
	err = alloc_meta(node);
	if (err)
		goto err_free_meta;
	err = take_blocks(node, node->nr_pages >> TOY_BLOCK_ORDER);
	if (err)
		goto err_free_blocks;

	normal_pages = (mem_mb - highmem_mb) << (20 - PAGE_SHIFT);
	init_zone(node, TOY_ZONE_NORMAL, 0, normal_pages);
	init_zone(node, TOY_ZONE_HIGHMEM, normal_pages,
		  node->nr_pages - normal_pages);
	return 0;

err_free_blocks:
	free_blocks(node);
err_free_meta:
	free_meta(node);
	return err;
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
 * Pages still allocated are reported, then freed with the rest: the real
 * kernel gets every page back whatever the toy's users left behind.
 *
 * Context: Process context.
 */
void toy_node_destroy(struct toy_node *node)
{
	unsigned long live;

	if (!node->pages)
		return;
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
		    (pcp && page->order) || page->order >= TOY_MAX_ORDER ||
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
		*pcp_pages += pcp;
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
	unsigned long errors = 0, on_list;
	struct toy_page *page;
	unsigned int o;

	for (o = 0; o < TOY_MAX_ORDER; o++) {
		on_list = 0;
		list_for_each_entry(page, &zone->free_area[o].free_list, lru) {
			unsigned long pfn = toy_node_pfn(node, page);

			on_list++;
			if (!toy_page_test(page, TOY_PG_BUDDY) ||
			    page->order != o || page->zone != zone - node->zones) {
				validate_err(node, zone, "pfn %lu on free list %u is not a free block of that order",
					     pfn, o);
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

/* Every page on a pcp list is a pcp page of the zone; the counts agree. */
static unsigned long validate_pcp(struct toy_node *node, struct toy_zone *zone,
				  unsigned long pcp_pages)
	__must_hold(&zone->lock)
{
	unsigned long errors = 0, on_lists = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct toy_pcp *pcp = per_cpu_ptr(zone->pcp, cpu);
		struct toy_page *page;
		int n = 0;

		list_for_each_entry(page, &pcp->list, lru) {
			n++;
			if (!toy_page_test(page, TOY_PG_PCP) ||
			    page->zone != zone - node->zones) {
				validate_err(node, zone, "pfn %lu on the pcp list of cpu %d is no pcp page of the zone",
					     toy_node_pfn(node, page), cpu);
				errors++;
			}
		}
		if (n != pcp->count) {
			validate_err(node, zone, "cpu %d: %d pages on the pcp list, count says %d",
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
	return errors;
}
EXPORT_SYMBOL_IF_KUNIT(toy_node_validate);

/* ==== The public API, on the module's node ==== */

/**
 * toy_alloc_pages() - allocate 2^@order contiguous pages from the toy
 * @gfp: %TOY_GFP_KERNEL for the Normal zone, %TOY_GFP_HIGHUSER for HighMem
 *	with Normal as fallback; %__TOY_GFP_ZERO, %__TOY_GFP_NOWARN may be or-ed.
 * @order: 0 .. %TOY_MAX_ORDER - 1.
 *
 * Context: Any context.
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
