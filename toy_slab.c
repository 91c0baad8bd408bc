// SPDX-License-Identifier: GPL-2.0
/*
 * The toy's slab allocator: caches, their slabs and their per-CPU arrays.
 *
 * How it works:
 *
 * A cache (struct toy_kmem_cache) hands out objects of one size. It takes
 * its memory from the toy buddy in slabs, blocks of 2^order pages from the
 * Normal zone, cut into objects laid end to end from the first byte as in
 * SLUB. The slab's descriptor is the toy page descriptor of the block's
 * head page (TOY_PG_SLAB, slab_cache, freelist, inuse, objects); the real
 * struct page is never touched, and no byte of the slab is spent on
 * bookkeeping. The free objects of a slab form a singly linked list through
 * a free pointer stored in each of them.
 *
 * A cache keeps its slabs on three lists by how full they are, as the seed
 * has it: full, partial and empty. An allocation takes an object from a
 * partial slab if there is one, else from an empty slab, else from a new
 * slab asked from the buddy. A free moves its slab from full to partial or
 * from partial to empty; a slab that empties while max_empty slabs are
 * already empty (SLUB's min_partial: 5 to 10, by the size) goes straight
 * back to the buddy, and shrink gives back all empty slabs.
 *
 * In front of the lists, each CPU has a small stack of free objects per
 * cache: SLAB's array_cache, not SLUB's per-cpu slab, because it leaves
 * the three lists the truth underneath. An allocation pops the newest
 * object of its CPU's array; a free pushes the object there. Only when
 * the array is empty does a refill (cache_alloc_refill()) move up to
 * batchcount objects from the partial, then the empty slabs into it,
 * under the cache lock, asking the buddy for a new slab if there are
 * none; and only when it is full does a flush (cache_flusharray()) give
 * its batchcount oldest objects back to their slabs. A refill of an
 * array that served nothing since it was drained moves at most 16
 * (BATCHREFILL_LIMIT). The objects of a refill are pushed in the order
 * they come off the slabs (alloc_block()), so the last one is handed out
 * first, as in SLAB.
 *
 *	alloc/free --> [ CPU 0 array ] [ CPU 1 array ] ...   no lock: its CPU's
 *	                      | refill ^ flush (batchcount)
 *	                      v        |
 *	               full / partial / empty slabs          cache lock
 *	                      | new slab ^ empty slab over max_empty
 *	                      v          |
 *	                        the toy buddy                 pcp, zone locks
 *
 * limit and batchcount are enable_cpucache()'s, chosen by the object
 * size with metadata (slabinfo's objsize): limit 120 up to 256 bytes, 54
 * up to 1 KiB, 24 up to a page, 8 up to 128 KiB, else 1; batchcount
 * (limit + 1) / 2; with slab_debug=1, which debugs every cache as a SLAB
 * built with DEBUG does, the limit is capped at 32 as there (a cache's own
 * debug flags do not cap it). SLAB's shared array and alien caches are
 * left out, so the sharedfactor slabinfo shows is 0, as SLAB's for a
 * cache without one. Writing "NAME LIMIT BATCHCOUNT 0" to
 * slabinfo tunes a cache as writing /proc/slabinfo tunes SLAB's, and
 * limit 0 turns its arrays off; parameter slab_cpu_cache=0 starts every
 * cache without them, for the bare three lists. There is no cache_reap():
 * the arrays are drained whole by shrink, by destroy, by tuning and at
 * unload, never by time.
 *
 * An object in an array is free for the user but not on its slab's free
 * list: its slab counts it in use, and so does slabinfo's active_objs,
 * which is SLAB's num_objs - free_objects. A kmalloc followed by its
 * kfree thus leaves active_objs up by the batch the refill moved, until
 * a shrink. slabs/<cache> shows what each CPU's array holds, and
 * validate accounts for it: every object is on its slab's free list, in
 * exactly one array, or handed out.
 *
 * Debug caches keep their arrays and every check, the debug work moving
 * to where SLAB does it: at the user's allocation and free, not where
 * objects move between an array and the lists. An object in an array is
 * thus poisoned with inactive red zones, like one on a free list, and is
 * checked as such by validate and when it is handed out again. A debug
 * cache takes its cache lock for every allocation and free as well, so
 * that the cache lock guards all of its arrays too: with F, a free of an
 * object that is on its slab's free list or in any CPU's array is
 * reported as a double free. Without F, a free is checked only against
 * the top of this CPU's array, and, when the array flushes it, against
 * an empty slab and the head of the slab's free list; a double free that
 * slips through leaves the object in an array twice, to be handed out
 * twice, which is what SLAB does without DEBUG (it checks nothing).
 * validate finds such duplicates while they are still in the arrays.
 *
 * The geometry is SLUB's: calculate_sizes() lays out an object and its
 * metadata, calculate_order() picks the slab order for the number of CPUs
 * the kernel sees, so every kmalloc-N has the objsize, objperslab and
 * pagesperslab of the running kernel's kmalloc-N, with slub_debug=FZPU as
 * well as without.
 *
 * kmalloc sits on top, in toy_kmalloc.c, with the kmalloc caches made
 * through toy_slab_boot_cache(). Debugging (parameter slab_debug, or the
 * TOY_SLAB_* flags of a cache) adds what slub_debug's F, Z, P and U add;
 * toy_slab_debug.c has the red zones, poison, tracks, checks and reports,
 * called from here where SLUB calls its alloc_debug_processing() and
 * free_debug_processing(). The pointer checks (which slab, which cache,
 * object start, free-list head, free pointers followed) are always on,
 * as they cost little and keep a bad free from corrupting the lists;
 * walking the free list for double frees needs F, as in SLUB.
 *
 * Locking (toy_internal.h has the order of every lock): toy_slab_mutex
 * guards the list of caches, then a CPU's array section, then the cache
 * lock, then the buddy's pcp section and zone lock when an empty slab
 * goes back.
 *
 * A free finds its slab with no lock and no call (block_of() in
 * toy_slab.h): the direct-map address is range checked, one load from
 * the node's block map gives the toy page, and the page is the slab's
 * first or a tail whose head_off points back to it, as compound_head()
 * finds the head of the kernel's slab folios. The object-start check
 * multiplies by a reciprocal instead of dividing (obj_to_index() of
 * SLUB). Fault injection is a static key, off unless armed, and so is
 * per-object debugging: cache_debug() tests a cache's flags only while
 * some cache debugs (toy_slab_debug_key, counted by link_cache()).
 *
 * The fast path takes no lock and leaves interrupts alone, as SLUB's
 * this_cpu_cmpxchg_double() fast path does, in SLAB's shape: an
 * allocation or free holds its CPU's array for a few instructions with
 * preemption off and the array's busy flag set (array_enter()), pops or
 * pushes, and lets go. An interrupt that comes in on the same CPU and
 * finds the flag set takes the lists under the cache lock instead, and
 * every path that takes the cache lock turns interrupts off, so the
 * interrupted owner and the interrupt never touch the same data. Only
 * a refill or a flush (always, for a debug cache) takes the cache lock
 * inside the section. A new slab is taken from the buddy and built,
 * constructor included, outside the section and with no lock held, then
 * added to the lists; a slab that empties is given back to the buddy under
 * the cache lock, so cache -> zone is a real nesting. On PREEMPT_RT the
 * section is the array's own lock, taken with migration off, which an
 * interrupt thread waits for.
 *
 * No other CPU touches an array. Whoever needs every array of a cache
 * still at once (validate, destroy, tune, shrink, unload) freezes the
 * cache under the slab mutex, as the buddy freezes a zone: a mark that
 * sends allocations and frees to the lists, an RCU grace period that
 * waits out every section that missed it (a section runs with preemption
 * off), then the cache lock held. So no path holds a number of locks that
 * grows with the CPUs, an interrupt may allocate and free meanwhile, and
 * the statistics and counts other readers print are snapshots. No path
 * holds two cache locks, or the arrays of two caches. A slabs/<cache>
 * file is read under the cache lock, as destroy removes it with the slab
 * mutex held and waits for its readers.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/cache.h>
#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poison.h>
#include <linux/sched.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "toy_internal.h"
#include "toy_slab.h"

/* === Data ================================================================= */

/*
 * Empty slabs a cache keeps before it gives them back: SLUB's min_partial,
 * set_min_partial(s, ilog2(s->size) / 2) held to MIN_PARTIAL..MAX_PARTIAL.
 * SLUB counts the empty slabs among its partial ones and frees an empty
 * slab once min_partial slabs are partial; the toy, whose empty slabs are
 * a list of their own as in the seed, keeps up to min_partial of those.
 */
#define TOY_SLAB_MIN_PARTIAL	5
#define TOY_SLAB_MAX_PARTIAL	10

static unsigned int min_partial(unsigned int size)
{
	return clamp_t(unsigned int, ilog2(size) / 2, TOY_SLAB_MIN_PARTIAL,
		       TOY_SLAB_MAX_PARTIAL);
}

/* Caches that toy_kmem_cache_create() makes at most, kmalloc ones apart. */
#define TOY_SLAB_MAX_CACHES	64

/* A refill of an array that served nothing since its drain moves at most this. */
#define TOY_BATCHREFILL_LIMIT	16

/* The list of caches and what walks it; see toy_internal.h for the order. */
DEFINE_MUTEX(toy_slab_mutex);
static LIST_HEAD(toy_slab_caches);	/* newest first, as /proc/slabinfo */
static unsigned int toy_slab_nr_named;	/* toy_slab_mutex */
static struct dentry *toy_slab_dir;	/* debugfs slabs/, toy_slab_mutex */
static struct toy_slab_config toy_slab_cfg;	/* set once, at init */

const char *const toy_slab_list_names[] = {
	[TOY_SLAB_FULL]		= "full",
	[TOY_SLAB_PARTIAL]	= "partial",
	[TOY_SLAB_EMPTY]	= "empty",
};

static_assert(ARRAY_SIZE(toy_slab_list_names) == TOY_NR_SLAB_LISTS);

const char *const toy_slab_stat_names[] = {
	[TOY_SS_ALLOC_PARTIAL]	= "alloc_from_partial",
	[TOY_SS_ALLOC_EMPTY]	= "alloc_from_empty",
	[TOY_SS_ALLOC_NEW]	= "alloc_from_new_slab",
	[TOY_SS_ALLOC_FAIL]	= "alloc_failed",
	[TOY_SS_FREE]		= "free",
	[TOY_SS_TO_ARRAY]	= "to_cpu_arrays",
	[TOY_SS_FROM_ARRAY]	= "from_cpu_arrays",
	[TOY_SS_SLAB_NEW]	= "slab_from_buddy",
	[TOY_SS_SLAB_RELEASE]	= "slab_to_buddy",
};

static_assert(ARRAY_SIZE(toy_slab_stat_names) == TOY_NR_SLAB_STATS);

const char *const toy_slab_cpu_stat_names[] = {
	[TOY_CS_ALLOC_HIT]	= "allochit",
	[TOY_CS_ALLOC_MISS]	= "allocmiss",
	[TOY_CS_FREE_HIT]	= "freehit",
	[TOY_CS_FREE_MISS]	= "freemiss",
};

static_assert(ARRAY_SIZE(toy_slab_cpu_stat_names) == TOY_NR_SLAB_CPU_STATS);

/* === Geometry ============================================================= */

/*
 * calc_slab_order() of mm/slub.c with slub_min_order 0: the lowest order,
 * from the one that holds @min_objects objects up to @max_order, that
 * wastes at most 1/@fract_leftover of the slab.
 */
static unsigned int calc_slab_order(unsigned int size,
				    unsigned int min_objects,
				    unsigned int max_order,
				    unsigned int fract_leftover)
{
	unsigned int order;

	for (order = get_order(min_objects * size); order <= max_order;
	     order++) {
		unsigned int slab_size = PAGE_SIZE << order;

		if (slab_size % size <= slab_size / fract_leftover)
			break;
	}
	return order;
}

