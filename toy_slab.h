/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The slab layer's private header (mm/slab.h's part): caches, their
 * per-CPU arrays and the geometry of an object, shared by toy_slab.c (the
 * caches, slabs and arrays), toy_slab_debug.c (red zones, poison and
 * reports), toy_kmalloc.c (kmalloc on top) and the slab's ctl verbs.
 */
#ifndef _TOY_SLAB_H
#define _TOY_SLAB_H

#include <linux/atomic.h>
#include <linux/jump_label.h>
#include <linux/reciprocal_div.h>
#include <linux/stackdepot.h>

#include "toy_internal.h"

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
 * @busy: set while a context of this CPU holds the array (array_enter());
 *	an interrupt that finds it set goes to the lists. Unused on
 *	PREEMPT_RT, where @lock is taken instead.
 * @lock: PREEMPT_RT only: held by the array's user, with migration off.
 * @avail: objects in @entry; the most recently freed is @entry[@avail - 1].
 * @touched: an allocation was served since the array was last drained;
 *	a refill of an untouched array moves at most 16 objects.
 * @stat: event counters.
 * @entry: the objects, free for the user, counted in use by their slabs.
 *
 * Only the holder changes @avail, @entry, @touched and @stat: the array's
 * own CPU, between array_enter() and array_exit(), or a freezer of the
 * cache (freeze_arrays()) with the cache lock held. For a cache with debug
 * flags the holder takes the cache lock as well before it moves @avail
 * and @entry, so that the double-free check can read every CPU's array.
 * Anyone else reads a snapshot (READ_ONCE()).
 */
struct toy_array_cache {
	bool busy;			/* see above */
	unsigned int avail;
	bool touched;
	spinlock_t lock;		/* PREEMPT_RT: see above */
	unsigned long stat[TOY_NR_SLAB_CPU_STATS];
	void *entry[TOY_AC_LIMIT_MAX];
};

/**
 * struct toy_kmem_cache - a cache of same-sized objects (struct kmem_cache)
 * @lock: guards @slabs, @nr_slabs, @nr_inuse, @stat and the freelist,
 *	inuse and lru fields of the cache's slabs. Irq-safe. Taken after
 *	a per-CPU array's holder takes it.
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
 *	by an array's holder once arrays_usable() has seen @frozen clear.
 * @frozen: set while a freezer holds the arrays still; read by an
 *	array's holder, whom it sends to the lists.
 * @batchcount: objects moved at once between an array and the lists;
 *	written and read as @limit.
 * @name: as in slabinfo; set at creation, like all fields below.
 * @flags: TOY_SLAB_* flags.
 * @object_size: bytes the user asked for.
 * @size: bytes from one object to the next, red zones and metadata
 *	included; slabinfo's objsize.
 * @reciprocal_size: @size for reciprocal_divide(), as SLUB's, so that
 *	finding an object's index takes no division.
 * @align: alignment of each object.
 * @meta_offset: where metadata starts, from the object: @object_size plus
 *	the right red zone (SLUB's inuse).
 * @offset: where the free pointer is, from the object.
 * @red_left_pad: bytes of left red zone before each object.
 * @order: slabs are 2^@order pages.
 * @objects: objects per slab.
 * @slab_mask: bytes of a slab, less one: a slab is aligned to its size in
 *	the direct map, so an address masked with it is its slab offset.
 * @max_empty: empty slabs kept; a slab that empties beyond these goes
 *	back to the buddy.
 * @ctor: run on each object of a new slab, or NULL.
 * @kmalloc: one of the kmalloc caches, which live as long as the module.
 * @list: entry in the list of all caches, under the slab mutex.
 * @dentry: the cache's file in debugfs slabs/, or NULL.
 */
