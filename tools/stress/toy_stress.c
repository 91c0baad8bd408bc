// SPDX-License-Identifier: GPL-2.0
/*
 * SMP stress for toy_alloc, through its public API only.
 *
 * Loading the module starts one kthread per online CPU (or `threads`),
 * each bound to a CPU, that for `seconds` picks random operations: take
 * pages, kmalloc memory of any size from 1 byte to 16 KiB, or objects of
 * a few named caches (one with every debug flag) from the toy, fill each
 * with a pattern made of the thread, the slot and a sequence number, and
 * before giving anything back check that the pattern is intact. Some
 * kmalloc memory is krealloc()ed on the way back, its pattern checked
 * across the move. Some objects are handed to whichever thread next
 * passes by an exchange slot, so they are freed on another CPU than the
 * one that allocated them, into that CPU's per-CPU array; now and then a
 * thread shrinks a cache, draining every CPU's array under the others.
 * At the end every cache must be destroyable: nothing left allocated.
 * Load waits for the threads and fails with -EIO if any check failed, so
 * `insmod` itself is the verdict; the numbers go to the log.
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

/* Objects in passing between threads; a pointer tagged with its kind. */
#define EXCHANGE_SLOTS	16
#define TAG_MASK	7UL	/* objects are at least 8-byte aligned */
#define TAG_KMALLOC	7UL	/* else the index in caches[] */

enum stress_kind {
	S_EMPTY,
	S_PAGES,
	S_KMALLOC,
	S_CACHE,
	NR_STRESS_KINDS
};

struct stress_slot {
	enum stress_kind kind;
	struct toy_page *page;
	unsigned int order;
	unsigned int cache;
	u8 *data;
	size_t size;
	u8 pattern;
};

static const struct {
	const char *name;
	unsigned int size;
	toy_slab_flags_t flags;
} cache_specs[] = {
	{ "toy_stress_24", 24, 0 },
	{ "toy_stress_200", 200, TOY_SLAB_HWCACHE_ALIGN },
	{ "toy_stress_3000", 3000, 0 },
	{ "toy_stress_debug", 100, TOY_SLAB_DEBUG },
};

static struct toy_kmem_cache *caches[ARRAY_SIZE(cache_specs)];
static atomic_long_t exchange[EXCHANGE_SLOTS];
static atomic_long_t nr_exchanged, nr_shrinks;

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

static void take_pages(struct stress_thread *t, struct stress_slot *s, u32 r)
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

/* A size from 1 byte to 16 KiB, every kmalloc cache about as often. */
static size_t random_size(u32 r)
{
	return 1 + (r >> 4) % (8U << (r % 12));
}

static void take_kmalloc(struct stress_thread *t, struct stress_slot *s,
			 u32 r)
{
	s->size = random_size(r);
	s->data = toy_kmalloc(s->size, TOY_GFP_KERNEL | __TOY_GFP_NOWARN);
	if (!s->data) {
		t->fails++;
		return;
	}
	s->kind = S_KMALLOC;
}

static void take_cache_obj(struct stress_thread *t, struct stress_slot *s,
			   u32 r)
{
	s->cache = r % ARRAY_SIZE(caches);
	s->data = toy_kmem_cache_alloc(caches[s->cache],
				       TOY_GFP_KERNEL | __TOY_GFP_NOWARN);
	if (!s->data) {
		t->fails++;
		return;
	}
	s->kind = S_CACHE;
	s->size = cache_specs[s->cache].size;
}

static void take(struct stress_thread *t, struct stress_slot *s, u32 r)
{
	switch (r % 3) {
	case 0:
		take_pages(t, s, r / 3);
		break;
	case 1:
		take_kmalloc(t, s, r / 3);
		break;
	default:
		take_cache_obj(t, s, r / 3);
		break;
	}
}

/*
 * Check an object that came from the exchange, whole, and free it on
 * behalf of thread @id. Return 1 if its pattern was damaged.
 */
static unsigned int free_passed(unsigned int id, unsigned long v)
{
	unsigned long tag = v & TAG_MASK;
	u8 *p = (u8 *)(v & ~TAG_MASK);
	unsigned int bad = 0;
	size_t size;

	size = tag == TAG_KMALLOC ? toy_ksize(p) : cache_specs[tag].size;
	if (memchr_inv(p, p[0], size)) {
		bad = 1;
		pr_err("thread %u: object passed between threads: pattern %#x damaged\n",
		       id, p[0]);
	}
	if (tag == TAG_KMALLOC)
		toy_kfree(p);
	else
		toy_kmem_cache_free(caches[tag], p);
	return bad;
}

/*
 * Hand an object to another thread: fill all of it with its pattern, put
 * it in an exchange slot, and free whatever the slot held before.
 */
static void pass_on(struct stress_thread *t, struct stress_slot *s, u32 r)
{
	unsigned long tag = s->kind == S_KMALLOC ? TAG_KMALLOC : s->cache;
	unsigned long old;

	memset(s->data, s->pattern, s->kind == S_KMALLOC ? toy_ksize(s->data) :
	       s->size);
	old = atomic_long_xchg(&exchange[r % EXCHANGE_SLOTS],
			       (unsigned long)s->data | tag);
	atomic_long_inc(&nr_exchanged);
	if (old)
		t->errors += free_passed(t->id, old);
}

