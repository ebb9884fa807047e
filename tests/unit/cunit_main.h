/* Each unit test file defines its suite with pv_test_suite(); the shared
 * main runs it and turns failures into a non-zero exit for ctest. */
#ifndef PV_CUNIT_MAIN_H
#define PV_CUNIT_MAIN_H

#include <CUnit/CUnit.h>

typedef struct {
	const char *name;
	void (*fn)(void);
} pv_test;

/* Provided by each test file: its suite name and a {NULL, NULL}-ended list. */
extern const char *pv_suite_name;
extern const pv_test pv_tests[];

#endif
