#include <CUnit/CUnit.h>
#include "clock.h"
#include "cunit_main.h"

static void test_unset_slots_read_zero(void)
{
	pv_vc c;
	pv_vc_init(&c);
	CU_ASSERT_EQUAL(pv_vc_get(&c, 0), 0);
	CU_ASSERT_EQUAL(pv_vc_get(&c, 1000), 0);
	pv_vc_set(&c, 5, 7);
	CU_ASSERT_EQUAL(pv_vc_get(&c, 5), 7);
	CU_ASSERT_EQUAL(pv_vc_get(&c, 4), 0);
	CU_ASSERT_EQUAL(pv_vc_get(&c, 6), 0);
	pv_vc_free(&c);
}

static void test_join_is_pointwise_max(void)
{
	pv_vc a, b;
	pv_vc_init(&a);
	pv_vc_init(&b);
	pv_vc_set(&a, 0, 3);
	pv_vc_set(&a, 1, 9);
	pv_vc_set(&b, 0, 5);
	pv_vc_set(&b, 1, 2);
	pv_vc_set(&b, 40, 1);
	pv_vc_join(&a, &b);
	CU_ASSERT_EQUAL(pv_vc_get(&a, 0), 5);
	CU_ASSERT_EQUAL(pv_vc_get(&a, 1), 9);
	CU_ASSERT_EQUAL(pv_vc_get(&a, 40), 1);
	CU_ASSERT_EQUAL(pv_vc_get(&a, 39), 0);
	/* b is unchanged */
	CU_ASSERT_EQUAL(pv_vc_get(&b, 1), 2);
	pv_vc_free(&a);
	pv_vc_free(&b);
}

static void test_copy_replaces_and_shrinks(void)
{
	pv_vc a, b;
	pv_vc_init(&a);
	pv_vc_init(&b);
	pv_vc_set(&a, 10, 4);
	pv_vc_set(&b, 2, 8);
	pv_vc_copy(&a, &b);
	CU_ASSERT_EQUAL(pv_vc_get(&a, 10), 0);
	CU_ASSERT_EQUAL(pv_vc_get(&a, 2), 8);
	pv_vc_free(&a);
	pv_vc_free(&b);
}

static void test_leq_and_covers(void)
{
	pv_vc a, b;
	pv_vc_init(&a);
	pv_vc_init(&b);
	pv_vc_set(&a, 0, 1);
	pv_vc_set(&a, 3, 2);
	pv_vc_set(&b, 0, 1);
	CU_ASSERT_FALSE(pv_vc_leq(&a, &b));
	CU_ASSERT_TRUE(pv_vc_leq(&b, &a));
	pv_vc_set(&b, 3, 2);
	CU_ASSERT_TRUE(pv_vc_leq(&a, &b));
	CU_ASSERT_TRUE(pv_vc_covers(&b, 3, 2));
	CU_ASSERT_FALSE(pv_vc_covers(&b, 3, 3));
	CU_ASSERT_FALSE(pv_vc_covers(&b, 100, 1));
	pv_vc_free(&a);
	pv_vc_free(&b);
}

/* Message passing: A releases into a sync clock, B acquires it; B then
 * covers A's epoch at the release but not A's later epochs. */
static void test_release_acquire_orders_only_the_past(void)
{
	pv_vc ta, tb, sync;
	pv_vc_init(&ta);
	pv_vc_init(&tb);
	pv_vc_init(&sync);
	pv_vc_set(&ta, 0, 1);
	pv_vc_set(&tb, 1, 1);
	pv_vc_join(&sync, &ta);
	pv_vc_set(&ta, 0, 2); /* A goes on after releasing */
	pv_vc_join(&tb, &sync);
	CU_ASSERT_TRUE(pv_vc_covers(&tb, 0, 1));
	CU_ASSERT_FALSE(pv_vc_covers(&tb, 0, 2));
	CU_ASSERT_FALSE(pv_vc_covers(&ta, 1, 1));
	pv_vc_free(&ta);
	pv_vc_free(&tb);
	pv_vc_free(&sync);
}

static void test_large_clocks(void)
{
	pv_vc a, b;
	pv_vc_init(&a);
	pv_vc_init(&b);
	for (uint32_t i = 0; i < 5000; i++)
		pv_vc_set(&a, i, i + 1);
	pv_vc_join(&b, &a);
	CU_ASSERT_TRUE(pv_vc_leq(&a, &b));
	CU_ASSERT_EQUAL(pv_vc_get(&b, 4999), 5000);
	pv_vc_free(&a);
	pv_vc_free(&b);
}

const char *pv_suite_name = "clock";
const pv_test pv_tests[] = {
	{ "unset slots read as zero", test_unset_slots_read_zero },
	{ "join is the pointwise max", test_join_is_pointwise_max },
	{ "copy replaces", test_copy_replaces_and_shrinks },
	{ "leq and covers", test_leq_and_covers },
	{ "release/acquire orders only the past", test_release_acquire_orders_only_the_past },
	{ "clocks of thousands of slots", test_large_clocks },
	{ NULL, NULL },
};