/**
 * toy_slab_calc_order() - the slab order SLUB picks for an object size
 * @size: bytes from one object to the next.
 * @nr_cpus: CPUs the kernel counts (num_present_cpus(), or nr_cpu_ids
 *	when that is 1).
 * @objects: gets the number of objects per slab.
 *
 * calculate_order() of mm/slub.c with the default slub_min_order,
 * slub_max_order and slub_min_objects: first ask for 4 * (fls(@nr_cpus) + 1)
 * objects per slab within order 3 (PAGE_ALLOC_COSTLY_ORDER), accepting
 * more waste (1/16, 1/8, 1/4 of the slab) before fewer objects; then one
 * object within order 3; then one object at any order.
 *
 * Return: the order, or -E2BIG if one object does not fit in a block of
 * the largest order.
 */
int toy_slab_calc_order(unsigned int size, unsigned int nr_cpus,
			unsigned int *objects)
{
	const unsigned int max_order = PAGE_ALLOC_COSTLY_ORDER;
	unsigned int min_objects, fraction, order;

	if (!size || size > TOY_KMALLOC_MAX_SIZE)
		return -E2BIG;
	min_objects = 4 * (fls(nr_cpus) + 1);
	min_objects = min(min_objects, (unsigned int)(PAGE_SIZE << max_order) / size);

	for (; min_objects > 1; min_objects--) {
		for (fraction = 16; fraction >= 4; fraction /= 2) {
			order = calc_slab_order(size, min_objects, max_order,
						fraction);
			if (order <= max_order)
				goto found;
		}
	}
	order = calc_slab_order(size, 1, max_order, 1);
	if (order > max_order)
		order = calc_slab_order(size, 1, TOY_MAX_ORDER - 1, 1);
	if (order >= TOY_MAX_ORDER)
		return -E2BIG;
found:
	*objects = (PAGE_SIZE << order) / size;
	return order;
}
EXPORT_SYMBOL_IF_KUNIT(toy_slab_calc_order);

/* The CPU count calculate_order() uses. */
static unsigned int slab_nr_cpus(void)
{
	unsigned int nr = num_present_cpus();

	return nr > 1 ? nr : nr_cpu_ids;
}

/* calculate_alignment() of mm/slab_common.c. */
static unsigned int slab_alignment(toy_slab_flags_t flags, unsigned int align,
				   unsigned int size)
{
	if (flags & TOY_SLAB_HWCACHE_ALIGN) {
		unsigned int ralign = cache_line_size();

		while (size <= ralign / 2)
			ralign /= 2;
		align = max(align, ralign);
	}
	align = max_t(unsigned int, align, arch_slab_minalign());
	return ALIGN(align, sizeof(void *));
}

/**
 * toy_slab_layout() - lay out a cache's objects and pick its slab order
 * @s: the cache, with @object_size, @align (as given), @flags, @ctor and
 *	@kmalloc set.
 * @nr_cpus: the CPU count for toy_slab_calc_order().
 *
 * calculate_sizes() of mm/slub.c: the object rounded up to a word; with
 * red zones, at least one word of right red zone; the free pointer after
 * that if the object may not be overwritten when free (poison, ctor, or a
 * red-zoned object smaller than a word), else in the middle of the object;
 * then two tracks and, for kmalloc, the size asked for; with red zones a
 * word of padding and a left red zone of a word rounded up to the
 * alignment; all rounded up to the alignment.
 *
 * Return: 0, or -E2BIG if the result does not fit in a slab.
 */
int toy_slab_layout(struct toy_kmem_cache *s, unsigned int nr_cpus)
{
	unsigned int size = ALIGN(s->object_size, sizeof(void *));
	int order;

	s->align = slab_alignment(s->flags, s->align, s->object_size);
	if ((s->flags & TOY_SLAB_RED_ZONE) && size == s->object_size)
		size += sizeof(void *);
	s->meta_offset = size;
	if ((s->flags & TOY_SLAB_POISON) || s->ctor ||
	    ((s->flags & TOY_SLAB_RED_ZONE) && s->object_size < sizeof(void *))) {
		s->offset = size;
		size += sizeof(void *);
	} else {
		s->offset = ALIGN_DOWN(s->object_size / 2, sizeof(void *));
	}
	if (s->flags & TOY_SLAB_STORE_USER) {
		size += 2 * sizeof(struct toy_track);
		if (s->kmalloc)
			size += sizeof(unsigned int);
	}
	s->red_left_pad = 0;
	if (s->flags & TOY_SLAB_RED_ZONE) {
		size += sizeof(void *);
		s->red_left_pad = ALIGN(sizeof(void *), s->align);
		size += s->red_left_pad;
	}
	s->size = ALIGN(size, s->align);
	s->reciprocal_size = reciprocal_value(s->size);
	order = toy_slab_calc_order(s->size, nr_cpus, &s->objects);
	if (order < 0)
		return order;
	s->order = order;
	s->slab_mask = (PAGE_SIZE << order) - 1;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(toy_slab_layout);

/* === Slabs ================================================================ */

/*
 * Take a slab from the buddy and build it: debug patterns, free list in
 * address order, constructor on each object. No lock is held, so the
 * constructor may do what a constructor may do.
 */
static struct toy_page *new_slab(struct toy_kmem_cache *s, toy_gfp_t gfp)
{
	struct toy_page *slab;
	void *start, *object, *next;
	unsigned int i;

	slab = toy_alloc_pages(gfp & TOY_GFP_SLAB_MASK, s->order);
	if (!slab)
		return NULL;
	start = slab_address(slab);
	slab->objects = s->objects;
	slab->inuse = 0;
	if (s->flags & TOY_SLAB_POISON)
		memset(start, POISON_INUSE, PAGE_SIZE << s->order);
	for (i = 0; i < s->objects; i++) {
		object = index_object(s, slab, i);
		next = i + 1 < s->objects ? index_object(s, slab, i + 1) : NULL;
		if (s->flags & TOY_SLAB_STORE_USER)
			memset(get_track(s, object, TOY_TRACK_ALLOC), 0,
			       2 * sizeof(struct toy_track));
		toy_slab_init_object(s, object, SLUB_RED_INACTIVE);
		if (s->ctor)
			s->ctor(object);
		set_freepointer(s, object, next);
	}
	slab->freelist = index_object(s, slab, 0);
	for (i = 1; i < 1U << s->order; i++)
		WRITE_ONCE(slab[i].head_off, i);
	WRITE_ONCE(slab->slab_cache, s);
	smp_wmb();	/* slab_cache, tails before the flag: see slab_cache_of() */
	set_bit(TOY_PG_SLAB, &slab->flags);
	return slab;
}

/* Put a slab built by new_slab() on the empty list. */
static void add_slab(struct toy_kmem_cache *s, struct toy_page *slab)
	__must_hold(&s->lock)
{
	lockdep_assert_held(&s->lock);
	list_add(&slab->lru, &s->slabs[TOY_SLAB_EMPTY]);
	s->nr_slabs[TOY_SLAB_EMPTY]++;
	s->stat[TOY_SS_SLAB_NEW]++;
}

/* Give @slab, on no list any more, back to the buddy. */
static void free_slab(struct toy_kmem_cache *s, struct toy_page *slab)
	__must_hold(&s->lock)
{
	unsigned int i;

	lockdep_assert_held(&s->lock);
	s->nr_inuse -= slab->inuse;
	s->stat[TOY_SS_SLAB_RELEASE]++;
	clear_bit(TOY_PG_SLAB, &slab->flags);
	smp_wmb();	/* the flag before slab_cache: see slab_cache_of() */
	WRITE_ONCE(slab->slab_cache, NULL);
	slab->freelist = NULL;
	for (i = 1; i < 1U << s->order; i++)
		WRITE_ONCE(slab[i].head_off, 0);
	toy_free_pages(slab, s->order);
}

/* Unlink @slab from list @from and give it back to the buddy. */
static void release_slab(struct toy_kmem_cache *s, struct toy_page *slab,
			 enum toy_slab_list from)
	__must_hold(&s->lock)
{
	lockdep_assert_held(&s->lock);
	list_del(&slab->lru);
	s->nr_slabs[from]--;
	free_slab(s, slab);
}

/*
 * Move @slab from list @from to the list its fill now asks for. A slab
 * that empties beyond max_empty goes back to the buddy at once, or, with
 * @release, onto that list for the caller to give back when it is done
 * with the batch of objects it is freeing (SLAB's slabs_destroy()), so a
 * later object of the batch still finds its slab a slab.
 */
static void relist(struct toy_kmem_cache *s, struct toy_page *slab,
		   enum toy_slab_list from, struct list_head *release)
	__must_hold(&s->lock)
{
	enum toy_slab_list to = list_for(slab);

	lockdep_assert_held(&s->lock);
	if (to == from)
		return;
	if (to == TOY_SLAB_EMPTY &&
	    s->nr_slabs[TOY_SLAB_EMPTY] >= s->max_empty) {
		if (!release) {
			release_slab(s, slab, from);
			return;
		}
		list_move(&slab->lru, release);
		s->nr_slabs[from]--;
		return;
	}
	list_move(&slab->lru, &s->slabs[to]);
	s->nr_slabs[from]--;
	s->nr_slabs[to]++;
}

/*
 * The rest of @slab's free list is unusable: count every object as in use
 * so nothing follows it again. The objects are lost until unload.
 */
static void cut_freelist(struct toy_kmem_cache *s, struct toy_page *slab)
	__must_hold(&s->lock)
{
	lockdep_assert_held(&s->lock);
	s->nr_inuse += slab->objects - slab->inuse;
	slab->inuse = slab->objects;
	slab->freelist = NULL;
}

/*
 * With red zones, give the objects a cut lost the active red zones of the
 * objects in use they are counted as, so checks do not report them: an
 * object that is not free but has a wholly inactive left red zone is one
 * of them. @map marks the objects still free (NULL: none are); @skip is
 * left alone.
 */
static void mark_lost(const struct toy_kmem_cache *s, struct toy_page *slab,
		      const unsigned long *map, void *skip)
	__must_hold(&s->lock)
{
	unsigned int i;
	void *object;

	lockdep_assert_held(&s->lock);
	if (!(s->flags & TOY_SLAB_RED_ZONE))
		return;
	for (i = 0; i < slab->objects; i++) {
		object = index_object(s, slab, i);
		if (object == skip || (map && test_bit(i, map)))
			continue;
		if (!memchr_inv(object_slot(s, object), SLUB_RED_INACTIVE,
				s->red_left_pad))
			toy_slab_init_object(s, object, SLUB_RED_ACTIVE);
	}
}

/* Pop the first free object of @slab, on list @from. */
static void *take_object(struct toy_kmem_cache *s, struct toy_page *slab,
			 enum toy_slab_list from)
	__must_hold(&s->lock)
{
	void *object = slab->freelist;
	void *next = get_freepointer(s, object);

	lockdep_assert_held(&s->lock);
	slab->inuse++;
	s->nr_inuse++;
	if (next && !valid_object(s, slab, next)) {
		toy_slab_report(s, slab, object, TOY_SE_FREELIST, 0,
				"free pointer of a free object leads out of the slab; its %u free objects are lost",
				slab->objects - slab->inuse);
		cut_freelist(s, slab);
		mark_lost(s, slab, NULL, object);
		next = NULL;
	}
	slab->freelist = next;
	relist(s, slab, from, NULL);
	return object;
}

/*
 * The slab the next object comes from: a partial one, else an empty one;
 * NULL if the cache needs a new slab. @from gets its list.
 */
static struct toy_page *get_slab(struct toy_kmem_cache *s,
				 enum toy_slab_list *from)
	__must_hold(&s->lock)
{
	static const enum toy_slab_list order[] = {
		TOY_SLAB_PARTIAL, TOY_SLAB_EMPTY
	};
	static const enum toy_slab_stat stat[] = {
		TOY_SS_ALLOC_PARTIAL, TOY_SS_ALLOC_EMPTY
	};
	struct toy_page *slab;
	int i;

	lockdep_assert_held(&s->lock);
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		slab = list_first_entry_or_null(&s->slabs[order[i]],
						struct toy_page, lru);
		if (slab) {
			s->stat[stat[i]]++;
			*from = order[i];
			return slab;
		}
	}
	return NULL;
}