struct toy_kmem_cache {
	/* Read by every allocation and free: one line, written rarely. */
	struct toy_array_cache __percpu *cpu_cache;
	unsigned int limit;
	unsigned int batchcount;
	bool frozen;			/* see above */
	toy_slab_flags_t flags;
	unsigned int object_size;
	unsigned int size;
	struct reciprocal_value reciprocal_size;
	unsigned int offset;
	unsigned int objects;
	unsigned int slab_mask;
	unsigned int red_left_pad;

	/* The lists and their counts, for refills, flushes and the lists. */
	spinlock_t lock ____cacheline_aligned_in_smp;
	struct list_head slabs[TOY_NR_SLAB_LISTS];
	unsigned long nr_slabs[TOY_NR_SLAB_LISTS];
	unsigned long nr_inuse;
	unsigned long stat[TOY_NR_SLAB_STATS];

	/* Set at creation, read by the slow paths and the files. */
	char name[TOY_SLAB_NAME_MAX] ____cacheline_aligned_in_smp;
	unsigned int align;
	unsigned int meta_offset;
	unsigned int order;
	unsigned int max_empty;
	void (*ctor)(void *object);
	bool kmalloc;
	struct list_head list;
	struct dentry *dentry;
};

/**
 * struct toy_slab_config - how the slab layer runs, from the module's
 *	parameters
 * @debug_all: slab_debug: every cache debugs, as with slub_debug=FZPU.
 * @cpu_cache: slab_cpu_cache: per-CPU arrays in front of each cache.
 */
struct toy_slab_config {
	bool debug_all;
	bool cpu_cache;
};

/* Hooks called by toy_main.c; validate with NULL checks every cache. */
void toy_slab_init(const struct toy_slab_config *cfg);
void toy_slab_exit(bool quiet);
void toy_slab_debugfs_init(struct dentry *root);
unsigned long toy_slab_validate(struct toy_kmem_cache *s);
unsigned long toy_slab_repair(struct toy_kmem_cache *s);
int toy_kmalloc_init(unsigned int kmalloc_min, unsigned int prefill);
void toy_kmalloc_exit(void);

/* Internals, exported for the KUnit suite toy_slab only. */
int toy_slab_calc_order(unsigned int size, unsigned int nr_cpus,
			unsigned int *objects);
int toy_slab_layout(struct toy_kmem_cache *s, unsigned int nr_cpus);
unsigned int toy_kmalloc_index(size_t size, unsigned int kmalloc_min);
unsigned int toy_kmalloc_min(void);
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

/*
 * Who allocated or freed an object (struct track in mm/slub.c, with the
 * same size, so debug geometry matches the kernel's).
 */
struct toy_track {
	unsigned long addr;		/* the caller of the API */
#ifdef CONFIG_STACKDEPOT
	depot_stack_handle_t handle;	/* the whole stack, or 0 */
#endif
	int cpu;
	int pid;
	unsigned long when;		/* jiffies */
};

enum toy_track_item { TOY_TRACK_ALLOC, TOY_TRACK_FREE };

/* --- The geometry of an object and its metadata (toy_slab_layout()) --- */

static inline bool object_poison(const struct toy_kmem_cache *s)
{
	return (s->flags & TOY_SLAB_POISON) && !s->ctor;
}

static inline bool orig_size_stored(const struct toy_kmem_cache *s)
{
	return s->kmalloc && (s->flags & TOY_SLAB_STORE_USER);
}

/* On while any cache has a debug flag (toy_slab.c, link_cache()). */
DECLARE_STATIC_KEY_FALSE(toy_slab_debug_key);

static __always_inline bool cache_debug(const struct toy_kmem_cache *s)
{
	return static_branch_unlikely(&toy_slab_debug_key) &&
	       (s->flags & TOY_SLAB_DEBUG);
}

/* A slab is Normal memory: lowmem_page_address(), as slab_address(). */
static inline void *slab_address(const struct toy_page *slab)
{
	return toy_lowmem_page_address(&toy_node0, slab);
}

/* The first byte of @object's slot: its left red zone, if any. */
static inline void *object_slot(const struct toy_kmem_cache *s, void *object)
{
	return object - s->red_left_pad;
}

