// SPDX-License-Identifier: GPL-2.0
/*
 * The highmem layer's ctl verbs: kmap, kunmap, kmap_local, kunmap_local
 * and page_address of a "pages" handle; vmalloc and vfree; and write and
 * read, which reach a handle's data through the mapping it has: the
 * direct map for a Normal page, its kmap or kmap_local for a HighMem page,
 * the area for vmalloc. Every line gives the emulated 32-bit address.
 *
 * Commands written to ctl come from short-lived shell processes, so a
 * local mapping made by "kmap_local" cannot belong to the writing task.
 * The ctl file plays one task of its own, pinned to CPU 0, whose stack
 * lives here and persists between commands: ctl_task, which the highmem
 * layer validates and shows in pkmap as kmap_local_ctl. Its stack changes
 * with the ctl mutex and its lock held, so either is enough to read it;
 * validate, which debugfs runs without the ctl mutex, takes the lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "toy_ctl.h"
#include "toy_highmem.h"

/* What "write" and "read" reach: a block of pages or a vmalloc area. */
#define DATA_KINDS	(TOY_HK_BLOCKS | TOY_HK_VMALLOC)

static struct toy_hm_task ctl_task;

#define CTL_READ_MAX	128	/* bytes "read" prints at once */

/*
 * What a page verb tells page_verb() about the pin of its block: done
 * with it, keep it for the mapping just made, or drop the one the
 * mapping just unmade held as well.
 */
enum pin_after { PIN_DONE, PIN_KEEP, PIN_DROP };

/*
 * Run a page verb on the block of its HANDLE, pinned meanwhile
 * (toy_ctl_pin()): a movable or cache block stays where it is while the
 * verb looks at it, and for as long as a mapping of it lasts, as a kmap
 * holds a page's reference in the kernel.
 */
static int page_verb(char **argv,
		     int (*fn)(char **argv, struct toy_handle *h,
			       struct toy_page *page))
{
	struct toy_handle *h = toy_ctl_handle(argv[0], argv[1], TOY_HK_BLOCKS);
	struct toy_page *page;
	int ret;

	if (IS_ERR(h))
		return PTR_ERR(h);
	page = toy_ctl_pin(argv[0], h);
	if (!page)
		return -ENOENT;
	ret = fn(argv, h, page);
	if (ret != PIN_KEEP)
		toy_ctl_unpin(h);
	if (ret == PIN_DROP)
		toy_ctl_unpin(h);
	return ret < 0 ? ret : 0;
}

static int do_kmap(char **argv, struct toy_handle *h, struct toy_page *page)
{
	struct toy_highmem *hm = &toy_highmem0;
	int slot, count;
	void *addr;

	addr = toy_hm_kmap_nowait(hm, page);
	if (addr == ERR_PTR(-EBUSY)) {
		pr_info("%s: all %u slots are in use: kmap() would sleep until a kunmap frees one\n",
			argv[0], hm->nr_slots);
		return -EBUSY;
	}
	if (IS_ERR(addr)) {
		pr_info("%s: the kernel has no memory for the real mapping\n", argv[0]);
		return PTR_ERR(addr);
	}
	if (!toy_page_is_highmem(page)) {
		pr_info("%s: handle %d pfn %lu is Normal: 0x%08x, its direct-map address; no slot used\n",
			argv[0], h->id, page_pfn(hm, page), lowmem_addr(hm, page));
		return PIN_DONE;
	}
	slot = toy_hm_page_slot(hm, page, &count);
	pr_info("%s: handle %d pfn %lu -> 0x%08x (slot %d, count %d: %d user%s)\n", argv[0],
		h->id, page_pfn(hm, page), pkmap_addr(hm, slot), slot, count,
		count - 1, count == 2 ? "" : "s");
	return PIN_KEEP;
}

static int verb_kmap(int argc, char **argv)
{
	return page_verb(argv, do_kmap);
}

