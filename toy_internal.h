/* SPDX-License-Identifier: GPL-2.0 */
/*
 * toy_alloc's private header: what every layer shares. The page
 * descriptors, zones and nodes of the buddy (toy_buddy.c, toy_vmstat.c),
 * fault injection (toy_fault.c), the glue between toy_main.c and
 * toy_ctl.c, and the lock order of the whole module. Each layer above the
 * buddy has a header of its own beside this one (toy_slab.h,
 * toy_highmem.h, toy_ctl.h); the public API is toy_kmalloc.h.
 *
 * The layers, each calling only those below it:
 *
 *   toy_ctl*.c      the ctl file, its verbs and handles
 *   toy_kmalloc.c   kmalloc              toy_vmalloc.c   vmalloc
 *   toy_slab*.c     caches, slabs        toy_highmem.c   kmap, page_address
 *   toy_buddy.c, toy_vmstat.c            the pages, zones, free lists
 *   toy_fault.c     fail_page_alloc, failslab, fail_nth
 *
 * toy_main.c sets them up in that order from the bottom and reads every
 * module parameter.
 */
#ifndef _TOY_INTERNAL_H
#define _TOY_INTERNAL_H

#include <linux/bits.h>
#include <linux/jump_label.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mmzone.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "toy_kmalloc.h"

/*
 * Lock order, outermost first: every lock of every layer. A lock is only
 * ever taken with those above it on its own branch held, never the other
 * way round; locks on different branches are never held together. Each
 * field a lock guards says so beside the field.
 *
 *   ctl_mutex (toy_ctl.c)         one ctl command at a time; the handle IDR
 *     toy_slab_mutex              the list of caches: create, destroy, tune,
 *                                 slabinfo, validate, unload
 *       toy_array_cache section   one CPU's array of one cache: preemption
 *                                 off and its busy flag (PREEMPT_RT: its
 *                                 lock); one at a time in a context
 *         toy_kmem_cache::lock    a cache's lists, counts and slabs;
 *                                 irq-safe; never two at once
 *           toy_pcp section       one CPU's free order-0 pages:
 *                                 preemption off and its busy flag
 *                                 (PREEMPT_RT: its lock); never two
 *             toy_zone::lock      a zone's free lists; irq-safe; never
 *                                 two at once
 *     toy_node::all_pcp_lock      the one freezer of a zone (drain,
 *                                 validate, pagemap): marks it, waits a
 *                                 grace period, then holds the zone lock
 *     toy_node::shrinker_rwsem    the shrinker list; reclaim only trylocks
 *                                 it, and a shrinker trylocks its own
 *                                 locks (the slab mutex, a cache lock):
 *                                 reclaim runs inside allocations
 *     toy_node::lru_lock          the page cache LRU; irq-safe, nothing
 *                                 taken inside it (reclaimed pages are
 *                                 freed after it is dropped)
 *     fault_mutex (toy_fault.c)   updates of the fault-injection static
 *                                 key, which take cpus_read_lock() inside
 *     cpus_read_lock()            highmem validate, while it copies each
 *                                 CPU's local mappings on that CPU
 *     toy_highmem::kmap_lock      the pkmap window; process context
 *       toy_pa_slot::lock         a bucket of the page -> address hash;
 *                                 irq-safe
 *     toy_hm_task::lock           the ctl file's kmap_local stack
 *     toy_highmem::vmap_lock      the vmalloc areas
 *     toy_large_lock              large kmalloc blocks (toy_kmalloc.c);
 *                                 irq-safe
 *
 * Where the ctl mutex is not held (the public API, the debugfs files,
 * unload), each branch starts at its first lock below it. The pcp and
 * zone locks come last on the slab's branch because an empty slab goes
 * back to the buddy under its cache lock; highmem, vmalloc and large
 * kmalloc call the buddy with none of their locks held. The per-CPU local
 * mappings of kmap_local take no lock: only their own CPU touches them,
 * with interrupts off.
 */
/*
 * The region is taken from the real kernel in blocks of the largest order
 * its buddy hands out (MAX_ORDER - 1: 4 MiB with 4 KiB pages). The toy's
 * own largest order is the same, so a toy block never straddles two real
 * blocks and is always physically contiguous.
 */
#define TOY_BLOCK_ORDER		(TOY_MAX_ORDER - 1)
#define TOY_BLOCK_PAGES		BIT(TOY_BLOCK_ORDER)
#define TOY_BLOCK_MB		(TOY_BLOCK_PAGES >> (20 - PAGE_SHIFT))

/*
 * Bits in toy_page::flags, each changed under the lock named beside it. A
 * page has one owner at a time, whose lock orders a change before the
 * page passes on; the bits that a free may test without that lock (HEAD
 * in pcp_free(), SLAB in kfree()) are changed with atomic bit operations
 * where another owner may change the word at the same time.
 */
