// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the toy's highmem: page_address(), the kmap window, the
 * kmap_local stacks and vmalloc.
 *
 * Each case gets a fresh node (node 1: 8 MiB, one 4 MiB block per zone,
 * so 1024 HighMem pages) and a fresh highmem instance on it with a window
 * of TEST_SLOTS slots, small enough that a few kmaps wrap it or fill it.
 * Cases that start threads wait for them with a timeout, so a bug fails
 * the case instead of hanging the suite; if a thread is still stuck in
 * toy_hm_kmap() then, the instance is leaked rather than freed under it.
 * Every case ends with validate finding nothing, on its instance and on
 * the module's.
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/hash.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "toy_internal.h"
#include "toy_highmem.h"
#include "toy_mt.h"

#define TEST_MEM_MB	8
#define TEST_HIGH_MB	4
#define ZONE_PAGES	(TOY_BLOCK_PAGES)	/* one block per zone */
#define TEST_SLOTS	4
#define THREAD_TIMEOUT	(10 * HZ)
#define MAX_TEST_PAGES	64

struct hm_fixture {
	struct toy_node node;
	struct toy_highmem hm;
	bool leak;		/* a thread may still use it: do not free */
	unsigned int nr_pages;	/* single pages to give back at exit */
	struct toy_page *pages[MAX_TEST_PAGES];
};

static struct toy_highmem *test_hm(struct kunit *test)
{
	return &((struct hm_fixture *)test->priv)->hm;
}

static struct toy_node *test_node(struct kunit *test)
{
	return &((struct hm_fixture *)test->priv)->node;
}

/* A page of the test's node, given back at the end of the case. */
static struct toy_page *test_page(struct kunit *test, toy_gfp_t gfp)
{
	struct hm_fixture *fx = test->priv;
	struct toy_page *page;

	KUNIT_ASSERT_LT(test, fx->nr_pages, MAX_TEST_PAGES);
	page = toy_node_alloc(&fx->node, gfp, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	fx->pages[fx->nr_pages++] = page;
	return page;
}

static struct toy_page *high_page(struct kunit *test)
{
	struct toy_page *page = test_page(test, TOY_GFP_HIGHUSER);

	KUNIT_ASSERT_TRUE(test, toy_page_is_highmem(page));
	return page;
}

static void high_pages(struct kunit *test, struct toy_page **pages, int n)
{
	int i;

	for (i = 0; i < n; i++)
		pages[i] = high_page(test);
}

/* The pkmap slot of a page, from its emulated address; -1 without one. */
static int slot_of(struct toy_highmem *hm, struct toy_page *page)
{
	u32 vaddr = toy_hm_pkmap_vaddr(hm, page);

	return vaddr ? (int)((vaddr - hm->layout.pkmap_base) >> PAGE_SHIFT) : -1;
}

static long misuse(struct toy_highmem *hm, enum toy_hm_misuse what)
{
	return atomic_long_read(&hm->misuse[what]);
}

static void expect_only_misuse(struct kunit *test, enum toy_hm_misuse what,
			       long count)
{
	struct toy_highmem *hm = test_hm(test);
	int i;

	for (i = 0; i < TOY_NR_HM_MISUSE; i++)
		KUNIT_EXPECT_EQ_MSG(test, misuse(hm, i), i == what ? count : 0,
				    "misuse %s", toy_hm_misuse_names[i]);
}

static void *direct(struct kunit *test, struct toy_page *page)
{
	return page_address(toy_node_real_page(test_node(test), page));
}

/* page_address(): a Normal page always has one, a HighMem page not. */
static void toy_highmem_page_address_zones(struct kunit *test)
{
	struct toy_highmem *hm = test_hm(test);
	struct toy_page *low, *high;

	low = test_page(test, TOY_GFP_KERNEL);
	high = high_page(test);

	KUNIT_EXPECT_PTR_EQ(test, toy_hm_page_address(hm, low),
			    direct(test, low));
	KUNIT_EXPECT_NULL(test, toy_hm_page_address(hm, high));
	KUNIT_EXPECT_EQ(test, toy_hm_pkmap_vaddr(hm, high), 0U);
}

/*
 * A HighMem page gets an address at kmap, keeps it through kunmap (count
 * 1) and loses it only when a wrap flushes its slot.
 */
static void toy_highmem_address_lifecycle(struct kunit *test)
{
	struct toy_highmem *hm = test_hm(test);
	struct toy_page *p, *q[TEST_SLOTS - 1];
	void *addr;
	int i;

	p = high_page(test);
	high_pages(test, q, ARRAY_SIZE(q));
	KUNIT_ASSERT_NULL(test, toy_hm_page_address(hm, p));

	addr = toy_hm_kmap(hm, p);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	KUNIT_EXPECT_PTR_EQ(test, toy_hm_page_address(hm, p), addr);
	/* The scan starts after last_pkmap_nr = 0: slot 1, PKMAP_BASE + 4K. */
	KUNIT_EXPECT_EQ(test, toy_hm_pkmap_vaddr(hm, p),
			hm->layout.pkmap_base + 0x1000);

	KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, p), 0);
	KUNIT_EXPECT_PTR_EQ(test, toy_hm_page_address(hm, p), addr);
	KUNIT_EXPECT_EQ(test, toy_hm_pkmap_count(hm, 1), 1);

	/* Slots 2, 3, then the wrap to 0 flushes slot 1. */
	for (i = 0; i < ARRAY_SIZE(q); i++) {
		KUNIT_ASSERT_NOT_NULL(test, toy_hm_kmap(hm, q[i]));
		if (i < ARRAY_SIZE(q) - 1)
			KUNIT_EXPECT_PTR_EQ(test, toy_hm_page_address(hm, p), addr);
	}
	KUNIT_EXPECT_NULL(test, toy_hm_page_address(hm, p));
	KUNIT_EXPECT_EQ(test, toy_hm_pkmap_count(hm, 1), 0);
	KUNIT_EXPECT_EQ(test, toy_hm_stat(hm, TOY_HS_FLUSH), 1UL);
	KUNIT_EXPECT_EQ(test, toy_hm_stat(hm, TOY_HS_FLUSHED), 1UL);
	KUNIT_EXPECT_EQ(test, slot_of(hm, q[ARRAY_SIZE(q) - 1]), 0);
	for (i = 0; i < ARRAY_SIZE(q); i++)
		KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, q[i]), 0);
}

/* Data written through one mapping is read through another of the page. */
static void toy_highmem_data_two_mappings(struct kunit *test)
{
	struct toy_highmem *hm = test_hm(test);
	struct toy_page *p, *q[TEST_SLOTS];
	char *k, *l;
	int i;

	p = high_page(test);
	high_pages(test, q, ARRAY_SIZE(q));
	k = toy_hm_kmap(hm, p);
	KUNIT_ASSERT_NOT_NULL(test, k);
	memset(k, 0x5a, PAGE_SIZE);
	strscpy(k + 100, "through kmap", 16);

	l = toy_hm_kmap_local(hm, p);
	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_EXPECT_PTR_NE(test, (void *)k, (void *)l);	/* two mappings */
	KUNIT_EXPECT_STREQ(test, l + 100, "through kmap");
	KUNIT_EXPECT_EQ(test, l[0], (char)0x5a);
	KUNIT_EXPECT_EQ(test, l[PAGE_SIZE - 1], (char)0x5a);
	strscpy(l + 200, "through kmap_local", 20);
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap_local(hm, l), 0);
	KUNIT_EXPECT_STREQ(test, k + 200, "through kmap_local");
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, p), 0);

	/* Flush p's slot away; a new kmap makes a new mapping, same data. */
	for (i = 0; i < ARRAY_SIZE(q); i++) {
		KUNIT_ASSERT_NOT_NULL(test, toy_hm_kmap(hm, q[i]));
		KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, q[i]), 0);
	}
	KUNIT_ASSERT_NULL(test, toy_hm_page_address(hm, p));
	k = toy_hm_kmap(hm, p);
	KUNIT_ASSERT_NOT_NULL(test, k);
	KUNIT_EXPECT_STREQ(test, k + 100, "through kmap");
	KUNIT_EXPECT_STREQ(test, k + 200, "through kmap_local");
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, p), 0);
}

/* pkmap_count: n - 1 users, 1 free but mapped, reuse before the flush. */
static void toy_highmem_count_semantics(struct kunit *test)
{
	struct toy_highmem *hm = test_hm(test);
	struct toy_page *p = high_page(test);
	void *a, *b;
	int slot;

	a = toy_hm_kmap(hm, p);
	b = toy_hm_kmap(hm, p);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_PTR_EQ(test, a, b);
	slot = slot_of(hm, p);
	KUNIT_ASSERT_EQ(test, slot, 1);
	KUNIT_EXPECT_EQ(test, toy_hm_pkmap_count(hm, slot), 3);
	KUNIT_EXPECT_EQ(test, hm->nr_busy, 1U);

	KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, p), 0);
	KUNIT_EXPECT_EQ(test, toy_hm_pkmap_count(hm, slot), 2);
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, p), 0);
	KUNIT_EXPECT_EQ(test, toy_hm_pkmap_count(hm, slot), 1);
	KUNIT_EXPECT_EQ(test, hm->nr_busy, 0U);

	/* Mapped again before a flush: the same slot, no new one taken. */
	KUNIT_EXPECT_PTR_EQ(test, toy_hm_kmap(hm, p), a);
	KUNIT_EXPECT_EQ(test, toy_hm_pkmap_count(hm, slot), 2);
	KUNIT_EXPECT_EQ(test, toy_hm_stat(hm, TOY_HS_NEW), 1UL);
	KUNIT_EXPECT_EQ(test, toy_hm_stat(hm, TOY_HS_KMAP), 3UL);
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, p), 0);

	/* One kunmap too many: refused, reported, count unchanged. */
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, p), -EINVAL);
	KUNIT_EXPECT_EQ(test, toy_hm_pkmap_count(hm, slot), 1);
	expect_only_misuse(test, TOY_HM_KUNMAP_UNMAPPED, 1);
}

