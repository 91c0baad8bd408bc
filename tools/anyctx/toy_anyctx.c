// SPDX-License-Identifier: GPL-2.0
/*
 * toy_alloc from interrupts, on every CPU, for as long as it is loaded.
 *
 * Loading the module starts, on each online CPU, a pinned hrtimer that
 * fires every `period_us` in hard interrupt context and a pinned timer
 * that fires every jiffy in softirq context; each call runs the "any
 * context" API of toy_alloc through anyctx_ops.h (kmalloc, krealloc,
 * ksize, kcalloc, kfree, a cache's alloc and free, pages of both zones,
 * page_address, kmap_local and kmap_atomic), each CPU and kind with memory
 * of its own that the next call checks and frees. Meanwhile the shell
 * does what holds zones and caches still (tests/vm/76-anyctx.sh).
 * Unloading stops the callers, gives everything back and prints one line
 * per kind; a broken pattern makes it print "toy_anyctx: FAILED".
 *
 * On PREEMPT_RT the hrtimer is a soft one, run by the timer thread: there
 * a hard interrupt may take only raw spinlocks, so the kernel's own
 * allocators may not be called from one either, and neither may the
 * toy's, whose locks are spinlock_t. "Any context" on PREEMPT_RT is any
 * context that may take a spinlock_t, and the hrtimer's line says
 * "hrtimer-softirq".
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/timer.h>

#include "anyctx_ops.h"

static unsigned int period_us = 200;
module_param(period_us, uint, 0444);
MODULE_PARM_DESC(period_us, "microseconds between two hard interrupt calls on a CPU (default 200)");

struct anyctx_cpu {
	struct hrtimer hrtimer;
	struct timer_list timer;
	struct anyctx_ring hard_ring, soft_ring;
};

static DEFINE_PER_CPU(struct anyctx_cpu, anyctx_cpus);
static struct anyctx_stats hard, soft;
static struct toy_kmem_cache *cache;
static bool stopping;

static enum hrtimer_restart anyctx_hrtimer(struct hrtimer *t)
{
	struct anyctx_cpu *c = container_of(t, struct anyctx_cpu, hrtimer);

	if (READ_ONCE(stopping))
		return HRTIMER_NORESTART;
	anyctx_run(&hard, &c->hard_ring, cache);
	hrtimer_forward_now(t, ns_to_ktime(period_us * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void anyctx_timer(struct timer_list *t)
{
	struct anyctx_cpu *c = container_of(t, struct anyctx_cpu, timer);

	if (READ_ONCE(stopping))
		return;
	anyctx_run(&soft, &c->soft_ring, cache);
	mod_timer(t, jiffies + 1);
}

/* Runs on each CPU: a pinned timer stays on the CPU that started it. */
#define ANYCTX_HRTIMER_MODE	(IS_ENABLED(CONFIG_PREEMPT_RT) ?	\
				 HRTIMER_MODE_REL_PINNED :		\
				 HRTIMER_MODE_REL_PINNED_HARD)

/* What the hrtimer's calls are reported as: hard only without PREEMPT_RT. */
#define ANYCTX_HRTIMER_KIND	(IS_ENABLED(CONFIG_PREEMPT_RT) ?	\
				 "hrtimer-softirq" : "hardirq")

static void anyctx_start_here(void *unused)
{
	struct anyctx_cpu *c = this_cpu_ptr(&anyctx_cpus);

	hrtimer_start(&c->hrtimer, ns_to_ktime(period_us * NSEC_PER_USEC),
		      ANYCTX_HRTIMER_MODE);
}

static int __init anyctx_init(void)
{
	int cpu;

	if (!period_us)
		return -EINVAL;
	cache = toy_kmem_cache_create("anyctx", 32, 0, 0, NULL);
	if (!cache)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct anyctx_cpu *c = per_cpu_ptr(&anyctx_cpus, cpu);

		hrtimer_init(&c->hrtimer, CLOCK_MONOTONIC, ANYCTX_HRTIMER_MODE);
		c->hrtimer.function = anyctx_hrtimer;
		timer_setup(&c->timer, anyctx_timer, TIMER_PINNED);
		c->hard_ring.seed = 2 * cpu + 1;
		c->soft_ring.seed = 2 * cpu + 2;
	}
	cpus_read_lock();
	for_each_online_cpu(cpu)
		add_timer_on(&per_cpu_ptr(&anyctx_cpus, cpu)->timer, cpu);
	on_each_cpu(anyctx_start_here, NULL, 1);
	cpus_read_unlock();
	pr_info("started: an hrtimer every %u us and a timer every jiffy on each of %u CPUs\n",
		period_us, num_online_cpus());
	return 0;
}

static void report(const char *kind, struct anyctx_stats *st)
{
	pr_info("%s: %ld runs, %ld calls, %ld found no memory, %ld bad patterns\n",
		kind, atomic_long_read(&st->runs), atomic_long_read(&st->calls),
		atomic_long_read(&st->nulls), atomic_long_read(&st->bad));
}

static void __exit anyctx_exit(void)
{
	int cpu, err;

	WRITE_ONCE(stopping, true);
	for_each_possible_cpu(cpu) {
		struct anyctx_cpu *c = per_cpu_ptr(&anyctx_cpus, cpu);

		hrtimer_cancel(&c->hrtimer);
		del_timer_sync(&c->timer);
		anyctx_release(&hard, &c->hard_ring, cache);
		anyctx_release(&soft, &c->soft_ring, cache);
	}
	err = toy_kmem_cache_destroy(cache);
	report(ANYCTX_HRTIMER_KIND, &hard);
	report("softirq", &soft);
	if (err || atomic_long_read(&hard.bad) || atomic_long_read(&soft.bad))
		pr_err("FAILED (cache destroy: %d)\n", err);
}

module_init(anyctx_init);
module_exit(anyctx_exit);

MODULE_DESCRIPTION("Calls toy_alloc's any-context API from hard and soft interrupts");
MODULE_LICENSE("GPL");