enum toy_page_flags {
	/* Head of a free block, on a free list: zone lock. */
	TOY_PG_BUDDY,
	/*
	 * Head of an allocated block: zone lock, or the pcp section of the list
	 * it leaves or joins; cleared by test_and_clear_bit(), as two frees
	 * race for it.
	 */
	TOY_PG_HEAD,
	/*
	 * First page of a slab (toy_slab.c): set before the slab is on a
	 * list, cleared under the cache lock; atomic, as slab_cache_of()
	 * reads it with no lock.
	 */
	TOY_PG_SLAB,
	/* First page of a large kmalloc (toy_slab.c): toy_large_lock. */
	TOY_PG_LARGE,
	/* Free, on a per-CPU list (order 0): its pcp section (frozen: the zone lock). */
	TOY_PG_PCP,
	/* Head of a "page cache" block on the node's LRU: its lru_lock. */
	TOY_PG_LRU,
	/* Head of a movable allocation: its owner (atomic, while allocated). */
	TOY_PG_MOVABLE,
	/*
	 * Head of a block an owner's record points at (struct toy_page_ref),
	 * so that @owner is valid: the node's lru_lock.
	 */
	TOY_PG_OWNED,
	/*
	 * A page compaction took to migrate, off the LRU if it was on it
	 * (isolate_lru_page()): the node's lru_lock.
	 */
	TOY_PG_ISOLATED,
};

struct toy_kmem_cache;
struct toy_page_ref;
struct toy_node;

/**
 * struct toy_page - the toy's page descriptor, one per page of the region
 * @flags: TOY_PG_* bits.
 * @lru: free list linkage while %TOY_PG_BUDDY or %TOY_PG_PCP; slab list linkage while
 *	%TOY_PG_SLAB (under the cache lock).
 * @order: order of the block this page heads (free or allocated).
 * @zone: index of the zone holding the page (enum toy_zone_type).
 * @migratetype: %TOY_PG_BUDDY: the free list it is on; %TOY_PG_PCP: its
 *	pcp list (enum toy_migratetype).
 * @head_off: a tail page of a slab: how many pages back its first page is
 *	(compound_head() of the kernel's tail pages); 0 on every other page.
 * @slab_cache: %TOY_PG_SLAB: the cache the slab belongs to.
 * @owner: %TOY_PG_OWNED: the owner's record (toy_compaction.c), under
 *	the node's lru_lock.
 * @freelist: %TOY_PG_SLAB: first free object of the slab.
 * @inuse: %TOY_PG_SLAB: objects handed out.
 * @objects: %TOY_PG_SLAB: objects in the slab.
 *
 * Lives in the toy's own descriptor array, never in the real struct page.
 */
struct toy_page {
	unsigned long flags;
	struct list_head lru;
	u8 order;
	u8 zone;
	u16 head_off;	/* in the padding: the descriptor stays 56 bytes */
	u8 migratetype;
	union {
		struct toy_kmem_cache *slab_cache;
		struct toy_page_ref *owner;
	};
	void *freelist;
	unsigned int inuse;
	unsigned int objects;
};

enum toy_zone_type {
	TOY_ZONE_DMA,		/* the lowest pfns, for TOY_GFP_DMA; often empty */
	TOY_ZONE_NORMAL,	/* the rest of lowmem, directly mapped */
	TOY_ZONE_HIGHMEM,	/* no address until kmapped */
	TOY_NR_ZONES
};

/* The watermarks of a zone, as enum zone_watermarks. */
enum toy_zone_wmark {
	TOY_WMARK_MIN,
	TOY_WMARK_LOW,
	TOY_WMARK_HIGH,
	TOY_WMARK_PROMO,
	TOY_NR_WMARK
};

/*
 * alloc_flags of mm/internal.h, with the kernel's values: the watermark
 * an attempt checks, and how far below it the caller may go.
 */
#define TOY_ALLOC_WMARK_MIN		TOY_WMARK_MIN
#define TOY_ALLOC_WMARK_LOW		TOY_WMARK_LOW
#define TOY_ALLOC_WMARK_HIGH		TOY_WMARK_HIGH
#define TOY_ALLOC_NO_WATERMARKS		0x04	/* __GFP_MEMALLOC */
#define TOY_ALLOC_WMARK_MASK		(TOY_ALLOC_NO_WATERMARKS - 1)
#define TOY_ALLOC_NON_BLOCK		0x10	/* no direct reclaim */
#define TOY_ALLOC_MIN_RESERVE		0x20	/* __GFP_HIGH: half of min */
#define TOY_ALLOC_HIGHATOMIC		0x200	/* high-order atomic */
#define TOY_ALLOC_KSWAPD		0x800	/* may wake kswapd */
#define TOY_ALLOC_RESERVES		(TOY_ALLOC_NON_BLOCK | \
					 TOY_ALLOC_MIN_RESERVE | \
					 TOY_ALLOC_HIGHATOMIC)

/*
 * What of a slab or kmalloc request's flags reaches the buddy: how it may
 * reclaim and how far into the reserves, never a zone (its memory needs
 * an address) nor zeroing (the slab layer zeroes objects itself).
 */
#define TOY_GFP_SLAB_MASK	(__TOY_GFP_NOWARN | __TOY_GFP_HIGH |	\
				 __TOY_GFP_DIRECT_RECLAIM |		\
				 __TOY_GFP_KSWAPD_RECLAIM | __TOY_GFP_MEMALLOC)

/* The parameters the watermarks are made from (vm.* sysctls). */
struct toy_wmark_config {
	int min_free_kbytes;		/* -1: calculate_min_free_kbytes() */
	unsigned int watermark_scale_factor;	/* 1 .. 3000, of 10000 */
};

/*
 * Migrate types: the running kernel's enum migratetype, values and all -
 * CMA and Isolate only where it has CONFIG_CMA and CONFIG_MEMORY_ISOLATION
 * (Debian's 6.1 has the second), so that pagetypeinfo has its columns.
 * pcp lists exist for the first three. The toy never makes CMA or
 * isolated pageblocks: their columns stay 0.
 */