/* An offset into a slab over @s->size, as SLUB's __obj_to_index(). */
static inline unsigned int offset_index(const struct toy_kmem_cache *s,
					unsigned long off)
{
	return reciprocal_divide(off, s->reciprocal_size);
}

static inline unsigned int object_index(const struct toy_kmem_cache *s,
					const struct toy_page *slab, void *object)
{
	return offset_index(s, object_slot(s, object) - slab_address(slab));
}

static inline void *index_object(const struct toy_kmem_cache *s,
				 const struct toy_page *slab, unsigned int i)
{
	return slab_address(slab) + i * s->size + s->red_left_pad;
}

/*
 * Is @p the start of one of @slab's objects? SLUB's check_valid_pointer(),
 * applied to every pointer before it is followed or freed.
 */
static inline bool valid_object(const struct toy_kmem_cache *s,
				const struct toy_page *slab, const void *p)
{
	const void *base = slab_address(slab) + s->red_left_pad;
	unsigned long off;

	if (p < base)
		return false;
	off = p - base;
	return off < (unsigned long)slab->objects * s->size &&
	       offset_index(s, off) * s->size == off;
}

/*
 * valid_object() for a free: @p is known to lie in a slab of @s (its
 * block_of() is one), and a slab is aligned to its size (toy_buddy.c,
 * take_blocks()), so its offset is @p masked, with no look at the slab.
 */
static __always_inline bool object_start_fast(const struct toy_kmem_cache *s,
					      const void *p)
{
	unsigned long off = ((unsigned long)p & s->slab_mask) - s->red_left_pad;

	return off < (unsigned long)s->objects * s->size &&
	       offset_index(s, off) * s->size == off;
}

static inline void *get_freepointer(const struct toy_kmem_cache *s, void *object)
{
	return *(void **)(object + s->offset);
}

static inline void set_freepointer(const struct toy_kmem_cache *s, void *object,
				   void *fp)
{
	*(void **)(object + s->offset) = fp;
}

/* End of the free pointer, or of the right red zone when it is inside. */
static inline unsigned int info_end(const struct toy_kmem_cache *s)
{
	if (s->offset >= s->meta_offset)
		return s->meta_offset + sizeof(void *);
	return s->meta_offset;
}

static inline struct toy_track *get_track(const struct toy_kmem_cache *s,
					  void *object, enum toy_track_item item)
{
	struct toy_track *t = object + info_end(s);

	return t + item;
}

static inline unsigned int *orig_size_ptr(const struct toy_kmem_cache *s,
					  void *object)
{
	return (void *)get_track(s, object, TOY_TRACK_FREE + 1);
}

/* Where the padding starts and ends, from the object start. */
static inline unsigned int pad_start(const struct toy_kmem_cache *s)
{
	unsigned int off = info_end(s);

	if (s->flags & TOY_SLAB_STORE_USER)
		off += 2 * sizeof(struct toy_track);
	if (orig_size_stored(s))
		off += sizeof(unsigned int);
	return off;
}

static inline unsigned int pad_end(const struct toy_kmem_cache *s)
{
	return s->size - s->red_left_pad;
}

/*
 * The slab holding @p, or NULL: the head of the toy block that holds @p,
 * if that block is a slab. Inline and lock-free for a slab: the block map
 * (toy_node_virt_to_page()), then the first page or a tail's head_off. A
 * page of any other block takes the walk of toy_node_block_head(), which
 * only a pointer that is no object ever needs.
 */
static inline struct toy_page *block_of(const void *p)
{
	struct toy_page *page = toy_node_virt_to_page(&toy_node0, p);
	unsigned int off;

	if (unlikely(!page))
		return NULL;
	off = READ_ONCE(page->head_off);
	if (off)
		return page - off;
	if (likely(toy_page_test(page, TOY_PG_HEAD)))
		return page;
	return toy_node_block_head(&toy_node0, page);
}

