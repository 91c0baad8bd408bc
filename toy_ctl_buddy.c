// SPDX-License-Identifier: GPL-2.0
/*
 * The buddy's ctl verbs: alloc and free a block through the public API,
 * drain the per-CPU lists. A block is named by a handle of kind "pages",
 * which the highmem verbs (toy_ctl_highmem.c) map, read and write.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/string.h>

#include "toy_ctl.h"

static int verb_alloc(int argc, char **argv)
{
	toy_gfp_t gfp = TOY_GFP_KERNEL | __TOY_GFP_NOWARN;
	struct toy_handle *h;
	struct toy_page *page;
	unsigned int order;
	int err;

	err = toy_ctl_parse_uint(argv[0], "ORDER", argv[1], TOY_MAX_ORDER - 1,
				 &order);
	if (err)
		return err;
	if (argc > 2) {
		if (!strcmp(argv[2], "highmem")) {
			gfp |= TOY_GFP_HIGHUSER;
		} else if (strcmp(argv[2], "normal")) {
			pr_info("%s: zone '%.16s' is neither normal nor highmem\n",
				argv[0], argv[2]);
			return -EINVAL;
		}
	}
	h = toy_handle_new(TOY_H_PAGES);
	if (!h)
		return -ENOMEM;
	page = toy_alloc_pages(gfp, order);
	if (!page) {
		toy_handle_delete(h);
		pr_info("%s: no free block of order %u\n", argv[0], order);
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
	struct toy_handle *h = toy_ctl_handle(argv[0], argv[1], TOY_HK_PAGES);

	if (IS_ERR(h))
		return PTR_ERR(h);
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
	{ "alloc", "ORDER [normal|highmem]", 1, 2, verb_alloc },
	{ "free", "HANDLE", 1, 1, verb_free },
	{ "drain", "", 0, 0, verb_drain },
	{ }
};