/* === Allocation and free: the lists ======================================= */

/* The seed's allocation: one object straight from the lists. */
static void *lists_alloc(struct toy_kmem_cache *s, toy_gfp_t gfp,
			 unsigned long caller, unsigned int orig_size)
{
	enum toy_slab_list from;
	struct toy_page *slab;
	unsigned long flags;
	void *object;

	spin_lock_irqsave(&s->lock, flags);
	slab = get_slab(s, &from);
	if (!slab) {
		spin_unlock_irqrestore(&s->lock, flags);
		slab = new_slab(s, gfp);
		spin_lock_irqsave(&s->lock, flags);
		if (!slab) {
			s->stat[TOY_SS_ALLOC_FAIL]++;
			spin_unlock_irqrestore(&s->lock, flags);
			return NULL;
		}
		add_slab(s, slab);
		s->stat[TOY_SS_ALLOC_NEW]++;
		from = TOY_SLAB_EMPTY;
	}
	object = take_object(s, slab, from);
	if (cache_debug(s))
		toy_slab_alloc_debug(s, slab, object, caller, orig_size);
	spin_unlock_irqrestore(&s->lock, flags);
	return object;
}

/* Is @object the start of one of @slab's objects? Report it if not. */
static bool object_start_ok(const struct toy_kmem_cache *s,
			    const struct toy_page *slab, void *object,
			    unsigned long caller)
{
	if (valid_object(s, slab, object))
		return true;
	atomic_long_inc(&toy_slab_errors[TOY_SE_NOT_OBJECT]);
	pr_err("slab error: %s: %s: pfn %lu offset %#lx is inside object %u, called from %pS\n",
	       s->name, toy_slab_error_names[TOY_SE_NOT_OBJECT],
	       toy_page_to_pfn(slab),
	       (unsigned long)(object - slab_address(slab)),
	       object_index(s, slab, object), (void *)caller);
	return false;
}

/*
 * The CPU whose array holds @object, or -1. Only for a debug cache, whose
 * arrays change only under its cache lock as well.
 */
static int in_arrays(struct toy_kmem_cache *s, const void *object)
	__must_hold(&s->lock)
{
	struct toy_array_cache *ac;
	unsigned int i;
	int cpu;

	lockdep_assert_held(&s->lock);
	for_each_possible_cpu(cpu) {
		ac = per_cpu_ptr(s->cpu_cache, cpu);
		for (i = 0; i < ac->avail; i++)
			if (ac->entry[i] == object)
				return cpu;
	}
	return -1;
}

/*
 * Can @object of @slab be freed? The checks that need the cache lock:
 * object start, double free (with F: anywhere on the slab's free list or
 * in any CPU's array). Reports and returns false if not.
 */
static bool free_ok(struct toy_kmem_cache *s, struct toy_page *slab,
		    void *object, unsigned long caller)
	__must_hold(&s->lock)
{
	bool checks = !!(s->flags & TOY_SLAB_CONSISTENCY_CHECKS);
	int cpu;

	lockdep_assert_held(&s->lock);
	if (slab_cache_of(slab) != s) {
		/* Released (and maybe reused) since the caller looked. */
		toy_slab_bad_pointer(TOY_SE_NOT_SLAB, "free", object, caller);
		return false;
	}
	if (!object_start_ok(s, slab, object, caller))
		return false;
	if (!slab->inuse || object == slab->freelist ||
	    (checks && toy_slab_on_freelist(s, slab, object))) {
		toy_slab_report(s, slab, object, TOY_SE_DOUBLE_FREE, caller,
				"the object is free already, on its slab's free list");
		return false;
	}
	cpu = checks ? in_arrays(s, object) : -1;
	if (cpu >= 0) {
		toy_slab_report(s, slab, object, TOY_SE_DOUBLE_FREE, caller,
				"the object is free already, in the array of cpu %d",
				cpu);
		return false;
	}
	return true;
}

/* Put @object back on @slab's free list; @release as for relist(). */
static void put_object(struct toy_kmem_cache *s, struct toy_page *slab,
		       void *object, struct list_head *release)
	__must_hold(&s->lock)
{
	enum toy_slab_list from = list_for(slab);

	lockdep_assert_held(&s->lock);
	set_freepointer(s, object, slab->freelist);
	slab->freelist = object;
	slab->inuse--;
	s->nr_inuse--;
	s->stat[TOY_SS_FREE]++;
	relist(s, slab, from, release);
}

/* The seed's free: the object straight back to its slab. */
static void lists_free(struct toy_kmem_cache *s, struct toy_page *slab,
		       void *object, unsigned long caller)
{
	unsigned long flags;

	spin_lock_irqsave(&s->lock, flags);
	if (free_ok(s, slab, object, caller)) {
		if (cache_debug(s))
			toy_slab_free_debug(s, slab, object, caller);
		put_object(s, slab, object, NULL);
	}
	spin_unlock_irqrestore(&s->lock, flags);
}

/* === Per-CPU arrays ======================================================= */

/**
 * toy_slab_default_tunables() - the limit and batchcount SLAB gives a cache
 * @size: bytes from one object to the next (objsize).
 * @debug_all: every cache debugs (slab_debug=1): SLAB built with DEBUG.
 * @limit: gets the objects a per-CPU array holds.
 * @batchcount: gets the objects moved at once.
 *
 * enable_cpucache() of mm/slab.c: the limit by object size, and half of
 * it, rounded up, as the batch. SLAB caps the limit at 32 only when it is
 * built with DEBUG (CONFIG_DEBUG_SLAB), which debugs every cache; the
 * toy's counterpart is slab_debug=1. A cache given debug flags of its own
 * keeps the full limit, as such flags do not change SLAB's tunables.
 */
void toy_slab_default_tunables(unsigned int size, bool debug_all,
			       unsigned int *limit, unsigned int *batchcount)
{
	unsigned int n;

	if (size > 131072)
		n = 1;
	else if (size > PAGE_SIZE)
		n = 8;
	else if (size > 1024)
		n = 24;
	else if (size > 256)
		n = 54;
	else
		n = TOY_AC_LIMIT_MAX;
	if (debug_all)
		n = min(n, 32U);
	*limit = n;
	*batchcount = (n + 1) / 2;
}
EXPORT_SYMBOL_IF_KUNIT(toy_slab_default_tunables);

/*
 * free_block(): give @n objects of an array back to their slabs. An
 * object whose slab is empty or has it at the head of its free list was
 * freed twice, and is reported and dropped. Slabs that empty beyond
 * max_empty go back to the buddy after the whole batch. Return how many.
 */
static unsigned int free_block(struct toy_kmem_cache *s, void **objects,
			       unsigned int n)
	__must_hold(&s->lock)
{
	struct toy_page *slab, *next;
	unsigned int i, released = 0;
	LIST_HEAD(release);
	void *object;

	lockdep_assert_held(&s->lock);
	for (i = 0; i < n; i++) {
		object = objects[i];
		slab = block_of(object);
		if (slab_cache_of(slab) != s || !valid_object(s, slab, object)) {
			toy_slab_stray(s, object, true);
			continue;
		}
		if (!slab->inuse || object == slab->freelist) {
			toy_slab_report(s, slab, object, TOY_SE_DOUBLE_FREE, 0,
					"found when a per-CPU array gave it back: it was freed twice");
			continue;
		}
		put_object(s, slab, object, &release);
		s->stat[TOY_SS_FROM_ARRAY]++;
	}
	list_for_each_entry_safe(slab, next, &release, lru) {
		list_del(&slab->lru);
		free_slab(s, slab);
		released++;
	}
	return released;
}

/*
 * The array section: this CPU's array of @s for the caller alone, until
 * array_exit(), or NULL for an interrupt that came in on a section, which
 * then takes the lists (toy_section_enter() in toy_internal.h). A freezer
 * waits for the sections to end instead of entering them (freeze_arrays()).
 */
static __always_inline struct toy_array_cache *
array_enter(struct toy_kmem_cache *s)
{
	return toy_section_enter(s->cpu_cache);
}

static __always_inline void array_exit(struct toy_array_cache *ac)
{
	toy_section_exit(ac);
}

/*
 * May the holder of an array of @s use the arrays? Not when they are
 * off, nor while a freezer holds them.
 */
static __always_inline bool arrays_usable(struct toy_kmem_cache *s)
{
	/* Pairs with the release in thaw_arrays(). */
	return !smp_load_acquire(&s->frozen) && s->limit;
}

/* Who may change @ac: its section's holder, or a freezer of @s. */
static void assert_array_held(struct toy_kmem_cache *s,
			      struct toy_array_cache *ac)
{
	lockdep_assert((READ_ONCE(s->frozen) && lockdep_is_held(&s->lock)) ||
		       (IS_ENABLED(CONFIG_PREEMPT_RT) ?
			lockdep_is_held(&ac->lock) :
			READ_ONCE(ac->busy) && ac == raw_cpu_ptr(s->cpu_cache)));
}

/* cache_flusharray(): give the batchcount oldest objects of @ac back. */
static void flush_array(struct toy_kmem_cache *s, struct toy_array_cache *ac)
	__must_hold(&s->lock)
{
	unsigned int n = min(s->batchcount, ac->avail);

	assert_array_held(s, ac);
	free_block(s, ac->entry, n);
	ac->avail -= n;
	memmove(ac->entry, ac->entry + n, ac->avail * sizeof(ac->entry[0]));
}

/* Give every object of @ac back; return the slabs that went to the buddy. */
static unsigned int drain_array(struct toy_kmem_cache *s,
				struct toy_array_cache *ac)
	__must_hold(&s->lock)
{
	unsigned int released;

	assert_array_held(s, ac);
	released = free_block(s, ac->entry, ac->avail);
	ac->avail = 0;
	ac->touched = false;
	return released;
}

/*
 * Hold every array of @s and its lists still, as freeze_zone() holds a
 * zone. @s is marked frozen, which sends every array section that sees
 * it to the lists, and synchronize_rcu() waits for those that began
 * before: an array section runs with preemption off (PREEMPT_RT: under a
 * spinlock_t, which holds the RCU read lock), so no CPU is inside one that
 * missed the mark once it returns. No lock per CPU is taken, so the cost
 * does not grow with the CPUs and an interrupt may allocate and free
 * meanwhile. Then the cache lock is taken and held: the arrays change only
 * under it, and the freezer may drain or check them. The slab mutex makes
 * the caller the only freezer; freeze_mark() and freeze_wait() let it
 * freeze many caches for one grace period.
 */
static void freeze_mark(struct toy_kmem_cache *s)
	__must_hold(&toy_slab_mutex)
{
	lockdep_assert_held(&toy_slab_mutex);
	WRITE_ONCE(s->frozen, true);
}

static void freeze_wait(void)
{
	synchronize_rcu();
}

/* Mark every cache, then wait once: one grace period for them all. */
static void freeze_mark_all(void)
	__must_hold(&toy_slab_mutex)
{
	struct toy_kmem_cache *s;

	list_for_each_entry(s, &toy_slab_caches, list)
		freeze_mark(s);
	freeze_wait();
}

static void freeze_arrays(struct toy_kmem_cache *s, unsigned long *flags)
	__must_hold(&toy_slab_mutex) __acquires(&s->lock)
{
	freeze_mark(s);
	freeze_wait();
	spin_lock_irqsave(&s->lock, *flags);
}