/* krealloc() to a new size: what fits of the pattern must move along. */
static void resize(struct stress_thread *t, struct stress_slot *s,
		   unsigned int i, u32 r)
{
	size_t size = random_size(r);
	u8 *p;

	p = toy_krealloc(s->data, size, TOY_GFP_KERNEL | __TOY_GFP_NOWARN);
	if (!p) {
		t->fails++;
		return;
	}
	if (memchr_inv(p, s->pattern, min(size, s->size))) {
		t->errors++;
		pr_err("thread %u slot %u: pattern %#x damaged by krealloc %zu -> %zu\n",
		       t->id, i, s->pattern, s->size, size);
	}
	s->data = p;
	s->size = size;
	memset(p, s->pattern, size);
}

static void give_back(struct stress_thread *t, struct stress_slot *s,
		      unsigned int i, u32 r)
{
	check(t, s, i);
	if (s->kind == S_KMALLOC && r % 4 == 0)
		resize(t, s, i, r >> 2);
	if ((s->kind == S_KMALLOC || s->kind == S_CACHE) && r % 8 == 1) {
		pass_on(t, s, r >> 3);
		memset(s, 0, sizeof(*s));
		return;
	}
	switch (s->kind) {
	case S_PAGES:
		toy_free_pages(s->page, s->order);
		break;
	case S_KMALLOC:
		toy_kfree(s->data);
		break;
	case S_CACHE:
		toy_kmem_cache_free(caches[s->cache], s->data);
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
			give_back(t, s, i, r >> 8);
		}
		if ((r >> 8) % 4096 == 7) {
			toy_kmem_cache_shrink(caches[(r >> 20) % ARRAY_SIZE(caches)]);
			atomic_long_inc(&nr_shrinks);
		}
		t->ops++;
		cond_resched();
	}
	for (i = 0; i < SLOTS; i++)
		if (t->slot[i].kind != S_EMPTY)
			give_back(t, &t->slot[i], i, 2);
	complete(&t->done);
	return 0;
}

static void destroy_caches(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(caches); i++) {
		if (caches[i] && toy_kmem_cache_destroy(caches[i]))
			pr_err("%s: objects left behind\n", cache_specs[i].name);
		caches[i] = NULL;
	}
}

static int create_caches(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(caches); i++) {
		caches[i] = toy_kmem_cache_create(cache_specs[i].name,
						  cache_specs[i].size, 0,
						  cache_specs[i].flags, NULL);
		if (!caches[i]) {
			destroy_caches();
			return -ENOMEM;
		}
	}
	return 0;
}

/* Free what is still in passing; count what was damaged. */
static unsigned long drain_exchange(void)
{
	unsigned long v, errors = 0;
	unsigned int i;

	for (i = 0; i < EXCHANGE_SLOTS; i++) {
		v = atomic_long_xchg(&exchange[i], 0);
		if (v)
			errors += free_passed(UINT_MAX, v);
	}
	return errors;
}

/* Every cache can go: nothing of the stress is left allocated. */
static unsigned long left_behind(void)
{
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(caches); i++) {
		if (toy_kmem_cache_destroy(caches[i])) {
			pr_err("%s: objects left behind\n", cache_specs[i].name);
			n++;
			continue;
		}
		caches[i] = NULL;
	}
	return n;
}

static int __init toy_stress_init(void)
{
	unsigned int n = threads ?: num_online_cpus(), i;
	unsigned long ops = 0, fails = 0, errors = 0;
	struct stress_thread *t;
	int err;

	err = create_caches();
	if (err)
		return err;
	t = kcalloc(n, sizeof(*t), GFP_KERNEL);
	if (!t) {
		destroy_caches();
		return -ENOMEM;
	}
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
		/*
		 * Woken every second: insmod sleeps uninterruptibly for the
		 * whole run, and one unbroken sleep longer than the hung task
		 * timeout (120 s on Debian) would be reported with a trace.
		 */
		while (!wait_for_completion_timeout(&t[i].done, HZ))
			;
		ops += t[i].ops;
		fails += t[i].fails;
		errors += t[i].errors;
	}
	kfree(t);
	errors += drain_exchange();
	errors += left_behind();
	pr_info("%u threads, %u s: %lu operations, %lu allocation failures, %lu objects passed between threads, %lu shrinks, %lu damaged patterns or leaks\n",
		n, seconds, ops, fails, atomic_long_read(&nr_exchanged),
		atomic_long_read(&nr_shrinks), errors);
	destroy_caches();
	return errors ? -EIO : 0;
}

static void __exit toy_stress_exit(void)
{
}

module_init(toy_stress_init);
module_exit(toy_stress_exit);

MODULE_DESCRIPTION("SMP stress of toy_alloc through its public API");
MODULE_LICENSE("GPL");
