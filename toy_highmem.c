// SPDX-License-Identifier: GPL-2.0
/*
 * 32-bit highmem, emulated: the pkmap window of kmap(), the per-task
 * stacks of kmap_local_page() and page_address(), on the toy's HighMem
 * zone (mm/highmem.c's part).
 *
 * On i386 the kernel owns only the top GiB of every address space and maps
 * the first 884 MiB of RAM there once and for all (the "896 MB" of the
 * books: 6.1 computes MAXMEM from VMALLOC_END, which now sits below the
 * pkmap window, the LDT and cpu_entry_area and the fixmap). A page above
 * that line, in ZONE_HIGHMEM, has no kernel address: page_address() is
 * NULL until something maps it. The toy's Normal zone plays the low
 * memory and its HighMem zone the memory above the line. The address
 * space around them is emulated with the numbers of a real i386 kernel:
 * the fixed ones (TOY_PAGE_OFFSET ... in toy_highmem.h) and those that move
 * with the config, derived below as pgtable_32_areas.h and fixmap.h
 * compute them. NR_CPUS sizes the fixmap's kmap_local slots and the
 * cpu_entry_area, the APICs add fixmap entries, and PKMAP_BASE,
 * VMALLOC_END and MAXMEM follow in 4 MiB steps. The config is that of the
 * reference kernel of tests/i386 (one CPU, no APIC) with NR_CPUS set to
 * the CPUs here, and SMP with its APICs when they are more than one; the
 * debugfs file "layout" says so and draws it. The zones are much smaller
 * than the real ones: the toy's Normal zone sits at the bottom of the
 * 884 MiB direct map, its HighMem zone right above the line.
 *
 * kmap() (mm/highmem.c) hands out slots of a window of LAST_PKMAP pages at
 * PKMAP_BASE. A slot's count is not a plain count: 0 means free and
 * flushed, 1 free but still mapped (its TLB entries may live on), n means
 * n - 1 users. The scan for a free slot resumes after the last one handed
 * out; when it wraps to slot 0 it flushes every count-1 slot at once
 * (flush_all_zero_pkmaps: clear the PTEs, one global TLB flush), so a
 * TLB flush is paid once per trip around the window, not per kunmap. A
 * page keeps its address until that flush, and kmap() of it meanwhile
 * takes the same slot again. With every slot in use kmap() sleeps until a
 * kunmap() brings a count down to 1.
 *
 * This file runs that algorithm as is, with the same counts, scan and
 * wait queue, on nr_slots slots (parameter pkmap_slots). What a module
 * cannot do is own fixed kernel addresses and flush TLBs
 * (flush_tlb_kernel_range is not exported), so each slot has an emulated
 * 32-bit address, PKMAP_BASE + slot * PAGE_SIZE, shown in debugfs and
 * ctl, while the data goes through a real vmap() of the page made when
 * the slot is taken. toy_kmap() returns that real address. The real
 * mapping is torn down (vunmap, which does the real TLB work) only when
 * the emulated flush clears the slot, as the PTE is in the kernel.
 *
 * vmap() and vunmap() may sleep and the kernel's kmap_lock is a spinlock,
 * so neither is called under it. A kmap() that needs a new slot makes its
 * vmap first, then takes the lock and runs map_new_virtual(); if the page
 * got mapped meanwhile, the spare vmap is dropped. A flush clears the
 * counts and the page addresses under the lock, as the kernel does, and
 * moves the old mappings to a list that the flushing task unmaps after
 * unlocking. This keeps the kernel's guarantee: a flushed slot is never
 * used through its old mapping, because its count was 1 (no user), its
 * page lost the address under the lock (no new user can find it), and a
 * new mapping of the slot is a new vmap at another real address, so the
 * old one may go away a little later without anyone seeing it.
 *
 * page_address() of a HighMem page is kept, as on x86-32, in a hash of
 * page -> mapping (page_address_htable) rather than in the page: a flush
 * clears the address of pages that may have been freed to the buddy since
 * their kunmap, and the toy_page flags are the buddy's to change then.
 *
 * kmap_local_page() mappings in the kernel form a stack per task in the
 * KM_MAX_IDX (16) fixmap slots of the CPU the task is pinned to
 * (migrate_disable() from map to unmap); a context switch saves and
 * restores them. kmap_local_idx_push() raises the task's index first and
 * then BUG()s if it has reached KM_MAX_IDX, so 15 mappings nest and the
 * 16th is fatal: the top slot is never used. (CONFIG_DEBUG_KMAP_LOCAL
 * makes it 33 slots with a guard between each two, and 16 nest; the toy
 * follows the build without it, as the reference kernel of tests/i386 is.)
 * The toy keeps, per CPU, the entries of every task that holds some
 * there, each tagged with its task, so each task's entries are its own
 * strict LIFO stack and a preempted holder is no problem. A 16th level,
 * an unmap that is not of the task's newest mapping and an unmap of
 * something not mapped are reported, counted and refused (the kernel
 * BUG()s or WARNs and unmaps the wrong slot). The data address is the real page's
 * direct-map address: a local mapping must work in atomic context, where
 * vmap() cannot be called; the fixmap slot is emulated. kmap_atomic() is
 * kmap_local with preemption and page faults off, as in the kernel.
 *
 * vmalloc lives in toy_vmalloc.c, on the same instance and the same
 * emulated address space.
 *
 * validate checks all of it against itself: each slot's count against
 * its mapping, the address hash and the live real vmap; the local stacks;
 * each vmalloc area's range, size and pages. It reports and counts, and
 * repairs nothing.
 *
 * Locking (toy_internal.h has the order of every lock): kmap_lock, a
 * spinlock for process context, then a bucket lock of the address hash,
 * irq-safe so that page_address() works in any context; the buddy is
 * called with neither held. The per-CPU local entries are touched by
 * their own CPU with interrupts off; validate reads them from a function
 * it runs on that CPU (smp_call_function_single()), under
 * cpus_read_lock(). An emulated task's stack (the ctl file's, in
 * toy_ctl_highmem.c) has a lock of its own, which validate takes to copy
 * it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/hash.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>

#include "toy_internal.h"
#include "toy_highmem.h"

static_assert(PAGE_SHIFT == 12, "the emulated i386 has 4 KiB pages");

struct toy_highmem toy_highmem0;
EXPORT_SYMBOL_IF_KUNIT(toy_highmem0);

const char *const toy_hm_stat_names[] = {
	[TOY_HS_KMAP]		= "kmap",
	[TOY_HS_KMAP_LOW]	= "kmap_lowmem",
	[TOY_HS_NEW]		= "kmap_new_slot",
	[TOY_HS_KUNMAP]		= "kunmap",
	[TOY_HS_FLUSH]		= "flushes",
	[TOY_HS_FLUSHED]	= "flushed_slots",
	[TOY_HS_WAIT]		= "kmap_waits",
	[TOY_HS_BUSY]		= "kmap_busy",
	[TOY_HS_NOMEM]		= "kmap_nomem",
	[TOY_HS_LOCAL_MAP]	= "kmap_local",
	[TOY_HS_LOCAL_UNMAP]	= "kunmap_local",
	[TOY_HS_VMALLOC]	= "vmalloc",
	[TOY_HS_VMALLOC_FAIL]	= "vmalloc_fail",
	[TOY_HS_VFREE]		= "vfree",
};
EXPORT_SYMBOL_IF_KUNIT(toy_hm_stat_names);

static_assert(ARRAY_SIZE(toy_hm_stat_names) == TOY_NR_HM_STATS);

const char *const toy_hm_misuse_names[] = {
	[TOY_HM_KUNMAP_UNMAPPED] = "kunmap_unmapped",
	[TOY_HM_LOCAL_DEPTH]	= "kmap_local_too_deep",
	[TOY_HM_LOCAL_CPU_FULL]	= "kmap_local_cpu_full",
	[TOY_HM_LOCAL_ORDER]	= "kunmap_local_out_of_order",
	[TOY_HM_LOCAL_UNMAPPED]	= "kunmap_local_unmapped",
	[TOY_HM_FOREIGN]	= "foreign",
	[TOY_HM_BAD_VFREE]	= "bad_vfree",
};
EXPORT_SYMBOL_IF_KUNIT(toy_hm_misuse_names);

static_assert(ARRAY_SIZE(toy_hm_misuse_names) == TOY_NR_HM_MISUSE);

/*
 * Report a misuse of the API, refused by the caller. The first of each
 * class prints a line and a stack trace, like the buddy's reports; every
 * one is counted. @pfn is ULONG_MAX when there is no toy page to name.
 */