enum toy_migratetype {
	TOY_MIGRATE_UNMOVABLE = MIGRATE_UNMOVABLE,
	TOY_MIGRATE_MOVABLE = MIGRATE_MOVABLE,
	TOY_MIGRATE_RECLAIMABLE = MIGRATE_RECLAIMABLE,
	TOY_MIGRATE_PCPTYPES = MIGRATE_PCPTYPES,
	TOY_MIGRATE_HIGHATOMIC = MIGRATE_HIGHATOMIC,
#ifdef CONFIG_CMA
	TOY_MIGRATE_CMA = MIGRATE_CMA,
#endif
#ifdef CONFIG_MEMORY_ISOLATION
	TOY_MIGRATE_ISOLATE = MIGRATE_ISOLATE,
#endif
	TOY_MIGRATE_TYPES = MIGRATE_TYPES
};

/* is_migrate_isolate(): false where the kernel has no isolation. */
static inline bool toy_is_migrate_isolate(int mt)
{
#ifdef CONFIG_MEMORY_ISOLATION
	return mt == TOY_MIGRATE_ISOLATE;
#else
	return false;
#endif
}

extern const char *const toy_migratetype_names[TOY_MIGRATE_TYPES];

/*
 * pageblock_order of the running kernel (9 on x86_64: a PMD's worth), at
 * most the toy's largest order.
 */
#define TOY_PAGEBLOCK_ORDER	min_t(unsigned int, pageblock_order, TOY_BLOCK_ORDER)
#define TOY_PAGEBLOCK_PAGES	BIT(TOY_PAGEBLOCK_ORDER)

struct toy_free_area {
	/* heads of free blocks of one order, by migrate type */
	struct list_head free_list[TOY_MIGRATE_TYPES];
	unsigned long nr_free;		/* blocks on the lists */
};

/*
 * Event counters of a zone, per CPU; names in toy_zone_stat_names[] for
 * those the stats file shows (vmstat shows the page counts).
 */
enum toy_zone_stat {
	TOY_ZS_ALLOC,		/* successful allocations */
	TOY_ZS_FREE,		/* blocks freed */
	TOY_ZS_SPLIT,		/* a block split into two buddies */
	TOY_ZS_MERGE,		/* two buddies merged on free */
	TOY_ZS_FAIL,		/* allocations that found no block */
	TOY_ZS_FALLBACK,	/* HighMem wanted, a lower zone given */
	TOY_ZS_PCP_REFILL,	/* pages moved from the free lists to a pcp list */
	TOY_ZS_PCP_DRAIN,	/* pages moved from a pcp list back */
	TOY_ZS_PGALLOC,		/* pages allocated (vmstat's pgalloc_<zone>) */
	TOY_ZS_PGFREE,		/* pages freed (pgfree) */
	TOY_ZS_ALLOCSTALL,	/* direct reclaims of requests up to this zone */
	TOY_ZS_EXTFRAG,		/* fallbacks to another type (mm_page_alloc_extfrag) */
	TOY_ZS_STEAL_BLOCK,	/* pageblocks that changed type in a fallback */
	TOY_NR_ZONE_STATS
};

/* MAX_RECLAIM_RETRIES of mm/internal.h: reclaim's patience. */
#define TOY_MAX_RECLAIM_RETRIES	16

/* The largest pcp batch: a pcp list then holds up to 24 MiB. */
#define TOY_PCP_BATCH_MAX	1024

struct toy_zone_events {
	unsigned long ev[TOY_NR_ZONE_STATS];
};

/*
 * The pcp lists of a CPU, as 6.1's NR_PCP_LISTS: one per migrate type that
 * has them for each order up to PAGE_ALLOC_COSTLY_ORDER, and one for
 * blocks of pageblock_order where the kernel has transparent huge pages.
 */
#define TOY_NR_LOWORDER_PCP_LISTS	(TOY_MIGRATE_PCPTYPES *		\
					 (PAGE_ALLOC_COSTLY_ORDER + 1))
#define TOY_NR_PCP_THP		IS_ENABLED(CONFIG_TRANSPARENT_HUGEPAGE)
#define TOY_NR_PCP_LISTS	(TOY_NR_LOWORDER_PCP_LISTS + TOY_NR_PCP_THP)

/**
 * struct toy_pcp - a CPU's cache of free blocks (per_cpu_pages)
 * @lock: PREEMPT_RT only: the pcp section (toy_buddy.c, pcp_enter()).
 * @busy: !PREEMPT_RT: set while this CPU is in the pcp section; an
 *	interrupt that finds it set goes to the zone lock.
 * @count: pages (not blocks) on @lists.
 * @lists: free blocks flagged %TOY_PG_PCP, hottest first, by order and
 *	migrate type (order_to_pindex() in toy_buddy.c).
 *
 * @count, @lists and the flags of the pages on them change in the section,
 * on its own CPU, or, while the zone is frozen, under the zone lock.
 */
struct toy_pcp {
	spinlock_t lock;		/* see above */
	bool busy;			/* see above */
	int count;
	struct list_head lists[TOY_NR_PCP_LISTS];
};

extern const char *const toy_zone_stat_names[TOY_NR_ZONE_STATS];

