// SPDX-License-Identifier: GPL-2.0
/*
 * Module glue: parameters, load and unload, the debugfs directory, and
 * the ctl file through which a shell user calls the API.
 *
 * ctl takes one command per write: a verb and up to TOY_CTL_MAX_ARGS
 * arguments separated by blanks, with or without a trailing newline. Each
 * layer brings its own verbs (toy_buddy_ctl_verbs[], ...). Objects made
 * through ctl are named by handles, small integers from an IDR that are
 * handed out cyclically, so a freed handle stays stale for a long time
 * instead of naming the next object at once.
 *
 * A write that cannot be carried out - malformed, too long, out of range,
 * a stale handle - returns an errno, prints exactly one line saying why and
 * changes nothing. Output never shows a kernel pointer: objects are named
 * by handle, toy pfn and offset.
 *
 * Locking: ctl_mutex serializes commands and guards the handle table; the
 * layers' own locks nest inside it.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/debugfs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "toy_alloc.h"

static unsigned int mem_mb = 64;
module_param(mem_mb, uint, 0444);
MODULE_PARM_DESC(mem_mb, "size of the toy's region in MiB, a multiple of 4 (default 64)");

static unsigned int highmem_mb = 16;
module_param(highmem_mb, uint, 0444);
MODULE_PARM_DESC(highmem_mb, "MiB of the region forming the HighMem zone, a multiple of 4 below mem_mb; 0 for none (default 16)");

static unsigned int pcp_batch = 63;
module_param(pcp_batch, uint, 0444);
MODULE_PARM_DESC(pcp_batch, "order-0 pages moved at once to and from the per-CPU lists, which hold up to 6x that; 0: no per-CPU lists (default 63)");

static DEFINE_MUTEX(ctl_mutex);
static DEFINE_IDR(handles);
static struct dentry *toy_debugfs_root;

/* ==== Handles ==== */

static const char *const handle_kind_names[] = {
	[TOY_H_PAGES]		= "pages",
	[TOY_H_KMALLOC]		= "kmalloc",
	[TOY_H_CACHE_OBJ]	= "cache_obj",
	[TOY_H_VMALLOC]		= "vmalloc",
};

static_assert(ARRAY_SIZE(handle_kind_names) == TOY_NR_HANDLE_KINDS);

/**
 * toy_handle_kind_name() - printable name of a handle kind
 * @kind: the kind.
 *
 * Return: a static string.
 */
const char *toy_handle_kind_name(enum toy_handle_kind kind)
{
	return handle_kind_names[kind];
}

/**
 * toy_handle_new() - make a handle for an object about to be created
 * @kind: what it will name.
 *
 * The caller fills in the object and deletes the handle if creating the
 * object fails.
 *
 * Context: Process context, ctl mutex held.
 * Return: the handle with a fresh id, or NULL (and a line why) on failure.
 */
struct toy_handle *toy_handle_new(enum toy_handle_kind kind)
{
	struct toy_handle *h;
	int id;

	lockdep_assert_held(&ctl_mutex);
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		goto err;
	id = idr_alloc_cyclic(&handles, h, 1, INT_MAX, GFP_KERNEL);
	if (id < 0) {
		kfree(h);
		goto err;
	}
	h->id = id;
	h->kind = kind;
	return h;
err:
	pr_info("out of memory for a new handle\n");
	return NULL;
}

/**
 * toy_handle_find() - look a handle up by id
 * @id: the id the user gave.
 *
 * Context: ctl mutex held.
 * Return: the handle, or NULL if no live handle has that id.
 */
struct toy_handle *toy_handle_find(int id)
{
	lockdep_assert_held(&ctl_mutex);
	return idr_find(&handles, id);
}

/**
 * toy_handle_delete() - forget a handle; its id becomes stale
 * @h: the handle; the object it named must be gone already.
 *
 * Context: ctl mutex held.
 */
void toy_handle_delete(struct toy_handle *h)
{
	lockdep_assert_held(&ctl_mutex);
	idr_remove(&handles, h->id);
	kfree(h);
}

