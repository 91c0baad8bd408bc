// SPDX-License-Identifier: GPL-2.0
/*
 * The buddy's ctl verbs: alloc and free a block through the public API,
 * drain the per-CPU lists. A block is named by a handle of kind "pages",
 * or "movable" or "cache" for an owned block that compaction may move;
 * the highmem verbs (toy_ctl_highmem.c) map, read and write each kind.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/string.h>

#include "toy_ctl.h"

/*
 * The words of "alloc ORDER [WORDS]", in any order: at most one zone and
 * at most one of each other kind. Each names the flags it adds, and the
 * movable and cache words the kind of handle the block gets: an owned
 * block that compaction may move (and reclaim take, for a cache block).
 */
enum alloc_word_kind { AW_ZONE, AW_ATOMIC, AW_TYPE };

static const struct {
	const char *word;
	enum alloc_word_kind kind;	/* words of one kind exclude each other */
	toy_gfp_t gfp;
	enum toy_handle_kind handle;
} alloc_words[] = {
	{ "normal",	AW_ZONE, 0, TOY_H_PAGES },
	{ "highmem",	AW_ZONE, __TOY_GFP_HIGHMEM, TOY_H_PAGES },
	{ "dma",	AW_ZONE, __TOY_GFP_DMA, TOY_H_PAGES },
	{ "atomic",	AW_ATOMIC, 0, TOY_H_PAGES },
	/* page cache is movable, as the kernel's (GFP_HIGHUSER_MOVABLE) */
	{ "cache",	AW_TYPE, __TOY_GFP_MOVABLE, TOY_H_CACHE },
	{ "movable",	AW_TYPE, __TOY_GFP_MOVABLE, TOY_H_MOVABLE },
	{ "reclaimable", AW_TYPE, __TOY_GFP_RECLAIMABLE, TOY_H_PAGES },
};

/*
 * "alloc ORDER ... movable|cache": an owned block. A cache block is clean
 * and on the LRU, which kswapd and direct reclaim may drop; the handle
 * then reads "reclaimed". Either may move when compaction runs.
 */
static int alloc_owned(const char *verb, struct toy_handle *h, toy_gfp_t gfp,
		       unsigned int order)
{
	bool cache = h->kind == TOY_H_CACHE;
	const char *what = cache ? "page cache" : "movable";
	long pfn;
	int err;

	err = cache ? toy_cache_page_add(&toy_node0, &h->ref, gfp, order) :
		      toy_movable_page_add(&toy_node0, &h->ref, gfp, order);
	if (err) {
		toy_handle_delete(h);
		pr_info("%s: no zone may give a block of order %u\n", verb, order);
		return -ENOMEM;
	}
	pfn = toy_page_ref_pfn(&toy_node0, &h->ref);
	if (pfn < 0)
		pr_info("%s: order %u -> handle %d, %s, already reclaimed\n",
			verb, order, h->id, what);
	else
		pr_info("%s: order %u -> handle %d, pfn %ld, zone %s, %s\n",
			verb, order, h->id, pfn,
			toy_page_zone(&toy_node0, toy_pfn_to_page(pfn))->name,
			what);
	return 0;
}

