// SPDX-License-Identifier: GPL-2.0
/*
 * Reclaim at toy scale: kswapd and direct reclaim as mm/vmscan.c of 6.1
 * runs them, over what the toy can give back.
 *
 * Two things are reclaimable. "Page cache" pages (toy_cache_page_add()):
 * clean, droppable blocks on the node's LRU list, newest at the head,
 * each with an owner (struct toy_page_ref) who learns that reclaim took
 * it when its page reads NULL. And the objects of shrinkers
 * (toy_register_shrinker()): the slab layer registers one for its empty
 * slabs, as the kernel's caches give theirs back.
 *
 * An allocation that finds every zone below its low watermark wakes the
 * node's kswapd (wakeup_kswapd()), a kthread that reclaims until a zone
 * the request could use is above its high watermark (pgdat_balanced():
 * one is enough), then naps for HZ/10 and, if still balanced, sleeps
 * until woken again. A wake during the nap counts as
 * kswapd_low_wmark_hit_quickly, a node out of balance again right after
 * it as kswapd_high_wmark_hit_quickly. A request that may reclaim and
 * still finds nothing reclaims itself (direct reclaim, allocstall_*).
 *
 * Each pass scans a share of what there is, 1 / 2^priority of it, from
 * priority 12 (DEF_PRIORITY) down to 0 as passes come back empty-handed:
 * the LRU from its tail (the oldest pages), the shrinkers with the
 * kernel's do_shrink_slab() arithmetic. The toy's cache pages are clean,
 * so every page scanned is reclaimed but those pinned at the time:
 * pgsteal equals pgscan unless one was.
 *
 * Before it naps, kswapd wakes kcompactd for the order it was asked for
 * (toy_compaction.c): reclaim frees pages, compaction makes them
 * contiguous.
 *
 * Locking: the LRU has its own spinlock, innermost of all; pages taken
 * off it are freed after it is dropped. The shrinker list is an rwsem
 * that reclaim only trylocks, as shrink_slab() does, and a shrinker takes
 * its own locks only with trylock: reclaim runs inside allocations,
 * whose callers may hold any of them.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/freezer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/swap.h>
#include <linux/wait.h>
#include <kunit/visibility.h>

#include "toy_internal.h"

/* DEF_PRIORITY: the first pass scans 1/4096 of each list. */
#define TOY_DEF_PRIORITY	12
/* SHRINK_BATCH of mm/vmscan.c, and DEFAULT_SEEKS of a shrinker. */
#define TOY_SHRINK_BATCH	128
#define TOY_DEFAULT_SEEKS	2

const char *const toy_vm_event_names[TOY_NR_VM_EVENTS] = {
	[TOY_VM_PGSTEAL_KSWAPD]		= "pgsteal_kswapd",
	[TOY_VM_PGSTEAL_DIRECT]		= "pgsteal_direct",
	[TOY_VM_PGSCAN_KSWAPD]		= "pgscan_kswapd",
	[TOY_VM_PGSCAN_DIRECT]		= "pgscan_direct",
	[TOY_VM_PGSCAN_FILE]		= "pgscan_file",
	[TOY_VM_PGSTEAL_FILE]		= "pgsteal_file",
	[TOY_VM_SLABS_SCANNED]		= "slabs_scanned",
	[TOY_VM_KSWAPD_LOW_WMARK_HIT_QUICKLY] = "kswapd_low_wmark_hit_quickly",
	[TOY_VM_KSWAPD_HIGH_WMARK_HIT_QUICKLY] = "kswapd_high_wmark_hit_quickly",
	[TOY_VM_PAGEOUTRUN]		= "pageoutrun",
	[TOY_VM_PGMIGRATE_SUCCESS]	= "pgmigrate_success",
	[TOY_VM_PGMIGRATE_FAIL]		= "pgmigrate_fail",
	[TOY_VM_COMPACT_MIGRATE_SCANNED] = "compact_migrate_scanned",
	[TOY_VM_COMPACT_FREE_SCANNED]	= "compact_free_scanned",
	[TOY_VM_COMPACT_ISOLATED]	= "compact_isolated",
	[TOY_VM_COMPACT_STALL]		= "compact_stall",
	[TOY_VM_COMPACT_FAIL]		= "compact_fail",
	[TOY_VM_COMPACT_SUCCESS]	= "compact_success",
	[TOY_VM_COMPACT_DAEMON_WAKE]	= "compact_daemon_wake",
	[TOY_VM_COMPACT_DAEMON_MIGRATE_SCANNED] = "compact_daemon_migrate_scanned",
	[TOY_VM_COMPACT_DAEMON_FREE_SCANNED] = "compact_daemon_free_scanned",
};

