// SPDX-License-Identifier: GPL-2.0
/*
 * The toy's vmalloc: virtually contiguous areas of single toy pages,
 * HighMem first, with the emulated addresses of an i386 kernel's vmalloc
 * area (mm/vmalloc.c's part).
 *
 * toy_vmalloc() takes pages from the buddy one at a time, HighMem first,
 * maps them with vmap(), and gives the area an emulated address in the
 * emulated vmalloc area (lowest fit, a guard page after each area) for
 * vmallocinfo.
 *
 * The areas belong to a highmem instance (struct toy_highmem) and are
 * listed under its vmap_lock, which takes no other lock inside: pages come
 * from and go back to the buddy, and vmap() and vunmap() are called, with
 * it dropped. vmallocinfo prints the areas in the format of
 * /proc/vmallocinfo (s_show() of mm/vmalloc.c, 32-bit, no NUMA).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>

#include "toy_internal.h"
#include "toy_highmem.h"

/* ==== Areas ==== */

/*
 * The lowest emulated address with @size bytes free between the areas, as
 * alloc_vmap_area() finds it; @pos gets the list position to insert at.
 * 0 if the emulated vmalloc area has no such room.
 */
static u32 find_vmap_gap(struct toy_highmem *hm, u32 size,
			 struct list_head **pos)
	__must_hold(&hm->vmap_lock)
{
	u64 start = hm->layout.vmalloc_start;
	struct toy_vm_area *a;

	lockdep_assert_held(&hm->vmap_lock);
	list_for_each_entry(a, &hm->vmap_areas, list) {
		if (a->addr - start >= size) {
			*pos = &a->list;
			return start;
		}
		start = (u64)a->addr + a->size;
	}
	if (hm->layout.vmalloc_end - start < size)
		return 0;
	*pos = &hm->vmap_areas;
	return start;
}

static void free_area_pages(struct toy_highmem *hm, struct toy_vm_area *area)
{
	unsigned int i;

	for (i = 0; i < area->nr_pages; i++)
		toy_node_free(hm->node, area->pages[i], 0);
	kvfree(area->pages);
	kfree(area);
}

/* Take the pages and map them; the area is not listed yet. */
static int fill_area(struct toy_highmem *hm, struct toy_vm_area *area,
		     unsigned int nr)
{
	const toy_gfp_t gfp = TOY_GFP_HIGHUSER | __TOY_GFP_NOWARN;
	struct page **real;
	unsigned int i;

	area->pages = kvcalloc(nr, sizeof(*area->pages), GFP_KERNEL);
	real = kvmalloc_array(nr, sizeof(*real), GFP_KERNEL);
	if (!area->pages || !real)
		goto err;
	for (i = 0; i < nr; i++) {
		area->pages[i] = toy_node_alloc(hm->node, gfp, 0);
		if (!area->pages[i])
			goto err;
		area->nr_pages++;
		real[i] = toy_node_real_page(hm->node, area->pages[i]);
	}
	area->real = vmap(real, nr, VM_MAP, PAGE_KERNEL);
	if (!area->real)
		goto err;
	kvfree(real);
	return 0;
err:
	kvfree(real);
	return -ENOMEM;
}

/*
 * vmalloc(): the area, or ERR_PTR(-EINVAL) for size 0 or over the emulated
 * vmalloc area, -ENOMEM without pages or memory, -ENOSPC without room in
 * the emulated vmalloc area.
 */
struct toy_vm_area *toy_hm_vmalloc_area(struct toy_highmem *hm,
					unsigned long size, const void *caller)
{
	const unsigned long max = hm->layout.vmalloc_end -
				  hm->layout.vmalloc_start;
	struct toy_vm_area *area;
	struct list_head *pos;
	unsigned int nr;
	int err;

	might_sleep();
	if (!size || size > max - PAGE_SIZE) {
		err = -EINVAL;
		goto fail;
	}
	nr = PAGE_ALIGN(size) >> PAGE_SHIFT;
	area = kzalloc(sizeof(*area), GFP_KERNEL);
	err = area ? fill_area(hm, area, nr) : -ENOMEM;
	if (err)
		goto err_free;
	area->size = (nr + 1) << PAGE_SHIFT;	/* with the guard page */
	area->caller = caller;
	spin_lock(&hm->vmap_lock);
	area->addr = find_vmap_gap(hm, area->size, &pos);
	if (area->addr)
		list_add_tail(&area->list, pos);
	spin_unlock(&hm->vmap_lock);
	if (!area->addr) {
		vunmap(area->real);
		err = -ENOSPC;
		goto err_free;
	}
	count_event(hm, TOY_HS_VMALLOC);
	return area;

err_free:
	if (area)
		free_area_pages(hm, area);
fail:
	count_event(hm, TOY_HS_VMALLOC_FAIL);
	return ERR_PTR(err);
}