/**
 * struct toy_zone - a range of toy pfns with its own free lists
 * @lock: guards @free_area, @free_pages, @stat, the pageblock types of the
 *	zone and the flags, order, migratetype and lru of every page in it.
 * @node: the node the zone is part of (zone->zone_pgdat).
 * @name: "DMA", "Normal" or "HighMem", as in /proc/buddyinfo.
 * @start_pfn: first toy pfn of the zone.
 * @nr_pages: pages in the zone (a multiple of %TOY_BLOCK_PAGES; 0: empty);
 *	spanned, present and managed pages all at once, as the toy reserves
 *	none of its own.
 * @free_pages: pages on the free lists (not those on pcp lists): the
 *	kernel's NR_FREE_PAGES, which the watermarks are checked against.
 * @watermark: min, low, high and promo, in pages (__setup_per_zone_wmarks()).
 * @watermark_boost: pages added to each watermark after a fragmenting
 *	fallback (boost_watermark()); 0 until one happens.
 * @lowmem_reserve: pages this zone keeps from a request whose highest
 *	zone is the index (setup_per_zone_lowmem_reserve()).
 * @nr_reserved_highatomic: pages held back for high-order atomic requests.
 * @nr_inactive_file: pages of the zone on the node's LRU (its lru_lock).
 * @boosted: a fallback boosted the watermarks; the next allocation from the
 *	zone wakes kswapd (ZONE_BOOSTED_WATERMARK).
 * @free_area: free lists, one per order.
 * @pcp: the per-CPU lists of free blocks of orders 0..3 and pageblock order.
 * @pcp_batch: order-0 pages moved at once between @free_area and a pcp
 *	list (higher orders: @pcp_batch >> order blocks, at least 2); 0: no
 *	pcp lists, every block goes straight to the free lists.
 * @pcp_high: a CPU's lists that reach this many pages give @pcp_batch
 *	pages back.
 * @compact_considered: compactions skipped since the last deferral
 *	(defer_compaction(); these three are plain, racy hints, as the
 *	kernel's are).
 * @compact_defer_shift: 1 << this compactions are skipped after a failure.
 * @compact_order_failed: the lowest order compaction failed at.
 * @frozen: set by toy_zone_freeze() under the node's all_pcp_lock, read
 *	in a pcp section: while set, pcp lists change only under @lock.
 * @events: per-CPU event counters; read with toy_zone_stat().
 */
struct toy_zone {
	spinlock_t lock;		/* see above */
	struct toy_node *node;
	const char *name;
	unsigned long start_pfn;
	unsigned long nr_pages;
	unsigned long free_pages;
	unsigned long watermark[TOY_NR_WMARK];
	unsigned long watermark_boost;
	long lowmem_reserve[TOY_NR_ZONES];
	unsigned long nr_reserved_highatomic;
	unsigned long nr_inactive_file;
	bool boosted;
	struct toy_free_area free_area[TOY_MAX_ORDER];
	struct toy_pcp __percpu *pcp;
	unsigned int pcp_batch;
	unsigned int pcp_high;
	unsigned int compact_considered;
	unsigned int compact_defer_shift;
	int compact_order_failed;
	bool frozen;			/* see above */
	struct toy_zone_events __percpu *events;
};

/*
 * Reclaim and compaction events of a node, /proc/vmstat's, in its order;
 * names in toy_vm_event_names[].
 */
enum toy_vm_event {
	TOY_VM_PGSTEAL_KSWAPD,
	TOY_VM_PGSTEAL_DIRECT,
	TOY_VM_PGSCAN_KSWAPD,
	TOY_VM_PGSCAN_DIRECT,
	TOY_VM_PGSCAN_FILE,
	TOY_VM_PGSTEAL_FILE,
	TOY_VM_SLABS_SCANNED,
	TOY_VM_KSWAPD_LOW_WMARK_HIT_QUICKLY,
	TOY_VM_KSWAPD_HIGH_WMARK_HIT_QUICKLY,
	TOY_VM_PAGEOUTRUN,
	TOY_VM_PGMIGRATE_SUCCESS,
	TOY_VM_PGMIGRATE_FAIL,
	TOY_VM_COMPACT_MIGRATE_SCANNED,
	TOY_VM_COMPACT_FREE_SCANNED,
	TOY_VM_COMPACT_ISOLATED,
	TOY_VM_COMPACT_STALL,
	TOY_VM_COMPACT_FAIL,
	TOY_VM_COMPACT_SUCCESS,
	TOY_VM_COMPACT_DAEMON_WAKE,
	TOY_VM_COMPACT_DAEMON_MIGRATE_SCANNED,
	TOY_VM_COMPACT_DAEMON_FREE_SCANNED,
	TOY_NR_VM_EVENTS
};

extern const char *const toy_vm_event_names[TOY_NR_VM_EVENTS];

/**
 * struct toy_shrink_control - one call of a shrinker (shrink_control)
 * @nr_to_scan: objects to look at.
 * @nr_scanned: objects looked at; the shrinker may lower it.
 * @nr_reclaimed_pages: pages the shrinker gave back to the buddy
 *	(reclaim_state->reclaimed_slab), added up over the calls.
 */
struct toy_shrink_control {
	unsigned long nr_to_scan;
	unsigned long nr_scanned;
	unsigned long nr_reclaimed_pages;
};

#define TOY_SHRINK_STOP		(~0UL)

