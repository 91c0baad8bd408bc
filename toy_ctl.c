// SPDX-License-Identifier: GPL-2.0
/*
 * The ctl file, through which a shell user calls the API: its parser, its
 * verb table and the handles that name what ctl made.
 *
 * ctl takes one command per write: a verb and up to TOY_CTL_MAX_ARGS
 * arguments separated by blanks, with or without a trailing newline. Each
 * layer brings its own verbs, in a file of its own: toy_ctl_buddy.c,
 * toy_ctl_slab.c and toy_ctl_highmem.c; a verb calls the public API of
 * toy_kmalloc.h where it can and its layer's header where it must, and is
 * the only code that knows about handles. Objects made through ctl are
 * named by handles, small integers from an IDR that are handed out
 * cyclically, so a freed handle stays stale for a long time instead of
 * naming the next object at once.
 *
 * A write that cannot be carried out - malformed, too long, out of range,
 * a stale handle - returns an errno, prints exactly one line saying why and
 * changes nothing. A verb names itself in its messages by argv[0], as the
 * user wrote it and the verb table matched it. Output never shows a kernel
 * pointer: objects are named by handle, toy pfn and offset.
 *
 * Locking: ctl_mutex serializes commands and guards the handle table; the
 * layers' own locks nest inside it (toy_internal.h has the whole order).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "toy_ctl.h"

static DEFINE_MUTEX(ctl_mutex);
static DEFINE_IDR(handles);

/* ==== Handles ==== */

static const char *const handle_kind_names[] = {
	[TOY_H_PAGES]		= "pages",
	[TOY_H_KMALLOC]		= "kmalloc",
	[TOY_H_CACHE_OBJ]	= "cache_obj",
	[TOY_H_VMALLOC]		= "vmalloc",
	[TOY_H_CACHE]		= "cache",
	[TOY_H_MOVABLE]		= "movable",
};

static_assert(ARRAY_SIZE(handle_kind_names) == TOY_NR_HANDLE_KINDS);

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

/**
 * toy_ctl_pin() - the block a handle names, held where it is
 * @verb: the verb, for the line said when there is none.
 * @h: a handle of a kind in %TOY_HK_BLOCKS.
 *
 * A "pages" block never moves; a movable or cache block is pinned until
 * toy_ctl_unpin(), so that compaction leaves it where it is and reclaim
 * does not take it.
 *
 * Context: Process context, ctl mutex held.
 * Return: the block's head, or NULL, after a line, for a page cache block
 * reclaim took.
 */
struct toy_page *toy_ctl_pin(const char *verb, struct toy_handle *h)
{
	struct toy_page *page;

	lockdep_assert_held(&ctl_mutex);
	if (h->kind == TOY_H_PAGES)
		return h->page;
	page = toy_page_ref_pin(&toy_node0, &h->ref);
	if (!page)
		pr_info("%s: handle %d: reclaim took its page cache block\n",
			verb, h->id);
	return page;
}

/**
 * toy_ctl_unpin() - undo a toy_ctl_pin() that returned a block
 * @h: the handle.
 *
 * Context: Process context, ctl mutex held.
 */
void toy_ctl_unpin(struct toy_handle *h)
{
	lockdep_assert_held(&ctl_mutex);
	if (h->kind != TOY_H_PAGES)
		toy_page_ref_unpin(&toy_node0, &h->ref);
}

/* An owned block's line: where it is now, or "reclaimed". */
static void ref_show(struct seq_file *m, struct toy_handle *h)
{
	long pfn = toy_page_ref_pfn(&toy_node0, &h->ref);

	if (pfn < 0)
		seq_printf(m, " %u reclaimed -", h->ref.order);
	else
		seq_printf(m, " %u %ld %s", h->ref.order, pfn,
			   toy_page_zone(&toy_node0, toy_pfn_to_page(pfn))->name);
}