/* Whoever then sees the mark clear sees the limit and arrays left here. */
static void thaw_mark(struct toy_kmem_cache *s)
	__must_hold(&toy_slab_mutex)
{
	/* Pairs with the acquire in arrays_usable(). */
	smp_store_release(&s->frozen, false);
}

static void thaw_arrays(struct toy_kmem_cache *s, unsigned long flags)
	__must_hold(&toy_slab_mutex) __releases(&s->lock)
{
	spin_unlock_irqrestore(&s->lock, flags);
	thaw_mark(s);
}

/* Objects in the arrays of @s, which the caller holds still. */
static unsigned long cached_locked(struct toy_kmem_cache *s)
	__must_hold(&s->lock)
{
	unsigned long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += per_cpu_ptr(s->cpu_cache, cpu)->avail;
	return n;
}

/*
 * alloc_block(): move up to @n objects from the partial, then the empty
 * slabs to @ac, pushed in the order they are taken, as SLAB pushes them:
 * the array pops from the top, so the last one taken is handed out first.
 * Return how many moved.
 */
static unsigned int fill_array(struct toy_kmem_cache *s,
			       struct toy_array_cache *ac, unsigned int n)
	__must_hold(&s->lock)
{
	unsigned int start = ac->avail;
	enum toy_slab_list from;
	struct toy_page *slab;

	assert_array_held(s, ac);
	while (n-- && (slab = get_slab(s, &from)))
		ac->entry[ac->avail++] = take_object(s, slab, from);
	s->stat[TOY_SS_TO_ARRAY] += ac->avail - start;
	return ac->avail - start;
}

/* The objects a refill of @ac moves: BATCHREFILL_LIMIT when untouched. */
static unsigned int refill_batch(const struct toy_kmem_cache *s,
				 const struct toy_array_cache *ac)
{
	unsigned int n = s->batchcount;

	if (!ac->touched && n > TOY_BATCHREFILL_LIMIT)
		n = TOY_BATCHREFILL_LIMIT;
	return min(n, s->limit - ac->avail);
}

/*
 * cache_alloc_refill(): this CPU's array *@acp is empty. Refill it from
 * the lists, else from a new slab built outside the array section and
 * the cache lock (so that a blocking allocation may sleep there one day),
 * and pop an object. In between the task may move to another CPU and the
 * cache may be frozen: *@acp comes back as the array now held, or NULL if
 * none could be (the object then comes from the lists), and the limit is
 * read again.
 *
 * Return: the object, or NULL if the buddy had no slab.
 */
static void *refill(struct toy_kmem_cache *s, struct toy_array_cache **acp,
		    toy_gfp_t gfp, unsigned long *flags)
	__must_hold(&s->lock)
{
	struct toy_array_cache *ac = *acp;
	enum toy_slab_list from;
	struct toy_page *slab;

	lockdep_assert_held(&s->lock);
	if (!fill_array(s, ac, refill_batch(s, ac))) {
		spin_unlock_irqrestore(&s->lock, *flags);
		array_exit(ac);
		slab = new_slab(s, gfp);
		ac = array_enter(s);
		*acp = ac;
		spin_lock_irqsave(&s->lock, *flags);
		if (slab) {
			add_slab(s, slab);
			s->stat[TOY_SS_ALLOC_NEW]++;
		}
		if (!ac || !arrays_usable(s)) {
			slab = get_slab(s, &from);
			if (slab)
				return take_object(s, slab, from);
			s->stat[TOY_SS_ALLOC_FAIL]++;
			return NULL;
		}
		if (!ac->avail)
			fill_array(s, ac, refill_batch(s, ac));
		if (!ac->avail) {
			s->stat[TOY_SS_ALLOC_FAIL]++;
			return NULL;
		}
	}
	ac->touched = true;
	return ac->entry[--ac->avail];
}

/* The newest object of @ac, or NULL if it is empty. */
static __always_inline void *array_pop(struct toy_array_cache *ac)
{
	if (unlikely(!ac->avail)) {
		ac->stat[TOY_CS_ALLOC_MISS]++;
		return NULL;
	}
	ac->stat[TOY_CS_ALLOC_HIT]++;
	ac->touched = true;
	return ac->entry[--ac->avail];
}

/*
 * ____cache_alloc() for an empty array, or a debug cache: refill under the
 * cache lock; a debug cache takes the lock throughout and checks the
 * object as it leaves the array. *@acp as refill() leaves it.
 */
static noinline void *array_alloc_slow(struct toy_kmem_cache *s,
				       struct toy_array_cache **acp,
				       toy_gfp_t gfp, unsigned long caller,
				       unsigned int orig_size)
{
	unsigned long flags;
	void *object;

	spin_lock_irqsave(&s->lock, flags);
	if (!cache_debug(s)) {
		object = refill(s, acp, gfp, &flags);
	} else {
		object = array_pop(*acp) ?: refill(s, acp, gfp, &flags);
		if (object)
			toy_slab_alloc_debug(s, block_of(object), object,
					     caller, orig_size);
	}
	spin_unlock_irqrestore(&s->lock, flags);
	return object;
}

/* A free into a full array: flush a batch, then push (cache lock held). */
static noinline void array_free_slow(struct toy_kmem_cache *s,
				     struct toy_array_cache *ac,
				     struct toy_page *slab, void *object,
				     unsigned long caller)
{
	unsigned long flags;

	spin_lock_irqsave(&s->lock, flags);
	if (cache_debug(s)) {
		if (!free_ok(s, slab, object, caller))
			goto out;
		toy_slab_free_debug(s, slab, object, caller);
	}
	if (ac->avail < s->limit) {
		ac->stat[TOY_CS_FREE_HIT]++;
	} else {
		ac->stat[TOY_CS_FREE_MISS]++;
		flush_array(s, ac);
	}
	ac->entry[ac->avail++] = object;
out:
	spin_unlock_irqrestore(&s->lock, flags);
}

/*
 * ___cache_free(): push @object onto this CPU's array @ac, flushing a
 * batch first if it is full. The object must start an object and not be
 * the one on top already; a debug cache takes its cache lock for the
 * full double-free check and the debug work.
 */
static __always_inline void array_free(struct toy_kmem_cache *s,
				       struct toy_array_cache *ac,
				       struct toy_page *slab, void *object,
				       unsigned long caller)
{
	if (unlikely(!object_start_fast(s, object)) &&
	    !object_start_ok(s, slab, object, caller))
		return;
	if (unlikely(ac->avail && ac->entry[ac->avail - 1] == object)) {
		toy_slab_report(s, slab, object, TOY_SE_DOUBLE_FREE, caller,
				"the object is free already, on top of this CPU's array");
		return;
	}
	if (likely(!cache_debug(s) && ac->avail < s->limit)) {
		ac->stat[TOY_CS_FREE_HIT]++;
		ac->entry[ac->avail++] = object;
		return;
	}
	array_free_slow(s, ac, slab, object, caller);
}

/* === Allocation and free ================================================== */

/* slab_alloc_node(): the array, else the lists. */
static __always_inline void *slab_alloc(struct toy_kmem_cache *s,
					toy_gfp_t gfp, unsigned long caller,
					unsigned int orig_size)
{
	struct toy_array_cache *ac;
	void *object = NULL;

	if (toy_should_fail(&toy_fail_slab, s->object_size))
		return NULL;
	ac = array_enter(s);
	if (likely(ac)) {
		if (likely(arrays_usable(s))) {
			if (likely(!cache_debug(s)))
				object = array_pop(ac);
			if (unlikely(!object))
				object = array_alloc_slow(s, &ac, gfp, caller,
							  orig_size);
			if (ac)
				array_exit(ac);
			goto out;
		}
		array_exit(ac);
	}
	object = lists_alloc(s, gfp, caller, orig_size);
out:
	if (object && (gfp & __TOY_GFP_ZERO))
		memset(object, 0, s->object_size);
	return object;
}

void *toy_slab_alloc(struct toy_kmem_cache *s, toy_gfp_t gfp,
		     unsigned long caller, unsigned int orig_size)
{
	return slab_alloc(s, gfp, caller, orig_size);
}

/* do_slab_free(): the array, else the lists. */
static __always_inline void slab_free(struct toy_kmem_cache *s,
				      struct toy_page *slab, void *object,
				      unsigned long caller)
{
	struct toy_array_cache *ac = array_enter(s);

	if (likely(ac)) {
		if (likely(arrays_usable(s))) {
			array_free(s, ac, slab, object, caller);
			array_exit(ac);
			return;
		}
		array_exit(ac);
	}
	lists_free(s, slab, object, caller);
}

void toy_slab_free(struct toy_kmem_cache *s, struct toy_page *slab,
		   void *object, unsigned long caller)
{
	slab_free(s, slab, object, caller);
}

/*
 * @slab, the block holding an object about to be freed to @s, if it is a
 * slab of that cache; else NULL after a report.
 */
static noinline struct toy_page *bad_slab(struct toy_kmem_cache *s,
					  struct toy_kmem_cache *owner,
					  struct toy_page *slab,
					  const void *object, const char *api,
					  unsigned long caller)
{
	if (!owner) {
		toy_slab_bad_pointer(TOY_SE_NOT_SLAB, api, object, caller);
		return NULL;
	}
	if (owner != s) {
		atomic_long_inc(&toy_slab_errors[TOY_SE_WRONG_CACHE]);
		pr_err("slab error: %s: %s: object of %s at pfn %lu offset %#lx freed to %s, called from %pS\n",
		       api, toy_slab_error_names[TOY_SE_WRONG_CACHE],
		       owner->name, toy_page_to_pfn(slab),
		       (unsigned long)(object - slab_address(slab)), s->name,
		       (void *)caller);
	}
	return NULL;
}

static __always_inline struct toy_page *
check_slab(struct toy_kmem_cache *s, struct toy_page *slab,
	   const void *object, const char *api, unsigned long caller)
{
	struct toy_kmem_cache *owner = slab_cache_of(slab);

	if (likely(owner == s))
		return slab;
	return bad_slab(s, owner, slab, object, api, caller);
}

/* The slab of an object about to be freed to @s, as check_slab(). */
static __always_inline struct toy_page *
free_slab_of(struct toy_kmem_cache *s, const void *object, const char *api,
	     unsigned long caller)
{
	return check_slab(s, block_of(object), object, api, caller);
}

void *toy_kmalloc_trace(struct toy_kmem_cache *s, toy_gfp_t gfp, size_t size)
{
	return slab_alloc(s, gfp, _RET_IP_, size);
}
EXPORT_SYMBOL_GPL(toy_kmalloc_trace);

void *toy_kmem_cache_alloc(struct toy_kmem_cache *s, toy_gfp_t gfp)
{
	return slab_alloc(s, gfp, _RET_IP_, s->object_size);
}
EXPORT_SYMBOL_GPL(toy_kmem_cache_alloc);

void toy_kmem_cache_free(struct toy_kmem_cache *s, void *obj)
{
	struct toy_page *slab;

	if (!obj)
		return;
	slab = free_slab_of(s, obj, "kmem_cache_free", _RET_IP_);
	if (likely(slab))
		slab_free(s, slab, obj, _RET_IP_);
}
EXPORT_SYMBOL_GPL(toy_kmem_cache_free);

/* === Caches =============================================================== */

/*
 * On while any cache debugs: cache_debug() reads it first, so that the
 * fast paths of a machine with no debug cache test no flag at all.
 */
DEFINE_STATIC_KEY_FALSE(toy_slab_debug_key);

/* Make @s one of the caches; from here on it may be used. */
static void link_cache(struct toy_kmem_cache *s)
	__must_hold(&toy_slab_mutex)
{
	lockdep_assert_held(&toy_slab_mutex);
	if (s->flags & TOY_SLAB_DEBUG)
		static_branch_inc(&toy_slab_debug_key);
	list_add(&s->list, &toy_slab_caches);
}