/* Unlist the area that starts at @addr, or NULL. */
struct toy_vm_area *toy_hm_take_area(struct toy_highmem *hm, const void *addr)
{
	struct toy_vm_area *a, *found = NULL;

	spin_lock(&hm->vmap_lock);
	list_for_each_entry(a, &hm->vmap_areas, list) {
		if (a->real == addr) {
			list_del(&a->list);
			found = a;
			break;
		}
	}
	spin_unlock(&hm->vmap_lock);
	return found;
}

/* Unmap an unlisted area and give its pages back to the buddy. */
void toy_hm_vfree_area(struct toy_highmem *hm, struct toy_vm_area *area)
{
	vunmap(area->real);
	free_area_pages(hm, area);
	count_event(hm, TOY_HS_VFREE);
}

/**
 * toy_hm_vmalloc() - toy_vmalloc() on one instance
 * @hm: the instance.
 * @size: bytes, rounded up to pages.
 * @caller: shown in vmallocinfo.
 *
 * Context: Process context; may sleep.
 * Return: the area's data address, or NULL.
 */
void *toy_hm_vmalloc(struct toy_highmem *hm, unsigned long size,
		     const void *caller)
{
	struct toy_vm_area *area = toy_hm_vmalloc_area(hm, size, caller);

	return IS_ERR(area) ? NULL : area->real;
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_vmalloc);

/**
 * toy_hm_vfree() - toy_vfree() on one instance
 * @hm: the instance.
 * @addr: an address toy_hm_vmalloc() returned, or NULL.
 *
 * Context: Process context; may sleep.
 * Return: 0, or -EINVAL (reported, nothing changed) if no area starts at
 * @addr.
 */
int toy_hm_vfree(struct toy_highmem *hm, const void *addr)
{
	struct toy_vm_area *area;

	if (!addr)
		return 0;
	area = toy_hm_take_area(hm, addr);
	if (!area) {
		toy_hm_report_misuse(hm, TOY_HM_BAD_VFREE, ULONG_MAX);
		return -EINVAL;
	}
	toy_hm_vfree_area(hm, area);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_vfree);

/**
 * toy_hm_vmalloc_vaddr() - the emulated address of an area
 * @hm: the instance.
 * @addr: an address toy_hm_vmalloc() returned.
 *
 * Return: the area's emulated start, or 0 if no area starts at @addr.
 */
