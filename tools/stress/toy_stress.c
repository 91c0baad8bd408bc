// SPDX-License-Identifier: GPL-2.0
/*
 * SMP stress for toy_alloc, through its public API only.
 *
 * Loading the module starts one kthread per online CPU (or `threads`),
 * each bound to a CPU, that for `seconds` picks random operations: take
 * pages, objects or areas from the toy, fill each with a pattern made of
 * the thread, the slot and a sequence number, and before giving anything
 * back check that the pattern is intact. Load waits for the threads and
 * fails with -EIO if any check failed, so `insmod` itself is the verdict;
 * the numbers go to the log.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "../../toy_kmalloc.h"

static unsigned int threads;
module_param(threads, uint, 0444);
MODULE_PARM_DESC(threads, "kthreads to run (default: one per online CPU)");

static unsigned int seconds = 20;
module_param(seconds, uint, 0444);
MODULE_PARM_DESC(seconds, "how long to run (default 20)");

static unsigned int seed = 1;
module_param(seed, uint, 0444);
MODULE_PARM_DESC(seed, "seed of the random operations");

#define SLOTS		64

enum stress_kind {
	S_EMPTY,
	S_PAGES,
	NR_STRESS_KINDS
};

struct stress_slot {
	enum stress_kind kind;
	struct toy_page *page;
	unsigned int order;
	u8 *data;
	size_t size;
	u8 pattern;
};

struct stress_thread {
	struct task_struct *task;
	unsigned int id;
	struct rnd_state rnd;
	struct stress_slot slot[SLOTS];
	unsigned long ops, fails, errors;
	struct completion done;
};

static u8 pattern_of(struct stress_thread *t, unsigned int i)
{
	return (u8)(t->id * 31 + i * 7 + t->ops);
}

static void fill(struct stress_thread *t, struct stress_slot *s, unsigned int i)
{
	s->pattern = pattern_of(t, i);
	if (s->data)
		memset(s->data, s->pattern, s->size);
}

static void check(struct stress_thread *t, struct stress_slot *s,
		  unsigned int i)
{
	if (s->data && memchr_inv(s->data, s->pattern, s->size)) {
		t->errors++;
		pr_err("thread %u slot %u: pattern %#x damaged\n", t->id, i,
		       s->pattern);
	}
}

static void take(struct stress_thread *t, struct stress_slot *s, u32 r)
{
	toy_gfp_t gfp = (r & 1 ? TOY_GFP_HIGHUSER : TOY_GFP_KERNEL) |
			__TOY_GFP_NOWARN;

	s->order = (r >> 1) % 5;
	s->page = toy_alloc_pages(gfp, s->order);
	if (!s->page) {
		t->fails++;
		return;
	}
	s->kind = S_PAGES;
	s->data = toy_page_address(s->page);
	s->size = PAGE_SIZE << s->order;
}

static void give_back(struct stress_thread *t, struct stress_slot *s,
		      unsigned int i)
{
	check(t, s, i);
	switch (s->kind) {
	case S_PAGES:
		toy_free_pages(s->page, s->order);
		break;
	default:
		break;
	}
	memset(s, 0, sizeof(*s));
}

static int stress_fn(void *arg)
{
	struct stress_thread *t = arg;
	unsigned long end = jiffies + seconds * HZ;
	unsigned int i;

	while (time_before(jiffies, end)) {
		u32 r = prandom_u32_state(&t->rnd);
		struct stress_slot *s;

		i = r % SLOTS;
		s = &t->slot[i];
		if (s->kind == S_EMPTY) {
			take(t, s, r >> 8);
			if (s->kind != S_EMPTY)
				fill(t, s, i);
		} else {
			give_back(t, s, i);
		}
		t->ops++;
		cond_resched();
	}
	for (i = 0; i < SLOTS; i++)
		if (t->slot[i].kind != S_EMPTY)
			give_back(t, &t->slot[i], i);
	complete(&t->done);
	return 0;
}

static int __init toy_stress_init(void)
{
	unsigned int n = threads ?: num_online_cpus(), i;
	unsigned long ops = 0, fails = 0, errors = 0;
	struct stress_thread *t;

	t = kcalloc(n, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		t[i].id = i;
		prandom_seed_state(&t[i].rnd, seed + i);
		init_completion(&t[i].done);
		t[i].task = kthread_create(stress_fn, &t[i], "toy_stress/%u", i);
		if (IS_ERR(t[i].task)) {
			pr_err("cannot start thread %u\n", i);
			n = i;
			break;
		}
		kthread_bind(t[i].task, i % num_online_cpus());
	}
	for (i = 0; i < n; i++)
		wake_up_process(t[i].task);
	for (i = 0; i < n; i++) {
		wait_for_completion(&t[i].done);
		ops += t[i].ops;
		fails += t[i].fails;
		errors += t[i].errors;
	}
	kfree(t);
	pr_info("%u threads, %u s: %lu operations, %lu allocation failures, %lu damaged patterns\n",
		n, seconds, ops, fails, errors);
	return errors ? -EIO : 0;
}

static void __exit toy_stress_exit(void)
{
}

module_init(toy_stress_init);
module_exit(toy_stress_exit);

MODULE_DESCRIPTION("SMP stress of toy_alloc through its public API");
MODULE_LICENSE("GPL");