/* Undo link_cache(): nothing uses @s any more. */
static void unlink_cache(struct toy_kmem_cache *s)
	__must_hold(&toy_slab_mutex)
{
	lockdep_assert_held(&toy_slab_mutex);
	list_del(&s->list);
	if (s->flags & TOY_SLAB_DEBUG)
		static_branch_dec(&toy_slab_debug_key);
}

static int cache_init(struct toy_kmem_cache *s, const char *name,
		      unsigned int size, unsigned int align,
		      toy_slab_flags_t flags, void (*ctor)(void *), bool kmalloc)
{
	int i, cpu, err;

	spin_lock_init(&s->lock);
	for (i = 0; i < TOY_NR_SLAB_LISTS; i++)
		INIT_LIST_HEAD(&s->slabs[i]);
	strscpy(s->name, name, sizeof(s->name));
	s->object_size = size;
	s->align = align;
	s->flags = flags;
	if (toy_slab_cfg.debug_all)
		s->flags |= TOY_SLAB_DEBUG;
	s->ctor = ctor;
	s->kmalloc = kmalloc;
	if (s->flags & TOY_SLAB_STORE_USER)
		toy_slab_depot_init();
	err = toy_slab_layout(s, slab_nr_cpus());
	if (err)
		return err;
	s->max_empty = min_partial(s->size);
	if (toy_slab_cfg.cpu_cache)
		toy_slab_default_tunables(s->size, toy_slab_cfg.debug_all,
					  &s->limit, &s->batchcount);
	s->cpu_cache = alloc_percpu(struct toy_array_cache);
	if (!s->cpu_cache)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(s->cpu_cache, cpu)->lock);
	return 0;
}

struct toy_kmem_cache *toy_slab_find_cache(const char *name)
	__must_hold(&toy_slab_mutex)
{
	struct toy_kmem_cache *s;

	lockdep_assert_held(&toy_slab_mutex);
	list_for_each_entry(s, &toy_slab_caches, list)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

/* Can @name name a new cache? If not, print one line why. */
static int check_name(const char *who, const char *name)
	__must_hold(&toy_slab_mutex)
{
	size_t len = name ? strnlen(name, TOY_SLAB_NAME_MAX) : 0;
	const char *c;

	if (!len || len == TOY_SLAB_NAME_MAX) {
		pr_info("%s: a cache name has 1 to %d characters\n", who,
			TOY_SLAB_NAME_MAX - 1);
		return -EINVAL;
	}
	for (c = name; *c; c++) {
		if (!isalnum(*c) && !strchr("_.-", *c)) {
			pr_info("%s: character %#04x at %td may not be in a cache name: only letters, digits, '_', '.' and '-'\n",
				who, (unsigned char)*c, c - name);
			return -EINVAL;
		}
	}
	if (str_has_prefix(name, "kmalloc-")) {
		pr_info("%s: %s: names starting with kmalloc- are kmalloc's\n",
			who, name);
		return -EINVAL;
	}
	if (toy_slab_find_cache(name)) {
		pr_info("%s: %s: a cache of that name exists\n", who, name);
		return -EEXIST;
	}
	return 0;
}

/* Can a cache be made with these arguments? If not, print one line why. */
static int check_args(const char *who, const char *name, unsigned int size,
		      unsigned int align)
	__must_hold(&toy_slab_mutex)
{
	int err = check_name(who, name);

	if (err)
		return err;
	if (!size || size > TOY_KMALLOC_MAX_SIZE) {
		pr_info("%s: %s: size %u is not from 1 to %lu\n", who, name,
			size, TOY_KMALLOC_MAX_SIZE);
		return -EINVAL;
	}
	if (align > PAGE_SIZE || (align && !is_power_of_2(align))) {
		pr_info("%s: %s: alignment %u is not 0 or a power of two up to %lu\n",
			who, name, align, PAGE_SIZE);
		return -EINVAL;
	}
	if (toy_slab_nr_named >= TOY_SLAB_MAX_CACHES) {
		pr_info("%s: %s: there are %d caches already, the most allowed\n",
			who, name, TOY_SLAB_MAX_CACHES);
		return -ENOSPC;
	}
	return 0;
}

static void debugfs_add_cache(struct toy_kmem_cache *s);

/*
 * Make a named cache for @who (the API or a ctl verb), or print one line
 * why not and return an ERR_PTR().
 */
struct toy_kmem_cache *toy_slab_create_cache(const char *who,
					     const char *name,
					     unsigned int size,
					     unsigned int align,
					     toy_slab_flags_t flags,
					     void (*ctor)(void *))
	__must_hold(&toy_slab_mutex)
{
	struct toy_kmem_cache *s;
	int err;

	err = check_args(who, name, size, align);
	if (err)
		return ERR_PTR(err);
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s) {
		pr_info("%s: %s: out of memory for the cache\n", who, name);
		return ERR_PTR(-ENOMEM);
	}
	err = cache_init(s, name, size, align, flags, ctor, false);
	if (err == -ENOMEM)
		pr_info("%s: %s: out of memory for the per-CPU arrays\n", who,
			name);
	else if (err)
		pr_info("%s: %s: objects of %u bytes (%u with metadata) do not fit in a slab\n",
			who, name, size, s->size);
	if (err) {
		kfree(s);
		return ERR_PTR(err);
	}
	link_cache(s);
	toy_slab_nr_named++;
	debugfs_add_cache(s);
	return s;
}

struct toy_kmem_cache *toy_kmem_cache_create(const char *name,
					     unsigned int size,
					     unsigned int align,
					     toy_slab_flags_t flags,
					     void (*ctor)(void *))
{
	struct toy_kmem_cache *s;

	mutex_lock(&toy_slab_mutex);
	s = toy_slab_create_cache("kmem_cache_create", name, size, align, flags, ctor);
	mutex_unlock(&toy_slab_mutex);
	return IS_ERR(s) ? NULL : s;
}
EXPORT_SYMBOL_GPL(toy_kmem_cache_create);

/* Give every slab on list @list back to the buddy; return how many. */
static unsigned int release_list(struct toy_kmem_cache *s,
				 enum toy_slab_list list)
	__must_hold(&s->lock)
{
	struct toy_page *slab, *next;
	unsigned int n = 0;

	lockdep_assert_held(&s->lock);
	list_for_each_entry_safe(slab, next, &s->slabs[list], lru) {
		release_slab(s, slab, list);
		n++;
	}
	return n;
}

/* Drain every array of @s, which the caller holds still; return slabs freed. */
static unsigned int drain_frozen(struct toy_kmem_cache *s)
	__must_hold(&s->lock)
{
	unsigned int released = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		released += drain_array(s, per_cpu_ptr(s->cpu_cache, cpu));
	return released;
}

/*
 * __kmem_cache_shrink() of SLAB: drain every CPU's array (drain_cpu_caches(),
 * here by freezing the cache), then give back every empty slab. Counts the
 * slabs a drain gave back too.
 */
int toy_slab_shrink_cache(struct toy_kmem_cache *s)
	__must_hold(&toy_slab_mutex)
{
	unsigned long flags;
	unsigned int n;

	freeze_arrays(s, &flags);
	n = drain_frozen(s);
	n += release_list(s, TOY_SLAB_EMPTY);
	thaw_arrays(s, flags);
	return n;
}

/*
 * Where the caller may not sleep: drain this CPU's array only (unless an
 * interrupted context of this CPU holds it), then give back every empty
 * slab, all under the cache lock.
 */
static int shrink_here(struct toy_kmem_cache *s)
{
	struct toy_array_cache *ac = array_enter(s);
	unsigned long flags;
	int n = 0;

	spin_lock_irqsave(&s->lock, flags);
	if (ac)
		n = drain_array(s, ac);
	n += release_list(s, TOY_SLAB_EMPTY);
	spin_unlock_irqrestore(&s->lock, flags);
	if (ac)
		array_exit(ac);
	return n;
}

int toy_kmem_cache_shrink(struct toy_kmem_cache *s)
{
	int n;

	if (!preemptible())
		return shrink_here(s);
	mutex_lock(&toy_slab_mutex);
	n = toy_slab_shrink_cache(s);
	mutex_unlock(&toy_slab_mutex);
	return n;
}
EXPORT_SYMBOL_GPL(toy_kmem_cache_shrink);

/*
 * Destroy @s for @who if it has no live objects, or print one line why
 * not and leave it as it was. Objects in the per-CPU arrays are not live:
 * they and the empty slabs go back to the buddy. (Should a double free
 * have left an object in the arrays twice, the drain finds it, and what
 * is live is counted again after it.)
 */
int toy_slab_destroy_cache(const char *who, struct toy_kmem_cache *s)
	__must_hold(&toy_slab_mutex)
{
	unsigned long flags, live, cached;

	lockdep_assert_held(&toy_slab_mutex);
	if (s->kmalloc) {
		pr_info("%s: %s: kmalloc caches live as long as the module\n",
			who, s->name);
		return -EPERM;
	}
	freeze_arrays(s, &flags);
	cached = cached_locked(s);
	live = s->nr_inuse > cached ? s->nr_inuse - cached : 0;
	if (!live) {
		drain_frozen(s);
		live = s->nr_inuse;
	}
	if (!live)
		release_list(s, TOY_SLAB_EMPTY);
	thaw_arrays(s, flags);
	if (live) {
		pr_info("%s: %s: %lu objects still allocated, free them first\n",
			who, s->name, live);
		return -EBUSY;
	}
	unlink_cache(s);
	toy_slab_nr_named--;
	debugfs_remove(s->dentry);
	free_percpu(s->cpu_cache);
	kfree(s);
	return 0;
}

/*
 * do_tune_cpucache(): drain every array of @s, then give it a new limit
 * and batchcount. Both 0 turn the arrays off; otherwise 1 <= @batchcount
 * <= @limit <= %TOY_AC_LIMIT_MAX. Prints one line and returns -EINVAL
 * for anything else.
 */
static int tune_cache(const char *who, struct toy_kmem_cache *s,
		      unsigned int limit, unsigned int batchcount)
	__must_hold(&toy_slab_mutex)
{
	unsigned long flags;

	lockdep_assert_held(&toy_slab_mutex);
	if (limit > TOY_AC_LIMIT_MAX || batchcount > limit ||
	    (limit && !batchcount)) {
		pr_info("%s: %s: limit %u batchcount %u: want 1 <= batchcount <= limit <= %d, or both 0 for no arrays\n",
			who, s->name, limit, batchcount, TOY_AC_LIMIT_MAX);
		return -EINVAL;
	}
	freeze_arrays(s, &flags);
	drain_frozen(s);
	s->limit = limit;
	s->batchcount = batchcount;
	thaw_arrays(s, flags);
	return 0;
}

/**
 * toy_slab_tune() - set the per-CPU array tunables of a cache
 * @s: the cache.
 * @limit: objects each array holds, 0 for no arrays.
 * @batchcount: objects moved at once, 1 .. @limit (0 with @limit 0).
 *
 * What writing "NAME LIMIT BATCHCOUNT 0" to slabinfo does: every array is
 * drained first, as SLAB's do_tune_cpucache() drains the old ones.
 *
 * Context: Process context; takes the slab mutex and freezes the cache.
 * Return: 0, or -EINVAL for tunables out of range.
 */
int toy_slab_tune(struct toy_kmem_cache *s, unsigned int limit,
		  unsigned int batchcount)
{
	int err;

	mutex_lock(&toy_slab_mutex);
	err = tune_cache("tune", s, limit, batchcount);
	mutex_unlock(&toy_slab_mutex);
	return err;
}
EXPORT_SYMBOL_IF_KUNIT(toy_slab_tune);

/**
 * toy_slab_cached() - objects in the per-CPU arrays of a cache
 * @s: the cache.
 *
 * Context: Any context; reads each array without holding it, so the sum
 * is a snapshot unless the cache is still.
 * Return: the number of objects, free for the user, counted in use by
 * their slabs.
 */