/**
 * toy_vm_event() - read a reclaim event counter of a node
 * @node: the node.
 * @item: the counter.
 *
 * Return: its value.
 */
unsigned long toy_vm_event(struct toy_node *node, enum toy_vm_event item)
{
	return atomic_long_read(&node->vm_events[item]);
}
EXPORT_SYMBOL_IF_KUNIT(toy_vm_event);

/* ==== The LRU: the toy's page cache (toy_compaction.c makes its blocks) ==== */

/*
 * shrink_inactive_list() for clean pages: take up to @nr_to_scan pages'
 * worth of blocks from the LRU's tail, tell their owners, free them. A
 * pinned block stays, back at the head, as a page whose count is raised
 * survives shrink_folio_list(). Return the pages reclaimed.
 */
static unsigned long shrink_lru(struct toy_node *node, unsigned long nr_to_scan,
				bool kswapd)
{
	unsigned long flags, scanned = 0, reclaimed = 0;
	struct toy_page *page, *next;
	LIST_HEAD(victims);
	LIST_HEAD(kept);

	spin_lock_irqsave(&node->lru_lock, flags);
	while (scanned < nr_to_scan && !list_empty(&node->lru)) {
		struct toy_page_ref *ref;

		page = list_last_entry(&node->lru, struct toy_page, lru);
		ref = page->owner;
		scanned += 1UL << page->order;
		if (ref->pins) {
			list_move(&page->lru, &kept);
			continue;
		}
		toy_lru_del(node, page);
		list_add(&page->lru, &victims);
		/* The owner may free its record once it reads NULL. */
		toy_page_disown(page);
		reclaimed += 1UL << page->order;
	}
	list_splice(&kept, &node->lru);
	spin_unlock_irqrestore(&node->lru_lock, flags);

	/* The head of an allocated block keeps its order (toy_node_alloc()). */
	list_for_each_entry_safe(page, next, &victims, lru) {
		list_del(&page->lru);
		toy_node_free(node, page, page->order);
	}
	toy_node_count_event(node, kswapd ? TOY_VM_PGSCAN_KSWAPD :
			     TOY_VM_PGSCAN_DIRECT, scanned);
	toy_node_count_event(node, kswapd ? TOY_VM_PGSTEAL_KSWAPD :
			     TOY_VM_PGSTEAL_DIRECT, reclaimed);
	toy_node_count_event(node, TOY_VM_PGSCAN_FILE, scanned);
	toy_node_count_event(node, TOY_VM_PGSTEAL_FILE, reclaimed);
	return reclaimed;
}

/* ==== Shrinkers ==== */

/**
 * toy_register_shrinker() - let reclaim take a layer's objects
 * @node: the node whose reclaim calls it.
 * @sh: the shrinker, with count_objects and scan_objects set.
 *
 * Context: Process context.
 */
void toy_register_shrinker(struct toy_node *node, struct toy_shrinker *sh)
{
	down_write(&node->shrinker_rwsem);
	list_add_tail(&sh->list, &node->shrinkers);
	up_write(&node->shrinker_rwsem);
}
EXPORT_SYMBOL_IF_KUNIT(toy_register_shrinker);

/**
 * toy_unregister_shrinker() - undo toy_register_shrinker()
 * @node: the node.
 * @sh: the shrinker; no reclaim calls it once this returns.
 *
 * Context: Process context.
 */
void toy_unregister_shrinker(struct toy_node *node, struct toy_shrinker *sh)
{
	down_write(&node->shrinker_rwsem);
	list_del(&sh->list);
	up_write(&node->shrinker_rwsem);
}
EXPORT_SYMBOL_IF_KUNIT(toy_unregister_shrinker);

/*
 * do_shrink_slab() without the deferred work: scan (freeable >> priority)
 * * 4 / seeks objects, at most twice what is freeable, in batches.
 */