void toy_hm_report_misuse(struct toy_highmem *hm, enum toy_hm_misuse what,
			  unsigned long pfn)
{
	count_misuse(hm, what);
	if (test_and_set_bit(what, &hm->misuse_reported))
		return;
	if (pfn == ULONG_MAX)
		pr_err("highmem: %s; refused, nothing changed\n",
		       toy_hm_misuse_names[what]);
	else
		pr_err("highmem: %s: pfn %lu; refused, nothing changed\n",
		       toy_hm_misuse_names[what], pfn);
	dump_stack();
}

/* ==== The emulated i386 layout ==== */

/*
 * i386 without PAE: the PMD is folded into the page directory, so a PMD
 * maps 4 MiB (PGDIR_SHIFT 22) and a page table holds 1024 entries.
 */
#define I386_PMD_SIZE		SZ_4M
#define I386_PTRS_PER_PTE	1024
#define I386_MAX_IO_APICS	64	/* MAX_IO_APICS, apicdef.h, X86_32 */
#define I386_FIX_BTMAPS		512	/* TOTAL_FIX_BTMAPS: 64 slots x 8 */
#define I386_NR_CPUS_MAX	64	/* NR_CPUS_RANGE_END with X86_BIGSMP */
/*
 * sizeof(struct cpu_entry_area) of i386 in pages, cpu_entry_area.h and
 * processor.h: gdt 1, guard_entry_stack 1, entry_stack_page 1,
 * guard_doublefault_stack 1, doublefault_stack 1, tss_struct 5 (the
 * 104-byte x86_hw_tss and the x86_io_bitmap of two 2049-long bitmaps,
 * 16512 bytes, page aligned), debug_store 1, debug_store_buffers 32 (the
 * BTS and PEBS buffers, 16 pages each). 43 pages; gcc gives 176128 bytes
 * for the reference kernel's headers, with SMP and APICs as without.
 */
#define I386_CEA_PAGES		43

/**
 * toy_hm_config_for() - the config the toy emulates for a CPU count
 * @cfg: filled in.
 * @nr_cpus: CONFIG_NR_CPUS of the emulated kernel.
 *
 * The reference kernel of tests/i386 (tinyconfig plus
 * scripts/configs/i386-highmem.config) with NR_CPUS set to @nr_cpus. On
 * one CPU that is the reference itself: no SMP, and no APIC, since
 * X86_UP_APIC defaults to PCI_MSI and there is no PCI. More CPUs need
 * SMP, SMP turns X86_LOCAL_APIC on, and that turns X86_IO_APIC on (both
 * def_bool y in arch/x86/Kconfig). No PCI, PARAVIRT, ACPI or
 * DEBUG_KMAP_LOCAL, so no fixmap entry of theirs, either way.
 */
void toy_hm_config_for(struct toy_hm_config *cfg, unsigned int nr_cpus)
{
	cfg->nr_cpus = nr_cpus;
	cfg->local_apic = nr_cpus > 1;
	cfg->io_apic = nr_cpus > 1;
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_config_for);

/*
 * The fixmap indices, as enum fixed_addresses in fixmap.h counts them on
 * i386 with that config: FIX_HOLE, FIX_DBGP_BASE, FIX_EARLYCON_MEM_BASE,
 * FIX_APIC_BASE with a local APIC, MAX_IO_APICS entries with an I/O
 * APIC, then FIX_KMAP_BEGIN .. FIX_KMAP_END, KM_MAX_IDX per CPU; that is
 * __end_of_permanent_fixed_addresses. The 512 boot-time slots follow,
 * moved up to a multiple of 512 if they would cross a page table
 * (FIX_BTMAP_END's expression), then FIX_WP_TEST.
 */
static void derive_fixmap(struct toy_hm_layout *l)
{
	const struct toy_hm_config *cfg = &l->cfg;
	u32 idx = 3, perm;

	if (cfg->local_apic)
		idx++;
	if (cfg->io_apic)
		idx += I386_MAX_IO_APICS;
	l->fix_kmap_begin = idx;
	l->fix_kmap_end = idx + TOY_KM_MAX_IDX * cfg->nr_cpus - 1;
	perm = l->fix_kmap_end + 1;
	l->fix_permanent = perm;
	if ((perm ^ (perm + I386_FIX_BTMAPS - 1)) & -I386_PTRS_PER_PTE)
		l->fix_btmap_end = perm + I386_FIX_BTMAPS -
				   (perm & (I386_FIX_BTMAPS - 1));
	else
		l->fix_btmap_end = perm;
	l->fix_end = l->fix_btmap_end + I386_FIX_BTMAPS + 1;
}

/**
 * toy_hm_layout_derive() - the emulated i386 layout of a config
 * @l: filled in.
 * @cfg: the config, as toy_hm_config_for() makes it or any other.
 *
 * pgtable_32_areas.h and fixmap.h of 6.1, for i386 without PAE, with
 * HIGHMEM and the 3G/1G split, computed top down:
 *
 *	FIXADDR_TOT_START   = __FIXADDR_TOP - (__end_of_fixed_addresses << 12)
 *	CPU_ENTRY_AREA_BASE = (FIXADDR_TOT_START - 4K * (CPU_ENTRY_AREA_PAGES
 *			      + 1)) & PMD_MASK	(the +1: the read-only IDT)
 *	LDT_BASE_ADDR	    = (CPU_ENTRY_AREA_BASE - 4K) & PMD_MASK
 *	PKMAP_BASE	    = (LDT_BASE_ADDR - 4K) & PMD_MASK
 *	VMALLOC_END	    = PKMAP_BASE - 2 * 4K
 *	MAXMEM		    = VMALLOC_END - PAGE_OFFSET - __VMALLOC_RESERVE
 *
 * where CPU_ENTRY_AREA_PAGES is NR_CPUS * 43. With one CPU and no APIC
 * (the reference): 532 fixmap entries, FIXADDR_TOT_START 0xffdeb000, 44
 * pages below it rounded down to 0xffc00000, LDT 0xff800000, PKMAP_BASE
 * 0xff400000. The 4 MiB steps absorb the CPUs up to 7; 8 push PKMAP_BASE
 * down 4 MiB. high_memory is that of a machine with MAXMEM of RAM or
 * more, __VMALLOC_RESERVE the default 128 MiB (no vmalloc= option).
 *
 * Return: 0; -EINVAL for no CPU, more than 65536, an I/O APIC without a
 * local one (Kconfig allows none), or so many CPUs that the fixmap and
 * cpu_entry_area leave no direct map (3823 or more).
 */
int toy_hm_layout_derive(struct toy_hm_layout *l,
			 const struct toy_hm_config *cfg)
{
	s64 tot, cea, ldt, pkmap, maxmem;

	if (!cfg->nr_cpus || cfg->nr_cpus > SZ_64K ||
	    (cfg->io_apic && !cfg->local_apic))
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	l->cfg = *cfg;
	derive_fixmap(l);
	l->cea_pages = I386_CEA_PAGES * cfg->nr_cpus;

	/* In s64: with thousands of CPUs these go below 0. */
	tot = (s64)TOY_FIXADDR_TOP - ((s64)l->fix_end << 12);
	cea = round_down(tot - SZ_4K * ((s64)l->cea_pages + 1), I386_PMD_SIZE);
	ldt = round_down(cea - SZ_4K, I386_PMD_SIZE);
	pkmap = round_down(ldt - SZ_4K, I386_PMD_SIZE);
	maxmem = pkmap - 2 * SZ_4K - TOY_PAGE_OFFSET - TOY_VMALLOC_RESERVE;
	if (maxmem <= 0)
		return -EINVAL;

	l->fixaddr_start = TOY_FIXADDR_TOP - (l->fix_permanent << 12);
	l->fixaddr_tot_start = tot;
	l->cea_base = cea;
	l->ldt_base = ldt;
	l->pkmap_base = pkmap;
	l->vmalloc_end = pkmap - 2 * SZ_4K;
	l->maxmem = maxmem;
	l->high_memory = TOY_PAGE_OFFSET + l->maxmem;
	l->vmalloc_start = l->high_memory + TOY_VMALLOC_OFFSET;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_layout_derive);

/* ==== page_address_htable ==== */

static struct toy_pa_slot *page_slot(struct toy_highmem *hm,
				     const struct toy_page *page)
{
	return &hm->htable[hash_ptr(page, TOY_PA_HASH_ORDER)];
}

/*
 * The mapping of @page, or NULL. A mapping is added and removed only under
 * kmap_lock, so with kmap_lock held the result stays valid; without it
 * only what was read under the bucket lock is.
 */
static struct toy_pam *pam_lookup(struct toy_highmem *hm,
				  const struct toy_page *page)
{
	struct toy_pa_slot *pas = page_slot(hm, page);
	struct toy_pam *pam, *found = NULL;
	unsigned long flags;

	spin_lock_irqsave(&pas->lock, flags);
	list_for_each_entry(pam, &pas->lh, list) {
		if (pam->page == page) {
			found = pam;
			break;
		}
	}
	spin_unlock_irqrestore(&pas->lock, flags);
	return found;
}

