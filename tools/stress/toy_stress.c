// SPDX-License-Identifier: GPL-2.0
/*
 * SMP stress for toy_alloc, through its public API only.
 *
 * Loading the module starts one kthread per online CPU (or `threads`),
 * each bound to a CPU, that for `seconds` picks random operations: take
 * pages, kmalloc memory of any size from 1 byte to 16 KiB, objects of a
 * few named caches (one with every debug flag), or vmalloc areas of 1
 * byte to 64 KiB and now and then a few pages more, from the toy, fill
 * each with a pattern made of the thread, the slot and a sequence number,
 * and before giving anything back check that the pattern is intact. Some
 * kmalloc memory is krealloc()ed on the way back, its pattern checked
 * across the move. Some objects are handed to whichever thread next
 * passes by an exchange slot, so they are freed on another CPU than the
 * one that allocated them, into that CPU's per-CPU array; now and then a
 * thread shrinks a cache, draining every CPU's array under the others.
 * One take in movable_every (8) is a movable page (toy_alloc_movable()),
 * written and checked only while pinned, and thread 0 compacts the whole node four
 * times a second (toy_compact_memory()), moving the movable pages of
 * every thread under them.
 *
 * HighMem pages have no address of their own (toy_page_address() is NULL
 * for them, or a pkmap address that the next flush may take away), so
 * every byte of them is written and checked through a mapping, page by
 * page, each time picked at random: toy_kmap(), sometimes kept across a
 * cond_resched() or a short sleep, or a toy_kmap_local_page() stack of 1
 * to LOCAL_NEST pages, unmapped in reverse order, during which the thread
 * never sleeps. A thread also visits its HighMem blocks between taking
 * and freeing them, to check and rewrite them, or to kmap one of their
 * pages and hold the mapping for a while: up to `kmap_hold` such
 * mappings, checked when let go, stay held across the loop's
 * cond_resched() and short sleeps. Each thread keeps a 1 MiB HighMem
 * reserve too, visited a page or a few at a time, so that kmap() sees
 * many distinct pages: kmap()s from every CPU compete for the pkmap
 * slots and wrap the slot scan, flushing it, again and again. Each page
 * of a block gets the pattern plus its index, so a mapping of the wrong
 * page shows. toy_kmap() is never called with a local mapping held.
 *
 * At the end every cache must be destroyable: nothing left allocated.
 * Load waits for the threads and fails with -EIO if any check failed, so
 * `insmod` itself is the verdict; the numbers go to the log, one line of
 * totals and two of operations and pattern mismatches by kind.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
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

static unsigned int movable_every = 8;
module_param(movable_every, uint, 0444);
MODULE_PARM_DESC(movable_every, "one take in this many is a movable page (default 8; 1: all of them)");

/*
 * Each thread holds at most kmap_hold + 1 kmap()s at once. Should every
 * slot be held by a thread that waits for one more, kmap() waits
 * forever, as in the kernel: toy_alloc's pkmap_slots must be more than
 * threads * kmap_hold.
 */
#define MAX_HOLD	8
static unsigned int kmap_hold = MAX_HOLD;
module_param(kmap_hold, uint, 0444);
MODULE_PARM_DESC(kmap_hold, "kmaps a thread keeps for a while, 0 to 8 (default 8); toy_alloc's pkmap_slots must exceed threads * kmap_hold");

#define SLOTS		64
#define RESERVE		SLOTS	/* t->slot[RESERVE]: the HighMem reserve */
#define RESERVE_ORDER	8	/* its size: 1 MiB */
#define LOCAL_NEST	4	/* deepest kmap_local stack a thread makes */
#define VMALLOC_MAX	(64 << 10)	/* usual largest vmalloc size */

/* Objects in passing between threads; a pointer tagged with its kind. */
#define EXCHANGE_SLOTS	16
#define TAG_MASK	7UL	/* objects are at least 8-byte aligned */
#define TAG_KMALLOC	7UL	/* else the index in caches[] */