/* A Normal page has nothing to unmap: say so. */
static bool nothing_to_unmap(char **argv, struct toy_handle *h,
			     struct toy_page *page)
{
	if (toy_page_is_highmem(page))
		return false;
	pr_info("%s: handle %d is a Normal page: nothing to unmap\n",
		argv[0], h->id);
	return true;
}

static int do_kunmap(char **argv, struct toy_handle *h, struct toy_page *page)
{
	struct toy_highmem *hm = &toy_highmem0;
	int slot, count;

	if (nothing_to_unmap(argv, h, page))
		return PIN_DONE;
	if (toy_hm_kunmap_page(hm, page)) {
		slot = toy_hm_page_slot(hm, page, &count);
		if (slot < 0)
			pr_info("%s: handle %d (pfn %lu) is not kmapped\n", argv[0],
				h->id, page_pfn(hm, page));
		else
			pr_info("%s: handle %d (pfn %lu) has no kmap user left: slot %d is free, its mapping awaits the next flush\n",
				argv[0], h->id, page_pfn(hm, page), slot);
		return -EINVAL;
	}
	slot = toy_hm_page_slot(hm, page, &count);
	if (count == 1)
		pr_info("%s: handle %d slot %d count 1: free, still mapped at 0x%08x until the next flush\n",
			argv[0], h->id, slot, pkmap_addr(hm, slot));
	else
		pr_info("%s: handle %d slot %d count %d: %d user%s left\n", argv[0],
			h->id, slot, count, count - 1, count == 2 ? "" : "s");
	return PIN_DROP;
}

static int verb_kunmap(int argc, char **argv)
{
	return page_verb(argv, do_kunmap);
}

static int do_kmap_local(char **argv, struct toy_handle *h,
			 struct toy_page *page)
{
	struct toy_highmem *hm = &toy_highmem0;
	int depth;

	if (!toy_page_is_highmem(page)) {
		pr_info("%s: handle %d pfn %lu is Normal: 0x%08x, its direct-map address; nothing pushed\n",
			argv[0], h->id, page_pfn(hm, page), lowmem_addr(hm, page));
		return PIN_DONE;
	}
	spin_lock(&ctl_task.lock);
	depth = toy_hm_local_push(&ctl_task.local, &ctl_task, page, 0);
	spin_unlock(&ctl_task.lock);
	if (depth == -E2BIG) {
		count_misuse(hm, TOY_HM_LOCAL_DEPTH);
		pr_info("%s: %u local mappings are held already; a %uth is refused (6.1's kmap_local_idx_push() BUG()s at KM_MAX_IDX %u)\n",
			argv[0], TOY_KMAP_LOCAL_MAX, TOY_KMAP_LOCAL_MAX + 1, TOY_KM_MAX_IDX);
		return -ENOSPC;
	}
	if (depth < 0) {
		pr_info("%s: no local entry left\n", argv[0]);
		return -ENOSPC;
	}
	count_event(hm, TOY_HS_LOCAL_MAP);
	pr_info("%s: handle %d pfn %lu -> 0x%08x (depth %d, fixmap slot of CPU 0)\n", argv[0],
		h->id, page_pfn(hm, page), local_addr(hm, 0, depth), depth);
	return PIN_KEEP;
}

static int verb_kmap_local(int argc, char **argv)
{
	return page_verb(argv, do_kmap_local);
}

static int do_kunmap_local(char **argv, struct toy_handle *h,
			   struct toy_page *page)
{
	struct toy_highmem *hm = &toy_highmem0;
	unsigned int depth;
	int top, err;

