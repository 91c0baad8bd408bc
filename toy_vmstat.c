// SPDX-License-Identifier: GPL-2.0
/*
 * What the buddy looks like from outside, in the formats of mm/vmstat.c
 * and fs/proc: buddyinfo (/proc/buddyinfo), extfrag/unusable_index and
 * extfrag/extfrag_index (debugfs extfrag/ of the real kernel, with the
 * same arithmetic: fill_contig_page_info(), unusable_free_index(),
 * __fragmentation_index()), meminfo (the /proc/meminfo lines that the toy
 * has), and two files of the toy's own: pagemap, a character per page
 * group of each zone, and stats, the zones' event and misuse counters.
 *
 * Everything here only reads. The free counts are read under the zone
 * lock, one zone at a time; pagemap holds its zone still
 * (toy_zone_freeze()), pcp lists included, while it draws it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/swap.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>

#include "toy_internal.h"

/* ==== Fragmentation indices (mm/vmstat.c) ==== */

/**
 * toy_zone_snapshot() - copy the free block counts of a zone
 * @zone: the zone.
 * @nr_free: gets nr_free of each order, read under the zone lock.
 */
void toy_zone_snapshot(struct toy_zone *zone,
		       unsigned long nr_free[TOY_MAX_ORDER])
{
	unsigned long flags;
	unsigned int o;

	spin_lock_irqsave(&zone->lock, flags);
	for (o = 0; o < TOY_MAX_ORDER; o++)
		nr_free[o] = zone->free_area[o].nr_free;
	spin_unlock_irqrestore(&zone->lock, flags);
}
EXPORT_SYMBOL_IF_KUNIT(toy_zone_snapshot);

/**
 * toy_fill_contig_info() - fill_contig_page_info() of mm/vmstat.c
 * @nr_free: free blocks per order.
 * @order: the requested order.
 * @info: gets free pages, free blocks and blocks of at least @order.
 */
void toy_fill_contig_info(const unsigned long nr_free[TOY_MAX_ORDER],
			  unsigned int order, struct toy_contig_info *info)
{
	unsigned int o;

	info->free_pages = 0;
	info->free_blocks_total = 0;
	info->free_blocks_suitable = 0;
	for (o = 0; o < TOY_MAX_ORDER; o++) {
		info->free_blocks_total += nr_free[o];
		info->free_pages += nr_free[o] << o;
		if (o >= order)
			info->free_blocks_suitable += nr_free[o] << (o - order);
	}
}
EXPORT_SYMBOL_IF_KUNIT(toy_fill_contig_info);

/**
 * toy_unusable_index() - unusable_free_index() of mm/vmstat.c
 * @order: the requested order.
 * @info: the zone's free block counts for @order.
 *
 * Return: the share of free memory, in thousandths, that lies in blocks
 * too small for @order: 0 none, 1000 all (or no free memory).
 */
int toy_unusable_index(unsigned int order, const struct toy_contig_info *info)
{
	if (!info->free_pages)
		return 1000;
	return div_u64((info->free_pages -
			(info->free_blocks_suitable << order)) * 1000ULL,
		       info->free_pages);
}
EXPORT_SYMBOL_IF_KUNIT(toy_unusable_index);

/**
 * toy_extfrag_index() - __fragmentation_index() of mm/vmstat.c
 * @order: the requested order.
 * @info: the zone's free block counts for @order.
 *
 * Return: -1000 if an @order block is free; otherwise, in thousandths,
 * towards 0 when a failure would be for lack of memory, towards 1000 when
 * it would be for fragmentation.
 */
int toy_extfrag_index(unsigned int order, const struct toy_contig_info *info)
{
	unsigned long requested = 1UL << order;

	if (!info->free_blocks_total)
		return 0;
	if (info->free_blocks_suitable)
		return -1000;
	return 1000 - div_u64(1000 + div_u64(info->free_pages * 1000ULL,
					     requested),
			      info->free_blocks_total);
}
EXPORT_SYMBOL_IF_KUNIT(toy_extfrag_index);

/* ==== debugfs: buddyinfo, extfrag, meminfo, pagemap, stats ==== */

static bool zone_populated(const struct toy_zone *zone)
{
	return zone->nr_pages != 0;
}

