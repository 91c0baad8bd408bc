/* SPDX-License-Identifier: GPL-2.0 */
/*
 * toy_alloc private header: the page descriptors, zones and nodes of the
 * buddy, the ctl verb table and the handle table shared by the layers.
 */
#ifndef _TOY_ALLOC_H
#define _TOY_ALLOC_H

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "toy_kmalloc.h"

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
	 * Head of an allocated block: zone lock, or the pcp lock of the list
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
	/* Free, on a per-CPU list (order 0): its pcp lock (and the zone lock). */
	TOY_PG_PCP,
};

struct toy_kmem_cache;

/**
 * struct toy_page - the toy's page descriptor, one per page of the region
 * @flags: TOY_PG_* bits.
 * @lru: free list linkage while %TOY_PG_BUDDY or %TOY_PG_PCP; slab list linkage while
 *	%TOY_PG_SLAB (under the cache lock).
 * @order: order of the block this page heads (free or allocated).
 * @zone: index of the zone holding the page (enum toy_zone_type).
 * @slab_cache: %TOY_PG_SLAB: the cache the slab belongs to.
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
	struct toy_kmem_cache *slab_cache;
	void *freelist;
	unsigned int inuse;
	unsigned int objects;
};

enum toy_zone_type {
	TOY_ZONE_NORMAL,	/* the low zone, directly mapped */
	TOY_ZONE_HIGHMEM,	/* no address until kmapped */
	TOY_NR_ZONES
};

struct toy_free_area {
	struct list_head free_list;	/* heads of free blocks of one order */
	unsigned long nr_free;		/* blocks on free_list */
};

/* Event counters of a zone, per CPU; names in toy_zone_stat_names[]. */
enum toy_zone_stat {
	TOY_ZS_ALLOC,		/* successful allocations */
	TOY_ZS_FREE,		/* blocks freed */
	TOY_ZS_SPLIT,		/* a block split into two buddies */
	TOY_ZS_MERGE,		/* two buddies merged on free */
	TOY_ZS_FAIL,		/* allocations that found no block */
	TOY_ZS_FALLBACK,	/* HighMem wanted, Normal given */
	TOY_ZS_PCP_REFILL,	/* pages moved from the free lists to a pcp list */
	TOY_ZS_PCP_DRAIN,	/* pages moved from a pcp list back */
	TOY_NR_ZONE_STATS
};

/* The largest pcp batch: a pcp list then holds up to 24 MiB. */
#define TOY_PCP_BATCH_MAX	1024

struct toy_zone_events {
	unsigned long ev[TOY_NR_ZONE_STATS];
};

/**
 * struct toy_pcp - a CPU's cache of free order-0 pages (per_cpu_pages)
 * @lock: guards @count, @list and the flags of the pages on it. Taken
 *	before the zone lock. Usually only its own CPU takes it. While the
 *	zone is frozen, they change only with the zone lock held as well.
 * @count: pages on @list.
 * @list: free order-0 pages, flagged %TOY_PG_PCP, hottest first.
 */
struct toy_pcp {
	spinlock_t lock;		/* see above */
	int count;
	struct list_head list;
};

extern const char *const toy_zone_stat_names[TOY_NR_ZONE_STATS];

/**
 * struct toy_zone - a range of toy pfns with its own free lists
 * @lock: guards @free_area, @free_pages, @stat and the flags, order and
 *	lru of every page in the zone.
 * @name: "Normal" or "HighMem", as in /proc/buddyinfo.
 * @start_pfn: first toy pfn of the zone.
 * @nr_pages: pages in the zone (a multiple of %TOY_BLOCK_PAGES; 0: empty).
 * @free_pages: pages on the free lists (not those on pcp lists).
 * @free_area: free lists, one per order.
 * @pcp: the per-CPU lists of free order-0 pages.
 * @pcp_batch: pages moved at once between @free_area and a pcp list;
 *	0: no pcp lists, order-0 pages go straight to the free lists.
 * @pcp_high: a pcp list that reaches this gives @pcp_batch pages back.
 * @frozen: set by freeze_zone() under the node's all_pcp_lock, read under
 *	a pcp lock: while set, pcp lists change only under @lock.
 * @events: per-CPU event counters; read with toy_zone_stat().
 */
