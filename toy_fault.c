// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection for the toy's allocators, after lib/fault-inject.c.
 *
 * Debian's kernel is built without CONFIG_FAULT_INJECTION, so the module
 * carries its own copy of the few parts it needs. Two attributes, one for
 * the buddy (like fail_page_alloc) and one for the slab layer (like
 * failslab), each with the kernel's knobs under fail/<name>/ and the same
 * meaning:
 *
 *   probability  percent of calls that fail, once the others allow it
 *   interval     only every interval-th call may fail
 *   times        how many failures are left; -1 for no limit
 *   space        bytes allowed to succeed before failures start
 *   verbose      0 silent, 1 one line per failure, 2 with a stack trace
 *
 * fail/fail_nth is /proc/self/fail-nth for ctl: writing N makes the Nth
 * toy allocation of the next ctl command fail, and only that one; the
 * command then resets it to 0. The module parameter fail_init_nth does the
 * same for module load (toy_main.c passes it to toy_fault_begin()). Both
 * count only allocations made by the task that runs the command (or
 * insmod), so a background user does not use them up.
 *
 * While no probability is set and no fail-nth is armed, the static key
 * toy_fault_armed is off and toy_should_fail() costs the allocators one
 * jump that is not taken. fault_mutex orders the updates of the key.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <kunit/visibility.h>

#include "toy_internal.h"

struct toy_fault_attr toy_fail_page_alloc = TOY_FAULT_ATTR_INIT("fail_page_alloc");
EXPORT_SYMBOL_IF_KUNIT(toy_fail_page_alloc);
struct toy_fault_attr toy_fail_slab = TOY_FAULT_ATTR_INIT("failslab");
EXPORT_SYMBOL_IF_KUNIT(toy_fail_slab);

DEFINE_STATIC_KEY_FALSE(toy_fault_armed);
EXPORT_SYMBOL_IF_KUNIT(toy_fault_armed);
static DEFINE_MUTEX(fault_mutex);

/* fail/fail_nth as written, taken by the next command. */
static u32 fail_nth_pending;

/* The running command's countdown, and the task that runs it. */
static unsigned int fail_nth;
static struct task_struct *fail_nth_task;

/*
 * The key is on while anything may fail: a probability, or a fail-nth
 * armed (a countdown that ran out in an allocation leaves it on until its
 * task ends it, as that may be in any context).
 */
static void fault_key_update(void)
{
	lockdep_assert_held(&fault_mutex);
	if (READ_ONCE(toy_fail_page_alloc.probability) ||
	    READ_ONCE(toy_fail_slab.probability) || READ_ONCE(fail_nth_task))
		static_branch_enable(&toy_fault_armed);
	else
		static_branch_disable(&toy_fault_armed);
}

/**
 * toy_fault_set_probability() - set an attribute's probability
 * @attr: the attribute.
 * @probability: percent of eligible calls that fail; 0 for none.
 *
 * What writing fail/<name>/probability does.
 *
 * Context: Process context; may sleep.
 */
void toy_fault_set_probability(struct toy_fault_attr *attr,
			       unsigned long probability)
{
	mutex_lock(&fault_mutex);
	WRITE_ONCE(attr->probability, probability);
	fault_key_update();
	mutex_unlock(&fault_mutex);
}
EXPORT_SYMBOL_IF_KUNIT(toy_fault_set_probability);

/**
 * toy_fault_begin() - start counting allocations for fail-nth
 * @nth: fail the @nth allocation from now on (1 is the next); 0 for none.
 *
 * Context: Process context; ctl mutex held, or module init.
 */
void toy_fault_begin(unsigned int nth)
{
	mutex_lock(&fault_mutex);
	fail_nth = nth;
	WRITE_ONCE(fail_nth_task, nth ? current : NULL);
	fault_key_update();
	mutex_unlock(&fault_mutex);
}
EXPORT_SYMBOL_IF_KUNIT(toy_fault_begin);

/**
 * toy_fault_begin_command() - arm fail-nth for one ctl command
 *
 * Takes the value written to fail/fail_nth and resets it to 0.
 *
 * Context: Process context; ctl mutex held.
 */
void toy_fault_begin_command(void)
{
	toy_fault_begin(xchg(&fail_nth_pending, 0));
}

/**
 * toy_fault_end() - stop counting for fail-nth
 *
 * Context: The task that called toy_fault_begin().
 */
void toy_fault_end(void)
{
	toy_fault_begin(0);
}
EXPORT_SYMBOL_IF_KUNIT(toy_fault_end);

static void fail_dump(struct toy_fault_attr *attr, const char *why)
{
	if (!attr->verbose)
		return;
	pr_notice("FAULT_INJECTION: forcing a failure (%s, %s)\n", attr->name,
		  why);
	if (attr->verbose > 1)
		dump_stack();
}

/*
 * __toy_should_fail() - toy_should_fail() once the static key is on:
 * lib/fault-inject.c's should_fail(), fail-nth first.
 */
bool __toy_should_fail(struct toy_fault_attr *attr, size_t size)
{
	/*
	 * fail_nth belongs to the task that armed it: an interrupt that
	 * allocates while that task runs must not use it up (in_task(), as
	 * lib/fault-inject.c checks).
	 */
	if (in_task() && READ_ONCE(fail_nth_task) == current) {
		if (--fail_nth == 0) {
			WRITE_ONCE(fail_nth_task, NULL);
			fail_dump(attr, "fail_nth");
			return true;
		}
		return false;
	}
	if (!READ_ONCE(attr->probability))
		return false;
	if (atomic_read(&attr->times) == 0)
		return false;
	if (atomic_read(&attr->space) > (ssize_t)size) {
		atomic_sub(size, &attr->space);
		return false;
	}
	if (READ_ONCE(attr->interval) > 1 &&
	    atomic_long_inc_return(&attr->count) % READ_ONCE(attr->interval))
		return false;
	if (READ_ONCE(attr->probability) <= get_random_u32() % 100)
		return false;
	if (atomic_read(&attr->times) != -1)
		atomic_dec_if_positive(&attr->times);
	fail_dump(attr, "probability");
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(__toy_should_fail);

static int probability_get(void *data, u64 *val)
{
	struct toy_fault_attr *attr = data;

	*val = READ_ONCE(attr->probability);
	return 0;
}

static int probability_set(void *data, u64 val)
{
	toy_fault_set_probability(data, val);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(probability_fops, probability_get, probability_set,
			 "%llu\n");

static void attr_debugfs_init(struct toy_fault_attr *attr, struct dentry *dir)
{
	dir = debugfs_create_dir(attr->name, dir);
	debugfs_create_file_unsafe("probability", 0600, dir, attr,
				   &probability_fops);
	debugfs_create_ulong("interval", 0600, dir, &attr->interval);
	debugfs_create_atomic_t("times", 0600, dir, &attr->times);
	debugfs_create_atomic_t("space", 0600, dir, &attr->space);
	debugfs_create_ulong("verbose", 0600, dir, &attr->verbose);
}

/**
 * toy_fault_debugfs_init() - create fail/ and its knobs
 * @root: the module's debugfs directory.
 */
void toy_fault_debugfs_init(struct dentry *root)
{
	struct dentry *dir = debugfs_create_dir("fail", root);

	attr_debugfs_init(&toy_fail_page_alloc, dir);
	attr_debugfs_init(&toy_fail_slab, dir);
	debugfs_create_u32("fail_nth", 0600, dir, &fail_nth_pending);
}