unsigned long toy_slab_cached(struct toy_kmem_cache *s)
{
	unsigned long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(s->cpu_cache, cpu)->avail);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(toy_slab_cached);

/**
 * toy_slab_cpu_stat() - one per-CPU array event, summed over the CPUs
 * @s: the cache.
 * @item: the event.
 *
 * Context: Any context; a snapshot, as toy_slab_cached().
 * Return: the sum.
 */
unsigned long toy_slab_cpu_stat(struct toy_kmem_cache *s,
				enum toy_slab_cpu_stat item)
{
	unsigned long n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += READ_ONCE(per_cpu_ptr(s->cpu_cache, cpu)->stat[item]);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(toy_slab_cpu_stat);

int toy_kmem_cache_destroy(struct toy_kmem_cache *s)
{
	int err;

	if (!s)
		return 0;
	mutex_lock(&toy_slab_mutex);
	err = toy_slab_destroy_cache("kmem_cache_destroy", s);
	mutex_unlock(&toy_slab_mutex);
	return err;
}
EXPORT_SYMBOL_GPL(toy_kmem_cache_destroy);

/**
 * toy_slab_nr() - the number of slabs on one list of a cache
 * @s: the cache.
 * @list: the list.
 *
 * Return: the count, read under the cache lock.
 */
unsigned long toy_slab_nr(struct toy_kmem_cache *s, enum toy_slab_list list)
{
	unsigned long flags, nr;

	spin_lock_irqsave(&s->lock, flags);
	nr = s->nr_slabs[list];
	spin_unlock_irqrestore(&s->lock, flags);
	return nr;
}
EXPORT_SYMBOL_IF_KUNIT(toy_slab_nr);

/* === Validation =========================================================== */

/*
 * Walk @slab's free list, marking free objects in @map. A pointer out of
 * the slab or a loop ends the walk at the last good object, and with
 * @repair the list too. Return the number of findings and the free
 * objects in @nr_free.
 */
static unsigned int walk_freelist(struct toy_kmem_cache *s,
				  struct toy_page *slab, unsigned long *map,
				  unsigned int *nr_free, bool repair)
	__must_hold(&s->lock)
{
	void *fp, *prev = NULL;

	lockdep_assert_held(&s->lock);
	*nr_free = 0;
	bitmap_zero(map, s->objects);
	for (fp = slab->freelist; fp; prev = fp, fp = get_freepointer(s, fp)) {
		if (prev && (!valid_object(s, slab, fp) ||
			     test_bit(object_index(s, slab, fp), map))) {
			toy_slab_report(s, slab, prev, TOY_SE_FREELIST, 0,
					"free pointer leads %s%s",
					valid_object(s, slab, fp) ?
					"back into the list" : "out of the slab",
					repair ? "; the list is cut here" : "");
			if (repair)
				set_freepointer(s, prev, NULL);
			return 1;
		}
		__set_bit(object_index(s, slab, fp), map);
		(*nr_free)++;
	}
	return 0;
}

/* One object in a per-CPU array, as validate sees it. */
struct array_ref {
	void *object;
	struct toy_array_cache *ac;
	unsigned int idx;	/* in ac->entry[] */
	int cpu;
	bool matched;		/* found in a slab of the cache, or dropped */
};

/* What validate works with for one cache. */
struct validate_ctx {
	unsigned long *map;	/* free objects of the slab at hand */
	struct array_ref *refs;	/* every array's objects, by address */
	unsigned int nr_refs;
	unsigned long nr_inuse;	/* the slabs' inuse, summed */
	bool repair;		/* fix what is found, or only report it */
};

static int ref_cmp(const void *a, const void *b)
{
	const struct array_ref *x = a, *y = b;

	if (x->object == y->object)
		return 0;
	return x->object < y->object ? -1 : 1;
}

/* Take an array entry validate found wrong out of its array, if repairing. */
static void drop_ref(struct validate_ctx *ctx, struct array_ref *ref)
{
	if (ctx->repair)
		ref->ac->entry[ref->idx] = NULL;
	ref->matched = true;
}

/*
 * Snapshot every array of @s, which the caller holds still, into @ctx,
 * sorted by address. An array over its limit is reported (and, when
 * repairing, trimmed as the arrays are put back together). Return the
 * findings.
 */
static unsigned int collect_refs(struct toy_kmem_cache *s,
				 struct validate_ctx *ctx)
	__must_hold(&s->lock)
{
	struct toy_array_cache *ac;
	unsigned int i, n, bad = 0;
	int cpu;

	ctx->nr_refs = 0;
	for_each_possible_cpu(cpu) {
		ac = per_cpu_ptr(s->cpu_cache, cpu);
		if (ac->avail > s->limit) {
			atomic_long_inc(&toy_slab_errors[TOY_SE_FREELIST]);
			pr_err("slab error: %s: %s: the array of cpu %d holds %u objects, over its limit of %u\n",
			       s->name, toy_slab_error_names[TOY_SE_FREELIST],
			       cpu, ac->avail, s->limit);
			bad++;
		}
		n = min_t(unsigned int, ac->avail, TOY_AC_LIMIT_MAX);
		if (ctx->repair)
			ac->avail = n;
		for (i = 0; i < n; i++)
			ctx->refs[ctx->nr_refs++] = (struct array_ref) {
				.object = ac->entry[i], .ac = ac, .idx = i,
				.cpu = cpu,
			};
	}
	sort(ctx->refs, ctx->nr_refs, sizeof(*ctx->refs), ref_cmp, NULL);
	return bad;
}

/* The first array object at or above @addr. */
static struct array_ref *first_ref(struct validate_ctx *ctx, const void *addr)
{
	unsigned int lo = 0, hi = ctx->nr_refs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ctx->refs[mid].object < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ctx->refs + lo;
}

/*
 * Is @ref, which lies in @slab, a good array object: an object start, not
 * a copy of @prev (the one before it by address), not on the slab's free
 * list in @map? Mark it free in @map if so; report it if not.
 */
static bool ref_ok(struct toy_kmem_cache *s, struct toy_page *slab,
		   const struct array_ref *ref, const void *prev,
		   const struct validate_ctx *ctx)
	__must_hold(&s->lock)
{
	const char *fix = ctx->repair ? "; dropped" : "";
	unsigned long *map = ctx->map;
	unsigned int idx;

	if (!valid_object(s, slab, ref->object)) {
		toy_slab_stray(s, ref->object, ctx->repair);
		return false;
	}
	if (ref->object == prev) {
		toy_slab_report(s, slab, ref->object, TOY_SE_DOUBLE_FREE, 0,
				"in the per-CPU arrays twice (once of cpu %d)%s",
				ref->cpu, fix);
		return false;
	}
	idx = object_index(s, slab, ref->object);
	if (test_bit(idx, map)) {
		toy_slab_report(s, slab, ref->object, TOY_SE_DOUBLE_FREE, 0,
				"in the array of cpu %d and on its slab's free list%s",
				ref->cpu, fix);
		return false;
	}
	__set_bit(idx, map);
	return true;
}

/*
 * Check the array objects that lie in @slab (ref_ok()), marking them
 * free in ctx->map, which holds the slab's free list; drop the bad ones.
 * Return the findings.
 */
static unsigned int check_refs(struct toy_kmem_cache *s, struct toy_page *slab,
			       struct validate_ctx *ctx)
	__must_hold(&s->lock)
{
	void *end = slab_address(slab) + (PAGE_SIZE << s->order);
	struct array_ref *ref, *last = ctx->refs + ctx->nr_refs;
	unsigned int bad = 0;
	void *prev = NULL;

	for (ref = first_ref(ctx, slab_address(slab));
	     ref < last && ref->object < end; ref++) {
		ref->matched = true;
		if (ref_ok(s, slab, ref, prev, ctx)) {
			prev = ref->object;
		} else {
			drop_ref(ctx, ref);
			bad++;
		}
	}
	return bad;
}

/*
 * Report the array objects no slab of @s holds; when repairing, drop
 * them, close the gaps drops left and trim an array over its limit.
 * Return the findings.
 */
static unsigned int put_back_arrays(struct toy_kmem_cache *s,
				    struct validate_ctx *ctx)
	__must_hold(&s->lock)
{
	struct toy_array_cache *ac;
	unsigned int i, j, bad = 0;
	int cpu;

	for (i = 0; i < ctx->nr_refs; i++) {
		if (!ctx->refs[i].matched) {
			toy_slab_stray(s, ctx->refs[i].object, ctx->repair);
			drop_ref(ctx, &ctx->refs[i]);
			bad++;
		}
	}
	if (!ctx->repair)
		return bad;
	for_each_possible_cpu(cpu) {
		ac = per_cpu_ptr(s->cpu_cache, cpu);
		for (i = j = 0; i < ac->avail; i++)
			if (ac->entry[i])
				ac->entry[j++] = ac->entry[i];
		ac->avail = j;
		if (ac->avail > s->limit) {
			free_block(s, ac->entry, ac->avail - s->limit);
			memmove(ac->entry, ac->entry + ac->avail - s->limit,
				s->limit * sizeof(ac->entry[0]));
			ac->avail = s->limit;
		}
	}
	return bad;
}

/*
 * Does every tail page of @slab point back at its first page, as the
 * lock-free block_of() trusts? Return the findings; @repair sets them.
 */
static unsigned int check_tails(struct toy_kmem_cache *s, struct toy_page *slab,
				bool repair)
	__must_hold(&s->lock)
{
	unsigned int i, bad = 0;

	for (i = 1; i < 1U << s->order; i++) {
		if (slab[i].head_off == i)
			continue;
		toy_slab_report(s, slab, index_object(s, slab, 0), TOY_SE_FREELIST, 0,
				"tail page %u of the slab points %u pages back, not %u%s",
				i, slab[i].head_off, i, repair ? "; set" : "");
		if (repair)
			WRITE_ONCE(slab[i].head_off, i);
		bad++;
	}
	return bad;
}

/*
 * Check one slab of @s found on list @list; return the findings. Only
 * when repairing is its count set from its free list and the slab moved
 * to the list that count asks for. The objects of a slab whose free list
 * is broken are checked only once a repair has cut it.
 */
static unsigned int validate_slab(struct toy_kmem_cache *s,
				  struct toy_page *slab,
				  enum toy_slab_list list,
				  struct validate_ctx *ctx)
	__must_hold(&s->lock)
{
	unsigned int bad, cut, nr_free, i;
	enum toy_slab_list want;

	cut = walk_freelist(s, slab, ctx->map, &nr_free, ctx->repair);
	bad = cut + check_refs(s, slab, ctx) + check_tails(s, slab, ctx->repair);
	if (cut) {
		if (ctx->repair)
			mark_lost(s, slab, ctx->map, NULL);
	} else if (nr_free != slab->objects - slab->inuse) {
		toy_slab_report(s, slab, slab->freelist ?: index_object(s, slab, 0),
				TOY_SE_FREELIST, 0,
				"slab counts %u of %u objects in use but has %u free%s",
				slab->inuse, slab->objects, nr_free,
				ctx->repair ? "; recounted" : "");
		bad++;
	}
	want = list_for(slab);
	if (!cut && want != list) {
		toy_slab_report(s, slab, index_object(s, slab, 0), TOY_SE_FREELIST, 0,
				"on the %s list with %u of %u objects in use%s",
				toy_slab_list_names[list], slab->inuse,
				slab->objects, ctx->repair ? "; moved" : "");
		bad++;
	}
	if (ctx->repair) {
		s->nr_inuse -= slab->inuse;
		slab->inuse = slab->objects - nr_free;
		s->nr_inuse += slab->inuse;
	}
	ctx->nr_inuse += slab->inuse;
	for (i = 0; cache_debug(s) && (!cut || ctx->repair) &&
	     i < s->objects; i++)
		bad += toy_slab_check_object(s, slab, index_object(s, slab, i),
					     test_bit(i, ctx->map) ? SLUB_RED_INACTIVE :
					     SLUB_RED_ACTIVE, 0, ctx->repair);
	if (ctx->repair)
		relist(s, slab, list, NULL);
	return bad;
}

/*
 * Do the cache's counters agree with its lists: the slabs on each list,
 * and the objects in use over all slabs (as the slabs count them)?
 * Counted before any repair; a repair sets the counters from the lists.
 */
static unsigned int validate_counts(struct toy_kmem_cache *s,
				    struct validate_ctx *ctx)
	__must_hold(&s->lock)
{
	unsigned int bad = 0;
	struct toy_page *slab;
	unsigned long n;
	int list;

	for (list = 0; list < TOY_NR_SLAB_LISTS; list++) {
		n = 0;
		list_for_each_entry(slab, &s->slabs[list], lru)
			n++;
		if (n == s->nr_slabs[list])
			continue;
		atomic_long_inc(&toy_slab_errors[TOY_SE_FREELIST]);
		pr_err("slab error: %s: %s: %lu slabs on the %s list, the count says %lu%s\n",
		       s->name, toy_slab_error_names[TOY_SE_FREELIST], n,
		       toy_slab_list_names[list], s->nr_slabs[list],
		       ctx->repair ? "; recounted" : "");
		if (ctx->repair)
			s->nr_slabs[list] = n;
		bad++;
	}
	if (ctx->nr_inuse != s->nr_inuse) {
		atomic_long_inc(&toy_slab_errors[TOY_SE_FREELIST]);
		pr_err("slab error: %s: %s: its slabs have %lu objects in use, the cache counts %lu%s\n",
		       s->name, toy_slab_error_names[TOY_SE_FREELIST],
		       ctx->nr_inuse, s->nr_inuse,
		       ctx->repair ? "; recounted" : "");
		if (ctx->repair)
			s->nr_inuse = ctx->nr_inuse;
		bad++;
	}
	return bad;
}

/*
 * Check every slab and every per-CPU array of @s, which the caller marked
 * and waited for (freeze_mark(), freeze_wait()): this takes the cache
 * lock, holding them all still, and thaws @s when done. Return the
 * findings, having repaired them with @repair. Objects in an
 * array count as free for the debug checks and as in use for their
 * slab's count.
 */
static unsigned long validate_cache(struct toy_kmem_cache *s, bool repair)
	__must_hold(&toy_slab_mutex)
{
	struct toy_page *slab, *next;
	struct validate_ctx ctx = { .repair = repair };
	unsigned long flags, bad;
	int list;

	ctx.map = bitmap_zalloc(s->objects, GFP_KERNEL);
	ctx.refs = kvmalloc_array(num_possible_cpus() * TOY_AC_LIMIT_MAX,
				  sizeof(*ctx.refs), GFP_KERNEL);
	if (!ctx.map || !ctx.refs) {
		pr_info("validate: %s: no memory for the object maps, skipped\n",
			s->name);
		thaw_mark(s);
		bad = 0;
		goto out;
	}
	spin_lock_irqsave(&s->lock, flags);
	bad = collect_refs(s, &ctx);
	for (list = 0; list < TOY_NR_SLAB_LISTS; list++)
		list_for_each_entry_safe(slab, next, &s->slabs[list], lru)
			bad += validate_slab(s, slab, list, &ctx);
	bad += validate_counts(s, &ctx);
	bad += put_back_arrays(s, &ctx);
	thaw_arrays(s, flags);
out:
	kvfree(ctx.refs);
	bitmap_free(ctx.map);
	return bad;
}

static unsigned long validate_caches(struct toy_kmem_cache *s, bool repair)
{
	unsigned long bad = 0;

	mutex_lock(&toy_slab_mutex);
	if (s) {
		freeze_mark(s);
		freeze_wait();
		bad = validate_cache(s, repair);
	} else {
		freeze_mark_all();
		list_for_each_entry(s, &toy_slab_caches, list)
			bad += validate_cache(s, repair);
	}
	mutex_unlock(&toy_slab_mutex);
	return bad;
}

/**
 * toy_slab_validate() - check the slabs of one cache or of all
 * @s: the cache, or NULL for every cache.
 *
 * validate_slab_cache() of mm/slub.c: walks each slab's free list, checks
 * that every object in a per-CPU array starts an object of the cache's
 * slabs and is neither on a free list nor in the arrays twice, that each
 * slab's count of objects in use matches its free list and puts it on the
 * list it is on, that the cache's counters agree with its lists, and, for
 * caches with debug flags, checks every object's red zones, poison and
 * padding, an object in an array being free. Each finding is reported
 * and counted in errors; nothing is changed, so a second run reports the
 * same (toy_slab_repair() mends them).
 *
 * Context: Process context; takes the slab mutex, then freezes each cache
 * in turn.
 * Return: the number of findings.
 */
unsigned long toy_slab_validate(struct toy_kmem_cache *s)
{
	return validate_caches(s, false);
}
EXPORT_SYMBOL_IF_KUNIT(toy_slab_validate);

/**
 * toy_slab_repair() - check the slabs as toy_slab_validate(), and mend them
 * @s: the cache, or NULL for every cache.
 *
 * Every finding is reported with what was done about it: a broken free
 * list is cut at the break (the objects past it are lost until unload), a
 * wrong count is set from the free list, a slab is moved to the list its
 * count asks for, a bad array entry is dropped, an array over its limit
 * is trimmed, clobbered red zones, poison and padding are restored. A
 * second run finds nothing new.
 *
 * Context: Process context; as toy_slab_validate().
 * Return: the number of findings.
 */
unsigned long toy_slab_repair(struct toy_kmem_cache *s)
{
	return validate_caches(s, true);
}
EXPORT_SYMBOL_IF_KUNIT(toy_slab_repair);

/**
 * toy_slab_error_count() - findings of one class since load
 * @err: the class.
 *
 * Return: the count.
 */
unsigned long toy_slab_error_count(enum toy_slab_error err)
{
	return atomic_long_read(&toy_slab_errors[err]);
}
EXPORT_SYMBOL_IF_KUNIT(toy_slab_error_count);

/* === debugfs ============================================================== */

/*
 * One row of /proc/slabinfo, as cache_show() in mm/slab_common.c prints
 * it. A cache with per-CPU arrays prints what SLAB's get_slabinfo() does:
 * active_objs counts the objects in the arrays, active_slabs the slabs
 * with an object in use (all but the empty ones), and the tunables are
 * the arrays' limit and batchcount. SLAB's sharedfactor is the size of
 * its per-node shared array, which the toy does not have: 0, as SLAB
 * prints for a cache without one. A cache without arrays prints SLUB's
 * row: tunables 0 0 0, and every slab counts as active.
 */
static void cache_show(struct seq_file *m, struct toy_kmem_cache *s)
	__must_hold(&toy_slab_mutex)
{
	unsigned long flags, active, nr_slabs = 0, active_slabs;
	unsigned int limit, batchcount;
	int list;

	spin_lock_irqsave(&s->lock, flags);
	for (list = 0; list < TOY_NR_SLAB_LISTS; list++)
		nr_slabs += s->nr_slabs[list];
	active = s->nr_inuse;
	limit = s->limit;
	batchcount = s->batchcount;
	active_slabs = limit ? nr_slabs - s->nr_slabs[TOY_SLAB_EMPTY] : nr_slabs;
	spin_unlock_irqrestore(&s->lock, flags);

	seq_printf(m, "%-17s %6lu %6lu %6u %4u %4d",
		   s->name, active, nr_slabs * s->objects, s->size, s->objects,
		   1 << s->order);
	seq_printf(m, " : tunables %4u %4u %4u", limit, batchcount, 0);
	seq_printf(m, " : slabdata %6lu %6lu %6lu", active_slabs, nr_slabs, 0UL);
	seq_putc(m, '\n');
}

static int slabinfo_show(struct seq_file *m, void *v)
{
	struct toy_kmem_cache *s;

	seq_puts(m, "slabinfo - version: 2.1\n");
	seq_puts(m, "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>");
	seq_puts(m, " : tunables <limit> <batchcount> <sharedfactor>");
	seq_puts(m, " : slabdata <active_slabs> <num_slabs> <sharedavail>\n");
	mutex_lock(&toy_slab_mutex);
	list_for_each_entry(s, &toy_slab_caches, list)
		cache_show(m, s);
	mutex_unlock(&toy_slab_mutex);
	return 0;
}

/*
 * slabinfo_write() of mm/slab.c: "NAME LIMIT BATCHCOUNT SHAREDFACTOR"
 * tunes a cache's per-CPU arrays. Unlike SLAB, which ignores tunables out
 * of range, every bad line is refused with a message; LIMIT 0 (with
 * BATCHCOUNT 0) turns the arrays off, and SHAREDFACTOR must be 0, as there
 * are no shared arrays.
 */
static ssize_t slabinfo_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	unsigned int limit, batchcount, shared;
	char buf[TOY_SLAB_NAME_MAX + 40], name[TOY_SLAB_NAME_MAX];
	struct toy_kmem_cache *s;
	char end;
	int err;

