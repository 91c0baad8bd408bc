/* SPDX-License-Identifier: GPL-2.0 */
/*
 * toy_alloc public API: a parallel, inspectable copy of the kernel's
 * page allocator (buddy), slab caches and kmalloc, and 32-bit highmem.
 *
 * Every function here works on the module's own region of memory, taken
 * from the real kernel at load time; nothing returned by this API may be
 * passed to the real allocators, and nothing from them may be passed here.
 */
#ifndef _TOY_KMALLOC_H
#define _TOY_KMALLOC_H

#include <linux/types.h>
#include <linux/compiler_types.h>

/*
 * Allocation flags, a tiny subset of gfp_t with the same meaning. The type
 * is __bitwise so that sparse catches a toy flag passed as a real gfp_t and
 * the other way round.
 */
typedef unsigned int __bitwise toy_gfp_t;

#define __TOY_GFP_HIGHMEM	((__force toy_gfp_t)0x01u) /* HighMem allowed, preferred */
#define __TOY_GFP_ZERO		((__force toy_gfp_t)0x02u) /* return zeroed memory */
#define __TOY_GFP_NOWARN	((__force toy_gfp_t)0x04u) /* no failure report */
#define __TOY_GFP_DMA		((__force toy_gfp_t)0x08u) /* the DMA zone only */
#define __TOY_GFP_HIGH		((__force toy_gfp_t)0x10u) /* may use half the min reserve */
#define __TOY_GFP_DIRECT_RECLAIM ((__force toy_gfp_t)0x20u) /* may reclaim, itself */
#define __TOY_GFP_KSWAPD_RECLAIM ((__force toy_gfp_t)0x40u) /* may wake kswapd */
#define __TOY_GFP_MEMALLOC	((__force toy_gfp_t)0x80u) /* ignore the watermarks */
#define __TOY_GFP_MOVABLE	((__force toy_gfp_t)0x100u) /* the pages can move */
#define __TOY_GFP_RECLAIMABLE	((__force toy_gfp_t)0x200u) /* reclaim can free them */

/*
 * The flag sets callers use, as in include/linux/gfp_types.h, and with the
 * kernel's rules: TOY_GFP_KERNEL and TOY_GFP_HIGHUSER may reclaim and so
 * sleep, and are for process context; an interrupt, or a caller holding
 * a spinlock, uses TOY_GFP_ATOMIC (which may go lower into the reserves)
 * or TOY_GFP_NOWAIT (which may not).
 */
#define TOY_GFP_KERNEL		(__TOY_GFP_DIRECT_RECLAIM | __TOY_GFP_KSWAPD_RECLAIM)
#define TOY_GFP_HIGHUSER	(TOY_GFP_KERNEL | __TOY_GFP_HIGHMEM) /* HighMem, else lower */
#define TOY_GFP_HIGHUSER_MOVABLE (TOY_GFP_HIGHUSER | __TOY_GFP_MOVABLE)
#define TOY_GFP_ATOMIC		(__TOY_GFP_HIGH | __TOY_GFP_KSWAPD_RECLAIM)
#define TOY_GFP_NOWAIT		__TOY_GFP_KSWAPD_RECLAIM
#define TOY_GFP_DMA		__TOY_GFP_DMA

/* Orders 0 .. TOY_MAX_ORDER - 1, like MAX_ORDER in Linux 6.1. */
#define TOY_MAX_ORDER		11

/* A page descriptor of the toy; opaque outside the module. */
struct toy_page;

/* --- buddy (toy_buddy.c) --- */
struct toy_page *toy_alloc_pages(toy_gfp_t gfp, unsigned int order);
void toy_free_pages(struct toy_page *page, unsigned int order);
unsigned long toy_page_to_pfn(const struct toy_page *page);
struct toy_page *toy_pfn_to_page(unsigned long pfn);
void *toy_page_address(const struct toy_page *page);
bool toy_page_is_highmem(const struct toy_page *page);

