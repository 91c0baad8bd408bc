// SPDX-License-Identifier: GPL-2.0
/*
 * Module glue: every module parameter, load and unload, the debugfs
 * directory, and validate, which checks every layer at once.
 *
 * The parameters are read here and nowhere else: each layer is set up
 * with arguments (toy_node_init(), toy_slab_init(), toy_kmalloc_init(),
 * toy_highmem_init()), as the KUnit suites set up their own instances.
 * Load sets the layers up from the bottom - buddy, highmem, slab,
 * kmalloc - then the debugfs files and last the ctl file, so that no
 * command can reach a layer that is not there; unload goes the other way.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#include "toy_internal.h"
#include "toy_highmem.h"
#include "toy_slab.h"

/* ==== Parameters ==== */

static unsigned int mem_mb = 64;
module_param(mem_mb, uint, 0444);
MODULE_PARM_DESC(mem_mb, "size of the toy's region in MiB, a multiple of 4 (default 64)");

static unsigned int highmem_mb = 16;
module_param(highmem_mb, uint, 0444);
MODULE_PARM_DESC(highmem_mb, "MiB of the region forming the HighMem zone, a multiple of 4 below mem_mb; 0 for none (default 16)");

static unsigned int dma_mb;
module_param(dma_mb, uint, 0444);
MODULE_PARM_DESC(dma_mb, "MiB at the bottom of the region forming the DMA zone, a multiple of 4; 0 for none (default 0)");

static int param_min_free_kbytes = -1;
module_param_named(min_free_kbytes, param_min_free_kbytes, int, 0444);
MODULE_PARM_DESC(min_free_kbytes, "vm.min_free_kbytes of the toy: kB kept free below the min watermarks; -1: the kernel's formula over the toy's lowmem (default -1)");

static unsigned int param_watermark_scale_factor = 10;
module_param_named(watermark_scale_factor, param_watermark_scale_factor, uint, 0444);
MODULE_PARM_DESC(watermark_scale_factor, "vm.watermark_scale_factor of the toy: the gap between watermarks in 1/10000 of a zone, 1 to 3000 (default 10)");

static unsigned int extfrag_threshold = TOY_EXTFRAG_THRESHOLD;
module_param(extfrag_threshold, uint, 0444);
MODULE_PARM_DESC(extfrag_threshold, "vm.extfrag_threshold of the toy: a costly order is not compacted in a zone whose fragmentation index is at most this, 0 to 1000 (default 500)");

static int pcp_batch = -1;
module_param(pcp_batch, int, 0444);
MODULE_PARM_DESC(pcp_batch, "order-0 pages moved at once to and from the per-CPU lists: -1 the kernel's zone_batchsize(), with zone_highsize() as their high mark; N, with a high mark of 6N; 0: no per-CPU lists (default -1)");

static unsigned int kmalloc_min = 8;
module_param(kmalloc_min, uint, 0444);
MODULE_PARM_DESC(kmalloc_min, "smallest kmalloc cache: 8 (SLUB, default), 16 or 32 (SLAB, the seed)");

static unsigned int slab_prefill = 1;
module_param(slab_prefill, uint, 0444);
MODULE_PARM_DESC(slab_prefill, "empty slabs each kmalloc cache takes from the buddy at load (default 1)");

static bool slab_debug;
module_param(slab_debug, bool, 0444);
MODULE_PARM_DESC(slab_debug, "red zones, poisoning, caller tracking and checks on every cache, like slub_debug=FZPU (default off)");

static bool slab_cpu_cache = true;
module_param(slab_cpu_cache, bool, 0444);
MODULE_PARM_DESC(slab_cpu_cache, "per-CPU object arrays in front of each cache's lists, as SLAB's; 0: the bare three lists (default on)");

static unsigned int pkmap_slots = TOY_LAST_PKMAP;
module_param(pkmap_slots, uint, 0444);
MODULE_PARM_DESC(pkmap_slots, "slots of the emulated kmap window, 1 to 1024 (default 1024, LAST_PKMAP of i386 without PAE)");

static unsigned int fail_init_nth;
module_param(fail_init_nth, uint, 0444);
MODULE_PARM_DESC(fail_init_nth, "fail the Nth allocation made while the module loads (0: none)");

static struct dentry *toy_debugfs_root;

/* ==== validate: every layer at once ==== */

/**
 * toy_validate_all() - check every layer of the module
 * @m: where to print the counts (the validate file), or NULL.
 * @repair: let the slab layer mend what it finds (ctl "validate repair");
 *	the buddy and highmem checks only ever report, as they find nothing
 *	a repair could safely undo.
 *
 * Prints one line with the counts.
 *
 * Context: Process context; may sleep.
 * Return: the number of inconsistencies, over all layers.
 */
