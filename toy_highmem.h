/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The highmem layer's private header: the emulated i386 address space,
 * the pkmap window, the kmap_local stacks and the vmalloc areas of a node,
 * shared by toy_highmem.c (kmap, kmap_local, page_address), toy_vmalloc.c
 * and the layer's ctl verbs.
 */
#ifndef _TOY_HIGHMEM_H
#define _TOY_HIGHMEM_H

#include <linux/sizes.h>
#include <linux/wait.h>

#include "toy_internal.h"

/*
 * The emulated 32-bit address space: an i386 kernel of Linux 6.1 with
 * HIGHMEM4G, no PAE and the 3G/1G split. The numbers here are fixed;
 * those that move with the config (NR_CPUS and the APICs size the fixmap
 * and cpu_entry_area, and PKMAP_BASE and all below it follow) are derived
 * into struct toy_hm_layout by toy_hm_layout_derive(), as
 * pgtable_32_areas.h and fixmap.h compute them. All are 32-bit numbers,
 * never real addresses.
 */
#define TOY_PAGE_OFFSET		0xc0000000U	/* CONFIG_PAGE_OFFSET, 3G/1G */
#define TOY_LAST_PKMAP		1024		/* one page table, no PAE */
#define TOY_VMALLOC_OFFSET	(8U << 20)	/* hole after the direct map */
#define TOY_VMALLOC_RESERVE	(128U << 20)	/* __VMALLOC_RESERVE */
#define TOY_FIXADDR_TOP		0xfffff000U	/* __FIXADDR_TOP */
#define TOY_KM_MAX_IDX		16		/* fixmap slots per CPU */
/* Nested local mappings a task may hold: kmap_local_idx_push() BUG()s at 16. */
#define TOY_KMAP_LOCAL_MAX	(TOY_KM_MAX_IDX - 1)

/* The emulated fixmap address of fixmap index @idx: __fix_to_virt(). */
#define TOY_FIX_TO_VIRT(idx)	(TOY_FIXADDR_TOP - ((u32)(idx) << 12))

/**
 * struct toy_hm_config - what of the emulated kernel's config moves its layout
 * @nr_cpus: CONFIG_NR_CPUS.
 * @local_apic: CONFIG_X86_LOCAL_APIC: FIX_APIC_BASE in the fixmap.
 * @io_apic: CONFIG_X86_IO_APIC: MAX_IO_APICS (64) FIX_IO_APIC_BASE_* too.
 */
struct toy_hm_config {
	unsigned int nr_cpus;
	bool local_apic;
	bool io_apic;
};

/**
 * struct toy_hm_layout - the emulated layout of one config
 * @cfg: the config it is derived for.
 * @fix_kmap_begin: FIX_KMAP_BEGIN, a fixmap index.
 * @fix_kmap_end: FIX_KMAP_END, KM_MAX_IDX * NR_CPUS - 1 above it.
 * @fix_permanent: __end_of_permanent_fixed_addresses.
 * @fix_btmap_end: FIX_BTMAP_END; FIX_BTMAP_BEGIN is 511 above it.
 * @fix_end: __end_of_fixed_addresses.
 * @fixaddr_start: FIXADDR_START.
 * @fixaddr_tot_start: FIXADDR_TOT_START.
 * @cea_pages: CPU_ENTRY_AREA_PAGES, of all CPUs.
 * @cea_base: CPU_ENTRY_AREA_BASE.
 * @ldt_base: LDT_BASE_ADDR.
 * @pkmap_base: PKMAP_BASE.
 * @vmalloc_end: VMALLOC_END.
 * @maxmem: MAXMEM: bytes of the direct map, the "896 MB".
 * @high_memory: high_memory of a machine with MAXMEM of RAM or more.
 * @vmalloc_start: VMALLOC_START.
 */
struct toy_hm_layout {
	struct toy_hm_config cfg;
	u32 fix_kmap_begin;
	u32 fix_kmap_end;
	u32 fix_permanent;
	u32 fix_btmap_end;
	u32 fix_end;
	u32 fixaddr_start;
	u32 fixaddr_tot_start;
	u32 cea_pages;
	u32 cea_base;
	u32 ldt_base;
	u32 pkmap_base;
	u32 vmalloc_end;
	u32 maxmem;
	u32 high_memory;
	u32 vmalloc_start;
};

void toy_hm_config_for(struct toy_hm_config *cfg, unsigned int nr_cpus);
int toy_hm_layout_derive(struct toy_hm_layout *l,
			 const struct toy_hm_config *cfg);