/**
 * struct toy_shrinker - what a layer lets reclaim take (struct shrinker)
 * @count_objects: how many objects could be freed now; 0: none (or busy).
 * @scan_objects: free up to @sc->nr_to_scan of them; return how many, or
 *	%TOY_SHRINK_STOP if it cannot now. Called from kswapd and direct
 *	reclaim, inside allocations: it may take its own locks only with
 *	trylock, and must not allocate.
 * @list: on the node's shrinker list.
 */
struct toy_shrinker {
	unsigned long (*count_objects)(struct toy_shrinker *sh);
	unsigned long (*scan_objects)(struct toy_shrinker *sh,
				      struct toy_shrink_control *sc);
	struct list_head list;
};

/* Kinds of buddy misuse, each counted; names in toy_misuse_names[]. */
enum toy_misuse {
	TOY_MISUSE_ORDER,	/* order out of range */
	TOY_MISUSE_DOUBLE_FREE,	/* the block is already free */
	TOY_MISUSE_TAIL,	/* page inside an allocated block, not its head */
	TOY_MISUSE_WRONG_ORDER,	/* freed with another order than allocated */
	TOY_MISUSE_FOREIGN,	/* not a page of this node */
	TOY_NR_MISUSE
};

extern const char *const toy_misuse_names[TOY_NR_MISUSE];

/**
 * struct toy_node - one region of memory and its zones (a pg_data_t)
 * @nid: node id, printed as "Node %d" in buddyinfo; the module's is 0.
 * @nr_pages: pages in the region, toy pfns 0 .. @nr_pages - 1.
 * @nr_blocks: real blocks of order %TOY_BLOCK_ORDER backing the region.
 * @blocks: the real blocks; toy pfn p lives in @blocks[p >> TOY_BLOCK_ORDER].
 * @block_map: (real pfn >> TOY_BLOCK_ORDER) - @block_base -> index into
 *	@blocks + 1, or 0: not the toy's (toy_node_virt_to_page()).
 * @block_base: the lowest real pfn >> TOY_BLOCK_ORDER of the region.
 * @block_span: entries of @block_map.
 * @pages: the toy's page descriptors.
 * @pageblock_mt: the migrate type of each pageblock (pfn >>
 *	%TOY_PAGEBLOCK_ORDER), under its zone's lock.
 * @zones: DMA (the lowest pfns, if any), Normal, HighMem (the top of the
 *	region, if any).
 * @wmark: the parameters the watermarks were last set up from.
 * @min_free_kbytes: the min_free_kbytes in effect (computed, or given).
 * @misuse: misuse counters, atomic: bumped outside the zone locks.
 * @misuse_reported: one bit per class, set once its first report printed.
 * @all_pcp_lock: held by whoever freezes a zone (toy_zone_freeze()).
 * @lru_lock: guards @lru, @nr_lru_pages, every owner's record (struct
 *	toy_page_ref), the owner field of the pages they own and their
 *	%TOY_PG_LRU and %TOY_PG_ISOLATED bits; irq-safe, innermost of all.
 * @lru: "page cache" blocks, newest at the head (toy_vmscan.c).
 * @nr_lru_pages: pages of the blocks on @lru.
 * @shrinker_rwsem: guards @shrinkers; reclaim only trylocks it.
 * @shrinkers: what reclaim asks for objects (struct toy_shrinker).
 * @kswapd: the node's kswapd, or NULL when none runs.
 * @kswapd_wait: where kswapd sleeps.
 * @kswapd_order: the highest order asked for since kswapd last looked.
 * @kswapd_highest_zoneidx: the highest zone asked for since then;
 *	%TOY_NR_ZONES: none.
 * @kswapd_failures: kswapd runs in a row that reclaimed nothing.
 * @kswapd_wakeups: times kswapd was woken (toy_wakeup_kswapd()).
 * @kcompactd: the node's kcompactd, or NULL when none runs.
 * @kcompactd_wait: where kcompactd sleeps.
 * @kcompactd_max_order: the highest order kcompactd was woken for.
 * @kcompactd_highest_zoneidx: the highest zone it was woken for.
 * @extfrag_threshold: compaction of a costly order is skipped in a zone
 *	whose fragmentation index is at most this (vm.extfrag_threshold).
 * @vm_events: the node's reclaim and compaction counters (enum
 *	toy_vm_event).
 */
struct toy_node {
	int nid;
	unsigned long nr_pages;
	unsigned int nr_blocks;
	struct page **blocks;
	u32 *block_map;
	unsigned long block_base;
	unsigned long block_span;
	struct toy_page *pages;
	u8 *pageblock_mt;
	struct toy_zone zones[TOY_NR_ZONES];
	struct toy_wmark_config wmark;
	int min_free_kbytes;
	atomic_long_t misuse[TOY_NR_MISUSE];
	unsigned long misuse_reported;
	struct mutex all_pcp_lock;	/* see above */
	spinlock_t lru_lock;		/* see above */
	struct list_head lru;
	unsigned long nr_lru_pages;
	struct rw_semaphore shrinker_rwsem;	/* see above */
	struct list_head shrinkers;
	struct task_struct *kswapd;
	wait_queue_head_t kswapd_wait;
	int kswapd_order;
	int kswapd_highest_zoneidx;
	int kswapd_failures;
	atomic_long_t kswapd_wakeups;
	struct task_struct *kcompactd;
	wait_queue_head_t kcompactd_wait;
	int kcompactd_max_order;
	int kcompactd_highest_zoneidx;
	int extfrag_threshold;
	atomic_long_t vm_events[TOY_NR_VM_EVENTS];
};