/*
 * The cache of @slab, read without the cache lock (a free finding its
 * cache), or NULL if @slab is no slab. A double free may race with the
 * release of its slab: the flag is set after slab_cache and cleared before
 * it, so whoever sees the flag reads either the cache or NULL, never a
 * half-made slab; and the free checks again under the cache lock that the
 * slab is still one of that cache (free_ok(), free_block()).
 */
static inline struct toy_kmem_cache *slab_cache_of(const struct toy_page *slab)
{
	if (!slab || !test_bit(TOY_PG_SLAB, &slab->flags))
		return NULL;
	smp_rmb();	/* pairs with the smp_wmb()s of new_slab(), free_slab() */
	return READ_ONCE(slab->slab_cache);
}

static inline enum toy_slab_list list_for(const struct toy_page *slab)
{
	if (!slab->inuse)
		return TOY_SLAB_EMPTY;
	if (slab->inuse == slab->objects)
		return TOY_SLAB_FULL;
	return TOY_SLAB_PARTIAL;
}

/*
 * toy_kmalloc_trace()'s index under a kmalloc_min: toy_kmalloc_const_index()
 * folds sizes up to 32 for the smallest kmalloc_min, 8; an index below the
 * smallest cache the module has is raised to it.
 */
static inline unsigned int toy_kmalloc_raise_index(unsigned int index,
						   unsigned int kmalloc_min)
{
	if (index > 2 && BIT(index) < kmalloc_min)
		return ilog2(kmalloc_min);
	return index;
}

/* --- toy_slab.c: for the rest of the slab layer --- */

/* Guards the list of caches; see toy_internal.h. */
extern struct mutex toy_slab_mutex;

void *toy_slab_alloc(struct toy_kmem_cache *s, toy_gfp_t gfp,
		     unsigned long caller, unsigned int orig_size);
void toy_slab_free(struct toy_kmem_cache *s, struct toy_page *slab,
		   void *object, unsigned long caller);
int toy_slab_boot_cache(struct toy_kmem_cache *s, const char *name,
			unsigned int size, unsigned int align,
			unsigned int prefill);
struct toy_kmem_cache *toy_slab_find_cache(const char *name);
struct toy_kmem_cache *toy_slab_create_cache(const char *who,
					     const char *name,
					     unsigned int size,
					     unsigned int align,
					     toy_slab_flags_t flags,
					     void (*ctor)(void *));
int toy_slab_shrink_cache(struct toy_kmem_cache *s);
int toy_slab_destroy_cache(const char *who, struct toy_kmem_cache *s);

/* --- toy_slab_debug.c: red zones, poison, tracks and reports --- */

/* Findings of the checks, by class: debugfs "errors". */
extern atomic_long_t toy_slab_errors[TOY_NR_SLAB_ERRORS];

void toy_slab_depot_init(void);
__printf(6, 7)
void toy_slab_report(const struct toy_kmem_cache *s, const struct toy_page *slab,
		     void *object, enum toy_slab_error err, unsigned long caller,
		     const char *fmt, ...);
void toy_slab_bad_pointer(enum toy_slab_error err, const char *api,
			  const void *p, unsigned long caller);
void toy_slab_stray(const struct toy_kmem_cache *s, const void *object,
		    bool dropped);
void toy_slab_init_object(const struct toy_kmem_cache *s, void *object, u8 val);
unsigned int toy_slab_check_object(const struct toy_kmem_cache *s,
				   struct toy_page *slab, void *object, u8 val,
				   unsigned long caller, bool repair);
bool toy_slab_on_freelist(const struct toy_kmem_cache *s, struct toy_page *slab,
			  void *object);
void toy_slab_alloc_debug(const struct toy_kmem_cache *s, struct toy_page *slab,
			  void *object, unsigned long caller,
			  unsigned int orig_size);
void toy_slab_free_debug(const struct toy_kmem_cache *s, struct toy_page *slab,
			 void *object, unsigned long caller);

#endif /* _TOY_SLAB_H */