/* Event counters of the highmem layer; names in toy_hm_stat_names[]. */
enum toy_hm_stat {
	TOY_HS_KMAP,		/* toy_kmap() of a HighMem page */
	TOY_HS_KMAP_LOW,	/* toy_kmap() of a Normal page: no slot */
	TOY_HS_NEW,		/* kmaps that took a new slot */
	TOY_HS_KUNMAP,		/* kunmaps of a HighMem page */
	TOY_HS_FLUSH,		/* flush_all_zero_pkmaps(): the scan wrapped */
	TOY_HS_FLUSHED,		/* count-1 slots torn down by the flushes */
	TOY_HS_WAIT,		/* kmaps that slept for a free slot */
	TOY_HS_BUSY,		/* kmaps refused: window full, may not wait */
	TOY_HS_NOMEM,		/* kmaps failed: no memory for the real vmap */
	TOY_HS_LOCAL_MAP,	/* kmap_local of a HighMem page */
	TOY_HS_LOCAL_UNMAP,	/* kunmap_local of a HighMem page */
	TOY_HS_VMALLOC,		/* areas made */
	TOY_HS_VMALLOC_FAIL,	/* vmallocs that failed */
	TOY_HS_VFREE,		/* areas freed */
	TOY_NR_HM_STATS
};

extern const char *const toy_hm_stat_names[TOY_NR_HM_STATS];

/* Kinds of highmem misuse, each counted; names in toy_hm_misuse_names[]. */
enum toy_hm_misuse {
	TOY_HM_KUNMAP_UNMAPPED,	/* kunmap of a page without a kmap user */
	TOY_HM_LOCAL_DEPTH,	/* a 16th nested kmap_local */
	TOY_HM_LOCAL_CPU_FULL,	/* the CPU's local entries all taken */
	TOY_HM_LOCAL_ORDER,	/* kunmap_local not of the newest mapping */
	TOY_HM_LOCAL_UNMAPPED,	/* kunmap_local of a page not mapped so */
	TOY_HM_FOREIGN,		/* a page or address that is not the toy's */
	TOY_HM_BAD_VFREE,	/* vfree of an address no area starts at */
	TOY_NR_HM_MISUSE
};

extern const char *const toy_hm_misuse_names[TOY_NR_HM_MISUSE];

/**
 * struct toy_pam - one page->address association: page_address_map
 * @list: bucket list of the address hash while the slot's count is at
 *	least 1; the flusher's list of mappings to tear down after that.
 * @page: the HighMem page.
 * @virtual: the real address of the page's vmap, where its data is.
 * @slot: the pkmap slot; its emulated address is PKMAP_BASE + slot pages.
 */
struct toy_pam {
	struct list_head list;
	const struct toy_page *page;
	void *virtual;
	unsigned int slot;
};

/* A bucket of the address hash: page_address_slot. */
struct toy_pa_slot {
	struct list_head lh;	/* toy_pam::list, guarded by @lock */
	spinlock_t lock;	/* irq-safe: page_address() works anywhere */
};

#define TOY_PA_HASH_ORDER	7	/* PA_HASH_ORDER */

/**
 * struct toy_kmap_local_entry - one local mapping
 * @owner: the task that made it (or the ctl file's emulated task).
 * @page: the mapped page.
 * @idx: its depth in @owner's stack, 0 .. %TOY_KMAP_LOCAL_MAX - 1.
 * @cpu: the CPU whose fixmap slots it uses.
 */
struct toy_kmap_local_entry {
	const void *owner;
	struct toy_page *page;
	unsigned short idx;
	unsigned short cpu;
};

/* Entries one CPU can hold, over all tasks that hold some there. */
#define TOY_KMAP_LOCAL_ENTRIES	(4 * TOY_KM_MAX_IDX)

/**
 * struct toy_kmap_local - the local mappings held on one CPU
 * @nr: entries in use, oldest first.
 * @entry: the entries. Each task's own entries form its LIFO stack.
 *
 * Touched only by its own CPU with interrupts off (or, for the ctl
 * file's stack, under the ctl mutex and ctl_local_lock); validate copies
 * a CPU's entries on that CPU.
 */
struct toy_kmap_local {
	unsigned int nr;
	struct toy_kmap_local_entry entry[TOY_KMAP_LOCAL_ENTRIES];
};

/**
 * struct toy_hm_task - the kmap_local stack of an emulated task
 * @lock: taken to change @local and, without its owner's own
 *	serialization, to read it (validate).
 * @local: the task's local mappings, all owned by the struct itself and
 *	emulated on the fixmap slots of CPU 0.
 */
