/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ctl file's private header: its verb table and its handles, shared
 * by toy_ctl.c and the verbs of each layer (toy_ctl_buddy.c,
 * toy_ctl_slab.c, toy_ctl_highmem.c). Nothing below the ctl layer
 * includes it.
 */
#ifndef _TOY_CTL_H
#define _TOY_CTL_H

#include "toy_internal.h"

/* What a ctl handle names. */
enum toy_handle_kind {
	TOY_H_PAGES,		/* a block from toy_alloc_pages() */
	TOY_H_KMALLOC,		/* an object from toy_kmalloc() */
	TOY_H_CACHE_OBJ,	/* an object from toy_kmem_cache_alloc() */
	TOY_H_VMALLOC,		/* an area from toy_vmalloc() */
	TOY_H_CACHE,		/* a "page cache" block (toy_cache_page_add()) */
	TOY_H_MOVABLE,		/* a movable block (toy_movable_page_add()) */
	TOY_NR_HANDLE_KINDS
};

/* Masks of kinds, for toy_ctl_handle(). */
#define TOY_HK_PAGES		BIT(TOY_H_PAGES)
#define TOY_HK_KMALLOC		BIT(TOY_H_KMALLOC)
#define TOY_HK_CACHE_OBJ	BIT(TOY_H_CACHE_OBJ)
#define TOY_HK_VMALLOC		BIT(TOY_H_VMALLOC)
#define TOY_HK_CACHE		BIT(TOY_H_CACHE)
#define TOY_HK_MOVABLE		BIT(TOY_H_MOVABLE)
/* The kinds that name a block of pages, which the page verbs work on. */
#define TOY_HK_BLOCKS		(TOY_HK_PAGES | TOY_HK_CACHE | TOY_HK_MOVABLE)

/**
 * struct toy_handle - a live object created through ctl
 * @id: the small integer the user sees.
 * @kind: what @ptr or @page is.
 * @page: %TOY_H_PAGES: the head page.
 * @ptr: the object or area.
 * @order: %TOY_H_PAGES: the order.
 * @size: bytes asked for (objects, areas).
 * @cache: %TOY_H_CACHE_OBJ: the cache.
 * @ref: %TOY_H_CACHE, %TOY_H_MOVABLE: the owner's record of the block,
 *	which compaction may move and reclaim take (a cache block: @ref.page
 *	then reads NULL) at any time it is not pinned (toy_ctl_pin()).
 */
struct toy_handle {
	int id;
	enum toy_handle_kind kind;
	struct toy_page *page;
	void *ptr;
	unsigned int order;
	size_t size;
	struct toy_kmem_cache *cache;
	struct toy_page_ref ref;
};

struct toy_handle *toy_handle_new(enum toy_handle_kind kind);
void toy_handle_delete(struct toy_handle *h);
struct toy_page *toy_ctl_pin(const char *verb, struct toy_handle *h);
void toy_ctl_unpin(struct toy_handle *h);

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
				  unsigned int kinds);

/* Verb tables of the layers (toy_ctl_*.c), ended by an entry with a NULL name. */
extern const struct toy_ctl_verb toy_ctl_buddy_verbs[];
extern const struct toy_ctl_verb toy_ctl_slab_verbs[];
extern const struct toy_ctl_verb toy_ctl_highmem_verbs[];

/* toy_ctl_highmem.c: the ctl file's own kmap_local stack. */
void toy_ctl_highmem_init(void);
void toy_ctl_highmem_exit(void);
bool toy_ctl_page_mapped(const struct toy_page *page);

#endif /* _TOY_CTL_H */
