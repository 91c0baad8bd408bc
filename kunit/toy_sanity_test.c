// SPDX-License-Identifier: GPL-2.0
/*
 * The last suite to run: the lock validator must still be on. Lockdep
 * turns itself off at its first report and a report does not fail the
 * case that caused it, so this is where such a report becomes a failure.
 */

#include <kunit/test.h>
#include <linux/debug_locks.h>
#include <linux/module.h>

static void toy_sanity_debug_locks(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, debug_locks, 1);
}

static struct kunit_case toy_sanity_test_cases[] = {
	KUNIT_CASE(toy_sanity_debug_locks),
	{}
};

static struct kunit_suite toy_sanity_test_suite = {
	.name = "toy_sanity",
	.test_cases = toy_sanity_test_cases,
};

kunit_test_suite(toy_sanity_test_suite);

MODULE_LICENSE("GPL");
