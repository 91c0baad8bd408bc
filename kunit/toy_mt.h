/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the suites' threaded random cases share: how their threads start
 * and interleave, how a case sees that they did, and how it waits for
 * them with validate running meanwhile. Each suite is one module with one
 * threaded case running at a time.
 */
#ifndef TOY_MT_H
#define TOY_MT_H

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/sched.h>

#define MT_TIMEOUT	(60 * HZ)	/* for all threads together */

/*
 * UML has one CPU and no kernel preemption (PREEMPT_NONE): threads
 * interleave only where one of them gives up the CPU. cond_resched()
 * after every step lets another in whenever the tick asks for it, and a
 * sleep of one tick every 32 steps hands the CPU over for certain, while
 * the sleeper still holds what it owns: a sleep of a few microseconds
 * (usleep_range()) may end before any other thread was picked, and how
 * often it does moved with the kernel's debug options. On an SMP kernel
 * the threads run in parallel as well.
 */
static inline void interleave(int step)
{
	if (step % 32 == 31)
		schedule_timeout_uninterruptible(1);
	else
		cond_resched();
}

/* The thread that ran the last step. */
static atomic_t mt_last = ATOMIC_INIT(-1);

/* Count a step at which another thread had run since this one's last. */
static inline void note_switch(int id, unsigned long *switches)
{
	if (atomic_xchg(&mt_last, id) != id)
		(*switches)++;
}

/*
 * Start thread @i of a case as @name<i>, running @fn(@data), which
 * completes @done as it ends. Should it not start, the case fails and
 * @done is completed here, so that mt_join() does not wait for it.
 */
static inline void mt_run(struct kunit *test, int (*fn)(void *data),
			  void *data, struct completion *done,
			  const char *name, int i)
{
	init_completion(done);
	if (IS_ERR(kthread_run(fn, data, "%s%d", name, i))) {
		KUNIT_FAIL(test, "no thread %d", i);
		complete(done);
	}
}

/*
 * Wait for @nr threads, whose completions lie @stride bytes apart from
 * @first (a member of an array of thread structs); meanwhile call
 * @validate(@arg), which must find nothing whatever the threads hold,
 * and add up the runs and what they found. False if a thread is still
 * running at the deadline.
 */
static inline bool mt_join(struct completion *first, size_t stride, int nr,
			   unsigned long (*validate)(void *arg), void *arg,
			   unsigned long *errors, unsigned long *runs)
{
	unsigned long deadline = jiffies + MT_TIMEOUT;
	int i;

	for (i = 0; i < nr; i++) {
		struct completion *done = (void *)first + i * stride;

		while (!wait_for_completion_timeout(done, HZ / 20)) {
			*errors += validate(arg);
			(*runs)++;
			if (time_after(jiffies, deadline))
				return false;
		}
	}
	return true;
}

#endif /* TOY_MT_H */