/*
 * A per-CPU section: this CPU's instance of @pcpu (a __percpu pointer to a
 * struct with "bool busy" and "spinlock_t lock") for the caller alone,
 * until toy_section_exit(). Without PREEMPT_RT that is preemption off and
 * busy set, no lock and no interrupt toggled; an interrupt on this CPU
 * that comes in meanwhile finds busy set and gets NULL, so it takes the
 * locked path instead (what local_trylock() of later kernels does). An
 * interrupt that comes before busy is set runs to its end before the
 * section reads the instance, so compiler barriers are all it takes.
 * Other CPUs never touch the instance; whoever must marks the whole
 * structure frozen and waits a grace period, as each section runs with
 * preemption off. With PREEMPT_RT, where interrupts are threads and
 * spinlock_t sleeps, the section is the instance's lock with migration
 * off, which a thread that comes in waits for. The slab's per-CPU arrays
 * and the buddy's pcp lists both live in such sections.
 */
#define toy_section_enter(pcpu)						\
({									\
	typeof(pcpu) __pcpu = (pcpu);					\
	typeof(this_cpu_ptr(__pcpu)) __sec;				\
									\
	if (IS_ENABLED(CONFIG_PREEMPT_RT)) {				\
		migrate_disable();					\
		__sec = this_cpu_ptr(__pcpu);				\
		spin_lock(&__sec->lock);				\
	} else {							\
		preempt_disable();					\
		__sec = this_cpu_ptr(__pcpu);				\
		if (unlikely(READ_ONCE(__sec->busy))) {			\
			preempt_enable();				\
			__sec = NULL;					\
		} else {						\
			WRITE_ONCE(__sec->busy, true);			\
			barrier();					\
		}							\
	}								\
	__sec;								\
})

#define toy_section_exit(sec)						\
do {									\
	typeof(sec) __sec = (sec);					\
									\
	if (IS_ENABLED(CONFIG_PREEMPT_RT)) {				\
		spin_unlock(&__sec->lock);				\
		migrate_enable();					\
	} else {							\
		barrier();						\
		WRITE_ONCE(__sec->busy, false);				\
		preempt_enable();					\
	}								\
} while (0)

/* The module's node, made at load from mem_mb and highmem_mb. */
extern struct toy_node toy_node0;

/* The sizes of a node's zones, in MiB, each a multiple of 4. */
struct toy_node_config {
	unsigned long mem_mb;		/* the whole region */
	unsigned long highmem_mb;	/* its top: HighMem; 0 for none */
	unsigned long dma_mb;		/* its bottom: DMA; 0 for none */
};

/* --- toy_buddy.c: nodes --- */
int toy_node_init(struct toy_node *node, int nid, unsigned long mem_mb,
		  unsigned long highmem_mb);
int toy_node_init_config(struct toy_node *node, int nid,
			 const struct toy_node_config *cfg);
int toy_node_set_watermarks(struct toy_node *node,
			    const struct toy_wmark_config *cfg);
int toy_calculate_min_free_kbytes(unsigned long lowmem_pages);
bool toy_zone_watermark_ok(struct toy_zone *zone, unsigned int order,
			   unsigned long mark, int highest_zoneidx,
			   unsigned int alloc_flags, long free_pages);
unsigned int toy_gfp_to_alloc_flags(toy_gfp_t gfp, unsigned int order);
int toy_pageblock_migratetype(struct toy_node *node, unsigned long pfn);
int toy_gfp_zone(toy_gfp_t gfp);
void toy_node_destroy(struct toy_node *node);
struct toy_page *toy_node_alloc(struct toy_node *node, toy_gfp_t gfp,
				unsigned int order);
void toy_node_free(struct toy_node *node, struct toy_page *page,
		   unsigned int order);
struct page *toy_node_real_page(struct toy_node *node,
				const struct toy_page *page);
struct toy_page *toy_node_block_head(struct toy_node *node,
				     struct toy_page *page);
unsigned long toy_node_allocated_pages(struct toy_node *node);
unsigned long toy_node_validate(struct toy_node *node);
void toy_node_set_pcp(struct toy_node *node, int batch);
void toy_node_drain_pcp(struct toy_node *node);
void toy_zone_drain_local(struct toy_node *node, struct toy_zone *zone);
unsigned long toy_zone_stat(struct toy_zone *zone, enum toy_zone_stat item);
unsigned long toy_zone_pcp_pages(struct toy_zone *zone);
void toy_zone_freeze(struct toy_node *node, struct toy_zone *zone);
void toy_zone_thaw(struct toy_node *node, struct toy_zone *zone);

static inline bool toy_page_test(const struct toy_page *page,
				 enum toy_page_flags bit)
{
	return test_bit(bit, &page->flags);
}

static inline unsigned long toy_node_pfn(const struct toy_node *node,
					 const struct toy_page *page)
{
	return page - node->pages;
}

/**
 * toy_node_virt_to_page() - the toy page holding a kernel address
 * @node: the node.
 * @addr: any address.
 *
 * The hot half of every free: a range check on the direct map, one load
 * from the block map, no lock, no RCU, no call. An address outside the
 * direct map (vmalloc, kmap, the kernel image, user space) or in frames
 * that are not the region's gives NULL.
 *
 * Context: Any context.
 * Return: the toy page whose data holds @addr, or NULL.
 */