	if (nothing_to_unmap(argv, h, page))
		return PIN_DONE;
	top = toy_hm_local_top(&ctl_task.local, &ctl_task);
	depth = top >= 0 ? ctl_task.local.entry[top].idx : 0;
	spin_lock(&ctl_task.lock);
	err = toy_hm_local_pop(&ctl_task.local, &ctl_task, page);
	spin_unlock(&ctl_task.lock);
	if (err == -EINVAL) {
		pr_info("%s: handle %d is not the newest local mapping (pfn %lu at depth %u is): unmap in reverse order\n",
			argv[0], h->id, page_pfn(hm, ctl_task.local.entry[top].page), depth);
		return err;
	}
	if (err) {
		pr_info("%s: handle %d has no local mapping\n", argv[0], h->id);
		return err;
	}
	count_event(hm, TOY_HS_LOCAL_UNMAP);
	pr_info("%s: handle %d unmapped from depth %u (0x%08x)\n", argv[0],
		h->id, depth, local_addr(hm, 0, depth));
	return PIN_DROP;
}

static int verb_kunmap_local(int argc, char **argv)
{
	return page_verb(argv, do_kunmap_local);
}

static int do_page_address(char **argv, struct toy_handle *h,
			   struct toy_page *page)
{
	struct toy_highmem *hm = &toy_highmem0;
	int slot, count;

	if (!toy_page_is_highmem(page)) {
		pr_info("%s: handle %d pfn %lu -> 0x%08x (Normal, direct map)\n", argv[0],
			h->id, page_pfn(hm, page), lowmem_addr(hm, page));
		return PIN_DONE;
	}
	slot = toy_hm_page_slot(hm, page, &count);
	if (slot < 0)
		pr_info("%s: handle %d pfn %lu (HighMem, phys 0x%08x) -> NULL: no pkmap slot\n",
			argv[0], h->id, page_pfn(hm, page), emulated_phys(hm, page));
	else
		pr_info("%s: handle %d pfn %lu (HighMem, phys 0x%08x) -> 0x%08x: pkmap slot %d, count %d\n",
			argv[0], h->id, page_pfn(hm, page), emulated_phys(hm, page),
			pkmap_addr(hm, slot), slot, count);
	return PIN_DONE;
}

static int verb_page_address(int argc, char **argv)
{
	return page_verb(argv, do_page_address);
}

static int verb_vmalloc(int argc, char **argv)
{
	struct toy_highmem *hm = &toy_highmem0;
	struct toy_vm_area *area;
	struct toy_handle *h;
	unsigned int size, i, high = 0;
	int err;

	err = toy_ctl_parse_uint(argv[0], "SIZE", argv[1],
				 hm->layout.vmalloc_end - hm->layout.vmalloc_start -
				 PAGE_SIZE,
				 &size);
	if (err)
		return err;
	if (!size) {
		pr_info("%s: SIZE 0: nothing to allocate\n", argv[0]);
		return -EINVAL;
	}
	h = toy_handle_new(TOY_H_VMALLOC);
	if (!h)
		return -ENOMEM;
	area = toy_hm_vmalloc_area(hm, size, __builtin_return_address(0));
	if (IS_ERR(area)) {
		toy_handle_delete(h);
		if (PTR_ERR(area) == -ENOSPC)
			pr_info("%s: no room for %u bytes in the emulated vmalloc area\n", argv[0],
				size);
		else
			pr_info("%s: not enough free toy pages (or memory) for %u bytes\n", argv[0],
				size);
		return PTR_ERR(area);
	}
	h->ptr = area->real;
	h->size = size;
	for (i = 0; i < area->nr_pages; i++)
		high += toy_page_is_highmem(area->pages[i]);
	pr_info("%s: %u bytes -> handle %d at 0x%08x, %u pages (%u HighMem)\n", argv[0],
		size, h->id, area->addr, area->nr_pages, high);
	return 0;
}

static int verb_vfree(int argc, char **argv)
{
	struct toy_highmem *hm = &toy_highmem0;
	struct toy_handle *h = toy_ctl_handle(argv[0], argv[1], TOY_HK_VMALLOC);
	struct toy_vm_area *area;

	if (IS_ERR(h))
		return PTR_ERR(h);
	area = toy_hm_take_area(hm, h->ptr);
	if (WARN_ON_ONCE(!area))
		return -EINVAL;
	pr_info("%s: handle %d at 0x%08x, %u pages back to the buddy\n", argv[0],
		h->id, area->addr, area->nr_pages);
	toy_hm_vfree_area(hm, area);
	toy_handle_delete(h);
	return 0;
}