static int handles_show(struct seq_file *m, void *v)
{
	struct toy_handle *h;
	int id;

	seq_puts(m, "# id kind order pfn zone size\n");
	mutex_lock(&ctl_mutex);
	idr_for_each_entry(&handles, h, id) {
		seq_printf(m, "%d %s", h->id, toy_handle_kind_name(h->kind));
		if (h->page)
			seq_printf(m, " %u %lu %s", h->order,
				   toy_page_to_pfn(h->page),
				   toy_page_zone(&toy_node0, h->page)->name);
		else
			seq_puts(m, " - - -");
		seq_printf(m, " %zu\n", h->size);
	}
	mutex_unlock(&ctl_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(handles);

/* At unload: say what the user left behind, then forget the handles. */
static void report_live_handles(void)
{
	unsigned int count[TOY_NR_HANDLE_KINDS] = { };
	unsigned int total = 0;
	struct toy_handle *h;
	int id, k;

	idr_for_each_entry(&handles, h, id) {
		count[h->kind]++;
		total++;
		kfree(h);
	}
	idr_destroy(&handles);
	if (!total)
		return;
	pr_warn("unload with %u live handles:\n", total);
	for (k = 0; k < TOY_NR_HANDLE_KINDS; k++)
		if (count[k])
			pr_warn("  %u %s\n", count[k], toy_handle_kind_name(k));
}

/* ==== ctl: parsing helpers for the verbs ==== */

/**
 * toy_ctl_parse_uint() - parse a decimal argument of a ctl verb
 * @verb: the verb, for the message.
 * @what: the argument's name, for the message.
 * @s: the text.
 * @max: the largest value accepted.
 * @val: gets the value.
 *
 * Return: 0, or -EINVAL / -ERANGE after printing one line why.
 */
int toy_ctl_parse_uint(const char *verb, const char *what, const char *s,
		       unsigned int max, unsigned int *val)
{
	int err = kstrtouint(s, 0, val);

	if (err) {
		pr_info("%s: %s '%s' is not a number from 0 to %u\n", verb,
			what, s, max);
		return err;
	}
	if (*val > max) {
		pr_info("%s: %s %u is over the limit of %u\n", verb, what, *val,
			max);
		return -ERANGE;
	}
	return 0;
}

/**
 * toy_ctl_handle() - parse a handle argument and look it up
 * @verb: the verb, for the message.
 * @s: the text of the handle.
 * @kind: the kind the verb works on.
 *
 * Context: ctl mutex held.
 * Return: the handle, or an ERR_PTR() after printing one line why: -EINVAL
 * for text that is no handle, -ENOENT for a stale one, -EINVAL for one of
 * another kind.
 */
struct toy_handle *toy_ctl_handle(const char *verb, const char *s,
				  enum toy_handle_kind kind)
{
	struct toy_handle *h;
	unsigned int id;

	if (kstrtouint(s, 10, &id) || !id || id > INT_MAX) {
		pr_info("%s: '%s' is not a handle\n", verb, s);
		return ERR_PTR(-EINVAL);
	}
	h = toy_handle_find(id);
	if (!h) {
		pr_info("%s: no live handle %u (freed already, or never made)\n",
			verb, id);
		return ERR_PTR(-ENOENT);
	}
	if (h->kind != kind) {
		pr_info("%s: handle %u is %s, not %s\n", verb, id,
			toy_handle_kind_name(h->kind), toy_handle_kind_name(kind));
		return ERR_PTR(-EINVAL);
	}
	return h;
}

/* ==== validate: every layer at once ==== */

/*
 * Check each layer; print and return the number of inconsistencies. With
 * @repair, the slab layer also mends what it finds (the buddy and highmem
 * checks only ever report: they find nothing a repair could safely undo).
 */
static unsigned long validate_all(struct seq_file *m, bool repair)
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
	validate_all(m, false);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(validate);

/* ctl "validate [repair]": -EUCLEAN when anything was found. */
static int ctl_validate(int argc, char **argv)
{
	bool repair = false;

	if (argc > 1) {
		if (strcmp(argv[1], "repair")) {
			pr_info("validate: '%s': the only word validate takes is 'repair'\n",
				argv[1]);
			return -EINVAL;
		}
		repair = true;
	}
	return validate_all(NULL, repair) ? -EUCLEAN : 0;
}

static const struct toy_ctl_verb main_ctl_verbs[] = {
	{ "validate", "[repair]", 0, 1, ctl_validate },
	{ }
};

/* ==== ctl: the file ==== */

static const struct toy_ctl_verb *const ctl_tables[] = {
	main_ctl_verbs,
	toy_buddy_ctl_verbs,
	toy_slab_ctl_verbs,
	toy_highmem_ctl_verbs,
};

static const struct toy_ctl_verb *find_verb(const char *name)
{
	const struct toy_ctl_verb *v;
	int t;

	for (t = 0; t < ARRAY_SIZE(ctl_tables); t++)
		for (v = ctl_tables[t]; v->name; v++)
			if (!strcmp(v->name, name))
				return v;
	return NULL;
}

/* Split @line at blanks into at most @max words; -E2BIG past that. */
static int split_words(char *line, char **argv, int max)
{
	int argc = 0;
	char *word;

	while ((word = strsep(&line, " \t")) != NULL) {
		if (!*word)
			continue;
		if (argc == max)
			return -E2BIG;
		argv[argc++] = word;
	}
	return argc;
}

static int run_line(char *line)
{
	char *argv[TOY_CTL_MAX_ARGS + 2];
	const struct toy_ctl_verb *v;
	int argc;

	argc = split_words(line, argv, ARRAY_SIZE(argv));
	if (argc == 0) {
		pr_info("ctl: empty command\n");
		return -EINVAL;
	}
	if (argc < 0) {
		pr_info("ctl: more than %d arguments\n", TOY_CTL_MAX_ARGS);
		return -EINVAL;
	}
	v = find_verb(argv[0]);
	if (!v) {
		pr_info("ctl: unknown verb '%.32s'\n", argv[0]);
		return -EINVAL;
	}
	if (argc - 1 < v->min_args || argc - 1 > v->max_args) {
		pr_info("ctl: usage: %s%s%s\n", v->name, *v->usage ? " " : "",
			v->usage);
		return -EINVAL;
	}
	return v->run(argc, argv);
}

static ssize_t ctl_write(struct file *file, const char __user *ubuf,
			 size_t len, loff_t *ppos)
{
	size_t count = len;
	char *buf;
	int err;

	if (*ppos) {
		pr_info("ctl: one command per write, at offset 0\n");
		return -EINVAL;
	}
	if (len >= PAGE_SIZE) {
		pr_info("ctl: a write of %zu bytes is over the limit of %lu\n",
			len, PAGE_SIZE - 1);
		return -EINVAL;
	}
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf)) {
		pr_info("ctl: cannot copy the command (%ld)\n", PTR_ERR(buf));
		return PTR_ERR(buf);
	}
	if (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (strlen(buf) != len) {
		pr_info("ctl: the command holds a NUL byte\n");
		err = -EINVAL;
	} else {
		mutex_lock(&ctl_mutex);
		toy_fault_begin_command();
		err = run_line(buf);
		toy_fault_end();
		mutex_unlock(&ctl_mutex);
	}
	kfree(buf);
	if (err)
		return err;
	*ppos += count;
	return count;
}

static const struct file_operations ctl_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.write	= ctl_write,
	.llseek	= noop_llseek,
};

