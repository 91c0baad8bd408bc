// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite toy_context: "Any context" means any context.
 *
 * An hrtimer (hard interrupt) and a timer (softirq) call every API that
 * says "Any context" (tools/anyctx/anyctx_ops.h) while this task does
 * what takes more than one CPU's lock or holds a whole zone or cache
 * still: validate, slab tuning, cache create and destroy, shrinks and pcp
 * drains. Should any of those hold a lock an interrupt wants with
 * interrupts on, UML, which has one CPU, hangs at once, and lockdep says
 * so first (toy_sanity checks it stayed on).
 *
 * The fail-nth countdown belongs to the task that armed it: an interrupt
 * that allocates while that task runs must not use it up.
 */

#include <kunit/test.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/timer.h>

#include "toy_internal.h"
#include "toy_highmem.h"
#include "toy_slab.h"
#include "../tools/anyctx/anyctx_ops.h"

#define CTX_PERIOD_NS	(100 * NSEC_PER_USEC)
#define CTX_RUN		(3 * HZ)

struct ctx_state {
	struct toy_kmem_cache *cache;
	struct hrtimer hrtimer;
	struct timer_list timer;
	struct anyctx_ring hard_ring, soft_ring;
	struct anyctx_stats hard, soft;
	atomic_long_t hard_in_section;	/* runs that found the array held */
	atomic_long_t hard_in_pcp;	/* runs that found the pcp list held */
	bool stop;
};

static struct ctx_state ctx;

static enum hrtimer_restart ctx_hrtimer(struct hrtimer *t)
{
	if (READ_ONCE(ctx.stop))
		return HRTIMER_NORESTART;
	if (READ_ONCE(raw_cpu_ptr(ctx.cache->cpu_cache)->busy))
		atomic_long_inc(&ctx.hard_in_section);
	if (READ_ONCE(raw_cpu_ptr(toy_node0.zones[TOY_ZONE_NORMAL].pcp)->busy))
		atomic_long_inc(&ctx.hard_in_pcp);
	anyctx_run(&ctx.hard, &ctx.hard_ring, ctx.cache);
	hrtimer_forward_now(t, ns_to_ktime(CTX_PERIOD_NS));
	return HRTIMER_RESTART;
}

static void ctx_timer(struct timer_list *t)
{
	if (READ_ONCE(ctx.stop))
		return;
	anyctx_run(&ctx.soft, &ctx.soft_ring, ctx.cache);
	mod_timer(t, jiffies + 1);
}