struct toy_hm_task {
	spinlock_t lock;		/* see above */
	struct toy_kmap_local local;
};

/**
 * struct toy_vm_area - an area of toy_vmalloc(): vm_struct
 * @list: in toy_highmem::vmap_areas, sorted by @addr.
 * @addr: emulated start, in the emulated vmalloc area.
 * @size: emulated bytes, the guard page included (as vm_struct::size).
 * @real: the vmap address the data goes through.
 * @nr_pages: pages in the area.
 * @pages: the toy pages, in order.
 * @caller: who asked, shown in vmallocinfo.
 */
struct toy_vm_area {
	struct list_head list;
	u32 addr;
	u32 size;
	void *real;
	unsigned int nr_pages;
	struct toy_page **pages;
	const void *caller;
};

/**
 * struct toy_highmem - the pkmap window, local mappings and vmalloc areas
 *	of one node
 * @node: the node whose pages are mapped.
 * @kmap_lock: kmap_lock; guards @last_pkmap_nr, @nr_busy, @pkmap_count
 *	and @pam. Taken before the hash bucket locks. Process context only.
 * @nr_slots: slots in the window (LAST_PKMAP), 1 .. %TOY_LAST_PKMAP.
 * @last_pkmap_nr: the slot last handed out; the scan resumes after it.
 * @nr_busy: slots with a count of 2 or more (a user at least).
 * @pkmap_count: per slot: 0 free and flushed, 1 free but its old mapping
 *	not yet flushed, n: n - 1 users.
 * @pam: per slot: its mapping while the count is 1 or more.
 * @pkmap_map_wait: kmaps waiting for a slot.
 * @htable: page -> mapping hash: page_address_htable.
 * @local: per CPU: the local mappings held there.
 * @vmap_lock: guards @vmap_areas.
 * @vmap_areas: areas of toy_vmalloc(), by emulated address.
 * @stat: event counters.
 * @misuse: misuse counters.
 * @misuse_reported: one bit per class, set once its first report printed.
 * @layout: the emulated layout, for nr_cpu_ids CPUs; set at init.
 * @task: an emulated task whose kmap_local stack outlives the processes
 *	that use it (the ctl file's), validated and shown with the CPUs'
 *	stacks; NULL for none. Set and cleared with no user of @hm.
 */
struct toy_highmem {
	struct toy_node *node;
	spinlock_t kmap_lock;		/* see above */
	unsigned int nr_slots;
	unsigned int last_pkmap_nr;
	unsigned int nr_busy;
	int *pkmap_count;
	struct toy_pam **pam;
	wait_queue_head_t pkmap_map_wait;
	struct toy_pa_slot htable[1 << TOY_PA_HASH_ORDER];
	struct toy_kmap_local __percpu *local;
	spinlock_t vmap_lock;		/* see above */
	struct list_head vmap_areas;
	atomic_long_t stat[TOY_NR_HM_STATS];
	atomic_long_t misuse[TOY_NR_HM_MISUSE];
	unsigned long misuse_reported;
	struct toy_hm_layout layout;
	struct toy_hm_task *task;
};

/* The module's highmem, on toy_node0; behind the public API. */
extern struct toy_highmem toy_highmem0;

/* Hooks called by toy_main.c. */
int toy_highmem_init(unsigned int nr_slots);
void toy_highmem_exit(void);
void toy_highmem_debugfs_init(struct dentry *root);
void toy_vmalloc_debugfs_init(struct dentry *root);
void *toy_highmem_page_address(const struct toy_page *page);
unsigned long toy_highmem_validate(void);

/* One instance, on any node: the KUnit suite makes its own. */
int toy_hm_init(struct toy_highmem *hm, struct toy_node *node,
		unsigned int nr_slots);
void toy_hm_destroy(struct toy_highmem *hm);
void *toy_hm_kmap(struct toy_highmem *hm, struct toy_page *page);
void *toy_hm_kmap_nowait(struct toy_highmem *hm, struct toy_page *page);
int toy_hm_kunmap(struct toy_highmem *hm, struct toy_page *page);
void *toy_hm_page_address(struct toy_highmem *hm,
			  const struct toy_page *page);
u32 toy_hm_pkmap_vaddr(struct toy_highmem *hm, const struct toy_page *page);
int toy_hm_pkmap_count(struct toy_highmem *hm, unsigned int slot);
void *toy_hm_kmap_local(struct toy_highmem *hm, struct toy_page *page);
int toy_hm_kunmap_local(struct toy_highmem *hm, const void *addr);
unsigned int toy_hm_local_depth(struct toy_highmem *hm);
void *toy_hm_vmalloc(struct toy_highmem *hm, unsigned long size,
		     const void *caller);