/* ==== Load and unload ==== */

static int __init toy_alloc_init(void)
{
	int err;

	if (pcp_batch > TOY_PCP_BATCH_MAX) {
		pr_err("pcp_batch=%u is over the limit of %u\n", pcp_batch,
		       TOY_PCP_BATCH_MAX);
		return -EINVAL;
	}
	toy_fault_begin_init();
	err = toy_node_init(&toy_node0, 0, mem_mb, highmem_mb);
	if (err)
		goto out;
	toy_node_set_pcp(&toy_node0, pcp_batch);
	err = toy_highmem_init();
	if (err)
		goto err_node;
	err = toy_slab_init();
	if (err)
		goto err_highmem;
	toy_fault_end();

	toy_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("ctl", 0200, toy_debugfs_root, NULL, &ctl_fops);
	debugfs_create_file("handles", 0400, toy_debugfs_root, NULL,
			    &handles_fops);
	debugfs_create_file("validate", 0400, toy_debugfs_root, NULL,
			    &validate_fops);
	toy_buddy_debugfs_init(toy_debugfs_root);
	toy_slab_debugfs_init(toy_debugfs_root);
	toy_highmem_debugfs_init(toy_debugfs_root);
	toy_fault_debugfs_init(toy_debugfs_root);

	pr_info("%u MiB region: Normal %u MiB, HighMem %u MiB\n", mem_mb,
		mem_mb - highmem_mb, highmem_mb);
	return 0;

err_highmem:
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
	report_live_handles();
	toy_highmem_exit();
	toy_slab_exit();
	toy_node_destroy(&toy_node0);
}

module_init(toy_alloc_init);
module_exit(toy_alloc_exit);

MODULE_DESCRIPTION("toy_alloc: the kernel's allocator stack, re-implemented as an inspectable toy");
MODULE_LICENSE("GPL");
