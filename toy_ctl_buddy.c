// SPDX-License-Identifier: GPL-2.0
/*
 * The buddy's ctl verbs: alloc and free a block through the public API,
 * drain the per-CPU lists. A block is named by a handle of kind "pages",
 * which the highmem verbs (toy_ctl_highmem.c) map, read and write.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/string.h>

#include "toy_ctl.h"

/*
 * The words of "alloc ORDER [WORDS]", in any order: at most one zone and
 * at most one of each other kind. Each names the flags it adds.
 */
static const struct {
	const char *word;
	int kind;		/* words of one kind exclude each other */
	toy_gfp_t gfp;
} alloc_words[] = {
	{ "normal",	0, 0 },
	{ "highmem",	0, __TOY_GFP_HIGHMEM },
	{ "dma",	0, __TOY_GFP_DMA },
	{ "atomic",	1, 0 },
	/* page cache is movable, as the kernel's (GFP_HIGHUSER_MOVABLE) */
	{ "cache",	2, __TOY_GFP_MOVABLE },
	{ "movable",	2, __TOY_GFP_MOVABLE },
	{ "reclaimable", 2, __TOY_GFP_RECLAIMABLE },
};

/*
 * "alloc ORDER ... cache": a clean page cache block on the LRU, which
 * kswapd and direct reclaim may drop; the handle then reads "reclaimed".
 */
static int alloc_cache(const char *verb, struct toy_handle *h, toy_gfp_t gfp,
		       unsigned int order)
{
	long pfn;

	if (toy_cache_page_add(&toy_node0, &h->lru, gfp, order)) {
		toy_handle_delete(h);
		pr_info("%s: no zone may give a block of order %u\n", verb, order);
		return -ENOMEM;
	}
	pfn = toy_cache_page_present(&toy_node0, &h->lru);
	if (pfn < 0)
		pr_info("%s: order %u -> handle %d, page cache, already reclaimed\n",
			verb, order, h->id);
	else
		pr_info("%s: order %u -> handle %d, pfn %ld, zone %s, page cache\n",
			verb, order, h->id, pfn,
			toy_page_zone(&toy_node0, toy_pfn_to_page(pfn))->name);
	return 0;
}

static int verb_alloc(int argc, char **argv)
{
	toy_gfp_t gfp = __TOY_GFP_NOWARN;
	unsigned int order, seen = 0;
	bool atomic = false, cache = false;
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
		atomic |= alloc_words[w].kind == 1;
		cache |= !strcmp(alloc_words[w].word, "cache");
	}
	gfp |= atomic ? TOY_GFP_ATOMIC : TOY_GFP_KERNEL;
	h = toy_handle_new(cache ? TOY_H_CACHE : TOY_H_PAGES);
	if (!h)
		return -ENOMEM;
	if (cache)
		return alloc_cache(argv[0], h, gfp, order);
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

static int verb_free(int argc, char **argv)
{
	struct toy_handle *h = toy_ctl_handle(argv[0], argv[1],
					      TOY_HK_PAGES | TOY_HK_CACHE);

	if (IS_ERR(h))
		return PTR_ERR(h);
	if (h->kind == TOY_H_CACHE) {
		long pfn = toy_cache_page_present(&toy_node0, &h->lru);

		if (toy_cache_page_put(&toy_node0, &h->lru))
			pr_info("%s: handle %d, pfn %ld, order %u, page cache\n",
				argv[0], h->id, pfn, h->lru.order);
		else
			pr_info("%s: handle %d, page cache reclaimed before, nothing to free\n",
				argv[0], h->id);
		toy_handle_delete(h);
		return 0;
	}
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