/*
 * The scan resumes after the last slot and wraps: slots 1, 2, 3, 0, 1, 2.
 * The wrap flushes the count-1 slots at once and skips the held one.
 */
static void toy_highmem_wrap_flush(struct kunit *test)
{
	static const int want[] = { 1, 2, 3, 0, 1, 2 };
	struct toy_highmem *hm = test_hm(test);
	struct toy_page *held, *p[ARRAY_SIZE(want)];
	int i;

	high_pages(test, p, ARRAY_SIZE(p));
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		KUNIT_ASSERT_NOT_NULL(test, toy_hm_kmap(hm, p[i]));
		KUNIT_EXPECT_EQ_MSG(test, slot_of(hm, p[i]), want[i], "kmap %d", i);
		KUNIT_EXPECT_EQ(test, toy_hm_stat(hm, TOY_HS_FLUSH), i < 3 ? 0UL : 1UL);
		KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, p[i]), 0);
	}
	KUNIT_EXPECT_EQ(test, toy_hm_stat(hm, TOY_HS_FLUSHED), 3UL);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_NULL(test, toy_hm_page_address(hm, p[i]));
	for (i = 3; i < ARRAY_SIZE(p); i++)
		KUNIT_EXPECT_NOT_NULL(test, toy_hm_page_address(hm, p[i]));
	KUNIT_EXPECT_EQ(test, hm->last_pkmap_nr, 2U);

	/* Hold slot 3 across the next wrap: 3 stays, 0, 1, 2 are flushed. */
	held = high_page(test);
	KUNIT_ASSERT_NOT_NULL(test, toy_hm_kmap(hm, held));
	KUNIT_ASSERT_EQ(test, slot_of(hm, held), 3);
	KUNIT_ASSERT_NOT_NULL(test, toy_hm_kmap(hm, p[0]));
	KUNIT_EXPECT_EQ(test, slot_of(hm, p[0]), 0);
	KUNIT_EXPECT_EQ(test, toy_hm_stat(hm, TOY_HS_FLUSH), 2UL);
	KUNIT_EXPECT_EQ(test, toy_hm_stat(hm, TOY_HS_FLUSHED), 6UL);
	KUNIT_EXPECT_EQ(test, toy_hm_pkmap_count(hm, 3), 2);
	KUNIT_EXPECT_NOT_NULL(test, toy_hm_page_address(hm, held));
	for (i = 3; i < ARRAY_SIZE(p); i++)
		KUNIT_EXPECT_NULL(test, toy_hm_page_address(hm, p[i]));
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, held), 0);
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, p[0]), 0);
	expect_only_misuse(test, TOY_NR_HM_MISUSE, 0);
}

/* A Normal page is mapped already: its direct address, no slot. */
static void toy_highmem_kmap_lowmem(struct kunit *test)
{
	struct toy_highmem *hm = test_hm(test);
	struct toy_page *low;
	int i;

	low = test_page(test, TOY_GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, toy_hm_kmap(hm, low), direct(test, low));
	KUNIT_EXPECT_PTR_EQ(test, toy_hm_kmap_local(hm, low), direct(test, low));
	KUNIT_EXPECT_EQ(test, toy_hm_local_depth(hm), 0U);
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap_local(hm, direct(test, low)), 0);
	for (i = 0; i < TEST_SLOTS; i++)
		KUNIT_EXPECT_EQ(test, toy_hm_pkmap_count(hm, i), 0);
	KUNIT_EXPECT_EQ(test, toy_hm_stat(hm, TOY_HS_KMAP_LOW), 1UL);
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, low), 0);
	expect_only_misuse(test, TOY_NR_HM_MISUSE, 0);
}

struct waiter {
	struct toy_highmem *hm;
	struct toy_page *page;
	void *addr;
	struct completion done;
};

static int waiter_fn(void *data)
{
	struct waiter *w = data;

	w->addr = toy_hm_kmap(w->hm, w->page);
	complete(&w->done);
	return 0;
}

/* Until the waiter is on the queue (at most a second); false if never. */
static bool wait_for_waiter(struct toy_highmem *hm)
{
	int i;

	for (i = 0; i < 50; i++) {
		/* A racy peek is fine: the waiter stays until a kunmap. */
		if (waitqueue_active(&hm->pkmap_map_wait))
			return true;
		msleep(20);
	}
	return false;
}

/* With every slot in use a kmap sleeps until a kunmap frees one. */
static void toy_highmem_full_window_blocks(struct kunit *test)
{
	struct hm_fixture *fx = test->priv;
	struct toy_highmem *hm = test_hm(test);
	struct toy_page *p[TEST_SLOTS];
	unsigned int last;
	struct waiter *w;
	int i;

	high_pages(test, p, ARRAY_SIZE(p));
	for (i = 0; i < ARRAY_SIZE(p); i++)
		KUNIT_ASSERT_NOT_NULL(test, toy_hm_kmap(hm, p[i]));
	KUNIT_ASSERT_EQ(test, hm->nr_busy, (unsigned int)TEST_SLOTS);

	/* ctl's way: refused at once, nothing changed. */
	last = hm->last_pkmap_nr;
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	w->hm = hm;
	w->page = high_page(test);
	KUNIT_EXPECT_PTR_EQ(test, toy_hm_kmap_nowait(hm, w->page), ERR_PTR(-EBUSY));
	KUNIT_EXPECT_EQ(test, hm->last_pkmap_nr, last);
	KUNIT_EXPECT_NULL(test, toy_hm_page_address(hm, w->page));

	init_completion(&w->done);
	fx->leak = true;
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(waiter_fn, w, "toy_hm_waiter")));
	KUNIT_EXPECT_TRUE(test, wait_for_waiter(hm));
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&w->done, HZ / 10), 0UL);
	KUNIT_EXPECT_EQ(test, toy_hm_stat(hm, TOY_HS_WAIT), 1UL);

	/* Slot 3 (p[2]) goes to count 1: the waiter flushes it and takes it. */
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, p[2]), 0);
	if (!wait_for_completion_timeout(&w->done, THREAD_TIMEOUT)) {
		for (i = 0; i < ARRAY_SIZE(p); i++)
			if (i != 2)
				toy_hm_kunmap(hm, p[i]);
		KUNIT_FAIL(test, "kmap still asleep after a kunmap");
		if (!wait_for_completion_timeout(&w->done, THREAD_TIMEOUT))
			return;		/* leave w and the fixture to it */
		fx->leak = false;
		kfree(w);
		return;
	}
	fx->leak = false;
	KUNIT_EXPECT_NOT_NULL(test, w->addr);
	KUNIT_EXPECT_PTR_EQ(test, toy_hm_page_address(hm, w->page), w->addr);
	KUNIT_EXPECT_EQ(test, slot_of(hm, w->page), 3);
	KUNIT_EXPECT_NULL(test, toy_hm_page_address(hm, p[2]));
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, w->page), 0);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		if (i != 2)
			KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, p[i]), 0);
	kfree(w);
}

/*
 * kmap_local nests 15 deep: 6.1's kmap_local_idx_push() raises the index
 * and then BUG()s at KM_MAX_IDX (16), so the 16th is refused and counted,
 * as is an out-of-order unmap.
 */
static void toy_highmem_local_15_deep(struct kunit *test)
{
	struct toy_highmem *hm = test_hm(test);
	struct toy_page *p[TOY_KMAP_LOCAL_MAX + 1], *never;
	void *addr[TOY_KMAP_LOCAL_MAX + 1];
	int i;

	KUNIT_ASSERT_EQ(test, TOY_KMAP_LOCAL_MAX, 15);
	high_pages(test, p, ARRAY_SIZE(p));
	never = high_page(test);
	for (i = 0; i < 15; i++) {
		addr[i] = toy_hm_kmap_local(hm, p[i]);
		KUNIT_EXPECT_PTR_EQ(test, addr[i], direct(test, p[i]));
		KUNIT_EXPECT_EQ(test, toy_hm_local_depth(hm), i + 1U);
	}
	expect_only_misuse(test, TOY_HM_LOCAL_DEPTH, 0);
	addr[15] = toy_hm_kmap_local(hm, p[15]);
	KUNIT_EXPECT_NULL(test, addr[15]);
	KUNIT_EXPECT_EQ(test, toy_hm_local_depth(hm), 15U);
	expect_only_misuse(test, TOY_HM_LOCAL_DEPTH, 1);
	KUNIT_EXPECT_EQ(test, toy_hm_stat(hm, TOY_HS_LOCAL_MAP), 15UL);

	/* Not the newest: refused, the stack stays 15 deep. */
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap_local(hm, addr[3] + 17), -EINVAL);
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap_local(hm, direct(test, never)), -ENOENT);
	KUNIT_EXPECT_EQ(test, toy_hm_local_depth(hm), 15U);
	KUNIT_EXPECT_EQ(test, misuse(hm, TOY_HM_LOCAL_ORDER), 1L);
	KUNIT_EXPECT_EQ(test, misuse(hm, TOY_HM_LOCAL_UNMAPPED), 1L);

	/* In reverse order all of them go, any address inside the page. */
	for (i = 14; i >= 0; i--)
		KUNIT_EXPECT_EQ(test, toy_hm_kunmap_local(hm, addr[i] + i), 0);
	KUNIT_EXPECT_EQ(test, toy_hm_local_depth(hm), 0U);
	KUNIT_EXPECT_EQ(test, toy_hm_stat(hm, TOY_HS_LOCAL_UNMAP), 15UL);
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap_local(hm, addr[0]), -ENOENT);
	KUNIT_EXPECT_EQ(test, misuse(hm, TOY_HM_LOCAL_DEPTH), 1L);
}