static inline struct toy_page *toy_node_virt_to_page(struct toy_node *node,
						     const void *addr)
{
	unsigned long a = (unsigned long)addr, real_pfn, idx;
	u32 block;

	if (a < PAGE_OFFSET || a >= (unsigned long)high_memory)
		return NULL;
	real_pfn = PHYS_PFN(__pa(a));
	idx = (real_pfn >> TOY_BLOCK_ORDER) - node->block_base;
	if (idx >= node->block_span)
		return NULL;
	block = node->block_map[idx];
	if (!block)
		return NULL;
	return &node->pages[((unsigned long)(block - 1) << TOY_BLOCK_ORDER) +
			    (real_pfn & (TOY_BLOCK_PAGES - 1))];
}

/*
 * lowmem_page_address(): the direct-map address of a page of the Normal
 * zone, which is all a slab or a large kmalloc is made of.
 */
static inline void *toy_lowmem_page_address(struct toy_node *node,
					    const struct toy_page *page)
{
	return page_address(toy_node_real_page(node, page));
}

/* wmark_pages(): a watermark of a zone, with its boost. */
static inline unsigned long toy_wmark_pages(const struct toy_zone *zone,
					    enum toy_zone_wmark i)
{
	return READ_ONCE(zone->watermark[i]) + READ_ONCE(zone->watermark_boost);
}

/* Pages of the directly mapped zones, DMA and Normal: toy pfns 0 .. n-1. */
static inline unsigned long toy_node_lowmem_pages(const struct toy_node *node)
{
	return node->zones[TOY_ZONE_HIGHMEM].start_pfn;
}

/* count_vm_events() for a node's reclaim and compaction counters. */
static inline void toy_node_count_event(struct toy_node *node,
					enum toy_vm_event item,
					unsigned long delta)
{
	atomic_long_add(delta, &node->vm_events[item]);
}

static inline struct toy_zone *toy_page_zone(struct toy_node *node,
					     const struct toy_page *page)
{
	return &node->zones[page->zone];
}

/*
 * The LRU's membership and counts, under the node's lru_lock: an owned
 * page cache block on at the head (folio_add_lru()), or off.
 */
static inline void toy_lru_add(struct toy_node *node, struct toy_page *page)
	__must_hold(&node->lru_lock)
{
	__set_bit(TOY_PG_LRU, &page->flags);
	list_add(&page->lru, &node->lru);
	node->nr_lru_pages += 1UL << page->order;
	toy_page_zone(node, page)->nr_inactive_file += 1UL << page->order;
}

static inline void toy_lru_del(struct toy_node *node, struct toy_page *page)
	__must_hold(&node->lru_lock)
{
	__clear_bit(TOY_PG_LRU, &page->flags);
	list_del(&page->lru);
	node->nr_lru_pages -= 1UL << page->order;
	toy_page_zone(node, page)->nr_inactive_file -= 1UL << page->order;
}

/*
 * An owned block leaves its owner (a put, or reclaim): the owner's record
 * reads NULL from now on. Under the node's lru_lock.
 */
static inline void toy_page_disown(struct toy_page *page)
{
	__clear_bit(TOY_PG_OWNED, &page->flags);
	page->owner->page = NULL;
	page->owner = NULL;
}

/* --- toy_vmscan.c: reclaim --- */
void toy_node_reclaim_init(struct toy_node *node);
unsigned long toy_node_reclaim_exit(struct toy_node *node);
int toy_kswapd_run(struct toy_node *node);
void toy_kswapd_stop(struct toy_node *node);
void toy_wakeup_kswapd(struct toy_node *node, toy_gfp_t gfp, unsigned int order,
		       int highest_zoneidx);
unsigned long toy_try_to_free_pages(struct toy_node *node, int highest_zoneidx);
void toy_register_shrinker(struct toy_node *node, struct toy_shrinker *sh);
void toy_unregister_shrinker(struct toy_node *node, struct toy_shrinker *sh);
unsigned long toy_vm_event(struct toy_node *node, enum toy_vm_event item);

/* --- toy_compaction.c: owned movable pages, migration, compaction --- */

/* enum compact_result of the kernel, in its order (worse to better). */
enum toy_compact_result {
	TOY_COMPACT_NOT_SUITABLE_ZONE,
	TOY_COMPACT_SKIPPED,
	TOY_COMPACT_DEFERRED,
	TOY_COMPACT_NO_SUITABLE_PAGE,
	TOY_COMPACT_CONTINUE,
	TOY_COMPACT_COMPLETE,
	TOY_COMPACT_PARTIAL_SKIPPED,
	TOY_COMPACT_CONTENDED,
	TOY_COMPACT_SUCCESS,
};

/* enum compact_priority: async first, then sync-light. */
enum toy_compact_priority {
	TOY_COMPACT_PRIO_SYNC_FULL,	/* MIN_COMPACT_PRIORITY */
	TOY_COMPACT_PRIO_SYNC_LIGHT,	/* DEF_COMPACT_PRIORITY */
	TOY_COMPACT_PRIO_ASYNC,		/* INIT_COMPACT_PRIORITY */
};

/* The order compact_memory compacts for: the whole zone, no goal. */
#define TOY_COMPACT_ALL		(-1)
/* sysctl_extfrag_threshold's default. */
#define TOY_EXTFRAG_THRESHOLD	500

void toy_node_compaction_init(struct toy_node *node);
int toy_movable_page_add(struct toy_node *node, struct toy_page_ref *ref,
			 toy_gfp_t gfp, unsigned int order);