	if (count >= sizeof(buf)) {
		pr_info("slabinfo: write 'NAME LIMIT BATCHCOUNT 0', at most %zu bytes\n",
			sizeof(buf) - 1);
		return -EINVAL;
	}
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%31s %u %u %u %c", name, &limit, &batchcount,
		   &shared, &end) != 4) {
		pr_info("slabinfo: write 'NAME LIMIT BATCHCOUNT 0'\n");
		return -EINVAL;
	}
	if (shared) {
		pr_info("slabinfo: %s: sharedfactor %u: there are no shared arrays, it must be 0\n",
			name, shared);
		return -EINVAL;
	}
	mutex_lock(&toy_slab_mutex);
	s = toy_slab_find_cache(name);
	if (s) {
		err = tune_cache("slabinfo", s, limit, batchcount);
	} else {
		pr_info("slabinfo: no cache named '%.32s'\n", name);
		err = -EINVAL;
	}
	mutex_unlock(&toy_slab_mutex);
	return err ?: count;
}

static int slabinfo_open(struct inode *inode, struct file *file)
{
	return single_open(file, slabinfo_show, inode->i_private);
}

static const struct file_operations slabinfo_fops = {
	.owner		= THIS_MODULE,
	.open		= slabinfo_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
	.write		= slabinfo_write,
};

static void flags_show(struct seq_file *m, toy_slab_flags_t flags)
{
	static const struct {
		toy_slab_flags_t flag;
		char letter;
	} letters[] = {
		{ TOY_SLAB_CONSISTENCY_CHECKS, 'F' },
		{ TOY_SLAB_RED_ZONE, 'Z' },
		{ TOY_SLAB_POISON, 'P' },
		{ TOY_SLAB_STORE_USER, 'U' },
	};
	bool any = false;
	int i;

	for (i = 0; i < ARRAY_SIZE(letters); i++) {
		if (flags & letters[i].flag) {
			seq_putc(m, letters[i].letter);
			any = true;
		}
	}
	if (!any)
		seq_putc(m, '-');
}

/*
 * One line per CPU: what its array holds and its events, a snapshot read
 * without holding the array (the cache lock keeps the limit still).
 */
static void arrays_show(struct seq_file *m, struct toy_kmem_cache *s)
{
	unsigned long flags, stat[TOY_NR_SLAB_CPU_STATS];
	unsigned int avail, limit;
	struct toy_array_cache *ac;
	bool touched;
	int cpu, i;

	for_each_possible_cpu(cpu) {
		ac = per_cpu_ptr(s->cpu_cache, cpu);
		spin_lock_irqsave(&s->lock, flags);
		avail = READ_ONCE(ac->avail);
		touched = READ_ONCE(ac->touched);
		for (i = 0; i < TOY_NR_SLAB_CPU_STATS; i++)
			stat[i] = READ_ONCE(ac->stat[i]);
		limit = s->limit;
		spin_unlock_irqrestore(&s->lock, flags);
		seq_printf(m, "# cpu %d array %u/%u touched %d", cpu, avail,
			   limit, touched);
		for (i = 0; i < TOY_NR_SLAB_CPU_STATS; i++)
			seq_printf(m, " %s %lu", toy_slab_cpu_stat_names[i],
				   stat[i]);
		seq_putc(m, '\n');
	}
}