/*
 * Where "write" and "read" reach a handle's data, and the emulated
 * address and name of that mapping; NULL, after a line why, for a HighMem
 * page with no kmap user and no local mapping.
 */
static void *data_address(const char *verb, struct toy_handle *h,
			  struct toy_page *page, u32 *vaddr, const char **how)
{
	struct toy_highmem *hm = &toy_highmem0;
	int slot, count, i;
	void *addr = NULL;

	if (h->kind == TOY_H_VMALLOC) {
		*vaddr = toy_hm_vmalloc_vaddr(hm, h->ptr);
		*how = "vmalloc";
		return h->ptr;
	}
	if (!toy_page_is_highmem(page)) {
		*vaddr = lowmem_addr(hm, page);
		*how = "the direct map";
		return direct_address(hm, page);
	}
	slot = toy_hm_page_slot(hm, page, &count);
	if (count >= 2) {
		addr = toy_hm_page_address(hm, page);
		*vaddr = pkmap_addr(hm, slot);
		*how = "kmap";
		return addr;
	}
	for (i = ctl_task.local.nr - 1; i >= 0; i--) {
		if (ctl_task.local.entry[i].page == page) {
			*vaddr = local_addr(hm, 0, ctl_task.local.entry[i].idx);
			*how = "kmap_local";
			return direct_address(hm, page);
		}
	}
	pr_info("%s: handle %d (pfn %lu) is HighMem with no mapping in use: kmap or kmap_local it first\n",
		verb, h->id, page_pfn(hm, page));
	return NULL;
}

/*
 * The HANDLE and OFFSET words of "write" and "read": the handle, its
 * block pinned (NULL for vmalloc; data_done() unpins it), the bytes of
 * its data they may reach (a page, or the vmalloc size) and the offset,
 * parsed below that; 0, or an error after a line why, nothing pinned.
 */
static int data_lookup(char **argv, struct toy_handle **hp,
		       struct toy_page **pagep, size_t *size,
		       unsigned int *offset)
{
	struct toy_handle *h = toy_ctl_handle(argv[0], argv[1], DATA_KINDS);
	int err;

	if (IS_ERR(h))
		return PTR_ERR(h);
	*hp = h;
	*size = h->kind == TOY_H_VMALLOC ? h->size : PAGE_SIZE;
	err = toy_ctl_parse_uint(argv[0], "OFFSET", argv[2], *size - 1, offset);
	if (err)
		return err;
	*pagep = NULL;
	if (h->kind == TOY_H_VMALLOC)
		return 0;
	*pagep = toy_ctl_pin(argv[0], h);
	return *pagep ? 0 : -ENOENT;
}

/* The end of a "write" or "read" that data_lookup() let through. */
static int data_done(struct toy_handle *h, int ret)
{
	if (h->kind != TOY_H_VMALLOC)
		toy_ctl_unpin(h);
	return ret;
}

static int verb_write(int argc, char **argv)
{
	size_t len = strlen(argv[3]), size;
	struct toy_handle *h;
	struct toy_page *page;
	unsigned int offset;
	const char *how;
	void *addr;
	u32 vaddr;
	int err;

	err = data_lookup(argv, &h, &page, &size, &offset);
	if (err)
		return err;
	if (len > size - offset) {
		pr_info("%s: %zu bytes at offset %u run past the end of handle %d (%zu bytes)\n",
			argv[0], len, offset, h->id, size);
		return data_done(h, -EINVAL);
	}
	addr = data_address(argv[0], h, page, &vaddr, &how);
	if (!addr)
		return data_done(h, -EINVAL);
	memcpy(addr + offset, argv[3], len);
	pr_info("%s: %zu bytes to handle %d at offset %u through %s, 0x%08x\n", argv[0],
		len, h->id, offset, how, vaddr + offset);
	return data_done(h, 0);
}