struct local_holder {
	struct toy_highmem *hm;
	struct toy_page *page;
	int unmap_err;
	struct completion mapped, go, done;
};

static int local_holder_fn(void *data)
{
	struct local_holder *l = data;
	void *addr = toy_hm_kmap_local(l->hm, l->page);

	complete(&l->mapped);
	wait_for_completion(&l->go);
	l->unmap_err = addr ? toy_hm_kunmap_local(l->hm, addr) : -ENOMEM;
	complete(&l->done);
	return 0;
}

/*
 * Each task has its own stack: a task may undo its mapping while another
 * task's newer one, made on the same CPU in between, is still held.
 */
static void toy_highmem_local_per_task(struct kunit *test)
{
	struct hm_fixture *fx = test->priv;
	struct toy_highmem *hm = test_hm(test);
	struct local_holder *l;
	void *mine;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, l);
	l->hm = hm;
	l->page = high_page(test);
	init_completion(&l->mapped);
	init_completion(&l->go);
	init_completion(&l->done);
	mine = toy_hm_kmap_local(hm, high_page(test));
	KUNIT_ASSERT_NOT_NULL(test, mine);

	fx->leak = true;
	KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(local_holder_fn, l, "toy_hm_local")));
	KUNIT_EXPECT_NE(test, wait_for_completion_timeout(&l->mapped, THREAD_TIMEOUT), 0UL);
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap_local(hm, mine), 0);
	KUNIT_EXPECT_EQ(test, toy_hm_local_depth(hm), 0U);
	complete(&l->go);
	if (!wait_for_completion_timeout(&l->done, THREAD_TIMEOUT)) {
		KUNIT_FAIL(test, "the other task never finished");
		return;
	}
	fx->leak = false;
	KUNIT_EXPECT_EQ(test, l->unmap_err, 0);
	expect_only_misuse(test, TOY_NR_HM_MISUSE, 0);
	kfree(l);
}