static unsigned long do_shrink(struct toy_node *node, struct toy_shrinker *sh,
			       int priority, unsigned long *pages)
{
	unsigned long freeable = sh->count_objects(sh), total_scan, freed = 0;
	struct toy_shrink_control sc = { };

	if (!freeable)
		return 0;
	total_scan = (freeable >> priority) * 4 / TOY_DEFAULT_SEEKS;
	total_scan = min(total_scan, 2 * freeable);
	while (total_scan) {
		unsigned long ret;

		sc.nr_to_scan = min_t(unsigned long, total_scan, TOY_SHRINK_BATCH);
		sc.nr_scanned = sc.nr_to_scan;
		ret = sh->scan_objects(sh, &sc);
		toy_node_count_event(node, TOY_VM_SLABS_SCANNED, sc.nr_scanned);
		total_scan -= min(total_scan, sc.nr_scanned);
		if (ret == TOY_SHRINK_STOP)
			break;
		freed += ret;
		if (!ret)
			break;
	}
	*pages += sc.nr_reclaimed_pages;
	return freed;
}

/* shrink_slab(): every shrinker once; the pages they gave back. */
static unsigned long shrink_slab(struct toy_node *node, int priority)
{
	struct toy_shrinker *sh;
	unsigned long pages = 0;

	if (!down_read_trylock(&node->shrinker_rwsem))
		return 0;
	list_for_each_entry(sh, &node->shrinkers, list)
		do_shrink(node, sh, priority, &pages);
	up_read(&node->shrinker_rwsem);
	return pages;
}

/*
 * shrink_node(): one pass at @priority over the LRU (1 / 2^priority of
 * it: all of it at priority 0) and the shrinkers. Return the pages
 * reclaimed.
 */
static unsigned long shrink_node(struct toy_node *node, int priority,
				 bool kswapd)
{
	unsigned long lru = READ_ONCE(node->nr_lru_pages) >> priority;

	return (lru ? shrink_lru(node, lru, kswapd) : 0) +
	       shrink_slab(node, priority);
}

/* ==== kswapd ==== */

/*
 * pgdat_balanced(): is a zone the request could use above its high
 * watermark, for @order? One is enough; with none to use, trivially.
 */
static bool node_balanced(struct toy_node *node, unsigned int order,
			  int highest_zoneidx)
{
	bool any = false;
	int z;

	for (z = 0; z <= highest_zoneidx; z++) {
		struct toy_zone *zone = &node->zones[z];

		if (!zone->nr_pages)
			continue;
		any = true;
		if (toy_zone_watermark_ok(zone, order,
					  toy_wmark_pages(zone, TOY_WMARK_HIGH),
					  highest_zoneidx, 0,
					  READ_ONCE(zone->free_pages)))
			return true;
	}
	return !any;
}

/* pgdat_watermark_boosted(): a zone the request could use is boosted. */
static bool node_boosted(struct toy_node *node, int highest_zoneidx)
{
	int z;

	for (z = 0; z <= highest_zoneidx; z++)
		if (READ_ONCE(node->zones[z].watermark_boost))
			return true;
	return false;
}

/*
 * balance_pgdat(): reclaim at falling priority, down to 1, until the node
 * is balanced for @order. A priority drops when its pass reclaimed
 * nothing; once twice the request's pages are back, what is left to do
 * is compaction's and kswapd goes on for order 0 (kswapd_shrink_node()).
 * A run that reclaims nothing at all is a failure, and after
 * MAX_RECLAIM_RETRIES of them kswapd leaves the node alone
 * (node_unreclaimable in zoneinfo) until reclaim makes progress again.
 * Return the order it ended at.
 */
static unsigned int balance_node(struct toy_node *node, unsigned int order,
				 int highest_zoneidx)
{
	unsigned long reclaimed = 0, got, boosts[TOY_NR_ZONES];
	int priority = TOY_DEF_PRIORITY, z;
	bool boosted = false;

	/*
	 * The boosts a fallback left are reclaimed for too; kswapd takes
	 * them off once it is done, as balance_pgdat() does.
	 */
	for (z = 0; z < TOY_NR_ZONES; z++)
		boosts[z] = z <= highest_zoneidx ?
			    READ_ONCE(node->zones[z].watermark_boost) : 0;
	toy_node_count_event(node, TOY_VM_PAGEOUTRUN, 1);
	do {
		if (node_balanced(node, order, highest_zoneidx))
			break;
		got = shrink_node(node, priority, true);
		reclaimed += got;
		if (order && reclaimed >= 2UL << order)
			order = 0;
		if (!got)
			priority--;
	} while (priority >= 1 && !kthread_should_stop());
	if (reclaimed)
		WRITE_ONCE(node->kswapd_failures, 0);
	else if (!node_balanced(node, order, highest_zoneidx))
		WRITE_ONCE(node->kswapd_failures, node->kswapd_failures + 1);
	for (z = 0; z < TOY_NR_ZONES; z++) {
		struct toy_zone *zone = &node->zones[z];
		unsigned long flags;

		if (!boosts[z])
			continue;
		boosted = true;
		spin_lock_irqsave(&zone->lock, flags);
		WRITE_ONCE(zone->watermark_boost, zone->watermark_boost -
			   min(zone->watermark_boost, boosts[z]));
		spin_unlock_irqrestore(&zone->lock, flags);
	}
	/* A boost came from fragmentation: compact whole pageblocks. */
	if (boosted)
		toy_wakeup_kcompactd(node, TOY_PAGEBLOCK_ORDER, highest_zoneidx);
	return order;
}