/* set_page_address(page, virtual) */
static void pam_hash(struct toy_highmem *hm, struct toy_pam *pam)
	__must_hold(&hm->kmap_lock)
{
	struct toy_pa_slot *pas = page_slot(hm, pam->page);
	unsigned long flags;

	lockdep_assert_held(&hm->kmap_lock);
	spin_lock_irqsave(&pas->lock, flags);
	list_add_tail(&pam->list, &pas->lh);
	spin_unlock_irqrestore(&pas->lock, flags);
}

/* set_page_address(page, NULL) */
static void pam_unhash(struct toy_highmem *hm, struct toy_pam *pam)
	__must_hold(&hm->kmap_lock)
{
	struct toy_pa_slot *pas = page_slot(hm, pam->page);
	unsigned long flags;

	lockdep_assert_held(&hm->kmap_lock);
	spin_lock_irqsave(&pas->lock, flags);
	list_del_init(&pam->list);
	spin_unlock_irqrestore(&pas->lock, flags);
}

/* A mapping with its real vmap, not yet in a slot. May sleep. */
static struct toy_pam *pam_new(struct toy_highmem *hm, struct toy_page *page)
{
	struct page *real = toy_node_real_page(hm->node, page);
	struct toy_pam *pam = kmalloc(sizeof(*pam), GFP_KERNEL);

	if (!pam)
		return NULL;
	pam->virtual = vmap(&real, 1, VM_MAP, PAGE_KERNEL);
	if (!pam->virtual) {
		kfree(pam);
		return NULL;
	}
	INIT_LIST_HEAD(&pam->list);
	pam->page = page;
	pam->slot = 0;
	return pam;
}

/* Tear down a mapping no one can reach any more. May sleep. */
static void pam_free(struct toy_pam *pam)
{
	vunmap(pam->virtual);
	kfree(pam);
}

static void pam_free_list(struct list_head *zap)
{
	struct toy_pam *pam, *next;

	list_for_each_entry_safe(pam, next, zap, list) {
		list_del(&pam->list);
		pam_free(pam);
	}
}

/* ==== kmap: the pkmap window ==== */

/*
 * Take one more reference on @slot. 1 -> 2 makes the slot busy again; a
 * count below 2 afterwards is a bug of this file (the kernel BUG()s).
 */
static void slot_get(struct toy_highmem *hm, unsigned int slot)
	__must_hold(&hm->kmap_lock)
{
	lockdep_assert_held(&hm->kmap_lock);
	if (++hm->pkmap_count[slot] == 2)
		hm->nr_busy++;
	WARN_ON_ONCE(hm->pkmap_count[slot] < 2);
}

/*
 * flush_all_zero_pkmaps(): every slot with count 1 (free, still mapped)
 * becomes 0 (free, flushed) and its page loses its address. The kernel
 * clears the PTEs here and flushes the TLB once; the toy moves the real
 * mappings to @zap, which the caller unmaps after dropping kmap_lock.
 */
static void flush_all_zero_pkmaps(struct toy_highmem *hm,
				  struct list_head *zap)
	__must_hold(&hm->kmap_lock)
{
	unsigned int i;

	lockdep_assert_held(&hm->kmap_lock);
	count_event(hm, TOY_HS_FLUSH);
	for (i = 0; i < hm->nr_slots; i++) {
		struct toy_pam *pam = hm->pam[i];

		if (hm->pkmap_count[i] != 1)
			continue;
		hm->pkmap_count[i] = 0;
		hm->pam[i] = NULL;
		if (WARN_ON_ONCE(!pam))		/* BUG_ON(pte_none()) */
			continue;
		pam_unhash(hm, pam);
		list_add_tail(&pam->list, zap);
		count_event(hm, TOY_HS_FLUSHED);
	}
}

/*
 * Sleep until a kunmap() frees a slot, as map_new_virtual() does: on the
 * wait queue before dropping kmap_lock, so the wake-up cannot be missed.
 */
static void wait_for_slot(struct toy_highmem *hm)
	__must_hold(&hm->kmap_lock)
{
	DECLARE_WAITQUEUE(wait, current);

	count_event(hm, TOY_HS_WAIT);
	__set_current_state(TASK_UNINTERRUPTIBLE);
	add_wait_queue(&hm->pkmap_map_wait, &wait);
	spin_unlock(&hm->kmap_lock);
	schedule();
	remove_wait_queue(&hm->pkmap_map_wait, &wait);
	spin_lock(&hm->kmap_lock);
}

/*
 * map_new_virtual(): find a free slot for @page and give it @pam. The scan
 * starts after last_pkmap_nr (get_next_pkmap_nr(), with "% nr_slots" for
 * "& LAST_PKMAP_MASK" so that any slot count works), flushes when it
 * wraps to 0, and after nr_slots busy slots sleeps if @may_wait, else
 * gives up with -EBUSY. Return: the slot now holding @page; if the caller
 * slept and someone else mapped @page meanwhile, that slot, with @pam
 * left unused.
 */
static int map_new_virtual(struct toy_highmem *hm, struct toy_page *page,
			   struct toy_pam *pam, bool may_wait,
			   struct list_head *zap)
	__must_hold(&hm->kmap_lock)
{
	unsigned int count, nr;
	struct toy_pam *other;

	lockdep_assert_held(&hm->kmap_lock);
start:
	count = hm->nr_slots;
	for (;;) {
		nr = (hm->last_pkmap_nr + 1) % hm->nr_slots;
		hm->last_pkmap_nr = nr;
		if (nr == 0) {			/* no_more_pkmaps() */
			flush_all_zero_pkmaps(hm, zap);
			count = hm->nr_slots;
		}
		if (!hm->pkmap_count[nr])
			break;			/* found a usable entry */
		if (--count)
			continue;
		if (!may_wait)
			return -EBUSY;
		wait_for_slot(hm);
		/* Somebody else might have mapped it while we slept. */
		other = pam_lookup(hm, page);
		if (other)
			return other->slot;
		goto start;
	}
	pam->slot = nr;
	hm->pkmap_count[nr] = 1;
	hm->pam[nr] = pam;
	pam_hash(hm, pam);
	count_event(hm, TOY_HS_NEW);
	return nr;
}

/* kmap_high()'s fast path: the page has a slot, take it again. */
static void *kmap_existing(struct toy_highmem *hm, struct toy_page *page)
	__must_hold(&hm->kmap_lock)
{
	struct toy_pam *pam = pam_lookup(hm, page);

	if (!pam)
		return NULL;
	slot_get(hm, pam->slot);
	return pam->virtual;
}

/*
 * kmap(): a Normal page's direct address, or a HighMem page's slot. The
 * real vmap for a new slot is made before kmap_lock is taken (it may
 * sleep) and dropped if the page turns out to have a slot by then. With
 * @may_wait false a full window gives -EBUSY and changes nothing.
 */
static void *kmap_page(struct toy_highmem *hm, struct toy_page *page,
		       bool may_wait)
{
	struct toy_pam *mine;
	LIST_HEAD(zap);
	void *addr;
	int slot;

	might_sleep();
	if (!toy_page_is_highmem(page)) {
		count_event(hm, TOY_HS_KMAP_LOW);
		return direct_address(hm, page);
	}
	spin_lock(&hm->kmap_lock);
	addr = kmap_existing(hm, page);
	spin_unlock(&hm->kmap_lock);
	if (addr)
		goto out;

	mine = pam_new(hm, page);
	if (!mine) {
		count_event(hm, TOY_HS_NOMEM);
		return ERR_PTR(-ENOMEM);
	}
	spin_lock(&hm->kmap_lock);
	addr = kmap_existing(hm, page);
	if (!addr && !may_wait && hm->nr_busy == hm->nr_slots)
		addr = ERR_PTR(-EBUSY);
	if (!addr) {
		slot = map_new_virtual(hm, page, mine, may_wait, &zap);
		if (slot < 0) {
			addr = ERR_PTR(slot);
		} else {
			slot_get(hm, slot);
			addr = hm->pam[slot]->virtual;
			if (hm->pam[slot] == mine)
				mine = NULL;
		}
	}
	spin_unlock(&hm->kmap_lock);
	if (mine)
		pam_free(mine);
	pam_free_list(&zap);
	if (IS_ERR(addr)) {
		count_event(hm, TOY_HS_BUSY);
		return addr;
	}
out:
	count_event(hm, TOY_HS_KMAP);
	return addr;
}

/*
 * kunmap_high(): one user less. A count that reaches 1 leaves the slot
 * free but mapped, and wakes a waiting kmap(). -EINVAL, nothing changed,
 * for a page without a kmap user.
 */