struct toy_zone {
	spinlock_t lock;		/* see above */
	const char *name;
	unsigned long start_pfn;
	unsigned long nr_pages;
	unsigned long free_pages;
	struct toy_free_area free_area[TOY_MAX_ORDER];
	struct toy_pcp __percpu *pcp;
	unsigned int pcp_batch;
	unsigned int pcp_high;
	bool frozen;			/* see above */
	struct toy_zone_events __percpu *events;
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
 * @block_index: real pfn >> TOY_BLOCK_ORDER -> index into @blocks + 1.
 * @pages: the toy's page descriptors.
 * @zones: Normal (low pfns) and HighMem (the top of the region).
 * @misuse: misuse counters, atomic: bumped outside the zone locks.
 * @misuse_reported: one bit per class, set once its first report printed.
 * @all_pcp_lock: held by whoever freezes a zone (freeze_zone()).
 */
struct toy_node {
	int nid;
	unsigned long nr_pages;
	unsigned int nr_blocks;
	struct page **blocks;
	struct xarray block_index;
	struct toy_page *pages;
	struct toy_zone zones[TOY_NR_ZONES];
	atomic_long_t misuse[TOY_NR_MISUSE];
	unsigned long misuse_reported;
	struct mutex all_pcp_lock;	/* see above */
};

/* The module's node, made at load from mem_mb and highmem_mb. */
extern struct toy_node toy_node0;

/* --- toy_buddy.c: nodes --- */
int toy_node_init(struct toy_node *node, int nid, unsigned long mem_mb,
		  unsigned long highmem_mb);
void toy_node_destroy(struct toy_node *node);
struct toy_page *toy_node_alloc(struct toy_node *node, toy_gfp_t gfp,
				unsigned int order);
void toy_node_free(struct toy_node *node, struct toy_page *page,
		   unsigned int order);
struct page *toy_node_real_page(struct toy_node *node,
				const struct toy_page *page);
struct toy_page *toy_node_virt_to_page(struct toy_node *node,
				       const void *addr);
struct toy_page *toy_node_block_head(struct toy_node *node,
				     struct toy_page *page);
unsigned long toy_node_allocated_pages(struct toy_node *node);
unsigned long toy_node_validate(struct toy_node *node);
void toy_node_set_pcp(struct toy_node *node, unsigned int batch);
void toy_node_drain_pcp(struct toy_node *node);
unsigned long toy_zone_stat(struct toy_zone *zone, enum toy_zone_stat item);
unsigned long toy_zone_pcp_pages(struct toy_zone *zone);

static inline unsigned long toy_node_pfn(const struct toy_node *node,
					 const struct toy_page *page)
{
	return page - node->pages;
}

static inline struct toy_zone *toy_page_zone(struct toy_node *node,
					     const struct toy_page *page)
{
	return &node->zones[page->zone];
}

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

/* --- toy_main.c: handles for the ctl file --- */

/* What a ctl handle names. */
enum toy_handle_kind {
	TOY_H_PAGES,		/* a block from toy_alloc_pages() */
	TOY_H_KMALLOC,		/* an object from toy_kmalloc() */
	TOY_H_CACHE_OBJ,	/* an object from toy_kmem_cache_alloc() */
	TOY_H_VMALLOC,		/* an area from toy_vmalloc() */
	TOY_NR_HANDLE_KINDS
};

/**
 * struct toy_handle - a live object created through ctl
 * @id: the small integer the user sees.
 * @kind: what @ptr or @page is.
 * @page: %TOY_H_PAGES: the head page.
 * @ptr: the object or area.
 * @order: %TOY_H_PAGES: the order.
 * @size: bytes asked for (objects, areas).
 * @cache: %TOY_H_CACHE_OBJ: the cache.
 */
struct toy_handle {
	int id;
	enum toy_handle_kind kind;
	struct toy_page *page;
	void *ptr;
	unsigned int order;
	size_t size;
	struct toy_kmem_cache *cache;
};

struct toy_handle *toy_handle_new(enum toy_handle_kind kind);
struct toy_handle *toy_handle_find(int id);
void toy_handle_delete(struct toy_handle *h);
const char *toy_handle_kind_name(enum toy_handle_kind kind);

/**
 * struct toy_ctl_verb - one command of the ctl file
 * @name: the verb.
 * @usage: argument synopsis for error messages, e.g. "ORDER [normal|highmem]".
 * @min_args: fewest arguments after the verb.
 * @max_args: most arguments after the verb.
 * @run: does the work; called with the ctl mutex held, returns 0 or -errno.
 *	It prints one line on success and one line saying why on failure.
 */
struct toy_ctl_verb {
	const char *name;
	const char *usage;
	int min_args;
	int max_args;
	int (*run)(int argc, char **argv);
};

#define TOY_CTL_MAX_ARGS	4

int toy_ctl_parse_uint(const char *verb, const char *what, const char *s,
		       unsigned int max, unsigned int *val);
struct toy_handle *toy_ctl_handle(const char *verb, const char *s,
				  enum toy_handle_kind kind);

/* Verb tables of the layers, ended by an entry with a NULL name. */
extern const struct toy_ctl_verb toy_buddy_ctl_verbs[];

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

bool toy_should_fail(struct toy_fault_attr *attr, size_t size);
void toy_fault_begin(unsigned int nth);
void toy_fault_begin_command(void);
void toy_fault_begin_init(void);
void toy_fault_end(void);

/* --- debugfs files of each layer, under the module's directory --- */
struct dentry;
void toy_buddy_debugfs_init(struct dentry *root);
void toy_fault_debugfs_init(struct dentry *root);

/* --- slab (toy_slab.c) --- */

/* Bytes of a cache name, NUL included, as shown in slabinfo. */
#define TOY_SLAB_NAME_MAX	32

/*
 * kmalloc caches are numbered as kmalloc_index() numbers them: index i
 * holds objects of 2^i bytes for i = 3 .. TOY_KMALLOC_SHIFT_HIGH
 * (kmalloc-8 ... kmalloc-8k with 4 KiB pages), index 1 is kmalloc-96 and
 * index 2 kmalloc-192. Larger requests go to the buddy, up to one block of
 * the largest order.
 */
#define TOY_KMALLOC_SHIFT_HIGH		(PAGE_SHIFT + 1)
#define TOY_KMALLOC_MAX_CACHE_SIZE	BIT(TOY_KMALLOC_SHIFT_HIGH)
#define TOY_KMALLOC_MAX_SIZE		(PAGE_SIZE << (TOY_MAX_ORDER - 1))

/* The three lists of a cache, by how many objects a slab has handed out. */
enum toy_slab_list {
	TOY_SLAB_FULL,		/* all of them */
	TOY_SLAB_PARTIAL,	/* some */
	TOY_SLAB_EMPTY,		/* none */
	TOY_NR_SLAB_LISTS
};

extern const char *const toy_slab_list_names[TOY_NR_SLAB_LISTS];

/* Event counters of a cache; names in toy_slab_stat_names[]. */
enum toy_slab_stat {
	TOY_SS_ALLOC_PARTIAL,	/* object taken from a partial slab */
	TOY_SS_ALLOC_EMPTY,	/* object taken from an empty slab */
	TOY_SS_ALLOC_NEW,	/* object taken from a slab new from the buddy */
	TOY_SS_ALLOC_FAIL,	/* no object: the buddy had no slab */
	TOY_SS_FREE,		/* objects put back on a slab's free list */
	TOY_SS_TO_ARRAY,	/* objects moved from slabs to a per-CPU array */
	TOY_SS_FROM_ARRAY,	/* objects moved from a per-CPU array to slabs */
	TOY_SS_SLAB_NEW,	/* slabs taken from the buddy */
	TOY_SS_SLAB_RELEASE,	/* slabs given back to the buddy */
	TOY_NR_SLAB_STATS
};

extern const char *const toy_slab_stat_names[TOY_NR_SLAB_STATS];

/* What the checks of the slab layer find; names in toy_slab_error_names[]. */
enum toy_slab_error {
	TOY_SE_NOT_SLAB,	/* freed pointer is in no slab or large block */
	TOY_SE_NOT_OBJECT,	/* in a slab or large block, not at an object start */
	TOY_SE_WRONG_CACHE,	/* object freed to a cache it is not from */
	TOY_SE_DOUBLE_FREE,	/* object freed while free */
	TOY_SE_REDZONE,		/* a red zone byte overwritten */
	TOY_SE_POISON,		/* a free object written to */
	TOY_SE_PADDING,		/* padding after the metadata overwritten */
	TOY_SE_FREELIST,	/* free pointer, free count or list corrupt */
	TOY_NR_SLAB_ERRORS
};

extern const char *const toy_slab_error_names[TOY_NR_SLAB_ERRORS];

/* Objects a per-CPU array can hold: SLAB's largest default limit. */
#define TOY_AC_LIMIT_MAX	120

/* Events of one CPU's array, SLAB's cpustat; names in toy_slab_cpu_stat_names[]. */
enum toy_slab_cpu_stat {
	TOY_CS_ALLOC_HIT,	/* allocation served from the array */
	TOY_CS_ALLOC_MISS,	/* allocation found the array empty: a refill */
	TOY_CS_FREE_HIT,	/* free put into the array */
	TOY_CS_FREE_MISS,	/* free found the array full: a flush first */
	TOY_NR_SLAB_CPU_STATS
};

extern const char *const toy_slab_cpu_stat_names[TOY_NR_SLAB_CPU_STATS];

/**
 * struct toy_array_cache - one CPU's stack of free objects of one cache
 *	(SLAB's array_cache)
 * @lock: guards the fields below. Taken before the cache lock; found with
 *	raw_cpu_ptr() and usually taken only by its own CPU. For a cache
 *	with debug flags, @avail and @entry change only with the cache lock
 *	held as well, so the double-free check can read every CPU's array;
 *	so do those of any cache while it is frozen.
 * @avail: objects in @entry; the most recently freed is @entry[@avail - 1].
 * @touched: an allocation was served since the array was last drained;
 *	a refill of an untouched array moves at most 16 objects.
 * @stat: event counters.
 * @entry: the objects, free for the user, counted in use by their slabs.
 */
struct toy_array_cache {
	spinlock_t lock;		/* see above */
	unsigned int avail;
	bool touched;
	unsigned long stat[TOY_NR_SLAB_CPU_STATS];
	void *entry[TOY_AC_LIMIT_MAX];
};

/**
 * struct toy_kmem_cache - a cache of same-sized objects (struct kmem_cache)
 * @lock: guards @slabs, @nr_slabs, @nr_inuse, @stat and the freelist,
 *	inuse and lru fields of the cache's slabs. Irq-safe. Taken after
 *	a per-CPU array lock.
 * @slabs: the cache's slabs on lists full, partial, empty.
 * @nr_slabs: slabs on each list.
 * @nr_inuse: objects not on a slab's free list, over all slabs: handed
 *	out or in a per-CPU array (SLAB's active objects).
 * @stat: event counters.
 * @cpu_cache: the per-CPU arrays in front of the lists.
 * @limit: objects an array holds; a free into a full array first gives
 *	@batchcount of them back. 0: no arrays, every allocation and free
 *	goes to the lists. Written by a freezer (freeze_arrays()), under
 *	the cache lock and the slab mutex; read under the cache lock, or
 *	under an array lock once arrays_usable() has seen @frozen clear.
 * @frozen: set while a freezer holds the arrays still; read under an
 *	array lock, where it sends allocations and frees to the lists.
 * @batchcount: objects moved at once between an array and the lists;
 *	written and read as @limit.
 * @name: as in slabinfo; set at creation, like all fields below.
 * @flags: TOY_SLAB_* flags.
 * @object_size: bytes the user asked for.
 * @size: bytes from one object to the next, red zones and metadata
 *	included; slabinfo's objsize.
 * @align: alignment of each object.
 * @meta_offset: where metadata starts, from the object: @object_size plus
 *	the right red zone (SLUB's inuse).
 * @offset: where the free pointer is, from the object.
 * @red_left_pad: bytes of left red zone before each object.
 * @order: slabs are 2^@order pages.
 * @objects: objects per slab.
 * @max_empty: empty slabs kept; a slab that empties beyond these goes
 *	back to the buddy.
 * @ctor: run on each object of a new slab, or NULL.
 * @kmalloc: one of the kmalloc caches, which live as long as the module.
 * @list: entry in the list of all caches, under the slab mutex.
 * @dentry: the cache's file in debugfs slabs/, or NULL.
 */
struct toy_kmem_cache {
	spinlock_t lock;		/* the lists and the counts below */
	struct list_head slabs[TOY_NR_SLAB_LISTS];
	unsigned long nr_slabs[TOY_NR_SLAB_LISTS];
	unsigned long nr_inuse;
	unsigned long stat[TOY_NR_SLAB_STATS];
	struct toy_array_cache __percpu *cpu_cache;
	unsigned int limit;
	unsigned int batchcount;
	bool frozen;			/* see above */

