#include <stdio.h>
#include <CUnit/Basic.h>
#include "cunit_main.h"

/* A test file may define this: run with arguments (exec'd by one of its
 * tests), the program is that test's child instead. */
extern int pv_test_child(int argc, char **argv) __attribute__((weak));

int main(int argc, char **argv)
{
	if (argc > 1 && pv_test_child)
		return pv_test_child(argc, argv);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	CU_pSuite s = CU_add_suite(pv_suite_name, NULL, NULL);
	if (!s)
		return 2;
	for (const pv_test *t = pv_tests; t->name; t++)
		if (!CU_add_test(s, t->name, t->fn))
			return 2;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	unsigned run = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	return (failed || run == 0) ? 1 : 0;
}