int toy_hm_kunmap_page(struct toy_highmem *hm, struct toy_page *page)
{
	bool need_wakeup = false;
	struct toy_pam *pam;
	int *count;

	might_sleep();
	if (!toy_page_is_highmem(page))
		return 0;
	spin_lock(&hm->kmap_lock);
	pam = pam_lookup(hm, page);
	if (!pam || hm->pkmap_count[pam->slot] < 2) {
		spin_unlock(&hm->kmap_lock);
		return -EINVAL;
	}
	count = &hm->pkmap_count[pam->slot];
	if (--*count == 1) {
		hm->nr_busy--;
		/*
		 * Waiters join the queue with kmap_lock held, so with it
		 * held here the queue cannot gain one unseen.
		 */
		need_wakeup = waitqueue_active(&hm->pkmap_map_wait);
	}
	spin_unlock(&hm->kmap_lock);
	count_event(hm, TOY_HS_KUNMAP);
	if (need_wakeup)
		wake_up(&hm->pkmap_map_wait);
	return 0;
}

/**
 * toy_hm_kmap() - toy_kmap() on one instance
 * @hm: the instance.
 * @page: a page of @hm's node.
 *
 * Context: Process context; may sleep, waiting for a slot.
 * Return: the page's data address, or NULL if @page is not of the node
 * (reported) or there was no memory for the real mapping.
 */
void *toy_hm_kmap(struct toy_highmem *hm, struct toy_page *page)
{
	void *addr;

	if (!page_of_node(hm, page)) {
		toy_hm_report_misuse(hm, TOY_HM_FOREIGN, ULONG_MAX);
		return NULL;
	}
	addr = kmap_page(hm, page, true);
	return IS_ERR(addr) ? NULL : addr;
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_kmap);

/**
 * toy_hm_kmap_nowait() - toy_hm_kmap() that does not wait for a slot
 * @hm: the instance.
 * @page: a page of @hm's node.
 *
 * Context: Process context; may sleep for the real vmap, never for a slot.
 * Return: the page's data address; ERR_PTR(-EBUSY) if every slot is in use
 * (nothing changed), -ENOMEM if the real mapping could not be made,
 * -EINVAL if @page is not of the node.
 */
void *toy_hm_kmap_nowait(struct toy_highmem *hm, struct toy_page *page)
{
	if (!page_of_node(hm, page))
		return ERR_PTR(-EINVAL);
	return kmap_page(hm, page, false);
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_kmap_nowait);

/**
 * toy_hm_kunmap() - toy_kunmap() on one instance
 * @hm: the instance.
 * @page: the page given to toy_hm_kmap().
 *
 * Context: Process context.
 * Return: 0, or -EINVAL (reported, nothing changed) if @page has no kmap
 * user or is not of the node.
 */