int toy_cache_page_add(struct toy_node *node, struct toy_page_ref *ref,
		       toy_gfp_t gfp, unsigned int order);
bool toy_page_ref_put(struct toy_node *node, struct toy_page_ref *ref);
long toy_page_ref_pfn(struct toy_node *node, struct toy_page_ref *ref);
struct toy_page *toy_page_ref_pin(struct toy_node *node,
				  struct toy_page_ref *ref);
void toy_page_ref_unpin(struct toy_node *node, struct toy_page_ref *ref);
enum toy_compact_result toy_compaction_suitable(struct toy_zone *zone,
						int order,
						unsigned int alloc_flags,
						int highest_zoneidx);
enum toy_compact_result toy_compact_zone(struct toy_zone *zone, int order,
					 int highest_zoneidx,
					 unsigned int alloc_flags,
					 enum toy_compact_priority prio,
					 bool direct, int migratetype);
enum toy_compact_result toy_try_to_compact_pages(struct toy_node *node,
						 unsigned int order,
						 unsigned int alloc_flags,
						 int highest_zoneidx,
						 enum toy_compact_priority prio,
						 int migratetype);
void toy_compaction_defer_reset(struct toy_zone *zone, int order,
				bool alloc_success);
void toy_compact_node(struct toy_node *node);
int toy_kcompactd_run(struct toy_node *node);
void toy_kcompactd_stop(struct toy_node *node);
void toy_wakeup_kcompactd(struct toy_node *node, int order,
			  int highest_zoneidx);
struct dentry;
void toy_compaction_debugfs_init(struct dentry *root);

/* --- toy_buddy.c, for compaction --- */
bool toy_zone_suitable_page_free(struct toy_zone *zone, unsigned int order,
				 int mt);
unsigned long toy_free_block_end(struct toy_node *node, unsigned long pfn);
unsigned long toy_isolate_freepages_block(struct toy_node *node,
					  struct toy_zone *zone,
					  unsigned long *start_pfn,
					  unsigned long end_pfn,
					  struct list_head *freelist,
					  unsigned long want,
					  unsigned long *nr_scanned);

/* --- toy_vmstat.c: buddyinfo, extfrag, meminfo, pagemap, stats --- */

/*
 * contig_page_info of mm/vmstat.c: what the fragmentation indices are
 * computed from, for one zone and one requested order.
 */
struct toy_contig_info {
	unsigned long free_pages;
	unsigned long free_blocks_total;
	unsigned long free_blocks_suitable;
};

void toy_fill_contig_info(const unsigned long nr_free[TOY_MAX_ORDER],
			  unsigned int order, struct toy_contig_info *info);
int toy_unusable_index(unsigned int order, const struct toy_contig_info *info);
int toy_extfrag_index(unsigned int order, const struct toy_contig_info *info);
void toy_zone_snapshot(struct toy_zone *zone,
		       unsigned long nr_free[TOY_MAX_ORDER]);
void toy_vmstat_debugfs_init(struct dentry *root);

/* --- toy_fault.c: fault injection, after lib/fault-inject.c --- */

/**
 * struct toy_fault_attr - one fault attribute (struct fault_attr)
 * @name: the directory under fail/.
 * @probability: percent of eligible calls that fail.
 * @interval: only every @interval-th call is eligible.
 * @times: failures left; -1 for no limit.
 * @space: bytes that succeed before failures start.
 * @verbose: 0 silent, 1 a line per failure, 2 with a stack trace.
 * @count: calls seen, for @interval.
 */
struct toy_fault_attr {
	const char *name;
	unsigned long probability;
	unsigned long interval;
	atomic_t times;
	atomic_t space;
	unsigned long verbose;
	atomic_long_t count;
};

#define TOY_FAULT_ATTR_INIT(attr_name) {	\
	.name = attr_name,			\
	.interval = 1,				\
	.times = ATOMIC_INIT(1),		\
	.verbose = 2,				\
}

extern struct toy_fault_attr toy_fail_page_alloc;
extern struct toy_fault_attr toy_fail_slab;

DECLARE_STATIC_KEY_FALSE(toy_fault_armed);
bool __toy_should_fail(struct toy_fault_attr *attr, size_t size);

/**
 * toy_should_fail() - decide whether an allocation is made to fail
 * @attr: the layer's attribute.
 * @size: bytes asked for (for the space knob).
 *
 * A static key keeps it to a no-op jump while no probability is set and
 * no fail-nth is armed, as should_failslab() costs nothing in a kernel
 * whose fault injection is off.
 *
 * Context: Any context.
 * Return: true if the caller must fail the allocation.
 */
static __always_inline bool toy_should_fail(struct toy_fault_attr *attr,
					    size_t size)
{
	if (!static_branch_unlikely(&toy_fault_armed))
		return false;
	return __toy_should_fail(attr, size);
}

void toy_fault_set_probability(struct toy_fault_attr *attr,
			       unsigned long probability);
void toy_fault_begin(unsigned int nth);
void toy_fault_begin_command(void);
void toy_fault_end(void);
void toy_fault_debugfs_init(struct dentry *root);

/* --- toy_main.c and toy_ctl.c: the module's glue --- */
struct seq_file;
unsigned long toy_validate_all(struct seq_file *m, bool repair);
void toy_ctl_init(struct dentry *root);
void toy_ctl_exit(void);

#endif /* _TOY_INTERNAL_H */
