/* Helpers for the CUnit tests. */
#ifndef SEAM_TESTS_UNIT_H
#define SEAM_TESTS_UNIT_H

#include <CUnit/CUnit.h>

/* Each test file defines this and adds its suites to the registry. */
void seam_register_tests(void);

/* Adds a suite with the given tests ({name, fn}, ending in {NULL, NULL}). */
#define SEAM_ADD_SUITE(suite_name, tests)                                      \
  do {                                                                         \
    CU_pSuite s_ = CU_add_suite(suite_name, NULL, NULL);                       \
    for (int i_ = 0; (tests)[i_].pName; i_++)                                  \
      CU_add_test(s_, (tests)[i_].pName, (tests)[i_].pTestFunc);               \
  } while (0)

#endif