/* prepare_kswapd_sleep(): a hopeless node, or a balanced one. */
static bool prepare_sleep(struct toy_node *node, unsigned int order,
			  int highest_zoneidx)
{
	return READ_ONCE(node->kswapd_failures) >= TOY_MAX_RECLAIM_RETRIES ||
	       node_balanced(node, order, highest_zoneidx);
}

/* kswapd_highest_zoneidx(): the zone asked for, else the one before. */
static int kswapd_highest(struct toy_node *node, int prev)
{
	int idx = READ_ONCE(node->kswapd_highest_zoneidx);

	return idx == TOY_NR_ZONES ? prev : idx;
}

/*
 * kswapd_try_to_sleep(): nap for HZ/10 if balanced for @order (where
 * reclaim ended), waking kcompactd for @alloc_order (what was asked),
 * then sleep until woken if still so. Woken during the nap: the low watermark was hit
 * again quickly; not balanced after it: the high one.
 */
static void kswapd_try_to_sleep(struct toy_node *node, unsigned int alloc_order,
				unsigned int order, int highest_zoneidx)
{
	long remaining = 0;
	DEFINE_WAIT(wait);

	if (kthread_should_stop())
		return;
	prepare_to_wait(&node->kswapd_wait, &wait, TASK_INTERRUPTIBLE);
	if (prepare_sleep(node, order, highest_zoneidx)) {
		/* The memory is back: compaction may now make it contiguous. */
		toy_wakeup_kcompactd(node, alloc_order, highest_zoneidx);
		remaining = schedule_timeout(HZ / 10);
		finish_wait(&node->kswapd_wait, &wait);
		prepare_to_wait(&node->kswapd_wait, &wait, TASK_INTERRUPTIBLE);
	}
	if (!remaining && prepare_sleep(node, order, highest_zoneidx)) {
		if (!kthread_should_stop())
			schedule();
	} else {
		toy_node_count_event(node, remaining ?
				  TOY_VM_KSWAPD_LOW_WMARK_HIT_QUICKLY :
				  TOY_VM_KSWAPD_HIGH_WMARK_HIT_QUICKLY, 1);
	}
	finish_wait(&node->kswapd_wait, &wait);
}

/*
 * kswapd(): sleep, take the order and zone asked for since (resetting
 * them), balance; a run that ended at a lower order than asked tries to
 * sleep at that order before looking again.
 */
static int toy_kswapd(void *data)
{
	unsigned int alloc_order, reclaim_order;
	int highest = TOY_NR_ZONES - 1;
	struct toy_node *node = data;

	WRITE_ONCE(node->kswapd_order, 0);
	WRITE_ONCE(node->kswapd_highest_zoneidx, TOY_NR_ZONES);
	while (!kthread_should_stop()) {
		alloc_order = READ_ONCE(node->kswapd_order);
		reclaim_order = alloc_order;
		highest = kswapd_highest(node, highest);
		do {
			kswapd_try_to_sleep(node, alloc_order, reclaim_order, highest);
			alloc_order = READ_ONCE(node->kswapd_order);
			highest = kswapd_highest(node, highest);
			WRITE_ONCE(node->kswapd_order, 0);
			WRITE_ONCE(node->kswapd_highest_zoneidx, TOY_NR_ZONES);
			if (kthread_should_stop())
				return 0;
			reclaim_order = balance_node(node, alloc_order, highest);
		} while (reclaim_order < alloc_order);
	}
	return 0;
}

/**
 * toy_wakeup_kswapd() - wakeup_kswapd(): a request found its zones low
 * @node: the node.
 * @gfp: the request's flags (0 for a boost's wakeup).
 * @order: the order asked for.
 * @highest_zoneidx: the highest zone the request may use.
 *
 * Records what to balance for and wakes the node's kswapd if it sleeps,
 * unless the node is hopeless or balanced already: then the memory may be
 * there but fragmented, and a request that cannot compact by itself wakes
 * kcompactd instead, which compaction_suitable() lets work or not.
 *
 * Context: Any context.
 */