/*
 * slabs/<cache>: the geometry and tunables, each CPU's array, the
 * counters, then one line per slab: list, toy pfn, objects in use (handed
 * out or in an array) / objects. Read under the cache lock, the arrays
 * as a snapshot: destroy removes the file while holding the slab mutex.
 */
static int slabs_show(struct seq_file *m, void *v)
{
	struct toy_kmem_cache *s = m->private;
	struct toy_page *slab;
	unsigned long flags;
	int list, i;

	seq_printf(m, "# %s: objsize %u object_size %u align %u objperslab %u pagesperslab %u debug ",
		   s->name, s->size, s->object_size, s->align, s->objects,
		   1 << s->order);
	flags_show(m, s->flags);
	seq_putc(m, '\n');
	arrays_show(m, s);
	spin_lock_irqsave(&s->lock, flags);
	seq_puts(m, "#");
	for (i = 0; i < TOY_NR_SLAB_STATS; i++)
		seq_printf(m, " %s %lu", toy_slab_stat_names[i], s->stat[i]);
	seq_printf(m, "\n# full %lu partial %lu empty %lu\n# list       pfn  inuse/objects\n",
		   s->nr_slabs[TOY_SLAB_FULL], s->nr_slabs[TOY_SLAB_PARTIAL],
		   s->nr_slabs[TOY_SLAB_EMPTY]);
	for (list = 0; list < TOY_NR_SLAB_LISTS; list++)
		list_for_each_entry(slab, &s->slabs[list], lru)
			seq_printf(m, "%-8s %7lu %6u/%u\n",
				   toy_slab_list_names[list],
				   toy_page_to_pfn(slab), slab->inuse,
				   slab->objects);
	spin_unlock_irqrestore(&s->lock, flags);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(slabs);

static int errors_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < TOY_NR_SLAB_ERRORS; i++)
		seq_printf(m, "%s: %ld\n", toy_slab_error_names[i],
			   atomic_long_read(&toy_slab_errors[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(errors);

static void debugfs_add_cache(struct toy_kmem_cache *s)
	__must_hold(&toy_slab_mutex)
{
	lockdep_assert_held(&toy_slab_mutex);
	if (toy_slab_dir)
		s->dentry = debugfs_create_file(s->name, 0400, toy_slab_dir, s,
						&slabs_fops);
}

void toy_slab_debugfs_init(struct dentry *root)
{
	struct toy_kmem_cache *s;

	debugfs_create_file("slabinfo", 0600, root, NULL, &slabinfo_fops);
	debugfs_create_file("errors", 0400, root, NULL, &errors_fops);
	mutex_lock(&toy_slab_mutex);
	toy_slab_dir = debugfs_create_dir("slabs", root);
	list_for_each_entry(s, &toy_slab_caches, list)
		debugfs_add_cache(s);
	mutex_unlock(&toy_slab_mutex);
}

/* === Load and unload ====================================================== */

/*
 * Give back every slab of @s, whose arrays the caller froze (freeze_mark()
 * and freeze_wait()); forget it. Say what was left behind.
 */
static void teardown_cache(struct toy_kmem_cache *s, bool quiet)
	__must_hold(&toy_slab_mutex)
{
	unsigned long live;
	int list;

	spin_lock_irq(&s->lock);
	drain_frozen(s);
	live = s->nr_inuse;
	for (list = 0; list < TOY_NR_SLAB_LISTS; list++)
		release_list(s, list);
	spin_unlock_irq(&s->lock);
	free_percpu(s->cpu_cache);
	s->cpu_cache = NULL;
	if (live && !quiet)
		pr_warn("unload: %s: %lu objects still allocated, their slabs go back to the buddy\n",
			s->name, live);
	unlink_cache(s);
	if (s->kmalloc)
		return;
	if (!quiet)
		pr_warn("unload: cache %s was not destroyed\n", s->name);
	kfree(s);
}

/**
 * toy_slab_boot_cache() - set up a cache that lives as long as the module
 * @s: the cache, in static memory (a kmalloc cache).
 * @name: its name.
 * @size: its object size.
 * @align: its alignment.
 * @prefill: empty slabs to take from the buddy at once.
 *
 * create_boot_cache() of mm/slab_common.c, with the prefill of the
 * module's slab_prefill. The cache joins the list of caches even when the
 * prefill fails, so that toy_slab_exit() gives back what it took.
 *
 * Context: Module load.
 * Return: 0, or -ENOMEM / -E2BIG after a line why.
 */
int toy_slab_boot_cache(struct toy_kmem_cache *s, const char *name,
			unsigned int size, unsigned int align,
			unsigned int prefill)
{
	struct toy_page *slab;
	unsigned int i;
	int err;

	err = cache_init(s, name, size, align, 0, NULL, true);
	if (err)
		return err;
	mutex_lock(&toy_slab_mutex);
	link_cache(s);
	mutex_unlock(&toy_slab_mutex);
	for (i = 0; i < prefill; i++) {
		slab = new_slab(s, TOY_GFP_KERNEL | __TOY_GFP_NOWARN);
		if (!slab) {
			pr_err("slab_prefill=%u: out of toy memory filling %s\n",
			       prefill, s->name);
			return -ENOMEM;
		}
		spin_lock_irq(&s->lock);
		add_slab(s, slab);
		spin_unlock_irq(&s->lock);
	}
	return 0;
}

/* === Reclaim: the shrinkers ============================================= */

/*
 * What reclaim may take from the slab layer: empty slabs, of every cache,
 * as SLAB's cache_reap() and SLUB's discard of empty slabs give them back.
 * Objects waiting in the per-CPU arrays stay (draining them means freezing
 * each cache, a grace period). Reclaim runs inside allocations, whose
 * callers may hold the slab mutex or a cache lock themselves: both are
 * only tried here, and a cache that is busy is passed over, as
 * shrink_slab() passes over a busy shrinker_rwsem.
 */
static unsigned long count_empty_slabs(void)
{
	struct toy_kmem_cache *s;
	unsigned long n = 0;

	if (!mutex_trylock(&toy_slab_mutex))
		return 0;
	list_for_each_entry(s, &toy_slab_caches, list)
		n += READ_ONCE(s->nr_slabs[TOY_SLAB_EMPTY]);
	mutex_unlock(&toy_slab_mutex);
	return n;
}

/* Give up to @nr empty slabs of @s back; add their pages to *@pages. */
static unsigned long release_empties(struct toy_kmem_cache *s,
				     unsigned long nr, unsigned long *pages)
	__must_hold(&s->lock)
{
	struct toy_page *slab;
	unsigned long freed = 0;

	lockdep_assert_held(&s->lock);
	while (freed < nr &&
	       (slab = list_first_entry_or_null(&s->slabs[TOY_SLAB_EMPTY],
						struct toy_page, lru))) {
		release_slab(s, slab, TOY_SLAB_EMPTY);
		*pages += 1UL << s->order;
		freed++;
	}
	return freed;
}

/* Free up to @nr empty slabs of the caches not busy; count their pages. */
static unsigned long free_empty_slabs(unsigned long nr, unsigned long *pages)
{
	struct toy_kmem_cache *s;
	unsigned long freed = 0, flags;

	if (!mutex_trylock(&toy_slab_mutex))
		return 0;
	list_for_each_entry(s, &toy_slab_caches, list) {
		if (freed >= nr)
			break;
		if (spin_trylock_irqsave(&s->lock, flags)) {
			freed += release_empties(s, nr - freed, pages);
			spin_unlock_irqrestore(&s->lock, flags);
		}
	}
	mutex_unlock(&toy_slab_mutex);
	return freed;
}

static unsigned long toy_slab_count(struct toy_shrinker *sh)
{
	return count_empty_slabs();
}

static unsigned long toy_slab_scan(struct toy_shrinker *sh,
				   struct toy_shrink_control *sc)
{
	return free_empty_slabs(sc->nr_to_scan, &sc->nr_reclaimed_pages);
}

/* The toy's own reclaim: kswapd and direct reclaim of its node. */
static struct toy_shrinker toy_slab_shrinker = {
	.count_objects = toy_slab_count,
	.scan_objects = toy_slab_scan,
};

/*
 * The real kernel's reclaim (its kswapd, direct reclaim, drop_caches):
 * the same empty slabs, given back to the toy's buddy. That frees no real
 * memory - the region stays the toy's until rmmod - but lets real memory
 * pressure show in the toy as it would in a kernel whose caches these
 * were. 6.7 replaced register_shrinker() by shrinker_alloc(), and
 * defined SHRINKER_ALLOCATED with it.
 */
static unsigned long real_count(struct shrinker *sh, struct shrink_control *sc)
{
	return count_empty_slabs();
}

static unsigned long real_scan(struct shrinker *sh, struct shrink_control *sc)
{
	unsigned long pages = 0, freed;

	freed = free_empty_slabs(sc->nr_to_scan, &pages);
	return freed ? freed : SHRINK_STOP;
}

#ifdef SHRINKER_ALLOCATED	/* 6.7 on: shrinker_alloc() */
static struct shrinker *real_shrinker;

static void register_real_shrinker(void)
{
	real_shrinker = shrinker_alloc(0, "toy_alloc-slab");
	if (!real_shrinker) {
		pr_warn("no shrinker with the kernel: real memory pressure will not shrink the toy's slabs\n");
		return;
	}
	real_shrinker->count_objects = real_count;
	real_shrinker->scan_objects = real_scan;
	shrinker_register(real_shrinker);
}

static void unregister_real_shrinker(void)
{
	shrinker_free(real_shrinker);
	real_shrinker = NULL;
}
#else
static struct shrinker real_shrinker = {
	.count_objects = real_count,
	.scan_objects = real_scan,
	.seeks = DEFAULT_SEEKS,
};

static bool real_shrinker_on;

static void register_real_shrinker(void)
{
	real_shrinker_on = !register_shrinker(&real_shrinker, "toy_alloc-slab");
	if (!real_shrinker_on)
		pr_warn("no shrinker with the kernel: real memory pressure will not shrink the toy's slabs\n");
}

static void unregister_real_shrinker(void)
{
	if (real_shrinker_on)
		unregister_shrinker(&real_shrinker);
	real_shrinker_on = false;
}
#endif

/**
 * toy_slab_init() - set the slab layer up
 * @cfg: how it runs; copied.
 *
 * Caches made from now on follow @cfg. The kmalloc caches come next, from
 * toy_kmalloc_init().
 *
 * Context: Module load, after the buddy's node is made.
 */
void toy_slab_init(const struct toy_slab_config *cfg)
{
	toy_slab_cfg = *cfg;
	toy_register_shrinker(&toy_node0, &toy_slab_shrinker);
	register_real_shrinker();
}

/**
 * toy_slab_exit() - give every slab of every cache back to the buddy
 * @quiet: say nothing (load failed half way); else report each cache that
 *	still has objects allocated (by name and count) and each named
 *	cache never destroyed.
 *
 * Call it after the debugfs directory is gone.
 *
 * Context: Module unload, before the buddy's node is destroyed.
 */
void toy_slab_exit(bool quiet)
{
	struct toy_kmem_cache *s, *next;

	unregister_real_shrinker();
	toy_unregister_shrinker(&toy_node0, &toy_slab_shrinker);
	mutex_lock(&toy_slab_mutex);
	freeze_mark_all();
	list_for_each_entry_safe(s, next, &toy_slab_caches, list)
		teardown_cache(s, quiet);
	toy_slab_nr_named = 0;
	toy_slab_dir = NULL;
	mutex_unlock(&toy_slab_mutex);
}