static void ctx_start(struct kunit *test)
{
	memset(&ctx, 0, sizeof(ctx));
	ctx.cache = toy_kmem_cache_create("toy_test_ctx", 32, 0, 0, NULL);
	KUNIT_ASSERT_NOT_NULL(test, ctx.cache);
	ctx.hard_ring.seed = 1;
	ctx.soft_ring.seed = 2;
	hrtimer_init(&ctx.hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	ctx.hrtimer.function = ctx_hrtimer;
	timer_setup(&ctx.timer, ctx_timer, 0);
	hrtimer_start(&ctx.hrtimer, ns_to_ktime(CTX_PERIOD_NS),
		      HRTIMER_MODE_REL_HARD);
	mod_timer(&ctx.timer, jiffies + 1);
}

/* Stop both callers; neither runs once this returns. */
static void ctx_halt(void)
{
	WRITE_ONCE(ctx.stop, true);
	hrtimer_cancel(&ctx.hrtimer);
	del_timer_sync(&ctx.timer);
}

/* Stop both callers and give back what their rings hold. */
static void ctx_stop(struct kunit *test)
{
	ctx_halt();
	anyctx_release(&ctx.hard, &ctx.hard_ring, ctx.cache);
	anyctx_release(&ctx.soft, &ctx.soft_ring, ctx.cache);
	KUNIT_EXPECT_EQ(test, toy_kmem_cache_destroy(ctx.cache), 0);
}

/* What process context does meanwhile; returns the findings of validate. */
static unsigned long ctx_process_round(struct kunit *test, unsigned int i)
{
	struct toy_kmem_cache *tmp;
	unsigned long bad;

	bad = toy_node_validate(&toy_node0);
	bad += toy_slab_validate(NULL);
	bad += toy_highmem_validate();
	KUNIT_EXPECT_EQ(test, toy_slab_tune(ctx.cache, 1 + i % 60, 1 + i % 30), 0);
	tmp = toy_kmem_cache_create("toy_test_ctx_tmp", 64, 0, 0, NULL);
	if (tmp) {
		toy_kmem_cache_free(tmp, toy_kmem_cache_alloc(tmp, ANYCTX_GFP));
		KUNIT_EXPECT_EQ(test, toy_kmem_cache_destroy(tmp), 0);
	}
	toy_kmem_cache_shrink(ctx.cache);
	toy_node_drain_pcp(&toy_node0);
	if (i % 16 == 15)
		toy_node_set_pcp(&toy_node0, (i / 16) % 2 ? 0 : 8);
	cond_resched();
	return bad;
}

/*
 * Both kinds of interrupt run the "any context" calls hundreds of times
 * while this task freezes zones and caches again and again; nothing
 * hangs, no pattern breaks, and validate finds nothing.
 */
static void toy_context_irq_vs_freeze(struct kunit *test)
{
	unsigned long deadline, bad = 0, pcp_batch;
	unsigned int i = 0;

	pcp_batch = toy_node0.zones[TOY_ZONE_NORMAL].pcp_batch;
	ctx_start(test);
	deadline = jiffies + CTX_RUN;
	while (time_before(jiffies, deadline))
		bad += ctx_process_round(test, i++);
	ctx_stop(test);
	toy_node_set_pcp(&toy_node0, pcp_batch);
	kunit_info(test, "%u process rounds; hardirq %ld runs, %ld calls, %ld NULL; softirq %ld runs, %ld calls, %ld NULL\n",
		   i, atomic_long_read(&ctx.hard.runs),
		   atomic_long_read(&ctx.hard.calls),
		   atomic_long_read(&ctx.hard.nulls),
		   atomic_long_read(&ctx.soft.runs),
		   atomic_long_read(&ctx.soft.calls),
		   atomic_long_read(&ctx.soft.nulls));
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	KUNIT_EXPECT_GT(test, i, 10U);
	KUNIT_EXPECT_GT(test, atomic_long_read(&ctx.hard.runs), 100L);
	KUNIT_EXPECT_GT(test, atomic_long_read(&ctx.soft.runs), 10L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx.hard.bad), 0L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx.soft.bad), 0L);
	KUNIT_EXPECT_EQ(test, toy_node_validate(&toy_node0) +
			toy_slab_validate(NULL), 0UL);
}

/*
 * fail_nth=1 armed by this task: the interrupts' allocations, made while
 * this task is the one running, all succeed; this task's next one fails.
 */
static void toy_context_fail_nth_is_the_tasks(struct kunit *test)
{
	unsigned long deadline;
	void *p;

	ctx_start(test);
	toy_fault_begin(1);
	deadline = jiffies + HZ;
	/* Spin, do not sleep: the interrupts must find this task current. */
	while (atomic_long_read(&ctx.hard.runs) < 50 &&
	       time_before(jiffies, deadline))
		cpu_relax();
	ctx_halt();
	p = toy_kmalloc(32, ANYCTX_GFP);
	toy_fault_end();
	KUNIT_EXPECT_NULL(test, p);
	toy_kfree(p);
	KUNIT_EXPECT_GE(test, atomic_long_read(&ctx.hard.runs), 50L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx.hard.nulls), 0L);
	ctx_stop(test);
}

#define CTX_BATCH	16

/* What the task's rounds found: patterns broken, allocations that failed. */
struct ctx_tally {
	unsigned long broken;
	unsigned long nulls;
};

/*
 * Run @round as fast as this task can for a third of CTX_RUN while both
 * interrupts run, then expect every pattern intact, the hrtimer to have
 * come in during the task's lock-free section (@in_section) at least
 * once, and validate to find nothing.
 */