/* kmap_atomic: kmap_local plus preemption and page faults off. */
static void toy_highmem_kmap_atomic(struct kunit *test)
{
	bool atomic_inside, faults_off_inside;
	struct toy_page *page;
	void *addr;

	page = toy_alloc_pages(TOY_GFP_HIGHUSER, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	addr = toy_kmap_atomic(page);
	atomic_inside = !preemptible();
	faults_off_inside = pagefault_disabled();
	if (addr)
		toy_kunmap_atomic(addr);
	KUNIT_EXPECT_NOT_NULL(test, addr);
	if (IS_ENABLED(CONFIG_PREEMPT_COUNT) && !IS_ENABLED(CONFIG_PREEMPT_RT))
		KUNIT_EXPECT_TRUE(test, atomic_inside);
	KUNIT_EXPECT_TRUE(test, faults_off_inside);
	KUNIT_EXPECT_FALSE(test, pagefault_disabled());
	KUNIT_EXPECT_EQ(test, toy_hm_local_depth(&toy_highmem0), 0U);
	toy_free_pages(page, 0);
}

/*
 * kmap_atomic's data is the page's: what a kmap (a real vmap() of the
 * page) wrote reads back through the atomic mapping, and what was written
 * there reads back through the kmap. Inside the atomic section the case
 * only copies; it checks after toy_kunmap_atomic(). The page goes back
 * with its slot at count 1, mapped until the next flush as the kernel's
 * would be, so the next HighMem page the module's node hands out may
 * have an address: toy_highmem_public_api runs before this case.
 */
static void toy_highmem_kmap_atomic_data(struct kunit *test)
{
	char *k, *a, seen[16] = "";
	struct toy_page *page;
	u8 first = 0, last = 0;

	if (!toy_node0.zones[TOY_ZONE_HIGHMEM].nr_pages)
		kunit_skip(test, "the module was loaded with highmem_mb=0");
	page = toy_alloc_pages(TOY_GFP_HIGHUSER, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	k = toy_kmap(page);
	KUNIT_ASSERT_NOT_NULL(test, k);
	memset(k, 0x3c, PAGE_SIZE);
	strscpy(k + 100, "through kmap", sizeof(seen));

	a = toy_kmap_atomic(page);
	if (a) {
		first = a[0];
		last = a[PAGE_SIZE - 1];
		memcpy(seen, a + 100, sizeof(seen));
		strscpy(a + 200, "through atomic", sizeof(seen));
		toy_kunmap_atomic(a);
	}
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_PTR_NE(test, (void *)a, (void *)k);	/* two mappings */
	KUNIT_EXPECT_EQ(test, first, (u8)0x3c);
	KUNIT_EXPECT_EQ(test, last, (u8)0x3c);
	KUNIT_EXPECT_STREQ(test, seen, "through kmap");
	KUNIT_EXPECT_STREQ(test, k + 200, "through atomic");
	toy_kunmap(page);
	toy_free_pages(page, 0);
}

/* The public API on the module's node, page_address() included. */
static void toy_highmem_public_api(struct kunit *test)
{
	struct toy_page *page;
	char *addr;

	if (!toy_node0.zones[TOY_ZONE_HIGHMEM].nr_pages)
		kunit_skip(test, "the module was loaded with highmem_mb=0");
	page = toy_alloc_pages(TOY_GFP_HIGHUSER, 0);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_TRUE(test, toy_page_is_highmem(page));
	KUNIT_EXPECT_NULL(test, toy_page_address(page));
	addr = toy_kmap(page);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	KUNIT_EXPECT_PTR_EQ(test, toy_page_address(page), (void *)addr);
	KUNIT_EXPECT_PTR_EQ(test, toy_highmem_page_address(page), (void *)addr);
	strscpy(addr, "public", 8);
	toy_kunmap(page);
	addr = toy_kmap_local_page(page);
	KUNIT_ASSERT_NOT_NULL(test, addr);
	KUNIT_EXPECT_STREQ(test, addr, "public");
	toy_kunmap_local(addr);
	toy_free_pages(page, 0);
}

/* The one area of a test: its descriptor. */
static struct toy_vm_area *only_area(struct kunit *test)
{
	struct toy_highmem *hm = test_hm(test);

	KUNIT_ASSERT_TRUE(test, list_is_singular(&hm->vmap_areas));
	return list_first_entry(&hm->vmap_areas, struct toy_vm_area, list);
}

/* 1 MiB from HighMem, written and read back, page by page in order. */
static void toy_highmem_vmalloc_1mib(struct kunit *test)
{
	struct toy_highmem *hm = test_hm(test);
	struct toy_vm_area *area;
	unsigned int i, bad = 0;
	u32 *data;

	data = toy_hm_vmalloc(hm, SZ_1M, __builtin_return_address(0));
	KUNIT_ASSERT_NOT_NULL(test, data);
	area = only_area(test);
	KUNIT_EXPECT_EQ(test, area->nr_pages, SZ_1M / PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, area->addr, hm->layout.vmalloc_start);
	KUNIT_EXPECT_EQ(test, area->size, (u32)(SZ_1M + PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, toy_hm_vmalloc_vaddr(hm, data), hm->layout.vmalloc_start);
	for (i = 0; i < area->nr_pages; i++)
		bad += !toy_page_is_highmem(area->pages[i]);
	KUNIT_EXPECT_EQ_MSG(test, bad, 0U, "pages not from HighMem");

	bad = 0;
	for (i = 0; i < SZ_1M / sizeof(*data); i++)
		data[i] = i * 2654435761U;
	for (i = 0; i < SZ_1M / sizeof(*data); i++)
		bad += data[i] != i * 2654435761U;
	KUNIT_EXPECT_EQ(test, bad, 0U);
	/* Through each page's own direct address: the pages are in order. */
	for (i = 0; i < area->nr_pages; i++)
		bad += memcmp(direct(test, area->pages[i]),
			      (char *)data + i * PAGE_SIZE, PAGE_SIZE) != 0;
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, toy_hm_vfree(hm, data), 0);
}

/*
 * vfree gives every page back. vmalloc takes HighMem first, down to its
 * low watermark (the fast path's), then Normal.
 */
static void toy_highmem_vfree_returns_pages(struct kunit *test)
{
	struct toy_highmem *hm = test_hm(test);
	struct toy_node *node = test_node(test);
	struct toy_zone *high = &node->zones[TOY_ZONE_HIGHMEM];
	const unsigned long nr = ZONE_PAGES + 76;
	unsigned long i, low = 0, high_low = high->watermark[TOY_WMARK_LOW];
	struct toy_vm_area *area;
	void *p;

	p = toy_hm_vmalloc(hm, nr * PAGE_SIZE - 5, NULL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	area = only_area(test);
	KUNIT_EXPECT_EQ(test, toy_node_allocated_pages(node), nr);
	KUNIT_EXPECT_EQ(test, high->free_pages, high_low);
	for (i = 0; i < area->nr_pages; i++)
		low += !toy_page_is_highmem(area->pages[i]);
	KUNIT_EXPECT_EQ(test, low, 76 + high_low);

	KUNIT_EXPECT_EQ(test, toy_hm_vfree(hm, p), 0);
	KUNIT_EXPECT_EQ(test, toy_node_allocated_pages(node), 0UL);
	KUNIT_EXPECT_EQ(test, high->free_pages, (unsigned long)ZONE_PAGES);
	KUNIT_EXPECT_TRUE(test, list_empty(&hm->vmap_areas));
	KUNIT_EXPECT_EQ(test, toy_hm_stat(hm, TOY_HS_VFREE), 1UL);

	/* Freed twice, or never allocated: refused, counted. */
	KUNIT_EXPECT_EQ(test, toy_hm_vfree(hm, p), -EINVAL);
	KUNIT_EXPECT_EQ(test, toy_hm_vfree(hm, NULL), 0);
	expect_only_misuse(test, TOY_HM_BAD_VFREE, 1);

	/* More than the node has: nothing taken. */
	KUNIT_EXPECT_NULL(test, toy_hm_vmalloc(hm, 2 * ZONE_PAGES * PAGE_SIZE + 1, NULL));
	KUNIT_EXPECT_NULL(test, toy_hm_vmalloc(hm, 0, NULL));
	KUNIT_EXPECT_EQ(test, toy_node_allocated_pages(node), 0UL);
}

/* Emulated addresses: lowest fit, a guard page after each area. */
static void toy_highmem_vmalloc_lowest_fit(struct kunit *test)
{
	struct toy_highmem *hm = test_hm(test);
	u32 start = hm->layout.vmalloc_start;
	void *a, *b, *c, *d;

	a = toy_hm_vmalloc(hm, PAGE_SIZE, NULL);
	b = toy_hm_vmalloc(hm, 3 * PAGE_SIZE, NULL);
	c = toy_hm_vmalloc(hm, PAGE_SIZE, NULL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_EQ(test, toy_hm_vmalloc_vaddr(hm, a), start);
	KUNIT_EXPECT_EQ(test, toy_hm_vmalloc_vaddr(hm, b), start + 0x2000);
	KUNIT_EXPECT_EQ(test, toy_hm_vmalloc_vaddr(hm, c), start + 0x6000);

	KUNIT_EXPECT_EQ(test, toy_hm_vfree(hm, b), 0);
	d = toy_hm_vmalloc(hm, 2 * PAGE_SIZE, NULL);	/* fits where b was */
	KUNIT_ASSERT_NOT_NULL(test, d);
	KUNIT_EXPECT_EQ(test, toy_hm_vmalloc_vaddr(hm, d), start + 0x2000);
	b = toy_hm_vmalloc(hm, 2 * PAGE_SIZE, NULL);	/* does not: after c */
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_EQ(test, toy_hm_vmalloc_vaddr(hm, b), start + 0x8000);
	toy_hm_vfree(hm, a);
	toy_hm_vfree(hm, b);
	toy_hm_vfree(hm, c);
	toy_hm_vfree(hm, d);
}

/* ==== The emulated i386 layout ==== */

/*
 * The layout of a config, worked out by hand from fixmap.h and
 * pgtable_32_areas.h of 6.1 (i386, no PAE: 4 MiB PMDs, 1024-entry page
 * tables, 43 pages of cpu_entry_area per CPU, __FIXADDR_TOP 0xfffff000):
 *
 *	FIX_KMAP_BEGIN	3, + 1 with a local APIC, + 64 with an I/O APIC
 *	perm		FIX_KMAP_BEGIN + 16 * cpus (the permanent entries)
 *	btmap		perm, or the next multiple of 512 if perm .. perm + 511
 *			crosses a multiple of 1024
 *	end		btmap + 512 + 1 (FIX_WP_TEST)
 *	FIXADDR_START	0xfffff000 - perm * 4K
 *	FIXADDR_TOT_START 0xfffff000 - end * 4K
 *	CPU_ENTRY_AREA_BASE (FIXADDR_TOT_START - (43 * cpus + 1) * 4K)
 *			rounded down to 4 MiB; LDT_BASE_ADDR 4 MiB below,
 *			PKMAP_BASE 4 MiB below that
 *	VMALLOC_START	PKMAP_BASE - 8K - 128 MiB + 8 MiB
 *
 * The fixmap indices and the cpu_entry_area size were checked against
 * gcc on the headers of the reference kernel, with CONFIG_NR_CPUS, SMP
 * and the APICs set for each row.
 */
struct layout_case {
	const char *desc;
	struct toy_hm_config cfg;
	u32 fix_kmap_begin, fixaddr_start, fixaddr_tot_start;
	u32 pkmap_base, vmalloc_start;
};

static const struct layout_case layout_cases[] = {
	/* perm 19, end 532: TOT_START 0xffdeb000, - 44 pages -> 0xffc00000 */
	{ "1 CPU, no APIC (the reference)", { 1, false, false },
	  3, 0xfffec000, 0xffdeb000, 0xff400000, 0xf7bfe000 },
	/* perm 84, end 597: 0xffdaa000, - 44 pages -> 0xffc00000 */
	{ "1 CPU, X86_UP_APIC and UP_IOAPIC", { 1, true, true },
	  68, 0xfffab000, 0xffdaa000, 0xff400000, 0xf7bfe000 },
	/* perm 100, end 613: 0xffd9a000, - 87 pages -> 0xffc00000 */
	{ "2 CPUs, SMP", { 2, true, true },
	  68, 0xfff9b000, 0xffd9a000, 0xff400000, 0xf7bfe000 },
	/* perm 132, end 645: 0xffd7a000, - 173 pages -> 0xffc00000 */
	{ "4 CPUs, SMP", { 4, true, true },
	  68, 0xfff7b000, 0xffd7a000, 0xff400000, 0xf7bfe000 },
	/* perm 180, end 693: 0xffd4a000, - 302 pages = 0xffc1c000 */
	{ "7 CPUs, SMP: the most that keep PKMAP_BASE", { 7, true, true },
	  68, 0xfff4b000, 0xffd4a000, 0xff400000, 0xf7bfe000 },
	/* perm 196, end 709: 0xffd3a000, - 345 pages = 0xffbe1000 -> 0xff800000 */
	{ "8 CPUs, SMP: PKMAP_BASE 4 MiB lower", { 8, true, true },
	  68, 0xfff3b000, 0xffd3a000, 0xff000000, 0xf77fe000 },
	/* perm 580, btmap 1024 (580 + 511 crosses 1024), end 1537: 0xff9fe000 */
	{ "32 CPUs, X86_BIGSMP: the boot slots realigned", { 32, true, true },
	  68, 0xffdbb000, 0xff9fe000, 0xfec00000, 0xf73fe000 },
	/* perm 1092, end 1605: 0xff9ba000, - 2753 pages = 0xfeef9000 */
	{ "64 CPUs, the most an i386 kernel has", { 64, true, true },
	  68, 0xffbbb000, 0xff9ba000, 0xfe400000, 0xf6bfe000 },
	/* perm 4868, btmap 5120, end 5633: 0xfe9fe000, - 12901 pages */
	{ "300 CPUs (possible_cpus=300): beyond i386", { 300, true, true },
	  68, 0xfecfb000, 0xfe9fe000, 0xfac00000, 0xf33fe000 },
};

static void layout_case_desc(const struct layout_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(layout, layout_cases, layout_case_desc);

/* PKMAP_BASE, FIXADDR_START and what follows them, for each config. */
static void toy_highmem_layout_derive(struct kunit *test)
{
	const struct layout_case *c = test->param_value;
	struct toy_hm_layout l;

	KUNIT_ASSERT_EQ(test, toy_hm_layout_derive(&l, &c->cfg), 0);
	KUNIT_EXPECT_EQ(test, l.fix_kmap_begin, c->fix_kmap_begin);
	KUNIT_EXPECT_EQ(test, l.fix_kmap_end,
			c->fix_kmap_begin + 16 * c->cfg.nr_cpus - 1);
	KUNIT_EXPECT_EQ(test, l.fixaddr_start, c->fixaddr_start);
	KUNIT_EXPECT_EQ(test, l.fixaddr_tot_start, c->fixaddr_tot_start);
	KUNIT_EXPECT_EQ(test, l.pkmap_base, c->pkmap_base);
	KUNIT_EXPECT_EQ(test, l.ldt_base, c->pkmap_base + SZ_4M);
	KUNIT_EXPECT_EQ(test, l.cea_base, c->pkmap_base + SZ_8M);
	KUNIT_EXPECT_EQ(test, l.vmalloc_end, c->pkmap_base - 0x2000);
	KUNIT_EXPECT_EQ(test, l.maxmem, c->pkmap_base - 0x2000 - 0xc8000000);
	KUNIT_EXPECT_EQ(test, l.high_memory, c->vmalloc_start - SZ_8M);
	KUNIT_EXPECT_EQ(test, l.vmalloc_start, c->vmalloc_start);
}

/*
 * The config the toy emulates: one CPU is the reference's, without APIC;
 * more need SMP and so both APICs. Configs with no layout are refused.
 */
static void toy_highmem_layout_config(struct kunit *test)
{
	struct toy_hm_config cfg;
	struct toy_hm_layout l;

	toy_hm_config_for(&cfg, 1);
	KUNIT_EXPECT_EQ(test, cfg.nr_cpus, 1U);
	KUNIT_EXPECT_FALSE(test, cfg.local_apic);
	KUNIT_EXPECT_FALSE(test, cfg.io_apic);
	toy_hm_config_for(&cfg, 2);
	KUNIT_EXPECT_EQ(test, cfg.nr_cpus, 2U);
	KUNIT_EXPECT_TRUE(test, cfg.local_apic);
	KUNIT_EXPECT_TRUE(test, cfg.io_apic);

	cfg = (struct toy_hm_config){ 0, false, false };
	KUNIT_EXPECT_EQ(test, toy_hm_layout_derive(&l, &cfg), -EINVAL);
	cfg = (struct toy_hm_config){ 1, false, true };
	KUNIT_EXPECT_EQ(test, toy_hm_layout_derive(&l, &cfg), -EINVAL);
	/* 4096 CPUs: 256 MiB of fixmap and 688 MiB of cpu_entry_area. */
	cfg = (struct toy_hm_config){ 4096, true, true };
	KUNIT_EXPECT_EQ(test, toy_hm_layout_derive(&l, &cfg), -EINVAL);
	cfg = (struct toy_hm_config){ 100000, true, true };
	KUNIT_EXPECT_EQ(test, toy_hm_layout_derive(&l, &cfg), -EINVAL);
}

/*
 * An instance takes the layout of the CPUs here, and its emulated
 * addresses come from its own layout: given the 8-CPU one, a kmap is at
 * 0xff001000 and a vmalloc area at 0xf77fe000, a local mapping of CPU 0
 * at depth 0 in FIX_KMAP_BEGIN 68.
 */
static void toy_highmem_layout_of_instance(struct kunit *test)
{
	struct toy_highmem *hm = test_hm(test);
	struct toy_hm_config cfg;
	struct toy_hm_layout l;
	struct toy_page *p = high_page(test);
	void *v;

	toy_hm_config_for(&cfg, nr_cpu_ids);
	KUNIT_ASSERT_EQ(test, toy_hm_layout_derive(&l, &cfg), 0);
	KUNIT_EXPECT_EQ(test, memcmp(&hm->layout, &l, sizeof(l)), 0);

	cfg = (struct toy_hm_config){ 8, true, true };
	KUNIT_ASSERT_EQ(test, toy_hm_layout_derive(&hm->layout, &cfg), 0);
	KUNIT_ASSERT_NOT_NULL(test, toy_hm_kmap(hm, p));
	KUNIT_EXPECT_EQ(test, toy_hm_pkmap_vaddr(hm, p), 0xff001000U);
	KUNIT_EXPECT_EQ(test, slot_of(hm, p), 1);
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, p), 0);
	v = toy_hm_vmalloc(hm, PAGE_SIZE, NULL);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_EQ(test, toy_hm_vmalloc_vaddr(hm, v), 0xf77fe000U);
	KUNIT_EXPECT_EQ(test, toy_hm_vfree(hm, v), 0);
}

/* Pages and addresses that are not the node's are refused. */
static void toy_highmem_foreign(struct kunit *test)
{
	struct toy_highmem *hm = test_hm(test);
	struct toy_page *other;
	void *buf;

	if (!toy_node0.zones[TOY_ZONE_HIGHMEM].nr_pages)
		kunit_skip(test, "the module was loaded with highmem_mb=0");
	other = toy_alloc_pages(TOY_GFP_HIGHUSER, 0);	/* node 0's */
	KUNIT_ASSERT_NOT_NULL(test, other);
	buf = kunit_kmalloc(test, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);

	KUNIT_EXPECT_NULL(test, toy_hm_kmap(hm, other));
	KUNIT_EXPECT_NULL(test, toy_hm_kmap_local(hm, other));
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, other), -EINVAL);
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap_local(hm, buf), -EFAULT);
	KUNIT_EXPECT_PTR_EQ(test, toy_hm_kmap_nowait(hm, other), ERR_PTR(-EINVAL));
	expect_only_misuse(test, TOY_HM_FOREIGN, 4);
	toy_free_pages(other, 0);
}