/* --- movable pages and compaction (toy_compaction.c) --- */
/**
 * struct toy_page_ref - the owner's record of a movable block
 * @page: the block's head. Compaction changes it when it moves the page,
 *	reclaim sets it to NULL when it drops a page cache block. Read it
 *	under the node's lru_lock, or pin the block (toy_movable_pin()).
 * @order: its order.
 * @pins: users that need the block to stay where it is (a mapping, a
 *	copy): compaction leaves a pinned page where it is and reclaim
 *	passes it by, as a raised page count stops migrate_pages() and
 *	shrink_folio_list().
 * @lru: a page cache block, on the node's LRU while not isolated.
 *
 * The block is the owner's until it frees it (toy_free_movable()); the
 * record must stay where it is until then, as the block points at it.
 */
struct toy_page_ref {
	struct toy_page *page;
	unsigned int order;
	unsigned int pins;
	bool lru;
};

int toy_alloc_movable(struct toy_page_ref *ref, toy_gfp_t gfp,
		      unsigned int order);
void toy_free_movable(struct toy_page_ref *ref);
struct toy_page *toy_movable_pin(struct toy_page_ref *ref);
void toy_movable_unpin(struct toy_page_ref *ref);
void toy_compact_memory(void);

/* --- slab (toy_slab.c) --- */

/*
 * What a request for zero bytes returns, as ZERO_SIZE_PTR: not NULL, so it
 * is told apart from a failure, and it faults on any access. toy_kfree(),
 * toy_ksize() and toy_krealloc() accept it.
 */
#define TOY_ZERO_SIZE_PTR	((void *)16)
#define TOY_ZERO_OR_NULL_PTR(x)	((unsigned long)(x) <= \
				 (unsigned long)TOY_ZERO_SIZE_PTR)

/*
 * Flags of toy_kmem_cache_create(), a subset of slab_flags_t. The debug
 * flags are the letters of slub_debug: F, Z, P and U.
 */
typedef unsigned int __bitwise toy_slab_flags_t;

#define TOY_SLAB_CONSISTENCY_CHECKS ((__force toy_slab_flags_t)0x01u) /* F: checks */
#define TOY_SLAB_RED_ZONE	((__force toy_slab_flags_t)0x02u) /* Z: red zones */
#define TOY_SLAB_POISON		((__force toy_slab_flags_t)0x04u) /* P: poison free objects */
#define TOY_SLAB_STORE_USER	((__force toy_slab_flags_t)0x08u) /* U: record callers */
#define TOY_SLAB_HWCACHE_ALIGN	((__force toy_slab_flags_t)0x10u) /* cache line aligned */

/* All of slub_debug=FZPU, what the slab_debug parameter turns on. */
#define TOY_SLAB_DEBUG		(TOY_SLAB_CONSISTENCY_CHECKS | TOY_SLAB_RED_ZONE | \
				 TOY_SLAB_POISON | TOY_SLAB_STORE_USER)

struct toy_kmem_cache;

/**
 * __toy_kmalloc() - toy_kmalloc() of a size known only at run time
 * @size: bytes wanted.
 * @gfp: as for toy_kmalloc().
 *
 * What toy_kmalloc() calls unless the compiler knows @size (__kmalloc()).
 *
 * Context: As toy_kmalloc(): may sleep with %TOY_GFP_KERNEL.
 * Return: as toy_kmalloc().
 */
void *__toy_kmalloc(size_t size, toy_gfp_t gfp) __alloc_size(1);

/**
 * toy_kmalloc_trace() - toy_kmalloc() of a size known at compile time
 * @s: toy_kmalloc_cache_table[] of the size's toy_kmalloc_const_index().
 * @gfp: as for toy_kmalloc().
 * @size: bytes wanted, 1 .. @s's object size.
 *
 * The kernel's kmalloc_trace(): what the inline toy_kmalloc() calls when
 * the compiler knew the size and so the cache.
 *
 * Context: As toy_kmalloc(): may sleep with %TOY_GFP_KERNEL.
 * Return: as toy_kmalloc().
 */
void *toy_kmalloc_trace(struct toy_kmem_cache *s, toy_gfp_t gfp, size_t size)
	__alloc_size(3);

/* Indexes toy_kmalloc_const_index() returns: 1 .. 13. */
#define TOY_KMALLOC_CONST_INDEXES	14

/*
 * kmalloc_caches[] of the kernel: the cache of each index, set at load
 * (an index below kmalloc_min names the smallest cache), read-only after.
 */