static void ctx_race(struct kunit *test, const char *what,
		     void (*round)(struct ctx_tally *t),
		     atomic_long_t *in_section)
{
	struct ctx_tally t = { };
	unsigned long deadline, rounds = 0;

	ctx_start(test);
	deadline = jiffies + CTX_RUN / 3;
	while (time_before(jiffies, deadline)) {
		round(&t);
		rounds++;
	}
	ctx_stop(test);
	kunit_info(test, "%lu rounds of %d %s, %lu NULL; hardirq %ld runs, %ld of them inside the task's section\n",
		   rounds, CTX_BATCH, what, t.nulls,
		   atomic_long_read(&ctx.hard.runs), atomic_long_read(in_section));
	KUNIT_EXPECT_EQ(test, t.broken, 0UL);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx.hard.bad), 0L);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&ctx.soft.bad), 0L);
	KUNIT_EXPECT_GT(test, atomic_long_read(in_section), 0L);
	KUNIT_EXPECT_EQ(test, toy_node_validate(&toy_node0) +
			toy_slab_validate(NULL), 0UL);
}

/* CTX_BATCH objects of the hrtimer's cache, each with a pattern, freed. */
static void objects_round(struct ctx_tally *t)
{
	u8 *obj[CTX_BATCH];
	unsigned int i;

	for (i = 0; i < CTX_BATCH; i++) {
		obj[i] = toy_kmem_cache_alloc(ctx.cache, ANYCTX_GFP);
		if (obj[i])
			memset(obj[i], 0xa0 + i, 32);
		else
			t->nulls++;
	}
	for (i = 0; i < CTX_BATCH; i++) {
		if (obj[i] && memchr_inv(obj[i], 0xa0 + i, 32))
			t->broken++;
		toy_kmem_cache_free(ctx.cache, obj[i]);
	}
}

/* CTX_BATCH order-0 pages, each filled with a pattern, freed. */
static void pages_round(struct ctx_tally *t)
{
	struct toy_page *page[CTX_BATCH];
	unsigned int i;

	for (i = 0; i < CTX_BATCH; i++) {
		page[i] = toy_alloc_pages(ANYCTX_GFP, 0);
		if (page[i])
			memset(toy_page_address(page[i]), 0xb0 + i, PAGE_SIZE);
		else
			t->nulls++;
	}
	for (i = 0; i < CTX_BATCH; i++) {
		if (!page[i])
			continue;
		if (memchr_inv(toy_page_address(page[i]), 0xb0 + i, PAGE_SIZE))
			t->broken++;
		toy_free_pages(page[i], 0);
	}
}

/*
 * The lock-free array path against an interrupt on the same CPU: this
 * task allocates and frees objects of the cache the hrtimer uses as
 * fast as it can, so that the hrtimer often comes in while the task holds
 * its CPU's array (array_enter()) and must take the lists. Every object
 * carries a pattern while it is out; none may be handed out twice or be
 * written by the other side, and validate finds nothing afterwards.
 */
static void toy_context_irq_vs_fast_path(struct kunit *test)
{
	ctx_race(test, "objects", objects_round, &ctx.hard_in_section);
}

/*
 * The lock-free pcp lists against an interrupt on the same CPU: this task
 * allocates and frees order-0 pages as fast as it can, so that the
 * hrtimer, which takes and gives back pages too, often comes in while the
 * task holds its CPU's list (pcp_enter()) and must take the zone lock.
 * Every page carries a pattern while it is out; none may be handed out
 * twice, and validate finds the lists and counts whole afterwards.
 */
static void toy_context_irq_vs_pcp(struct kunit *test)
{
	unsigned long pcp_batch = toy_node0.zones[TOY_ZONE_NORMAL].pcp_batch;

	toy_node_set_pcp(&toy_node0, 8);
	ctx_race(test, "pages", pages_round, &ctx.hard_in_pcp);
	toy_node_set_pcp(&toy_node0, pcp_batch);
}

static struct kunit_case toy_context_test_cases[] = {
	KUNIT_CASE(toy_context_irq_vs_freeze),
	KUNIT_CASE(toy_context_irq_vs_fast_path),
	KUNIT_CASE(toy_context_irq_vs_pcp),
	KUNIT_CASE(toy_context_fail_nth_is_the_tasks),
	{}
};

static struct kunit_suite toy_context_test_suite = {
	.name = "toy_context",
	.test_cases = toy_context_test_cases,
};

kunit_test_suite(toy_context_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit tests of toy_alloc's any-context API from interrupts");
MODULE_LICENSE("GPL");