void toy_wakeup_kswapd(struct toy_node *node, toy_gfp_t gfp, unsigned int order,
		       int highest_zoneidx)
{
	int cur = READ_ONCE(node->kswapd_highest_zoneidx);

	if (!node->kswapd)
		return;
	if (cur == TOY_NR_ZONES || cur < highest_zoneidx)
		WRITE_ONCE(node->kswapd_highest_zoneidx, highest_zoneidx);
	if (READ_ONCE(node->kswapd_order) < order)
		WRITE_ONCE(node->kswapd_order, order);
	/*
	 * A kswapd not on its queue is running and will look at the order
	 * and zone just written before it sleeps (kswapd_try_to_sleep()
	 * checks again after prepare_to_wait()), as in wakeup_kswapd().
	 */
	if (!waitqueue_active(&node->kswapd_wait))
		return;
	if (READ_ONCE(node->kswapd_failures) >= TOY_MAX_RECLAIM_RETRIES ||
	    (node_balanced(node, order, highest_zoneidx) &&
	     !node_boosted(node, highest_zoneidx))) {
		if (!(gfp & __TOY_GFP_DIRECT_RECLAIM))
			toy_wakeup_kcompactd(node, order, highest_zoneidx);
		return;
	}
	atomic_long_inc(&node->kswapd_wakeups);
	wake_up_interruptible(&node->kswapd_wait);
}

/**
 * toy_try_to_free_pages() - direct reclaim, try_to_free_pages()
 * @node: the node.
 * @highest_zoneidx: the highest zone of the request, whose allocstall
 *	counter counts the stall.
 *
 * Passes at falling priority until SWAP_CLUSTER_MAX pages are back or
 * priority 0 has been tried.
 *
 * Context: Process context; the caller may sleep.
 * Return: the pages reclaimed.
 */
unsigned long toy_try_to_free_pages(struct toy_node *node, int highest_zoneidx)
{
	unsigned long reclaimed = 0;
	int priority;

	might_sleep();
	this_cpu_inc(node->zones[highest_zoneidx].events->ev[TOY_ZS_ALLOCSTALL]);
	for (priority = TOY_DEF_PRIORITY; priority >= 0; priority--) {
		reclaimed += shrink_node(node, priority, false);
		if (reclaimed >= SWAP_CLUSTER_MAX)
			break;
		cond_resched();
	}
	if (reclaimed)
		WRITE_ONCE(node->kswapd_failures, 0);
	return reclaimed;
}
EXPORT_SYMBOL_IF_KUNIT(toy_try_to_free_pages);

/**
 * toy_kswapd_run() - start a node's kswapd, "toy_kswapd<nid>"
 * @node: the node.
 *
 * Context: Process context.
 * Return: 0, or the kthread's error.
 */
int toy_kswapd_run(struct toy_node *node)
{
	struct task_struct *t;

	t = kthread_run(toy_kswapd, node, "toy_kswapd%d", node->nid);
	if (IS_ERR(t)) {
		pr_err("node %d: kswapd did not start: %ld\n", node->nid,
		       PTR_ERR(t));
		return PTR_ERR(t);
	}
	node->kswapd = t;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(toy_kswapd_run);

/**
 * toy_kswapd_stop() - stop a node's kswapd, if it runs
 * @node: the node.
 *
 * Context: Process context.
 */
void toy_kswapd_stop(struct toy_node *node)
{
	if (!node->kswapd)
		return;
	kthread_stop(node->kswapd);
	node->kswapd = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(toy_kswapd_stop);

/**
 * toy_node_reclaim_init() - the LRU, shrinker list and kswapd state of a node
 * @node: the node, being set up.
 */
void toy_node_reclaim_init(struct toy_node *node)
{
	spin_lock_init(&node->lru_lock);
	INIT_LIST_HEAD(&node->lru);
	init_rwsem(&node->shrinker_rwsem);
	INIT_LIST_HEAD(&node->shrinkers);
	init_waitqueue_head(&node->kswapd_wait);
	node->kswapd_highest_zoneidx = TOY_NR_ZONES;
}

/**
 * toy_node_reclaim_exit() - drop what is left on the LRU, at teardown
 * @node: the node; kswapd stopped, no owner left.
 *
 * Return: the pages still on the LRU, now freed.
 */
unsigned long toy_node_reclaim_exit(struct toy_node *node)
{
	unsigned long left = READ_ONCE(node->nr_lru_pages);

	if (left)
		shrink_lru(node, ULONG_MAX, true);
	return left;
}