extern struct toy_kmem_cache *toy_kmalloc_cache_table[TOY_KMALLOC_CONST_INDEXES];

/*
 * The kmalloc cache index of a size the compiler knows, as
 * __kmalloc_index() folds it inside kmalloc() for KMALLOC_MIN_SIZE 8;
 * toy_kmalloc_cache_table[] maps 3 .. 5 to the module's kmalloc_min.
 */
static __always_inline unsigned int toy_kmalloc_const_index(size_t size)
{
	if (size <= 8)
		return 3;
	if (size <= 16)
		return 4;
	if (size <= 32)
		return 5;
	if (size <= 64)
		return 6;
	if (size <= 96)
		return 1;
	if (size <= 128)
		return 7;
	if (size <= 192)
		return 2;
	if (size <= 256)
		return 8;
	if (size <= 512)
		return 9;
	if (size <= 1024)
		return 10;
	if (size <= 2048)
		return 11;
	if (size <= 4096)
		return 12;
	return 13;
}

/* The largest size toy_kmalloc() folds: kmalloc-8k, there with any PAGE_SIZE. */
#define TOY_KMALLOC_CONST_MAX	8192

/**
 * toy_kmalloc() - allocate memory from the toy
 * @size: bytes wanted.
 * @gfp: %TOY_GFP_KERNEL where the caller may sleep, %TOY_GFP_ATOMIC or
 *	%TOY_GFP_NOWAIT where it may not; optionally with %__TOY_GFP_ZERO or
 *	%__TOY_GFP_NOWARN. %__TOY_GFP_HIGHMEM and %__TOY_GFP_DMA are
 *	ignored: slab memory always has an address, so it comes from the
 *	Normal zone (or DMA, its fallback).
 *
 * Sizes up to 8192 bytes come from the kmalloc cache that the kernel's
 * kmalloc_index() picks for them (kmalloc-8 ... kmalloc-8k, kmalloc-96,
 * kmalloc-192, the smallest being kmalloc-<kmalloc_min>); larger sizes
 * go straight to the buddy as a block of the order that fits. As the
 * kernel's kmalloc() does, a size known at compile time picks its cache
 * then (toy_kmalloc_cache_table[]) and calls toy_kmalloc_trace(); any
 * other goes to __toy_kmalloc().
 *
 * Context: Any context with %TOY_GFP_ATOMIC or %TOY_GFP_NOWAIT; may sleep
 * with %TOY_GFP_KERNEL. Takes no lock while this CPU's array has an
 * object (preemption off meanwhile), and to refill the array the cache
 * lock and a zone lock.
 * Return: the memory, at least @size bytes; %TOY_ZERO_SIZE_PTR if @size
 * is 0; NULL if the toy is out of memory or @size is over 4 MiB.
 */
static __always_inline __alloc_size(1)
void *toy_kmalloc(size_t size, toy_gfp_t gfp)
{
	if (__builtin_constant_p(size) && size && size <= TOY_KMALLOC_CONST_MAX)
		return toy_kmalloc_trace(toy_kmalloc_cache_table[toy_kmalloc_const_index(size)],
					 gfp, size);
	return __toy_kmalloc(size, gfp);
}

/**
 * toy_kzalloc() - allocate zeroed memory from the toy
 * @size: bytes wanted.
 * @gfp: as for toy_kmalloc().
 *
 * Context: As toy_kmalloc(): may sleep with %TOY_GFP_KERNEL.
 * Return: as toy_kmalloc(), the memory filled with zeroes.
 */
static inline __alloc_size(1) void *toy_kzalloc(size_t size, toy_gfp_t gfp)
{
	return toy_kmalloc(size, gfp | __TOY_GFP_ZERO);
}

/**
 * toy_kcalloc() - allocate a zeroed array from the toy
 * @n: number of elements.
 * @size: bytes per element.
 * @gfp: as for toy_kmalloc().
 *
 * Context: As toy_kmalloc(): may sleep with %TOY_GFP_KERNEL.
 * Return: zeroed memory for @n elements; NULL if @n * @size overflows
 * size_t or the toy is out of memory; %TOY_ZERO_SIZE_PTR if the product
 * is 0.
 */
void *toy_kcalloc(size_t n, size_t size, toy_gfp_t gfp) __alloc_size(1, 2);