static int handles_show(struct seq_file *m, void *v)
{
	struct toy_handle *h;
	int id;

	seq_puts(m, "# id kind order pfn zone size\n");
	mutex_lock(&ctl_mutex);
	idr_for_each_entry(&handles, h, id) {
		seq_printf(m, "%d %s", h->id, handle_kind_names[h->kind]);
		if (h->kind == TOY_H_CACHE || h->kind == TOY_H_MOVABLE)
			ref_show(m, h);
		else if (h->page)
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
		/*
		 * The block points at the record: let go of it first. The
		 * mappings that pinned it are dropped with the ctl task's
		 * after this, and kswapd and kcompactd are stopped.
		 */
		if (h->kind == TOY_H_CACHE || h->kind == TOY_H_MOVABLE) {
			h->ref.pins = 0;
			toy_page_ref_put(&toy_node0, &h->ref);
		}
		kfree(h);
	}
	idr_destroy(&handles);
	if (!total)
		return;
	pr_warn("unload with %u live handles:\n", total);
	for (k = 0; k < TOY_NR_HANDLE_KINDS; k++)
		if (count[k])
			pr_warn("  %u %s\n", count[k], handle_kind_names[k]);
}

/* ==== Parsing helpers for the verbs ==== */

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

/* "kmalloc or cache_obj": the names of the kinds in @kinds, for a message. */
static void kinds_text(unsigned int kinds, char *buf, size_t len)
{
	const char *sep = "";
	size_t n = 0;
	int k;

	buf[0] = '\0';
	for (k = 0; k < TOY_NR_HANDLE_KINDS; k++) {
		if (!(kinds & BIT(k)))
			continue;
		n += scnprintf(buf + n, len - n, "%s%s", sep,
			       handle_kind_names[k]);
		sep = " or ";
	}
}

/**
 * toy_ctl_handle() - parse a handle argument and look it up
 * @verb: the verb, for the message.
 * @s: the text of the handle.
 * @kinds: the kinds the verb works on, TOY_HK_* or-ed.
 *
 * Context: ctl mutex held.
 * Return: the handle, or an ERR_PTR() after printing one line why: -EINVAL
 * for text that is no handle, -ENOENT for a stale one, -EINVAL for one of
 * another kind.
 */
struct toy_handle *toy_ctl_handle(const char *verb, const char *s,
				  unsigned int kinds)
{
	struct toy_handle *h;
	unsigned int id;
	char want[48];

	lockdep_assert_held(&ctl_mutex);
	if (kstrtouint(s, 10, &id) || !id || id > INT_MAX) {
		pr_info("%s: '%.16s' is not a handle\n", verb, s);
		return ERR_PTR(-EINVAL);
	}
	h = idr_find(&handles, id);
	if (!h) {
		pr_info("%s: no live handle %u (freed already, or never made)\n",
			verb, id);
		return ERR_PTR(-ENOENT);
	}
	if (!(kinds & BIT(h->kind))) {
		kinds_text(kinds, want, sizeof(want));
		pr_info("%s: handle %u is %s, not %s\n", verb, id,
			handle_kind_names[h->kind], want);
		return ERR_PTR(-EINVAL);
	}
	return h;
}

/* ==== The verbs of the module as a whole ==== */

/* "validate [repair]": -EUCLEAN when anything was found. */
static int ctl_validate(int argc, char **argv)
{
	bool repair = false;

	if (argc > 1) {
		if (strcmp(argv[1], "repair")) {
			pr_info("%s: '%.16s': the only word %s takes is 'repair'\n",
				argv[0], argv[1], argv[0]);
			return -EINVAL;
		}
		repair = true;
	}
	return toy_validate_all(NULL, repair) ? -EUCLEAN : 0;
}

static const struct toy_ctl_verb ctl_verbs[] = {
	{ "validate", "[repair]", 0, 1, ctl_validate },
	{ }
};

/* ==== The file ==== */

static const struct toy_ctl_verb *const ctl_tables[] = {
	ctl_verbs,
	toy_ctl_buddy_verbs,
	toy_ctl_slab_verbs,
	toy_ctl_highmem_verbs,
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

/* ==== Set up and tear down ==== */

/**
 * toy_ctl_init() - create the ctl and handles files
 * @root: the module's debugfs directory.
 *
 * Context: Module load, after every layer is set up.
 */
void toy_ctl_init(struct dentry *root)
{
	toy_ctl_highmem_init();
	debugfs_create_file("ctl", 0200, root, NULL, &ctl_fops);
	debugfs_create_file("handles", 0400, root, NULL, &handles_fops);
}

/**
 * toy_ctl_exit() - forget every handle and the ctl file's local mappings
 *
 * Says what the user left behind. The objects themselves go back with
 * their layers, which are torn down after this.
 *
 * Context: Module unload, after the debugfs directory is gone.
 */
void toy_ctl_exit(void)
{
	report_live_handles();
	toy_ctl_highmem_exit();
}