static int verb_read(int argc, char **argv)
{
	unsigned int offset, len;
	struct toy_handle *h;
	struct toy_page *page;
	const char *how;
	size_t size;
	void *addr;
	u32 vaddr;
	int err;

	err = data_lookup(argv, &h, &page, &size, &offset);
	if (err)
		return err;
	err = toy_ctl_parse_uint(argv[0], "LEN", argv[3], CTL_READ_MAX, &len);
	if (err)
		return data_done(h, err);
	if (!len || len > size - offset) {
		pr_info("%s: %u bytes at offset %u %s of handle %d (%zu bytes)\n", argv[0],
			len, offset, len ? "run past the end" : "is nothing",
			h->id, size);
		return data_done(h, -EINVAL);
	}
	addr = data_address(argv[0], h, page, &vaddr, &how);
	if (!addr)
		return data_done(h, -EINVAL);
	pr_info("%s: handle %d offset %u through %s, 0x%08x: \"%*pEhp\"\n", argv[0],
		h->id, offset, how, vaddr + offset, len, addr + offset);
	return data_done(h, 0);
}

const struct toy_ctl_verb toy_ctl_highmem_verbs[] = {
	{ "kmap", "HANDLE", 1, 1, verb_kmap },
	{ "kunmap", "HANDLE", 1, 1, verb_kunmap },
	{ "kmap_local", "HANDLE", 1, 1, verb_kmap_local },
	{ "kunmap_local", "HANDLE", 1, 1, verb_kunmap_local },
	{ "page_address", "HANDLE", 1, 1, verb_page_address },
	{ "vmalloc", "SIZE", 1, 1, verb_vmalloc },
	{ "vfree", "HANDLE", 1, 1, verb_vfree },
	{ "write", "HANDLE OFFSET TEXT", 3, 3, verb_write },
	{ "read", "HANDLE OFFSET LEN", 3, 3, verb_read },
	{ }
};

/**
 * toy_ctl_page_mapped() - does a page have a kmap user or a ctl local mapping
 * @page: a page of toy_node0.
 *
 * For the "free" verb: such a page must not go back to the buddy.
 *
 * Context: Process context, ctl mutex held.
 * Return: true if @page is mapped so.
 */
bool toy_ctl_page_mapped(const struct toy_page *page)
{
	unsigned int i;
	int count;

	if (!toy_page_is_highmem(page))
		return false;
	if (toy_hm_page_slot(&toy_highmem0, page, &count) >= 0 && count >= 2)
		return true;
	for (i = 0; i < ctl_task.local.nr; i++)
		if (ctl_task.local.entry[i].page == page)
			return true;
	return false;
}

/**
 * toy_ctl_highmem_init() - give the highmem layer the ctl file's task
 *
 * Context: Module load, before the ctl file exists.
 */
void toy_ctl_highmem_init(void)
{
	spin_lock_init(&ctl_task.lock);
	ctl_task.local.nr = 0;
	WRITE_ONCE(toy_highmem0.task, &ctl_task);
}

/**
 * toy_ctl_highmem_exit() - drop the ctl file's local mappings
 *
 * Says how many were left; they hold no resource but their entries.
 *
 * Context: Module unload, after the ctl file is gone.
 */
void toy_ctl_highmem_exit(void)
{
	if (ctl_task.local.nr)
		pr_warn("highmem: %u local mappings of the ctl file dropped at unload\n",
			ctl_task.local.nr);
	WRITE_ONCE(toy_highmem0.task, NULL);
	spin_lock(&ctl_task.lock);
	ctl_task.local.nr = 0;
	spin_unlock(&ctl_task.lock);
}
