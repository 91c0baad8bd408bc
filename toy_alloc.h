/* SPDX-License-Identifier: GPL-2.0 */
/*
 * toy_alloc private header: the page descriptors, zones and nodes of the
 * buddy, the ctl verb table and the handle table shared by the layers.
 */
#ifndef _TOY_ALLOC_H
#define _TOY_ALLOC_H

#include <linux/bits.h>
#include <linux/list.h>
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

/* Bits in toy_page::flags. Changed only under the zone lock. */
enum toy_page_flags {
	TOY_PG_BUDDY,		/* head of a free block, on a free list */
	TOY_PG_HEAD,		/* head of an allocated block */
	TOY_PG_SLAB,		/* first page of a slab (toy_slab.c) */
	TOY_PG_LARGE,		/* first page of a large kmalloc (toy_slab.c) */
	TOY_PG_HIGHMEM_MAPPED,	/* has a pkmap slot (toy_highmem.c) */
};

struct toy_kmem_cache;

/**
 * struct toy_page - the toy's page descriptor, one per page of the region
 * @flags: TOY_PG_* bits.
 * @lru: free list linkage while %TOY_PG_BUDDY; slab list linkage while
 *	%TOY_PG_SLAB (under the cache lock).
 * @order: order of the block this page heads (free or allocated).
 * @zone: index of the zone holding the page (enum toy_zone_type).
 * @slab_cache: %TOY_PG_SLAB: the cache the slab belongs to.
 * @freelist: %TOY_PG_SLAB: first free object of the slab.
 * @inuse: %TOY_PG_SLAB: objects handed out.
 * @objects: %TOY_PG_SLAB: objects in the slab.
 * @private: owner's word while the block is allocated (highmem slot, ...).
 *
 * Lives in the toy's own descriptor array, never in the real struct page.
 */
struct toy_page {
	unsigned long flags;
	struct list_head lru;
	u8 order;
	u8 zone;
	union {
		struct {
			struct toy_kmem_cache *slab_cache;
			void *freelist;
			unsigned int inuse;
			unsigned int objects;
		};
		unsigned long private;
	};
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

/* Event counters of a zone; names in toy_zone_stat_names[]. */
enum toy_zone_stat {
	TOY_ZS_ALLOC,		/* successful allocations */
	TOY_ZS_FREE,		/* blocks freed */
	TOY_ZS_SPLIT,		/* a block split into two buddies */
	TOY_ZS_MERGE,		/* two buddies merged on free */
	TOY_ZS_FAIL,		/* allocations that found no block */
	TOY_ZS_FALLBACK,	/* HighMem wanted, Normal given */
	TOY_NR_ZONE_STATS
};

extern const char *const toy_zone_stat_names[TOY_NR_ZONE_STATS];

/**
 * struct toy_zone - a range of toy pfns with its own free lists
 * @lock: guards @free_area, @free_pages, @stat and the flags, order and
 *	lru of every page in the zone.
 * @name: "Normal" or "HighMem", as in /proc/buddyinfo.
 * @start_pfn: first toy pfn of the zone.
 * @nr_pages: pages in the zone (a multiple of %TOY_BLOCK_PAGES; 0: empty).
 * @free_pages: free pages in the zone.
 * @free_area: free lists, one per order.
 * @stat: event counters.
 */
struct toy_zone {
	spinlock_t lock;		/* see above */
	const char *name;
	unsigned long start_pfn;
	unsigned long nr_pages;
	unsigned long free_pages;
	struct toy_free_area free_area[TOY_MAX_ORDER];
	unsigned long stat[TOY_NR_ZONE_STATS];
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

static inline bool toy_page_is_highmem(const struct toy_page *page)
{
	return page->zone == TOY_ZONE_HIGHMEM;
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

#endif /* _TOY_ALLOC_H */
