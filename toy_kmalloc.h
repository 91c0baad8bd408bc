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

/* The flag sets callers use, as in include/linux/gfp_types.h. */
#define TOY_GFP_KERNEL		((__force toy_gfp_t)0)	/* Normal zone only */
#define TOY_GFP_HIGHUSER	__TOY_GFP_HIGHMEM	/* HighMem, else Normal */

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

#endif /* _TOY_KMALLOC_H */