enum stress_kind {
	S_EMPTY,
	S_PAGES,
	S_KMALLOC,
	S_CACHE,
	S_VMALLOC,
	S_MOVABLE,
	NR_STRESS_KINDS
};

/* What the threads did, by kind, for the summary. */
enum stress_op {
	OP_PAGES,	/* page blocks taken, either zone */
	OP_HIGHMEM,	/* of those, HighMem blocks */
	OP_KMALLOC,	/* toy_kmalloc() */
	OP_KREALLOC,	/* toy_krealloc() */
	OP_CACHE,	/* toy_kmem_cache_alloc() */
	OP_KMAP,	/* toy_kmap() of a HighMem page */
	OP_KMAP_HELD,	/* of those, held across cond_resched() or a sleep */
	OP_KMAP_LOCAL,	/* toy_kmap_local_page() of a HighMem page */
	OP_KMAP_NESTED,	/* of those, made with another local mapping held */
	OP_VMALLOC,	/* toy_vmalloc() */
	OP_MOVABLE,	/* toy_alloc_movable(), which compaction moves */
	OP_COMPACT,	/* toy_compact_memory() under the others */
	NR_STRESS_OPS
};

static const char *const op_names[] = {
	[OP_PAGES]	= "pages",
	[OP_HIGHMEM]	= "highmem",
	[OP_KMALLOC]	= "kmalloc",
	[OP_KREALLOC]	= "krealloc",
	[OP_CACHE]	= "cache",
	[OP_KMAP]	= "kmap",
	[OP_KMAP_HELD]	= "kmap_held",
	[OP_KMAP_LOCAL]	= "kmap_local",
	[OP_KMAP_NESTED] = "kmap_nested",
	[OP_VMALLOC]	= "vmalloc",
	[OP_MOVABLE]	= "movable",
	[OP_COMPACT]	= "compact",
};

static_assert(ARRAY_SIZE(op_names) == NR_STRESS_OPS);

/* How a pass over a HighMem block treats each page. */
#define PASS_CHECK	1U	/* compare with the old pattern */
#define PASS_WRITE	2U	/* then write the slot's pattern */

struct stress_slot {
	enum stress_kind kind;
	struct toy_page *page;
	unsigned int order;
	unsigned int cache;
	bool highmem;		/* data NULL: reach it through mappings */
	u8 *data;
	size_t size;
	u8 pattern;
	struct toy_page_ref ref;	/* S_MOVABLE; data NULL: pin to reach it */
};