u32 toy_hm_vmalloc_vaddr(struct toy_highmem *hm, const void *addr)
{
	struct toy_vm_area *a;
	u32 ret = 0;

	spin_lock(&hm->vmap_lock);
	list_for_each_entry(a, &hm->vmap_areas, list) {
		if (a->real == addr) {
			ret = a->addr;
			break;
		}
	}
	spin_unlock(&hm->vmap_lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_vmalloc_vaddr);

/* ==== The public API, on the module's node ==== */

void *toy_vmalloc(unsigned long size)
{
	return toy_hm_vmalloc(&toy_highmem0, size, __builtin_return_address(0));
}
EXPORT_SYMBOL_GPL(toy_vmalloc);

void toy_vfree(const void *addr)
{
	toy_hm_vfree(&toy_highmem0, addr);
}
EXPORT_SYMBOL_GPL(toy_vfree);

/* ==== validate ==== */

/*
 * A page of an area: of the node (so Normal or HighMem), in no other area,
 * an allocated order-0 block that is not also a slab or a large kmalloc,
 * and the page the area's real mapping shows at its offset. Its flags are
 * read without the zone lock: only the area's vfree gives it back, and
 * that takes the area off the list under vmap_lock first.
 */
static unsigned long validate_area_page(struct toy_highmem *hm,
					const struct toy_vm_area *a,
					unsigned int i, unsigned long *seen)
	__must_hold(&hm->vmap_lock)
{
	const unsigned long other = BIT(TOY_PG_BUDDY) | BIT(TOY_PG_PCP) |
				    BIT(TOY_PG_SLAB) | BIT(TOY_PG_LARGE);
	const struct toy_page *page = a->pages[i];
	unsigned long pfn, flags;

	if (!page_of_node(hm, page)) {
		validate_err(hm, "vmalloc area 0x%08x page %u: not a page of the node",
			     a->addr, i);
		return 1;
	}
	pfn = page_pfn(hm, page);
	if (__test_and_set_bit(pfn, seen)) {
		validate_err(hm, "vmalloc area 0x%08x page %u: pfn %lu is in an area already",
			     a->addr, i, pfn);
		return 1;
	}
	flags = READ_ONCE(page->flags);
	if (!(flags & BIT(TOY_PG_HEAD)) || (flags & other) || page->order) {
		validate_err(hm, "vmalloc area 0x%08x page %u: pfn %lu is no allocated order-0 page of its own (flags %#lx, order %u)",
			     a->addr, i, pfn, flags, page->order);
		return 1;
	}
	if (vmalloc_to_page(a->real + i * PAGE_SIZE) !=
	    toy_node_real_page(hm->node, page)) {
		validate_err(hm, "vmalloc area 0x%08x page %u: the real mapping shows another page than pfn %lu",
			     a->addr, i, pfn);
		return 1;
	}
	return 0;
}

/*
 * An area: page aligned, inside the emulated vmalloc area and after the
 * one before it (ending at @prev_end), its size its pages plus the guard
 * page, and a real mapping; then each page.
 */
static unsigned long validate_area(struct toy_highmem *hm,
				   const struct toy_vm_area *a, u64 prev_end,
				   unsigned long *seen)
	__must_hold(&hm->vmap_lock)
{
	u64 end = (u64)a->addr + a->size;
	unsigned long errors = 0;
	unsigned int i;

	lockdep_assert_held(&hm->vmap_lock);
	if (a->addr < prev_end || a->addr % PAGE_SIZE ||
	    end > hm->layout.vmalloc_end) {
		validate_err(hm, "vmalloc area 0x%08x-0x%08llx: not page aligned within 0x%08llx-0x%08x, the room after the area before",
			     a->addr, end, prev_end, hm->layout.vmalloc_end);
		errors++;
	}
	if (!a->nr_pages || a->size != (a->nr_pages + 1) << PAGE_SHIFT) {
		validate_err(hm, "vmalloc area 0x%08x: %u bytes for %u pages and a guard page",
			     a->addr, a->size, a->nr_pages);
		errors++;
	}
	if (!a->pages || !is_vmalloc_addr(a->real)) {
		validate_err(hm, "vmalloc area 0x%08x: %s", a->addr,
			     a->pages ? "no real mapping" : "no pages array");
		return errors + 1;
	}
	for (i = 0; i < a->nr_pages; i++)
		errors += validate_area_page(hm, a, i, seen);
	return errors;
}

/**
 * toy_hm_validate_areas() - check the vmalloc areas of an instance
 * @hm: the instance.
 * @seen: a bitmap with a bit per pfn of the node, all clear.
 *
 * The areas in order, each inside the emulated vmalloc area with its
 * guard page, each page an allocated order-0 page of the node in no other
 * area, shown by the real mapping at its offset. Each inconsistency is
 * printed once.
 *
 * Context: Process context. Takes vmap_lock.
 * Return: the number of inconsistencies.
 */
unsigned long toy_hm_validate_areas(struct toy_highmem *hm,
				    unsigned long *seen)
{
	u64 prev_end = hm->layout.vmalloc_start;
	unsigned long errors = 0;
	struct toy_vm_area *a;

	spin_lock(&hm->vmap_lock);
	list_for_each_entry(a, &hm->vmap_areas, list) {
		errors += validate_area(hm, a, prev_end, seen);
		prev_end = (u64)a->addr + a->size;
	}
	spin_unlock(&hm->vmap_lock);
	return errors;
}

/* ==== debugfs: vmallocinfo ==== */

/* /proc/vmallocinfo's format: s_show() in mm/vmalloc.c, 32-bit, no NUMA. */
static int vmallocinfo_show(struct seq_file *m, void *v)
{
	struct toy_highmem *hm = &toy_highmem0;
	struct toy_vm_area *a;

	spin_lock(&hm->vmap_lock);
	list_for_each_entry(a, &hm->vmap_areas, list) {
		seq_printf(m, "0x%08x-0x%08x %7u", a->addr, a->addr + a->size,
			   a->size);
		/* Without kallsyms %pS would print the raw pointer. */
		if (IS_ENABLED(CONFIG_KALLSYMS))
			seq_printf(m, " %pS", a->caller);
		seq_printf(m, " pages=%u vmalloc", a->nr_pages);
		/* The pages array is vmalloc'ed past a page: 4-byte pointers. */
		if (a->nr_pages * sizeof(u32) > PAGE_SIZE)
			seq_puts(m, " vpages");
		seq_putc(m, '\n');
	}
	spin_unlock(&hm->vmap_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmallocinfo);

/**
 * toy_vmalloc_debugfs_init() - create vmallocinfo
 * @root: the module's debugfs directory.
 */
void toy_vmalloc_debugfs_init(struct dentry *root)
{
	debugfs_create_file("vmallocinfo", 0400, root, NULL, &vmallocinfo_fops);
}