static void toy_highmem_bad_slots(struct kunit *test)
{
	struct toy_highmem *hm = kunit_kzalloc(test, sizeof(*hm), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, hm);
	KUNIT_EXPECT_EQ(test, toy_hm_init(hm, test_node(test), 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, toy_hm_init(hm, test_node(test), TOY_LAST_PKMAP + 1),
			-EINVAL);
	KUNIT_EXPECT_NULL(test, hm->pkmap_count);
	toy_hm_destroy(hm);
}

#define STRESS_THREADS	4
#define STRESS_OPS	3000
#define STRESS_PAGES	16

struct stresser {
	struct toy_highmem *hm;
	struct toy_page **pages;
	unsigned int seed;
	unsigned int bad;
	struct completion *done;
};

/* Each page holds its index in every word, whoever maps it. */
static int stress_fn(void *data)
{
	struct stresser *s = data;
	struct rnd_state rnd;
	int i;

	prandom_seed_state(&rnd, s->seed);
	for (i = 0; i < STRESS_OPS; i++) {
		u32 n = prandom_u32_state(&rnd) % STRESS_PAGES;
		u32 *w = toy_hm_kmap(s->hm, s->pages[n]);

		if (!w || w[0] != n || w[PAGE_SIZE / 4 - 1] != n)
			s->bad++;
		if (w)
			toy_hm_kunmap(s->hm, s->pages[n]);
		if (!(i % 64))
			cond_resched();
	}
	complete(s->done);
	return 0;
}

/*
 * Threads map and unmap shared pages through a window with fewer slots
 * than threads, so some wait, and every wrap flushes: each mapping still
 * shows its page's data, and all counts end at 0 or 1.
 */
static void toy_highmem_concurrent(struct kunit *test)
{
	struct hm_fixture *fx = test->priv;
	struct toy_highmem *hm = test_hm(test);
	struct toy_page *pages[STRESS_PAGES];
	struct completion *done;
	struct stresser *s;
	unsigned int i, j, bad = 0;

	high_pages(test, pages, STRESS_PAGES);
	for (i = 0; i < STRESS_PAGES; i++) {
		u32 *w = direct(test, pages[i]);

		for (j = 0; j < PAGE_SIZE / 4; j++)
			w[j] = i;
	}
	s = kcalloc(STRESS_THREADS, sizeof(*s), GFP_KERNEL);
	done = kcalloc(STRESS_THREADS, sizeof(*done), GFP_KERNEL);
	if (!s || !done) {
		kfree(s);
		kfree(done);
		KUNIT_FAIL(test, "no memory");
		return;
	}
	fx->leak = true;
	for (i = 0; i < STRESS_THREADS; i++) {
		init_completion(&done[i]);
		s[i] = (struct stresser){ hm, pages, i + 1, 0, &done[i] };
		if (IS_ERR(kthread_run(stress_fn, &s[i], "toy_hm_stress%u", i)))
			complete(&done[i]);	/* counted as bad below */
	}
	for (i = 0; i < STRESS_THREADS; i++) {
		if (!wait_for_completion_timeout(&done[i], 6 * THREAD_TIMEOUT)) {
			KUNIT_FAIL(test, "thread %u still running", i);
			return;
		}
	}
	fx->leak = false;
	for (i = 0; i < STRESS_THREADS; i++)
		bad += s[i].bad;
	KUNIT_EXPECT_EQ(test, bad, 0U);
	KUNIT_EXPECT_EQ(test, hm->nr_busy, 0U);
	for (i = 0; i < TEST_SLOTS; i++)
		KUNIT_EXPECT_LE(test, toy_hm_pkmap_count(hm, i), 1);
	KUNIT_EXPECT_EQ(test, toy_hm_stat(hm, TOY_HS_KUNMAP),
			(unsigned long)STRESS_THREADS * STRESS_OPS);
	KUNIT_EXPECT_GT(test, toy_hm_stat(hm, TOY_HS_FLUSH), 0UL);
	expect_only_misuse(test, TOY_NR_HM_MISUSE, 0);
	kfree(s);
	kfree(done);
}

/* ==== Random sequences from several threads ==== */

/* One more thread than slots: with every slot held, a kmap has to wait. */
#define MT_THREADS	(TEST_SLOTS + 1)
#define MT_OPS		6000
#define MT_PAGES	16
#define MT_AREAS	4
#define MT_AREA_MAX	(8 * PAGE_SIZE)
#define MT_LOCAL_MAX	3

/* A page a thread holds: @tag in every byte but the first word, its pfn. */
struct mt_page {
	struct toy_page *page;
	u8 tag;
};

/* A vmalloc area a thread holds: @tag in each of its @size bytes. */
struct mt_area {
	u8 *addr;
	unsigned long size;
	u8 tag;
};

/**
 * struct hm_thread - one thread running a random sequence
 * @hm: the instance all threads share.
 * @rnd: its random state, with a seed of its own.
 * @pages: the pages it holds.
 * @nr_pages: entries of @pages in use.
 * @areas: the vmalloc areas it holds.
 * @nr_areas: entries of @areas in use.
 * @ops: steps that mapped or allocated something.
 * @bad_data: pages or areas whose bytes changed while the thread owned
 *	them, seen through any mapping.
 * @failed: kmaps, kmap_locals and unmaps that failed: none may.
 * @id: the thread's number.
 * @switches: steps at which another thread had run since its last.
 * @done: completed as the thread ends, everything freed.
 *
 * The counters are read only after @done: a KUnit assertion must not
 * be made from a thread the case does not run in.
 */
struct hm_thread {
	struct toy_highmem *hm;
	struct rnd_state rnd;
	struct mt_page pages[MT_PAGES];
	int nr_pages;
	struct mt_area areas[MT_AREAS];
	int nr_areas;
	unsigned long ops;
	unsigned long bad_data;
	unsigned long failed;
	int id;
	unsigned long switches;
	struct completion done;
};

static unsigned long mt_pfn(struct hm_thread *t, const struct mt_page *pg)
{
	return toy_node_pfn(t->hm->node, pg->page);
}

static void write_page(struct hm_thread *t, u8 *p, struct mt_page *pg)
{
	pg->tag = prandom_u32_state(&t->rnd) | 1;
	memset(p, pg->tag, PAGE_SIZE);
	*(unsigned long *)p = mt_pfn(t, pg);
}

static void check_page(struct hm_thread *t, const u8 *p,
		       const struct mt_page *pg)
{
	if (*(const unsigned long *)p != mt_pfn(t, pg) ||
	    memchr_inv(p + sizeof(long), pg->tag, PAGE_SIZE - sizeof(long)))
		t->bad_data++;
}

/* A new page, written through a kmap. */
static void mt_alloc_page(struct hm_thread *t)
{
	struct mt_page *pg = &t->pages[t->nr_pages];
	u8 *p;

	pg->page = toy_node_alloc(t->hm->node, TOY_GFP_HIGHUSER | __TOY_GFP_NOWARN, 0);
	if (!pg->page)
		return;
	t->nr_pages++;
	p = toy_hm_kmap(t->hm, pg->page);
	if (!p) {
		t->failed++;
		return;
	}
	write_page(t, p, pg);
	t->failed += toy_hm_kunmap(t->hm, pg->page) != 0;
}

/*
 * Check a page through a kmap and rewrite it, sleeping while holding the
 * kmap: with every other thread doing so too, one finds every slot held
 * and waits for a kunmap.
 */
static void mt_kmap_page(struct hm_thread *t, struct mt_page *pg)
{
	u8 *p = toy_hm_kmap(t->hm, pg->page);

	if (!p) {
		t->failed++;
		return;
	}
	check_page(t, p, pg);
	usleep_range(100, 200);
	check_page(t, p, pg);
	write_page(t, p, pg);
	t->failed += toy_hm_kunmap(t->hm, pg->page) != 0;
}

/* Check up to MT_LOCAL_MAX pages through nested kmap_local mappings. */
static void mt_kmap_local(struct hm_thread *t, u32 r, int step)
{
	const struct mt_page *pg[MT_LOCAL_MAX];
	u8 *p[MT_LOCAL_MAX];
	int i, n = 1 + r % MT_LOCAL_MAX;

	for (i = 0; i < n; i++) {
		pg[i] = &t->pages[(r >> (4 + 4 * i)) % t->nr_pages];
		p[i] = toy_hm_kmap_local(t->hm, pg[i]->page);
		if (!p[i]) {
			t->failed++;
			break;
		}
		check_page(t, p[i], pg[i]);
	}
	n = i;
	/* Switch with the local mappings held, as a preemptible kernel may. */
	interleave(step);
	for (i = n - 1; i >= 0; i--) {
		check_page(t, p[i], pg[i]);
		t->failed += toy_hm_kunmap_local(t->hm, p[i]) != 0;
	}
}

/* Check a page through a kmap_local and free it. */
static void mt_free_page(struct hm_thread *t, struct mt_page *pg)
{
	u8 *p = toy_hm_kmap_local(t->hm, pg->page);

	if (p) {
		check_page(t, p, pg);
		t->failed += toy_hm_kunmap_local(t->hm, p) != 0;
	} else {
		t->failed++;
	}
	toy_node_free(t->hm->node, pg->page, 0);
	*pg = t->pages[--t->nr_pages];
}

static void mt_vmalloc(struct hm_thread *t, u32 r)
{
	struct mt_area *a = &t->areas[t->nr_areas];

	a->size = 1 + r % MT_AREA_MAX;
	a->addr = toy_hm_vmalloc(t->hm, a->size, NULL);
	if (!a->addr)
		return;
	a->tag = r >> 24 | 1;
	memset(a->addr, a->tag, a->size);
	t->nr_areas++;
}

static void mt_vfree(struct hm_thread *t, struct mt_area *a)
{
	if (memchr_inv(a->addr, a->tag, a->size))
		t->bad_data++;
	t->failed += toy_hm_vfree(t->hm, a->addr) != 0;
	*a = t->areas[--t->nr_areas];
}

/*
 * One step: take a page and write it through a kmap, check and rewrite
 * one through a kmap, check some through nested kmap_locals, vmalloc or
 * vfree an area, or free a page.
 */
static void hm_step(struct hm_thread *t, int step)
{
	u32 r = prandom_u32_state(&t->rnd);
	u32 what = r & 7;

	r >>= 3;
	if (what >= 1 && what <= 3 && !t->nr_pages)
		what = 0;
	if (what == 5 && !t->nr_areas)
		what = 4;
	if ((what == 0 && t->nr_pages == MT_PAGES) ||
	    (what == 4 && t->nr_areas == MT_AREAS))
		what = 6;
	if (what >= 6 && !t->nr_pages)
		return;

	t->ops++;
	switch (what) {
	case 0:
		mt_alloc_page(t);
		break;
	case 1:
	case 2:
		mt_kmap_page(t, &t->pages[r % t->nr_pages]);
		break;
	case 3:
		mt_kmap_local(t, r, step);
		break;
	case 4:
		mt_vmalloc(t, r);
		break;
	case 5:
		mt_vfree(t, &t->areas[r % t->nr_areas]);
		break;
	default:
		mt_free_page(t, &t->pages[r % t->nr_pages]);
		break;
	}
}

static int hm_thread_fn(void *data)
{
	struct hm_thread *t = data;
	int i;

	for (i = 0; i < MT_OPS; i++) {
		hm_step(t, i);
		interleave(i);
		note_switch(t->id, &t->switches);
	}
	while (t->nr_pages)
		mt_free_page(t, &t->pages[t->nr_pages - 1]);
	while (t->nr_areas)
		mt_vfree(t, &t->areas[t->nr_areas - 1]);
	complete(&t->done);
	return 0;
}

/* mt_join()'s validate: the instance's. */
static unsigned long validate_hm(void *hm)
{
	return toy_hm_validate(hm);
}

/* buddyinfo of both zones of the test's node, pcp lists drained. */
static void free_snapshot(struct toy_node *node,
			  unsigned long nr_free[TOY_NR_ZONES][TOY_MAX_ORDER])
{
	int z;

	toy_node_drain_pcp(node);
	for (z = 0; z < TOY_NR_ZONES; z++)
		toy_zone_snapshot(&node->zones[z], nr_free[z]);
}

/*
 * kmap, kmap_local and vmalloc traffic from MT_THREADS threads, each with
 * its own seed, on the fixture's small window: every mapping shows the
 * data its owner wrote, validate finds nothing while they run, and at
 * the end no slot is busy, no area is left, every page is back and the
 * free lists are as before.
 */
static void toy_highmem_random_threads(struct kunit *test)
{
	unsigned long (*before)[TOY_MAX_ORDER], (*after)[TOY_MAX_ORDER];
	unsigned long validate_errors = 0, ops = 0, bad = 0, failed = 0;
	unsigned long switches = 0, validate_runs = 0, t0 = jiffies;
	struct hm_fixture *fx = test->priv;
	struct toy_highmem *hm = test_hm(test);
	struct hm_thread *t;
	int i;

	before = kunit_kcalloc(test, TOY_NR_ZONES, sizeof(*before), GFP_KERNEL);
	after = kunit_kcalloc(test, TOY_NR_ZONES, sizeof(*after), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, before);
	KUNIT_ASSERT_NOT_NULL(test, after);
	t = kcalloc(MT_THREADS, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	free_snapshot(test_node(test), before);
	fx->leak = true;
	for (i = 0; i < MT_THREADS; i++) {
		t[i].hm = hm;
		t[i].id = i;
		prandom_seed_state(&t[i].rnd, 300 + i);
		mt_run(test, hm_thread_fn, &t[i], &t[i].done, "toy_hm_mt", i);
	}
	if (!mt_join(&t[0].done, sizeof(*t), MT_THREADS, validate_hm, hm,
		     &validate_errors, &validate_runs)) {
		KUNIT_FAIL(test, "threads still running after %d s", MT_TIMEOUT / HZ);
		return;
	}
	fx->leak = false;

	for (i = 0; i < MT_THREADS; i++) {
		ops += t[i].ops;
		bad += t[i].bad_data;
		failed += t[i].failed;
		switches += t[i].switches;
	}
	kunit_info(test, "%d threads: %lu steps, %lu thread switches, %lu validates meanwhile, %u ms\n",
		   MT_THREADS, ops, switches, validate_runs,
		   jiffies_to_msecs(jiffies - t0));
	kunit_info(test, "%lu kmaps (%lu waited), %lu flushes, %lu kmap_locals, %lu vmallocs\n",
		   toy_hm_stat(hm, TOY_HS_KMAP), toy_hm_stat(hm, TOY_HS_WAIT),
		   toy_hm_stat(hm, TOY_HS_FLUSH), toy_hm_stat(hm, TOY_HS_LOCAL_MAP),
		   toy_hm_stat(hm, TOY_HS_VMALLOC));
	KUNIT_EXPECT_GT(test, ops, (unsigned long)MT_THREADS * MT_OPS / 2);
	/* Each short sleep hands over to another thread at least. */
	KUNIT_EXPECT_GE(test, switches, (unsigned long)MT_OPS / 32);
	KUNIT_EXPECT_EQ(test, bad, 0UL);
	KUNIT_EXPECT_EQ(test, failed, 0UL);
	KUNIT_EXPECT_EQ(test, validate_errors, 0UL);
	KUNIT_EXPECT_EQ(test, toy_hm_validate(hm), 0UL);
	KUNIT_EXPECT_EQ(test, hm->nr_busy, 0U);
	for (i = 0; i < TEST_SLOTS; i++)
		KUNIT_EXPECT_LE(test, toy_hm_pkmap_count(hm, i), 1);
	KUNIT_EXPECT_TRUE(test, list_empty(&hm->vmap_areas));
	KUNIT_EXPECT_EQ(test, toy_hm_stat(hm, TOY_HS_LOCAL_MAP),
			toy_hm_stat(hm, TOY_HS_LOCAL_UNMAP));
	KUNIT_EXPECT_EQ(test, toy_hm_stat(hm, TOY_HS_VMALLOC),
			toy_hm_stat(hm, TOY_HS_VFREE));
	KUNIT_EXPECT_EQ(test, toy_node_allocated_pages(test_node(test)), 0UL);
	free_snapshot(test_node(test), after);
	KUNIT_EXPECT_EQ(test, memcmp(before, after, TOY_NR_ZONES * sizeof(*after)), 0);
	expect_only_misuse(test, TOY_NR_HM_MISUSE, 0);
	kfree(t);
}

/* ==== validate ==== */

/*
 * What validate is shown before each corruption: a slot in use and one
 * unflushed, a local mapping, two vmalloc areas, and pages to corrupt
 * with. @saved and @saved_ptr keep what a corruption overwrote.
 */
struct scene {
	struct toy_highmem *hm;
	struct toy_page *busy, *unflushed, *local, *spare, *low;
	struct toy_pam *busy_pam, *unfl_pam, *extra;
	unsigned int free_slot;
	void *local_addr, *a_addr, *b_addr;
	struct toy_kmap_local *st;
	struct toy_vm_area *a, *b;
	unsigned long saved;
	void *saved_ptr;
};

static struct toy_pam *slot_pam(struct toy_highmem *hm, struct toy_page *page)
{
	int slot = slot_of(hm, page);

	return slot < 0 ? NULL : hm->pam[slot];
}

static struct toy_vm_area *area_at(struct toy_highmem *hm, void *addr)
{
	struct toy_vm_area *a;

	list_for_each_entry(a, &hm->vmap_areas, list)
		if (a->real == addr)
			return a;
	return NULL;
}

static struct list_head *bucket(struct toy_highmem *hm,
				const struct toy_page *page)
{
	return &hm->htable[hash_ptr(page, TOY_PA_HASH_ORDER)].lh;
}

/* Everything but the local mapping, which pins the task from the case. */
static void set_scene(struct kunit *test, struct scene *sc)
{
	struct toy_highmem *hm = test_hm(test);

	memset(sc, 0, sizeof(*sc));
	sc->hm = hm;
	sc->busy = high_page(test);
	sc->unflushed = high_page(test);
	sc->local = high_page(test);
	sc->spare = high_page(test);
	sc->low = test_page(test, TOY_GFP_KERNEL);
	sc->extra = kunit_kzalloc(test, sizeof(*sc->extra), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sc->extra);
	INIT_LIST_HEAD(&sc->extra->list);

	KUNIT_ASSERT_NOT_NULL(test, toy_hm_kmap(hm, sc->busy));	/* slot 1 */
	KUNIT_ASSERT_NOT_NULL(test, toy_hm_kmap(hm, sc->unflushed));	/* slot 2 */
	KUNIT_ASSERT_EQ(test, toy_hm_kunmap(hm, sc->unflushed), 0);
	sc->busy_pam = slot_pam(hm, sc->busy);
	sc->unfl_pam = slot_pam(hm, sc->unflushed);
	KUNIT_ASSERT_NOT_NULL(test, sc->busy_pam);
	KUNIT_ASSERT_NOT_NULL(test, sc->unfl_pam);
	sc->free_slot = 3;
	KUNIT_ASSERT_EQ(test, toy_hm_pkmap_count(hm, sc->free_slot), 0);

	sc->a_addr = toy_hm_vmalloc(hm, PAGE_SIZE, NULL);
	sc->b_addr = toy_hm_vmalloc(hm, 2 * PAGE_SIZE, NULL);
	sc->a = area_at(hm, sc->a_addr);
	sc->b = area_at(hm, sc->b_addr);
	KUNIT_ASSERT_NOT_NULL(test, sc->a);
	KUNIT_ASSERT_NOT_NULL(test, sc->b);
	KUNIT_ASSERT_EQ(test, sc->b->addr, hm->layout.vmalloc_start + 0x2000);
}

/* The CPU's entries that hold the case's local mapping. */
static struct toy_kmap_local *local_entries(struct toy_highmem *hm)
{
	int cpu;

	for_each_possible_cpu(cpu)
		if (per_cpu_ptr(hm->local, cpu)->nr)
			return per_cpu_ptr(hm->local, cpu);
	return NULL;
}

static void unflushed_count_0(struct scene *sc, bool undo)
{
	sc->hm->pkmap_count[sc->unfl_pam->slot] = undo ? 1 : 0;
}

static void free_count_negative(struct scene *sc, bool undo)
{
	sc->hm->pkmap_count[sc->free_slot] = undo ? 0 : -1;
}

static void nr_busy_off(struct scene *sc, bool undo)
{
	if (undo)
		sc->hm->nr_busy--;
	else
		sc->hm->nr_busy++;
}

static void last_pkmap_nr_out(struct scene *sc, bool undo)
{
	if (!undo)
		sc->saved = sc->hm->last_pkmap_nr;
	sc->hm->last_pkmap_nr = undo ? sc->saved : sc->hm->nr_slots;
}

static void busy_not_hashed(struct scene *sc, bool undo)
{
	if (undo)
		list_add_tail(&sc->busy_pam->list, bucket(sc->hm, sc->busy));
	else
		list_del_init(&sc->busy_pam->list);
}

/* A mapping of the spare page in the hash that no slot holds. */
static void stale_hash_entry(struct scene *sc, bool undo)
{
	if (undo) {
		list_del_init(&sc->extra->list);
		return;
	}
	sc->extra->page = sc->spare;
	sc->extra->slot = sc->free_slot;
	list_add_tail(&sc->extra->list, bucket(sc->hm, sc->spare));
}

/* The busy page in the free slot as well, unflushed, through its vmap. */
static void page_in_two_slots(struct scene *sc, bool undo)
{
	struct toy_highmem *hm = sc->hm;

	if (undo) {
		list_del_init(&sc->extra->list);
		hm->pam[sc->free_slot] = NULL;
		hm->pkmap_count[sc->free_slot] = 0;
		return;
	}
	sc->extra->page = sc->busy;
	sc->extra->virtual = sc->busy_pam->virtual;
	sc->extra->slot = sc->free_slot;
	list_add_tail(&sc->extra->list, bucket(hm, sc->busy));
	hm->pam[sc->free_slot] = sc->extra;
	hm->pkmap_count[sc->free_slot] = 1;
}

static void vmap_of_other_page(struct scene *sc, bool undo)
{
	if (!undo)
		sc->saved_ptr = sc->busy_pam->virtual;
	sc->busy_pam->virtual = undo ? sc->saved_ptr : sc->unfl_pam->virtual;
}

static void mapping_names_other_slot(struct scene *sc, bool undo)
{
	if (!undo)
		sc->saved = sc->busy_pam->slot;
	sc->busy_pam->slot = undo ? sc->saved : sc->free_slot;
}

static void normal_page_in_slot(struct scene *sc, bool undo)
{
	sc->busy_pam->page = undo ? sc->busy : sc->low;
}

static void local_overfull(struct scene *sc, bool undo)
{
	if (!undo)
		sc->saved = sc->st->nr;
	sc->st->nr = undo ? sc->saved : TOY_KMAP_LOCAL_ENTRIES + 1;
}

static void local_wrong_depth(struct scene *sc, bool undo)
{
	sc->st->entry[0].idx = undo ? 0 : 1;
}

static void local_wrong_cpu(struct scene *sc, bool undo)
{
	if (undo)
		sc->st->entry[0].cpu--;
	else
		sc->st->entry[0].cpu++;
}

static void local_normal_page(struct scene *sc, bool undo)
{
	sc->st->entry[0].page = undo ? sc->local : sc->low;
}

static void area_size_off(struct scene *sc, bool undo)
{
	if (undo)
		sc->b->size -= PAGE_SIZE;
	else
		sc->b->size += PAGE_SIZE;
}

static void area_no_pages(struct scene *sc, bool undo)
{
	sc->a->nr_pages = undo ? 1 : 0;
}

/* b starts in a's guard page. */
static void areas_overlap(struct scene *sc, bool undo)
{
	if (undo)
		sc->b->addr += PAGE_SIZE;
	else
		sc->b->addr -= PAGE_SIZE;
}

static void area_below_vmalloc(struct scene *sc, bool undo)
{
	sc->a->addr = sc->hm->layout.vmalloc_start - (undo ? 0 : PAGE_SIZE);
}

static void page_in_two_areas(struct scene *sc, bool undo)
{
	if (!undo)
		sc->saved_ptr = sc->b->pages[1];
	sc->b->pages[1] = undo ? sc->saved_ptr : sc->a->pages[0];
}

static void area_page_also_slab(struct scene *sc, bool undo)
{
	if (undo)
		__clear_bit(TOY_PG_SLAB, &sc->b->pages[0]->flags);
	else
		__set_bit(TOY_PG_SLAB, &sc->b->pages[0]->flags);
}

/* An allocated page of its own, but not the one the vmap shows. */
static void area_page_not_mapped(struct scene *sc, bool undo)
{
	if (!undo)
		sc->saved_ptr = sc->b->pages[0];
	sc->b->pages[0] = undo ? sc->saved_ptr : sc->spare;
}

struct corruption {
	const char *name;
	void (*apply)(struct scene *sc, bool undo);
	unsigned long errors;
};

static const struct corruption corruptions[] = {
	{ "unflushed slot's count 0, mapping kept", unflushed_count_0, 1 },
	{ "free slot's count -1", free_count_negative, 1 },
	{ "nr_busy one too many", nr_busy_off, 1 },
	{ "last_pkmap_nr past the window", last_pkmap_nr_out, 1 },
	{ "busy slot's mapping not in the hash", busy_not_hashed, 1 },
	{ "stale mapping in the hash", stale_hash_entry, 1 },
	{ "a page in two slots", page_in_two_slots, 1 },
	{ "slot's vmap of another page", vmap_of_other_page, 1 },
	{ "mapping names another slot", mapping_names_other_slot, 1 },
	{ "Normal page in a slot", normal_page_in_slot, 1 },
	{ "local entries past the array", local_overfull, 1 },
	{ "local entry at the wrong depth", local_wrong_depth, 1 },
	{ "local entry of another CPU", local_wrong_cpu, 1 },
	{ "local entry of a Normal page", local_normal_page, 1 },
	{ "area size without its pages", area_size_off, 1 },
	{ "area of no pages", area_no_pages, 1 },
	{ "areas overlapping", areas_overlap, 1 },
	{ "area below VMALLOC_START", area_below_vmalloc, 1 },
	{ "a page in two areas", page_in_two_areas, 1 },
	{ "area page also a slab", area_page_also_slab, 1 },
	{ "area page not the one mapped", area_page_not_mapped, 1 },
};

static void corruption_desc(const struct corruption *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(corruption, corruptions, corruption_desc);

/*
 * validate finds each corruption exactly once, and nothing after it is
 * undone. Between the local mapping and its unmap the case asserts
 * nothing: an abort there would leave the task pinned.
 */
static void toy_highmem_validate_finds(struct kunit *test)
{
	const struct corruption *c = test->param_value;
	struct toy_highmem *hm = test_hm(test);
	struct scene sc;

	set_scene(test, &sc);
	KUNIT_EXPECT_EQ(test, toy_hm_validate(hm), 0UL);
	sc.local_addr = toy_hm_kmap_local(hm, sc.local);
	sc.st = local_entries(hm);
	if (sc.local_addr && sc.st) {
		KUNIT_EXPECT_EQ(test, toy_hm_validate(hm), 0UL);
		c->apply(&sc, false);
		KUNIT_EXPECT_EQ_MSG(test, toy_hm_validate(hm), c->errors,
				    "%s", c->name);
		c->apply(&sc, true);
		KUNIT_EXPECT_EQ(test, toy_hm_validate(hm), 0UL);
	} else {
		KUNIT_FAIL(test, "no local mapping to show validate");
	}
	if (sc.local_addr)
		KUNIT_EXPECT_EQ(test, toy_hm_kunmap_local(hm, sc.local_addr), 0);
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, sc.busy), 0);
	KUNIT_EXPECT_EQ(test, toy_hm_vfree(hm, sc.a_addr), 0);
	KUNIT_EXPECT_EQ(test, toy_hm_vfree(hm, sc.b_addr), 0);
	expect_only_misuse(test, TOY_NR_HM_MISUSE, 0);
}

/* Corruptions add up: one of each layer at once. */
static void toy_highmem_validate_sum(struct kunit *test)
{
	struct toy_highmem *hm = test_hm(test);
	struct scene sc;

	set_scene(test, &sc);
	nr_busy_off(&sc, false);
	stale_hash_entry(&sc, false);
	areas_overlap(&sc, false);
	page_in_two_areas(&sc, false);
	KUNIT_EXPECT_EQ(test, toy_hm_validate(hm), 4UL);
	page_in_two_areas(&sc, true);
	areas_overlap(&sc, true);
	stale_hash_entry(&sc, true);
	nr_busy_off(&sc, true);
	KUNIT_EXPECT_EQ(test, toy_hm_validate(hm), 0UL);
	KUNIT_EXPECT_EQ(test, toy_hm_kunmap(hm, sc.busy), 0);
	KUNIT_EXPECT_EQ(test, toy_hm_vfree(hm, sc.a_addr), 0);
	KUNIT_EXPECT_EQ(test, toy_hm_vfree(hm, sc.b_addr), 0);
}

static int toy_highmem_test_init(struct kunit *test)
{
	struct hm_fixture *fx = kzalloc(sizeof(*fx), GFP_KERNEL);
	int err;

	if (!fx)
		return -ENOMEM;
	test->priv = fx;
	err = toy_node_init(&fx->node, 1, TEST_MEM_MB, TEST_HIGH_MB);
	if (err) {
		kfree(fx);
		return err;
	}
	err = toy_hm_init(&fx->hm, &fx->node, TEST_SLOTS);
	if (err) {
		toy_node_destroy(&fx->node);
		kfree(fx);
	}
	return err;
}

static void toy_highmem_test_exit(struct kunit *test)
{
	struct hm_fixture *fx = test->priv;

	if (fx->leak) {
		kunit_info(test, "a thread may still use the instance: leaked\n");
		return;
	}
	KUNIT_EXPECT_EQ(test, toy_hm_validate(&fx->hm), 0UL);
	KUNIT_EXPECT_EQ(test, toy_highmem_validate(), 0UL);
	toy_hm_destroy(&fx->hm);
	while (fx->nr_pages)
		toy_node_free(&fx->node, fx->pages[--fx->nr_pages], 0);
	KUNIT_EXPECT_EQ(test, toy_node_allocated_pages(&fx->node), 0UL);
	toy_node_destroy(&fx->node);
	kfree(fx);
}

static struct kunit_case toy_highmem_test_cases[] = {
	KUNIT_CASE(toy_highmem_page_address_zones),
	KUNIT_CASE(toy_highmem_address_lifecycle),
	KUNIT_CASE(toy_highmem_data_two_mappings),
	KUNIT_CASE(toy_highmem_count_semantics),
	KUNIT_CASE(toy_highmem_wrap_flush),
	KUNIT_CASE(toy_highmem_kmap_lowmem),
	KUNIT_CASE(toy_highmem_full_window_blocks),
	KUNIT_CASE(toy_highmem_local_15_deep),
	KUNIT_CASE(toy_highmem_local_per_task),
	KUNIT_CASE(toy_highmem_kmap_atomic),
	KUNIT_CASE(toy_highmem_public_api),
	/* After public_api: it leaves its page's slot at count 1. */
	KUNIT_CASE(toy_highmem_kmap_atomic_data),
	KUNIT_CASE(toy_highmem_vmalloc_1mib),
	KUNIT_CASE(toy_highmem_vfree_returns_pages),
	KUNIT_CASE(toy_highmem_vmalloc_lowest_fit),
	KUNIT_CASE_PARAM(toy_highmem_layout_derive, layout_gen_params),
	KUNIT_CASE(toy_highmem_layout_config),
	KUNIT_CASE(toy_highmem_layout_of_instance),
	KUNIT_CASE(toy_highmem_foreign),
	KUNIT_CASE(toy_highmem_bad_slots),
	KUNIT_CASE(toy_highmem_concurrent),
	KUNIT_CASE(toy_highmem_random_threads),
	KUNIT_CASE_PARAM(toy_highmem_validate_finds, corruption_gen_params),
	KUNIT_CASE(toy_highmem_validate_sum),
	{}
};

static struct kunit_suite toy_highmem_test_suite = {
	.name = "toy_highmem",
	.init = toy_highmem_test_init,
	.exit = toy_highmem_test_exit,
	.test_cases = toy_highmem_test_cases,
};

kunit_test_suite(toy_highmem_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