int toy_hm_vfree(struct toy_highmem *hm, const void *addr);
u32 toy_hm_vmalloc_vaddr(struct toy_highmem *hm, const void *addr);
unsigned long toy_hm_validate(struct toy_highmem *hm);

static inline unsigned long toy_hm_stat(struct toy_highmem *hm,
					enum toy_hm_stat item)
{
	return atomic_long_read(&hm->stat[item]);
}

/* --- Inside the highmem layer (toy_highmem.c, toy_vmalloc.c, toy_ctl_highmem.c) --- */

static inline void count_event(struct toy_highmem *hm, enum toy_hm_stat item)
{
	atomic_long_inc(&hm->stat[item]);
}

static inline void count_misuse(struct toy_highmem *hm, enum toy_hm_misuse what)
{
	atomic_long_inc(&hm->misuse[what]);
}

/* Addresses, real and emulated. */

static inline bool page_of_node(struct toy_highmem *hm, const struct toy_page *page)
{
	struct toy_node *node = hm->node;

	return page && page >= node->pages && page < node->pages + node->nr_pages;
}

static inline unsigned long page_pfn(struct toy_highmem *hm,
				     const struct toy_page *page)
{
	return toy_node_pfn(hm->node, page);
}

/* The real direct-map address of the page's data. */
static inline void *direct_address(struct toy_highmem *hm,
				   const struct toy_page *page)
{
	return page_address(toy_node_real_page(hm->node, page));
}

/* PKMAP_ADDR(nr) */
static inline u32 pkmap_addr(struct toy_highmem *hm, unsigned int slot)
{
	return hm->layout.pkmap_base + (slot << PAGE_SHIFT);
}

/* The emulated direct-map address of a page of the Normal zone. */
static inline u32 lowmem_addr(struct toy_highmem *hm, const struct toy_page *page)
{
	return TOY_PAGE_OFFSET + ((u32)page_pfn(hm, page) << PAGE_SHIFT);
}

/* __fix_to_virt(FIX_KMAP_BEGIN + idx + KM_MAX_IDX * cpu) */
static inline u32 local_addr(struct toy_highmem *hm, unsigned int cpu,
			     unsigned int idx)
{
	return TOY_FIX_TO_VIRT(hm->layout.fix_kmap_begin + idx +
			       TOY_KM_MAX_IDX * cpu);
}

/* Bytes in MiB, rounded: the direct map is 0x373fe000, 884 MiB less 8 KiB. */
static inline unsigned int mib(u64 bytes)
{
	return (bytes + SZ_512K) >> 20;
}

/* The emulated physical address of a page: HighMem starts at the line. */
static inline u32 emulated_phys(struct toy_highmem *hm, const struct toy_page *page)
{
	struct toy_zone *high = &hm->node->zones[TOY_ZONE_HIGHMEM];
	unsigned long pfn = page_pfn(hm, page);

	if (!toy_page_is_highmem(page))
		return pfn << PAGE_SHIFT;
	return hm->layout.maxmem + ((u32)(pfn - high->start_pfn) << PAGE_SHIFT);
}

/* Report one inconsistency; the caller counts it. */
#define validate_err(hm, fmt, ...)					\
	pr_err("validate: node %d highmem: " fmt "\n", (hm)->node->nid,	\
	       ##__VA_ARGS__)

/* toy_highmem.c */
void toy_hm_report_misuse(struct toy_highmem *hm, enum toy_hm_misuse what,
			  unsigned long pfn);
int toy_hm_kunmap_page(struct toy_highmem *hm, struct toy_page *page);
int toy_hm_page_slot(struct toy_highmem *hm, const struct toy_page *page,
		     int *count);
int toy_hm_local_push(struct toy_kmap_local *st, const void *owner,
		      struct toy_page *page, unsigned int cpu);
int toy_hm_local_pop(struct toy_kmap_local *st, const void *owner,
		     const struct toy_page *page);
int toy_hm_local_top(const struct toy_kmap_local *st, const void *owner);

/* toy_vmalloc.c */
struct toy_vm_area *toy_hm_vmalloc_area(struct toy_highmem *hm,
					unsigned long size,
					const void *caller);
struct toy_vm_area *toy_hm_take_area(struct toy_highmem *hm,
				     const void *addr);
void toy_hm_vfree_area(struct toy_highmem *hm, struct toy_vm_area *area);
unsigned long toy_hm_validate_areas(struct toy_highmem *hm,
				    unsigned long *seen);

#endif /* _TOY_HIGHMEM_H */