unsigned long toy_validate_all(struct seq_file *m, bool repair)
{
	unsigned long buddy, slab, highmem, total;

	buddy = toy_node_validate(&toy_node0);
	slab = repair ? toy_slab_repair(NULL) : toy_slab_validate(NULL);
	highmem = toy_highmem_validate();
	total = buddy + slab + highmem;
	if (m)
		seq_printf(m, "buddy %lu\nslab %lu\nhighmem %lu\ntotal %lu\n",
			   buddy, slab, highmem, total);
	pr_info("validate%s: %lu inconsistencies (buddy %lu, slab %lu, highmem %lu)%s\n",
		repair ? " repair" : "", total, buddy, slab, highmem,
		repair && slab ? "; the slab findings were repaired" : "");
	return total;
}

/* Reading validate only reports: it changes nothing. */
static int validate_show(struct seq_file *m, void *v)
{
	toy_validate_all(m, false);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(validate);

/* ==== Load and unload ==== */

static int __init toy_alloc_init(void)
{
	const struct toy_node_config node_cfg = {
		.mem_mb = mem_mb,
		.highmem_mb = highmem_mb,
		.dma_mb = dma_mb,
	};
	const struct toy_wmark_config wmark_cfg = {
		.min_free_kbytes = param_min_free_kbytes,
		.watermark_scale_factor = param_watermark_scale_factor,
	};
	struct toy_slab_config slab_cfg = {
		.debug_all = slab_debug,
		.cpu_cache = slab_cpu_cache,
	};
	int err;

	if (extfrag_threshold > 1000) {
		pr_err("extfrag_threshold=%u is over 1000\n", extfrag_threshold);
		return -EINVAL;
	}
	if (pcp_batch < -1 || pcp_batch > TOY_PCP_BATCH_MAX) {
		pr_err("pcp_batch=%d is not -1 (the kernel's sizes), 0 (off) or a batch up to %u\n",
		       pcp_batch, TOY_PCP_BATCH_MAX);
		return -EINVAL;
	}
	toy_fault_begin(fail_init_nth);
	err = toy_node_init_config(&toy_node0, 0, &node_cfg);
	if (err)
		goto out;
	toy_node0.extfrag_threshold = extfrag_threshold;
	err = toy_node_set_watermarks(&toy_node0, &wmark_cfg);
	if (err)
		goto err_node;
	toy_node_set_pcp(&toy_node0, pcp_batch);
	err = toy_highmem_init(pkmap_slots);
	if (err)
		goto err_node;
	toy_slab_init(&slab_cfg);
	err = toy_kmalloc_init(kmalloc_min, slab_prefill);
	if (err)
		goto err_slab;
	err = toy_kswapd_run(&toy_node0);
	if (err)
		goto err_slab;
	err = toy_kcompactd_run(&toy_node0);
	if (err)
		goto err_kswapd;
	toy_fault_end();

	toy_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("validate", 0400, toy_debugfs_root, NULL,
			    &validate_fops);
	toy_vmstat_debugfs_init(toy_debugfs_root);
	toy_compaction_debugfs_init(toy_debugfs_root);
	toy_slab_debugfs_init(toy_debugfs_root);
	toy_highmem_debugfs_init(toy_debugfs_root);
	toy_vmalloc_debugfs_init(toy_debugfs_root);
	toy_fault_debugfs_init(toy_debugfs_root);
	toy_ctl_init(toy_debugfs_root);

	if (dma_mb)
		pr_info("%u MiB region: DMA %u MiB, Normal %u MiB, HighMem %u MiB\n",
			mem_mb, dma_mb, mem_mb - highmem_mb - dma_mb, highmem_mb);
	else
		pr_info("%u MiB region: Normal %u MiB, HighMem %u MiB\n", mem_mb,
			mem_mb - highmem_mb, highmem_mb);
	return 0;

err_kswapd:
	toy_kswapd_stop(&toy_node0);
err_slab:
	toy_slab_exit(true);
	toy_highmem_exit();
err_node:
	toy_node_destroy(&toy_node0);
out:
	toy_fault_end();
	return err;
}

static void __exit toy_alloc_exit(void)
{
	debugfs_remove_recursive(toy_debugfs_root);
	toy_kswapd_stop(&toy_node0);
	toy_kcompactd_stop(&toy_node0);
	toy_ctl_exit();
	toy_highmem_exit();
	toy_slab_exit(false);
	toy_kmalloc_exit();
	toy_node_destroy(&toy_node0);
}

module_init(toy_alloc_init);
module_exit(toy_alloc_exit);

MODULE_DESCRIPTION("toy_alloc: the kernel's allocator stack, re-implemented as an inspectable toy");
MODULE_LICENSE("GPL");