/* A kmap() a thread keeps for a while: page @j of slot @slot's block. */
struct stress_hold {
	unsigned int slot;
	unsigned int j;
	struct toy_page *page;
	u8 *addr;
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
static atomic_long_t mismatches[NR_STRESS_OPS];

struct stress_thread {
	struct task_struct *task;
	unsigned int id;
	struct rnd_state rnd;
	struct stress_slot slot[SLOTS + 1];
	struct stress_hold hold[MAX_HOLD];
	unsigned int nr_held;
	unsigned long ops, fails, errors;
	unsigned long op[NR_STRESS_OPS];
	struct completion done;
};

static u8 pattern_of(struct stress_thread *t, unsigned int i)
{
	return (u8)(t->id * 31 + i * 7 + t->ops);
}

/* A pattern found damaged: count it for @op and say where. */
static void mismatch(struct stress_thread *t, enum stress_op op,
		     unsigned int i, u8 pattern)
{
	t->errors++;
	atomic_long_inc(&mismatches[op]);
	pr_err("thread %u slot %u: pattern %#x damaged (%s)\n", t->id, i,
	       pattern, op_names[op]);
}

/* ==== HighMem blocks, through mappings ==== */

static unsigned int slot_of(struct stress_thread *t, struct stress_slot *s)
{
	return s - t->slot;
}

/* Page @j of the block @s holds. */
static struct toy_page *nth_page_of(struct stress_slot *s, unsigned int j)
{
	return toy_pfn_to_page(toy_page_to_pfn(s->page) + j);
}

/*
 * Mapped page @j of a block: check it against @old and/or write the
 * slot's pattern, both plus @j, so that a mapping of the wrong page of
 * the block shows too.
 */
static void pass_page(struct stress_thread *t, struct stress_slot *s,
		      unsigned int j, u8 *addr, enum stress_op via, u8 old,
		      unsigned int how)
{
	if ((how & PASS_CHECK) && memchr_inv(addr, (u8)(old + j), PAGE_SIZE))
		mismatch(t, via, slot_of(t, s), old + j);
	if (how & PASS_WRITE)
		memset(addr, (u8)(s->pattern + j), PAGE_SIZE);
}

/* Give up the CPU for a moment: what a held kmap() must survive. */
static void give_way(u32 r)
{
	if (r & 1)
		cond_resched();
	else
		usleep_range(10, 50);
}

/*
 * Pages @j .. @j + @depth - 1 through a stack of local mappings, undone
 * in reverse order. Nothing in here sleeps.
 */
static void local_pass(struct stress_thread *t, struct stress_slot *s,
		       unsigned int j, unsigned int depth, u8 old,
		       unsigned int how)
{
	u8 *addr[LOCAL_NEST];
	unsigned int k, n;

	for (n = 0; n < depth; n++) {
		addr[n] = toy_kmap_local_page(nth_page_of(s, j + n));
		if (!addr[n]) {
			t->errors++;
			pr_err("thread %u: toy_kmap_local_page() failed at depth %u\n",
			       t->id, n + 1);
			break;
		}
		t->op[OP_KMAP_LOCAL]++;
		if (n)
			t->op[OP_KMAP_NESTED]++;
	}
	for (k = 0; k < n; k++)
		pass_page(t, s, j + k, addr[k], OP_KMAP_LOCAL, old, how);
	while (n--)
		toy_kunmap_local(addr[n]);
}

/* Page @j through toy_kmap(), sometimes kept across a pause. */
static void kmap_pass(struct stress_thread *t, struct stress_slot *s,
		      unsigned int j, u8 old, unsigned int how)
{
	struct toy_page *page = nth_page_of(s, j);
	u32 r = prandom_u32_state(&t->rnd);
	u8 *addr;

	addr = toy_kmap(page);
	if (!addr) {			/* no memory for the real vmap */
		t->fails++;
		local_pass(t, s, j, 1, old, how);
		return;
	}
	t->op[OP_KMAP]++;
	if (r % 8 == 0) {
		give_way(r >> 3);
		t->op[OP_KMAP_HELD]++;
	}
	pass_page(t, s, j, addr, OP_KMAP, old, how);
	toy_kunmap(page);
}

/* Every page of a HighMem block, each through a mapping of random kind. */
static void pass_highmem(struct stress_thread *t, struct stress_slot *s,
			 u8 old, unsigned int how)
{
	unsigned int n = 1U << s->order, j = 0, depth;
	u32 r;

	while (j < n) {
		r = prandom_u32_state(&t->rnd);
		if (r & 1) {
			kmap_pass(t, s, j, old, how);
			j++;
			continue;
		}
		depth = min(1 + (r >> 1) % LOCAL_NEST, n - j);
		local_pass(t, s, j, depth, old, how);
		j += depth;
	}
}

/* Let go of held kmap @k, checking the page through it first. */
static void release_hold(struct stress_thread *t, unsigned int k)
{
	struct stress_hold *h = &t->hold[k];
	struct stress_slot *s = &t->slot[h->slot];

	pass_page(t, s, h->j, h->addr, OP_KMAP, s->pattern, PASS_CHECK);
	toy_kunmap(h->page);
	*h = t->hold[--t->nr_held];
}

/* Let go of every held kmap of slot @i's block. */
static void release_holds_of(struct stress_thread *t, unsigned int i)
{
	unsigned int k = t->nr_held;

	while (k--)
		if (t->hold[k].slot == i)
			release_hold(t, k);
}

/* kmap() a random page of @s and keep it; the oldest goes if need be. */
static void hold_page(struct stress_thread *t, struct stress_slot *s, u32 r)
{
	unsigned int j = r % (1U << s->order);
	struct toy_page *page = nth_page_of(s, j);
	struct stress_hold *h;
	u8 *addr;

	if (t->nr_held >= kmap_hold)
		release_hold(t, 0);
	addr = toy_kmap(page);
	if (!addr) {
		t->fails++;
		return;
	}
	t->op[OP_KMAP]++;
	t->op[OP_KMAP_HELD]++;
	pass_page(t, s, j, addr, OP_KMAP, s->pattern, PASS_CHECK);
	h = &t->hold[t->nr_held++];
	h->slot = slot_of(t, s);
	h->j = j;
	h->page = page;
	h->addr = addr;
}

/*
 * A HighMem block between taking and freeing: kmap and hold one of its
 * pages, or check it all and write a new pattern.
 */
static void visit_highmem(struct stress_thread *t, struct stress_slot *s,
			  u32 r)
{
	u8 old = s->pattern;

	if (r % 3 == 0 && kmap_hold) {
		hold_page(t, s, r >> 2);
		return;
	}
	s->pattern = pattern_of(t, slot_of(t, s));
	pass_highmem(t, s, old, PASS_CHECK | PASS_WRITE);
}

/* ==== Taking, filling, checking, giving back ==== */

/*
 * A movable page's data, with the page pinned so that compaction leaves
 * it where it is meanwhile: written with the slot's pattern, or checked
 * against it.
 */
static void movable_pass(struct stress_thread *t, struct stress_slot *s,
			 unsigned int i, bool write)
{
	struct toy_page *page = toy_movable_pin(&s->ref);
	u8 *p = toy_page_address(page);

	if (write)
		memset(p, s->pattern, PAGE_SIZE);
	else if (memchr_inv(p, s->pattern, PAGE_SIZE))
		mismatch(t, OP_MOVABLE, i, s->pattern);
	toy_movable_unpin(&s->ref);
}

static void fill(struct stress_thread *t, struct stress_slot *s, unsigned int i)
{
	s->pattern = pattern_of(t, i);
	if (s->kind == S_MOVABLE)
		movable_pass(t, s, i, true);
	else if (s->highmem)
		pass_highmem(t, s, 0, PASS_WRITE);
	else if (s->data)
		memset(s->data, s->pattern, s->size);
}

static const enum stress_op op_of_kind[NR_STRESS_KINDS] = {
	[S_PAGES]	= OP_PAGES,
	[S_KMALLOC]	= OP_KMALLOC,
	[S_CACHE]	= OP_CACHE,
	[S_VMALLOC]	= OP_VMALLOC,
	[S_MOVABLE]	= OP_MOVABLE,
};

static void check(struct stress_thread *t, struct stress_slot *s,
		  unsigned int i)
{
	if (s->kind == S_MOVABLE) {
		movable_pass(t, s, i, false);
	} else if (s->highmem) {
		release_holds_of(t, i);
		pass_highmem(t, s, s->pattern, PASS_CHECK);
	} else if (s->data && memchr_inv(s->data, s->pattern, s->size)) {
		mismatch(t, op_of_kind[s->kind], i, s->pattern);
	}
}

static void take_pages(struct stress_thread *t, struct stress_slot *s, u32 r)
{
	/* HighMem or not; may reclaim, or atomic (down into the reserves). */
	toy_gfp_t gfp = (r & 0x100 ? TOY_GFP_ATOMIC : TOY_GFP_KERNEL) |
			(r & 1 ? __TOY_GFP_HIGHMEM : 0) | __TOY_GFP_NOWARN;

	s->order = (r >> 1) % 5;
	s->page = toy_alloc_pages(gfp, s->order);
	if (!s->page) {
		t->fails++;
		return;
	}
	s->kind = S_PAGES;
	s->size = PAGE_SIZE << s->order;
	t->op[OP_PAGES]++;
	/*
	 * Not toy_page_address() for a HighMem page: it is NULL, or the
	 * address of a pkmap slot not yet flushed since an earlier owner's
	 * kunmap, which any kmap() on another CPU may take away.
	 */
	s->highmem = toy_page_is_highmem(s->page);
	if (s->highmem)
		t->op[OP_HIGHMEM]++;
	else
		s->data = toy_page_address(s->page);
}

/*
 * The reserve: a HighMem block a thread keeps from start to end, and
 * visits a page or a few at a time. The buddy hands out the same few hot
 * pages again and again, and a page keeps its pkmap slot from kunmap to
 * the next flush, so kmaps of those alone seldom take a new slot and the
 * slot scan would hardly ever wrap; the reserve's pages make it wrap.
 */
static void take_reserve(struct stress_thread *t)
{
	struct stress_slot *s = &t->slot[RESERVE];

	s->page = toy_alloc_pages(TOY_GFP_HIGHUSER | __TOY_GFP_NOWARN,
				  RESERVE_ORDER);
	if (!s->page) {
		t->fails++;
		return;
	}
	s->order = RESERVE_ORDER;
	if (!toy_page_is_highmem(s->page)) {	/* HighMem was full */
		toy_free_pages(s->page, s->order);
		s->page = NULL;
		t->fails++;
		return;
	}
	s->kind = S_PAGES;
	s->highmem = true;
	s->size = PAGE_SIZE << s->order;
	t->op[OP_PAGES]++;
	t->op[OP_HIGHMEM]++;
	fill(t, s, RESERVE);
}

/* Check a page or a few of the reserve, writing the same back, or hold one. */
static void visit_reserve(struct stress_thread *t)
{
	struct stress_slot *s = &t->slot[RESERVE];
	u32 r = prandom_u32_state(&t->rnd);
	unsigned int n = 1U << RESERVE_ORDER, j = (r >> 4) % n;

	if (s->kind == S_EMPTY)
		return;
	if (r % 16 == 0 && kmap_hold)
		hold_page(t, s, j);
	else if (r % 2)
		kmap_pass(t, s, j, s->pattern, PASS_CHECK | PASS_WRITE);
	else
		local_pass(t, s, j, min(1 + (r >> 1) % LOCAL_NEST, n - j),
			   s->pattern, PASS_CHECK | PASS_WRITE);
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
	t->op[OP_KMALLOC]++;
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
	t->op[OP_CACHE]++;
}

/* 1 byte to 64 KiB; one time in eight 1 to 4 pages more. */
static void take_vmalloc(struct stress_thread *t, struct stress_slot *s,
			 u32 r)
{
	s->size = 1 + (r >> 3) % VMALLOC_MAX;
	if (r % 8 == 0)
		s->size += (1 + (r >> 3) % 4) * PAGE_SIZE;
	s->data = toy_vmalloc(s->size);
	if (!s->data) {
		t->fails++;
		return;
	}
	s->kind = S_VMALLOC;
	t->op[OP_VMALLOC]++;
}

/* One Normal page (toy_page_address() reaches it) that compaction may move. */
static void take_movable(struct stress_thread *t, struct stress_slot *s)
{
	if (toy_alloc_movable(&s->ref, TOY_GFP_KERNEL | __TOY_GFP_NOWARN, 0)) {
		t->fails++;
		return;
	}
	s->kind = S_MOVABLE;
	t->op[OP_MOVABLE]++;
}

static void take(struct stress_thread *t, struct stress_slot *s, u32 r)
{
	if (r % movable_every == movable_every - 1) {
		take_movable(t, s);
		return;
	}
	r /= movable_every;
	switch (r % 7) {
	case 0:
	case 1:
		take_pages(t, s, r / 7);
		break;
	case 2:
	case 3:
		take_kmalloc(t, s, r / 7);
		break;
	case 4:
	case 5:
		take_cache_obj(t, s, r / 7);
		break;
	default:
		take_vmalloc(t, s, r / 7);
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
		atomic_long_inc(&mismatches[tag == TAG_KMALLOC ? OP_KMALLOC :
					    OP_CACHE]);
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
	t->op[OP_KREALLOC]++;
	if (memchr_inv(p, s->pattern, min(size, s->size))) {
		t->errors++;
		atomic_long_inc(&mismatches[OP_KREALLOC]);
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
	case S_VMALLOC:
		toy_vfree(s->data);
		break;
	case S_MOVABLE:
		toy_free_movable(&s->ref);
		break;
	default:
		break;
	}
	memset(s, 0, sizeof(*s));
}

static int stress_fn(void *arg)
{
	struct stress_thread *t = arg;
	unsigned long end = jiffies + seconds * HZ, next_compact = jiffies;
	unsigned int i;

	take_reserve(t);
	while (time_before(jiffies, end)) {
		u32 r = prandom_u32_state(&t->rnd);
		u32 r2 = prandom_u32_state(&t->rnd);
		struct stress_slot *s;

		i = r % SLOTS;
		s = &t->slot[i];
		if (s->kind == S_EMPTY) {
			take(t, s, r >> 8);
			if (s->kind != S_EMPTY)
				fill(t, s, i);
		} else if (s->highmem && r2 % 4 == 0) {
			visit_highmem(t, s, r2 >> 2);
		} else {
			give_back(t, s, i, r >> 8);
		}
		if ((r2 >> 8) % 2)
			visit_reserve(t);
		if ((r >> 8) % 4096 == 7) {
			toy_kmem_cache_shrink(caches[(r >> 20) % ARRAY_SIZE(caches)]);
			atomic_long_inc(&nr_shrinks);
		}
		/* Thread 0 compacts the whole node four times a second. */
		if (!t->id && time_after_eq(jiffies, next_compact)) {
			toy_compact_memory();
			t->op[OP_COMPACT]++;
			next_compact = jiffies + HZ / 4;
		}
		t->ops++;
		/* Held kmaps, if any, stay across this and now and then a sleep. */
		if (t->nr_held && (r2 >> 16) % 64 == 0)
			give_way(r2 >> 22);
		cond_resched();
	}
	for (i = 0; i <= RESERVE; i++)
		if (t->slot[i].kind != S_EMPTY)
			give_back(t, &t->slot[i], i, 2);
	if (t->nr_held) {
		t->errors++;
		pr_err("thread %u: %u kmaps still held at the end\n", t->id,
		       t->nr_held);
	}
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

/* "<what> by kind: N pages, N highmem, ...": one number per stress_op. */
static void report_by_kind(const char *what, const unsigned long *n)
{
	char buf[NR_STRESS_OPS * 32];
	unsigned int k, len = 0;

	for (k = 0; k < NR_STRESS_OPS; k++)
		len += scnprintf(buf + len, sizeof(buf) - len, "%s%lu %s",
				 k ? ", " : "", n[k], op_names[k]);
	pr_info("%s by kind: %s\n", what, buf);
}

static int __init toy_stress_init(void)
{
	unsigned int n = threads ?: num_online_cpus(), i, k;
	unsigned long ops = 0, fails = 0, errors = 0;
	unsigned long op[NR_STRESS_OPS] = {}, bad[NR_STRESS_OPS];
	struct stress_thread *t;
	int err;

	if (!movable_every) {
		pr_err("movable_every=0: one take in 1 or more is movable\n");
		return -EINVAL;
	}
	if (kmap_hold > MAX_HOLD) {
		pr_err("kmap_hold=%u: a thread holds 0 to %u kmaps\n",
		       kmap_hold, MAX_HOLD);
		return -EINVAL;
	}
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
		for (k = 0; k < NR_STRESS_OPS; k++)
			op[k] += t[i].op[k];
	}
	kfree(t);
	errors += drain_exchange();
	errors += left_behind();
	pr_info("%u threads, %u s: %lu operations, %lu allocation failures, %lu objects passed between threads, %lu shrinks, %lu damaged patterns or leaks\n",
		n, seconds, ops, fails, atomic_long_read(&nr_exchanged),
		atomic_long_read(&nr_shrinks), errors);
	for (k = 0; k < NR_STRESS_OPS; k++)
		bad[k] = atomic_long_read(&mismatches[k]);
	report_by_kind("operations", op);
	report_by_kind("pattern mismatches", bad);
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