static int verb_alloc(int argc, char **argv)
{
	enum toy_handle_kind kind = TOY_H_PAGES;
	toy_gfp_t gfp = __TOY_GFP_NOWARN;
	unsigned int order, seen = 0;
	bool atomic = false;
	struct toy_handle *h;
	struct toy_page *page;
	int err, i, w;

	err = toy_ctl_parse_uint(argv[0], "ORDER", argv[1], TOY_MAX_ORDER - 1,
				 &order);
	if (err)
		return err;
	for (i = 2; i < argc; i++) {
		for (w = 0; w < ARRAY_SIZE(alloc_words); w++)
			if (!strcmp(argv[i], alloc_words[w].word))
				break;
		if (w == ARRAY_SIZE(alloc_words)) {
			pr_info("%s: '%.16s' is none of normal, highmem, dma, atomic, cache, movable, reclaimable\n",
				argv[0], argv[i]);
			return -EINVAL;
		}
		if (seen & BIT(alloc_words[w].kind)) {
			pr_info("%s: '%.16s' after another word of its kind\n",
				argv[0], argv[i]);
			return -EINVAL;
		}
		seen |= BIT(alloc_words[w].kind);
		gfp |= alloc_words[w].gfp;
		atomic |= alloc_words[w].kind == AW_ATOMIC;
		if (alloc_words[w].handle != TOY_H_PAGES)
			kind = alloc_words[w].handle;
	}
	gfp |= atomic ? TOY_GFP_ATOMIC : TOY_GFP_KERNEL;
	h = toy_handle_new(kind);
	if (!h)
		return -ENOMEM;
	if (kind != TOY_H_PAGES)
		return alloc_owned(argv[0], h, gfp, order);
	page = toy_alloc_pages(gfp, order);
	if (!page) {
		toy_handle_delete(h);
		pr_info("%s: no zone may give a block of order %u\n", argv[0],
			order);
		return -ENOMEM;
	}
	h->page = page;
	h->order = order;
	pr_info("%s: order %u -> handle %d, pfn %lu, zone %s\n", argv[0],
		order, h->id, toy_page_to_pfn(page),
		toy_page_zone(&toy_node0, page)->name);
	return 0;
}

/* "free" of an owned block: refused while a mapping pins it. */
static int free_owned(const char *verb, struct toy_handle *h)
{
	const char *what = h->kind == TOY_H_CACHE ? "page cache" : "movable";
	long pfn;

	if (READ_ONCE(h->ref.pins)) {
		pr_info("%s: handle %d is still mapped; kunmap it first\n",
			verb, h->id);
		return -EBUSY;
	}
	pfn = toy_page_ref_pfn(&toy_node0, &h->ref);
	if (toy_page_ref_put(&toy_node0, &h->ref))
		pr_info("%s: handle %d, pfn %ld, order %u, %s\n", verb, h->id,
			pfn, h->ref.order, what);
	else
		pr_info("%s: handle %d, page cache reclaimed before, nothing to free\n",
			verb, h->id);
	toy_handle_delete(h);
	return 0;
}

static int verb_free(int argc, char **argv)
{
	struct toy_handle *h = toy_ctl_handle(argv[0], argv[1], TOY_HK_BLOCKS);

	if (IS_ERR(h))
		return PTR_ERR(h);
	if (h->kind != TOY_H_PAGES)
		return free_owned(argv[0], h);
	if (toy_ctl_page_mapped(h->page)) {
		pr_info("%s: handle %d is still mapped; kunmap it first\n",
			argv[0], h->id);
		return -EBUSY;
	}
	pr_info("%s: handle %d, pfn %lu, order %u\n", argv[0], h->id,
		toy_page_to_pfn(h->page), h->order);
	toy_free_pages(h->page, h->order);
	toy_handle_delete(h);
	return 0;
}

/* drain_all_pages(): every CPU's pcp pages back to the free lists. */
static int verb_drain(int argc, char **argv)
{
	unsigned long before = 0;
	int z;

	for (z = 0; z < TOY_NR_ZONES; z++)
		if (toy_node0.zones[z].pcp)
			before += toy_zone_pcp_pages(&toy_node0.zones[z]);
	toy_node_drain_pcp(&toy_node0);
	pr_info("%s: %lu pages were on the per-CPU lists, given back\n",
		argv[0], before);
	return 0;
}

const struct toy_ctl_verb toy_ctl_buddy_verbs[] = {
	{ "alloc", "ORDER [normal|highmem|dma] [movable|reclaimable|cache] [atomic]",
	  1, 3, verb_alloc },
	{ "free", "HANDLE", 1, 1, verb_free },
	{ "drain", "", 0, 0, verb_drain },
	{ }
};