	char name[TOY_SLAB_NAME_MAX];
	toy_slab_flags_t flags;
	unsigned int object_size;
	unsigned int size;
	unsigned int align;
	unsigned int meta_offset;
	unsigned int offset;
	unsigned int red_left_pad;
	unsigned int order;
	unsigned int objects;
	unsigned int max_empty;
	void (*ctor)(void *object);
	bool kmalloc;
	struct list_head list;
	struct dentry *dentry;
};

/* Hooks called by toy_main.c; validate with NULL checks every cache. */
int toy_slab_init(void);
void toy_slab_exit(void);
void toy_slab_debugfs_init(struct dentry *root);
unsigned long toy_slab_validate(struct toy_kmem_cache *s);
unsigned long toy_slab_repair(struct toy_kmem_cache *s);
extern const struct toy_ctl_verb toy_slab_ctl_verbs[];

/* Internals, exported for the KUnit suite toy_slab only. */
int toy_slab_calc_order(unsigned int size, unsigned int nr_cpus,
			unsigned int *objects);
int toy_slab_layout(struct toy_kmem_cache *s, unsigned int nr_cpus);
unsigned int toy_kmalloc_index(size_t size, unsigned int kmalloc_min);
unsigned int toy_slab_kmalloc_min(void);
struct toy_kmem_cache *toy_kmalloc_cache(size_t size);
unsigned long toy_slab_nr(struct toy_kmem_cache *s, enum toy_slab_list list);
unsigned long toy_slab_error_count(enum toy_slab_error err);
void toy_slab_default_tunables(unsigned int size, bool debug_all,
			       unsigned int *limit, unsigned int *batchcount);
int toy_slab_tune(struct toy_kmem_cache *s, unsigned int limit,
		  unsigned int batchcount);
unsigned long toy_slab_cached(struct toy_kmem_cache *s);
unsigned long toy_slab_cpu_stat(struct toy_kmem_cache *s,
				enum toy_slab_cpu_stat item);

/* --- highmem (toy_highmem.c) --- */

#include <linux/wait.h>

/*
 * The emulated 32-bit address space: an i386 kernel of Linux 6.1 with
 * HIGHMEM4G, no PAE and the 3G/1G split. The numbers here are fixed;
 * those that move with the config (NR_CPUS and the APICs size the fixmap
 * and cpu_entry_area, and PKMAP_BASE and all below it follow) are derived
 * into struct toy_hm_layout by toy_hm_layout_derive(), as
 * pgtable_32_areas.h and fixmap.h compute them. All are 32-bit numbers,
 * never real addresses.
 */
#define TOY_PAGE_OFFSET		0xc0000000U	/* CONFIG_PAGE_OFFSET, 3G/1G */
#define TOY_LAST_PKMAP		1024		/* one page table, no PAE */
#define TOY_VMALLOC_OFFSET	(8U << 20)	/* hole after the direct map */
#define TOY_VMALLOC_RESERVE	(128U << 20)	/* __VMALLOC_RESERVE */
#define TOY_FIXADDR_TOP		0xfffff000U	/* __FIXADDR_TOP */
#define TOY_KM_MAX_IDX		16		/* fixmap slots per CPU */
/* Nested local mappings a task may hold: kmap_local_idx_push() BUG()s at 16. */
#define TOY_KMAP_LOCAL_MAX	(TOY_KM_MAX_IDX - 1)

/* The emulated fixmap address of fixmap index @idx: __fix_to_virt(). */
#define TOY_FIX_TO_VIRT(idx)	(TOY_FIXADDR_TOP - ((u32)(idx) << 12))

/**
 * struct toy_hm_config - what of the emulated kernel's config moves its layout
 * @nr_cpus: CONFIG_NR_CPUS.
 * @local_apic: CONFIG_X86_LOCAL_APIC: FIX_APIC_BASE in the fixmap.
 * @io_apic: CONFIG_X86_IO_APIC: MAX_IO_APICS (64) FIX_IO_APIC_BASE_* too.
 */
struct toy_hm_config {
	unsigned int nr_cpus;
	bool local_apic;
	bool io_apic;
};

/**
 * struct toy_hm_layout - the emulated layout of one config
 * @cfg: the config it is derived for.
 * @fix_kmap_begin: FIX_KMAP_BEGIN, a fixmap index.
 * @fix_kmap_end: FIX_KMAP_END, KM_MAX_IDX * NR_CPUS - 1 above it.
 * @fix_permanent: __end_of_permanent_fixed_addresses.
 * @fix_btmap_end: FIX_BTMAP_END; FIX_BTMAP_BEGIN is 511 above it.
 * @fix_end: __end_of_fixed_addresses.
 * @fixaddr_start: FIXADDR_START.
 * @fixaddr_tot_start: FIXADDR_TOT_START.
 * @cea_pages: CPU_ENTRY_AREA_PAGES, of all CPUs.
 * @cea_base: CPU_ENTRY_AREA_BASE.
 * @ldt_base: LDT_BASE_ADDR.
 * @pkmap_base: PKMAP_BASE.
 * @vmalloc_end: VMALLOC_END.
 * @maxmem: MAXMEM: bytes of the direct map, the "896 MB".
 * @high_memory: high_memory of a machine with MAXMEM of RAM or more.
 * @vmalloc_start: VMALLOC_START.
 */
struct toy_hm_layout {
	struct toy_hm_config cfg;
	u32 fix_kmap_begin;
	u32 fix_kmap_end;
	u32 fix_permanent;
	u32 fix_btmap_end;
	u32 fix_end;
	u32 fixaddr_start;
	u32 fixaddr_tot_start;
	u32 cea_pages;
	u32 cea_base;
	u32 ldt_base;
	u32 pkmap_base;
	u32 vmalloc_end;
	u32 maxmem;
	u32 high_memory;
	u32 vmalloc_start;
};

void toy_hm_config_for(struct toy_hm_config *cfg, unsigned int nr_cpus);
int toy_hm_layout_derive(struct toy_hm_layout *l,
			 const struct toy_hm_config *cfg);

/* Event counters of the highmem layer; names in toy_hm_stat_names[]. */
enum toy_hm_stat {
	TOY_HS_KMAP,		/* toy_kmap() of a HighMem page */
	TOY_HS_KMAP_LOW,	/* toy_kmap() of a Normal page: no slot */
	TOY_HS_NEW,		/* kmaps that took a new slot */
	TOY_HS_KUNMAP,		/* kunmaps of a HighMem page */
	TOY_HS_FLUSH,		/* flush_all_zero_pkmaps(): the scan wrapped */
	TOY_HS_FLUSHED,		/* count-1 slots torn down by the flushes */
	TOY_HS_WAIT,		/* kmaps that slept for a free slot */
	TOY_HS_BUSY,		/* kmaps refused: window full, may not wait */
	TOY_HS_NOMEM,		/* kmaps failed: no memory for the real vmap */
	TOY_HS_LOCAL_MAP,	/* kmap_local of a HighMem page */
	TOY_HS_LOCAL_UNMAP,	/* kunmap_local of a HighMem page */
	TOY_HS_VMALLOC,		/* areas made */
	TOY_HS_VMALLOC_FAIL,	/* vmallocs that failed */
	TOY_HS_VFREE,		/* areas freed */
	TOY_NR_HM_STATS
};

extern const char *const toy_hm_stat_names[TOY_NR_HM_STATS];

/* Kinds of highmem misuse, each counted; names in toy_hm_misuse_names[]. */
enum toy_hm_misuse {
	TOY_HM_KUNMAP_UNMAPPED,	/* kunmap of a page without a kmap user */
	TOY_HM_LOCAL_DEPTH,	/* a 16th nested kmap_local */
	TOY_HM_LOCAL_CPU_FULL,	/* the CPU's local entries all taken */
	TOY_HM_LOCAL_ORDER,	/* kunmap_local not of the newest mapping */
	TOY_HM_LOCAL_UNMAPPED,	/* kunmap_local of a page not mapped so */
	TOY_HM_FOREIGN,		/* a page or address that is not the toy's */
	TOY_HM_BAD_VFREE,	/* vfree of an address no area starts at */
	TOY_NR_HM_MISUSE
};

extern const char *const toy_hm_misuse_names[TOY_NR_HM_MISUSE];

/**
 * struct toy_pam - one page->address association: page_address_map
 * @list: bucket list of the address hash while the slot's count is at
 *	least 1; the flusher's list of mappings to tear down after that.
 * @page: the HighMem page.
 * @virtual: the real address of the page's vmap, where its data is.
 * @slot: the pkmap slot; its emulated address is PKMAP_BASE + slot pages.
 */
struct toy_pam {
	struct list_head list;
	const struct toy_page *page;
	void *virtual;
	unsigned int slot;
};

/* A bucket of the address hash: page_address_slot. */
struct toy_pa_slot {
	struct list_head lh;	/* toy_pam::list, guarded by @lock */
	spinlock_t lock;	/* irq-safe: page_address() works anywhere */
};

#define TOY_PA_HASH_ORDER	7	/* PA_HASH_ORDER */

/**
 * struct toy_kmap_local_entry - one local mapping
 * @owner: the task that made it (or the ctl file's emulated task).
 * @page: the mapped page.
 * @idx: its depth in @owner's stack, 0 .. %TOY_KMAP_LOCAL_MAX - 1.
 * @cpu: the CPU whose fixmap slots it uses.
 */
struct toy_kmap_local_entry {
	const void *owner;
	struct toy_page *page;
	unsigned short idx;
	unsigned short cpu;
};

/* Entries one CPU can hold, over all tasks that hold some there. */
#define TOY_KMAP_LOCAL_ENTRIES	(4 * TOY_KM_MAX_IDX)

/**
 * struct toy_kmap_local - the local mappings held on one CPU
 * @nr: entries in use, oldest first.
 * @entry: the entries. Each task's own entries form its LIFO stack.
 *
 * Touched only by its own CPU with interrupts off (or, for the ctl
 * file's stack, under the ctl mutex and ctl_local_lock); validate copies
 * a CPU's entries on that CPU.
 */
struct toy_kmap_local {
	unsigned int nr;
	struct toy_kmap_local_entry entry[TOY_KMAP_LOCAL_ENTRIES];
};

/**
 * struct toy_vm_area - an area of toy_vmalloc(): vm_struct
 * @list: in toy_highmem::vmap_areas, sorted by @addr.
 * @addr: emulated start, in the emulated vmalloc area.
 * @size: emulated bytes, the guard page included (as vm_struct::size).
 * @real: the vmap address the data goes through.
 * @nr_pages: pages in the area.
 * @pages: the toy pages, in order.
 * @caller: who asked, shown in vmallocinfo.
 */
struct toy_vm_area {
	struct list_head list;
	u32 addr;
	u32 size;
	void *real;
	unsigned int nr_pages;
	struct toy_page **pages;
	const void *caller;
};

/**
 * struct toy_highmem - the pkmap window, local mappings and vmalloc areas
 *	of one node
 * @node: the node whose pages are mapped.
 * @kmap_lock: kmap_lock; guards @last_pkmap_nr, @nr_busy, @pkmap_count
 *	and @pam. Taken before the hash bucket locks. Process context only.
 * @nr_slots: slots in the window (LAST_PKMAP), 1 .. %TOY_LAST_PKMAP.
 * @last_pkmap_nr: the slot last handed out; the scan resumes after it.
 * @nr_busy: slots with a count of 2 or more (a user at least).
 * @pkmap_count: per slot: 0 free and flushed, 1 free but its old mapping
 *	not yet flushed, n: n - 1 users.
 * @pam: per slot: its mapping while the count is 1 or more.
 * @pkmap_map_wait: kmaps waiting for a slot.
 * @htable: page -> mapping hash: page_address_htable.
 * @local: per CPU: the local mappings held there.
 * @vmap_lock: guards @vmap_areas.
 * @vmap_areas: areas of toy_vmalloc(), by emulated address.
 * @stat: event counters.
 * @misuse: misuse counters.
 * @misuse_reported: one bit per class, set once its first report printed.
 * @layout: the emulated layout, for nr_cpu_ids CPUs; set at init.
 */
struct toy_highmem {
	struct toy_node *node;
	spinlock_t kmap_lock;		/* see above */
	unsigned int nr_slots;
	unsigned int last_pkmap_nr;
	unsigned int nr_busy;
	int *pkmap_count;
	struct toy_pam **pam;
	wait_queue_head_t pkmap_map_wait;
	struct toy_pa_slot htable[1 << TOY_PA_HASH_ORDER];
	struct toy_kmap_local __percpu *local;
	spinlock_t vmap_lock;		/* see above */
	struct list_head vmap_areas;
	atomic_long_t stat[TOY_NR_HM_STATS];
	atomic_long_t misuse[TOY_NR_HM_MISUSE];
	unsigned long misuse_reported;
	struct toy_hm_layout layout;
};

/* The module's highmem, on toy_node0; behind the public API. */
extern struct toy_highmem toy_highmem0;

/* Hooks called by toy_main.c and toy_buddy.c. */
int toy_highmem_init(void);
void toy_highmem_exit(void);
void toy_highmem_debugfs_init(struct dentry *root);
extern const struct toy_ctl_verb toy_highmem_ctl_verbs[];
void *toy_highmem_page_address(const struct toy_page *page);
bool toy_highmem_page_busy(const struct toy_page *page);
unsigned long toy_highmem_validate(void);

/* One instance, on any node: the KUnit suite makes its own. */
int toy_hm_init(struct toy_highmem *hm, struct toy_node *node,
		unsigned int nr_slots);
void toy_hm_destroy(struct toy_highmem *hm);
void *toy_hm_kmap(struct toy_highmem *hm, struct toy_page *page);
void *toy_hm_kmap_nowait(struct toy_highmem *hm, struct toy_page *page);
int toy_hm_kunmap(struct toy_highmem *hm, struct toy_page *page);
void *toy_hm_page_address(struct toy_highmem *hm,
			  const struct toy_page *page);
u32 toy_hm_pkmap_vaddr(struct toy_highmem *hm, const struct toy_page *page);
int toy_hm_pkmap_count(struct toy_highmem *hm, unsigned int slot);
void *toy_hm_kmap_local(struct toy_highmem *hm, struct toy_page *page);
int toy_hm_kunmap_local(struct toy_highmem *hm, const void *addr);
unsigned int toy_hm_local_depth(struct toy_highmem *hm);
void *toy_hm_vmalloc(struct toy_highmem *hm, unsigned long size,
		     const void *caller);
int toy_hm_vfree(struct toy_highmem *hm, const void *addr);
u32 toy_hm_vmalloc_vaddr(struct toy_highmem *hm, const void *addr);
unsigned long toy_hm_validate(struct toy_highmem *hm);

static inline unsigned long toy_hm_stat(struct toy_highmem *hm,
					enum toy_hm_stat item)
{
	return atomic_long_read(&hm->stat[item]);
}

#endif /* _TOY_ALLOC_H */