/*
 * walk_zones_in_node() of mm/vmstat.c for the toy's one node: @print gets
 * each populated zone's free-block counts after the "Node N, zone NAME "
 * every such line starts with, and ends the line itself.
 */
static void walk_zones(struct seq_file *m,
		       void (*print)(struct seq_file *m,
				     const unsigned long *nr_free))
{
	unsigned long nr_free[TOY_MAX_ORDER];
	int z;

	for (z = 0; z < TOY_NR_ZONES; z++) {
		struct toy_zone *zone = &toy_node0.zones[z];

		if (!zone_populated(zone))
			continue;
		toy_zone_snapshot(zone, nr_free);
		seq_printf(m, "Node %d, zone %8s ", toy_node0.nid, zone->name);
		print(m, nr_free);
	}
}

/* /proc/buddyinfo: frag_show_print() in mm/vmstat.c */
static void frag_show_print(struct seq_file *m, const unsigned long *nr_free)
{
	int o;

	for (o = 0; o < TOY_MAX_ORDER; o++)
		seq_printf(m, "%6lu ", nr_free[o]);
	seq_putc(m, '\n');
}

static int buddyinfo_show(struct seq_file *m, void *v)
{
	walk_zones(m, frag_show_print);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(buddyinfo);

/* unusable_show_print() and extfrag_show_print() in mm/vmstat.c */
static void index_print(struct seq_file *m, const unsigned long *nr_free,
			bool extfrag)
{
	struct toy_contig_info info;
	unsigned int o;
	int index;

	for (o = 0; o < TOY_MAX_ORDER; o++) {
		toy_fill_contig_info(nr_free, o, &info);
		if (extfrag) {
			index = toy_extfrag_index(o, &info);
			seq_printf(m, "%2d.%03d ", index / 1000, index % 1000);
		} else {
			index = toy_unusable_index(o, &info);
			seq_printf(m, "%d.%03d ", index / 1000, index % 1000);
		}
	}
	seq_putc(m, '\n');
}

static void unusable_show_print(struct seq_file *m,
				const unsigned long *nr_free)
{
	index_print(m, nr_free, false);
}

static void extfrag_show_print(struct seq_file *m,
			       const unsigned long *nr_free)
{
	index_print(m, nr_free, true);
}

static int unusable_index_show(struct seq_file *m, void *v)
{
	walk_zones(m, unusable_show_print);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(unusable_index);

static int extfrag_index_show(struct seq_file *m, void *v)
{
	walk_zones(m, extfrag_show_print);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(extfrag_index);

/* /proc/meminfo's format: show_val_kb() in fs/proc/meminfo.c */
static void show_val_kb(struct seq_file *m, const char *name,
			unsigned long pages)
{
	seq_printf(m, "%-16s%8lu kB\n", name, pages << (PAGE_SHIFT - 10));
}

static int meminfo_show(struct seq_file *m, void *v)
{
	struct toy_zone *high = &toy_node0.zones[TOY_ZONE_HIGHMEM];
	unsigned long high_free = READ_ONCE(high->free_pages);
	unsigned long low_free =
		READ_ONCE(toy_node0.zones[TOY_ZONE_DMA].free_pages) +
		READ_ONCE(toy_node0.zones[TOY_ZONE_NORMAL].free_pages);

	show_val_kb(m, "MemTotal:", toy_node0.nr_pages);
	show_val_kb(m, "MemFree:", low_free + high_free);
	show_val_kb(m, "HighTotal:", high->nr_pages);
	show_val_kb(m, "HighFree:", high_free);
	show_val_kb(m, "LowTotal:", toy_node_lowmem_pages(&toy_node0));
	show_val_kb(m, "LowFree:", low_free);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(meminfo);

#define PAGEMAP_COLS	64
#define PAGEMAP_CELLS	4096	/* at most this many characters */

/* What pagemap prints for a page, from the least to the most telling. */
static char page_char(const struct toy_page *page, bool head)
{
	if (!head)
		return 'a';
	if (toy_page_test(page, TOY_PG_SLAB))
		return 'S';
	if (toy_page_test(page, TOY_PG_LARGE))
		return 'L';
	if (toy_page_test(page, TOY_PG_LRU))
		return 'C';
	return 'A';
}

/*
 * Walk a zone block by block: every page belongs to exactly one free or
 * allocated block whose head carries its order, so the walk visits each
 * page once. A page that heads no block here is a bug, shown as '?'.
 */
static void zone_map(struct toy_node *node, struct toy_zone *zone, char *map)
{
	unsigned long pfn = zone->start_pfn, end = pfn + zone->nr_pages;
	unsigned long n;

	toy_zone_freeze(node, zone);
	while (pfn < end) {
		struct toy_page *page = &node->pages[pfn];

		if (toy_page_test(page, TOY_PG_PCP)) {
			n = 1UL << page->order;
			memset(map + pfn, 'p', n);
		} else if (toy_page_test(page, TOY_PG_BUDDY)) {
			n = 1UL << page->order;
			memset(map + pfn, '.', n);
		} else if (toy_page_test(page, TOY_PG_HEAD)) {
			n = 1UL << page->order;
			memset(map + pfn, 'a', n);
			map[pfn] = page_char(page, true);
		} else {
			n = 1;
			map[pfn] = '?';
		}
		pfn += n;
	}
	toy_zone_thaw(node, zone);
}

/* The most telling character of a group of pages: ? S L C A a p . in turn. */
static char group_char(const char *map, unsigned long n)
{
	static const char rank[] = "?SLCAap.";
	const char *r;

	for (r = rank; *r; r++)
		if (memchr(map, *r, n))
			return *r;
	return ' ';
}

/* Rows of PAGEMAP_COLS characters, each starting with its first pfn. */
static void pagemap_zone(struct seq_file *m, struct toy_zone *zone,
			 const char *map, unsigned long per)
{
	unsigned long pfn, end = zone->start_pfn + zone->nr_pages;
	unsigned long row = PAGEMAP_COLS * per;

	seq_printf(m, "# zone %s: pfns %lu-%lu\n", zone->name, zone->start_pfn,
		   end - 1);
	for (pfn = zone->start_pfn; pfn < end; pfn += per) {
		if ((pfn - zone->start_pfn) % row == 0)
			seq_printf(m, "%7lu ", pfn);
		seq_putc(m, group_char(map + pfn, per));
		if ((pfn + per - zone->start_pfn) % row == 0 || pfn + per >= end)
			seq_putc(m, '\n');
	}
}

/*
 * The zone's pageblocks, a letter each for its migrate type, in rows of
 * PAGEMAP_COLS that start with their first pfn.
 */
static void pagemap_pageblocks(struct seq_file *m, struct toy_node *node,
			       struct toy_zone *zone)
{
	unsigned long pfn, end = zone->start_pfn + zone->nr_pages, i = 0;

	for (pfn = zone->start_pfn; pfn < end; pfn += TOY_PAGEBLOCK_PAGES, i++) {
		if (i % PAGEMAP_COLS == 0)
			seq_printf(m, "# pageblocks %7lu ", pfn);
		/* Unmovable, Movable, ...: the first letters are distinct. */
		seq_putc(m, toy_migratetype_names[toy_pageblock_migratetype(node, pfn)][0]);
		if ((i + 1) % PAGEMAP_COLS == 0 || pfn + TOY_PAGEBLOCK_PAGES >= end)
			seq_putc(m, '\n');
	}
}

static int pagemap_show(struct seq_file *m, void *v)
{
	struct toy_node *node = &toy_node0;
	unsigned long per = 1;
	char *map;
	int z;

	/* Zones are whole 4 MiB blocks, so @per divides their bounds. */
	while (node->nr_pages / per > PAGEMAP_CELLS && per < TOY_BLOCK_PAGES)
		per <<= 1;
	map = vmalloc(node->nr_pages);
	if (!map)
		return -ENOMEM;
	seq_printf(m, "# toy pfns 0-%lu, one character per %lu page%s\n",
		   node->nr_pages - 1, per, per > 1 ? "s" : "");
	seq_puts(m, "# . free  A allocated block head  a rest of an allocated block\n");
	seq_puts(m, "# p free on a per-CPU list  S slab  L large kmalloc  C page cache\n");
	seq_puts(m, "# (a group of pages shows its most telling one)\n");
	seq_printf(m, "# pageblocks: one letter per %lu pages, U unmovable  M movable  R reclaimable  H high-atomic\n",
		   TOY_PAGEBLOCK_PAGES);
	for (z = 0; z < TOY_NR_ZONES; z++) {
		struct toy_zone *zone = &node->zones[z];

		if (!zone_populated(zone))
			continue;
		zone_map(node, zone, map);
		pagemap_zone(m, zone, map, per);
		pagemap_pageblocks(m, node, zone);
	}
	vfree(map);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pagemap);

/*
 * /proc/pagetypeinfo: pagetypeinfo_show() of 6.1 - the pageblock order,
 * the free blocks of each order per zone and migrate type, and the
 * pageblocks of each type per zone (populated zones only, each under its
 * lock). The kernel's third table, mixed blocks, needs PAGE_OWNER, which
 * Debian's kernel does not enable.
 */
static void pagetypeinfo_free(struct seq_file *m, struct toy_node *node,
			      struct toy_zone *zone)
{
	unsigned long flags, n;
	struct list_head *pos;
	unsigned int o;
	int mt;

	spin_lock_irqsave(&zone->lock, flags);
	for (mt = 0; mt < TOY_MIGRATE_TYPES; mt++) {
		seq_printf(m, "Node %4d, zone %8s, type %12s ", node->nid,
			   zone->name, toy_migratetype_names[mt]);
		for (o = 0; o < TOY_MAX_ORDER; o++) {
			n = 0;
			list_for_each(pos, &zone->free_area[o].free_list[mt])
				n++;
			seq_printf(m, "%6lu ", n);
		}
		seq_putc(m, '\n');
	}
	spin_unlock_irqrestore(&zone->lock, flags);
}

static void pagetypeinfo_blocks(struct seq_file *m, struct toy_node *node,
				struct toy_zone *zone)
{
	unsigned long count[TOY_MIGRATE_TYPES] = { }, pfn, flags;
	int mt;

	spin_lock_irqsave(&zone->lock, flags);
	for (pfn = zone->start_pfn; pfn < zone->start_pfn + zone->nr_pages;
	     pfn += TOY_PAGEBLOCK_PAGES)
		count[toy_pageblock_migratetype(node, pfn)]++;
	spin_unlock_irqrestore(&zone->lock, flags);
	seq_printf(m, "Node %d, zone %8s ", node->nid, zone->name);
	for (mt = 0; mt < TOY_MIGRATE_TYPES; mt++)
		seq_printf(m, "%12lu ", count[mt]);
	seq_putc(m, '\n');
}

static int pagetypeinfo_show(struct seq_file *m, void *v)
{
	struct toy_node *node = &toy_node0;
	unsigned int o;
	int z, mt;

	seq_printf(m, "Page block order: %u\n", TOY_PAGEBLOCK_ORDER);
	seq_printf(m, "Pages per block:  %lu\n", TOY_PAGEBLOCK_PAGES);
	seq_putc(m, '\n');
	seq_printf(m, "%-43s ", "Free pages count per migrate type at order");
	for (o = 0; o < TOY_MAX_ORDER; o++)
		seq_printf(m, "%6u ", o);
	seq_putc(m, '\n');
	for (z = 0; z < TOY_NR_ZONES; z++)
		if (zone_populated(&node->zones[z]))
			pagetypeinfo_free(m, node, &node->zones[z]);
	seq_printf(m, "\n%-23s", "Number of blocks type ");
	for (mt = 0; mt < TOY_MIGRATE_TYPES; mt++)
		seq_printf(m, "%12s ", toy_migratetype_names[mt]);
	seq_putc(m, '\n');
	for (z = 0; z < TOY_NR_ZONES; z++)
		if (zone_populated(&node->zones[z]))
			pagetypeinfo_blocks(m, node, &node->zones[z]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pagetypeinfo);

/*
 * /proc/zoneinfo: zoneinfo_show_print() of 6.1, for every zone of the toy,
 * populated or not, as the kernel prints them all (lowmem_reserve works on
 * all of them). Of the per-node stats the kernel prints in the first
 * populated zone the toy has nr_inactive_file (its page cache), of the
 * zone counters nr_free_pages and nr_zone_inactive_file. Its counts are
 * exact, so the per-CPU "vm stats threshold" (the drift the kernel's
 * counters allow) is 0. node_unreclaimable is kswapd having failed
 * TOY_MAX_RECLAIM_RETRIES times in a row.
 */
static void zoneinfo_zone(struct seq_file *m, struct toy_node *node,
			  struct toy_zone *zone, bool first_populated)
{
	int i, cpu;

	seq_printf(m, "Node %d, zone %8s", node->nid, zone->name);
	if (first_populated) {
		seq_puts(m, "\n  per-node stats");
		seq_printf(m, "\n      %-12s %lu", "nr_inactive_file",
			   READ_ONCE(node->nr_lru_pages));
	}
	seq_printf(m, "\n  pages free     %lu", READ_ONCE(zone->free_pages));
	seq_printf(m, "\n        boost    %lu", READ_ONCE(zone->watermark_boost));
	seq_printf(m, "\n        min      %lu",
		   toy_wmark_pages(zone, TOY_WMARK_MIN));
	seq_printf(m, "\n        low      %lu",
		   toy_wmark_pages(zone, TOY_WMARK_LOW));
	seq_printf(m, "\n        high     %lu",
		   toy_wmark_pages(zone, TOY_WMARK_HIGH));
	seq_printf(m, "\n        spanned  %lu", zone->nr_pages);
	seq_printf(m, "\n        present  %lu", zone->nr_pages);
	seq_printf(m, "\n        managed  %lu", zone->nr_pages);
	seq_printf(m, "\n        cma      %lu", 0UL);
	seq_printf(m, "\n        protection: (%ld",
		   READ_ONCE(zone->lowmem_reserve[0]));
	for (i = 1; i < TOY_NR_ZONES; i++)
		seq_printf(m, ", %ld", READ_ONCE(zone->lowmem_reserve[i]));
	seq_putc(m, ')');
	if (!zone_populated(zone)) {
		seq_putc(m, '\n');
		return;
	}
	seq_printf(m, "\n      %-12s %lu", "nr_free_pages",
		   READ_ONCE(zone->free_pages));
	seq_printf(m, "\n      %-12s %lu", "nr_zone_inactive_file",
		   READ_ONCE(zone->nr_inactive_file));
	seq_puts(m, "\n  pagesets");
	for_each_online_cpu(cpu) {
		struct toy_pcp *pcp = per_cpu_ptr(zone->pcp, cpu);

		seq_printf(m, "\n    cpu: %i", cpu);
		seq_printf(m, "\n              count: %i", READ_ONCE(pcp->count));
		seq_printf(m, "\n              high:  %i",
			   (int)READ_ONCE(zone->pcp_high));
		seq_printf(m, "\n              batch: %i",
			   (int)READ_ONCE(zone->pcp_batch));
		seq_printf(m, "\n  vm stats threshold: %d", 0);
	}
	seq_printf(m, "\n  node_unreclaimable:  %u",
		   READ_ONCE(node->kswapd_failures) >= TOY_MAX_RECLAIM_RETRIES);
	seq_printf(m, "\n  start_pfn:           %lu", zone->start_pfn);
	seq_putc(m, '\n');
}

static int zoneinfo_show(struct seq_file *m, void *v)
{
	bool first = true;
	int z;

	for (z = 0; z < TOY_NR_ZONES; z++) {
		struct toy_zone *zone = &toy_node0.zones[z];

		zoneinfo_zone(m, &toy_node0, zone, first && zone_populated(zone));
		first &= !zone_populated(zone);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(zoneinfo);

/*
 * /proc/vmstat: the names of vmstat_text[] for what the toy counts, in
 * its order; the zone items are summed over the zones, the per-zone
 * events have one line per zone, as TEXTS_FOR_ZONES() names them
 * (_high is what a HIGHMEM kernel prints for its HighMem zone).
 */
static int vmstat_show(struct seq_file *m, void *v)
{
	static const char *const zone_suffix[TOY_NR_ZONES] = {
		[TOY_ZONE_DMA]		= "dma",
		[TOY_ZONE_NORMAL]	= "normal",
		[TOY_ZONE_HIGHMEM]	= "high",
	};
	struct toy_node *node = &toy_node0;
	unsigned long free = 0, inactive = 0, pgfree = 0;
	int z, i;

	for (z = 0; z < TOY_NR_ZONES; z++) {
		free += READ_ONCE(node->zones[z].free_pages);
		inactive += READ_ONCE(node->zones[z].nr_inactive_file);
		pgfree += toy_zone_stat(&node->zones[z], TOY_ZS_PGFREE);
	}
	seq_printf(m, "nr_free_pages %lu\n", free);
	seq_printf(m, "nr_zone_inactive_file %lu\n", inactive);
	seq_printf(m, "nr_inactive_file %lu\n", READ_ONCE(node->nr_lru_pages));
	for (z = 0; z < TOY_NR_ZONES; z++)
		seq_printf(m, "pgalloc_%s %lu\n", zone_suffix[z],
			   toy_zone_stat(&node->zones[z], TOY_ZS_PGALLOC));
	for (z = 0; z < TOY_NR_ZONES; z++)
		seq_printf(m, "allocstall_%s %lu\n", zone_suffix[z],
			   toy_zone_stat(&node->zones[z], TOY_ZS_ALLOCSTALL));
	seq_printf(m, "pgfree %lu\n", pgfree);
	for (i = 0; i < TOY_NR_VM_EVENTS; i++)
		seq_printf(m, "%s %lu\n", toy_vm_event_names[i],
			   toy_vm_event(node, i));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vmstat);

/* /proc/vmstat's format: one "name value" per line. */
static int stats_show(struct seq_file *m, void *v)
{
	int z, i;

	for (z = 0; z < TOY_NR_ZONES; z++) {
		static const char *const names[TOY_NR_ZONES] = {
			"dma", "normal", "highmem"
		};
		struct toy_zone *zone = &toy_node0.zones[z];
		const char *name = names[z];

		/* The toy's own file: the DMA lines only when there is one. */
		if (z == TOY_ZONE_DMA && !zone_populated(zone))
			continue;
		for (i = 0; i < TOY_NR_ZONE_STATS; i++)
			if (toy_zone_stat_names[i])
				seq_printf(m, "%s_%s %lu\n", name,
					   toy_zone_stat_names[i],
					   toy_zone_stat(zone, i));
		seq_printf(m, "%s_pcp_pages %lu\n", name, toy_zone_pcp_pages(zone));
		seq_printf(m, "%s_pcp_batch %u\n", name, READ_ONCE(zone->pcp_batch));
		seq_printf(m, "%s_pcp_high %u\n", name, READ_ONCE(zone->pcp_high));
	}
	for (i = 0; i < TOY_NR_MISUSE; i++)
		seq_printf(m, "misuse_%s %ld\n", toy_misuse_names[i],
			   atomic_long_read(&toy_node0.misuse[i]));
	seq_printf(m, "kswapd_wakeups %ld\n",
		   atomic_long_read(&toy_node0.kswapd_wakeups));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(stats);

/**
 * toy_vmstat_debugfs_init() - create the buddy's files
 * @root: the module's debugfs directory.
 */
void toy_vmstat_debugfs_init(struct dentry *root)
{
	struct dentry *extfrag = debugfs_create_dir("extfrag", root);

	debugfs_create_file("buddyinfo", 0400, root, NULL, &buddyinfo_fops);
	debugfs_create_file("meminfo", 0400, root, NULL, &meminfo_fops);
	debugfs_create_file("pagemap", 0400, root, NULL, &pagemap_fops);
	debugfs_create_file("stats", 0400, root, NULL, &stats_fops);
	debugfs_create_file("vmstat", 0400, root, NULL, &vmstat_fops);
	debugfs_create_file("zoneinfo", 0400, root, NULL, &zoneinfo_fops);
	debugfs_create_file("pagetypeinfo", 0400, root, NULL, &pagetypeinfo_fops);
	debugfs_create_file("unusable_index", 0400, extfrag, NULL,
			    &unusable_index_fops);
	debugfs_create_file("extfrag_index", 0400, extfrag, NULL,
			    &extfrag_index_fops);
}