int toy_hm_kunmap(struct toy_highmem *hm, struct toy_page *page)
{
	if (!page_of_node(hm, page)) {
		toy_hm_report_misuse(hm, TOY_HM_FOREIGN, ULONG_MAX);
		return -EINVAL;
	}
	if (toy_hm_kunmap_page(hm, page)) {
		toy_hm_report_misuse(hm, TOY_HM_KUNMAP_UNMAPPED, page_pfn(hm, page));
		return -EINVAL;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_kunmap);

/**
 * toy_hm_page_address() - page_address() on one instance
 * @hm: the instance.
 * @page: a page of @hm's node.
 *
 * Context: Any context.
 * Return: a Normal page's direct address; a HighMem page's kmap address
 * from the time it takes a slot until the flush that frees the slot
 * (through any kunmap() in between), else NULL.
 */
void *toy_hm_page_address(struct toy_highmem *hm, const struct toy_page *page)
{
	struct toy_pa_slot *pas;
	struct toy_pam *pam;
	unsigned long flags;
	void *ret = NULL;

	if (!toy_page_is_highmem(page))
		return direct_address(hm, page);
	pas = page_slot(hm, page);
	spin_lock_irqsave(&pas->lock, flags);
	list_for_each_entry(pam, &pas->lh, list) {
		if (pam->page == page) {
			ret = pam->virtual;
			break;
		}
	}
	spin_unlock_irqrestore(&pas->lock, flags);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_page_address);

/**
 * toy_hm_pkmap_vaddr() - the emulated address of a page's pkmap slot
 * @hm: the instance.
 * @page: a HighMem page of @hm's node.
 *
 * Context: Any context.
 * Return: PKMAP_BASE + slot * PAGE_SIZE while the page has a slot, else 0.
 */
u32 toy_hm_pkmap_vaddr(struct toy_highmem *hm, const struct toy_page *page)
{
	struct toy_pa_slot *pas = page_slot(hm, page);
	struct toy_pam *pam;
	unsigned long flags;
	u32 ret = 0;

	spin_lock_irqsave(&pas->lock, flags);
	list_for_each_entry(pam, &pas->lh, list) {
		if (pam->page == page) {
			ret = pkmap_addr(hm, pam->slot);
			break;
		}
	}
	spin_unlock_irqrestore(&pas->lock, flags);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_pkmap_vaddr);

/**
 * toy_hm_pkmap_count() - a slot's count
 * @hm: the instance.
 * @slot: 0 .. nr_slots - 1.
 *
 * Context: Process context.
 * Return: 0 free and flushed, 1 free but not flushed, n: n - 1 users; -1
 * for a slot out of range.
 */
int toy_hm_pkmap_count(struct toy_highmem *hm, unsigned int slot)
{
	int count;

	if (slot >= hm->nr_slots)
		return -1;
	spin_lock(&hm->kmap_lock);
	count = hm->pkmap_count[slot];
	spin_unlock(&hm->kmap_lock);
	return count;
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_pkmap_count);

/* ==== kmap_local: a stack per task ==== */

/* How many of the first @n entries of @st are @owner's. */
static unsigned int owner_count(const struct toy_kmap_local *st,
				const void *owner, unsigned int n)
{
	unsigned int i, depth = 0;

	for (i = 0; i < n; i++)
		depth += st->entry[i].owner == owner;
	return depth;
}

/* How many local mappings @owner holds in @st: its next index. */
static unsigned int owner_depth(const struct toy_kmap_local *st,
				const void *owner)
{
	return owner_count(st, owner, st->nr);
}

/* The entry of @owner's newest mapping, or -1. */
int toy_hm_local_top(const struct toy_kmap_local *st, const void *owner)
{
	int i;

	for (i = st->nr - 1; i >= 0; i--)
		if (st->entry[i].owner == owner)
			return i;
	return -1;
}

/*
 * kmap_local_idx_push(): @owner's next index for @page; -E2BIG when
 * @owner holds TOY_KMAP_LOCAL_MAX already, -ENOSPC if the CPU has no
 * entry left for it. The kernel's push is
 *
 *	current->kmap_ctrl.idx += KM_INCR;
 *	BUG_ON(current->kmap_ctrl.idx >= KM_MAX_IDX);
 *	return current->kmap_ctrl.idx - 1;
 *
 * so the push that would return index 15 (the 16th level) BUG()s.
 */
int toy_hm_local_push(struct toy_kmap_local *st, const void *owner,
		      struct toy_page *page, unsigned int cpu)
{
	unsigned int depth = owner_depth(st, owner);
	struct toy_kmap_local_entry *e;

	if (depth >= TOY_KMAP_LOCAL_MAX)
		return -E2BIG;
	if (st->nr >= ARRAY_SIZE(st->entry))
		return -ENOSPC;
	e = &st->entry[st->nr++];
	e->owner = owner;
	e->page = page;
	e->idx = depth;
	e->cpu = cpu;
	return depth;
}

/*
 * Undo @owner's newest mapping if it maps @page: 0. Otherwise nothing
 * changes: -EINVAL if @page is mapped deeper (out of order), -ENOENT if
 * @owner has no local mapping of it.
 */
int toy_hm_local_pop(struct toy_kmap_local *st, const void *owner,
		     const struct toy_page *page)
{
	int top = toy_hm_local_top(st, owner), i;

	if (top < 0)
		return -ENOENT;
	if (st->entry[top].page != page) {
		for (i = top - 1; i >= 0; i--)
			if (st->entry[i].owner == owner &&
			    st->entry[i].page == page)
				return -EINVAL;
		return -ENOENT;
	}
	memmove(&st->entry[top], &st->entry[top + 1],
		(st->nr - top - 1) * sizeof(st->entry[0]));
	st->nr--;
	return 0;
}

/**
 * toy_hm_kmap_local() - toy_kmap_local_page() on one instance
 * @hm: the instance.
 * @page: a page of @hm's node.
 *
 * A HighMem page is pushed on the calling task's stack on this CPU, with
 * migration disabled until the matching unmap, as __kmap_local_pfn_prot()
 * does; the push itself runs with interrupts off, since it is more than
 * the kernel's one increment.
 *
 * Context: Any context.
 * Return: the page's data address (its real direct-map address), or NULL
 * (reported) for a 16th level (the kernel BUG()s), a full CPU or a page
 * not of the node.
 */
void *toy_hm_kmap_local(struct toy_highmem *hm, struct toy_page *page)
{
	unsigned long flags;
	int depth;

	if (!page_of_node(hm, page)) {
		toy_hm_report_misuse(hm, TOY_HM_FOREIGN, ULONG_MAX);
		return NULL;
	}
	if (!toy_page_is_highmem(page))
		return direct_address(hm, page);
	migrate_disable();
	local_irq_save(flags);
	depth = toy_hm_local_push(this_cpu_ptr(hm->local), current, page,
				  smp_processor_id());
	local_irq_restore(flags);
	if (depth < 0) {
		migrate_enable();
		toy_hm_report_misuse(hm, depth == -E2BIG ? TOY_HM_LOCAL_DEPTH :
				     TOY_HM_LOCAL_CPU_FULL, page_pfn(hm, page));
		return NULL;
	}
	count_event(hm, TOY_HS_LOCAL_MAP);
	return direct_address(hm, page);
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_kmap_local);

/**
 * toy_hm_kunmap_local() - toy_kunmap_local() on one instance
 * @hm: the instance.
 * @addr: an address inside a page mapped by toy_hm_kmap_local().
 *
 * Context: The context that made the mapping.
 * Return: 0; -EINVAL if it is not the task's newest local mapping,
 * -ENOENT if the task has no local mapping of that page, -EFAULT if @addr
 * is not in the node's memory. Those are reported and change nothing.
 */
int toy_hm_kunmap_local(struct toy_highmem *hm, const void *addr)
{
	struct toy_page *page = toy_node_virt_to_page(hm->node, addr);
	unsigned long flags;
	int err;

	if (!page) {
		toy_hm_report_misuse(hm, TOY_HM_FOREIGN, ULONG_MAX);
		return -EFAULT;
	}
	if (!toy_page_is_highmem(page))
		return 0;
	local_irq_save(flags);
	err = toy_hm_local_pop(this_cpu_ptr(hm->local), current, page);
	local_irq_restore(flags);
	if (err) {
		toy_hm_report_misuse(hm, err == -EINVAL ? TOY_HM_LOCAL_ORDER :
				     TOY_HM_LOCAL_UNMAPPED, page_pfn(hm, page));
		return err;
	}
	count_event(hm, TOY_HS_LOCAL_UNMAP);
	migrate_enable();
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_kunmap_local);

/**
 * toy_hm_local_depth() - local mappings the calling task holds on this CPU
 * @hm: the instance.
 *
 * Context: Any context.
 * Return: the depth of the task's stack, 0 .. %TOY_KMAP_LOCAL_MAX.
 */
unsigned int toy_hm_local_depth(struct toy_highmem *hm)
{
	unsigned long flags;
	unsigned int depth;

	local_irq_save(flags);
	depth = owner_depth(this_cpu_ptr(hm->local), current);
	local_irq_restore(flags);
	return depth;
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_local_depth);

/* ==== An instance: setting up and tearing down ==== */

static int check_node(struct toy_highmem *hm, struct toy_node *node)
{
	unsigned long low = toy_node_lowmem_pages(node);
	unsigned long high = node->zones[TOY_ZONE_HIGHMEM].nr_pages;
	u32 maxmem = hm->layout.maxmem;

	if (low > (maxmem >> PAGE_SHIFT)) {
		pr_err("highmem: node %d: a lowmem of %lu MiB does not fit the emulated direct map of %u MiB\n",
		       node->nid, low >> (20 - PAGE_SHIFT), mib(maxmem));
		return -EINVAL;
	}
	if (high > ((0x100000000ULL - maxmem) >> PAGE_SHIFT)) {
		pr_err("highmem: node %d: a HighMem zone of %lu MiB does not fit under 4 GiB\n",
		       node->nid, high >> (20 - PAGE_SHIFT));
		return -EINVAL;
	}
	return 0;
}

/**
 * toy_hm_init() - set up the highmem of a node
 * @hm: the instance to set up.
 * @node: a node made by toy_node_init(); it must outlive @hm.
 * @nr_slots: slots of the kmap window, 1 .. %TOY_LAST_PKMAP.
 *
 * The emulated layout is derived for nr_cpu_ids CPUs
 * (toy_hm_config_for()).
 *
 * Context: Process context; may sleep.
 * Return: 0, -EINVAL for a bad slot count, more CPUs than the emulated
 * layout has room for, or a node too big for it (a line says why),
 * -ENOMEM.
 */
int toy_hm_init(struct toy_highmem *hm, struct toy_node *node,
		unsigned int nr_slots)
{
	struct toy_hm_config cfg;
	int err, i;

	memset(hm, 0, sizeof(*hm));
	if (!nr_slots || nr_slots > TOY_LAST_PKMAP) {
		pr_err("highmem: pkmap_slots=%u: the window holds 1 to %u slots\n",
		       nr_slots, TOY_LAST_PKMAP);
		return -EINVAL;
	}
	toy_hm_config_for(&cfg, nr_cpu_ids);
	if (toy_hm_layout_derive(&hm->layout, &cfg)) {
		pr_err("highmem: %u CPUs: the fixmap and cpu_entry_area of an i386 kernel with NR_CPUS=%u leave no direct map\n",
		       nr_cpu_ids, nr_cpu_ids);
		return -EINVAL;
	}
	err = check_node(hm, node);
	if (err)
		return err;
	hm->node = node;
	hm->nr_slots = nr_slots;
	spin_lock_init(&hm->kmap_lock);
	init_waitqueue_head(&hm->pkmap_map_wait);
	for (i = 0; i < ARRAY_SIZE(hm->htable); i++) {
		INIT_LIST_HEAD(&hm->htable[i].lh);
		spin_lock_init(&hm->htable[i].lock);
	}
	spin_lock_init(&hm->vmap_lock);
	INIT_LIST_HEAD(&hm->vmap_areas);
	hm->pkmap_count = kcalloc(nr_slots, sizeof(*hm->pkmap_count), GFP_KERNEL);
	hm->pam = kcalloc(nr_slots, sizeof(*hm->pam), GFP_KERNEL);
	hm->local = alloc_percpu(struct toy_kmap_local);
	if (!hm->pkmap_count || !hm->pam || !hm->local) {
		free_percpu(hm->local);
		kfree(hm->pam);
		kfree(hm->pkmap_count);
		hm->pkmap_count = NULL;
		return -ENOMEM;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_init);

/* What is still mapped or allocated, for the report at teardown. */
struct hm_live {
	unsigned int kmap_slots;	/* slots with users */
	unsigned int kmap_users;
	unsigned int local;		/* local mappings of all CPUs */
	unsigned int areas;
	unsigned long area_pages;
};

static void count_live(struct toy_highmem *hm, struct hm_live *live)
{
	struct toy_vm_area *a;
	unsigned int i;
	int cpu;

	memset(live, 0, sizeof(*live));
	spin_lock(&hm->kmap_lock);
	for (i = 0; i < hm->nr_slots; i++) {
		if (hm->pkmap_count[i] < 2)
			continue;
		live->kmap_slots++;
		live->kmap_users += hm->pkmap_count[i] - 1;
	}
	spin_unlock(&hm->kmap_lock);
	for_each_possible_cpu(cpu)
		live->local += READ_ONCE(per_cpu_ptr(hm->local, cpu)->nr);
	spin_lock(&hm->vmap_lock);
	list_for_each_entry(a, &hm->vmap_areas, list) {
		live->areas++;
		live->area_pages += a->nr_pages;
	}
	spin_unlock(&hm->vmap_lock);
}

/**
 * toy_hm_destroy() - tear down everything of an instance
 * @hm: the instance; no one may use it any more.
 *
 * kmaps, local mappings and vmalloc areas still live are reported by
 * count, then every real mapping is unmapped and every vmalloc page given
 * back to the node, which must still exist.
 *
 * Context: Process context; may sleep.
 */
void toy_hm_destroy(struct toy_highmem *hm)
{
	struct toy_vm_area *a, *next;
	struct hm_live live;
	LIST_HEAD(zap);
	unsigned int i;

	if (!hm->pkmap_count)
		return;
	count_live(hm, &live);
	if (live.kmap_slots || live.local || live.areas)
		pr_warn("highmem: node %d: torn down with %u kmap users on %u slots, %u local mappings, %u vmalloc areas (%lu pages) live\n",
			hm->node->nid, live.kmap_users, live.kmap_slots,
			live.local, live.areas, live.area_pages);
	spin_lock(&hm->kmap_lock);
	for (i = 0; i < hm->nr_slots; i++) {
		if (!hm->pam[i])
			continue;
		pam_unhash(hm, hm->pam[i]);
		list_add_tail(&hm->pam[i]->list, &zap);
		hm->pam[i] = NULL;
		hm->pkmap_count[i] = 0;
	}
	hm->nr_busy = 0;
	spin_unlock(&hm->kmap_lock);
	pam_free_list(&zap);
	list_for_each_entry_safe(a, next, &hm->vmap_areas, list) {
		list_del(&a->list);
		toy_hm_vfree_area(hm, a);
	}
	free_percpu(hm->local);
	kfree(hm->pam);
	kfree(hm->pkmap_count);
	hm->pkmap_count = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_destroy);

/* ==== The public API, on the module's node ==== */

void *toy_kmap(struct toy_page *page)
{
	return toy_hm_kmap(&toy_highmem0, page);
}
EXPORT_SYMBOL_GPL(toy_kmap);

void toy_kunmap(struct toy_page *page)
{
	toy_hm_kunmap(&toy_highmem0, page);
}
EXPORT_SYMBOL_GPL(toy_kunmap);

void *toy_kmap_local_page(struct toy_page *page)
{
	return toy_hm_kmap_local(&toy_highmem0, page);
}
EXPORT_SYMBOL_GPL(toy_kmap_local_page);

void toy_kunmap_local(const void *addr)
{
	toy_hm_kunmap_local(&toy_highmem0, addr);
}
EXPORT_SYMBOL_GPL(toy_kunmap_local);

static void atomic_section_begin(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		migrate_disable();
	else
		preempt_disable();
	pagefault_disable();
}

static void atomic_section_end(void)
{
	pagefault_enable();
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		migrate_enable();
	else
		preempt_enable();
}

void *toy_kmap_atomic(struct toy_page *page)
{
	void *addr;

	atomic_section_begin();
	addr = toy_kmap_local_page(page);
	if (!addr)
		atomic_section_end();
	return addr;
}
EXPORT_SYMBOL_GPL(toy_kmap_atomic);

void toy_kunmap_atomic(const void *addr)
{
	toy_kunmap_local(addr);
	atomic_section_end();
}
EXPORT_SYMBOL_GPL(toy_kunmap_atomic);

/**
 * toy_highmem_page_address() - page_address() of a page of the module's node
 * @page: a page of toy_node0.
 *
 * Context: Any context.
 * Return: as toy_hm_page_address(): for a HighMem page its kmap address
 * until the flush that frees its slot, else NULL.
 */
void *toy_highmem_page_address(const struct toy_page *page)
{
	if (!toy_highmem0.pkmap_count)		/* before init or after exit */
		return NULL;
	return toy_hm_page_address(&toy_highmem0, page);
}
EXPORT_SYMBOL_IF_KUNIT(toy_highmem_page_address);

/**
 * toy_page_address() - the kernel address of a toy page
 * @page: a page of the toy.
 *
 * A Normal page is directly mapped and always has an address. A HighMem
 * page has none, as on 32-bit x86, until toy_kmap() maps it, and loses it
 * again when its pkmap slot is flushed (page_address() with the kernel's
 * page_address_htable).
 *
 * Return: the address of the page's data, or NULL for an unmapped HighMem
 * page.
 */
void *toy_page_address(const struct toy_page *page)
{
	if (toy_page_is_highmem(page))
		return toy_highmem_page_address(page);
	return toy_lowmem_page_address(&toy_node0, page);
}
EXPORT_SYMBOL_GPL(toy_page_address);

/**
 * toy_hm_page_slot() - the pkmap slot of a page and its count
 * @hm: the instance.
 * @page: a page of @hm's node.
 * @count: gets the slot's count, 0 if there is no slot.
 *
 * Context: Process context.
 * Return: the slot, or -1 if @page has none.
 */
int toy_hm_page_slot(struct toy_highmem *hm, const struct toy_page *page,
		     int *count)
{
	struct toy_pam *pam;
	int slot = -1;

	*count = 0;
	spin_lock(&hm->kmap_lock);
	pam = pam_lookup(hm, page);
	if (pam) {
		slot = pam->slot;
		*count = hm->pkmap_count[slot];
	}
	spin_unlock(&hm->kmap_lock);
	return slot;
}

/* ==== validate ==== */

/* What a slot or a local entry may hold: a HighMem page of the node. */
static bool node_highmem(struct toy_highmem *hm, const struct toy_page *page)
{
	return page_of_node(hm, page) && toy_page_is_highmem(page);
}

/* Is the real mapping at @virtual live, and of @page? */
static bool maps_page(struct toy_highmem *hm, const void *virtual,
		      const struct toy_page *page)
{
	return is_vmalloc_addr(virtual) &&
	       vmalloc_to_page(virtual) == toy_node_real_page(hm->node, page);
}

/*
 * A slot against its mapping: count 0 has none; count 1 or more has one,
 * of a HighMem page of the node, whose real vmap is live and maps that
 * page, and which the address hash gives for the page. A page in two
 * slots shows here as the later slot's mapping not being the one the hash
 * gives; that the mapping names this slot is validate_hash()'s to check.
 */
static unsigned long validate_slot(struct toy_highmem *hm, unsigned int slot)
	__must_hold(&hm->kmap_lock)
{
	struct toy_pam *pam = hm->pam[slot], *found;
	int count = hm->pkmap_count[slot];
	unsigned long pfn;

	lockdep_assert_held(&hm->kmap_lock);
	if (count < 0 || (!count && pam) || (count && !pam)) {
		validate_err(hm, "pkmap slot %u: count %d, yet %s mapping", slot,
			     count, pam ? "a" : "no");
		return 1;
	}
	if (!count)
		return 0;
	if (!node_highmem(hm, pam->page)) {
		validate_err(hm, "pkmap slot %u: count %d, its page is no HighMem page of the node",
			     slot, count);
		return 1;
	}
	pfn = page_pfn(hm, pam->page);
	if (!maps_page(hm, pam->virtual, pam->page)) {
		validate_err(hm, "pkmap slot %u: pfn %lu: the real mapping is gone or maps another page",
			     slot, pfn);
		return 1;
	}
	found = pam_lookup(hm, pam->page);
	if (found == pam)
		return 0;
	if (found)
		validate_err(hm, "pkmap slot %u: pfn %lu is in slot %u too, the one the address hash gives",
			     slot, pfn, found->slot);
	else
		validate_err(hm, "pkmap slot %u: pfn %lu has no entry in the address hash",
			     slot, pfn);
	return 1;
}

/* Every mapping in the address hash is the one of the slot it names. */
static unsigned long validate_hash(struct toy_highmem *hm)
	__must_hold(&hm->kmap_lock)
{
	unsigned long errors = 0, flags;
	struct toy_pam *pam;
	unsigned int b;

	lockdep_assert_held(&hm->kmap_lock);
	for (b = 0; b < ARRAY_SIZE(hm->htable); b++) {
		struct toy_pa_slot *pas = &hm->htable[b];

		spin_lock_irqsave(&pas->lock, flags);
		list_for_each_entry(pam, &pas->lh, list) {
			if (pam->slot < hm->nr_slots && hm->pam[pam->slot] == pam)
				continue;
			validate_err(hm, "address hash: the mapping of pfn %lu names slot %u, which does not hold it",
				     page_pfn(hm, pam->page), pam->slot);
			errors++;
		}
		spin_unlock_irqrestore(&pas->lock, flags);
	}
	return errors;
}

/*
 * The window: last_pkmap_nr is a slot, every slot agrees with its mapping
 * and the hash holds no other, and the slots in use are nr_busy, so that
 * in use + unflushed + free, as the pkmap file derives free, is the total.
 */
static unsigned long validate_pkmap(struct toy_highmem *hm)
{
	unsigned int i, in_use = 0, unflushed = 0;
	unsigned long errors = 0;

	spin_lock(&hm->kmap_lock);
	if (hm->last_pkmap_nr >= hm->nr_slots) {
		validate_err(hm, "pkmap: last_pkmap_nr %u is not one of the %u slots",
			     hm->last_pkmap_nr, hm->nr_slots);
		errors++;
	}
	for (i = 0; i < hm->nr_slots; i++) {
		errors += validate_slot(hm, i);
		in_use += hm->pkmap_count[i] >= 2;
		unflushed += hm->pkmap_count[i] == 1;
	}
	errors += validate_hash(hm);
	if (in_use != hm->nr_busy) {
		validate_err(hm, "pkmap: %u slots in use, %u unflushed, %u free, but nr_busy says %u in use",
			     in_use, unflushed, hm->nr_slots - in_use - unflushed,
			     hm->nr_busy);
		errors++;
	}
	spin_unlock(&hm->kmap_lock);
	return errors;
}

/*
 * One CPU's local entries (a copy): within the array, each a HighMem page
 * of the node mapped on @cpu, and each task's entries numbered 0, 1, 2 ...
 * in the order they were made: a strict stack, at most TOY_KMAP_LOCAL_MAX
 * deep.
 */
static unsigned long validate_local(struct toy_highmem *hm,
				    const struct toy_kmap_local *st,
				    const char *who, unsigned int cpu)
{
	unsigned long errors = 0;
	unsigned int i, below;

	if (st->nr > ARRAY_SIZE(st->entry)) {
		validate_err(hm, "kmap_local %s: %u entries, room for %zu",
			     who, st->nr, ARRAY_SIZE(st->entry));
		return 1;
	}
	for (i = 0; i < st->nr; i++) {
		const struct toy_kmap_local_entry *e = &st->entry[i];

		if (!node_highmem(hm, e->page)) {
			validate_err(hm, "kmap_local %s: entry %u is no HighMem page of the node",
				     who, i);
			errors++;
			continue;
		}
		if (e->cpu != cpu) {
			validate_err(hm, "kmap_local %s: entry %u (pfn %lu) is in the fixmap slots of CPU %u",
				     who, i, page_pfn(hm, e->page), e->cpu);
			errors++;
		}
		below = owner_count(st, e->owner, i);
		if (e->idx != below || e->idx >= TOY_KMAP_LOCAL_MAX) {
			validate_err(hm, "kmap_local %s: entry %u (pfn %lu) at depth %u, its task holds %u below it (at most %u deep)",
				     who, i, page_pfn(hm, e->page), e->idx,
				     below, TOY_KMAP_LOCAL_MAX);
			errors++;
		}
	}
	return errors;
}

struct local_copy {
	struct toy_kmap_local *dst;
	const struct toy_kmap_local *src;
};

/* Run on the CPU that owns @arg's source, with interrupts off. */
static void copy_local(void *arg)
{
	struct local_copy *c = arg;

	*c->dst = *c->src;
}

/*
 * Each CPU's entries, copied to @st on that CPU with interrupts off, the
 * way they are changed. smp_call_function_single() fails only for a CPU
 * that is offline, where nothing runs that could change them.
 */
static unsigned long validate_locals(struct toy_highmem *hm,
				     struct toy_kmap_local *st)
{
	unsigned long errors = 0;
	char who[16];
	int cpu;

	cpus_read_lock();
	for_each_possible_cpu(cpu) {
		struct local_copy c = { st, per_cpu_ptr(hm->local, cpu) };

		if (smp_call_function_single(cpu, copy_local, &c, 1))
			copy_local(&c);
		snprintf(who, sizeof(who), "of CPU %d", cpu);
		errors += validate_local(hm, st, who, cpu);
	}
	cpus_read_unlock();
	return errors;
}

/* All of an instance; its emulated task's stack as entries of CPU 0. */
static unsigned long validate_instance(struct toy_highmem *hm)
{
	struct toy_kmap_local *st;
	unsigned long *seen, errors = 0;

	might_sleep();
	if (!hm->pkmap_count)		/* not set up, or torn down */
		return 0;
	st = kmalloc(sizeof(*st), GFP_KERNEL);
	seen = bitmap_zalloc(hm->node->nr_pages, GFP_KERNEL);
	if (!st || !seen) {
		pr_info("validate: node %d highmem: no memory to work in, skipped\n",
			hm->node->nid);
		goto out;
	}
	errors = validate_pkmap(hm);
	errors += validate_locals(hm, st);
	errors += toy_hm_validate_areas(hm, seen);
	if (hm->task) {
		spin_lock(&hm->task->lock);
		*st = hm->task->local;
		spin_unlock(&hm->task->lock);
		errors += validate_local(hm, st, "of the ctl file", 0);
	}
out:
	bitmap_free(seen);
	kfree(st);
	return errors;
}

/**
 * toy_hm_validate() - check an instance against itself
 * @hm: the instance.
 *
 * Checks that last_pkmap_nr is a slot; that each slot's count agrees with
 * its mapping, the page's entry in the address hash and the live real
 * vmap; that the hash holds no other mapping, so no page is in two slots;
 * that the slots in use are nr_busy; that every CPU's local entries are
 * within bounds, each task's a strict stack at most %TOY_KMAP_LOCAL_MAX
 * deep; that the vmalloc areas lie in order inside the emulated vmalloc area,
 * their sizes agree with their page counts, and their pages are allocated
 * order-0 pages of the node, each in one area only and no slab, that the
 * real mapping shows in order. Each inconsistency is printed once;
 * nothing is repaired.
 *
 * Context: Process context; may sleep. Takes kmap_lock and the hash
 * bucket locks, runs a function on each CPU, then takes vmap_lock.
 * Return: the number of inconsistencies found.
 */
unsigned long toy_hm_validate(struct toy_highmem *hm)
{
	return validate_instance(hm);
}
EXPORT_SYMBOL_IF_KUNIT(toy_hm_validate);

/**
 * toy_highmem_validate() - check the module's highmem
 *
 * toy_hm_validate() on the module's node, and the ctl file's kmap_local
 * stack as the local entries of CPU 0.
 *
 * Context: Process context; may sleep. The ctl mutex may be held.
 * Return: the number of inconsistencies found.
 */
unsigned long toy_highmem_validate(void)
{
	return validate_instance(&toy_highmem0);
}
EXPORT_SYMBOL_IF_KUNIT(toy_highmem_validate);

/* ==== debugfs: layout, pkmap ==== */

static void layout_row(struct seq_file *m, const char *name, u64 start,
		       u64 end, const char *what)
{
	u64 size = end - start;

	if (size >= SZ_1M)
		seq_printf(m, "%-18s 0x%08llx  0x%08llx  %5u MiB  %s\n", name,
			   start, end, mib(size), what);
	else
		seq_printf(m, "%-18s 0x%08llx  0x%08llx  %5llu KiB  %s\n", name,
			   start, end, size >> 10, what);
}

/* The config line: which kernel the numbers are those of. */
static void layout_config(struct seq_file *m, const struct toy_hm_config *cfg)
{
	seq_printf(m, "# for the config: i386 tinyconfig + i386-highmem.config, NR_CPUS=%u (the CPUs here), %s, %sX86_LOCAL_APIC, %sX86_IO_APIC; no PCI, PARAVIRT, ACPI, DEBUG_KMAP_LOCAL\n",
		   cfg->nr_cpus, cfg->nr_cpus > 1 ? "SMP" : "no SMP",
		   cfg->local_apic ? "" : "no ", cfg->io_apic ? "" : "no ");
	if (cfg->nr_cpus > I386_NR_CPUS_MAX)
		seq_printf(m, "# NR_CPUS=%u is more than an i386 kernel can have (%u, with X86_BIGSMP); the toy applies the headers' formulas all the same\n",
			   cfg->nr_cpus, I386_NR_CPUS_MAX);
}

/* The fixmap's names above the kmap_local slots, for @cfg. */
static const char *fixmap_top_names(const struct toy_hm_config *cfg)
{
	if (cfg->io_apic)
		return "FIX_HOLE, DBGP, EARLYCON, APIC, IO_APIC_BASE_0..63";
	if (cfg->local_apic)
		return "FIX_HOLE, DBGP, EARLYCON, APIC";
	return "FIX_HOLE, FIX_DBGP_BASE, FIX_EARLYCON_MEM_BASE";
}

/* From PKMAP_BASE up: the window, the LDT, cpu_entry_area, the fixmap. */
static void layout_top(struct seq_file *m, struct toy_highmem *hm)
{
	const struct toy_hm_layout *l = &hm->layout;
	u64 pkmap_end = l->pkmap_base + ((u64)TOY_LAST_PKMAP << PAGE_SHIFT);
	u32 cea_end = l->cea_base + ((l->cea_pages + 1) << PAGE_SHIFT);
	u32 boot = TOY_FIX_TO_VIRT(l->fix_end - 1);
	u32 kmap_lo = TOY_FIX_TO_VIRT(l->fix_kmap_end);
	u32 kmap_hi = TOY_FIX_TO_VIRT(l->fix_kmap_begin) + PAGE_SIZE;
	char what[80];

	snprintf(what, sizeof(what), "kmap window, %u of %u slots emulated",
		 hm->nr_slots, TOY_LAST_PKMAP);
	layout_row(m, "pkmap", l->pkmap_base, pkmap_end, what);
	layout_row(m, "ldt", l->ldt_base, l->ldt_base + I386_PMD_SIZE,
		   "LDT remap (not emulated)");
	snprintf(what, sizeof(what), "IDT page + %u pages x %u CPUs (not emulated)",
		 I386_CEA_PAGES, l->cfg.nr_cpus);
	layout_row(m, "cpu_entry_area", l->cea_base, cea_end, what);
	layout_row(m, "hole", cea_end, boot, "up to the fixmap");
	layout_row(m, "fixmap boot", boot, kmap_lo,
		   "FIX_BTMAP (early_ioremap), FIX_WP_TEST (not emulated)");
	snprintf(what, sizeof(what), "kmap_local: %u slots x %u CPUs, FIX_KMAP_BEGIN %u",
		 TOY_KM_MAX_IDX, l->cfg.nr_cpus, l->fix_kmap_begin);
	layout_row(m, "fixmap kmap", kmap_lo, kmap_hi, what);
	layout_row(m, "fixmap rest", kmap_hi, SZ_4G, fixmap_top_names(&l->cfg));
	seq_printf(m, "# FIXADDR_START 0x%08x, FIXADDR_TOT_START 0x%08x: FIXADDR_TOP less %u and %u fixmap entries\n",
		   l->fixaddr_start, l->fixaddr_tot_start, l->fix_permanent,
		   l->fix_end);
}

static void layout_table(struct seq_file *m, struct toy_highmem *hm)
{
	const struct toy_hm_layout *l = &hm->layout;
	unsigned long low_pages = toy_node_lowmem_pages(hm->node);
	struct toy_zone *high = &hm->node->zones[TOY_ZONE_HIGHMEM];
	char what[64];

	seq_puts(m, "# The emulated 32-bit address space: i386 Linux 6.1 and 6.12, HIGHMEM4G, no PAE, 3G/1G split\n");
	layout_config(m, &l->cfg);
	seq_puts(m, "# area              start       end          size       what\n");
	layout_row(m, "user", 0, TOY_PAGE_OFFSET, "user space, per process");
	layout_row(m, "lowmem", TOY_PAGE_OFFSET, l->high_memory,
		   "direct map: PAGE_OFFSET .. high_memory");
	snprintf(what, sizeof(what), "toy %s zone%s, pfns 0-%lu",
		 hm->node->zones[TOY_ZONE_DMA].nr_pages ? "DMA and Normal" : "Normal",
		 hm->node->zones[TOY_ZONE_DMA].nr_pages ? "s" : "", low_pages - 1);
	layout_row(m, "  toy Normal", TOY_PAGE_OFFSET,
		   TOY_PAGE_OFFSET + ((u64)low_pages << PAGE_SHIFT), what);
	layout_row(m, "hole", l->high_memory, l->vmalloc_start,
		   "VMALLOC_OFFSET");
	layout_row(m, "vmalloc", l->vmalloc_start, l->vmalloc_end,
		   "VMALLOC_START .. VMALLOC_END");
	layout_row(m, "hole", l->vmalloc_end, l->pkmap_base, "2 pages");
	layout_top(m, hm);
	seq_printf(m, "# physical: lowmem 0x00000000-0x%08x; HighMem from 0x%08x, toy HighMem zone pfns %lu-%lu = 0x%08x-0x%08llx\n",
		   l->maxmem, l->maxmem, high->start_pfn,
		   high->start_pfn + high->nr_pages - 1, l->maxmem,
		   l->maxmem + ((u64)high->nr_pages << PAGE_SHIFT));
}

/* The 4 GiB, top down, with the toy's numbers in it. */
static void layout_picture(struct seq_file *m, struct toy_highmem *hm)
{
	const struct toy_hm_layout *l = &hm->layout;
	unsigned long low_mb = toy_node_lowmem_pages(hm->node) >>
			       (20 - PAGE_SHIFT);
	unsigned long high_mb = hm->node->zones[TOY_ZONE_HIGHMEM].nr_pages >>
				(20 - PAGE_SHIFT);
	struct hm_live live;

	count_live(hm, &live);
	seq_puts(m, "\n");
	seq_puts(m, "        virtual (one process's view)            physical\n");
	seq_puts(m, "4 GiB +---------------------------------+\n");
	seq_printf(m, "      | fixmap: kmap_local %2u x %u CPUs  | 0x%08x\n",
		   TOY_KM_MAX_IDX, l->cfg.nr_cpus,
		   TOY_FIX_TO_VIRT(l->fix_kmap_end));
	seq_printf(m, "      | pkmap: %4u slots, %4u in use  | 0x%08x PKMAP_BASE\n",
		   hm->nr_slots, live.kmap_slots, l->pkmap_base);
	seq_printf(m, "      | vmalloc: %3u areas, %5lu pages | 0x%08x VMALLOC_START\n",
		   live.areas, live.area_pages, l->vmalloc_start);
	seq_printf(m, "      |- - - - - - - - - - - - - - - - -| 0x%08x high_memory  <- the \"896 MB\" line: %u MiB\n",
		   l->high_memory, mib(l->maxmem));
	seq_printf(m, "      | direct map of lowmem  %4u MiB  |   <=>  0x00000000-0x%08x (toy Normal: %lu MiB)\n",
		   mib(l->maxmem), l->maxmem, low_mb);
	seq_puts(m, "3 GiB +---------------------------------+ 0xc0000000 PAGE_OFFSET\n");
	seq_puts(m, "      | user space               3 GiB  |\n");
	seq_puts(m, "    0 +---------------------------------+ 0x00000000\n");
	seq_printf(m, "\nHighMem: physical 0x%08x and up (toy HighMem: %lu MiB) has no permanent address:\n",
		   l->maxmem, high_mb);
	seq_puts(m, "page_address() is NULL until kmap() (pkmap), kmap_local_page() (fixmap) or vmap (vmalloc) maps it.\n");
}

static int layout_show(struct seq_file *m, void *v)
{
	layout_table(m, &toy_highmem0);
	layout_picture(m, &toy_highmem0);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(layout);

/* One slot for the pkmap listing, copied under kmap_lock. */
struct slot_row {
	unsigned int slot;
	int count;
	unsigned long pfn;
};

static int pkmap_show(struct seq_file *m, void *v)
{
	struct toy_highmem *hm = &toy_highmem0;
	unsigned int i, n = 0, busy, last, unflushed = 0;
	struct slot_row *rows;
	int cpu;

	rows = kvcalloc(hm->nr_slots, sizeof(*rows), GFP_KERNEL);
	if (!rows)
		return -ENOMEM;
	spin_lock(&hm->kmap_lock);
	for (i = 0; i < hm->nr_slots; i++) {
		if (!hm->pkmap_count[i])
			continue;
		unflushed += hm->pkmap_count[i] == 1;
		rows[n].slot = i;
		rows[n].count = hm->pkmap_count[i];
		rows[n].pfn = hm->pam[i] ? page_pfn(hm, hm->pam[i]->page) : 0;
		n++;
	}
	busy = hm->nr_busy;
	last = hm->last_pkmap_nr;
	spin_unlock(&hm->kmap_lock);

	seq_puts(m, "# slot count vaddr pfn   (count: 1 free but not yet flushed, n: n-1 users)\n");
	for (i = 0; i < n; i++)
		seq_printf(m, "%4u %5d 0x%08x %lu\n", rows[i].slot, rows[i].count,
			   pkmap_addr(hm, rows[i].slot), rows[i].pfn);
	kvfree(rows);
	seq_printf(m, "slots %u\nin_use %u\nunflushed %u\nfree %u\nlast_pkmap_nr %u\n",
		   hm->nr_slots, busy, unflushed, hm->nr_slots - busy - unflushed,
		   last);
	for (i = 0; i < TOY_NR_HM_STATS; i++)
		seq_printf(m, "%s %lu\n", toy_hm_stat_names[i], toy_hm_stat(hm, i));
	for (i = 0; i < TOY_NR_HM_MISUSE; i++)
		seq_printf(m, "misuse_%s %ld\n", toy_hm_misuse_names[i],
			   atomic_long_read(&hm->misuse[i]));
	for_each_possible_cpu(cpu)
		seq_printf(m, "kmap_local_cpu%d %u\n", cpu,
			   READ_ONCE(per_cpu_ptr(hm->local, cpu)->nr));
	seq_printf(m, "kmap_local_ctl %u\n",
		   hm->task ? READ_ONCE(hm->task->local.nr) : 0);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pkmap);

/**
 * toy_highmem_debugfs_init() - create the highmem files
 * @root: the module's debugfs directory.
 */
void toy_highmem_debugfs_init(struct dentry *root)
{
	debugfs_create_file("layout", 0400, root, NULL, &layout_fops);
	debugfs_create_file("pkmap", 0400, root, NULL, &pkmap_fops);
}

/* ==== Load and unload ==== */

/**
 * toy_highmem_init() - set up the module's highmem on toy_node0
 * @nr_slots: pkmap_slots, the slots of the kmap window.
 *
 * Call after toy_node_init() made toy_node0.
 *
 * Context: Process context, module load.
 * Return: 0, or -EINVAL / -ENOMEM after a line why.
 */
int toy_highmem_init(unsigned int nr_slots)
{
	return toy_hm_init(&toy_highmem0, &toy_node0, nr_slots);
}

/**
 * toy_highmem_exit() - tear down the module's highmem
 *
 * Reports kmaps, local mappings and vmalloc areas still live, by count,
 * unmaps every real mapping and gives every vmalloc page back. Call after
 * the ctl file is gone and before toy_node_destroy().
 *
 * Context: Process context, module unload.
 */
void toy_highmem_exit(void)
{
	toy_hm_destroy(&toy_highmem0);
}