/**
 * toy_krealloc() - resize memory from toy_kmalloc()
 * @p: the memory, or NULL or %TOY_ZERO_SIZE_PTR.
 * @new_size: bytes wanted now.
 * @gfp: as for toy_kmalloc(); %__TOY_GFP_ZERO zeroes only new memory.
 *
 * If @new_size still fits in toy_ksize(@p), @p is returned unchanged.
 * Otherwise new memory is allocated, the old contents copied over and @p
 * freed. With @new_size 0, @p is freed.
 *
 * Context: As toy_kmalloc(): may sleep with %TOY_GFP_KERNEL.
 * Return: the memory, @p or a new pointer; %TOY_ZERO_SIZE_PTR if
 * @new_size is 0; NULL on failure, in which case @p is left untouched.
 */
void *toy_krealloc(const void *p, size_t new_size, toy_gfp_t gfp)
	__realloc_size(2);

/**
 * toy_ksize() - how much memory an allocation really has
 * @p: memory from toy_kmalloc() or toy_kmem_cache_alloc().
 *
 * Context: Any context.
 * Return: the usable size, at least what was asked for: the object size
 * of its cache, or the size of the block for a large allocation; 0 for
 * NULL, %TOY_ZERO_SIZE_PTR and pointers that are not toy memory (those are
 * reported).
 */
size_t toy_ksize(const void *p);

/**
 * toy_kfree() - free memory from toy_kmalloc()
 * @p: the memory; NULL and %TOY_ZERO_SIZE_PTR are ignored.
 *
 * A pointer that is not the start of a live toy allocation is reported,
 * counted in debugfs errors and otherwise ignored.
 *
 * Context: Any context.
 */
void toy_kfree(const void *p);

/**
 * toy_kmem_cache_create() - create a cache of same-sized objects
 * @name: 1 to 31 characters from [A-Za-z0-9_.-], unique, not starting
 *	with "kmalloc-"; it names the cache in slabinfo.
 * @size: object size, 1 byte to 4 MiB.
 * @align: object alignment, 0 or a power of two up to PAGE_SIZE.
 * @flags: TOY_SLAB_* flags; the debug ones are added to all caches when
 *	the module's slab_debug parameter is set.
 * @ctor: run on each object when its slab is made, or NULL.
 *
 * The layout and slab order are those SLUB gives the same size, alignment
 * and debug flags.
 *
 * Context: Process context; may sleep.
 * Return: the cache, or NULL after printing why.
 */
struct toy_kmem_cache *toy_kmem_cache_create(const char *name,
					     unsigned int size,
					     unsigned int align,
					     toy_slab_flags_t flags,
					     void (*ctor)(void *));

/**
 * toy_kmem_cache_alloc() - allocate an object from a cache
 * @s: the cache.
 * @gfp: as for toy_kmalloc().
 *
 * Context: As toy_kmalloc(); the constructor, if any, runs with no lock
 * held.
 * Return: the object, or NULL if the toy is out of memory.
 */
void *toy_kmem_cache_alloc(struct toy_kmem_cache *s, toy_gfp_t gfp);

/**
 * toy_kmem_cache_free() - give an object back to its cache
 * @s: the cache it came from.
 * @obj: the object; NULL is ignored.
 *
 * An object of another cache, a pointer into the middle of an object and
 * (always for the object last freed, with consistency checks for any) a
 * double free are reported, counted in debugfs errors and otherwise
 * ignored.
 *
 * Context: Any context.
 */
void toy_kmem_cache_free(struct toy_kmem_cache *s, void *obj);

/**
 * toy_kmem_cache_shrink() - give a cache's empty slabs back to the buddy
 * @s: the cache.
 *
 * Where it may sleep, drains every CPU's array first, which waits for an
 * RCU grace period, as kmem_cache_shrink() flushes every CPU's slab; in
 * an atomic context (an interrupt, a lock held) only this CPU's array.
 *
 * Context: Any context.
 * Return: the number of slabs given back.
 */
int toy_kmem_cache_shrink(struct toy_kmem_cache *s);

/**
 * toy_kmem_cache_destroy() - destroy a cache with no live objects
 * @s: the cache, or NULL.
 *
 * Unlike kmem_cache_destroy(), a cache whose objects are not all freed is
 * not destroyed: the objects stay valid, the count is reported and the
 * caller may free them and try again. Destroying it anyway would leave the
 * caller holding pointers into pages the buddy may hand out again.
 *
 * Context: Process context; may sleep.
 * Return: 0 if the cache is gone (or @s is NULL), -EBUSY if it still has
 * live objects, -EPERM for a kmalloc cache.
 */
int toy_kmem_cache_destroy(struct toy_kmem_cache *s);

/* --- highmem (toy_highmem.c) --- */

/**
 * toy_kmap() - map a page for a while, anywhere: kmap()
 * @page: a page of the toy.
 *
 * A Normal page is always mapped: its direct address comes back and no
 * slot is used. A HighMem page gets one of the pkmap slots, or the slot
 * it already has, whose count goes up. With every slot in use the caller
 * sleeps until a toy_kunmap() frees one.
 *
 * Context: Process context; may sleep.
 * Return: the address of the page's data, valid until the matching
 * toy_kunmap(); NULL only if the kernel had no memory for the real mapping
 * behind the slot (the real kmap() cannot fail).
 */
void *toy_kmap(struct toy_page *page);

/**
 * toy_kunmap() - drop a mapping made by toy_kmap(): kunmap()
 * @page: the page given to toy_kmap().
 *
 * The slot stays reserved for @page, with its old mapping, until the next
 * wrap of the slot scan flushes it. A page that has no toy_kmap() user is
 * reported and left alone (the kernel BUG()s).
 *
 * Context: Process context; may sleep.
 */
void toy_kunmap(struct toy_page *page);

/**
 * toy_kmap_local_page() - map a page for the current thread: kmap_local_page()
 * @page: a page of the toy.
 *
 * A HighMem page takes the next of the calling task's fixmap slots on
 * this CPU; migration stays disabled until it is unmapped. A
 * Normal page just returns its direct address. Mappings nest and must be
 * undone in reverse order with toy_kunmap_local().
 *
 * Context: Any context. The address is valid only in the calling context.
 * Return: the address of the page's data, or NULL (reported) if the
 * caller already holds %TOY_KMAP_LOCAL_MAX (15) local mappings: the
 * kernel BUG()s on the 16th.
 */
void *toy_kmap_local_page(struct toy_page *page);

/**
 * toy_kunmap_local() - undo the newest toy_kmap_local_page(): kunmap_local()
 * @addr: any address inside the page, as returned by toy_kmap_local_page().
 *
 * An unmap that is not of the caller's newest local mapping is reported
 * and refused: the stack is left as it was.
 *
 * Context: The context that made the mapping.
 */
void toy_kunmap_local(const void *addr);

/**
 * toy_kmap_atomic() - toy_kmap_local_page() with preemption and page
 *	faults disabled: kmap_atomic()
 * @page: a page of the toy.
 *
 * Context: Any context; the caller must not sleep until toy_kunmap_atomic().
 * Return: as toy_kmap_local_page(); on NULL preemption and page faults
 * are enabled again and there is nothing to unmap.
 */
void *toy_kmap_atomic(struct toy_page *page);

/**
 * toy_kunmap_atomic() - undo toy_kmap_atomic(): kunmap_atomic()
 * @addr: the address toy_kmap_atomic() returned.
 *
 * Context: The context that made the mapping.
 */
void toy_kunmap_atomic(const void *addr);

/**
 * toy_vmalloc() - virtually contiguous memory from the toy: vmalloc()
 * @size: bytes; rounded up to whole pages.
 *
 * The pages come from the toy's buddy one at a time, HighMem first, and
 * are mapped together with vmap(). The memory is not zeroed.
 *
 * Context: Process context; may sleep.
 * Return: the start of the area, or NULL if @size is 0, the toy has not
 * enough pages or the emulated vmalloc area has no room.
 */
void *toy_vmalloc(unsigned long size);

/**
 * toy_vfree() - free an area from toy_vmalloc(): vfree()
 * @addr: its start; NULL is ignored.
 *
 * Every page goes back to the buddy. An address that starts no area is
 * reported and ignored.
 *
 * Context: Process context; may sleep.
 */
void toy_vfree(const void *addr);

#endif /* _TOY_KMALLOC_H */
